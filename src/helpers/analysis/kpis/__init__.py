"""Marketing KPIs: definitions, monthly and quarterly series, comparisons, alerts, run-over-run.

Every KPI has one formula, written once as a small pure function (:mod:`.formulas`) and
applied to counts and sums that the engine computes (:mod:`.queries`). Shares are fractions
(0.25 means 25 %); NPS is on its usual -100..100 scale.

KPI definitions
---------------
Revenue
    Sum of ``orders.amount`` (credit notes included) in the period.
Revenue growth
    ``revenue / revenue of the comparison period - 1``: the previous period
    (period on period) or the same period a year earlier (year on year).
New customers
    Accounts whose first order with a positive amount falls in the period. In the first
    12 months of the data this cannot tell new customers from existing ones seen for the
    first time, so those periods are left empty.
CAC (customer acquisition cost)
    ``(marketing spend + sales cost) / new customers`` in the period. Marketing spend is
    ``marketing_spend.spend``; sales cost is a fixed monthly amount from the parameters
    (the data contract has no sales-cost table). By channel: spend on a channel over the
    new customers whose ``acquisition_channel`` has the same name, or, when the accounts
    carry ``acquisition_cost``, the mean recorded acquisition cost of the channel's new
    customers (see :func:`cac_by_channel`).
Active customers, churn rate
    At the end of a period an account is *active* when its net revenue over the trailing
    12 months is positive. The churn rate is ``churned / customers at start``: the
    customers at start had positive revenue in the 12 months before the trailing window,
    the churned ones among them have none in it.
Gross and net revenue retention (GRR, NRR)
    Over the same cohort, with ``r0`` its per-account revenue in the earlier 12 months and
    ``r1`` in the trailing 12 months (negative values counted as 0):
    ``GRR = sum(min(r1, r0)) / sum(r0)`` and ``NRR = sum(r1) / sum(r0)``.
CLV (customer lifetime value)
    Expected discounted gross margin of an active customer over ``horizon_years``:
    ``CLV = m * (1 - q**N) / (1 - q)`` with ``q = (1 - churn rate) / (1 + discount rate)``,
    ``m`` the trailing-12-month gross margin per active customer and ``N`` the horizon in
    years (``N * m`` when ``q = 1``). CLV by value tier comes from the value-assessment
    table (:func:`clv_by_tier`).
CLV:CAC
    ``CLV / CAC``; below 3 a customer rarely pays back the cost of winning it.
Funnel conversion
    Accounts engaged in the period (any interaction) -> those of them that opened an
    opportunity in the period -> those of them that won one of those opportunities:
    ``engaged -> opportunity = opportunity accounts / engaged accounts``,
    ``opportunity -> won = won accounts / opportunity accounts``.
Win rate, sales cycle
    Over opportunities closed in the period: ``won / (won + lost)``; the sales cycle is
    the median number of days from ``created_date`` to ``close_date`` of the won ones.
NPS
    ``100 * (promoters - detractors) / responses`` with promoters scoring 9-10 and
    detractors 0-6, over survey responses in the period.
CSAT
    Share of CSAT ratings of 4 or 5 (on 1-5) among responses with a rating; the mean
    rating is reported alongside.

Only rows on or before ``as_of`` count, and a period is a calendar month or quarter; the
series ends with the last complete period on or before ``as_of``.

Evidence
--------
A number is not a move until the data holds it up. :func:`kpi_flags` flags data breaks
and level shifts (a gap, a jump from or to zero, a step found by a corrected two-sample
test, a history under a year, too few new customers or too short a spend history for
CAC); a flagged KPI shows its flag instead of a change. Forecast bands are the prediction
intervals of a fitted exponential smoothing model on a scale that keeps them inside the
KPI's range (:func:`forecast`). Trends (:func:`trend_findings`), group and channel
comparisons (:func:`spread_findings`, :func:`channel_finding`) and alerts
(:func:`alert_findings`) are findings of :mod:`helpers.presentation.findings`, stated only when their
test, corrected within its family, passes.

Cards
-----
Each headline KPI is a card (:func:`kpi_cards`) that names its period, shows the change
against the previous period (or its flag), a trend line of the last periods and, where
the ``targets`` parameter sets one (:func:`check_targets`), the progress towards the
target per period. :func:`cards_html` draws them in the report; :func:`headline_cards`
records them for the portal. Run-over-run changes (:func:`previous_snapshot`) are taken
only against earlier runs on the same parameters and data (:func:`run_identity`); the
notebook loads the run records and writes the exports, and hands them to these functions.

Modules
-------
:mod:`.formulas` (definitions and formulas), :mod:`.periods` (months and quarters),
:mod:`.queries` (every engine query), :mod:`.series` (series and group comparisons),
:mod:`.channels`, :mod:`.tiers`, :mod:`.pipeline`, :mod:`.forecasting`, :mod:`.breaks`
(flags), :mod:`.alerts`, :mod:`.trends`, :mod:`.runs` (run over run), :mod:`.cards`,
:mod:`.formatting` (values as text), :mod:`.sentences`, :mod:`.segments` and
:mod:`.plots`. This package re-exports their public functions.
"""

from __future__ import annotations

