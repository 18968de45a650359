"""Profile of the customer base: who the customers are, how they buy, decide and what hurts.

Four views, each one small table per segment that a chart and a finding sentence can use:

- **basic information** (:func:`base_profile`): accounts, revenue and margin by industry,
  size band, region, country or city, as counts and shares;
- **behaviour** (:func:`behaviour_by_segment`, :func:`channel_engagement`,
  :func:`preferred_channels`, :func:`activity_by_time`, :func:`activity_peaks`): purchase
  frequency, order value, gaps between orders, product-line breadth, engagement by channel,
  and the weekday and hour when accounts are most active;
- **decision process** (:func:`buying_committee`, :func:`sales_cycle`): contacts and roles per
  account, sales-cycle length and win rate;
- **needs** (:func:`pain_points`): survey pain-point tags ranked within each segment.

Account-level inputs come from :func:`helpers.data.features.account_features` (one row per
account, so pandas is fine there); anything that reads event tables (interactions, contacts,
opportunities, surveys) aggregates in the engine first, in :mod:`.queries`; the other
modules work on the small pandas frames it returns.

Modules: :mod:`.segments` (segment labels), :mod:`.base`, :mod:`.behaviour`,
:mod:`.activity`, :mod:`.decisions`, :mod:`.needs`, :mod:`.queries` (every engine query),
:mod:`.views` (tables), :mod:`.sentences` (report text) and :mod:`.plots`. This package
re-exports the functions notebooks call; the engine queries stay in :mod:`.queries`.
"""

from __future__ import annotations

from helpers.analysis.profiling.activity import (
    WEEKDAYS,
    activity_by_time,
    activity_peaks,
    has_time_of_day,
    weekday_name,
)
from helpers.analysis.profiling.base import base_profile, revenue_concentration, typical_customer
from helpers.analysis.profiling.behaviour import (
    behaviour_by_segment,
    channel_engagement,
    preferred_channels,
    segment_value_tests,
)
from helpers.analysis.profiling.decisions import buying_committee, sales_cycle
from helpers.analysis.profiling.needs import distinctive_pain_points, pain_points
from helpers.analysis.profiling.plots import (
    plot_activity_heatmap,
    plot_activity_weekdays,
    plot_channel_engagement,
    plot_committee,
    plot_pain_points,
    plot_profile_panels,
    plot_profile_shares,
    plot_segment_panels,
)
from helpers.analysis.profiling.segments import (
    DASH,
    MISSING,
    OTHER,
    PROFILE_DIMENSIONS,
    segment_labels,
    top_values,
)
from helpers.analysis.profiling.sentences import (
    ALT_KINDS,
    activity_findings,
    base_finding,
    behaviour_finding,
    chart_alt,
    committee_finding,
    cycle_finding,
    engagement_finding,
    format_list,
    location_finding,
    pains_finding,
    peak_detail,
)
from helpers.analysis.profiling.views import (
    committee_shares,
    committee_table,
    evidence_table,
    known_channels,
    known_segments,
    location_table,
    p_text,
    peak_table,
    readable,
    segment_series,
    with_overall_row,
)

__all__ = [
    "ALT_KINDS", "DASH", "MISSING", "OTHER", "PROFILE_DIMENSIONS", "WEEKDAYS",
    "activity_by_time", "activity_findings", "activity_peaks", "base_finding", "base_profile",
    "behaviour_by_segment", "behaviour_finding", "buying_committee", "channel_engagement",
    "chart_alt", "committee_finding", "committee_shares", "committee_table", "revenue_concentration",
    "cycle_finding", "distinctive_pain_points", "engagement_finding", "evidence_table",
    "format_list", "has_time_of_day", "known_channels", "known_segments", "location_finding",
    "location_table", "p_text", "pain_points", "pains_finding", "peak_detail", "peak_table",
    "plot_activity_heatmap", "plot_activity_weekdays", "plot_channel_engagement",
    "plot_committee", "plot_pain_points", "plot_profile_panels", "plot_profile_shares",
    "plot_segment_panels", "preferred_channels", "readable", "sales_cycle", "segment_labels",
    "segment_series", "segment_value_tests", "top_values", "typical_customer", "weekday_name",
    "with_overall_row",
]
