"""Exceptions that carry one readable message for the person running the workbook, and the
"did you mean" hint those messages give."""

from __future__ import annotations

import difflib

__all__ = [
    "DataError",
    "ParamError",
    "ValidationError",
    "WorkbookError",
    "suggest",
]


class WorkbookError(Exception):
    """Base class: the message names the file, table, column or key and says how to fix it."""


class DataError(WorkbookError):
    """A data source cannot be opened or read."""


class ParamError(WorkbookError):
    """A parameter file or value is wrong."""


class ValidationError(WorkbookError):
    """Validation found errors; ``findings`` holds them all."""

    def __init__(self, message: str, findings: list | None = None):
        super().__init__(message)
        self.findings = list(findings or [])


def suggest(key: str, valid: list[str] | tuple[str, ...]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest valid key, or ``""``."""
    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
