"""Charts of the customer profile: shares, panels, activity, channels, committee and pain points."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.analysis.profiling.activity import weekday_name
from helpers.analysis.profiling.views import known_segments
from helpers.presentation import i18n

__all__ = [
    "plot_activity_heatmap", "plot_activity_weekdays", "plot_channel_engagement",
    "plot_committee", "plot_pain_points", "plot_profile_panels", "plot_profile_shares",
    "plot_segment_panels",
]


def plot_profile_shares(profile: pd.DataFrame, *, ax=None, title: str = "",
                        language: str = "en"):
    """Grouped horizontal bars: share of accounts, revenue and margin per segment.

    Parameters
    ----------
    profile : pandas.DataFrame
        Output of :func:`base_profile`.
    ax : matplotlib.axes.Axes, optional
    title : str
    language : {"en", "zh"}
        Language of the legend and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation.plotting import PALETTE, legend_outside

    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.5, 0.45 * len(profile) + 1)))
    shares = profile.set_index("segment")[["account_share", "revenue_share", "margin_share"]]
    shares = shares.iloc[::-1]
    y = np.arange(len(shares))
    h = 0.27
    for i, (col, key) in enumerate((("account_share", "accounts"),
                                    ("revenue_share", "revenue"), ("margin_share", "margin"))):
        if shares[col].isna().all():  # an unknown margin is not drawn as a zero bar
            continue
        ax.barh(y + (1 - i) * h, shares[col].to_numpy() * 100, height=h,
                label=i18n.t(f"customer_profiling.chart.{key}", language), color=PALETTE[i])
    ax.set_yticks(y, [str(s) for s in shares.index])
    ax.set_xlabel(i18n.t("customer_profiling.chart.share_of_total", language))
    legend_outside(ax, fontsize=8)
    ax.set_title(title)
    return ax


def plot_activity_heatmap(activity: pd.DataFrame, *, ax=None, title: str = "",
                          language: str = "en"):
    """Heatmap of interactions by weekday (rows) and hour (columns), all channels.

    Parameters
    ----------
    activity : pandas.DataFrame
        Output of :func:`activity_by_time` (optionally filtered to one channel).
    ax : matplotlib.axes.Axes, optional
    title : str
    language : {"en", "zh"}
        Language of the weekday names and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.2))
    grid = (activity.groupby(["weekday", "hour"])["interactions"].sum().unstack(fill_value=0)
            .reindex(index=range(7), columns=range(24), fill_value=0))
    grid.index = [weekday_name(int(d), language, short=True) for d in grid.index]
    sns.heatmap(grid, cmap="Blues", cbar=False, ax=ax, linewidths=0.2)
    ax.set_xlabel(i18n.t("customer_profiling.chart.hour_of_day", language))
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


def plot_activity_weekdays(activity: pd.DataFrame, *, ax=None, title: str = "",
                           language: str = "en"):
    """Bars of interactions per weekday, all channels (for timestamps without a time of day).

    Parameters
    ----------
    activity : pandas.DataFrame
        Output of :func:`activity_by_time`.
    ax : matplotlib.axes.Axes, optional
    title : str
    language : {"en", "zh"}
        Language of the weekday names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation.plotting import PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    by_day = activity.groupby("weekday")["interactions"].sum().reindex(range(7), fill_value=0)
    ax.bar([weekday_name(int(d), language, short=True) for d in by_day.index],
           by_day.to_numpy(), color=PALETTE[0])
    ax.set_ylabel(i18n.t("customer_profiling.chart.interactions", language))
    ax.set_title(title)
    return ax


