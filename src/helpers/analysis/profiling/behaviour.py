"""Buying behaviour per segment: frequency, order value, gaps, breadth and channel engagement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.profiling.segments import (
    MISSING,
    OTHER,
    _check_column,
    _ordered_levels,
    segment_labels,
)
from helpers.core.errors import DataError

__all__ = [
    "behaviour_by_segment", "channel_engagement", "preferred_channels", "segment_value_tests",
]


def behaviour_by_segment(features: pd.DataFrame, by: str = "size_band", *,
                         top: int | None = 12) -> pd.DataFrame:
    """Typical buying behaviour of customers per segment (medians, robust to heavy tails).

    Only accounts with at least one order count as customers.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account with ``order_count``, ``orders_365d``, ``avg_order_value``,
        ``mean_gap_days`` and ``product_lines``.
    by : str
        Segment column.
    top : int, optional
        Largest segments kept; the rest are folded into ``"Other"``.

    Returns
    -------
    pandas.DataFrame
        ``segment, customers, orders_per_year, avg_order_value, gap_days, product_lines``
        (medians) plus a last row ``segment="All customers"``. ``product_lines`` is missing
        when no order carries a product line; ``gap_days`` when nobody re-ordered.
    """
    needed = ("order_count", "orders_365d", "avg_order_value", "mean_gap_days", "product_lines")
    for col in needed:
        _check_column(features, col, "behaviour column")
    cust = features[features["order_count"] > 0]
    if cust.empty:
        raise DataError("no account has an order on or before as_of, so there is no buying "
                        "behaviour to profile; check as_of and the orders table")
    labels = segment_labels(cust, by, top=top)
    frame = pd.DataFrame({
        "segment": labels,
        "orders_per_year": cust["orders_365d"].to_numpy(dtype=float),
        "avg_order_value": cust["avg_order_value"].to_numpy(dtype=float),
        "gap_days": cust["mean_gap_days"].to_numpy(dtype=float),
        "product_lines": cust["product_lines"].to_numpy(dtype=float),
    })
    if not (frame["product_lines"] > 0).any():  # no product line recorded: unknown, not 0
        frame["product_lines"] = np.nan
    med = ["orders_per_year", "avg_order_value", "gap_days", "product_lines"]
    out = frame.groupby("segment")[med].median()
    out.insert(0, "customers", frame.groupby("segment").size())
    out = out.reindex([v for v in _ordered_levels(cust, by, labels) if v in out.index])
    total = frame[med].median().to_frame().T
    total.insert(0, "customers", len(frame))
    total.index = ["All customers"]
    return pd.concat([out, total]).rename_axis("segment").reset_index()


def channel_engagement(features: pd.DataFrame) -> pd.DataFrame:
    """Interactions, reach and preference per channel, from the ``eng_<channel>`` columns.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account; without ``eng_*`` columns (no interactions table) the result
        is empty.

    Returns
    -------
    pandas.DataFrame
        ``channel, interactions, interaction_share, accounts_reached, reach,
        per_engaged_account, preferred_by, preferred_share``, most interactions first.
        ``reach`` is the share of all accounts with at least one interaction on the channel;
        ``preferred_by`` counts accounts for which it is the busiest channel.
    """
    cols = [c for c in features.columns if c.startswith("eng_")]
    if not cols:
        return pd.DataFrame(columns=["channel", "interactions", "interaction_share",
                                     "accounts_reached", "reach", "per_engaged_account",
                                     "preferred_by", "preferred_share"])
    eng = features[cols].to_numpy(dtype=float)
    interactions = eng.sum(axis=0)
    reached = (eng > 0).sum(axis=0)
    pref = preferred_channels(features)
    counts = pref.value_counts()
    names = [c.removeprefix("eng_") for c in cols]
    engaged = int((eng.sum(axis=1) > 0).sum())
    out = pd.DataFrame({
        "channel": names,
        "interactions": interactions.astype("int64"),
        "interaction_share": interactions / interactions.sum() if interactions.sum() else np.nan,
        "accounts_reached": reached.astype("int64"),
        "reach": reached / len(features) if len(features) else np.nan,
        "per_engaged_account": np.where(reached > 0, interactions / np.maximum(reached, 1),
                                        np.nan),
        "preferred_by": [int(counts.get(n, 0)) for n in names],
    })
    out["preferred_share"] = out["preferred_by"] / engaged if engaged else np.nan
    return out.sort_values("interactions", ascending=False, ignore_index=True)


def preferred_channels(features: pd.DataFrame) -> pd.Series:
    """Each account's busiest channel (``"none"`` without interactions).

    Ties go to the channel listed first in the feature table.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account with ``eng_<channel>`` columns.

    Returns
    -------
    pandas.Series
        Channel name per account, aligned with ``features``.
    """
    cols = [c for c in features.columns if c.startswith("eng_")]
    if not cols:
        return pd.Series("none", index=features.index, name="preferred_channel")
    eng = features[cols].to_numpy(dtype=float)
    names = np.array([c.removeprefix("eng_") for c in cols], dtype=object)
    pick = names[eng.argmax(axis=1)]
    pick = np.where(eng.sum(axis=1) > 0, pick, "none")
    return pd.Series(pick, index=features.index, name="preferred_channel").astype(str)


def segment_value_tests(features: pd.DataFrame, by: str, *, column: str = "avg_order_value",
                        top: int | None = 12, customers_only: bool = True) -> pd.DataFrame:
    """Whether customers of each segment have higher or lower values than the other customers.

    A two-sided Mann-Whitney U test per known segment against all other customers (the
    values are heavy-tailed, so medians and ranks, not means).

    Parameters
    ----------
    features : pandas.DataFrame
    by : str
        Segment column.
    column : str
        Value compared (default the average order value).
    top : int, optional
        As in :func:`segment_labels`; folded and missing segments are not tested.
    customers_only : bool
        Compare customers only (accounts with an order); else every account, a missing
        value counting as 0.

    Returns
    -------
    pandas.DataFrame
        ``segment, customers, median, mean, p_value`` (``customers`` counts the compared
        accounts).
    """
    from scipy import stats

    _check_column(features, by)
    _check_column(features, column, "value column")
    cust = features[features["order_count"] > 0] if customers_only else features
    cols = ["segment", "customers", "median", "mean", "p_value"]
    if cust.empty:
        return pd.DataFrame(columns=cols)
    labels = segment_labels(cust, by, top=top).to_numpy()
    x = pd.to_numeric(cust[column], errors="coerce").to_numpy(dtype=float)
    if not customers_only:
        x = np.nan_to_num(x, nan=0.0)
    rows = []
    for seg in pd.unique(labels):
        if seg in (OTHER, MISSING):
            continue
        m = labels == seg
        a, b = x[m & np.isfinite(x)], x[~m & np.isfinite(x)]
        p = (float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
             if len(a) and len(b) else np.nan)
        rows.append({"segment": seg, "customers": int(m.sum()),
                     "median": float(np.median(a)) if len(a) else np.nan,
                     "mean": float(np.mean(a)) if len(a) else np.nan, "p_value": p})
    return pd.DataFrame(rows, columns=cols)
