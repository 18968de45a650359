"""``workbook load``: a validated folder into a database, with clear refusals."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from conftest import AS_OF, write_tables

from helpers import cli
from helpers.core.errors import DataError, ValidationError
from helpers.data import datasets, features
from helpers.data.loading import load_folder, target_kind


def test_load_csv_folder_into_duckdb_gives_the_same_features(csv_folder, tmp_path):
    target = tmp_path / "crm.duckdb"
    counts = load_folder(csv_folder, str(target), as_of=AS_OF)
    assert counts["accounts"] == 3 and counts["orders"] == 4 and len(counts) == 9
    with datasets.open_workspace(target) as db, datasets.open_workspace(csv_folder) as files:
        # CSV arrives as text; the database must hold contract types, not strings
        schema = db.raw("orders").schema()
        assert schema["amount"].is_floating() and schema["order_date"].is_date()
        assert db.raw("accounts").schema()["is_competitor_customer"].is_boolean()
        pd.testing.assert_frame_equal(features.account_features(db, AS_OF),
                                      features.account_features(files, AS_OF))


def test_load_keeps_only_contract_columns_under_mapped_names(tables, tmp_path):
    tables["accounts"] = tables["accounts"].rename(columns={"account_name": "客户名称"})
    tables["accounts"]["crm_note"] = "x"
    folder = write_tables(tables, tmp_path / "data", "parquet")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("accounts:\n  客户名称: account_name\n", encoding="utf-8")
    target = tmp_path / "crm.duckdb"
    load_folder(folder, str(target), mapping_file=mapping, as_of=AS_OF)
    with duckdb.connect(str(target), read_only=True) as con:
        cols = [r[0] for r in con.execute("DESCRIBE accounts").fetchall()]
        names = con.execute("SELECT account_name FROM accounts ORDER BY account_id").fetchall()
    assert "crm_note" not in cols and cols[:2] == ["account_id", "account_name"]
    assert names[0][0] == "Alpha GmbH"


def test_invalid_folder_loads_nothing(tables, tmp_path):
    tables["orders"].loc[0, "account_id"] = "A9"  # an order of an unknown account
    tables["orders"].loc[1, "amount"] = None  # a missing amount would shift revenue shares
    folder = write_tables(tables, tmp_path / "data", "csv")
    target = tmp_path / "crm.duckdb"
    with pytest.raises(ValidationError, match="no amount") as info:
        load_folder(folder, str(target), as_of=AS_OF)
    assert "nothing was loaded" in str(info.value)
    assert not target.exists()


def test_existing_tables_need_replace(csv_folder, tmp_path, tables):
    target = tmp_path / "crm.duckdb"
    load_folder(csv_folder, str(target), as_of=AS_OF)
    with pytest.raises(DataError, match="--replace"):
        load_folder(csv_folder, str(target), as_of=AS_OF)
    tables["accounts"].loc[0, "account_name"] = "Renamed AG"
    changed = write_tables(tables, tmp_path / "changed", "csv")
    load_folder(changed, str(target), as_of=AS_OF, replace=True)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 3
        assert con.execute(
            "SELECT account_name FROM accounts WHERE account_id = 'A1'").fetchone()[0] == "Renamed AG"


def test_targets_are_recognised_and_passwords_refused(csv_folder):
    assert target_kind("data/crm.duckdb") == "duckdb"
    assert target_kind("duckdb://data/crm.duckdb") == "duckdb"
    assert target_kind("postgresql://analyst@db/crm") == "postgres"
    with pytest.raises(DataError, match="neither"):
        target_kind("data/crm.xlsx")
    with pytest.raises(DataError, match="contains a password") as info:
        load_folder(csv_folder, "postgresql://analyst:s3cret@127.0.0.1:1/crm", as_of=AS_OF)
    assert "s3cret" not in str(info.value)


def test_unreachable_database_is_a_readable_error(csv_folder):
    with pytest.raises(DataError, match="cannot connect to postgresql://analyst@127.0.0.1:1/crm"):
        load_folder(csv_folder, "postgresql://analyst@127.0.0.1:1/crm", as_of=AS_OF)


def test_cli_load_exit_codes(csv_folder, tmp_path, capsys):
    target = tmp_path / "crm.duckdb"
    assert cli.main(["load", "--from", str(csv_folder), "--to", str(target),
                     "--as-of", AS_OF]) == 0
    assert "loaded 9 table(s)" in capsys.readouterr().out
    assert cli.main(["load", "--from", str(csv_folder), "--to", str(target),
                     "--as-of", AS_OF]) == 2
    assert "--replace" in capsys.readouterr().err
