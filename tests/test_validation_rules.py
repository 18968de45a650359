"""Each validation rule added for real-world exports, on a crafted bad input."""

import codecs
import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import AS_OF, tiny_tables, write_tables

from helpers.core.errors import DataError
from helpers.data import datasets, validation
from helpers.data.validation import structure


def findings_for(folder, mapping=None, as_of=AS_OF):
    with datasets.open_workspace(folder, mapping_file=mapping) as ws:
        return validation.validate(ws, as_of=as_of)


def write(tmp_path, tables, fmt="csv", keep=()):
    """Write accounts, orders and the tables in ``keep`` (fewer files, faster checks)."""
    chosen = {k: v for k, v in tables.items() if k in ("accounts", "orders", *keep)}
    return write_tables(chosen, tmp_path / "d", fmt)


def one(findings, rule, **where):
    hits = [f for f in findings if f.rule == rule
            and all(getattr(f, k) == v for k, v in where.items())]
    assert len(hits) == 1, f"{rule}: {[(f.rule, f.table, f.column) for f in findings]}"
    return hits[0]


# ---------------------------------------------------------------- missing data: warnings


def test_absent_optional_column_is_a_warning_naming_what_it_disables(tmp_path, tables):
    tables["orders"] = tables["orders"].drop(columns="gross_margin")
    fs = findings_for(write(tmp_path, tables))
    f = one(fs, "missing_column", table="orders", column="gross_margin")
    assert f.severity == "warning" and not validation.has_errors(fs)
    assert f.message.startswith("orders.csv: column orders.gross_margin is absent")
    assert "not supported without it: Profit CLV" in f.message


def test_empty_optional_column_warns_and_skips_its_row_rules(tmp_path, tables):
    tables["interactions"]["interaction_id"] = pd.Series([None, None], dtype="string")
    tables["accounts"]["city"] = ["", " ", None]
    fs = findings_for(write(tmp_path, tables, keep=("interactions", "contacts", "content")))
    assert not validation.has_errors(fs)  # no "2 rows have no interaction_id"
    f = one(fs, "empty_column", table="accounts", column="city")
    assert f.severity == "warning" and "accounts.city is entirely empty" in f.message
    assert "A/B tests" in one(fs, "empty_column", column="experiment_id").message


def test_empty_required_column_is_an_error(tmp_path, tables):
    tables["orders"]["amount"] = [None] * 4
    f = one(findings_for(write(tmp_path, tables, "parquet")), "empty_column", column="amount")
    assert f.severity == "error" and "required column 'amount' is empty" in f.message


# ---------------------------------------------------------------- errors


def test_duplicate_column_in_csv_header(tmp_path, tables):
    folder = write(tmp_path, tables)
    text = (folder / "orders.csv").read_text().replace("product_line", "amount", 1)
    (folder / "orders.csv").write_text(text)
    fs = findings_for(folder)
    f = one(fs, "duplicate_column")
    assert f.severity == "error" and "column 'amount' occurs more than once" in f.message
    assert not [x for x in fs if x.rule == "unknown_column"]


def test_duplicate_column_after_mapping(tmp_path, tables):
    tables["orders"]["Betrag"] = tables["orders"]["amount"]
    mapping = tmp_path / "m.yaml"
    mapping.write_text("orders:\n  Betrag: amount\n", encoding="utf-8")
    f = one(findings_for(write(tmp_path, tables), mapping), "duplicate_column")
    assert f.table == "orders" and f.column == "amount" and "after mapping" in f.message


def test_duplicate_column_in_parquet(tmp_path, tables):
    folder = write(tmp_path, tables, "parquet")
    orders = pq.read_table(folder / "orders.parquet")
    pq.write_table(orders.rename_columns([*orders.column_names[:-1], "amount"]),
                   folder / "orders.parquet")
    assert one(findings_for(folder), "duplicate_column").column == "amount"


