"""Check a workspace against the data contract.

Every check runs as a query in the engine and yields :class:`Finding` records: errors stop a
run, warnings are shown in the reports, notes say what the data does not support.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

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
        if _compatible(schema[col.name], col.dtype):
            continue
        raw = t[col.name]
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


def _row_conditions(t, col: Column, as_of: _dt.date | None) -> dict:
    """The row-level rules of one column, as ``{rule: condition on offending rows}``."""
    c = t[col.name]
    out = {}
    if col.unique or (col.references and col.required):
        out["missing_id"] = c.isnull()
    if col.allowed:
        out["unknown_value"] = c.notnull() & ~c.lower().isin(list(col.allowed))
    if col.minimum is not None or col.maximum is not None:
        cond = ibis.literal(False)
        if col.minimum is not None:
            cond = cond | (c < col.minimum)
        if col.maximum is not None:
            cond = cond | (c > col.maximum)
        out["range"] = c.notnull() & cond
    if col.not_after_as_of and as_of is not None:
        day = c.date() if t.schema()[col.name].is_timestamp() else c
        out["after_as_of"] = day > as_of
    return out


def _check_column_rules(ws: Workspace, tname: str, cols: list[Column], where: str,
                        as_of: _dt.date | None) -> list[Finding]:
    t = ws.table(tname)
    # The cheap row rules of all columns share one scan; keys and joins need their own.
    conditions = {(col.name, rule): cond for col in cols
                  for rule, cond in _row_conditions(t, col, as_of).items()}
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
                    out.append(Finding(
                        sev, tname, col.name, "orphan_key", n,
                        f"{where}: {n:,} row(s) point to a {col.name} that is not in "
                        f"{ref_table}; add the missing {ref_table} rows or fix the ids",
                        _examples(orphans[col.name].cast("string"))))
        n = count("unknown_value")
        if n:
            out.append(Finding("error", tname, col.name, "unknown_value", n,
                               f"{where}: {n:,} row(s) have a {col.name} outside "
                               f"{', '.join(col.allowed)}; map your values to these",
                               _examples(bad("unknown_value")[col.name])))
        n = count("range")
        if n:
            rng = (f"at least {col.minimum:g}" if col.maximum is None
                   else f"between {col.minimum:g} and {col.maximum:g}")
            rule = "negative_value" if col.maximum is None and col.minimum == 0 else "out_of_range"
            label = "negative " + col.name if rule == "negative_value" else f"{col.name} out of range"
            out.append(Finding("error", tname, col.name, rule, n,
                               f"{where}: {n:,} row(s) with {label}; {col.name} must be {rng}",
                               _examples(bad("range")[col.name].cast("string"))))
        n = count("after_as_of")
        if n:
            out.append(Finding("warning", tname, col.name, "after_as_of", n,
                               f"{where}: {n:,} row(s) have {col.name} after as_of {as_of}; "
                               "they are ignored in the analyses",
                               _examples(bad("after_as_of")[col.name].cast("string"))))
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
        columns = [col for col in spec.columns if col.name in present]
        problems = _check_types(ws, tname, columns, where)
        findings.extend(problems)
        mistyped = {f.column for f in problems}
        typed_ok = [col for col in columns if col.name not in mistyped]
        findings.extend(_check_column_rules(ws, tname, typed_ok, where, as_of_date))
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


def _code_version() -> str:
    # Changed rules or contract must not be answered from an old cache entry.
    from helpers import contract

    h = hashlib.sha256()
    for module in (contract.__file__, __file__):
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
    from helpers import feature_cache

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
        As in :func:`helpers.datasets.open_workspace`.
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
    from helpers.datasets import open_workspace
    from helpers.paths import resolve

    ws = open_workspace(data_source, mapping_file=mapping_file or None,
                        password_env=password_env or None, memory_limit=memory_limit or None)
    if cache_dir is None:
        findings = validate(ws, as_of=as_of)
    else:
        findings = cached_validate(ws, as_of, cache_dir,
                                   mapping_file=resolve(mapping_file) if mapping_file else None)
    raise_for_errors(findings)
    return ws, findings
