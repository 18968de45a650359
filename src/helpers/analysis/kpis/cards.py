"""Headline KPI cards: value, change or flag, trend line and progress towards a target."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError, suggest
from helpers.presentation import i18n

from .breaks import _flag_map
from .formatting import _finite, _reads_as_zero, card_change_text, format_kpi
from .formulas import HEADLINE_KPIS, KPIS
from .periods import period_name
from .series import kpi_changes

__all__ = [
    "card_value_text",
    "cards_html",
    "check_targets",
    "headline_cards",
    "headline_table",
    "kpi_cards",
    "sparkline_img",
    "sparkline_svg",
    "target_findings",
    "target_progress",
    "target_text",
]


def check_targets(targets: Mapping[str, Any] | None) -> dict[str, float]:
    """Check the ``targets`` parameter: KPI key -> target value per period.

    Parameters
    ----------
    targets : mapping or None
        E.g. ``{"revenue": 35000000, "churn_rate": 0.10}``; keys are the headline KPIs
        (:data:`HEADLINE_KPIS`), values are numbers in the KPI's own unit: money in the
        report currency per period, shares as fractions (0.10 for 10 %), NPS in points.
        ``None`` or an empty mapping sets no target.

    Returns
    -------
    dict
        KPI -> target as a float.

    Raises
    ------
    ParamError
        An unknown KPI key (naming the valid ones) or a value that is not a finite number.
    """
    if targets is None:
        return {}
    if not isinstance(targets, Mapping):
        raise ParamError(f"targets must be a mapping of KPI -> target value, not "
                         f"{type(targets).__name__}")
    out = {}
    for key, value in targets.items():
        if key not in HEADLINE_KPIS:
            raise ParamError(f"targets: unknown KPI {key!r}{suggest(str(key), list(HEADLINE_KPIS)) or '.'}"
                             f" Valid KPIs: {', '.join(HEADLINE_KPIS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(float(value)):
            raise ParamError(f"targets: the target of {key} must be a number, not {value!r}")
        out[str(key)] = float(value)
    return out


def _card_scale(kpi: str) -> tuple[float, int]:
    """Factor and decimals of a KPI on a card: shares in percent, money and counts whole."""
    unit = KPIS[kpi].unit
    scale = 100.0 if unit == "share" else 1.0
    digits = 0 if unit in ("money", "count", "days") else 2 if unit == "ratio" else 1
    return scale, digits


def _card_number(kpi: str, value: float) -> float | int:
    scale, digits = _card_scale(kpi)
    return int(round(value * scale)) if digits == 0 else round(value * scale, digits)


def card_value_text(kpi: str, value: Any, *, currency: str = "", language: str = "en") -> str:
    """A KPI value as a card shows it: ``29.7M EUR``, ``11.0%``, ``59.2``, ``-10.5``.

    Money is compact (:func:`helpers.presentation.tables.compact_number`, ``2969万`` in Chinese) with
    the currency; ``–`` for a missing value.
    """
    from helpers.presentation.tables import compact_number

    if not _finite(value):
        return "–"
    spec = KPIS[kpi]
    v = float(value)
    if spec.unit == "money":
        return f"{compact_number(v, language)} {currency}".strip()
    if spec.unit == "share":
        return f"{v:.1%}"
    if spec.unit == "count":
        return f"{v:,.0f}"
    if spec.unit == "days":
        return f"{v:,.0f} {i18n.t('unit.days', language)}"
    if spec.unit == "ratio":
        return f"{v:.1f}"
    return f"{v:.1f}"


def target_progress(kpi: str, value: Any, target: Any) -> dict[str, Any]:
    """How far a KPI value is towards its target.

    Returns
    -------
    dict
        ``share`` (value / target; ``nan`` when the ratio means nothing: a target or value
        at or below zero) and ``met`` (at or above the target, or at or below it for KPIs
        where lower is better such as CAC and churn; ``None`` without both numbers).
    """
    if not (_finite(value) and _finite(target)):
        return {"share": np.nan, "met": None}
    v, g = float(value), float(target)
    met = v <= g if KPIS[kpi].better == "down" else v >= g
    share = v / g if g > 0 and v >= 0 else np.nan
    return {"share": share, "met": bool(met)}


def target_text(kpi: str, value: Any, target: Any, *, currency: str = "",
                language: str = "en") -> str:
    """``84% of target 35M EUR`` (``of ceiling`` for KPIs where lower is better), or
    ``target 30.0: not met`` when a ratio means nothing; empty without a target."""
    if not _finite(target):
        return ""
    progress = target_progress(kpi, value, target)
    goal = card_value_text(kpi, target, currency=currency, language=language)
    if progress["met"] is None:
        return i18n.t("kpi.card.target_only", language, target=goal)
    if _finite(progress["share"]):
        key = "kpi.card.target_down" if KPIS[kpi].better == "down" else "kpi.card.target_up"
        return i18n.t(key, language, pct=f"{progress['share']:.0%}", target=goal)
    state = i18n.t("kpi.card.met" if progress["met"] else "kpi.card.not_met", language)
    return i18n.t("kpi.card.target_state", language, target=goal, state=state)


def kpi_cards(series: pd.DataFrame, *, kpis: Sequence[str] | None = None, currency: str = "",
              language: str = "en", flags: pd.DataFrame | None = None,
              targets: Mapping[str, float] | None = None, trend_periods: int = 8
              ) -> list[dict[str, Any]]:
    """The headline KPI cards of the last period: value, period, change, trend and target.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`kpi_series` (oldest period first).
    kpis : sequence of str, optional
        Default: :data:`HEADLINE_KPIS` with a value in the last period.
    currency : str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`: a flagged KPI shows the flag's reason instead of a change,
        since the change comes from a data break, not from the business.
    targets : mapping, optional
        From :func:`check_targets`.
    trend_periods : int
        Periods on the trend line, ending with the card's period.

    Returns
    -------
    list of dict
        One card per KPI with a value: ``kpi, label, period`` (localised name),
        ``value``, ``previous`` (the previous period's value), ``change`` (against the
        previous period, relative or in points as in :func:`kpi_changes`; ``nan`` when
        flagged or unknown), ``flag`` (text or ``""``),
        ``trend`` (values, oldest first, ending with ``value``; missing periods left
        out), ``target`` (``nan`` without one), ``progress`` (:func:`target_progress`)
        and the texts ``value_text, change_text, target_text`` and ``trend_text`` (what the
        trend line shows, for readers who cannot see it).
    """
    if series.empty:
        return []
    flagged = _flag_map(flags)
    goals = dict(targets or {})
    last = series.iloc[-1]
    period = period_name(last["period"], language)
    names = [k for k in (kpis if kpis is not None else HEADLINE_KPIS)
             if k in series.columns and _finite(last[k])]
    changes = kpi_changes(series, kpis=names)
    cards = []
    for k in names:
        values = pd.to_numeric(series[k], errors="coerce").astype("float64")
        pop = changes.loc[changes.kpi == k, "pop"].iloc[-1]
        flag = flagged.get(k, "")
        change = np.nan if flag else float(pop)
        recent = values.tail(int(trend_periods))
        target = goals.get(k, np.nan)
        cards.append({
            "kpi": k, "label": i18n.t(f"kpi.{k}", language), "period": period,
            "value": float(last[k]), "change": change, "flag": flag,
            "previous": float(values.iloc[-2]) if len(values) >= 2 else np.nan,
            "trend": [float(v) for v in recent if np.isfinite(v)],
            "target": float(target), "progress": target_progress(k, last[k], target),
            "value_text": card_value_text(k, last[k], currency=currency, language=language),
            "change_text": card_change_text(k, change, language),
            "target_text": target_text(k, last[k], target, currency=currency, language=language),
        })
        trend = cards[-1]["trend"]
        cards[-1]["trend_text"] = i18n.t(
            "kpi.card.trend_alt", language, kpi=cards[-1]["label"], n=len(trend),
            first=card_value_text(k, trend[0], currency=currency, language=language),
            last=cards[-1]["value_text"]) if len(trend) >= 2 else ""
    return cards


def headline_cards(cards: Sequence[Mapping[str, Any]], *, currency: str = "",
                   language: str = "en") -> dict[str, dict]:
    """Cards of :func:`kpi_cards` in the schema of :func:`helpers.report.outputs.record_headlines`.

    Shares are in percent and their deltas in percentage points; money in whole currency
    units with the currency as unit. ``delta`` is the change against the previous period
    in the card's unit (a flagged KPI carries ``flag`` instead); ``period`` names the
    period, ``trend`` holds the value of the last periods (oldest first, ending with this
    one) and ``target`` the target set in the parameters.

    Returns
    -------
    dict
        ``label -> {"value", "unit", "period", "trend", "delta" or "flag", "target",
        "better"}`` (``unit``, ``delta``, ``target`` and ``better`` only where they apply;
        ``better`` only for KPIs where lower is better).
    """
    out = {}
    for c in cards:
        k = c["kpi"]
        spec = KPIS[k]
        card: dict[str, Any] = {"value": _card_number(k, c["value"])}
        unit = {"money": currency, "share": "%", "days": i18n.t("unit.days", language)}.get(
            spec.unit, "")
        if unit:
            card["unit"] = unit
        card["period"] = c["period"]
        if c["flag"]:
            card["flag"] = c["flag"]
        elif _finite(c["change"]) and _finite(c["previous"]):
            card["delta"] = _card_number(k, c["value"] - c["previous"])
        if c["trend"]:
            card["trend"] = [_card_number(k, v) for v in c["trend"]]
        if _finite(c["target"]):
            card["target"] = _card_number(k, c["target"])
        if spec.better == "down":
            card["better"] = "down"
        out[c["label"]] = card
    return out


def target_findings(cards: Sequence[Mapping[str, Any]], *, language: str = "en") -> list:
    """A fact naming the KPIs behind their target (:func:`kpi_cards`), with its action.

    Returns
    -------
    list of helpers.presentation.findings.Finding
        Empty when no card has a target or every target is met.
    """
    from helpers.presentation.findings import fact

    behind = [c for c in cards if c["progress"]["met"] is False and c["target_text"]]
    if not behind:
        return []
    items = i18n.t("kpi.headline.sep", language).join(
        i18n.t("kpi.target.item", language, kpi=c["label"], text=c["target_text"])
        for c in behind)
    return [fact(i18n.t("kpi.finding.targets_missed", language, period=behind[0]["period"],
                        items=items),
                 impact=0.68, action=i18n.t("kpi.action.targets", language))]


def sparkline_svg(values: Sequence[float], *, width: int = 120, height: int = 30,
                  color: str = "#1c5d99") -> str:
    """A small SVG line of ``values`` (oldest first) with a dot on the last one.

    Returns
    -------
    str
        A standalone ``<svg>`` document; empty with fewer than two finite values.
    """
    v = np.asarray([x for x in values if _finite(x)], dtype="float64")
    if len(v) < 2:
        return ""
    lo, hi = float(v.min()), float(v.max())
    pad = 3.0
    xs = pad + np.arange(len(v)) * (width - 2 * pad) / (len(v) - 1)
    ys = height - pad - (v - lo) / (hi - lo) * (height - 2 * pad) if hi > lo else \
        np.full(len(v), height / 2)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">'
            f'<polyline fill="none" stroke="{color}" stroke-width="1.6" '
            f'stroke-linejoin="round" stroke-linecap="round" points="{points}"/>'
            f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="2.4" fill="{color}"/></svg>')


def sparkline_img(values: Sequence[float], *, alt: str, width: int = 120, height: int = 30
                  ) -> str:
    """:func:`sparkline_svg` as an ``<img>`` with the SVG inline as a data URI and ``alt``.

    Report pages keep images with data URIs and their alt text but not ``<svg>`` markup,
    so the line travels inside the image. Empty with fewer than two values.
    """
    import base64
    import html

    svg = sparkline_svg(values, width=width, height=height)
    if not svg:
        return ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img class="wb-spark" src="data:image/svg+xml;base64,{data}" width="{width}" '
            f'height="{height}" alt="{html.escape(alt, quote=True)}">')


def cards_html(cards: Sequence[Mapping[str, Any]], *, language: str = "en") -> str:
    """The KPI cards of :func:`kpi_cards` as HTML, with the report's card classes.

    Each card shows the KPI, its period, the value, a small trend line (an inline SVG
    image with an alt text), the change against the previous period coloured by whether
    it is good news (or the data-break flag instead), and, with a target, the progress
    towards it as a bar and a text. No scripts; the layout comes from the report's style
    sheet (``wb-cards``, ``wb-card``, ...).

    Returns
    -------
    str
        ``<div class="wb-cards">...</div>``; empty without cards.
    """
    import html

    if not cards:
        return ""
    esc = html.escape
    t = i18n.t
    parts = []
    for c in cards:
        spec = KPIS[c["kpi"]]
        if c["flag"]:
            change = f'<div class="wb-card-delta wb-flag">⚑ {esc(c["flag"])}</div>'
        elif _finite(c["change"]) and not _reads_as_zero(c["kpi"], c["change"]):
            good = (c["change"] > 0) == (spec.better == "up")
            arrow = "▲" if c["change"] > 0 else "▼"
            change = (f'<div class="wb-card-delta wb-{"up" if good else "down"}">{arrow} '
                      f'{esc(c["change_text"])} {esc(t("kpi.card.vs_previous", language))}</div>')
        elif _finite(c["change"]):
            change = (f'<div class="wb-card-delta">'
                      f'{esc(t("kpi.card.unchanged", language))}</div>')
        else:
            change = (f'<div class="wb-card-delta wb-muted">'
                      f'{esc(t("kpi.card.no_previous", language))}</div>')
        spark = sparkline_img(c["trend"], alt=c.get("trend_text") or c["label"])
        target = ""
        if c["target_text"]:
            met = c["progress"]["met"]
            share = c["progress"]["share"]
            bar = ""
            if _finite(share):
                width = max(0.0, min(float(share), 1.0)) * 100
                bar = (f'<span class="wb-target-bar"><span style="width: {width:.0f}%">'
                       f'</span></span>')
            mark = " ✓" if met else ""
            target = (f'<div class="wb-card-target wb-{"up" if met else "down"}">{bar}'
                      f'{esc(c["target_text"])}{mark}</div>')
        parts.append(
            '<div class="wb-card">'
            f'<div class="wb-card-label">{esc(c["label"])}</div>'
            f'<div class="wb-card-period">{esc(c["period"])}</div>'
            f'<div class="wb-card-value">{esc(c["value_text"])}</div>'
            f'{spark}{change}{target}</div>')
    return '<div class="wb-cards">' + "".join(parts) + "</div>"


def headline_table(changes: pd.DataFrame, *, kpis: Sequence[str] = HEADLINE_KPIS,
                   language: str = "en", flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """The latest period of each KPI with its changes, formatted, with localised headers.

    Parameters
    ----------
    changes : pandas.DataFrame
        From :func:`kpi_changes`.
    kpis : sequence of str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`: a flagged KPI shows no change, and a ``flag`` column
        says why.

    Returns
    -------
    pandas.DataFrame
        KPI, value, change on the previous period, change on a year earlier (all text),
        and the flag when any KPI has one.
    """
    t = i18n.t
    flagged = _flag_map(flags)
    last = changes[changes.period == changes.period.iloc[-1]].set_index("kpi")
    rows = []
    for k in kpis:
        if k not in last.index:
            continue
        moves = {"pop": np.nan, "yoy": np.nan} if k in flagged else last.loc[k]
        row = {t("kpi.col.kpi", language): t(f"kpi.{k}", language),
               t("kpi.col.value", language): format_kpi(k, last.loc[k, "value"]),
               t("kpi.col.pop", language): format_kpi(k, moves["pop"], change=True),
               t("kpi.col.yoy", language): format_kpi(k, moves["yoy"], change=True)}
        if flagged:
            row[t("kpi.col.flag", language)] = flagged.get(k, "")
        rows.append(row)
    return pd.DataFrame(rows)
