"""Benchmark: false discoveries on null worlds and recovery of planted truths on full worlds.

For each of ``--seeds`` seeds the script writes two small worlds and runs every notebook on
each with ``workbook run`` (one run per world, ``--jobs`` kernels at once):

null world (``effects="none"``, ``workbook sample-data --profile null``)
    Nothing is planted, so every stated comparison or trend is a false discovery (alarms on
    accounts that truly stopped buying can be right: the null world has stationary churn).
    Per run: the number of such findings. Over the runs: the family-wise error rate (share
    of runs with at least one false finding) and the mean false findings per run.
full world (the sample world with its planted truths)
    Power: the share of planted truths from ``truth.json`` that the stated findings recover.

Matching a planted truth to the findings (simple on purpose; text matching because a
finding's evidence names its family but not its level):

* ICP industry (each of ``truth["icp"]["industries"]``): a stated comparison whose text
  names the industry and whose effect points up (lift above 1, or a positive difference).
* ICP size band (each of ``truth["icp"]["size_bands"]``): a stated comparison whose text
  names the band as a word (``mid``, ``large``) with an effect pointing up.
* A/B real lift (each experiment with ``real_effect``): a stated comparison naming the
  experiment id with a positive difference (treatment better). A stated finding on an
  experiment without a real effect is counted as a false finding of the full world.
* Channel timing peak (each channel of ``truth["activity_peaks"]["channels"]``), weekday
  and hour apart: a stated finding naming the channel and its peak weekday (``email`` with
  ``Tuesday`` or ``Tue``); a stated finding naming the channel and an hour window ``HH:00-HH:00`` that
  holds the peak hour, or the peak hour itself (``10:00``).

Findings are read from the run's ``run.json``, which keeps what every notebook wrote to
``findings/<name>.json``. Findings recorded without a kind (notebooks that do not yet gate
their sentences) are counted separately as ``ungated``; they are stated by construction.

Usage::

    python benchmarks/false_discovery.py                           # 20 seeds, 300 accounts
    python benchmarks/false_discovery.py --seeds 3 --accounts 200 --out fd.md
    python benchmarks/false_discovery.py --seeds 5 --worlds null --out fd.json
    python benchmarks/false_discovery.py --rescore fd.json --out fd.md   # new matching rules
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
AS_OF = "2026-06-30"
#: finding kinds that claim a difference or a trend
CLAIMS = ("comparison", "trend")


def run_world(folder: Path, reports: Path, jobs: int) -> tuple[dict, float]:
    """Run every notebook on the world in ``folder``; return ``run.json`` and the seconds."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "helpers.cli", "run", "--data", str(folder), "--as-of", AS_OF,
         "--reports-dir", str(reports), "--jobs", str(jobs)],
        cwd=ROOT, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - t0
    runs = sorted(p for p in reports.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not runs:
        raise RuntimeError(f"workbook run wrote no run folder:\n{proc.stdout[-2000:]}"
                           f"{proc.stderr[-2000:]}")
    return json.loads((runs[-1] / "run.json").read_text(encoding="utf-8")), seconds


def findings_of(run: dict) -> list[dict]:
    """Every recorded finding of a run, each with its notebook under ``notebook``."""
    return [{**item, "notebook": name} for name, nb in run["notebooks"].items()
            for item in nb.get("findings") or []]


def stated_claims(items: list[dict]) -> list[dict]:
    """Stated comparisons and trends."""
    return [f for f in items if f.get("stated", True) and f.get("kind") in CLAIMS]


def ungated(items: list[dict]) -> list[dict]:
    """Findings recorded without a kind: sentences no gate decided on."""
    return [f for f in items if "kind" not in f]


def _points_up(finding: dict) -> bool:
    ev = finding.get("evidence") or {}
    effect = ev.get("effect")
    if effect is None:
        return True
    return effect > 1 if "lift" in str(ev.get("effect_label", "")).lower() else effect > 0


def _names(text: str, word: str | tuple[str, ...]) -> bool:
    """Whether ``text`` names ``word`` (or one of a tuple of spellings) as a whole word."""
    words = (word,) if isinstance(word, str) else word
    return any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text) is not None
               for w in words)


def planted_truths(truth: dict) -> list[dict]:
    """The truths a run on the full world should recover, each with a matcher."""
    out = []
    for industry in truth["icp"]["industries"]:
        out.append({"truth": f"ICP industry {industry}", "kind": "comparison",
                    "words": [industry], "up": True})
    for band in truth["icp"]["size_bands"]:
        out.append({"truth": f"ICP size band {band}", "kind": "comparison",
                    "words": [band], "up": True})
    for exp_id, spec in truth["experiments"].items():
        if spec["real_effect"]:
            out.append({"truth": f"A/B lift {exp_id}", "kind": "comparison",
                        "words": [exp_id], "up": True})
    for channel, peak in truth["activity_peaks"]["channels"].items():
        out.append({"truth": f"timing weekday {channel} {peak['weekday']}", "kind": None,
                    "words": [channel, (peak["weekday"], peak["weekday"][:3])], "up": False})
        out.append({"truth": f"timing hour {channel} {peak['hour']}:00", "kind": None,
                     "words": [channel], "hour": peak["hour"], "up": False})
    return out


