"""Data health sentences: tables held, freshness, the shared period and validation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.analysis.data_health.queries import ACTIVITY_TABLES
from helpers.analysis.data_health.views import _month, _sep, table_label
from helpers.data.contract import CONTRACT
from helpers.presentation import i18n

if TYPE_CHECKING:
    from helpers.data.capabilities import Capabilities

__all__ = [
    "YEAR_ON_YEAR_MONTHS",
    "common_period",
    "coverage_sentence",
    "freshness_sentence",
    "tables_sentence",
    "validation_sentence",
]


def validation_sentence(found: pd.DataFrame, caps: Capabilities, language: str = "en") -> str:
    """What validation found, and the contract columns that are absent or empty.

    Never "no warnings" while columns are missing: those are named per table.

    Parameters
    ----------
    found : pandas.DataFrame
        From :func:`helpers.data.validation.findings_frame`.
    caps : helpers.data.capabilities.Capabilities
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    t = i18n.t
    parts = []
    if len(found):
        counts = pd.to_numeric(found["count"], errors="coerce")
        if counts.max() > 0:
            worst = found.loc[counts.idxmax()]
            parts.append(t("data_overview.warnings", language, n=len(found),
                           rows=f"{int(counts.max()):,}",
                           table=table_label(worst["table"], language)))
        else:
            parts.append(t("data_overview.warnings_n", language, n=len(found)))
    # columns a finding already names are not listed twice
    named = set(zip(found.get("table", []), found.get("column", []), strict=True))
    gaps = {name: [c for c in caps.missing_columns(name) if (name, c) not in named]
            for name in CONTRACT if caps.has(name)}
    gaps = {name: cols for name, cols in gaps.items() if cols}
    if gaps:
        listed = t("data_overview.join.sep", language).join(
            t("data_overview.gap_item", language, table=table_label(name, language),
              columns=", ".join(cols)) for name, cols in gaps.items())
        parts.append(t("data_overview.columns_missing", language,
                       n=sum(len(c) for c in gaps.values()), tables=listed))
    if not parts:
        return t("data_overview.no_warnings", language)
    return (" " if language != "zh" else "").join(parts)


#: Histories shorter than this many months cannot compare a month with the year before.
YEAR_ON_YEAR_MONTHS = 24


def tables_sentence(overview: pd.DataFrame, language: str = "en") -> str:
    """How many contract tables the source holds, their rows in all, and the largest one.

    Parameters
    ----------
    overview : pandas.DataFrame
        From :func:`table_overview`.
    language : {"en", "zh"}

    Returns
    -------
    str
        One markdown sentence; empty when the source holds none of the tables.
    """
    present = overview[overview["present"]]
    if present.empty:
        return ""
    largest = present.loc[present["rows"].idxmax()]
    return i18n.t(
        "data_overview.tables_summary", language, present=len(present), total=len(overview),
        rows=f"{int(present['rows'].sum()):,}", largest=table_label(largest["table"], language),
        largest_rows=f"{int(largest['rows']):,}",
    )


def freshness_sentence(coverage: pd.DataFrame, days: int, as_of, language: str = "en") -> str:
    """Whether every activity table has events within ``days`` days before ``as_of``.

    Parameters
    ----------
    coverage : pandas.DataFrame
        From :func:`mark_stale`.
    days : int
    as_of : date-like
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown; the stale tables are named with their last event.
    """
    t = i18n.t
    stale = coverage[coverage["stale"]] if "stale" in coverage else coverage.iloc[:0]
    if stale.empty:
        return t("data_overview.fresh", language, days=days, as_of=as_of)
    return t("data_overview.stale", language, days=days, tables=_sep(language).join(
        t("data_overview.stale_item", language, table=table_label(r.table, language),
          last=f"{r.last:%Y-%m-%d}", days=r.days_since_last) for r in stale.itertuples()))


def common_period(coverage: pd.DataFrame) -> dict | None:
    """The period every activity table covers.

    Returns
    -------
    dict or None
        ``start``, ``end`` (timestamps), ``months`` (calendar months from start to end, 0
        when the tables do not overlap), ``latest`` (the table that starts last) and
        ``earliest_end`` (the table that ends first); ``None`` without dated activity tables.
    """
    if coverage.empty:
        return None
    rows = coverage[coverage["table"].isin(ACTIVITY_TABLES)].dropna(subset=["first", "last"])
    if rows.empty:
        return None
    latest = rows.loc[rows["first"].idxmax()]
    ending = rows.loc[rows["last"].idxmin()]
    start, end = pd.Timestamp(latest["first"]), pd.Timestamp(ending["last"])
    months = (end.year - start.year) * 12 + end.month - start.month + 1 if end >= start else 0
    return {"start": start, "end": end, "months": max(int(months), 0),
            "latest": latest["table"], "earliest_end": ending["table"], "tables": len(rows)}


def coverage_sentence(coverage: pd.DataFrame, language: str = "en", *, lead: bool = True) -> str:
    """A one-line reading of the date coverage: the period the activity tables share.

    Parameters
    ----------
    coverage : pandas.DataFrame
        From :func:`date_coverage`.
    language : {"en", "zh"}
    lead : bool
        Open with "Reading:" (the report section); without it the sentence is a finding.

    Returns
    -------
    str
        The shared period in months and what it allows (year-on-year comparisons, a year
        of trend, or only tentative trends); says so when the tables share no period.
    """
    t = i18n.t
    opening = ""
    if lead:
        opening = t("data_overview.coverage.lead", language) + ("" if language == "zh" else " ")

    def say(key: str, **fields) -> str:
        text = t(key, language, **fields)
        return opening + (text[:1].lower() + text[1:] if opening and language != "zh" else text)

    period = common_period(coverage)
    if period is None:
        return say("data_overview.coverage.none")
    if period["months"] == 0:
        return say("data_overview.coverage.disjoint",
                 ended=table_label(period["earliest_end"], language),
                 end=f"{period['end']:%Y-%m-%d}",
                 started=table_label(period["latest"], language),
                 start=f"{period['start']:%Y-%m-%d}")
    months = period["months"]
    verdict = ("yoy" if months >= YEAR_ON_YEAR_MONTHS else "year" if months >= 12 else "short")
    return say("data_overview.coverage.reading",
             start=_month(period["start"], language), end=_month(period["end"], language),
             months=months,
             verdict=t(f"data_overview.coverage.{verdict}", language,
                       table=table_label(period["latest"], language)))

