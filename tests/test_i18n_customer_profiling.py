"""Report language of the customer profiling report: its texts exist in both languages and
the sentence and chart helpers of helpers.analysis.profiling and helpers.analysis.icp switch to Chinese while
their English output stays as it was."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from notebook_text import KEY, code_of, is_chinese, load_notebook, notebook_code

from helpers.analysis import icp, profiling
from helpers.presentation import i18n, plotting

NAME = "customer_profiling"


def test_every_literal_key_of_the_notebook_has_both_languages():
    literal = set(KEY.findall(notebook_code(NAME)))
    assert len(literal) > 80
    assert sorted(k for k in literal if k not in i18n.LABELS) == []
    for key in literal:
        entry = i18n.LABELS[key]
        assert entry.get("en") and entry.get("zh"), key
        assert key == "notebook.customer_profiling" or key.startswith("customer_profiling."), key


def test_keys_built_from_names_exist():
    # t(f"customer_profiling.bucket.{bucket}") and the table columns renamed through cols
    for bucket in [*icp.FIT_BUCKETS, icp.EXCLUDED]:
        assert f"customer_profiling.bucket.{bucket.lower()}" in i18n.LABELS
    for attr in (*icp.ICP_ATTRIBUTES, *profiling.PROFILE_DIMENSIONS, *icp.LOOKALIKE_NUMERIC):
        assert is_chinese(icp.attribute_label(attr, "zh")), attr
    for column in ("segment", "accounts", "revenue_share", "win_rate", "fit_score", "peer_median_revenue"):
        assert f"customer_profiling.col.{column}" in i18n.LABELS


def test_story_cells_carry_the_headings_and_the_brief_prints_the_title():
    nb = load_notebook(NAME)
    markdown = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert "hide-management" in markdown[0]["metadata"].get("tags", [])
    keys = [c["metadata"].get("i18n") for c in markdown]
    assert all(k and k.startswith("customer_profiling.md.") for k in keys)
    for cell, key in zip(markdown, keys, strict=True):
        assert "".join(cell["source"]).strip() == i18n.t(key, "en").strip()
        assert is_chinese(i18n.t(key, "zh")), key
    headings = [i18n.t(k, "en").split("\n", 1)[0] for k in keys]
    assert sum(h.startswith("## ") for h in headings) == 13
    assert sum(h.startswith("### ") for h in headings) == 4  # engagement, activity, lift, evidence
    code = code_of(nb)
    assert "# {t('notebook.customer_profiling')}" not in code
    assert 'display(Markdown(f"## ' not in code and 'display(Markdown(f"### ' not in code
    last = nb["cells"][-1]
    assert "summary" in last["metadata"].get("tags", [])
    assert 'brief(log, t("notebook.customer_profiling")' in "".join(last["source"])
    assert "plt.show()" not in code


def test_story_cells_keep_the_management_page():
    # the management page shows the same sections as before: ICP, fit, matrix and targets;
    # loading and the look-alike model sit in the method section
    tags = {c["metadata"]["i18n"].removeprefix("customer_profiling.md."): c["metadata"].get("tags", [])
            for c in load_notebook(NAME)["cells"] if c["cell_type"] == "markdown"}
    assert [k for k, v in tags.items() if not v] == ["icp", "fit", "matrix", "targets"]
    assert [k for k, v in tags.items() if v == ["method"]] == ["loading", "model"]


def test_parameters_resolve_first():
    code = [c for c in load_notebook(NAME)["cells"] if c["cell_type"] == "code"]
    first = "".join(code[1]["source"])
    assert 'interactive.project_parameters("customer_profiling", globals())' in first
    assert "method" in code[1]["metadata"].get("tags", [])
    assert "partial(i18n.t" not in first


def test_list_and_weekday_helpers():
    assert profiling.format_list(["a", "b", "c"]) == "a, b and c"
    assert profiling.format_list(["a", "b", "c"], "zh") == "a、b和c"
    assert profiling.weekday_name(2) == "Wednesday"
    assert profiling.weekday_name("Wednesday", "zh") == "星期三"
    assert profiling.weekday_name(6, "zh", short=True) == "周日"
    assert [profiling.weekday_name(d, short=True) for d in range(7)] == [w[:3] for w in profiling.WEEKDAYS]


def test_describe_best_switches_language():
    for definition, text in icp.BEST_DEFINITIONS.items():
        assert icp.describe_best(definition, 0.2) == text.format(share="20%")
        assert i18n.t(f"customer_profiling.best.{definition}", "en", share="20%") == text.format(share="20%")
        assert is_chinese(icp.describe_best(definition, 0.2, language="zh"))
    assert "20%" in icp.describe_best("margin", 0.2, language="zh")


@pytest.fixture
def lift():
    return pd.DataFrame({
        "attribute": ["industry", "industry", "size_band", "size_band", "region"],
        "value": ["Logistics", "Technology", "large", "small", "DACH"],
        "lift": [1.9, 1.7, 2.1, 0.1, 1.0],
        "ci_low": [1.5, 1.3, 1.6, 0.05, 0.8],
        "ci_high": [2.4, 2.2, 2.7, 0.2, 1.2],
        "supported": [True, True, True, True, True],
        "direction": ["over", "over", "over", "under", "unclear"],
    })


def test_icp_statement_keeps_english_and_speaks_chinese(lift):
    assert icp.icp_statement(lift, "top 20% of accounts by gross margin") == (
        "Our best customers (top 20% of accounts by gross margin) are over-represented in "
        "size band **large** (2.1×); industry **Logistics** (1.9×) and **Technology** (1.7×). "
        "The multiplier compares how often the value occurs among the best customers with the "
        "rest. They are rarely size band **small** (0.1×).")
    zh = icp.icp_statement(lift, icp.describe_best("margin", 0.2, language="zh"), language="zh")
    assert zh.startswith("我们的最佳客户（毛利排名前 20% 的客户）集中在：规模档为 **large**（2.1×）；")
    assert "行业为 **Logistics**（1.9×）和**Technology**（1.7×）" in zh
    assert "他们很少是规模档为 **small**（0.1×）。" in zh
    none = icp.icp_statement(lift.assign(direction="unclear"), "x", language="zh")
    assert is_chinese(none) and "no distinct ICP" not in none
    assert "no distinct ICP" in icp.icp_statement(lift.assign(direction="unclear"), "x")


def test_quadrants_switch_language_and_keep_their_codes():
    matrix = pd.DataFrame({"high_fit": [True, True, False, False, True],
                           "high_engagement": [True, False, True, False, False]})
    en = icp.quadrant_summary(matrix)
    assert list(en.quadrant) == [name for name, _ in icp.QUADRANTS.values()]
    assert list(en.action) == [action for _, action in icp.QUADRANTS.values()]
    zh = icp.quadrant_summary(matrix, language="zh")
    assert all(is_chinese(q) and is_chinese(a) for q, a in zip(zh.quadrant, zh.action, strict=True))
    assert list(zh.fit) == list(en.fit) and list(zh.accounts) == list(en.accounts)
    for (hf, he), (name, action) in icp.QUADRANTS.items():
        key = f"{'high' if hf else 'low'}_fit_{'high' if he else 'low'}_engagement"
        assert i18n.t(f"customer_profiling.quadrant.{key}") == name
        assert i18n.t(f"customer_profiling.action.{key}") == action
    plotting.apply_report_style()
    ax = icp.plot_fit_engagement(zh, language="zh")
    assert all(is_chinese(label.get_text()) for label in ax.get_xticklabels())
    assert any("家客户" in text.get_text() for text in ax.texts)
    plt.close("all")


def test_charts_label_in_chinese(lift):
    plotting.apply_report_style()  # the report font has the Chinese glyphs
    profile = pd.DataFrame({"segment": ["a", "b"], "account_share": [0.6, 0.4],
                            "revenue_share": [0.7, 0.3], "margin_share": [0.5, 0.5]})
    ax = profiling.plot_profile_shares(profile)
    assert ax.get_xlabel() == "share of total (%)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["accounts", "revenue", "margin"]
    ax = profiling.plot_profile_shares(profile, language="zh")
    assert is_chinese(ax.get_xlabel()) and all(is_chinese(t.get_text()) for t in ax.get_legend().get_texts())
    activity = pd.DataFrame({"channel": "email", "weekday": np.repeat(np.arange(7), 24),
                             "hour": np.tile(np.arange(24), 7), "interactions": 1})
    ax = profiling.plot_activity_heatmap(activity, language="zh")
    assert is_chinese(ax.get_xlabel()) and [t.get_text() for t in ax.get_yticklabels()][0] == "周一"
    pains = pd.DataFrame({"segment": ["All", "All", "x", "x"], "pain_point": ["price", "speed"] * 2,
                          "share": [0.5, 0.3, 0.6, 0.2], "rank": [1, 2, 1, 2], "responses": [100] * 4})
    ax = profiling.plot_pain_points(pains, language="zh")
    assert is_chinese(ax.get_xlabel()) and [t.get_text() for t in ax.get_yticklabels()][0] == "全部"
    ax = icp.plot_lift(lift, language="zh")
    assert is_chinese(ax.get_xlabel()) and any(t.get_text().startswith("行业: ") for t in ax.get_yticklabels())
    assert icp.attribute_label("industry × size_band", "zh") == "行业 × 规模档"
    assert icp.attribute_label("industry × size_band") == "industry × size band"
    plt.close("all")


def test_gate_reasons_and_rules_speak_chinese():
    f = pd.DataFrame({"account_id": ["A", "B", "C", "D"],
                      "industry": ["Retail", "Public Sector", None, "Energy"],
                      "employees": pd.array([50, 500, 5, None], dtype="Int64"),
                      "is_competitor_customer": [True, False, True, False]})
    gates = ["employees at least 10", "industry not in Public Sector"]
    en = icp.mcp_check(f, gates)
    assert en.loc[1, "mcp_reasons"] == "industry is Public Sector (gate: industry not in Public Sector)"
    zh = icp.mcp_check(f, gates, language="zh")
    assert zh["mcp_pass"].tolist() == en["mcp_pass"].tolist() == [True, False, False, False]
    assert zh.loc[1, "mcp_reasons"] == "行业为 Public Sector（门槛：行业不属于 Public Sector）"
    assert zh.loc[2, "mcp_reasons"] == "员工人数为 5（门槛：员工人数至少 10）；行业未知（门槛：行业不属于 Public Sector）"
    assert "gate" not in "".join(zh["mcp_reasons"])
    rule = icp.parse_rule("is_competitor_customer is true", f)
    assert icp.rule_label(rule) == "is_competitor_customer is true"
    assert icp.rule_label(rule, "zh") == "是否为竞争对手客户为 是"
    failures = icp.gate_failures(f, gates, language="zh")
    assert failures.to_dict() == {"员工人数至少 10": 2, "行业不属于 Public Sector": 2}
    assert icp.gate_failures(f, gates).to_dict() == {gate: 2 for gate in gates}
    scores = pd.DataFrame({"account_id": f.account_id, "fit_score": [50.0, np.nan, np.nan, np.nan],
                           "fit_bucket": ["Strong", "Excluded", "Excluded", "Excluded"],
                           "mcp_pass": zh["mcp_pass"], "mcp_reasons": zh["mcp_reasons"]})
    assert icp.account_profiles(scores, language="zh").top_reasons[1].startswith("最低门槛：行业为")
    assert icp.account_profiles(scores).top_reasons[1].startswith("MCP: ")


def test_icp_table_and_summary_finding(lift):
    from helpers.presentation.findings import FindingLog

    lift = lift.assign(best_accounts=[40, 30, 50, 2, 20], share_of_best=[0.2, 0.15, 0.25, 0.01, 0.1],
                       share_of_rest=[0.1, 0.09, 0.12, 0.1, 0.1], p_value=[0.001, 0.002, 0.0001, 0.001, 0.5],
                       accounts=[200, 180, 220, 100, 150])
    zh = icp.icp_table(lift, language="zh")
    assert list(zh.columns) == ["attribute", "value", "best_accounts", "share_of_best", "share_of_rest", "lift"]
    assert zh.attribute.tolist() == ["规模档", "行业", "行业"] and zh.value.tolist()[0] == "large"
    assert icp.icp_table(lift.assign(direction="unclear")).empty
    log = FindingLog("customer_profiling", alpha=0.05, language="zh")
    found = icp.icp_findings(lift, log, "最佳", language="zh")
    one = icp.icp_summary(found, lift, "最佳", language="zh")
    assert one.stated and one.action and is_chinese(one.text)
    assert one.text.index("large") < one.text.index("Logistics")  # strongest lift first
    assert icp.icp_summary([], lift.iloc[:0], "x") is None


def test_chart_alt_names_the_largest_value():
    values = pd.Series({"Logistics": 1.2e6, "Retail": 3.4e6, "Energy": np.nan})
    assert profiling.chart_alt("bar", "Whitespace potential by product line", values, unit=" EUR") == (
        "Bar chart of whitespace potential by product line; the largest is Retail at 3,400,000 EUR.")
    zh = profiling.chart_alt("heatmap", "痛点", values, language="zh", detail="细节")
    assert zh == "痛点的热力图；最大的是Retail，为 3,400,000；细节。"
    assert profiling.chart_alt("scatter", "Model against scorecard") == "Scatter plot of model against scorecard."
    with pytest.raises(ValueError):
        profiling.chart_alt("pie", "x")
    peaks = pd.DataFrame({"channel": ["email", "all"], "peak_weekday": [1, 2], "weekday_share": [0.3, 0.2]})
    assert profiling.peak_detail(peaks) == "email peaks on Tuesday with 30% of its interactions"
    assert profiling.peak_detail(peaks, "zh", rename={"email": "邮件"}) == "邮件的高峰在星期二，占其互动的 30%"
    assert profiling.peak_detail(peaks.iloc[:0]) == ""
