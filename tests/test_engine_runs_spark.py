"""A full `workbook run` on Spark (local mode) writes the same export CSVs as on DuckDB.

The small world of the PostgreSQL comparison is loaded into a Spark warehouse folder with
``workbook load --to pyspark://<folder>`` (one Parquet folder per table, no metastore), and
the same notebooks run with ``--data pyspark://<folder>``: each notebook kernel starts its
own local Spark session and registers the warehouse tables. Every ``exports/*.csv`` must
equal the DuckDB run's (shared with ``tests/test_engine_runs.py``), to the same tolerance.

Like the other Spark tests, this one skips without pyspark or Java and, outside CI, unless
``WORKBOOK_TEST_SPARK=1``; under ``CI=true`` it always runs and fails if Spark is missing.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from engine_compare import (
    AS_OF,
    SPARK_TEST_SETTINGS,
    WorkbookRun,
    assert_same_exports,
    require_spark,
)

from helpers import cli
from helpers.core.errors import DataError
from helpers.data import datasets, loading
from helpers.data.contract import CONTRACT

# A line of Spark's own log, such as "26/11/25 12:25:30 WARN Utils: ..."
SPARK_LOG_LINE = re.compile(r"\d\d/\d\d/\d\d \d\d:\d\d:\d\d (?:WARN|INFO|ERROR) ")


@pytest.fixture(scope="module")
def spark_runs(request, engine_world, tmp_path_factory):
    """Load the world into a warehouse, run the notebooks on it; return both exports."""
    require_spark()
    duckdb = request.getfixturevalue("duckdb_run")  # starts now unless already done
    base = tmp_path_factory.mktemp("spark_run")
    warehouse = base / "warehouse"
    code = cli.main(["load", "--from", str(engine_world), "--to", f"pyspark://{warehouse}",
                     "--as-of", AS_OF])
    assert code == 0, "workbook load into a Spark warehouse failed"
    run = WorkbookRun("spark", f"pyspark://{warehouse}?{SPARK_TEST_SETTINGS}", base / "reports")
    try:
        exports = {"duckdb": duckdb.exports(), "spark": run.exports()}
    finally:
        run.kill()
    return exports


@pytest.mark.slow
def test_spark_run_exports_equal_duckdb(spark_runs):
    assert_same_exports(spark_runs["spark"], spark_runs["duckdb"])


@pytest.mark.slow
def test_spark_start_up_stays_out_of_notebook_outputs(spark_runs):
    # The JVM inherits the kernel's stdout/stderr; its start-up lines would land in the
    # analyst report without the redirect in helpers.data.datasets.
    run_folder = spark_runs["spark"].parent
    for notebook in run_folder.glob("*.ipynb"):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        text = "".join("".join(out.get("text", ""))
                       for cell in cells for out in cell.get("outputs", []))
        assert "log4j" not in text and not SPARK_LOG_LINE.search(text), notebook.name


# ------------------------------------------------------------ no JVM needed below


def test_load_writes_a_parquet_warehouse_without_spark(csv_folder, tmp_path, tables):
    warehouse = tmp_path / "lake"
    url = f"pyspark://{warehouse}"
    assert loading.target_kind(url) == "spark"
    counts = loading.load_folder(csv_folder, url, as_of=AS_OF)
    assert counts == {name: len(tables[name]) for name in CONTRACT}
    # one Parquet folder per table, in contract types (CSV text arrives typed)
    assert sorted(p.name for p in warehouse.iterdir()) == sorted(CONTRACT)
    schema = pq.read_schema(warehouse / "orders" / "part-00000.parquet")
    assert str(schema.field("amount").type) == "double"
    assert str(schema.field("order_date").type) == "date32[day]"
    assert str(pq.read_schema(warehouse / "interactions" / "part-00000.parquet")
               .field("timestamp").type) == "timestamp[us]"
    before = datasets.fingerprint(url)
    with pytest.raises(DataError, match="--replace"):
        loading.load_folder(csv_folder, url, as_of=AS_OF)
    tables["orders"] = tables["orders"].iloc[:2]
    changed = tmp_path / "changed"
    changed.mkdir()
    for name, frame in tables.items():
        frame.to_csv(changed / f"{name}.csv", index=False)
    assert loading.load_folder(changed, url, as_of=AS_OF, replace=True)["orders"] == 2
    assert pq.read_table(warehouse / "orders").num_rows == 2
    assert not [p for p in warehouse.iterdir() if p.name.startswith(".")]  # no staging left
    assert datasets.fingerprint(url) != before


def test_spark_urls_name_a_warehouse_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    assert datasets.spark_warehouse("pyspark:///srv/lake") == (Path("/srv/lake"), {})
    folder, settings = datasets.spark_warehouse("pyspark://data/lake?spark.driver.memory=8g")
    assert folder == tmp_path / "data" / "lake" and settings == {"spark.driver.memory": "8g"}
    (tmp_path / "lake" / "orders").mkdir(parents=True)
    (tmp_path / "lake" / "orders" / "part-0.parquet").touch()
    (tmp_path / "lake" / "accounts.parquet").touch()
    (tmp_path / "lake" / "surveys").mkdir()  # no Parquet inside: not a table
    found = {n: datasets.spark_table_path(tmp_path / "lake", n) for n in CONTRACT}
    assert {n for n, p in found.items() if p} == {"orders", "accounts"}
    with pytest.raises(DataError, match="not found"):
        datasets.open_workspace("pyspark://nowhere")
    with pytest.raises(DataError, match="name the warehouse folder"):
        datasets.open_workspace("pyspark://")
    assert datasets.fingerprint("pyspark://")  # run.json of a failed run still gets one


def test_missing_spark_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Java 17"):
        require_spark()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="Java 17"):
        require_spark()
