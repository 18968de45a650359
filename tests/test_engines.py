"""The same features on every engine: PostgreSQL (and Spark) against DuckDB.

A throwaway PostgreSQL server is started once per session, and a small sample world is
loaded into it with ``workbook load``. Without PostgreSQL binaries these tests skip; under
CI (``CI=true``) they fail instead, because there they must run. The Spark test starts a
JVM and is slow, so outside CI it runs only with ``WORKBOOK_TEST_SPARK=1``.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from engine_compare import SPARK_TEST_SETTINGS, require_spark
from pg_server import PASSWORD_ENV, require_postgres, start_postgres

from helpers import cli
from helpers.data import datasets, features, sample_world, validation

AS_OF = "2026-06-30"


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory):
    """A small sample world (Parquet), shared by the engine tests."""
    folder = tmp_path_factory.mktemp("engine_world")
    sample_world.generate_world(folder, accounts=240, seed=11)
    return folder


@pytest.fixture(scope="session")
def postgres_url(world_dir):
    """URL of a throwaway PostgreSQL server holding the world; the password is in the env."""
    bin_dir = require_postgres()
    server = start_postgres(bin_dir)
    saved = os.environ.get(PASSWORD_ENV)
    os.environ[PASSWORD_ENV] = server.password
    try:
        code = cli.main(["load", "--from", str(world_dir), "--to", server.url,
                         "--password-env", PASSWORD_ENV, "--as-of", AS_OF])
        assert code == 0, "workbook load into PostgreSQL failed"
        yield server.url
    finally:
        server.stop()
        if saved is None:
            os.environ.pop(PASSWORD_ENV, None)
        else:
            os.environ[PASSWORD_ENV] = saved


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Engine-neutral form: string columns as object, numbers as float, dates as ns."""
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.astype("datetime64[ns]")
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.astype("boolean")
        elif pd.api.types.is_numeric_dtype(s):
            out[col] = s.astype("float64")
        else:
            out[col] = s.astype("string")
    return out


def assert_same_features(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal columns, rows and values (floats to 1e-9 relative) after normalising."""
    assert list(left.columns) == list(right.columns)
    pd.testing.assert_frame_equal(normalise(left), normalise(right), check_exact=False,
                                  rtol=1e-9, atol=1e-9)


@pytest.fixture(scope="session")
def postgres_ws(postgres_url):
    with datasets.open_workspace(postgres_url, password_env=PASSWORD_ENV) as ws:
        yield ws


@pytest.fixture(scope="session")
def duckdb_ws(world_dir):
    with datasets.open_workspace(world_dir) as ws:
        yield ws


def test_postgres_holds_every_table_with_contract_types(postgres_ws, duckdb_ws):
    assert postgres_ws.names == duckdb_ws.names
    findings = validation.validate(postgres_ws, as_of=AS_OF)
    assert not validation.has_errors(findings), validation.format_findings(findings)
    for name in duckdb_ws.names:
        n_pg = int(postgres_ws.table(name).count().to_pyarrow().as_py())
        n_duck = int(duckdb_ws.table(name).count().to_pyarrow().as_py())
        assert n_pg == n_duck, name


@pytest.mark.parametrize(
    ("as_of", "options"),
    [
        (AS_OF, {}),
        ("2025-12-31", {"windows": (30, 90, 365, 730)}),
        ("2024-09-15", {"size_bands": (("small", 1), ("big", 1000))}),
    ],
)
def test_postgres_features_equal_duckdb(postgres_ws, duckdb_ws, as_of, options):
    on_pg = features.account_features(postgres_ws, as_of, **options)
    on_duck = features.account_features(duckdb_ws, as_of, **options)
    assert len(on_duck) > 100 and on_duck["revenue_total"].abs().sum() > 0
    assert_same_features(on_pg, on_duck)


def test_missing_postgres_fails_under_ci_and_skips_elsewhere(monkeypatch):
    import pg_server

    monkeypatch.setattr(pg_server, "find_bin_dir", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="initdb"):
        pg_server.require_postgres()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="initdb"):
        pg_server.require_postgres()


def test_normalised_comparison_can_fail(duckdb_ws):
    feats = features.account_features(duckdb_ws, AS_OF)
    changed = feats.copy()
    changed.loc[changed.index[5], "revenue_12m"] += 0.01
    with pytest.raises(AssertionError):
        assert_same_features(changed, feats)


# --------------------------------------------------------------------------- Spark


@pytest.fixture(scope="session")
def spark_ws(world_dir):
    """The world folder opened as a Spark warehouse (``pyspark://``, ``<table>.parquet``).

    A local-mode session in this process; the whole-run test reads a warehouse written by
    ``workbook load`` instead (``<table>/`` folders).
    """
    require_spark()
    with datasets.open_workspace(f"pyspark://{world_dir}?{SPARK_TEST_SETTINGS}") as ws:
        yield ws


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_spark_features_equal_duckdb(spark_ws, duckdb_ws):
    options = {"windows": (90, 365, 730)}
    on_spark = features.account_features(spark_ws, AS_OF, **options)
    on_duck = features.account_features(duckdb_ws, AS_OF, **options)
    assert_same_features(on_spark, on_duck)
