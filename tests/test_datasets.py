import datetime as dt

import ibis
import pandas as pd
import pytest
from conftest import AS_OF, tiny_tables, write_tables

from helpers.core.errors import DataError
from helpers.data import datasets, validation
from helpers.data.datasets import sources


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_each_file_format_loads_typed(tmp_path, tables, fmt):
    folder = write_tables(tables, tmp_path / fmt, fmt)
    with datasets.open_workspace(folder) as ws:
        assert set(ws.names) == set(tables)
        orders = ws.to_pandas("orders").sort_values("order_id")
        assert orders["amount"].tolist() == [1000.0, 2500.0, 90000.0, -500.0]
        assert orders["order_date"].iloc[0] == pd.Timestamp("2025-01-05")
        acc = ws.table("accounts")
        assert acc.schema()["employees"].is_integer()
        assert acc.schema()["is_competitor_customer"].is_boolean()
        assert not validation.has_errors(validation.validate(ws, as_of=AS_OF))


def test_duckdb_file_source(tmp_path, tables):
    path = tmp_path / "crm.duckdb"
    con = ibis.duckdb.connect(str(path))
    for name, frame in tables.items():
        con.create_table(name, frame)
    con.disconnect()
    with datasets.open_workspace(path) as ws:
        assert ws.to_pandas("accounts").shape[0] == 3
        assert ws.origin("orders") == "table orders"


def test_gbk_csv_with_chinese_headers_through_mapping(tmp_path, tables):
    folder = tmp_path / "crm"
    write_tables(tables, folder, "csv")
    accounts = tables["accounts"].rename(columns={
        "account_id": "客户编号", "account_name": "客户名称", "industry": "行业"})
    accounts.loc[0, "客户名称"] = "华东精密制造有限公司"
    accounts.to_csv(folder / "accounts.csv", index=False, encoding="gbk")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("accounts:\n  客户编号: account_id\n  客户名称: account_name\n  行业: industry\n",
                       encoding="utf-8")
    with datasets.open_workspace(folder, mapping_file=mapping) as ws:
        acc = ws.to_pandas("accounts").sort_values("account_id")
        assert acc["account_name"].iloc[0] == "华东精密制造有限公司"
        assert not validation.has_errors(validation.validate(ws, as_of=AS_OF))


def test_utf8_bom_csv_loads(tmp_path, tables):
    folder = write_tables(tables, tmp_path / "bom", "csv", encoding="utf-8-sig")
    with datasets.open_workspace(folder) as ws:
        assert "account_id" in ws.raw("accounts").columns


def test_undecodable_csv_names_file_and_fix(tmp_path, tables):
    folder = write_tables(tables, tmp_path / "bad", "csv")
    (folder / "orders.csv").write_bytes(b"order_id,account_id\n\xff\xfe\x80\x81,A1\n")
    with pytest.raises(DataError, match=r"orders\.csv.*neither UTF-8 nor GBK.*UTF-8"):
        datasets.open_workspace(folder)


def test_mapping_unknown_column_suggests_closest(tmp_path, csv_folder):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("accounts:\n  Name: acount_name\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"unknown column 'acount_name'; did you mean 'account_name'"):
        datasets.open_workspace(csv_folder, mapping_file=mapping)


def test_mapping_file_and_table_rename(tmp_path, tables):
    folder = write_tables(tables, tmp_path / "d", "csv")
    (folder / "accounts.csv").rename(folder / "crm_export_kunden.csv")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("accounts:\n  file: crm_export_kunden.csv\n  columns: {}\n", encoding="utf-8")
    with datasets.open_workspace(folder, mapping_file=mapping) as ws:
        assert ws.origin("accounts") == "crm_export_kunden.csv"


def test_missing_source_and_empty_file(tmp_path, csv_folder):
    with pytest.raises(DataError, match="not found"):
        datasets.open_workspace(tmp_path / "nowhere")
    (csv_folder / "surveys.csv").write_bytes(b"")
    with pytest.raises(DataError, match=r"surveys\.csv is an empty file"):
        datasets.open_workspace(csv_folder)


def test_table_given_twice_is_an_error(tmp_path, tables):
    folder = write_tables(tables, tmp_path / "d", "csv")
    tables["orders"].to_parquet(folder / "orders.parquet")
    with pytest.raises(DataError, match="given twice"):
        datasets.open_workspace(folder)


def test_redaction_and_password_from_env(monkeypatch):
    assert datasets.redact_url("postgresql://u:s3cret@h:5432/db") == "postgresql://u:***@h:5432/db"
    monkeypatch.setenv("PW", "p@ss")
    url = sources.with_password("postgresql://u@h:5432/db", "PW")
    assert url == "postgresql://u:p%40ss@h:5432/db"


def test_fingerprint_changes_with_data(csv_folder):
    before = datasets.fingerprint(csv_folder)
    assert before == datasets.fingerprint(csv_folder)
    extra = tiny_tables()["orders"].assign(order_id=lambda d: d.order_id + "x")
    extra.to_csv(csv_folder / "orders.csv", index=False)
    assert datasets.fingerprint(csv_folder) != before


def test_unknown_table_raises_readable(csv_folder):
    with datasets.open_workspace(csv_folder) as ws, pytest.raises(KeyError, match="unknown table"):
        ws.table("ordres")
    assert dt.date  # keep import used
