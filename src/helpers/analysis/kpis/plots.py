"""KPI charts and their alt texts: trends with forecasts, comparisons, funnel and channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.presentation import i18n

from .cards import card_value_text
from .formatting import channel_name
from .formulas import KPIS
from .periods import period_name

__all__ = [
    "channel_chart",
    "comparison_alt",
    "funnel_alt",
    "panels_figure",
    "plot_comparison",
    "plot_funnel",
    "plot_kpi_trend",
    "plot_kpi_trends",
    "trend_alt",
    "trend_figure",
]


def plot_kpi_trend(frame: pd.DataFrame, *, ax=None, title: str = "", ylabel: str = "",
                   percent: bool = False, labels: Mapping[str, str] | None = None,
                   language: str = "en", currency: str = "", money: bool = False,
                   legend: bool = True):
    """Actuals with the held-back forecast and the forecast band (from :func:`forecast`).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``label, actual, forecast, lower, upper, part``.
    ax : matplotlib.axes.Axes, optional
    title, ylabel : str
    percent : bool
        Format the y axis as percent (for shares).
    labels : mapping, optional
        Legend texts for ``actual``, ``forecast`` and ``band``.
    language : {"en", "zh"}
        Of the period ticks (:func:`period_name`) and compact money ticks.
    currency : str
    money : bool
        Compact money ticks with the currency in the axis label
        (:func:`helpers.presentation.plotting.money_axis`).
    legend : bool
        Draw the legend outside the plot (leave it off to draw one for several panels).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import PercentFormatter

    from helpers.presentation.plotting import PALETTE, legend_outside, money_axis

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    names = {"actual": "actual", "forecast": "forecast", "band": "forecast band", **(labels or {})}
    x = np.arange(len(frame))
    ax.plot(x, frame["actual"], marker="o", color=PALETTE[0], label=names["actual"])
    fc = frame["part"] != "history"
    ax.plot(x[fc], frame.loc[fc, "forecast"], marker="o", ls="--", color=PALETTE[3],
            label=names["forecast"])
    ax.fill_between(x[fc], frame.loc[fc, "lower"], frame.loc[fc, "upper"], color=PALETTE[3],
                    alpha=0.2, label=names["band"])
    ax.set_xticks(x, [period_name(v, language) for v in frame["label"]], rotation=45,
                  ha="right")
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if money:
        money_axis(ax, currency, language=language, label=ylabel)
    if legend:
        legend_outside(ax, fontsize=8)
    return ax


def plot_kpi_trends(frames: Mapping[str, pd.DataFrame], *, axes, language: str = "en",
                    currency: str = "", labels: Mapping[str, str] | None = None):
    """:func:`plot_kpi_trend` for several KPIs, one panel each, with one legend on top.

    Parameters
    ----------
    frames : mapping
        KPI -> forecast frame (:func:`forecasts`).
    axes : numpy array of matplotlib.axes.Axes
        At least one panel per KPI; the spare ones are hidden.
    language : {"en", "zh"}
    currency : str
    labels : mapping, optional
        Legend texts for ``actual``, ``forecast`` and ``band``.

    Returns
    -------
    numpy array of matplotlib.axes.Axes
    """
    flat = np.asarray(axes).ravel()
    for ax, (name, frame) in zip(flat, frames.items(), strict=False):
        money = KPIS[name].unit == "money"
        plot_kpi_trend(frame, ax=ax, title=i18n.t(f"kpi.{name}", language),
                       percent=KPIS[name].unit == "share", labels=labels, language=language,
                       currency=currency, money=money, legend=False)
    for ax in flat[len(frames):]:
        ax.set_visible(False)
    if len(frames):
        handles, names = flat[0].get_legend_handles_labels()
        flat[0].figure.legend(handles, names, loc="lower center", ncol=len(handles),
                              bbox_to_anchor=(0.5, 1.0), frameon=False)
    return axes


