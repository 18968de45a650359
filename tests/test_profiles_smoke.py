"""End to end on data shaped like real exports: every notebook on every data profile.

Each profile (see :mod:`helpers.data.data_profiles`) is one `workbook run` of all notebooks on a
small world. Every run must exit 0; every analysis the data cannot support, or supports only
in part, must show its one-line "Skipped" or "In part only" note in its notebook's
management page; and no management page or the portal may show nan, None or inf.

Two profiles are built on the null world (``effects="none"``, the ``null`` profile), which
plants no effect at all, with a pinned seed: ``crm``, the shape of a third-party CRM export
(dates only, one young cohort), and ``empty-columns``, nearly every table and column. A
comparison or trend stated on them is a false discovery, so none may be stated.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from report_text import unreadable, visible_text

from helpers.data import capabilities, data_profiles, datasets, sample_world
from helpers.presentation import capability_text

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
PROFILES = [p for p in data_profiles.PROFILES if p != "full"]  # full: test_workbook_smoke
AS_OF = "2026-06-30"
#: the shape of a third-party B2B CRM export (dates only, one four-month-old cohort) on
#: which reports used to state noise
HELD_OUT = "crm"
#: profiles built on the null world: every comparison or trend stated on them is false
NULL_BASED = (HELD_OUT, "empty-columns")
#: phrasings that stated noise as a finding before findings were gated
NOISE = ("over-represented", "× an even spread", "leads with")


@pytest.fixture(scope="module")
def base_world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("profile_base")
    sample_world.generate_world(folder, accounts=200, seed=5)
    return folder


@pytest.fixture(scope="module")
def null_world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("profile_null_base")
    sample_world.generate_world(folder, accounts=200, seed=5, effects="none")
    return folder


@pytest.fixture(scope="module", params=PROFILES)
def profile_run(request, base_world, null_world, tmp_path_factory):
    profile = request.param
    base = tmp_path_factory.mktemp(f"profile_{profile}")
    world = base / "world"
    world.mkdir()
    # tried as third-party data is: with no industry, region or channel effect in it
    for f in (null_world if profile in NULL_BASED else base_world).iterdir():
        (world / f.name).write_bytes(f.read_bytes())
    data_profiles.apply_profile(world, profile, as_of=AS_OF)
    reports = base / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.cli", "run", "--data", str(world), "--as-of", AS_OF,
         "--reports-dir", str(reports), "--jobs", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    runs = [p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")]
    caps = capabilities.measure(datasets.open_workspace(world), AS_OF)
    return profile, proc, runs, caps


def test_every_notebook_runs(profile_run):
    profile, proc, runs, _ = profile_run
    assert proc.returncode == 0, f"{profile}: {proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    record = json.loads((runs[0] / "run.json").read_text(encoding="utf-8"))
    statuses = {name: nb["status"] for name, nb in record["notebooks"].items()}
    assert statuses == {name: "ok" for name in NOTEBOOKS}, profile


def test_sections_say_what_the_data_lacks(profile_run):
    """Each section the data cannot support, fully or at all, says so in its one line."""
    profile, proc, runs, caps = profile_run
    assert proc.returncode == 0
    lacking = 0
    for analysis in capabilities.ANALYSES:
        # a section on the analyst page only says so there; the others say so to managers too
        pages = [".analyst.html"] if _analyst_only(analysis) else [".html", ".analyst.html"]
        support = caps.support(analysis.key)
        for note in (capability_text.skip_note(support), capability_text.partial_note(support)):
            if note is None:
                continue
            lacking += 1
            for suffix in pages:
                page = visible_text((runs[0] / f"{analysis.notebook}{suffix}").read_text(encoding="utf-8"))
                assert note in page, f"{profile}/{analysis.notebook}{suffix}: {analysis.key}: {note}"
    assert lacking, f"{profile}: a thin profile should lack something"


def _analyst_only(analysis) -> bool:
    """Whether every cell that reports on ``analysis`` is left out of the management page."""
    nb = json.loads((ROOT / "notebooks" / f"{analysis.notebook}.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"
             and re.search(rf"[\"']{re.escape(analysis.key)}[\"']", "".join(c["source"]))]
    return bool(cells) and all("hide-management" in c.get("metadata", {}).get("tags", [])
                               for c in cells)


def test_management_pages_show_no_unreadable_values(profile_run):
    profile, proc, runs, _ = profile_run
    assert proc.returncode == 0
    for name in NOTEBOOKS:
        page = (runs[0] / f"{name}.html").read_text(encoding="utf-8")
        bad = unreadable(page)
        assert not bad, f"{profile}/{name}: {bad[:3]}"
        # thin data too: the page opens with its Summary, even when it says nothing is stated
        first = re.search(r"<h2\b[^>]*>(.*?)</h2>", page, re.S)
        assert first and re.sub(r"<[^>]+>|¶", "", first.group(1)).strip() == "Summary", \
            f"{profile}/{name}: first section is not the Summary"
    portal = (runs[0].parent / "index.html").read_text(encoding="utf-8")
    assert not unreadable(portal), f"{profile}/portal: {unreadable(portal)[:3]}"


def test_no_claim_on_a_world_without_effects(profile_run):
    """No stated comparison or trend, and none of the phrasings that once stated noise."""
    profile, proc, runs, _ = profile_run
    if profile not in NULL_BASED:
        pytest.skip("built on the sample world, whose effects are real")
    assert proc.returncode == 0
    record = json.loads((runs[0] / "run.json").read_text(encoding="utf-8"))
    stated = [f"{name}: [{item.get('kind')}] {item.get('text')}"
              for name, nb in record["notebooks"].items() for item in nb.get("findings") or []
              if item.get("stated", True) and item.get("kind") in ("comparison", "trend")]
    assert not stated, f"{profile}: claims on data without effects:\n" + "\n".join(stated)
    pages = [visible_text(p.read_text(encoding="utf-8"))
             for p in [*(runs[0] / f"{n}.html" for n in NOTEBOOKS), runs[0].parent / "index.html"]]
    said = [phrase for phrase in NOISE if any(phrase in page for page in pages)]
    assert not said, f"{profile}: noise stated as findings: {said}"


def test_held_out_export_states_no_noise(profile_run):
    """No time of day, no at-risk alarm and no forecast of "0 orders" on the CRM export."""
    profile, proc, runs, _ = profile_run
    if profile != HELD_OUT:
        pytest.skip("the CRM export only")
    assert proc.returncode == 0
    pages = "\n".join(visible_text((runs[0] / f"{name}.html").read_text(encoding="utf-8"))
                      for name in NOTEBOOKS)
    for said in (r"\b00:00-", r"around 0:00", r"place 0 orders|(?<![\d,.])0 orders worth",
                 r"once-frequent buyers \(RFM"):
        assert not re.search(said, pages), said
