"""Benchmark: account features in the engine (Ibis + DuckDB) against plain pandas.

For each size the script builds (or reuses) a world of parquet files under ``data/bench/``,
then times the feature build from those files, once per run in a fresh subprocess so that
each method's peak memory is measured on its own. It prints median wall time, input rows
per second, peak resident memory and the speed ratio.

Usage::

    python benchmarks/features.py                      # 1M and 10M interactions
    python benchmarks/features.py --sizes 100k --repeat 1   # quick smoke run
    python benchmarks/features.py --sizes 10M --json bench.json

A size is the number of interactions; the world has one account per 200 interactions and,
in the sample world, about 20 orders per account, so orders are about a tenth of the
interactions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTERACTIONS_PER_ACCOUNT = 200
ORDERS_PER_ACCOUNT = 20
#: The sample world adds experiment rows (about 5%) on top of its organic interactions.
SAMPLE_WORLD_ORGANIC_SHARE = 0.95
FALLBACK_AS_OF = dt.date(2025, 6, 30)
SEED = 2024

#: Columns each table contributes to the features; the pandas baseline reads only these.
USED_COLUMNS = {
    "accounts": None,
    "orders": ["account_id", "order_date", "amount", "gross_margin", "product_line"],
    "interactions": ["account_id", "timestamp", "channel", "event_type"],
    "opportunities": ["account_id", "created_date", "close_date", "stage", "amount"],
    "surveys": ["response_id", "account_id", "response_date", "nps", "csat"],
    "service_costs": ["account_id", "period_start", "amount"],
}


def parse_size(text: str) -> int:
    """``"100k"`` -> 100000, ``"10M"`` -> 10000000."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in "km" else text
    return int(float(number) * scale)


# --------------------------------------------------------------------------- worlds


