"""Report styling and the shared chart functions.

Every ``plot_*`` function takes the data and an optional ``ax`` and returns the Axes, so
notebooks can lay charts out freely and tests can inspect them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib import font_manager

__all__ = [
    "CJK_FONT",
    "PALETTE",
    "apply_report_style",
    "cjk_font_path",
    "figure_html",
    "legend_outside",
    "money_axis",
    "month_axis",
    "plot_bar",
    "plot_distribution",
    "plot_heatmap",
    "plot_monthly",
    "show",
]

PALETTE = ["#1f4e79", "#2e86c1", "#48c9b0", "#f5b041", "#e74c3c", "#8e44ad", "#7f8c8d"]
CJK_FONT = "Noto Sans CJK SC"


def cjk_font_path() -> Path | None:
    """The Noto Sans CJK SC file shipped by ``mplfonts``, or ``None`` when it is missing."""
    try:
        import mplfonts
    except ImportError:
        return None
    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    return path if path.is_file() else None


def _register_cjk_font() -> str | None:
    """Register the CJK font shipped by ``mplfonts``; return its family name."""
    path = cjk_font_path()
    if path is None:
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def apply_report_style() -> None:
    """Seaborn theme plus a CJK-capable font, so Chinese labels do not render as boxes.

    Matplotlib falls back glyph by glyph only across the families listed in
    ``font.family`` (a generic name such as ``sans-serif`` resolves to one font), so the
    CJK font is listed there after ``sans-serif``: Latin text keeps DejaVu Sans and
    Chinese characters come from Noto Sans CJK SC.
    """
    sns.set_theme(style="whitegrid", palette=PALETTE, context="notebook")
    # The CJK font ships in one weight; bold titles use it as is, and matplotlib would
    # otherwise warn about the missing bold face on every chart.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    cjk = _register_cjk_font()
    families = ["DejaVu Sans"] + ([cjk] if cjk else [])
    plt.rcParams.update({
        "font.family": ["sans-serif"] + ([cjk] if cjk else []),
        "font.sans-serif": families + plt.rcParams["font.sans-serif"],
        "axes.unicode_minus": False,
        "figure.figsize": (8, 4),
        "figure.dpi": 100,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        # plain tick labels: no "1e7" offsets or scientific notation on money axes
        "axes.formatter.useoffset": False,
        "axes.formatter.limits": (-6, 12),
        "legend.frameon": False,
    })


def money_axis(ax, currency: str = "", *, axis: str = "y", language: str = "en", label: str | None = None):
    """Ticks as compact amounts (``2.5M``; ``250万`` in zh) and the currency in the axis label.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    currency : str
        Shown in the label: ``"Revenue (EUR)"``.
    axis : {"x", "y"}
    language : {"en", "zh"}
    label : str, optional
        The axis label without the unit (default: keep the current one).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import FuncFormatter

    from helpers.presentation.tables import compact_number

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: compact_number(v, language)))
    text = label if label is not None else target.get_label_text()
    unit = f" ({currency})" if currency else ""
    target.set_label_text(f"{text}{unit}".strip() if text else currency)
    return ax


def month_axis(ax, *, axis: str = "x", language: str = "en"):
    """Month ticks that read in the report language: ``Jul 2024`` or ``2024年7月``.

    Works on a date axis (matplotlib dates); returns ``ax``.
    """
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    target = ax.xaxis if axis == "x" else ax.yaxis

    def label(value, _pos):
        d = mdates.num2date(value)
        return f"{d.year}年{d.month}月" if language == "zh" else d.strftime("%b %Y")

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    target.set_major_locator(locator)
    target.set_major_formatter(FuncFormatter(label))
    return ax


def legend_outside(ax, **kwargs):
    """Put the legend to the right of the plot, where it cannot cover data; returns ``ax``."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0, **kwargs)
    return ax


def figure_html(fig, *, alt: str, caption: str | None = None, dpi: int = 100) -> str:
    """The figure as an HTML ``<figure>``: a PNG with its alt text and an optional caption.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        What the chart shows, for readers who cannot see it (required, not empty).
    caption : str, optional
        One line under the chart.
    dpi : int

    Returns
    -------
    str
    """
    import base64
    import html
    import io

    if not str(alt or "").strip():
        raise ValueError("a chart needs an alt text that says what it shows")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (f'<figure class="wb-figure"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt, quote=True)}">{cap}</figure>')


def show(fig=None, *, alt: str, caption: str | None = None) -> None:
    """Display a chart with its alt text and caption in the notebook and report, then close it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure, optional
        Default: the current figure.
    alt : str
        What the chart shows ("Revenue per quarter, 2024 to 2026, rising from 3M to 5M").
    caption : str, optional
    """
    from IPython.display import HTML, display

    fig = fig if fig is not None else plt.gcf()
    display(HTML(figure_html(fig, alt=alt, caption=caption)))
    plt.close(fig)


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def plot_bar(data: pd.Series, *, ax=None, title: str = "", xlabel: str = "",
             horizontal: bool = True, fmt: str = "{:,.0f}"):
    """Bar chart of a Series (index = labels), largest first, with value labels.

    Parameters
    ----------
    data : pandas.Series
        Values indexed by label.
    ax : matplotlib.axes.Axes, optional
    title, xlabel : str
    horizontal : bool
        Horizontal bars read better for long category names.
    fmt : str
        Format of the value labels.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    s = data.sort_values(ascending=horizontal)
    labels = [str(i) for i in s.index]
    if horizontal:
        bars = ax.barh(labels, s.to_numpy(), color=PALETTE[0])
        ax.set_xlabel(xlabel)
    else:
        bars = ax.bar(labels, s.to_numpy(), color=PALETTE[0])
        ax.set_ylabel(xlabel)
        ax.tick_params(axis="x", rotation=45)
    ax.bar_label(bars, labels=[fmt.format(v) for v in s.to_numpy()], padding=2, fontsize=8)
    ax.set_title(title)
    return ax


def plot_monthly(series: pd.DataFrame, *, x: str, y: str, hue: str | None = None, ax=None,
                 title: str = "", ylabel: str = ""):
    """Line chart of a monthly series (optionally one line per ``hue``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    sns.lineplot(data=series, x=x, y=y, hue=hue, ax=ax, marker="o", markersize=3)
    ax.set_title(title)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    return ax


def plot_distribution(values: pd.Series, *, ax=None, title: str = "", xlabel: str = "",
                      log: bool = True):
    """Histogram of a positive, heavy-tailed quantity (log x-axis by default).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    v = pd.to_numeric(values, errors="coerce").dropna()
    if log:
        v = v[v > 0]
    sns.histplot(v, ax=ax, log_scale=log, bins=40, color=PALETTE[1])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return ax


def plot_heatmap(table: pd.DataFrame, *, ax=None, title: str = "", fmt: str = ".0f",
                 cmap: str = "Blues"):
    """Annotated heatmap of a two-way table.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    sns.heatmap(table, annot=True, fmt=fmt, cmap=cmap, cbar=False, ax=ax, linewidths=0.5)
    ax.set_title(title)
    return ax
