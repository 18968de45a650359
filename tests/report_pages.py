"""What a manager sees on a rendered report page, measured in a real browser.

:func:`audit` loads one page in headless Chromium (Playwright) at the width managers
read at and returns the facts the brief rules are about: the first headings, the page
height with the method section collapsed, tables wider than their column, table cells a
person cannot read as they are (raw numbers, True/False, nan, None), and images without a
real alt text. The browser test asserts on them; ``python tests/report_pages.py PAGE...``
prints them for any run folder.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

WIDTH = 1400
VIEWPORT_HEIGHT = 900
#: eight screens at 1400 px wide
MAX_HEIGHT = 7200
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
NO_DESCRIPTION = "No description has been provided"

_AUDIT_JS = r"""
() => {
  const main = document.querySelector('main') || document.body;
  const heads = [...main.querySelectorAll('h1, h2')].map(h => ({
    tag: h.tagName.toLowerCase(),
    text: h.innerText.replace('¶', '').trim(),
    hidden: h.closest('details:not([open])') !== null && !h.closest('summary'),
  })).filter(h => !h.hidden);
  const limit = main.clientWidth + 1;
  const wide = [...main.querySelectorAll('table')]
    .filter(t => t.closest('details:not([open])') === null)
    .filter(t => t.getBoundingClientRect().width > limit)
    .map(t => ({width: Math.round(t.getBoundingClientRect().width),
                head: (t.querySelector('tr') || t).innerText.slice(0, 120)}));
  const raw = [
    /^-?\d{5,}(\.\d+)?$/,            // 41446721.79 or 161058: no thousands separator
    /^-?\d{1,3}(,\d{3})*\.\d{3,}$/,  // 249821.923 or 0.1523: too many decimals
    /^-?\d+(\.\d+)?e[+-]?\d+$/i,     // scientific notation
    /^(true|false|nan|nat|none|null|inf|-inf|<na>)$/i,
  ];
  const cells = [...main.querySelectorAll('td, th')]
    .map(c => c.innerText.trim())
    .filter(text => raw.some(r => r.test(text)));
  const images = [...main.querySelectorAll('img')].map(i => (i.getAttribute('alt') || '').trim());
  const badImages = images.filter(a => a.length < 12 || a.startsWith('No description'));
  const truncated = /\d+ rows × \d+ columns/.test(main.innerText);
  const shown = el => el.closest('details:not([open])') === null;
  const headers = [...main.querySelectorAll('th')].filter(shown).map(h => h.innerText.trim());
  const words = [...main.querySelectorAll('td')].filter(shown).map(c => c.innerText.trim())
    .filter(text => /^[A-Za-z_ ]{2,20}$/.test(text));
  return {headings: heads.slice(0, 4), height: document.documentElement.scrollHeight,
          wide_tables: wide, raw_cells: cells.slice(0, 20), raw_cell_count: cells.length,
          images: images.length, bad_images: badImages.length, truncated: truncated,
          headers: headers, cell_words: words,
          lang: document.documentElement.lang};
}
"""


def browser_missing() -> str | None:
    """Why the browser cannot run here, or ``None`` when it can."""
    if shutil.which("chromium") is None:
        return "chromium is not installed (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the python package playwright is not installed (pip install playwright)"
    return None


def audit(browser, page_path: Path, screenshot: Path | None = None) -> dict:
    """Load one report page and measure it; optionally save a full-page screenshot."""
    page = browser.new_page(viewport={"width": WIDTH, "height": VIEWPORT_HEIGHT})
    try:
        page.goto(Path(page_path).resolve().as_uri())
        page.wait_for_load_state("load")
        facts = page.evaluate(_AUDIT_JS)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    return facts


#: abbreviations a Chinese report writes in Latin letters, as Chinese business texts do
ABBREVIATIONS = re.compile(r"\b(EUR|USD|CNY|CLV|CAC|NPS|CSAT|RFM|ROI|ROAS|AUC|KPI|ICP|MCP|CRM|"
                           r"BG/NBD|Davies-Bouldin|Calinski-Harabasz|Gini|HHI|A/B|MDE|ETS)\b")
#: words of the workbook's own vocabulary that a Chinese page must translate
VOCABULARY = frozenset({
    "yes", "no", "true", "false", "none", "open", "won", "lost", "strategic", "key", "growth",
    "maintain", "prospect", "new", "mature", "declining", "churned", "other", "email",
    "webinar", "trade show", "trade_show", "events", "advertising", "social", "outbound",
    "strong", "moderate", "weak", "promoted", "demoted", "kept",
})


def english_left(facts: dict) -> list[str]:
    """Table headers and workbook words still in English on a Chinese page."""
    heads = [h for h in facts.get("headers", [])
             if re.search(r"[A-Za-z]{3,}", ABBREVIATIONS.sub("", h))]
    words = [w for w in facts.get("cell_words", []) if w.strip().lower() in VOCABULARY]
    return sorted(set(heads + words))


def problems(facts: dict, summary_heading: str, max_height: int = MAX_HEIGHT) -> list[str]:
    """The brief rules a page breaks, one readable line each (empty when it keeps them all)."""
    out = []
    if facts.get("lang") == "zh" and english_left(facts):
        out.append(f"English left on a Chinese page: {english_left(facts)[:8]}")
    heads = facts["headings"]
    first_h2 = next((h for h in heads if h["tag"] == "h2"), None)
    if first_h2 is None or first_h2["text"] != summary_heading:
        out.append(f"first section is {first_h2['text'] if first_h2 else 'missing'!r}, "
                   f"not {summary_heading!r}")
    if heads and heads[0]["tag"] == "h2" and heads[0]["text"] != summary_heading:
        out.append(f"page opens with {heads[0]['text']!r}")
    if facts["height"] > max_height:
        out.append(f"page is {facts['height']:,} px tall (at most {max_height:,})")
    for t in facts["wide_tables"]:
        out.append(f"table {t['width']} px wide overflows the column: {t['head'][:60]!r}")
    if facts["raw_cell_count"]:
        out.append(f"{facts['raw_cell_count']} unreadable table cells, e.g. {facts['raw_cells'][:5]}")
    if facts["bad_images"]:
        out.append(f"{facts['bad_images']} of {facts['images']} images lack a real alt text")
    if facts["truncated"]:
        out.append("a table shows a pandas truncation note")
    return out


def main(paths: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for path in paths:
            facts = audit(browser, Path(path))
            summary = "摘要" if facts.get("lang") == "zh" else "Summary"
            print(Path(path).name, json.dumps({"height": facts["height"],
                                               "problems": problems(facts, summary)},
                                              ensure_ascii=False, indent=1))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
