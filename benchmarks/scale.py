"""Benchmark: the whole workbook end to end at several data sizes, and engines side by side.

For each size the script builds (or reuses) a sample world under ``data/bench/``, copies
``notebooks/`` and ``params/`` into a scratch project there (so the real ``reports/`` is
left alone) and runs ``workbook run`` on it in a subprocess. It prints, per size:

* the median wall time per notebook and of the whole run,
* the peak resident memory of the run (runner plus all kernels, sampled), and the
  largest single process,
* the feature-cache hit rate recorded in the run folder,
* the feature build on DuckDB: direct, first cached call and second cached call,
* for the size named by ``--postgres-size`` (default 20k), the same build on a throwaway
  PostgreSQL server (needs the PostgreSQL binaries and ``psycopg``).

Usage::

    python benchmarks/scale.py                        # 2k, 20k and 100k accounts
    python benchmarks/scale.py --sizes 2k,20k --repeat 1
    python benchmarks/scale.py --sizes 100k --memory-limit 3GB --threads 2
    python benchmarks/scale.py --sizes 100k --interactions-per-account 500 --no-suite \
        --postgres-size ''      # 50M interactions: feature build under the 3GB limit

Sizes are account counts; interactions per account follow the issue's targets (about
0.5M, 5M and 20M interactions for 2k, 20k and 100k accounts).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "data" / "bench"
AS_OF = "2026-06-30"
SEED = 7
#: Organic interactions per account; experiments add a few percent on top.
INTERACTIONS_PER_ACCOUNT = {2_000: 250, 20_000: 250, 100_000: 200}


def parse_count(text: str) -> int:
    """``"20k"`` -> 20000, ``"1M"`` -> 1000000."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if text[-1:] in "km" else text) * scale)


def label(n: int) -> str:
    """Short size label: 20000 -> ``"20k"``."""
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def build_world(accounts: int, ipa: float | None = None) -> tuple[Path, dict]:
    """Generate the world for a size unless an identical one is there; return (folder, counts)."""
    from helpers.data import sample_world

    ipa = ipa or INTERACTIONS_PER_ACCOUNT.get(accounts, 200)
    folder = BENCH / f"scale-{label(accounts)}-{ipa:g}"
    options = {"accounts": accounts, "seed": SEED, "interactions_per_account": ipa}
    if not (folder.exists() and sample_world.world_matches(folder, **options)):
        t0 = time.perf_counter()
        sample_world.generate_world(folder, **options)
        print(f"  built world {folder.name} in {time.perf_counter() - t0:.0f} s", flush=True)
    counts = sample_world.read_truth(folder)["counts"]
    return folder, counts


