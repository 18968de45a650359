"""Type checks: values that do not cast to the contract type of their column."""

from __future__ import annotations

import datetime as _dt

import ibis
import pandas as pd

from helpers.data.contract import Column
from helpers.data.datasets import LOGICAL_TO_IBIS, Workspace
from helpers.data.validation.findings import EXAMPLES, Finding

__all__ = [
]


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


def _is_id(col: Column) -> bool:
    return col.unique or (col.references is not None and col.required)
