"""Report language of the customer segmentation: its texts exist in both languages and the
lifecycle and cluster helpers speak Chinese when asked."""

from __future__ import annotations

import pandas as pd
from notebook_text import BUILT, CJK, KEY, code_of, has_both, load_notebook, notebook_code

from helpers.analysis import lifecycle, segmentation
from helpers.presentation import i18n

NAME = "customer_segmentation"


def _story_keys(nb: dict) -> list[str]:
    return [c["metadata"].get(i18n.MARKDOWN_KEY) for c in nb["cells"] if c["cell_type"] == "markdown"]


def test_every_literal_key_of_the_notebook_has_both_languages():
    nb = load_notebook(NAME)
    literal = set(KEY.findall(code_of(nb))) | set(_story_keys(nb))
    assert len(literal) > 30
    assert sorted(k for k in literal if k not in i18n.LABELS) == []
    for key in literal:
        entry = i18n.LABELS[key]
        assert entry.get("en") and entry.get("zh"), key
        assert key == "notebook.customer_segmentation" or key.startswith("customer_segmentation."), key


def test_keys_built_from_names_exist():
    # the notebook builds no key from a name; its helpers build column and criterion keys
    assert set(BUILT.findall(notebook_code(NAME))) <= {"customer_segmentation.col.", "customer_segmentation.criterion."}
    columns = ["segment", "accounts", "account_share", "revenue_12m", "revenue_share", "margin_total",
               "margin_rate", "growth", "precedence", "stage", "rule", "action", "objective", "channels",
               "content", "k", "silhouette", "calinski_harabasz", "davies_bouldin", "min_share", "eligible",
               "score", "chosen", "share", "at_risk_share", "cluster", "orders_per_year", "revenue_per_year",
               "stage_before", "rest_share", "p_adjusted", "survives"]
    for column in columns:
        assert CJK.search(i18n.t(f"customer_segmentation.col.{column}", "zh")), column
    for criterion in segmentation.CRITERIA:
        assert CJK.search(i18n.t(f"customer_segmentation.criterion.{criterion}", "zh")), criterion


def test_the_report_is_a_brief_with_the_method_at_the_end():
    nb = load_notebook(NAME)
    markdown = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    title = markdown[0]
    assert nb["cells"][0] is title and "hide-management" in title["metadata"].get("tags", [])
    assert title["metadata"][i18n.MARKDOWN_KEY] == "customer_segmentation.md.title"
    assert "".join(title["source"]).startswith("# ")
    # every other markdown cell is a story cell: heading and question, in the report's language at run time
    keys = _story_keys(nb)
    assert all(k and k.startswith("customer_segmentation.md.") for k in keys) and len(set(keys)) == len(keys)
    assert sum("".join(c["source"]).startswith("## ") for c in markdown) >= 4
    code = code_of(nb)
    assert "## {t(" not in code and "# {t('notebook.customer_segmentation')}" not in code
    # the parameters of the scheduled run, first thing after the parameters cell, out of the managers' view
    first = [c for c in nb["cells"] if c["cell_type"] == "code"][1]
    assert 'interactive.project_parameters("customer_segmentation", globals())' in "".join(first["source"])
    assert "method" in first["metadata"].get("tags", [])
    last = nb["cells"][-1]
    assert last["metadata"].get("tags") == ["summary"]
    assert "findings.brief(log, t(\"notebook.customer_segmentation\")" in "".join(last["source"])
    assert 'findings.FindingLog("customer_segmentation"' in code and code.count("outputs.record_findings(log.name, log.records(), output_dir)") == 1
    assert code.count("record_findings(") == code.count("outputs.record_findings(log.name, log.records(")
    assert "plt.show()" not in code and code.count("plotting.show(") >= 6
    assert ".style" not in code  # every table is a people_table
    method = ["".join(c["source"]) for c in nb["cells"] if "method" in c["metadata"].get("tags", [])]
    assert any("customer_segmentation.loaded" in m for m in method)
    assert any("plot_k_selection" in m for m in method)
    evidence = [c for c in nb["cells"] if "log.evidence()" in "".join(c["source"])]
    assert len(evidence) == 1 and "hide-management" in evidence[0]["metadata"].get("tags", [])
    for cell in nb["cells"]:
        assert cell.get("id")
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_story_cells_carry_the_tags_of_their_section():
    """A heading shows on the same pages as the cells under it."""
    nb = load_notebook(NAME)
    # the loading steps print nothing; untagged as before, so whatever they show stays where it was
    setup = {"setup", "setup-analysis", "setup-labels"}
    section_tags = None
    for cell in nb["cells"][2:]:
        tags = set(cell["metadata"].get("tags", [])) & {"method", "hide-management"}
        if cell["cell_type"] == "markdown":
            section_tags = tags
        elif section_tags is not None and "summary" not in cell["metadata"].get("tags", []) \
                and cell["id"] not in setup:
            assert tags == section_tags or not section_tags, (cell["id"], tags, section_tags)


