"""Compute account features once per run and share them between notebooks.

Every notebook needs the account feature table, and on large data it is the most
expensive step. :func:`cached_account_features` keeps it as a Parquet file in the run
folder (``<output_dir>/cache/``), so the first notebook of a run computes it and the
others read it. An analyst re-running a notebook in JupyterLab gets the default
``output_dir`` ``reports/scratch``, so re-runs there reuse it too.

The cache key is the data fingerprint (file names, sizes and modification times for
folders and DuckDB files; identity, schemas, row counts, latest dates and numeric sums
for database URLs), ``as_of``, the size bands and the code of :mod:`helpers.data.features`,
so changed data or code gives a new key. Windows do not split the cache: it always holds a standard set of windows plus
any requested ones, and each call gets exactly the columns it asked for.

Usage in a notebook, after loading::

    feats = feature_cache.cached_account_features(ws, as_of, output_dir, windows=(90, 365))

Any other shared, expensive intermediate can use :func:`cached_frame` (tables) or
:func:`cached_json` (small values) the same way; :func:`helpers.data.validation.open_validated`
caches its findings with it, so the data is validated once per run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.core.params import as_of_date
from helpers.core.paths import is_url, resolve
from helpers.data import features
from helpers.data.contract import CONTRACT

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "CACHE_SUBDIR",
    "CACHE_WINDOWS",
    "STATS_FILE",
    "cache_folder",
    "cache_key",
    "cache_stats",
    "cached_account_features",
    "cached_frame",
    "cached_json",
    "workspace_fingerprint",
]

try:  # POSIX only; elsewhere concurrent notebooks may compute the same entry twice
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

#: Windows always computed, so notebooks asking for different windows share one entry.
CACHE_WINDOWS: tuple[int, ...] = (30, 90, 180, 365, 730)
CACHE_SUBDIR = "cache"
STATS_FILE = "stats.jsonl"
_FORMAT_VERSION = "1"


def cache_folder(cache_dir: str | os.PathLike) -> Path:
    """The cache folder inside a run folder (``<cache_dir>/cache``), created if missing.

    Parameters
    ----------
    cache_dir : path-like
        The notebook's ``output_dir``; relative paths are taken from the project root.
    """
    folder = resolve(cache_dir) / CACHE_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _code_version() -> str:
    # A changed feature definition must not be served from an old cache.
    return hashlib.sha256(Path(features.__file__).read_bytes()).hexdigest()[:16]


def _first_date_column(name: str) -> str | None:
    for col in CONTRACT[name].columns:
        if col.dtype in ("date", "timestamp") and col.required:
            return col.name
    return None


def _numeric_columns(name: str, present: Sequence[str]) -> list[str]:
    return [c.name for c in CONTRACT[name].columns
            if c.dtype in ("integer", "float") and c.name in present]


def _rounded(value: Any) -> Any:
    # Engines add floats in any order; 12 significant digits absorb that, not real edits.
    return float(f"{value:.12g}") if isinstance(value, float) else value


def workspace_fingerprint(ws: Workspace) -> str:
    """A short hash that changes when the data behind a workspace changes.

    Folders and DuckDB files are fingerprinted by their files (no data is read). Database
    URLs, and sources without a label, add each table's row count, latest date and the sums
    of its numeric columns, which costs one aggregate query per table. An edit in place
    that changes only text columns is not seen; pass ``refresh=True`` after one. Table schemas are always included, so a
    changed column mapping gives a new fingerprint.

    Parameters
    ----------
    ws : Workspace
        From :func:`helpers.data.datasets.open_workspace`, or anything with ``has(name)`` and
        ``table(name)``.

    Returns
    -------
    str
    """
    from helpers.data.datasets import fingerprint

    h = hashlib.sha256()
    label = getattr(ws, "source_label", None)
    if label is not None:
        h.update(f"source|{fingerprint(label)}\n".encode())
    mapping = getattr(ws, "mapping", None)
    if mapping:  # a changed value map changes the data but not the schema
        h.update(f"mapping|{json.dumps(mapping, sort_keys=True, ensure_ascii=False)}\n".encode())
    # Spark warehouses are folders of files, fingerprinted like any folder.
    query_engine = label is None or (is_url(str(label))
                                     and not str(label).startswith("pyspark://"))
    for name in CONTRACT:
        if not ws.has(name):
            continue
        t = ws.table(name)
        h.update(f"{name}|{t.schema()!r}\n".encode())
        if query_engine:
            date_col = _first_date_column(name)
            metrics = {"n": t.count()}
            if date_col and date_col in t.columns:
                metrics["latest"] = t[date_col].max().cast("string")
            # Sums of the numeric columns catch most edits in place at no extra scan.
            for col in _numeric_columns(name, t.columns):
                metrics[f"sum_{col}"] = t[col].cast("float64").sum()
            row = t.aggregate(**metrics).to_pyarrow().to_pylist()[0]
            row = {k: _rounded(v) for k, v in row.items()}
            h.update(f"{name}|{json.dumps(row, default=str)}\n".encode())
    return h.hexdigest()[:16]


def cache_key(parts: dict) -> str:
    """Stable hash of JSON-able key parts (dict order does not matter)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@contextlib.contextmanager
