"""KPI formulas, engine series on a hand-made world, comparisons, alerts and run-over-run.

The hand-made world (``as_of`` 2026-06-30, quarters 2026-Q1 and 2026-Q2) has known answers
for 2026-Q2, worked out in the comments next to the data.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import ibis
import numpy as np
import pandas as pd
import pytest

from helpers.analysis import kpis
from helpers.core.errors import ParamError
from helpers.core.paths import resolve
from helpers.data.contract import CONTRACT
from helpers.data.datasets import LOGICAL_TO_IBIS
from helpers.report import history, outputs
from helpers.report.summary import comparison_breaks
from helpers.stats.intervals import wilson_interval

AS_OF = "2026-06-30"
D = dt.date


def hand_world() -> dict[str, pd.DataFrame]:
    """Six accounts with every KPI worked out by hand for 2026-Q2 (see test bodies)."""
    accounts = pd.DataFrame({
        "account_id": ["A", "B", "C", "D", "E", "F", "OLD"],
        "account_name": ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Old"],
        "industry": ["Tech"] * 7, "employees": [100] * 7, "annual_revenue": [1e6] * 7,
        "region": ["North", "North", "South", "South", "South", "South", "South"],
        "country": ["X"] * 7, "city": ["Y"] * 7,
        "created_date": [D(2022, 1, 1)] * 7, "owner": ["Kim"] * 7,
        "acquisition_channel": ["email", "email", "events", "events", "email", "search",
                                "events"],
        "is_competitor_customer": [False] * 7,
        "acquisition_cost": [np.nan, np.nan, np.nan, 900.0, 500.0, np.nan, np.nan],
    })
    order_rows = [  # (account, date, amount); margin is half the amount
        ("OLD", D(2023, 1, 15), 100.0),   # first order in the data: history starts 2023-01
        ("A", D(2024, 8, 10), 1000.0),    # base year (2024-07..2025-06) for the Q2 cohort
        ("A", D(2026, 5, 10), 1500.0),    # trailing year, in Q2: A grows
        ("B", D(2025, 1, 20), 2000.0),
        ("B", D(2025, 9, 5), 500.0),
        ("B", D(2026, 6, 1), -100.0),     # credit note in Q2: B shrinks to 400
        ("C", D(2024, 12, 3), 1000.0),    # nothing since: C churned
        ("D", D(2026, 4, 15), 300.0),     # first order in Q2: new customer
        ("E", D(2026, 2, 1), 200.0),      # first order in Q1: new customer
        ("A", D(2026, 7, 2), 9999.0),     # after as_of: ignored
    ]
    orders = pd.DataFrame({
        "order_id": [f"O{i}" for i in range(len(order_rows))],
        "account_id": [r[0] for r in order_rows],
        "order_date": [r[1] for r in order_rows],
        "amount": [r[2] for r in order_rows],
        "gross_margin": [r[2] / 2 for r in order_rows],
        "product_line": ["P"] * len(order_rows),
    })
    spend = pd.DataFrame({
        "period_start": [D(2026, 2, 1), D(2026, 4, 1), D(2026, 5, 1), D(2026, 7, 1)],
        "channel": ["email", "email", "ads", "email"],
        "spend": [500.0, 600.0, 400.0, 7777.0],
        "campaign_id": [None] * 4, "target_tier": [None] * 4,
    })
    opportunities = pd.DataFrame({
        "opportunity_id": ["P1", "P2", "P3", "P4", "P5"],
        "account_id": ["A", "B", "D", "C", "E"],
        "created_date": [D(2026, 4, 5), D(2026, 4, 10), D(2026, 1, 20), D(2026, 5, 1),
                         D(2026, 6, 1)],
        # P4 is won only after as_of, so on as_of it is still open
        "close_date": [D(2026, 5, 1), D(2026, 6, 10), D(2026, 4, 10), D(2026, 7, 15), None],
        "stage": ["won", "lost", "won", "won", "open"],
        "amount": [1500.0, 800.0, 300.0, 100.0, 50.0],
        "source_channel": ["email"] * 5, "source_content_id": [None] * 5,
    })
    touches = [("A", "2026-04-02 10:00"), ("A", "2026-05-02 10:00"), ("B", "2026-06-30 23:00"),
               ("D", "2026-04-01 08:00"), ("F", "2026-05-05 09:00"),
               ("C", "2026-07-02 09:00"),  # after as_of
               ("E", "2026-03-01 09:00")]  # Q1
    interactions = pd.DataFrame({
        "interaction_id": [f"I{i}" for i in range(len(touches))],
        "account_id": [a for a, _ in touches], "contact_id": [None] * len(touches),
        "timestamp": pd.to_datetime([ts for _, ts in touches]),
        "channel": ["email"] * len(touches), "event_type": ["click"] * len(touches),
        "content_id": [None] * len(touches), "campaign_id": [None] * len(touches),
        "experiment_id": [None] * len(touches), "variant": [None] * len(touches),
    })
    surveys = pd.DataFrame({
        "response_id": [f"R{i}" for i in range(6)],
        "account_id": ["A", "B", "C", "D", "E", "A"],
        "response_date": [D(2026, 4, 1), D(2026, 4, 2), D(2026, 5, 3), D(2026, 6, 4),
                          D(2026, 6, 5), D(2026, 7, 1)],
        "nps": [10, 9, 8, 7, 0, 0],
        "csat": [5.0, 4.0, 3.0, None, 1.0, 1.0],
        "pain_points": [None] * 6, "comment": [None] * 6,
    })
    return {"accounts": accounts, "orders": orders, "marketing_spend": spend,
            "opportunities": opportunities, "interactions": interactions, "surveys": surveys}


class FrameWorkspace:
    """``table``/``has`` over in-memory DuckDB tables cast to the contract types."""

    def __init__(self, tables: dict[str, pd.DataFrame]):
        self.con = ibis.duckdb.connect(threads=1)
        self._tables = {}
        for name, df in tables.items():
            df = df.copy()
            for col in CONTRACT[name].columns:
                if col.name in df.columns and col.dtype == "date":
                    df[col.name] = pd.to_datetime(df[col.name])
                elif col.name in df.columns and df[col.name].isna().all():
                    df[col.name] = df[col.name].astype("string")  # all-null columns need a type
            t = self.con.create_table(name, df)
            self._tables[name] = t.cast({c.name: LOGICAL_TO_IBIS[c.dtype]
                                         for c in CONTRACT[name].columns if c.name in t.columns})

    def has(self, name: str) -> bool:
        return name in self._tables

    def table(self, name: str):
        return self._tables[name]


@pytest.fixture(scope="module")
def ws():
    return FrameWorkspace(hand_world())


@pytest.fixture(scope="module")
def series(ws):
    return kpis.kpi_series(ws, AS_OF, freq="quarter", periods=2, sales_cost_per_month=100.0,
                           discount_rate=0.0, horizon_years=2)


def q2(series) -> pd.Series:
    return series.set_index("period").loc["2026-Q2"]


# --------------------------------------------------------------------------- formulas


def test_nps_of_the_issue_example():
    assert kpis.nps([10, 9, 8, 7, 0]) == 20


def test_nps_edges():
    assert kpis.nps([10, 10]) == 100
    assert kpis.nps([0, 6]) == -100
    assert kpis.nps([7, 8, np.nan]) == 0
    assert math.isnan(kpis.nps([]))


def test_csat_counts_four_and_five_as_satisfied():
    assert kpis.csat([5, 4, 3, 1]) == 0.5
    assert kpis.csat([4, np.nan]) == 1.0


def test_cac_and_division_by_zero():
    assert kpis.cac(1000.0, 4) == 250.0
    assert math.isnan(kpis.cac(1000.0, 0))
    np.testing.assert_allclose(kpis.cac([100, 300], [1, 2]), [100, 150])


def test_clv_formula():
    # one year: the margin itself; q = 1 - churn without discounting
    assert kpis.clv(1000, 0.2, discount_rate=0, horizon_years=1) == pytest.approx(1000)
    assert kpis.clv(1000, 0.5, discount_rate=0, horizon_years=2) == pytest.approx(1500)
    # q = 0.8 / 1.1 over 3 years: 1 + q + q^2
    q = 0.8 / 1.1
    assert kpis.clv(1000, 0.2, discount_rate=0.1, horizon_years=3) == pytest.approx(
        1000 * (1 + q + q * q))
    # no churn and no discount: margin times years
    assert kpis.clv(1000, 0.0, discount_rate=0.0, horizon_years=10) == pytest.approx(10000)
    with pytest.raises(ParamError):
        kpis.clv(1000, 0.2, horizon_years=0)


def test_clv_cac_churn_win_growth():
    assert kpis.clv_cac_ratio(3000, 1000) == 3
    assert kpis.churn_rate(10, 2) == 0.2
    assert kpis.win_rate(3, 1) == 0.75
    assert math.isnan(kpis.win_rate(0, 0))
    assert kpis.growth(115, 100) == pytest.approx(0.15)
    assert math.isnan(kpis.growth(5, 0))


def test_revenue_retention():
    grr, nrr = kpis.revenue_retention([1000, 2000, 1000, 0], [1500, 400, 0, 300])
    assert grr == pytest.approx(1400 / 4000)
    assert nrr == pytest.approx(1900 / 4000)  # the account without base revenue is not counted


def test_intervals_contain_the_estimate_and_shrink_with_n():
    lo, hi = wilson_interval([5, 50], [10, 100])
    assert (lo < 0.5).all() and (hi > 0.5).all()
    assert hi[1] - lo[1] < hi[0] - lo[0]
    lo, hi = kpis.nps_interval([5], [2], [10])
    assert lo[0] < 30 < hi[0]
    lo, hi = kpis.poisson_interval([0, 4])
    assert lo[0] == 0 and lo[1] < 4 < hi[1]


# --------------------------------------------------------------------------- periods


def test_periods_end_with_the_last_complete_quarter():
    p = kpis.kpi_periods("2026-05-15", freq="quarter", periods=3)
    assert list(p.period) == ["2025-Q3", "2025-Q4", "2026-Q1"]
    assert p.end.iloc[-1] == D(2026, 3, 31) and p.start.iloc[0] == D(2025, 7, 1)
    m = kpis.kpi_periods("2026-06-30", freq="month", periods=2)
    assert list(m.period) == ["2026-05", "2026-06"]
    assert m.cur_lo.iloc[-1] == D(2025, 7, 1) and m.base_lo.iloc[-1] == D(2024, 7, 1)
    with pytest.raises(ParamError, match="quarter"):
        kpis.kpi_periods(AS_OF, freq="quartr")


# --------------------------------------------------------------------------- engine series


def test_revenue_and_new_customers(series):
    row = q2(series)
    assert row.revenue == pytest.approx(1500 + 300 - 100)
    assert row.new_customers == 1  # D
    assert series.set_index("period").loc["2026-Q1", "new_customers"] == 1  # E


def test_cac_includes_sales_cost(series):
    row = q2(series)
    assert row.spend == pytest.approx(600 + 400 + 3 * 100)
    assert row.cac == pytest.approx(1300)
    assert series.set_index("period").loc["2026-Q1", "cac"] == pytest.approx(500 + 300)


def test_churn_and_retention(series):
    row = q2(series)
    assert (row.customers_start, row.churned) == (3, 1)  # A, B, C; C churned
    assert row.churn_rate == pytest.approx(1 / 3)
    assert row.grr == pytest.approx((1000 + 400 + 0) / 4000)
    assert row.nrr == pytest.approx((1500 + 400) / 4000)
    assert row.active_customers == 4  # A, B, D, E


def test_clv_and_ratio(series):
    row = q2(series)
    # margin of active customers over the trailing year: half of 1500 + 400 + 300 + 200
    assert row.margin_per_customer == pytest.approx(1200 / 4)
    assert row.clv == pytest.approx(300 * (1 + 2 / 3))  # q = 2/3 over 2 years
    assert row.clv_cac == pytest.approx(500 / 1300)


def test_funnel_win_rate_and_cycle(series):
    row = q2(series)
    assert (row.engaged, row.engaged_opp, row.engaged_won) == (4, 2, 1)  # A,B,D,F; A,B; A
    assert row.conv_engaged_opp == 0.5 and row.conv_opp_won == 0.5
    assert row.opportunity_accounts == 4  # A, B, C, E created one in Q2
    assert (row.opps_won, row.opps_lost) == (2, 1)  # P1, P3 won; P2 lost; P4 closes later
    assert row.win_rate == pytest.approx(2 / 3)
    assert row.sales_cycle_days == pytest.approx((26 + 80) / 2)
    funnel = kpis.funnel_table(series)
    assert list(funnel.accounts) == [4, 2, 1]


def test_nps_and_csat_in_the_engine(series):
    row = q2(series)
    assert row.nps == pytest.approx(20)
    assert row.csat == pytest.approx(2 / 4)


def test_history_guard_leaves_early_periods_empty(ws):
    s = kpis.kpi_series(ws, AS_OF, freq="quarter", periods=16)
    first = s.set_index("period")
    assert np.isnan(first.loc["2023-Q4", "new_customers"])  # within a year of 2023-01
    assert first.loc["2024-Q1", "new_customers"] == 0
    assert np.isnan(first.loc["2024-Q3", "churn_rate"])  # base year starts before the data
    # 2024-Q4: base year 2023-01..2023-12 starts with the data; OLD bought then, not since
    assert first.loc["2024-Q4", "churn_rate"] == 1.0


def test_changes_relative_and_points(series):
    ch = kpis.kpi_changes(series, kpis=["cac", "churn_rate", "revenue"])
    cac = ch[(ch.kpi == "cac") & (ch.period == "2026-Q2")].iloc[0]
    assert cac["pop"] == pytest.approx(1300 / 800 - 1) and cac["change"] == "relative"
    assert np.isnan(cac["yoy"])
    churn = ch[(ch.kpi == "churn_rate") & (ch.period == "2026-Q2")].iloc[0]
    assert churn["change"] == "points"


def test_missing_optional_tables_drop_their_kpis():
    world = {k: v for k, v in hand_world().items() if k in ("accounts", "orders")}
    s = kpis.kpi_series(FrameWorkspace(world), AS_OF, periods=2)
    assert "revenue" in s and "churn_rate" in s
    for col in ("cac", "nps", "win_rate", "conv_engaged_opp"):
        assert col not in s


# --------------------------------------------------------------------------- comparisons


def test_compare_by_region(ws):
    table = kpis.compare_kpis(ws, AS_OF, by="region", min_count=2).set_index("group")
    assert table.loc["South", "churn_rate"] == 1.0  # C is the South cohort and churned
    assert table.loc["North", "churn_rate"] == 0.0
    assert table.loc["North", "nps"] == pytest.approx(100.0)  # A 10, B 9
    assert table.loc["South", "small_sample"]
    lo, hi = table.loc["North", ["nps_lo", "nps_hi"]]
    assert lo <= 100 <= hi


def test_compare_custom_groups(ws):
    groups = pd.DataFrame({"account_id": ["A", "B", "C", "D", "E", "F", "OLD"],
                           "group": ["key", "key", "other", "other", "other", "other", "other"]})
    table = kpis.compare_kpis(ws, AS_OF, groups=groups).set_index("group")
    assert table.loc["key", "revenue"] == pytest.approx(1500 + 500 - 100)  # 2025-07..2026-06


def test_compare_breakdowns_equal_one_split_at_a_time(ws):
    groups = pd.DataFrame({"account_id": ["A", "B", "C", "D", "E", "F", "OLD"],
                           "group": ["key", "key", "other", "other", "other", "other", "other"]})
    tables = kpis.compare_breakdowns(ws, AS_OF, {"region": "region", "tier": groups,
                                                 "channel": "acquisition_channel"}, min_count=2)
    assert list(tables) == ["region", "tier", "channel"]
    pd.testing.assert_frame_equal(tables["region"],
                                  kpis.compare_kpis(ws, AS_OF, by="region", min_count=2))
    pd.testing.assert_frame_equal(tables["tier"],
                                  kpis.compare_kpis(ws, AS_OF, groups=groups, min_count=2))
    assert set(tables["channel"]["group"]) == {"email", "events", "search"}


def test_compare_breakdowns_count_each_membership(ws):
    # A sits in two groups, C, E and OLD in none; F only interacts, W's account only ordered
    # before the window: groups without any activity in the window are left out, as in
    # compare_kpis.
    groups = pd.DataFrame({"account_id": ["A", "D", "A", "B", "F", "OLD"],
                           "group": ["x", "x", "y", "y", "z", "w"]})
    table = kpis.compare_breakdowns(ws, AS_OF, {"g": groups})["g"].set_index("group")
    assert sorted(table.index) == ["x", "y", "z"]
    # window 2025-07..2026-06: A 1500, D 300; B 500 - 100
    assert table.loc["x", "revenue"] == pytest.approx(1800)
    assert table.loc["y", "revenue"] == pytest.approx(1900)
    assert table.loc["z", "revenue"] == 0
    assert table.loc["x", "new_customers"] == 1  # D; E's group is not compared
    assert (table.loc["x", "opps_won"], table.loc["x", "opps_lost"]) == (2, 0)  # P1 A, P3 D
    assert (table.loc["y", "opps_won"], table.loc["y", "opps_lost"]) == (1, 1)  # P1 A, P2 B
    assert table.loc["x", "nps"] == pytest.approx(50.0)  # A 10, D 7
    assert table.loc["y", "nps"] == pytest.approx(100.0)  # A 10, B 9
    assert table.loc["z", "nps_responses"] == 0


def test_compare_breakdowns_reject_bad_splits(ws):
    with pytest.raises(ParamError, match="accounts column name or a frame"):
        kpis.compare_breakdowns(ws, AS_OF, {"x": 3})
    with pytest.raises(ParamError, match="no such column"):
        kpis.compare_breakdowns(ws, AS_OF, {"x": "regio"})
    with pytest.raises(ParamError, match="account_id and group"):
        kpis.compare_breakdowns(ws, AS_OF, {"x": pd.DataFrame({"account_id": ["A"]})})
    assert kpis.compare_breakdowns(ws, AS_OF, {}) == {}


def test_engaged_accounts_per_month_at_the_month_edges(ws):
    # D on 1 April 08:00 counts in April, B on 30 June 23:00 in June, C after as_of never
    monthly = kpis.kpi_series(ws, AS_OF, freq="month", periods=4).set_index("period")
    assert monthly["engaged"].to_dict() == {"2026-03": 1, "2026-04": 2, "2026-05": 2,
                                            "2026-06": 1}


def test_periods_table_months_start_on_the_first_whole_month():
    frame = pd.DataFrame([{"period": "p", "start": D(2026, 4, 15), "end": D(2026, 6, 3),
                           "cur_lo": D(2025, 7, 1), "base_lo": D(2024, 7, 1),
                           "base_hi": D(2025, 6, 1)}])
    row = kpis.queries._periods_table(frame).to_pandas().iloc[0]
    # May (the first month starting inside the window) to June (the month holding the end)
    assert (row["m_start"], row["m_end"]) == (2026 * 12 + 4, 2026 * 12 + 5)


def test_cac_by_channel_spend_and_recorded(ws):
    spend = kpis.cac_by_channel(ws, AS_OF, method="spend").set_index("channel")
    # window 2025-07..2026-06: new customers D (events), E (email); email spend 500 + 600
    assert spend.loc["email", "cac"] == pytest.approx(1100)
    assert np.isnan(spend.loc["ads", "cac"]) and spend.loc["ads", "cost"] == 400
    assert np.isnan(spend.loc["events", "cac"])  # customers but no tracked spend
    recorded = kpis.cac_by_channel(ws, AS_OF)
    assert recorded.attrs["method"] == "recorded"
    assert recorded.set_index("channel").loc["events", "cac"] == pytest.approx(900)


def test_clv_by_tier():
    values = pd.DataFrame({"account_id": list("abcd"), "value_tier": ["key", "key", "rest", "rest"],
                           "clv": [300.0, 100.0, 50.0, 50.0]})
    out = kpis.clv_by_tier(values, cac_value=100.0).set_index("tier")
    assert out.loc["key", "clv_mean"] == 200 and out.loc["key", "clv_cac"] == 2
    assert out.loc["key", "clv_share"] == pytest.approx(0.8)


def test_clv_shares_of_tiers_stay_within_100_percent_with_negative_clv():
    values = pd.DataFrame({"account_id": list("abcd"),
                           "value_tier": ["key", "growth", "maintain", "maintain"],
                           "clv": [300.0, 100.0, -250.0, 50.0]})
    out = kpis.clv_by_tier(values, tier_order=kpis.TIER_ORDER).set_index("tier")
    assert out["clv_share"].sum() == pytest.approx(1.0)
    assert out["clv_share"].between(0, 1).all()
    assert out.loc["key", "clv_share"] == pytest.approx(300 / 450)
    assert out.loc["maintain", "clv_total"] == -200  # the total keeps its sign


def test_tier_table_names_tiers_in_the_report_language():
    values = pd.DataFrame({"account_id": list("abc"), "value_tier": ["key", "maintain", "key"],
                           "clv": [300.0, 100.0, 100.0]})
    html = kpis.tier_table(kpis.clv_by_tier(values, tier_order=kpis.TIER_ORDER),
                           currency="EUR", language="zh").to_html()
    assert "重点" in html and "维持" in html and "平均终身价值 (EUR)" in html
    assert "80.0%" in html and "maintain" not in html
    groups = kpis.tier_groups(values, "zh")
    assert list(groups.group) == ["重点", "维持", "重点"]


# --------------------------------------------------------------------------- pipeline


def test_open_pipeline_by_stage_with_the_deals_closed_in_the_period(ws):
    p = kpis.pipeline_by_stage(ws, AS_OF, since="2026-04-01")
    rows = {(r.stage, r.status): (r.opportunities, r.value) for r in p.itertuples()}
    # P5 is open and P4 is won only after as_of: both were open on as_of
    assert rows[("open", "open")] == (2, 150.0)
    assert rows[("won", "closed")] == (2, 1800.0)  # P1 and P3, closed in Q2
    assert rows[("lost", "closed")] == (1, 800.0)
    assert list(p.status) == ["open", "closed", "closed"]
    assert kpis.pipeline_sentence(p, currency="EUR").startswith(
        "Open pipeline on the analysis date: 2 opportunities worth 150 EUR in 1 stage(s)")
    html = kpis.pipeline_table(p, currency="EUR", language="zh").to_html()
    assert "进行中" in html and "本期赢单" in html and "金额 (EUR)" in html
    assert list(kpis.pipeline_by_stage(ws, AS_OF).status) == ["open"]
    assert kpis.pipeline_by_stage(FrameWorkspace({k: v for k, v in hand_world().items()
                                                  if k != "opportunities"}), AS_OF).empty


# --------------------------------------------------------------------------- forecast


def test_seasonal_naive_repeats_the_season_exactly():
    y = pd.Series([1.0, 2, 3, 4] * 3, index=[f"p{i}" for i in range(12)])
    frame, info = kpis.forecast(y, horizon=4, holdout=4, season_length=4, method="naive")
    assert info["mae"] == 0 and info["method"] == "naive"
    assert list(frame[frame.part == "future"].forecast) == [1, 2, 3, 4]


def test_future_periods_are_named_after_the_last_period():
    y = pd.Series([1.0, 2, 3, 4] * 2, index=kpis.kpi_periods(AS_OF, periods=8).period)
    frame, _ = kpis.forecast(y, horizon=3, holdout=0, season_length=4, method="naive")
    assert list(frame[frame.part == "future"].label) == ["2026-Q3", "2026-Q4", "2027-Q1"]
    frame, _ = kpis.forecast(pd.Series([1.0, 2, 3, 4] * 2), horizon=2, holdout=0, method="naive")
    assert list(frame[frame.part == "future"].label) == ["+1", "+2"]
    assert kpis.next_periods("2026-11", 2) == ["2026-12", "2027-01"]
    assert kpis.period_name("2026-Q2", "zh") == "2026年第2季度"
    assert kpis.period_name("2026-Q2") == "2026-Q2"
    assert kpis.period_name("2026-06") == "Jun 2026" and kpis.period_name("2026-06", "zh") == "2026年6月"
    assert kpis.period_name("last 12 months") == "last 12 months"


def test_ets_band_surrounds_the_forecast():
    y = pd.Series(100 + 5 * np.arange(10) + np.sin(np.arange(10)))
    frame, info = kpis.forecast(y, horizon=2, holdout=2)
    fut = frame[frame.part == "future"]
    assert info["method"] == "ets" and np.isfinite(info["mape"]) and info["mape"] < 0.1
    assert (fut.lower < fut.forecast).all() and (fut.forecast < fut.upper).all()
    assert fut.forecast.iloc[0] > 140


# --------------------------------------------------------------------------- alerts


def alert_series(cac=(100.0, 115.0), nps=(40.0, 30.0), clv_cac=(4.0, 3.0), churn=(0.1, 0.15)):
    return pd.DataFrame({
        "period": ["2026-Q1", "2026-Q2"], "cac": cac, "spend": [1000.0, 1150.0],
        "new_customers": [10, 10], "nps": nps, "nps_responses": [50, 50],
        "promoters": [25, 20], "detractors": [5, 5], "clv_cac": clv_cac, "clv": [400.0, 345.0],
        "churn_rate": churn, "churned": [10, 15], "customers_start": [100, 100],
    })


def test_alerts_fire_exactly_at_their_thresholds():
    fired = kpis.evaluate_alerts(alert_series(), kpis.alert_rules())
    assert set(fired.kpi) == {"cac", "nps", "clv_cac", "churn_rate"}


def test_alerts_stay_quiet_just_inside_their_thresholds():
    quiet = alert_series(cac=(100.0, 114.99), nps=(40.0, 30.01), clv_cac=(4.0, 3.001),
                         churn=(0.1, 0.1499))
    assert kpis.evaluate_alerts(quiet, kpis.alert_rules()).empty


def test_rule_boundaries_directly():
    up = kpis.AlertRule("cac", "pop", "above", 0.15)
    assert up.fires(115 / 100 - 1) and not up.fires(0.1499999) and not up.fires(float("nan"))
    down = kpis.AlertRule("nps", "value", "below", 30)
    assert down.fires(30) and down.fires(-5) and not down.fires(30.000001)
    with pytest.raises(ParamError, match="did you mean"):
        kpis.AlertRule("nsp", "value", "below", 30)


def test_alerts_are_ranked_by_severity_with_drivers():
    s = alert_series(cac=(100.0, 140.0), nps=(40.0, 29.0), clv_cac=(4.0, 5.0), churn=(0.1, 0.1))
    regions = pd.DataFrame({"group": ["North", "South"], "nps": [50.0, -10.0],
                            "nps_responses": [40, 40]})
    fired = kpis.evaluate_alerts(s, kpis.alert_rules(), breakdowns={"region": regions})
    assert list(fired.kpi) == ["cac", "nps"] and list(fired["rank"]) == [1, 2]
    assert any("South" in d for d in fired.iloc[1].drivers)
    assert "+15%" in fired.iloc[0].drivers[0]  # spend 1000 -> 1150
    zh = kpis.evaluate_alerts(s, kpis.alert_rules(), language="zh")
    assert "获客成本" in zh.iloc[0].message


# --------------------------------------------------------------------------- run over run


def save_snapshot(values, out_dir, *, as_of, period):
    """What the notebook does at its end: this run's KPI table into ``exports/``."""
    frame = kpis.snapshot_frame(values, as_of=as_of, period=period)
    return outputs.write_export(frame, outputs.exports_dir(out_dir) / kpis.SNAPSHOT_FILE)


