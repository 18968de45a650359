"""Scheduling examples: the cron line, the systemd timer, the Airflow DAG and the run log."""

from __future__ import annotations

import configparser
import importlib.util
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from kpi_project import kpi_run

from helpers import cli

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
AS_OF_SHELL = re.compile(r'"\$\(date -d yesterday \+\\?%?%F\)"')
CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def workbook_args(command: str) -> list[str]:
    """The arguments after ``workbook`` in a shell command, with the date filled in."""
    command = AS_OF_SHELL.sub("2026-06-30", command)
    words = shlex.split(command)
    start = next(i for i, w in enumerate(words) if w == "workbook" or w.endswith("/workbook"))
    args = []
    for w in words[start + 1:]:
        if w in (">>", ">", "2>&1", "&&", ";", "|"):
            break
        args.append(w)
    return args


def cron_field_ok(field: str, lo: int, hi: int) -> bool:
    for part in field.split(","):
        base, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return False
        if base == "*":
            continue
        bounds = base.split("-")
        if len(bounds) > 2 or not all(b.isdigit() and lo <= int(b) <= hi for b in bounds):
            return False
        if len(bounds) == 2 and int(bounds[0]) > int(bounds[1]):
            return False
    return True


def test_cron_line_is_valid_and_calls_the_cli():
    lines = [ln for ln in (DEPLOY / "cron.example").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert all(cron_field_ok(f, lo, hi) for f, (lo, hi) in zip(fields[:5], CRON_RANGES,
                                                                 strict=True))
    command = fields[5]
    assert "%" not in command.replace("\\%", "")  # cron would cut the line at a bare %
    args = workbook_args(command.replace("\\%", "%"))
    parsed = cli.build_parser().parse_args(args)
    assert parsed.command == "run" and parsed.as_of == "2026-06-30"
    assert ">> reports/cron.log 2>&1" in command


def read_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return unit


def test_systemd_service_runs_the_cli_once():
    service = read_unit("key-account-workbook.service")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["WorkingDirectory"].startswith("/")
    exec_start = service["Service"]["ExecStart"]
    inner = shlex.split(exec_start)[-1]  # /bin/sh -c '<command>'
    assert "%%F" in inner  # systemd's escape for a literal %
    args = workbook_args(inner.replace("%%", "%"))
    assert cli.build_parser().parse_args(args).as_of == "2026-06-30"


def test_systemd_timer_is_persistent_and_names_the_service():
    timer = read_unit("key-account-workbook.timer")
    assert timer["Timer"]["Unit"] == "key-account-workbook.service"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    calendar = timer["Timer"]["OnCalendar"]
    assert re.fullmatch(r"Mon\.\.Fri \*-\*-\* 06:00:00", calendar)
    tool = shutil.which("systemd-analyze")
    if tool:  # the authoritative parser, where systemd is installed
        done = subprocess.run([tool, "calendar", calendar], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def load_dag_module():
    path = DEPLOY / "airflow" / "key_account_workbook_dag.py"
    spec = importlib.util.spec_from_file_location("key_account_workbook_dag", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_airflow_dag_source_calls_the_cli():
    source = (DEPLOY / "airflow" / "key_account_workbook_dag.py").read_text(encoding="utf-8")
    compile(source, "key_account_workbook_dag.py", "exec")
    command = re.search(r"COMMAND = \((.*?)\n\)", source, re.DOTALL).group(1)
    assert ".venv/bin/workbook run --as-of {{ data_interval_end | ds }}" in command
    assert "max_active_runs=1" in source


def test_airflow_dag_imports_when_airflow_is_installed():
    pytest.importorskip("airflow", reason="Airflow is not installed; the DAG is an example")
    module = load_dag_module()
    assert module.dag.dag_id == "key_account_workbook"
    task = module.dag.get_task("workbook_run")
    assert "workbook run" in task.bash_command


@pytest.mark.slow
def test_a_run_logs_to_a_file_in_its_folder():
    r = kpi_run()
    log = (r.run / "run.log").read_text(encoding="utf-8")
    assert f"run {r.run.name}:" in log
    assert re.search(r"kpi_monitoring\s+ok\s", log)
    assert f"reports/{r.run.name}/: 1 ok, 0 failed" in log
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO |ERROR) ", ln)
               for ln in log.splitlines())
    assert f'href="{r.run.name}/run.log"' in (r.reports / "index.html").read_text(
        encoding="utf-8")
