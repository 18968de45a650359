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
    })


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
