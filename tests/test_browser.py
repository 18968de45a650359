"""The portal and a management report in headless Chromium, through Playwright.

Uses Debian's ``chromium`` (Playwright's own browser downloads do not work everywhere).
Without Chromium or the ``playwright`` package the tests skip with the reason, except
under CI (``CI=true``), where ``make test`` installs Chromium first and a skip would hide
a broken setup: there they fail.
"""

from __future__ import annotations

import os
import re
import shutil

import pytest
from kpi_project import kpi_run
from report_pages import ARGS, browser_missing
from test_portal import fake_run, source_entry

from helpers.report import portal


@pytest.fixture(scope="module")
def browser():
    reason = browser_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def tab(browser):
    """A page and the URLs it requested."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    yield page, requests
    page.close()


def _online(requests: list[str]) -> list[str]:
    return [u for u in requests if not u.startswith(("file:", "data:"))]


@pytest.mark.slow
def test_portal_shows_kpi_cards_findings_and_history(tab):
    page, requests = tab
    r = kpi_run()
    assert r.code == 0, r.out
    page.goto((r.reports / "index.html").as_uri())
    assert page.locator("html").get_attribute("lang") == "zh"
    cards = page.locator("#key-figures .wb-card")
    assert cards.count() >= 4
    first = cards.first
    assert first.is_visible()
    assert first.locator(".wb-card-value").inner_text().strip()
    assert page.locator("#findings li").first.is_visible()
    assert page.get_by_role("heading", name="运行历史").is_visible()
    # card figures read as figures: never nan/None/inf, never a signed zero change
    # (the KPI notebook's cards change as it evolves: checked loosely)
    for text in page.locator("#key-figures .wb-card").all_inner_texts():
        assert not re.search(r"\b(nan|None|inf)\b", text), text
        assert not re.search(r"(^|\s)[+\-\u2212]0(\.0+)?(\s|%|$)", text), text
    sparks = page.locator("#key-figures svg.wb-spark")
    if sparks.count():
        assert sparks.first.is_visible() and sparks.first.get_attribute("aria-label")
    # the Chinese text has real glyphs even where the system has no Chinese font
    loaded = page.evaluate(
        """async () => (await document.fonts.load('16px "Workbook CJK"', '运行历史')).length""")
    assert loaded >= 1
    assert _online(requests) == []


@pytest.mark.slow
def test_management_report_shows_a_chart_and_no_code(tab):
    page, requests = tab
    r = kpi_run()
    page.goto((r.reports / "index.html").as_uri())
    page.locator("#reports a[href$='kpi_monitoring.html']").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/kpi_monitoring.html")
    assert page.get_by_role("heading", name="关键指标监控").first.is_visible()
    chart = page.locator("main img").first
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 100")
    assert page.locator(".jp-InputArea-editor").count() == 0  # no code for managers (story cells stay)
    assert page.locator("nav.wb-toc a").count() >= 5
    assert _online(requests) == []


def test_portal_cards_with_trend_target_and_mixed_languages(tab, tmp_path):
    """Handcrafted runs: trend lines, target bars and the line on mixed reports, on screen."""
    page, requests = tab
    fake_run(tmp_path, "20260601T060000Z", {"customer_value": {
        **source_entry(language="en", title="Customer value"),
        "headlines": {"Key accounts": {"value": 48, "period": "2026-Q2",
                                       "trend": [30, 35, 41, 48], "target": 60}}}})
    fake_run(tmp_path, "20260701T060000Z", {"kpi_monitoring": {
        **source_entry(language="zh", title="关键指标监控"), "headlines": {
            "收入": {"value": 29_700_000, "unit": "EUR", "period": "2026年第二季度",
                     "trend": [21e6, 24e6, 23e6, 27.1e6, 29.7e6], "target": 35e6},
            "赢单率": {"value": 31.0, "unit": "%", "delta": -0.04}}}}, language="zh")
    page.goto(portal.build_portal(tmp_path).as_uri())
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("script").count() == 0
    card = page.locator("#key-figures .wb-card").first
    assert card.locator(".wb-card-value").inner_text().replace("\n", "") == "2,970万EUR"
    assert card.locator(".wb-card-period").inner_text() == "2026年第二季度"
    spark = card.locator("svg.wb-spark")
    assert spark.is_visible()
    box, outer = spark.bounding_box(), card.bounding_box()
    assert box["width"] == pytest.approx(portal.SPARK_WIDTH, abs=1)
    assert outer["x"] <= box["x"] and box["x"] + box["width"] <= outer["x"] + outer["width"]
    assert "从 2,100万 EUR 到 2,970万 EUR" in spark.get_attribute("aria-label")
    bar = card.locator(".wb-target-bar > span")
    ratio = bar.evaluate("b => b.getBoundingClientRect().width / b.parentNode.getBoundingClientRect().width")
    assert ratio == pytest.approx(0.85, abs=0.02)
    assert "达到目标 3,500万 EUR 的 85%" in card.inner_text()
    assert page.locator("#key-figures .wb-card").nth(1).locator(".wb-card-delta").inner_text() == "无变化"
    line = page.locator("#provenance")
    assert line.is_visible()
    assert "所示报告的运行和语言不同" in line.inner_text() and "Customer value" in line.inner_text()
    # each report in its own language: the English report keeps its English title and cards
    other = page.locator("#nb-customer_value")
    assert other.locator("h3 [lang=en]").inner_text() == "Customer value"
    assert "80% of target 60" in other.inner_text()
    overflow = page.evaluate("""() => [...document.querySelectorAll('.wb-card')]
        .filter(c => c.scrollWidth > c.clientWidth + 1).length""")
    assert overflow == 0
    assert _online(requests) == []
