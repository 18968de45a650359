"""Value tiers, key-account selection and key-account dossiers.

* :func:`value_table` is the one-call account value table (RFM, P(alive), CLV, profit CLV,
  fit score, value tier) that other notebooks use; :func:`assemble_value_table` builds it
  from pieces a notebook has already computed.
* :func:`assign_value_tiers` puts every account in one of :data:`VALUE_TIERS`.
* :func:`select_key_accounts` applies explicit criteria and a capacity and says why each
  chosen account qualifies; :func:`compare_with_previous` shows promotions and demotions.
* :func:`firmographic_fit` is a simple look-alike fit score used when no ICP fit score is
  supplied. It is gated like the look-alike model of the customer profiling
  (:func:`fit_levels`): only the industries and size bands whose share among the best
  customers differs reliably from the rest (Fisher exact test per value, corrected
  together, of an attribute that a chi-square test finds related to being a best customer,
  :func:`helpers.analysis.icp.surviving_levels`) move the score; the other values share the pooled
  average. When no value survives, no fit score is built from noise: the fit criterion is
  skipped with a note of its own (``attrs["fit_problem"]``).
* :func:`dossiers` gathers a compact profile per key account.

Layout: :mod:`~helpers.analysis.key_accounts.value` (the value table),
:mod:`~helpers.analysis.key_accounts.tiers`, :mod:`~helpers.analysis.key_accounts.fit`,
:mod:`~helpers.analysis.key_accounts.cac`, :mod:`~helpers.analysis.key_accounts.selection`,
:mod:`~helpers.analysis.key_accounts.profiles` (dossiers, with its engine queries in
:mod:`~helpers.analysis.key_accounts.queries`), :mod:`~helpers.analysis.key_accounts.views`,
:mod:`~helpers.analysis.key_accounts.formatting` and :mod:`~helpers.analysis.key_accounts.plots`.
Everything public is re-exported here.
"""

from __future__ import annotations

from helpers.analysis.key_accounts.cac import (
    clv_cac_summary,
    clv_cac_tests,
)
from helpers.analysis.key_accounts.fit import (
    FIT_ATTRIBUTES,
    firmographic_fit,
    fit_levels,
)
from helpers.analysis.key_accounts.formatting import (
    DASH,
    SPARK_BLOCKS,
    fmt_money,
    fmt_number,
    fmt_share,
    format_range,
    percent_or_none,
    sparkline,
    value_label,
)
from helpers.analysis.key_accounts.plots import (
    plot_revenue_trend,
    plot_revenue_trends,
)
from helpers.analysis.key_accounts.profiles import (
    dossier_markdown,
    dossiers,
    latest_feedback,
    monthly_revenue,
    next_actions,
)
from helpers.analysis.key_accounts.selection import (
    CAPACITY_RANGE,
    DEFAULT_CRITERIA,
    check_criteria,
    compare_with_previous,
    read_account_list,
    read_fit_scores,
    select_key_accounts,
)
from helpers.analysis.key_accounts.tiers import (
    DEFAULT_TIER_THRESHOLDS,
    TIER_BASES,
    VALUE_TIERS,
    assign_value_tiers,
    check_tier_thresholds,
    tier_summary,
    value_column,
)
from helpers.analysis.key_accounts.value import (
    EXPORT_COLUMNS,
    NO_PURCHASE_METHOD,
    account_stage,
    assemble_value_table,
    value_table,
)
from helpers.analysis.key_accounts.views import (
    change_counts,
    largest,
    populated_columns,
    top_value_accounts,
    trend_view,
)

__all__ = [
    "CAPACITY_RANGE",
    "DASH",
    "DEFAULT_CRITERIA",
    "DEFAULT_TIER_THRESHOLDS",
    "EXPORT_COLUMNS",
    "FIT_ATTRIBUTES",
    "NO_PURCHASE_METHOD",
    "SPARK_BLOCKS",
    "TIER_BASES",
    "VALUE_TIERS",
    "account_stage",
    "assemble_value_table",
    "assign_value_tiers",
    "change_counts",
    "check_criteria",
    "check_tier_thresholds",
    "clv_cac_summary",
    "clv_cac_tests",
    "compare_with_previous",
    "dossier_markdown",
    "dossiers",
    "firmographic_fit",
    "fit_levels",
    "fmt_money",
    "fmt_number",
    "fmt_share",
    "format_range",
    "largest",
    "latest_feedback",
    "monthly_revenue",
    "next_actions",
    "percent_or_none",
    "plot_revenue_trend",
    "plot_revenue_trends",
    "populated_columns",
    "read_account_list",
    "read_fit_scores",
    "select_key_accounts",
    "sparkline",
    "tier_summary",
    "top_value_accounts",
    "trend_view",
    "value_column",
    "value_label",
    "value_table",
]
