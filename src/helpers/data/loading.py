"""Load a folder of CRM exports into a database, after validation (``workbook load``).

A team that starts from CSV/Parquet/XLSX exports can bootstrap a DuckDB file, a
PostgreSQL database or a Spark warehouse folder (``pyspark:///path``: one Parquet folder
per table, written without starting Spark) with the contract tables, then point
``data_source`` at it. Every table is written with canonical column names and contract
types, so the target is a valid workbook source as it is. Rows stream through in batches,
so tables larger than memory load too.
"""

from __future__ import annotations

import io
import os
import shutil
import warnings
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from helpers.core.errors import DataError, ValidationError
from helpers.core.paths import is_url, resolve
from helpers.data.contract import CONTRACT
from helpers.data.datasets import (
    SPARK_SCHEME,
    Workspace,
    open_workspace,
    redact_url,
    spark_table_path,
    spark_warehouse,
)
from helpers.data.validation import format_findings, has_errors, validate

__all__ = [
    "BATCH_ROWS",
    "DRIVERS",
    "DUCKDB_SUFFIXES",
    "check_driver",
    "connect_target",
    "contract_columns",
    "install_command",
    "load_folder",
    "load_workspace",
    "target_kind",
    "has_password",
]

DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
BATCH_ROWS = 250_000


def contract_columns(ws: Workspace, name: str):
    """Table ``name`` reduced to its contract columns, typed, in contract order.

    Columns outside the contract are left out: the database should hold only what the
    workbook reads, under the names it reads them by.
    """
    t = ws.table(name)
    return t.select(*[c for c in CONTRACT[name].column_names if c in t.columns])


def target_kind(target: str) -> str:
    """``"duckdb"``, ``"postgres"``, ``"spark"`` or ``"other"`` for a load target.

    Parameters
    ----------
    target : str
        A ``.duckdb`` path, ``duckdb://path``, ``pyspark://`` warehouse, or a database URL.
    """
    text = str(target)
    if text.startswith("duckdb://") or (not is_url(text)
                                        and Path(text).suffix.lower() in DUCKDB_SUFFIXES):
        return "duckdb"
    if text.startswith(("postgresql://", "postgres://")):
        return "postgres"
    if text.startswith(SPARK_SCHEME):
        return "spark"
    if is_url(text):
        return "other"
    raise DataError(f"load target {text!r} is neither a .duckdb file nor a database URL "
                    "(postgresql://user@host/db, password in the environment variable "
                    "given by --password-env)")


def connect_target(target: str, password_env: str | None = None):
    """Open a writable Ibis connection to a load target.

    Parameters
    ----------
    target : str
        A ``.duckdb`` path (created if missing) or a database URL without password. For a
        ``pyspark://`` warehouse the result is the warehouse folder (created if missing):
        its tables are Parquet files, written without Spark.
    password_env : str, optional
        Environment variable with the password for a URL target.
    """
    from helpers.data.datasets.sources import with_password

    kind = target_kind(target)
    text = str(target)
    if kind == "spark":
        warehouse = spark_warehouse(text)[0]
        warehouse.mkdir(parents=True, exist_ok=True)
        return warehouse
    if kind == "duckdb":
        path = resolve(text.removeprefix("duckdb://"))
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return ibis.duckdb.connect(str(path))
        except Exception as exc:
            raise DataError(f"{path.name}: cannot be opened for writing as a DuckDB "
                            f"database ({_first(exc)})") from None
    if has_password(text):
        raise DataError("the target URL contains a password; remove it and put the password "
                        f"in the environment variable ${password_env or 'WORKBOOK_DB_PASSWORD'}")
    check_driver(text, reading=False)
    try:
        return ibis.connect(with_password(text, password_env))
    except Exception as exc:
        raise DataError(f"cannot connect to {redact_url(text)}: {redact_url(_first(exc))}. "
                        f"Check the URL and that ${password_env or 'WORKBOOK_DB_PASSWORD'} "
                        "holds the password") from None


#: URL scheme -> (Python module the engine needs, extra of this package that installs it).
DRIVERS = {
    "postgresql": ("psycopg", "postgres"),
    "postgres": ("psycopg", "postgres"),
    "pyspark": ("pyspark", "spark"),
}


def install_command(extra: str) -> str:
    """The exact command that installs an optional extra: ``pip install -e '.[postgres]'``."""
    return f"pip install -e '.[{extra}]'"


def check_driver(source: str, *, reading: bool = True) -> None:
    """Refuse a database source whose client library is not installed.

    Parameters
    ----------
    source : str
        A data source or load target; paths and schemes without a known driver pass.
    reading : bool
        ``False`` for a load target: a ``pyspark://`` warehouse is written without Spark.

    Raises
    ------
    DataError
        Naming the missing module and the exact install command for the extra.
    """
    import importlib.util

    text = str(source)
    if not is_url(text):
        return
    scheme = text.split("://", 1)[0].lower().split("+", 1)[0]
    if scheme == "pyspark" and not reading:
        return
    need = DRIVERS.get(scheme)
    if need is None:
        return
    module, extra = need
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise DataError(
            f"cannot connect to {redact_url(text)}: the {module} client is not installed in "
            f"this environment; install it with: {install_command(extra)}"
        )


def has_password(url: str) -> bool:
    """Whether a URL carries a password."""
    from urllib.parse import urlsplit

    return is_url(url) and urlsplit(url).password is not None


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _write_duckdb(con, name: str, batches: pa.RecordBatchReader) -> None:
    raw = con.con
    view = f"_workbook_load_{name}"
    raw.register(view, batches)
    try:
        raw.execute(f"CREATE OR REPLACE TABLE {_quote(name)} AS SELECT * FROM {_quote(view)}")
    finally:
        raw.unregister(view)


