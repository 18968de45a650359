"""Charts of the ICP analysis: lift, fit x engagement, model against scorecard, fit overview."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.icp.labels import _label
from helpers.analysis.icp.views import lift_chart_rows
from helpers.presentation import i18n

__all__ = ["plot_fit_engagement", "plot_fit_overview", "plot_lift", "plot_model_vs_card"]


def plot_lift(lift: pd.DataFrame, *, ax=None, title: str = "", top: int = 15,
              language: str = "en"):
    """Lift with its confidence interval for the highest-lift supported values.

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`attribute_lift`.
    ax : matplotlib.axes.Axes, optional
    title : str
    top : int
        Number of values shown.
    language : {"en", "zh"}
        Language of the attribute names and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation.plotting import PALETTE

    d = lift_chart_rows(lift, top).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.5, 0.35 * len(d) + 1)))
    y = np.arange(len(d))
    colors = [PALETTE[0] if dirn == "over" else PALETTE[6] for dirn in d["direction"]]
    # clipped at 0: a rounding step must not make an error bar negative
    err = np.clip(np.vstack([d["lift"] - d["ci_low"], d["ci_high"] - d["lift"]]).astype(float),
                  0, None)
    ax.barh(y, d["lift"], color=colors, alpha=0.85)
    ax.errorbar(d["lift"], y, xerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=2)
    ax.axvline(1, color=PALETTE[4], linestyle="--", linewidth=1)
    ax.set_yticks(y, [f"{_label(a, language)}: {v}" for a, v in zip(d["attribute"], d["value"],
                                                                     strict=True)])
    ax.set_xlabel(i18n.t("customer_profiling.chart.lift", language))
    ax.set_title(title)
    return ax


def plot_fit_engagement(summary: pd.DataFrame, *, ax=None, title: str = "",
                        language: str = "en"):
    """The 2x2 as four labelled boxes: quadrant, account count and action.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`quadrant_summary` (in the same ``language``).
    ax : matplotlib.axes.Axes, optional
    title : str
    language : {"en", "zh"}
        Language of the counts and axis labels.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import textwrap

    import matplotlib.pyplot as plt

    from helpers.presentation.plotting import PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    colors = {("high", "high"): PALETTE[2], ("high", "low"): PALETTE[3],
              ("low", "high"): PALETTE[1], ("low", "low"): PALETTE[6]}
    for row in summary.itertuples():
        x = 1 if row.engagement == "high" else 0
        y = 1 if row.fit == "high" else 0
        ax.add_patch(plt.Rectangle((x, y), 1, 1, color=colors[(row.fit, row.engagement)],
                                   alpha=0.35))
        action = "\n".join(textwrap.wrap(row.action, 30 if language == "en" else 16))
        count = i18n.t("customer_profiling.chart.n_accounts", language, n=f"{row.accounts:,}")
        ax.text(x + 0.5, y + 0.5, f"{row.quadrant}\n{count}\n\n{action}",
                ha="center", va="center", fontsize=9)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], [i18n.t(f"customer_profiling.chart.{k}", language)
                               for k in ("low_engagement", "high_engagement")])
    ax.set_yticks([0.5, 1.5], [i18n.t(f"customer_profiling.chart.{k}", language)
                               for k in ("weaker_fit", "strong_fit")])
    ax.grid(False)
    ax.set_title(title)
    return ax


def plot_model_vs_card(scores: pd.DataFrame, *, title: str = "", xlabel: str = "",
                       ylabel: str = ""):
    """Scatter of scorecard score against model score, one point per account.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores`.
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = scores.plot.scatter(x="scorecard_score", y="model_score", alpha=0.3, s=8, figsize=(6, 4.5))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def plot_fit_overview(buckets: pd.Series, fit_score: pd.Series, *, buckets_title: str = "",
                      score_title: str = "", score_axis: str = "", accounts_axis: str = ""):
    """Accounts per bucket beside the distribution of fit scores.

    Parameters
    ----------
    buckets : pandas.Series
        :func:`bucket_counts`, indexed by the bucket names to show.
    fit_score : pandas.Series
        Fit scores of the scored accounts.
    buckets_title, score_title, score_axis, accounts_axis : str
        Panel titles and axis labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    fig, axes = plt.subplots(1, 2, figsize=(13, 3.6))
    plotting.plot_bar(buckets, ax=axes[0], title=buckets_title, horizontal=False)
    axes[0].tick_params(axis="x", rotation=0)
    plotting.plot_distribution(fit_score.dropna(), ax=axes[1], title=score_title, xlabel=score_axis,
                               log=False)
    axes[1].set_ylabel(accounts_axis)
    plt.tight_layout()
    return fig
