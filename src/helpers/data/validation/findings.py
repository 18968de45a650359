"""Validation findings: the record, and how a list of them is shown or raised."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from helpers.core.errors import ValidationError

__all__ = [
    "EXAMPLES",
    "Finding",
    "SEVERITY_ORDER",
    "findings_frame",
    "format_findings",
    "has_errors",
    "raise_for_errors",
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