def _write_postgres(con, name: str, schema, batches: pa.RecordBatchReader) -> None:
    # Ibis inserts row by row (executemany); COPY of CSV chunks is two orders faster.
    con.create_table(name, schema=schema, overwrite=True)
    columns = ", ".join(_quote(c) for c in schema.names)
    sql = f"COPY {_quote(name)} ({columns}) FROM STDIN (FORMAT csv, HEADER false)"
    options = pacsv.WriteOptions(include_header=False)
    raw = con.con
    with raw.cursor() as cur, raw.transaction(), cur.copy(sql) as copy:
        for batch in batches:
            buffer = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buffer, write_options=options)
            copy.write(buffer.getvalue())


def _write_spark(warehouse: Path, name: str, batches: pa.RecordBatchReader) -> int:
    """Write ``<warehouse>/<name>/part-00000.parquet``, replacing the table; return rows.

    The file is written next to the table and moved in place at the end, so a failed load
    leaves the old table as it was. Timestamps are stored in microseconds, which Spark reads.
    """
    staging = warehouse / f".{name}.loading-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    rows = 0
    try:
        with pq.ParquetWriter(staging / "part-00000.parquet", batches.schema,
                              coerce_timestamps="us", allow_truncated_timestamps=True) as out:
            for batch in batches:
                out.write_batch(batch)
                rows += batch.num_rows
        for old in (warehouse / name, warehouse / f"{name}.parquet"):
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
        staging.rename(warehouse / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return rows


def _write_other(con, name: str, schema, batches: pa.RecordBatchReader) -> None:
    con.create_table(name, schema=schema, overwrite=True)
    for batch in batches:
        con.insert(name, pa.Table.from_batches([batch]))


def load_workspace(ws: Workspace, con, kind: str, *, replace: bool = False,
                   batch_rows: int = BATCH_ROWS) -> dict[str, int]:
    """Write every contract table of a workspace into an open target connection.

    Parameters
    ----------
    ws : Workspace
        The source, normally a validated folder.
    con : ibis backend or pathlib.Path
        Writable target connection, or the warehouse folder for ``"spark"`` (see
        :func:`connect_target`).
    kind : {"duckdb", "postgres", "spark", "other"}
        How to write (see :func:`target_kind`).
    replace : bool
        Replace contract tables that already exist in the target.
    batch_rows : int
        Rows per streamed batch; bounds memory.

    Returns
    -------
    dict of str to int
        Rows written per table.
    """
    if kind == "spark":
        existing = {n for n in CONTRACT if spark_table_path(con, n) is not None}
    else:
        existing = set(con.list_tables())
    clash = [n for n in ws.names if n in existing]
    if clash and not replace:
        raise DataError(f"the target already has table(s) {', '.join(clash)}; pass --replace "
                        "to overwrite them")
    counts = {}
    for name in ws.names:
        expr = contract_columns(ws, name)
        schema = expr.schema()
        try:
            with warnings.catch_warnings():
                # Ibis 12 still calls DuckDB's deprecated batch reader; nothing to act on.
                warnings.filterwarnings("ignore", "fetch_record_batch", DeprecationWarning)
                batches = expr.to_pyarrow_batches(chunk_size=batch_rows)
                if kind == "spark":
                    counts[name] = _write_spark(con, name, batches)
                elif kind == "duckdb":
                    _write_duckdb(con, name, batches)
                elif kind == "postgres":
                    _write_postgres(con, name, schema, batches)
                else:
                    _write_other(con, name, schema, batches)
        except DataError:
            raise
        except Exception as exc:
            raise DataError(f"loading table {name!r} failed: {redact_url(_first(exc))}") from None
        if kind != "spark":  # the Parquet writer counted the rows it wrote
            counts[name] = int(con.table(name).count().to_pyarrow().as_py())
    return counts


def load_folder(source: str | os.PathLike, target: str, *, mapping_file=None,
                password_env: str | None = None, as_of=None, replace: bool = False,
                batch_rows: int = BATCH_ROWS) -> dict[str, int]:
    """Validate a folder of table files and load it into a database.

    Parameters
    ----------
    source : path-like
        Folder of ``<table>.csv/.parquet/.xlsx`` files (or a DuckDB file).
    target : str
        ``.duckdb`` path, ``pyspark://`` warehouse folder, or database URL without password.
    mapping_file : path-like, optional
        Column-mapping YAML, as for ``data_source``.
    password_env : str, optional
        Environment variable holding the target's password.
    as_of : date-like, optional
        Analysis date for the date checks of validation.
    replace : bool
        Overwrite contract tables already in the target.
    batch_rows : int
        Rows per streamed batch.

    Returns
    -------
    dict of str to int
        Rows loaded per table.

    Raises
    ------
    ValidationError
        When the folder has validation errors; nothing is written then.
    DataError
        When the source or target cannot be opened, or a table cannot be written.
    """
    if is_url(str(source)):
        raise DataError("--from takes a folder of table files (or a .duckdb file), not a URL")
    kind = target_kind(target)
    if kind == "duckdb" and not is_url(str(target)):
        if resolve(source) == resolve(target):
            raise DataError("--from and --to are the same file")
    with open_workspace(source, mapping_file=mapping_file) as ws:
        findings = validate(ws, as_of=as_of)
        if has_errors(findings):
            errors = [f for f in findings if f.severity == "error"]
            raise ValidationError("nothing was loaded; fix these first:\n"
                                  + format_findings(errors), errors)
        con = connect_target(target, password_env)
        try:
            return load_workspace(ws, con, kind, replace=replace, batch_rows=batch_rows)
        finally:
            if kind != "spark":
                con.disconnect()
