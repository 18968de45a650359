"""The portal as a management front page: executive summary, findings, links, language.

Most tests build run folders by hand; the last ones read the real KPI run of
:mod:`kpi_project` (one papermill run per session, shared with the browser tests).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from kpi_project import broken_links, kpi_run, strip_tags

from helpers.core.errors import WorkbookError
from helpers.report import history, outputs, portal, summary


def fake_run(reports: Path, run_id: str, notebooks: dict[str, dict], *, language: str = "en",
             as_of: str = "2026-06-30") -> Path:
    """A run folder as the runner writes it; ``notebooks`` maps name -> entry overrides."""
    folder = reports / run_id
    folder.mkdir(parents=True)
    (folder / "run.log").write_text("log\n", encoding="utf-8")
    record = {"run_id": run_id, "status": "ok", "started": f"{run_id[:8]}T06:00:00Z",
              "seconds": 30.0, "as_of": as_of, "company_name": "Fixture Industries",
              "language": language, "notebooks": {}}
    for name, extra in notebooks.items():
        status = extra.get("status", "ok")
        if status == "ok":
            files = {"management": f"{name}.html", "analyst": f"{name}.analyst.html",
                     "notebook": f"{name}.ipynb"}
        else:
            files = {"failed_notebook": f"{name}.failed.ipynb"}
            record["status"] = "failed"
        for f in files.values():
            (folder / f).write_text(f"{run_id} {f}", encoding="utf-8")
        record["notebooks"][name] = {"title": f"Title of {name}", "status": status,
                                     "seconds": 2.0, "error": None, "parameters": {},
                                     "headlines": {}, "findings": [], "files": files, **extra}
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return folder


KPI_CARDS = {"CAC": {"value": 1300, "unit": "EUR", "delta": 500, "better": "down"},
             "NPS": {"value": 20.0, "delta": 4.0},
             "Win rate": {"value": 30.0, "unit": "%"}}


@pytest.fixture()
def reports(tmp_path) -> Path:
    reports = tmp_path / "reports"
    fake_run(reports, "20260401T060000Z", {
        "kpi_monitoring": {"headlines": {"Win rate": {"value": 25.0, "unit": "%"}}},
        "customer_value": {"headlines": {"Key accounts": {"value": 40}}},
    }, as_of="2026-03-31")
    fake_run(reports, "20260701T060000Z", {
        "kpi_monitoring": {"headlines": KPI_CARDS, "findings": [
            {"text": "NPS is 20 in 2026-Q2, at or below the floor of 30.", "weight": 0.9},
            {"text": "CAC was 1,300 EUR.", "weight": 0.7},
            {"text": "A minor note.", "weight": 0.1}]},
        "customer_value": {"headlines": {"Key accounts": {"value": 48}}, "findings": [
            {"text": "Key accounts bring 61% of margin.", "weight": 0.6}]},
        "content": {"status": "failed", "error": "ValueError: boom"},
    })
    return reports


def test_portal_links_all_resolve(reports):
    fake_run(reports, "20260301T060000Z", {"budget": {}})  # only in an older run
    page = portal.build_portal(reports)
    assert broken_links(page) == []
    html = page.read_text(encoding="utf-8")
    for href in ("20260701T060000Z/kpi_monitoring.html", "20260701T060000Z/kpi_monitoring.analyst.html",
                 "20260701T060000Z/content.failed.ipynb", "20260301T060000Z/budget.html",
                 "20260701T060000Z/run.json", "20260701T060000Z/run.log"):
        assert f'href="{href}"' in html


def test_executive_summary_comes_first_with_key_figures_and_findings(reports):
    html = portal.build_portal(reports).read_text(encoding="utf-8")
    order = [html.index(s) for s in ("Executive summary", "Key figures", "Findings",
                                     "<h2>Reports</h2>", "Run history")]
    assert order == sorted(order)
    summary_part = html[html.index("Key figures"):html.index("Findings")]
    assert "1,300" in summary_part and "+500" in summary_part
    # CAC up is bad news, NPS up is good news
    assert 'wb-card-delta wb-down">+500' in summary_part
    assert 'wb-card-delta wb-up">+4' in summary_part
    # the win rate had no delta: the portal adds the change since the previous good run,
    # in percentage points for a card in percent
    assert "+5 pp" in summary_part
    assert "Changes since the run of 20260401T060000Z (data as of 2026-03-31)" in html
    findings = html[html.index("Findings"):html.index("<h2>Reports</h2>")]
    items = findings.count("<li>")
    assert 3 <= items <= 5
    assert findings.index("NPS is 20") < findings.index("CAC was 1,300")
    assert "A minor note." not in findings  # at most two per notebook
    assert "Key accounts bring 61% of margin." in findings
    assert "Title of content" in findings or "content report failed" in findings


def test_reports_table_links_both_versions_and_last_good(reports):
    fake_run(reports, "20260801T060000Z", {"kpi_monitoring": {"status": "failed"},
                                           "customer_value": {}})
    html = portal.build_portal(reports).read_text(encoding="utf-8")
    table = html[html.index("<h2>Reports</h2>"):html.index("Details by report")]
    assert 'href="20260701T060000Z/kpi_monitoring.html"' in table  # last good report
    assert "from run 20260701T060000Z" in table
    assert 'href="20260801T060000Z/customer_value.analyst.html"' in table
    # the key figures stay those of the newest good KPI run
    assert "1,300" in html[html.index("Key figures"):html.index("Findings")]


def test_portal_in_chinese(reports):
    fake_run(reports, "20260801T060000Z", {"kpi_monitoring": {"headlines": KPI_CARDS}},
             language="zh")
    html = portal.build_portal(reports).read_text(encoding="utf-8")
    assert '<html lang="zh">' in html
    for text in ("管理摘要", "关键指标", "主要发现", "运行历史", "分析师版"):
        assert text in html
    assert "Run history" not in html and "Executive summary" not in html
    assert broken_links(reports / "index.html") == []


def test_card_deltas_only_where_comparable():
    cards = portal.card_deltas(
        {"a": {"value": 10}, "b": {"value": 2.5}, "c": {"value": "n/a"}, "d": {"value": 3, "delta": 1}},
        {"a": {"value": 7}, "b": {"value": 3.0}, "c": {"value": 1}, "d": {"value": 0}})
    assert cards["a"]["delta"] == 3 and cards["b"]["delta"] == -0.5
    assert "delta" not in cards["c"] and cards["d"]["delta"] == 1
    assert "delta" not in portal.card_deltas({"a": {"value": 1}}, None)["a"]
    # bare numbers (older records) are cards too
    assert portal.card_deltas({"a": 5}, {"a": 2})["a"]["delta"] == 3


def test_select_findings_spreads_across_notebooks_and_fills_up():
    many = [summary.Finding(f"a{i}", 0.9 - i / 100, "a") for i in range(5)]
    chosen = summary.select_findings(many + [summary.Finding("b", 0.2, "b")])
    assert [f.text for f in chosen] == ["a0", "a1", "b"]  # at most two from one notebook
    assert len(summary.select_findings(many)) == 3  # one notebook alone still gives three
    assert summary.select_findings([]) == []


def test_change_findings_read_the_cards():
    found = summary.change_findings("x", {"Revenue": {"value": 120.0, "delta": 20.0, "unit": "EUR"},
                                          "Flat": {"value": 5, "delta": 0}})
    assert len(found) == 1 and "Revenue rose to 120 EUR" in found[0].text
    assert found[0].weight == pytest.approx(summary.CHANGE_WEIGHT * 0.2)


def test_record_findings_round_trip_and_errors(tmp_path):
    path = outputs.record_findings("x", ["plain", {"text": "heavy", "weight": 3}], tmp_path)
    assert json.loads(path.read_text(encoding="utf-8")) == [
        {"text": "plain", "weight": 0.5}, {"text": "heavy", "weight": 1.0}]
    with pytest.raises(WorkbookError, match="text"):
        outputs.record_findings("x", [{"weight": 1}], tmp_path)
    with pytest.raises(WorkbookError, match="better"):
        outputs.record_headlines("x", {"A": {"value": 1, "better": "sideways"}}, tmp_path)


# --------------------------------------------------------------------------- honest run-over-run changes


def comparable(parameters="p1", source="data/sample", fingerprint="f1", as_of="2026-06-30",
               code="1.0+abc"):
    return {"parameters": parameters, "code": code,
            "data": {"source": source, "mapping": "", "fingerprint": fingerprint, "as_of": as_of}}


STRONG = {"Strong-fit accounts": {"value": 1280}}


def two_runs(reports: Path, before: dict, after: dict, *, cards_before=None, cards_after=None):
    fake_run(reports, "20260601T060000Z", {"icp": {
        "headlines": cards_before or {"Strong-fit accounts": {"value": 207}},
        "comparability": before}}, as_of="2026-05-31")
    fake_run(reports, "20260701T060000Z", {"icp": {
        "headlines": cards_after or STRONG, "comparability": after}})
    html = portal.build_portal(reports).read_text(encoding="utf-8")
    return strip_tags(html[html.index("Details by report"):]), strip_tags(
        html[html.index("Findings"):html.index("<h2>Reports</h2>")])


def test_comparison_breaks_name_what_changed():
    base = {"comparability": comparable()}
    assert summary.comparison_breaks(base, base) == []
    assert summary.comparison_breaks({"comparability": comparable(parameters="p2")}, base) == [
        "parameters"]
    assert summary.comparison_breaks({"comparability": comparable(source="crm.duckdb")}, base) == [
        "data"]
    assert summary.comparison_breaks({"comparability": comparable(code="1.1+def")}, base) == [
        "code"]
    # new data at a later as_of is the normal refresh; new data at the same as_of is not
    assert summary.comparison_breaks(
        {"comparability": comparable(fingerprint="f2", as_of="2026-07-31")}, base) == []
    assert summary.comparison_breaks({"comparability": comparable(fingerprint="f2")}, base) == [
        "data"]
    everything = comparable(parameters="p2", source="x", code="2")
    assert summary.comparison_breaks({"comparability": everything}, base) == [
        "parameters", "data", "code"]
    # runs recorded before the comparability record: nothing is known to have changed
    assert summary.comparison_breaks({}, base) == [] == summary.comparison_breaks(base, {})
    assert summary.no_comparison_text(["parameters", "data", "code"]) == (
        "parameters, data source and code changed since the last run; no comparison")
    assert summary.no_comparison_text([]) == ""
    assert "参数" in summary.no_comparison_text(["parameters"], "zh")


def test_parameter_change_is_not_reported_as_a_business_movement(tmp_path):
    details, findings = two_runs(tmp_path, comparable(parameters="p1"), comparable(parameters="p2"))
    assert "1,280" in details and "+1,073" not in details
    assert "parameters changed since the last run; no comparison" in details
    assert "rose" not in findings and "+1,073" not in findings
    assert ("Strong-fit accounts is 1,280 (parameters changed since the last run; "
            "no comparison).") in findings


def test_same_parameters_data_and_code_show_the_change(tmp_path):
    # refreshed data at a later as_of, same parameters and code
    details, findings = two_runs(tmp_path, comparable(as_of="2026-05-31"),
                                 comparable(fingerprint="f2"))
    assert "+1,073" in details and "no comparison" not in details
    assert "Strong-fit accounts rose to 1,280 since the last run (+1,073)." in findings


def test_a_notebooks_own_change_is_not_a_movement_after_a_parameter_change(tmp_path):
    own = {"CAC": {"value": 1300, "unit": "EUR", "delta": 500, "better": "down"}}
    details, findings = two_runs(tmp_path, comparable(), comparable(parameters="p2"),
                                 cards_before={"CAC": {"value": 800}}, cards_after=own)
    assert "+500" not in details and "parameters changed since the last run" in details
    assert "rose" not in findings
    kept = portal.card_deltas(own, {"CAC": {"value": 800}})
    assert kept["CAC"]["delta"] == 500 and "no_comparison" not in kept["CAC"]


def test_code_or_data_source_change_is_named(tmp_path):
    details, findings = two_runs(tmp_path, comparable(), comparable(source="crm", code="2"))
    assert "data source and code changed since the last run; no comparison" in details
    assert "rose" not in findings


def test_key_figures_say_why_they_are_not_compared(tmp_path):
    fake_run(tmp_path, "20260601T060000Z", {"kpi_monitoring": {
        "headlines": {"Revenue": {"value": 100.0}}, "comparability": comparable()}})
    fake_run(tmp_path, "20260701T060000Z", {"kpi_monitoring": {
        "headlines": {"Revenue": {"value": 150.0}},
        "comparability": comparable(parameters="p2")}})
    result = portal.portal_summary(history.load_runs(tmp_path))
    assert result["baseline"].startswith("Not compared with the run of 20260601T060000Z")
    assert "parameters changed" in result["baseline"]
    assert result["cards"][0]["delta"] == (
        "parameters changed since the last run; no comparison")
    assert not any("rose" in f for f in result["findings"])


def test_flag_replaces_the_change(tmp_path):
    flagged = {"Active customers": {"value": 300, "flag": "history starts 2026-03"}}
    details, findings = two_runs(tmp_path, comparable(), comparable(),
                                 cards_before={"Active customers": {"value": 100}},
                                 cards_after=flagged)
    assert "history starts 2026-03" in details and "+200" not in details
    assert "Active customers" not in findings
    cards = portal._cards(portal.card_deltas(
        {"a": {"value": 3, "delta": 2, "flag": "new source"}}, {"a": {"value": 1}}))
    assert cards[0]["delta"] == "new source" and cards[0]["direction"] == "flag"


@pytest.mark.parametrize("delta", [0, 0.0, -0.0, 0.04, -0.04, "0", "-0.0", "+0", "+0.0 pp",
                                   "−0%"])
def test_zero_changes_are_not_movements(delta):
    card = {"Win rate": {"value": 30.0, "unit": "%", "delta": delta}}
    shown = portal._cards(card)[0]
    assert shown["delta"] == "no change" and shown["direction"] not in ("up", "down")
    assert summary.change_findings("x", card) == []


@pytest.mark.parametrize("delta", [0.06, -0.5, "+0.5 pp", "-1", "+0.05"])
def test_small_real_changes_are_still_shown(delta):
    shown = portal._cards({"Win rate": {"value": 30.0, "delta": delta}})[0]
    assert shown["delta"] != "no change"


def test_zero_change_from_the_previous_run_is_not_a_movement(tmp_path):
    details, findings = two_runs(tmp_path, comparable(), comparable(),
                                 cards_before={"Rate": {"value": 0.31}},
                                 cards_after={"Rate": {"value": 0.3}})
    assert "no change" in details and "-0.0" not in details and "fell" not in findings


def test_summary_orders_by_impact_shows_actions_and_never_unstated(tmp_path):
    fake_run(tmp_path, "20260701T060000Z", {
        "icp": {"findings": [
            {"text": "Small claim.", "weight": 0.3, "kind": "comparison", "stated": True},
            {"text": "Noise claim.", "weight": 0.99, "kind": "comparison", "stated": False,
             "fallback": "No reliable difference among the 5 industries."}]},
        "customer_value": {"findings": [
            {"text": "Big claim.", "weight": 0.9, "kind": "comparison", "stated": True,
             "action": "Call the top 20 accounts this week."}]},
        "data_overview": {"findings": [{"text": "A fact.", "weight": 0.5, "kind": "fact"}]},
    })
    result = portal.portal_summary(history.load_runs(tmp_path))
    assert result["findings"] == ["Big claim.", "A fact.", "Small claim."]
    assert result["items"][0]["action"] == "Call the top 20 accounts this week."
    assert result["note"] == ""
    html = portal.build_portal(tmp_path).read_text(encoding="utf-8")
    findings = strip_tags(html[html.index("Findings"):html.index("<h2>Reports</h2>")])
    assert "Action: Call the top 20 accounts this week." in findings
    assert "Noise claim" not in html and "No reliable difference" not in findings


def test_summary_sentences_carry_no_markdown(tmp_path):
    fake_run(tmp_path, "20260701T060000Z", {"icp": {"findings": [
        {"text": "Best customers are over-represented in size band **large**.",
         "kind": "comparison", "action": "Prioritise __large__ accounts."}]}})
    result = portal.portal_summary(history.load_runs(tmp_path))
    assert result["items"] == [{"text": "Best customers are over-represented in size band large.",
                                "action": "Prioritise large accounts."}]
    assert summary.plain_text("2 ** 3 stays") == "2 ** 3 stays"


def test_a_run_without_a_stated_claim_says_so_in_one_line(tmp_path):
    fake_run(tmp_path, "20260701T060000Z", {
        "icp": {"findings": [{"text": "Noise.", "weight": 0.9, "kind": "comparison",
                              "stated": False}]},
        "kpi_monitoring": {"findings": [{"text": "Alarm.", "weight": 0.9, "kind": "alarm",
                                         "stated": False}]},
        "data_overview": {"findings": [{"text": "400 accounts.", "kind": "fact"}]},
    })
    result = portal.portal_summary(history.load_runs(tmp_path))
    assert result["note"] == ("No finding in this run passed its test: none of the 2 "
                              "differences, trends or alarms checked is reliable enough to "
                              "report.")
    assert result["findings"] == ["400 accounts."]
    html = portal.build_portal(tmp_path).read_text(encoding="utf-8")
    assert html.count("No finding in this run passed its test") == 1
    assert "Noise." not in html and "Alarm." not in html
    assert "No findings were recorded" not in html
    zh = portal.portal_summary(history.load_runs(tmp_path), "zh")
    assert "没有任何发现通过检验" in zh["note"]


# --------------------------------------------------------------------------- cards for people


@pytest.mark.parametrize(("value", "lang", "shown"), [
    (29_700_000, "en", "29.7M"), (29_700_000, "zh", "2,970万"), (1300, "en", "1,300"),
    (2_960_712, "en", "2.96M"), (2_960_712, "zh", "296万"), (999_600, "en", "1M"),
    (99_960_000, "zh", "1亿"), (160_793, "en", "161K"),
    (12_345.6, "en", "12.3K"), (3.25, "en", "3.25"), (30.0, "en", "30"), (20.55, "en", "20.6"),
    (-0.0, "en", "0"), (None, "en", "–"), (float("nan"), "zh", "–"), (float("inf"), "en", "–"),
    ("nan", "en", "–"), ("None", "en", "–"), ("n/a", "en", "–"), ("stable", "en", "stable")])
def test_card_values_are_compact_and_never_nan(value, lang, shown):
    assert portal.format_number(value, lang) == shown


def test_card_shows_value_with_unit_period_trend_and_target():
    card = {"Revenue": {"value": 29_700_000, "unit": "EUR", "period": "2026-Q2",
                        "trend": [21e6, None, float("nan"), "x", 25e6, 29.7e6],
                        "target": 35e6}}
    shown = portal._cards(card)[0]
    assert (shown["value"], shown["unit"], shown["period"]) == ("29.7M", "EUR", "2026-Q2")
    assert shown["target"]["text"] == "85% of target 35M EUR"
    assert shown["target"]["width"] == pytest.approx(84.9, abs=0.1)
    assert shown["target"]["direction"] == ""  # not reached yet
    spark = shown["spark"]
    assert len(spark["points"].split()) == 3  # missing and non-numeric points left out
    assert all(float(v) == float(v) for pt in spark["points"].split() for v in pt.split(","))
    assert spark["alt"] == "Trend of Revenue over 3 periods, from 21M EUR to 29.7M EUR"
    zh = portal._cards(card, "zh")[0]
    assert zh["value"] == "2,970万" and zh["target"]["text"] == "达到目标 3,500万 EUR 的 85%"
    # without the new keys a card renders as before
    plain = portal._cards({"Accounts": {"value": 48}})[0]
    assert plain["period"] == "" and plain["spark"] is None and plain["target"] is None


def test_target_progress_edges():
    down = portal.target_progress({"value": 120, "target": 100, "better": "down"})
    assert down["text"] == "120% of target 100" and down["direction"] == "down"
    assert down["width"] == 100
    assert portal.target_progress({"value": 90, "target": 100, "better": "down"})[
        "direction"] == "up"
    assert portal.target_progress({"value": 30.5, "target": 35}, "%")["text"] == (
        "87% of target 35%")
    assert portal.target_progress({"value": 5, "target": 0})["text"] == "target 0"
    assert portal.target_progress({"value": None, "target": 10})["width"] is None
    for target in (None, float("nan"), float("inf"), "high", True):
        assert portal.target_progress({"value": 5, "target": target}) is None
    assert portal.sparkline([1], "x") is None and portal.sparkline(None, "x") is None
    flat = portal.sparkline([2, 2, 2], "x")
    assert {pt.split(",")[1] for pt in flat["points"].split()} == {"12"}


def test_card_texts_from_data_are_escaped_and_the_page_has_no_script(tmp_path):
    evil = "<script>alert(1)</script>"
    fake_run(tmp_path, "20260701T060000Z", {"kpi_monitoring": {"headlines": {
        evil: {"value": 5, "unit": evil, "period": evil, "trend": [1, 2, 5], "target": 10}}}})
    html = portal.build_portal(tmp_path).read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "&lt;script&gt;" in html
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert "<polyline" in svg and 'role="img"' in svg and "<title>" in svg
    assert '<div class="wb-card-period">&lt;script&gt;' in html
    assert "50% of target 10" in html


@pytest.mark.parametrize("delta", [0, -0.0, 0.04, -0.04, -0.0001, "0", "0.0", "-0.0", "+0",
                                   "-0%", "+0.0 pp", "−0,0 %", " 0 ", "▲ +0%", "▼ -0.0 pp",
                                   "±0"])
def test_no_zero_change_reads_as_a_movement(delta, tmp_path):
    for unit in ("", "%", "EUR"):
        card = {"Win rate": {"value": 30.0, "unit": unit, "delta": delta}}
        for lang, none in (("en", "no change"), ("zh", "无变化")):
            shown = portal._cards(card, lang)[0]
            assert shown["delta"] == none and shown["direction"] == "muted"
        assert summary.change_findings("x", card) == []
    assert portal.format_number(-0.04, signed=True, change=True) == "0"
    assert summary.figure(-0.004, signed=True) == "0"
    # and through a whole page, over two runs with the same figure
    fake_run(tmp_path, "20260601T060000Z", {"kpi_monitoring": {"headlines": {
        "Rate": {"value": 0.31, "unit": "%"}, "Count": {"value": 7}}}}, as_of="2026-05-31")
    fake_run(tmp_path, "20260701T060000Z", {"kpi_monitoring": {"headlines": {
        "Rate": {"value": 0.3, "unit": "%"}, "Count": {"value": 7},
        "Own": {"value": 3, "delta": delta}}}})
    html = portal.build_portal(tmp_path).read_text(encoding="utf-8")
    cards = [strip_tags(c) for c in re.findall(r'wb-card-delta[^"]*">([^<]*)<', html)]
    assert cards and set(cards) == {"no change"}
    text = strip_tags(html[:html.index("Run history")]).replace("2026-0", "")
    for zero in (" 0 ", "0.0", "-0", "+0", "−0"):
        assert zero not in text


def test_change_sentences_use_compact_figures():
    found = summary.change_findings("x", {"Revenue": {"value": 29.7e6, "delta": 1.26e6,
                                                      "unit": "EUR"},
                                          "Win rate": {"value": 31.0, "delta": -2.0, "unit": "%"}})
    assert found[0].text == "Revenue rose to 29.7M EUR since the last run (+1.26M)."
    assert found[1].text == "Win rate fell to 31% since the last run (-2 pp)."
    zh = summary.change_findings("x", {"收入": {"value": 29.7e6, "delta": 1.26e6}}, "zh")
    assert "2,970万" in zh[0].text and "+126万" in zh[0].text


def test_a_change_on_the_previous_period_is_kept_and_named(tmp_path):
    cards = {"Revenue": {"value": 2_961_000, "unit": "EUR", "period": "2026-Q2",
                         "delta": -198_000, "trend": [3.1e6, 3.16e6, 2.961e6]},
             "Accounts": {"value": 48, "period": "2026-Q2"}}
    fake_run(tmp_path, "20260601T060000Z", {"kpi_monitoring": {
        "headlines": {"Revenue": {"value": 3e6}, "Accounts": {"value": 40}},
        "comparability": comparable()}}, as_of="2026-05-31")
    fake_run(tmp_path, "20260701T060000Z", {"kpi_monitoring": {
        "headlines": cards, "comparability": comparable(parameters="p2")}})
    result = portal.portal_summary(history.load_runs(tmp_path))
    # the period change is the data's, not a run-over-run movement: kept despite the break
    assert result["cards"][0]["delta"] == "-198K on the previous period"
    assert result["cards"][1]["delta"] == "parameters changed since the last run; no comparison"
    assert not any("fell" in f or "rose" in f for f in result["findings"])
    zh = portal._cards(portal.card_deltas(cards, None), "zh")[0]
    assert zh["delta"] == "环比 -19.8万"
    # a first run: the cards' changes are against the previous period, and the page says so
    fake_run(tmp_path / "first", "20260701T060000Z", {"kpi_monitoring": {"headlines": cards}})
    first = portal.portal_summary(history.load_runs(tmp_path / "first"))
    assert first["baseline"] == "Changes are against each figure's previous period."
    assert summary.change_findings("x", cards) == []
    # a card with a period but no change of its own gets the change since the last run
    since = portal.card_deltas({"A": {"value": 5, "period": "2026-Q2"}}, {"A": {"value": 3}})
    assert portal._cards(since)[0]["delta"] == "+2"
    assert summary.change_findings("x", since)[0].text == "A rose to 5 since the last run (+2)."


# --------------------------------------------------------------------------- actions


def test_every_finding_shows_its_action_and_none_shows_no_label(tmp_path):
    fake_run(tmp_path, "20260701T060000Z", {
        "icp": {"findings": [
            {"text": "Fit claim.", "weight": 0.8, "kind": "comparison",
             "action": "Target **large** accounts."},
            {"text": "No action here.", "weight": 0.7, "kind": "fact", "action": ""}]},
        "customer_value": {"findings": [
            {"text": "Value claim.", "weight": 0.9, "kind": "comparison",
             "action": "Call the top 20 accounts."},
            {"text": "Odd action.", "weight": 0.6, "kind": "fact", "action": "nan"}]},
    })
    result = portal.portal_summary(history.load_runs(tmp_path))
    actions = {i["text"]: i["action"] for i in result["items"]}
    assert actions == {"Value claim.": "Call the top 20 accounts.",
                       "Fit claim.": "Target large accounts.", "No action here.": "",
                       "Odd action.": ""}
    html = portal.build_portal(tmp_path).read_text(encoding="utf-8")
    findings = html[html.index('id="findings"'):html.index("<h2>Reports</h2>")]
    assert findings.count("Action:") == 2 and findings.count('class="wb-action"') == 2
    assert "Action: Call the top 20 accounts." in strip_tags(findings)
    assert "Action: Target large accounts." in strip_tags(findings)
    assert summary.action_text(None) == summary.action_text(float("nan")) == ""
    assert summary.action_text(" – ") == "" and summary.action_text("None") == ""


# --------------------------------------------------------------------------- runs combined


def source_entry(source="data/sample", fingerprint="f1", language="en", title=None):
    """A notebook entry's record of its data source and language (and its title)."""
    return {"comparability": comparable(source=source, fingerprint=fingerprint),
            "parameters": {"language": language, "data_source": source},
            **({"title": title} if title else {})}


