"""KPI trends: which KPIs are drawn, their trend tests and the sentences about them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from helpers.presentation import i18n

from .breaks import _flag_map
from .forecasting import MIN_SERIES_POINTS
from .formatting import _finite, _sentences, _with_unit, format_kpi
from .formulas import KPIS

__all__ = [
    "TREND_KPIS",
    "trend_findings",
    "trend_kpis",
    "trend_note",
    "trend_sentence",
]


def trend_findings(series: pd.DataFrame, kpis: Sequence[str], log, *,
                   flags: pd.DataFrame | None = None, min_points: int = MIN_SERIES_POINTS,
                   language: str = "en") -> tuple[list, list[str]]:
    """Rise-or-fall claims for the KPIs shown together, tested and corrected as a family.

    Each KPI with at least ``min_points`` values and no flag (:func:`kpi_flags`; a break
    is not a trend) gets the Mann-Kendall test
    (:func:`helpers.stats.multiple_testing.trend_test`); the p-values are corrected together by
    ``log`` (a :class:`helpers.presentation.findings.FindingLog`), and only the trends that survive are
    stated.

    Parameters
    ----------
    series : pandas.DataFrame
        The shown periods of :func:`kpi_series`.
    kpis : sequence of str
    log : helpers.presentation.findings.FindingLog
    flags : pandas.DataFrame, optional
    min_points : int
    language : {"en", "zh"}

    Returns
    -------
    (list of Finding, list of str)
        The family's findings (empty when no KPI could be tested) and the KPIs left out
        for too short a history.
    """
    from helpers.presentation.findings import comparison
    from helpers.stats.multiple_testing import adjust, trend_test

    t = i18n.t
    flagged = _flag_map(flags)
    freq = series.attrs.get("freq", "quarter")
    tested, short = [], []
    for k in kpis:
        if k not in series.columns or k in flagged:
            continue
        v = pd.to_numeric(series[k], errors="coerce").dropna()
        if v.empty:
            continue
        if len(v) < min_points:
            short.append(k)
            continue
        tested.append((k, trend_test(v, min_points=min_points)))
    if not tested:
        return [], short
    p = np.array([r["p_value"] for _, r in tested], dtype="float64")
    adj = adjust(p, log.method)
    out = []
    for i, (k, res) in enumerate(tested):
        way = res["direction"] if _finite(res["tau"]) and res["tau"] != 0 else "flat"
        good = (way == "up") == (KPIS[k].better == "up")
        text = t(f"kpi.trend.{way}", language, kpi=t(f"kpi.{k}", language), n=res["n"],
                 freq=t(f"freq.{freq}", language),
                 tau=f"{res['tau']:+.2f}" if _finite(res["tau"]) else "–")
        f = comparison(text, test="Mann-Kendall", p_value=p[i], p_adjusted=adj[i],
                       alpha=log.alpha, effect=res["tau"], n=res["n"],
                       family=t("kpi.trend.family", language),
                       family_size=int(np.isfinite(p).sum()), method=log.method,
                       effect_label="Kendall tau",
                       fallback=t("kpi.trend.none", language, n=len(tested)) if i == 0 else "",
                       action="" if good or way == "flat" else t(
                           f"kpi.action.{k}", language, default=t("kpi.action.other", language)),
                       language=language)
        if way == "flat" and f.stated:  # no direction to state
            f = replace(f, stated=False)
        out.append(replace(f, kind="trend"))
    log.add(*out)
    return out, short


def trend_sentence(changes: pd.DataFrame, errors: pd.DataFrame, kpi: str = "revenue", *,
                   holdout: int = 2, currency: str = "", language: str = "en",
                   flags: pd.DataFrame | None = None,
                   min_points: int = MIN_SERIES_POINTS) -> str | None:
    """How ``kpi`` moved in the last period and how well its forecast did, as far as known.

    Parameters
    ----------
    changes : pandas.DataFrame
        From :func:`kpi_changes`.
    errors : pandas.DataFrame
        The second result of :func:`forecasts`.
    kpi : str
    holdout : int
        Periods held back (the notebook's parameter).
    currency : str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`: a flagged KPI's moves are replaced by its flag.
    min_points : int
        Values a forecast needs (for the sentence when there is none).

    Returns
    -------
    str or None
        The moves that have a value, the forecast error when periods could be held back,
        and the next period's range (or why there is no forecast); ``None`` when there is
        nothing to say.
    """
    t = i18n.t
    name = t(f"kpi.{kpi}", language)
    rows = changes[changes.kpi == kpi]
    flag = _flag_map(flags).get(kpi)
    pop = rows["pop"].iloc[-1] if len(rows) and not flag else np.nan
    yoy = rows["yoy"].iloc[-1] if len(rows) and not flag else np.nan
    err = errors.set_index("kpi").loc[kpi] if kpi in set(errors["kpi"]) else None
    mape = err["mape"] if err is not None else np.nan
    fmt = {"kpi": name, "pop": format_kpi(kpi, pop, change=True),
           "yoy": format_kpi(kpi, yoy, change=True), "holdout": holdout,
           "mape": f"{mape:.0%}" if _finite(mape) else "",
           "method": err["method"] if err is not None else ""}
    if _finite(pop) and _finite(yoy) and _finite(mape):
        parts = [t("kpi.finding.trend", language, **fmt)]
    else:
        parts = [t("kpi.flag.trend", language, kpi=name, reason=flag)] if flag else []
        if _finite(pop) and _finite(yoy):
            parts.append(t("kpi.finding.trend_move", language, **fmt))
        elif _finite(pop):
            parts.append(t("kpi.finding.trend_pop", language, **fmt))
        elif _finite(yoy):
            parts.append(t("kpi.finding.trend_yoy", language, **fmt))
        if _finite(mape):
            parts.append(t("kpi.finding.trend_error", language, **fmt))
        elif err is not None and err.get("method", "") != "none":
            parts.append(t("kpi.finding.no_holdout", language, kpi=name))
    if err is not None and _finite(err["next_lower"]) and _finite(err["next_upper"]):
        parts.append(t("kpi.finding.forecast", language, kpi=name,
                       lo=_with_unit(kpi, err["next_lower"], currency),
                       hi=_with_unit(kpi, err["next_upper"], currency)))
    elif err is not None and err.get("method", "") == "none":
        parts.append(t("kpi.finding.no_forecast", language, kpi=name,
                       n=int(err.get("points", 0) or 0), need=min_points))
    return _sentences(parts, language) or None


# Small steps of notebooks/kpi_monitoring.ipynb, so each cell reads as one step of the story.

#: KPIs drawn in the trend panels, in panel order.
TREND_KPIS = ("revenue", "cac", "clv_cac", "churn_rate", "win_rate", "nps")


def trend_kpis(series: pd.DataFrame, kpis: Sequence[str] = TREND_KPIS) -> list[str]:
    """The KPIs of ``kpis`` that ``series`` (a :func:`kpi_series` table) has a column for.

    Parameters
    ----------
    series : pandas.DataFrame
    kpis : sequence of str, optional

    Returns
    -------
    list of str
        In the order of ``kpis``.
    """
    return [k for k in kpis if k in series]


def trend_note(changes: pd.DataFrame, errors: pd.DataFrame | None, found: Sequence,
               too_short: Sequence[str], *, drawn: bool, holdout: int = 2,
               currency: str = "", language: str = "en",
               flags: pd.DataFrame | None = None) -> str:
    """The text under the trend charts: the revenue move, the trend findings, short series.

    Parameters
    ----------
    changes : pandas.DataFrame
        From :func:`kpi_changes`.
    errors : pandas.DataFrame or None
        The second result of :func:`forecasts`.
    found : sequence of helpers.presentation.findings.Finding
        From :func:`trend_findings`.
    too_short : sequence of str
        KPIs whose series is too short for a trend test.
    drawn : bool
        Whether any trend chart was drawn; without one the revenue sentence is left out.
    holdout : int
    currency : str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`.

    Returns
    -------
    str
        Markdown paragraphs.
    """
    from helpers.presentation.findings import FindingLog

    t = i18n.t
    first = (trend_sentence(changes, errors, "revenue", holdout=holdout, currency=currency,
                            language=language, flags=flags) if drawn else None)
    short = (t("kpi.trend.short", language, need=MIN_SERIES_POINTS,
               kpis=t("kpi.headline.sep", language).join(
                   t(f"kpi.{k}", language) for k in too_short)) if too_short else "")
    return "\n\n".join(filter(None, [first or t("kpi.finding.trends_none", language),
                                     " ".join(FindingLog.summary(found)), short]))
