"""Report language of the data overview: its texts exist in both languages and the
data-health sentences switch to Chinese."""

from __future__ import annotations

import pandas as pd
from notebook_text import CJK, KEY, code_of, load_notebook, notebook_code

from helpers import data_health, i18n
from helpers.contract import ANALYSIS_NEEDS, CONTRACT

NAME = "data_overview"


def test_every_literal_key_of_the_notebook_has_both_languages():
    literal = set(KEY.findall(notebook_code(NAME)))
    assert len(literal) > 20  # the rest are built by helpers.data_health
    assert sorted(k for k in literal if k not in i18n.LABELS) == []
    for key in literal:
        entry = i18n.LABELS[key]
        assert entry.get("en") and entry.get("zh"), key
        assert key == "notebook.data_overview" or key.startswith("data_overview."), key


def test_headings_come_from_code_and_the_english_title_is_hidden_from_management():
    nb = load_notebook(NAME)
    markdown = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert len(markdown) == 1 and "hide-management" in markdown[0]["metadata"].get("tags", [])
    code = code_of(nb)
    assert "# {t('notebook.data_overview')}" in code
    assert code.count('display(Markdown(f"## {t(') == 6


def test_every_table_and_analysis_has_a_chinese_label():
    for name in CONTRACT:
        assert CJK.search(data_health.table_label(name, "zh")), name
        assert data_health.table_label(name) == name
    for analysis in ANALYSIS_NEEDS:
        assert CJK.search(data_health.analysis_label(analysis, "zh")), analysis
        assert data_health.analysis_label(analysis) == analysis
    assert data_health.analysis_label("a new analysis", "zh") == "a new analysis"


def test_describe_support_switches_language_and_keeps_the_english_text():
    support = pd.DataFrame({
        "analysis": ["A/B tests", "win rates and sales cycle", "content evaluation"],
        "supported": [False, True, False],
        "missing_tables": ["interactions", "", "content, interactions"],
    })
    assert data_health.describe_support(support) == [
        "No interactions table: A/B tests will be skipped.",
        "No content, interactions table: content evaluation will be skipped.",
    ]
    zh = data_health.describe_support(support, language="zh")
    assert zh == [
        "缺少数据表 互动（interactions）：将跳过“A/B 测试”。",
        "缺少数据表 内容（content）、互动（interactions）：将跳过“内容评估”。",
    ]
    assert data_health.describe_support(support.assign(supported=True), language="zh") == []


def test_findings_are_facts_recorded_with_their_evidence():
    nb = load_notebook(NAME)
    code = code_of(nb)
    assert "record_findings" not in code
    assert 'findings.FindingLog("data_overview", alpha=finding_alpha' in code
    assert "_ = log.record(out_dir)" in code
    assert code.count("findings.fact(") == 3
    assert "findings.comparison(" not in code and "findings.gated(" not in code
    evidence = [c for c in nb["cells"] if "log.evidence()" in "".join(c["source"])]
    assert len(evidence) == 1
    assert "hide-management" in evidence[0]["metadata"].get("tags", [])
    for key in ("data_overview.heading.evidence", "data_overview.action.stale"):
        assert CJK.search(i18n.t(key, "zh", tables="x", days=1)), key
