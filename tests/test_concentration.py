"""Concentration measures against hand values, an independent Gini formula and the sample
world's planted heavy tail."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import concentration as conc
from helpers.core.errors import ParamError
from helpers.data.datasets import open_workspace
from helpers.data.features import account_features
from helpers.data.sample_world import generate_world, read_truth


def gini_mean_difference(v):
    """Gini as half the relative mean absolute difference (an independent definition)."""
    v = np.asarray(v, dtype=float)
    return np.abs(v[:, None] - v[None, :]).mean() / (2 * v.mean())


def test_gini_hand_values_and_independent_formula():
    assert conc.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert conc.gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n - 1) / n
    v = np.random.default_rng(2).lognormal(0, 1.5, 400)
    assert conc.gini(v) == pytest.approx(gini_mean_difference(v), rel=1e-9)
    assert np.isnan(conc.gini([0, 0])) and np.isnan(conc.gini([]))


def test_hhi_top_share_and_pareto_curve():
    assert conc.hhi([1, 1, 1, 1]) == pytest.approx(0.25)
    assert conc.hhi([10, 0, 0]) == pytest.approx(1.0)
    assert conc.top_share([50, 30, 20], 1) == pytest.approx(0.5)
    assert conc.top_share([50, 30, -20], 2) == pytest.approx(1.0)  # negatives count as 0
    curve = conc.pareto_curve([1, 3, 6])
    assert curve.account_share.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert curve.value_share.tolist() == pytest.approx([0, 0.6, 0.9, 1.0])
    with pytest.raises(ParamError, match="top-k"):
        conc.top_share([1, 2], 0)


def test_dependency_risk():
    table = pd.DataFrame({"v": [100.0, 50, 30, 20, -10, 0], "p": [0.5, 1, 1, 1, 1, np.nan]})
    out = conc.dependency_risk(table, "v", top=(1, 3), p_alive_col="p")
    assert out.group.tolist() == ["top 1", "top 3"]
    assert out.share.tolist() == pytest.approx([0.5, 0.9])
    assert out.value_at_risk.tolist() == pytest.approx([50.0, 50.0])
    assert out.at_risk_share.iloc[0] == pytest.approx(0.25)
    assert out.attrs["negative_accounts"] == 1
    with pytest.raises(ParamError, match="no column"):
        conc.dependency_risk(table, "missing")


def test_sample_world_heavy_tail_is_recovered(tmp_path):
    generate_world(tmp_path, accounts=600, seed=5)
    truth = read_truth(tmp_path)["heavy_tail"]
    with open_workspace(tmp_path) as ws:
        revenue = account_features(ws, "2026-06-30").revenue_total
    positive = revenue[revenue > 0]
    assert conc.gini(positive) == pytest.approx(truth["gini"], abs=1e-3)
    k = int(np.ceil(0.1 * len(positive)))
    assert conc.top_share(positive, k) == pytest.approx(truth["top10_revenue_share"], abs=1e-3)
    ax = conc.plot_pareto(conc.pareto_curve(positive))
    assert ax.get_xlabel() == "% of accounts"


def test_summary_is_none_without_positive_value_and_never_nan():
    assert conc.summary([np.nan, np.nan]) is None
    assert conc.summary([0.0, -5.0, 0.0]) is None
    assert conc.summary([]) is None
    s = conc.summary([10.0, 0.0, np.nan, 30.0], top=(1, 5))
    assert s["top_share"] == {1: pytest.approx(0.75), 5: pytest.approx(1.0)}
    assert s["equivalent"] == pytest.approx(1 / (0.75 ** 2 + 0.25 ** 2))
    assert s["at_risk_share"] is None and s["accounts"] == 2


def test_value_at_risk_is_unknown_without_any_p_alive():
    table = pd.DataFrame({"v": [10.0, 30.0, 0.0], "p": [np.nan] * 3})
    risk = conc.dependency_risk(table, "v", top=(2,), p_alive_col="p")
    assert np.isnan(risk.value_at_risk.iloc[0]) and np.isnan(risk.at_risk_share.iloc[0])
    s = conc.summary(table.v, top=(2,), p_alive=table.p)
    assert s["at_risk_share"] is None
    s = conc.summary(table.v, top=(2,), p_alive=[0.5, 1.0, np.nan])
    assert s["at_risk_share"] == pytest.approx(5 / 40)