def test_summary_combines_the_newest_good_run_of_every_notebook(tmp_path):
    fake_run(tmp_path, "20260601T060000Z", {
        "kpi_monitoring": {**source_entry(), "headlines": {"Revenue": {"value": 100.0}},
                           "findings": [{"text": "KPI finding.", "weight": 0.9,
                                         "action": "Act on KPIs."}]},
        "customer_value": {**source_entry(), "headlines": {"Key accounts": {"value": 40}},
                           "findings": [{"text": "Value finding.", "weight": 0.8}]}})
    # a single-notebook run on another data source
    fake_run(tmp_path, "20260701T060000Z", {"customer_value": {
        **source_entry(source="crm.duckdb", fingerprint="f9"),
        "headlines": {"Key accounts": {"value": 52}},
        "findings": [{"text": "New value finding.", "weight": 0.7}]}})
    result = portal.portal_summary(history.load_runs(tmp_path))
    assert "KPI finding." in result["findings"] and "New value finding." in result["findings"]
    assert "Value finding." not in result["findings"]  # replaced by its newest good run
    assert [c["value"] for c in result["cards"]] == ["100"]  # the KPI run's key figures
    assert result["notebook"] == "kpi_monitoring"
    assert result["provenance"] == (
        "The reports shown differ in run and data source: "
        "Title of customer_value (run 20260701T060000Z, crm.duckdb); "
        "Title of kpi_monitoring (run 20260601T060000Z, data/sample).")
    html = portal.build_portal(tmp_path).read_text(encoding="utf-8")
    assert html.count(result["provenance"]) == 1
    # the KPI report is not in the latest run: its cards are the key figures, shown once
    assert html.count('<div class="wb-card-label">Revenue</div>') == 1
    assert "Its key figures are shown at the top of this page." in html
    assert html.index(result["provenance"]) < html.index("Key figures")
    assert broken_links(tmp_path / "index.html") == []


