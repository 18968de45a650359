"""Content and channel evaluation: what works, for whom, through which channel, and when.

Definitions used throughout (all counted in the engine, rows after ``as_of`` ignored):

*touch*
    One ``interactions`` row. A *content touch* carries a ``content_id``.
*views*
    All touches of an asset: every recorded exposure counts once, whatever its event type.
*interaction rate*
    Likes, comments and shares over views.
*engaged account*
    An account with at least one touch of an engaging event type (click, reply, like,
    comment, share, download, registration, attend) on the asset.
*conversion*
    An account *converts* after a touch when it creates an opportunity within
    ``window_days`` after the touch (same day included). ``credit="sourced"`` counts only
    opportunities whose ``source_content_id`` (for content) or ``source_channel`` (for
    channels) names what was touched; ``credit="influenced"`` counts any opportunity of
    the account, so one opportunity may be credited to several assets and the numbers
    do not add up across assets (use :mod:`helpers.analysis.attribution` for an additive split).
*influenced pipeline / won revenue*
    Amounts of the converted opportunities; won means stage ``won`` and closed by
    ``as_of``.
*ROI*
    ``(won revenue - cost) / cost`` with production cost (content) or spend (channels);
    revenue, not margin, so it flatters low-margin products.

Rates carry Wilson score intervals. Rows below a minimum sample are flagged and kept out
of rankings, because a 2-of-3 asset is not better than a 90-of-1,500 one.

The package, one job per module: :mod:`.queries` runs every engine query (the only module
that reads the workspace); :mod:`.performance`, :mod:`.stages`, :mod:`.planning`,
:mod:`.channels` and :mod:`.timing` build the tables from its frames; :mod:`.evidence`
holds the tests, :mod:`.findings` and :mod:`.sentences` the report text, :mod:`.views` the
tables for people, :mod:`.captions` and :mod:`.plots` the charts, :mod:`.labels` and
:mod:`.formats` the labels and number formats; :mod:`.definitions` the shared names and
checks. The functions notebooks call are re-exported here, so a notebook writes
``content.leaderboard(...)``; the engine queries stay in :mod:`.queries`.
"""

from __future__ import annotations

from helpers.analysis.content.captions import (
    calendar_text,
    channel_ranking_text,
    chart_text,
    leaderboard_text,
    mix_text,
    stage_heatmap_text,
    stage_mix_text,
    timing_text,
    touch_share_text,
)
from helpers.analysis.content.channels import (
    channel_comparison,
    channel_group,
    channel_mix,
    channel_scores,
    rank_channels,
    segment_series,
)
from helpers.analysis.content.definitions import (
    CONTENT_LEVELS,
    CREDITS,
    DEFAULT_CHANNEL_GROUPS,
    ENGAGED_EVENTS,
    INTERACTION_EVENTS,
    STAGE_ORDER,
    WEEKDAYS,
    AccountCounts,
)
from helpers.analysis.content.evidence import (
    channel_tests,
    clustered_lift_test,
    paid_channel_tests,
    rate_tests,
    send_time_tests,
    survives_mark,
)
from helpers.analysis.content.findings import (
    channel_lead_finding,
    finding_lines,
    leaderboard_finding,
    leaderboard_sentence,
    performance_findings,
    preference_action,
    preference_finding,
    preference_sentence,
    send_time_findings,
    stage_findings,
)
from helpers.analysis.content.formats import (
    COLUMN_FORMATS,
    format_table,
    format_value,
    rounded,
    with_interval,
)
from helpers.analysis.content.labels import (
    CODE_COLUMNS,
    DASH,
    UNKNOWN_LABELS,
    is_known,
    md_escape,
    md_label,
    month_label,
    relabel,
    relabel_axes,
    value_label,
    weekday_name,
)
from helpers.analysis.content.performance import (
    content_performance,
    content_scores,
    leaderboard,
)
from helpers.analysis.content.planning import (
    channel_touch_share,
    content_distribution,
    coverage_gaps,
    publishing_calendar,
)
from helpers.analysis.content.plots import (
    mix_panels,
    non_empty,
    plot_channel_ranking,
    plot_leaderboard,
    plot_mix_panels,
    plot_publishing_calendar,
    plot_send_peaks,
    plot_stage_heatmap,
    plot_timing_heatmap,
    plot_weekday_heatmap,
)
from helpers.analysis.content.queries import (
    TouchSummary,
    touch_summary,
)
from helpers.analysis.content.sentences import (
    best_category_rate,
    calendar_sentence,
    channel_sentence,
    content_roi,
    distribution_sentence,
    gap_sentence,
    performance_sentence,
    stages_sentence,
    timing_sentences,
    usable_credit,
    weekday_sentences,
)
from helpers.analysis.content.stages import (
    best_for_stage,
    conversion_by_stage,
    stage_mix,
    target_accounts,
)
from helpers.analysis.content.timing import (
    best_send_days,
    best_send_windows,
    engagement_by_time,
    send_time_peaks,
)
from helpers.analysis.content.views import (
    PERFORMANCE_COLUMNS,
    TABLE_COLUMNS,
    attribution_brief,
    channel_brief,
    content_table,
    leaderboard_brief,
    performance_brief,
    stage_brief,
    timing_brief,
)

