"""Validation once per run folder, and opening a source validated."""

from __future__ import annotations

import hashlib
from pathlib import Path

from helpers.data.datasets import Workspace
from helpers.data.validation.checks import validate
from helpers.core.params import as_of_date
from helpers.data.validation.findings import Finding, has_errors, raise_for_errors

__all__ = [
    "cached_validate",
    "open_validated",
]


def _code_version() -> str:
    # Changed rules or contract must not be answered from an old cache entry.
    from helpers.data import capabilities, contract

    h = hashlib.sha256()
    rules = sorted(Path(__file__).parent.glob("*.py"))  # every module of this package
    for module in (contract.__file__, capabilities.__file__, *rules):
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
        "as_of": as_of_date(as_of).isoformat() if as_of is not None else None,
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