def test_parquet_amount_stored_as_text_with_non_numbers(tmp_path, tables):
    tables["orders"]["amount"] = ["1000", "2500", "ninety", "-500"]
    f = one(findings_for(write(tmp_path, tables, "parquet")), "wrong_type")
    assert f.column == "amount" and f.count == 1 and "not float" in f.message


def test_parquet_date_stored_as_integer(tmp_path, tables):
    tables["orders"]["order_date"] = [20250105, 20260201, 20240505, 20260601]
    f = one(findings_for(write(tmp_path, tables, "parquet")), "wrong_type")
    assert f.column == "order_date" and f.count == 4 and "YYYY-MM-DD" in f.message


def test_parquet_amount_stored_as_true_false(tmp_path, tables):
    tables["orders"]["amount"] = [True, False, True, True]
    f = one(findings_for(write(tmp_path, tables, "parquet")), "wrong_type")
    assert f.column == "amount" and f.count == 4


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_nan_and_infinite_amounts(tmp_path, tables, fmt):
    tables["orders"]["amount"] = [1000.0, float("nan"), float("inf"), -500.0]
    folder = write(tmp_path, tables, fmt)
    if fmt == "parquet":  # NaN kept as NaN, not turned into null
        orders = pa.Table.from_pandas(tables["orders"], preserve_index=False)
        orders = orders.set_column(3, "amount", pa.array([1000.0, float("nan"), float("inf"),
                                                          -500.0], from_pandas=False))
        pq.write_table(orders, folder / "orders.parquet")
    else:
        text = (folder / "orders.csv").read_text()
        (folder / "orders.csv").write_text(text.replace(",,", ",NaN,", 1))
    f = one(findings_for(folder), "not_finite")
    assert f.severity == "error" and f.count == 2 and "NaN or infinite" in f.message


def test_closed_set_codes_are_trimmed_and_lower_cased(tmp_path, tables):
    tables["opportunities"]["stage"] = [" Won"]
    folder = write(tmp_path, tables, keep=("opportunities",))
    with datasets.open_workspace(folder) as ws:
        assert ws.to_pandas("opportunities")["stage"].tolist() == ["won"]


def test_fractional_nps_in_parquet(tmp_path, tables):
    fmt = "parquet"
    tables["surveys"] = pd.concat([tables["surveys"]] * 2, ignore_index=True)
    tables["surveys"]["response_id"] = ["R1", "R2"]
    tables["surveys"]["nps"] = [7.5, 8.0]
    f = one(findings_for(write(tmp_path, tables, fmt, keep=("surveys",))), "not_integer")
    assert f.column == "nps" and f.count == 1 and "not whole numbers" in f.message


def test_date_after_today_is_an_error_after_as_of_a_warning(tmp_path, tables):
    tables["orders"]["order_date"] = [dt.date(2025, 1, 5), dt.date(2036, 2, 1),
                                      dt.date(2024, 5, 5), dt.date(2026, 6, 1)]
    fs = findings_for(write(tmp_path, tables), as_of="2025-06-30")
    f = one(fs, "future_date")
    assert f.severity == "error" and f.count == 1 and "after today" in f.message
    w = one(fs, "after_as_of", table="orders")
    assert w.severity == "warning" and w.count == 1 and "left out of the analyses" in w.message


# ---------------------------------------------------------------- warnings


def test_orders_under_another_name_is_named_in_the_missing_table_error(tmp_path, tables):
    folder = write(tmp_path, tables)
    (folder / "orders.csv").rename(folder / "Orders.CSV")
    fs = findings_for(folder)
    assert "Orders.CSV looks like it" in one(fs, "missing_table").message
    assert "rename it to orders.csv" in one(fs, "misnamed_table").message


def test_mapped_file_that_is_not_there(tmp_path, tables):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("surveys:\n  file: NPS_export.csv\n", encoding="utf-8")
    f = one(findings_for(write(tmp_path, tables), mapping), "mapped_file_missing")
    assert f.table == "surveys" and "names 'NPS_export.csv' for table 'surveys'" in f.message


