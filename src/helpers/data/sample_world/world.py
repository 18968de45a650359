"""Settings, calendar, random streams and Arrow helpers shared by every sample-world table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from helpers.core.errors import ParamError
from helpers.data import contract
from helpers.data.sample_world.parameters import (
    _EPOCH,
    _TRADE_SHOW_DAYS,
    CHANNELS,
    DEFAULT_INTERACTIONS_PER_ACCOUNT,
    FORMATS,
    LOCALES,
    MIN_WINDOW_DAYS,
    PEAKS,
    REFERENCE_ACCOUNTS,
)

if TYPE_CHECKING:
    from helpers.data.sample_world.effects import _Effects

__all__ = [
    "table_schema",
]


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class _World:
    """Resolved settings and calendar of one world."""

    accounts: int
    seed: int
    locale: str
    fmt: str
    start: dt.date
    end: dt.date
    ipa: float
    s0: int
    T: int
    month_rel: np.ndarray
    shows: np.ndarray
    fx: _Effects

    @property
    def months(self) -> int:
        return len(self.month_rel) - 1

    @property
    def scale(self) -> float:
        return self.accounts / REFERENCE_ACCOUNTS

    def settings(self) -> dict:
        return {"accounts": self.accounts, "seed": self.seed, "locale": self.locale,
                "fmt": self.fmt, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "interactions_per_account": self.ipa}


def _parse_date(value, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParamError(f"sample world: {name}={value!r} is not a date; use YYYY-MM-DD") from None


def _normalise_settings(accounts, seed, locale, fmt, start, end, ipa) -> dict:
    try:
        accounts = int(accounts)
        seed = int(seed)
    except (TypeError, ValueError):
        raise ParamError("sample world: accounts and seed must be whole numbers, "
                         f"got accounts={accounts!r}, seed={seed!r}") from None
    if accounts < 1:
        raise ParamError(f"sample world: accounts must be at least 1, got {accounts}")
    if seed < 0:
        raise ParamError(f"sample world: seed must be zero or positive, got {seed}")
    if locale not in LOCALES:
        raise ParamError(f"sample world: locale {locale!r} is not supported; use one of "
                         f"{', '.join(LOCALES)}")
    if fmt not in FORMATS:
        raise ParamError(f"sample world: format {fmt!r} is not supported; use one of "
                         f"{', '.join(FORMATS)}")
    start_d, end_d = _parse_date(start, "start"), _parse_date(end, "end")
    if (end_d - start_d).days < MIN_WINDOW_DAYS:
        raise ParamError(f"sample world: start {start_d} to end {end_d} is shorter than "
                         f"{MIN_WINDOW_DAYS} days; lifecycle stages need two full years")
    try:
        ipa = DEFAULT_INTERACTIONS_PER_ACCOUNT if ipa is None else float(ipa)
    except (TypeError, ValueError):
        ipa = float("nan")
    if not ipa >= 0:
        raise ParamError(f"sample world: interactions_per_account must be >= 0, got {ipa}")
    return {"accounts": accounts, "seed": seed, "locale": locale, "fmt": fmt,
            "start": start_d.isoformat(), "end": end_d.isoformat(),
            "interactions_per_account": ipa}


def _make_world(s: dict, fx: _Effects) -> _World:
    start, end = dt.date.fromisoformat(s["start"]), dt.date.fromisoformat(s["end"])
    s0 = (start - _EPOCH).days
    T = (end - start).days
    months = []
    y, m = start.year, start.month
    while True:
        first = dt.date(y, m, 1)
        months.append((first - start).days)
        if first > end:
            break
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    shows = []
    for year in range(start.year, end.year + 1):
        for month, day in _TRADE_SHOW_DAYS:
            rel = (dt.date(year, month, day) - start).days
            if 0 <= rel <= T - 3:
                shows.append(rel)
    return _World(s["accounts"], s["seed"], s["locale"], s["fmt"], start, end,
                  s["interactions_per_account"], s0, T, np.array(months, dtype=np.int64),
                  np.array(sorted(shows), dtype=np.int64), fx)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _pick(rng: np.random.Generator, cum: np.ndarray, n: int | None = None) -> np.ndarray:
    """Categorical draws; ``cum`` is one cumulative row or one row per draw."""
    if cum.ndim == 1:
        return np.searchsorted(cum, rng.random(n), side="right").clip(0, len(cum) - 1)
    u = rng.random(cum.shape[0])
    return (u[:, None] >= cum).sum(axis=1).clip(0, cum.shape[1] - 1)


def _cum(p: np.ndarray) -> np.ndarray:
    c = np.cumsum(p / p.sum(axis=-1, keepdims=True), axis=-1)
    c[..., -1] = 1.0
    return c


def _month_of(w: _World, day: np.ndarray) -> np.ndarray:
    return np.searchsorted(w.month_rel, day, side="right") - 1


# ----------------------------------------------------------------------------- arrow helpers

_ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "float": pa.float64(),
                "date": pa.date32(), "timestamp": pa.timestamp("us"), "boolean": pa.bool_()}


def table_schema(name: str) -> pa.Schema:
    """Arrow schema of contract table ``name`` as the sample world writes it."""
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.dtype]) for c in contract.table(name).columns])


def _ids(prefix: str, numbers: np.ndarray, width: int, mask: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(numbers, dtype=np.int64), type=pa.int64(), mask=mask)
    digits = pc.utf8_lpad(pc.cast(arr, pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _labels(vocab, idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pc.take(pa.array(list(vocab), pa.string()),
                   pa.array(np.asarray(idx, dtype=np.int64), pa.int64(), mask=mask))


def _dates(w: _World, rel: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array((np.asarray(rel, dtype=np.int64) + w.s0).astype(np.int32), pa.date32(),
                    mask=mask)


def _floats(x: np.ndarray) -> pa.Array:
    x = np.asarray(x, dtype=np.float64)
    return pa.array(x, pa.float64(), mask=np.isnan(x))


def _table(name: str, cols: dict) -> pa.Table:
    schema = table_schema(name)
    return pa.Table.from_arrays([cols[f.name] for f in schema], schema=schema)


# ----------------------------------------------------------------------------- channel timing


def _timing_tables():
    """Weekday cumulative probabilities and hour parameters per channel."""
    wd = np.zeros((len(CHANNELS), 7))
    peak_hour = np.full(len(CHANNELS), 11)
    bg = np.tile([8, 18], (len(CHANNELS), 1))
    for ch, name in enumerate(CHANNELS):
        if name == "social":
            row = np.full(7, 0.12)
            row[5:] = 0.11
            row[PEAKS[name][0]] = 0.30
            bg[ch] = (6, 23)
        elif name in PEAKS:
            row = np.full(7, 0.15)
            row[5:] = 0.03
            row[PEAKS[name][0]] = 0.34
            if name in ("meeting", "visit"):
                bg[ch] = (8, 17)
        else:
            row = np.full(7, 1 / 7)
        wd[ch] = row
        if name in PEAKS:
            peak_hour[ch] = PEAKS[name][1]
    return _cum(wd), peak_hour, bg


_WD_CUM, _PEAK_HOUR, _BG_HOURS = _timing_tables()
_HOUR_OFFSETS = np.array([-1, 0, 0, 0, 1])

# ----------------------------------------------------------------------------- per block


@dataclass
class _Counters:
    orders: int = 0
    interactions: int = 0
    responses: int = 0


def _account_ids(w: _World, idx: np.ndarray) -> pa.Array:
    return _ids("A", idx + 1, max(6, len(str(w.accounts))))

