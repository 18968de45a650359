"""A full `workbook run` on PostgreSQL writes the same export CSVs as on DuckDB.

A small sample world is read once as a folder (DuckDB) and once from a throwaway
PostgreSQL server it was loaded into. The notebooks that export account tables run on
each, and every ``exports/*.csv`` pair must match: same files, columns and rows, numbers
equal to a relative 1e-6 (floating sums are added up in another order by each engine),
strings equal. Without PostgreSQL binaries the test skips; under ``CI=true`` it fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pg_server import PASSWORD_ENV, require_postgres, start_postgres

from helpers import loading, sample_world

ROOT = Path(__file__).parents[1]
AS_OF = "2026-06-30"
# Notebooks that build on the account features and write exports. The others with exports
# (customer_profiling, kpi_monitoring, content_evaluation) add about 20 s each per engine.
NOTEBOOKS = ["customer_value", "customer_segmentation"]
# The variable the notebooks read the database password from (password_env in
# params/workbook.yaml).
RUN_PASSWORD_ENV = "WORKBOOK_DB_PASSWORD"
RTOL = 1e-6


@pytest.fixture(scope="module")
def engine_runs(tmp_path_factory):
    """Run the notebooks on DuckDB and on PostgreSQL; return both exports folders."""
    bin_dir = require_postgres()
    base = tmp_path_factory.mktemp("engine_runs")
    world = base / "world"
    sample_world.generate_world(world, accounts=300, seed=11)
    server = start_postgres(bin_dir)
    saved = os.environ.get(PASSWORD_ENV)
    os.environ[PASSWORD_ENV] = server.password
    procs: dict[str, subprocess.Popen] = {}
    try:
        loading.load_folder(world, server.url, password_env=PASSWORD_ENV, as_of=AS_OF)
        env = {**os.environ, RUN_PASSWORD_ENV: server.password}
        sources = {"duckdb": str(world), "postgres": server.url}
        procs = {
            engine: subprocess.Popen(
                [sys.executable, "-m", "helpers.cli", "run", *NOTEBOOKS, "--data", data,
                 "--as-of", AS_OF, "--reports-dir", str(base / engine), "--jobs", "2"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True,
            )
            for engine, data in sources.items()
        }
        outputs = {engine: proc.communicate(timeout=600)[0] for engine, proc in procs.items()}
        for engine, proc in procs.items():
            assert proc.returncode == 0, f"{engine} run failed:\n{outputs[engine][-4000:]}"
    finally:
        for proc in procs.values():
            if proc.poll() is None:  # a run that timed out
                proc.kill()
                proc.wait()
        server.stop()
        if saved is None:
            os.environ.pop(PASSWORD_ENV, None)
        else:
            os.environ[PASSWORD_ENV] = saved
    exports = {}
    for engine in sources:
        runs = [p for p in (base / engine).iterdir()
                if p.is_dir() and not p.name.startswith(".")]
        assert len(runs) == 1, f"{engine}: expected one run folder, found {runs}"
        record = json.loads((runs[0] / "run.json").read_text(encoding="utf-8"))
        assert list(record["data"]) == [sources[engine]], f"{engine}: ran on {record['data']}"
        exports[engine] = runs[0] / "exports"
    return exports, base, server.password


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


@pytest.mark.slow
def test_postgres_run_exports_equal_duckdb(engine_runs):
    exports, _, _ = engine_runs
    on_duck = sorted(p.name for p in exports["duckdb"].glob("*.csv"))
    on_pg = sorted(p.name for p in exports["postgres"].glob("*.csv"))
    assert on_pg == on_duck
    assert {"account_value.csv", "account_segments.csv"} <= set(on_duck)
    for name in on_duck:
        duck = pd.read_csv(exports["duckdb"] / name)
        pg = pd.read_csv(exports["postgres"] / name)
        assert_same_export(pg, duck, name)


@pytest.mark.slow
def test_postgres_password_stays_out_of_reports(engine_runs):
    _, base, password = engine_runs
    leaks = [p.relative_to(base).as_posix() for p in base.rglob("*")
             if p.is_file() and password.encode() in p.read_bytes()]
    assert not leaks


def test_export_comparison_can_fail():
    frame = pd.DataFrame({"account_id": ["A2", "A1"], "tier": ["key", "growth"],
                          "clv": [1000.0, 250.0]})
    assert_same_export(frame.iloc[::-1], frame, "same rows, other order")
    changed = frame.copy()
    changed.loc[0, "clv"] *= 1 + 1e-4
    with pytest.raises(AssertionError, match="clv"):
        assert_same_export(changed, frame, "changed")
    relabelled = frame.assign(tier=["key", "maintain"])
    with pytest.raises(AssertionError, match="tier"):
        assert_same_export(relabelled, frame, "relabelled")
