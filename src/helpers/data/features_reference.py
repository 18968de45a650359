"""Plain pandas version of :func:`helpers.data.features.account_features`.

It follows the same rules with ordinary ``groupby`` code, so the tests can check the engine
against an independent computation, and the benchmark can compare the two. Use the engine
version in notebooks; this one holds every table in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.errors import DataError
from helpers.core.params import as_of_date
from helpers.data.features import (
    DEFAULT_SIZE_BANDS,
    DEFAULT_WINDOWS,
    FIRMOGRAPHIC_COLUMNS,
    check_size_bands,
    check_windows,
    finalise_features,
    group_slugs,
)
from helpers.stats.numbers import safe_divide

__all__ = [
    "account_features_pandas",
]


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).astype("datetime64[ns]")


def _days(a: pd.Series, b: pd.Series | pd.Timestamp) -> pd.Series:
    return (a - b).dt.days.astype("float64")


def account_features_pandas(
    tables: Mapping[str, pd.DataFrame],
    as_of: Any,
    *,
    windows: Iterable[int] = DEFAULT_WINDOWS,
    size_bands: Sequence[tuple[str, int]] = DEFAULT_SIZE_BANDS,
) -> pd.DataFrame:
    """Compute the account features with pandas ``groupby``.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Canonical tables by name; ``accounts`` and ``orders`` are required.
    as_of : date-like
        Analysis date; data dated after it is ignored.
    windows : iterable of int, default (90, 365)
        Look-back windows in days.
    size_bands : sequence of (str, int), default :data:`helpers.data.features.DEFAULT_SIZE_BANDS`
        ``(label, smallest employee count)`` pairs.

    Returns
    -------
    pandas.DataFrame
        The same columns, dtypes and row order as :func:`helpers.data.features.account_features`.
    """
    as_of_d = as_of_date(as_of)
    windows = check_windows(windows)
    bands = check_size_bands(size_bands)
    for name in ("accounts", "orders"):
        if name not in tables:
            raise DataError(f"the data source has no {name!r} table, which features need")
    as_of_ts = pd.Timestamp(as_of_d)

    acc = tables["accounts"].copy()
    acc["created_date"] = _dates(acc["created_date"])
    acc = acc[acc["created_date"].isna() | (acc["created_date"] <= as_of_ts)]
    out = acc[[c for c in FIRMOGRAPHIC_COLUMNS if c in acc.columns]].set_index(
        "account_id", drop=False
    )
    out.index.name = None
    employees = pd.to_numeric(out["employees"], errors="coerce")
    band = pd.Series(pd.NA, index=out.index, dtype="object")
    for i, (label, low) in enumerate(bands):
        hit = employees >= low
        if i + 1 < len(bands):
            hit &= employees < bands[i + 1][1]
        band[hit.fillna(False).to_numpy(dtype=bool)] = label
    out["size_band"] = band
    out["tenure_days"] = _days(pd.Series(as_of_ts, index=out.index), out["created_date"])

    _add_orders(out, tables["orders"], as_of_ts, windows)

    channels: dict[str, list] = {}
    events: dict[str, list] = {}
    if "interactions" in tables:
        channels, events = _add_interactions(out, tables["interactions"], as_of_ts)
    if "opportunities" in tables:
        _add_opportunities(out, tables["opportunities"], as_of_ts)
    if "surveys" in tables:
        _add_surveys(out, tables["surveys"], as_of_ts)
    if "service_costs" in tables:
        costs = tables["service_costs"]
        costs = costs[_dates(costs["period_start"]) <= as_of_ts]
        out["cost_to_serve"] = costs.groupby("account_id")["amount"].sum().reindex(out.index)
        out["cost_to_serve"] = out["cost_to_serve"].fillna(0.0)
        out["margin_after_service"] = out["margin_total"] - out["cost_to_serve"]

    return finalise_features(
        out.reset_index(drop=True),
        windows=windows,
        channels=channels,
        event_types=events,
        size_bands=bands,
    )


def _add_orders(
    out: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp, windows: Sequence[int]
) -> None:
    o = orders[["account_id", "order_date", "amount", "gross_margin", "product_line"]].copy()
    o["order_date"] = _dates(o["order_date"])
    o = o[o["order_date"] <= as_of]
    o["is_order"] = o["amount"] >= 0
    buys = o[o["is_order"]]
    g = o.groupby("account_id")
    gb = buys.groupby("account_id")

    def put(name: str, values: pd.Series, fill: float | None = None) -> None:
        values = values.reindex(out.index)
        out[name] = values.fillna(fill) if fill is not None else values

    put("first_order_date", gb["order_date"].min())
    put("last_order_date", gb["order_date"].max())
    out["recency_days"] = _days(pd.Series(as_of, index=out.index), out["last_order_date"])
    for w in windows:
        start = as_of - pd.Timedelta(days=w)
        recent = o[o["order_date"] > start]
        put(f"orders_{w}d", recent[recent["is_order"]].groupby("account_id").size(), 0)
        put(f"revenue_{w}d", recent.groupby("account_id")["amount"].sum(), 0.0)
    put("order_count", gb.size(), 0)
    put("credit_note_count", o[o["amount"] < 0].groupby("account_id").size(), 0)
    put("revenue_total", g["amount"].sum(), 0.0)
    # unknown (NaN) when none of an account's rows has a margin; 0 without any rows
    put("margin_total", g["gross_margin"].sum(min_count=1))
    out.loc[~out.index.isin(g.groups.keys()), "margin_total"] = 0.0
    out["margin_rate"] = safe_divide(out["margin_total"], out["revenue_total"])
    out["avg_order_value"] = safe_divide(out["revenue_total"], out["order_count"])
    year_ago = as_of - pd.Timedelta(days=365)
    two_years_ago = as_of - pd.Timedelta(days=730)
    last_year = o[o["order_date"] > year_ago]
    prev_year = o[(o["order_date"] > two_years_ago) & (o["order_date"] <= year_ago)]
    put("revenue_12m", last_year.groupby("account_id")["amount"].sum(), 0.0)
    put("revenue_prev_12m", prev_year.groupby("account_id")["amount"].sum(), 0.0)
    out["revenue_growth"] = safe_divide(out["revenue_12m"], out["revenue_prev_12m"]) - 1

    dates = buys[["account_id", "order_date"]].drop_duplicates()
    dates = dates.sort_values(["account_id", "order_date"])
    gap = dates["order_date"].diff().dt.days.astype("float64")
    gap[dates["account_id"].ne(dates["account_id"].shift())] = np.nan
    dates = dates.assign(gap=gap)
    per_account = dates.groupby("account_id")["gap"]
    put("mean_gap_days", per_account.mean())
    put("last_gap_days", per_account.last())  # last non-null gap: the latest one
    put("product_lines", gb["product_line"].nunique(), 0)


def _add_interactions(
    out: pd.DataFrame, interactions: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[dict[str, list], dict[str, list]]:
    channels = group_slugs(interactions["channel"].dropna().astype(str).unique())
    events = group_slugs(interactions["event_type"].dropna().astype(str).unique())
    i = interactions[["account_id", "timestamp", "channel", "event_type"]]
    ts = pd.to_datetime(i["timestamp"])
    i = i[ts < as_of + pd.Timedelta(days=1)]
    g = i.groupby("account_id")
    out["interactions_total"] = g.size().reindex(out.index).fillna(0)
    last = pd.to_datetime(g["timestamp"].max()).dt.normalize()
    out["last_interaction_date"] = last.reindex(out.index)
    for prefix, col, groups in (("eng", "channel", channels), ("evt", "event_type", events)):
        slug_of = {str(v): slug for slug, vals in groups.items() for v in vals}
        slugs = i[col].astype(str).map(slug_of)
        counts = i.groupby(["account_id", slugs]).size()
        present = set(counts.index.get_level_values(1))
        for slug in groups:
            values = counts.xs(slug, level=1) if slug in present else pd.Series(dtype="int64")
            out[f"{prefix}_{slug}"] = values.reindex(out.index).fillna(0)
    return channels, events


def _add_opportunities(out: pd.DataFrame, opps: pd.DataFrame, as_of: pd.Timestamp) -> None:
    o = opps.copy()
    o = o[_dates(o["created_date"]) <= as_of]
    stage = o["stage"].astype(str).str.lower()
    if "close_date" in o.columns:
        close = _dates(o["close_date"])
        stage = stage.where(~(stage.isin(["won", "lost"]) & (close > as_of)), "open")
    o = o.assign(stage=stage)
    g = o.groupby("account_id")
    out["opp_count"] = g.size().reindex(out.index).fillna(0)
    for name in ("won", "lost", "open"):
        counts = o[o["stage"] == name].groupby("account_id").size()
        out[f"opp_{name}"] = counts.reindex(out.index).fillna(0)
    out["win_rate"] = safe_divide(out["opp_won"], out["opp_won"] + out["opp_lost"])
    open_amount = o[o["stage"] == "open"].groupby("account_id")["amount"].sum()
    out["pipeline_open_amount"] = open_amount.reindex(out.index).fillna(0.0)


def _add_surveys(out: pd.DataFrame, surveys: pd.DataFrame, as_of: pd.Timestamp) -> None:
    s = surveys.copy()
    s["response_date"] = _dates(s["response_date"])
    s = s[s["response_date"] <= as_of]
    rated = s[s["nps"].notna()].assign(_rid=lambda d: d["response_id"].astype(str))
    rated = rated.sort_values(["account_id", "response_date", "_rid"])
    latest = rated.groupby("account_id").tail(1).set_index("account_id")["nps"]
    out["nps_latest"] = latest.astype("float64").reindex(out.index)
    if "csat" in s.columns:
        csat = pd.to_numeric(s["csat"], errors="coerce").astype("float64")
        out["csat_mean"] = csat.groupby(s["account_id"]).mean().reindex(out.index)
    else:
        out["csat_mean"] = np.nan
