"""Report language of the budget allocation report: its text keys and language-aware helpers."""

from __future__ import annotations

import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from notebook_text import CJK, has_both, load_notebook, notebook_code

from helpers.analysis import budget as bg
from helpers.analysis import response_curves as rc
from helpers.presentation import plotting

NAME = "budget_allocation"

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _report_style():
    plotting.apply_report_style()  # the report font, which has the Chinese glyphs
P = 12


def test_every_key_the_notebook_uses_has_english_and_chinese():
    code = notebook_code(NAME)
    literal = set(re.findall(r"""\bt\(\s*["']([a-z_.]*[a-z_])["']""", code))
    assert len(literal) > 40
    assert sorted(k for k in literal if not has_both(k)) == []
    # keys built from names: the outcome of the curves and its unit
    for outcome in rc.OUTCOMES:
        assert has_both(f"budget_allocation.outcome.{outcome}")
        assert has_both(f"budget_allocation.one_unit.{outcome}")
    assert "i18n.check_language(language)" in code


def test_the_report_tables_have_headers_in_both_languages():
    curves = _toy_curves()
    current = bg.current_plan(curves, periods=P)
    bounds = bg.channel_bounds(current, min_multiplier=0.5, max_multiplier=2.0)
    mix = bg.mix_table(curves, bounds, bg.optimise_mix(curves, float(current.sum()), bounds, periods=P),
                       current=current, periods=P)
    moves, _ = bg.reallocation(mix)
    frame = bg.budget_frame(100_000, fixed_lines={"tools": 10_000})
    goals = bg.goal_table({"pipeline": 1e6, "new_key_accounts": 3}, outcome="pipeline", expected=5e5)
    for table in (mix, moves, frame.table(), goals, rc.curves_table(curves)):
        for col in table.columns:
            assert has_both(f"budget_allocation.col.{col}"), col


def _toy_curves():
    return {
        "a": rc.ResponseCurve.from_params("a", 50.0, 2000.0, 1.0, current_spend=3000.0),
        "b": rc.ResponseCurve.from_params("b", 30.0, 1000.0, 1.0, current_spend=1000.0),
        "flat": rc.ResponseCurve.constant_roi("flat", 0.05, 1500.0, current_spend=1000.0),
    }


def test_curve_notes_and_labels_follow_the_language():
    rng = np.random.default_rng(0)
    short = rc.fit_curve("x", rng.uniform(1, 2, 8), rng.uniform(5, 10, 8), n_boot=0)
    short_zh = rc.fit_curve("x", rng.uniform(1, 2, 8), rng.uniform(5, 10, 8), n_boot=0, language="zh")
    assert "8 periods" in short.note and "constant ROI" in short.label()
    assert CJK.search(short_zh.note) and "8" in short_zh.note
    assert CJK.search(short_zh.label("zh"))
    curves = _toy_curves()
    assert rc.curves_table(curves).model.iloc[0] == "fitted Hill curve"
    assert CJK.search(rc.curves_table(curves, language="zh").model.iloc[0])
    fig, ax = plt.subplots()
    rc.plot_response_curves(curves, ax=ax, outcome_label="商机数", language="zh")
    assert CJK.search(ax.get_xlabel()) and CJK.search(ax.get_ylabel())
    assert any(CJK.search(t.get_text()) for t in ax.get_legend().get_texts())
    plt.close(fig)


def test_budget_sentences_and_labels_follow_the_language():
    curves = _toy_curves()
    current = bg.current_plan(curves, periods=P)
    budget = float(current.sum())
    _, wide = current, bg.channel_bounds(current, min_multiplier=0.0, max_multiplier=10.0)
    best = bg.optimise_mix(curves, budget, wide, periods=P)
    mix = bg.mix_table(curves, wide, best, current=current, periods=P)
    en = bg.explain_mix(mix, outcome_label="opportunities")
    zh = bg.explain_mix(mix, outcome_label="商机数", language="zh")
    assert en.startswith("The plan moves") and zh.startswith("该方案") and zh.endswith("。")
    tight = bg.channel_bounds(current, min_multiplier=1.0, max_multiplier=1.0)
    same = bg.mix_table(curves, tight, bg.optimise_mix(curves, budget, tight, periods=P), periods=P)
    assert bg.explain_mix(same).startswith("The optimal mix equals the current plan")
    assert bg.explain_mix(same, language="zh").startswith("最优组合与当前计划相同")

    scenarios = bg.scenario_table(curves, wide, budget, periods=P, language="zh")
    assert "budget -20%" in set(scenarios.scenario)  # names stay stable for lookups
    assert all(CJK.search(d) for d in scenarios.description)
    assert bg.scenario_label("budget -20%", "zh") == "预算 -20%"
    assert bg.scenario_label("bounds x3", "en") == "bounds x3" and CJK.search(bg.scenario_label("bounds x3", "zh"))
    assert bg.value_label("binding", "upper bound", "zh") == "上限"
    assert bg.value_label("binding", "upper bound") == "upper bound"
    moves, _ = bg.reallocation(mix, language="zh")
    assert set(moves.action) <= {"reduce", "increase", "hold"} and all(CJK.search(r) for r in moves.reason)
    frame = bg.budget_frame(100_000, fixed_lines={"tools": 10_000})
    assert frame.table().line.iloc[0] == "risk reserve"
    assert all(CJK.search(x) for x in frame.table("zh").line)
    goals = bg.goal_table({"pipeline": 1e6}, outcome="pipeline", expected=5e5, language="zh")
    assert CJK.search(goals.note.iloc[0])
    styled = bg.report_table(mix[["channel", "binding", "current"]], {"current": "{:,.0f}"}, language="zh")
    assert "渠道" in styled.to_html() and "当前" in styled.to_html()


