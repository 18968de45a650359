"""RFM scores: ties, small samples, agreement with quintile cuts, segments, sample world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import rfm
from helpers.datasets import open_workspace
from helpers.errors import ParamError
from helpers.features import account_features
from helpers.sample_world import generate_world

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
    assert (table.f_score.iloc[:9] == 1).all() and table.f_score.iloc[10] == 5
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
