"""End to end: `workbook run` executes every real notebook on a small sample world.

One run per report language serves every assertion (each kernel start costs seconds). The
world gets an account named like an injection attempt, to prove reports show user strings
as text. The management pages of both runs are loaded in a browser and must read as briefs
(:mod:`report_pages`); a screenshot of each is saved to the run folder for review.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import report_pages

from helpers.data import sample_world
from helpers.presentation import findings, i18n

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
XSS = "<script>alert(1)</script>"


LANGUAGES = ("en", "zh")


@pytest.fixture(scope="module", params=LANGUAGES)
def smoke_run(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"smoke_{request.param}")
    world = base / "world"
    sample_world.generate_world(world, accounts=400, seed=7)
    accounts = pd.read_parquet(world / "accounts.parquet")
    accounts.loc[0, "account_name"] = XSS
    accounts.to_parquet(world / "accounts.parquet", index=False)
    reports = base / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.cli", "run", "--data", str(world),
         "--reports-dir", str(reports), "--jobs", "2", "--language", request.param],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    runs = [p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return proc, reports, runs


def test_every_notebook_runs_and_renders(smoke_run):
    proc, reports, runs = smoke_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert len(runs) == 1
    run = runs[0]
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    statuses = {name: nb["status"] for name, nb in record["notebooks"].items()}
    assert statuses == {name: "ok" for name in NOTEBOOKS}
    for name in NOTEBOOKS:
        assert (run / f"{name}.html").is_file() and (run / f"{name}.analyst.html").is_file()
    assert (reports / "index.html").is_file()


def test_management_reports_have_no_code_and_no_external_scripts(smoke_run):
    _, _, runs = smoke_run
    for name in NOTEBOOKS:
        html = (runs[0] / f"{name}.html").read_text(encoding="utf-8")
        assert "open_validated" not in html, f"{name}: code leaked into the management report"
        assert not re.search(r"<script[^>]+src=", html), name
        assert "Traceback" not in html, name


def test_user_strings_are_escaped(smoke_run):
    _, reports, runs = smoke_run
    for page in [*runs[0].glob("*.html"), reports / "index.html"]:
        assert XSS not in page.read_text(encoding="utf-8"), page.name


def test_a_run_tests_no_more_families_than_its_error_budget(smoke_run):
    """Each exploratory family gets 1/RUN_FAMILIES of the run's share; more would overspend."""
    _, _, runs = smoke_run
    record = json.loads((runs[0] / "run.json").read_text(encoding="utf-8"))
    families = {(name, (item.get("evidence") or {}).get("family"))
                for name, nb in record["notebooks"].items() for item in nb.get("findings") or []
                if (item.get("evidence") or {}).get("p_value") is not None
                and (item.get("evidence") or {}).get("family") != "A/B tests"}
    assert 10 <= len(families) <= findings.RUN_FAMILIES, sorted(families)


@pytest.fixture(scope="module")
def browser():
    reason = report_pages.browser_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=report_pages.ARGS)
        yield chromium
        chromium.close()


def test_management_pages_read_as_briefs(smoke_run, browser):
    """Summary first, narrow readable tables, described charts, at most eight screens."""
    _, _, runs = smoke_run
    run = runs[0]
    language = json.loads((run / "run.json").read_text(encoding="utf-8"))["language"]
    summary = i18n.t("report.summary", language)
    found = {}
    for name in NOTEBOOKS:
        facts = report_pages.audit(browser, run / f"{name}.html",
                                   screenshot=run / "screenshots" / f"{name}.png")
        assert facts["lang"] == language
        if report_pages.problems(facts, summary):
            found[name] = report_pages.problems(facts, summary)
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)
    assert len(list((run / "screenshots").glob("*.png"))) == len(NOTEBOOKS)
