"""Numbers, ranges, sparklines and labels of the key-account report as people read them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.presentation import i18n
from helpers.presentation.tables import compact_number

#: What a report shows for a value that cannot be computed.
DASH = "–"


def _finite(v: Any) -> bool:
    try:
        return v is not None and bool(np.isfinite(float(v)))
    except (TypeError, ValueError):
        return False


def fmt_money(v: Any, currency: str = "") -> str:
    """``1,234 EUR``, or :data:`DASH` for a missing, NaN or infinite value."""
    return f"{float(v):,.0f} {currency}".strip() if _finite(v) else DASH


def fmt_share(v: Any, digits: int = 0, *, signed: bool = False) -> str:
    """``42%`` (``+42%`` when ``signed``), or :data:`DASH` for a missing or infinite value."""
    if not _finite(v):
        return DASH
    v = round(float(v), digits + 2) + 0.0  # a tiny negative share reads 0%, not -0%
    return f"{v:+.{digits}%}" if signed else f"{v:.{digits}%}"


def fmt_number(v: Any, digits: int = 0) -> str:
    """``1,234`` (``digits`` decimals), or :data:`DASH` for a missing or infinite value."""
    return f"{float(v):,.{digits}f}" if _finite(v) else DASH


def percent_or_none(v: Any, digits: int = 1) -> float | None:
    """``100 * v`` rounded to ``digits``, or ``None`` (a headline card shows "–")."""
    return round(100 * float(v), digits) if _finite(v) else None


SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Any) -> str:
    """A one-line text chart of a series: one block per value, ``·`` for zero or less.

    Returns
    -------
    str
    """
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").fillna(0.0), dtype=float)
    top = v.max() if len(v) else 0.0
    if top <= 0:
        return "·" * len(v)
    level = np.clip(np.ceil(v / top * len(SPARK_BLOCKS)) - 1, 0, len(SPARK_BLOCKS) - 1)
    return "".join("·" if x <= 0 else SPARK_BLOCKS[int(i)] for x, i in zip(v, level, strict=True))


def value_label(kind: str, value: Any, language: str = "en") -> str:
    """A value tier (``kind="tier"``), dossier stage (``kind="stage"``) or acquisition
    channel (``kind="channel"``) in the report language; unknown values are shown as they
    are, with underscores as spaces (``trade_show`` reads ``trade show``)."""
    key = f"customer_value.{kind}.{value}"
    return i18n.t(key, language) if key in i18n.LABELS else str(value).replace("_", " ")


def format_range(low: Any, high: Any, language: str = "en") -> str:
    """A value range as a person reads it: ``3.3M – 7.4M`` (``330万 – 740万`` in zh); ``–``
    when either end is unknown."""
    if not (_finite(low) and _finite(high)):
        return DASH
    return f"{compact_number(low, language)} – {compact_number(high, language)}"


__all__ = [
    "DASH",
    "SPARK_BLOCKS",
    "fmt_money",
    "fmt_number",
    "fmt_share",
    "format_range",
    "percent_or_none",
    "sparkline",
    "value_label",
]
