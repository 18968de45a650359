"""The portal and a management report in headless Chromium, through Playwright.

Uses Debian's ``chromium`` (Playwright's own browser downloads do not work everywhere).
Without Chromium or the ``playwright`` package the tests skip with the reason, except
under CI (``CI=true``), where ``make test`` installs Chromium first and a skip would hide
a broken setup: there they fail.
"""

from __future__ import annotations

import os
import shutil

import pytest
from kpi_project import kpi_run
from report_pages import ARGS, browser_missing


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
    assert page.locator(".jp-InputArea").count() == 0  # no code for managers
    assert page.locator("nav.wb-toc a").count() >= 5
    assert _online(requests) == []