def previous_snapshot(out_dir, identity=None):
    """What the notebook does: the earlier runs from the history, compared with this run's."""
    runs = history.load_runs(resolve(out_dir).parent)
    breaks = {run["run_id"]: comparison_breaks({"comparability": dict(identity)},
                                               kpis.run_entry(run))
              for run in runs} if identity else None
    return kpis.previous_snapshot(runs, out_dir, breaks=breaks)


def run_identity(params, root):
    """What the notebook does: the runner's comparability record of these parameters."""
    source = params.get("data_source")
    data = {source: history.data_fingerprint(str(source), root)} if source else {}
    return kpis.run_identity(history.comparability(dict(params), {}, data, None, root))


def fake_run(reports, run_id: str, as_of: str, status: str = "ok") -> dict:
    folder = reports / run_id
    (folder / "exports").mkdir(parents=True)
    record = {"run_id": run_id, "status": status, "as_of": as_of, "started": run_id,
              "notebooks": {"kpi_monitoring": {"status": status, "headlines": {}}}}
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return record


def test_run_over_run_across_two_as_of_dates(ws, tmp_path):
    reports = tmp_path / "reports"
    # first run: data as of the end of Q1
    fake_run(reports, "20260401T060000Z", "2026-03-31")
    s1 = kpis.kpi_series(ws, "2026-03-31", periods=1, sales_cost_per_month=100.0)
    v1 = kpis.headline_values(s1)
    save_snapshot(v1, reports / "20260401T060000Z", as_of="2026-03-31",
                       period=s1.period.iloc[-1])
    # a failed run in between is skipped
    fake_run(reports, "20260501T060000Z", "2026-04-30", status="failed")
    # second run, in its staging folder: data as of the end of Q2
    staging = reports / ".staging-20260701T060000Z"
    s2 = kpis.kpi_series(ws, AS_OF, periods=1, sales_cost_per_month=100.0)
    v2 = kpis.headline_values(s2)
    previous, meta = previous_snapshot(staging)
    assert meta["run_id"] == "20260401T060000Z" and meta["as_of"] == "2026-03-31"
    changes = kpis.run_over_run(v2, previous).set_index("kpi")
    assert v1["cac"] == pytest.approx(800) and v2["cac"] == pytest.approx(1300)
    assert changes.loc["cac", "delta"] == pytest.approx(500)
    assert changes.loc["cac", "relative"] == pytest.approx(1300 / 800 - 1)
    assert changes.loc["revenue", "delta"] == pytest.approx(1700 - 200)
    assert changes.loc["cac", "previous_as_of"] == "2026-03-31"
    assert kpis.describe_changes(changes.reset_index(), top=1) == "Revenue +750%"


