"""Findings: claims are stated only when they pass their gate, with their evidence."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from helpers.core.errors import ParamError
from helpers.presentation import findings as F
from helpers.report.outputs import record_findings
from helpers.report.summary import candidate_findings
from helpers.stats import multiple_testing as mt


def test_adjust_matches_statsmodels_and_keeps_missing():
    p = np.array([0.001, 0.02, np.nan, 0.04, 0.3])
    out = mt.adjust(p, "bh")
    expected = multipletests(p[~np.isnan(p)], method="fdr_bh")[1]
    assert np.isnan(out[2])
    np.testing.assert_allclose(out[~np.isnan(out)], expected)
    np.testing.assert_allclose(mt.adjust(p, "none"), p)
    with pytest.raises(ParamError, match="holm"):
        mt.adjust(p, "fdr")


def test_mark_family_flags_survivors():
    frame = pd.DataFrame({"p_value": [0.001, 0.03, 0.04, 0.5]})
    out = mt.mark_family(frame, alpha=0.05, method="bh")
    assert out["significant"].tolist() == [True, False, False, False]
    assert mt.mark_family(frame, method="none")["significant"].sum() == 3


def test_lift_test_against_scipy():
    res = mt.lift_test(30, 100, 60, 400)
    assert res["lift"] == pytest.approx((30 / 100) / (60 / 400))
    assert res["p_value"] == pytest.approx(stats.fisher_exact([[30, 70], [60, 340]]).pvalue)
    assert res["low"] < res["lift"] < res["high"]
    zero = mt.lift_test(0, 50, 10, 100)
    assert zero["lift"] == 0 and math.isfinite(zero["high"])
    assert math.isnan(mt.lift_test(1, 0, 1, 10)["p_value"])


def test_share_and_trend_tests():
    assert mt.share_test(60, 100, 0.25) < 0.001
    assert mt.share_test(25, 100, 0.25) > 0.4
    assert mt.trend_test(range(12))["direction"] == "up"
    assert mt.trend_test(range(12))["p_value"] < 0.001
    flat = mt.trend_test([1, 2, 3])
    assert flat["direction"] == "flat" and math.isnan(flat["p_value"])
    rng = np.random.default_rng(0)
    assert mt.trend_test(rng.normal(size=24))["p_value"] > 0.05


def test_independence_test_effect_size():
    res = mt.independence_test([[50, 50], [50, 50]])
    assert res["p_value"] == pytest.approx(1.0) and res["cramers_v"] == pytest.approx(0.0)
    assert math.isnan(mt.independence_test([[5, 0], [0, 0]])["p_value"])


def test_family_states_only_survivors_and_never_a_missing_level():
    log = F.FindingLog("customer_profiling")
    fs = log.family(["A is over-represented", "(missing) is over-represented", "C"],
                    [0.0001, 0.0001, 0.6], test="Fisher exact", family="lift by industry",
                    levels=["A", "(missing)", "C"],
                    fallback=F.no_difference(3, "industries"))
    assert [f.stated for f in fs] == [True, False, False]
    assert F.FindingLog.summary(fs) == ["A is over-represented"]
    none = log.family(["x", "y"], [0.04, 0.3], test="t", family="f",
                      fallback=F.no_difference(2, "channels"))
    assert F.FindingLog.summary(none) == ["No reliable difference among the 2 channels."]
    table = log.evidence()
    assert len(table) == 5 and not table.isna().any().any()


def test_noise_family_of_thirteen_is_not_stated():
    # 13 values, one raw p just under 0.05: unadjusted it would be a "finding"
    p = [0.04] + [0.3 + 0.05 * i for i in range(12)]
    fs = F.FindingLog("x").family([f"v{i}" for i in range(13)], p, test="t", family="f")
    assert not any(f.stated for f in fs)


def test_gates_and_records_round_trip(tmp_path):
    log = F.FindingLog("customer_value", language="zh")
    log.add(F.gated("49 at risk", passed=False, gate="history shorter than rhythm"),
            F.fact("1,000 customers", impact=0.2))
    path = record_findings(log.name, log.records(), tmp_path)
    assert path == tmp_path / "findings" / "customer_value.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    assert [i["stated"] for i in items] == [False, True]
    back = F.from_record(items[0])
    assert back.gate == "history shorter than rhythm" and not back.stated
    run = {"notebooks": {"customer_value": {"status": "ok", "findings": items}}}
    assert [f.text for f in candidate_findings(run)] == ["1,000 customers"]


def test_bad_parameters_are_named():
    with pytest.raises(ParamError, match="finding_alpha"):
        F.FindingLog("x", alpha=1.5)
    with pytest.raises(ParamError, match="finding_correction"):
        F.FindingLog("x", method="fdr")


def test_impact_weight_and_missing_levels():
    assert F.impact_weight(50, 100) == pytest.approx(0.575)
    assert F.impact_weight(float("nan"), 100) == 0.2
    assert F.is_missing_level(None) and F.is_missing_level("(missing)")
    assert F.is_missing_level(float("nan")) and not F.is_missing_level("Retail")


def test_details_are_recorded_but_stay_off_the_summary(tmp_path):
    log = F.FindingLog("customer_profiling")
    log.add(F.fact("headline"))
    detail = F.comparison("mid accounts win most often", test="chi-square", p_value=1e-6,
                          p_adjusted=1e-6)
    items = json.loads(record_findings(log.name, log.records(details=[detail]), tmp_path)
                       .read_text(encoding="utf-8"))
    assert [i.get("detail", False) for i in items] == [False, True]
    run = {"notebooks": {"customer_profiling": {"status": "ok", "findings": items}}}
    assert [f.text for f in candidate_findings(run)] == ["headline"]


def test_family_levels_add_up_to_the_run_rate():
    total = F.family_level(0.05, experiments=True) + F.RUN_FAMILIES * F.family_level(0.05)
    assert total == pytest.approx(0.05)
    with pytest.raises(ParamError, match="finding_alpha"):
        F.family_level(0)


def test_run_level_split_keeps_null_runs_clean_in_simulation():
    # RUN_FAMILIES families of 10 null comparisons each, BH inside at the family level:
    # the share of runs with any false finding stays below the run's rate
    rng = np.random.default_rng(1)
    runs = 400
    level = F.family_level(0.05)
    any_false = 0
    for _ in range(runs):
        p = rng.uniform(size=(F.RUN_FAMILIES, 10))
        any_false += any((mt.adjust(row, "bh") < level).any() for row in p)
    assert any_false / runs <= 0.05


def test_brief_opens_with_the_title_and_the_strongest_stated_findings():
    from helpers.presentation import findings

    log = findings.FindingLog("x", language="en")
    log.add(findings.fact("Small thing.", impact=0.1, action="Watch it."))
    log.add(findings.fact("Big thing: 40% of revenue.", impact=0.9, action="Protect it."))
    log.add(findings.gated("Noise.", passed=False, kind="alarm", fallback="Too early to say."))
    text = findings.brief(log, "Customer value", limit=1)
    lines = text.splitlines()
    assert lines[0] == "# Customer value" and lines[2] == "## Summary"
    assert "Big thing: 40% of revenue. *Action: Protect it.*" in text
    assert "Small thing" not in text and "Noise" not in text


def test_brief_says_so_in_one_line_when_nothing_is_stated():
    from helpers.presentation import findings

    log = findings.FindingLog("x", language="zh")
    log.add(findings.gated("Noise.", passed=False, kind="alarm", fallback="还为时过早。"))
    text = findings.brief(log, "客户价值")
    assert "## 摘要" in text and "数据尚不足以支持" in text and "还为时过早。" in text
    assert "Noise" not in text
