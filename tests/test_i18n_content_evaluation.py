"""Report language of the content evaluation report: its text keys and language-aware helpers."""

from __future__ import annotations

import re

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from notebook_text import CJK, has_both, notebook_code

from helpers.analysis import attribution, content
from helpers.analysis import experiments as ex
from helpers.presentation import plotting

NAME = "content_evaluation"

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _report_style():
    plotting.apply_report_style()  # the report font, which has the Chinese glyphs


def test_every_key_the_notebook_uses_has_english_and_chinese():
    code = notebook_code(NAME)
    literal = set(re.findall(r"""\bt\(\s*["']([a-z_.]*[a-z_])["']""", code))
    assert len(literal) > 30
    assert sorted(k for k in literal if not has_both(k)) == []
    # the story cells: one per section, each with its text in both languages
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).parents[1] / "notebooks" / f"{NAME}.ipynb").read_text(encoding="utf-8"))
    story = [c["metadata"]["i18n"] for c in nb["cells"] if c["metadata"].get("i18n")]
    assert len(story) >= 12 and story[0] == f"{NAME}.md.title"
    assert sorted(k for k in story if not has_both(k)) == []
    # the section introductions, shown together in the method section
    sections = re.search(r'note=t\(f"content_evaluation\.intro\.\{s\}"\)\) for s in \((.*?)\)', code, re.S)
    names = re.findall(r'"([a-z_]+)"', sections.group(1))
    assert len(names) == 8
    assert sorted(k for s in names for k in (f"content_evaluation.heading.{s}", f"content_evaluation.intro.{s}")
                  if not has_both(k)) == []
    # table headers: the notebook translates every column it lists in `headers`
    assert 'headers = {c: t(f"content_evaluation.col.{c}") for c in content.TABLE_COLUMNS}' in code
    columns = content.TABLE_COLUMNS
    assert len(columns) > 50 and set(content.PERFORMANCE_COLUMNS) <= set(columns)
    assert sorted(c for c in columns if not has_both(f"content_evaluation.col.{c}")) == []
    for day in content.WEEKDAYS:
        assert has_both(f"content_evaluation.weekday.{day}")
    for model in attribution.MODELS:
        assert has_both(f"content_evaluation.model.{model}")
    assert "i18n.check_language(language)" in code


def _counts():
    return pd.DataFrame({
        "experiment_id": ["WIN", "WIN", "FLAT", "FLAT", "SRM", "SRM"],
        "variant": ["A", "B"] * 3,
        "units": [5000, 5000, 200, 200, 5000, 3000],
        "conversions": [200, 320, 10, 11, 200, 120],
    })


def test_verdicts_and_the_peeking_note_follow_the_language():
    en = ex.evaluate_experiments(_counts()).set_index("experiment_id").verdict
    zh = ex.evaluate_experiments(_counts(), language="zh").set_index("experiment_id").verdict
    assert en["WIN"] == "B wins" and zh["WIN"] == "B 胜出"
    assert en["FLAT"].startswith("inconclusive") and CJK.search(zh["FLAT"])
    assert en["SRM"].startswith("check the assignment") and CJK.search(zh["SRM"])
    assert ex.peeking_note(42).startswith("Decide the sample size")
    note = ex.peeking_note(42, language="zh")
    assert CJK.search(note) and "42" in note
    fig, ax = plt.subplots()
    ex.plot_experiments(ex.evaluate_experiments(_counts()), ax=ax, language="zh")
    assert CJK.search(ax.get_title()) and CJK.search(ax.get_xlabel())
    plt.close(fig)


def test_model_and_weekday_names_follow_the_language():
    assert attribution.model_name("markov") == "Markov removal effect"
    assert CJK.search(attribution.model_name("markov", "zh"))
    assert content.weekday_name("Tue") == "Tue" and content.weekday_name("Tue", "zh") == "周二"
    assert content.weekday_name("", "zh") == ""


def _board():
    return pd.DataFrame({"title": ["x", "y"], "conversion_rate": [0.2, 0.1],
                         "conversion_rate_low": [0.1, 0.05], "conversion_rate_high": [0.3, 0.2]})


def _ranked():
    return pd.DataFrame({"channel": ["email", "web"], "conversion_rate": [0.2, 0.1],
                         "conversion_rate_low": [0.1, 0.05], "conversion_rate_high": [0.3, 0.2],
                         "prob_best": [0.7, 0.3]})


def _timing():
    return pd.DataFrame({"channel": ["email"] * 3, "weekday": [0, 1, 2], "hour": [9, 10, 11],
                         "touches": [5, 6, 7]})


