"""Report sentences on the headline KPIs, unavailable KPIs and the funnel.

Each sentence names only values the data gives: a KPI without a value is left out of a
sentence instead of showing as a dash inside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from helpers.presentation import capability_text, i18n

from .breaks import _flag_map
from .formatting import _finite, _sentences, _unsupported, _with_unit, format_kpi
from .formulas import HEADLINE_KPIS, KPIS
from .periods import period_name

__all__ = [
    "funnel_sentence",
    "headline_sentence",
    "unavailable_note",
]


def headline_sentence(current: Mapping[str, float], period: str, *, currency: str = "",
                      language: str = "en", flags: pd.DataFrame | None = None) -> str | None:
    """The headline finding of the last period, naming only the KPIs that have a value.

    Parameters
    ----------
    current : mapping
        KPI -> value, from :func:`headline_values` (unknown KPIs are absent or NaN).
    period : str
    currency : str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`: flagged KPIs are left out (:func:`flag_note` names them),
        except those flagged only for a history under a year (their value stands).

    Returns
    -------
    str or None
        With CAC, CLV, CLV:CAC and NPS all known and unflagged, the full sentence;
        otherwise the known headline KPIs listed; ``None`` when no KPI has a value.
    """
    t = i18n.t
    flagged = {} if flags is None or flags.empty else _flag_map(flags[flags.kind != "start"])
    known = {k: v for k, v in current.items() if k in KPIS and _finite(v) and k not in flagged}
    if all(k in known for k in ("cac", "clv", "clv_cac", "nps")):
        return t("kpi.finding.headline", language, period=period_name(period, language),
                 cac=_with_unit("cac", known["cac"], currency),
                 clv=_with_unit("clv", known["clv"], currency),
                 ratio=format_kpi("clv_cac", known["clv_cac"]),
                 nps=format_kpi("nps", known["nps"]))
    items = [t("kpi.headline.item", language, kpi=t(f"kpi.{k}", language),
               value=_with_unit(k, known[k], currency))
             for k in HEADLINE_KPIS if k in known]
    if not items:
        return None
    return t("kpi.finding.headline_known", language, period=period_name(period, language),
             items=t("kpi.headline.sep", language).join(items))


def unavailable_note(current: Mapping[str, float], caps=None, *, period: str = "",
                     kpis: Sequence[str] = HEADLINE_KPIS, language: str = "en") -> str | None:
    """The headline KPIs that are not shown, grouped by the reason, as a Markdown list.

    A KPI whose analysis the data does not support (:data:`KPI_ANALYSES`) carries that
    analysis's "Skipped: reason." note; one without a value in the last period says why.

    Parameters
    ----------
    current : mapping
        KPI -> value of the last period (unknown KPIs absent or NaN).
    caps : helpers.data.capabilities.Capabilities, optional
    period : str
        The last period.
    kpis : sequence of str
    language : {"en", "zh"}

    Returns
    -------
    str or None
        ``None`` when every KPI is shown.
    """
    t = i18n.t
    groups: dict[str, list[str]] = {}
    for k in kpis:
        key = _unsupported(k, caps)
        if key is not None:
            note = capability_text.skip_note(caps.support(key), language)
        elif _finite(current.get(k)):
            continue
        elif k in ("new_customers", "cac", "clv_cac") and not _finite(current.get("new_customers")):
            note = t("kpi.reason.new_customers", language)
        else:
            note = t("kpi.reason.no_value", language, period=period_name(period, language))
        groups.setdefault(note, []).append(t(f"kpi.{k}", language))
    if not groups:
        return None
    lines = [t("kpi.unavailable.item", language, kpis=t("kpi.headline.sep", language).join(names),
               reason=note) for note, names in groups.items()]
    return t("kpi.unavailable", language) + "\n\n" + "\n".join(f"- {line}" for line in lines)


def funnel_sentence(series: pd.DataFrame, language: str = "en") -> str | None:
    """The last period's funnel and win rate, naming only what has a value.

    Returns
    -------
    str or None
        ``None`` without engaged accounts and without closed opportunities.
    """
    t = i18n.t
    if series.empty:
        return None
    last = series.iloc[-1]
    fmt = {"period": period_name(last["period"], language),
           "engaged": f"{int(last['engaged']):,}" if _finite(last.get("engaged")) else "",
           "opp_rate": format_kpi("conv_engaged_opp", last.get("conv_engaged_opp")),
           "won_rate": format_kpi("conv_opp_won", last.get("conv_opp_won")),
           "win": format_kpi("win_rate", last.get("win_rate")),
           "cycle": format_kpi("sales_cycle_days", last.get("sales_cycle_days"))}
    funnel = _finite(last.get("conv_engaged_opp")) and _finite(last.get("conv_opp_won"))
    win, cycle = _finite(last.get("win_rate")), _finite(last.get("sales_cycle_days"))
    if funnel and win and cycle:
        return t("kpi.finding.funnel", language, **fmt)
    parts = []
    if funnel:
        parts.append(t("kpi.finding.funnel_conv", language, **fmt))
    if win:
        parts.append(t("kpi.finding.win_cycle" if cycle else "kpi.finding.win", language, **fmt))
    elif "win_rate" in series.columns:
        parts.append(t("kpi.finding.no_closed", language, **fmt))
    return _sentences(parts, language) or None
