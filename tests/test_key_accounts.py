"""Value tiers, key-account selection, comparisons and dossiers, on hand tables and on the
sample world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.analysis import key_accounts as ka
from helpers.analysis.key_accounts import fit as ka_fit
from helpers.analysis.key_accounts import selection as ka_selection
from helpers.core.errors import DataError, ParamError
from helpers.data.datasets import open_workspace
from helpers.data.sample_world import generate_world

AS_OF = "2026-06-30"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ka_world")
    generate_world(folder, accounts=1000, seed=31)
    return folder


@pytest.fixture(scope="module")
def ws(world):
    with open_workspace(world) as w:
        yield w


@pytest.fixture(scope="module")
def table(ws):
    return ka.value_table(ws, AS_OF, horizon_months=24)


# --------------------------------------------------------------------------- tiers


def test_share_tiers_follow_the_thresholds():
    value = pd.Series(np.arange(100, 0, -1, dtype=float))
    tiers = ka.assign_value_tiers(value)
    assert tiers.value_counts().reindex(list(ka.VALUE_TIERS)).tolist() == [2, 8, 20, 70]
    assert tiers.iloc[0] == "strategic" and tiers.iloc[-1] == "maintain"
    assert list(tiers.cat.categories) == list(ka.VALUE_TIERS)


def test_tied_and_non_positive_values():
    value = pd.Series([10.0, 10, 10, 5, 0, -3, np.nan, 1, 1, 1])
    tiers = ka.assign_value_tiers(value, {"strategic": 0.1, "key": 0.3, "growth": 0.5})
    assert tiers[:3].nunique() == 1 and tiers[0] == "strategic"  # ties share the best tier
    assert (tiers[4:7] == "maintain").all()
    by_amount = ka.assign_value_tiers(value, {"strategic": 10, "key": 5, "growth": 1},
                                      basis="amount")
    assert by_amount.tolist() == ["strategic"] * 3 + ["key", "maintain", "maintain",
                                                      "maintain"] + ["growth"] * 3


@pytest.mark.parametrize("thresholds, basis, message", [
    ({"strategic": 0.02, "key": 0.1, "platinum": 0.3}, "share", "unknown tier 'platinum'"),
    ({"strategic": 0.02, "kei": 0.1, "growth": 0.3}, "share", "did you mean 'key'"),
    ({"strategic": 0.2, "key": 0.1, "growth": 0.3}, "share", "strategic <= key <= growth"),
    ({"strategic": 0.02, "key": 0.1}, "share", "threshold for growth"),
    ({"strategic": 1, "key": 5, "growth": 0}, "amount", "strategic >= key >= growth"),
    (None, "amount", "needs tier_thresholds"),
    (None, "percent", "tier_basis"),
])
def test_bad_tier_thresholds_are_explained(thresholds, basis, message):
    with pytest.raises(ParamError, match=message):
        ka.assign_value_tiers([1.0, 2.0], thresholds, basis=basis)


# --------------------------------------------------------------------------- value table


def test_value_table_has_one_row_per_account(table, ws):
    n_accounts = ws.table("accounts").count().to_pandas()
    assert len(table) == n_accounts and table.account_id.is_unique
    for col in ("account_id", "r_score", "f_score", "m_score", "rfm_segment", "p_alive",
                "expected_purchases", "expected_spend", "clv", "profit_clv", "fit_score",
                "value_tier", "stage", "clv_method"):
        assert col in table, col
    prospects = table.order_count == 0
    assert (table.clv[prospects] == 0).all() and table.p_alive[prospects].isna().all()
    assert (table.clv_method[prospects] == ka.NO_PURCHASE_METHOD).all()
    assert (table.stage[prospects] == "prospect").all()
    assert table.attrs["has_service_costs"] and table.attrs["fit_source"]
    assert table.clv[~prospects].gt(0).all()
    tiers = ka.tier_summary(table)
    assert tiers.accounts.sum() == len(table)
    assert tiers.value.iloc[0] > tiers.value.iloc[1] / 10  # strategic few, but valuable


def test_value_table_from_cached_features_is_the_same_table(table, ws, tmp_path):
    from helpers.data import feature_cache

    feats = feature_cache.cached_account_features(ws, AS_OF, tmp_path, windows=(90, 365, 730))
    given = ka.value_table(ws, AS_OF, horizon_months=24, features=feats)
    pd.testing.assert_frame_equal(given, table)
    assert given.attrs == table.attrs
    # the features decide the table: other features give another table
    other = ka.value_table(ws, AS_OF, horizon_months=24, features=feats.assign(
        margin_total=feats["margin_total"] * 2))
    assert not other["profit_clv"].equals(table["profit_clv"])
    with pytest.raises(ParamError, match="revenue_730d"):
        ka.value_table(ws, AS_OF, features=feats.drop(columns=["revenue_730d"]))


def test_firmographic_fit_finds_the_planted_icp(table, world):
    truth = pd.read_parquet(world / "truth_accounts.parquet")
    t = table.merge(truth[["account_id", "is_icp"]], on="account_id")
    assert t.fit_score.between(0, 1).all()
    assert t.fit_score[t.is_icp].mean() > t.fit_score[~t.is_icp].mean() + 0.15


def test_supplied_fit_scores_on_a_0_100_scale(table):
    scores = pd.DataFrame({"account_id": table.account_id, "fit_score": 50.0})
    fit, source = ka_fit._fit_score_column(table, scores)
    assert source == "supplied" and np.allclose(fit, 0.5)
    with pytest.raises(ParamError, match="account_id and fit_score"):
        ka_fit._fit_score_column(table, scores.rename(columns={"fit_score": "score"}))


# --------------------------------------------------------------------------- selection


@pytest.mark.parametrize("criteria", [
    {},
    {"capacity": 5, "min_clv": 50_000, "min_fit_score": 0.7},
    {"capacity": 25, "strategic_industries": ["Manufacturing", "Logistics"],
     "min_p_alive": 0.9, "value_column": "clv"},
    {"capacity": 10, "min_fit_score": None, "min_p_alive": None, "min_clv": 1e12},
])
def test_key_accounts_meet_every_criterion_and_capacity(table, criteria):
    sel = ka.select_key_accounts(table, criteria, currency="EUR")
    crit = sel.attrs["criteria"]
    assert len(sel) <= crit["capacity"]
    assert len(sel) == min(crit["capacity"], sel.attrs["eligible"])
    chosen = table.set_index("account_id").loc[sel.account_id]
    value = crit["value_column"]
    assert (chosen[value] >= crit["min_clv"]).all()
    if crit["min_fit_score"] is not None:
        assert (chosen.fit_score >= crit["min_fit_score"]).all()
    if crit["min_p_alive"] is not None:
        assert (chosen.p_alive >= crit["min_p_alive"]).all()
    if crit["strategic_industries"]:
        assert chosen.industry.isin(crit["strategic_industries"]).all()
    assert chosen[value].is_monotonic_decreasing
    assert sel["rank"].tolist() == list(range(1, len(sel) + 1))
    assert sel.reason.str.contains("eligible").all()
    # Nobody left out ranks above the last chosen account while meeting the criteria.
    checks, _ = ka_selection._criteria_checks(table, crit)
    eligible = table[checks.all(axis=1)]
    assert len(eligible) == sel.attrs["eligible"]
    if len(sel):
        rest = eligible[~eligible.account_id.isin(sel.account_id)]
        assert (rest[value] <= chosen[value].min()).all()


@pytest.mark.parametrize("criteria, message", [
    ({"capacity": 30}, "from 5 to 25"),
    ({"capacity": 4}, "from 5 to 25"),
    ({"capacity": 10.5}, "whole number"),
    ({"capcity": 10}, "did you mean 'capacity'"),
    ({"strategic_industries": ["Manufacturng"]}, "did you mean 'Manufacturing'"),
    ({"strategic_industries": "Manufacturing"}, "must be a list"),
    ({"min_fit_score": 2}, "between 0 and 1"),
    ({"value_column": "revenue"}, "profit_clv or clv"),
])
def test_bad_criteria_are_explained(table, criteria, message):
    with pytest.raises(ParamError, match=message):
        ka.select_key_accounts(table, criteria)


def test_missing_fit_score_is_skipped_with_a_note(table):
    sel = ka.select_key_accounts(table.drop(columns=["fit_score"]), {"min_fit_score": 0.6})
    assert "min_fit_score" not in sel.attrs["applied"]
    assert any("min_fit_score was skipped" in n for n in sel.attrs["notes"])


def test_compare_with_previous_list(table):
    sel = ka.select_key_accounts(table, {"capacity": 10})
    ids = list(sel.account_id)
    failing = table[table.fit_score < 0.5].nlargest(1, "profit_clv").account_id.iloc[0]
    below_cut = ka.select_key_accounts(table, {"capacity": 12}).account_id.iloc[11]
    previous = pd.DataFrame({"account_id": ids[:8] + [failing, below_cut, "GONE"]})
    out = ka.compare_with_previous(sel, previous, table).set_index("account_id")
    assert (out.loc[ids[:8], "change"] == "kept").all()
    assert (out.loc[ids[8:], "change"] == "promoted").all()
    assert out.loc[failing, "why"] == "fails min_fit_score"
    assert "below the capacity of 10" in out.loc[below_cut, "why"]
    assert out.loc["GONE", "why"] == "no longer in the data"


def test_read_account_list(tmp_path):
    good = tmp_path / "prev.csv"
    good.write_text("account_id,account_name\nA000001,X\n", encoding="utf-8-sig")
    assert ka.read_account_list(good).account_id.tolist() == ["A000001"]
    bad = tmp_path / "bad.csv"
    bad.write_text("id\nA1\n", encoding="utf-8")
    with pytest.raises(DataError, match="needs an account_id column"):
        ka.read_account_list(bad)
    with pytest.raises(DataError, match="not found"):
        ka.read_account_list(tmp_path / "missing.csv")


# --------------------------------------------------------------------------- dossiers


def test_dossiers_on_sample_world(ws, table):
    sel = ka.select_key_accounts(table, {"capacity": 5})
    prof, trend = ka.dossiers(ws, sel, table, AS_OF, currency="EUR")
    assert prof.account_id.tolist() == sel.account_id.tolist()
    assert prof.actions.map(len).between(1, 3).all()
    assert trend.groupby("account_id").size().eq(24).all()
    # as_of is a month end, so the last 12 calendar months are exactly revenue_12m.
    recent = trend[trend.month >= "2025-07-01"].groupby("account_id").revenue.sum()
    want = table.set_index("account_id").revenue_12m.loc[recent.index]
    np.testing.assert_allclose(recent.to_numpy(), want.to_numpy(), rtol=1e-9)
    text = ka.dossier_markdown(prof.iloc[0].to_dict(), "EUR")
    assert text.startswith("### 1. ") and "Next actions" in text and "P(alive)" in text
    ax = ka.plot_revenue_trend(trend[trend.account_id == sel.account_id.iloc[0]])
    assert len(ax.patches) == 24


def test_latest_feedback_picks_the_newest_answer(ws):
    s = ws.table("surveys").to_pandas()
    acc = s.account_id.value_counts().index[0]
    fb = ka.latest_feedback(ws, [acc], AS_OF)
    newest = s[s.account_id == acc].sort_values(["response_date", "response_id"]).iloc[-1]
    assert fb.nps.iloc[0] == newest.nps and fb.response_date.iloc[0] == newest.response_date


def test_next_actions_rules():
    acts = ka.next_actions({"p_alive": 0.3, "nps": 4, "pain_points": "price;support",
                            "revenue_growth": -0.5, "opp_open": 0, "product_lines": 1},
                           "EUR", limit=10)
    assert acts[0].startswith("Buying has slowed (P(alive) 30%)")
    assert "price, support" in acts[1]
    assert any("Revenue -50%" in a for a in acts)
    assert any("cross-sell" in a for a in acts)
    healthy = ka.next_actions({"p_alive": 0.95, "nps": 9, "revenue_growth": 0.3,
                               "opp_open": 2, "pipeline_open_amount": 12000.0,
                               "product_lines": 4}, "EUR")
    assert healthy == ["Move 2 open opportunities (12,000 EUR) to a decision."]


# --------------------------------------------------------------------------- notebook


@pytest.mark.slow
def test_notebook_runs_on_a_small_world_without_surveys(tmp_path):
    """One papermill run: every section renders, exports and headlines are written."""
    import nbformat

    from helpers.core import paths
    from helpers.report import execute

    data = tmp_path / "data"
    generate_world(data, accounts=600, seed=41)
    (data / "surveys.parquet").unlink()  # an optional table the dossiers use
    root = paths.project_root()
    out = tmp_path / "out"
    status, _, error = execute.execute_notebook(
        root / "notebooks" / "customer_value.ipynb", tmp_path / "executed.ipynb",
        {"data_source": str(data), "output_dir": str(out)},
        kernel=execute.kernel_name(), cwd=root / "notebooks", cell_timeout=300)
    assert status == "ok", error
    nb = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    text = "\n".join(o.get("data", {}).get("text/markdown", "") for c in nb.cells
                     if c.cell_type == "code" for o in c.outputs)
    assert "Missing optional tables: **surveys**" in text
    assert "a total error of" in text
    assert "key accounts chosen" in text and "Next actions" in text
    value = pd.read_csv(out / "exports" / "account_value.csv")
    keys = pd.read_csv(out / "exports" / "key_accounts.csv")
    assert len(value) == 600 and set(ka.EXPORT_COLUMNS) <= set(value.columns)
    assert 0 < len(keys) <= 20 and keys.reason.notna().all()
    assert (out / "headlines" / "customer_value.json").is_file()


# --------------------------------------------------------------------------- thin data


def test_formatters_show_a_dash_for_unknown_values():
    for v in (None, np.nan, np.inf, -np.inf, pd.NA, "x"):
        assert ka.fmt_money(v, "EUR") == ka.fmt_share(v) == ka.fmt_number(v) == ka.DASH
    assert ka.fmt_money(1234.4, "EUR") == "1,234 EUR" and ka.fmt_share(0.456) == "46%"
    assert ka.fmt_number(2.345, 1) == "2.3"
    assert ka.fmt_share(-0.00004) == "0%" and ka.fmt_share(-0.004) == "0%" and ka.fmt_share(-0.02) == "-2%"


def _thin_table(profit=np.nan):
    t = pd.DataFrame({
        "account_id": ["A", "B", "C", "D"], "account_name": ["a", "b", "c", "d"],
        "industry": [None] * 4, "clv": [900.0, 500.0, 100.0, 0.0],
        "profit_clv": [profit] * 4, "p_alive": [np.nan] * 4, "fit_score": [np.nan] * 4,
        "value_tier": ["key"] * 4})
    t.attrs["has_margin"] = not np.isnan(profit)
    return t


def test_without_margin_key_accounts_rank_on_revenue_clv_with_a_note():
    table = _thin_table()
    assert ka.value_column(table) == "clv"
    sel = ka.select_key_accounts(table, {"capacity": 5, "min_clv": 200})
    assert sel.account_id.tolist() == ["A", "B"]
    assert sel.attrs["criteria"]["value_column"] == "clv"
    notes = " ".join(sel.attrs["notes"])
    assert "revenue CLV" in notes and "min_fit_score was skipped" in notes
    assert "min_p_alive was skipped" in notes
    assert ka.value_column(_thin_table(10.0)) == "profit_clv"


def test_no_eligible_account_gives_an_empty_selection():
    sel = ka.select_key_accounts(_thin_table(), {"capacity": 5, "min_clv": 1e9})
    assert sel.empty and sel.attrs["eligible"] == 0


def test_firmographic_fit_without_firmographics_or_margin():
    # accounts without orders have a margin of 0, buyers an unknown one
    feats = pd.DataFrame({"industry": [None, None], "size_band": [None, None],
                          "margin_total": [np.nan, 0.0], "revenue_total": [10.0, 0.0]})
    assert ka.firmographic_fit(feats).isna().all()  # no data: no fit, not 0.5 for all
    feats["industry"] = ["x", "y"]
    fit = ka.firmographic_fit(feats, prior_accounts=0)
    assert fit.tolist() == [1.0, 0.0]  # revenue stands in for the unknown margin


def test_dossier_leaves_out_missing_fields():
    profile = {"rank": 1, "account_id": "A1", "account_name": None, "industry": None,
               "size_band": np.nan, "region": "", "owner": None, "stage": "new",
               "value_tier": "maintain", "profit_clv": np.nan, "clv": 100.0, "p_alive": np.nan,
               "revenue_12m": 50.0, "revenue_growth": np.nan, "product_lines": 0,
               "actions": ka.next_actions({"product_lines": 0, "nps": None})}
    text = ka.dossier_markdown(profile, "EUR")
    assert text.startswith("### 1. A1")
    assert "**Profile:** stage **new**; tier **maintain**." in text
    assert "None" not in text and "nan" not in text and "unknown" not in text
    assert "profit CLV – (CLV 100 EUR)" in text
    # no opportunity data and no named product line: no pipeline or cross-sell advice
    assert not any("pipeline" in a or "cross-sell" in a for a in profile["actions"])


def test_populated_columns_and_signed_share():
    frame = pd.DataFrame({"account_id": ["A"], "account_name": [None], "industry": [" "],
                          "clv": [1.0], "p_alive": [np.nan]})
    assert ka.populated_columns(frame, ["account_name", "industry", "clv", "p_alive", "x"]) == [
        "account_id", "clv"]
    assert ka.fmt_share(0.05, signed=True) == "+5%" and ka.fmt_share(np.nan, signed=True) == "–"


def test_percent_or_none():
    assert ka.percent_or_none(0.1234) == 12.3
    assert ka.percent_or_none(np.nan) is None and ka.percent_or_none(None) is None


def test_dossiers_label_unnamed_accounts_by_id(ws, table):
    sel = ka.select_key_accounts(table, {"capacity": 5})
    unnamed = table.assign(account_name=None)
    prof, _ = ka.dossiers(ws, sel, unnamed, AS_OF)
    assert prof.label.tolist() == [f"{r}. {a}" for r, a in zip(sel["rank"], sel.account_id, strict=True)]


def test_dossiers_without_opportunities_say_nothing_about_pipeline(world, table, tmp_path):
    import shutil

    data = tmp_path / "no_opps"
    shutil.copytree(world, data)
    (data / "opportunities.parquet").unlink()
    sel = ka.select_key_accounts(table, {"capacity": 5})
    with open_workspace(data) as w:
        prof, _ = ka.dossiers(w, sel, table, AS_OF)
    assert prof.opp_open.isna().all()
    text = ka.dossier_markdown(prof.iloc[0].to_dict())
    assert "**Pipeline:** –." in text
    assert not any("pipeline" in a.lower() for acts in prof.actions for a in acts)


@pytest.fixture(scope="module")
def features(ws):
    from helpers.data.features import account_features

    return account_features(ws, AS_OF, windows=(90, 365, 730))


def test_an_unknown_forecast_stays_unknown_and_lapse_segments_need_overdue(ws, features):
    from helpers.analysis import clv, rfm

    summary = clv.purchase_summary(ws, AS_OF)
    result = clv.historical_result(summary, "test", horizon_months=12)
    result.table.loc[0, ["clv", "expected_purchases"]] = np.nan  # a forecast that failed
    scores = rfm.rfm_table(features, window_days=730)
    lapse = rfm.lapse_evidence(features)
    table = ka.assemble_value_table(features, scores, result, as_of=AS_OF,
                                    overdue=lapse.overdue)
    row = table.set_index("account_id").loc[result.table.account_id.iloc[0]]
    assert np.isnan(row.clv) and np.isnan(row.expected_purchases)  # not 0
    assert row.value_tier == "maintain" and row.clv_method == clv.METHOD_HISTORICAL
    prospects = table.order_count == 0
    assert (table.clv[prospects] == 0).all()
    lapsed = table.rfm_segment.isin(rfm.lapse_segments())
    due = lapse.set_index("account_id").overdue.reindex(table.account_id).to_numpy()
    assert lapsed.any() and due[lapsed.to_numpy()].all()
    # the value table gates the lapse segments the same way
    full = ka.value_table(ws, AS_OF, horizon_months=12, features=features)
    assert (full.rfm_segment == table.rfm_segment).all()


def test_clv_cac_tests_compare_each_channel_with_the_rest():
    from scipy import stats

    # email: 8 of 10 return 3x; events: 2 of 10; web: 5 of 10; one account without a cost
    ratio = [5.0] * 8 + [1.0] * 2 + [4.0] * 2 + [0.5] * 8 + [3.0] * 5 + [2.0] * 5 + [np.nan]
    channel = ["email"] * 10 + ["events"] * 10 + ["web"] * 10 + ["web"]
    table = pd.DataFrame({"acquisition_channel": channel, "clv_cac": ratio,
                          "profit_clv": np.r_[np.full(30, 100.0), 1e6]})
    out = ka.clv_cac_tests(table).set_index("acquisition_channel")
    assert out.loc["email", "hits"] == 8 and out.loc["email", "rest_share"] == pytest.approx(7 / 20)
    assert out.loc["email", "p_value"] == pytest.approx(
        stats.fisher_exact([[8, 2], [7, 13]]).pvalue)
    assert out.loc["events", "lift"] == pytest.approx((2 / 10) / (13 / 20))
    assert out.loc["events", "low"] < out.loc["events", "lift"] < out.loc["events", "high"]
    assert out.loc["web", "value"] == pytest.approx(1000.0)  # the account without a cost is out
    empty = ka.clv_cac_tests(table.assign(clv_cac=np.nan))
    assert empty.empty and "p_value" in empty


# --------------------------------------------------------------------------- fit gate


def _firms(n=600, seed=0, planted=True):
    rng = np.random.default_rng(seed)
    industry = rng.choice(["Retail", "Logistics", "Energy", "Media"], n)
    size = rng.choice(["small", "mid", "large"], n)
    margin = rng.gamma(2.0, 1000.0, n)
    if planted:
        margin = np.where(industry == "Logistics", margin * 4, margin)
    return pd.DataFrame({"account_id": [f"a{i}" for i in range(n)], "industry": industry,
                         "size_band": size, "margin_total": margin, "revenue_total": margin * 3})


def test_fit_levels_keep_only_values_that_pass_the_profiling_gate():
    from helpers.analysis import icp
    feats = _firms()
    levels = ka.fit_levels(feats)
    assert levels.get("industry") and "Logistics" in levels["industry"]
    assert "size_band" not in levels  # size is unrelated to the margin
    best = icp.choose_best(feats, "margin", 0.2).best
    lift = icp.attribute_lift(feats, best, ["industry", "size_band"])
    assert levels == icp.surviving_levels(lift, icp.related_attributes(feats, best, ["industry", "size_band"]))


def test_the_gated_fit_ignores_untested_values_and_is_missing_without_signal():
    feats = _firms()
    gated = ka.firmographic_fit(feats, levels={"industry": ["Logistics"]})
    assert gated[feats.industry == "Logistics"].eq(1.0).all()
    others = gated[feats.industry != "Logistics"]
    assert others.nunique() == 1 and others.iloc[0] < 1  # the pooled average, whatever the size band
    assert ka.firmographic_fit(feats).nunique() > 4  # ungated: every industry and size band
    assert ka.firmographic_fit(feats, levels={}).isna().all()
    noise = _firms(seed=4, planted=False)
    assert ka.fit_levels(noise) == {}
    fit, source = ka_fit._fit_score_column(noise, None)
    assert np.isnan(fit).all() and source.split()[0] == "none"


def test_without_a_firmographic_signal_the_fit_criterion_is_skipped_with_the_reason(table):
    noisy = table.copy()
    noisy["fit_score"] = np.nan
    noisy.attrs.update(table.attrs, fit_problem="no_signal", fit_source="none (no_signal)")
    sel = ka.select_key_accounts(noisy, {"min_fit_score": 0.6})
    assert "min_fit_score" not in sel.attrs["applied"]
    assert any("min_fit_score" in n and "reliably more common among the most valuable accounts" in n
               for n in sel.attrs["notes"])
    # the note is the key-account selection's own, not the customer profiling's
    assert not any("look-alike" in n or "target list" in n for n in sel.attrs["notes"])
    zh = ka.select_key_accounts(noisy, {"min_fit_score": 0.6}, language="zh")
    assert any("匹配分" in n and "大客户" in n for n in zh.attrs["notes"])
    assert table.attrs["fit_source"] == "firmographic look-alike"  # the sample world has its ICP


def test_value_stages_use_the_lifecycle_words_of_the_segmentation(table):
    from helpers.presentation import i18n
    assert set(table.stage) <= {"prospect", "new", "growth", "mature", "declining", "lapsing"}
    assert {"growth", "mature"} & set(table.stage)
    for stage in ("prospect", "new", "growth", "mature", "declining"):
        for language in ("en", "zh"):
            assert ka.value_label("stage", stage, language) == i18n.t(
                f"customer_segmentation.stage.{stage}", language)


def test_revenue_trend_panels_keep_the_overall_title_clear_and_speak_chinese():
    trend = pd.DataFrame({"account_id": np.repeat(["A", "B", "C", "D", "E"], 12),
                          "month": np.tile(pd.date_range("2025-07-01", periods=12, freq="MS"), 5),
                          "revenue": np.linspace(-5_000, 120_000, 60)})
    axes = ka.plot_revenue_trends(trend, labels={"A": "1. Alpha"}, currency="EUR", language="zh")
    fig = axes.ravel()[0].figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    for ax in axes.ravel()[:5]:
        assert not title.overlaps(ax.title.get_window_extent(renderer))
    ticks = [t.get_text() for t in axes.ravel()[0].get_xticklabels()]
    assert ticks and all("年" in t for t in ticks)
    assert any("万" in t.get_text() for t in axes.ravel()[4].get_yticklabels())


def test_largest_names_the_biggest_entry():
    assert ka.largest(pd.Series([1.5, 4.0, np.nan, 2.0], index=["a", "b", "c", "d"])) == ("b", 4.0)


def test_top_value_accounts_ranks_and_keeps_populated_columns():
    table = pd.DataFrame({"account_id": list("ABC"), "account_name": ["Alpha", "Beta", "Gamma"],
                          "clv": [10.0, 30.0, 20.0], "margin_rate": [0.2, 0.3, 0.4],
                          "cost_rate": [0.1, 0.1, 0.1], "profit_clv": [1.0, 6.0, 4.0],
                          "clv_cac": [np.nan] * 3})
    table.attrs["has_service_costs"] = False
    top = ka.top_value_accounts(table, "profit_clv", n=2)
    assert list(top.account_name) == ["Beta", "Gamma"]
    assert list(top.columns) == ["account_name", "clv", "margin_rate", "profit_clv"]
    table.attrs["has_service_costs"] = True
    assert "cost_rate" in ka.top_value_accounts(table, "clv").columns


def test_change_counts_counts_every_kind():
    changes = pd.DataFrame({"change": ["kept", "promoted", "kept"]})
    assert ka.change_counts(changes) == {"promoted": 1, "demoted": 0, "kept": 2}


def test_trend_view_keeps_the_top_ranked_accounts_in_rank_order():
    profiles = pd.DataFrame({"account_id": ["B", "A", "C"], "rank": [1, 2, 3],
                             "label": ["1. Beta", "2. Alpha", "3. Gamma"]})
    trend = pd.DataFrame({"account_id": ["A", "A", "B", "B", "C"],
                          "month": pd.to_datetime(["2026-02-28", "2026-01-31", "2026-01-31",
                                                   "2026-02-28", "2026-01-31"]),
                          "revenue": [5.0, 7.0, 3.0, 1.0, 99.0]})
    shown, labels, peak = ka.trend_view(profiles, trend, n=2)
    assert list(shown.account_id) == ["B", "B", "A", "A"]
    assert list(shown["rank"]) == [1, 1, 2, 2] and shown.month.iloc[2] < shown.month.iloc[3]
    assert labels == {"B": "1. Beta", "A": "2. Alpha", "C": "3. Gamma"}
    assert (peak.account_id, peak.revenue) == ("A", 7.0)