__all__ = [
    "AccountCounts",
    "CODE_COLUMNS",
    "COLUMN_FORMATS",
    "CONTENT_LEVELS",
    "CREDITS",
    "DASH",
    "DEFAULT_CHANNEL_GROUPS",
    "ENGAGED_EVENTS",
    "INTERACTION_EVENTS",
    "PERFORMANCE_COLUMNS",
    "STAGE_ORDER",
    "TABLE_COLUMNS",
    "TouchSummary",
    "UNKNOWN_LABELS",
    "WEEKDAYS",
    "attribution_brief",
    "best_category_rate",
    "best_for_stage",
    "best_send_days",
    "best_send_windows",
    "calendar_sentence",
    "calendar_text",
    "channel_brief",
    "channel_comparison",
    "channel_group",
    "channel_lead_finding",
    "channel_mix",
    "channel_ranking_text",
    "channel_scores",
    "channel_sentence",
    "channel_tests",
    "channel_touch_share",
    "chart_text",
    "clustered_lift_test",
    "content_distribution",
    "content_performance",
    "content_roi",
    "content_scores",
    "conversion_by_stage",
    "coverage_gaps",
    "distribution_sentence",
    "engagement_by_time",
    "finding_lines",
    "format_table",
    "format_value",
    "gap_sentence",
    "is_known",
    "leaderboard",
    "leaderboard_brief",
    "leaderboard_finding",
    "leaderboard_sentence",
    "leaderboard_text",
    "md_escape",
    "md_label",
    "mix_panels",
    "mix_text",
    "month_label",
    "non_empty",
    "paid_channel_tests",
    "content_table",
    "performance_brief",
    "performance_findings",
    "performance_sentence",
    "plot_channel_ranking",
    "plot_leaderboard",
    "plot_mix_panels",
    "plot_publishing_calendar",
    "plot_send_peaks",
    "plot_stage_heatmap",
    "plot_timing_heatmap",
    "plot_weekday_heatmap",
    "preference_action",
    "preference_finding",
    "preference_sentence",
    "publishing_calendar",
    "rank_channels",
    "rate_tests",
    "relabel",
    "relabel_axes",
    "rounded",
    "segment_series",
    "send_time_findings",
    "send_time_peaks",
    "send_time_tests",
    "stage_brief",
    "stage_findings",
    "stage_heatmap_text",
    "stage_mix",
    "stage_mix_text",
    "stages_sentence",
    "survives_mark",
    "target_accounts",
    "timing_brief",
    "timing_sentences",
    "timing_text",
    "touch_share_text",
    "touch_summary",
    "usable_credit",
    "value_label",
    "weekday_name",
    "weekday_sentences",
    "with_interval",
]
