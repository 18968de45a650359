"""Benchmark: behavioural segmentation of 100,000 accounts, k search 2..10 included.

The account features come from a 3,000-account sample world, resampled with a little noise
to the requested size (the engine part is measured by ``benchmarks/features.py``; this
script measures the modelling). One timed run covers what the segmentation notebook does
after loading: behaviour features, the k search with silhouette on a sample,
Calinski-Harabasz and Davies-Bouldin, the final fit, stability refits, names, profiles, the
surrogate tree, the 2-D projection and the rule segments. The process is pinned to two
cores where the platform allows it.

Usage::

    python benchmarks/segmentation.py                        # 100k accounts, 3 runs
    python benchmarks/segmentation.py --accounts 20000 --repeat 1
    python benchmarks/segmentation.py --json segmentation.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 20.0
BASE_ACCOUNTS = 3000
AS_OF = "2026-06-30"


def pin_cores(n: int) -> int:
    """Restrict this process to ``n`` cores when possible; return the cores in use."""
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) > n:
            os.sched_setaffinity(0, set(cores[:n]))
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def base_features(folder: Path):
    """Account features of a small sample world (built once into ``folder``)."""
    from helpers.analysis import lifecycle
    from helpers.data import datasets, features
    from helpers.data.sample_world import generate_world, world_matches

    settings = {"accounts": BASE_ACCOUNTS, "seed": 11}
    if not world_matches(folder, **settings):
        generate_world(folder, **settings)
    with datasets.open_workspace(folder) as ws:
        feats = features.account_features(ws, AS_OF, windows=(90, 365, 730))
        return feats.merge(lifecycle.stages_for(ws, AS_OF), on="account_id")


def scale_up(feats, accounts: int, seed: int = 0):
    """Resample accounts to ``accounts`` rows, jittering money and counts by about 5 %."""
    import numpy as np

    rng = np.random.default_rng(seed)
    big = feats.iloc[rng.integers(0, len(feats), accounts)].reset_index(drop=True)
    big["account_id"] = [f"B{i:07d}" for i in range(accounts)]
    noisy = ["revenue_total", "avg_order_value", "revenue_12m", "revenue_prev_12m",
             "margin_total", "interactions_total", *[c for c in big if c.startswith("eng_")]]
    for col in noisy:
        big[col] = big[col] * np.exp(rng.normal(0, 0.05, accounts))
    return big


def one_run(feats, seed: int) -> dict:
    """Everything the notebook's segmentation sections compute; returns timings."""
    from helpers.analysis import segmentation

    t0 = time.perf_counter()
    result = segmentation.segment_behaviour(feats, k_range=range(2, 11), seed=seed,
                                            stability_runs=3)
    t1 = time.perf_counter()
    segmentation.cluster_profiles(result.features, result.labels, result.names)
    segmentation.surrogate_tree(result.features, result.labels, names=result.names, seed=seed)
    segmentation.projection_2d(result.pipeline, result.features, result.labels, seed=seed)
    segmentation.cluster_stage_view(result.cluster_names,
                                    feats.set_index("account_id")["stage"])
    seg = segmentation.rule_segments(feats, min_accounts=30)
    segmentation.segment_summary(feats, seg)
    segmentation.segment_grid(feats)
    t2 = time.perf_counter()
    return {"seconds": t2 - t0, "clustering_seconds": t1 - t0, "k": result.k,
            "stability_ari": float(result.stability["ari"].median())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--json", help="write the result record to this file")
    parser.add_argument("--world", help="folder for the base sample world (default: a temp dir)")
    args = parser.parse_args(argv)

    cores = pin_cores(args.cores)
    folder = Path(args.world or Path(tempfile.gettempdir()) / "workbook-bench-segmentation")
    feats = scale_up(base_features(folder), args.accounts)
    runs = [one_run(feats, seed) for seed in range(args.repeat)]
    median = statistics.median(r["seconds"] for r in runs)
    record = {
        "benchmark": "segmentation",
        "accounts": args.accounts,
        "k_range": [2, 10],
        "cores": cores,
        "repeat": args.repeat,
        "median_seconds": round(median, 2),
        "runs": [{k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}
                 for r in runs],
        "target_seconds": TARGET_SECONDS,
        "meets_target": median <= TARGET_SECONDS,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    for i, r in enumerate(runs, 1):
        print(f"run {i}: {r['seconds']:.1f} s (clustering {r['clustering_seconds']:.1f} s), "
              f"k = {r['k']}, stability ARI {r['stability_ari']:.2f}")
    verdict = "meets" if record["meets_target"] else "misses"
    print(f"{args.accounts:,} accounts on {cores} cores: median {median:.1f} s "
          f"({verdict} the {TARGET_SECONDS:.0f} s target)")
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0 if record["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
