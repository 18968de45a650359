"""Exceptions that carry one readable message for the person running the workbook."""

from __future__ import annotations


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
