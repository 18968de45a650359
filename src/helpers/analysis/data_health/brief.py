"""The data overview's findings and headline cards for the Summary and the portal.

The findings are facts with actions; problems weigh more than good news.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.analysis.data_health.sentences import (
    YEAR_ON_YEAR_MONTHS,
    common_period,
    coverage_sentence,
    validation_sentence,
)
from helpers.analysis.data_health.support import support_summary
from helpers.analysis.data_health.views import _month, _sep, table_label
from helpers.data.contract import CONTRACT
from helpers.presentation import i18n

if TYPE_CHECKING:
    from helpers.data.capabilities import Capabilities

__all__ = [
    "headline_cards",
    "health_findings",
]


def _health_columns(found: pd.DataFrame, caps: Capabilities) -> list[str]:
    """``table.column`` of every column validation or the capability check names."""
    named = [f"{tb}.{c}" for tb, c in zip(found.get("table", []), found.get("column", []),
                                          strict=True) if tb and c]
    for name in CONTRACT:
        if caps.has(name):
            named += [f"{name}.{c}" for c in caps.missing_columns(name)]
    return list(dict.fromkeys(named))


def health_findings(overview: pd.DataFrame, coverage: pd.DataFrame, found: pd.DataFrame,
                    caps: Capabilities, *, stale_after_days: int, as_of,
                    language: str = "en") -> list:
    """The data overview's findings: facts about the data, each with an action.

    Parameters
    ----------
    overview : pandas.DataFrame
        From :func:`table_overview`.
    coverage : pandas.DataFrame
        From :func:`mark_stale`.
    found : pandas.DataFrame
        From :func:`helpers.data.validation.findings_frame`.
    caps : helpers.data.capabilities.Capabilities
    stale_after_days : int
    as_of : date-like
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
        Size, period, freshness, data health and analysis support; problems weigh more
        than good news, so they lead the Summary.
    """
    from helpers.data import capabilities
    from helpers.presentation import findings

    t = i18n.t
    sep = _sep(language)
    out = []

    # size: tables and rows
    present = overview[overview["present"]]
    absent = overview[~overview["present"]]
    rows_of = dict(zip(overview["table"], overview["rows"], strict=True))
    out.append(findings.fact(
        t("data_overview.finding.size", language, present=len(present), total=len(overview),
          rows=f"{int(present['rows'].sum()):,}", accounts=f"{int(rows_of.get('accounts', 0)):,}",
          orders=f"{int(rows_of.get('orders', 0)):,}"),
        impact=0.5 if len(absent) else 0.3, n=len(overview),
        test=t("data_overview.evidence.size", language),
        action=t("data_overview.action.absent", language,
                 tables=sep.join(table_label(n, language) for n in absent["table"]))
        if len(absent) else t("data_overview.action.size", language)))

    # period: what the activity tables share
    period = common_period(coverage)
    if period is not None:
        months = period["months"]
        short = months < YEAR_ON_YEAR_MONTHS
        action = (t("data_overview.action.short_history", language,
                    table=table_label(period["latest"], language), months=YEAR_ON_YEAR_MONTHS)
                  if short else
                  t("data_overview.action.history", language, start=_month(period["start"], language)))
        out.append(findings.fact(
            coverage_sentence(coverage, language, lead=False),
            impact=0.6 if short else 0.3, n=period["tables"],
            test=t("data_overview.evidence.period", language), action=action))

    # freshness
    stale = coverage[coverage["stale"]] if "stale" in coverage else coverage.iloc[:0]
    stale_names = sep.join(table_label(n, language) for n in stale["table"])
    out.append(findings.fact(
        t("data_overview.finding.stale", language, days=stale_after_days, as_of=as_of,
          tables=stale_names) if len(stale)
        else t("data_overview.fresh", language, days=stale_after_days, as_of=as_of),
        impact=0.7 if len(stale) else 0.25, n=len(coverage),
        test=t("data_overview.evidence.freshness", language, days=stale_after_days),
        action=t("data_overview.action.stale", language, tables=stale_names) if len(stale)
        else t("data_overview.action.fresh", language, days=stale_after_days)))

    # data health: validation warnings and empty contract columns
    sentence = validation_sentence(found, caps, language)
    columns = _health_columns(found, caps)
    if sentence == t("data_overview.no_warnings", language):
        out.append(findings.fact(sentence, impact=0.2, n=len(found),
                                 test=t("data_overview.evidence.validation", language),
                                 action=t("data_overview.action.clean", language)))
    else:
        shown = sep.join(columns[:4]) + ("…" if len(columns) > 4 else "")
        out.append(findings.fact(
            sentence.replace("**", ""), impact=0.65, n=len(found),
            test=t("data_overview.evidence.validation", language),
            action=t("data_overview.action.mapping", language, columns=shown) if columns
            else t("data_overview.action.warnings", language)))

    # what the data supports
    _, finding = support_summary(caps, language)
    all_supported = finding == t("data_overview.support_all", language)
    out.append(findings.fact(
        finding, impact=0.2 if all_supported else 0.55, n=len(capabilities.ANALYSES),
        test=t("data_overview.evidence.support", language),
        action=t("data_overview.action.supported", language) if all_supported
        else t("data_overview.action.gaps", language)))
    return out


def headline_cards(overview: pd.DataFrame, coverage: pd.DataFrame, found: pd.DataFrame,
                   as_of, language: str = "en") -> dict:
    """The portal's headline cards: accounts, orders, days since the last order, warnings.

    Parameters
    ----------
    overview : pandas.DataFrame
        From :func:`table_overview`.
    coverage : pandas.DataFrame
        From :func:`date_coverage`.
    found : pandas.DataFrame
        From :func:`helpers.data.validation.findings_frame`.
    as_of : date-like
    language : {"en", "zh"}

    Returns
    -------
    dict
        ``{label: {"value": ...}}`` for :func:`helpers.report.outputs.record_headlines`; orders
        dated after ``as_of`` leave no "days since" to show, so that card says why instead.
    """
    t = i18n.t
    rows = dict(zip(overview["table"], overview["rows"], strict=True))
    orders = coverage[coverage["table"] == "orders"]
    days = {"value": None}
    if len(orders):
        since = orders["days_since_last"].iloc[0]
        if since >= 0:
            days["value"] = int(since)
        else:
            days["flag"] = t("data_overview.card.after_as_of", language,
                             n=f"{int(orders['rows_after_as_of'].sum()):,}", as_of=as_of)
    return {
        t("data_overview.card.accounts", language): {"value": int(rows.get("accounts", 0))},
        t("data_overview.card.orders", language): {"value": int(rows.get("orders", 0))},
        t("data_overview.card.days_since_order", language): days,
        t("data_overview.card.warnings", language): {"value": len(found)},
    }

