"""Data health: what a data source holds, how fresh it is and what it can support."""

from __future__ import annotations

import datetime as dt
import re

import ibis
import numpy as np
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


def table_overview(ws: Workspace, caps=None) -> pd.DataFrame:
    """One row per contract table: present, source, rows, and missing optional columns.

    Parameters
    ----------
    ws : Workspace
    caps : helpers.capabilities.Capabilities, optional
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
    as_of = pd.Timestamp(as_of)
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


# --------------------------------------------------------------------------- report helpers
#
# A column without data is never drawn, ranked or summarised as a value: it is named once
# as not shown, and a missing category never competes with the real ones.

#: The categorical columns of the key distributions: (table, column, summed value).
CATEGORY_MIXES = (("accounts", "industry", None), ("accounts", "region", None),
                  ("orders", "product_line", "amount"))


def _missing_clause(mix: pd.DataFrame, table: str, column: str, language: str) -> str:
    n, total = mix.attrs.get("missing_rows", 0), mix.attrs.get("total_rows", 0)
    if not n:
        return ""
    return " " + i18n.t("data_overview.missing_values", language, n=f"{n:,}", total=f"{total:,}",
                        table=table_label(table, language), column=column)


def key_distributions(ws: Workspace, caps, *, top: int = 12, language: str = "en",
                      currency: str = "") -> tuple[list[dict], str]:
    """The charts and sentences of the key distributions, for the columns that hold data.

    Parameters
    ----------
    ws : Workspace
    caps : helpers.capabilities.Capabilities
        Which columns hold data.
    top : int
        Categories per chart before the rest is folded into "Other".
    language : {"en", "zh"}
    currency : str

    Returns
    -------
    (list of dict, str)
        Panels for :func:`plot_panel` (``kind``, ``data``, ``title``, ``xlabel``) and the
        sentences, ending with one line naming the columns not shown for lack of data.
    """
    t = i18n.t
    other = {"Other": t("data_overview.other", language)}
    panels, sentences, not_shown = [], [], []
    titles = {"industry": t("data_overview.chart.accounts_by_industry", language),
              "region": t("data_overview.chart.accounts_by_region", language),
              "product_line": t("data_overview.chart.order_value_by_line", language,
                                currency=currency)}
    mixes = {}
    for table, column, value in CATEGORY_MIXES:
        mix = category_mix(ws, table, column, value=value, top=top) if caps.has(table, column) \
            else pd.DataFrame()
        if mix.empty:
            not_shown.append(f"{table}.{column}")
            continue
        mixes[column] = mix
        panels.append({"kind": "bar", "title": titles[column], "xlabel": "",
                       "data": mix.set_index(column)["value" if value else "rows"].rename(
                           index=other)})
    employees = pd.Series(dtype="float64")
    if caps.has("accounts", "employees"):
        employees = pd.to_numeric(ws.table("accounts").employees.as_table().to_pandas().employees,
                                  errors="coerce").dropna()
    if (employees > 0).any():
        panels.append({"kind": "distribution", "data": employees,
                       "title": t("data_overview.chart.company_size", language),
                       "xlabel": t("data_overview.chart.employees_log", language)})
    else:
        not_shown.append("accounts.employees")
    if "industry" in mixes:
        top_row = mixes["industry"].iloc[0]
        sentences.append(t("data_overview.largest_industry", language, industry=top_row["industry"],
                           share=f"{top_row['share']:.0%}")
                         + _missing_clause(mixes["industry"], "accounts", "industry", language))
    line = None
    if "product_line" in mixes:
        lines = mixes["product_line"]
        known = lines[np.isfinite(lines["value_share"].astype("float64"))]
        if len(known):
            line = known.loc[known["value"].idxmax()]
    size = {"median": f"{employees.median():,.0f}", "largest": f"{employees.max():,.0f}"} \
        if len(employees) else None
    if line is not None:
        name = other.get(line["product_line"], line["product_line"])
        if size:
            sentences.append(t("data_overview.product_lines", language, line=name,
                               share=f"{line['value_share']:.0%}", **size))
        else:
            sentences.append(t("data_overview.largest_line", language, line=name,
                               share=f"{line['value_share']:.0%}"))
        sentences[-1] += _missing_clause(mixes["product_line"], "orders", "product_line",
                                         language)
    elif size:
        sentences.append(t("data_overview.company_size", language, **size))
    if not_shown:
        sentences.append(t("data_overview.not_shown", language, columns=", ".join(not_shown)))
    return panels, " ".join(sentences) if language != "zh" else "".join(sentences)


def plot_panel(panel: dict, *, ax=None):
    """Draw one panel of :func:`key_distributions` on ``ax`` and return it."""
    from helpers import plotting

    if panel["kind"] == "distribution":
        return plotting.plot_distribution(panel["data"], ax=ax, title=panel["title"],
                                          xlabel=panel["xlabel"])
    return plotting.plot_bar(panel["data"], ax=ax, title=panel["title"])


def findings_table(found: pd.DataFrame) -> pd.DataFrame:
    """Validation findings for the report: counts as whole numbers and "–" where none."""
    out = found.copy()
    out["count"] = [f"{int(c):,}" if pd.notna(c) else "–" for c in out["count"]]
    return out.fillna("–").replace({"": "–"})


def validation_sentence(found: pd.DataFrame, caps, language: str = "en") -> str:
    """What validation found, and the contract columns that are absent or empty.

    Never "no warnings" while columns are missing: those are named per table.

    Parameters
    ----------
    found : pandas.DataFrame
        From :func:`helpers.validation.findings_frame`.
    caps : helpers.capabilities.Capabilities
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


def support_summary(caps, language: str = "en") -> tuple[str, str]:
    """A sentence on the capability table, and the same as a finding for the portal.

    Returns
    -------
    (str, str)
        The report sentence and the finding text; both say when everything is supported.
    """
    from helpers import capabilities

    t = i18n.t
    status = {a.key: caps.support(a.key, language)[0] for a in capabilities.ANALYSES}
    n = {s: sum(v == s for v in status.values()) for s in capabilities.STATUSES}
    total = len(status)
    if n["supported"] == total:
        text = t("data_overview.support_all", language)
        return text, text
    sentence = t("data_overview.support_counts", language, total=total,
                 supported=n["supported"], partial=n["partial"], skipped=n["not_supported"])
    skipped = [capabilities.analysis_label(k, language) for k, v in status.items()
               if v == "not_supported"]
    finding = t("data_overview.finding.gaps", language, n=len(skipped), total=total,
                analyses=t("data_overview.join.sep", language).join(skipped)) if skipped \
        else sentence
    return sentence, finding