def trend_alt(frames: Mapping[str, pd.DataFrame], *, currency: str = "", language: str = "en"
              ) -> str:
    """Alt text of :func:`plot_kpi_trends`: the KPIs, the periods and where each ends."""
    if not frames:
        return ""
    sep = i18n.t("kpi.headline.sep", language)
    ends = []
    first_label = last_label = ""
    for name, frame in frames.items():
        hist = frame[frame["actual"].notna()]
        if hist.empty:
            continue
        first_label = first_label or period_name(hist["label"].iloc[0], language)
        last_label = period_name(hist["label"].iloc[-1], language)
        ends.append(i18n.t("kpi.headline.item", language, kpi=i18n.t(f"kpi.{name}", language),
                           value=card_value_text(name, hist["actual"].iloc[-1],
                                                 currency=currency, language=language)))
    future = [period_name(v, language) for v in
              next(iter(frames.values())).query("part == 'future'")["label"]]
    return i18n.t("kpi.alt.trends", language, n=len(frames), first=first_label,
                  last=last_label, ends=sep.join(ends),
                  future=sep.join(future) or "–")


def comparison_alt(table: pd.DataFrame, value: str, *, label: str = "group", kpi: str = "",
                   title: str = "", currency: str = "", language: str = "en") -> str:
    """Alt text of :func:`plot_comparison`: lowest and highest group with their values."""
    v = pd.to_numeric(table[value], errors="coerce") if value in table else pd.Series(dtype=float)
    known = table[v.notna()]
    if known.empty:
        return i18n.t("kpi.alt.compare_empty", language, title=title)
    vals = v[v.notna()]
    lo, hi = known.loc[vals.idxmin()], known.loc[vals.idxmax()]
    fmt = (lambda x: card_value_text(kpi, x, currency=currency, language=language)) \
        if kpi in KPIS else (lambda x: f"{x:,.1f}")
    return i18n.t("kpi.alt.compare", language, title=title, n=len(known),
                  low=lo[label], low_value=fmt(vals.min()), high=hi[label],
                  high_value=fmt(vals.max()))


def funnel_alt(funnel: pd.DataFrame, period: str, language: str = "en") -> str:
    """Alt text of :func:`plot_funnel`: the accounts at each stage of the period."""
    counts = dict(zip(funnel["stage"], funnel["accounts"], strict=True))
    return i18n.t("kpi.alt.funnel", language, period=period_name(period, language),
                  engaged=f"{int(counts.get('engaged', 0)):,}",
                  opp=f"{int(counts.get('opportunity', 0)):,}",
                  won=f"{int(counts.get('won', 0)):,}")


