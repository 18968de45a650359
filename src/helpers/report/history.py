"""The run history: what each run's figures depend on, and the runs kept on disk.

A run folder's ``run.json`` records per notebook a hash of its parameters, the data source
with its fingerprint and the code version (:func:`comparability`); two runs' figures are
compared only when all of these agree. :func:`load_runs` reads the records back, newest
first, and :func:`prune_runs` keeps the last good ones.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from importlib import metadata as _metadata
from pathlib import Path

from helpers.core.paths import is_url, resolve

__all__ = [
    "PACKAGES",
    "RUN_ID_RE",
    "STAGING_PREFIX",
    "new_run_id",
    "run_sort_key",
    "CODE_SUFFIXES",
    "RUN_LOCAL_PARAMETERS",
    "code_version",
    "comparability",
    "data_fingerprint",
    "last_good_runs",
    "load_runs",
    "package_versions",
    "parameters_hash",
    "prune_runs",
    "schedule_order",
]

#: a run in the making: renamed to its run id in one step when it is complete
STAGING_PREFIX = ".staging-"
RUN_ID_RE = re.compile(r"^(\d{8}T\d{6}Z)(?:-(\d+))?$")

#: versions recorded with every run
PACKAGES = (
    "key-account-workbook", "pandas", "numpy", "scipy", "scikit-learn", "statsmodels",
    "matplotlib", "seaborn", "ibis-framework", "duckdb", "sqlglot", "pyarrow", "papermill",
    "nbconvert", "nbclient", "ipykernel",
)


def new_run_id(reports_dir: Path, now: _dt.datetime | None = None) -> str:
    """A UTC timestamp id such as ``20261125T101500Z``, suffixed ``-2``, ``-3``... if taken."""
    stamp = (now or _dt.datetime.now(_dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = stamp, 1
    while (reports_dir / candidate).exists() or (reports_dir / f"{STAGING_PREFIX}{candidate}").exists():
        n += 1
        candidate = f"{stamp}-{n}"
    return candidate


def run_sort_key(run_id: str) -> tuple[str, int]:
    m = RUN_ID_RE.match(run_id)
    return (m.group(1), int(m.group(2) or 1)) if m else (run_id, 0)


# --------------------------------------------------------------------------- secrets


def _fallback_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(path.rglob("*")) if path.is_dir() else [path] if path.exists() else []
    for f in files:
        if f.is_file():
            st = f.stat()
            h.update(f"{f.relative_to(path) if path.is_dir() else f.name}|{st.st_size}|"
                     f"{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def data_fingerprint(source: str, root: Path) -> str:
    """Fingerprint of a data source (``helpers.data.datasets.fingerprint`` when available).

    Parameters
    ----------
    source : str
        Folder, file or URL; URLs must already be free of passwords.
    root : pathlib.Path
        Project folder that relative paths are taken from.

    Returns
    -------
    str
    """
    target = source if is_url(source) else str(resolve(source, root))
    try:
        from helpers.data.datasets import fingerprint
    except ImportError:
        fingerprint = None
    if fingerprint is not None:
        return fingerprint(target)
    if is_url(source):
        return hashlib.sha256(source.encode()).hexdigest()[:16]
    return _fallback_fingerprint(Path(target))


#: Parameters that do not change how a notebook computes its figures: where the run writes,
#: the analysis date (the time axis of run-over-run changes), presentation, resources, and
#: the data source, which :func:`comparability` records on its own.
RUN_LOCAL_PARAMETERS = frozenset({
    "output_dir", "as_of", "language", "company_name", "memory_limit", "password_env",
    "data_source", "mapping_file",
})
#: Files of the package whose content is the code version (with the notebook itself).
CODE_SUFFIXES = (".py", ".yaml", ".j2", ".css")


def parameters_hash(params: dict) -> str:
    """A short hash of the parameters that shape a notebook's figures.

    Keys in :data:`RUN_LOCAL_PARAMETERS` are left out, so two runs that differ only in
    their output folder, analysis date or language hash the same.

    Parameters
    ----------
    params : dict
        The notebook's resolved parameters (passwords already removed).

    Returns
    -------
    str
        16 hex digits.
    """
    relevant = {k: v for k, v in params.items() if k not in RUN_LOCAL_PARAMETERS}
    text = json.dumps(relevant, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _git_commit(root: Path) -> str | None:

    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", commit) else None


def _hash_files(files: list[Path], base: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        try:
            data = f.read_bytes()
        except OSError:
            continue
        h.update(f"{f.relative_to(base).as_posix()}\n".encode())
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()[:16]


def code_version(root: Path | None = None) -> dict[str, str | None]:
    """The version of the code that computes the figures.

    Parameters
    ----------
    root : pathlib.Path, optional
        Project folder, asked for its git commit.

    Returns
    -------
    dict
        ``package`` (installed version of the workbook), ``commit`` (git commit of
        ``root``, or ``None`` outside a git checkout) and ``source`` (a hash of the
        ``helpers`` package's code, texts and templates). The commit is kept for the
        record; comparisons use ``source``, which changes exactly when the code does and
        also sees edits that are not committed.
    """
    try:
        package = _metadata.version("key-account-workbook")
    except _metadata.PackageNotFoundError:
        package = None
    helpers = Path(__file__).parents[1]
    files = [f for f in helpers.rglob("*") if f.is_file() and f.suffix in CODE_SUFFIXES
             and "__pycache__" not in f.parts]
    return {"package": package, "commit": _git_commit(root) if root else None,
            "source": _hash_files(files, helpers)}


def comparability(params: dict, code: dict, data: dict[str, str],
                  notebook: Path | None = None, root: Path | None = None) -> dict:
    """What a notebook's figures depend on, so runs are compared only when it is the same.

    Parameters
    ----------
    params : dict
        The notebook's resolved parameters (passwords removed).
    code : dict
        :func:`code_version` of the run.
    data : dict
        Data source -> fingerprint, as in ``run.json``'s ``data``.
    notebook : pathlib.Path, optional
        The notebook file; its content is part of the code version.
    root : pathlib.Path, optional
        Project folder that a relative ``mapping_file`` is taken from.

    Returns
    -------
    dict
        ``parameters`` (:func:`parameters_hash`), ``data`` (``source``, ``mapping``,
        ``fingerprint``, ``as_of``) and ``code`` (package version, helpers source and
        notebook hashes in one string). :func:`helpers.report.summary.comparison_breaks` compares
        two of them.
    """
    source = params.get("data_source")
    mapping = params.get("mapping_file") or ""
    if mapping:
        path = resolve(mapping, root)
        mapping = f"{mapping}#{_hash_files([path], path.parent)}" if path.is_file() else mapping
    nb_hash = _hash_files([notebook], notebook.parent) if notebook and notebook.is_file() else ""
    return {
        "parameters": parameters_hash(params),
        "data": {"source": source, "mapping": mapping,
                 "fingerprint": data.get(source) if source else None,
                 "as_of": str(params["as_of"]) if params.get("as_of") else None},
        "code": "+".join(str(v) for v in (code.get("package"), code.get("source"), nb_hash) if v),
    }


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape the results."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = _metadata.version(name)
        except _metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def load_runs(reports_dir: str | os.PathLike) -> list[dict]:
    """Every finished run's ``run.json``, newest first; unreadable records are skipped."""
    runs = []
    for folder in Path(reports_dir).iterdir() if Path(reports_dir).is_dir() else []:
        record = folder / "run.json"
        if folder.is_dir() and RUN_ID_RE.match(folder.name) and record.is_file():
            try:
                data = json.loads(record.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                print(f"warning: skipping {folder.name}/run.json ({exc})", file=sys.stderr)
                continue
            data["run_id"] = folder.name
            runs.append(data)
    runs.sort(key=lambda r: run_sort_key(r["run_id"]), reverse=True)
    return runs


def last_good_runs(runs: list[dict]) -> dict[str, str]:
    """Notebook name -> id of the newest run in which it succeeded."""
    good: dict[str, str] = {}
    for run in runs:  # newest first
        for name, nb in run.get("notebooks", {}).items():
            if nb.get("status") == "ok" and name not in good:
                good[name] = run["run_id"]
    return good


def schedule_order(names: list[str], runs: list[dict]) -> list[str]:
    """Notebooks in the order to start them: longest first, by their last good run.

    With a few workers the run ends when its slowest notebook does, so starting the long
    ones first keeps the workers busy to the end. Notebooks without a recorded time go
    first (they may be long); ties keep the given order.

    Parameters
    ----------
    names : list of str
        The notebooks of this run.
    runs : list of dict
        Earlier runs, newest first (:func:`load_runs`).

    Returns
    -------
    list of str
    """
    seconds: dict[str, float] = {}
    for run in runs:  # newest first
        for name, nb in run.get("notebooks", {}).items():
            if nb.get("status") == "ok" and name not in seconds and nb.get("seconds"):
                seconds[name] = float(nb["seconds"])
    rank = {name: i for i, name in enumerate(names)}
    return sorted(names, key=lambda n: (n in seconds, -seconds.get(n, 0.0), rank[n]))


def prune_runs(reports_dir: str | os.PathLike, keep: int) -> list[str]:
    """Delete run folders beyond the newest ``keep``, sparing every last good report.

    Parameters
    ----------
    reports_dir : path-like
    keep : int

    Returns
    -------
    list of str
        Ids of the removed runs.
    """
    runs = load_runs(reports_dir)
    protected = set(last_good_runs(runs).values())
    removed = []
    for run in runs[keep:]:
        if run["run_id"] not in protected:
            shutil.rmtree(Path(reports_dir) / run["run_id"])
            removed.append(run["run_id"])
    return removed
