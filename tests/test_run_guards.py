"""A run refuses early and explains: bad dates, parameters, data, folders and drivers.

No kernel starts in these tests: every refusal happens before the notebooks run.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import io
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import cli
from helpers.core import params
from helpers.core.errors import DataError, ParamError, WorkbookError
from helpers.data import loading
from helpers.report import execute, outputs, portal, run
from helpers.report.lock import RunLock, RunLockedError

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
WORKBOOK_YAML = """\
data_source: data/mine
mapping_file: ""
password_env: WORKBOOK_DB_PASSWORD
as_of: "2026-06-30"
currency: EUR
language: en
company_name: Fixture Industries
memory_limit: 1GB
"""
GOOD_ORDERS = "order_id,account_id,order_date,amount\nO1,A1,2026-01-15,1200.50\n"


def make_project(root: Path, orders: str | None = GOOD_ORDERS) -> Path:
    (root / "params").mkdir(parents=True)
    (root / "notebooks").mkdir()
    data = root / "data" / "mine"
    data.mkdir(parents=True)
    (data / "accounts.csv").write_text("account_id\nA1\n", encoding="utf-8")
    if orders is not None:
        (data / "orders.csv").write_text(orders, encoding="utf-8")
    shutil.copy(FIXTURES / "ok.ipynb", root / "notebooks" / "ok.ipynb")
    (root / "params" / "workbook.yaml").write_text(WORKBOOK_YAML, encoding="utf-8")
    return root


@pytest.fixture()
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBOOK_HOME", raising=False)
    return make_project(tmp_path / "project")


def earlier_run(reports: Path) -> dict[str, str]:
    """A finished run folder and portal, to prove a refused run leaves them alone."""
    folder = reports / "20260101T060000Z"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({
        "run_id": folder.name, "status": "ok", "notebooks": {"ok": {
            "status": "ok", "title": "OK", "files": {"management": "ok.html"}}}}),
        encoding="utf-8")
    (folder / "ok.html").write_text("report", encoding="utf-8")
    portal.build_portal(reports)
    return digest(reports)


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"}


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "31/01/2026", "soon"])
def test_as_of_must_be_a_real_date(text):
    with pytest.raises(ParamError) as err:
        params.parse_as_of(text)
    assert str(err.value) == (f"--as-of: as_of must be a real date written YYYY-MM-DD, "
                              f"e.g. 2026-06-30; got {text!r}")
    assert params.parse_as_of("2026-06-30").isoformat() == "2026-06-30"


@pytest.mark.parametrize("argv", [
    ["validate", "--as-of", "2026-13-01", "--data", "nowhere"],
    ["load", "--from", "nowhere", "--to", "x.duckdb", "--as-of", "2026-13-01"],
    ["run", "--as-of", "2026-13-01"],
])
def test_bad_as_of_is_one_line_and_exit_2_in_every_command(argv, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'2026-13-01'" in err and "Traceback" not in err


# --------------------------------------------------------------------------- parameter ranges


@pytest.mark.parametrize("yaml_text, expected", [
    ("key_account_criteria: {capacity: lots}",
     "params/customer_value.yaml: key_account_criteria.capacity = 'lots' must be a whole "
     "number from 5 to 25; write the number without quotes"),
    ("key_account_criteria: {capacity: 500}",
     "params/customer_value.yaml: key_account_criteria.capacity = 500 must be from 5 to 25"),
    ("tier_basis: shares",
     "params/customer_value.yaml: tier_basis = 'shares' must be one of: share, amount; "
     "did you mean 'share'?"),
    ("monthly_discount_rate: 3", "monthly_discount_rate = 3.0 must be from 0 to 1"),
])
def test_values_out_of_range_are_refused_with_the_allowed_range(tmp_path, yaml_text,
                                                                  expected):
    root = Path(__file__).resolve().parents[1]
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()
    shutil.copy(root / "params" / "workbook.yaml", tmp_path / "params" / "workbook.yaml")
    shutil.copy(root / "notebooks" / "customer_value.ipynb", tmp_path / "notebooks")
    (tmp_path / "params" / "customer_value.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ParamError) as err:
        params.resolve_parameters("customer_value", root=tmp_path)
    assert expected in str(err.value)


def test_every_number_and_fixed_choice_has_a_declared_rule():
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        declared = params.notebook_parameters(path)
        ruled = {k.partition(".")[0] for k in params.rules_for(path.stem)}
        numbers = {k for k, spec in declared.items()
                   if params._base_type(spec["type"])[0] in ("int", "float")}
        assert numbers <= ruled, (path.stem, sorted(numbers - ruled))
        assert "language" in ruled
        # the notebooks' own defaults and the shipped params files are within range
        params.resolve_parameters(path.stem, root=root)


def test_rules_are_shown_by_workbook_params():
    text = params.describe_parameters("customer_value")
    assert "allowed: key_account_criteria.capacity 5 to 25" in text
    assert "allowed: tier_basis one of: share, amount" in text


def test_rule_checks_types_and_bounds():
    rule = params.count(5, 25)
    assert rule.problem(20) is None and rule.problem(None) is None
    assert rule.problem(20.5) == "must be a whole number from 5 to 25"
    assert rule.problem(True) == "must be a whole number from 5 to 25"
    assert params.between(0).problem(-1) == "must be at least 0"
    assert params.between(0, 1).problem(float("nan")) == "must be from 0 to 1"


def test_bad_parameter_stops_the_run_before_anything_starts(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    monkeypatch.setattr(run, "execute_notebook", lambda *a, **k: pytest.fail("ran"))
    (project / "params" / "ok.yaml").write_text("language: fr\n", encoding="utf-8")
    assert cli.main(["run", "--reports-dir", str(project / "reports")]) == 2
    err = capsys.readouterr().err
    assert "params/ok.yaml: language = 'fr' must be one of: en, zh" in err
    assert not (project / "reports").exists()


# --------------------------------------------------------------------------- data before kernels


def test_validation_errors_stop_the_run_with_every_finding(project, monkeypatch, capsys):
    reports = project / "reports"
    before = earlier_run(reports)
    (project / "data" / "mine" / "orders.csv").write_text(
        "order_id,account_id,order_date,amount\nO1,A1,2026-01-15,\nO1,A1,2026-01-16,5\n",
        encoding="utf-8")
    started = []
    monkeypatch.setattr(run, "execute_notebook", lambda *a, **k: started.append(a))
    monkeypatch.chdir(project)
    assert cli.main(["run", "--reports-dir", str(reports)]) == 2
    err = capsys.readouterr().err
    assert "data source data/mine: the data has 2 error(s):" in err
    assert "no amount" in err and "order_id" in err  # the list after the colon is there
    assert "No notebook was run" in err
    assert started == []
    assert digest(reports) == before
    assert not list(reports.glob(".staging-*"))


def test_missing_data_source_is_refused_before_kernels(project, monkeypatch):
    shutil.rmtree(project / "data" / "mine")
    monkeypatch.setattr(run, "execute_notebook", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(DataError, match="data/mine' not found"):
        run.run_workbook(root=project)


def test_a_good_source_is_validated_once_and_cached_for_the_notebooks(project, tmp_path):
    cache = tmp_path / "run"
    resolved = {"ok": params.resolve_parameters("ok", root=project)}
    assert run.check_data_sources(resolved, cache, project) == 1
    assert list((cache / "cache").glob("validation*"))


@pytest.mark.skipif(importlib.util.find_spec("psycopg") is not None,
                    reason="the PostgreSQL client is installed here")
def test_missing_database_driver_names_the_install_command(project, capsys):
    with pytest.raises(DataError) as err:
        loading.check_driver("postgresql://analyst@db.example.com/crm")
    assert str(err.value) == ("cannot connect to postgresql://analyst@db.example.com/crm: the "
                              "psycopg client is not installed in this environment; install "
                              "it with: pip install -e '.[postgres]'")
    code = cli.main(["run", "--data", "postgresql://analyst@db.example.com/crm",
                     "--reports-dir", str(project / "reports")])
    assert code == 2 and "pip install -e '.[postgres]'" in capsys.readouterr().err


def test_spark_targets_are_written_without_spark():
    loading.check_driver("pyspark:///srv/lake", reading=False)
    loading.check_driver("data/sample")


# --------------------------------------------------------------------------- the reports folder


def test_unwritable_reports_folder_is_one_line(project, monkeypatch, capsys):
    reports = project / "reports"
    before = earlier_run(reports)

    def refuse(self, data):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    monkeypatch.chdir(project)
    assert cli.main(["run", "--reports-dir", str(reports)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot write to the reports folder reports (Permission denied)" in err
    monkeypatch.undo()
    assert digest(reports) == before


def test_full_disk_during_the_run_keeps_earlier_reports(project, monkeypatch):
    reports = project / "reports"
    before = earlier_run(reports)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run, "_execute_run", full)
    with pytest.raises(WorkbookError, match="is on a full disk"):
        run.run_workbook(root=project, reports_dir=reports)
    assert digest(reports) == before
    assert not list(reports.glob(".staging-*"))


# --------------------------------------------------------------------------- errors and the CLI


def test_unexpected_errors_are_one_line_with_exit_1(monkeypatch, capsys):
    def boom(args):
        raise KeyError("oops")

    monkeypatch.setattr(cli, "_cmd_list", boom)
    monkeypatch.delenv("WORKBOOK_DEBUG", raising=False)
    assert cli.main(["list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("internal error: KeyError") and "WORKBOOK_DEBUG=1" in err
    monkeypatch.setenv("WORKBOOK_DEBUG", "1")
    with pytest.raises(KeyError):
        cli.main(["list"])


def test_expected_errors_exit_2():
    assert cli.describe_error(ParamError("x: bad"))[1] == 2
    assert cli.describe_error(FileNotFoundError(2, "No such file", "a.yaml")) == (
        "error: a.yaml: No such file", 2)
    assert cli.describe_error(ValueError("bad value"))[1] == 2


def test_full_message_keeps_the_list_after_the_colon():
    text = "the data has 2 error(s):\n- orders.amount is empty\n\n- ids collide"
    assert execute.full_message(text) == (
        "the data has 2 error(s):\n- orders.amount is empty\n- ids collide")
    assert len(execute.full_message("x" * 10000)) == execute.MESSAGE_LIMIT


# --------------------------------------------------------------------------- the portal


def test_portal_shows_failures_in_full_and_last_good_only_when_there_is_one(tmp_path):
    reports = tmp_path / "reports"
    folder = reports / "20260701T060000Z"
    folder.mkdir(parents=True)
    error = "ValidationError: the data has 2 error(s):\n- <a> is wrong\n- b is wrong"
    (folder / "run.json").write_text(json.dumps({
        "run_id": folder.name, "status": "failed", "language": "en", "notebooks": {
            "kpi_monitoring": {"status": "failed", "title": "KPIs", "error": error,
                               "files": {}}}}), encoding="utf-8")
    page = portal.build_portal(reports).read_text(encoding="utf-8")
    assert "- &lt;a&gt; is wrong\n- b is wrong" in page
    assert "No earlier good report" in page
    assert "last good version is shown" not in page
    assert "there is no earlier good report" in page


def test_cards_never_show_none_or_nan(tmp_path):
    path = outputs.record_headlines("x", {
        "a": {"value": None}, "b": {"value": float("nan"), "delta": float("inf")},
        "c": np.float64("nan"), "d": {"value": pd.NA}, "e": {"value": 3, "delta": None}},
        tmp_path)
    cards = json.loads(path.read_text(encoding="utf-8"))
    assert [c["value"] for c in cards.values()] == [None, None, None, None, 3]
    shown = portal._cards(portal.card_deltas(cards, {"e": {"value": float("nan")}}))
    assert [c["value"] for c in shown] == ["–", "–", "–", "–", "3"]
    assert all(c["delta"] is None for c in shown)


# --------------------------------------------------------------------------- reproducible exports


def test_exports_are_byte_identical_and_ignore_float_noise(tmp_path):
    frame = pd.DataFrame({"account_id": ["A", "B", "C"], "clv": [0.1 + 0.2, 1234567.891, np.nan],
                          "share": [1 / 3, np.inf, 2e-7], "orders": [1, 2, 3]})
    noisy = frame.assign(clv=frame.clv * (1 + 1e-13), share=frame.share + 1e-13)
    a = outputs.write_export(frame, tmp_path / "a.csv").read_bytes()
    b = outputs.write_export(noisy, tmp_path / "b.csv").read_bytes()
    assert a == b
    assert a.decode() == ("account_id,clv,share,orders\nA,0.3,0.333333,1\n"
                          "B,1234567.891,,2\nC,,0,3\n")
    outputs.write_xlsx({"plan": frame, "other": frame.head(1)}, tmp_path / "a.xlsx")
    time.sleep(1.1)  # zip entries and document properties would carry the clock
    outputs.write_xlsx({"plan": noisy, "other": noisy.head(1)}, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    back = pd.read_excel(tmp_path / "a.xlsx", sheet_name=None)
    assert list(back) == ["plan", "other"] and back["plan"].clv.iloc[1] == 1234567.891
    assert not list(tmp_path.glob(".*.tmp"))
    assert os.path.getsize(tmp_path / "a.xlsx") > 0


def test_kernel_start_up_noise_is_dropped_but_real_errors_pass(capsys):
    stream = io.BytesIO(b"[IPKernelApp] WARNING | Kernel is running over TCP without "
                        b"encryption. All communication ...\nMemoryError: real trouble\n")
    execute._forward_stderr(stream)
    assert capsys.readouterr().err == "MemoryError: real trouble\n"


def test_notebooks_write_exports_only_through_the_shared_writer():
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert ".to_csv(" not in code and ".to_excel(" not in code, (
            f"{path.name}: write exports with outputs.write_export / write_xlsx")


def test_language_override_reaches_every_notebook(tmp_path):
    from helpers.core import params as P

    resolved = P.resolve_parameters("kpi_monitoring", {"language": "zh", "as_of": None},
                                    Path(__file__).parents[1])
    assert resolved["language"] == "zh"


# --------------------------------------------------------------------------- run lock (filelock)

HOLD_LOCK = """
import sys, time
from pathlib import Path
from helpers.report import execute, outputs, portal, run
from helpers.report.lock import RunLock, RunLockedError
lock = RunLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_a_run_in_another_process_is_named_and_its_crash_frees_the_lock(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "reports" / ".lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunLockedError) as err:
            RunLock(path, "reports/.lock").acquire()
        assert str(err.value) == (
            f"another workbook run (pid {holder.pid}) holds reports/.lock; wait for it to "
            "finish (the lock is released automatically when that process ends)")
    finally:
        holder.kill()  # a crash: no release, no clean-up
        holder.wait()
        holder.stdout.close()
    assert path.exists()  # the stale file is left behind and does not block
    with RunLock(path) as lock:
        assert lock._holder() == str(os.getpid())


def test_the_lock_is_exclusive_within_one_process_too(tmp_path):
    path = tmp_path / ".lock"
    with RunLock(path):
        with pytest.raises(RunLockedError, match=f"pid {os.getpid()}"):
            RunLock(path).acquire()
    RunLock(path).acquire().release()
