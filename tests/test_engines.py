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
from pg_server import PASSWORD_ENV, require_postgres, start_postgres

from helpers import cli, datasets, features, sample_world, validation
from helpers.contract import CONTRACT

AS_OF = "2026-06-30"
SPARK_OPT_IN = "WORKBOOK_TEST_SPARK"


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


def require_spark():
    """Return the pyspark module, or skip (fail under ``CI=true``) without pyspark or Java."""
    import importlib.util
    import shutil

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
        pytest.skip(f"Spark equality test is slow; set {SPARK_OPT_IN}=1 (always runs in CI)")


@pytest.fixture(scope="session")
def spark_ws(world_dir, tmp_path_factory):
    """The world as Spark tables in a local-mode session (one per test session)."""
    require_spark()
    import ibis
    from pyspark.sql import SparkSession

    warehouse = tmp_path_factory.mktemp("spark_warehouse")
    # Small local settings: one shuffle partition and no UI keep a tiny test world quick.
    spark = (
        SparkSession.builder.master("local[2]").appName("workbook-tests")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.driver.extraJavaOptions", "-Dderby.system.home=" + str(warehouse))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        con = ibis.pyspark.connect(spark)
        for name in CONTRACT:
            path = world_dir / f"{name}.parquet"
            if path.exists():
                con.read_parquet(path, table_name=name)
        yield datasets.open_connection(con, label="spark (local)")
    finally:
        spark.stop()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_spark_features_equal_duckdb(spark_ws, duckdb_ws):
    options = {"windows": (90, 365, 730)}
    on_spark = features.account_features(spark_ws, AS_OF, **options)
    on_duck = features.account_features(duckdb_ws, AS_OF, **options)
    assert_same_features(on_spark, on_duck)
