"""Generating, checking and reading a sample world on disk."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.core.errors import ParamError
from helpers.data import contract
from helpers.data.sample_world.accounts import _accounts_table, _all_accounts
from helpers.data.sample_world.campaigns import (
    _content_catalogue,
    _content_table,
    _hill_opportunities,
    _marketing_spend,
    _month_labels,
)
from helpers.data.sample_world.effects import EFFECTS
from helpers.data.sample_world.engagement import (
    _contacts,
    _content_opportunities,
    _experiment_interactions,
    _interactions_table,
    _organic_interactions,
)
from helpers.data.sample_world.files import _Sink, _stale_files, _write_once
from helpers.data.sample_world.orders import (
    _orders,
    _orders_table,
    _resolve_opportunities,
    _sales_opportunities,
)
from helpers.data.sample_world.parameters import (
    BLOCK,
    CHANNELS,
    CONTENT_CATEGORIES,
    EXPERIMENTS,
    GENERATOR_VERSION,
    HILL,
    OPP_STAGES,
    SOURCES,
    STAGES,
    TRUTH_ACCOUNTS_FILE,
    TRUTH_FILE,
    WORLD_FILE,
)
from helpers.data.sample_world.surveys import _service_costs, _surveys
from helpers.data.sample_world.truth import _truth, _truth_accounts
from helpers.data.sample_world.world import (
    _account_ids,
    _Counters,
    _dates,
    _ids,
    _labels,
    _make_world,
    _normalise_settings,
    _rng,
    _table,
    _World,
    table_schema,
)

__all__ = [
    "generate_world",
    "mark_profile",
    "read_truth",
    "world_matches",
]


def _block(w: _World, b: int, A: dict, C: dict, hill: dict, counters: _Counters,
           campaigns: pa.Array, stats: dict):
    """All per-account tables of block ``b``; opportunities are returned as arrays."""
    lo = b * BLOCK
    hi = min(lo + BLOCK, w.accounts)
    a = {k: v[lo:hi] for k, v in A.items() if isinstance(v, np.ndarray) and len(v) == w.accounts}
    tables = {"contacts": _contacts(w, _rng(w.seed, 2, b, 0), lo, a)}
    organic = _organic_interactions(w, _rng(w.seed, 2, b, 1), a, C)
    experiment = _experiment_interactions(w, _rng(w.seed, 2, b, 2), a, stats["experiments"])
    content_opps = _content_opportunities(w, _rng(w.seed, 2, b, 3), a, C, organic, stats)
    organic.pop("day")
    rows = {k: np.concatenate([organic[k], experiment[k]]) for k in organic}
    tables["interactions"] = _interactions_table(w, lo, rows, counters, campaigns)

    h_lo, h_hi = np.searchsorted(hill["acc"], [lo, hi])
    hill_opps = {"acc": hill["acc"][h_lo:h_hi] - lo, "day": hill["day"][h_lo:h_hi],
                 "src": hill["src"][h_lo:h_hi], "content": np.full(h_hi - h_lo, -1)}
    sales_opps = _sales_opportunities(w, _rng(w.seed, 2, b, 4), a)
    parts = (hill_opps, content_opps, sales_opps)
    opp = {k: np.concatenate([p[k] for p in parts]) for k in hill_opps}
    opp = _resolve_opportunities(w, _rng(w.seed, 2, b, 5), a, opp)
    won = {k: v[opp["stage"] == 1] for k, v in opp.items()}
    orders = _orders(w, _rng(w.seed, 2, b, 6), a, won)
    stats["revenue"][lo:hi] = np.bincount(orders["acc"], orders["amount"], minlength=hi - lo)
    tables["orders"] = _orders_table(w, lo, orders, counters)
    tables["surveys"] = _surveys(w, _rng(w.seed, 2, b, 7), lo, a, counters)
    tables["service_costs"] = _service_costs(w, _rng(w.seed, 2, b, 8), lo, a)
    opp["acc"] = opp["acc"] + lo
    return tables, opp


def _opportunities_table(w: _World, parts: list[dict]) -> tuple[pa.Table, dict]:
    opp = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((opp["amount"], opp["src"], opp["acc"], opp["day"]))
    o = {k: v[order] for k, v in opp.items()}
    n = len(order)
    table = _table("opportunities", {
        "opportunity_id": _ids("OP", np.arange(1, n + 1), 7),
        "account_id": _account_ids(w, o["acc"]),
        "created_date": _dates(w, o["day"]),
        "close_date": _dates(w, np.maximum(o["close"], 0), mask=o["close"] < 0),
        "stage": _labels(OPP_STAGES, o["stage"]),
        "amount": pa.array(o["amount"], pa.float64()),
        "source_channel": _labels(SOURCES, o["src"]),
        "source_content_id": _ids("CT", np.maximum(o["content"], 0) + 1, 4,
                                  mask=o["content"] < 0),
    })
    return table, o

# ----------------------------------------------------------------------------- public API


def generate_world(out_dir: str | os.PathLike, *, accounts: int = 2000, seed: int = 42,
                   locale: str = "en", fmt: str = "parquet", start: str | dt.date = "2023-07-01",
                   end: str | dt.date = "2026-06-30",
                   interactions_per_account: float | None = None,
                   chunk_accounts: int = 5000, effects: str = "planted") -> dict:
    """Write the synthetic B2B world and return its planted truths.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into; created if missing. Existing ``<table>.parquet`` and
        ``<table>.csv`` files of contract tables, the truth files and ``world.json`` in it
        are replaced, so a folder never holds two formats of one table.
    accounts : int
        Number of accounts.
    seed : int
        Random seed; the same settings give byte-identical files.
    locale : {"en", "zh"}
        Language of names, places and free text; codes stay English.
    fmt : {"parquet", "csv"}
        File format of the contract tables (CSV is UTF-8).
    start, end : str or datetime.date
        First and last day of the world (``end`` is the ``as_of`` date); at least two years.
    interactions_per_account : float, optional
        Mean organic interactions per account (default 75); experiment rows come on top.
    chunk_accounts : int
        Accounts generated between writes. It bounds memory and never changes the output.
    effects : {"planted", "none"}
        ``"planted"`` (default) writes the sample world with its planted truths; ``"none"``
        writes the null world: the same tables and volumes, but no attribute, segment,
        channel, stage, variant or time of day changes any outcome (see :data:`NEUTRAL`).
        Its ``truth.json`` has ``"profile": "null"`` and ``"planted": {}``, and its
        ``world.json`` a ``"profile": "null"``, so it is never taken for the sample world.

    Returns
    -------
    dict
        The truth dictionary also written to ``truth.json`` (schema in the module docstring).

    Raises
    ------
    helpers.core.errors.ParamError
        For a setting out of range.
    """
    s = _normalise_settings(accounts, seed, locale, fmt, start, end, interactions_per_account)
    if int(chunk_accounts) < 1:
        raise ParamError(f"sample world: chunk_accounts must be at least 1, got {chunk_accounts}")
    if effects not in EFFECTS:
        raise ParamError(f"sample world: effects {effects!r} is not known; use one of "
                         f"{', '.join(EFFECTS)}")
    w = _make_world(s, EFFECTS[effects])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / WORLD_FILE).unlink(missing_ok=True)
    for path in _stale_files(out):
        path.unlink()

    A = _all_accounts(w)
    C = _content_catalogue(w)
    spend_table, curves = _marketing_spend(w)
    hill = _hill_opportunities(w, A, curves)
    campaigns = pa.array(_campaign_ids_flat(w), pa.string())

    counts: dict[str, int] = {}
    counts["accounts"] = _write_once(out / f"accounts.{fmt}", _accounts_table(w, A), fmt)
    counts["content"] = _write_once(out / f"content.{fmt}", _content_table(w, C), fmt)
    counts["marketing_spend"] = _write_once(out / f"marketing_spend.{fmt}", spend_table, fmt)

    streamed = ("orders", "contacts", "interactions", "surveys", "service_costs")
    sinks = {name: _Sink(out / f"{name}.{fmt}", table_schema(name), fmt) for name in streamed}
    stats = {
        "revenue": np.zeros(w.accounts),
        "touches": np.zeros((len(STAGES), len(CONTENT_CATEGORIES)), dtype=np.int64),
        "conversions": np.zeros((len(STAGES), len(CONTENT_CATEGORIES)), dtype=np.int64),
        "experiments": {"n": [[0, 0] for _ in EXPERIMENTS],
                        "conv": [[0, 0] for _ in EXPERIMENTS]},
    }
    counters = _Counters()
    opp_parts = []
    n_blocks = math.ceil(w.accounts / BLOCK)
    step = max(1, math.ceil(int(chunk_accounts) / BLOCK))
    try:
        for first in range(0, n_blocks, step):
            batch: dict[str, list[pa.Table]] = {name: [] for name in streamed}
            for b in range(first, min(first + step, n_blocks)):
                tables, opp = _block(w, b, A, C, hill, counters, campaigns, stats)
                opp_parts.append(opp)
                for name, table in tables.items():
                    batch[name].append(table)
            for name in streamed:
                sinks[name].add(pa.concat_tables(batch[name]))
    finally:
        for sink in sinks.values():
            sink.close()
    for name in streamed:
        counts[name] = sinks[name].rows
    opp_table, opp = _opportunities_table(w, opp_parts)
    counts["opportunities"] = _write_once(out / f"opportunities.{fmt}", opp_table, fmt)
    counts = {t.name: counts[t.name] for t in contract.TABLES}

    truth = _truth(w, A, curves, hill, opp, stats, counts)
    pq.write_table(_truth_accounts(w, A), out / TRUTH_ACCOUNTS_FILE, compression="zstd")
    (out / TRUTH_FILE).write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    world = {"generator_version": GENERATOR_VERSION, **w.settings(),
             "files": {t.name: f"{t.name}.{fmt}" for t in contract.TABLES}}
    if effects != "planted":
        world["profile"] = "null"
    (out / WORLD_FILE).write_text(json.dumps(world, indent=2, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    return truth


def _campaign_ids_flat(w: _World) -> list[str | None]:
    labels = _month_labels(w)
    out: list[str | None] = []
    for name in CHANNELS:
        tag = name.upper().replace("_", "-")
        out += [f"CMP-{tag}-{lab}" if name in HILL else None for lab in labels]
    return out


def world_matches(out_dir: str | os.PathLike, **settings) -> bool:
    """Whether ``out_dir`` holds a complete world generated with ``settings``.

    Only the given settings are compared (any of ``accounts``, ``seed``, ``locale``,
    ``fmt``, ``start``, ``end``, ``interactions_per_account``), plus the generator version;
    ``chunk_accounts`` is accepted and ignored because it never changes the output.

    Parameters
    ----------
    out_dir : path-like
        Folder of a generated world.
    **settings
        Settings as passed to :func:`generate_world`.

    Returns
    -------
    bool
    """
    known = {"accounts", "seed", "locale", "fmt", "start", "end", "interactions_per_account"}
    unknown = sorted(set(settings) - known - {"chunk_accounts"})
    if unknown:
        raise TypeError(f"world_matches: unknown setting(s) {', '.join(unknown)}; "
                        f"known are {', '.join(sorted(known))}")
    out = Path(out_dir)
    try:
        stored = json.loads((out / WORLD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(stored, dict) or stored.get("generator_version") != GENERATOR_VERSION:
        return False
    if stored.get("profile", "full") != "full":  # reshaped by a data profile
        return False
    full = {k: stored.get(k) for k in known}
    full.update({k: v for k, v in settings.items() if k in known})
    try:
        wanted = _normalise_settings(full["accounts"], full["seed"], full["locale"],
                                     full["fmt"], full["start"], full["end"],
                                     full["interactions_per_account"])
    except ParamError:
        return False
    if any(stored.get(k) != wanted[k] for k in known):
        return False
    files = [out / f"{t.name}.{stored['fmt']}" for t in contract.TABLES]
    return all(p.is_file() for p in [*files, out / TRUTH_FILE, out / TRUTH_ACCOUNTS_FILE])


def mark_profile(out_dir: str | os.PathLike, profile: str) -> None:
    """Record in ``world.json`` that the world was reshaped by a data profile.

    A reshaped world no longer holds its planted truths, so :func:`world_matches` stops
    matching it and the sample world is rebuilt when it is asked for again.
    """
    path = Path(out_dir) / WORLD_FILE
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["profile"] = profile
    path.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_truth(out_dir: str | os.PathLike) -> dict:
    """Return the planted truths of the world in ``out_dir`` (its ``truth.json``)."""
    path = Path(out_dir) / TRUTH_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ParamError(f"no sample-world truth at {path}; run `workbook sample-data` "
                         "first") from None