def _holds_hour(text: str, hour: int) -> bool:
    for start, end in re.findall(r"(\d{1,2}):00\s*[-–]\s*(\d{1,2}):00", text):
        if int(start) <= hour < max(int(end), int(start) + 1):
            return True
    return re.search(rf"(?<!\d){hour}:00(?!\s*[-–])", text) is not None


def recovered(truth: dict, items: list[dict]) -> dict[str, bool]:
    """For each planted truth, whether a stated finding recovers it."""
    stated = [f for f in items if f.get("stated", True) and f.get("kind")]
    out = {}
    for p in planted_truths(truth):
        out[p["truth"]] = any(
            (p["kind"] is None or f["kind"] == p["kind"])
            and all(_names(f.get("text", ""), w) for w in p["words"])
            and (not p["up"] or _points_up(f))
            and ("hour" not in p or _holds_hour(f.get("text", ""), p["hour"]))
            for f in stated)
    return out


def null_experiment_claims(truth: dict, items: list[dict]) -> list[dict]:
    """Stated findings on experiments of the full world that have no real effect."""
    nulls = [e for e, spec in truth["experiments"].items() if not spec["real_effect"]]
    return [f for f in stated_claims(items) if any(_names(f.get("text", ""), e) for e in nulls)]


def described(finding: dict) -> dict:
    """A stated finding with the evidence that let it through."""
    ev = finding.get("evidence") or {}
    return {"notebook": finding["notebook"], "kind": finding.get("kind"),
            "text": finding.get("text"), "gate": finding.get("gate") or "",
            **{k: ev.get(k) for k in ("test", "family", "family_size", "p_value", "p_adjusted",
                                      "effect", "effect_label", "n")}}


def one_seed(seed: int, accounts: int, jobs: int, worlds: list[str], tmp: Path) -> list[dict]:
    from helpers.data import sample_world

    rows = []
    for world in worlds:
        folder, reports = tmp / f"{world}_{seed}", tmp / f"reports_{world}_{seed}"
        truth = sample_world.generate_world(folder, accounts=accounts, seed=seed,
                                            effects="none" if world == "null" else "planted")
        run, seconds = run_world(folder, reports, jobs)
        items = findings_of(run)
        claims = stated_claims(items)
        row = {"world": world, "seed": seed, "accounts": accounts, "seconds": round(seconds, 1),
               "notebooks_ok": sum(nb["status"] == "ok" for nb in run["notebooks"].values()),
               "notebooks": len(run["notebooks"]),
               "failed": sorted(n for n, nb in run["notebooks"].items() if nb["status"] != "ok"),
               "stated_claims": len(claims), "ungated": len(ungated(items)),
               "stated": [described(f) for f in items
                          if f.get("stated", True) and f.get("kind") and f["kind"] != "fact"]}
        if world == "null":
            row["false_findings"] = [described(f) for f in claims]
        else:
            row["recovered"] = recovered(truth, items)
            row["false_findings"] = [described(f) for f in null_experiment_claims(truth, items)]
        rows.append(row)
        print(_line(row), flush=True)
    return rows


def rescore(rows: list[dict]) -> list[dict]:
    """Match the stated findings saved with each full-world run against its truths again."""
    from helpers.data import sample_world

    with tempfile.TemporaryDirectory(prefix="false_discovery_") as tmp:
        for row in rows:
            if row["world"] != "full":
                continue
            truth = sample_world.generate_world(Path(tmp) / str(row["seed"]),
                                                accounts=row["accounts"], seed=row["seed"])
            items = [{**f, "stated": True, "evidence": {"effect": f.get("effect"),
                                                        "effect_label": f.get("effect_label")}}
                     for f in row["stated"]]
            row["recovered"] = recovered(truth, items)
    return rows


def _line(row: dict) -> str:
    text = (f"{row['world']:>4} seed {row['seed']:>3}: {row['notebooks_ok']}/{row['notebooks']}"
            f" ok, {row['seconds']:.0f} s, {row['stated_claims']} stated claims, "
            f"{row['ungated']} ungated")
    if row["world"] == "null":
        return text + f", {len(row['false_findings'])} false"
    hits = row["recovered"]
    return text + f", recovered {sum(hits.values())}/{len(hits)}"


