"""Opening a data source (folder, DuckDB file, database URL, Spark warehouse); its fingerprint."""

from __future__ import annotations

import hashlib
import os
from urllib.parse import quote, urlsplit, urlunsplit

import ibis

from helpers.core.errors import DataError
from helpers.core.paths import is_url, resolve
from helpers.data.contract import CONTRACT
from helpers.data.datasets.files import FILE_SUFFIXES, _open_folder
from helpers.data.datasets.mapping import load_mapping
from helpers.data.datasets.spark import SPARK_SCHEME, _open_spark, spark_table_path, spark_warehouse
from helpers.data.datasets.workspace import Workspace, _duckdb_connect, _open_connection, redact_url

__all__ = [
    "fingerprint",
    "open_connection",
    "open_workspace",
    "with_password",
]


def with_password(url: str, password_env: str | None) -> str:
    """``url`` with the password from the environment variable ``password_env`` filled in.

    A URL that already has a password, or a user-less URL, or an unset variable, is returned
    unchanged; the password is percent-encoded.
    """
    parts = urlsplit(url)
    if parts.password is not None or not password_env:
        return url
    secret = os.environ.get(password_env)
    if not secret or not parts.username:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:{quote(secret, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def open_workspace(source: str | os.PathLike, *, mapping_file: str | os.PathLike | None = None,
                   password_env: str | None = None, memory_limit: str | None = None,
                   threads: int | None = None) -> Workspace:
    """Open a data source as a :class:`Workspace`.

    Parameters
    ----------
    source : str or path-like
        Folder of table files, ``.duckdb`` file, database URL, or ``pyspark://`` warehouse
        folder (see :func:`spark_warehouse`). Relative paths are taken from the project root.
    mapping_file : path-like, optional
        Column-mapping YAML (see :func:`load_mapping`).
    password_env : str, optional
        Environment variable holding the database password for URL sources.
    memory_limit : str, optional
        DuckDB memory limit such as ``"3GB"``; larger work spills to disk. Spark takes its
        memory settings from the URL (``?spark.driver.memory=8g``).
    threads : int, optional
        DuckDB worker threads (default: all cores).

    Returns
    -------
    Workspace
    """
    mapping = load_mapping(mapping_file)
    text = str(source)
    if is_url(text):
        label = redact_url(text)
        if text.startswith("duckdb://"):
            text = text.removeprefix("duckdb://")
        elif text.startswith(SPARK_SCHEME):
            return _open_spark(text, mapping)
        else:
            try:
                con = ibis.connect(with_password(text, password_env))
            except Exception as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise DataError(
                    f"cannot connect to {label}: {redact_url(first)}. Check the URL in "
                    f"data_source and that ${password_env or 'WORKBOOK_DB_PASSWORD'} holds the password"
                ) from None
            return _open_connection(con, mapping, label)
    path = resolve(text)
    if path.is_dir():
        return _open_folder(path, text, mapping, memory_limit, threads)
    if path.is_file() and path.suffix.lower() in (".duckdb", ".db", ".ddb"):
        try:
            con = _duckdb_connect(str(path), read_only=True, memory_limit=memory_limit,
                                  threads=threads)
        except Exception as exc:
            raise DataError(f"{path.name}: cannot be opened as a DuckDB database ({exc})") from None
        return _open_connection(con, mapping, text)
    raise DataError(
        f"data source {text!r} not found: expected a folder of <table>.csv/.parquet/.xlsx "
        "files, a .duckdb file or a database URL. Set data_source in params/workbook.yaml "
        "(or run `workbook sample-data` for the sample world)."
    )


def fingerprint(source: str | os.PathLike) -> str:
    """A short, stable hash of a data source's identity and contents.

    Folders and files hash the names, sizes and modification times of the table files, so
    a changed input gives a new fingerprint without reading gigabytes. URLs hash the
    redacted URL; a ``pyspark://`` warehouse adds its Parquet files like a folder.
    """
    h = hashlib.sha256()
    text = str(source)
    if is_url(text):
        h.update(redact_url(text).encode())
        if text.startswith(SPARK_SCHEME) and text.removeprefix(SPARK_SCHEME)[:1] not in "?":
            warehouse = spark_warehouse(text)[0]
            for name in CONTRACT:
                path = spark_table_path(warehouse, name)
                files = [] if path is None else [path] if path.is_file() else sorted(
                    path.rglob("*.parquet"))
                for f in files:
                    st = f.stat()
                    h.update(f"{f.relative_to(warehouse)}|{st.st_size}|{st.st_mtime_ns}\n"
                             .encode())
        return h.hexdigest()[:16]
    path = resolve(text)
    files = sorted(path.iterdir()) if path.is_dir() else [path] if path.exists() else []
    for f in files:
        if f.is_file() and (f.suffix.lower() in FILE_SUFFIXES or f.suffix == ".duckdb"):
            st = f.stat()
            h.update(f"{f.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def open_connection(con, *, mapping_file: str | os.PathLike | None = None,
                    label: str | None = None) -> Workspace:
    """Wrap an open Ibis connection as a :class:`Workspace`.

    For engines set up in code rather than by URL, such as a Spark session with tables
    registered from a lake (``ibis.pyspark.connect(spark)``).

    Parameters
    ----------
    con : ibis backend
        A connection whose tables carry the contract (or mapped) names.
    mapping_file : path-like, optional
        Column-mapping YAML (see :func:`load_mapping`).
    label : str, optional
        Name of the source in messages (default: the backend's name).

    Returns
    -------
    Workspace
    """
    return _open_connection(con, load_mapping(mapping_file), label or con.name)
