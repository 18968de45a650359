"""Guards for dependency combinations known to break the workbook."""

from __future__ import annotations

import ibis
import pandas as pd
import sqlglot


def test_sqlglot_is_below_28():
    major = int(sqlglot.__version__.split(".")[0])
    assert major < 28, (
        f"sqlglot {sqlglot.__version__} is installed, but Ibis 12 with DuckDB needs sqlglot<28: "
        "newer sqlglot makes Ibis's create_table fail with a parser error. Keep the "
        "'sqlglot<28' pin in pyproject.toml until an Ibis release supports it."
    )


def test_duckdb_create_table_round_trip():
    frame = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3"],
            "amount": [10.5, -2.0, 7.25],
            "order_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
        }
    )
    con = ibis.duckdb.connect()
    t = con.create_table("t", frame)
    assert "t" in con.list_tables()
    back = t.order_by("account_id").to_pandas()
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    total = t.filter(t.amount > 0).amount.sum().execute()
    assert total == 17.75
    # A second, engine-side table built from an expression goes through the same path.
    con.create_table("t2", t.group_by("account_id").aggregate(n=t.count()), overwrite=True)
    assert con.table("t2").count().execute() == 3
