"""Budget allocation: the budget frame, the optimal channel mix, scenarios, tiers, cost control.

Money flows one way through this package:

1. :func:`budget_frame` takes the total budget for the planning period and holds back the
   risk reserve and the fixed cost lines (tools, content production, events). Neither is
   ever allocated. What remains is split into the account-facing budget (account-based
   programmes, planned by value tier) and the channel budget (planned by response curve).
2. :func:`channel_bounds` turns per-channel bounds, given as multipliers of current spend or
   as absolute amounts, into absolute amounts.
3. :func:`optimise_mix` maximises the expected outcome of the channel budget with scipy's
   SLSQP; :func:`cross_check` checks it with searches valid on S-shaped curves (local
   searches from the greedy grid plan of :func:`greedy_mix` and from random starts) and
   reports a discrepancy only when one finds a better plan. :func:`mix_table` reports the
   plan channel by channel and :func:`explain_mix` says in words why it moves money (or
   why it does not). :func:`shift_support` and :func:`plan_supported` gate a recommended
   shift: the fitted curves must support it and its gain interval must lie above zero.
4. :func:`scenario_table` puts the current plan, the optimum, budget -20 % / +20 %, bounds
   widened x3, the target-efficiency plan and a user allocation side by side.
5. :func:`tier_allocation` splits the account-facing budget across value tiers and gives
   per-account budgets for key accounts.
6. :func:`cost_control` compares actual spend with a plan; :func:`reallocation` recommends
   moving money from channels with a low marginal ROI to those with a high one.
7. :func:`plan_lines` gives the plan as finance lines and :func:`export_sheets` the sheets
   of the plan workbook; the notebook writes ``budget_plan.csv`` and ``budget_plan.xlsx``.

Modules: :mod:`.plan` (frame, bounds), :mod:`.optimise` (optimiser, cross-check),
:mod:`.mix` (mix table, gain, shift gate, goals), :mod:`.scenarios`, :mod:`.tiers`,
:mod:`.queries` (the engine work), :mod:`.control` (cost control, reallocation),
:mod:`.export`, :mod:`.views` (tables for people), :mod:`.plots`, :mod:`.sentences`.

All amounts that a person sees are totals for the planning period (``periods`` spend
periods, months in the sample data). Response curves work per period; the conversion is
``outcome(X) = periods * curve.response(X / periods)``.
"""

from __future__ import annotations

from helpers.analysis.budget.control import (
    checked_control,
    cost_control,
    has_baseline,
    read_plan,
    reallocation,
    spend_rise_tests,
    tested_overspend,
    trailing_plan,
)
from helpers.analysis.budget.export import (
    export_sheets,
    plan_lines,
)
from helpers.analysis.budget.mix import (
    goal_table,
    mix_table,
    plan_gain,
    plan_supported,
    shift_support,
)
from helpers.analysis.budget.optimise import (
    CHECK_TOLERANCE,
    cross_check,
    expected_outcome,
    greedy_mix,
    optimise_mix,
    outcome_draws,
)
from helpers.analysis.budget.plan import (
    DEFAULT_TIER_WEIGHTS,
    GOALS,
    TIERS,
    BudgetError,
    BudgetFrame,
    InfeasibleBoundsError,
    budget_frame,
    channel_bounds,
    check_feasible,
    current_plan,
    widen_bounds,
)
from helpers.analysis.budget.plots import (
    plot_mix,
    plot_scenarios,
    plot_shares,
)
from helpers.analysis.budget.queries import (
    account_value_tiers,
    spend_by_period,
)
from helpers.analysis.budget.scenarios import (
    efficiency_plan,
    scenario_table,
)
from helpers.analysis.budget.sentences import (
    control_sentence,
    explain_mix,
    frame_sentence,
    keep_reason,
    overspend_list,
    periods_note,
    reallocation_sentence,
    scenario_sentence,
    scenarios_alt,
    shares_alt,
    signed,
    split_story,
    tiers_sentence,
    top_row,
)
from helpers.analysis.budget.tiers import (
    tier_allocation,
    value_uplift,
)
from helpers.analysis.budget.views import (
    allocation_shares,
    channel_label,
    report_table,
    scenario_label,
    value_label,
)

__all__ = [
    "BudgetError",
    "BudgetFrame",
    "CHECK_TOLERANCE",
    "DEFAULT_TIER_WEIGHTS",
    "GOALS",
    "InfeasibleBoundsError",
    "TIERS",
    "account_value_tiers",
    "allocation_shares",
    "budget_frame",
    "channel_bounds",
    "channel_label",
    "check_feasible",
    "checked_control",
    "control_sentence",
    "cost_control",
    "cross_check",
    "current_plan",
    "efficiency_plan",
    "expected_outcome",
    "explain_mix",
    "export_sheets",
    "frame_sentence",
    "goal_table",
    "greedy_mix",
    "has_baseline",
    "keep_reason",
    "mix_table",
    "optimise_mix",
    "outcome_draws",
    "overspend_list",
    "periods_note",
    "plan_gain",
    "plan_lines",
    "plan_supported",
    "plot_mix",
    "plot_scenarios",
    "plot_shares",
    "read_plan",
    "reallocation",
    "reallocation_sentence",
    "report_table",
    "scenario_label",
    "scenario_sentence",
    "scenario_table",
    "scenarios_alt",
    "shares_alt",
    "shift_support",
    "signed",
    "spend_by_period",
    "spend_rise_tests",
    "split_story",
    "tested_overspend",
    "tier_allocation",
    "tiers_sentence",
    "top_row",
    "trailing_plan",
    "value_label",
    "value_uplift",
    "widen_bounds",
]