def test_summary_keeps_a_failed_notebooks_last_good_findings(tmp_path):
    fake_run(tmp_path, "20260601T060000Z", {
        "customer_value": {**source_entry(), "findings": [{"text": "Old but good.", "weight": 0.8}]},
        "icp": {**source_entry(), "findings": [{"text": "ICP.", "weight": 0.5}]}})
    fake_run(tmp_path, "20260701T060000Z", {
        "customer_value": {**source_entry(), "status": "failed"},
        "icp": {**source_entry(), "findings": [{"text": "ICP new.", "weight": 0.5}]}})
    result = portal.portal_summary(history.load_runs(tmp_path))
    assert "Old but good." in result["findings"] and "ICP new." in result["findings"]
    assert any("failed in this run; the last good version is shown" in f
               for f in result["findings"])
    assert "differ in run" in result["provenance"]


def test_same_run_and_data_say_nothing(tmp_path):
    fake_run(tmp_path, "20260701T060000Z", {"a": source_entry(), "b": source_entry()})
    assert portal.portal_summary(history.load_runs(tmp_path))["provenance"] == ""
    assert summary.provenance([]) == ""


def test_each_report_in_the_language_it_ran_in(tmp_path):
    fake_run(tmp_path, "20260601T060000Z", {
        "customer_value": {**source_entry(language="zh", title="客户价值"),
                           "headlines": {"重点客户": {"value": 29_700_000, "delta": 1e6}},
                           "findings": [{"text": "重点客户贡献了 61% 的利润。", "weight": 0.8}]}},
        language="zh")
    fake_run(tmp_path, "20260701T060000Z", {
        "kpi_monitoring": {**source_entry(title="KPI monitoring"),
                           "headlines": {"Revenue": {"value": 29_700_000}}}})
    html = portal.build_portal(tmp_path).read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Executive summary" in html  # chrome: latest run
    assert "客户价值" in html and "Title of" not in html
    assert '<td lang="zh">客户价值</td>' in html
    assert "2,970万" in html and "29.7M" in html  # each card in its report's language
    line = portal.portal_summary(history.load_runs(tmp_path))["provenance"]
    assert line == ("The reports shown differ in run and language: "
                    "KPI monitoring (run 20260701T060000Z, English); "
                    "客户价值 (run 20260601T060000Z, Chinese).")
    assert line in html
    zh = portal.portal_summary(history.load_runs(tmp_path), "zh")["provenance"]
    assert zh.startswith("所示报告的运行和语言不同：") and "（运行 20260601T060000Z，中文）" in zh


