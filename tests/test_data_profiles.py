"""Sample worlds reshaped like real exports: each profile has the shape it promises."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.core.errors import ParamError
from helpers.data import capabilities, data_profiles, datasets, sample_world

AS_OF = "2026-06-30"
ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def base_world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("base")
    sample_world.generate_world(folder, accounts=150, seed=11)
    return folder


def _profiled(base: Path, tmp: Path, profile: str) -> Path:
    out = tmp / profile
    out.mkdir()
    for f in base.iterdir():
        (out / f.name).write_bytes(f.read_bytes())
    data_profiles.apply_profile(out, profile, as_of=AS_OF)
    return out


def _caps(folder: Path):
    return capabilities.measure(datasets.open_workspace(folder), AS_OF)


def test_transactions_keep_only_ids_dates_and_amounts(base_world, tmp_path):
    folder = _profiled(base_world, tmp_path, "transactions")
    ws = datasets.open_workspace(folder)
    assert ws.names == ["accounts", "orders"]
    assert ws.raw("accounts").columns == ("account_id",)
    assert set(ws.raw("orders").columns) == {"order_id", "account_id", "order_date", "amount"}


def test_young_is_one_recent_cohort_of_mostly_single_orders(base_world, tmp_path):
    caps = _caps(_profiled(base_world, tmp_path, "young"))
    assert caps.history_days <= data_profiles.YOUNG_DAYS
    assert caps.customers > 20
    assert caps.repeat_buyers < 0.4 * caps.customers
    assert caps.support("value.at_risk")[0] == "not_supported"


def test_dates_only_has_no_time_of_day(base_world, tmp_path):
    caps = _caps(_profiled(base_world, tmp_path, "dates-only"))
    assert caps.time_of_day == {"interactions.timestamp": False}
    assert caps.history_days > 700


def test_no_margin_and_empty_columns_lack_the_same_columns(base_world, tmp_path):
    absent = _profiled(base_world, tmp_path, "no-margin")
    empty = _profiled(base_world, tmp_path, "empty-columns")
    ws = datasets.open_workspace(absent)
    assert "gross_margin" not in ws.raw("orders").columns
    assert "gross_margin" in datasets.open_workspace(empty).raw("orders").columns
    for folder in (absent, empty):
        caps = _caps(folder)
        for table, cols in data_profiles.CRM_GAPS.items():
            for col in cols:
                assert not caps.has(table, col), (folder.name, table, col)


def test_crm_combines_the_gaps(base_world, tmp_path):
    folder = _profiled(base_world, tmp_path, "crm")
    caps = _caps(folder)
    assert "marketing_spend" not in caps.rows and "surveys" not in caps.rows
    assert not caps.has("orders", "gross_margin")
    assert caps.time_of_day == {"interactions.timestamp": False}
    assert caps.history_days <= data_profiles.YOUNG_DAYS


def test_profiles_are_deterministic(base_world, tmp_path):
    def digest(folder):
        return {f.name: hashlib.sha256(f.read_bytes()).hexdigest()
                for f in sorted(folder.iterdir()) if f.suffix == ".parquet"}

    runs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        runs.append(digest(_profiled(base_world, tmp_path / name, "crm")))
    assert runs[0] == runs[1]


def test_profiled_world_is_not_taken_for_the_sample(base_world, tmp_path):
    folder = _profiled(base_world, tmp_path, "full")
    assert sample_world.world_matches(folder, accounts=150, seed=11)
    sample_world.mark_profile(folder, "young")
    assert not sample_world.world_matches(folder, accounts=150, seed=11)


def test_unknown_profile_is_refused(base_world):
    with pytest.raises(ParamError, match="unknown data profile 'tiny'"):
        data_profiles.apply_profile(base_world, "tiny", as_of=AS_OF)


def test_cli_writes_a_profile(tmp_path):
    out = tmp_path / "tx"
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.cli", "sample-data", "--accounts", "60", "--seed", "2",
         "--profile", "transactions", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "profile 'transactions'" in proc.stdout
    orders = pd.read_parquet(out / "orders.parquet")
    assert list(orders.columns) == ["order_id", "account_id", "order_date", "amount"]
    assert not (out / "interactions.parquet").exists()


def test_null_profile_regenerates_the_world_without_effects(base_world, tmp_path):
    folder = _profiled(base_world, tmp_path, "null")
    direct = tmp_path / "direct"
    truth = sample_world.generate_world(direct, accounts=150, seed=11, effects="none")
    assert sample_world.read_truth(folder) == truth
    assert truth["planted"] == {} and truth["profile"] == "null"
    for f in sorted(direct.iterdir()):
        assert (folder / f.name).read_bytes() == f.read_bytes(), f.name
    assert not sample_world.world_matches(folder, accounts=150, seed=11)
    assert (folder / "orders.parquet").read_bytes() != (base_world / "orders.parquet").read_bytes()
    assert "null" not in data_profiles.PROFILES and "null" in data_profiles.CHOICES
    with pytest.raises(ParamError, match="world.json"):
        data_profiles.apply_profile(tmp_path / "empty", "null", as_of=AS_OF)


def test_cli_writes_the_null_world(tmp_path):
    out = tmp_path / "null"
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.cli", "sample-data", "--accounts", "60", "--seed", "2",
         "--profile", "null", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "profile 'null'" in proc.stdout
    truth = sample_world.read_truth(out)
    assert truth["profile"] == "null" and truth["planted"] == {}
    assert truth["counts"]["accounts"] == 60 and (out / "interactions.parquet").is_file()
