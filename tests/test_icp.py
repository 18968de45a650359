"""ICP, look-alike model, scorecard, MCP gates, fit scores and target lists.

The default-size sample world (2,000 accounts) is generated once for the module; the ICP
and model checks compare with its planted truths in ``truth.json``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from helpers.analysis import icp
from helpers.analysis.icp import labels as icp_labels
from helpers.analysis.icp import model as icp_model
from helpers.core.errors import DataError, ParamError, WorkbookError
from helpers.data.datasets import open_workspace
from helpers.data.features import account_features
from helpers.data.sample_world import generate_world, read_truth
from helpers.presentation import i18n

AS_OF = "2026-06-30"
GATES = ["employees at least 20", "industry not in Public Sector"]
CARD = {
    "industry in Manufacturing, Technology, Logistics": 30,
    "size_band in mid, large": 25,
    "employees >= 200": 10,
    "is_competitor_customer is true": 10,
    "industry is Retail": -10,
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("icp_world")
    generate_world(folder, accounts=2000, seed=42)
    ws = open_workspace(folder)
    feats = account_features(ws, AS_OF)
    truth_accounts = pd.read_parquet(folder / "truth_accounts.parquet")
    yield {"ws": ws, "features": feats, "truth": read_truth(folder),
           "truth_accounts": truth_accounts}
    ws.close()


@pytest.fixture(scope="module")
def best(world):
    return icp.best_customers(world["features"], "margin", 0.2)


@pytest.fixture(scope="module")
def model(world, best):
    return icp.LookalikeModel().fit(world["features"], best)


@pytest.fixture(scope="module")
def scores(world, model):
    return icp.fit_scores(world["features"], gates=GATES, scorecard=CARD, model=model)


# --------------------------------------------------------------------------- lift and CI


def test_ratio_ci_matches_hand_computed_example():
    # 30 of 100 best customers vs 20 of 200 others have the value: lift 3.
    # se = sqrt(1/30 - 1/100 + 1/20 - 1/200) = 0.261406; 3 * exp(+-1.959964 * se)
    ratio, low, high = icp.ratio_ci(30, 100, 20, 200)
    assert ratio == pytest.approx(3.0)
    assert low == pytest.approx(1.79726, abs=1e-4)
    assert high == pytest.approx(5.00761, abs=1e-4)
    sm = confint_proportions_2indep(30, 100, 20, 200, method="log", compare="ratio")
    assert (low, high) == pytest.approx(sm, rel=1e-9)


def test_ratio_ci_zero_count_states_no_interval():
    ratio, low, high = icp.ratio_ci([0, 5], [100, 50], [20, 0], [200, 80], confidence=0.9)
    assert ratio[0] == 0 and np.isinf(ratio[1])
    assert np.isnan(low).all() and np.isnan(high).all()
    with pytest.raises(ParamError):
        icp.ratio_ci(5, 4, 1, 10)


def test_attribute_lift_hand_example():
    feats = pd.DataFrame({
        "account_id": [f"A{i}" for i in range(10)],
        "industry": ["M", "M", "M", "R", "R", "R", "R", "M", "R", None],
    })
    best = pd.Series([True, True, True, False, False, True, False, False, False, False])
    lift = icp.attribute_lift(feats, best, ["industry"], min_support=0.15).set_index("value")
    # best: M 3/4, R 1/4; rest with a known industry: M 1/5, R 4/5; the missing one is no value
    assert lift.loc["M", "lift"] == pytest.approx((3 / 4) / (1 / 5))
    assert lift.loc["R", "lift"] == pytest.approx((1 / 4) / (4 / 5))
    assert lift.loc["M", "accounts"] == 4 and lift.loc["M", "best_accounts"] == 3
    assert "(missing)" not in lift.index
    _, lo, hi = icp.ratio_ci(3, 4, 1, 5)
    assert (lift.loc["M", "ci_low"], lift.loc["M", "ci_high"]) == pytest.approx((lo, hi))
    assert list(lift.columns[:2]) == ["attribute", "accounts"]


def test_icp_recovers_planted_industries_and_size_bands(world, best):
    truth = world["truth"]["icp"]
    lift = icp.attribute_lift(world["features"], best, min_support=0.05)
    profile = icp.icp_profile(lift)
    industries = lift[lift["attribute"] == "industry"]
    # The planted industries are the top-lift industries, and the only ones clearly over.
    top = industries.nlargest(len(truth["industries"]), "lift")["value"]
    assert set(top) == set(truth["industries"])
    over = profile.loc[profile["attribute"] == "industry", "value"]
    assert set(over) == set(truth["industries"])
    # Size bands: the top-lift supported band is planted and the supported bands above 1
    # are exactly the planted ones (enterprise is too rare for the default support).
    bands = lift[(lift["attribute"] == "size_band") & lift["supported"]]
    assert bands.iloc[0]["value"] in truth["size_bands"]
    assert set(bands.loc[bands["lift"] > 1, "value"]) == set(truth["size_bands"])
    assert set(profile.loc[profile["attribute"] == "size_band", "value"]) <= set(
        truth["size_bands"])


def test_icp_pairs_are_planted_pairs(world, best):
    truth = {" × ".join(p) for p in world["truth"]["icp"]["pairs"]}
    lift = icp.attribute_lift(world["features"], best, [("industry", "size_band")],
                              min_support=0.02)
    over = set(icp.icp_profile(lift)["value"])
    assert len(over) >= 4
    assert over <= truth


def test_icp_statement_names_the_icp(world, best):
    lift = icp.attribute_lift(world["features"], best)
    text = icp.icp_statement(lift, icp.describe_best("margin", 0.2))
    for ind in world["truth"]["icp"]["industries"]:
        assert f"**{ind}**" in text
    assert "top 20%" in text
    empty = lift.assign(direction="unclear")
    assert "no distinct ICP" in icp.icp_statement(empty, "x")


def test_best_customer_definitions(world):
    f = world["features"]
    top = icp.best_customers(f, "margin", 0.1)
    assert top.sum() == 200
    assert f.loc[top, "margin_total"].min() >= f.loc[~top, "margin_total"].max()
    rev = icp.best_customers(f, "revenue_24m", 0.25)
    assert rev.sum() == 500
    won = icp.best_customers(f, "won")
    assert won.equals(pd.Series(f["opp_won"] > 0, name="best"))
    with pytest.raises(ParamError, match="did you mean 'margin'"):
        icp.best_customers(f, "margins")
    with pytest.raises(ParamError, match="between 0 and 1"):
        icp.best_customers(f, "margin", 20)
    with pytest.raises(DataError, match="at least 10"):
        icp.best_customers(f, "margin", 0.001)
    no_opps = f.assign(opp_won=0, opp_count=0)
    with pytest.raises(DataError, match="opportunities"):
        icp.best_customers(no_opps, "won")


def test_best_rate_grid(world, best):
    grid = icp.best_rate_grid(world["features"], best)
    assert list(grid.columns[:3]) == ["small", "mid", "large"]
    f = world["features"]
    cell = best[(f["industry"] == "Logistics") & (f["size_band"] == "large")].mean()
    assert grid.loc["Logistics", "large"] == pytest.approx(cell)


# --------------------------------------------------------------------------- look-alike model


def test_lookalike_cross_validated_auc(model):
    assert model.cv_auc_ >= 0.75
    assert len(model.cv_auc_folds_) == 5


def test_lookalike_is_calibrated_and_factors_name_the_icp(world, model, best):
    p = model.predict_proba(world["features"])
    assert ((p >= 0) & (p <= 1)).all()
    assert p.mean() == pytest.approx(best.mean(), abs=0.02)
    # Best-customer rate rises across probability quintiles.
    q = pd.qcut(p, 5, labels=False)
    rate = best.groupby(q).mean()
    assert rate.is_monotonic_increasing
    factors = model.factors(top=None)
    raising = factors[(factors["attribute"] == "industry") & (factors["effect"] > 0)]
    assert set(world["truth"]["icp"]["industries"]) <= set(raising["value"])
    assert factors["effect"].abs().is_monotonic_decreasing


def test_lookalike_reasons_explain_icp_accounts(world, model):
    f = world["features"]
    ta = world["truth_accounts"].set_index("account_id")
    icp_rows = f[f["account_id"].map(ta["is_icp"]).astype(bool)].head(50)
    reasons = model.reasons(icp_rows)
    assert reasons.str.contains("industry = ").mean() > 0.8
    contrib = model.contributions(f)
    assert contrib.shape == (len(f), len(icp.LOOKALIKE_CATEGORICAL) + 2)
    # Contributions against the average account average out to zero.
    assert np.allclose(contrib.mean().to_numpy(), 0, atol=1e-9)


def test_reason_text_formats_each_value_like_before():
    text = icp_labels._text(pd.Series(["Retail", None, "Energy", "Retail", np.nan], dtype=object))
    assert text.tolist() == ["Retail", "", "Energy", "Retail", ""]
    nums = pd.Series([1234.5, np.nan, 2.5, 1234.5, -0.4, -0.0, 0.0, 1e6])
    assert icp_labels._text(nums, number=True).tolist() == [
        "1,234", "", "2", "1,234", "-0", "-0", "0", "1,000,000"]
    assert icp_labels._text(pd.Series([], dtype=float), number=True).tolist() == []


def test_model_design_keeps_text_columns_as_numpy_objects(world):
    # Arrow-backed text would make every scikit-learn encode convert the column again.
    X = icp_model._design(world["features"], icp.LOOKALIKE_CATEGORICAL, icp.LOOKALIKE_NUMERIC)
    assert all(X[c].dtype == object for c in icp.LOOKALIKE_CATEGORICAL)
    assert all(X[c].dtype == "float64" for c in icp.LOOKALIKE_NUMERIC)
    assert not X[list(icp.LOOKALIKE_CATEGORICAL)].isna().any().any()


def test_lookalike_needs_enough_of_both_classes(world):
    f = world["features"].head(30)
    with pytest.raises(DataError, match="at least 5 best"):
        icp.LookalikeModel().fit(f, np.arange(30) < 3)
    with pytest.raises(ParamError, match="not fitted"):
        icp.LookalikeModel().predict_proba(f)


# --------------------------------------------------------------------------- rules, MCP, scorecard


def test_mcp_gates_exclude_exactly_the_failing_accounts(world):
    f = world["features"]
    mcp = icp.mcp_check(f, GATES + ["region != Nordics", "is_competitor_customer is false"])
    expected = ((f["employees"].fillna(-1) >= 20) & (f["industry"] != "Public Sector")
                & (f["region"] != "Nordics") & ~f["is_competitor_customer"].astype(bool))
    assert (mcp["mcp_pass"].to_numpy() == expected.to_numpy()).all()
    assert 0 < mcp["mcp_pass"].sum() < len(f)
    failing = mcp.loc[~mcp["mcp_pass"], "mcp_reasons"]
    assert (failing != "").all() and (mcp.loc[mcp["mcp_pass"], "mcp_reasons"] == "").all()
    small = f["employees"] < 20
    assert mcp.loc[small.to_numpy(), "mcp_reasons"].str.contains("employees is").all()


def test_mcp_missing_value_fails_with_reason():
    f = pd.DataFrame({"account_id": ["A", "B", "C"],
                      "employees": pd.array([50, None, 5], dtype="Int64")})
    mcp = icp.mcp_check(f, ["employees >= 10"])
    assert mcp.equals(icp.mcp_check(f, ["employees at least 10"]).assign(
        mcp_reasons=lambda d: d["mcp_reasons"].str.replace("at least", ">=")))
    assert mcp["mcp_pass"].tolist() == [True, False, False]
    assert "employees unknown" in mcp.loc[1, "mcp_reasons"]
    assert "employees is 5" in mcp.loc[2, "mcp_reasons"]


def test_fit_scores_exclude_mcp_failures(world, scores):
    f = world["features"]
    expected = (f["employees"] >= 20) & (f["industry"] != "Public Sector")
    assert (scores["mcp_pass"].to_numpy() == expected.to_numpy()).all()
    assert scores.loc[~scores["mcp_pass"], "fit_score"].isna().all()
    assert (scores.loc[~scores["mcp_pass"], "fit_bucket"] == icp.EXCLUDED).all()
    assert scores.loc[scores["mcp_pass"], "fit_score"].notna().all()


def test_rule_parsing_and_errors(world):
    f = world["features"]
    r = icp.parse_rule("industry not in Retail, Energy", f)
    assert (r.column, r.op, r.values) == ("industry", "not in", ("Retail", "Energy"))
    assert icp.parse_rule("employees>=1,000", f).values == (1000.0,)
    assert icp.parse_rule("is_competitor_customer = yes", f).values == (True,)
    words = {"employees at least 5": ">=", "employees at most 5": "<=", "employees above 5": ">",
             "employees more than 5": ">", "employees below 5": "<", "employees less than 5": "<",
             "region is DACH": "=", "region is not DACH": "!=", "region not in DACH": "not in"}
    for text, op in words.items():
        assert icp.parse_rule(text, f).op == op, text
    assert icp.parse_rule("industry is Public Sector", f).values == ("Public Sector",)
    with pytest.raises(ParamError, match="did you mean 'employees'"):
        icp.parse_rule("employes >= 10", f)
    with pytest.raises(ParamError, match="must be a number"):
        icp.parse_rule("employees >= many", f)
    with pytest.raises(ParamError, match="not understood"):
        icp.parse_rule("employees", f)
    with pytest.raises(ParamError, match="yes/no"):
        icp.parse_rule("is_competitor_customer >= 1", f)
    with pytest.raises(ParamError, match="text"):
        icp.parse_rule("industry > Retail", f)
    warnings = icp.rule_warnings([icp.parse_rule("industry in Manufacturng, Retail", f)], f)
    assert len(warnings) == 1 and "closest: 'Manufacturing'" in warnings[0]
    with pytest.raises(ParamError, match="every one"):
        icp.fit_scores(f, gates=["employees below 0"])
    assert issubclass(ParamError, WorkbookError)


def test_scorecard_points_by_hand():
    f = pd.DataFrame({"account_id": ["A", "B", "C"], "industry": ["Retail", "Tech", None],
                      "employees": [10, 500, 300]})
    card = {"industry in tech": 30, "employees >= 300": 20, "industry = Retail": -10}
    s = icp.scorecard_scores(f, card)
    # points: A -10, B 50, C 20; scale from -10 (0) to 50 (100)
    assert s["scorecard_points"].tolist() == [-10, 50, 20]
    assert s["scorecard_score"].tolist() == pytest.approx([0, 100, 50])
    assert s.loc[1, "scorecard_matched"] == "industry in tech; employees >= 300"
    with pytest.raises(ParamError, match="points must be a number"):
        icp.scorecard_scores(f, {"employees >= 1": "ten"})
    with pytest.raises(ParamError, match="no positive points"):
        icp.scorecard_scores(f, {"employees >= 1": -5})


def test_fit_scores_interface_and_buckets(world, scores, model):
    assert list(scores.columns[:5]) == ["account_id", "fit_score", "fit_bucket", "mcp_pass",
                                        "mcp_reasons"]
    assert len(scores) == len(world["features"])
    s = scores["fit_score"].dropna()
    assert s.between(0, 100).all()
    b = scores["fit_bucket"].astype(str)
    assert (b[scores["fit_score"] >= 40] == "Strong").all()
    assert (b[(scores["fit_score"] >= 20) & (scores["fit_score"] < 40)] == "Moderate").all()
    assert (b[scores["fit_score"] < 20] == "Weak").all()
    ta = world["truth_accounts"].set_index("account_id")["is_icp"]
    strong_icp = scores.loc[b == "Strong", "account_id"].map(ta).mean()
    weak_icp = scores.loc[b == "Weak", "account_id"].map(ta).mean()
    assert strong_icp > 0.7 > 0.2 > weak_icp
    # The scorecard weight blends the two scores linearly.
    blend = icp.fit_scores(world["features"], gates=GATES, scorecard=CARD, scorecard_weight=0.5,
                           model=model)
    exp = 0.5 * scores["model_score"] + 0.5 * scores["scorecard_score"]
    assert blend["fit_score"].to_numpy() == pytest.approx(exp.round(1).to_numpy(), abs=0.11,
                                                           nan_ok=True)


def test_fit_scores_default_call_for_other_notebooks(world):
    out = icp.fit_scores(world["features"])
    assert out["mcp_pass"].all() and out["fit_score"].notna().all()
    assert set(out["fit_bucket"].astype(str)) <= set(icp.FIT_BUCKETS)


def test_threshold_and_weight_errors(world):
    with pytest.raises(ParamError, match="below fit_strong_min"):
        icp.fit_buckets([10, 50], strong=30, moderate=40)
    with pytest.raises(ParamError, match="between 0 and 100"):
        icp.check_thresholds(140, 20)
    with pytest.raises(ParamError, match="needs a scorecard"):
        icp.fit_scores(world["features"], scorecard_weight=0.3)
    b = icp.fit_buckets(pd.Series([np.nan, 45.0, 25.0, 5.0]))
    assert b.astype(str).tolist() == ["Excluded", "Strong", "Moderate", "Weak"]


def test_score_disagreements(scores):
    rho, table = icp.score_disagreements(scores, n=5)
    assert 0.3 < rho < 1
    assert len(table) == 10
    hi, lo = table.iloc[:5], table.iloc[5:]
    assert (hi["gap"] > 0).all() and (lo["gap"] < 0).all()
    assert hi["gap"].is_monotonic_decreasing


# --------------------------------------------------------------------------- engagement and targets


def test_fit_engagement_matrix(world, scores):
    eng = icp.recent_engagement(world["ws"], AS_OF, days=180)
    ints = world["ws"].table("interactions").to_pandas()
    ts = pd.to_datetime(ints["timestamp"])
    window = (ts < pd.Timestamp("2026-07-01")) & (ts >= pd.Timestamp("2026-07-01")
                                                  - pd.Timedelta(days=180))
    expected = ints[window].groupby("account_id").size()
    assert eng.set_index("account_id")["engagement"].sort_index().equals(
        expected.sort_index().rename("engagement").astype("int64"))
    matrix = icp.fit_engagement_matrix(scores, eng)
    summary = icp.quadrant_summary(matrix)
    assert summary["accounts"].sum() == scores["mcp_pass"].sum()
    target_now = summary.set_index("quadrant").loc["Strong fit, not engaged"]
    assert target_now["action"].startswith("Target now")
    strong = matrix["fit_bucket"].astype(str) == "Strong"
    assert summary.loc[summary["fit"] == "high", "accounts"].sum() == strong.sum()
    with pytest.raises(ParamError):
        icp.fit_engagement_matrix(scores, eng, high_fit=["Great"])


def test_target_lists(world, scores):
    f = world["features"]
    prospects = icp.strong_fit_prospects(scores, f)
    assert len(prospects) > 0
    assert (prospects["order_count"] == 0).all()
    assert (prospects["fit_bucket"].astype(str) == "Strong").all()
    assert prospects["fit_score"].is_monotonic_decreasing
    comp = icp.competitor_targets(scores, f)
    assert len(comp) > 0 and comp["is_competitor_customer"].all()
    assert (comp["fit_bucket"].astype(str) == "Strong").all()


def test_whitespace_on_the_sample_world_is_tested_against_deal_size(world):
    f = world["features"]
    ws_table = icp.whitespace(world["ws"], AS_OF, f, min_adoption=0.6, min_peers=10)
    tested = ws_table.attrs["tested"]
    assert len(tested) > 0 and tested["p_adjusted"].between(0, 1).all()
    # every stated opening comes from a surviving (peer group, line) with more than expected
    good = tested[tested["significant"]]
    assert set(zip(ws_table["product_line"], ws_table["p_adjusted"], strict=True)) <= set(
        zip(good["product_line"], good["p_adjusted"], strict=True))
    assert (ws_table["peer_adoption"] > ws_table["expected_adoption"]).all()
    with pytest.raises(ParamError):
        icp.whitespace(world["ws"], AS_OF, f, min_adoption=0)


def test_account_profiles_export(world, scores, model):
    reasons = model.reasons(world["features"])
    out = icp.account_profiles(scores, reasons)
    assert list(out.columns) == ["account_id", "fit_score", "bucket", "mcp_pass", "top_reasons"]
    assert len(out) == len(world["features"])
    failing = out[~out["mcp_pass"]]
    assert failing["top_reasons"].str.startswith("MCP: ").all()
    assert (out.loc[out["mcp_pass"], "top_reasons"] != "").mean() > 0.9


def test_whitespace_by_line_rolls_up_accounts_and_potential():
    space = pd.DataFrame({
        "account_id": ["A", "A", "B", "C"],
        "product_line": ["x", "y", "x", "y"],
        "peer_median_revenue": [100.0, 50.0, 30.0, 200.0],
    })
    by_line = icp.whitespace_by_line(space)
    assert list(by_line.index) == ["y", "x"]
    assert by_line.loc["y", "potential"] == 250.0 and by_line.loc["y", "accounts"] == 2
    assert by_line.loc["x", "potential"] == 130.0 and by_line.loc["x", "accounts"] == 2


# --------------------------------------------------------------------------- thin data


def _thin(n=60, seed=0, **cols):
    rng = np.random.default_rng(seed)
    base = {
        "account_id": [f"A{i:03d}" for i in range(n)],
        "order_count": rng.integers(0, 4, n),
        "revenue_12m": rng.gamma(2, 1000, n),
        "revenue_prev_12m": rng.gamma(2, 1000, n),
        "margin_total": np.full(n, np.nan),
        "opp_won": np.zeros(n, dtype=int),
        "industry": pd.Series([None] * n, dtype="object"),
        "employees": pd.Series([pd.NA] * n, dtype="Int64"),
        "is_competitor_customer": pd.Series([pd.NA] * n, dtype="boolean"),
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_best_customers_fall_back_to_revenue_when_margin_is_unknown():
    feats = _thin()
    assert not icp.best_definition_has_data(feats, "margin")
    choice = icp.choose_best(feats, "margin", 0.2)
    assert choice.definition == "revenue_24m" and choice.fell_back
    assert int(choice.best.sum()) == 12
    assert "revenue" in icp.best_note(choice, 0.2)
    won = icp.choose_best(feats, "won", 0.2)
    assert won.definition == "revenue_24m" and "won opportunity" in icp.best_note(won, 0.2)
    same = icp.choose_best(feats.assign(margin_total=feats.revenue_12m * 0.3), "margin", 0.2)
    assert same.definition == "margin" and not same.fell_back
    assert icp.best_note(same, 0.2) is None


def test_no_best_customers_give_a_skip_note_not_an_error():
    feats = _thin(n=20)
    choice = icp.choose_best(feats, "margin", 0.2)  # 4 best < 10
    assert choice.best is None and choice.problem == "too_few"
    assert icp.best_note(choice, 0.2).startswith("Skipped:")
    none = icp.choose_best(feats.assign(revenue_12m=0.0, revenue_prev_12m=0.0), "revenue_24m", 0.2)
    assert none.problem == "no_data"


def test_gates_and_scorecard_rules_on_empty_columns_are_not_applied():
    feats = _thin(industry=["Retail", "Energy"] * 30)
    mcp = icp.mcp_check(feats, ["employees at least 10", "industry not in Retail"])
    assert mcp.attrs["gates_not_applied"] == ["employees at least 10"]
    assert int(mcp.mcp_pass.sum()) == 30
    usable, off = icp.usable_scorecard({"employees at least 500": 20, "industry is Energy": 10}, feats)
    assert usable == {"industry is Energy": 10} and off == ["employees at least 500"]
    assert icp.usable_scorecard({"employees at least 500": 20}, feats) == (None, ["employees at least 500"])


def test_no_lookalike_model_without_attributes():
    feats = _thin()
    best = icp.choose_best(feats, "revenue_24m", 0.2).best
    assert icp.usable_attributes(feats, ["industry", "employees", ("industry", "employees")]) == []
    model, problem = icp.fit_lookalike(feats, best)
    assert model is None and problem == "no_attributes"
    assert icp.model_note(problem).startswith("Skipped:")
    assert icp.fit_lookalike(feats, best, np.zeros(len(feats), bool)) == (None, "none_pass")


def test_missing_values_are_never_signs_or_reasons():
    rng = np.random.default_rng(1)
    industry = rng.choice(["M", "R", None], 200).astype(object)
    feats = _thin(n=200, industry=industry, employees=pd.array(rng.integers(1, 5000, 200), dtype="Int64"))
    best = pd.Series((industry == "M") & (rng.random(200) < 0.8), index=feats.index)
    model, problem = icp.fit_lookalike(feats, best)
    assert problem is None and model.categorical == ("industry",)
    assert "(missing)" not in set(model.factors(top=None)["value"].dropna())
    reasons = model.reasons(feats)
    assert not reasons.str.contains("missing").any()
    assert "industry = M" in set(reasons[industry == "M"].str.split("; ").explode())
    lift = icp.attribute_lift(feats, best, ["industry"])
    assert "(missing)" not in set(lift["value"])
    assert icp.model_finding(model, model.factors(), "en").startswith("Cross-validated ROC-AUC")


def test_lift_chart_skips_infinite_lifts_and_draws_no_negative_error_bar():
    feats = pd.DataFrame({"account_id": [f"A{i}" for i in range(20)],
                          "industry": ["X"] * 5 + ["Y"] * 15})
    best = pd.Series([True] * 5 + [True] * 3 + [False] * 12)  # X only among the best
    lift = icp.attribute_lift(feats, best, ["industry"], min_support=0.0)
    assert np.isinf(lift.set_index("value").loc["X", "lift"])
    rows = icp.lift_chart_rows(lift)
    assert list(rows["value"]) == ["Y"]
    fig, ax = plt.subplots()
    assert icp.plot_lift(lift, ax=ax) is ax
    plt.close(fig)
    assert icp.lift_chart_rows(icp.attribute_lift(feats, best, [])).empty


def test_grid_and_whitespace_need_known_values():
    feats = _thin(industry=["A", "B"] * 30)
    feats["size_band"] = pd.Series([None] * 60, dtype="object")
    grid = icp.best_rate_grid(feats, pd.Series([True, False] * 30), "industry", "size_band")
    assert grid.empty and icp.grid_peak(grid) is None
    space = icp.whitespace(None, "2026-06-30", feats.drop(columns="industry").assign(industry=None))
    assert space.empty and space.attrs["problem"] == "no_peer_keys"


def test_export_finding_leaves_out_what_was_not_produced():
    assert icp.export_finding(None, None, None, None) == i18n.t("customer_profiling.no_export", "en")
    text = icp.export_finding(300, 4, None, 11)
    assert "300 account profiles" in text and "competitor" not in text
    assert "300" in icp.export_finding(300, 4, 2, 11, "zh")


def test_fit_leaders_and_reasons_in_chinese(world, model, scores):
    f = world["features"]
    reasons = model.reasons(f, language="zh")
    en = model.reasons(f)
    assert (reasons.str.contains("行业 = ") == en.str.contains("industry = ")).all()
    assert (reasons == "").equals(en == "")
    assert not reasons.str.contains("industry = |True|False").any()
    leaders = icp.fit_leaders(scores, f, reasons, n=5, language="zh")
    assert list(leaders.columns) == ["account_name", "industry", "size_band", "fit_score", "bucket", "top_reasons"]
    assert len(leaders) == 5 and leaders.fit_score.is_monotonic_decreasing
    assert leaders.fit_score.iloc[0] == scores.fit_score.max()
    assert set(leaders.bucket) <= {i18n.t(f"customer_profiling.bucket.{b.lower()}", "zh") for b in icp.FIT_BUCKETS}
    zh = icp.fit_scores(f, gates=GATES, model=model, language="zh")
    assert zh.loc[~zh.mcp_pass, "mcp_reasons"].str.contains("门槛").all()
    assert (zh.fit_score.fillna(-1) == icp.fit_scores(f, gates=GATES, model=model).fit_score.fillna(-1)).all()
