"""Tables for people: formatted, labelled, short and narrow enough for the page.

A management table is a :class:`pandas.io.formats.style.Styler` built by
:func:`people_table`. Every column gets a *kind* that decides how its cells read
(money with thousands separators, shares as percentages, booleans as ✓ or –, missing
values as –), headers come from the caller's labels, and long tables are cut to
``max_rows`` with one line saying where the full list is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.presentation import i18n
from helpers.stats.numbers import is_missing

__all__ = ["KINDS", "MAX_ROWS", "format_cell", "humanize", "infer_kind", "people_table",
           "compact_number", "header_labels", "labelled_table"]

#: how a column's cells are written
KINDS = ("text", "int", "number", "money", "share", "pct_points", "ratio", "bool", "date",
         "score", "p_value")
#: rows a management table shows before it points to the export
MAX_ROWS = 15
_DASH = "–"


def humanize(name: Any) -> str:
    """``"size_band"`` → ``"Size band"``: a readable fallback label for a column name."""
    text = re.sub(r"[_\s]+", " ", str(name)).strip()
    return text[:1].upper() + text[1:] if text else text



def compact_number(value: float, language: str = "en", *, decimals: int = 1) -> str:
    """A short figure for chart ticks and cards: ``2.5M``, ``12K``; ``250万``, ``1.2亿`` in zh.

    Parameters
    ----------
    value : float
    language : {"en", "zh"}
    decimals : int
        Decimals kept after scaling (trailing zeros are dropped).

    Returns
    -------
    str
        ``"–"`` for a missing or infinite value.
    """
    if is_missing(value) or not math.isfinite(float(value)):
        return _DASH
    v = float(value)
    sign = "-" if v < 0 else ""
    a = abs(v)
    steps = ((1e8, "亿"), (1e4, "万")) if language == "zh" else ((1e9, "B"), (1e6, "M"), (1e3, "K"))

    def trimmed(x: float) -> str:
        text = f"{x:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    for i, (size, suffix) in enumerate(steps):
        if a >= size:
            text = trimmed(a / size)
            bigger = steps[i - 1] if i else None
            # 999,960 rounds to "1,000K": write it in the next unit up instead
            if bigger and float(text.replace(",", "")) * size >= bigger[0]:
                return f"{sign}{trimmed(a / bigger[0])}{bigger[1]}"
            return f"{sign}{text}{suffix}"
    text = trimmed(a) if a < 100 else f"{a:,.0f}"
    if steps[-1][0] <= float(text.replace(",", "")):
        return f"{sign}{trimmed(a / steps[-1][0])}{steps[-1][1]}"
    return f"{sign}{text}"


def infer_kind(series: pd.Series) -> str:
    """The kind a column gets when the caller names none: by dtype, and text otherwise."""
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        values = series.dropna()
        if len(values) and bool((values == values.round()).all()):
            return "int"
        return "number"
    values = series.dropna()
    if len(values) and all(isinstance(v, bool) for v in values):
        return "bool"
    return "text"


def _number(value: float) -> str:
    a = abs(value)
    if a >= 100:
        return f"{value:,.0f}"
    if a >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def format_cell(value: Any, kind: str, *, currency: str = "", language: str = "en") -> str:
    """One cell as a person reads it.

    Parameters
    ----------
    value : object
    kind : str
        One of :data:`KINDS`. ``share`` takes a fraction (0.152 → ``15.2%``),
        ``pct_points`` a difference of shares (0.031 → ``+3.1 pts``; ``个百分点`` in zh).
    currency : str
        Unused in the cell (the header carries it); kept so callers can pass it through.
    language : {"en", "zh"}

    Returns
    -------
    str
        Never ``nan``, ``None``, ``inf``, ``True`` or ``False``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "bool":
        if is_missing(value):
            return _DASH
        truthy = value if isinstance(value, bool) else str(value).strip().lower() in {"true", "1", "yes"}
        return i18n.t("report.yes" if truthy else "report.no", language)
    if is_missing(value):
        return _DASH
    if kind == "text":
        text = str(value)
        return {"True": i18n.t("report.yes", language),
                "False": i18n.t("report.no", language)}.get(text, text)
    if kind == "date":
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d")
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return _DASH
    if kind == "int":
        return f"{round(v):,}"
    if kind == "number":
        return _number(v)
    if kind == "money":
        return f"{v:,.0f}" if abs(v) >= 100 or v == round(v) else f"{v:,.2f}"
    if kind == "share":
        return f"{v:.1%}"
    if kind == "pct_points":
        unit = " 个百分点" if language == "zh" else " pts"
        return f"{v * 100:+.1f}{unit}"
    if kind == "ratio":
        return f"{v:,.1f}×" if abs(v) < 100 else f"{v:,.0f}×"
    if kind == "score":
        return f"{v:.2f}"
    # p_value
    return "<0.001" if v < 0.001 else f"{v:.3f}"