@pytest.mark.parametrize("plot", [bg.plot_mix, bg.plot_scenarios])
def test_budget_charts_follow_the_language(plot):
    curves = _toy_curves()
    current = bg.current_plan(curves, periods=P)
    bounds = bg.channel_bounds(current, min_multiplier=0.5, max_multiplier=2.0)
    best = bg.optimise_mix(curves, float(current.sum()), bounds, periods=P)
    table = (bg.mix_table(curves, bounds, best, current=current, periods=P) if plot is bg.plot_mix
             else bg.scenario_table(curves, bounds, float(current.sum()), periods=P))
    fig, ax = plt.subplots()
    plot(table, ax=ax, language="zh")
    assert CJK.search(ax.get_xlabel())
    plt.close(fig)
    assert isinstance(table, pd.DataFrame)


def test_keep_split_reasons_and_support_table_in_both_languages():
    curves = _toy_curves()
    current = bg.current_plan(curves, periods=P)
    bounds = bg.channel_bounds(current, min_multiplier=0.0, max_multiplier=10.0)
    mix = bg.mix_table(curves, bounds, bg.optimise_mix(curves, float(current.sum()), bounds, periods=P),
                       current=current, periods=P)
    support = bg.shift_support(curves, mix, periods=P)
    for col in support.columns.drop(["reason", "change"]):
        assert has_both(f"budget_allocation.col.{col}"), col
    ok, code = bg.plan_supported(support, {"gain_low": 1.0})
    assert not ok and code in ("assumed", "not_identified", "out_of_range")
    for c in ("no_move", "gain_uncertain", "assumed", "not_identified", "out_of_range", "discrepancy"):
        assert CJK.search(bg.keep_reason(support, c, "zh")) and bg.keep_reason(support, c)
    assert "flat" in bg.keep_reason(support, "assumed")  # the fallback channel is named


def test_budget_findings_go_through_the_finding_log():
    code = notebook_code(NAME)
    assert 'findings.FindingLog("budget_allocation"' in code and code.count("outputs.record_findings(log.name, log.records(), output_dir)") == 1
    assert code.count("record_findings(") == code.count("outputs.record_findings(log.name, log.records(")
    assert "budget.cross_check(" in code and "greedy_mix" not in code


def test_allocation_view_speaks_chinese():
    curves = _toy_curves()
    for c in curves.values():
        c.boot = np.tile([c.beta, c.k, c.s, 0.0], (20, 1)) if not c.is_fallback else c.boot
        c.history = pd.DataFrame({"period_start": pd.date_range("2024-07-01", periods=12, freq="MS"),
                                  "spend": np.linspace(0.5, 1.5, 12) * c.current_spend,
                                  "outcome": 5.0, "fitted": 4.0})
    texts = [rc.marginal_sentence(c, channel=bg.channel_label(ch, "zh"), unit="个商机", currency="EUR",
                                  language="zh") for ch, c in curves.items()]
    assert all(CJK.search(x) for x in texts) and not any(re.search(r"[A-Za-z]{4,}", x.replace("EUR", "").replace("flat", ""))
                                                         for x in texts)
    assert bg.channel_label("webinar", "zh") == "网络研讨会"
    fit = rc.fit_over_time(curves)
    assert "2024年7月" in rc.fit_alt(fit, outcome_label="商机数", language="zh")
    assert CJK.search(rc.panels_alt(curves, language="zh"))
    fig, ax = plt.subplots()
    rc.plot_fit_over_time(fit, ax=ax, language="zh")
    assert all(CJK.search(t.get_text()) for t in ax.get_legend().get_texts())
    plt.close(fig)
    axes = rc.plot_curve_panels(curves, language="zh", currency="EUR")
    assert CJK.search(axes[0].figure.get_supxlabel())
    plt.close(axes[0].figure)
    current = bg.current_plan(curves, periods=P)
    bounds = bg.channel_bounds(current, min_multiplier=0.5, max_multiplier=2.0)
    mix = bg.mix_table(curves, bounds, bg.optimise_mix(curves, float(current.sum()), bounds, periods=P),
                       current=current, periods=P)
    shares = bg.allocation_shares(mix)
    fig, ax = plt.subplots()
    bg.plot_shares(shares, ax=ax, language="zh")
    assert CJK.search(ax.get_xlabel()) and all(CJK.search(t.get_text()) for t in ax.get_legend().get_texts())
    plt.close(fig)
    assert CJK.search(bg.shares_alt(shares, language="zh"))
    carry = rc.carry_over_table(curves)
    for col in carry.columns:
        assert has_both(f"budget_allocation.col.{col}"), col


def test_fixed_lines_are_named_in_chinese_and_kept_in_exports():
    frame = bg.budget_frame(100_000, fixed_lines={"content_production": 10_000})
    assert frame.table().line.iloc[1] == "fixed: content_production"
    assert frame.table("zh").line.iloc[1] == "固定成本：内容制作"


def test_story_cells_carry_locale_keys_in_both_languages():
    nb = load_notebook(NAME)
    keys = [c["metadata"]["i18n"] for c in nb["cells"]
            if c["cell_type"] == "markdown" and "i18n" in c.get("metadata", {})]
    assert keys[0] == "budget_allocation.md.title" and len(keys) >= 12 and len(set(keys)) == len(keys)
    assert sorted(k for k in keys if not has_both(k)) == []
    code = notebook_code(NAME)
    assert 'interactive.project_parameters("budget_allocation", globals())' in code
    assert "display(Markdown(f\"## " not in code  # section headings live in the story cells
