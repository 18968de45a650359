"""Spark warehouses (``pyspark://``): a local session, one registered table per contract table."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl

import ibis

from helpers.core.errors import DataError
from helpers.core.paths import resolve
from helpers.data.contract import CONTRACT
from helpers.data.datasets.workspace import Workspace, _open_connection, redact_url

__all__ = [
    "SPARK_DEFAULTS",
    "SPARK_SCHEME",
    "spark_table_path",
    "spark_warehouse",
]


SPARK_SCHEME = "pyspark://"

# Spark settings for the session a ``pyspark://`` source starts; the URL's query string
# (``?spark.sql.shuffle.partitions=64``) overrides them. No UI and no console progress bars
# (they would end up in notebook outputs), few shuffle partitions for workbook-sized
# tables, and UTC so that dates and timestamps read as in the other engines.
SPARK_DEFAULTS = {
    "spark.app.name": "workbook",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
}


def spark_warehouse(url: str) -> tuple[Path, dict[str, str]]:
    """The warehouse folder and Spark settings of a ``pyspark://`` URL.

    ``pyspark:///srv/lake/crm`` is the absolute folder ``/srv/lake/crm``;
    ``pyspark://data/lake`` is relative to the project root. Query parameters are Spark
    settings: ``pyspark:///srv/lake/crm?spark.driver.memory=8g``.
    """
    rest = str(url).removeprefix(SPARK_SCHEME)
    path, _, query = rest.partition("?")
    if not path:
        raise DataError(f"{url}: name the warehouse folder, as in pyspark:///path/to/warehouse")
    return resolve(path), dict(parse_qsl(query))


def spark_table_path(warehouse: Path, name: str) -> Path | None:
    """Where table ``name`` lies in a Spark warehouse folder, or ``None``.

    A ``<name>/`` folder of Parquet part files (what ``saveAsTable`` and ``workbook load``
    write) or a ``<name>.parquet`` file or folder.
    """
    for candidate in (warehouse / name, warehouse / f"{name}.parquet"):
        if candidate.is_file() and candidate.suffix == ".parquet":
            return candidate
        if candidate.is_dir() and next(candidate.rglob("*.parquet"), None) is not None:
            return candidate
    return None


@contextlib.contextmanager
def _jvm_output_to(log: Path):
    """Send what a JVM started in the block prints to ``log`` instead of notebook outputs.

    PySpark starts the JVM with this process's stdout and stderr, which a notebook kernel
    captures into the cell: Spark's start-up chatter would end up in the analyst report.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # no standard streams to begin with (a daemon): nothing to redirect
        yield
        return
    try:
        with log.open("ab") as fh:
            os.dup2(fh.fileno(), 1)
            os.dup2(fh.fileno(), 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _last_line(path: Path) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def _spark_session(conf: dict[str, str], label: str):
    """The process's Spark session, started with ``conf`` unless one is running already."""
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession
    except ImportError:
        raise DataError(f"{label} needs pyspark and Java 17: pip install -e '.[spark]'") from None
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    if SparkContext._gateway is not None:  # the JVM runs already; nothing new to print
        return builder.getOrCreate()
    scratch = Path(tempfile.mkdtemp(prefix="workbook-spark-"))
    atexit.register(shutil.rmtree, scratch, True)
    log = scratch / "spark.log"
    try:
        with _jvm_output_to(log):
            return builder.getOrCreate()
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        detail = _last_line(log)
        raise DataError(f"{label}: cannot start Spark ({first})"
                        + (f"; Spark said: {detail}" if detail else "")
                        + ". Spark needs Java 17 (java on PATH or JAVA_HOME)") from None


def _open_spark(url: str, mapping: dict) -> Workspace:
    label = redact_url(url)
    warehouse, settings = spark_warehouse(url)
    if not warehouse.is_dir():
        raise DataError(f"Spark warehouse folder {warehouse} not found; check data_source, or "
                        f"fill it with `workbook load --from <folder> --to {SPARK_SCHEME}{warehouse}`")
    conf = {**SPARK_DEFAULTS, "spark.sql.warehouse.dir": str(warehouse), **settings}
    session = _spark_session(conf, label)
    try:
        session.sparkContext.setLogLevel("ERROR")
        # Ibis sets a few runtime settings of its own; static ones (the warehouse) stay put.
        con = ibis.pyspark.connect(session)
        for tname in CONTRACT:
            source_name = mapping.get(tname, {}).get("file") or tname
            path = spark_table_path(warehouse, source_name)
            if path is not None:
                con.read_parquet(str(path), table_name=source_name)
            else:
                # no stale view from another warehouse opened earlier in this process; a
                # table of the session's metastore by that name still counts
                session.catalog.dropTempView(source_name)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{label}: cannot read the Spark warehouse {warehouse} ({first})") from None
    return _open_connection(con, mapping, label)
