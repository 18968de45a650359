"""Open a data source as a workspace of contract tables.

This is the only package that reads user data. A source is one of:

* a folder of files named after the tables (``accounts.csv``, ``orders.parquet``,
  ``surveys.xlsx``); CSV may be UTF-8, UTF-8 with BOM, GBK or UTF-16 with BOM (Excel's
  "Unicode Text", comma- or tab-separated);
* a DuckDB database file (``*.duckdb``);
* a database URL that Ibis understands (``postgresql://analyst@db/crm``). The password
  is never part of the URL: it is read from the environment variable named by
  ``password_env``;
* a Spark warehouse, ``pyspark:///abs/path/warehouse`` (or ``pyspark://relative/path``
  from the project root): a folder with one Parquet table per contract table, as
  ``<table>/`` (the layout Spark and ``workbook load`` write) or ``<table>.parquet``. A
  local Spark session is started and the tables are registered in it, so every process,
  say each notebook kernel, sees the same tables without a shared metastore.

Folders and DuckDB files are opened with an embedded DuckDB engine, so every later
aggregation runs in the engine rather than in pandas.

The workspace itself is in :mod:`~helpers.data.datasets.workspace`; the mapping file,
folders of files and Spark warehouses each have their module, and
:mod:`~helpers.data.datasets.sources` opens a source.
"""

from __future__ import annotations

from helpers.data.datasets.files import (
    FILE_SUFFIXES,
    SIDE_FILES,
)
from helpers.data.datasets.mapping import (
    DEFAULT_VALUE,
    MAPPING_KEYS,
    load_mapping,
)
from helpers.data.datasets.sources import (
    fingerprint,
    open_connection,
    open_workspace,
)
from helpers.data.datasets.spark import (
    SPARK_DEFAULTS,
    SPARK_SCHEME,
    spark_table_path,
    spark_warehouse,
)
from helpers.data.datasets.workspace import (
    LOGICAL_TO_IBIS,
    Workspace,
    redact_url,
)

__all__ = [
    "DEFAULT_VALUE",
    "FILE_SUFFIXES",
    "LOGICAL_TO_IBIS",
    "MAPPING_KEYS",
    "SIDE_FILES",
    "SPARK_DEFAULTS",
    "SPARK_SCHEME",
    "Workspace",
    "fingerprint",
    "load_mapping",
    "open_connection",
    "open_workspace",
    "redact_url",
    "spark_table_path",
    "spark_warehouse",
]