def fallback_world(folder: Path, accounts: int, seed: int) -> None:
    """Write a simple random world (vectorised) when the sample world generator is absent."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    as_of = np.datetime64(FALLBACK_AS_OF, "D")
    ids = pa.array([f"A{i:07d}" for i in range(accounts)])

    def days_before(n, low, high):
        return pa.array(as_of - rng.integers(low, high, n).astype("timedelta64[D]"))

    def pick(values, n):
        return pa.array(np.asarray(values)[rng.integers(0, len(values), n)])

    def write(name, columns):
        pq.write_table(pa.table(columns), folder / f"{name}.parquet")

    write(
        "accounts",
        {
            "account_id": ids,
            "account_name": pa.array([f"Company {i}" for i in range(accounts)]),
            "industry": pick(["software", "manufacturing", "retail", "finance", "health"],
                             accounts),
            "employees": pa.array(np.round(rng.lognormal(5, 1.6, accounts)).astype("int64")),
            "annual_revenue": pa.array(rng.lognormal(16, 1.5, accounts)),
            "region": pick(["EMEA", "APAC", "AMER"], accounts),
            "country": pick(["DE", "FR", "CN", "JP", "US", "BR"], accounts),
            "city": pick(["Berlin", "Paris", "Shanghai", "Tokyo", "Austin", "Recife"], accounts),
            "created_date": days_before(accounts, 30, 3000),
            "owner": pick([f"rep{i}" for i in range(40)], accounts),
            "acquisition_channel": pick(["events", "search", "referral", "outbound"], accounts),
            "is_competitor_customer": pa.array(rng.random(accounts) < 0.3),
        },
    )

    n_orders = rng.poisson(ORDERS_PER_ACCOUNT, accounts)
    owner = np.repeat(np.arange(accounts), n_orders)
    m = len(owner)
    amount = rng.lognormal(8, 1.3, m)
    credit = rng.random(m) < 0.05
    amount[credit] *= -0.3
    write(
        "orders",
        {
            "order_id": pa.array(np.arange(m)).cast(pa.string()),
            "account_id": ids.take(pa.array(owner)),
            "order_date": days_before(m, 0, 1500),
            "amount": pa.array(amount),
            "gross_margin": pa.array(amount * rng.uniform(0.1, 0.5, m)),
            "product_line": pick(["core", "analytics", "addon", "services", "training"], m),
        },
    )

    k = accounts * INTERACTIONS_PER_ACCOUNT
    seconds = rng.integers(0, 730 * 86400, k).astype("timedelta64[s]")
    write(
        "interactions",
        {
            "interaction_id": pa.array(np.arange(k)).cast(pa.string()),
            "account_id": ids.take(pa.array(rng.integers(0, accounts, k))),
            "timestamp": pa.array((np.datetime64(FALLBACK_AS_OF, "s") - seconds).astype(
                "datetime64[us]")),
            "channel": pick(["email", "web", "webinar", "event", "social", "sales_call"], k),
            "event_type": pick(["open", "click", "view", "download", "register", "meeting"], k),
        },
    )

    q = accounts * 2
    stage = pick(["open", "won", "lost"], q)
    write(
        "opportunities",
        {
            "opportunity_id": pa.array(np.arange(q)).cast(pa.string()),
            "account_id": ids.take(pa.array(rng.integers(0, accounts, q))),
            "created_date": days_before(q, 0, 900),
            "close_date": days_before(q, 0, 600),
            "stage": stage,
            "amount": pa.array(rng.lognormal(10, 1, q)),
        },
    )
    r = accounts // 2
    write(
        "surveys",
        {
            "response_id": pa.array(np.arange(r)).cast(pa.string()),
            "account_id": ids.take(pa.array(rng.integers(0, accounts, r))),
            "response_date": days_before(r, 0, 700),
            "nps": pa.array(rng.integers(0, 11, r)),
            "csat": pa.array(rng.integers(1, 6, r)),
        },
    )
    c = accounts * 4
    write(
        "service_costs",
        {
            "account_id": ids.take(pa.array(rng.integers(0, accounts, c))),
            "period_start": days_before(c, 0, 720),
            "cost_type": pick(["support", "onboarding", "success"], c),
            "amount": pa.array(rng.uniform(10, 800, c)),
        },
    )


def build_world(folder: Path, interactions: int, seed: int) -> dict:
    """Create the world in ``folder`` unless a complete one is there; return its summary."""
    summary_file = folder / "bench.json"
    if summary_file.is_file():
        return json.loads(summary_file.read_text())
    folder.mkdir(parents=True, exist_ok=True)
    accounts = max(interactions // INTERACTIONS_PER_ACCOUNT, 10)
    generator = "fallback"
    started = time.perf_counter()
    try:
        from helpers.data.sample_world import generate_world
    except ImportError:
        generate_world = None
    if generate_world is not None:
        try:
            generate_world(
                folder,
                accounts=accounts,
                seed=seed,
                interactions_per_account=INTERACTIONS_PER_ACCOUNT * SAMPLE_WORLD_ORGANIC_SHARE,
            )
            generator = "sample_world"
        except TypeError as exc:  # a different signature: say so and carry on
            print(f"  sample_world.generate_world not usable ({exc}); using the fallback")
    if generator == "fallback":
        fallback_world(folder, accounts, seed)
    summary = {"generator": generator, "generate_s": round(time.perf_counter() - started, 1)}
    summary.update(describe_world(folder))
    summary_file.write_text(json.dumps(summary, indent=2))
    return summary


def describe_world(folder: Path) -> dict:
    """Row counts per table and the analysis date (the latest order date)."""
    import duckdb

    con = duckdb.connect()
    rows = {}
    for name in USED_COLUMNS:
        path = folder / f"{name}.parquet"
        if path.is_file():
            rows[name] = con.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0]
    as_of = None
    truth = folder / "truth.json"
    if truth.is_file():
        as_of = json.loads(truth.read_text()).get("as_of")
    if as_of is None:
        latest = con.execute(
            f"select max(order_date) from read_parquet('{folder / 'orders.parquet'}')"
        ).fetchone()[0]
        as_of = str(latest)[:10] if latest is not None else str(FALLBACK_AS_OF)
    return {"rows": rows, "as_of": str(as_of)[:10]}


# --------------------------------------------------------------------------- workers


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux and bytes on macOS.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class _ParquetWorkspace:
    """Minimal stand-in when ``helpers.data.datasets`` is not available."""

    def __init__(self, folder: Path, threads: int, memory_limit: str):
        import ibis

        self.con = ibis.duckdb.connect(threads=threads, memory_limit=memory_limit)
        self._tables = {
            p.stem: self.con.read_parquet(p, table_name=p.stem)
            for p in sorted(folder.glob("*.parquet"))
        }

    def has(self, name: str) -> bool:
        return name in self._tables

    def table(self, name: str):
        return self._tables[name]


def run_engine(folder: Path, as_of: str, threads: int, memory_limit: str):
    from helpers.data.features import account_features

    try:
        from helpers.data.datasets import open_workspace
    except ImportError:
        ws = _ParquetWorkspace(folder, threads, memory_limit)
    else:
        ws = open_workspace(folder, memory_limit=memory_limit, threads=threads)
    return account_features(ws, as_of)


def run_pandas(folder: Path, as_of: str):
    import pandas as pd

    from helpers.data.features_reference import account_features_pandas

    tables = {}
    for name, columns in USED_COLUMNS.items():
        path = folder / f"{name}.parquet"
        if path.is_file():
            tables[name] = pd.read_parquet(path, columns=columns)
    return account_features_pandas(tables, as_of)


def worker(args: argparse.Namespace) -> None:
    """Run one feature build and print a JSON line with its time and peak memory."""
    import importlib

    # Imports are not part of the timing.
    for module in ("helpers.data.features", "helpers.data.features_reference", "helpers.data.datasets",
                   "ibis.backends.duckdb", "pyarrow.parquet"):
        try:
            importlib.import_module(module)
        except ImportError:
            pass

    rss_before = _peak_rss_mb()
    folder = Path(args.folder)
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    if args.worker == "engine":
        frame = run_engine(folder, args.as_of, args.threads, args.memory_limit)
    else:
        frame = run_pandas(folder, args.as_of)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_started
    if args.save:
        frame.to_parquet(args.save)
    record = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "rss_after_imports_mb": rss_before,
        "rows_out": len(frame),
        "columns_out": frame.shape[1],
    }
    print(json.dumps(record))


def measure(method: str, folder: Path, as_of: str, args, save: Path | None = None) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        method,
        "--folder",
        str(folder),
        "--as-of",
        as_of,
        "--threads",
        str(args.threads),
        "--memory-limit",
        args.memory_limit,
    ]
    if save is not None:
        cmd += ["--save", str(save)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{method} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(engine_file: Path, pandas_file: Path) -> None:
    import pandas as pd

    a, b = pd.read_parquet(engine_file), pd.read_parquet(pandas_file)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-6)


# --------------------------------------------------------------------------- main


def bench_size(label: str, args: argparse.Namespace) -> dict:
    interactions = parse_size(label)
    folder = Path(args.cache) / f"world_{label}"
    print(f"[{label}] world in {folder} ...", flush=True)
    world = build_world(folder, interactions, args.seed)
    rows = world["rows"]
    input_rows = sum(rows.values())
    print(
        f"[{label}] {world['generator']} world: "
        + ", ".join(f"{k}={v:,}" for k, v in rows.items())
        + f"; as_of {world['as_of']}",
        flush=True,
    )
    record: dict = {
        "size": label,
        "interactions": rows.get("interactions", 0),
        "orders": rows.get("orders", 0),
        "accounts": rows.get("accounts", 0),
        "input_rows": input_rows,
        "generator": world["generator"],
        "as_of": world["as_of"],
        "threads": args.threads,
        "memory_limit": args.memory_limit,
        "repeat": args.repeat,
    }
    with tempfile.TemporaryDirectory() as tmp:
        for method in args.methods:
            runs = []
            for i in range(args.repeat):
                save = Path(tmp) / f"{method}.parquet" if args.check and i == 0 else None
                runs.append(measure(method, folder, world["as_of"], args, save))
                print(
                    f"[{label}] {method:6s} run {i + 1}: {runs[-1]['seconds']:.2f} s wall, "
                    f"{runs[-1]['cpu_seconds']:.2f} s CPU, "
                    f"peak RSS {runs[-1]['peak_rss_mb']:.0f} MB",
                    flush=True,
                )
            median = statistics.median(r["seconds"] for r in runs)
            record[f"{method}_s"] = round(median, 3)
            record[f"{method}_runs_s"] = [round(r["seconds"], 3) for r in runs]
            # CPU seconds (all threads) are far less sensitive to a busy machine than wall time.
            record[f"{method}_cpu_s"] = round(statistics.median(r["cpu_seconds"] for r in runs), 3)
            record[f"{method}_rows_per_s"] = round(input_rows / median)
            record[f"{method}_peak_rss_mb"] = round(max(r["peak_rss_mb"] for r in runs))
            record[f"{method}_rss_after_imports_mb"] = round(runs[0]["rss_after_imports_mb"])
            record["feature_rows"] = runs[0]["rows_out"]
            record["feature_columns"] = runs[0]["columns_out"]
        if args.check and {"engine", "pandas"} <= set(args.methods):
            compare(Path(tmp) / "engine.parquet", Path(tmp) / "pandas.parquet")
            record["results_equal"] = True
            print(f"[{label}] engine and pandas results are equal", flush=True)
    if "engine_s" in record and "pandas_s" in record:
        record["ratio"] = round(record["pandas_s"] / record["engine_s"], 2)
    return record


def print_table(records: list[dict]) -> None:
    print()
    header = (
        f"{'size':>6} {'interactions':>12} {'orders':>10} {'method':>7} {'median s':>9} "
        f"{'CPU s':>7} {'rows/s':>12} {'peak RSS MB':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in records:
        for method in ("engine", "pandas"):
            if f"{method}_s" not in r:
                continue
            print(
                f"{r['size']:>6} {r['interactions']:>12,} {r['orders']:>10,} {method:>7} "
                f"{r[method + '_s']:>9.2f} {r[method + '_cpu_s']:>7.2f} "
                f"{r[method + '_rows_per_s']:>12,} "
                f"{r[method + '_peak_rss_mb']:>12,}"
            )
        if "ratio" in r:
            print(f"{'':>6} pandas / engine = {r['ratio']:.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1M,10M", help="interaction counts, e.g. 100k,1M,10M")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method (median)")
    parser.add_argument("--json", help="write one record per size to this file")
    parser.add_argument("--cache", default=str(ROOT / "data" / "bench"),
                        help="folder for generated worlds (reused when present)")
    parser.add_argument("--methods", default="engine,pandas", help="engine, pandas or both")
    parser.add_argument("--threads", type=int, default=min(os.cpu_count() or 2, 4),
                        help="DuckDB threads")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory limit")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--check", action="store_true",
                        help="also check that engine and pandas give the same table")
    # Internal: one measured run in a fresh process.
    parser.add_argument("--worker", choices=["engine", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        worker(args)
        return 0
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, DuckDB threads "
        f"{args.threads}, memory_limit {args.memory_limit}",
        flush=True,
    )
    records = [bench_size(label.strip(), args) for label in args.sizes.split(",") if label]
    print_table(records)
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
