"""Response-curve charts: all curves on one chart, small multiples, fit over time."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers.analysis.response_curves.model import ResponseCurve
from helpers.presentation import i18n

__all__ = [
    "plot_curve_panels",
    "plot_fit_over_time",
    "plot_response_curves",
]


def plot_response_curves(curves: Mapping[str, ResponseCurve], *,
                         proposed: Mapping[str, float] | None = None, ax=None,
                         level: float = 0.9, title: str = "", outcome_label: str = "outcome",
                         language: str = "en"):
    """All channels' curves on one chart, with bootstrap bands, current and proposed spend.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    proposed : mapping of str to float, optional
        Proposed spend per period, marked with a star.
    ax : matplotlib Axes, optional
    level : float
        Coverage of the shaded band.
    title, outcome_label : str
    language : {"en", "zh"}
        Language of the legend and axis labels.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5))
    proposed = proposed or {}
    top = max([c.current_spend for c in curves.values()]
              + [float(v) for v in proposed.values()] + [1.0])
    grid = np.linspace(0, 1.6 * top, 200)
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    for i, (ch, c) in enumerate(curves.items()):
        color = f"C{i % 10}"
        style = "--" if c.is_fallback else "-"
        label = i18n.t("budget_allocation.curve.legend_assumed", language, channel=ch) \
            if c.is_fallback else ch
        ax.plot(grid, c.response(grid), style, color=color, label=label, lw=2)
        draws = c.draws(grid)
        if draws.shape[0] > 1:
            lo, hi = np.quantile(draws, q, axis=0)
            ax.fill_between(grid, lo, hi, color=color, alpha=0.12, lw=0)
        ax.plot([c.current_spend], [float(c.response(c.current_spend))], "o", color=color,
                ms=8, mec="white")
        if ch in proposed:
            x = float(proposed[ch])
            ax.plot([x], [float(c.response(x))], "*", color=color, ms=15, mec="black", mew=0.6)
    ax.plot([], [], "o", color="grey", label=i18n.t("budget_allocation.curve.current_spend", language))
    ax.plot([], [], "*", color="grey", mec="black", ms=12,
            label=i18n.t("budget_allocation.curve.proposed_spend", language))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(i18n.t("budget_allocation.curve.spend_axis", language))
    ax.set_ylabel(i18n.t("budget_allocation.curve.outcome_axis", language, outcome=outcome_label))
    ax.set_xlim(0, grid[-1])
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    return ax


def plot_fit_over_time(fit: pd.DataFrame, *, ax=None, outcome_label: str = "outcome",
                       language: str = "en"):
    """Actual against fitted outcome per period (from :func:`fit_over_time`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3))
    x = pd.to_datetime(fit["period_start"])
    ax.plot(x, fit["actual"], "o-", color="#7f8c8d", ms=3, lw=1.2,
            label=i18n.t("budget_allocation.chart.actual", language))
    ax.plot(x, fit["fitted"], "-", color="#1f4e79", lw=2,
            label=i18n.t("budget_allocation.chart.fitted", language))
    ax.set_ylabel(i18n.t("budget_allocation.curve.outcome_axis", language, outcome=outcome_label))
    ax.set_ylim(bottom=0)
    plotting.month_axis(ax, language=language)
    plotting.legend_outside(ax)
    return ax


def plot_curve_panels(curves: Mapping[str, ResponseCurve], *,
                      proposed: Mapping[str, float] | None = None, axes=None,
                      labels: Mapping[str, str] | None = None, level: float = 0.9,
                      outcome_label: str = "outcome", currency: str = "", title: str = "",
                      language: str = "en"):
    """Small multiples: one panel per channel with its curve, band, current and proposed point.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    proposed : mapping of str to float, optional
        Proposed spend per period, marked with a star.
    axes : sequence of matplotlib Axes, optional
        At least one per channel (extra axes are hidden); default a new grid of up to three
        columns.
    labels : mapping of str to str, optional
        The channel names as the reader sees them (panel titles).
    level : float
        Coverage of the shaded band.
    outcome_label, currency : str
        Axis labels: outcome per period against spend per period in ``currency``.
    title : str
        Title of the whole figure, above the legend.
    language : {"en", "zh"}

    Returns
    -------
    numpy.ndarray of matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    names = list(curves)
    if axes is None:
        cols = min(3, max(len(names), 1))
        rows = int(np.ceil(max(len(names), 1) / cols))
        _, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.5 * rows), squeeze=False)
    axes = np.asarray(axes).ravel()
    proposed = proposed or {}
    labels = labels or {}
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    for ax, ch in zip(axes, names, strict=False):
        c = curves[ch]
        top = max(c.current_spend, float(proposed.get(ch, 0.0)), 1.0)
        grid = np.linspace(0, 1.8 * top, 120)
        ax.plot(grid, c.response(grid), "--" if c.is_fallback else "-", color="#1f4e79", lw=2)
        draws = c.draws(grid)
        if draws.shape[0] > 1:
            lo, hi = np.quantile(draws, q, axis=0)
            ax.fill_between(grid, lo, hi, color="#1f4e79", alpha=0.12, lw=0)
        ax.plot([c.current_spend], [float(c.response(c.current_spend))], "o", color="#7f8c8d",
                ms=7, mec="white")
        if ch in proposed:
            x = float(proposed[ch])
            ax.plot([x], [float(c.response(x))], "*", color="#e67e22", ms=13, mec="black",
                    mew=0.5)
        name = labels.get(ch, ch)
        if c.is_fallback:
            name = i18n.t("budget_allocation.curve.legend_assumed", language, channel=name)
        ax.set_title(name, fontsize="medium")
        ax.set_xlim(0, grid[-1])
        ax.set_ylim(bottom=0)
        plotting.money_axis(ax, currency, axis="x", language=language)
        ax.set_xlabel("")
        ax.tick_params(labelsize="small")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    fig = axes[0].figure
    fig.supxlabel(i18n.t("budget_allocation.curve.spend_axis", language)
                  + (f" ({currency})" if currency else ""), fontsize="medium")
    fig.supylabel(i18n.t("budget_allocation.curve.outcome_axis", language, outcome=outcome_label),
                  fontsize="medium")
    handles = [plt.Line2D([], [], marker="o", ls="", color="#7f8c8d", ms=7,
                          label=i18n.t("budget_allocation.curve.current_spend", language)),
               plt.Line2D([], [], marker="*", ls="", color="#e67e22", mec="black", ms=11,
                          label=i18n.t("budget_allocation.curve.proposed_spend", language))]
    fig.legend(handles=handles, loc="upper center", ncol=2, frameon=False,
               bbox_to_anchor=(0.5, 1.04))
    if title:
        fig.suptitle(title, y=1.1, fontweight="bold")
    fig.tight_layout()
    return axes
