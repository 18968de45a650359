"""Data health queries: tables, date coverage, monthly activity and category mixes.

Every engine query of the data overview lives here; the other modules work on the
frames these return.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from helpers.core.params import as_of_date
from helpers.data.contract import CONTRACT

if TYPE_CHECKING:
    from helpers.data.capabilities import Capabilities
    from helpers.data.datasets import Workspace

__all__ = [
    "ACTIVITY_TABLES",
    "CATEGORY_MIXES",
    "EVENT_DATE",
    "category_mix",
    "date_coverage",
    "monthly_activity",
    "table_overview",
]


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


def table_overview(ws: Workspace, caps: Capabilities | None = None) -> pd.DataFrame:
    """One row per contract table: present, source, rows, and missing optional columns.

    Parameters
    ----------
    ws : Workspace
    caps : helpers.data.capabilities.Capabilities, optional
        With it, a column the source has but that holds no value counts as missing too.

    Returns
    -------
    pandas.DataFrame
        Columns ``table, required, present, source, rows, columns, missing_optional``
        (``columns`` counts the contract columns with data when ``caps`` is given).
    """
    rows = []
    for name, spec in CONTRACT.items():
        present = ws.has(name)
        cols = set(ws.raw(name).columns) if present else set()
        if present and caps is not None:
            cols -= set(caps.missing_columns(name))
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
        Columns ``table, date_column, first, last, days_since_last, rows_after_as_of``;
        tables whose date column holds no date are left out.
    """
    as_of = pd.Timestamp(as_of_date(as_of))
    rows = []
    for name, col in EVENT_DATE.items():
        if not col or not ws.has(name) or col not in ws.raw(name).columns:
            continue
        t = ws.table(name)
        c = t[col].cast("date")
        stats = t.aggregate(first=c.min(), last=c.max(),
                            after=(c > as_of.date()).sum()).to_pandas().iloc[0]
        if pd.isna(stats["last"]):  # a date column without any date says nothing
            continue
        last = pd.Timestamp(stats["last"])
        rows.append({
            "table": name, "date_column": col,
            "first": pd.Timestamp(stats["first"]) if pd.notna(stats["first"]) else pd.NaT,
            "last": last,
            "days_since_last": (as_of - last).days if pd.notna(last) else None,
            "rows_after_as_of": int(stats["after"] or 0),
        })
    return pd.DataFrame(rows, columns=["table", "date_column", "first", "last", "days_since_last",
                                       "rows_after_as_of"])


def monthly_activity(ws: Workspace, as_of, tables=("orders", "interactions", "opportunities"),
                     months: int = 36) -> pd.DataFrame:
    """Rows per calendar month for event tables over the last ``months`` months (engine-side).

    Returns
    -------
    pandas.DataFrame
        Long format: ``month, table, rows``.
    """
    as_of = pd.Timestamp(as_of_date(as_of))
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

    Categories beyond ``top`` are folded into "Other" so charts stay readable. Rows without
    a category are no category: they are left out of the table, but the shares are of all
    rows, and ``attrs`` holds ``missing_rows`` and ``total_rows`` (and ``missing_value``).

    Returns
    -------
    pandas.DataFrame
        ``column, rows, share`` (and ``value``, ``value_share`` when ``value`` is given);
        empty when no row has a category.
    """
    t = ws.table(table)
    aggs = {"rows": t.count()}
    if value:
        aggs["value"] = t[value].sum()
    key = t[column].cast("string")
    key = ibis.ifelse(key.strip() == "", ibis.null("string"), key)
    out = t.group_by(key.name(column)).aggregate(**aggs).to_pandas()
    blank = out[column].isna()
    total_rows = int(out["rows"].sum())
    total_value = float(out["value"].sum()) if value else 0.0
    missing = out[blank]
    out = out[~blank].sort_values(["rows", column], ascending=[False, True], ignore_index=True)
    if len(out) > top:
        head, tail = out.iloc[:top], out.iloc[top:]
        other = {column: "Other", "rows": tail["rows"].sum()}
        if value:
            other["value"] = tail["value"].sum()
        out = pd.concat([head, pd.DataFrame([other])], ignore_index=True)
    out["share"] = out["rows"] / total_rows if total_rows else np.nan
    if value:
        out["value_share"] = out["value"] / total_value if total_value else np.nan
    out.attrs.update(missing_rows=int(missing["rows"].sum()), total_rows=total_rows)
    if value:
        out.attrs["missing_value"] = float(missing["value"].sum())
    return out


#: The categorical columns of the key distributions: (table, column, summed value).
CATEGORY_MIXES = (("accounts", "industry", None), ("accounts", "region", None),
                  ("orders", "product_line", "amount"))


def _distribution_data(ws: Workspace, caps: Capabilities, top: int) -> tuple[dict, pd.Series]:
    """The category mixes (empty where the column holds no data) and the employee counts."""
    mixes = {}
    for table, column, value in CATEGORY_MIXES:
        mixes[column] = category_mix(ws, table, column, value=value, top=top) \
            if caps.has(table, column) else pd.DataFrame()
    employees = pd.Series(dtype="float64")
    if caps.has("accounts", "employees"):
        employees = pd.to_numeric(ws.table("accounts").employees.as_table().to_pandas().employees,
                                  errors="coerce").dropna()
    return mixes, employees

