"""Data health: what a data source holds, how fresh it is and what it can support."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from helpers import i18n
from helpers.contract import CONTRACT
from helpers.datasets import Workspace

#: The date that says when a row happened, per table.
EVENT_DATE = {
    "accounts": "created_date",
    "orders": "order_date",
    "contacts": None,
    "interactions": "timestamp",
    "content": "publish_date",
    "opportunities": "created_date",
    "marketing_spend": "period_start",
    "surveys": "response_date",
    "service_costs": "period_start",
}

#: Tables whose last event date says how fresh the data is.
ACTIVITY_TABLES = ("orders", "interactions", "opportunities", "marketing_spend")


def table_overview(ws: Workspace) -> pd.DataFrame:
    """One row per contract table: present, source, rows, and missing optional columns.

    Parameters
    ----------
    ws : Workspace

    Returns
    -------
    pandas.DataFrame
        Columns ``table, required, present, source, rows, columns, missing_optional``.
    """
    rows = []
    for name, spec in CONTRACT.items():
        present = ws.has(name)
        cols = set(ws.raw(name).columns) if present else set()
        rows.append({
            "table": name,
            "required": spec.required,
            "present": present,
            "source": ws.origin(name) if present else "",
            "rows": int(ws.raw(name).count().to_pandas()) if present else 0,
            "columns": len(cols & set(spec.column_names)),
            "missing_optional": ", ".join(
                c.name for c in spec.columns if not c.required and c.name not in cols),
        })
    return pd.DataFrame(rows)


def date_coverage(ws: Workspace, as_of) -> pd.DataFrame:
    """First and last event date per table, and days from the last event to ``as_of``.

    Returns
    -------
    pandas.DataFrame
        Columns ``table, date_column, first, last, days_since_last, rows_after_as_of``.
    """
    as_of = pd.Timestamp(as_of)
    rows = []
    for name, col in EVENT_DATE.items():
        if not col or not ws.has(name) or col not in ws.raw(name).columns:
            continue
        t = ws.table(name)
        c = t[col].cast("date")
        stats = t.aggregate(first=c.min(), last=c.max(),
                            after=(c > as_of.date()).sum()).to_pandas().iloc[0]
        last = pd.Timestamp(stats["last"]) if pd.notna(stats["last"]) else pd.NaT
        rows.append({
            "table": name, "date_column": col,
            "first": pd.Timestamp(stats["first"]) if pd.notna(stats["first"]) else pd.NaT,
            "last": last,
            "days_since_last": (as_of - last).days if pd.notna(last) else None,
            "rows_after_as_of": int(stats["after"] or 0),
        })
    return pd.DataFrame(rows)


def monthly_activity(ws: Workspace, as_of, tables=("orders", "interactions", "opportunities"),
                     months: int = 36) -> pd.DataFrame:
    """Rows per calendar month for event tables over the last ``months`` months (engine-side).

    Returns
    -------
    pandas.DataFrame
        Long format: ``month, table, rows``.
    """
    as_of = pd.Timestamp(as_of)
    start = (as_of - pd.DateOffset(months=months)).date()
    frames = []
    for name in tables:
        col = EVENT_DATE.get(name)
        if not ws.has(name) or col not in ws.raw(name).columns:
            continue
        t = ws.table(name)
        day = t[col].cast("date")
        t = t.filter((day >= start) & (day <= as_of.date()))
        # year and month numbers: far cheaper than truncating every date on large tables
        out = t.group_by(year=day.year(), month_no=day.month()).aggregate(
            rows=t.count()).to_pandas()
        out["month"] = [dt.date(int(y), int(m), 1)
                        for y, m in zip(out["year"], out["month_no"], strict=True)]
        out["table"] = name
        frames.append(out[["month", "rows", "table"]])
    if not frames:
        return pd.DataFrame(columns=["month", "table", "rows"])
    df = pd.concat(frames, ignore_index=True)
    df["month"] = pd.to_datetime(df["month"])
    return df.sort_values(["table", "month"]).reset_index(drop=True)[["month", "table", "rows"]]


def category_mix(ws: Workspace, table: str, column: str, value: str | None = None,
                 top: int = 12) -> pd.DataFrame:
    """Row count (and optional sum of ``value``) per category, largest first.

    Categories beyond ``top`` are folded into "Other" so charts stay readable.

    Returns
    -------
    pandas.DataFrame
        ``column, rows, share`` (and ``value``, ``value_share`` when ``value`` is given).
    """
    t = ws.table(table)
    aggs = {"rows": t.count()}
    if value:
        aggs["value"] = t[value].sum()
    out = t.group_by(t[column].fill_null("(missing)").name(column)).aggregate(**aggs).to_pandas()
    out = out.sort_values("rows", ascending=False, ignore_index=True)
    if len(out) > top:
        head, tail = out.iloc[:top], out.iloc[top:]
        other = {column: "Other", "rows": tail["rows"].sum()}
        if value:
            other["value"] = tail["value"].sum()
        out = pd.concat([head, pd.DataFrame([other])], ignore_index=True)
    out["share"] = out["rows"] / out["rows"].sum()
    if value:
        out["value_share"] = out["value"] / out["value"].sum()
    return out


def table_label(table: str, language: str = "en") -> str:
    """A contract table's name for a report: the name itself in English, translated in Chinese."""
    return i18n.t(f"data_overview.table.{table}", language, default=table)


def analysis_label(analysis: str, language: str = "en") -> str:
    """An analysis named in :data:`helpers.contract.ANALYSIS_NEEDS`, in ``language``.

    Analyses without a translation keep their English name.
    """
    key = re.sub(r"[^a-z0-9]+", "_", analysis.lower()).strip("_")
    return i18n.t(f"data_overview.analysis.{key}", language, default=analysis)


def describe_support(supported: pd.DataFrame, language: str = "en") -> list[str]:
    """Plain sentences for analyses the data cannot support.

    Parameters
    ----------
    supported : pandas.DataFrame
        Output of :func:`helpers.validation.supported_analyses`.
    language : {"en", "zh"}

    Returns
    -------
    list of str
    """
    return [i18n.t("data_overview.support.gap", language,
                   tables=i18n.t("data_overview.join.sep", language).join(
                       table_label(name.strip(), language) for name in row.missing_tables.split(",")),
                   analysis=analysis_label(row.analysis, language))
            for row in supported.itertuples() if not row.supported]
