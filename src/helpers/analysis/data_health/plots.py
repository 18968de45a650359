"""Data health charts and their alt texts."""

from __future__ import annotations

import pandas as pd

from helpers.analysis.data_health.views import _month, _sep, table_label
from helpers.presentation import i18n

__all__ = [
    "activity_alt",
    "distributions_alt",
    "plot_activity",
    "plot_distributions",
    "plot_panel",
]


def plot_panel(panel: dict, *, ax=None):
    """Draw one panel of :func:`key_distributions` on ``ax`` and return it.

    Bars carry compact value labels (``2.5M``; ``250万`` in Chinese) and a labelled value
    axis (the currency for money); the company-size histogram has readable ticks and a
    localized count axis.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from helpers.presentation import plotting
    from helpers.presentation.tables import compact_number

    language = panel.get("language", "en")
    ax = ax if ax is not None else plt.gca()
    if panel["kind"] == "distribution":
        plotting.plot_distribution(panel["data"], ax=ax, title=panel["title"],
                                   xlabel=panel["xlabel"])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: compact_number(v, language)))
        ax.set_ylabel(i18n.t("data_overview.chart.accounts", language))
        return ax
    data = panel["data"].sort_values(ascending=True)
    bars = ax.barh([str(i) for i in data.index], data.to_numpy(), color=plotting.PALETTE[0])
    labels = [compact_number(v, language) if panel.get("money") else f"{v:,.0f}"
              for v in data.to_numpy()]
    ax.bar_label(bars, labels=labels, padding=2, fontsize=8)
    ax.set_title(panel["title"])
    ax.set_xlabel(panel["xlabel"])
    ax.margins(x=0.15)
    if panel.get("money"):
        plotting.money_axis(ax, panel.get("currency", ""), axis="x", language=language)
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: compact_number(v, language)))
    return ax


def distributions_alt(panels: list[dict], language: str = "en") -> str:
    """The alt text of the key-distribution charts: what each shows and its largest value.

    Parameters
    ----------
    panels : list of dict
        From :func:`key_distributions`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    from helpers.presentation.tables import compact_number

    t = i18n.t
    parts = []
    for panel in panels:
        data = panel["data"]
        if panel["kind"] == "distribution":
            parts.append(t("data_overview.alt.size", language, title=panel["title"],
                           median=f"{data.median():,.0f}", largest=f"{data.max():,.0f}"))
            continue
        top = data.idxmax()
        value = compact_number(data.max(), language)
        if panel.get("money") and panel.get("currency"):
            value = f"{value} {panel['currency']}"
        parts.append(t("data_overview.alt.bar", language, title=panel["title"], top=top,
                       value=value))
    sep = t("data_overview.alt.sep", language)
    return t("data_overview.alt.distributions", language, n=len(panels), charts=sep.join(parts))


def plot_distributions(panels: list[dict], *, columns: int = 2):
    """Draw the panels of :func:`key_distributions` in a grid and return the figure.

    Parameters
    ----------
    panels : list of dict
        From :func:`key_distributions`; at least one.
    columns : int, default 2
        Panels per row; unused places of the last row stay blank.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(11, 3.6 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        plot_panel(panel, ax=ax)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_activity(activity: pd.DataFrame, *, ax=None, language: str = "en"):
    """Rows per month of the event tables: one line per table on a log scale.

    Parameters
    ----------
    activity : pandas.DataFrame
        From :func:`monthly_activity`.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
        Month ticks and table names in ``language``, compact row counts, legend outside.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    from helpers.presentation import plotting
    from helpers.presentation.tables import compact_number

    ax = ax if ax is not None else plt.gca()
    for i, (name, part) in enumerate(activity.groupby("table", sort=False)):
        part = part.sort_values("month")
        ax.plot(part["month"], part["rows"], marker="o", markersize=3,
                color=plotting.PALETTE[i % len(plotting.PALETTE)],
                label=table_label(name, language))
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: compact_number(v, language)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_title(i18n.t("data_overview.chart.rows_per_month", language))
    ax.set_ylabel(i18n.t("data_overview.chart.rows_log", language))
    ax.set_xlabel("")
    plotting.month_axis(ax, language=language)
    plotting.legend_outside(ax)
    return ax


def activity_alt(activity: pd.DataFrame, language: str = "en") -> str:
    """The alt text of :func:`plot_activity`: the period and each table's typical month."""
    t = i18n.t
    per = activity.groupby("table", sort=False)["rows"].median().sort_values(ascending=False)
    items = _sep(language).join(
        t("data_overview.alt.activity_item", language, table=table_label(name, language),
          rows=f"{rows:,.0f}") for name, rows in per.items())
    return t("data_overview.alt.activity", language, start=_month(activity["month"].min(), language),
             end=_month(activity["month"].max(), language), items=items)

