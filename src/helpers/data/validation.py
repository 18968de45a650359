"""Check a workspace against the data contract.

Every check runs as a query in the engine and yields :class:`Finding` records: errors stop a
run, warnings are shown in the reports, notes say what the data does not support.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import asdict, dataclass, field
from difflib import get_close_matches
from pathlib import Path

import ibis
import pandas as pd

from helpers.core.errors import ValidationError
from helpers.data.contract import CONTRACT, Column
from helpers.data.datasets import LOGICAL_TO_IBIS, Workspace

__all__ = [
    "DATE_ORDER",
    "EXAMPLES",
    "Finding",
    "IMPLIED_COLUMNS",
    "MAX_LISTED",
    "OTHER_SEPARATORS",
    "OUTLIER_FACTOR",
    "SEVERITY_ORDER",
    "cached_validate",
    "findings_frame",
    "format_findings",
    "has_errors",
    "open_validated",
    "raise_for_errors",
    "validate",
]

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
EXAMPLES = 3


@dataclass
class Finding:
    """One validation result.

    Attributes
    ----------
    severity : {"error", "warning", "info"}
    table, column : str
        Where the problem is (``column`` is ``""`` for table-level findings).
    rule : str
        Short rule code, e.g. ``duplicate_id``.
    count : int
        Number of offending rows (or 1 for structural findings).
    message : str
        One sentence that names the place and says how to fix it.
    examples : list
        A few offending values.
    """

    severity: str
    table: str
    column: str
    rule: str
    count: int
    message: str
    examples: list = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain dict (for JSON and DataFrames)."""
        return asdict(self)


def _compatible(actual: ibis.DataType, logical: str) -> bool:
    """Whether a source type already satisfies a logical type without text parsing."""
    if logical == "string":
        return True
    if actual.is_boolean() and logical != "boolean":
        return False  # true/false is no amount or count
    if logical == "integer":
        return actual.is_integer()
    if logical == "float":
        return actual.is_numeric()
    if logical in ("date", "timestamp"):
        return actual.is_date() or actual.is_timestamp()
    if logical == "boolean":
        return actual.is_boolean() or actual.is_integer()
    return False


def _examples(expr, limit: int = EXAMPLES) -> list:
    tbl = expr.as_table().distinct()
    values = tbl.order_by(tbl.columns[0]).limit(limit).to_pandas().iloc[:, 0]
    return [str(v) for v in values.tolist()]


def _as_date(value) -> _dt.date:
    return pd.Timestamp(value).date()


_TYPE_HINTS = {
    "integer": "whole numbers",
    "float": "numbers with '.' as decimal point and no currency signs",
    "date": "dates as YYYY-MM-DD",
    "timestamp": "timestamps as YYYY-MM-DD HH:MM:SS",
    "boolean": "true/false (or 1/0)",
}


def _count_rows(t, conditions: dict) -> dict[str, int]:
    """Rows matching each condition, all from one scan of ``t``."""
    if not conditions:
        return {}
    metrics = {key: ibis.ifelse(cond, 1, 0).sum() for key, cond in conditions.items()}
    row = t.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    return {key: int(row[key] or 0) for key in conditions}


def _bad_type_conditions(ws: Workspace, tname: str, cols: list[Column]) -> dict:
    """Per column whose source type needs parsing: rows whose text does not parse."""
    t = ws.raw(tname)
    schema = t.schema()
    out = {}
    for col in cols:
        raw = t[col.name]
        if col.required and not _is_id(col):
            # counted on the source values, so a blank beside a typo is reported too
            out[f"{col.name}|missing_value"] = raw.isnull() | (raw.cast("string").strip() == "")
        if col.dtype == "float" and (schema[col.name].is_floating()
                                     or schema[col.name].is_string()):
            # "NaN" and "inf" parse as numbers and would move every total they enter
            number = raw if schema[col.name].is_floating() else raw.cast("string").strip(
            ).try_cast("float64")
            out[f"{col.name}|not_finite"] = number.notnull() & (number.isnan() | number.isinf())
        if col.dtype == "integer" and not schema[col.name].is_integer():
            # the engine rounds 7.5 to 8 when casting; a fraction must be refused instead
            number = raw if schema[col.name].is_floating() else raw.cast("string").strip(
            ).try_cast("float64")
            if schema[col.name].is_floating() or schema[col.name].is_string():
                out[f"{col.name}|not_integer"] = number.notnull() & (number != number.floor())
        if _compatible(schema[col.name], col.dtype):
            continue
        if schema[col.name].is_boolean():
            out[col.name] = raw.notnull()
            continue
        text = raw.cast("string").strip()
        out[col.name] = raw.notnull() & (text != "") & raw.try_cast(
            LOGICAL_TO_IBIS[col.dtype]).isnull()
    return out


