"""Evidence gates of the ICP: lift families, related attributes, the look-alike model on
surviving values only, grid cells and whitespace against comparable peers.

Small hand-built data; every test is checked against scipy or statsmodels and fails on the
ungated behaviour (unadjusted intervals, every attribute value in the model, peers that
differ in deal size).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from helpers.analysis import icp
from helpers.data.datasets import open_workspace
from helpers.presentation import i18n
from helpers.presentation.findings import FindingLog

AS_OF = "2026-06-30"


def _noise(n=1300, k=13, seed=11):
    """Accounts whose industry is unrelated to being a best customer."""
    rng = np.random.default_rng(seed)
    feats = pd.DataFrame({
        "account_id": [f"A{i}" for i in range(n)],
        "industry": rng.choice([f"I{j:02d}" for j in range(k)], n),
        "acquisition_channel": np.where(rng.random(n) < 0.3, None,
                                        rng.choice(["events", "search", "email"], n)),
        "employees": rng.lognormal(4, 1, n).round(),
        "revenue_total": rng.lognormal(8, 1, n),
    })
    best = pd.Series(rng.random(n) < 0.2)
    return feats, best


def test_lift_p_values_are_fisher_exact_corrected_as_one_family():
    feats, best = _noise()
    lift = icp.attribute_lift(feats, best, ["industry"], min_support=0.0)
    b = best.to_numpy()
    row = lift.iloc[0]
    has = (feats["industry"] == row["value"]).to_numpy()
    table = [[int((b & has).sum()), int((b & ~has).sum())],
             [int((~b & has).sum()), int((~b & ~has).sum())]]
    assert row["p_value"] == pytest.approx(stats.fisher_exact(table).pvalue)
    assert lift["p_adjusted"].to_numpy() == pytest.approx(
        multipletests(lift["p_value"], method="fdr_bh")[1])
    holm = icp.attribute_lift(feats, best, ["industry"], min_support=0.0, method="holm")
    assert holm["p_adjusted"].to_numpy() == pytest.approx(
        multipletests(holm["p_value"], method="holm")[1])


def test_noise_is_never_called_over_or_under_represented():
    """Seeds where the old unadjusted 95% interval calls an industry over or under."""
    flagged = 0
    for seed in range(11, 31):
        feats, best = _noise(seed=seed)
        lift = icp.attribute_lift(feats, best, ["industry"], min_support=0.0)
        old = (lift["ci_low"] > 1) | (lift["ci_high"] < 1)
        flagged += int(old.any())
        assert (lift["direction"] == "unclear").all(), seed
        assert icp.icp_profile(lift).empty
        assert "no distinct ICP" in icp.icp_statement(lift, "best")
    assert flagged >= 5  # the ungated rule would have stated noise in these worlds


def test_icp_findings_state_survivors_and_one_honest_sentence_otherwise():
    feats, best = _noise()
    lift = icp.attribute_lift(feats, best, ["industry"], min_support=0.0)
    log = FindingLog("customer_profiling")
    found = icp.icp_findings(lift, log, "top 20%", features=feats)
    assert len(found) == len(lift) and not any(f.stated for f in found)
    assert FindingLog.summary(found) == [found[0].fallback] and "no distinct ICP" in found[0].fallback
    # plant a real effect: I00 accounts are best twice as often
    planted = best | ((feats["industry"] == "I00") & (np.arange(len(feats)) % 3 == 0))
    lift = icp.attribute_lift(feats, planted, ["industry"], min_support=0.0)
    log = FindingLog("customer_profiling")
    found = icp.icp_findings(lift, log, "top 20%", features=feats)
    stated = [f for f in found if f.stated]
    assert [f.text for f in stated][:1] == [
        "Best customers (top 20%) are over-represented in industry **I00** "
        f"({lift.iloc[0]['lift']:.1f}× as common as among the other accounts)."]
    assert stated[0].action and 0.2 <= stated[0].impact <= 0.95
    assert set(icp.surviving_levels(lift)) == {"industry"}


def test_related_attributes_match_scipy_and_ignore_missing_values():
    feats, best = _noise()
    rel = icp.related_attributes(feats, best, ["industry", "acquisition_channel"],
                                 ["employees"]).set_index("attribute")
    known = feats["acquisition_channel"].notna()
    chi = stats.chi2_contingency(pd.crosstab(feats.loc[known, "acquisition_channel"],
                                             best[known]), correction=False)
    assert rel.loc["acquisition_channel", "p_value"] == pytest.approx(chi.pvalue)
    b = best.to_numpy()
    mw = stats.mannwhitneyu(feats["employees"][b], feats["employees"][~b])
    assert rel.loc["employees", "p_value"] == pytest.approx(mw.pvalue)
    assert rel["p_adjusted"].to_numpy() == pytest.approx(
        multipletests(rel["p_value"], method="fdr_bh")[1])
    assert not rel["related"].any()
    # "has no channel" is related to the outcome, but a missing level is never the signal
    with_gap = best | feats["acquisition_channel"].isna()
    rel = icp.related_attributes(feats, with_gap, ["acquisition_channel"]).set_index("attribute")
    assert not rel.loc["acquisition_channel", "related"]


def test_surviving_levels_drop_missing_levels_and_unrelated_attributes():
    lift = pd.DataFrame({"attribute": ["industry", "industry", "region", "industry × region"],
                         "value": ["M", "(missing)", "DACH", "M × DACH"],
                         "direction": ["over", "under", "over", "over"]})
    related = pd.DataFrame({"attribute": ["industry", "region"], "related": [True, False]})
    assert icp.surviving_levels(lift, related) == {"industry": ["M"]}
    assert icp.surviving_levels(lift) == {"industry": ["M"], "region": ["DACH"]}


def test_lookalike_uses_only_surviving_values():
    feats, best = _noise(n=800)
    feats["size_band"] = np.where(feats["employees"] > 60, "large", "small")
    planted = best.to_numpy() | ((feats["size_band"] == "large").to_numpy()
                                 & (np.arange(len(feats)) % 2 == 0))
    levels = {"size_band": ["large"]}
    model, problem = icp.fit_lookalike(feats, planted, levels=levels, numeric=[])
    assert problem is None and model.categorical == ("size_band",)
    factors = model.factors(top=None)
    assert set(factors["value"]) == {"large"}  # no pooled, missing or noise level is a sign
    reasons = model.reasons(feats)
    assert not reasons.str.contains("industry|small|other", regex=True).any()
    # the ungated model names noise industries and the missing channel level's neighbours
    free, _ = icp.fit_lookalike(feats, planted)
    assert (free.factors(top=None)["attribute"] == "industry").any()
    assert icp.fit_lookalike(feats, planted, levels={}, numeric=[]) == (None, "no_signal")


def test_grid_cells_are_fisher_tests_and_noise_names_no_richest_cell():
    feats, best = _noise()
    feats["size_band"] = np.where(np.arange(len(feats)) % 2 == 0, "small", "large")
    cells = icp.grid_cells(feats, best, "industry", "size_band")
    r = cells.iloc[0]
    rest_n, rest_b = len(feats) - r["accounts"], int(best.sum()) - r["best_accounts"]
    table = [[r["best_accounts"], r["accounts"] - r["best_accounts"]],
             [rest_b, rest_n - rest_b]]
    assert r["p_value"] == pytest.approx(stats.fisher_exact(table).pvalue)
    text = icp.grid_finding(cells, FindingLog("x"), float(best.mean()))
    assert text.startswith("No industry × size band cell holds reliably more")


def _whitespace_world(tmp_path):
    """Three industries, two deal sizes. 'Big' follows deal size only; 'Niche' is industry A's."""
    rows, orders, k = [], [], 0
    for ind in ["A", "B", "C"]:
        for i in range(60):
            aid = f"{ind}{i:03d}"
            big = i % 2 == 0
            rows.append({"account_id": aid, "account_name": f"Acc {aid}", "industry": ind,
                         "size_band": "mid"})
            lines = ["Core"]
            if big and (i // 2) % 5 != 0:
                lines.append("Big")  # 80% of big-deal customers in every industry
            if (ind == "A") == (i % 10 != 1):
                lines.append("Niche")  # 90% of industry A, 10% of the others
            for line in lines:
                k += 1
                amount = 10000.0 if big else 100.0
                orders.append({"order_id": f"O{k}", "account_id": aid,
                               "order_date": dt.date(2026, 3, 1), "amount": amount,
                               "gross_margin": 0.3 * amount, "product_line": line})
    pd.DataFrame(rows).to_parquet(tmp_path / "accounts.parquet")
    pd.DataFrame(orders).to_parquet(tmp_path / "orders.parquet")
    return open_workspace(tmp_path), pd.DataFrame(rows), pd.DataFrame(orders)


def test_whitespace_needs_comparable_peers_and_a_reliable_difference(tmp_path):
    ws, feats, orders = _whitespace_world(tmp_path)
    try:
        space = icp.whitespace(ws, AS_OF, feats, min_adoption=0.6, min_peers=10, bands=2)
    finally:
        ws.close()
    # 'Big' is bought by 80% of same-size peers: the ungated rule called it whitespace
    tested = space.attrs["tested"]
    big = tested[tested["product_line"] == "Big"]
    assert len(big) == 3 and (big["peer_adoption"] >= 0.6).all() and not big["significant"].any()
    assert set(space["product_line"]) == {"Niche"}
    # exactly the industry-A accounts without Niche, measured against their own deal size
    a = feats[feats["industry"] == "A"]["account_id"]
    niche = set(orders.loc[orders["product_line"] == "Niche", "account_id"])
    assert set(space["account_id"]) == set(a) - niche
    row = space.iloc[0]
    assert row["deal_band"] == "D1" and row["peer_median_revenue"] == 100.0
    assert row["peer_adoption"] == pytest.approx(24 / 30)
    assert row["expected_adoption"] == pytest.approx(12 / 60)
    n_tested = int(tested["p_value"].notna().sum())
    assert row["p_adjusted"] == pytest.approx(
        multipletests(tested["p_value"], method="fdr_bh")[1][
            tested.index[(tested["peer_group"] == "A × D1")
                         & (tested["product_line"] == "Niche")][0]])
    log = FindingLog("customer_profiling")
    finding, summary = icp.whitespace_findings(space, log, total_revenue=1e6, currency="EUR")
    assert finding.stated and "600 EUR" in finding.text and f"{n_tested} peer group" in finding.text
    assert summary and finding.action
    none, summary = icp.whitespace_findings(space.iloc[:0], log)
    assert not none.stated and summary == "" and none.shown.startswith("No whitespace")


def test_model_gate():
    class M:
        cv_auc_ = 0.72
        cv_auc_folds_ = np.array([0.66, 0.78])

    assert icp.model_gate(M())
    M.cv_auc_folds_ = np.array([0.45, 0.99])
    assert not icp.model_gate(M()) and not icp.model_gate(None)


# --------------------------------------------------------------------------- notebook steps


def _accounts():
    return pd.DataFrame({"account_id": ["A", "B", "C"], "account_name": ["a", "b", "c"],
                         "industry": ["Retail", "Energy", "Energy"], "size_band": ["small", "mid", "large"],
                         "employees": [5, 80, 900], "order_count": [0, 3, 4],
                         "revenue_12m": [0.0, 100.0, 300.0]})


def test_lift_evidence_keeps_tested_values_surviving_first():
    lift = pd.DataFrame({
        "attribute": ["industry", "size_band", "region"], "value": ["Energy", "large", "DACH"],
        "accounts": [50, 40, 30], "best_accounts": [20, 15, 5], "share_of_best": [0.4, 0.3, 0.1],
        "share_of_rest": [0.1, 0.1, 0.1], "lift": [4.0, 3.0, 1.0], "ci_low": [2.0, 1.5, 0.5],
        "ci_high": [8.0, 6.0, 2.0], "p_value": [0.01, 0.001, np.nan], "p_adjusted": [0.02, 0.002, np.nan],
        "significant": [False, True, False], "supported": [True, True, True]})
    shown = icp.lift_evidence(lift, language="zh")
    assert list(shown.value) == ["large", "Energy"]
    assert list(shown.survives) == [icp.SURVIVES[True], icp.SURVIVES[False]]
    assert shown.attribute.iloc[0] == icp.attribute_label("size_band", "zh")
    assert len(icp.lift_evidence(lift, rows=1)) == 1


def test_grid_percent_names_axes():
    grid = pd.DataFrame({"small": [0.1], "Other": [0.5]}, index=pd.Index(["Energy"]))
    shown = icp.grid_percent(grid, rename={"Other": "其他"}, language="zh")
    assert shown.loc["Energy", "其他"] == pytest.approx(50)
    assert shown.index.name == "行业" and shown.columns.name == "规模档"


def test_mcp_texts_and_failing_accounts():
    mcp = pd.DataFrame({"account_id": ["A", "B", "C"], "mcp_pass": [False, True, True]})
    failing = icp.failing_accounts(mcp, _accounts())
    assert list(failing.account_id) == ["A"] and "account_name" in failing.columns
    by_gate = pd.Series({"employees at least 10": 1})
    assert icp.mcp_method_text(pd.Series(dtype=int), 0, 3) == i18n.t("customer_profiling.mcp_no_gates", "en")
    method = icp.mcp_method_text(by_gate, 1, 3)
    assert "employees at least 10" in method and "1" in method
    finding = icp.mcp_finding(by_gate, 1, 3, "zh")
    assert "33%" in finding and "employees at least 10" in finding


def test_model_basis_names_values_and_numbers():
    text = icp.model_basis({"industry": ["Energy", "Retail"]}, ["employees"])
    assert "industry (Energy, Retail)" in text and "employees" in text


def test_disagreements_and_scorecard_finding():
    disagree = pd.DataFrame({"account_id": ["A", "C"], "model_score": [10.0, 80.0],
                             "scorecard_score": [70.0, 20.0], "gap": [60.0, 60.0],
                             "disagreement": ["scorecard rates higher", "model rates higher"]})
    card = pd.DataFrame({"account_id": ["A", "B", "C"], "scorecard_matched": ["x", "", "y"]})
    shown = icp.disagreement_table(disagree, _accounts(), card)
    assert list(shown.account_name) == ["a", "c"] and list(shown.scorecard_matched) == ["x", "y"]
    view = icp.disagreement_view(shown, "zh")
    assert view.columns[-1] == "scorecard_matched"
    assert view.disagreement.iloc[1] == i18n.t("customer_profiling.disagreement.model", "zh")
    text = icp.scorecard_finding(shown, 0.45)
    assert "0.45" in text and "Energy" in text and "Retail" in text
    assert icp.scorecard_finding(shown, float("nan")) == ""


def test_buckets_strong_and_scored_accounts():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = pd.DataFrame({"account_id": ["A", "B", "C"], "fit_bucket": ["Strong", "Strong", icp.EXCLUDED],
                           "mcp_pass": [True, True, False], "fit_score": [50.0, 45.0, np.nan],
                           "model_score": [50.0, 45.0, np.nan], "scorecard_score": [10.0, 60.0, np.nan]})
    buckets = icp.bucket_counts(scores)
    assert buckets.to_dict() == {"Strong": 2, "Moderate": 0, "Weak": 0, icp.EXCLUDED: 1}
    strong, scored = icp.strong_accounts(scores, _accounts()), icp.scored_accounts(scores, _accounts())
    assert list(strong.order_count) == [0, 3] and scored.revenue_12m.sum() == 100
    fig = icp.plot_fit_overview(buckets, scores.fit_score, buckets_title="b", score_title="s",
                                accounts_axis="n")
    assert fig.axes[0].get_title() == "b" and fig.axes[1].get_ylabel() == "n"
    ax = icp.plot_model_vs_card(scores, title="t", xlabel="x", ylabel="y")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("t", "x", "y")
    plt.close("all")
