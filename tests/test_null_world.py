"""Acceptance: on a world without any planted effect, no report states a finding.

The null world (``workbook sample-data --profile null``) has every table of the sample world
but no association for an analysis to find: any comparison or trend stated on it is a
false discovery. One `workbook run` of every notebook on a small null world with a pinned
seed; no notebook may record a stated comparison or trend, and no management page
(nor the portal) may use the phrasings that used to turn noise into findings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from report_text import visible_text

from helpers import sample_world

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
AS_OF = "2026-06-30"
#: small enough for a run of about a minute and a half, large enough for every section to run
ACCOUNTS = 300
SEED = 2026
#: kinds of finding that claim a difference or a trend. Alarms are left out: the null world
#: has stationary churn, so an account that truly stopped buying may rightly raise one.
CLAIMS = ("comparison", "trend")
#: phrasings that stated noise as a finding before findings were gated
NOISE = ("over-represented", "× an even spread", "leads with")


@pytest.fixture(scope="module")
def null_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("null_world")
    world = base / "world"
    truth = sample_world.generate_world(world, accounts=ACCOUNTS, seed=SEED, effects="none")
    assert truth["planted"] == {}
    reports = base / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.cli", "run", "--data", str(world), "--as-of", AS_OF,
         "--reports-dir", str(reports), "--jobs", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    runs = [p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return proc, reports, runs


def recorded_findings(run: Path) -> dict[str, list[dict]]:
    """Every finding the notebooks of a run recorded, by notebook.

    The run's ``run.json`` keeps what each notebook wrote to ``findings/<name>.json``; a
    ``findings`` folder in the run folder, where present, is read as well.
    """
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    out = {name: list(nb.get("findings") or []) for name, nb in record["notebooks"].items()}
    for path in sorted((run / "findings").glob("*.json")):
        items = json.loads(path.read_text(encoding="utf-8"))
        known = out.setdefault(path.stem, [])
        known += [i for i in items if isinstance(i, dict) and i not in known]
    return out


def false_findings(run: Path) -> list[str]:
    """The stated comparisons and trends of a run: on a null world, all false."""
    return [f"{name}: [{item.get('kind')}] {item.get('text')}"
            for name, items in recorded_findings(run).items() for item in items
            if item.get("stated", True) and item.get("kind") in CLAIMS]


def test_every_notebook_runs_on_the_null_world(null_run):
    proc, _, runs = null_run
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert len(runs) == 1
    record = json.loads((runs[0] / "run.json").read_text(encoding="utf-8"))
    statuses = {name: nb["status"] for name, nb in record["notebooks"].items()}
    assert statuses == {name: "ok" for name in NOTEBOOKS}


def test_no_finding_is_stated_on_the_null_world(null_run):
    _, _, runs = null_run
    assert runs, "the run wrote no run folder"
    false = false_findings(runs[0])
    assert not false, "false findings on the null world:\n" + "\n".join(false)


def test_no_page_states_noise_on_the_null_world(null_run):
    _, reports, runs = null_run
    assert runs, "the run wrote no run folder"
    pages = {name: runs[0] / f"{name}.html" for name in NOTEBOOKS}
    pages["portal"] = reports / "index.html"
    said = []
    for name, page in pages.items():
        if not page.is_file():
            continue
        text = visible_text(page.read_text(encoding="utf-8"))
        for phrase in NOISE:
            at = text.find(phrase)
            if at >= 0:
                said.append(f"{name}: …{text[max(0, at - 120): at + 60]}…")
    assert not said, "noise stated as findings on the null world:\n" + "\n".join(said)
