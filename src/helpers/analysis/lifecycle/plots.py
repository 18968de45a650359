"""Charts of the lifecycle: the stage mix and the stage migration."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from helpers.presentation import i18n

from .sentences import stage_label

__all__ = [
    "plot_migration",
    "plot_stage_mix",
]


def plot_stage_mix(mix: pd.DataFrame, *, ax=None, title: str | None = None, language: str = "en"):
    """Bar chart of accounts per stage, in stage order, labelled with shares.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Defaults to "Lifecycle stage mix" in ``language``.
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    bars = ax.bar([stage_label(s, language) for s in mix["stage"].astype(str)], mix["accounts"],
                  color="#2e86c1")
    ax.bar_label(bars, labels=[f"{s:.0%}" for s in mix["share"]], padding=2, fontsize=8)
    ax.set_ylabel(i18n.t("customer_segmentation.chart.accounts", language))
    ax.set_title(i18n.t("customer_segmentation.chart.stage_mix", language) if title is None else title)
    return ax


def plot_migration(shares: pd.DataFrame, *, ax=None, title: str | None = None,
                   language: str = "en"):
    """Heatmap of migration shares (rows: earlier stage, columns: stage now).

    Parameters
    ----------
    shares : pandas.DataFrame
        From :func:`migration_shares`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Defaults to "Where each stage moved (share of row)" in ``language``.
    language : {"en", "zh"}
        Language of the title, axis labels and stage names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    shares = shares.rename(index=lambda s: stage_label(s, language),
                           columns=lambda s: stage_label(s, language))
    sns.heatmap(shares * 100, annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=ax,
                linewidths=0.5, vmin=0, vmax=100)
    ax.set_xlabel(i18n.t("customer_segmentation.chart.stage_now", language))
    ax.set_ylabel(i18n.t("customer_segmentation.chart.stage_before", language))
    ax.set_title(i18n.t("customer_segmentation.chart.migration", language) if title is None else title)
    return ax
