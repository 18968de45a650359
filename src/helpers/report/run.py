"""Run the notebooks, render the reports and refresh the portal: ``workbook run``.

One run executes the selected notebooks with papermill into ``reports/.staging-<run-id>/``,
renders each executed notebook twice (a management page without code and an analyst
page with code), writes ``run.json`` and then renames the folder to ``reports/<run-id>/``
in one step. Earlier run folders are never modified; a notebook that fails keeps its last
good report in the portal (``reports/index.html``).

``run.json`` records per notebook what its figures depend on
(:func:`helpers.report.history.comparability`: a hash of its parameters, the data source
with its fingerprint, the code version); the portal compares a figure with the previous
run only when all of these are the same.

Notebooks talk back to the run through :mod:`helpers.report.outputs` (headline cards,
findings, export files). Each run logs to ``run.log`` in its folder as well as to the
console. :func:`run_workbook` reads as the sequence of its steps; each step is a small
function below it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from helpers.core.errors import ParamError, WorkbookError
from helpers.core.params import (
    SCHEDULED_ENV,
    load_workbook_settings,
    notebook_path,
    resolve_parameters,
    split_url_password,
)
from helpers.core.paths import is_url, project_root, resolve
from helpers.report.execute import (
    NotebookRun,
    default_jobs,
    execute_notebook,
    kernel_name,
    quiet_runner,
)
from helpers.report.history import (
    STAGING_PREFIX,
    code_version,
    comparability,
    data_fingerprint,
    load_runs,
    new_run_id,
    package_versions,
    prune_runs,
    schedule_order,
)
from helpers.report.lock import RunLock, check_reports_folder, folder_error
from helpers.report.notebooks import list_notebooks, localized_title
from helpers.report.portal import build_portal
from helpers.report.progress import RunLog, RunProgress, live_progress, utc_now
from helpers.report.render import render_report
from helpers.report.secrets import prepare_secrets, scrub, scrub_file

__all__ = ["LOCK_NAME", "SAMPLE_SOURCE", "check_data_sources", "ensure_sample_world",
           "run_workbook"]

# nbformat and papermill are imported inside the functions that use them (see execute.py).

#: Where the sample world lives; runs on it build it first when it is missing or stale.
SAMPLE_SOURCE = Path("data") / "sample"
#: The run lock, inside the reports folder.
LOCK_NAME = ".lock"


def run_workbook(names: list[str] | None = None, data: str | None = None,
                 as_of: str | None = None, jobs: int | None = None,
                 reports_dir: str | os.PathLike | None = None,
                 root: str | os.PathLike | None = None, language: str | None = None) -> int:
    """Execute notebooks, render their reports, record the run and refresh the portal.

    Parameters
    ----------
    names : list of str, optional
        Notebooks to run (default: every ``notebooks/*.ipynb``).
    data : str, optional
        Overrides ``data_source`` for every notebook; relative paths are taken from the
        current directory.
    as_of : str, optional
        Overrides ``as_of`` (``YYYY-MM-DD``).
    jobs : int, optional
        Notebooks executed at once (default: :func:`helpers.report.execute.default_jobs`,
        one per core within physical memory at each notebook's ``memory_limit``).
    reports_dir : path-like, optional
        Default ``reports/`` under the project root.
    root : path-like, optional
        Project folder (default: :func:`helpers.core.paths.project_root`).
    language : {"en", "zh"}, optional
        Overrides ``language`` for every notebook (the reports' language).

    Returns
    -------
    int
        0 when every notebook succeeded, 1 when any failed.

    Raises
    ------
    ParamError
        Before anything runs, for any parameter problem in any selected notebook.
    RunLockedError
        When another run holds ``reports/.lock``.
    """
    root = Path(root).resolve() if root else project_root()
    settings = load_workbook_settings(root)
    selected = _select_notebooks(names, root)
    if jobs is not None and jobs < 1:
        raise ParamError(f"--jobs must be at least 1, got {jobs}")
    overrides = {"data_source": _cli_data(data, root), "as_of": as_of, "language": language}
    resolved = _resolve_all(selected, overrides, root)
    clean, secrets, kernel_env = prepare_secrets(resolved)
    _note_kernel_passwords(kernel_env)
    reports = _reports_folder(reports_dir, root)
    check_reports_folder(reports, _display(reports, root))
    with RunLock(reports / LOCK_NAME, _display(reports / LOCK_NAME, root)):
        return _run_locked(root, settings, selected, clean, secrets, kernel_env, reports, jobs,
                           raw=resolved)


# --------------------------------------------------------------------------- before the lock


def _select_notebooks(names: list[str] | None, root: Path) -> list[str]:
    """The notebooks to run, without repeats; unknown names fail with a suggestion."""
    available = [p.stem for p in list_notebooks(root)]
    selected = list(dict.fromkeys(names)) if names else available
    if not selected:
        raise WorkbookError("no notebooks found in notebooks/; nothing to run")
    for name in selected:
        notebook_path(name, root)  # unknown names fail here, with a suggestion
    return selected


def _cli_data(data: str | None, root: Path) -> str | None:
    """``--data`` paths are relative to where the command was typed; keep them root-relative."""
    if data is None or is_url(data):
        return data
    path = Path(data).expanduser()
    path = path if path.is_absolute() else (Path.cwd() / path).resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _resolve_all(selected: list[str], overrides: dict, root: Path) -> dict[str, dict]:
    """Every notebook's parameters; the problems of all notebooks are raised together."""
    resolved, problems = {}, []
    for name in selected:
        try:
            resolved[name] = resolve_parameters(name, overrides, root)
        except ParamError as exc:
            problems.append(str(exc))
    if problems:
        raise ParamError("\n".join(problems))
    return resolved


def _note_kernel_passwords(kernel_env: dict[str, str]) -> None:
    for var in kernel_env:
        print(f"note: the password in data_source was kept out of the reports and passed to "
              f"the notebooks as ${var}; set ${var} instead of writing it in the URL",
              file=sys.stderr)


def _reports_folder(reports_dir: str | os.PathLike | None, root: Path) -> Path:
    """The absolute reports folder (relative paths are taken from the current directory)."""
    reports = Path(reports_dir).expanduser() if reports_dir else root / "reports"
    return (Path.cwd() / reports).resolve() if not reports.is_absolute() else reports


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- under the lock


def _run_locked(root: Path, settings: dict, selected: list[str], params: dict[str, dict],
                secrets: set[str], kernel_env: dict[str, str], reports: Path,
                jobs: int | None, raw: dict[str, dict] | None = None) -> int:
    """Clear leftovers, prepare the data, open the staging folder and run in it."""
    # parameters are validated above; papermill's own guesses only add misleading warnings
    logging.getLogger("papermill").setLevel(logging.ERROR)
    for stale in reports.glob(f"{STAGING_PREFIX}*"):
        # under the lock, any staging folder is the leftover of an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    _ensure_sample_data(params, settings, root)

    earlier = load_runs(reports)
    started, t0 = utc_now(), time.monotonic()
    run_id = new_run_id(reports)
    staging = reports / f"{STAGING_PREFIX}{run_id}"
    try:
        (staging / "exports").mkdir(parents=True)
        # the data is opened and validated here, once, before any kernel starts; the
        # notebooks read the cached findings from the run folder
        check_data_sources(raw if raw is not None else params, staging, root)
        return _execute_run(root, settings, selected, params, secrets, kernel_env, reports,
                            jobs, earlier, started, t0, run_id, staging)
    except OSError as exc:
        if getattr(exc, "filename", None) and not str(exc.filename).startswith(str(reports)):
            raise
        raise WorkbookError(folder_error(_display(reports, root), exc)) from None
    finally:
        # a run that did not finish leaves nothing behind; earlier runs stay as they were
        shutil.rmtree(staging, ignore_errors=True)


def _ensure_sample_data(params: dict[str, dict], settings: dict, root: Path) -> None:
    """Build the sample world when a notebook reads it and it is missing or stale."""
    sources = sorted({p["data_source"] for p in params.values() if "data_source" in p})
    for source in sources:
        if _is_sample_source(source, root):
            ensure_sample_world(root / SAMPLE_SOURCE, settings["sample"])


def _is_sample_source(source: str, root: Path) -> bool:
    return not is_url(source) and resolve(source, root) == (root / SAMPLE_SOURCE)


def ensure_sample_world(path: Path, sample: dict) -> bool:
    """Build the sample world at ``path`` unless one matching ``sample`` is there.

    Parameters
    ----------
    path : pathlib.Path
    sample : dict
        ``accounts``, ``seed`` and ``locale`` from ``params/workbook.yaml``.

    Returns
    -------
    bool
        Whether a world was generated.
    """
    from helpers.data import sample_world

    options = {k: sample[k] for k in ("accounts", "seed", "locale")}
    if path.exists() and sample_world.world_matches(path, **options):
        return False
    print(f"building the sample world in {SAMPLE_SOURCE} ({options['accounts']:,} accounts, "
          f"seed {options['seed']}, locale {options['locale']})", flush=True)
    sample_world.generate_world(path, **options)
    return True


def check_data_sources(params: dict[str, dict], cache_dir: Path | None = None,
                       root: Path | None = None) -> int:
    """Open and validate every data source of a run, before any notebook starts.

    Each distinct combination of source, mapping, ``as_of`` and memory limit is opened
    once. With ``cache_dir`` (the run folder) the findings are cached there, so the
    notebooks read them instead of validating again.

    Parameters
    ----------
    params : dict
        Notebook name -> its resolved parameters (``data_source``, ``mapping_file``,
        ``password_env``, ``as_of``, ``memory_limit``).
    cache_dir : pathlib.Path, optional
        Where :func:`helpers.data.validation.cached_validate` keeps its result.
    root : pathlib.Path, optional
        Project folder that relative paths are taken from (the notebooks' project).

    Returns
    -------
    int
        Number of sources checked.

    Raises
    ------
    DataError
        A database driver is missing (with the install command) or the source cannot be
        opened or reached.
    ValidationError
        The data has errors; the message lists every one in full.
    """
    from helpers.core.errors import ValidationError
    from helpers.data import validation
    from helpers.data.datasets import open_workspace
    from helpers.data.loading import check_driver

    seen = set()
    for p in params.values():
        source = p.get("data_source")
        if not source:
            continue
        key = (source, p.get("mapping_file") or "", p.get("password_env") or "",
               str(p.get("as_of")), p.get("memory_limit") or "")
        if key in seen:
            continue
        seen.add(key)
        check_driver(str(source))
        mapping = p.get("mapping_file") or None
        if mapping:
            mapping = resolve(mapping, root)
        opened = source if is_url(str(source)) else str(resolve(source, root))
        ws = open_workspace(opened, mapping_file=mapping,
                            password_env=p.get("password_env") or None,
                            memory_limit=p.get("memory_limit") or None)
        if cache_dir is None:
            findings = validation.validate(ws, as_of=p.get("as_of"))
        else:
            findings = validation.cached_validate(
                ws, p.get("as_of"), cache_dir, mapping_file=mapping)
        try:
            validation.raise_for_errors(findings)
        except ValidationError as exc:
            label = _source_label(str(source))
            raise ValidationError(
                f"data source {label}: {exc}\nNo notebook was run and the earlier reports are "
                f"unchanged; fix the data (`workbook validate --data {label}` lists every "
                "finding) and run again", exc.findings) from None
    return len(seen)


def _source_label(source: str) -> str:
    return split_url_password(source)[0] if is_url(source) else source


# --------------------------------------------------------------------------- execution


def _execute_run(root: Path, settings: dict, selected: list[str], params: dict[str, dict],
                 secrets: set[str], kernel_env: dict[str, str], reports: Path,
                 jobs: int | None, earlier: list[dict], started: str, t0: float, run_id: str,
                 staging: Path) -> int:
    """Execute and finish every notebook, write ``run.json``, publish it, refresh the portal."""
    quiet_runner()  # before the worker threads start: warning filters are process-wide
    log = RunLog(staging / "run.log")
    output_dir = _display(staging, root)
    notebook_dir = root / "notebooks"
    kernel = kernel_name()
    if jobs is None:
        jobs = default_jobs([p.get("memory_limit") for p in params.values()])
    workers = max(1, min(jobs, len(selected)))
    runs = {name: NotebookRun(name, localized_title(name, notebook_dir,
                                                    params[name].get("language", "en")),
                              {**params[name], "output_dir": output_dir})
            for name in selected}
    info = _run_info(params, settings, run_id, started)
    log(f"run {run_id}: {len(selected)} notebook(s), {workers} at once, kernel {kernel}, "
        f"data as of {info['as_of']}")

    # kernels started by the runner already hold the resolved parameters
    with _kernel_environment({**kernel_env, SCHEDULED_ENV: "1"}):
        _execute_notebooks(runs, schedule_order(selected, earlier), workers, kernel,
                           settings["run"]["cell_timeout"], staging, notebook_dir, secrets,
                           info, log)

    shutil.rmtree(staging / "headlines", ignore_errors=True)
    shutil.rmtree(staging / "findings", ignore_errors=True)
    failed = [j.name for j in runs.values() if j.status != "ok"]
    record = _run_record(runs, selected, params, info, kernel, failed, staging, root,
                         started, t0, run_id)
    final = _publish(record, staging, reports / run_id, secrets, root)
    log.move(final)

    removed = prune_runs(reports, settings["run"]["keep_runs"])
    portal = build_portal(reports)
    log(f"{_display(final, root)}/: {len(selected) - len(failed)} ok, {len(failed)} failed"
        + (f"; pruned {len(removed)} old run(s)" if removed else "")
        + f"; portal {_display(portal, root)}")
    return 1 if failed else 0


def _run_info(params: dict[str, dict], settings: dict, run_id: str, started: str) -> dict:
    """The page frame's values shared by every report of the run."""
    # the run's as_of is what the notebooks got (a --as-of override included), not the YAML's
    dates = sorted({str(p["as_of"]) for p in params.values() if p.get("as_of")})
    return {"company_name": settings.get("company_name", ""),
            "as_of": dates[0] if len(dates) == 1 else settings.get("as_of", ""),
            "language": _run_language(params, settings), "run_id": run_id, "generated": started}


def _run_language(params: dict[str, dict], settings: dict) -> str:
    """The language the notebooks ran in (a ``--language`` override included)."""
    found = sorted({str(p["language"]) for p in params.values() if p.get("language")})
    return found[0] if len(found) == 1 else settings.get("language", "en")


@contextlib.contextmanager
def _kernel_environment(env: dict[str, str]):
    """Set ``env`` while the kernels start (they inherit it), then restore the old values."""
    saved = {var: os.environ.get(var) for var in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _execute_notebooks(runs: dict[str, NotebookRun], order: list[str], workers: int,
                       kernel: str, cell_timeout: int, staging: Path, notebook_dir: Path,
                       secrets: set[str], info: dict, log: RunLog) -> None:
    """Execute the notebooks ``workers`` at a time and finish each as soon as it is done."""
    progress = RunProgress(len(runs))

    def execute(name: str, job: NotebookRun) -> tuple[str, float, str | None]:
        progress.start(name)
        try:
            return execute_notebook(notebook_dir / f"{name}.ipynb", staging / f"{name}.ipynb",
                                    job.parameters, kernel=kernel, cwd=notebook_dir,
                                    cell_timeout=cell_timeout)
        finally:
            progress.executed(name)

    # live list of the running notebooks on a terminal; the plain lines below either way
    with live_progress(progress), \
            concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(execute, name, runs[name]): name for name in order}
        for future in concurrent.futures.as_completed(futures):
            job = runs[futures[future]]
            job.status, job.seconds, job.error = future.result()
            job_info = {**info, "as_of": job.parameters.get("as_of", info["as_of"])}
            _finish_notebook(job, staging, secrets, job_info, notebook_dir)
            progress.finish(job.name, job.status)
            log(f"  {job.name:<28} {job.status:<6} {job.seconds:7.1f} s"
                + (f"  {job.error}" if job.error else ""))


# --------------------------------------------------------------------------- finishing a notebook


def _finish_notebook(job: NotebookRun, staging: Path, secrets: set[str], info: dict,
                     notebook_dir: Path) -> None:
    """Scrub, then render (ok) or keep as ``<name>.failed.ipynb`` (failed)."""
    import nbformat

    executed = staging / f"{job.name}.ipynb"
    scrub_file(executed, secrets)
    if job.error:
        job.error = scrub(job.error, secrets)
    if job.status != "ok":
        if executed.is_file():
            failed = staging / f"{job.name}.failed.ipynb"
            executed.rename(failed)
            job.files = {"failed_notebook": failed.name}
        return
    try:
        nb = nbformat.read(executed, as_version=4)
        page_info = {**info, "title": job.title, "analyst_link": f"{job.name}.analyst.html"}
        for audience, filename in (("management", f"{job.name}.html"),
                                   ("analyst", f"{job.name}.analyst.html")):
            page = render_report(nb, audience=audience, info=page_info, notebook_dir=notebook_dir)
            (staging / filename).write_text(scrub(page, secrets), encoding="utf-8")
    except Exception as exc:  # a rendering bug must not take the other reports down
        job.status, job.error = "failed", f"rendering failed: {type(exc).__name__}: {_first_line(exc)}"
        for leftover in (f"{job.name}.html", f"{job.name}.analyst.html"):
            (staging / leftover).unlink(missing_ok=True)
        executed.rename(staging / f"{job.name}.failed.ipynb")
        job.files = {"failed_notebook": f"{job.name}.failed.ipynb"}
        return
    job.files = {"management": f"{job.name}.html", "analyst": f"{job.name}.analyst.html",
                 "notebook": executed.name}
    job.headlines = _read_headlines(staging, job.name)
    job.findings = _read_findings(staging, job.name)


def _first_line(text: str, limit: int = 300) -> str:
    line = next((ln for ln in str(text).splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _read_headlines(staging: Path, name: str) -> dict:
    path = staging / "headlines" / f"{name}.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        print(f"warning: {name}: headline file unreadable ({exc})", file=sys.stderr)
        return {}


def _read_findings(staging: Path, name: str) -> list:
    path = staging / "findings" / f"{name}.json"
    if not path.is_file():
        return []
    try:
        from helpers.report.summary import normalise_findings

        return normalise_findings(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        print(f"warning: {name}: findings file unreadable ({exc})", file=sys.stderr)
        return []


# --------------------------------------------------------------------------- the run record


def _run_record(runs: dict[str, NotebookRun], selected: list[str], params: dict[str, dict],
                info: dict, kernel: str, failed: list[str], staging: Path, root: Path,
                started: str, t0: float, run_id: str) -> dict:
    """The content of ``run.json``, with each notebook's comparability filled in."""
    data = {s: data_fingerprint(s, root)
            for s in sorted({p["data_source"] for p in params.values() if "data_source" in p})}
    code = code_version(root)
    notebook_dir = root / "notebooks"
    for name, job in runs.items():
        job.comparability = comparability(params[name], code, data,
                                          notebook_dir / f"{name}.ipynb", root)
    return {
        "run_id": run_id,
        "status": "failed" if failed else "ok",
        "started": started,
        "finished": utc_now(),
        "seconds": round(time.monotonic() - t0, 2),
        "company_name": info["company_name"],
        "language": info["language"],
        "as_of": info["as_of"],
        "kernel": kernel,
        "data": data,
        "code": code,
        "packages": package_versions(),
        "exports": sorted(p.relative_to(staging / "exports").as_posix()
                          for p in (staging / "exports").rglob("*") if p.is_file()),
        "notebooks": {name: runs[name].record() for name in selected},
    }


def _publish(record: dict, staging: Path, final: Path, secrets: set[str], root: Path) -> Path:
    """Write ``run.json`` (scrubbed) and rename the staging folder to ``final`` in one step."""
    for entry in record["notebooks"].values():
        entry["parameters"]["output_dir"] = _display(final, root)
    text = scrub(json.dumps(record, indent=2, ensure_ascii=False, default=str), secrets)
    (staging / "run.json").write_text(text + "\n", encoding="utf-8")
    os.rename(staging, final)
    return final