def test_implausible_order_amount(tmp_path, tables):
    tables["orders"]["amount"] = [1000.0, 2500.0, 1e15, -500.0]
    f = one(findings_for(write(tmp_path, tables)), "outlier")
    assert f.severity == "warning" and f.count == 1
    assert "more than 10,000 times the median absolute amount" in f.message


# ---------------------------------------------------------------- one messy export, many rules


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """One CSV export with a fault per rule below, validated once for all of them."""
    t = tiny_tables()
    t["accounts"].loc[2, "account_id"] = "A1 "
    t["orders"]["amount"] = ["1000", "", "n/a", "-500"]
    t["orders"]["currency"] = "EUR"
    t["orders"]["sales_rep"] = "Kim"
    opp = pd.concat([t["opportunities"]] * 4, ignore_index=True)
    opp["opportunity_id"] = ["P1", "P2", "P3", "P4"]
    opp["stage"] = ["Negotiation/Review", "Negotiation/Review", "Prospecting", "won"]
    opp["close_date"] = [dt.date(2025, 11, 1)] + [dt.date(2026, 2, 1)] * 3
    t["opportunities"] = opp
    surveys = pd.concat([t["surveys"]] * 2, ignore_index=True)
    surveys["response_id"] = ["R1", "R2"]
    surveys["nps"] = [7.5, 8.0]
    surveys["pain_points"] = ["pricing, support", "pricing"]
    t["surveys"] = surveys
    t["contacts"] = t["contacts"].drop(columns="account_id")
    keep = ("accounts", "orders", "opportunities", "surveys", "contacts", "marketing_spend")
    folder = write_tables({k: v for k, v in t.items() if k in keep},
                          tmp_path_factory.mktemp("messy"), "csv")
    (folder / "marketing_spend.csv").rename(folder / "marketing-spend.csv")
    (folder / "notes.csv").write_text("a,b\n1,2\n")
    return findings_for(folder)


def test_ids_that_collide_after_trimming(messy):
    f = one(messy, "id_whitespace")
    assert f.severity == "error" and f.examples == ["A1"]
    assert "differ from another only by leading or trailing spaces" in f.message


def test_missing_and_non_numeric_order_amounts(messy):
    f = one(messy, "missing_value", column="amount")
    assert f.severity == "error" and f.count == 1 and "every row needs one" in f.message
    assert one(messy, "wrong_type", column="amount").examples == ["n/a"]


def test_close_date_before_created_date(messy):
    f = one(messy, "date_order")
    assert f.severity == "error" and f.count == 1
    assert "close_date before created_date" in f.message


def test_fractional_nps_in_csv(messy):
    f = one(messy, "not_integer")
    assert f.column == "nps" and f.count == 1 and "not whole numbers" in f.message


def test_ignored_optional_table_is_a_warning(messy):
    f = one(messy, "ignored_table")
    assert f.severity == "warning" and "contacts.csv: table 'contacts' is ignored" in f.message


def test_unknown_table_and_misnamed_table(messy):
    f = one(messy, "misnamed_table")
    assert f.table == "marketing_spend" and "rename it to marketing_spend.csv" in f.message
    assert "notes.csv: not a contract table" in one(messy, "unknown_table").message


def test_unknown_columns(messy):
    f = one(messy, "unknown_column")
    assert f.severity == "warning" and "currency, sales_rep" in f.message


def test_pain_points_with_other_separators(messy):
    f = one(messy, "list_separator")
    assert f.severity == "warning" and f.count == 1 and "separate tags with ';'" in f.message


def test_unmapped_codes_are_listed_with_counts(messy):
    f = one(messy, "unknown_value")
    assert ("stage has 2 value(s) outside open, won, lost in 3 row(s): "
            "'Negotiation/Review' (2 rows), 'Prospecting' (1 row)") in f.message
    assert "map them under values:" in f.message


