"""A real, small run of the KPI notebook, shared by the portal, browser and scheduling tests.

The run is made once per test session (``functools.cache``): a throwaway project with the
KPI notebook, its params file, a 200-account sample world and ``language: zh``, executed by
:func:`helpers.report.run.run_workbook` like ``workbook run`` would.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import os
import re
import shutil
import tempfile
import types
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "kpi_monitoring"


def write_project(root: Path, *, language: str = "zh", as_of: str = "2026-06-30") -> Path:
    """A project folder holding only the KPI notebook, pointed at ``data/world``."""
    (root / "notebooks").mkdir(parents=True)
    (root / "params").mkdir()
    shutil.copy(REPO / "notebooks" / f"{NOTEBOOK}.ipynb", root / "notebooks")
    shutil.copy(REPO / "params" / f"{NOTEBOOK}.yaml", root / "params")
    (root / "params" / "workbook.yaml").write_text(
        "data_source: data/world\n"
        'mapping_file: ""\n'
        "password_env: WORKBOOK_DB_PASSWORD\n"
        f'as_of: "{as_of}"\n'
        "currency: EUR\n"
        f"language: {language}\n"
        "company_name: Fixture Industries\n"
        "memory_limit: 1GB\n"
        "run:\n  cell_timeout: 300\n  keep_runs: 5\n",
        encoding="utf-8")
    return root


@functools.cache
def kpi_run() -> types.SimpleNamespace:
    """Build the world, run the notebook once and return what the tests need."""
    from helpers.data import sample_world
    from helpers.report import history
    from helpers.report.run import run_workbook

    root = write_project(Path(tempfile.mkdtemp(prefix="kpi-run-")))
    atexit.register(shutil.rmtree, root, True)
    sample_world.generate_world(root / "data" / "world", accounts=200, seed=11)
    saved = os.environ.pop("WORKBOOK_HOME", None)  # the kernel must find this project
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            code = run_workbook(names=[NOTEBOOK], root=root, jobs=1)
    finally:
        if saved is not None:
            os.environ["WORKBOOK_HOME"] = saved
    reports = root / "reports"
    run = max((p for p in reports.iterdir() if history.RUN_ID_RE.match(p.name)),
              key=lambda p: p.name)
    return types.SimpleNamespace(root=root, reports=reports, run=run, code=code,
                                 out=out.getvalue())


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("a", "link") and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag in ("img", "script") and attrs.get("src"):
            self.hrefs.append(attrs["src"])
        if attrs.get("id"):
            self.ids.add(attrs["id"])


def broken_links(page: Path) -> list[str]:
    """Links and sources in ``page`` that do not resolve to a file (or an anchor in it).

    External links count as broken: the portal and the reports must work offline.
    """
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    broken = []
    for href in parser.hrefs:
        if href.startswith("data:") or href.startswith("mailto:"):
            continue
        parts = urlsplit(href)
        if parts.scheme or parts.netloc:
            broken.append(href)
        elif not parts.path:
            # browsers match the raw fragment first, then the percent-decoded one
            if parts.fragment and not {parts.fragment, unquote(parts.fragment)} & parser.ids:
                broken.append(href)
        elif not (page.parent / unquote(parts.path)).is_file():
            broken.append(href)
    return broken


def strip_tags(html: str) -> str:
    """Visible text of a page, roughly (for language checks)."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.DOTALL))
