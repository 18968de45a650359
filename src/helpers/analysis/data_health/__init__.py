"""Data health: what a data source holds, how fresh it is and what it can support.

The engine queries live in :mod:`~helpers.analysis.data_health.queries`; the other modules
work on the frames they return: tables for people (``views``), sentences, the key
distributions, charts (``plots``), analysis support (``support``) and the Summary's
findings and cards (``brief``).
"""

from __future__ import annotations

from helpers.analysis.data_health.brief import (
    headline_cards,
    health_findings,
)
from helpers.analysis.data_health.distributions import (
    key_distributions,
)
from helpers.analysis.data_health.plots import (
    activity_alt,
    distributions_alt,
    plot_activity,
    plot_distributions,
    plot_panel,
)
from helpers.analysis.data_health.queries import (
    ACTIVITY_TABLES,
    CATEGORY_MIXES,
    EVENT_DATE,
    category_mix,
    date_coverage,
    monthly_activity,
    table_overview,
)
from helpers.analysis.data_health.sentences import (
    YEAR_ON_YEAR_MONTHS,
    common_period,
    coverage_sentence,
    freshness_sentence,
    tables_sentence,
    validation_sentence,
)
from helpers.analysis.data_health.support import (
    NAMED_GAPS,
    support_by_report,
    support_gaps,
    support_summary,
)
from helpers.analysis.data_health.views import (
    COVERAGE_KINDS,
    FINDING_KINDS,
    SUPPORT_KINDS,
    TABLE_KINDS,
    coverage_view,
    findings_table,
    findings_view,
    mark_stale,
    rule_label,
    table_label,
    tables_view,
)

__all__ = [
    "ACTIVITY_TABLES",
    "CATEGORY_MIXES",
    "COVERAGE_KINDS",
    "EVENT_DATE",
    "FINDING_KINDS",
    "NAMED_GAPS",
    "SUPPORT_KINDS",
    "TABLE_KINDS",
    "YEAR_ON_YEAR_MONTHS",
    "activity_alt",
    "category_mix",
    "common_period",
    "coverage_sentence",
    "coverage_view",
    "date_coverage",
    "distributions_alt",
    "findings_table",
    "findings_view",
    "freshness_sentence",
    "headline_cards",
    "health_findings",
    "key_distributions",
    "mark_stale",
    "monthly_activity",
    "plot_activity",
    "plot_distributions",
    "plot_panel",
    "rule_label",
    "support_by_report",
    "support_gaps",
    "support_summary",
    "table_label",
    "table_overview",
    "tables_sentence",
    "tables_view",
    "validation_sentence",
]
