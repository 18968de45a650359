"""Alt text and captions of the content evaluation charts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from helpers.analysis.content.formats import format_value
from helpers.analysis.content.labels import (
    CODE_COLUMNS,
    DASH,
    _t,
    is_known,
    month_label,
    value_label,
)

__all__ = [
    "calendar_text",
    "channel_ranking_text",
    "chart_text",
    "leaderboard_text",
    "mix_text",
    "stage_heatmap_text",
    "stage_mix_text",
    "timing_text",
    "touch_share_text",
]


def chart_text(name: str, language: str = "en", **values) -> dict[str, str]:
    """Alt text and caption of a chart: ``{"alt": ..., "caption": ...}`` for :func:`helpers.presentation.plotting.show`.

    Parameters
    ----------
    name : str
        The chart (``content_evaluation.alt.<name>`` and ``content_evaluation.caption.<name>``).
    language : {"en", "zh"}
    **values
        Fields of the alt text (the caption takes the same fields).
    """
    return {"alt": _t(f"alt.{name}", language, **values),
            "caption": _t(f"caption.{name}", language, **values)}


def stage_mix_text(stage_mix: pd.Series, language: str = "en") -> dict[str, str]:
    """Alt text and caption of the accounts-by-stage bar chart."""
    total = int(stage_mix.sum())
    top = stage_mix.idxmax() if total else DASH
    return chart_text("stage_mix", language, stage=value_label("stage", top, language),
                      count=f"{int(stage_mix.max()) if total else 0:,}", total=f"{total:,}")


def leaderboard_text(board: pd.DataFrame, language: str = "en") -> dict[str, str]:
    """Alt text and caption of :func:`plot_leaderboard`."""
    first = board.iloc[0]
    title = first["title"] if "title" in board.columns else first.name
    return chart_text("leaderboard", language, n=len(board), title=title,
                      rate=format_value(first["conversion_rate"], "percent"),
                      low=format_value(first["conversion_rate_low"], "percent"),
                      high=format_value(first["conversion_rate_high"], "percent"))


def stage_heatmap_text(table: pd.DataFrame, by: str = "content_category",
                       language: str = "en") -> dict[str, str]:
    """Alt text and caption of :func:`plot_stage_heatmap`: the highest cell."""
    value = "opportunity_rate" if "opportunity_rate" in table.columns else "rate"
    known = table[table[value].map(is_known)]
    if known.empty:
        return chart_text("stage_heatmap_empty", language)
    top = known.loc[known[value].idxmax()]
    name = "stage_heatmap" if value == "rate" else "stage_heatmap_opportunities"
    return chart_text(name, language, stage=value_label("stage", top["stage"], language),
                      category=value_label(CODE_COLUMNS.get(by, by), top[by], language),
                      rate=format_value(top[value], "percent"),
                      stages=table["stage"].nunique(), groups=table[by].nunique())


def calendar_text(calendar: pd.DataFrame, months: int, language: str = "en") -> dict[str, str]:
    """Alt text and caption of :func:`plot_publishing_calendar`."""
    per_month = calendar.sum(axis=1)
    busiest = pd.Timestamp(per_month.idxmax()) if len(per_month) else None
    return chart_text("calendar", language, months=months, n=f"{int(per_month.sum()):,}",
                      month=month_label(busiest, language) if busiest is not None else DASH,
                      top=f"{int(per_month.max()) if len(per_month) else 0:,}")


def touch_share_text(share: pd.Series, language: str = "en") -> dict[str, str]:
    """Alt text and caption of the share-of-content-touches-by-channel bar chart."""
    return chart_text("touch_share", language, channel=value_label("channel", share.index[0], language),
                      share=format_value(share.iloc[0], "percent0"), n=len(share))


def mix_text(panels: Mapping[str, pd.DataFrame], language: str = "en") -> dict[str, str]:
    """Alt text and caption of the channel-mix heatmaps."""
    return chart_text("mix", language, panels=_t("list_sep", language).join(panels),
                      channels=max((p.shape[1] for p in panels.values()), default=0))


def channel_ranking_text(ranked: pd.DataFrame, language: str = "en") -> dict[str, str]:
    """Alt text and caption of :func:`plot_channel_ranking`."""
    top = ranked.iloc[0]
    return chart_text("channel_ranking", language, n=len(ranked),
                      channel=value_label("channel", top["channel"], language),
                      rate=format_value(top["conversion_rate"], "percent"),
                      prob=format_value(top["prob_best"], "percent0"))


def timing_text(channels: Iterable[str], *, hours: bool, language: str = "en") -> dict[str, str]:
    """Alt text and caption of the send-time heatmaps of ``channels``."""
    names = _t("list_sep", language).join(value_label("channel", c, language) for c in channels)
    return chart_text("timing" if hours else "timing_day", language, channels=names)
