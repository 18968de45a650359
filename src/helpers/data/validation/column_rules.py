"""Value rules per column: ranges, dates, ids, duplicates, closed code sets and separators."""

from __future__ import annotations

import datetime as _dt

import ibis

from helpers.data.contract import Column
from helpers.data.datasets import Workspace
from helpers.data.validation.column_types import _count_rows, _examples, _is_id
from helpers.data.validation.findings import EXAMPLES, Finding

__all__ = [
    "DATE_ORDER",
    "MAX_LISTED",
    "OTHER_SEPARATORS",
    "OUTLIER_FACTOR",
]


#: an amount above this many times the column's median absolute amount is implausible
OUTLIER_FACTOR = 10_000

#: separators people use for tag lists instead of the contract's ';'
OTHER_SEPARATORS = (",", "，", "|", "/", "、")

#: date pairs that must come in order: (earlier, later) per table
DATE_ORDER = {"opportunities": (("created_date", "close_date"),)}

#: unmapped values listed in one message at most
MAX_LISTED = 12


def _today() -> _dt.date:
    return _dt.date.today()


def _row_conditions(t, col: Column, as_of: _dt.date | None, today: _dt.date,
                    medians: dict) -> dict:
    """The row-level rules of one column, as ``{rule: condition on offending rows}``."""
    c = t[col.name]
    out = {}
    if _is_id(col):
        out["missing_id"] = c.isnull()
    if col.unique and col.dtype == "string":
        # cheap here; the grouping that finds collisions runs only when some id has spaces
        out["spaced_id"] = c.notnull() & (c != c.strip())
    if col.allowed:
        out["unknown_value"] = c.notnull() & ~c.strip().lower().isin(list(col.allowed))
    if col.minimum is not None or col.maximum is not None:
        cond = ibis.literal(False)
        if col.minimum is not None:
            cond = cond | (c < col.minimum)
        if col.maximum is not None:
            cond = cond | (c > col.maximum)
        out["range"] = c.notnull() & cond
    if col.not_after_as_of:
        day = c.date() if t.schema()[col.name].is_timestamp() else c
        # an as_of later than today (a planned run) moves the limit with it
        limit = max(today, as_of) if as_of is not None else today
        out["future_date"] = day > limit
        if as_of is not None and as_of < limit:
            out["after_as_of"] = (day > as_of) & (day <= limit)
    if col.money and medians.get(col.name):
        out["outlier"] = c.abs() > OUTLIER_FACTOR * medians[col.name]
    if col.list_separator:
        pattern = "[" + "".join("\\" + s if s in "|/" else s for s in OTHER_SEPARATORS) + "]"
        out["list_separator"] = c.notnull() & c.re_search(pattern)
    return out


def _unmapped_values(t, name: str, limit: int = MAX_LISTED) -> list[tuple[str, int]]:
    """The values of ``name`` outside the allowed set, most frequent first, with counts."""
    c = t[name]
    g = t.group_by(value=c).aggregate(n=t.count())
    rows = g.order_by([ibis.desc("n"), "value"]).limit(limit).to_pyarrow().to_pylist()
    return [(str(r["value"]), int(r["n"])) for r in rows]


def _id_problems(t, name: str, spaced: bool) -> tuple[int, int, list, list]:
    """Duplicate ids and, when ``spaced``, ids that differ only by surrounding spaces.

    Returns ``(duplicates, collisions, duplicate examples, collision examples)``.
    """
    present = t.filter(t[name].notnull())
    dup = present.group_by(value=present[name]).aggregate(n=present.count())
    dup = dup.filter(dup.n > 1)
    dups = int(dup.count().to_pandas())
    dup_ex = _examples(dup.value) if dups else []
    collide, coll_ex = 0, []
    if spaced:
        text = present[name].cast("string")
        g = present.group_by(key=text.strip()).aggregate(forms=text.nunique())
        g = g.filter(g.forms > 1)
        collide = int(g.count().to_pandas())
        coll_ex = _examples(g.key) if collide else []
    return dups, collide, dup_ex, coll_ex


