"""How KPI values read in text: numbers with their unit, changes, and which KPIs the data supports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from helpers.presentation import i18n
from helpers.stats.numbers import safe_divide

from .formulas import KPIS

__all__ = [
    "KPI_ANALYSES",
    "card_change_text",
    "channel_name",
    "format_kpi",
    "stage_name",
]


def format_kpi(kpi: str, value: Any, *, change: bool = False) -> str:
    """A KPI value (or a change of it) as report text: ``12.5%``, ``1,300``, ``+3.0 pts``.

    Parameters
    ----------
    kpi : str
        A key of :data:`KPIS`.
    value : float
    change : bool
        Format as a change (relative in percent, or in points for shares and scores).

    Returns
    -------
    str
        ``–`` for missing values.
    """
    spec = KPIS[kpi]
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "–"
    if not np.isfinite(value):
        return "–"
    if change:
        return f"{value:+.0%}" if spec.change == "relative" else (
            f"{value * 100:+.1f} pts" if spec.unit == "share" else f"{value:+.1f}")
    if spec.unit == "share":
        return f"{value:.1%}"
    if spec.unit == "ratio":
        return f"{value:.2f}"
    if spec.unit in ("money", "count", "days"):
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _pct(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:+.0%}"


def _num(x: Any) -> str:
    try:
        return f"{float(x):,.0f}"
    except (TypeError, ValueError):
        return "–"


def _share(part: Any, whole: Any) -> str:
    v = safe_divide(part, whole)
    return "–" if not np.isfinite(v) else f"{v:.0%}"


def card_change_text(kpi: str, change: Any, language: str = "en") -> str:
    """A period-on-period change as a card shows it: ``+22%``, ``+1.5 pts``, ``+2.1``.

    ``change`` is relative for relative KPIs and a difference for shares and scores, as in
    :func:`kpi_changes`; shares read in points (``个百分点`` in Chinese).
    """
    if not _finite(change):
        return "–"
    spec = KPIS[kpi]
    c = float(change)
    if spec.change == "relative":
        return f"{c:+.0%}"
    if spec.unit == "share":
        return i18n.t("kpi.card.points", language, value=f"{c * 100:+.1f}")
    return f"{c:+.1f}"


def _reads_as_zero(kpi: str, change: float) -> bool:
    """Whether a change shows as zero in :func:`card_change_text` (``+0%``, ``+0.0 pts``)."""
    spec = KPIS[kpi]
    scale = 100 if spec.change == "relative" else 1000 if spec.unit == "share" else 10
    return round(abs(float(change)) * scale) == 0


def _change(kpi: str, value: Any) -> str:
    """:func:`format_kpi` of a change, without a sign when it reads as zero (``0%``)."""
    text = format_kpi(kpi, value, change=True)
    return text.lstrip("+-") if _finite(value) and _reads_as_zero(kpi, value) else text


def stage_name(stage: Any, language: str = "en") -> str:
    """An opportunity stage in the report language; stages of a CRM export read as they
    are, with underscores as spaces."""
    key = f"kpi.pipeline.stage.{stage}"
    return i18n.t(key, language) if key in i18n.LABELS else str(stage).replace("_", " ")


#: The analyses of :data:`helpers.data.capabilities.ANALYSES` behind each headline KPI.
KPI_ANALYSES: dict[str, tuple[str, ...]] = {
    "cac": ("kpis.cac",), "clv": ("kpis.clv",), "clv_cac": ("kpis.cac", "kpis.clv"),
    "churn_rate": ("kpis.churn",), "nrr": ("kpis.churn",), "grr": ("kpis.churn",),
    "win_rate": ("kpis.conversion",), "nps": ("kpis.satisfaction",),
    "csat": ("kpis.satisfaction",),
}


def _finite(value: Any) -> bool:
    try:
        return bool(np.isfinite(float(value)))
    except (TypeError, ValueError):
        return False


def _sentences(parts: Sequence[str], language: str) -> str:
    """Sentences joined as the language writes them (Chinese needs no space)."""
    return ("" if language == "zh" else " ").join(parts)


def _with_unit(kpi: str, value: Any, currency: str) -> str:
    text = format_kpi(kpi, value)
    return f"{text} {currency}".strip() if KPIS[kpi].unit == "money" else text


def _unsupported(kpi: str, caps) -> str | None:
    """The first analysis behind ``kpi`` that the data does not support, or ``None``."""
    if caps is None:
        return None
    return next((key for key in KPI_ANALYSES.get(kpi, ()) if not caps.supports(key)), None)


def channel_name(channel: Any, language: str = "en") -> str:
    """An acquisition channel in the report language (``trade_show`` -> ``trade show``)."""
    return i18n.code_label("kpi.channel", channel, language)