def test_changes_that_read_as_zero_are_no_moves():
    since = kpis.run_over_run({"revenue": 1000.0000001, "churn_rate": 0.11, "nps": 5.0},
                              pd.DataFrame({"kpi": ["revenue", "churn_rate", "nps"],
                                            "value": [1000.0, 0.1100000001, 3.0],
                                            "as_of": ["2026-03-31"] * 3}))
    assert kpis.describe_changes(since) == "NPS +2.0"
    assert list(kpis.run_over_run_table(since)["change"]) == ["0%", "0.0 pts", "+2.0"]
    assert kpis.describe_changes(since[since.kpi != "nps"]) == ""


def test_first_run_has_no_previous(tmp_path):
    previous, meta = previous_snapshot(tmp_path / "reports" / "scratch")
    assert previous is None and meta == {}
    changes = kpis.run_over_run({"nps": 20.0}, None)
    assert np.isnan(changes.delta.iloc[0])


def test_previous_snapshot_skips_runs_on_other_parameters_or_data(tmp_path):
    reports = tmp_path / "reports"
    same = {"parameters": "p1", "data": {"source": "data/sample", "mapping": "",
                                         "fingerprint": "f1", "as_of": "2026-03-31"}}
    for run_id, comp in (("20260401T060000Z", same),
                         ("20260501T060000Z", {**same, "parameters": "p2"}),
                         ("20260601T060000Z", {**same, "data": {**same["data"], "source": "x"}})):
        fake_run(reports, run_id, "2026-03-31")
        record = json.loads((reports / run_id / "run.json").read_text(encoding="utf-8"))
        record["notebooks"]["kpi_monitoring"]["comparability"] = comp
        (reports / run_id / "run.json").write_text(json.dumps(record), encoding="utf-8")
        save_snapshot({"nps": 10.0}, reports / run_id, as_of="2026-03-31", period="2026-Q1")
    # a later as_of on refreshed data is the normal case: still comparable
    now = {"parameters": "p1", "data": {**same["data"], "fingerprint": "f2",
                                        "as_of": "2026-06-30"}}
    previous, meta = previous_snapshot(reports / "scratch", identity=now)
    assert meta["run_id"] == "20260401T060000Z"
    assert meta["skipped"] == [("20260601T060000Z", ["data"]), ("20260501T060000Z", ["parameters"])]
    assert kpis.skipped_note(meta) == ("2 newer run(s) are not compared, since their data "
                                       "source, parameters differ from this run's.")
    # without an identity the newest run is taken, as before
    assert previous_snapshot(reports / "scratch")[1]["run_id"] == "20260601T060000Z"
    assert kpis.skipped_note({}) is None


