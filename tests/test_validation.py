import datetime as dt
import subprocess
import sys
from pathlib import Path

import ibis
import pandas as pd
import pytest
from conftest import AS_OF, tiny_tables, write_tables

from helpers.core.errors import ValidationError
from helpers.data import datasets, validation
from helpers.data.feature_cache import cache_stats


def findings_for(tmp_path, tables, fmt="csv"):
    folder = write_tables(tables, tmp_path / "d", fmt)
    with datasets.open_workspace(folder) as ws:
        return validation.validate(ws, as_of=AS_OF)


def only(findings, rule):
    hits = [f for f in findings if f.rule == rule]
    assert hits, f"no {rule} finding in {[f.rule for f in findings]}"
    return hits


def test_clean_data_has_no_errors(tmp_path, tables):
    assert not validation.has_errors(findings_for(tmp_path, tables))


def test_missing_required_table(tmp_path, tables):
    del tables["orders"]
    (f,) = only(findings_for(tmp_path, tables), "missing_table")
    assert f.severity == "error" and "required table 'orders' is missing" in f.message


def test_missing_column(tmp_path, tables):
    tables["orders"] = tables["orders"].drop(columns="order_date")
    (f,) = [f for f in only(findings_for(tmp_path, tables), "missing_column")
            if f.severity == "error"]
    assert f.table == "orders" and "required column 'order_date' is missing" in f.message
    assert "orders.csv" in f.message


def test_wrong_type(tmp_path, tables):
    tables["orders"]["amount"] = ["1000", "12,5 EUR", "90000", "n/a"]
    (f,) = only(findings_for(tmp_path, tables), "wrong_type")
    assert f.column == "amount" and f.count == 2
    assert "not float" in f.message and "12,5 EUR" in f.examples


def test_duplicate_id(tmp_path, tables):
    tables["accounts"].loc[2, "account_id"] = "A1"
    fs = findings_for(tmp_path, tables)
    (f,) = [f for f in only(fs, "duplicate_id") if f.table == "accounts"]
    assert "duplicate account_id value(s)" in f.message and f.examples == ["A1"]


def test_orphan_foreign_key(tmp_path, tables):
    tables["orders"].loc[0, "account_id"] = "A404"
    (f,) = only(findings_for(tmp_path, tables), "orphan_key")
    assert f.severity == "error" and f.examples == ["A404"] and "not in accounts" in f.message


def test_negative_spend(tmp_path, tables):
    tables["marketing_spend"]["spend"] = [-10.0]
    (f,) = only(findings_for(tmp_path, tables), "negative_value")
    assert f.table == "marketing_spend" and "negative spend" in f.message


def test_nps_out_of_range(tmp_path, tables):
    tables["surveys"]["nps"] = [11]
    (f,) = only(findings_for(tmp_path, tables), "out_of_range")
    assert "nps out of range" in f.message and "between 0 and 10" in f.message


def test_dates_after_as_of(tmp_path, tables):
    tables["orders"]["order_date"] = pd.to_datetime(
        ["2025-01-05", "2026-02-01", "2024-05-05", "2026-09-01"]).date
    (f,) = only(findings_for(tmp_path, tables), "after_as_of")
    assert f.severity == "warning" and "after as_of 2026-06-30" in f.message and f.count == 1


def test_empty_required_table(tmp_path, tables):
    tables["orders"] = tables["orders"].iloc[0:0]
    (f,) = only(findings_for(tmp_path, tables, "parquet"), "empty_table")
    assert f.severity == "error" and "has no rows" in f.message


def test_unknown_stage_and_lifecycle_values(tmp_path, tables):
    tables["opportunities"]["stage"] = ["closed-won"]
    tables["accounts"]["lifecycle_stage"] = ["new", "loyal", "growth"]
    fs = only(findings_for(tmp_path, tables), "unknown_value")
    by_col = {f.column: f for f in fs}
    assert by_col["stage"].examples == ["closed-won"] and "open, won, lost" in by_col["stage"].message
    assert by_col["lifecycle_stage"].examples == ["loyal"]