def _check_types(ws: Workspace, tname: str, cols: list[Column], where: str) -> list[Finding]:
    t = ws.raw(tname)
    conditions = _bad_type_conditions(ws, tname, cols)
    counts = _count_rows(t, conditions)
    findings = []
    for col in cols:
        n = counts.get(f"{col.name}|missing_value", 0)
        if n:
            findings.append(Finding(
                "error", tname, col.name, "missing_value", n,
                f"{where}: {n:,} row(s) have no {col.name}; every row needs one (a blank "
                f"{col.name} would silently shift totals and shares)"))
        n = counts.get(f"{col.name}|not_finite", 0)
        if n:
            findings.append(Finding(
                "error", tname, col.name, "not_finite", n,
                f"{where}: column {col.name!r} has {n:,} value(s) that are NaN or infinite; "
                "leave unknown values empty and fix the others",
                _examples(t.filter(conditions[f"{col.name}|not_finite"])[col.name]
                          .cast("string"))))
            continue
        n = counts.get(f"{col.name}|not_integer", 0)
        if n:
            findings.append(Finding(
                "error", tname, col.name, "not_integer", n,
                f"{where}: column {col.name!r} has {n:,} value(s) that are not whole numbers; "
                f"{col.name} takes whole numbers only",
                _examples(t.filter(conditions[f"{col.name}|not_integer"])[col.name]
                          .cast("string"))))
            continue
        n = counts.get(col.name, 0)
        if not n:
            continue
        hint = _TYPE_HINTS.get(col.dtype, col.dtype)
        findings.append(Finding(
            "error", tname, col.name, "wrong_type", n,
            f"{where}: column {col.name!r} has {n:,} value(s) that are not {col.dtype}; "
            f"use {hint}",
            _examples(t.filter(conditions[col.name])[col.name].cast("string")),
        ))
    return findings


#: an amount above this many times the column's median absolute amount is implausible
OUTLIER_FACTOR = 10_000
#: separators people use for tag lists instead of the contract's ';'
OTHER_SEPARATORS = (",", "，", "|", "/", "、")
#: date pairs that must come in order: (earlier, later) per table
DATE_ORDER = {"opportunities": (("created_date", "close_date"),)}
#: the columns behind the needs that count things rather than name columns
IMPLIED_COLUMNS = {"experiments": ("interactions", ("experiment_id", "variant")),
                   "spend_months": ("marketing_spend", ("period_start",))}
#: unmapped values listed in one message at most
MAX_LISTED = 12


def _today() -> _dt.date:
    return _dt.date.today()


def _is_id(col: Column) -> bool:
    return col.unique or (col.references is not None and col.required)


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


def _populated(ws: Workspace, tname: str) -> tuple[int, dict[str, int], dict[str, float]]:
    """Rows, non-empty values of each contract column the source has, and the median
    absolute non-zero value of each money column, in one scan."""
    t = ws.raw(tname)
    schema = t.schema()
    metrics = {"_rows": t.count()}
    for col in CONTRACT[tname].columns:
        if col.name in schema:
            c = t[col.name]
            metrics[col.name] = (ibis.ifelse(c.notnull() & (c.strip() != ""), 1, 0).sum()
                                 if schema[col.name].is_string() else c.count())
            if col.money and (schema[col.name].is_numeric() or schema[col.name].is_string()):
                number = c if schema[col.name].is_numeric() else c.strip().try_cast("float64")
                metrics[f"_median_{col.name}"] = number.abs().nullif(0).median()
    row = t.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    medians = {k.removeprefix("_median_"): float(v) for k, v in row.items()
               if k.startswith("_median_") and v}
    counts = {k: int(v or 0) for k, v in row.items() if not k.startswith("_")}
    return int(row["_rows"] or 0), counts, medians