def test_run_identity_matches_the_runners_record(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "orders.csv").write_text("a\n1\n", encoding="utf-8")
    params = {"data_source": "data", "mapping_file": "", "as_of": "2026-06-30", "freq": "quarter",
              "output_dir": "reports/scratch", "targets": {}}
    identity = run_identity(params, root=tmp_path)
    fp = history.data_fingerprint("data", tmp_path)
    record = history.comparability(params, {}, {"data": fp}, None, tmp_path)
    assert identity == {"parameters": record["parameters"], "data": record["data"]}
    assert run_identity({**params, "output_dir": "elsewhere"}, root=tmp_path) == identity
    assert run_identity({**params, "freq": "month"}, root=tmp_path) != identity


# --------------------------------------------------------------------------- thin data


def thin_world(**accounts_columns) -> dict[str, pd.DataFrame]:
    """The hand world reduced to ids, dates and amounts: no margin, no firmographics."""
    world = hand_world()
    orders = world["orders"].assign(gross_margin=np.nan, product_line=None)
    accounts = world["accounts"][["account_id"]].assign(**accounts_columns)
    return {"accounts": accounts, "orders": orders}


def test_an_empty_margin_leaves_clv_unknown_not_zero():
    s = kpis.kpi_series(FrameWorkspace(thin_world()), AS_OF, periods=2)
    row = q2(s)
    assert row.revenue == pytest.approx(1700) and row.churn_rate == pytest.approx(1 / 3)
    assert np.isnan(row.margin_per_customer) and np.isnan(row.clv)
    assert np.isnan(row.gross_margin)
    assert "clv" not in kpis.headline_values(s)


def test_the_series_starts_with_the_first_period_that_has_orders(ws):
    s = kpis.kpi_series(ws, AS_OF, periods=20)  # 2021-Q3 onwards, orders from 2023-01
    assert s.period.iloc[0] == "2023-Q1" and s.period.iloc[-1] == "2026-Q2"
    frame = kpis.kpi_periods(AS_OF, periods=4)
    assert list(kpis.trim_to_data(frame, D(2027, 1, 1)).period) == ["2026-Q2"]  # keeps one
    # a quarter the data covers only in part is left out: its revenue is an undercount
    assert list(kpis.trim_to_data(frame, D(2026, 2, 15)).period) == ["2026-Q2"]
    assert list(kpis.trim_to_data(frame, D(2026, 1, 15)).period) == ["2026-Q1", "2026-Q2"]
    assert kpis.trim_to_data(frame, None).equals(frame)


