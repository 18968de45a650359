"""CLV charts: holdout buckets, P(alive), frequency/recency heatmaps and cumulative purchases."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.analysis.clv.holdout import HoldoutCheck
from helpers.presentation import i18n, plotting
from helpers.presentation.tables import compact_number


def plot_holdout(check: HoldoutCheck, *, ax=None, language: str = "en"):
    """Predicted against actual holdout purchases per calibration-frequency bucket.

    Parameters
    ----------
    check : HoldoutCheck
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    data = check.by_bucket
    pos = np.arange(len(data))
    def say(key: str) -> str:
        return i18n.t(f"customer_value.chart.{key}", language)

    ax.bar(pos - 0.2, data["actual"], width=0.4, label=say("actual"), color="#1f4e79")
    ax.bar(pos + 0.2, data["predicted"], width=0.4, label=say("predicted"), color="#f5b041")
    ax.set_xticks(pos, data["bucket"])
    ax.set_xlabel(say("holdout_x"))
    ax.set_ylabel(say("holdout_y"))
    ax.set_title(say("holdout_title"))
    ax.legend()
    return ax


def plot_p_alive(scores: pd.DataFrame, *, ax=None, language: str = "en"):
    """Histogram of P(alive) across buying accounts.

    Parameters
    ----------
    scores : pandas.DataFrame
        :attr:`ClvResult.table` (or any frame with ``p_alive``).
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    values = scores["p_alive"].dropna()
    if values.empty:
        ax.text(0.5, 0.5, i18n.t("customer_value.chart.no_churn_model", language), ha="center",
                va="center", transform=ax.transAxes)
    else:
        ax.hist(values, bins=np.linspace(0, 1, 21), color="#1f4e79", edgecolor="white")
    ax.set_xlabel(i18n.t("customer_value.chart.p_alive_axis", language))
    ax.set_ylabel(i18n.t("customer_value.chart.accounts", language))
    ax.set_title(i18n.t("customer_value.chart.p_alive_title", language))
    return ax


def plot_matrices(expected: pd.DataFrame, p_alive: pd.DataFrame, *, axes=None,
                  horizon_months: int = 36, language: str = "en"):
    """The two frequency/recency heatmaps side by side: expected purchases and P(alive).

    Parameters
    ----------
    expected, p_alive : pandas.DataFrame
        :func:`frequency_recency_matrix` output.
    axes : pair of matplotlib.axes.Axes, optional
        Default: a new constrained-layout figure with two panels.
    horizon_months : int
        For the title of the first panel.
    language : {"en", "zh"}

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.chart.{key}", language, **values)

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    axes = np.asarray(axes).ravel()
    rec = expected.index.to_numpy(dtype="float64")
    freq = expected.columns.to_numpy(dtype="float64")
    extent = (freq[0] - 0.5, freq[-1] + 0.5, rec[0], rec[-1])
    panels = ((expected, "Blues", say("matrix_expected_title", months=horizon_months), None),
              (p_alive, "RdYlGn", say("matrix_alive_title"), (0.0, 1.0)))
    for ax, (data, cmap, title, limits) in zip(axes, panels, strict=False):
        vmin, vmax = limits or (0.0, float(np.nanmax(data.to_numpy())) or 1.0)
        image = ax.imshow(data.to_numpy(), origin="lower", aspect="auto", cmap=cmap,
                          extent=extent, vmin=vmin, vmax=vmax, interpolation="nearest")
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
        if limits is not None:
            bar.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_title(title, fontsize=11)
        ax.set_xlabel(say("matrix_x"))
        ax.set_ylabel(say("matrix_y"))
        ax.grid(False)
    return axes


def plot_cumulative(frame: pd.DataFrame, *, ax=None, language: str = "en"):
    """Actual against model-expected cumulative repeat purchases, with the calibration end.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`cumulative_transactions` output.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.chart.{key}", language, **values)

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    ax.plot(frame["date"], frame["actual"], color="#1f4e79", lw=2, label=say("actual"))
    ax.plot(frame["date"], frame["predicted"], color="#f5b041", lw=2, ls="--",
            label=say("model_line"))
    end = frame.attrs.get("calibration_end")
    if end is not None:
        ax.axvline(pd.Timestamp(end), color="#7f8c8d", lw=1, ls=":", label=say("calibration_end"))
    ax.set_title(say("cumulative_title"), fontsize=11)
    ax.set_ylabel(say("cumulative_y"))
    ax.set_xlabel("")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: compact_number(v, language)))
    plotting.month_axis(ax, language=language)
    plotting.legend_outside(ax)
    return ax


__all__ = [
    "plot_cumulative",
    "plot_holdout",
    "plot_matrices",
    "plot_p_alive",
]
