"""Budget charts: scenarios with intervals, current against proposed mix, shares per channel."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers.analysis.budget.views import scenario_label
from helpers.presentation import i18n

__all__ = [
    "plot_mix",
    "plot_scenarios",
    "plot_shares",
]


def plot_scenarios(scenarios: pd.DataFrame, *, ax=None, outcome_label: str = "outcome",
                   language: str = "en"):
    """Expected outcome per scenario with its interval, budget annotated.

    ``language`` ({"en", "zh"}) picks the language of the scenario names and labels.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    df = scenarios.dropna(subset=["outcome"]).reset_index(drop=True)
    y = np.arange(len(df))
    ax.barh(y, df["outcome"], color=["#7f8c8d" if s == "current" else "#1f4e79"
                                      for s in df["scenario"]])
    err = np.vstack([df["outcome"] - df["outcome_low"], df["outcome_high"] - df["outcome"]])
    if np.isfinite(err).all():
        ax.errorbar(df["outcome"], y, xerr=np.maximum(err, 0), fmt="none", ecolor="black",
                    capsize=3, lw=1)
    for yi, r in zip(y, df.itertuples(), strict=True):
        ax.text(r.outcome * 0.02, yi, i18n.t("budget_allocation.chart.budget_note", language,
                                              amount=f"{r.budget:,.0f}"),
                va="center", color="white", fontsize="small")
    ax.set_yticks(y, [scenario_label(s, language) for s in df["scenario"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(i18n.t("budget_allocation.chart.scenario_x", language, outcome=outcome_label))
    return ax


def plot_mix(table: pd.DataFrame, *, ax=None, language: str = "en"):
    """Current against proposed amount per channel (from :func:`mix_table`).

    ``language`` ({"en", "zh"}) picks the language of the legend and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["current"], height=0.4,
            label=i18n.t("budget_allocation.chart.current", language), color="#7f8c8d")
    ax.barh(y + 0.2, table["proposed"], height=0.4,
            label=i18n.t("budget_allocation.chart.proposed", language), color="#1f4e79")
    ax.set_yticks(y, table["channel"])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(i18n.t("budget_allocation.chart.mix_x", language))
    ax.legend(frameon=False)
    return ax


def plot_shares(shares: pd.DataFrame, *, ax=None, labels: Mapping[str, str] | None = None,
                language: str = "en"):
    """Grouped horizontal bars: share of spend and of outcome per channel, now and recommended.

    Parameters
    ----------
    shares : pandas.DataFrame
        From :func:`allocation_shares`.
    ax : matplotlib Axes, optional
    labels : mapping of str to str, optional
        Channel names as the reader sees them.
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    from helpers.presentation import plotting

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.9 * len(shares) + 1))
    labels = labels or {}
    y = np.arange(len(shares))
    bars = (("spend_current", "#b8c4ce"), ("spend_proposed", "#1f4e79"),
            ("outcome_current", "#c7e3c0"), ("outcome_proposed", "#2e7d32"))
    h = 0.2
    for i, (col, color) in enumerate(bars):
        ax.barh(y + (i - 1.5) * h, shares[col].fillna(0) * 100, height=h, color=color,
                label=i18n.t(f"budget_allocation.chart.{col}", language))
    ax.set_yticks(y, [labels.get(ch, ch) for ch in shares["channel"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlabel(i18n.t("budget_allocation.chart.share_x", language))
    plotting.legend_outside(ax)
    return ax
