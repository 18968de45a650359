"""Validating a workspace: every check of the contract in engine queries."""

from __future__ import annotations

from helpers.data.contract import CONTRACT
from helpers.data.datasets import Workspace
from helpers.data.validation.column_rules import _check_column_rules
from helpers.core.params import as_of_date
from helpers.data.validation.column_types import _check_types
from helpers.data.validation.findings import EXAMPLES, SEVERITY_ORDER, Finding
from helpers.data.validation.structure import (
    _populated,
    _structure_findings,
    _unknown_columns,
    _without,
)

__all__ = [
    "validate",
]


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
    day = as_of_date(as_of) if as_of is not None else None
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
        findings.extend(_check_column_rules(ws, tname, typed_ok, where, day, medians))
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.table, f.column))
    return findings
