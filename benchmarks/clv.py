"""Benchmark: BG/NBD + Gamma-Gamma fit and CLV scoring (helpers.analysis.clv.fit_clv).

For each size the script simulates customers from known BG/NBD and Gamma-Gamma parameters
(order dates on whole days over three years, times in weeks, like real order data), then
times :func:`helpers.analysis.clv.fit_clv`: both maximum-likelihood fits with Hessian standard
errors, and scoring of every account (P(alive), expected purchases and spend, discounted
CLV over 36 months). It prints the median of the runs and how far the fit landed from the
true parameters.

Target: 100,000 accounts in at most 3 s on 2 cores (the archived lifetimes package took
about 55 ms for the 2,357 CDNOW customers on the same machine).

Usage::

    python benchmarks/clv.py                        # 2,357 and 100,000 accounts, 3 runs
    python benchmarks/clv.py --sizes 100k --repeat 5
    python benchmarks/clv.py --json clv-bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import pandas as pd

from helpers.analysis import clv

BG_TRUE = (0.243, 4.414, 0.793, 2.426)  # CDNOW estimates, weeks
GG_TRUE = (6.25, 3.74, 15.44)
TARGET_SECONDS = 3.0
TARGET_SIZE = 100_000


def parse_size(text: str) -> int:
    """``"100k"`` -> 100000."""
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if text[-1:] in "km" else text) * scale)


def make_summary(n: int, seed: int = 7) -> pd.DataFrame:
    """Customer summaries as :func:`helpers.analysis.clv.purchase_summary` returns them."""
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 3 * 365, n) / 7
    sim = clv.simulate_bgnbd(n, BG_TRUE, T, seed=seed + 1, tick=1 / 7)
    monetary = clv.simulate_gamma_gamma(sim.frequency, GG_TRUE, seed=seed + 2)
    first = np.where(np.isnan(monetary), rng.gamma(6.25, 15.44 / 3.74 / 6.25 * 2, n), monetary)
    return pd.DataFrame({
        "account_id": [f"A{i:07d}" for i in range(n)],
        "purchases": sim.frequency.astype("int64") + 1,
        "frequency": sim.frequency,
        "recency": sim.recency,
        "T": sim["T"],
        "monetary_value": monetary,
        "mean_order_value": first,
    })


def run_once(summary: pd.DataFrame) -> tuple[float, clv.ClvResult]:
    start = time.perf_counter()
    result = clv.fit_clv(summary, time_unit="week", horizon_months=36,
                         monthly_discount_rate=0.01)
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2357,100k", help="comma-separated account counts")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)

    rows = []
    for size in [parse_size(s) for s in args.sizes.split(",") if s.strip()]:
        summary = make_summary(size)
        run_once(summary.iloc[: min(size, 5000)])  # warm up imports and caches
        times, result = [], None
        for _ in range(args.repeat):
            seconds, result = run_once(summary)
            times.append(seconds)
        bg, gg = result.bgnbd.params_, result.gamma_gamma.params_
        error = max(
            max(abs(bg[k] / t - 1) for k, t in zip(result.bgnbd.names, BG_TRUE, strict=True)),
            max(abs(gg[k] / t - 1) for k, t in zip(result.gamma_gamma.names, GG_TRUE,
                                                   strict=True)))
        rows.append({
            "accounts": size,
            "repeat_buyers": int((summary.frequency > 0).sum()),
            "median_seconds": statistics.median(times),
            "runs_seconds": times,
            "accounts_per_second": size / statistics.median(times),
            "method": result.method,
            "max_parameter_error": error,
            "bgnbd": {k: float(v) for k, v in bg.items()},
            "gamma_gamma": {k: float(v) for k, v in gg.items()},
        })
        print(f"{size:>9,} accounts: median {statistics.median(times):6.3f} s over "
              f"{len(times)} runs ({', '.join(f'{t:.3f}' for t in times)}); "
              f"{rows[-1]['accounts_per_second']:,.0f} accounts/s; largest parameter error "
              f"{error:.1%}")

    target = next((r for r in rows if r["accounts"] == TARGET_SIZE), None)
    verdict = None
    if target is not None:
        verdict = target["median_seconds"] <= TARGET_SECONDS
        print(f"target {TARGET_SIZE:,} accounts <= {TARGET_SECONDS:.0f} s: "
              f"{'met' if verdict else 'MISSED'}")
    if args.json:
        payload = {"benchmark": "clv", "cpus": os.cpu_count(), "python": platform.python_version(),
                   "target_seconds": TARGET_SECONDS, "target_met": verdict, "results": rows}
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
