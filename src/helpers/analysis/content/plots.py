"""Charts of the content evaluation (matplotlib, imported when a chart is drawn)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from helpers.analysis.content.captions import timing_text
from helpers.analysis.content.definitions import STAGE_ORDER, WEEKDAYS
from helpers.analysis.content.labels import (
    CODE_COLUMNS,
    _t,
    month_label,
    relabel_axes,
    value_label,
    weekday_name,
)
from helpers.core.errors import ParamError
from helpers.presentation import i18n

__all__ = [
    "mix_panels",
    "non_empty",
    "plot_channel_ranking",
    "plot_leaderboard",
    "plot_mix_panels",
    "plot_publishing_calendar",
    "plot_send_peaks",
    "plot_stage_heatmap",
    "plot_timing_heatmap",
    "plot_weekday_heatmap",
]


def plot_leaderboard(board: pd.DataFrame, *, ax=None, label: str = "title",
                     rate: str = "conversion_rate", top: int = 12, language: str = "en"):
    """Horizontal dot plot of a leaderboard's rates with their intervals.

    Parameters
    ----------
    board : pandas.DataFrame
        Output of :func:`leaderboard`.
    ax : matplotlib.axes.Axes, optional
    label : str
        Column used for the row labels.
    rate : str
        Rate column with ``_low``/``_high`` companions.
    top : int
        Rows shown.
    language : {"en", "zh"}
        Language of the title and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    b = board.head(top).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.35 * max(len(b), 3) + 1))
    y = np.arange(len(b))
    r = b[rate].to_numpy(float)
    err = np.vstack([r - b[f"{rate}_low"].to_numpy(float), b[f"{rate}_high"].to_numpy(float) - r])
    ax.errorbar(r, y, xerr=err, fmt="o", color="#1f4e79", capsize=3)
    labels = [str(v)[:48] for v in b[label]] if label in b.columns else [str(i) for i in b.index]
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    name = i18n.t(f"content_evaluation.col.{rate}", language, default=rate.replace("_", " "))
    ax.set_xlabel(i18n.t("content_evaluation.chart.with_interval", language, rate=name))
    ax.set_title(i18n.t("content_evaluation.chart.leaderboard", language))
    return ax


def plot_stage_heatmap(table: pd.DataFrame, *, by: str = "content_category", ax=None,
                       language: str = "en"):
    """Heatmap of per-touch conversion rate, stages as rows and content groups as columns.

    ``language`` ({"en", "zh"}) picks the language of the title and of the stage and
    group names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    value = "opportunity_rate" if "opportunity_rate" in table.columns else "rate"
    wide = table.pivot_table(index="stage", columns=by, values=value, aggfunc="sum")
    wide = wide.reindex([s for s in STAGE_ORDER if s in wide.index]
                        + [s for s in wide.index if s not in STAGE_ORDER])
    wide = relabel_axes(wide, index="stage", columns=CODE_COLUMNS.get(by, by), language=language)
    sns.heatmap(wide * 100, annot=True, fmt=".1f", cmap="Blues", cbar=False, ax=ax,
                linewidths=0.5)
    ax.set_title(i18n.t("content_evaluation.chart.stage_heatmap" if value == "rate"
                        else "content_evaluation.chart.stage_heatmap_opportunities", language))
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


def plot_weekday_heatmap(timing: pd.DataFrame, channels: Iterable[str] | None = None, *,
                         ax=None, language: str = "en"):
    """Channel x weekday heatmap of each channel's share of touches per weekday, in %.

    Parameters
    ----------
    timing : pandas.DataFrame
        Output of :func:`engagement_by_time`.
    channels : iterable of str, optional
        Rows shown, in this order; all channels with touches when omitted.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}
        Language of the title and weekdays.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    wide = timing.pivot_table(index="channel", columns="weekday", values="touches",
                              aggfunc="sum").reindex(columns=range(7), fill_value=0)
    wide = wide[wide.sum(axis=1) > 0]
    if channels is not None:
        wide = wide.reindex([c for c in channels if c in wide.index])
    if wide.empty:
        raise ParamError("no channel has touches to plot")
    share = wide.div(wide.sum(axis=1), axis=0) * 100
    share.columns = [weekday_name(d, language) for d in WEEKDAYS]
    share.index = [value_label("channel", c, language) for c in share.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(share) + 1.2))
    sns.heatmap(share, annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=ax, linewidths=0.5)
    ax.set_title(i18n.t("content_evaluation.chart.weekday_share", language))
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


