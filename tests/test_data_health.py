"""Data health: rows per month of the event tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import AS_OF, tiny_tables, write_tables

from helpers import data_health
from helpers.datasets import open_workspace


def test_monthly_activity_counts_rows_per_calendar_month(tmp_path):
    tables = tiny_tables()
    stamps = ["2026-05-05 10:00", "2026-06-01 14:30", "2026-05-31 23:59", "2026-06-30 23:30",
              "2026-07-01 00:00", "2023-06-29 12:00", "2023-06-30 00:00"]
    it = tables["interactions"]
    tables["interactions"] = pd.DataFrame({
        **{c: [it[c].iloc[0]] * len(stamps) for c in it.columns},
        "interaction_id": [f"I{i}" for i in range(len(stamps))],
        "timestamp": pd.to_datetime(stamps),
    })
    with open_workspace(write_tables(tables, tmp_path / "data", "parquet")) as ws:
        activity = data_health.monthly_activity(ws, AS_OF)
    rows = activity.set_index(["table", "month"])["rows"]
    # the window runs from 2023-06-30 to as_of: 1 July is after it, 29 June before it
    assert rows.loc["interactions"].to_dict() == {
        pd.Timestamp("2023-06-01"): 1, pd.Timestamp("2026-05-01"): 2,
        pd.Timestamp("2026-06-01"): 2}
    # orders on 2024-05-05, 2025-01-05, 2026-02-01 and 2026-06-01
    assert rows.loc["orders"].to_dict() == {
        pd.Timestamp("2024-05-01"): 1, pd.Timestamp("2025-01-01"): 1,
        pd.Timestamp("2026-02-01"): 1, pd.Timestamp("2026-06-01"): 1}
    assert rows.loc["opportunities"].to_dict() == {pd.Timestamp("2025-12-01"): 1}
    assert list(activity.columns) == ["month", "table", "rows"]
    assert activity["month"].dtype.kind == "M" and activity["rows"].dtype == "int64"


# --------------------------------------------------------------------------- thin data


def _thin(tmp_path, **changes):
    """The tiny world with columns of accounts and orders replaced (None empties them)."""
    from helpers import capabilities

    tables = tiny_tables()
    for key, values in changes.items():
        table, column = key.split("__")
        tables[table][column] = values
    ws = open_workspace(write_tables({k: tables[k] for k in ("accounts", "orders")},
                                     tmp_path / "data", "parquet"))
    return ws, capabilities.measure(ws, AS_OF)


def test_a_missing_category_is_not_ranked_but_counted(tmp_path):
    ws, _ = _thin(tmp_path, accounts__industry=[None, None, "Retail"],
                  orders__product_line=[None, None, None, "Sensors"])
    with ws:
        mix = data_health.category_mix(ws, "accounts", "industry")
        assert list(mix["industry"]) == ["Retail"]
        assert mix["share"].iloc[0] == pytest.approx(1 / 3)  # of all accounts
        assert mix.attrs == {"missing_rows": 2, "total_rows": 3}
        lines = data_health.category_mix(ws, "orders", "product_line", value="amount")
        assert list(lines["product_line"]) == ["Sensors"]
        assert lines["value_share"].iloc[0] == pytest.approx(-500 / 93000)


def test_key_distributions_skip_empty_columns_and_name_them_once(tmp_path):
    ws, caps = _thin(tmp_path, accounts__industry=[None] * 3, accounts__region=[None] * 3,
                     accounts__employees=[None] * 3, orders__product_line=[None] * 4)
    with ws:
        panels, text = data_health.key_distributions(ws, caps)
    assert panels == []
    assert text == ("Not shown, since no row holds a value: accounts.industry, accounts.region, "
                    "orders.product_line, accounts.employees.")
    assert "nan" not in text and "(missing)" not in text


def test_key_distributions_on_partial_columns(tmp_path):
    ws, caps = _thin(tmp_path, accounts__industry=[None, "Retail", "Retail"],
                     accounts__employees=[None, 40, 60])
    with ws:
        panels, text = data_health.key_distributions(ws, caps, currency="EUR")
    assert [p["kind"] for p in panels] == ["bar", "bar", "bar", "distribution"]
    assert text.startswith("The largest industry is **Retail** with 67% of accounts. "
                           "1 of 3 rows of accounts have no industry.")
    assert "Median company size is 50 employees; the largest has 60." in text


def test_date_coverage_leaves_out_empty_date_columns(tmp_path):
    ws, _ = _thin(tmp_path, accounts__created_date=[None] * 3)
    with ws:
        coverage = data_health.date_coverage(ws, AS_OF)
    assert list(coverage["table"]) == ["orders"]
    assert coverage["days_since_last"].iloc[0] == 29


def test_validation_sentence_never_says_no_warnings_with_empty_columns(tmp_path):
    from helpers import validation

    ws, caps = _thin(tmp_path, orders__gross_margin=[None] * 4)
    with ws:
        overview = data_health.table_overview(ws, caps).set_index("table")
    assert "gross_margin" in overview.loc["orders", "missing_optional"]
    found = validation.findings_frame([])
    text = data_health.validation_sentence(found, caps)
    assert "No warnings" not in text and "**orders** (gross_margin)" in text
    named = pd.DataFrame({"severity": ["warning"], "table": ["orders"], "column": ["gross_margin"],
                          "rule": ["empty_column"], "count": [0], "message": ["m"],
                          "examples": [""]})
    text = data_health.validation_sentence(named, caps)  # a named column is not listed twice
    assert text.startswith("1 warning(s). Errors would have stopped this report.")
    assert "gross_margin" not in text
    assert data_health.findings_table(named.assign(count=np.nan))["count"].tolist() == ["–"]


def test_support_summary_counts_the_capability_verdicts(tmp_path):
    ws, caps = _thin(tmp_path)
    with ws:
        sentence, finding = data_health.support_summary(caps)
    assert sentence.startswith("Of ") and "are skipped for lack of data" in sentence
    assert finding.startswith(finding.split(" of ")[0]) and "Decision process" in finding
    zh, _ = data_health.support_summary(caps, "zh")
    assert "项分析中" in zh
