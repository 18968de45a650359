"""RFM scores: ties, small samples, agreement with quintile cuts, segments, sample world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import rfm
from helpers.core.errors import ParamError
from helpers.data.datasets import open_workspace
from helpers.data.features import account_features
from helpers.data.sample_world import generate_world

AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rfm_world")
    generate_world(folder, accounts=800, seed=21)
    return folder


@pytest.fixture(scope="module")
def features(world):
    with open_workspace(world) as ws:
        return account_features(ws, AS_OF, windows=(90, 365, 730))


def test_identical_inputs_get_identical_scores():
    values = pd.Series([5, 1, 5, 3, 5, 9, 1, 7, 5, 2])
    scores = rfm.quantile_scores(values)
    for v in values.unique():
        assert scores[values == v].nunique() == 1
    # The same multiset in another order gives the same score per value.
    perm = values.sample(frac=1, random_state=3)
    again = rfm.quantile_scores(perm)
    assert (again.sort_index() == scores).all()
    # Larger values never score lower.
    order = values.sort_values(kind="stable").index
    assert scores[order].is_monotonic_increasing


def test_small_samples_and_all_equal_values_score_the_middle():
    assert rfm.quantile_scores([42.0]).tolist() == [3]
    assert rfm.quantile_scores([7, 7, 7, 7]).tolist() == [3, 3, 3, 3]
    assert rfm.quantile_scores([1, 2, 3]).tolist() == [1, 3, 5]
    assert rfm.quantile_scores([1, 2]).tolist() == [2, 4]
    assert rfm.quantile_scores([], q=5).tolist() == []


def test_distinct_values_agree_with_pandas_quintile_cuts():
    values = pd.Series(np.random.default_rng(1).lognormal(8, 1, 250))
    want = pd.qcut(values, 5, labels=[1, 2, 3, 4, 5]).astype("int64")
    got = rfm.quantile_scores(values).astype("int64")
    assert (got == want).all()
    assert got.value_counts().tolist() == [50] * 5
    # Recency: fewer days is better.
    low = rfm.quantile_scores(values, higher_is_better=False).astype("int64")
    assert (low == 6 - got).all()


def test_missing_values_stay_missing_and_bad_q_is_refused():
    s = rfm.quantile_scores([1.0, np.nan, 3.0])
    assert s.isna().tolist() == [False, True, False]
    with pytest.raises(ParamError, match="score levels"):
        rfm.quantile_scores([1, 2], q=1)


def test_low_ties_give_one_time_buyers_the_lowest_score():
    # 80% bought once: mid-ranks would give them all the middle score 3
    values = [1] * 8 + [2, 5]
    assert rfm.quantile_scores(values).tolist()[:8] == [3] * 8
    low = rfm.quantile_scores(values, ties="low").tolist()
    assert low == [1] * 8 + [5, 5]
    assert rfm.quantile_scores([4.0], ties="low").tolist() == [1]
    assert rfm.quantile_scores([1, 2, 3, 4, 5], ties="low").tolist() == [1, 2, 3, 4, 5]
    with pytest.raises(ParamError, match="ties"):
        rfm.quantile_scores([1, 2], ties="max")


def test_rfm_table_scores_one_time_buyers_f1():
    feats = pd.DataFrame({
        "account_id": [f"A{i}" for i in range(12)],
        "recency_days": [5.0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, np.nan],
        "orders_365d": [1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 6, 0],
        "revenue_365d": [100.0] * 11 + [0.0],
    })
    table = rfm.rfm_table(feats, window_days=365)
    # repeat buyers rank among themselves: 3 orders is the least frequent of the two
    assert (table.f_score.iloc[:9] == 1).all() and table.f_score.iloc[9:11].tolist() == [2, 4]
    assert pd.isna(table.f_score.iloc[11])
    seg = rfm.assign_segments(table)
    assert "At risk" not in set(seg.iloc[:9])


def make_rfm(r, f, m=None):
    n = len(r)
    return pd.DataFrame({"r_score": pd.array(r, dtype="Int64"),
                         "f_score": pd.array(f, dtype="Int64"),
                         "m_score": pd.array(m if m is not None else [3] * n, dtype="Int64")})


def test_default_segments_cover_every_cell():
    r, f = np.meshgrid(range(1, 6), range(1, 6))
    grid = make_rfm(r.ravel().tolist(), f.ravel().tolist())
    seg = rfm.assign_segments(grid)
    assert (seg != rfm.OTHER).all()
    lookup = dict(zip(zip(grid.r_score, grid.f_score, strict=True), seg, strict=True))
    assert lookup[(5, 5)] == "Champions" and lookup[(1, 5)] == "At risk"
    assert lookup[(1, 1)] == "Hibernating" and lookup[(3, 4)] == "Loyal"


def test_custom_segments_first_match_wins_and_unscored_accounts():
    table = make_rfm([5, 5, 1, None], [5, 1, 1, None], [5, 1, 1, None])
    segments = {"Whales": {"m": [5, 5]}, "Recent": {"r": [4, 5]}}
    seg = rfm.assign_segments(table, segments)
    assert seg.tolist() == ["Whales", "Recent", rfm.OTHER, rfm.NO_PURCHASES]


@pytest.mark.parametrize("bad, message", [
    ({"Champions": {"rr": [4, 5]}}, "did you mean 'r'"),
    ({"Champions": {"r": [4, 6]}}, "1 <= low <= high <= 5"),
    ({"Champions": {"r": [5, 4]}}, "1 <= low <= high"),
    ({"Champions": {"r": "high"}}, "low, high"),
    ({}, "must map segment names"),
])
def test_bad_segment_rules_are_explained(bad, message):
    with pytest.raises(ParamError, match=message):
        rfm.check_segments(bad)


def test_rfm_table_needs_the_window(features):
    with pytest.raises(ParamError, match="orders_180d"):
        rfm.rfm_table(features, window_days=180)


def test_sample_world_rfm_scores_and_segments(features, world):
    table = rfm.rfm_table(features, window_days=730)
    buyers = features.recency_days.notna()
    assert table.r_score[buyers].notna().all() and table.r_score[~buyers].isna().all()
    assert table.rfm_code[buyers].str.fullmatch(r"[1-5]{3}").all()
    seg = rfm.assign_segments(table)
    summary = rfm.segment_summary(table, seg)
    assert summary.accounts.sum() == len(features)
    assert summary.account_share.sum() == pytest.approx(1.0)
    per = summary.set_index("segment")
    assert (per.loc["Champions", "monetary"] / per.loc["Champions", "accounts"]
            > per.loc["Hibernating", "monetary"] / per.loc["Hibernating", "accounts"])
    # Planted truth: churned accounts land in the low-recency segments.
    truth = pd.read_parquet(world / "truth_accounts.parquet").set_index("account_id")
    stage = truth.true_stage.reindex(features.account_id).to_numpy()
    churned = seg[stage == "churned"]
    assert churned.isin(["Hibernating", "At risk"]).mean() > 0.8
    grid = rfm.rfm_grid(table)
    assert grid.accounts.sum() == buyers.sum()
    ax = rfm.plot_rfm_heatmap(grid, currency="EUR")
    assert ax.get_xlabel().startswith("F score")


def test_short_money_labels():
    assert rfm.short_money(1_234_567) == "1.2M"
    assert rfm.short_money(35_000) == "35.0k"
    assert rfm.short_money(950) == "950"
    assert rfm.short_money(np.nan) == ""


def test_lead_segment_skips_non_buyers_and_empty_values():
    summary = pd.DataFrame({"segment": [rfm.NO_PURCHASES, "Loyal", "Champions"],
                            "monetary": [0.0, 50.0, 20.0],
                            "monetary_share": [0.0, 0.7, 0.3]})
    assert rfm.lead_segment(summary.iloc[[0, 1, 2]])["segment"] == "Loyal"
    none = summary.assign(monetary=0.0, monetary_share=np.nan)
    assert rfm.lead_segment(none) is None


# --------------------------------------------------------------------------- frequency that means frequent


def test_frequency_scores_rank_repeat_buyers_among_themselves():
    # 60% one-time buyers: ranked among all buyers two orders would score 4
    values = [1] * 6 + [2, 2, 3, 5]
    assert rfm.quantile_scores(values, ties="low").tolist()[6:8] == [4, 4]
    assert rfm.frequency_scores(values).tolist() == [1] * 6 + [2, 2, 4, 5]
    # 80% one-time: one-time buyers stay at 1, equal counts share a score
    assert rfm.frequency_scores([1] * 8 + [4, 4]).tolist() == [1] * 8 + [2, 2]
    # one extra order is never frequent, even when it is the top of the repeat buyers
    assert rfm.frequency_scores([1, 1, 1, 2, 2]).tolist() == [1, 1, 1, 2, 2]
    # among repeat buyers the scores follow the low-tie quintiles, shifted to 2..5
    repeat = np.arange(3, 23)
    expected = 1 + rfm.quantile_scores(repeat, q=4, ties="low").to_numpy()
    assert rfm.frequency_scores(repeat).tolist() == expected.tolist()
    got = rfm.frequency_scores(pd.Series([np.nan, 0, 1, 7]))
    assert pd.isna(got.iloc[0]) and got.iloc[1:].tolist() == [1, 1, 2]


def test_mostly_one_time_buyers_give_no_frequent_label_on_two_orders():
    # a retail log: 60% bought once, 30% twice, 10% three to six times, recency spread out
    rng = np.random.default_rng(0)
    n = 500
    freq = np.r_[np.ones(300), np.full(150, 2.0), rng.integers(3, 7, 50)]
    feats = pd.DataFrame({"account_id": [f"A{i}" for i in range(n)],
                          "recency_days": rng.uniform(1, 700, n), "orders_730d": freq,
                          "revenue_730d": rng.uniform(10, 1000, n)})
    table = rfm.rfm_table(feats, window_days=730)
    seg = rfm.assign_segments(table)
    frequent = seg.isin(["Champions", "Loyal", "At risk"])
    assert frequent.any()
    assert (table.frequency[frequent] >= 3).all()  # before: 2 orders scored F = 4
    assert (table.f_score[table.frequency <= 2] <= 2).all()


# --------------------------------------------------------------------------- buying rhythm and lapse


def test_buying_rhythm_uses_own_gap_or_the_population_median():
    orders = [5, 3, 2, 1, 2, 2, 0]
    gaps = [10.0, 40.0, 20.0, np.nan, 30.0, 60.0, np.nan]
    rhythm, median = rfm.buying_rhythm(orders, gaps, history_days=1000, min_accounts=3)
    assert median == pytest.approx(np.median([10, 40, 20, 30, 60]))
    assert rhythm[:2].tolist() == [10.0, 40.0]  # three orders or more: own gap
    assert np.allclose(rhythm[2:], median)  # fewer: the population's median
    # a young history has seen only short gaps: the median stands in for no one
    young, median_young = rfm.buying_rhythm(orders, gaps, history_days=120, min_accounts=3)
    assert median_young == median and np.isnan(young[2:]).all() and young[0] == 10.0
    # too few repeat buyers: no median at all
    _, none = rfm.buying_rhythm(orders, gaps, history_days=1000, min_accounts=10)
    assert np.isnan(none)


def test_overdue_needs_recency_beyond_k_rhythms_and_a_tenure_that_covers_it():
    recency = [50.0, 50.0, 30.0, 500.0, 50.0]
    first = [400.0, 50.0, 400.0, 500.0, 400.0]
    rhythm = [20.0, 20.0, 20.0, np.nan, 24.9]
    got = rfm.overdue(recency, first, rhythm, factor=2)
    assert got.tolist() == [True, True, False, False, True]
    assert rfm.overdue([50.0], [30.0], [20.0]).tolist() == [False]  # first order too recent
    with pytest.raises(ParamError, match="overdue factor"):
        rfm.overdue([1.0], [1.0], [1.0], factor=0.5)


def _lapse_features(history_days: float):
    """Twelve repeat buyers ordering every ~30 days and eight one-time buyers."""
    as_of = pd.Timestamp("2026-06-30")
    n_rep, n_one = 12, 8
    recency = np.r_[np.full(6, 10.0), np.full(6, 100.0), np.full(n_one, min(400.0, history_days - 10))]
    orders = np.r_[np.full(n_rep, 4), np.ones(n_one)]
    span = np.where(orders > 1, 90.0, 0.0)
    span = np.minimum(span, history_days - recency)
    last = as_of - pd.to_timedelta(recency, unit="D")
    first = last - pd.to_timedelta(span, unit="D")
    return pd.DataFrame({
        "account_id": [f"A{i:02d}" for i in range(n_rep + n_one)], "recency_days": recency,
        "first_order_date": first, "last_order_date": last, "order_count": orders,
        "mean_gap_days": np.where(orders > 1, span / 3, np.nan),
        "orders_730d": orders, "revenue_730d": np.full(n_rep + n_one, 100.0)})


def test_lapse_segments_name_only_overdue_accounts():
    feats = _lapse_features(1000)
    lapse = rfm.lapse_evidence(feats)
    assert lapse.attrs["median_gap_days"] == pytest.approx(30.0)
    # repeat buyers 100 days silent on a 30-day rhythm are overdue; 10 days is not;
    # one-time buyers 400 days silent against the median 30-day gap are overdue
    assert lapse.overdue.tolist() == [False] * 6 + [True] * 6 + [True] * 8
    table = rfm.rfm_table(feats, window_days=730)
    plain = rfm.assign_segments(table)
    gated = rfm.assign_segments(table, overdue=lapse.overdue)
    assert (gated[lapse.overdue] == plain[lapse.overdue]).all()
    assert set(rfm.lapse_segments()) == {"At risk", "Hibernating"}
    assert rfm.lapse_segments({"Gone": {"r": [1, 1]}, "Big": {"m": [5, 5]}}) == ["Gone"]
    alarm = rfm.lapse_alarm(table, gated, lapse)
    assert alarm["passed"] == bool((gated == "At risk").any())
    # on a young history nothing is overdue by the population median: no alarm, and the
    # one-time buyers a low recency calls Hibernating are "Not due yet" instead
    young = _lapse_features(120)
    lapse_young = rfm.lapse_evidence(young)
    assert lapse_young.attrs["history_days"] == 120 and not lapse_young.overdue.iloc[12:].any()
    table_young = rfm.rfm_table(young, window_days=730)
    seg = rfm.assign_segments(table_young, overdue=lapse_young.overdue)
    assert "Hibernating" not in set(seg) and rfm.NOT_DUE in set(seg)
    assert rfm.lapse_alarm(table_young, seg, lapse_young, supported=False)["reason"] == "support"
    # one stray account with a first order years ago does not make the history long
    stray = young.copy()
    stray.loc[0, "first_order_date"] = pd.Timestamp("2023-01-01")
    stray_lapse = rfm.lapse_evidence(stray)
    assert stray_lapse.attrs["history_days"] < 365 and not stray_lapse.overdue.iloc[12:].any()
    with pytest.raises(ParamError, match="one flag per account"):
        rfm.assign_segments(table, overdue=[True])


def test_lapse_alarm_reasons():
    feats = _lapse_features(1000)
    table = rfm.rfm_table(feats, window_days=730)
    lapse = rfm.lapse_evidence(feats)
    nobody = pd.Series(["Champions"] * len(table))
    assert rfm.lapse_alarm(table, nobody, lapse)["reason"] == "none_overdue"
    unknown = lapse.assign(rhythm_days=np.nan)
    assert rfm.lapse_alarm(table, nobody, unknown)["reason"] == "rhythm"
    some = pd.Series(["At risk"] * 3 + ["Champions"] * (len(table) - 3))
    alarm = rfm.lapse_alarm(table, some, lapse)
    assert alarm["passed"] and alarm["accounts"] == 3 and alarm["amount"] == pytest.approx(300.0)


def test_sample_world_churned_accounts_are_overdue(features, world):
    table = rfm.rfm_table(features, window_days=730)
    lapse = rfm.lapse_evidence(features)
    seg = rfm.assign_segments(table, overdue=lapse.overdue)
    truth = pd.read_parquet(world / "truth_accounts.parquet").set_index("account_id")
    stage = truth.true_stage.reindex(features.account_id).to_numpy()
    assert seg[stage == "churned"].isin(["Hibernating", "At risk"]).mean() > 0.8
    # growing and mature accounts are rarely called lapsed
    assert seg[np.isin(stage, ["growth", "mature"])].isin(["Hibernating", "At risk"]).mean() < 0.2


def test_richest_cell_is_the_cell_with_the_highest_mean_value():
    grid = pd.DataFrame({"r_score": [1, 5, 3], "f_score": [2, 5, 1], "accounts": [4, 2, 9],
                         "mean_monetary": [10.0, 300.0, 50.0], "total_monetary": [40.0, 600.0, 450.0]})
    best = rfm.richest_cell(grid)
    assert (best.r_score, best.f_score, best.mean_monetary) == (5, 5, 300.0)