def _without(tname: str, column: str, populated: dict[str, int]) -> str:
    """What the analyses lose without ``tname.column``, as a clause for a message."""
    from helpers.data.capabilities import ANALYSES

    def hit(needs) -> bool:
        for need in needs:
            table, columns = IMPLIED_COLUMNS.get(need.kind, (need.table, need.columns))
            if table != tname or column not in columns:
                continue
            # "any of these columns" still holds when another one has data
            if need.kind == "any_column" and any(populated.get(c, 0) for c in need.columns
                                                 if c != column):
                continue
            return True
        return False

    off = [a.label for a in ANALYSES if hit(a.needs)]
    part = [a.label for a in ANALYSES if not hit(a.needs) and hit(a.improves)]
    parts = []
    if off:
        parts.append(f"not supported without it: {', '.join(off)}")
    if part:
        parts.append(f"partial without it: {', '.join(part)}")
    return "; ".join(parts) if parts else "no analysis needs it"


def _looks_like(file_name: str) -> str | None:
    """The contract table a file name resembles (``marketing-spend.csv``), or ``None``."""
    stem = Path(file_name).stem.strip().lower()
    stem = re.sub(r"[\s\-.]+", "_", stem)
    if stem in CONTRACT:
        return stem
    hint = get_close_matches(stem, list(CONTRACT), n=1, cutoff=0.75)
    return hint[0] if hint else None


def _structure_findings(ws: Workspace) -> tuple[list[Finding], dict[str, str]]:
    """Unknown and misnamed files, ignored tables and doubled columns.

    Returns the findings and ``{table: file}`` for files that look like a missing table.
    """
    out, lookalikes = [], {}
    for name in getattr(ws, "unused_files", []):
        guess = _looks_like(name)
        if guess and not ws.has(guess) and guess not in lookalikes:
            lookalikes[guess] = name
            suffix = Path(name).suffix.lower()
            out.append(Finding(
                "warning", guess, "", "misnamed_table", 1,
                f"{name}: looks like table {guess!r} but is ignored under this name; rename it "
                f"to {guess}{suffix} or map it (mapping file: {guess}: {{file: {name}}})"))
        else:
            out.append(Finding(
                "warning", "", "", "unknown_table", 1,
                f"{name}: not a contract table, so it is ignored; the tables are "
                f"{', '.join(CONTRACT)} (rename the file or map it in the mapping file)"))
    for tname, name in getattr(ws, "unmatched", {}).items():
        out.append(Finding(
            "warning", tname, "", "mapped_file_missing", 1,
            f"the mapping file names {name!r} for table {tname!r}, but the data source has "
            "no such file or table; check the name under file:"))
    for tname, lacking in getattr(ws, "ignored", {}).items():
        out.append(Finding(
            "warning", tname, ", ".join(lacking), "ignored_table", 1,
            f"{ws.origin(tname)}: table {tname!r} is ignored because it has no "
            f"{', '.join(lacking)}; add or map the column to use it"))
    for tname, names in getattr(ws, "duplicate_columns", {}).items():
        for name in names:
            out.append(Finding(
                "error", tname, name, "duplicate_column", 1,
                f"{ws.origin(tname)}: column {name!r} occurs more than once (in the file or "
                "after mapping); keep one of them"))
    return out, lookalikes