def _credits():
    rows = [{"label": label, "model": m, "share": share}
            for m in attribution.MODELS for label, share in (("email", 0.6), ("web", 0.4))]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("draw", [
    lambda ax, lang: content.plot_leaderboard(_board(), ax=ax, language=lang),
    lambda ax, lang: content.plot_channel_ranking(_ranked(), ax=ax, language=lang),
    lambda ax, lang: content.plot_timing_heatmap(_timing(), "email", ax=ax, language=lang),
    lambda ax, lang: content.plot_publishing_calendar(
        pd.DataFrame({"news": [1, 2]}, index=pd.to_datetime(["2026-01-01", "2026-02-01"])), ax=ax,
        language=lang),
    lambda ax, lang: content.plot_stage_heatmap(pd.DataFrame(
        {"stage": ["new", "mature"], "content_category": ["news", "news"], "rate": [0.1, 0.2]}),
        ax=ax, language=lang),
    lambda ax, lang: attribution.plot_attribution(_credits(), ax=ax, language=lang),
])
def test_content_charts_follow_the_language(draw):
    fig, ax = plt.subplots()
    draw(ax, "en")
    assert not CJK.search(ax.get_title() + ax.get_xlabel() + ax.get_ylabel())
    ax.clear()
    draw(ax, "zh")
    assert CJK.search(ax.get_title())
    plt.close(fig)


def test_english_chart_texts_are_unchanged():
    fig, ax = plt.subplots()
    content.plot_leaderboard(_board(), ax=ax)
    assert ax.get_xlabel() == "conversion rate with interval"
    assert ax.get_title() == "Leaderboard (ranked by the lower bound)"
    ax.clear()
    content.plot_channel_ranking(_ranked(), ax=ax)
    assert ax.get_yticklabels()[-1].get_text() == "email  (P best 70%)"
    plt.close(fig)


def test_thin_data_sentences_and_notes_exist_in_both_languages():
    for key in ("performance_best", "performance_type", "performance_money", "performance_money_no_cost",
                "credit_fallback", "channel_credit_fallback", "skip.leaderboard", "calendar_count",
                "gaps_no_answers", "distribution_none", "channels_none", "no_ranked_channel",
                "mix_segment_none", "ab_no_arms", "ab_variants", "timing_day", "attribution_won",
                "attribution_lead", "attribution_split", "attribution_none", "content_attribution_top",
                "content_attribution_no_touch", "labelled_note", "yes", "no", "chart.weekday_share"):
        assert has_both(f"content_evaluation.{key}"), key
    cats = pd.DataFrame({"content_category": ["brand"], "conversion_rate": [0.05],
                         "conversion_rate_low": [0.02], "conversion_rate_high": [0.1],
                         "below_min_sample": [False], "cost": [float("nan")], "won_revenue": [900.0],
                         "reached_accounts": [200], "converting_accounts": [10], "touches": [600],
                         "converted_touches": [12]})
    text = content.performance_sentence(cats, cats.rename(columns={"content_category": "content_type"}),
                                        window_days=30, confidence=0.95, currency="EUR",
                                        credit="influenced", language="zh")
    assert CJK.search(text) and "品牌" in text and "最好" not in text  # one category is not "the best"
    for key in ("timing_no_peak", "timing_day_no_peak", "leaderboard_no_leader", "for_whom_none",
                "preferences_none", "attribution_lead_none", "content_attribution_top_none", "ab_finding",
                "performance_single", "lift_over_rest", "heading.evidence", "evidence_none"):
        assert has_both(f"content_evaluation.{key}"), key
    table = content.format_table(pd.DataFrame({"significant": [True], "weekday_name": ["Mon"]}),
                                 language="zh")
    assert list(table.iloc[0]) == ["是", "周一"]


def test_findings_go_through_the_finding_log_with_an_analyst_evidence_table():
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).parents[1] / "notebooks" / f"{NAME}.ipynb").read_text(encoding="utf-8"))
    code = notebook_code(NAME)
    assert "family_alpha = findings.family_level(finding_alpha)" in code
    assert 'findings.FindingLog("content_evaluation", alpha=family_alpha, method=finding_correction' in code
    assert code.count("outputs.record_findings(log.name, log.records(extra=") == 1
    evidence = [c for c in nb["cells"] if "log.evidence()" in "".join(c["source"])]
    assert len(evidence) == 1 and "hide-management" in evidence[0]["metadata"].get("tags", [])
    # the A/B tests are one family at the run's share for experiments, no separate knobs
    params = "".join(next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))["source"])
    assert "\nalpha:" not in params and "\ncorrection:" not in params
    assert "ab_alpha = findings.family_level(finding_alpha, experiments=True)" in code
    assert "alpha=ab_alpha, correction=finding_correction" in code
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