def test_raise_for_errors_lists_every_error(tmp_path, tables):
    tables["accounts"].loc[2, "account_id"] = "A1"
    tables["orders"] = tables["orders"].drop(columns="order_date")
    fs = findings_for(tmp_path, tables)
    with pytest.raises(ValidationError) as exc:
        validation.raise_for_errors(fs)
    text = str(exc.value)
    assert "account_id" in text and "order_date" in text
    assert "Traceback" not in text


def test_cli_validate_exits_1_and_names_both_problems(tmp_path):
    tables = tiny_tables()
    tables["accounts"].loc[2, "account_id"] = "A1"
    tables["orders"] = tables["orders"].drop(columns="order_date")
    folder = write_tables(tables, tmp_path / "d")
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.cli", "validate", "--data", str(folder), "--as-of", AS_OF],
        capture_output=True, text=True, cwd=Path(__file__).parents[1],
    )
    assert proc.returncode == 1, proc.stderr
    assert "duplicate" in proc.stdout and "account_id" in proc.stdout
    assert "order_date" in proc.stdout and "Traceback" not in proc.stderr


def test_rules_of_several_columns_in_one_table_are_counted_apart(tmp_path, tables):
    # The cheap rules of a table share one scan; each column keeps its own count.
    tables["surveys"] = pd.concat([tables["surveys"]] * 3, ignore_index=True)
    tables["surveys"]["response_id"] = ["R1", "R2", "R3"]
    tables["surveys"]["nps"] = [11, 12, 9]
    tables["surveys"]["csat"] = [9, 5, 5]
    tables["surveys"]["response_date"] = [dt.date(2026, 3, 1), dt.date(2026, 8, 1),
                                          dt.date(2026, 9, 1)]
    fs = [f for f in findings_for(tmp_path, tables) if f.table == "surveys"]
    counts = {(f.column, f.rule): f.count for f in fs}
    assert counts == {("nps", "out_of_range"): 2, ("csat", "out_of_range"): 1,
                      ("response_date", "after_as_of"): 2}


def _memory_workspace(tables):
    con = ibis.duckdb.connect()
    for name, frame in tables.items():
        con.create_table(name, frame)
    return con, datasets.open_connection(con)


def test_cached_validate_reuses_findings_within_a_run(tmp_path, tables):
    tables["orders"]["order_date"] = pd.to_datetime(
        ["2025-01-05", "2026-02-01", "2024-05-05", "2026-09-01"]).date
    folder = write_tables(tables, tmp_path / "d", "parquet")
    run = tmp_path / "run"
    with datasets.open_workspace(folder) as ws:
        direct = validation.validate(ws, as_of=AS_OF)
        first = validation.cached_validate(ws, AS_OF, run)
        second = validation.cached_validate(ws, AS_OF, run)
        other_day = validation.cached_validate(ws, "2026-12-31", run)
    assert first == direct == second
    assert [f.rule for f in direct if f.rule != "missing_column" and f.rule != "empty_column"] \
        == ["after_as_of"]
    assert "after_as_of" not in {f.rule for f in other_day}
    stats = cache_stats(run)
    assert (stats["hits"], stats["misses"]) == (1, 2)


def test_open_validated_with_cache_dir_matches_uncached(tmp_path, tables):
    folder = write_tables(tables, tmp_path / "d")
    ws1, plain = validation.open_validated(folder, as_of=AS_OF)
    ws2, cached = validation.open_validated(folder, as_of=AS_OF, cache_dir=tmp_path / "run")
    ws1.close()
    ws2.close()
    assert plain == cached
    assert len(list((tmp_path / "run" / "cache").glob("validation-*.json"))) == 1


def test_failed_validation_is_not_cached_so_a_fix_in_place_is_seen(tmp_path, tables):
    tables["accounts"].loc[2, "account_id"] = "A1"
    con, ws = _memory_workspace(tables)
    run = tmp_path / "run"
    assert validation.has_errors(validation.cached_validate(ws, AS_OF, run))
    assert not list((run / "cache").glob("validation-*.json"))
    # Same row counts and dates, so the fingerprint is unchanged; the fix must still show.
    con.raw_sql("UPDATE accounts SET account_id = 'A3' WHERE account_name = 'Gamma SA'")
    assert not validation.has_errors(validation.cached_validate(ws, AS_OF, run))