def test_every_finding_of_the_log_carries_an_action():
    import inspect

    steps = [lifecycle.stage_findings, segmentation.log_cluster_risk, segmentation.log_cluster_trends,
             segmentation.log_segment_growth]
    code = notebook_code(NAME) + "\n".join(inspect.getsource(f) for f in steps)
    assert code.count("findings.fact(") >= 3 and code.count("log.family(") == 3
    for call in ("findings.fact(", "log.family("):
        for chunk in code.split(call)[1:]:
            assert "action" in chunk[:900], chunk[:200]
    for key in ("action.stage_mix", "action.stage_mix_provisional", "action.migration",
                "action.migration_none", "action.segment_up", "action.segment_down",
                "action.cluster_risk", "action.cluster_healthy", "action.trend_up", "action.trend_down"):
        assert has_both(f"customer_segmentation.{key}"), key


def test_counts_in_sentences_read_for_one_as_for_many():
    for key, values in {"rule.family": {"n": 1}, "cross.family": {"k": 1},
                        "finding.trend_none": {"n": 1}, "rule.growth_none": {"n": 1}}.items():
        text = i18n.t(f"customer_segmentation.{key}", "en", **values)
        assert "1 segments" not in text and "1 clusters" not in text, text


def test_stage_rules_and_playbooks_in_chinese_keep_the_english_default():
    assert lifecycle.stage_label("churned") == "churned"
    assert lifecycle.stage_label(lifecycle.ENTRANT) == lifecycle.ENTRANT
    for stage in (*lifecycle.STAGES, lifecycle.ENTRANT):
        assert CJK.search(lifecycle.stage_label(stage, "zh")), stage
    rules_en = lifecycle.describe_rules()
    assert rules_en.set_index("stage").loc["new", "rule"] == "first order within the last 180 days"
    rules_zh = lifecycle.describe_rules({"growth": {"enabled": False}}, language="zh")
    assert list(rules_zh.stage) == list(lifecycle.PRECEDENCE)
    assert all(CJK.search(r) for r in rules_zh.rule)
    assert rules_zh.set_index("stage").loc["growth", "rule"] == "（已停用）"
    books_en = lifecycle.playbook_table().set_index("stage")
    assert books_en.loc["churned", "action"] == "Win back"
    assert books_en.loc["prospect", "channels"] == "social, search"
    custom = {"churned": {"action": "Call the owner", "channels": ["phone", "visit"]}}
    books_zh = lifecycle.playbook_table(custom, language="zh").set_index("stage")
    for stage in lifecycle.STAGES:
        if stage != "churned":
            assert all(CJK.search(books_zh.loc[stage, k]) for k in ("action", "objective", "channels",
                                                                     "content")), stage
    # texts set in the parameters are shown as given
    assert books_zh.loc["churned", "action"] == "Call the owner"
    assert books_zh.loc["churned", "channels"] == "phone、visit"
    assert CJK.search(books_zh.loc["churned", "content"])
    actions = lifecycle.recommend_actions(pd.DataFrame({"account_id": ["A"], "stage": ["mature"]}),
                                          language="zh")
    assert actions.action.iloc[0] == "回馈忠诚客户"


def test_cluster_names_and_labels_in_chinese():
    z = pd.DataFrame({"revenue_per_year": [1.5, -0.2, -1.0], "share_email": [0.9, -0.8, 0.1],
                      "order_trend": [0.6, 0.0, -0.9], "recency_days": [0.1, 0.0, 1.2]})
    assert segmentation.name_clusters(z) == {
        0: "high-value, email-engaged, growing", 1: "average profile", 2: "lapsed, low-value, shrinking"}
    names = segmentation.name_clusters(z, language="zh")
    assert names == {0: "高价值、偏好邮件、采购增长", 1: "平均画像", 2: "久未下单、低价值、采购萎缩"}
    odd = pd.DataFrame({"mystery": [1.0, -1.0]})
    assert segmentation.name_clusters(odd) == {0: "high mystery", 1: "low mystery"}
    assert all(CJK.search(n) for n in segmentation.name_clusters(odd, language="zh").values())
    assert segmentation.segment_label("Retail · small · growth") == "Retail · small · growth"
    assert segmentation.segment_label("Retail · small · growth", "zh") == "Retail · 小型 · 成长期"
    assert segmentation.segment_label(segmentation.OTHER, "zh") == "其他"
    assert segmentation.feature_label("share_trade_show") == "share trade show"
    assert segmentation.feature_label("share_trade_show", "zh") == "展会占比"
    for feature in segmentation.FEATURE_WORDS:
        assert CJK.search(segmentation.feature_label(feature, "zh")), feature
