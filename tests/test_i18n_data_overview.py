"""Report language of the data overview: its texts exist in both languages and the
data-health sentences switch to Chinese."""

from __future__ import annotations

import re

import pandas as pd
from notebook_text import CJK, KEY, code_of, load_notebook, notebook_code

from helpers.analysis import data_health
from helpers.data.contract import CONTRACT
from helpers.presentation import i18n

NAME = "data_overview"


def story_keys(nb: dict) -> list[str]:
    """The locale keys of the notebook's story (markdown) cells, in order."""
    return [c["metadata"]["i18n"] for c in nb["cells"]
            if c["cell_type"] == "markdown" and c["metadata"].get("i18n")]


def test_every_literal_key_of_the_notebook_has_both_languages():
    literal = set(KEY.findall(notebook_code(NAME))) | set(story_keys(load_notebook(NAME)))
    assert len(literal) > 12  # the rest are built by helpers.analysis.data_health
    assert sorted(k for k in literal if k not in i18n.LABELS) == []
    for key in literal:
        entry = i18n.LABELS[key]
        assert entry.get("en") and entry.get("zh"), key
        assert key == "notebook.data_overview" or key.startswith("data_overview."), key


def test_the_story_is_told_by_markdown_cells_in_both_languages():
    nb = load_notebook(NAME)
    assert story_keys(nb) == [f"data_overview.md.{s}" for s in (
        "title", "loading", "tables", "sources", "freshness", "validation", "distributions",
        "support", "analyses", "capabilities", "evidence")]
    tags = {c["metadata"]["i18n"]: c["metadata"].get("tags", []) for c in nb["cells"]
            if c["cell_type"] == "markdown"}
    assert tags["data_overview.md.title"] == ["hide-management"]
    assert tags["data_overview.md.loading"] == tags["data_overview.md.capabilities"] == ["method"]
    for analyst_only in ("sources", "analyses", "evidence"):  # before analyst-only cells
        assert tags[f"data_overview.md.{analyst_only}"] == ["hide-management"]
    assert tags["data_overview.md.tables"] == tags["data_overview.md.support"] == []
    for key in story_keys(nb)[1:]:
        en, zh = i18n.t(key, "en"), i18n.t(key, "zh")
        assert en.startswith("#") and "?" in en, key  # a heading and the question it answers
        assert zh.split("\n")[0].startswith("#") and CJK.search(zh) and "？" in zh, key
        assert not re.search("[A-Za-z]", zh), key
    code = code_of(nb)
    assert "# {t('notebook.data_overview')}" not in code  # the brief prints the title
    assert 'display(Markdown(f"#' not in code and "data_overview.heading." not in code


def test_the_notebook_resolves_the_scheduled_parameters_first():
    nb = load_notebook(NAME)
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    first = "".join(cells[1]["source"])
    assert 'interactive.project_parameters("data_overview", globals())' in first
    assert "method" in cells[1]["metadata"].get("tags", [])
    assert "language" not in first.split("project_parameters")[0]


def test_the_summary_is_the_last_cell_and_loading_is_method():
    nb = load_notebook(NAME)
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    last = cells[-1]
    assert last["metadata"].get("tags") == ["summary"]
    assert 'findings.brief(log, t("notebook.data_overview")' in "".join(last["source"])
    method = ["".join(c["source"]) for c in cells if "method" in c["metadata"].get("tags", [])]
    assert any("open_validated" in src for src in method)
    assert any("facts_frame" in src for src in method)
    code = code_of(nb)
    assert "plt.show()" not in code and code.count("plotting.show(") == 2
    # every management table goes through people_table; raw HTML only for the analyst evidence
    assert ".to_html(" not in code.replace("log.evidence().to_html(", "")


def test_every_table_has_a_chinese_label():
    for name in CONTRACT:
        assert CJK.search(data_health.table_label(name, "zh")), name
        assert data_health.table_label(name) == name
    for kinds in (data_health.TABLE_KINDS, data_health.COVERAGE_KINDS, data_health.FINDING_KINDS,
                  data_health.SUPPORT_KINDS):
        for col in kinds:
            assert CJK.search(i18n.t(f"data_overview.col.{col}", "zh")), col


def test_validation_rules_and_severities_read_as_words_in_both_languages():
    for rule in ("after_as_of", "outlier", "empty_column", "missing_column", "unknown_column"):
        assert "_" not in data_health.rule_label(rule)
        assert CJK.search(data_health.rule_label(rule, "zh")), rule
    assert data_health.rule_label("a_new_rule") == "a new rule"
    found = pd.DataFrame({"severity": ["warning"], "table": ["orders"], "column": [""],
                          "rule": ["outlier"], "count": [12], "message": ["m"], "examples": [""]})
    view = data_health.findings_view(found, "zh")
    assert view.iloc[0].tolist()[:4] == ["警告", "订单（orders）", None, "金额异常"]
    assert list(view.columns) == list(data_health.FINDING_KINDS)


def test_findings_are_facts_recorded_with_their_evidence():
    nb = load_notebook(NAME)
    code = code_of(nb)
    assert code.count("record_findings(") == code.count("outputs.record_findings(log.name, log.records(")
    assert 'findings.FindingLog("data_overview", alpha=finding_alpha' in code
    assert "log.add(*data_health.health_findings(" in code
    assert "_ = outputs.record_findings(log.name, log.records(), out_dir)" in code
    assert "findings.comparison(" not in code and "findings.gated(" not in code
    evidence = [c for c in nb["cells"] if "log.evidence()" in "".join(c["source"])]
    assert len(evidence) == 1
    assert "hide-management" in evidence[0]["metadata"].get("tags", [])
    for key in ("data_overview.md.evidence", "data_overview.action.stale",
                "data_overview.action.mapping", "data_overview.coverage.reading"):
        assert CJK.search(i18n.t(key, "zh", tables="x", days=1, columns="c", months=1,
                                 start="s", end="e", verdict="v")), key


def test_every_text_of_the_locale_is_used():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = (notebook_code(NAME) + " ".join(story_keys(load_notebook(NAME)))
            + " ".join(f.read_text(encoding="utf-8") for f in
                       sorted((root / "src/helpers/analysis/data_health").glob("*.py"))))
    built = ("data_overview.col.", "data_overview.table.", "data_overview.rule.",
             "data_overview.severity.", "data_overview.coverage.")
    unused = [k for k in i18n.LABELS if k.startswith("data_overview.") and k not in code
              and not k.startswith(built)]
    assert unused == []