# ---------------------------------------------------------------- reading and mapping


def test_value_map_with_default(tmp_path, tables):
    opp = pd.concat([tables["opportunities"]] * 4, ignore_index=True)
    opp["opportunity_id"] = ["P1", "P2", "P3", "P4"]
    opp["stage"] = ["Closed Won", "closed lost ", "赢单", None]
    tables["opportunities"] = opp
    mapping = tmp_path / "m.yaml"
    mapping.write_text('opportunities:\n  values:\n    stage: {Closed Won: won, 赢单: won, '
                       'Closed Lost: lost, "*": open}\n', encoding="utf-8")
    folder = write(tmp_path, tables, keep=("opportunities",))
    with datasets.open_workspace(folder, mapping_file=mapping) as ws:
        stages = ws.to_pandas("opportunities").sort_values("opportunity_id")["stage"].tolist()
        assert stages[:3] == ["won", "lost", "won"] and pd.isna(stages[3])
        assert not [f for f in validation.validate(ws, AS_OF) if f.rule == "unknown_value"]


def test_value_map_errors_suggest_the_closest(tmp_path, csv_folder):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("opportunities:\n  values:\n    stage: {Closed Won: wonn}\n")
    with pytest.raises(DataError, match="not one of open, won, lost; did you mean 'won'"):
        datasets.open_workspace(csv_folder, mapping_file=mapping)
    mapping.write_text("opportunities:\n  file: opportunities.csv\n  colums: {}\n")
    with pytest.raises(DataError, match="unknown key 'colums'; did you mean 'columns'"):
        datasets.open_workspace(csv_folder, mapping_file=mapping)
    mapping.write_text("opportunities:\n  columns: [StageName]\n")
    with pytest.raises(DataError, match="columns of table 'opportunities' must map"):
        datasets.open_workspace(csv_folder, mapping_file=mapping)
    mapping.write_text("opportunities:\n  values:\n    stag: {a: won}\n")
    with pytest.raises(DataError, match="unknown column 'stag'; did you mean 'stage'"):
        datasets.open_workspace(csv_folder, mapping_file=mapping)


@pytest.mark.parametrize("sep", [",", "\t"])
def test_utf16_csv_with_bom_is_read(tmp_path, tables, sep):
    folder = write(tmp_path, tables)
    text = tables["accounts"].to_csv(index=False, sep=sep)
    (folder / "accounts.csv").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    with datasets.open_workspace(folder) as ws:
        acc = ws.to_pandas("accounts").sort_values("account_id")
        assert acc["account_name"].tolist() == ["Alpha GmbH", "Beta Ltd", "Gamma SA"]
        assert not validation.has_errors(validation.validate(ws, AS_OF))


def test_sample_world_amounts_are_no_outliers():
    # heavy-tailed but real: the largest sample order is under 100 times the median
    amounts = pa.array([2500.0] * 50 + [240_000.0])
    assert max(amounts.to_pylist()) < validation.OUTLIER_FACTOR * 2500


def test_a_changed_value_map_changes_the_data_fingerprint(tmp_path, tables):
    from helpers.data.feature_cache import workspace_fingerprint

    folder = write(tmp_path, tables, keep=("opportunities",))
    prints = []
    for target in ("won", "lost"):
        mapping = tmp_path / f"{target}.yaml"
        mapping.write_text(f"opportunities:\n  values:\n    stage: {{won: {target}}}\n")
        with datasets.open_workspace(folder, mapping_file=mapping) as ws:
            prints.append(workspace_fingerprint(ws))
    assert prints[0] != prints[1]


@pytest.mark.parametrize("name, table", [
    ("marketing-spend.csv", "marketing_spend"), ("Orders.CSV", "orders"), ("order.csv", "orders"),
    ("Service Costs.xlsx", "service_costs"), ("truth.parquet", None), ("notes.csv", None),
])
def test_file_names_that_look_like_a_contract_table(name, table):
    assert structure._looks_like(name) == table
