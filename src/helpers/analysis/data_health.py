"""Data health: what a data source holds, how fresh it is and what it can support."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from helpers.core.params import as_of_date
from helpers.data.contract import CONTRACT
from helpers.data.datasets import Workspace
from helpers.presentation import i18n

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


def table_label(table: str, language: str = "en") -> str:
    """A contract table's name for a report: the name itself in English, translated in Chinese."""
    return i18n.t(f"data_overview.table.{table}", language, default=table)


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
    caps : helpers.data.capabilities.Capabilities
        Which columns hold data.
    top : int
        Categories per chart before the rest is folded into "Other".
    language : {"en", "zh"}
    currency : str

    Returns
    -------
    (list of dict, str)
        Panels for :func:`plot_panel` (``kind``, ``data``, ``title``, ``xlabel``, ``column``,
        ``money``, ``currency``, ``language``) and the
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
        panels.append({"kind": "bar", "title": titles[column], "column": column,
                       "money": bool(value), "currency": currency if value else "",
                       "language": language,
                       "xlabel": t("data_overview.chart.order_value" if value
                                   else "data_overview.chart.accounts", language),
                       "data": mix.set_index(column)["value" if value else "rows"].rename(
                           index=other)})
    employees = pd.Series(dtype="float64")
    if caps.has("accounts", "employees"):
        employees = pd.to_numeric(ws.table("accounts").employees.as_table().to_pandas().employees,
                                  errors="coerce").dropna()
    if (employees > 0).any():
        panels.append({"kind": "distribution", "data": employees, "column": "employees",
                       "money": False, "currency": "", "language": language,
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
    """Draw one panel of :func:`key_distributions` on ``ax`` and return it.

    Bars carry compact value labels (``2.5M``; ``250万`` in Chinese) and a labelled value
    axis (the currency for money); the company-size histogram has readable ticks and a
    localized count axis.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from helpers.presentation import plotting
    from helpers.presentation.tables import compact_number

    language = panel.get("language", "en")
    ax = ax if ax is not None else plt.gca()
    if panel["kind"] == "distribution":
        plotting.plot_distribution(panel["data"], ax=ax, title=panel["title"],
                                   xlabel=panel["xlabel"])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: compact_number(v, language)))
        ax.set_ylabel(i18n.t("data_overview.chart.accounts", language))
        return ax
    data = panel["data"].sort_values(ascending=True)
    bars = ax.barh([str(i) for i in data.index], data.to_numpy(), color=plotting.PALETTE[0])
    labels = [compact_number(v, language) if panel.get("money") else f"{v:,.0f}"
              for v in data.to_numpy()]
    ax.bar_label(bars, labels=labels, padding=2, fontsize=8)
    ax.set_title(panel["title"])
    ax.set_xlabel(panel["xlabel"])
    ax.margins(x=0.15)
    if panel.get("money"):
        plotting.money_axis(ax, panel.get("currency", ""), axis="x", language=language)
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: compact_number(v, language)))
    return ax


def distributions_alt(panels: list[dict], language: str = "en") -> str:
    """The alt text of the key-distribution charts: what each shows and its largest value.

    Parameters
    ----------
    panels : list of dict
        From :func:`key_distributions`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    from helpers.presentation.tables import compact_number

    t = i18n.t
    parts = []
    for panel in panels:
        data = panel["data"]
        if panel["kind"] == "distribution":
            parts.append(t("data_overview.alt.size", language, title=panel["title"],
                           median=f"{data.median():,.0f}", largest=f"{data.max():,.0f}"))
            continue
        top = data.idxmax()
        value = compact_number(data.max(), language)
        if panel.get("money") and panel.get("currency"):
            value = f"{value} {panel['currency']}"
        parts.append(t("data_overview.alt.bar", language, title=panel["title"], top=top,
                       value=value))
    sep = t("data_overview.alt.sep", language)
    return t("data_overview.alt.distributions", language, n=len(panels), charts=sep.join(parts))


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


def support_summary(caps, language: str = "en") -> tuple[str, str]:
    """A sentence on the capability table, and the same as a finding for the portal.

    Returns
    -------
    (str, str)
        The report sentence and the finding text; both say when everything is supported.
    """
    from helpers.data import capabilities

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
    named = t("data_overview.join.sep", language).join(skipped[:NAMED_GAPS])
    if len(skipped) > NAMED_GAPS:
        named += t("data_overview.finding.more", language, n=len(skipped) - NAMED_GAPS)
    finding = t("data_overview.finding.gaps", language, n=len(skipped), total=total,
                analyses=named) if skipped \
        else sentence
    return sentence, finding


# --------------------------------------------------------------------------- the brief
#
# Management tables get readable frames (labels, not codes) and a ``kinds`` mapping for
# :func:`helpers.presentation.tables.people_table`; the findings of the Summary are facts with actions.

#: Cell kinds of :func:`tables_view`.
TABLE_KINDS = {"table": "text", "required": "bool", "present": "bool", "rows": "int",
               "columns": "int", "missing_optional": "text"}
#: Cell kinds of :func:`coverage_view`.
COVERAGE_KINDS = {"table": "text", "first": "date", "last": "date", "days_since_last": "int",
                  "rows_after_as_of": "int", "stale": "bool"}
#: Cell kinds of :func:`findings_view`.
FINDING_KINDS = {"severity": "text", "table": "text", "column": "text", "rule": "text",
                 "count": "int"}
#: Cell kinds of :func:`support_by_report`.
SUPPORT_KINDS = {"notebook": "text", "supported": "int", "partial": "int",
                 "not_supported": "int"}
#: Skipped analyses named in the support finding; the rest are counted.
NAMED_GAPS = 5
#: Histories shorter than this many months cannot compare a month with the year before.
YEAR_ON_YEAR_MONTHS = 24


def _sep(language: str) -> str:
    return i18n.t("data_overview.join.sep", language)


def _month(stamp, language: str = "en") -> str:
    stamp = pd.Timestamp(stamp)
    return f"{stamp.year}年{stamp.month}月" if language == "zh" else stamp.strftime("%b %Y")


def tables_view(overview: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The table overview for people: table names in the report language, no source column.

    Parameters
    ----------
    overview : pandas.DataFrame
        From :func:`table_overview`.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`TABLE_KINDS`; no missing optional column is ``None`` (shown "–").
    """
    out = overview.assign(table=[table_label(n, language) for n in overview["table"]])
    out["missing_optional"] = [v or None for v in out["missing_optional"]]
    return out[list(TABLE_KINDS)].reset_index(drop=True)


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


def plot_distributions(panels: list[dict], *, columns: int = 2):
    """Draw the panels of :func:`key_distributions` in a grid and return the figure.

    Parameters
    ----------
    panels : list of dict
        From :func:`key_distributions`; at least one.
    columns : int, default 2
        Panels per row; unused places of the last row stay blank.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    rows = -(-len(panels) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(11, 3.6 * rows), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        plot_panel(panel, ax=ax)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def mark_stale(coverage: pd.DataFrame, days: int) -> pd.DataFrame:
    """``coverage`` with a ``stale`` column: an activity table without events for ``days`` days."""
    out = coverage.copy()
    if out.empty:
        out["stale"] = pd.Series(dtype=bool)
        return out
    out["stale"] = out["table"].isin(ACTIVITY_TABLES) & (out["days_since_last"] > days)
    return out


def coverage_view(coverage: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Date coverage for people: translated table names, without the date-column codes."""
    out = coverage.assign(table=[table_label(n, language) for n in coverage["table"]])
    return out[[c for c in COVERAGE_KINDS if c in out.columns]].reset_index(drop=True)


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


def plot_activity(activity: pd.DataFrame, *, ax=None, language: str = "en"):
    """Rows per month of the event tables: one line per table on a log scale.

    Parameters
    ----------
    activity : pandas.DataFrame
        From :func:`monthly_activity`.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
        Month ticks and table names in ``language``, compact row counts, legend outside.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    from helpers.presentation import plotting
    from helpers.presentation.tables import compact_number

    ax = ax if ax is not None else plt.gca()
    for i, (name, part) in enumerate(activity.groupby("table", sort=False)):
        part = part.sort_values("month")
        ax.plot(part["month"], part["rows"], marker="o", markersize=3,
                color=plotting.PALETTE[i % len(plotting.PALETTE)],
                label=table_label(name, language))
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: compact_number(v, language)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_title(i18n.t("data_overview.chart.rows_per_month", language))
    ax.set_ylabel(i18n.t("data_overview.chart.rows_log", language))
    ax.set_xlabel("")
    plotting.month_axis(ax, language=language)
    plotting.legend_outside(ax)
    return ax


def activity_alt(activity: pd.DataFrame, language: str = "en") -> str:
    """The alt text of :func:`plot_activity`: the period and each table's typical month."""
    t = i18n.t
    per = activity.groupby("table", sort=False)["rows"].median().sort_values(ascending=False)
    items = _sep(language).join(
        t("data_overview.alt.activity_item", language, table=table_label(name, language),
          rows=f"{rows:,.0f}") for name, rows in per.items())
    return t("data_overview.alt.activity", language, start=_month(activity["month"].min(), language),
             end=_month(activity["month"].max(), language), items=items)


def rule_label(rule: str, language: str = "en") -> str:
    """A validation rule code (``empty_column``) as words in ``language``."""
    return i18n.t(f"data_overview.rule.{rule}", language, default=rule.replace("_", " "))


def findings_view(found: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Validation findings for people: severity, table, column, rule in words and rows affected.

    The English messages and examples stay in the analyst version.
    """
    out = pd.DataFrame({
        "severity": [i18n.t(f"data_overview.severity.{s}", language, default=s)
                     for s in found["severity"]],
        "table": [table_label(n, language) if n else None for n in found["table"]],
        "column": [c or None for c in found["column"]],
        "rule": [rule_label(r, language) for r in found["rule"]],
        "count": pd.to_numeric(found["count"], errors="coerce"),
    })
    return out.reset_index(drop=True)


def support_by_report(caps, language: str = "en") -> pd.DataFrame:
    """How many analyses of each report the data supports, supports in part, or skips.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`SUPPORT_KINDS`, one row per report in workbook order.
    """
    from helpers.data import capabilities

    rows: dict[str, dict[str, int]] = {}
    for a in capabilities.ANALYSES:
        status = caps.support(a.key, language)[0]
        name = i18n.t(f"notebook.{a.notebook}", language, default=a.notebook)
        counts = rows.setdefault(name, dict.fromkeys(capabilities.STATUSES, 0))
        counts[status] += 1
    return pd.DataFrame([{"notebook": k, **v} for k, v in rows.items()],
                        columns=list(SUPPORT_KINDS))


def support_gaps(caps, language: str = "en") -> pd.DataFrame:
    """The analyses the data does not fully support, skipped ones first, with the reason."""
    frame = caps.support_frame(language)
    status = {i18n.t(f"capabilities.status.{s}", language): i for i, s in
              enumerate(("not_supported", "partial"))}
    gaps = frame[frame["status"].isin(status)]
    order = gaps["status"].map(status)
    return gaps.assign(_order=order).sort_values("_order", kind="stable").drop(
        columns="_order").reset_index(drop=True)


def _health_columns(found: pd.DataFrame, caps) -> list[str]:
    """``table.column`` of every column validation or the capability check names."""
    named = [f"{tb}.{c}" for tb, c in zip(found.get("table", []), found.get("column", []),
                                          strict=True) if tb and c]
    for name in CONTRACT:
        if caps.has(name):
            named += [f"{name}.{c}" for c in caps.missing_columns(name)]
    return list(dict.fromkeys(named))


def health_findings(overview: pd.DataFrame, coverage: pd.DataFrame, found: pd.DataFrame, caps, *,
                    stale_after_days: int, as_of, language: str = "en") -> list:
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
