"""Account features: the engine version against the pandas reference and hand-checked cases."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from helpers.core.errors import DataError, ParamError
from helpers.data.contract import CONTRACT
from helpers.data.features import (
    DEFAULT_SIZE_BANDS,
    account_features,
    column_slug,
    feature_columns_description,
)
from helpers.data.features_reference import account_features_pandas

AS_OF = dt.date(2025, 6, 30)
IBIS_TYPES = {
    "string": "string",
    "integer": "int64",
    "float": "float64",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
}


def _day(offset_days) -> np.ndarray:
    """Dates ``offset_days`` before AS_OF (negative offsets lie after it)."""
    base = np.datetime64(AS_OF, "D")
    return base - np.asarray(offset_days, dtype="int64").astype("timedelta64[D]")


def make_world(seed: int = 7, n_accounts: int = 300) -> dict[str, pd.DataFrame]:
    """A small random world with the awkward cases the features must handle."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"A{i:04d}" for i in range(n_accounts)])
    employees = rng.integers(1, 20000, n_accounts).astype("float64")
    employees[[3, 4, 5, 6]] = [49, 50, 4999, 5000]
    employees[7] = np.nan
    created = _day(rng.integers(30, 2000, n_accounts))
    created[8] = _day([-10])[0]  # created after as_of: left out
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "account_name": [f"Company {i}" for i in range(n_accounts)],
            "industry": rng.choice(["software", "retail", "制造业"], n_accounts),
            "employees": pd.array(employees, dtype="Float64").astype("Int64"),
            "annual_revenue": rng.lognormal(15, 1, n_accounts),
            "region": rng.choice(["EMEA", "APAC", "AMER"], n_accounts),
            "country": rng.choice(["DE", "CN", "US"], n_accounts),
            "city": rng.choice(["Berlin", "上海", "Austin"], n_accounts),
            "created_date": created,
            "owner": rng.choice(["ann", "bo"], n_accounts),
            "acquisition_channel": rng.choice(["events", "search"], n_accounts),
            "is_competitor_customer": rng.random(n_accounts) < 0.3,
        }
    )

    # Accounts 0-19 have no orders; 20-29 exactly one; the rest several.
    n_orders = rng.integers(2, 30, n_accounts)
    n_orders[:20] = 0
    n_orders[20:30] = 1
    acc_of_order = np.repeat(ids, n_orders)
    m = len(acc_of_order)
    amount = rng.lognormal(8, 1.2, m).round(2)
    credit = rng.random(m) < 0.08
    amount[credit] = -amount[credit] / 3
    order_dates = _day(rng.integers(-60, 900, m))  # some after as_of
    orders = pd.DataFrame(
        {
            "order_id": [f"O{i:06d}" for i in range(m)],
            "account_id": acc_of_order,
            "order_date": order_dates,
            "amount": amount,
            "gross_margin": (amount * rng.uniform(0.1, 0.5, m)).round(2),
            "product_line": rng.choice(["core", "addon", "service", "training"], m),
        }
    )
    # Several orders on the same date for one account, and a credit note only account.
    tie = pd.DataFrame(
        {
            "order_id": ["T1", "T2", "T3", "C1"],
            "account_id": ["A0030", "A0030", "A0030", "A0010"],
            "order_date": _day([5, 5, 40, 12]),
            "amount": [100.0, 50.0, 10.0, -25.0],
            "gross_margin": [30.0, 10.0, 2.0, -5.0],
            "product_line": ["core", "core", "addon", "core"],
        }
    )
    orders = pd.concat([orders, tie], ignore_index=True)

    k = n_accounts * 12
    ts = np.datetime64(AS_OF, "s") - rng.integers(-20 * 86400, 700 * 86400, k).astype(
        "timedelta64[s]"
    )
    interactions = pd.DataFrame(
        {
            "interaction_id": [f"I{i:07d}" for i in range(k)],
            "account_id": rng.choice(ids[:-15], k),  # the last 15 accounts never interact
            "contact_id": pd.array([None] * k, dtype="str"),
            "timestamp": ts,
            "channel": rng.choice(["email", "Web Visit", "web-visit", "webinar", None], k),
            "event_type": rng.choice(["open", "click", "download", "meeting"], k),
        }
    )

    q = n_accounts * 2
    opp_created = _day(rng.integers(-30, 700, q))
    closes = opp_created + rng.integers(0, 200, q).astype("timedelta64[D]")
    stage = rng.choice(["open", "won", "lost"], q)
    opportunities = pd.DataFrame(
        {
            "opportunity_id": [f"P{i:05d}" for i in range(q)],
            "account_id": rng.choice(ids, q),
            "created_date": opp_created,
            "close_date": np.where(stage == "open", np.datetime64("NaT"), closes),
            "stage": stage,
            "amount": rng.lognormal(9, 1, q).round(2),
        }
    )

    r = n_accounts
    surveys = pd.DataFrame(
        {
            "response_id": [f"R{i:05d}" for i in range(r)],
            "account_id": rng.choice(ids[:200], r),
            "response_date": _day(rng.integers(-30, 500, r)),
            "nps": rng.integers(0, 11, r),
            "csat": pd.array(rng.integers(1, 6, r), dtype="Int64"),
        }
    )
    surveys.loc[::9, "csat"] = pd.NA
    same_day = pd.DataFrame(
        {
            "response_id": ["R90001", "R90002"],
            "account_id": ["A0250", "A0250"],
            "response_date": _day([3, 3]),
            "nps": [2, 9],
            "csat": pd.array([1, 5], dtype="Int64"),
        }
    )
    surveys = pd.concat([surveys, same_day], ignore_index=True)

    c = n_accounts * 4
    service_costs = pd.DataFrame(
        {
            "account_id": rng.choice(ids[30:], c),
            "period_start": _day(rng.integers(-60, 720, c)),
            "cost_type": rng.choice(["support", "onboarding"], c),
            "amount": rng.uniform(10, 500, c).round(2),
        }
    )
    world = {
        "accounts": accounts,
        "orders": orders,
        "interactions": interactions,
        "opportunities": opportunities,
        "surveys": surveys,
        "service_costs": service_costs,
    }
    return {name: _contract_types(name, df) for name, df in world.items()}


