"""Report language of the customer value report: its texts exist in both languages and the
RFM, CLV and key-account helpers speak Chinese when asked."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from notebook_text import CJK, KEY, code_of, load_notebook, notebook_code

from helpers.analysis import clv, key_accounts, rfm
from helpers.presentation import i18n

NAME = "customer_value"
# This notebook also builds keys from names: t(f"customer_value.change.{change}"), and the
# people tables read customer_value.col.<column>.
BUILT = re.compile(r"""\bt\(\s*f?["']([a-z_.]*\.)["{]""")


def test_every_literal_key_of_the_notebook_has_both_languages():
    literal = set(KEY.findall(notebook_code(NAME)))
    assert len(literal) > 40
    assert sorted(k for k in literal if k not in i18n.LABELS) == []
    for key in literal:
        entry = i18n.LABELS[key]
        assert entry.get("en") and entry.get("zh"), key
        assert key == "notebook.customer_value" or key.startswith(
            ("customer_value.", "capabilities.", "findings.")), key


def test_keys_built_from_names_exist():
    code = notebook_code(NAME)
    prefixes = set(BUILT.findall(code))
    assert prefixes == {"customer_value.change.", "customer_value.fit_source.", "customer_value.value_name."}
    assert 'tables.labelled_table, "customer_value.col"' in code  # table headers: customer_value.col.<column>
    for value in ("profit_clv", "clv"):  # key_accounts.value_column
        assert CJK.search(i18n.t(f"customer_value.value_name.{value}", "zh"))
    columns = ["segment", "accounts", "account_share", "monetary", "monetary_share", "median_recency_days",
               "model", "parameter", "estimate", "std_error", "ci_low", "ci_high", "account_name", "industry",
               "clv", "margin_rate", "cost_rate", "profit_clv", "clv_cac", "group", "value", "share",
               "value_at_risk", "at_risk_share", "value_tier", "value_share", "min_value", "rank", "p_alive",
               "fit_score", "reason", "account_id", "change", "why", "clv_range", "acquisition_channel",
               "median_clv_cac", "share_above_3", "lift", "p_adjusted", "survives"]
    for column in columns:
        value = i18n.t("customer_value.value_name.profit_clv", "zh")  # value columns name their value
        assert CJK.search(i18n.t(f"customer_value.col.{column}", "zh", value=value, level="90%")), column
    for change in ("promoted", "kept", "demoted"):
        assert CJK.search(i18n.t(f"customer_value.change.{change}", "zh"))
    for source in ("firmographic look-alike", "supplied", "none"):  # key_accounts.fit._fit_score_column
        assert CJK.search(i18n.t("customer_value.fit_source." + source.split()[0], "zh"))


def test_story_cells_carry_the_headings_and_findings_are_recorded():
    nb = load_notebook(NAME)
    markdown = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert "hide-management" in markdown[0]["metadata"].get("tags", [])
    # every section heading is a story cell with a locale key in both languages, none printed from code
    keys = [c["metadata"].get("i18n") for c in markdown]
    assert all(k and k.startswith("customer_value.md.") for k in keys), keys
    for key in keys:
        assert CJK.search(i18n.t(key, "zh")), key
    headings = [k for k in keys if i18n.t(k, "en").startswith("## ")]
    assert len(headings) >= 12
    code = code_of(nb)
    assert "## {t(" not in code
    # the scheduled run's parameters first, before anything uses them
    first = "".join([c for c in nb["cells"] if c["cell_type"] == "code"][1]["source"])
    assert 'interactive.project_parameters("customer_value", globals())' in first
    # the answer first: the last cell is the brief (moved to the top by the renderer), which prints the title
    assert "# {t('notebook.customer_value')}" not in code
    last = nb["cells"][-1]
    assert last["metadata"].get("tags") == ["summary"]
    assert 'findings.brief(log, t("notebook.customer_value")' in "".join(last["source"])
    tags = [c["metadata"].get("tags", []) for c in nb["cells"]]
    method = ["".join(c["source"]) for c, tag in zip(nb["cells"], tags, strict=True) if "method" in tag]
    assert any("result.parameters" in m for m in method) and any("project_parameters" in m for m in method)
    loading = next(c for c in markdown if c["metadata"]["i18n"] == "customer_value.md.loading")
    assert "method" in loading["metadata"]["tags"]
    # every table goes through the people table, every chart through plotting.show
    management = "".join("".join(c["source"]) for c, tag in zip(nb["cells"], tags, strict=True)
                         if c["cell_type"] == "code" and "hide-management" not in tag)
    assert ".style.format(" not in management and "plt.show()" not in code
    assert code.count("plotting.show(") >= 8
    # findings go through one log with their evidence; the evidence table is analyst-only
    assert 'findings.FindingLog("customer_value"' in code and code.count("outputs.record_findings(log.name, log.records(), out_dir)") == 1
    assert code.count("record_findings(") == code.count("outputs.record_findings(log.name, log.records(")
    evidence = [c for c in nb["cells"] if "log.evidence()" in "".join(c["source"])]
    assert len(evidence) == 1 and "hide-management" in evidence[0]["metadata"].get("tags", [])
    story = next(c for c in markdown if c["metadata"]["i18n"] == "customer_value.md.evidence")
    assert "hide-management" in story["metadata"]["tags"]
    assert "fillna(0" not in code  # an unknown number is never read as zero
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_segment_tier_stage_and_method_labels():
    for name in [*rfm.DEFAULT_SEGMENTS, rfm.NO_PURCHASES, rfm.OTHER, rfm.NOT_DUE]:
        assert rfm.segment_label(name) == name
        assert CJK.search(rfm.segment_label(name, "zh")), name
    assert rfm.segment_label("Our own name", "zh") == "Our own name"
    for tier in key_accounts.VALUE_TIERS:
        assert key_accounts.value_label("tier", tier) == tier
        assert CJK.search(key_accounts.value_label("tier", tier, "zh")), tier
    for stage in ("prospect", "new", "lapsing", "growth", "declining", "mature"):
        assert CJK.search(key_accounts.value_label("stage", stage, "zh")), stage
    for method in (clv.METHOD_MODEL, clv.METHOD_OBSERVED_SPEND, clv.METHOD_HISTORICAL):
        assert clv.method_label(method) == method
        assert CJK.search(clv.method_label(method, "zh")), method


def test_clv_fallback_note_in_chinese():
    summary = pd.DataFrame({
        "account_id": ["A", "B", "C"], "purchases": [1, 2, 3], "frequency": [0, 1, 2],
        "recency": [0.0, 3.0, 10.0], "T": [20.0, 20.0, 20.0], "monetary_value": [np.nan, 50.0, 70.0],
        "mean_order_value": [40.0, 45.0, 60.0],
    })
    en = clv.fit_clv(summary, horizon_months=12, monthly_discount_rate=0.0)
    assert en.message == (
        "Too few repeat buyers for the probabilistic model: the BG/NBD model needs at least 20 "
        "customers and 10 repeat buyers; the data has 3 customers and 2 repeat buyers. CLV below is a "
        "historical average without a churn model.")
    zh = clv.fit_clv(summary, horizon_months=12, monthly_discount_rate=0.0, language="zh")
    assert CJK.search(zh.message) and "3 家客户" in zh.message and "Too few" not in zh.message
    assert "BG/NBD model" not in zh.message


def test_next_actions_and_dossier_in_chinese():
    profile = {"rank": 1, "account_id": "A1", "account_name": "Acme", "industry": "Retail",
               "size_band": "large", "region": "Nordics", "owner": "Ann", "stage": "declining",
               "value_tier": "strategic", "profit_clv": 1000.0, "clv": 2000.0, "p_alive": 0.3,
               "revenue_12m": 500.0, "revenue_growth": -0.5, "opp_open": 2, "pipeline_open_amount": 300.0,
               "nps": 4, "pain_points": "price;support", "product_lines": 1, "trend_sparkline": "▁▃█",
               "trend_months": 24, "trend_peak": 400.0}
    en = key_accounts.next_actions(profile, "EUR", limit=10)
    assert en[0] == "Buying has slowed (P(alive) 30%): book an executive check-in within 30 days."
    assert en[-1] == "Buys from 1 product line: run a cross-sell workshop."
    zh = key_accounts.next_actions(profile, "EUR", limit=10, language="zh")
    assert len(zh) == len(en) and all(CJK.search(a) for a in zh)
    assert "price, support" in zh[1] and "300 EUR" in zh[3]
    text = key_accounts.dossier_markdown({**profile, "actions": zh}, "EUR", language="zh")
    assert text.startswith("### 1. Acme")
    for part in ("**概况**", "衰退期", "战略", "大型", "**价值**", "**商机**", "**反馈**", "**下一步行动**", "痛点"):
        assert part in text, part
    english = key_accounts.dossier_markdown({**profile, "actions": en}, "EUR")
    assert "**Profile:** Retail, large, Nordics; owner Ann; stage **declining**; tier **strategic**." in english
    assert not CJK.search(english)


def test_key_account_reasons_and_changes_in_chinese():
    accounts = pd.DataFrame({
        "account_id": ["A", "B", "C"], "account_name": ["Alpha", "Beta", "Gamma"],
        "industry": ["Retail", "Retail", "Energy"], "profit_clv": [90_000.0, 70_000.0, 10.0],
        "clv": [100_000.0, 80_000.0, 20.0], "p_alive": [0.9, 0.8, 0.9], "fit_score": [0.9, 0.7, 0.9],
    })
    criteria = {"capacity": 5, "min_clv": 50_000}
    en = key_accounts.select_key_accounts(accounts, criteria, currency="EUR")
    assert en.reason.iloc[0] == ("profit CLV 90,000 EUR >= 50,000; fit 0.90 >= 0.50; "
                                 "P(alive) 90% >= 50%; rank 1 of 2 eligible")
    zh = key_accounts.select_key_accounts(accounts, criteria, currency="EUR", language="zh")
    assert list(zh.account_id) == list(en.account_id)
    assert all(CJK.search(r) for r in zh.reason) and "90,000 EUR" in zh.reason.iloc[0]
    no_fit = accounts.drop(columns=["fit_score"])
    assert CJK.search(key_accounts.select_key_accounts(no_fit, criteria, language="zh").attrs["notes"][0])
    previous = pd.DataFrame({"account_id": ["A", "C", "Z"]})
    changes = key_accounts.compare_with_previous(zh, previous, accounts, language="zh")
    assert set(changes.change) == {"promoted", "kept", "demoted"}
    assert all(CJK.search(w) for w in changes.why)
    changes_en = key_accounts.compare_with_previous(en, previous, accounts)
    assert set(changes_en.why) == {"rank 1 now", "rank 2 now", "fails min_clv", "no longer in the data"}


def test_gated_texts_and_fallbacks_in_chinese():
    values = {"buyers": "219", "repeat": "42", "months": 36, "orders": "3,338", "value": "1 EUR"}
    for key in ("customer_value.clv.summary_fallback", "customer_value.finding.clv_model",
                "customer_value.gate.clv_model", "customer_value.tiers.fallback",
                "customer_value.action.at_risk", "customer_value.action.key_accounts",
                "customer_value.action.concentration", "customer_value.rfm.no_alarm_overdue",
                "customer_value.rfm.no_alarm_rhythm", "customer_value.gate.at_risk",
                "customer_value.rfm.not_due_note", "customer_value.md.evidence"):
        text = i18n.t(key, "zh", method="m", factor="2", gap="30", days="120", segment="s",
                      accounts="3", **values)
        assert CJK.search(text) and "{" not in text, key
    en = i18n.t("customer_value.clv.summary_fallback", "en", **values)
    assert "historical average" in en and "Labelled fallback" in en
    summary = pd.DataFrame({
        "account_id": [f"A{i}" for i in range(40)], "purchases": 2, "frequency": 1.0,
        "recency": 10.0, "T": 20.0, "monetary_value": 50.0, "mean_order_value": 50.0})
    check = clv.HoldoutCheck(pd.DataFrame(), total_error=0.8)
    zh = clv.fit_clv(summary, horizon_months=12, min_repeat_buyers=10, holdout=check, language="zh")
    assert zh.method == clv.METHOD_HISTORICAL and CJK.search(zh.message)


def test_new_views_speak_chinese_and_the_stage_words_match_the_segmentation():
    for stage in ("prospect", "new", "growth", "mature", "declining"):
        for language in ("en", "zh"):
            assert i18n.t(f"customer_value.stage.{stage}", language) == i18n.t(
                f"customer_value.stage.{stage}".replace("customer_value", "customer_segmentation"), language)
    values = {"months": 36, "T": 48, "max_f": 20, "top": "12.5", "low": "2%", "date": "2025-12-30",
              "predicted": "1,000", "actual": "1,100", "error": "-9%", "start": "2022-01-31", "end": "2026-06-30",
              "buckets": 8, "channels": 7, "channel": "搜索", "value": "利润", "accounts": "1,000", "top10": "30%",
              "gini": "0.7", "tier": "战略", "amount": "3M", "currency": "EUR", "n": 12, "peak": "2M", "account": "A",
              "buyers": "1,181", "gone": "12", "median": "20K", "draws": "2,000", "level": "90%", "r": 5, "f": 5}
    keys = [k for k in i18n.LABELS if k.startswith(("customer_value.alt.", "customer_value.caption.",
                                                     "customer_value.method_text.", "customer_value.channel."))]
    keys += ["customer_value.views.fallback", "customer_value.key.ranges", "customer_value.key.more_in_analyst",
             "customer_value.criteria.no_fit_signal", "customer_value.action.clv_model",
             *(f"customer_value.chart.{k}" for k in ("matrix_expected_title", "matrix_alive_title", "matrix_x",
                                                     "matrix_y", "cumulative_title", "cumulative_y", "model_line",
                                                     "calibration_end"))]
    assert len(keys) > 30
    for key in keys:
        text = i18n.t(key, "zh", **values)
        assert CJK.search(text) and "{" not in text, key
        assert not CJK.search(i18n.t(key, "en", **values).replace("搜索", "").replace("利润", "").replace("战略", "")), key
    assert key_accounts.value_label("channel", "trade_show", "zh") == "展会"
    assert key_accounts.value_label("channel", "cold_calls") == "cold calls"
    assert key_accounts.format_range(3_300_000, 7_400_000) == "3.3M – 7.4M"
    assert key_accounts.format_range(0, 7_400_000, "zh") == "0 – 740万"
    assert key_accounts.format_range(float("nan"), 1.0) == "–"
