"""Behavioural inputs of the clustering, one row per account, and the informative ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.errors import DataError

__all__ = [
    "MIN_SPAN_DAYS",
    "behaviour_features",
    "informative_features",
]


#: Shortest activity span (days) used to turn counts into yearly rates, so a first order
#: last week does not read as 50 orders a year.
MIN_SPAN_DAYS = 90


def behaviour_features(feats: pd.DataFrame) -> pd.DataFrame:
    """Readable behavioural inputs for clustering, one row per account.

    Parameters
    ----------
    feats : pandas.DataFrame
        From :func:`helpers.data.features.account_features` with windows that include 365 and
        730 days.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``account_id``:

        - ``recency_days``: days since the last order;
        - ``orders_per_year``, ``revenue_per_year``: orders and net revenue per year since
          the first order (at least :data:`MIN_SPAN_DAYS` days);
        - ``avg_order_value``;
        - ``order_trend``: log2 of (orders in the last 12 months + 1) over (orders in the
          12 months before + 1); +1 is a doubling; missing for an account whose first order
          is less than a year old, which has no year before to compare with;
        - ``order_gap_days``: mean days between order dates (the rhythm);
        - ``interactions_per_year`` and ``share_<channel>`` (only with interactions data).

        Order features are missing for accounts without orders (the gap also with one order
        date); the pipeline imputes them.
    """
    need = ["account_id", "order_count", "recency_days", "first_order_date", "last_order_date",
            "revenue_total", "avg_order_value", "orders_365d", "orders_730d", "mean_gap_days",
            "tenure_days"]
    lacking = [c for c in need if c not in feats.columns]
    if lacking:
        raise DataError(
            f"behaviour features need the column(s) {', '.join(lacking)}; compute them with "
            "features.account_features(ws, as_of, windows=(90, 365, 730))")
    f = feats
    buyer = f["order_count"] > 0
    span = ((f["last_order_date"] - f["first_order_date"]).dt.days + f["recency_days"])
    years = span.clip(lower=MIN_SPAN_DAYS).where(buyer) / 365.25
    prev = f["orders_730d"] - f["orders_365d"]
    out = pd.DataFrame({
        "recency_days": f["recency_days"].where(buyer),
        "orders_per_year": f["order_count"] / years,
        "revenue_per_year": f["revenue_total"].clip(lower=0) / years,
        "avg_order_value": f["avg_order_value"].clip(lower=0).where(buyer),
        "order_trend": np.log2((f["orders_365d"] + 1) / (prev + 1)).where(buyer & (span >= 365)),
        "order_gap_days": f["mean_gap_days"],
    })
    eng = [c for c in f.columns if c.startswith("eng_")]
    if eng:
        total = f[eng].sum(axis=1)
        tenure = f["tenure_days"].fillna(MIN_SPAN_DAYS).clip(lower=MIN_SPAN_DAYS)
        out["interactions_per_year"] = f["interactions_total"] / tenure * 365.25
        for c in eng:
            out[f"share_{c.removeprefix('eng_')}"] = (f[c] / total.where(total > 0)).fillna(0.0)
    out.index = pd.Index(f["account_id"].astype(str), name="account_id")
    return out.astype("float64").replace([np.inf, -np.inf], np.nan)


def informative_features(features: pd.DataFrame, min_values: int = 10) -> pd.DataFrame:
    """Drop the features that cannot tell accounts apart.

    A feature with fewer than ``min_values`` known values, or a single distinct value, only
    adds imputed noise (an order trend when nobody has a year of history, an order rhythm
    when nobody ordered twice).

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`behaviour_features` output.
    min_values : int, default 10

    Returns
    -------
    pandas.DataFrame
        The informative columns of ``features``.
    """
    keep = [c for c in features.columns
            if features[c].notna().sum() >= min_values and features[c].nunique() > 1]
    return features[keep]