def _check_column_rules(ws: Workspace, tname: str, cols: list[Column], where: str,
                        as_of: _dt.date | None, medians: dict | None = None) -> list[Finding]:
    today = _today()
    medians = medians or {}
    t = ws.table(tname)
    # The cheap row rules of all columns share one scan; keys and joins need their own.
    conditions = {(col.name, rule): cond for col in cols
                  for rule, cond in _row_conditions(t, col, as_of, today, medians).items()}
    names = {col.name for col in cols}
    for early, late in DATE_ORDER.get(tname, ()):
        if early in names and late in names:
            conditions[(late, "date_order")] = (t[late] < t[early])
    counts = _count_rows(t, {f"{name}|{rule}": cond for (name, rule), cond in conditions.items()})
    out: list[Finding] = []
    for col in cols:
        c = t[col.name]

        def count(rule: str, name: str = col.name) -> int:
            return counts.get(f"{name}|{rule}", 0)

        def bad(rule: str, name: str = col.name):
            return t.filter(conditions[(name, rule)])

        n_null = count("missing_id")
        if n_null:
            out.append(Finding("error", tname, col.name, "missing_id", n_null,
                               f"{where}: {n_null:,} row(s) have no {col.name}; every row "
                               "needs one"))
        if col.unique:
            dups, collide, dup_ex, coll_ex = _id_problems(t, col.name,
                                                          bool(count("spaced_id")))
            if dups:
                out.append(Finding("error", tname, col.name, "duplicate_id", dups,
                                   f"{where}: {dups:,} duplicate {col.name} value(s); each "
                                   f"{col.name} must occur only once", dup_ex))
            if collide:
                out.append(Finding("error", tname, col.name, "id_whitespace", collide,
                                   f"{where}: {collide:,} {col.name} value(s) differ from "
                                   "another only by leading or trailing spaces; remove the "
                                   "spaces so that each id is written one way", coll_ex))
        if col.references:
            ref_table, ref_col = col.references.split(".")
            if ws.has(ref_table) and ref_col in ws.raw(ref_table).columns:
                ref = ws.table(ref_table).select(ref_key=ws.table(ref_table)[ref_col]).distinct()
                orphans = t.filter(c.notnull()).anti_join(ref, t[col.name] == ref.ref_key)
                n = int(orphans.count().to_pandas())
                if n:
                    sev = "error" if ref_col == "account_id" else "warning"
                    trimmed = ref.select(ref_key=ref.ref_key.strip())
                    spaced = int(orphans.semi_join(trimmed, orphans[col.name].strip()
                                                   == trimmed.ref_key).count().to_pandas())
                    hint = (f" ({spaced:,} of them only by leading or trailing spaces)"
                            if spaced else "")
                    out.append(Finding(
                        sev, tname, col.name, "orphan_key", n,
                        f"{where}: {n:,} row(s) point to a {col.name} that is not in "
                        f"{ref_table}{hint}; add the missing {ref_table} rows or fix the ids",
                        _examples(orphans[col.name].cast("string"))))
        n = count("unknown_value")
        if n:
            # listed as the source writes them, so they can be copied into the mapping
            raw = ws.raw(tname)
            text = raw[col.name].cast("string")
            unmapped = raw.filter(text.notnull() & ~text.strip().lower().isin(list(col.allowed)))
            values = _unmapped_values(unmapped, col.name)
            listed = ", ".join(f"{v!r} ({k:,} row{'' if k == 1 else 's'})" for v, k in values)
            distinct = int(unmapped[col.name].nunique().to_pandas())
            more = f" and {distinct - len(values):,} more" if distinct > len(values) else ""
            out.append(Finding("error", tname, col.name, "unknown_value", n,
                               f"{where}: {col.name} has {distinct:,} value(s) outside "
                               f"{', '.join(col.allowed)} in {n:,} row(s): {listed}{more}; "
                               f"map them under values: {col.name}: in the mapping file",
                               [v for v, _ in values[:EXAMPLES]]))
        n = count("range")
        if n:
            rng = (f"at least {col.minimum:g}" if col.maximum is None
                   else f"between {col.minimum:g} and {col.maximum:g}")
            rule = "negative_value" if col.maximum is None and col.minimum == 0 else "out_of_range"
            label = "negative " + col.name if rule == "negative_value" else f"{col.name} out of range"
            out.append(Finding("error", tname, col.name, rule, n,
                               f"{where}: {n:,} row(s) with {label}; {col.name} must be {rng}",
                               _examples(bad("range")[col.name].cast("string"))))
        n = count("date_order")
        if n:
            early = next(e for e, late in DATE_ORDER[tname] if late == col.name)
            out.append(Finding("error", tname, col.name, "date_order", n,
                               f"{where}: {n:,} row(s) have {col.name} before {early}; "
                               f"{col.name} cannot come first",
                               _examples(bad("date_order")[col.name].cast("string"))))
        n = count("future_date")
        if n:
            out.append(Finding("error", tname, col.name, "future_date", n,
                               f"{where}: {n:,} row(s) have {col.name} after today "
                               f"({max(today, as_of or today)}); "
                               "correct the dates (a mistyped year?)",
                               _examples(bad("future_date")[col.name].cast("string"))))
        n = count("after_as_of")
        if n:
            out.append(Finding("warning", tname, col.name, "after_as_of", n,
                               f"{where}: {n:,} row(s) have {col.name} after as_of {as_of}; "
                               f"these {n:,} row(s) are left out of the analyses",
                               _examples(bad("after_as_of")[col.name].cast("string"))))
        n = count("outlier")
        if n:
            median = medians[col.name]
            out.append(Finding("warning", tname, col.name, "outlier", n,
                               f"{where}: {n:,} row(s) have an implausible {col.name}: more than "
                               f"{OUTLIER_FACTOR:,} times the median absolute {col.name} "
                               f"({median:,.2f}); check them for typing or unit errors",
                               _examples(bad("outlier")[col.name].cast("string"))))
        n = count("list_separator")
        if n:
            out.append(Finding("warning", tname, col.name, "list_separator", n,
                               f"{where}: {n:,} row(s) of {col.name} contain "
                               f"{' '.join(OTHER_SEPARATORS)}; separate tags with "
                               f"{col.list_separator!r} only, or they count as one tag",
                               _examples(bad("list_separator")[col.name])))
    return out