def scratch_project(folder: Path, memory_limit: str | None) -> Path:
    """A copy of notebooks/ and params/ whose reports go to a scratch folder."""
    project = BENCH / "project"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(ROOT / "notebooks", project / "notebooks")
    shutil.copytree(ROOT / "params", project / "params")
    if memory_limit:
        path = project / "params" / "workbook.yaml"
        lines = [f"memory_limit: {memory_limit}" if ln.startswith("memory_limit:") else ln
                 for ln in path.read_text(encoding="utf-8").splitlines()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return project


class PeakMemory:
    """Samples the resident memory of a process tree in a background thread."""

    def __init__(self, pid: int, every: float = 0.1):
        self.root = psutil.Process(pid)
        self.every = every
        self.peak_total = 0
        self.peak_single = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            sizes = []
            for p in procs:
                try:
                    sizes.append(p.memory_info().rss)
                except psutil.Error:
                    pass
            self.peak_total = max(self.peak_total, sum(sizes))
            self.peak_single = max(self.peak_single, max(sizes, default=0))
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_suite(project: Path, world: Path, jobs: int | None) -> dict:
    """One ``workbook run`` in a subprocess; wall time, peak memory and run.json."""
    env = {**os.environ, "WORKBOOK_HOME": str(project)}
    cmd = [sys.executable, "-m", "helpers.cli", "run", "--data", str(world),
           "--as-of", AS_OF, "--reports-dir", str(project / "reports")]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    with PeakMemory(proc.pid) as mem:
        output, _ = proc.communicate()
    wall = time.perf_counter() - t0
    runs = sorted(p for p in (project / "reports").iterdir()
                  if p.is_dir() and (p / "run.json").exists())
    record = json.loads((runs[-1] / "run.json").read_text(encoding="utf-8"))
    from helpers.data.feature_cache import cache_stats

    return {"wall": wall, "exit": proc.returncode, "output": output,
            "peak_total": mem.peak_total, "peak_single": mem.peak_single,
            "notebooks": {k: v["seconds"] for k, v in record["notebooks"].items()},
            "failed": [k for k, v in record["notebooks"].items() if v["status"] != "ok"],
            "cache": cache_stats(runs[-1])}


def time_features(world: Path, memory_limit: str | None, threads: int | None,
                  repeat: int) -> dict:
    """Median seconds of the DuckDB feature build, and of a cold and a warm cached call."""
    import tempfile

    from helpers.data import datasets, features
    from helpers.data.feature_cache import cached_account_features

    direct = []
    with datasets.open_workspace(world, memory_limit=memory_limit, threads=threads) as ws:
        for _ in range(repeat):
            t0 = time.perf_counter()
            feats = features.account_features(ws, AS_OF)
            direct.append(time.perf_counter() - t0)
        with tempfile.TemporaryDirectory() as scratch:
            t0 = time.perf_counter()
            cached_account_features(ws, AS_OF, scratch)
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            cached_account_features(ws, AS_OF, scratch)
            warm = time.perf_counter() - t0
    # ru_maxrss is in KiB on Linux; it covers this process, where DuckDB runs.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"duckdb": statistics.median(direct), "cold": cold, "warm": warm,
            "rows": len(feats), "peak_rss": peak}