def _locked(path: Path):
    # Notebooks run in parallel; the second one waits for the first one's result
    # instead of computing the same table again.
    if fcntl is None:
        yield
        return
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _record(folder: Path, name: str, key: str, hit: bool, seconds: float) -> None:
    line = json.dumps({"name": name, "key": key, "hit": hit, "seconds": round(seconds, 4),
                       "pid": os.getpid()})
    # One short append per call: safe with parallel writers on POSIX.
    with (folder / STATS_FILE).open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def _cached(name: str, key_parts: dict, compute: Callable[[], Any], cache_dir, *,
            refresh: bool, suffix: str, write: Callable[[Any, Path], None],
            read: Callable[[Path], Any]) -> Any:
    folder = cache_folder(cache_dir)
    key = cache_key({"name": name, "format": _FORMAT_VERSION, **key_parts})
    target = folder / f"{name}-{key}{suffix}"
    t0 = time.perf_counter()
    with _locked(folder / f"{name}-{key}.lock"):
        if target.exists() and not refresh:
            try:
                value = read(target)
            except Exception:  # a damaged file is recomputed, never trusted
                value = None
            if value is not None:
                _record(folder, name, key, True, time.perf_counter() - t0)
                return value
        value = compute()
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        write(value, partial)
        os.replace(partial, target)  # readers never see half a file
    _record(folder, name, key, False, time.perf_counter() - t0)
    return value


def cached_frame(name: str, key_parts: dict, compute: Callable[[], pd.DataFrame],
                 cache_dir: str | os.PathLike, *, refresh: bool = False) -> pd.DataFrame:
    """Return ``compute()``, cached as Parquet under ``cache_dir`` by ``name`` and key.

    Parameters
    ----------
    name : str
        Short name of the intermediate (part of the file name).
    key_parts : dict
        Everything the result depends on (data fingerprint, as_of, parameters); JSON-able.
    compute : callable
        Builds the frame when it is not cached.
    cache_dir : path-like
        The run folder (a notebook's ``output_dir``).
    refresh : bool
        Recompute even when cached.

    Returns
    -------
    pandas.DataFrame
        Equal to ``compute()``, dtypes included.
    """
    return _cached(name, key_parts, compute, cache_dir, refresh=refresh, suffix=".parquet",
                   write=lambda frame, path: frame.to_parquet(path, index=False),
                   read=pd.read_parquet)


def _write_json(value: Any, path: Path) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def cached_json(name: str, key_parts: dict, compute: Callable[[], Any],
                cache_dir: str | os.PathLike, *, refresh: bool = False) -> Any:
    """Like :func:`cached_frame`, for a JSON-able value (lists, dicts, numbers, strings).

    Parameters
    ----------
    name, key_parts, compute, cache_dir, refresh
        As in :func:`cached_frame`; ``compute()`` must return a JSON-able value.

    Returns
    -------
    object
        ``compute()``, or the value it returned in an earlier call with the same key.
    """
    return _cached(name, key_parts, compute, cache_dir, refresh=refresh, suffix=".json",
                   write=_write_json,
                   read=lambda path: json.loads(path.read_text(encoding="utf-8")))


def _select_windows(frame: pd.DataFrame, computed: Sequence[int],
                    wanted: Sequence[int]) -> pd.DataFrame:
    """Columns of ``frame`` as :func:`features.account_features` gives them for ``wanted``."""
    window_cols = {f"{kind}_{w}d" for w in computed for kind in ("orders", "revenue")}
    order: list[str] = []
    placed = False
    for col in frame.columns:
        if col not in window_cols:
            order.append(col)
        elif not placed:  # the window columns form one block; put the wanted ones there
            order += [f"{kind}_{w}d" for w in wanted for kind in ("orders", "revenue")]
            placed = True
    return frame[order]


def cached_account_features(
    ws: Workspace,
    as_of: Any,
    cache_dir: str | os.PathLike = "reports/scratch",
    *,
    windows: Iterable[int] = features.DEFAULT_WINDOWS,
    size_bands: Sequence[tuple[str, int]] = features.DEFAULT_SIZE_BANDS,
    refresh: bool = False,
) -> pd.DataFrame:
    """:func:`helpers.data.features.account_features`, computed once per run folder.

    Parameters
    ----------
    ws : Workspace
        The opened data source.
    as_of : date-like
        Analysis date.
    cache_dir : path-like, default "reports/scratch"
        The notebook's ``output_dir``: the runner's run folder, or the scratch folder in
        JupyterLab. Files go in its ``cache/`` subfolder.
    windows, size_bands
        As in :func:`helpers.data.features.account_features`.
    refresh : bool
        Recompute even when a cached table exists.

    Returns
    -------
    pandas.DataFrame
        Identical to ``features.account_features(ws, as_of, windows=..., size_bands=...)``.
    """
    wanted = features.check_windows(windows)
    bands = features.check_size_bands(size_bands)
    computed = tuple(sorted(set(CACHE_WINDOWS) | set(wanted)))
    day = as_of_date(as_of)
    key_parts = {
        "data": workspace_fingerprint(ws),
        "as_of": day.isoformat(),
        "windows": list(computed),
        "size_bands": [list(b) for b in bands],
        "code": _code_version(),
    }
    frame = cached_frame(
        "account_features", key_parts,
        lambda: features.account_features(ws, day, windows=computed, size_bands=bands),
        cache_dir, refresh=refresh,
    )
    return _select_windows(frame, computed, wanted)


def cache_stats(cache_dir: str | os.PathLike) -> dict:
    """Hits, misses and hit rate recorded in a run folder's cache.

    Parameters
    ----------
    cache_dir : path-like
        The run folder.

    Returns
    -------
    dict
        ``{"hits": int, "misses": int, "hit_rate": float or None, "seconds_hit": float,
        "seconds_miss": float}``.
    """
    path = resolve(cache_dir) / CACHE_SUBDIR / STATS_FILE
    rows = []
    if path.exists():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    hits = [r for r in rows if r["hit"]]
    misses = [r for r in rows if not r["hit"]]
    return {
        "hits": len(hits),
        "misses": len(misses),
        "hit_rate": len(hits) / len(rows) if rows else None,
        "seconds_hit": sum(r["seconds"] for r in hits),
        "seconds_miss": sum(r["seconds"] for r in misses),
    }
