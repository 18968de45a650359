"""Benchmark: attribution of won opportunities over touch paths (all six models).

Builds (or reuses) a sample world under ``data/bench/`` sized so that ``interactions`` holds
about the requested number of touches, then times :func:`helpers.analysis.attribution.attribute`
end to end: journeys and paths in the engine, the five heuristic models, the Markov
transition counts and the exact removal effects. Each run opens a fresh workspace. The
target is 1,000,000 touches in at most 10 seconds (median of the runs) on 2 cores.

Usage::

    python benchmarks/attribution.py                          # 1M touches, 3 runs
    python benchmarks/attribution.py --sizes 200k --repeat 1  # quick smoke run
    python benchmarks/attribution.py --sizes 1M 3M --json bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTERACTIONS_PER_ACCOUNT = 100
TARGET_SECONDS = 10.0
TARGET_TOUCHES = 1_000_000
AS_OF = "2026-06-30"


def parse_size(text: str) -> int:
    """``"200k"`` -> 200000, ``"1M"`` -> 1000000."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in "km" else text
    return int(float(number) * scale)


def ensure_world(touches: int, seed: int) -> Path:
    """A sample world with about ``touches`` interactions, generated once and reused."""
    from helpers.data.sample_world import generate_world, world_matches

    accounts = max(100, round(touches / (INTERACTIONS_PER_ACCOUNT * 1.04)))
    folder = ROOT / "data" / "bench" / f"attribution-{touches}"
    settings = {"accounts": accounts, "seed": seed,
                "interactions_per_account": float(INTERACTIONS_PER_ACCOUNT)}
    if not world_matches(folder, **settings):
        print(f"generating a world of {accounts:,} accounts in {folder} ...", flush=True)
        generate_world(folder, **settings)
    return folder


def run_once(folder: Path, threads: int, label: str) -> dict:
    from helpers.analysis.attribution import attribute, touch_paths
    from helpers.data.datasets import open_workspace

    with open_workspace(folder, threads=threads) as ws:
        start = time.perf_counter()
        credits = attribute(ws, AS_OF, label=label, lookback_days=90)
        seconds = time.perf_counter() - start
        touches = int(ws.table("interactions").count().to_pandas())
        on_paths = int(touch_paths(ws, AS_OF, label=label, lookback_days=90).count().to_pandas())
    return {"seconds": seconds, "touches": touches, "path_touches": on_paths,
            "journeys": credits.attrs["journeys"],
            "won": credits.attrs["won"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1M"],
                        help="touches (interactions) per world, e.g. 200k 1M")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (median)")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB worker threads")
    parser.add_argument("--label", default="channel", help="what gets the credit")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = parser.parse_args(argv)

    results = []
    for size in args.sizes:
        touches = parse_size(size)
        folder = ensure_world(touches, args.seed)
        runs = [run_once(folder, args.threads, args.label) for _ in range(args.repeat)]
        median = statistics.median(r["seconds"] for r in runs)
        row = {
            "size": size, "touches": runs[0]["touches"],
            "path_touches": runs[0]["path_touches"], "journeys": runs[0]["journeys"],
            "won": runs[0]["won"], "runs": [round(r["seconds"], 3) for r in runs],
            "median_seconds": round(median, 3),
            "touches_per_second": round(runs[0]["touches"] / median),
        }
        if runs[0]["touches"] >= TARGET_TOUCHES * 0.95:
            row["target"] = f"<= {TARGET_SECONDS:g} s for {TARGET_TOUCHES:,} touches"
            row["meets_target"] = median * TARGET_TOUCHES / runs[0]["touches"] <= TARGET_SECONDS
        results.append(row)
        print(f"{size:>6}: {row['touches']:>10,} touches ({row['path_touches']:,} on paths), "
              f"{row['journeys']:>8,} journeys, "
              f"median {median:6.2f} s ({row['touches_per_second']:,} touches/s)"
              + (f", target {'met' if row.get('meets_target') else 'MISSED'}"
                 if "meets_target" in row else ""), flush=True)

    report = {"benchmark": "attribution", "threads": args.threads, "label": args.label,
              "cpu_count": os.cpu_count(), "python": sys.version.split()[0],
              "platform": platform.platform(), "results": results}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r.get("meets_target", True) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
