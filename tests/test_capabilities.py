"""What the data supports, measured on small crafted sources."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import AS_OF, write_tables

from helpers.data import capabilities, datasets
from helpers.data.capabilities import ANALYSES, ANALYSIS_BY_KEY
from helpers.presentation import capability_text, i18n


def _measure(tables, tmp_path, fmt="parquet", as_of=AS_OF):
    ws = datasets.open_workspace(write_tables(tables, tmp_path / "d", fmt))
    return capabilities.measure(ws, as_of)


def test_rich_tiny_world_facts(tables, tmp_path):
    caps = _measure(tables, tmp_path)
    assert caps.rows["accounts"] == 3 and caps.rows["orders"] == 4
    assert caps.customers == 2
    assert caps.repeat_buyers == 2  # A1 and A2 each ordered on two days
    assert caps.first_order == "2024-05-05" and caps.last_order == "2026-06-01"
    assert caps.history_days == (pd.Timestamp(AS_OF) - pd.Timestamp("2024-05-05")).days
    assert caps.time_of_day == {"interactions.timestamp": True}
    assert caps.experiments == 0
    assert caps.spend_months == 1
    assert caps.order_months == 4


def test_absent_and_empty_columns_are_missing(tables, tmp_path):
    tables["accounts"] = tables["accounts"].drop(columns=["city"])
    tables["orders"]["gross_margin"] = float("nan")
    caps = _measure(tables, tmp_path)
    assert not caps.has("accounts", "city")
    assert not caps.has("orders", "gross_margin")
    assert caps.has("orders", "amount")
    assert "city" in caps.missing_columns("accounts")
    assert caps.empty_columns("orders") == ["gross_margin"]
    status, reasons = caps.support("value.profit_clv")
    assert status == "not_supported"
    assert reasons == [("column", (("column", "orders.gross_margin"),))]
    assert [capability_text.reason_text(r) for r in reasons] == [
        "orders.gross_margin is missing or empty"]


def test_blank_strings_count_as_empty(tables, tmp_path):
    tables["accounts"]["industry"] = ["", " ", None]
    caps = _measure(tables, tmp_path, fmt="csv")
    assert not caps.has("accounts", "industry")


def test_dates_without_time_of_day(tables, tmp_path):
    stamps = tables["interactions"].timestamp
    tables["interactions"]["timestamp"] = stamps.dt.normalize()
    caps = _measure(tables, tmp_path)
    assert caps.time_of_day == {"interactions.timestamp": False}
    status, reasons = caps.support("content.timing")
    assert status == "partial"  # weekdays still count, hours do not
    assert "without a time of day" in capability_text.reason_text(reasons[0])
    assert caps.support("profiling.timing")[0] == "partial"


def test_date_typed_csv_column_counts_as_dates_only(tables, tmp_path):
    tables["interactions"]["timestamp"] = ["2026-05-05", "2026-06-01"]
    caps = _measure(tables, tmp_path, fmt="csv")
    assert caps.time_of_day == {"interactions.timestamp": False}


def test_orders_after_as_of_are_not_history(tables, tmp_path):
    caps = _measure(tables, tmp_path, as_of="2025-01-31")
    assert caps.customers == 2 and caps.repeat_buyers == 0
    assert caps.last_order == "2025-01-05"


def test_experiments_need_two_variants(tables, tmp_path):
    inter = tables["interactions"]
    inter["experiment_id"] = pd.Series(["E1", "E1"], dtype="string")
    inter["variant"] = pd.Series(["A", "A"], dtype="string")
    one = _measure(tables, tmp_path / "one")
    assert one.experiments == 0
    assert capability_text.skip_note(one.support("content.ab_tests")) == (
        "Skipped: no experiment in the interactions has two or more variants.")
    inter["variant"] = pd.Series(["A", "B"], dtype="string")
    caps = _measure(tables, tmp_path / "two")
    assert caps.experiments == 1
    assert caps.support("content.ab_tests") == ("supported", [])


def test_transaction_log_supports_value_but_not_profiling(tmp_path):
    tables = {
        "accounts": pd.DataFrame({"account_id": [f"A{i}" for i in range(40)]}),
        "orders": pd.DataFrame({
            "order_id": [f"O{i}" for i in range(80)],
            "account_id": [f"A{i % 40}" for i in range(80)],
            "order_date": pd.date_range("2024-01-01", periods=80, freq="9D").date,
            "amount": [100.0 + i for i in range(80)],
        }),
    }
    caps = _measure(tables, tmp_path)
    assert caps.customers == 40 and caps.repeat_buyers == 40
    assert caps.support("value.rfm")[0] == "supported"
    assert caps.support("profiling.firmographics")[0] == "not_supported"
    assert capability_text.skip_note(caps.support("content.performance")) == (
        "Skipped: the data has no content table; the data has no interactions table.")
    assert capability_text.skip_note(caps.support("value.rfm")) is None
    frame = capability_text.support_frame(caps.support_rows())
    assert len(frame) == len(ANALYSES)
    assert set(frame.status) <= {"supported", "partial", "not supported"}
    assert not frame.isna().any().any()


def test_no_orders_at_all(tables, tmp_path):
    tables["orders"] = tables["orders"].iloc[0:0]
    caps = _measure(tables, tmp_path)
    assert caps.customers == 0 and caps.history_days == 0
    assert caps.first_order is None and caps.median_tenure_days is None
    facts = capability_text.facts_frame(caps.as_dict())
    assert "–" in set(facts.iloc[:, 1])


def test_duplicate_reasons_are_said_once(tmp_path, tables):
    del tables["contacts"], tables["opportunities"]
    caps = _measure(tables, tmp_path)
    status, reasons = caps.support("profiling.decision_process")
    assert status == "not_supported"
    assert len(reasons) == len(set(reasons)) == 2


def test_cached_measure_round_trips(tables, tmp_path):
    ws = datasets.open_workspace(write_tables(tables, tmp_path / "d", "parquet"))
    first = capabilities.cached_measure(ws, AS_OF, tmp_path / "out")
    again = capabilities.cached_measure(ws, AS_OF, tmp_path / "out")
    assert first == again == capabilities.measure(ws, AS_OF)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_analysis_and_reason_has_a_text(language):
    for analysis in ANALYSES:
        assert capability_text.analysis_label(analysis.key, language) != analysis.key
        if language == "en":  # validation messages use the English label of the data layer
            assert analysis.label == capability_text.analysis_label(analysis.key, language)
        assert analysis.key in ANALYSIS_BY_KEY
    caps = capabilities.Capabilities(as_of=AS_OF)
    for analysis in ANALYSES:
        status, reasons = caps.support(analysis.key)
        assert all("{" not in capability_text.reason_text(r, language) for r in reasons)