def test_accounts_without_a_group_value_form_no_group():
    world = thin_world(region=[None, "North", None, "", None, None, None])
    fws = FrameWorkspace(world)
    table = kpis.compare_kpis(fws, AS_OF, by="region", min_count=1)
    assert list(table.group) == ["North"]
    empty = kpis.compare_breakdowns(FrameWorkspace(thin_world(region=None)), AS_OF,
                                    {"region": "region"})["region"]
    assert empty.empty
    groups = pd.DataFrame({"account_id": ["A", "B"], "group": ["key", None]})
    assert list(kpis.compare_kpis(fws, AS_OF, groups=groups).group) == ["key"]


def test_new_customers_without_a_channel_form_no_channel():
    world = thin_world(acquisition_channel=[None] * 7)
    out = kpis.cac_by_channel(FrameWorkspace(world), AS_OF)
    assert out.empty and out.attrs["no_channel"] == 2  # D and E
    text = kpis.channels_sentence(out)
    assert "unknown" not in text and "2 new customers without an acquisition channel" in text


def test_channels_sentence_names_one_or_two_channels_or_the_reason():
    both = pd.DataFrame({"channel": ["a", "b", "c"], "new_customers": [2, 3, 1],
                         "cac": [50.0, 20.0, np.nan]})
    both.attrs["method"] = "spend"
    assert "**b** (20 EUR per customer)" in kpis.channels_sentence(both, currency="EUR")
    one = both.assign(cac=[np.nan, 20.0, np.nan])
    assert kpis.channels_sentence(one).startswith("Only **b**")
    assert kpis.channels_sentence(one.assign(cac=np.nan)).startswith("No channel has both")
    none = one.assign(cac=np.nan, new_customers=0)
    assert kpis.channels_sentence(none) == i18n_t("kpi.finding.channels_none")


def i18n_t(key, language="en", **values):
    from helpers.presentation import i18n

    return i18n.t(key, language, **values)


def test_headline_sentence_names_only_known_kpis():
    full = {"cac": 100.0, "clv": 500.0, "clv_cac": 5.0, "nps": 20.0}
    assert kpis.headline_sentence(full, "2026-Q2", currency="EUR") == (
        "In 2026-Q2, CAC was 100 EUR and CLV 500 EUR, a CLV:CAC of 5.00; NPS stood at 20.0.")
    thin = kpis.headline_sentence({"revenue": 1700.0, "nps": float("nan")}, "2026-Q2",
                                  currency="EUR")
    assert thin == "In 2026-Q2: Revenue 1,700 EUR."
    assert kpis.headline_sentence({}, "2026-Q2") is None
    assert "–" not in kpis.headline_sentence({"revenue": 1.0, "churn_rate": 0.1}, "Q", language="zh")


class FakeCaps:
    """Capabilities without marketing spend."""

    def supports(self, key):
        return key != "kpis.cac"

    def support(self, key):
        return ("not_supported", [("table", {"table": "marketing_spend"})]) \
            if key == "kpis.cac" else ("supported", [])


def test_unavailable_note_groups_kpis_by_reason():
    values = {"revenue": 1.0, "new_customers": 2.0, "cac": 5.0, "clv": 3.0, "churn_rate": 0.1,
              "nrr": 1.0, "win_rate": 0.2, "nps": 1.0}
    note = kpis.unavailable_note(values, FakeCaps(), period="2026-Q2")
    assert note == ("Not shown with this data:\n\n"
                    "- CAC, CLV:CAC: Skipped: the data has no marketing_spend table.\n"
                    "- CSAT: no value in 2026-Q2.")
    # an unsupported KPI is not shown even when a number came out
    assert "cac" not in kpis.headline_values(pd.DataFrame([values]), caps=FakeCaps())
    assert [r.kpi for r in kpis.supported_rules(kpis.alert_rules(), FakeCaps())] == [
        "nps", "churn_rate"]
    young = kpis.unavailable_note({"revenue": 1.0}, None, kpis=("revenue", "new_customers"))
    assert "a year of order history" in young
    assert kpis.unavailable_note({"revenue": 1.0}, None, kpis=("revenue",)) is None


def test_trend_sentence_leaves_out_what_is_unknown():
    changes = pd.DataFrame({"period": ["Q1", "Q2"], "kpi": "revenue", "value": [1.0, 2.0],
                            "pop": [np.nan, 1.0], "yoy": [np.nan, np.nan], "change": "relative"})
    errors = pd.DataFrame({"kpi": ["revenue"], "method": ["last value"], "mae": [np.nan],
                           "mape": [np.nan], "next_forecast": [2.0], "next_lower": [1.0],
                           "next_upper": [3.0]})
    text = kpis.trend_sentence(changes, errors, holdout=2, currency="EUR")
    assert text == ("Revenue moved +100% against the previous period. The Revenue series is "
                    "too short to hold periods back and measure the forecast error. Next "
                    "period's Revenue is expected between 1 EUR and 3 EUR.")
    assert kpis.trend_sentence(changes.assign(pop=np.nan), errors.iloc[:0]) is None
    zh = kpis.trend_sentence(changes, errors, language="zh")
    assert "None" not in zh and "nan" not in zh


def test_funnel_sentence_without_interactions_or_closed_deals():
    s = pd.DataFrame({"period": ["Q2"], "win_rate": [0.25], "sales_cycle_days": [np.nan],
                      "opps_won": [1], "opps_lost": [3]})
    assert kpis.funnel_sentence(s) == "In Q2 the win rate on closed deals was 25.0%."
    assert kpis.funnel_sentence(s.assign(win_rate=np.nan)) == (
        "No opportunity was closed as won or lost in Q2.")
    assert kpis.funnel_table(pd.DataFrame({"period": ["Q2"], "engaged": [0], "engaged_opp": [0],
                                           "engaged_won": [0]})).empty


def test_a_comparison_needs_two_groups_with_a_value():
    one = pd.DataFrame({"group": ["North", "South"], "churn_rate": [0.654, np.nan],
                        "nps": [np.nan, np.nan], "small_sample": [False, False]})
    assert kpis.comparison_panels({"region": one}, {"region": ("nps", "churn_rate")}) == []
    two = one.assign(churn_rate=[0.654, 0.2], churn_lo=0.1, churn_hi=0.9)
    panels = kpis.comparison_panels({"region": two}, {"region": ("nps", "churn_rate")})
    assert [(p["metric"], p["lower"], p["title"]) for p in panels] == [
        ("churn_rate", "churn_lo", "Churn rate · region")]
    text = kpis.spread_sentence(panels[0])
    assert "from 20.0% in **South** to 65.4% in **North** by region" in text


def test_tiers_sentence_needs_two_tiers_with_clv():
    values = pd.DataFrame({"account_id": list("abc"), "value_tier": ["key", "key", "rest"],
                           "clv": [np.nan, np.nan, np.nan]})
    assert kpis.tiers_sentence(kpis.clv_by_tier(values)) is None  # no argmax over nothing
    values["clv"] = [300.0, 100.0, 100.0]
    text = kpis.tiers_sentence(kpis.clv_by_tier(values), source="CLV", currency="EUR")
    assert text == ("**key** accounts carry 80% of total CLV at 200 EUR each on average. "
                    "Value tiers: CLV.")


# --------------------------------------------------------------------------- data breaks


def test_no_spend_before_the_first_spend_is_unknown_not_zero(ws):
    s = kpis.kpi_series(ws, AS_OF, periods=20).set_index("period")  # spend from 2026-02
    assert s.attrs["spend_start"] == D(2026, 2, 1)
    before = s.loc[:"2025-Q4"]
    assert before.spend.isna().all() and before.cac.isna().all()
    assert before.new_customers.notna().any()  # there were new customers, so CAC was 0 before
    assert s.loc["2026-Q1", "cac"] == pytest.approx(500.0)


def test_level_shift_p_values_are_welch_or_poisson_tests_corrected_over_the_splits():
    from scipy import stats

    y = np.array([10.0, 12, 11, 13, 30, 31, 29, 33])
    res = kpis.level_shift(y)
    assert res["at"] == 4 and res["candidates"] == 5 and res["step_fits"]
    p = stats.ttest_ind(y[:4], y[4:], equal_var=False).pvalue
    assert res["p_value"] == pytest.approx(p) and res["p_adjusted"] == pytest.approx(5 * p)
    counts = np.array([8.0, 13, 9, 5, 3, 0, 72, 70])
    res = kpis.level_shift(counts, count=True)
    assert res["at"] == 6
    assert res["p_value"] == pytest.approx(stats.binomtest(142, 180, 2 / 8).pvalue)
    assert kpis.level_shift([1.0, 2, 3])["at"] == -1  # too short to split