def test_provenance_names_a_replaced_data_version():
    sources = [summary.Source("a", "A", "r1", "en", "data/sample", "aaaaaaaa11"),
               summary.Source("b", "B", "r1", "en", "data/sample", "bbbbbbbb22"),
               summary.Source("c", "C", "r1", "en", "", "")]
    assert summary.provenance(sources) == (
        "The reports shown differ in data source: A (data/sample, version "
        "aaaaaaaa); B (data/sample, version bbbbbbbb); C (data source not recorded).")


def test_parameters_hash_ignores_run_local_keys():
    params = {"top_n": 10, "as_of": "2026-06-30", "output_dir": "reports/a",
              "language": "en", "data_source": "data/sample"}
    same = {**params, "as_of": "2026-07-31", "output_dir": "reports/b", "language": "zh"}
    assert history.parameters_hash(params) == history.parameters_hash(same)
    assert history.parameters_hash(params) != history.parameters_hash({**params, "top_n": 20})


def test_comparability_record(tmp_path):
    nb = tmp_path / "x.ipynb"
    nb.write_text("{}", encoding="utf-8")
    code = history.code_version(tmp_path)
    assert len(code["source"]) == 16 and code["package"]
    assert code["commit"] is None or len(code["commit"]) == 40
    params = {"data_source": "data/sample", "as_of": "2026-06-30", "top_n": 10}
    rec = history.comparability(params, code, {"data/sample": "fp"}, nb, tmp_path)
    assert rec["data"] == {"source": "data/sample", "mapping": "", "fingerprint": "fp",
                           "as_of": "2026-06-30"}
    assert rec["parameters"] == history.parameters_hash(params)
    assert code["source"] in rec["code"]
    nb.write_text('{"cells": []}', encoding="utf-8")
    changed = history.comparability(params, code, {"data/sample": "fp"}, nb, tmp_path)
    assert summary.comparison_breaks({"comparability": changed}, {"comparability": rec}) == [
        "code"]


