"""The workspace: contract tables of one opened source, typed and mapped, as Ibis tables.

Also how a source is named in messages (without its password).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import ibis
import ibis.expr.datatypes as dt

from helpers.core.errors import DataError
from helpers.core.paths import is_url
from helpers.data.contract import CONTRACT
from helpers.data.contract import table as contract_table
from helpers.data.datasets.mapping import _apply_mapping

__all__ = [
    "LOGICAL_TO_IBIS",
    "Workspace",
    "redact_url",
]


LOGICAL_TO_IBIS = {
    "string": dt.string,
    "integer": dt.int64,
    "float": dt.float64,
    "date": dt.date,
    "timestamp": dt.timestamp,
    "boolean": dt.boolean,
}


def _satisfies(actual: dt.DataType, logical: str) -> bool:
    """Whether a column already has the contract type.

    Precision and nullability are ignored on purpose: a needless cast (say of a
    ``timestamp(6)`` Parquet column) would hide the column from DuckDB's filter pushdown.
    """
    return {
        "string": actual.is_string,
        "integer": actual.is_integer,
        "float": actual.is_floating,
        "date": actual.is_date,
        "timestamp": actual.is_timestamp,
        "boolean": actual.is_boolean,
    }[logical]()


def redact_url(source: str | os.PathLike) -> str:
    """Return ``source`` with any password in a URL replaced by ``***``."""
    text = str(source)
    if not is_url(text):
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Workspace:
    """The contract tables of one data source, as Ibis tables on one backend.

    Use :func:`open_workspace` to create one. ``raw(name)`` gives a table with canonical
    column names as the source typed it; ``table(name)`` casts the contract columns to
    their contract types (values that cannot be cast become null; :mod:`helpers.data.validation`
    reports them).
    """

    def __init__(self, con, tables: dict, origins: dict[str, str], source_label: str,
                 scratch: Path | None = None, *, duplicate_columns: dict | None = None,
                 unused_files: list[str] | None = None, mapping: dict | None = None,
                 unmatched: dict | None = None):
        self.con = con
        self._origins = origins
        self.source_label = source_label
        self._scratch = scratch
        #: optional tables left out because a column they cannot do without is absent
        self.ignored: dict[str, list[str]] = {}
        #: per table, column names that occur twice in the file or after mapping
        self.duplicate_columns: dict[str, list[str]] = dict(duplicate_columns or {})
        #: files of a folder source that are no contract table (by name or mapping)
        self.unused_files: list[str] = list(unused_files or [])
        #: the mapping the source was opened with (see :func:`load_mapping`)
        self.mapping: dict = dict(mapping or {})
        #: ``{table: source name}`` for files or tables the mapping names but the source lacks
        self.unmatched: dict[str, str] = dict(unmatched or {})
        self._raw = {}
        for name, t in tables.items():
            spec = contract_table(name)
            lacking = [c.name for c in spec.columns if c.required and c.name not in t.columns]
            if lacking and not spec.required:
                self.ignored[name] = lacking
            else:
                self._raw[name] = t

    @property
    def names(self) -> list[str]:
        """Contract tables present in the source, in contract order."""
        return [name for name in CONTRACT if name in self._raw]

    def has(self, name: str) -> bool:
        """Whether the source provides table ``name``."""
        return name in self._raw

    def origin(self, name: str) -> str:
        """Where table ``name`` came from (file or table name), for messages."""
        return self._origins.get(name, name)

    def raw(self, name: str):
        """Return table ``name`` with canonical column names and source types."""
        contract_table(name)
        if name not in self._raw:
            raise DataError(
                f"table {name!r} is not in the data source {self.source_label}; "
                f"add {name}.csv/.parquet/.xlsx (or map a source table to it)"
            )
        return self._raw[name]

    def table(self, name: str):
        """Return table ``name`` with contract columns cast to their contract types.

        Values of a closed set (``stage``, ``role``, ...) are trimmed and lower-cased.

        A contract column that the source lacks is added as a typed column of nulls, so
        every analysis sees the same schema; :mod:`helpers.data.capabilities` tells which
        columns hold data, and no value is invented for the missing ones.
        """
        t = self.raw(name)
        schema = t.schema()
        casts = {}
        for col in contract_table(name).columns:
            if col.name not in schema:
                casts[col.name] = ibis.null(LOGICAL_TO_IBIS[col.dtype])
            elif not _satisfies(schema[col.name], col.dtype):
                casts[col.name] = t[col.name].try_cast(LOGICAL_TO_IBIS[col.dtype])
            elif col.allowed:
                # codes of a closed set compare as validation reads them: " Won" is "won"
                casts[col.name] = t[col.name].strip().lower()
        return t.mutate(**casts) if casts else t

    def has_column(self, name: str, column: str) -> bool:
        """Whether the source provides ``column`` of table ``name`` (it may still be empty)."""
        return name in self._raw and column in self._raw[name].columns

    def to_pandas(self, name: str, columns: list[str] | None = None):
        """Typed table ``name`` as a pandas DataFrame (small tables only)."""
        t = self.table(name)
        return (t.select(*columns) if columns else t).to_pandas()

    def close(self) -> None:
        """Release the connection and any scratch files."""
        try:
            self.con.disconnect()
        except Exception:
            pass
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({self.source_label!r}, tables={self.names})"


def _duckdb_connect(path: str | None = None, *, read_only: bool = False,
                    memory_limit: str | None = None, threads: int | None = None,
                    scratch: Path | None = None):
    config = {}
    if memory_limit:
        config["memory_limit"] = str(memory_limit)
    if threads:
        config["threads"] = int(threads)
    if scratch is not None:
        config["temp_directory"] = str(scratch / "spill")
    kwargs = {"read_only": True} if read_only else {}
    return ibis.duckdb.connect(path or ":memory:", **kwargs, **config)


def _open_connection(con, mapping: dict, label: str) -> Workspace:
    try:
        available = set(con.list_tables())
    except Exception as exc:
        raise DataError(f"{label}: cannot list tables ({exc})") from None
    tables, origins, doubled, unmatched = {}, {}, {}, {}
    for tname in CONTRACT:
        source_name = mapping.get(tname, {}).get("file") or tname
        if source_name not in available and mapping.get(tname, {}).get("file"):
            unmatched[tname] = source_name
        if source_name in available:
            tables[tname], mapped_twice = _apply_mapping(con.table(source_name), tname, mapping)
            if mapped_twice:
                doubled[tname] = mapped_twice
            origins[tname] = f"table {source_name}"
    return Workspace(con, tables, origins, label, duplicate_columns=doubled, mapping=mapping,
                     unmatched=unmatched)