def test_series_break_rules():
    idx = [f"p{i}" for i in range(8)]
    new = pd.Series([8.0, 13, 9, 5, 3, 0, 72, 70], index=idx)
    b = kpis.series_break(new, "new_customers")
    assert (b["kind"], b["period"]) == ("shift", "p6") and b["p_adjusted"] < 0.05
    churn = pd.Series([0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.11, 0.12], index=idx)
    assert kpis.series_break(churn, "churn_rate")["kind"] == ""  # a trend, not a break
    noise = pd.Series([100.0, 104, 97, 102, 99, 103, 98, 101], index=idx)
    assert kpis.series_break(noise, "revenue")["kind"] == ""
    cac = pd.Series([900.0, 950, np.nan, 2600, 2500, 920, 880, 910], index=idx)
    assert kpis.series_break(cac, "cac")["kind"] == "gap"
    rev = pd.Series([0.0, 0, 0, 100, 104, 97, 102, 99], index=idx)
    assert kpis.series_break(rev, "revenue")[  # jump from nothing recorded
        "kind"] == "zero"
    young = pd.Series([np.nan] * 6 + [100.0, 110], index=idx)
    assert kpis.series_break(young, "revenue") == pytest.approx(
        {"kind": "start", "period": "p6", "p_value": np.nan, "p_adjusted": np.nan,
         "step": np.nan}, nan_ok=True)


def flag_series(new=(8, 13, 9, 5, 3, 0, 72, 70), spend=1000.0) -> pd.DataFrame:
    n = len(new)
    new = np.asarray(new, dtype=float)
    s = pd.DataFrame({
        "period": [f"{2024 + (i + 2) // 4}-Q{(i + 2) % 4 + 1}" for i in range(n)],
        "start": pd.date_range("2024-07-01", periods=n, freq="QS"),
        "revenue": 1e6 + 1e4 * np.sin(np.arange(n)), "new_customers": new,
        "spend": np.full(n, spend), "clv": 5e4 + 100 * np.cos(np.arange(n)),
        "churn_rate": 0.1 + 0.001 * np.sin(np.arange(n)),
    })
    s["cac"] = kpis.cac(s.spend, s.new_customers)
    s["clv_cac"] = kpis.clv_cac_ratio(s.clv, s.cac)
    s.attrs.update(freq="quarter", spend_start=D(2024, 7, 1))
    return s


def test_kpi_flags_pass_a_break_down_to_cac_and_clv_cac():
    flags = kpis.kpi_flags(flag_series()).set_index("kpi")
    assert flags.loc["new_customers", "kind"] == "shift"
    assert flags.loc["new_customers", "reason"] == "level shift in 2026-Q1 (+1021%)"  # 71 against 6.3
    assert flags.loc["cac", "kind"] == "gap"  # no new customer in 2025-Q4: no CAC
    assert flags.loc["clv_cac", "kind"] == "gap"  # CLV:CAC has the same hole
    assert "revenue" not in flags.index and "clv" not in flags.index


def test_kpi_flags_few_new_customers_and_short_spend_history():
    steady = flag_series(new=(12, 11, 13, 12, 10, 12, 11, 12))
    flags = kpis.kpi_flags(steady, min_new_customers=30).set_index("kpi")
    assert flags.loc["cac", "kind"] == "few" and flags.loc["cac", "reason"] == "only 12 new customers"
    assert flags.loc["clv_cac", "kind"] == "source"
    assert flags.loc["clv_cac", "reason"] == "CAC unreliable: only 12 new customers"
    assert kpis.kpi_flags(steady, min_new_customers=5).empty
    steady.attrs["spend_start"] = D(2025, 3, 1)
    flags = kpis.kpi_flags(steady, min_new_customers=5, window=8).set_index("kpi")
    assert flags.loc["cac", "kind"] == "spend" and "2025-03-01" in flags.loc["cac", "reason"]


def test_flagged_cards_and_table_show_the_flag_not_a_change():
    since = pd.DataFrame({"kpi": ["cac", "nps"], "current": [2464.0, 20.0],
                          "previous": [56142.0, 18.0], "delta": [-53678.0, 2.0],
                          "relative": [-0.956, 0.111], "previous_as_of": ["2026-03-31"] * 2})
    flags = pd.DataFrame([{"kpi": "cac", "kind": "gap", "period": "2025-Q4",
                           "reason": "data break: no value in 2025-Q4"}], columns=kpis.FLAG_COLUMNS)
    assert kpis.describe_changes(since[~since.kpi.isin(flags.kpi)]) == "NPS +2.0"
    cards = kpis.headline_cards(kpis.kpi_cards(flag_series(), currency="EUR", flags=flags),
                                currency="EUR")
    assert cards["CAC"]["flag"] == "data break: no value in 2025-Q4" and "delta" not in cards["CAC"]
    assert "flag" not in cards["Revenue"] and "delta" in cards["Revenue"]
    changes = kpis.kpi_changes(flag_series())
    table = kpis.headline_table(changes, kpis=["cac", "revenue"], flags=flags)
    assert list(table.iloc[0]) == ["CAC", "14", "–", "–", "data break: no value in 2025-Q4"]
    assert table.iloc[1]["vs previous period"] != "–" and table.iloc[1]["flag"] == ""
    assert "CAC" not in kpis.headline_sentence({"cac": 1429.0, "nps": 20.0}, "2026-Q2",
                                               flags=flags)


# --------------------------------------------------------------------------- model forecasts


def test_forecast_band_is_the_ets_prediction_interval_on_the_log_scale():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = np.array([10283557.72, 6598162.53, 5282517.80, 7204581.02, 7380114.49, 11487101.78,
                  11095740.66, 9590593.95])
    frame, info = kpis.forecast(pd.Series(y), horizon=2, holdout=2, domain=(0, math.inf))
    assert info["method"] == "ets" and info["scale"] == "log"
    ref = ETSModel(pd.Series(np.log(y)), error="add", trend="add", damped_trend=True).fit(
        disp=False).get_prediction(start=8, end=9).summary_frame(alpha=0.2)
    fut = frame[frame.part == "future"]
    assert np.allclose(fut.lower, np.exp(ref.pi_lower), rtol=1e-4)
    assert np.allclose(fut.upper, np.exp(ref.pi_upper), rtol=1e-4)
    assert (fut.lower > 0).all()  # the old z * rmse band reached below zero here


def test_forecast_respects_the_domain_and_needs_enough_points():
    cac = pd.Series([23843.0, 16455, 16895, 56142, 65571, 2635, 2464])
    _, errors = kpis.forecasts(pd.DataFrame({"period": list("abcdefg"), "cac": cac,
                                             "churn_rate": np.linspace(0.02, 0.2, 7)}),
                               ["cac", "churn_rate"])
    assert (errors.next_lower >= 0).all() and (errors.next_upper <= [np.inf, 1]).all()
    frame, info = kpis.forecast(pd.Series([5.0, 6, 7, 6, 5]), domain=(0, math.inf))
    assert info["method"] == "none" and (frame.part == "history").all()
    frame, info = kpis.forecast(pd.Series([5.0, 6, np.nan, 6, 5, 6, 7]))  # a gap
    assert info["method"] == "none"
    errs = pd.DataFrame({"kpi": ["revenue"], "method": ["none"], "mae": [np.nan],
                         "mape": [np.nan], "next_forecast": [np.nan], "next_lower": [np.nan],
                         "next_upper": [np.nan], "points": [3]})
    text = kpis.trend_sentence(kpis.kpi_changes(flag_series()), errs, currency="EUR")
    assert "3 periods with a value; a forecast needs 6" in text and "expected" not in text


# --------------------------------------------------------------------------- findings


def test_trends_are_tested_and_corrected_together():
    from helpers.presentation.findings import FindingLog
    from helpers.stats.multiple_testing import adjust, trend_test

    rng = np.random.default_rng(3)
    s = pd.DataFrame({"period": [f"p{i}" for i in range(8)],
                      "churn_rate": np.linspace(0.05, 0.12, 8),
                      "win_rate": 0.25 + rng.normal(0, 0.01, 8), "nps": [np.nan] * 3 + [5.0] * 3 + [6.0] * 2})
    log = FindingLog("kpi_monitoring")
    found, short = kpis.trend_findings(s, ["churn_rate", "win_rate", "nps"], log)
    assert short == ["nps"] and [f.kind for f in found] == ["trend", "trend"]
    p = [trend_test(s.churn_rate)["p_value"], trend_test(s.win_rate)["p_value"]]
    assert [f.evidence.p_adjusted for f in found] == pytest.approx(list(adjust(p, "bh")))
    assert found[0].stated and found[0].text.startswith("Churn rate rose over the last 8")
    assert found[0].action  # rising churn is bad news
    assert not found[1].stated and log.items == found
    flags = pd.DataFrame([{"kpi": "churn_rate", "kind": "shift", "reason": "x"}])
    found, _ = kpis.trend_findings(s, ["churn_rate", "win_rate"], FindingLog("k"), flags=flags)
    assert len(found) == 1 and FindingLog.summary(found) == [
        "No reliable rise or fall in the KPIs tested for a trend (1)."]