# --------------------------------------------------------------------------- the real run


@pytest.mark.slow
def test_real_run_records_kpis_findings_and_exports():
    r = kpi_run()
    assert r.code == 0, r.out
    record = json.loads((r.run / "run.json").read_text(encoding="utf-8"))
    nb = record["notebooks"]["kpi_monitoring"]
    assert nb["status"] == "ok" and nb["title"] == "关键指标监控"
    assert {"获客成本", "净推荐值", "流失率"} <= set(nb["headlines"])
    assert nb["headlines"]["获客成本"].get("better") == "down"
    # every claim is recorded with whether it passed its test; only stated ones are shown
    assert nb["findings"] and all(isinstance(f.get("stated", True), bool) for f in nb["findings"])
    shown = portal.portal_summary(history.load_runs(r.reports), "zh")["findings"]
    assert not {f["text"] for f in nb["findings"] if f.get("stated") is False} & set(shown)
    assert {"kpi_series.csv", "kpi_snapshot.csv", "kpi_alerts.csv"} <= set(record["exports"])
    assert not (r.run / "findings").exists() and not (r.run / "headlines").exists()
    assert set(nb["comparability"]) == {"parameters", "data", "code"}
    assert nb["comparability"]["data"]["fingerprint"] in record["data"].values()
    assert record["code"]["source"] in nb["comparability"]["code"]


@pytest.mark.slow
def test_real_portal_and_report_links_resolve():
    r = kpi_run()
    assert broken_links(r.reports / "index.html") == []
    assert broken_links(r.run / "kpi_monitoring.html") == []
    assert broken_links(r.run / "kpi_monitoring.analyst.html") == []


@pytest.mark.slow
def test_real_report_is_in_chinese_without_code():
    r = kpi_run()
    page = (r.run / "kpi_monitoring.html").read_text(encoding="utf-8")
    text = strip_tags(page)
    for heading in ("关键指标监控", "核心指标", "趋势与预测", "预警", "相对上次运行", "目录"):
        assert heading in text
    assert "kpis.kpi_series" not in page and "alert_nps_below" not in page
    assert "Headline KPIs" not in text  # no English section heading left
