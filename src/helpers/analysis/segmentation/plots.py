"""Charts of the segmentation report: segment grid, k selection, projection, stages by cluster."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from helpers.presentation import i18n

from .labels import segment_label

__all__ = [
    "plot_cluster_stage_view",
    "plot_k_selection",
    "plot_projection",
    "plot_segment_grid",
]


def plot_segment_grid(grid: pd.DataFrame, *, ax=None, title: str = "", fmt: str = ",.0f",
                      scale: float = 1.0, language: str = "en"):
    """Annotated heatmap of :func:`segment_grid` (values divided by ``scale``).

    Stage columns are named in ``language``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(grid) + 1.5))
    grid = grid.rename(columns=lambda c: segment_label(c, language),
                       index=lambda r: segment_label(str(r), language))
    sns.heatmap(grid / scale, annot=True, fmt=fmt, cmap="Blues", cbar=False, ax=ax,
                linewidths=0.5)
    ax.set_title(title)
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


def plot_k_selection(table: pd.DataFrame, *, ax=None, title: str | None = None,
                     language: str = "en"):
    """Silhouette and Davies-Bouldin by k, the chosen k marked.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`KSelection.table`.
    title : str, optional
        Defaults to "Choosing the number of clusters" in ``language``.
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    say = i18n.scoped("customer_segmentation.chart", language)
    ax.plot(table["k"], table["silhouette"], marker="o", label=say("silhouette_legend"))
    ax2 = ax.twinx()
    ax2.plot(table["k"], table["davies_bouldin"], marker="s", color="#f5b041",
             label=say("davies_bouldin_legend"))
    ax2.grid(False)
    chosen = table.loc[table["chosen"], "k"]
    for k in chosen:
        ax.axvline(k, color="#7f8c8d", linestyle="--", linewidth=1)
    ax.set_xlabel("k")
    ax.set_ylabel(say("silhouette"))
    ax2.set_ylabel(say("davies_bouldin"))
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", fontsize=8,
              bbox_to_anchor=(1.12, 1.0), borderaxespad=0)
    ax.set_xlabel(say("k"))
    ax.set_title(say("k_selection") if title is None else title)
    return ax


def plot_projection(points: pd.DataFrame, *, names: dict | None = None, ax=None,
                    title: str | None = None, language: str = "en"):
    """Scatter of :func:`projection_2d` points coloured by cluster.

    ``title`` defaults to "Clusters in two dimensions (PCA)" in ``language``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    hue = points["cluster"].map(names) if names else points["cluster"].astype(str)
    sns.scatterplot(x=points["pc1"], y=points["pc2"], hue=hue, s=8, alpha=0.6, linewidth=0,
                    ax=ax)
    ax.legend(fontsize=7, markerscale=2, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0)
    ax.set_xlabel(i18n.t("customer_segmentation.chart.first_component", language))
    ax.set_ylabel(i18n.t("customer_segmentation.chart.second_component", language))
    ax.set_title(i18n.t("customer_segmentation.chart.projection", language) if title is None
                 else title)
    return ax


def plot_cluster_stage_view(view: pd.DataFrame, *, ax=None, title: str | None = None,
                            language: str = "en"):
    """Heatmap of the stage shares of :func:`cluster_stage_view`.

    ``title`` defaults to "Stage mix by cluster (% of cluster)" in ``language``; stage
    columns are named in ``language``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.5 * len(view) + 1.5))
    shares = view.drop(columns=["accounts", "at_risk_share"]).rename(
        columns=lambda c: segment_label(c, language))
    sns.heatmap(shares * 100, annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=ax,
                linewidths=0.5, vmin=0, vmax=100)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(i18n.t("customer_segmentation.chart.cluster_stages", language) if title is None
                 else title)
    return ax
