"""Monthly revenue charts of key accounts: one panel, or small multiples."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.presentation import i18n
from helpers.presentation.tables import compact_number


def plot_revenue_trends(trend: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                        ncols: int = 4, axes=None, currency: str = "", language: str = "en"):
    """Small multiples: one monthly revenue panel per account, in the order of ``trend``.

    Parameters
    ----------
    trend : pandas.DataFrame
        :func:`monthly_revenue` output.
    labels : mapping, optional
        Panel title per ``account_id`` (e.g. rank and name).
    ncols : int
        Panels per row when ``axes`` is not given.
    axes : array of matplotlib.axes.Axes, optional
        At least one per account.
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
    """
    ids = list(dict.fromkeys(trend["account_id"]))
    if axes is None:
        nrows = max(1, int(np.ceil(len(ids) / ncols)))
        # constrained layout keeps the overall title clear of the panel titles
        _, axes = plt.subplots(nrows, ncols, figsize=(3 * ncols, 0.5 + 1.7 * nrows), squeeze=False,
                               layout="constrained")
    flat = np.asarray(axes).ravel()
    for ax, acc in zip(flat, ids, strict=False):
        title = (labels or {}).get(acc, acc)
        plot_revenue_trend(trend[trend["account_id"] == acc], ax=ax,
                           title=title if len(title) <= 32 else title[:31] + "…", currency="",
                           language=language)
        ax.tick_params(axis="x", labelsize=7)
    for ax in flat[len(ids):]:
        ax.set_visible(False)
    if len(ids):
        title = (i18n.t("customer_value.chart.trends_title", language, currency=currency) if currency
                 else i18n.t("customer_value.chart.trends_title_plain", language))
        flat[0].figure.suptitle(title, fontweight="bold")
    return np.asarray(axes)


def plot_revenue_trend(trend: pd.DataFrame, *, ax=None, title: str = "", currency: str = "",
                       language: str = "en"):
    """Bar chart of one account's monthly revenue (credit-note months in red).

    Parameters
    ----------
    trend : pandas.DataFrame
        ``month`` and ``revenue`` rows for one account (:func:`monthly_revenue`).
    ax : matplotlib.axes.Axes, optional
    title, currency : str
    language : {"en", "zh"}
        Month ticks (``Jul 25`` or ``25年7月``) and compact amounts (``250万`` in zh).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.8))
    t = trend.sort_values("month")
    months = pd.to_datetime(t["month"])
    revenue = t["revenue"].to_numpy(dtype="float64")
    pos = np.arange(len(t))
    # Category positions, not dates: date locators make many small panels slow to draw.
    ax.bar(pos, revenue, width=0.8, color=np.where(revenue >= 0, "#2e86c1", "#e74c3c"))
    ticks = pos[::6]
    ax.set_xticks(ticks, [f"{m:%y}年{m.month}月" if language == "zh" else m.strftime("%b %y")
                          for m in months.iloc[::6]])
    ax.set_ylabel(currency)
    ax.set_title(title, fontsize=10)
    ax.tick_params(labelsize=8)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: compact_number(v, language)))
    return ax


__all__ = [
    "plot_revenue_trend",
    "plot_revenue_trends",
]
