"""Data health: rows per month of the event tables."""

from __future__ import annotations

import pandas as pd
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