def _contract_types(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Dates as ``datetime.date`` so parquet stores them as dates, as real data would."""
    df = df.copy()
    for col in CONTRACT[name].columns:
        if col.name in df.columns and col.dtype == "date":
            df[col.name] = pd.to_datetime(df[col.name]).dt.date.astype("object")
    return df


class FrameWorkspace:
    """The two methods features need, over in-memory DuckDB tables."""

    def __init__(self, tables: dict[str, pd.DataFrame]):
        self.con = ibis.duckdb.connect(threads=2)
        self._tables = {}
        for name, df in tables.items():
            t = self.con.create_table(name, df)
            casts = {
                c.name: IBIS_TYPES[c.dtype] for c in CONTRACT[name].columns if c.name in t.columns
            }
            self._tables[name] = t.cast(casts)

    def has(self, name: str) -> bool:
        return name in self._tables

    def table(self, name: str):
        return self._tables[name]


@pytest.fixture(scope="module")
def world() -> dict[str, pd.DataFrame]:
    return make_world()


@pytest.fixture(scope="module")
def features(world) -> pd.DataFrame:
    return account_features(FrameWorkspace(world), AS_OF)


def assert_same(engine: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert list(engine.columns) == list(reference.columns)
    assert engine.dtypes.astype(str).to_dict() == reference.dtypes.astype(str).to_dict()
    pd.testing.assert_frame_equal(engine, reference, check_exact=False, rtol=1e-9, atol=1e-6)


def _row(frame: pd.DataFrame, account_id: str) -> pd.Series:
    hit = frame[frame["account_id"] == account_id]
    assert len(hit) == 1, account_id
    return hit.iloc[0]


def test_engine_matches_pandas_reference(world, features):
    assert_same(features, account_features_pandas(world, AS_OF))


@pytest.mark.parametrize(
    ("as_of", "windows"),
    [("2024-12-31", (30,)), (dt.datetime(2025, 3, 1, 15, 30), (7, 90, 365, 730))],
)
def test_engine_matches_reference_other_dates_and_windows(world, as_of, windows):
    engine = account_features(FrameWorkspace(world), as_of, windows=windows)
    assert_same(engine, account_features_pandas(world, as_of, windows=windows))
    assert [f"orders_{w}d" for w in windows] == [c for c in engine if c.startswith("orders_")]


def test_engine_matches_reference_through_workspace(world, tmp_path):
    from helpers.data.datasets import open_workspace

    for name, df in world.items():
        df.to_parquet(tmp_path / f"{name}.parquet", index=False)
    with open_workspace(tmp_path) as ws:
        engine = account_features(ws, AS_OF)
    assert_same(engine, account_features_pandas(world, AS_OF))


def test_one_row_per_existing_account_sorted(world, features):
    expected = sorted(set(world["accounts"]["account_id"]) - {"A0008"})
    assert features["account_id"].tolist() == expected


def test_dtypes_are_stable(features):
    d = features.dtypes.astype(str).to_dict()
    for col in ("order_count", "orders_90d", "opp_won", "eng_email", "evt_click", "product_lines"):
        assert d[col] == "int64", col
    for col in ("revenue_total", "revenue_90d", "margin_rate", "nps_latest", "recency_days"):
        assert d[col] == "float64", col
    for col in ("created_date", "first_order_date", "last_order_date", "last_interaction_date"):
        assert d[col] == "datetime64[ns]", col
    assert d["employees"] == "Int64"
    assert d["is_competitor_customer"] == "boolean"
    assert isinstance(features["size_band"].dtype, pd.CategoricalDtype)
    assert features["size_band"].cat.ordered


def test_accounts_without_orders_are_zero_or_missing(features):
    row = _row(features, "A0000")
    assert row["order_count"] == 0 and row["revenue_total"] == 0.0
    assert row["orders_90d"] == 0 and row["product_lines"] == 0
    assert pd.isna(row["last_order_date"]) and pd.isna(row["recency_days"])
    assert pd.isna(row["avg_order_value"]) and pd.isna(row["mean_gap_days"])


def test_credit_note_only_account(features):
    row = _row(features, "A0010")
    assert row["order_count"] == 0
    assert row["credit_note_count"] == 1
    assert row["revenue_total"] == pytest.approx(-25.0)
    assert pd.isna(row["first_order_date"])
    assert pd.isna(row["margin_rate"])


def test_same_day_orders_count_once_for_gaps(world, features):
    row = _row(features, "A0030")
    o = world["orders"]
    o = o[(o["account_id"] == "A0030") & (o["amount"] >= 0)]
    dates = sorted({d for d in o["order_date"] if d <= AS_OF})
    gaps = np.diff(np.array(dates, dtype="datetime64[D]")).astype(int)
    assert row["mean_gap_days"] == pytest.approx(gaps.mean())
    assert row["last_gap_days"] == gaps[-1]
    assert row["last_order_date"] == pd.Timestamp(AS_OF - dt.timedelta(days=5))
    assert row["recency_days"] == 5


def test_single_order_account_has_no_gap(features):
    rows = features[features["account_id"].between("A0020", "A0029")]
    assert (rows["order_count"] <= 1).all()
    assert rows["mean_gap_days"].isna().all()
    assert rows["last_gap_days"].isna().all()


def test_window_sums_by_hand(world, features):
    o = world["orders"]
    o = o[o["account_id"] == "A0100"]
    d = pd.to_datetime(o["order_date"])
    as_of = pd.Timestamp(AS_OF)
    in_90 = (d > as_of - pd.Timedelta(days=90)) & (d <= as_of)
    row = _row(features, "A0100")
    assert row["revenue_90d"] == pytest.approx(o.loc[in_90, "amount"].sum())
    assert row["orders_90d"] == int((in_90 & (o["amount"] >= 0)).sum())
    assert row["revenue_total"] == pytest.approx(o.loc[d <= as_of, "amount"].sum())


def test_latest_nps_breaks_same_day_ties_by_response_id(features):
    row = _row(features, "A0250")
    assert row["nps_latest"] == 9.0


def test_size_bands_default_and_custom(world, features):
    bands = features.set_index("account_id")["size_band"]
    assert bands["A0003"] == "small" and bands["A0004"] == "mid"
    assert bands["A0005"] == "large" and bands["A0006"] == "enterprise"
    assert pd.isna(bands["A0007"])
    custom = (("tiny", 0), ("big", 1000))
    engine = account_features(FrameWorkspace(world), AS_OF, size_bands=custom)
    assert list(engine["size_band"].cat.categories) == ["tiny", "big"]
    assert_same(engine, account_features_pandas(world, AS_OF, size_bands=custom))


def test_engagement_columns_merge_values_with_the_same_slug(world, features):
    eng = [c for c in features if c.startswith("eng_")]
    assert eng == ["eng_email", "eng_web_visit", "eng_webinar"]
    assert [c for c in features if c.startswith("evt_")] == [
        "evt_click",
        "evt_download",
        "evt_meeting",
        "evt_open",
    ]
    i = world["interactions"]
    i = i[(i["account_id"] == "A0100") & (i["timestamp"] < pd.Timestamp("2025-07-01"))]
    row = _row(features, "A0100")
    assert row["eng_web_visit"] == i["channel"].isin(["Web Visit", "web-visit"]).sum()
    assert row["interactions_total"] == len(i)
    assert _row(features, world["accounts"]["account_id"].iloc[-1])["interactions_total"] == 0


def test_opportunities_closed_after_as_of_count_as_open(world):
    extra = pd.DataFrame(
        {
            "opportunity_id": ["X1", "X2", "X3"],
            "account_id": ["A0001"] * 3,
            "created_date": [AS_OF - dt.timedelta(days=50)] * 2 + [AS_OF + dt.timedelta(days=1)],
            "close_date": [AS_OF + dt.timedelta(days=10), AS_OF - dt.timedelta(days=1), None],
            "stage": ["won", "lost", "open"],
            "amount": [1000.0, 500.0, 70.0],
        }
    )
    tables = {"accounts": world["accounts"], "orders": world["orders"], "opportunities": extra}
    row = _row(account_features(FrameWorkspace(tables), AS_OF), "A0001")
    assert (row["opp_count"], row["opp_won"], row["opp_lost"], row["opp_open"]) == (2, 0, 1, 1)
    assert row["win_rate"] == 0.0
    assert row["pipeline_open_amount"] == 1000.0


def test_future_rows_do_not_change_features(world, features):
    later = {name: df.copy() for name, df in world.items()}
    future = later["orders"].iloc[:50].copy()
    future["order_id"] = "F" + future["order_id"]
    future["order_date"] = AS_OF + dt.timedelta(days=1)
    later["orders"] = pd.concat([later["orders"], future], ignore_index=True)
    assert_same(account_features(FrameWorkspace(later), AS_OF), features)


def test_missing_optional_tables(world):
    tables = {"accounts": world["accounts"], "orders": world["orders"]}
    engine = account_features(FrameWorkspace(tables), AS_OF)
    assert_same(engine, account_features_pandas(tables, AS_OF))
    assert not [c for c in engine if c.startswith(("eng_", "evt_"))]
    assert (engine["interactions_total"] == 0).all()
    assert (engine["opp_count"] == 0).all() and engine["win_rate"].isna().all()
    assert (engine["pipeline_open_amount"] == 0).all()
    assert engine["nps_latest"].isna().all() and engine["csat_mean"].isna().all()
    assert engine["cost_to_serve"].isna().all() and engine["margin_after_service"].isna().all()
    assert engine["last_interaction_date"].isna().all()


def test_unknown_margin_stays_missing_not_zero(world):
    orders = world["orders"].copy()
    orders["gross_margin"] = pd.array([pd.NA] * len(orders), dtype="Float64")
    some = orders["account_id"] == "A0030"
    orders.loc[some, "gross_margin"] = 5.0  # one account with margins, the rest without
    tables = {"accounts": world["accounts"], "orders": orders}
    engine = account_features(FrameWorkspace(tables), AS_OF)
    assert_same(engine, account_features_pandas(tables, AS_OF))
    buyers = engine[engine["revenue_total"] != 0]
    assert buyers.loc[buyers.account_id != "A0030", "margin_total"].isna().all()
    assert buyers.loc[buyers.account_id != "A0030", "margin_rate"].isna().all()
    assert _row(engine, "A0030")["margin_total"] > 0
    assert _row(engine, "A0000")["margin_total"] == 0.0  # no orders: nothing to know


def test_service_costs_reduce_margin(features):
    row = _row(features, "A0000")  # no costs planted for the first 30 accounts
    assert row["cost_to_serve"] == 0.0
    assert (features["margin_after_service"] == features["margin_total"] - features[
        "cost_to_serve"
    ]).all()


def test_survey_without_csat_column(world):
    tables = {
        "accounts": world["accounts"],
        "orders": world["orders"],
        "surveys": world["surveys"].drop(columns="csat"),
    }
    engine = account_features(FrameWorkspace(tables), AS_OF)
    assert engine["csat_mean"].isna().all()
    assert engine["nps_latest"].notna().any()
    assert_same(engine, account_features_pandas(tables, AS_OF))


def test_missing_required_table_is_a_readable_error(world):
    with pytest.raises(DataError, match="orders"):
        account_features(FrameWorkspace({"accounts": world["accounts"]}), AS_OF)
    with pytest.raises(DataError, match="orders"):
        account_features_pandas({"accounts": world["accounts"]}, AS_OF)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"windows": (0,)},
        {"windows": (30, 30)},
        {"windows": (1.5,)},
        {"size_bands": (("a", 10), ("b", 5))},
        {"size_bands": ()},
    ],
)
def test_bad_parameters_raise(world, kwargs):
    with pytest.raises(ParamError):
        account_features(FrameWorkspace(world), AS_OF, **kwargs)


def test_bad_as_of_raises(world):
    with pytest.raises(ParamError, match="as_of"):
        account_features(FrameWorkspace(world), "not a date")


def test_column_slug():
    assert column_slug(" Web Visit ") == "web_visit"
    assert column_slug("微信") == "微信"
    assert column_slug("--") == "blank"


def test_description_covers_every_column(features):
    desc = feature_columns_description()
    assert list(desc.columns) == ["column", "meaning"]
    assert desc["meaning"].str.len().gt(0).all()
    described = set(desc["column"])
    for col in features.columns:
        if col.startswith(("eng_", "evt_")):
            continue
        assert col in described, col
    assert {"eng_<channel>", "evt_<event_type>"} <= described
    assert DEFAULT_SIZE_BANDS[0][0] in desc.set_index("column").loc["size_band", "meaning"]


def test_engine_does_the_grouping(world, monkeypatch):
    """The heavy lifting stays in the backend: no pandas group-bys or pivots."""

    def forbidden(*args, **kwargs):
        raise AssertionError("account_features must not group or pivot in pandas")

    ws = FrameWorkspace(world)
    for cls in (pd.DataFrame, pd.Series):
        monkeypatch.setattr(cls, "groupby", forbidden)
    monkeypatch.setattr(pd.DataFrame, "pivot_table", forbidden)
    features = account_features(ws, AS_OF)
    assert len(features) == len(world["accounts"]) - 1
