"""Codes of the data in people's words: value labels, Markdown escaping, weekdays and months.

Also used by :mod:`helpers.analysis.attribution` and :mod:`helpers.analysis.experiments`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers.analysis.content.definitions import WEEKDAYS
from helpers.presentation import i18n

__all__ = [
    "CODE_COLUMNS",
    "DASH",
    "UNKNOWN_LABELS",
    "is_known",
    "md_escape",
    "md_label",
    "month_label",
    "relabel",
    "relabel_axes",
    "value_label",
    "weekday_name",
]


#: shown for a value that cannot be computed; the section states the reason once
DASH = "–"
#: labels that stand for "no value" and never win a ranking or a sentence
UNKNOWN_LABELS = ("(none)", "(unknown)", "(no touch)")
#: columns whose values are codes, and the label family each is translated with
CODE_COLUMNS: dict[str, str] = {
    "channel": "channel", "main_channel": "channel", "content_type": "content_type",
    "content_category": "category", "stage": "stage", "group": "group",
    "pain_point": "pain_point", "label": "channel",
}
#: placeholder labels of the engine and their keys
_PLACEHOLDERS = {"(none)": "label.none", "(unknown)": "label.unknown",
                 "(no touch)": "label.no_touch"}
_MD_SPECIAL = "\\`*_{}[]<>#|!"


def is_known(value) -> bool:
    """Whether ``value`` is a real value: not None, NA, NaN, NaT or infinite."""
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        return True
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return bool(np.isfinite(float(value)))
    return True


def _t(key: str, language: str, **values) -> str:
    return i18n.t(f"content_evaluation.{key}", language, **values)


def value_label(kind: str, value, language: str = "en") -> str:
    """A code of the data (``trade_show``, ``case_study``, ``growth``) as people read it.

    Parameters
    ----------
    kind : {"channel", "content_type", "category", "stage", "group", "pain_point", "segment"}
        The label family (see :data:`CODE_COLUMNS`).
    value : object
    language : {"en", "zh"}

    Returns
    -------
    str
        The locale text when there is one; otherwise a code written with spaces
        (``key_account`` → ``key account``) and any other text as it is; :data:`DASH` for
        a missing value.
    """
    if not is_known(value):
        return DASH
    text = str(value)
    if text in _PLACEHOLDERS:
        return _t(_PLACEHOLDERS[text], language)
    key = f"content_evaluation.{kind}.{text}"
    if key in i18n.LABELS:
        return i18n.t(key, language)
    if kind == "stage":
        return i18n.t(f"content_evaluation.stage.{text}", language, default=text)
    return text.replace("_", " ") if text.replace("_", "").isalnum() and text.islower() else text


def relabel(frame: pd.DataFrame, language: str = "en",
            kinds: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with its code columns (:data:`CODE_COLUMNS`) in people's words.

    Parameters
    ----------
    frame : pandas.DataFrame
    language : {"en", "zh"}
    kinds : mapping, optional
        ``{column: label family}`` over :data:`CODE_COLUMNS` (for example
        ``{"label": "category"}`` for content attribution).

    Returns
    -------
    pandas.DataFrame
    """
    families = {**CODE_COLUMNS, **dict(kinds or {})}
    out = frame.copy()
    for col, kind in families.items():
        if col in out.columns:
            out[col] = [value_label(kind, v, language) for v in out[col]]
    return out


def relabel_axes(table: pd.DataFrame, *, index: str | None = None, columns: str | None = None,
                 language: str = "en") -> pd.DataFrame:
    """A two-way table (heatmap) with its row and column codes in people's words."""
    out = table.copy()
    if index:
        out.index = [value_label(index, v, language) for v in out.index]
    if columns:
        out.columns = [value_label(columns, v, language) for v in out.columns]
    return out


def md_escape(text) -> str:
    """Text from the data made safe for Markdown: ``trade_show`` stays ``trade_show``.

    Backslash-escapes the characters Markdown would read as emphasis, code, links,
    headings or HTML, so a channel, asset title or experiment name prints as written.
    """
    if not is_known(text):
        return DASH
    return "".join(f"\\{ch}" if ch in _MD_SPECIAL else ch for ch in str(text))


def md_label(kind: str, value, language: str = "en") -> str:
    """:func:`value_label` escaped for Markdown, for sentences."""
    return md_escape(value_label(kind, value, language))


def weekday_name(day: str, language: str = "en") -> str:
    """A weekday of :data:`WEEKDAYS` (``"Mon"``) in ``language``; other text is returned as is."""
    if day not in WEEKDAYS:
        return day
    return i18n.t(f"content_evaluation.weekday.{day}", language)


def month_label(stamp, language: str = "en") -> str:
    """A month as people read it: ``Jul 2024`` or ``2024年7月``."""
    d = pd.Timestamp(stamp)
    return f"{d.year}年{d.month}月" if language == "zh" else d.strftime("%b %Y")