def people_table(frame: pd.DataFrame, *, kinds: Mapping[str, str] | None = None,
                 labels: Mapping[str, str] | None = None, currency: str = "",
                 language: str = "en", max_rows: int | None = MAX_ROWS,
                 columns: list[str] | None = None, caption: str | None = None):
    """A management table: formatted cells, readable headers, at most ``max_rows`` rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data, index ignored (put labels in a column).
    kinds : mapping, optional
        ``{column: kind}`` (see :data:`KINDS`); other columns are inferred by
        :func:`infer_kind`.
    labels : mapping, optional
        ``{column: header}``; columns without one get :func:`humanize` (give labels for
        every column in a Chinese report).
    currency : str
        Added to the headers of ``money`` columns: ``Revenue (EUR)``.
    language : {"en", "zh"}
    max_rows : int or None
        Rows shown; a caption says how many there are in all. ``None`` shows every row.
    columns : list of str, optional
        Columns to show, in order (default: all).
    caption : str, optional
        A caption above the table.

    Returns
    -------
    pandas.io.formats.style.Styler
        Renders to HTML with class ``wb-table``; every cell is already a string.
    """
    kinds = dict(kinds or {})
    labels = dict(labels or {})
    data = frame.reset_index(drop=True)
    if columns is not None:
        data = data[list(columns)]
    total = len(data)
    if max_rows is not None and total > max_rows:
        data = data.head(max_rows)
        note = i18n.t("report.more_rows", language, shown=max_rows, total=f"{total:,}")
        caption = f"{caption} · {note}" if caption else note
    for col in data.columns:
        if col in kinds and kinds[col] not in KINDS:
            raise ValueError(f"kind for column {col!r} must be one of {', '.join(KINDS)}, "
                             f"not {kinds[col]!r}")
    shown = pd.DataFrame({
        col: [format_cell(v, kinds.get(col) or infer_kind(data[col]), currency=currency,
                          language=language) for v in data[col]]
        for col in data.columns
    }, columns=data.columns)
    numeric = [c for c in data.columns
               if (kinds.get(c) or infer_kind(data[c])) not in ("text", "bool", "date")]
    header = [(labels.get(c) or humanize(c))
              + (f" ({currency})" if currency and kinds.get(c) == "money" else "")
              for c in data.columns]
    styler = (shown.style.hide(axis="index")
              .relabel_index(header, axis="columns")
              .format(escape="html")
              .set_table_attributes('class="wb-table"'))
    if numeric:
        styler = styler.set_properties(subset=numeric, **{"text-align": "right"})
    words = [c for c in data.columns if c not in numeric]
    if words and len(data):
        styler = styler.set_properties(subset=words, **{"text-align": "left"})
    if caption:
        styler = styler.set_caption(caption)
    return styler


def header_labels(prefix: str, columns, *, language: str = "en", **values) -> dict[str, str]:
    """Headers for ``columns`` from the texts ``<prefix>.<column>`` of the report's locale.

    Parameters
    ----------
    prefix : str
        Locale key prefix, e.g. ``"budget_allocation.col"``.
    columns : iterable of str or pandas.DataFrame
        Column names (a frame gives its columns).
    language : {"en", "zh"}
    **values
        Fields some headers take (``{currency}``, ``{value}``).

    Returns
    -------
    dict
        ``{column: header}``; a column without a text gets :func:`humanize`.
    """
    return {c: i18n.t(f"{prefix}.{c}", language, default=humanize(c), **values) for c in columns}


def labelled_table(prefix: str, frame: pd.DataFrame, kinds: Mapping[str, str] | None = None, *,
                   language: str = "en", currency: str = "", max_rows: int | None = MAX_ROWS,
                   columns: list[str] | None = None, caption: str | None = None, **values):
    """:func:`people_table` with its headers from the locale texts ``<prefix>.<column>``.

    ``values`` fill the headers' fields (see :func:`header_labels`).
    """
    labels = header_labels(prefix, frame.columns, language=language, **values)
    return people_table(frame, kinds=kinds, labels=labels, currency=currency, language=language,
                        max_rows=max_rows, columns=columns, caption=caption)