def summarise(rows: list[dict]) -> dict:
    """Family-wise error rate, false findings per run, and power per planted truth."""
    null = [r for r in rows if r["world"] == "null"]
    full = [r for r in rows if r["world"] == "full"]
    out: dict = {"runs": {"null": len(null), "full": len(full)}}
    if null:
        counts = [len(r["false_findings"]) for r in null]
        by_notebook: dict[str, int] = {}
        for r in null:
            for f in r["false_findings"]:
                by_notebook[f["notebook"]] = by_notebook.get(f["notebook"], 0) + 1
        out["null"] = {"familywise_error_rate": sum(c > 0 for c in counts) / len(counts),
                       "false_findings_per_run": sum(counts) / len(counts),
                       "false_findings_by_notebook": dict(sorted(by_notebook.items())),
                       "ungated_per_run": sum(r["ungated"] for r in null) / len(null)}
    if full:
        per_truth: dict[str, list[bool]] = {}
        for r in full:
            for name, hit in r["recovered"].items():
                per_truth.setdefault(name, []).append(hit)
        hits = [h for v in per_truth.values() for h in v]
        out["full"] = {"power": sum(hits) / len(hits) if hits else None,
                       "recovery_by_truth": {k: sum(v) / len(v) for k, v in per_truth.items()},
                       "null_experiment_claims_per_run":
                           sum(len(r["false_findings"]) for r in full) / len(full)}
    return out


def markdown(summary: dict, rows: list[dict]) -> str:
    lines = ["# False discoveries and power", ""]
    if "null" in summary:
        s = summary["null"]
        lines += [f"Null worlds: {summary['runs']['null']} runs; family-wise error rate "
                  f"{s['familywise_error_rate']:.0%}; false findings per run "
                  f"{s['false_findings_per_run']:.2f}; ungated findings per run "
                  f"{s['ungated_per_run']:.1f}.", ""]
        if s["false_findings_by_notebook"]:
            lines += ["| notebook | false findings |", "|---|---:|"]
            lines += [f"| {k} | {v} |" for k, v in s["false_findings_by_notebook"].items()]
            lines.append("")
    if "full" in summary:
        s = summary["full"]
        power = "–" if s["power"] is None else f"{s['power']:.0%}"
        lines += [f"Full worlds: {summary['runs']['full']} runs; power {power}; stated "
                  f"findings on the experiment without effect per run "
                  f"{s['null_experiment_claims_per_run']:.2f}.", "",
                  "| planted truth | recovered |", "|---|---:|"]
        lines += [f"| {k} | {v:.0%} |" for k, v in s["recovery_by_truth"].items()]
        lines.append("")
    false = [(r["world"], r["seed"], f) for r in rows for f in r["false_findings"]]
    if false:
        lines += ["| world | seed | notebook | kind | finding | test | p adjusted |",
                  "|---|---:|---|---|---|---|---:|"]
        for world, seed, f in false:
            p_adj = "–" if f["p_adjusted"] is None else f"{f['p_adjusted']:.3g}"
            text = str(f["text"]).replace("|", "/")
            lines.append(f"| {world} | {seed} | {f['notebook']} | {f['kind']} | {text} | "
                         f"{f['test'] or f['gate'] or '–'} | {p_adj} |")
        lines.append("")
    lines += ["| world | seed | ok | seconds | stated claims | ungated | false | recovered |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        rec = (f"{sum(r['recovered'].values())}/{len(r['recovered'])}"
               if "recovered" in r else "–")
        lines.append(f"| {r['world']} | {r['seed']} | {r['notebooks_ok']}/{r['notebooks']} | "
                     f"{r['seconds']:.0f} | {r['stated_claims']} | {r['ungated']} | "
                     f"{len(r['false_findings'])} | {rec} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="worlds of each kind (default 20)")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=2, help="notebooks at once per run")
    parser.add_argument("--worlds", choices=["both", "null", "full"], default="both")
    parser.add_argument("--out", help="write the results: .md for a table, else JSON")
    parser.add_argument("--rescore", help="JSON of an earlier run: score its recorded findings "
                        "again (matching rules changed) instead of running notebooks")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    worlds = ["null", "full"] if args.worlds == "both" else [args.worlds]
    rows = []
    if args.rescore:
        rows = rescore(json.loads(Path(args.rescore).read_text(encoding="utf-8"))["runs"])
    else:
        with tempfile.TemporaryDirectory(prefix="false_discovery_") as tmp:
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                rows += one_seed(seed, args.accounts, args.jobs, worlds, Path(tmp))
    summary = summarise(rows)
    text = markdown(summary, rows)
    print(text)
    if args.out:
        out = Path(args.out)
        out.write_text(text if out.suffix == ".md" else
                       json.dumps({"summary": summary, "runs": rows}, indent=2,
                                  ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
