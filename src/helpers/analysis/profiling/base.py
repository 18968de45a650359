"""Basic information per segment: accounts, revenue, margin, concentration, typical customer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.profiling.segments import (
    MISSING,
    OTHER,
    _check_column,
    _ordered_levels,
    segment_labels,
)
from helpers.core.params import as_of_date

__all__ = ["base_profile", "revenue_concentration", "typical_customer"]


def base_profile(features: pd.DataFrame, by: str, *, revenue: str = "revenue_total",
                 margin: str = "margin_total", top: int | None = 12) -> pd.DataFrame:
    """Accounts, customers, revenue and margin per segment, with their shares.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account.
    by : str
        Segment column, e.g. ``"industry"``, ``"size_band"``, ``"region"``, ``"city"``.
    revenue, margin : str
        Money columns to total (default: net revenue and margin up to ``as_of``).
    top : int, optional
        Largest segments kept (by revenue); the rest are folded into ``"Other"``.

    Returns
    -------
    pandas.DataFrame
        ``segment, accounts, customers, revenue, margin, account_share, revenue_share,
        margin_share, revenue_per_customer, margin_rate``; categorical segments (size bands)
        in their natural order, others by revenue, largest first; ``"Other"`` and
        ``"(missing)"`` last. When no customer has a known margin, the margin columns are
        missing (unknown, not 0).
    """
    for col in (revenue, margin):
        _check_column(features, col, "money column")
    labels = segment_labels(features, by, top=top, weight=revenue)
    buyers = (features["order_count"] > 0) if "order_count" in features else features[revenue] > 0
    margin_known = bool(features.loc[buyers, margin].notna().any())
    frame = pd.DataFrame({
        "segment": labels,
        "customer": features["order_count"].to_numpy() > 0 if "order_count" in features
        else features[revenue].to_numpy() > 0,
        "revenue": features[revenue].fillna(0).to_numpy(),
        "margin": features[margin].fillna(0).to_numpy(),
    })
    out = frame.groupby("segment").agg(accounts=("segment", "size"), customers=("customer", "sum"),
                                       revenue=("revenue", "sum"), margin=("margin", "sum"))
    for col, share in (("accounts", "account_share"), ("revenue", "revenue_share"),
                       ("margin", "margin_share")):
        total = out[col].sum()
        out[share] = out[col] / total if total else np.nan
    out["revenue_per_customer"] = out["revenue"] / out["customers"].where(out["customers"] > 0)
    out["margin_rate"] = out["margin"] / out["revenue"].where(out["revenue"] > 0)
    if not margin_known:  # no customer has a known margin: unknown, not 0%
        out[["margin", "margin_share", "margin_rate"]] = np.nan
    if isinstance(features[by].dtype, pd.CategoricalDtype):
        out = out.reindex([v for v in _ordered_levels(features, by, labels) if v in out.index])
    else:
        out = out.sort_values("revenue", ascending=False)
    # "Other" and "(missing)" last, however large: neither is a segment that wins a ranking
    tail = [v for v in (OTHER, MISSING) if v in out.index]
    out = pd.concat([out.drop(index=tail), out.loc[tail]])
    out["customers"] = out["customers"].astype("int64")
    return out.rename_axis("segment").reset_index()


def revenue_concentration(profile: pd.DataFrame) -> dict[str, Any]:
    """The segment with the most revenue relative to its account share.

    Parameters
    ----------
    profile : pandas.DataFrame
        Output of :func:`base_profile`.

    Returns
    -------
    dict
        ``segment, account_share, revenue_share, margin_share, ratio`` of the segment whose
        revenue share most exceeds its account share (``ratio`` = revenue / account share).
        ``"Other"`` and ``"(missing)"`` never count; without a known segment ``segment`` is
        ``None``.
    """
    p = profile[~profile["segment"].isin([OTHER, MISSING])]
    p = p[p["account_share"] > 0]
    if p.empty:
        return {"segment": None, "account_share": np.nan, "revenue_share": np.nan,
                "margin_share": np.nan, "ratio": np.nan}
    ratio = p["revenue_share"] / p["account_share"]
    row = p.loc[ratio.idxmax()]
    return {"segment": row["segment"], "account_share": float(row["account_share"]),
            "revenue_share": float(row["revenue_share"]),
            "margin_share": float(row["margin_share"]), "ratio": float(ratio.max())}


def typical_customer(features: pd.DataFrame, as_of, *, min_tenure_days: int = 365,
                     min_customers: int = 10) -> dict:
    """The typical customer's buying, each figure only on the customers who can show it.

    - the yearly order rate is the median of ``orders_365d`` among customers whose first
      order is at least ``min_tenure_days`` old (a four-month-old customer cannot show a
      yearly rate); with fewer than ``min_customers`` of them it is missing and the orders
      so far are given instead, with the observed history;
    - the gap between orders is the median ``mean_gap_days`` among repeat buyers only
      (missing with fewer than ``min_customers`` of them);
    - the order value is the median ``avg_order_value`` of all customers.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`helpers.data.features.account_features` output.
    as_of : date-like
    min_tenure_days, min_customers : int

    Returns
    -------
    dict
        ``customers, established, orders_per_year, orders_so_far, history_days, aov,
        repeat_buyers, gap_days, product_lines`` (floats may be NaN).
    """
    for col in ("order_count", "orders_365d", "avg_order_value", "mean_gap_days",
                "first_order_date"):
        _check_column(features, col, "behaviour column")
    as_of = pd.Timestamp(as_of_date(as_of))
    cust = features[features["order_count"] > 0]
    first = pd.to_datetime(cust["first_order_date"], errors="coerce")
    tenure = (as_of - first).dt.days.to_numpy(dtype=float)
    established = np.nan_to_num(tenure, nan=-1) >= min_tenure_days
    gaps = pd.to_numeric(cust["mean_gap_days"], errors="coerce")
    repeat = gaps.notna().to_numpy()
    lines = (pd.to_numeric(cust["product_lines"], errors="coerce")
             if "product_lines" in cust else pd.Series(np.nan, index=cust.index))

    def med(values) -> float:
        v = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
        return float(v.median()) if len(v) else np.nan

    return {
        "customers": len(cust),
        "established": int(established.sum()),
        "orders_per_year": (med(cust["orders_365d"].to_numpy()[established])
                            if established.sum() >= min_customers else np.nan),
        "orders_so_far": med(cust["order_count"]),
        "history_days": float(np.nanmax(tenure)) if np.isfinite(tenure).any() else np.nan,
        "aov": med(cust["avg_order_value"]),
        "repeat_buyers": int(repeat.sum()),
        "gap_days": med(gaps[repeat]) if repeat.sum() >= min_customers else np.nan,
        "product_lines": med(lines[lines > 0]) if (lines > 0).any() else np.nan,
        "min_customers": int(min_customers),
    }
