"""Profit CLV (gross margin less cost to serve) and CLV:CAC per account."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError


def profit_clv(clv_table: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Turn revenue CLV into profit CLV with gross margin and cost to serve; add CLV:CAC.

    ``profit_clv = clv x (margin_rate - cost_rate)``, where ``margin_rate`` is the
    account's gross margin over its net revenue so far and ``cost_rate`` its cost to serve
    over the same revenue (0 without a ``service_costs`` table). Accounts without positive
    revenue get the portfolio rates. Cost to serve is thus assumed to scale with the
    business an account brings, as it did in the past.

    A margin is never invented: an account whose ``margin_total`` is missing (its orders
    carry no gross margin) has a missing ``margin_rate`` and ``profit_clv``, and without
    any known margin the portfolio rate is missing too (``attrs["has_margin"]`` is False).

    Parameters
    ----------
    clv_table : pandas.DataFrame
        ``account_id`` and ``clv`` (e.g. :attr:`ClvResult.table`).
    features : pandas.DataFrame
        :func:`helpers.data.features.account_features` output: ``account_id``,
        ``revenue_total``, ``margin_total``, ``cost_to_serve`` and ``acquisition_cost``.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``margin_rate``, ``cost_rate``, ``profit_clv`` and ``clv_cac``
        (profit CLV over acquisition cost; missing where the cost is unknown or zero), one
        row per row of ``clv_table``.
    """
    need = ["account_id", "revenue_total", "margin_total", "cost_to_serve", "acquisition_cost"]
    missing = [c for c in need if c not in features]
    if missing:
        raise ParamError(f"profit_clv: the features lack {', '.join(missing)}")
    f = features.set_index("account_id").reindex(clv_table["account_id"])
    revenue = f["revenue_total"].astype("float64")
    margin = f["margin_total"].astype("float64")
    cost = f["cost_to_serve"].astype("float64")
    has_cost = bool(cost.notna().any())
    cost = cost.fillna(0.0)
    pos = revenue > 0
    total_rev = float(revenue[pos].sum())
    # The portfolio margin counts only accounts whose margin is known; unknown stays NaN.
    known = pos & margin.notna()
    known_rev = float(revenue[known].sum())
    port_margin = float(margin[known].sum()) / known_rev if known_rev > 0 else float("nan")
    port_cost = float(cost[pos].sum()) / total_rev if total_rev > 0 else 0.0
    margin_rate = (margin / revenue).where(pos, port_margin)
    cost_rate = (cost / revenue).where(pos, port_cost) if has_cost else pd.Series(0.0, f.index)
    value = clv_table["clv"].to_numpy(dtype="float64") * (margin_rate - cost_rate).to_numpy()
    cac = f["acquisition_cost"].astype("float64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cac > 0, value / cac, np.nan)
    out = pd.DataFrame({
        "account_id": clv_table["account_id"].to_numpy(),
        "margin_rate": margin_rate.to_numpy(),
        "cost_rate": cost_rate.to_numpy(),
        "profit_clv": value,
        "clv_cac": ratio,
    })
    out.attrs["has_service_costs"] = has_cost
    out.attrs["has_margin"] = bool(known.any())
    out.attrs["portfolio_margin_rate"] = port_margin
    out.attrs["portfolio_cost_rate"] = port_cost if has_cost else 0.0
    return out


__all__ = [
    "profit_clv",
]
