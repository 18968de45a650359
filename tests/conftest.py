"""Shared fixtures: a tiny, valid set of contract tables built in memory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

AS_OF = "2026-06-30"


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Three accounts, a few orders, and one row in each optional table."""
    accounts = pd.DataFrame({
        "account_id": ["A1", "A2", "A3"],
        "account_name": ["Alpha GmbH", "Beta Ltd", "Gamma SA"],
        "industry": ["Manufacturing", "Healthcare", "Retail"],
        "employees": [120, 5400, 30],
        "annual_revenue": [2.0e7, 9.0e8, 3.0e6],
        "region": ["EMEA", "EMEA", "AMER"],
        "country": ["Germany", "UK", "USA"],
        "city": ["Munich", "London", "Austin"],
        "created_date": pd.to_datetime(["2024-01-10", "2023-08-01", "2025-03-03"]).date,
        "owner": ["Kim", "Lee", "Kim"],
        "acquisition_channel": ["events", "referral", "search"],
        "is_competitor_customer": [False, True, False],
    })
    orders = pd.DataFrame({
        "order_id": ["O1", "O2", "O3", "O4"],
        "account_id": ["A1", "A1", "A2", "A2"],
        "order_date": pd.to_datetime(["2025-01-05", "2026-02-01", "2024-05-05", "2026-06-01"]).date,
        "amount": [1000.0, 2500.0, 90000.0, -500.0],
        "gross_margin": [300.0, 800.0, 27000.0, -150.0],
        "product_line": ["Sensors", "Software", "Sensors", "Sensors"],
    })
    contacts = pd.DataFrame({"contact_id": ["C1"], "account_id": ["A1"],
                             "role": ["decision_maker"], "seniority": ["VP"]})
    content = pd.DataFrame({"content_id": ["K1"], "title": ["Guide"], "content_type": ["whitepaper"],
                            "content_category": ["educational"], "topic": ["pricing"],
                            "publish_date": [dt.date(2025, 1, 1)], "production_cost": [1200.0]})
    interactions = pd.DataFrame({
        "interaction_id": ["I1", "I2"], "account_id": ["A1", "A3"], "contact_id": ["C1", None],
        "timestamp": pd.to_datetime(["2026-05-05 10:00", "2026-06-01 14:30"]),
        "channel": ["email", "website"], "event_type": ["click", "view"],
        "content_id": ["K1", "K1"], "campaign_id": ["CMP1", None],
        "experiment_id": pd.Series([None, None], dtype="string"),
        "variant": pd.Series([None, None], dtype="string"),
    })
    opportunities = pd.DataFrame({
        "opportunity_id": ["P1"], "account_id": ["A1"], "created_date": [dt.date(2025, 12, 1)],
        "close_date": [dt.date(2026, 2, 1)], "stage": ["won"], "amount": [2500.0],
        "source_channel": ["email"], "source_content_id": ["K1"],
    })
    spend = pd.DataFrame({"period_start": [dt.date(2026, 5, 1)], "channel": ["email"],
                          "spend": [5000.0], "campaign_id": ["CMP1"], "target_tier": ["key"]})
    surveys = pd.DataFrame({"response_id": ["R1"], "account_id": ["A2"],
                            "response_date": [dt.date(2026, 3, 1)], "nps": [9], "csat": [5],
                            "pain_points": ["pricing;support"], "comment": ["fine"]})
    service = pd.DataFrame({"account_id": ["A2"], "period_start": [dt.date(2026, 1, 1)],
                            "cost_type": ["support"], "amount": [800.0]})
    return {"accounts": accounts, "orders": orders, "contacts": contacts, "content": content,
            "interactions": interactions, "opportunities": opportunities,
            "marketing_spend": spend, "surveys": surveys, "service_costs": service}


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, fmt: str = "csv",
                 encoding: str = "utf-8") -> Path:
    """Write tables as ``<name>.<fmt>`` files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if fmt == "csv":
            frame.to_csv(folder / f"{name}.csv", index=False, encoding=encoding)
        elif fmt == "parquet":
            frame.to_parquet(folder / f"{name}.parquet", index=False)
        elif fmt == "xlsx":
            frame.to_excel(folder / f"{name}.xlsx", index=False)
    return folder


@pytest.fixture
def tables():
    return tiny_tables()


@pytest.fixture
def csv_folder(tmp_path, tables):
    return write_tables(tables, tmp_path / "data", "csv")


# --------------------------------------------------------------------------- engine runs


@pytest.fixture(scope="session")
def engine_world(tmp_path_factory):
    """The small sample world (Parquet) that every whole-run engine comparison reads."""
    from engine_compare import WORLD

    from helpers.data import sample_world

    folder = tmp_path_factory.mktemp("engine_world")
    sample_world.generate_world(folder, **WORLD)
    return folder


@pytest.fixture(scope="session")
def duckdb_run(engine_world, tmp_path_factory):
    """The DuckDB `workbook run` on ``engine_world``, started on first use, shared.

    Returns a :class:`engine_compare.WorkbookRun`; call ``.exports()`` to wait for it.
    Request it with ``request.getfixturevalue`` after the other engine is known to be
    available, so that a skipped engine test does not start a run nobody reads.
    """
    from engine_compare import WorkbookRun

    run = WorkbookRun("duckdb", str(engine_world), tmp_path_factory.mktemp("duckdb_run"))
    yield run
    run.kill()