def plot_pain_points(pains: pd.DataFrame, *, ax=None, title: str = "", min_responses: int = 0,
                     language: str = "en"):
    """Heatmap of pain-point shares (% of responses) by segment.

    Parameters
    ----------
    pains : pandas.DataFrame
        Output of :func:`pain_points`.
    ax : matplotlib.axes.Axes, optional
    title : str
    min_responses : int
        Segments with fewer responses are left out.
    language : {"en", "zh"}
        Language of the axis label (the overall row ``"All"`` is labelled too).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    p = pains[pains["responses"] >= min_responses]
    grid = p.pivot_table(index="segment", columns="pain_point", values="share", sort=False)
    order = list(dict.fromkeys(p["segment"]))
    cols = list(p[p["segment"] == order[0]].sort_values("rank")["pain_point"]) if order else []
    grid = grid.reindex(index=order, columns=cols + [c for c in grid.columns if c not in cols])
    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.5, 0.4 * len(grid) + 1)))
    grid.index = [i18n.t("customer_profiling.segment.all", language) if s == "All" else s
                  for s in grid.index]
    sns.heatmap(grid * 100, annot=True, fmt=".0f", cmap="Oranges", cbar=False, ax=ax,
                linewidths=0.5)
    ax.set_xlabel(i18n.t("customer_profiling.chart.pain_point", language))
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


def plot_segment_panels(frame: pd.DataFrame, titles: dict[str, str], *,
                        rename: dict | None = None, fmts: dict[str, str] | None = None,
                        scales: dict[str, float] | None = None) -> list:
    """One bar panel per measure over the known segments, unknown values left out.

    A measure without any known or non-zero value (no gap between orders when nobody
    re-ordered, no product line recorded, no close date) gets no panel; without known
    segments nothing is drawn.

    Parameters
    ----------
    frame : pandas.DataFrame
        A segment table with a ``segment`` column (:func:`behaviour_by_segment`,
        :func:`sales_cycle`).
    titles : dict
        ``{measure column: panel title}``, in panel order.
    rename : dict, optional
        Display names of segments.
    fmts, scales : dict, optional
        Value-label format and multiplier per measure (``{"win_rate": 100}``).

    Returns
    -------
    list of matplotlib.axes.Axes
        Empty when nothing is drawn (no figure is created then).
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    shown = known_segments(frame).set_index("segment")
    # all zero among customers means unknown here (no product line recorded), not none
    cols = [c for c in titles if c in shown and shown[c].fillna(0).ne(0).any()]
    if not cols:
        return []
    _, axes = plt.subplots(1, len(cols), figsize=(max(3.8 * len(cols), 6.5), 3.8), squeeze=False)
    for ax, col in zip(axes[0], cols, strict=True):
        values = shown[col].dropna().astype(float) * (scales or {}).get(col, 1)
        plotting.plot_bar(values.rename(index=rename or {}), ax=ax, title=titles[col],
                          fmt=(fmts or {}).get(col, "{:,.0f}"))
    plt.tight_layout()
    return list(axes[0])


def plot_profile_panels(panels: Sequence[tuple[pd.DataFrame, str]], *, rename: dict | None = None,
                        language: str = "en"):
    """Side-by-side :func:`plot_profile_shares` for the profiles with a known segment.

    A profile whose every account is unknown (no industry in the data) would be one bar
    called "(missing)"; it is not drawn.

    Parameters
    ----------
    panels : sequence of (profile, title)
    rename : dict, optional
        Display names of segments (``"Other"`` in the report language).
    language : {"en", "zh"}

    Returns
    -------
    list of matplotlib.axes.Axes
        Empty when nothing is drawn (no figure is created then).
    """
    import matplotlib.pyplot as plt

    drawn = [(p, title) for p, title in panels if not known_segments(p).empty]
    if not drawn:
        return []
    _, axes = plt.subplots(1, len(drawn), figsize=(6.5 * len(drawn), 4.5), squeeze=False)
    for ax, (p, title) in zip(axes[0], drawn, strict=True):
        plot_profile_shares(p.replace({"segment": rename or {}}), ax=ax, title=title,
                            language=language)
    plt.tight_layout()
    return list(axes[0])


def plot_channel_engagement(channels: pd.DataFrame, *, interactions_title: str = "",
                            preferred_title: str = ""):
    """Interactions per channel beside the share of accounts preferring each channel.

    Parameters
    ----------
    channels : pandas.DataFrame
        :func:`channel_engagement` (``channel``, ``interactions``, ``preferred_share``).
    interactions_title, preferred_title : str
        Panel titles.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    by_channel = channels.set_index("channel")
    plotting.plot_bar(by_channel.interactions, ax=axes[0], title=interactions_title)
    plotting.plot_bar(by_channel.preferred_share.fillna(0) * 100, ax=axes[1],
                      title=preferred_title, fmt="{:.0f}%")
    plt.tight_layout()
    return fig


def plot_committee(shares: pd.DataFrame, *, title: str = "", xlabel: str = ""):
    """Stacked bars of the buying-committee roles per segment.

    Parameters
    ----------
    shares : pandas.DataFrame
        :func:`committee_shares`.
    title, xlabel : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.presentation import plotting

    ax = shares.plot.barh(stacked=True, figsize=(9, 0.45 * len(shares) + 1.5), width=0.7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    ax.invert_yaxis()
    plotting.legend_outside(ax)
    return ax
