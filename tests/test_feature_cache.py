"""The feature cache: same result as computing, reused within a run, invalidated by change."""

from __future__ import annotations

import os
import threading
import time

import ibis
import pandas as pd
import pytest
from conftest import AS_OF, tiny_tables, write_tables

from helpers.data import datasets, features
from helpers.data.feature_cache import (
    cache_stats,
    cached_account_features,
    cached_frame,
    workspace_fingerprint,
)


@pytest.fixture
def folder(tmp_path):
    return write_tables(tiny_tables(), tmp_path / "data", "parquet")


@pytest.mark.parametrize("windows", [(90, 365), (365, 30, 45), (7,)])
def test_cached_features_equal_computed_ones(folder, tmp_path, windows):
    with datasets.open_workspace(folder) as ws:
        direct = features.account_features(ws, AS_OF, windows=windows)
        first = cached_account_features(ws, AS_OF, tmp_path / "run", windows=windows)
        again = cached_account_features(ws, AS_OF, tmp_path / "run", windows=windows)
    pd.testing.assert_frame_equal(first, direct)
    pd.testing.assert_frame_equal(again, direct)
    assert cache_stats(tmp_path / "run") | {"seconds_hit": 0, "seconds_miss": 0} == {
        "hits": 1, "misses": 1, "hit_rate": 0.5, "seconds_hit": 0, "seconds_miss": 0}


def test_notebooks_with_different_windows_share_one_entry(folder, tmp_path):
    run = tmp_path / "run"
    with datasets.open_workspace(folder) as ws:
        cached_account_features(ws, AS_OF, run)
        cached_account_features(ws, AS_OF, run, windows=(90, 365, 730))
        cached_account_features(ws, AS_OF, run, windows=(180,))
        cached_account_features(ws, "2026-03-31", run)  # another date is another entry
    assert len(list((run / "cache").glob("account_features-*.parquet"))) == 2
    stats = cache_stats(run)
    assert (stats["hits"], stats["misses"]) == (2, 2)


def test_changed_input_invalidates(tmp_path, folder):
    run = tmp_path / "run"
    with datasets.open_workspace(folder) as ws:
        before = cached_account_features(ws, AS_OF, run)
    tables = tiny_tables()
    extra = pd.DataFrame({"order_id": ["O9"], "account_id": ["A3"],
                          "order_date": [pd.Timestamp("2026-06-01").date()],
                          "amount": [700.0], "gross_margin": [70.0], "product_line": ["Sensors"]})
    tables["orders"] = pd.concat([tables["orders"], extra], ignore_index=True)
    write_tables({"orders": tables["orders"]}, folder, "parquet")
    # a rewrite within the same clock tick must still count as a change
    stamp = (folder / "orders.parquet").stat().st_mtime_ns + 5_000_000_000
    os.utime(folder / "orders.parquet", ns=(stamp, stamp))
    with datasets.open_workspace(folder) as ws:
        after = cached_account_features(ws, AS_OF, run)
    row = after.set_index("account_id").loc["A3"]
    assert row["order_count"] == 1 and row["revenue_total"] == 700.0
    assert before.set_index("account_id").loc["A3", "order_count"] == 0
    assert cache_stats(run)["misses"] == 2


def test_size_bands_and_refresh_change_the_result(folder, tmp_path):
    run = tmp_path / "run"
    bands = (("small", 1), ("big", 1000))
    with datasets.open_workspace(folder) as ws:
        default = cached_account_features(ws, AS_OF, run)
        custom = cached_account_features(ws, AS_OF, run, size_bands=bands)
        cached_account_features(ws, AS_OF, run, size_bands=bands, refresh=True)
    assert list(custom["size_band"].cat.categories) == ["small", "big"]
    assert list(default["size_band"].cat.categories) != ["small", "big"]
    assert cache_stats(run)["misses"] == 3


class _Memory:
    """A source without a label: fingerprinted by its row counts and latest dates."""

    def __init__(self, tables: dict[str, pd.DataFrame]):
        self._t = {k: ibis.memtable(v) for k, v in tables.items()}

    def has(self, name):
        return name in self._t

    def table(self, name):
        return self._t[name]


def test_database_like_sources_are_fingerprinted_by_their_rows():
    tables = tiny_tables()
    base = workspace_fingerprint(_Memory(tables))
    assert workspace_fingerprint(_Memory(tiny_tables())) == base
    tables["orders"] = tables["orders"].iloc[:3]
    assert workspace_fingerprint(_Memory(tables)) != base


def test_parallel_callers_compute_once(tmp_path):
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return pd.DataFrame({"x": [1, 2]})

    results = []
    threads = [threading.Thread(target=lambda: results.append(
        cached_frame("demo", {"k": 1}, slow, tmp_path))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 4
    assert all(r.equals(pd.DataFrame({"x": [1, 2]})) for r in results)


def test_damaged_cache_file_is_recomputed(tmp_path):
    cached_frame("demo", {"k": 2}, lambda: pd.DataFrame({"x": [1]}), tmp_path)
    (damaged,) = (tmp_path / "cache").glob("demo-*.parquet")
    damaged.write_bytes(b"not parquet")
    again = cached_frame("demo", {"k": 2}, lambda: pd.DataFrame({"x": [3]}), tmp_path)
    assert again["x"].tolist() == [3]


def test_database_fingerprint_sees_an_amount_changed_in_place():
    tables = tiny_tables()
    base = workspace_fingerprint(_Memory(tables))
    tables["orders"].loc[1, "amount"] = 2600.0  # same rows, same latest date
    assert workspace_fingerprint(_Memory(tables)) != base