def plot_timing_heatmap(timing: pd.DataFrame, channel: str, *, ax=None, language: str = "en"):
    """Weekday x hour heatmap of one channel's touches.

    ``language`` ({"en", "zh"}) picks the language of the title, axis label and weekdays.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3))
    g = timing[timing["channel"] == channel]
    if g.empty:
        raise ParamError(f"channel {channel!r} has no touches; channels: "
                         f"{', '.join(sorted(timing['channel'].unique()))}")
    grid = g.pivot_table(index="weekday", columns="hour", values="touches", aggfunc="sum")
    grid = grid.reindex(index=range(7), columns=range(24), fill_value=0)
    grid.index = [weekday_name(d, language) for d in WEEKDAYS]
    sns.heatmap(grid, cmap="Blues", cbar=False, ax=ax, linewidths=0.2)
    ax.set_title(i18n.t("content_evaluation.chart.timing", language,
                        channel=value_label("channel", channel, language)))
    ax.set_xlabel(i18n.t("content_evaluation.chart.hour", language))
    ax.set_ylabel("")
    return ax


def plot_publishing_calendar(calendar: pd.DataFrame, *, ax=None, language: str = "en"):
    """Stacked monthly bars of assets published per group.

    Parameters
    ----------
    calendar : pandas.DataFrame
        Output of :func:`publishing_calendar`.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}
        Language of the title and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5))
    frame = relabel_axes(calendar, columns=CODE_COLUMNS.get(calendar.columns.name, "category"),
                         language=language)
    frame.index = [month_label(d, language) for d in pd.to_datetime(calendar.index)]
    frame.plot(kind="bar", stacked=True, ax=ax, width=0.8)
    ax.set_ylabel(i18n.t("content_evaluation.chart.assets_published", language))
    ax.set_xlabel("")
    ax.tick_params(axis="x", rotation=90, labelsize=8)
    from helpers.presentation.plotting import legend_outside

    legend_outside(ax, title="", fontsize=8)
    ax.set_title(i18n.t("content_evaluation.chart.calendar", language))
    return ax


def plot_channel_ranking(ranked: pd.DataFrame, *, ax=None, language: str = "en"):
    """Conversion rate per channel with its interval and the chance of being best.

    Parameters
    ----------
    ranked : pandas.DataFrame
        Output of :func:`rank_channels`.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}
        Language of the title, axis label and the chance of being best.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    r = ranked.iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.4 * max(len(r), 3) + 1))
    y = np.arange(len(r))
    rate = r["conversion_rate"].to_numpy(float)
    err = np.vstack([rate - r["conversion_rate_low"].to_numpy(float),
                     r["conversion_rate_high"].to_numpy(float) - rate])
    ax.errorbar(rate, y, xerr=err, fmt="o", color="#1f4e79", capsize=3)
    ax.set_yticks(y, [i18n.t("content_evaluation.chart.p_best", language,
                             channel=value_label("channel", c, language), p=f"{p:.0%}")
                      for c, p in zip(r["channel"], r["prob_best"], strict=True)])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(i18n.t("content_evaluation.chart.channel_rate", language))
    ax.set_title(i18n.t("content_evaluation.chart.channel_ranking", language))
    return ax


def non_empty(panels: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables of ``panels`` (title -> table) that hold at least one value, for charts."""
    return {title: table for title, table in panels.items()
            if table.size and table.notna().to_numpy().any()}


def mix_panels(by_stage: pd.DataFrame, by_segment: pd.DataFrame, segment_name: str,
               language: str = "en") -> dict[str, pd.DataFrame]:
    """The channel-mix heatmaps that have data, keyed by their title.

    Parameters
    ----------
    by_stage, by_segment : pandas.DataFrame
        :func:`channel_mix` by lifecycle stage and by an account segment.
    segment_name : str
        The segment's name in the report language.
    language : {"en", "zh"}

    Returns
    -------
    dict
        ``{title: share table}`` with labels in the report language.
    """
    return non_empty({
        _t("chart.mix_stage", language): relabel_axes(by_stage, index="stage", columns="channel",
                                                      language=language),
        _t("chart.mix_segment", language, segment=segment_name): relabel_axes(
            by_segment, columns="channel", language=language)})


def plot_mix_panels(panels: Mapping[str, pd.DataFrame]):
    """Side-by-side heatmaps of :func:`mix_panels` in percent.

    Parameters
    ----------
    panels : mapping
        ``{title: share table}``, at least one.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4), squeeze=False)
    for ax, (title, mix) in zip(axes[0], panels.items(), strict=True):
        plotting.plot_heatmap(mix * 100, ax=ax, title=title)
    fig.tight_layout()
    return fig


def plot_send_peaks(timing: pd.DataFrame, peaks: pd.DataFrame, *, hours: bool, language: str = "en"):
    """When the channels with a peak are touched: weekday by hour (at most four), else by weekday.

    Parameters
    ----------
    timing : pandas.DataFrame
        :func:`engagement_by_time`.
    peaks : pandas.DataFrame
        :func:`send_time_peaks`.
    hours : bool
        Whether the timestamps carry a time of day.
    language : {"en", "zh"}

    Returns
    -------
    (matplotlib.figure.Figure, dict)
        The figure and its :func:`timing_text`.
    """
    import matplotlib.pyplot as plt

    if not hours:
        ax = plot_weekday_heatmap(timing, peaks.channel, language=language)
        return ax.figure, timing_text(peaks.channel, hours=False, language=language)
    channels = peaks.channel.head(4)
    fig, axes = plt.subplots(len(channels), 1, figsize=(10, 2.6 * len(channels)), squeeze=False)
    for ax, channel in zip(axes[:, 0], channels, strict=True):
        plot_timing_heatmap(timing, channel, ax=ax, language=language)
    fig.tight_layout()
    return fig, timing_text(channels, hours=True, language=language)
