"""The account-facing budget across value tiers, and per account in the key tiers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from helpers.analysis.budget.plan import DEFAULT_TIER_WEIGHTS, TIERS, BudgetError, _number
from helpers.core.errors import DataError, suggest

__all__ = [
    "tier_allocation",
    "value_uplift",
]


def _largest_remainder(weights: np.ndarray, total: float, unit: float = 0.01) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` in whole ``unit`` so the parts add up."""
    units = int(round(total / unit))
    w = np.maximum(np.asarray(weights, dtype=float), 0)
    if len(w) == 0:
        return w
    if w.sum() <= 0:
        w = np.ones_like(w)
    raw = w / w.sum() * units
    base = np.floor(raw).astype(np.int64)
    short = units - int(base.sum())
    if short > 0:
        order = np.argsort(-(raw - base), kind="stable")
        base[order[:short]] += 1
    return base * unit


def tier_allocation(accounts: pd.DataFrame, budget: float, *,
                    tier_weights: Mapping[str, float] | None = None,
                    tier_col: str = "value_tier", uplift_col: str = "clv_uplift",
                    per_account_tiers: Iterable[str] = ("strategic", "key"),
                    unit: float = 0.01) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the account-facing budget across value tiers, and per account in key tiers.

    A tier's share is proportional to its accounts' summed expected CLV uplift times its
    weight. Within each tier in ``per_account_tiers``, accounts get budgets in proportion
    to their own uplift. Amounts are rounded to ``unit`` with the largest-remainder method,
    so tiers add up exactly to ``budget`` and accounts exactly to their tier.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account with ``account_id``, ``tier_col`` and ``uplift_col`` (negative
        uplift counts as 0); ``account_name`` is kept when present.
    budget : float
        Account-facing budget for the planning period.
    tier_weights : mapping of str to float, optional
        Weight per tier (default :data:`DEFAULT_TIER_WEIGHTS`); every tier present in the
        data needs a weight, and weights must not be negative.
    tier_col, uplift_col : str
    per_account_tiers : iterable of str
        Tiers that get per-account budgets.
    unit : float
        Rounding unit (cents by default).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Tiers: ``tier, accounts, clv_uplift, weight, weighted_uplift, share, budget,
        budget_per_account``; and key accounts: ``account_id, [account_name], tier,
        clv_uplift, budget``, largest budget first.

    Raises
    ------
    BudgetError
        For unknown tiers, missing or negative weights, or missing columns.
    """
    weights = dict(DEFAULT_TIER_WEIGHTS if tier_weights is None else tier_weights)
    budget = _number("account-facing budget", budget)
    if budget < 0:
        raise BudgetError(f"account-facing budget is negative ({budget:,.0f})")
    for col in ("account_id", tier_col, uplift_col):
        if col not in accounts.columns:
            raise BudgetError(f"tier allocation needs column {col!r} in the account table; it "
                              f"has {', '.join(map(str, accounts.columns))}")
    for tier, w in weights.items():
        if tier not in TIERS:
            raise BudgetError(f"tier_weights: unknown tier {tier!r}"
                              + suggest(str(tier), TIERS)
                              + f" Tiers: {', '.join(TIERS)}")
        if _number(f"tier_weights.{tier}", w) < 0:
            raise BudgetError(f"tier_weights.{tier}: weight {w} is negative")
    per_account = list(per_account_tiers)
    for tier in per_account:
        if tier not in TIERS:
            raise BudgetError(f"per-account tiers: unknown tier {tier!r}; tiers: "
                              f"{', '.join(TIERS)}")
    df = accounts.copy()
    df["_tier"] = df[tier_col].astype("string")
    present = [t for t in df["_tier"].dropna().unique()]
    unknown = [t for t in present if t not in TIERS]
    if unknown:
        raise BudgetError(f"account table: unknown value tier {unknown[0]!r}; tiers: "
                          f"{', '.join(TIERS)}")
    unweighted = [t for t in present if t not in weights]
    if unweighted:
        raise BudgetError(f"tier_weights: no weight for tier {unweighted[0]!r}; give weights "
                          f"for {', '.join(t for t in TIERS if t in present)}")
    df["_uplift"] = pd.to_numeric(df[uplift_col], errors="coerce").fillna(0).clip(lower=0)
    grouped = df.groupby("_tier", observed=True).agg(accounts=("account_id", "size"),
                                                     clv_uplift=("_uplift", "sum"))
    tiers = pd.DataFrame({"tier": list(TIERS)}).merge(
        grouped, left_on="tier", right_index=True, how="left").fillna(
        {"accounts": 0, "clv_uplift": 0.0})
    tiers["accounts"] = tiers["accounts"].astype(int)
    tiers["weight"] = [float(weights.get(t, 0.0)) for t in tiers["tier"]]
    tiers["weighted_uplift"] = tiers["clv_uplift"] * tiers["weight"]
    if tiers["weighted_uplift"].sum() <= 0:
        # No uplift anywhere: fall back to weight x accounts so the budget still has a home.
        basis = tiers["weight"] * tiers["accounts"]
    else:
        basis = tiers["weighted_uplift"]
    tiers["budget"] = _largest_remainder(basis.to_numpy(), budget, unit)
    tiers["share"] = tiers["budget"] / budget if budget else 0.0
    tiers["budget_per_account"] = np.where(tiers["accounts"] > 0,
                                           tiers["budget"] / tiers["accounts"].clip(lower=1),
                                           np.nan)
    parts = []
    for tier in per_account:
        members = df[df["_tier"] == tier]
        if members.empty:
            continue
        amount = float(tiers.loc[tiers["tier"] == tier, "budget"].iloc[0])
        part = members[[c for c in ("account_id", "account_name") if c in members.columns]
                       ].copy()
        part["tier"] = tier
        part["clv_uplift"] = members["_uplift"].to_numpy()
        part["budget"] = _largest_remainder(members["_uplift"].to_numpy(), amount, unit)
        parts.append(part)
    cols = ["account_id", *(["account_name"] if "account_name" in df.columns else []),
            "tier", "clv_uplift", "budget"]
    key = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols))
    key = key.sort_values("budget", ascending=False, kind="stable").reset_index(drop=True)
    tiers = tiers[["tier", "accounts", "clv_uplift", "weight", "weighted_uplift", "share",
                   "budget", "budget_per_account"]]
    return tiers, key


def value_uplift(table: pd.DataFrame, uplift_rate: float = 0.1) -> pd.DataFrame:
    """Normalise a value table to ``account_id, account_name, value_tier, clv, clv_uplift``.

    The tier comes from ``value_tier`` (or ``tier``), the CLV from the first of
    ``profit_clv``, ``clv`` that has any value; the uplift from ``clv_uplift`` or
    ``uplift_rate`` x CLV.  ``attrs["clv_basis"]`` names the CLV column used (``None``
    without one).
    """
    if _number("uplift_rate", uplift_rate) < 0:
        raise BudgetError(f"uplift_rate must not be negative, got {uplift_rate}")
    tier_col = next((c for c in ("value_tier", "tier") if c in table.columns), None)
    if tier_col is None or "account_id" not in table.columns:
        raise DataError("the value table has no account_id or value tier column; expected "
                        "'value_tier' or 'tier'")
    # an unknown profit CLV (no margins) falls back to the revenue CLV, never to 0
    clv_col = next((c for c in ("profit_clv", "clv", "clv_discounted") if c in table.columns
                    and pd.to_numeric(table[c], errors="coerce").notna().any()), None)
    out = pd.DataFrame({"account_id": table["account_id"],
                        "account_name": table.get("account_name", table["account_id"]),
                        "value_tier": table[tier_col].astype("string").str.lower()})
    out["clv"] = pd.to_numeric(table[clv_col], errors="coerce") if clv_col else np.nan
    if "clv_uplift" in table.columns:
        out["clv_uplift"] = pd.to_numeric(table["clv_uplift"], errors="coerce")
    else:
        out["clv_uplift"] = uplift_rate * out["clv"].fillna(0).clip(lower=0)
    out.attrs["clv_basis"] = clv_col  # which CLV the report names
    return out