def time_postgres(world: Path, repeat: int) -> dict | None:
    """Load the world into a throwaway PostgreSQL and time the feature build there."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from pg_server import PASSWORD_ENV, find_bin_dir, start_postgres
    finally:
        sys.path.pop(0)
    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("  PostgreSQL binaries not found; skipping the PostgreSQL timing")
        return None
    from helpers.data import datasets, features, loading

    server = start_postgres(bin_dir)
    os.environ[PASSWORD_ENV] = server.password
    try:
        t0 = time.perf_counter()
        loading.load_folder(world, server.url, password_env=PASSWORD_ENV, as_of=AS_OF)
        load_s = time.perf_counter() - t0
        times = []
        with datasets.open_workspace(server.url, password_env=PASSWORD_ENV) as ws:
            for _ in range(repeat):
                t0 = time.perf_counter()
                features.account_features(ws, AS_OF)
                times.append(time.perf_counter() - t0)
        return {"load": load_s, "postgres": statistics.median(times)}
    finally:
        server.stop()


def gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2k,20k,100k", help="account counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (median)")
    parser.add_argument("--jobs", type=int, help="notebooks at once (runner default if unset)")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit")
    parser.add_argument("--threads", type=int, help="DuckDB threads for the feature timing")
    parser.add_argument("--postgres-size", default="20k", help="size timed on PostgreSQL too "
                        "('' for none)")
    parser.add_argument("--no-suite", action="store_true", help="time only the feature builds")
    parser.add_argument("--interactions-per-account", type=float, dest="ipa",
                        help="override the interactions per account (e.g. 500 with --sizes "
                        "100k for a 50M-interaction memory check)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    sizes = [parse_count(s) for s in args.sizes.split(",") if s.strip()]
    pg_size = parse_count(args.postgres_size) if args.postgres_size else None
    print(f"{os.cpu_count()} cores, {gib(psutil.virtual_memory().total)} RAM, "
          f"memory_limit {args.memory_limit}", flush=True)

    results = {}
    for n in sizes:
        print(f"\n== {label(n)} accounts", flush=True)
        world, counts = build_world(n, args.ipa)
        res: dict = {"accounts": counts["accounts"], "interactions": counts["interactions"],
                     "orders": counts["orders"]}
        print(f"  {counts['interactions']:,} interactions, {counts['orders']:,} orders",
              flush=True)
        res["features"] = time_features(world, args.memory_limit, args.threads, args.repeat)
        f = res["features"]
        print(f"  features on DuckDB {f['duckdb']:.2f} s; cached: first {f['cold']:.2f} s, "
              f"second {f['warm']:.3f} s ({f['cold'] / max(f['warm'], 1e-9):.0f}x); peak RSS "
              f"{gib(f['peak_rss'])}", flush=True)
        if n == pg_size:
            res["postgres"] = time_postgres(world, args.repeat)
            if res["postgres"]:
                p = res["postgres"]
                print(f"  PostgreSQL: load {p['load']:.1f} s, features {p['postgres']:.2f} s "
                      f"(DuckDB {f['duckdb']:.2f} s)", flush=True)
        if not args.no_suite:
            runs = []
            for i in range(args.repeat):
                project = scratch_project(world, args.memory_limit)
                run = run_suite(project, world, args.jobs)
                runs.append(run)
                print(f"  run {i + 1}: {run['wall']:.1f} s, peak RSS {gib(run['peak_total'])} "
                      f"(largest process {gib(run['peak_single'])}), exit {run['exit']}"
                      + (f", failed: {', '.join(run['failed'])}" if run["failed"] else ""),
                      flush=True)
                if run["exit"] not in (0, 1):
                    print(run["output"][-3000:])
                    return 1
            names = sorted({k for r in runs for k in r["notebooks"]})
            res["suite"] = {
                "wall": statistics.median(r["wall"] for r in runs),
                "peak_total": max(r["peak_total"] for r in runs),
                "peak_single": max(r["peak_single"] for r in runs),
                "notebooks": {k: statistics.median(r["notebooks"].get(k, float("nan"))
                                                   for r in runs) for k in names},
                "cache_hits": sum(r["cache"]["hits"] for r in runs),
                "cache_calls": sum(r["cache"]["hits"] + r["cache"]["misses"] for r in runs),
                "failed": sorted({k for r in runs for k in r["failed"]}),
            }
        results[label(n)] = res

    print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def print_table(results: dict) -> None:
    """The README table: one column per size."""
    sizes = list(results)
    rows: list[tuple[str, list[str]]] = [
        ("accounts", [f"{results[s]['accounts']:,}" for s in sizes]),
        ("interactions", [f"{results[s]['interactions']:,}" for s in sizes]),
    ]
    suites = {s: results[s].get("suite") for s in sizes}
    if any(suites.values()):
        names = sorted({k for v in suites.values() if v for k in v["notebooks"]})
        for name in names:
            rows.append((f"{name} (s)", [f"{suites[s]['notebooks'].get(name, float('nan')):.1f}"
                                         if suites[s] else "" for s in sizes]))
        rows.append(("whole run, wall (s)", [f"{suites[s]['wall']:.1f}" if suites[s] else ""
                                             for s in sizes]))
        rows.append(("peak RSS, all processes", [gib(suites[s]["peak_total"]) if suites[s]
                                                 else "" for s in sizes]))
        rows.append(("cache hit rate", [
            f"{suites[s]['cache_hits']}/{suites[s]['cache_calls']}"
            if suites[s] and suites[s]["cache_calls"] else "no cached calls" for s in sizes]))
    rows.append(("features, DuckDB (s)", [f"{results[s]['features']['duckdb']:.2f}"
                                          for s in sizes]))
    rows.append(("features, peak RSS (DuckDB process)", [
        gib(results[s]["features"]["peak_rss"]) for s in sizes]))
    rows.append(("features, 2nd cached call (s)", [f"{results[s]['features']['warm']:.3f}"
                                                   for s in sizes]))
    rows.append(("features, PostgreSQL (s)", [f"{results[s]['postgres']['postgres']:.2f}"
                                              if results[s].get("postgres") else ""
                                              for s in sizes]))
    width = max(len(r[0]) for r in rows)
    print("\n| " + "measure".ljust(width) + " | " + " | ".join(sizes) + " |")
    print("|" + "-" * (width + 2) + "|" + "|".join("---:" for _ in sizes) + "|")
    for name, cells in rows:
        print("| " + name.ljust(width) + " | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