def plot_comparison(table: pd.DataFrame, value: str, *, lower: str | None = None,
                    upper: str | None = None, ax=None, title: str = "", xlabel: str = "",
                    percent: bool = False, label: str = "group"):
    """Dot per group with its interval; small groups are drawn hollow.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`compare_kpis` or :func:`cac_by_channel`.
    value, lower, upper : str
        Columns of the estimate and its interval.
    ax : matplotlib.axes.Axes, optional
    title, xlabel : str
    percent : bool
    label : str
        Column with the group names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import PercentFormatter

    from helpers.presentation.plotting import PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * max(len(table), 3) + 1))
    t = table[pd.to_numeric(table[value], errors="coerce").notna()].sort_values(value)
    y = np.arange(len(t))
    v = t[value].to_numpy(dtype="float64")
    if lower and upper and lower in t and upper in t:
        lo = v - t[lower].to_numpy(dtype="float64")
        hi = t[upper].to_numpy(dtype="float64") - v
        # float noise can put an estimate a hair outside its interval
        ax.errorbar(v, y, xerr=[np.clip(np.nan_to_num(lo), 0, None),
                                np.clip(np.nan_to_num(hi), 0, None)], fmt="none",
                    ecolor=PALETTE[6], elinewidth=1, capsize=3)
    small = t["small_sample"].to_numpy(dtype=bool) if "small_sample" in t else np.zeros(len(t), bool)
    ax.scatter(v[~small], y[~small], color=PALETTE[0], zorder=3)
    ax.scatter(v[small], y[small], facecolors="white", edgecolors=PALETTE[0], zorder=3)
    ax.set_yticks(y, [str(g) for g in t[label]])
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return ax


def plot_funnel(funnel: pd.DataFrame, *, ax=None, title: str = "",
                stage_labels: Mapping[str, str] | None = None):
    """Horizontal funnel bars with the conversion from the stage before.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.presentation.plotting import PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.8))
    names = [(stage_labels or {}).get(s, s) for s in funnel["stage"]]
    y = np.arange(len(funnel))[::-1]
    bars = ax.barh(y, funnel["accounts"], color=PALETTE[: len(funnel)])
    text = [f"{n:,}" + ("" if pd.isna(c) else f"  ({c:.0%})")
            for n, c in zip(funnel["accounts"], funnel["conversion"], strict=True)]
    ax.bar_label(bars, labels=text, padding=3, fontsize=9)
    ax.set_yticks(y, names)
    ax.set_title(title)
    ax.margins(x=0.25)
    return ax


def trend_figure(frames: Mapping[str, pd.DataFrame], *, language: str = "en",
                 currency: str = "", labels: Mapping[str, str] | None = None,
                 columns: int = 3):
    """One figure with a :func:`plot_kpi_trend` panel per KPI, ``columns`` panels a row.

    Parameters
    ----------
    frames : mapping
        KPI -> forecast frame (:func:`forecasts`); at least one.
    language : {"en", "zh"}
    currency : str
    labels : mapping, optional
        Legend texts for ``actual``, ``forecast`` and ``band``.
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = -(-len(frames) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(13, 3.3 * rows), squeeze=False)
    plot_kpi_trends(frames, axes=axes, language=language, currency=currency, labels=labels)
    fig.tight_layout()
    return fig


def channel_chart(priced: pd.DataFrame, *, currency: str = "", language: str = "en",
                  title: str = "", xlabel: str = ""):
    """The CAC-by-channel dot chart of :func:`priced_channels` and its alt text.

    Parameters
    ----------
    priced : pandas.DataFrame
        From :func:`priced_channels`; channel names are shown in the report language.
    currency : str
    language : {"en", "zh"}
    title : str
        Chart title.
    xlabel : str
        Label of the money axis.

    Returns
    -------
    (matplotlib.figure.Figure, str)
        The figure and its alt text (:func:`comparison_alt`).
    """
    from helpers.presentation.plotting import money_axis

    named = priced.assign(channel=[channel_name(c, language) for c in priced.channel])
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(named) + 1.2))
    plot_comparison(named, "cac", lower="cac_lo", upper="cac_hi", label="channel", ax=ax,
                    title=title)
    money_axis(ax, currency, axis="x", language=language, label=xlabel)
    alt = comparison_alt(named, "cac", label="channel", kpi="cac", title=xlabel,
                         currency=currency, language=language)
    return fig, alt


def panels_figure(panels: Sequence[Mapping[str, Any]], *, language: str = "en"):
    """The comparison panels side by side, and one alt text for them.

    Parameters
    ----------
    panels : sequence of dict
        From :func:`comparison_panels`; at least one.
    language : {"en", "zh"}

    Returns
    -------
    (matplotlib.figure.Figure, str)
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 3.6), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        plot_comparison(panel["table"], panel["metric"], lower=panel["lower"],
                        upper=panel["upper"], ax=ax, title=panel["title"],
                        percent=panel["percent"])
    fig.tight_layout()
    alt = " ".join(comparison_alt(p["table"], p["metric"], kpi=p["metric"], title=p["title"],
                                  language=language) for p in panels)
    return fig, alt
