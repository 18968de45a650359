"""Structure checks: missing and unknown tables and columns, and what an empty column costs."""

from __future__ import annotations

import re
from difflib import get_close_matches
from pathlib import Path

import ibis

from helpers.data.contract import CONTRACT
from helpers.data.datasets import Workspace
from helpers.data.validation.findings import Finding

__all__ = [
    "IMPLIED_COLUMNS",
]


#: the columns behind the needs that count things rather than name columns
IMPLIED_COLUMNS = {"experiments": ("interactions", ("experiment_id", "variant")),
                   "spend_months": ("marketing_spend", ("period_start",))}


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
