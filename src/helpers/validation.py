"""Check a workspace against the data contract.

Every check runs as a query in the engine and yields :class:`Finding` records: errors stop a
run, warnings are shown in the reports, notes say what the data does not support.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field

import ibis
import pandas as pd

from helpers.contract import ANALYSIS_NEEDS, CONTRACT, Column
from helpers.datasets import LOGICAL_TO_IBIS, Workspace
from helpers.errors import ValidationError

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


def _check_types(ws: Workspace, tname: str, col: Column, where: str) -> list[Finding]:
    t = ws.raw(tname)
    actual = t.schema()[col.name]
    if _compatible(actual, col.dtype):
        return []
    target = LOGICAL_TO_IBIS[col.dtype]
    raw = t[col.name]
    text = raw.cast("string").strip()
    bad = t.filter(raw.notnull() & (text != "") & raw.try_cast(target).isnull())
    n = int(bad.count().to_pandas())
    if not n:
        return []
    hint = {
        "integer": "whole numbers",
        "float": "numbers with '.' as decimal point and no currency signs",
        "date": "dates as YYYY-MM-DD",
        "timestamp": "timestamps as YYYY-MM-DD HH:MM:SS",
        "boolean": "true/false (or 1/0)",
    }.get(col.dtype, col.dtype)
    return [Finding(
        "error", tname, col.name, "wrong_type", n,
        f"{where}: column {col.name!r} has {n:,} value(s) that are not {col.dtype}; "
        f"use {hint}",
        _examples(bad[col.name].cast("string")),
    )]


def _check_column_rules(ws: Workspace, tname: str, col: Column, where: str,
                        as_of: _dt.date | None) -> list[Finding]:
    t = ws.table(tname)
    c = t[col.name]
    out: list[Finding] = []
    if col.unique or (col.references and col.required):
        n_null = int(t.filter(c.isnull()).count().to_pandas())
        if n_null:
            out.append(Finding("error", tname, col.name, "missing_id", n_null,
                               f"{where}: {n_null:,} row(s) have no {col.name}; every row "
                               "needs one"))
    if col.unique:
        present = t.filter(c.notnull())
        dup = present.group_by(value=present[col.name]).aggregate(n=present.count())
        dup = dup.filter(dup.n > 1)
        n = int(dup.count().to_pandas())
        if n:
            out.append(Finding("error", tname, col.name, "duplicate_id", n,
                               f"{where}: {n:,} duplicate {col.name} value(s); each "
                               f"{col.name} must occur only once",
                               _examples(dup.order_by(dup.value).value)))
    if col.references:
        ref_table, ref_col = col.references.split(".")
        if ws.has(ref_table) and ref_col in ws.raw(ref_table).columns:
            ref = ws.table(ref_table).select(ref_key=ws.table(ref_table)[ref_col]).distinct()
            orphans = t.filter(c.notnull()).anti_join(ref, t[col.name] == ref.ref_key)
            n = int(orphans.count().to_pandas())
            if n:
                sev = "error" if ref_col == "account_id" else "warning"
                out.append(Finding(sev, tname, col.name, "orphan_key", n,
                                   f"{where}: {n:,} row(s) point to a {col.name} that is not in "
                                   f"{ref_table}; add the missing {ref_table} rows or fix the ids",
                                   _examples(orphans[col.name].cast("string"))))
    if col.allowed:
        bad = t.filter(c.notnull() & ~c.lower().isin(list(col.allowed)))
        n = int(bad.count().to_pandas())
        if n:
            out.append(Finding("error", tname, col.name, "unknown_value", n,
                               f"{where}: {n:,} row(s) have a {col.name} outside "
                               f"{', '.join(col.allowed)}; map your values to these",
                               _examples(bad[col.name])))
    if col.minimum is not None or col.maximum is not None:
        cond = ibis.literal(False)
        if col.minimum is not None:
            cond = cond | (c < col.minimum)
        if col.maximum is not None:
            cond = cond | (c > col.maximum)
        bad = t.filter(c.notnull() & cond)
        n = int(bad.count().to_pandas())
        if n:
            rng = (f"at least {col.minimum:g}" if col.maximum is None
                   else f"between {col.minimum:g} and {col.maximum:g}")
            rule = "negative_value" if col.maximum is None and col.minimum == 0 else "out_of_range"
            label = "negative " + col.name if rule == "negative_value" else f"{col.name} out of range"
            out.append(Finding("error", tname, col.name, rule, n,
                               f"{where}: {n:,} row(s) with {label}; {col.name} must be {rng}",
                               _examples(bad[col.name].cast("string"))))
    if col.not_after_as_of and as_of is not None:
        day = c.date() if t.schema()[col.name].is_timestamp() else c
        late = t.filter(day > as_of)
        n = int(late.count().to_pandas())
        if n:
            out.append(Finding("warning", tname, col.name, "after_as_of", n,
                               f"{where}: {n:,} row(s) have {col.name} after as_of {as_of}; "
                               "they are ignored in the analyses",
                               _examples(late[col.name].cast("string"))))
    return out


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
        Sorted errors first.
    """
    as_of_date = _as_date(as_of) if as_of is not None else None
    findings: list[Finding] = []
    for tname, spec in CONTRACT.items():
        if not ws.has(tname):
            if spec.required:
                findings.append(Finding("error", tname, "", "missing_table", 1,
                                        f"required table {tname!r} is missing; provide "
                                        f"{tname}.csv, .parquet or .xlsx (or map a table to it)"))
            continue
        where = ws.origin(tname)
        present = set(ws.raw(tname).columns)
        missing = [c.name for c in spec.columns if c.required and c.name not in present]
        for name in missing:
            findings.append(Finding("error", tname, name, "missing_column", 1,
                                    f"{where}: required column {name!r} is missing; add it or "
                                    "map your column to it in the mapping file"))
        rows = int(ws.raw(tname).count().to_pandas())
        if rows == 0:
            findings.append(Finding("error" if spec.required else "warning", tname, "",
                                    "empty_table", 0,
                                    f"{where}: table {tname!r} has no rows"
                                    + ("; a run needs it filled" if spec.required
                                       else "; its analyses are skipped")))
            continue
        typed_ok = []
        for col in spec.columns:
            if col.name not in present:
                continue
            problems = _check_types(ws, tname, col, where)
            findings.extend(problems)
            if not problems:
                typed_ok.append(col)
        for col in typed_ok:
            findings.extend(_check_column_rules(ws, tname, col, where, as_of_date))
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


def supported_analyses(ws: Workspace) -> pd.DataFrame:
    """Which analyses the data supports, with the tables each one lacks."""
    rows = []
    for analysis, needs in ANALYSIS_NEEDS.items():
        lacking = [t for t in needs if not ws.has(t)]
        rows.append({"analysis": analysis, "supported": not lacking,
                     "missing_tables": ", ".join(lacking)})
    return pd.DataFrame(rows)


def open_validated(data_source, *, as_of, mapping_file=None, password_env=None,
                   memory_limit=None):
    """Open a data source and validate it; the one loading step every notebook uses.

    Parameters
    ----------
    data_source, mapping_file, password_env, memory_limit
        As in :func:`helpers.datasets.open_workspace`.
    as_of : date-like
        Analysis date.

    Returns
    -------
    (Workspace, list of Finding)
        The workspace and the non-error findings (warnings and notes) for the report.

    Raises
    ------
    ValidationError
        When any finding is an error; the message lists them all.
    """
    from helpers.datasets import open_workspace

    ws = open_workspace(data_source, mapping_file=mapping_file or None,
                        password_env=password_env or None, memory_limit=memory_limit or None)
    findings = validate(ws, as_of=as_of)
    raise_for_errors(findings)
    return ws, findings
