"""Lifecycle stages from a rule table, stage mix, stage migration and stage playbooks.

Every account gets exactly one of :data:`STAGES`. The rules are checked in the fixed
precedence order of :data:`PRECEDENCE`; the first rule an account meets gives its stage and
``mature`` takes everything left, so the stages are exclusive and exhaustive by
construction.

Default rule table (:data:`DEFAULT_RULES`; every threshold can be overridden in params)::

    prospect   order_count <= max_orders (0)
    churned    days since the last order >= min_days_since_last_order (180) and, when the
               account has an order rhythm, > gap_multiple (3) x its median gap between
               distinct order dates
    new        days since the first order <= max_days_since_first_order (180)
    declining  last-12-month / previous-12-month ratio <= max_trend_ratio (0.65)
    growth     last-12-month / previous-12-month ratio >= min_trend_ratio (1.5)
    mature     everything else

The trend ratio uses order counts by default (``metric: orders``) or net revenue
(``metric: revenue``). A previous year without orders and a current year with some counts as
an infinite ratio (growth).

Typical use from another analysis::

    stages = lifecycle.stages_for(ws, as_of)            # account_id, stage
    feats = feats.merge(stages, on="account_id")

or, when you already hold :func:`helpers.data.features.account_features` computed with windows
that include 365 and 730 days, ``feats["stage"] = lifecycle.assign_stages(feats)`` (that
route uses ``mean_gap_days`` as the order rhythm, because the feature table has no median
gap; :func:`stages_for` uses the median).

Modules: :mod:`.rules` (rule table, stage assignment), :mod:`.queries` (engine queries:
stage inputs, stages on a date, migration), :mod:`.migration` (stage mix and migration
counts), :mod:`.playbooks`, :mod:`.sentences` (report text) and :mod:`.plots`.
"""

from __future__ import annotations

from .migration import (
    StageNumbers,
    attach_stages,
    migration_counts,
    migration_matrix,
    migration_shares,
    stage_mix,
    stage_numbers,
)
from .playbooks import (
    DEFAULT_PLAYBOOKS,
    action_counts,
    check_playbooks,
    playbook_overview,
    playbook_table,
    recommend_actions,
    stage_overview,
)
from .plots import (
    plot_migration,
    plot_stage_mix,
)
from .queries import (
    stage_inputs,
    stage_inputs_expr,
    stage_migration,
    stages_for,
)
from .rules import (
    DEFAULT_RULES,
    ENTRANT,
    PRECEDENCE,
    STAGE_INPUT_COLUMNS,
    STAGES,
    assign_stages,
    check_rules,
    stage_conditions,
)
from .sentences import (
    describe_rules,
    lifecycle_summary,
    migration_alt,
    migration_skip_note,
    migration_summary,
    stage_findings,
    stage_label,
    stage_mix_alt,
)

__all__ = [
    "DEFAULT_PLAYBOOKS",
    "DEFAULT_RULES",
    "ENTRANT",
    "PRECEDENCE",
    "STAGES",
    "STAGE_INPUT_COLUMNS",
    "StageNumbers",
    "action_counts",
    "assign_stages",
    "attach_stages",
    "check_playbooks",
    "check_rules",
    "describe_rules",
    "lifecycle_summary",
    "migration_alt",
    "migration_counts",
    "migration_matrix",
    "migration_shares",
    "migration_skip_note",
    "migration_summary",
    "playbook_overview",
    "playbook_table",
    "plot_migration",
    "plot_stage_mix",
    "recommend_actions",
    "stage_conditions",
    "stage_findings",
    "stage_inputs",
    "stage_inputs_expr",
    "stage_label",
    "stage_migration",
    "stage_mix",
    "stage_mix_alt",
    "stage_numbers",
    "stage_overview",
    "stages_for",
]