def _unknown_columns(ws: Workspace, tname: str) -> list[str]:
    """Source columns of ``tname`` that are neither contract columns nor mapped."""
    known = set(CONTRACT[tname].column_names)
    doubled = getattr(ws, "duplicate_columns", {}).get(tname, [])
    # DuckDB renames a doubled header "x" to "x_1", pandas to "x.1"; reported as doubled
    renamed = {f"{name}{sep}{i}" for name in doubled for i in range(1, 10) for sep in "_."}
    return [c for c in ws.raw(tname).columns if c not in known and c not in renamed]


def validate(ws: Workspace, as_of=None) -> list[Finding]:
    """Check every contract rule on a workspace.

    Parameters
    ----------
    ws : Workspace
        The opened data source.
    as_of : date-like, optional
        Analysis date; rows dated after it are reported.

    Returns
    -------
    list of Finding
        Sorted errors first. Errors make numbers wrong (duplicate or colliding ids, unusable
        types, missing amounts, dates after today, ...); warnings name what the data lacks
        (absent or empty columns and the analyses they disable) or what looks odd.
    """
    as_of_date = _as_date(as_of) if as_of is not None else None
    findings, lookalikes = _structure_findings(ws)
    for tname, spec in CONTRACT.items():
        if not ws.has(tname):
            if spec.required:
                near = lookalikes.get(tname)
                findings.append(Finding(
                    "error", tname, "", "missing_table", 1,
                    f"required table {tname!r} is missing; provide {tname}.csv, .parquet or "
                    ".xlsx (or map a table to it)"
                    + (f"; {near} looks like it" if near else "")))
            continue
        where = ws.origin(tname)
        present = set(ws.raw(tname).columns)
        missing = [c.name for c in spec.columns if c.required and c.name not in present]
        for name in missing:
            findings.append(Finding("error", tname, name, "missing_column", 1,
                                    f"{where}: required column {name!r} is missing; add it or "
                                    "map your column to it in the mapping file"))
        rows, populated, medians = _populated(ws, tname)
        extra = _unknown_columns(ws, tname)
        if extra:
            findings.append(Finding(
                "warning", tname, extra[0], "unknown_column", len(extra),
                f"{where}: {len(extra):,} column(s) not in the contract are ignored: "
                f"{', '.join(extra)}; map them in the mapping file if they hold contract "
                "columns", extra[:EXAMPLES]))
        if rows == 0:
            findings.append(Finding("error" if spec.required else "warning", tname, "",
                                    "empty_table", 0,
                                    f"{where}: table {tname!r} has no rows"
                                    + ("; a run needs it filled" if spec.required
                                       else "; its analyses are skipped")))
            continue
        for col in spec.columns:
            if col.name in missing or populated.get(col.name):
                continue
            absent = col.name not in present
            if not absent and col.required:
                findings.append(Finding("error", tname, col.name, "empty_column", rows,
                                        f"{where}: required column {col.name!r} is empty; "
                                        "fill it"))
                continue
            state = "absent" if absent else "entirely empty"
            findings.append(Finding(
                "warning", tname, col.name, "missing_column" if absent else "empty_column", rows,
                f"{where}: column {tname}.{col.name} is {state}; "
                f"{_without(tname, col.name, populated)}"))
        columns = [col for col in spec.columns if populated.get(col.name)]
        problems = _check_types(ws, tname, columns, where)
        findings.extend(problems)
        mistyped = {f.column for f in problems}
        typed_ok = [col for col in columns if col.name not in mistyped]
        findings.extend(_check_column_rules(ws, tname, typed_ok, where, as_of_date, medians))
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.table, f.column))
    return findings


