"""Test worlds shaped like the data real teams bring, derived from the sample world.

The sample world is rich on purpose: every table and column, years of history, timestamps
with a time of day. Real exports are thinner. Each profile here rewrites a generated world
in place into one such shape, deterministically, so that the tests can prove every notebook
runs on it and says what it skips:

``full``
    The sample world as generated.
``transactions``
    A plain transaction log: ``accounts.account_id`` and ``orders`` with ``order_id``,
    ``account_id``, ``order_date`` and ``amount``; nothing else.
``young``
    One recent cohort: only the last four months of history, and most customers with a
    single order.
``dates-only``
    Every timestamp is a date without a time of day.
``no-margin``
    No ``gross_margin``, ``city`` or ``is_competitor_customer`` column.
``empty-columns``
    Those three columns present in the files but entirely empty.
``crm``
    A B2B SaaS CRM export: accounts, contacts, touches, opportunities and an order per won
    deal; no margin, city or competitor flag, dates only, one young cohort.

One more profile is not a shape but a world: ``null`` (:data:`NULL_PROFILE`) has every
table and column of the sample world but plants no effect at all (see
``helpers.data.sample_world.NEUTRAL``), so any comparison, trend or alarm a report states on it is
a false discovery. It is made by the generator, not by rewriting tables, and is not in
:data:`PROFILES` (the thin shapes); :data:`CHOICES` lists both.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from helpers.core.errors import ParamError
from helpers.core.params import as_of_date
from helpers.data import contract

__all__ = [
    "CHOICES",
    "CRM_GAPS",
    "NULL_PROFILE",
    "PROFILES",
    "YOUNG_DAYS",
    "YOUNG_REPEAT_SHARE",
    "apply_profile",
]

PROFILES = ("full", "transactions", "young", "dates-only", "no-margin", "empty-columns", "crm")
#: the world without any planted effect
NULL_PROFILE = "null"
#: every profile ``workbook sample-data --profile`` accepts
CHOICES = (*PROFILES, NULL_PROFILE)
#: the columns a typical CRM export lacks
CRM_GAPS = {"accounts": ("city", "is_competitor_customer"), "orders": ("gross_margin",)}
#: days of history kept by the young profiles
YOUNG_DAYS = 120
#: share of the young cohort that keeps a second order
YOUNG_REPEAT_SHARE = 0.2


def _files(folder: Path) -> dict[str, Path]:
    out = {}
    for t in contract.TABLES:
        for suffix in (".parquet", ".csv"):
            if (folder / f"{t.name}{suffix}").is_file():
                out[t.name] = folder / f"{t.name}{suffix}"
    return out


def _read(path: Path) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    return pcsv.read_csv(path)


def _write(table: pa.Table, path: Path) -> None:
    if path.suffix == ".parquet":
        pq.write_table(table, path, compression="zstd")
    else:
        pcsv.write_csv(table, path)


def _drop_columns(t: pa.Table, names) -> pa.Table:
    return t.drop_columns([n for n in names if n in t.column_names])


def _empty_columns(t: pa.Table, names) -> pa.Table:
    for name in names:
        if name in t.column_names:
            i = t.column_names.index(name)
            t = t.set_column(i, name, pa.nulls(len(t), t.schema.field(name).type))
    return t


def _dates_only(t: pa.Table) -> pa.Table:
    for i, field in enumerate(t.schema):
        if pa.types.is_timestamp(field.type):
            t = t.set_column(i, field.name, pc.cast(t.column(i), pa.date32()))
    return t


def _stable_share(ids: pa.ChunkedArray, share: float) -> np.ndarray:
    """A deterministic pseudo-random pick of about ``share`` of ``ids``."""
    digits = np.array([sum(map(ord, str(v))) * 2654435761 % 1000 for v in ids.to_pylist()])
    return digits < share * 1000


def _day(t: pa.Table, name: str) -> np.ndarray:
    col = t.column(name)
    if pa.types.is_timestamp(col.type):
        col = pc.cast(col, pa.date32())
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype="datetime64[D]")


def _young(tables: dict[str, pa.Table], as_of: dt.date) -> dict[str, pa.Table]:
    """Keep the last :data:`YOUNG_DAYS` days: one cohort, mostly single orders."""
    start = np.datetime64(as_of - dt.timedelta(days=YOUNG_DAYS), "D")
    orders = tables["orders"]
    days = _day(orders, "order_date")
    orders = orders.filter(pa.array(days >= start))
    orders = orders.sort_by([("account_id", "ascending"), ("order_date", "ascending"),
                             ("order_id", "ascending")])
    acc = np.asarray(orders.column("account_id").to_pylist(), dtype=object)
    rank = np.zeros(len(acc), dtype=int)
    for i in range(1, len(acc)):
        rank[i] = rank[i - 1] + 1 if acc[i] == acc[i - 1] else 0
    repeat = _stable_share(orders.column("account_id"), YOUNG_REPEAT_SHARE)
    orders = orders.filter(pa.array((rank == 0) | ((rank == 1) & repeat)))
    customers = set(orders.column("account_id").to_pylist())
    out = dict(tables)
    out["orders"] = orders
    accounts = tables["accounts"]
    if "created_date" in accounts.column_names:
        first: dict[str, np.datetime64] = {}
        for a, d in zip(orders.column("account_id").to_pylist(), _day(orders, "order_date"), strict=True):
            first.setdefault(a, d)
        created = _day(accounts, "created_date")
        ids = accounts.column("account_id").to_pylist()
        # customers were acquired with their first order; prospects within the window too
        new = [first.get(a, max(c, start)) - np.timedelta64(7, "D") if a in first else max(c, start)
               for a, c in zip(ids, created, strict=True)]
        i = accounts.column_names.index("created_date")
        accounts = accounts.set_column(i, "created_date",
                                       pa.array(np.array(new, dtype="datetime64[D]"), pa.date32()))
    out["accounts"] = accounts
    for name, date_col in (("interactions", "timestamp"), ("opportunities", "created_date"),
                           ("surveys", "response_date"), ("service_costs", "period_start"),
                           ("marketing_spend", "period_start")):
        if name in out:
            t = out[name]
            keep = _day(t, date_col) >= start - np.timedelta64(30, "D")
            if "account_id" in t.column_names and name != "opportunities":
                ids = t.column("account_id").to_pylist()
                keep &= np.array([a in customers or name == "interactions" for a in ids])
            out[name] = t.filter(pa.array(keep))
    if "opportunities" in out and "close_date" in out["opportunities"].column_names:
        opp = out["opportunities"]
        stage = np.asarray(opp.column("stage").to_pylist(), dtype=object)
        # one won deal per customer: the order it produced is what the orders table holds
        ids = np.asarray(opp.column("account_id").to_pylist(), dtype=object)
        won = (stage == "won") & np.isin(ids, list(customers))
        keep = (stage != "won") | won
        out["opportunities"] = opp.filter(pa.array(keep))
    return out


def _null_world(folder: Path) -> list[str]:
    """Regenerate the world in ``folder`` with its own settings and no planted effect."""
    from helpers.data import sample_world

    try:
        stored = json.loads((folder / sample_world.WORLD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ParamError(f"the null profile needs a generated world in {folder} "
                         f"(its {sample_world.WORLD_FILE})") from None
    keys = ("accounts", "seed", "locale", "fmt", "start", "end", "interactions_per_account")
    sample_world.generate_world(folder, effects="none", **{k: stored[k] for k in keys})
    return sorted(_files(folder))


def apply_profile(folder: str | os.PathLike, profile: str, *, as_of: str | dt.date) -> list[str]:
    """Rewrite the world in ``folder`` into the shape of ``profile``.

    Parameters
    ----------
    folder : path-like
        A folder written by :func:`helpers.data.sample_world.generate_world`.
    profile : str
        One of :data:`CHOICES`. ``"null"`` regenerates the world from the settings in its
        ``world.json`` without any planted effect (all tables, same sizes).
    as_of : str or datetime.date
        The world's analysis date (its last day).

    Returns
    -------
    list of str
        The contract tables the folder holds afterwards.
    """
    if profile not in CHOICES:
        raise ParamError(f"unknown data profile {profile!r}; choose one of {', '.join(CHOICES)}")
    folder = Path(folder)
    if profile == NULL_PROFILE:
        return _null_world(folder)
    day = as_of_date(as_of)
    files = _files(folder)
    if profile == "full":
        return sorted(files)
    tables = {name: _read(path) for name, path in files.items()}
    if profile == "transactions":
        keep = {"accounts": ["account_id"],
                "orders": ["order_id", "account_id", "order_date", "amount"]}
        tables = {name: tables[name].select(cols) for name, cols in keep.items()}
    if profile in ("young", "crm"):
        tables = _young(tables, day)
    if profile in ("dates-only", "crm"):
        tables = {name: _dates_only(t) for name, t in tables.items()}
    if profile in ("no-margin", "crm"):
        tables = {name: _drop_columns(t, CRM_GAPS.get(name, ())) for name, t in tables.items()}
    if profile == "empty-columns":
        tables = {name: _empty_columns(t, CRM_GAPS.get(name, ())) for name, t in tables.items()}
    if profile == "crm":
        tables = {name: t for name, t in tables.items()
                  if name not in ("marketing_spend", "surveys", "service_costs")}
    for name, path in files.items():
        if name in tables:
            _write(tables[name], path)
        else:
            path.unlink()
    return sorted(tables)