def test_alerts_become_findings_held_up_by_a_test_or_a_clean_series():
    from scipy import stats

    s = alert_series(nps=(40.0, 20.0)).assign(
        nps_responses=[50, 50], promoters=[20, 15], detractors=[0, 5],
        customers_start=[100, 100], churned=[10, 16])
    rules = kpis.alert_rules(nps_below=30, churn_above=0.15, cac_increase=None, clv_cac_below=3)
    alerts = kpis.evaluate_alerts(s, rules)
    flags = pd.DataFrame([{"kpi": "clv_cac", "kind": "source", "reason": "CAC unreliable: x"}])
    found = {f.evidence.effect_label: f for f in
             kpis.alert_findings(alerts, s, rules, flags=flags)}
    p_churn = stats.binomtest(16, 100, 0.15, alternative="greater").pvalue
    assert found["Churn rate"].evidence.p_value == pytest.approx(p_churn)
    assert not found["Churn rate"].stated  # 16 of 100 is not reliably above 15 %
    se = 100 * math.sqrt((0.3 + 0.1 - 0.2 ** 2) / 50)
    assert found["NPS"].evidence.p_value == pytest.approx(stats.norm.cdf((20 - 30) / se))
    assert not found["CLV:CAC"].stated and found["CLV:CAC"].gate == "CAC unreliable: x"
    assert all(f.kind == "alarm" and f.action and f.impact >= 0.75 for f in found.values())
    table = kpis.alert_table(alerts, findings=list(found.values()))
    assert list(table.columns[-2:]) == ["p (adjusted)", "holds up"]
    table = kpis.alert_table(alerts, findings=list(found.values()), p_values=False)
    assert list(table.columns[-2:]) == ["drivers", "holds up"]
    html = kpis.alert_people_table(alerts, findings=list(found.values())).to_html()
    assert "wb-table" in html and "text-align: left" in html and "p (adjusted)" not in html


def test_flag_note_groups_kpis_by_reason_and_young_values_still_alert():
    flags = pd.DataFrame([{"kpi": k, "kind": "start", "reason": "under a year of history"}
                          for k in ("revenue", "nps")] +
                         [{"kpi": "cac", "kind": "few", "reason": "only 3 new customers"}])
    assert kpis.flag_note(flags) == (
        "Flagged, so their changes are not read as moves: Revenue, NPS: under a year of "
        "history; CAC: only 3 new customers.")
    assert kpis.flag_note(flags.iloc[:0]) is None
    s = alert_series(nps=(40.0, 0.0)).assign(nps_responses=[50, 50], promoters=[20, 10],
                                             detractors=[0, 10])
    rules = kpis.alert_rules(nps_below=30, cac_increase=None, clv_cac_below=None,
                             churn_above=None)
    alerts = kpis.evaluate_alerts(s, rules)
    (nps,) = kpis.alert_findings(alerts, s, rules, flags=flags)
    assert nps.stated  # a young series' value is measured; only its changes are not moves


def test_group_comparisons_are_chi_square_tested_and_corrected_together():
    from scipy import stats

    from helpers.presentation.findings import FindingLog

    region = pd.DataFrame({"group": ["North", "South", "(missing)"], "nps_responses": [100, 100, 40],
                           "promoters": [60, 20, 0], "detractors": [10, 50, 40],
                           "nps": [50.0, -30.0, -100.0]})
    tier = pd.DataFrame({"group": ["key", "growth"], "customers_start": [200, 200],
                         "churned": [20, 22], "churn_rate": [0.10, 0.11]})
    panels = kpis.comparison_panels({"region": region, "tier": tier},
                                    {"region": ("nps",), "tier": ("churn_rate",)})
    log = FindingLog("kpi_monitoring")
    found = kpis.spread_findings(panels, log)
    p_region = stats.chi2_contingency([[60, 30, 10], [20, 30, 50]], correction=False).pvalue
    p_tier = stats.chi2_contingency([[20, 180], [22, 178]], correction=False).pvalue
    assert found[0].evidence.p_value == pytest.approx(p_region)  # the missing group is left out
    assert found[1].evidence.p_value == pytest.approx(p_tier)
    assert found[0].stated and "**North**" in found[0].shown
    assert not found[1].stated and found[1].shown == (
        "No reliable difference in Churn rate among the 2 groups by value tier; the chart "
        "shows each group with its likely range.")
    assert log.items == found


def test_channel_cac_difference_is_tested_before_channels_are_ranked():
    from scipy import stats

    from helpers.presentation.findings import FindingLog

    costs = {"email": [400.0, 500, 450, 520], "events": [900.0, 1100, 950], "ads": [600.0, 640]}
    table = pd.DataFrame({"channel": list(costs), "recorded": [len(v) for v in costs.values()],
                          "cost_mean": [np.mean(v) for v in costs.values()],
                          "cost_sd": [np.std(v, ddof=1) for v in costs.values()]})
    test, p = kpis.channels._channel_test(table, "recorded")
    assert test == "one-way ANOVA" and p == pytest.approx(stats.f_oneway(*costs.values()).pvalue)
    spend = pd.DataFrame({"channel": ["a", "b", "c"], "new_customers": [30, 10, 5],
                          "cost": [3000.0, 3000, np.nan]})
    assert kpis.channels._channel_test(spend, "spend")[1] == pytest.approx(
        stats.chisquare([30, 10], [20, 20]).pvalue)
    channels = pd.DataFrame({"channel": ["a", "b"], "new_customers": [11, 9],
                             "cost": [1100.0, 1000.0], "cac": [100.0, 111.1],
                             "cac_lo": [50.0, 50.0], "cac_hi": [200.0, 200.0],
                             "small_sample": [False, False]})
    channels.attrs.update(method="spend", test="chi-square", p_value=0.6, no_channel=0)
    found = kpis.channel_finding(channels, FindingLog("kpi_monitoring"), currency="EUR")
    assert not found.stated and found.shown.startswith("No reliable difference in CAC among the 2")
    channels.attrs["p_value"] = 0.001
    found = kpis.channel_finding(channels, FindingLog("kpi_monitoring"), currency="EUR")
    assert found.stated and "cheapest channel to acquire through was **a**" in found.shown


# --------------------------------------------------------------------------- cards and targets


def card_series() -> pd.DataFrame:
    s = flag_series(new=(12, 11, 13, 12, 10, 12, 11, 12))
    s["revenue"] = [20e6, 21e6, 22e6, 23e6, 24e6, 25e6, 26e6, 29.7e6]
    s["churn_rate"] = [0.10, 0.10, 0.11, 0.11, 0.10, 0.09, 0.095, 0.11]
    s["nps"] = [-20.0, -18, -15, -14, -12, -11, -12.6, -10.5]
    return s


def test_cards_state_period_change_trend_and_target():
    cards = {c["kpi"]: c for c in kpis.kpi_cards(
        card_series(), kpis=["revenue", "churn_rate", "nps"], currency="EUR",
        targets={"revenue": 35e6, "churn_rate": 0.10, "nps": 30.0})}
    rev = cards["revenue"]
    assert rev["period"] == "2026-Q2" and rev["value_text"] == "29.7M EUR"
    assert rev["change"] == pytest.approx(29.7 / 26 - 1) and rev["change_text"] == "+14%"
    assert rev["trend"][-1] == rev["value"] and len(rev["trend"]) == 8
    assert rev["target_text"] == "85% of target 35M EUR" and rev["progress"]["met"] is False
    assert cards["churn_rate"]["change_text"] == "+1.5 pts"
    assert cards["churn_rate"]["target_text"] == "110% of ceiling 10.0%"
    assert cards["nps"]["target_text"] == "target 30.0: not met"  # no ratio below zero
    recorded = kpis.headline_cards(list(cards.values()), currency="EUR")
    assert recorded["Revenue"] == {
        "value": 29700000, "unit": "EUR", "period": "2026-Q2", "delta": 3700000,
        "trend": [20000000, 21000000, 22000000, 23000000, 24000000, 25000000, 26000000, 29700000],
        "target": 35000000}
    assert recorded["Churn rate"]["delta"] == 1.5 and recorded["Churn rate"]["target"] == 10.0
    assert recorded["Churn rate"]["better"] == "down" and recorded["Churn rate"]["unit"] == "%"
    zh = {c["kpi"]: c for c in kpis.kpi_cards(card_series(), kpis=["revenue", "churn_rate"],
                                              currency="EUR", language="zh",
                                              targets={"revenue": 35e6})}
    assert zh["revenue"]["period"] == "2026年第2季度" and zh["revenue"]["value_text"] == "2,970万 EUR"
    assert zh["revenue"]["target_text"] == "达成目标 3,500万 EUR 的 85%"
    assert zh["churn_rate"]["change_text"] == "+1.5 个百分点"