from .alerts import (
    AlertRule,
    alert_findings,
    alert_people_table,
    alert_rules,
    alert_table,
    evaluate_alerts,
    supported_rules,
)
from .breaks import (
    FLAG_COLUMNS,
    KPI_SOURCES,
    MIN_SHIFT,
    flag_note,
    kpi_flags,
    level_shift,
    series_break,
)
from .cards import (
    card_value_text,
    cards_html,
    check_targets,
    headline_cards,
    headline_table,
    kpi_cards,
    sparkline_img,
    sparkline_svg,
    target_findings,
    target_progress,
    target_text,
)
from .channels import (
    cac_by_channel,
    channel_finding,
    channels_sentence,
    priced_channels,
)
from .forecasting import (
    MIN_FIT_POINTS,
    MIN_SERIES_POINTS,
    forecast,
    forecasts,
    value_domain,
)
from .formatting import (
    KPI_ANALYSES,
    card_change_text,
    channel_name,
    format_kpi,
    stage_name,
)
from .formulas import (
    CLOSED_STAGES,
    CSAT_SATISFIED,
    FREQS,
    HEADLINE_KPIS,
    HISTORY_MONTHS,
    INTERVALS,
    KPIS,
    NPS_DETRACTOR,
    NPS_PROMOTER,
    PER_YEAR,
    TIER_ORDER,
    KpiSpec,
    cac,
    churn_rate,
    clv,
    clv_cac_ratio,
    csat,
    growth,
    nps,
    nps_from_counts,
    nps_interval,
    poisson_interval,
    revenue_retention,
    win_rate,
)
from .periods import (
    kpi_periods,
    next_periods,
    period_name,
    trailing_window,
)
from .pipeline import (
    pipeline_by_stage,
    pipeline_sentence,
    pipeline_table,
)
from .plots import (
    channel_chart,
    comparison_alt,
    funnel_alt,
    panels_figure,
    plot_comparison,
    plot_funnel,
    plot_kpi_trend,
    plot_kpi_trends,
    trend_alt,
    trend_figure,
)
from .runs import (
    SNAPSHOT_FILE,
    describe_changes,
    headline_values,
    previous_snapshot,
    run_entry,
    run_identity,
    run_over_run,
    run_over_run_table,
    skipped_note,
    snapshot_frame,
)
from .segments import (
    SEGMENT_METRICS,
    comparison_panels,
    pick_metric,
    segment_panels,
    segment_splits,
    spread_findings,
    spread_sentence,
)
from .sentences import (
    funnel_sentence,
    headline_sentence,
    unavailable_note,
)
from .series import (
    compare_breakdowns,
    compare_kpis,
    funnel_table,
    kpi_changes,
    kpi_series,
    trim_to_data,
)
from .tiers import (
    clv_by_tier,
    tier_cac,
    tier_groups,
    tier_name,
    tier_table,
    tier_values,
    tiers_sentence,
)
from .trends import (
    TREND_KPIS,
    trend_findings,
    trend_kpis,
    trend_note,
    trend_sentence,
)

__all__ = [
    "AlertRule",
    "CLOSED_STAGES",
    "CSAT_SATISFIED",
    "FLAG_COLUMNS",
    "FREQS",
    "HEADLINE_KPIS",
    "HISTORY_MONTHS",
    "INTERVALS",
    "KPIS",
    "KPI_ANALYSES",
    "KPI_SOURCES",
    "KpiSpec",
    "MIN_FIT_POINTS",
    "MIN_SERIES_POINTS",
    "MIN_SHIFT",
    "NPS_DETRACTOR",
    "NPS_PROMOTER",
    "PER_YEAR",
    "SEGMENT_METRICS",
    "SNAPSHOT_FILE",
    "TIER_ORDER",
    "TREND_KPIS",
    "alert_findings",
    "alert_people_table",
    "alert_rules",
    "alert_table",
    "cac",
    "cac_by_channel",
    "card_change_text",
    "card_value_text",
    "cards_html",
    "channel_chart",
    "channel_finding",
    "channel_name",
    "channels_sentence",
    "check_targets",
    "churn_rate",
    "clv",
    "clv_by_tier",
    "clv_cac_ratio",
    "compare_breakdowns",
    "compare_kpis",
    "comparison_alt",
    "comparison_panels",
    "csat",
    "describe_changes",
    "evaluate_alerts",
    "flag_note",
    "forecast",
    "forecasts",
    "format_kpi",
    "funnel_alt",
    "funnel_sentence",
    "funnel_table",
    "growth",
    "headline_cards",
    "headline_sentence",
    "headline_table",
    "headline_values",
    "kpi_cards",
    "kpi_changes",
    "kpi_flags",
    "kpi_periods",
    "kpi_series",
    "level_shift",
    "next_periods",
    "nps",
    "nps_from_counts",
    "nps_interval",
    "panels_figure",
    "period_name",
    "pick_metric",
    "pipeline_by_stage",
    "pipeline_sentence",
    "pipeline_table",
    "plot_comparison",
    "plot_funnel",
    "plot_kpi_trend",
    "plot_kpi_trends",
    "poisson_interval",
    "previous_snapshot",
    "priced_channels",
    "revenue_retention",
    "run_entry",
    "run_identity",
    "run_over_run",
    "run_over_run_table",
    "segment_panels",
    "segment_splits",
    "series_break",
    "skipped_note",
    "snapshot_frame",
    "sparkline_img",
    "sparkline_svg",
    "spread_findings",
    "spread_sentence",
    "stage_name",
    "supported_rules",
    "target_findings",
    "target_progress",
    "target_text",
    "tier_cac",
    "tier_groups",
    "tier_name",
    "tier_table",
    "tier_values",
    "tiers_sentence",
    "trailing_window",
    "trend_alt",
    "trend_figure",
    "trend_findings",
    "trend_kpis",
    "trend_note",
    "trend_sentence",
    "trim_to_data",
    "unavailable_note",
    "value_domain",
    "win_rate",
]