def has_errors(findings: list[Finding]) -> bool:
    """Whether any finding is an error."""
    return any(f.severity == "error" for f in findings)


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame (severity, table, column, rule, count, message, examples)."""
    cols = ["severity", "table", "column", "rule", "count", "message", "examples"]
    rows = [{**f.as_dict(), "examples": ", ".join(map(str, f.examples))} for f in findings]
    return pd.DataFrame(rows, columns=cols)


def format_findings(findings: list[Finding]) -> str:
    """Plain-text table of findings for the terminal."""
    if not findings:
        return "no findings: the data source meets the contract"
    lines = [f"{'severity':<8}  {'table':<16}  {'column':<20}  {'count':>8}  message"]
    for f in findings:
        ex = f"  (e.g. {', '.join(map(str, f.examples))})" if f.examples else ""
        lines.append(f"{f.severity:<8}  {f.table:<16}  {f.column:<20}  {f.count:>8,}  "
                     f"{f.message}{ex}")
    n_err = sum(f.severity == "error" for f in findings)
    lines.append(f"{n_err} error(s), {len(findings) - n_err} other finding(s)")
    return "\n".join(lines)


def raise_for_errors(findings: list[Finding]) -> None:
    """Raise :class:`ValidationError` listing every error finding, one line each."""
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        body = "\n".join(f"- {f.message}" for f in errors)
        raise ValidationError(f"the data has {len(errors)} error(s):\n{body}", errors)


def _code_version() -> str:
    # Changed rules or contract must not be answered from an old cache entry.
    from helpers.data import capabilities, contract

    h = hashlib.sha256()
    for module in (contract.__file__, capabilities.__file__, __file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()[:16]


class _Uncached(Exception):
    def __init__(self, findings: list[Finding]):
        super().__init__("validation errors")
        self.findings = findings


def cached_validate(ws: Workspace, as_of, cache_dir, *, mapping_file=None,
                    refresh: bool = False) -> list[Finding]:
    """:func:`validate`, computed once per run folder and shared by every notebook.

    Parameters
    ----------
    ws : Workspace
        The opened data source.
    as_of : date-like
        Analysis date.
    cache_dir : path-like
        The notebook's ``output_dir``; the findings go to its ``cache/`` subfolder.
    mapping_file : path-like, optional
        The mapping the workspace was opened with; its contents are part of the key.
    refresh : bool
        Validate again even when cached.

    Returns
    -------
    list of Finding
        Equal to ``validate(ws, as_of)``. Results with errors are not cached, so data
        fixed in place is checked again on the next call.
    """
    from helpers.data import feature_cache

    key_parts = {
        "data": feature_cache.workspace_fingerprint(ws),
        "mapping": (hashlib.sha256(Path(mapping_file).read_bytes()).hexdigest()[:16]
                    if mapping_file and Path(mapping_file).is_file() else None),
        "as_of": _as_date(as_of).isoformat() if as_of is not None else None,
        "code": _code_version(),
    }

    def compute() -> list[dict]:
        findings = validate(ws, as_of=as_of)
        if has_errors(findings):
            # Never cached: after a fix in place (same row counts) the data is checked again.
            raise _Uncached(findings)
        return [f.as_dict() for f in findings]

    try:
        rows = feature_cache.cached_json("validation", key_parts, compute, cache_dir,
                                         refresh=refresh)
    except _Uncached as failed:
        return failed.findings
    return [Finding(**row) for row in rows]


def open_validated(data_source, *, as_of, mapping_file=None, password_env=None,
                   memory_limit=None, cache_dir=None):
    """Open a data source and validate it; the one loading step every notebook uses.

    Parameters
    ----------
    data_source, mapping_file, password_env, memory_limit
        As in :func:`helpers.data.datasets.open_workspace`.
    as_of : date-like
        Analysis date.
    cache_dir : path-like, optional
        The notebook's ``output_dir``. When given, the findings are cached there (see
        :func:`cached_validate`), so the notebooks of one run validate the data once.

    Returns
    -------
    (Workspace, list of Finding)
        The workspace and the non-error findings (warnings and notes) for the report.

    Raises
    ------
    ValidationError
        When any finding is an error; the message lists them all.
    """
    from helpers.core.paths import resolve
    from helpers.data.datasets import open_workspace

    ws = open_workspace(data_source, mapping_file=mapping_file or None,
                        password_env=password_env or None, memory_limit=memory_limit or None)
    if cache_dir is None:
        findings = validate(ws, as_of=as_of)
    else:
        findings = cached_validate(ws, as_of, cache_dir,
                                   mapping_file=resolve(mapping_file) if mapping_file else None)
    raise_for_errors(findings)
    return ws, findings
