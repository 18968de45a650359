"""The analyst's side of the workbook: outputs stay out of git, quiet runs, live progress, lab.

Nothing heavy runs here: one tiny notebook, one kernel start.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from helpers.report import execute
from helpers.report.progress import RunProgress, live_progress, progress_view

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent.parent  # the environment running the tests
def importlib_util_find(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


# --------------------------------------------------------------------------- output filter


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(repo.parent)}
    proc = subprocess.run(
        ["git", "-c", "user.name=Analyst", "-c", "user.email=analyst@example.com",
         "-c", "commit.gpgsign=false", *args],
        cwd=repo, env=env, capture_output=True, text=True, check=True)
    return proc.stdout


def make(directory: Path, target: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(directory.parent)}
    return subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"),
                           target, f"VENV={VENV}"],
                          cwd=directory, env=env, capture_output=True, text=True)


TINY = {
    "cells": [
        {"cell_type": "markdown", "id": "title", "metadata": {"i18n": "tiny.md.title"},
         "source": ["# Tiny"]},
        {"cell_type": "code", "execution_count": None, "id": "answer",
         "metadata": {"tags": ["summary"]}, "outputs": [],
         "source": ["import sys\n", "print('forty-two')\n", "sys.stderr.write('warned\\n')\n",
                    "6 * 7"]},
    ],
    "metadata": {"kernelspec": {"display_name": "Key Account Workbook", "language": "python",
                                "name": "workbook"},
                 "language_info": {"name": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture(scope="module")
def filtered_repo(tmp_path_factory):
    """A git repository with the workbook's notebooks, .gitattributes and `make env`'s filter."""
    if not (shutil.which("git") and shutil.which("make")):
        pytest.skip("git and make are needed")
    if not importlib_util_find("nbstripout"):
        pytest.skip("nbstripout is a dev dependency: pip install -e '.[dev]'")
    repo = tmp_path_factory.mktemp("analyst") / "workbook"
    shutil.copytree(ROOT / "notebooks", repo / "notebooks")
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    (repo / "notebooks" / "tiny.ipynb").write_text(
        json.dumps(TINY, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    git(repo, "init", "-q")
    proc = make(repo, "notebook-filter")
    assert proc.returncode == 0, proc.stderr
    assert "nbstripout installed" in proc.stdout
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "notebooks")
    return repo


def assert_nothing_to_commit(repo: Path) -> None:
    """No difference once filtered: ``git diff`` is empty and ``git add`` stages nothing.

    Before ``git add``, ``git status`` may still list an executed notebook: git sees the
    file's size change and does not run the filter for ``status``; ``add`` refreshes it.
    """
    assert git(repo, "diff") == "" and git(repo, "diff", "--no-textconv") == ""
    git(repo, "add", "notebooks")
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "diff", "--cached") == ""


def test_executing_a_notebook_in_place_leaves_git_clean(filtered_repo):
    from nbclient import NotebookClient

    path = filtered_repo / "notebooks" / "tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=60, kernel_name=execute.kernel_name(),
                   kernel_manager_class=execute.quiet_kernel_manager()).execute()
    nbformat.write(nb, path)
    written = json.loads(path.read_text(encoding="utf-8"))
    answer = written["cells"][1]
    assert answer["execution_count"] == 1 and len(answer["outputs"]) == 3  # really executed
    assert set(written["metadata"]["language_info"]) > {"name", "version"}
    assert_nothing_to_commit(filtered_repo)


def test_the_filter_strips_outputs_and_keeps_ids_tags_i18n_and_kernelspec(filtered_repo):
    path = filtered_repo / "notebooks" / "data_overview.ipynb"
    committed = json.loads(git(filtered_repo, "show", "HEAD:notebooks/data_overview.ipynb"))
    original = json.loads((ROOT / "notebooks" / "data_overview.ipynb").read_text("utf-8"))
    assert committed == original  # the filter changes nothing in an output-free notebook
    assert any("tags" in c["metadata"] for c in committed["cells"])
    assert any("i18n" in c["metadata"] for c in committed["cells"])

    run = json.loads(json.dumps(original))
    for number, cell in enumerate(run["cells"], 1):
        cell["metadata"]["execution"] = {"iopub.status.idle": "2026-06-30T10:00:00Z"}
        if cell["cell_type"] == "code":
            cell["execution_count"] = number
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["41446721.79"]}]
    run["metadata"]["language_info"].update(version="3.11.9", mimetype="text/x-python")
    path.write_text(json.dumps(run, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        assert_nothing_to_commit(filtered_repo)
        cleaned = json.loads(subprocess.run(
            [sys.executable, "-m", "nbstripout", "--keep-id", "-t", str(path)],
            capture_output=True, text=True, check=True).stdout)
        assert [c["id"] for c in cleaned["cells"]] == [c["id"] for c in original["cells"]]
        assert [c["metadata"] for c in cleaned["cells"]] == [c["metadata"] for c in
                                                              original["cells"]]
        assert cleaned["metadata"]["kernelspec"] == original["metadata"]["kernelspec"]
    finally:
        git(filtered_repo, "checkout", "HEAD", "--", "notebooks/data_overview.ipynb")


def test_gitattributes_names_the_filter_for_every_notebook():
    lines = (ROOT / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert "*.ipynb filter=nbstripout" in lines and "*.ipynb diff=ipynb" in lines


def test_make_env_filter_outside_a_git_work_tree_does_not_fail(tmp_path):
    if not shutil.which("make"):
        pytest.skip("make is needed")
    proc = make(tmp_path, "notebook-filter")
    assert proc.returncode == 0, proc.stderr
    assert "not a git work tree" in proc.stdout


def test_make_lab_allows_root_and_opens_the_workbook_kernel(tmp_path):
    if not shutil.which("make"):
        pytest.skip("make is needed")
    proc = subprocess.run(["make", "-n", "-f", str(ROOT / "Makefile"), "lab", "-o",
                           str(VENV / ".installed"), f"VENV={VENV}"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    command = next(ln for ln in proc.stdout.splitlines() if "jupyter lab" in ln)
    assert ("--allow-root" in command) == (os.geteuid() == 0)
    assert "default_kernel_name=workbook" in command and command.endswith("notebooks/")


# --------------------------------------------------------------------------- quiet runs


@contextlib.contextmanager
def restored_loggers():
    names = ("papermill", "nbclient", "jupyter_client", "traitlets")
    levels = {name: logging.getLogger(name).level for name in names}
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_a_kernel_of_the_runner_starts_and_stops_without_noise(capfd, monkeypatch):
    """Not filtered away: the kernel no longer prints the warning (encrypted transport)."""
    import asyncio

    import zmq

    monkeypatch.setattr(execute, "is_kernel_noise", lambda line: False)  # show everything
    manager_class = execute.quiet_kernel_manager()

    async def start_and_stop() -> str:
        km = manager_class(kernel_name=execute.kernel_name())
        await km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            reply = await kc.execute_interactive("print('ready')", timeout=60,
                                                 output_hook=lambda msg: None)
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=False)
        return km.transport_encryption, reply["content"]["status"]

    with restored_loggers(), warnings.catch_warnings():
        warnings.simplefilter("error")  # any runner-side warning fails the test
        execute.quiet_runner()
        encryption, status = asyncio.run(start_and_stop())
    assert status == "ok"
    assert encryption == ("auto" if zmq.has("curve") else "disabled")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_missing_cell_ids_do_not_warn_in_the_runner(tmp_path):
    nb = json.loads(json.dumps(TINY))
    for cell in nb["cells"]:
        del cell["id"]
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    with restored_loggers(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        execute.quiet_runner()
        read = nbformat.read(path, as_version=4)
        nbformat.writes(read)
    assert [str(w.message) for w in caught] == []
    assert all(cell.get("id") for cell in read.cells)  # nbformat fills them in itself


def test_quiet_runner_keeps_library_errors():
    with restored_loggers():
        execute.quiet_runner()
        for name in ("papermill", "nbclient", "jupyter_client", "traitlets"):
            logger = logging.getLogger(name)
            assert not logger.isEnabledFor(logging.WARNING) and logger.isEnabledFor(logging.ERROR)


# --------------------------------------------------------------------------- live progress


def render(renderable) -> str:
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=80, color_system=None, force_terminal=False).print(renderable)
    return out.getvalue()


def test_progress_view_lists_running_notebooks_with_elapsed_time_and_done_total():
    state = {"total": 5, "running": {"customer_value": 100.0, "data_overview": 90.0},
             "rendering": ["kpi_monitoring"], "done": {"budget_allocation": "ok",
                                                       "content_evaluation": "failed"}}
    lines = [ln.rstrip() for ln in render(progress_view(state, now=112.5)).splitlines()]
    assert lines[0].startswith("▶ data_overview") and lines[0].endswith("22.5 s")  # oldest first
    assert lines[1].startswith("▶ customer_value") and lines[1].endswith("12.5 s")
    assert lines[2].startswith("▶ kpi_monitoring") and lines[2].endswith("writing pages")
    assert lines[3] == "2/5 done, 1 failed"


def test_progress_view_of_a_fresh_run():
    state = RunProgress(3).snapshot()
    assert render(progress_view(state, now=0.0)).strip() == "0/3 done"


def test_run_progress_follows_a_notebook_from_start_to_done():
    progress = RunProgress(2)
    progress.start("a", now=5.0)
    assert progress.snapshot()["running"] == {"a": 5.0}
    progress.executed("a")
    assert progress.snapshot()["running"] == {} and progress.snapshot()["rendering"] == ["a"]
    progress.finish("a", "ok")
    assert progress.snapshot() == {"total": 2, "running": {}, "rendering": [],
                                   "done": {"a": "ok"}}


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_display_only_on_a_terminal(monkeypatch):
    from rich.live import Live

    monkeypatch.setenv("TERM", "xterm-256color")
    progress = RunProgress(1)
    assert isinstance(live_progress(progress, io.StringIO()), contextlib.nullcontext)
    assert isinstance(live_progress(progress, FakeTerminal()), Live)
    monkeypatch.setenv("TERM", "dumb")
    assert isinstance(live_progress(progress, FakeTerminal()), contextlib.nullcontext)


def test_without_a_terminal_the_live_display_prints_nothing():
    out = io.StringIO()
    progress = RunProgress(1)
    with contextlib.redirect_stdout(out), live_progress(progress):
        progress.start("a")
        print("  a                            ok         1.0 s")
        progress.finish("a", "ok")
    assert out.getvalue() == "  a                            ok         1.0 s\n"
