"""Shared by the engine tests: whole `workbook run`s in a subprocess and export comparison.

``tests/test_engine_runs.py`` (PostgreSQL) and ``tests/test_engine_runs_spark.py`` (Spark)
run the same notebooks on the same small world as the DuckDB run (``duckdb_run`` in
``conftest.py``, done once per session) and compare every ``exports/*.csv`` with
:func:`assert_same_exports`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).parents[1]
AS_OF = "2026-06-30"
# Notebooks that build on the account features and write exports. The others with exports
# (customer_profiling, kpi_monitoring, content_evaluation) add about 20 s each per engine.
NOTEBOOKS = ["customer_value", "customer_segmentation"]
# The world every engine run reads: small, so that a whole run takes seconds on DuckDB.
WORLD = {"accounts": 300, "seed": 11}
RTOL = 1e-6
SPARK_OPT_IN = "WORKBOOK_TEST_SPARK"
# Query string of the test ``pyspark://`` URLs: two local cores, one shuffle partition for
# a tiny world, and only the JVM's quick compiler, which halves the start-up of every query
# in short-lived sessions (each notebook kernel starts its own JVM).
SPARK_TEST_SETTINGS = ("spark.master=local[2]&spark.sql.shuffle.partitions=1"
                       "&spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1")


class WorkbookRun:
    """``workbook run NOTEBOOKS --data <data>`` in a subprocess, started at once."""

    def __init__(self, engine: str, data: str, reports: Path, env: dict | None = None,
                 jobs: int = 2):
        self.engine, self.data, self.reports = engine, data, reports
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "helpers.cli", "run", *NOTEBOOKS, "--data", data,
             "--as-of", AS_OF, "--reports-dir", str(reports), "--jobs", str(jobs)],
            cwd=ROOT, env=env if env is not None else dict(os.environ),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self._output: str | None = None

    def exports(self, timeout: float = 600) -> Path:
        """Wait for the run; return its ``exports`` folder (the run must have succeeded)."""
        if self._output is None:
            try:
                self._output = self._proc.communicate(timeout=timeout)[0]
            except subprocess.TimeoutExpired:
                self.kill()
                raise
        assert self._proc.returncode == 0, \
            f"{self.engine} run failed:\n{self._output[-4000:]}"
        runs = [p for p in self.reports.iterdir() if p.is_dir() and not p.name.startswith(".")]
        assert len(runs) == 1, f"{self.engine}: expected one run folder, found {runs}"
        record = json.loads((runs[0] / "run.json").read_text(encoding="utf-8"))
        assert list(record["data"]) == [self.data], f"{self.engine}: ran on {record['data']}"
        return runs[0] / "exports"

    def kill(self) -> None:
        """Stop the run if it is still going (a timeout or an aborted test session)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


def _id_column(frame: pd.DataFrame) -> str:
    ids = [c for c in frame.columns if c == "id" or c.endswith("_id")]
    return ids[0] if ids else frame.columns[0]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a canonical order: by the first id column, then by every text column.

    Exports with several rows per account (say one per product line) need the extra text
    keys; numeric columns are left out of the key, as they may differ in the last bits.
    """
    key = _id_column(frame)
    text = [c for c in frame.columns if c != key and not pd.api.types.is_numeric_dtype(frame[c])]
    keys = [key, *text]
    return frame.sort_values(keys, kind="mergesort", na_position="last").reset_index(drop=True)


def assert_same_export(left: pd.DataFrame, right: pd.DataFrame, name: str) -> None:
    """Same columns and rows; numbers equal to ``RTOL``, everything else exactly."""
    assert list(left.columns) == list(right.columns), name
    assert len(left) == len(right), f"{name}: {len(left)} rows vs {len(right)}"
    left, right = _sorted(left), _sorted(right)
    for col in left.columns:
        a, b = left[col], right[col]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x, y = a.to_numpy(dtype="float64"), b.to_numpy(dtype="float64")
            close = np.isclose(x, y, rtol=RTOL, atol=1e-9, equal_nan=True)
            bad = np.flatnonzero(~close)
            assert not len(bad), (f"{name}.{col}: {len(bad)} values differ, first at "
                                  f"{left.loc[bad[0], _id_column(left)]}: {x[bad[0]]} vs "
                                  f"{y[bad[0]]}")
        else:
            x, y = a.astype("string").fillna("<NA>"), b.astype("string").fillna("<NA>")
            bad = np.flatnonzero((x != y).to_numpy())
            assert not len(bad), (f"{name}.{col}: {len(bad)} values differ, first at "
                                  f"{left.loc[bad[0], _id_column(left)]}: {x[bad[0]]!r} vs "
                                  f"{y[bad[0]]!r}")


def assert_same_exports(other: Path, duckdb: Path) -> None:
    """The same export files, each equal by :func:`assert_same_export`."""
    on_duck = sorted(p.name for p in duckdb.glob("*.csv"))
    on_other = sorted(p.name for p in other.glob("*.csv"))
    assert on_other == on_duck
    assert {"account_value.csv", "account_segments.csv"} <= set(on_duck)
    for name in on_duck:
        assert_same_export(pd.read_csv(other / name), pd.read_csv(duckdb / name), name)


def require_spark() -> None:
    """Skip (fail under ``CI=true``) without pyspark or Java; outside CI, skip unless opted in."""
    missing = []
    if importlib.util.find_spec("pyspark") is None:
        missing.append("pyspark (pip install -e '.[spark]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing.append("Java 17 (java on PATH or JAVA_HOME)")
    in_ci = os.environ.get("CI") == "true"
    if missing:
        reason = "Spark tests need " + " and ".join(missing)
        if in_ci:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    if not in_ci and os.environ.get(SPARK_OPT_IN) != "1":
        # Starting the JVM and planning each query takes a minute or more even on a tiny
        # world, so developers opt in; CI always runs it.
        pytest.skip(f"Spark tests are slow; set {SPARK_OPT_IN}=1 (always run in CI)")
