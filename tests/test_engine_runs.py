"""A full `workbook run` on PostgreSQL writes the same export CSVs as on DuckDB.

A small sample world is read once as a folder (DuckDB) and once from a throwaway
PostgreSQL server it was loaded into. The notebooks that export account tables run on
each, and every ``exports/*.csv`` pair must match: same files, columns and rows, numbers
equal to a relative 1e-6 (floating sums are added up in another order by each engine),
strings equal. Without PostgreSQL binaries the test skips; under ``CI=true`` it fails.
The DuckDB run is shared with the Spark comparison (``tests/test_engine_runs_spark.py``).
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from engine_compare import AS_OF, WorkbookRun, assert_same_export, assert_same_exports
from pg_server import PASSWORD_ENV, require_postgres, start_postgres

from helpers.data import loading

# The variable the notebooks read the database password from (password_env in
# params/workbook.yaml).
RUN_PASSWORD_ENV = "WORKBOOK_DB_PASSWORD"


@pytest.fixture(scope="module")
def engine_runs(request, engine_world, tmp_path_factory):
    """Run the notebooks on PostgreSQL (while the DuckDB run goes on); return both exports."""
    bin_dir = require_postgres()
    duckdb = request.getfixturevalue("duckdb_run")  # starts now unless already done
    base = tmp_path_factory.mktemp("engine_runs")
    server = start_postgres(bin_dir)
    saved = os.environ.get(PASSWORD_ENV)
    os.environ[PASSWORD_ENV] = server.password
    run = None
    try:
        loading.load_folder(engine_world, server.url, password_env=PASSWORD_ENV, as_of=AS_OF)
        env = {**os.environ, RUN_PASSWORD_ENV: server.password}
        run = WorkbookRun("postgres", server.url, base / "postgres", env=env)
        exports = {"duckdb": duckdb.exports(), "postgres": run.exports()}
    finally:
        if run is not None:
            run.kill()
        server.stop()
        if saved is None:
            os.environ.pop(PASSWORD_ENV, None)
        else:
            os.environ[PASSWORD_ENV] = saved
    return exports, base, server.password


@pytest.mark.slow
def test_postgres_run_exports_equal_duckdb(engine_runs):
    exports, _, _ = engine_runs
    assert_same_exports(exports["postgres"], exports["duckdb"])


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
