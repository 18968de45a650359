"""A/B test statistics: agreement with statsmodels/scipy and recovery of the planted tests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from helpers.analysis import experiments as ex
from helpers.core.errors import ParamError
from helpers.data.datasets import open_workspace
from helpers.data.sample_world import generate_world

AS_OF = "2026-06-30"
CASES = [(62, 1441, 94, 1540), (57, 1167, 50, 1147), (400, 10000, 460, 10000),
         (30, 200, 45, 210), (120, 980, 98, 1010)]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ab_world")
    truth = generate_world(folder, accounts=1500, seed=11)
    ws = open_workspace(folder)
    yield ws, truth
    ws.close()


@pytest.mark.parametrize(("xa", "na", "xb", "nb"), CASES)
def test_z_test_equals_statsmodels(xa, na, xb, nb):
    res = ex.two_proportion_test(xa, na, xb, nb, method="z")
    z, p = proportions_ztest([xb, xa], [nb, na])
    assert res["test"] == "z-test"
    assert res["statistic"] == pytest.approx(z, abs=1e-9)
    assert res["p_value"] == pytest.approx(p, abs=1e-9)
    # The textbook pooled formula gives the same statistic.
    pooled = (xa + xb) / (na + nb)
    z_hand = (xb / nb - xa / na) / math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    assert res["statistic"] == pytest.approx(z_hand, abs=1e-9)


@pytest.mark.parametrize(("xa", "na", "xb", "nb"), CASES)
@pytest.mark.parametrize("ci_method", ["newcombe", "wald"])
def test_difference_interval_equals_statsmodels(xa, na, xb, nb, ci_method):
    res = ex.two_proportion_test(xa, na, xb, nb, ci_method=ci_method, alpha=0.05)
    low, high = confint_proportions_2indep(xb, nb, xa, na, method=ci_method, compare="diff")
    assert res["ci_low"] == pytest.approx(low, abs=1e-9)
    assert res["ci_high"] == pytest.approx(high, abs=1e-9)
    assert res["ci_low"] <= res["diff"] <= res["ci_high"]


def test_wald_interval_by_hand():
    xa, na, xb, nb = CASES[0]
    pa, pb = xa / na, xb / nb
    half = stats.norm.ppf(0.975) * math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    res = ex.two_proportion_test(xa, na, xb, nb, ci_method="wald")
    assert res["ci_low"] == pytest.approx(pb - pa - half, abs=1e-12)
    assert res["ci_high"] == pytest.approx(pb - pa + half, abs=1e-12)


def test_small_counts_use_fisher():
    res = ex.two_proportion_test(1, 20, 6, 22)
    assert res["test"] == "Fisher exact"
    expected = stats.fisher_exact([[6, 16], [1, 19]])
    assert res["p_value"] == pytest.approx(expected.pvalue, abs=1e-12)
    assert ex.two_proportion_test(60, 1000, 80, 1000)["test"] == "z-test"


def test_prob_b_beats_a():
    assert ex.prob_b_beats_a(50, 1000, 50, 1000) == pytest.approx(0.5, abs=1e-9)
    closed = ex.prob_b_beats_a(62, 1441, 94, 1540)
    rng = np.random.default_rng(1)
    mc = (rng.beta(95, 1447, 400_000) > rng.beta(63, 1380, 400_000)).mean()
    assert closed == pytest.approx(mc, abs=0.003)
    # Non-integer priors go through numerical integration and agree with a near prior.
    numeric = ex.prob_b_beats_a(62, 1441, 94, 1540, prior=(1.0000001, 1.0))
    assert numeric == pytest.approx(closed, abs=1e-5)
    assert ex.prob_b_beats_a(94, 1540, 62, 1441) == pytest.approx(1 - closed, abs=1e-9)


def test_power_and_mde_match_statsmodels_and_cohen():
    out = ex.power_and_mde(0.05, 2000, 2100, alpha=0.05, power=0.8, min_lift=0.2)
    h = proportion_effectsize(0.06, 0.05)
    expected = NormalIndPower().power(effect_size=h, nobs1=2000, alpha=0.05, ratio=1.05)
    assert out["power"] == pytest.approx(expected, abs=1e-9)
    # Cohen (1988): the arcsine-transformed rate has variance 1/n, so equal arms need
    # n = 2 ((z_a/2 + z_b) / h)^2 each (h = 0.2 gives his tabled 392).
    n_cohen = 2 * ((stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) / h) ** 2
    assert abs(out["n_required"] - n_cohen) <= 1.5
    p_b = math.sin(math.asin(math.sqrt(0.5)) + 0.1) ** 2  # h = 0.2 from a 50 % baseline
    tabled = ex.power_and_mde(0.5, 100, 100, min_lift=p_b / 0.5 - 1)["n_required"]
    assert tabled in (392, 393)
    # At the minimum detectable effect the test has exactly the target power.
    h_mde = proportion_effectsize(out["mde_rate"], 0.05)
    assert NormalIndPower().power(effect_size=h_mde, nobs1=2000, alpha=0.05,
                                  ratio=1.05) == pytest.approx(0.8, abs=1e-6)


def test_srm_check():
    fair = ex.srm_check(5000, 5000)
    assert fair["p_value"] == pytest.approx(1.0) and not fair["mismatch"]
    skew = ex.srm_check(5000, 5400)
    assert skew["mismatch"]
    assert skew["p_value"] == pytest.approx(stats.chisquare([5000, 5400]).pvalue, abs=1e-12)
    assert not ex.srm_check(3000, 6100, expected_share_b=2 / 3)["mismatch"]


def test_corrections_match_statsmodels_and_hand_values():
    p = [0.01, 0.04, 0.03]
    assert ex.adjust_pvalues(p, "holm") == pytest.approx([0.03, 0.06, 0.06])
    assert ex.adjust_pvalues(p, "bh") == pytest.approx([0.03, 0.04, 0.04])
    assert ex.adjust_pvalues(p, "bh") == pytest.approx(multipletests(p, method="fdr_bh")[1])
    with_nan = ex.adjust_pvalues([0.01, np.nan], "holm")
    assert with_nan[0] == pytest.approx(0.01) and np.isnan(with_nan[1])


def test_peeking_rate_matches_armitage():
    # Armitage, McPherson and Rowe (1969): five looks at alpha 0.05 give about 14 %.
    assert ex.peeking_false_positive_rate(1) == pytest.approx(0.05, abs=0.005)
    assert ex.peeking_false_positive_rate(5) == pytest.approx(0.142, abs=0.01)
    assert "42-day" in ex.peeking_note(42)


def test_bad_input_is_a_param_error():
    with pytest.raises(ParamError, match="conversions <= units"):
        ex.two_proportion_test(5, 3, 1, 10)
    with pytest.raises(ParamError, match="correction"):
        ex.adjust_pvalues([0.1], "bonferroni-ish")
    counts = pd.DataFrame({"experiment_id": ["E", "E"], "variant": ["control", "test"],
                           "units": [100, 100], "conversions": [5, 9]})
    with pytest.raises(ParamError, match="variants found: control, test"):
        ex.evaluate_experiments(counts)
    assert ex.evaluate_experiments(counts, control="control", treatment="test").shape[0] == 1


def test_counts_equal_the_planted_experiments(world):
    ws, truth = world
    counts = ex.experiment_counts(ws, AS_OF)
    for exp_id, spec in truth["experiments"].items():
        got = counts[counts.experiment_id == exp_id].set_index("variant")
        for v in ("A", "B"):
            assert got.loc[v, "units"] == spec["n"][v]
            assert got.loc[v, "conversions"] == spec["conversions"][v]


def test_planted_lift_found_and_null_not(world):
    ws, truth = world
    res = ex.evaluate_experiments(ex.experiment_counts(ws, AS_OF), correction="holm")
    res = res.set_index("experiment_id")
    for exp_id, spec in truth["experiments"].items():
        row = res.loc[exp_id]
        assert bool(row["significant"]) == spec["real_effect"], exp_id
        assert not row["srm"]
        if spec["real_effect"]:
            assert row["verdict"] == "B wins"
            assert row["prob_b_better"] > 0.99
            assert row["ci_low"] > 0
        else:
            assert row["ci_low"] < 0 < row["ci_high"]
            assert row["verdict"].startswith(("no detectable", "inconclusive"))


def test_variant_note_explains_labels_the_data_does_not_use():
    counts = pd.DataFrame({"experiment_id": ["E", "E"], "variant": ["control", "test"],
                           "units": [100, 100], "conversions": [5, 9]})
    note = ex.variant_note(counts)
    assert note.startswith("Skipped: the experiments name their variants control, test, not A and B")
    assert ex.variant_note(counts, control="control", treatment="test") is None
    assert ex.variant_note(counts.iloc[0:0]) is None
    assert "control_variant" in ex.variant_note(counts, language="zh")


def test_experiments_are_one_family_through_the_shared_correction():
    from helpers.stats import multiple_testing

    p = [0.01, 0.04, 0.03, np.nan]
    for method in ("bh", "holm", "bonferroni"):
        assert ex.adjust_pvalues(p, method) == pytest.approx(
            multiple_testing.adjust(p, method), nan_ok=True)
    assert ex.adjust_pvalues(p, "fdr_bh") == pytest.approx(ex.adjust_pvalues(p, "bh"),
                                                          nan_ok=True)
    with pytest.raises(ParamError, match="use one of bh"):
        ex.adjust_pvalues(p, "sidak")
    # the default is Benjamini-Hochberg, as the notebooks' finding_correction
    counts = pd.DataFrame({"experiment_id": list("PPQQRR"), "variant": ["A", "B"] * 3,
                           "units": [4000] * 6, "conversions": [160, 205, 160, 200, 160, 199]})
    res = ex.evaluate_experiments(counts)
    assert res.p_adjusted.to_numpy() == pytest.approx(
        multipletests(res.p_value, method="fdr_bh")[1])
    holm = ex.evaluate_experiments(counts, correction="holm")
    assert res.significant.sum() > holm.significant.sum()  # BH keeps more of the family


def test_experiment_findings_state_winners_only(world):
    ws, truth = world
    res = ex.evaluate_experiments(ex.experiment_counts(ws, AS_OF))
    found = ex.experiment_findings(res)
    by_id = dict(zip(res.experiment_id, found, strict=True))
    for exp_id, spec in truth["experiments"].items():
        assert by_id[exp_id].stated == spec["real_effect"], exp_id
        assert by_id[exp_id].evidence.family_size == len(res)
    winner = next(f for f in found if f.stated)
    assert winner.text.startswith("A/B test EXP-SUBJECT-LINE: B wins") and winner.action
    # a sample-ratio mismatch is never a result, however small its p-value
    srm = res.assign(srm=True)
    assert not any(f.stated for f in ex.experiment_findings(srm))
    null = res[~res.significant]
    assert ex.experiment_findings(null)[0].shown == "No reliable difference among the 1 A/B tests."


def test_the_brief_table_is_five_narrow_columns_of_text():
    counts = pd.DataFrame({"experiment_id": ["WIN", "WIN", "FLAT", "FLAT"],
                           "variant": ["A", "B"] * 2, "units": [5000, 5000, 200, 200],
                           "conversions": [200, 320, 10, 11]})
    res = ex.evaluate_experiments(counts)
    brief = ex.brief_table(res)
    assert list(brief.columns) == ["experiment_id", "variants", "rates", "lift_ci", "verdict"]
    win = brief.set_index("experiment_id").loc["WIN"]
    assert win.variants == "B vs A" and win.rates == "6.40% vs 4.00%"
    assert win.lift_ci.startswith("+2.40 pts (") and win.verdict == "B wins"
    zh = ex.brief_table(ex.evaluate_experiments(counts, language="zh"), language="zh")
    assert "个百分点" in zh.lift_ci.iloc[0] and "对比" in zh.variants.iloc[0]
    text = ex.chart_text(res)
    assert "WIN" in text["alt"] and "+2.40" in text["alt"] and text["caption"]


def test_result_lines_one_per_test_in_both_languages():
    counts = pd.DataFrame({"experiment_id": ["WIN", "WIN", "FLAT", "FLAT"], "variant": ["A", "B"] * 2,
                           "units": [5000, 5000, 200, 200], "conversions": [200, 320, 10, 11]})
    results = ex.evaluate_experiments(counts)
    en = ex.result_lines(results, alpha=0.05).split("\n")
    assert len(en) == 2
    win = results.set_index("experiment_id").loc["WIN"]
    assert f"{win.rate_b:.2%}" in en[0] + en[1] and "B wins" in en[0] + en[1]
    zh = ex.result_lines(ex.evaluate_experiments(counts, language="zh"), language="zh")
    assert zh.count("\n") == 1 and "胜出" in zh
    assert ex.result_lines(results.iloc[:0]) == ""
