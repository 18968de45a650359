"""Value tiers: the value a report ranks on, tier thresholds, the tier per account, tier totals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError, suggest

VALUE_TIERS: tuple[str, ...] = ("strategic", "key", "growth", "maintain")
#: Tier thresholds. ``share``: cumulative top share of accounts by value; ``amount``:
#: smallest value in the tier.
DEFAULT_TIER_THRESHOLDS: dict[str, float] = {"strategic": 0.02, "key": 0.10, "growth": 0.30}
TIER_BASES = ("share", "amount")


def value_column(table: pd.DataFrame) -> str:
    """The value a report ranks on: ``profit_clv``, or ``clv`` when no profit CLV is known.

    Profit CLV needs a gross margin; without any (``attrs["has_margin"]`` False, or the
    column all missing) the revenue CLV is used instead, and the report says so.

    Returns
    -------
    str
    """
    if "profit_clv" in table and table["profit_clv"].notna().any() and table.attrs.get(
            "has_margin", True):
        return "profit_clv"
    return "clv"


def check_tier_thresholds(thresholds: Mapping[str, Any] | None, basis: str = "share"
                          ) -> dict[str, float]:
    """Validate tier thresholds for ``strategic``, ``key`` and ``growth``.

    Parameters
    ----------
    thresholds : mapping or None
        ``{"strategic": ..., "key": ..., "growth": ...}``; None gives
        :data:`DEFAULT_TIER_THRESHOLDS` (share basis only).
    basis : {"share", "amount"}
        ``share``: each number is the cumulative top share of accounts (0 to 1], and
        must not decrease from strategic to growth. ``amount``: each number is the
        smallest value in that tier, and must not increase from strategic to growth.

    Returns
    -------
    dict
    """
    if basis not in TIER_BASES:
        raise ParamError(f"tier_basis={basis!r} is not known; use 'share' or 'amount'")
    if thresholds is None:
        if basis == "amount":
            raise ParamError("tier_basis 'amount' needs tier_thresholds with amounts")
        thresholds = DEFAULT_TIER_THRESHOLDS
    if not isinstance(thresholds, Mapping):
        raise ParamError("tier_thresholds must map strategic, key and growth to numbers")
    named = VALUE_TIERS[:-1]
    for name in thresholds:
        if name not in named:
            raise ParamError(
                f"tier_thresholds: unknown tier {name!r}"
                + suggest(str(name), named)
                + f" Tiers with thresholds: {', '.join(named)} (maintain is everyone else)")
    missing = [t for t in named if t not in thresholds]
    if missing:
        raise ParamError(f"tier_thresholds: give a threshold for {', '.join(missing)}")
    out = {}
    for name in named:
        v = thresholds[name]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not np.isfinite(v):
            raise ParamError(f"tier_thresholds: {name} must be a number, got {v!r}")
        out[name] = float(v)
    vals = [out[t] for t in named]
    if basis == "share":
        if not all(0 < v <= 1 for v in vals) or vals != sorted(vals):
            raise ParamError(
                f"tier_thresholds (share of accounts): need 0 < strategic <= key <= growth "
                f"<= 1, got {out}")
    elif vals != sorted(vals, reverse=True) or vals[-1] < 0:
        raise ParamError(f"tier_thresholds (amounts): need strategic >= key >= growth >= 0, "
                         f"got {out}")
    return out


def assign_value_tiers(value: Any, thresholds: Mapping[str, Any] | None = None, *,
                       basis: str = "share") -> pd.Series:
    """Put each account in a value tier: strategic, key, growth or maintain.

    Parameters
    ----------
    value : array-like or pandas.Series
        One value per account, normally profit CLV.
    thresholds : mapping, optional
        See :func:`check_tier_thresholds`; default top 2% strategic, top 10% key, top 30%
        growth (cumulative, by number of accounts).
    basis : {"share", "amount"}, default "share"

    Returns
    -------
    pandas.Series
        Categorical with categories :data:`VALUE_TIERS`, aligned with ``value``. Accounts
        with zero, negative or missing value are always ``maintain``; tied values share a
        tier.
    """
    limits = check_tier_thresholds(thresholds, basis)
    s = value if isinstance(value, pd.Series) else pd.Series(value)
    v = pd.to_numeric(s, errors="coerce").astype("float64")
    positive = (v > 0).to_numpy()
    tier = np.full(len(v), VALUE_TIERS[-1], dtype=object)
    if basis == "share":
        n = len(v)
        # Rank 1 = largest; ties take the best rank of their block, so they share a tier.
        rank = v.where(positive).rank(ascending=False, method="min").to_numpy()
        for name in reversed(VALUE_TIERS[:-1]):
            cut = int(np.ceil(limits[name] * n - 1e-9))
            tier[positive & (rank <= cut)] = name
    else:
        for name in reversed(VALUE_TIERS[:-1]):
            tier[positive & (v.to_numpy() >= limits[name])] = name
    return pd.Series(pd.Categorical(tier, categories=list(VALUE_TIERS)), index=s.index,
                     name="value_tier")


def tier_summary(table: pd.DataFrame, value_col: str = "profit_clv") -> pd.DataFrame:
    """Accounts and value per tier.

    Returns
    -------
    pandas.DataFrame
        ``value_tier``, ``accounts``, ``value``, ``value_share``, ``min_value``, in tier order.
    """
    g = table.groupby("value_tier", observed=False)[value_col]
    out = pd.DataFrame({"accounts": g.size(), "value": g.sum(), "min_value": g.min()})
    total = table[value_col].clip(lower=0).sum()
    out["value_share"] = out["value"] / total if total > 0 else np.nan
    out = out.reindex(list(VALUE_TIERS)).reset_index()
    out["accounts"] = out["accounts"].fillna(0).astype("int64")
    return out[["value_tier", "accounts", "value", "value_share", "min_value"]]


__all__ = [
    "DEFAULT_TIER_THRESHOLDS",
    "TIER_BASES",
    "VALUE_TIERS",
    "assign_value_tiers",
    "check_tier_thresholds",
    "tier_summary",
    "value_column",
]