def test_cards_record_schema_is_accepted(tmp_path):
    from helpers.report import outputs

    cards = kpis.headline_cards(kpis.kpi_cards(card_series(), currency="EUR"), currency="EUR")
    path = outputs.record_headlines("kpi_monitoring", cards, tmp_path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert all({"value", "period", "trend"} <= set(c) for c in saved.values())
    assert all(c["trend"][-1] == c["value"] for c in saved.values())


def test_cards_html_shows_flag_sparkline_and_target_without_scripts():
    flags = pd.DataFrame([{"kpi": "cac", "kind": "gap", "period": "2025-Q4",
                           "reason": "data break: no value in 2025-Q4"}], columns=kpis.FLAG_COLUMNS)
    cards = kpis.kpi_cards(card_series(), kpis=["revenue", "cac", "churn_rate"], currency="EUR",
                           flags=flags, targets={"revenue": 35e6})
    html = kpis.cards_html(cards)
    assert "<script" not in html and html.count("<img") == 3 and html.count("\"wb-card\"") == 3
    assert "⚑ data break: no value in 2025-Q4" in html and "85% of target 35M EUR" in html
    assert "▲ +14%" in html and "2026-Q2" in html
    assert 'alt="Revenue over the last 8 periods, from 20M EUR to 29.7M EUR"' in html
    assert kpis.cards_html([]) == ""
    assert kpis.sparkline_svg([1.0]) == "" and "<polyline" in kpis.sparkline_svg([1.0, 1.0])
    assert kpis.sparkline_img([1.0], alt="x") == ""
    assert "wb-card-delta wb-up\">▲ +14%" in html  # more revenue is good news
    # the report page's sanitiser keeps the cards, their trend images and the target bar
    from helpers.report import render

    kept = render.safe_html(html)
    assert kept.count('src="data:image/svg+xml;base64,') == 3 and "&lt;" not in kept
    assert '<span style="width: 85%;">' in kept or '<span style="width: 85%">' in kept


def test_targets_are_checked_with_a_clear_error():
    assert kpis.check_targets(None) == {} and kpis.check_targets({}) == {}
    assert kpis.check_targets({"revenue": 35000000, "churn_rate": 0.1}) == {
        "revenue": 35e6, "churn_rate": 0.1}
    with pytest.raises(ParamError, match=r"unknown KPI 'revenu'.*Valid KPIs: revenue, "):
        kpis.check_targets({"revenu": 1.0})
    with pytest.raises(ParamError, match="must be a number"):
        kpis.check_targets({"nps": "high"})
    with pytest.raises(ParamError, match="mapping"):
        kpis.check_targets([1, 2])


def test_missed_targets_become_a_finding_with_an_action():
    cards = kpis.kpi_cards(card_series(), kpis=["revenue", "nps"], currency="EUR",
                           targets={"revenue": 35e6, "nps": -20.0})
    [found] = kpis.target_findings(cards)
    assert found.text == "Behind target in 2026-Q2: Revenue 85% of target 35M EUR."
    assert found.action and found.stated
    assert kpis.target_findings(kpis.kpi_cards(card_series(), kpis=["revenue"])) == []


def test_chart_alt_texts_name_the_data():
    frames, _ = kpis.forecasts(card_series(), ["revenue"], horizon=2, holdout=2)
    alt = kpis.trend_alt(frames, currency="EUR")
    assert "from 2024-Q3 to 2026-Q2" in alt and "2026-Q3, 2027-Q1" not in alt
    assert "2026-Q3, 2026-Q4" in alt and "Revenue 29.7M EUR" in alt
    table = pd.DataFrame({"group": ["email", "outbound"], "cac": [2448.0, 14288.0]})
    assert kpis.comparison_alt(table, "cac", kpi="cac", title="CAC", currency="EUR") == (
        "Dot chart of CAC across 2 groups with likely ranges; lowest email at 2.4K EUR, "
        "highest outbound at 14.3K EUR.")
    assert kpis.channel_name("trade_show", "zh") == "展会"
    assert kpis.channel_name("direct_mail") == "direct mail"


# --------------------------------------------------------------------------- notebook steps


def test_trend_kpis_keep_the_panel_order_and_drop_absent_columns():
    s = pd.DataFrame({"period": ["Q1"], "nps": [1.0], "revenue": [2.0], "other": [3.0]})
    assert kpis.trend_kpis(s) == ["revenue", "nps"]
    assert kpis.trend_kpis(s, ["nps", "cac"]) == ["nps"]


def test_trend_figure_has_one_visible_panel_per_kpi():
    import matplotlib.pyplot as plt

    frames, _ = kpis.forecasts(card_series(), ["revenue", "churn_rate", "nps", "cac"],
                               horizon=2, holdout=2)
    fig = kpis.trend_figure(frames, currency="EUR", labels={"actual": "actual"})
    try:
        visible = [ax for ax in fig.axes if ax.get_visible()]
        assert len(fig.axes) == 6 and len(visible) == len(frames) == 4
        assert visible[0].get_title() == "Revenue"
    finally:
        plt.close(fig)


def test_trend_note_joins_the_revenue_move_findings_and_short_series():
    from helpers.presentation.findings import FindingLog

    changes = pd.DataFrame({"period": ["Q1", "Q2"], "kpi": "revenue", "value": [1.0, 2.0],
                            "pop": [np.nan, 1.0], "yoy": [np.nan, np.nan], "change": "relative"})
    errors = pd.DataFrame({"kpi": ["revenue"], "method": ["last value"], "mae": [np.nan],
                           "mape": [np.nan], "next_forecast": [2.0], "next_lower": [1.0],
                           "next_upper": [3.0]})
    s = pd.DataFrame({"period": [f"p{i}" for i in range(8)],
                      "churn_rate": np.linspace(0.05, 0.12, 8)})
    found, _ = kpis.trend_findings(s, ["churn_rate"], FindingLog("k"))
    text = kpis.trend_note(changes, errors, found, ["nps"], drawn=True, currency="EUR")
    first, middle, last = text.split("\n\n")
    assert first == kpis.trend_sentence(changes, errors, currency="EUR")
    assert middle == " ".join(FindingLog.summary(found)) and middle.startswith("Churn rate rose")
    assert "NPS" in last and str(kpis.MIN_SERIES_POINTS) in last
    assert kpis.trend_note(changes, errors, [], [], drawn=False) == (
        "No KPI has two or more periods with a value, so no trend is drawn.")
    assert "，" in kpis.trend_note(changes, errors, [], ["nps", "cac"], drawn=False,
                                   language="zh")


def test_channel_chart_names_channels_in_the_report_language():
    import matplotlib.pyplot as plt

    channels = pd.DataFrame({"channel": ["trade_show", "email", "ads"],
                             "cac": [900.0, 300.0, np.nan], "cac_lo": [700.0, 200.0, np.nan],
                             "cac_hi": [1100.0, 400.0, np.nan], "new_customers": [3, 5, 0],
                             "small_sample": [True, False, False]})
    fig, alt = kpis.channel_chart(kpis.priced_channels(channels), currency="EUR",
                                  language="zh", title="各渠道获客成本", xlabel="获客成本")
    try:
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["邮件", "展会"]
        assert ax.get_title() == "各渠道获客成本" and "EUR" in ax.get_xlabel()
        assert "邮件" in alt and "展会" in alt and "trade" not in alt
    finally:
        plt.close(fig)


def test_segment_splits_add_the_tier_only_with_values():
    assert kpis.segment_splits(None) == {"region": "region", "industry": "industry"}
    values = pd.DataFrame({"account_id": list("ab"), "value_tier": ["key", "maintain"],
                           "clv": [1.0, 2.0]})
    splits = kpis.segment_splits(values, "en")
    assert list(splits) == ["region", "industry", "tier"]
    assert list(splits["tier"].columns) == list(kpis.tier_groups(values, "en").columns)


def test_segment_panels_and_their_figure():
    import matplotlib.pyplot as plt

    regions = pd.DataFrame({"group": ["North", "South"], "nps": [10.0, 30.0],
                            "nps_lo": [0.0, 20.0], "nps_hi": [20.0, 40.0],
                            "small_sample": [False, True]})
    tiers = pd.DataFrame({"group": ["key", "growth"], "churn_rate": [0.1, 0.2],
                          "nps": [5.0, 6.0], "small_sample": [False, False]})
    panels = kpis.segment_panels(regions, tiers, tier_dim="industry")
    assert [(p["dim"], p["metric"]) for p in panels] == [("region", "nps"),
                                                         ("industry", "churn_rate")]
    fig, alt = kpis.panels_figure(panels)
    try:
        assert len(fig.axes) == 2 and fig.axes[1].get_title() == panels[1]["title"]
        assert "lowest North" in alt and "lowest key" in alt
    finally:
        plt.close(fig)
    assert kpis.segment_panels(regions.assign(nps=np.nan), tiers.iloc[:1]) == []


def test_tier_cac_only_when_margins_exist_and_cac_is_not_flagged():
    class Caps:
        def __init__(self, margin):
            self.margin = margin

        def has(self, table, column=None):
            return self.margin

    clean = pd.DataFrame({"kpi": ["nps"]})
    assert kpis.tier_cac({"cac": 500.0}, clean, Caps(True)) == 500.0
    assert kpis.tier_cac({"cac": 500.0}, clean) == 500.0
    assert kpis.tier_cac({"cac": 500.0}, clean, Caps(False)) is None
    assert kpis.tier_cac({"cac": 500.0}, pd.DataFrame({"kpi": ["cac"]}), Caps(True)) is None
    assert kpis.tier_cac({}, clean, Caps(True)) is None
