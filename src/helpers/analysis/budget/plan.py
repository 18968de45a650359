"""The budget frame and the per-channel bounds of a budget plan.

:func:`budget_frame` holds back the risk reserve and the fixed cost lines of the planning
period and splits the rest into the account-facing and the channel budget;
:func:`channel_bounds` turns multipliers of current spend or absolute amounts into the
bounds the optimiser works within, and :func:`check_feasible` says when no plan can meet them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.response_curves import ResponseCurve
from helpers.core.errors import WorkbookError, suggest
from helpers.presentation import i18n

__all__ = [
    "BudgetError",
    "BudgetFrame",
    "DEFAULT_TIER_WEIGHTS",
    "GOALS",
    "InfeasibleBoundsError",
    "TIERS",
    "budget_frame",
    "channel_bounds",
    "check_feasible",
    "current_plan",
    "widen_bounds",
]


#: Planning goals a frame can name.
GOALS = ("new_key_accounts", "pipeline", "revenue_growth")


#: Value tiers, highest first.
TIERS = ("strategic", "key", "growth", "maintain")


#: Default tier weights: high-value accounts get more, potential accounts a moderate amount,
#: low-value accounts less.
DEFAULT_TIER_WEIGHTS = {"strategic": 1.5, "key": 1.2, "growth": 1.0, "maintain": 0.3}


class BudgetError(WorkbookError):
    """A budget parameter cannot be used (negative budget, reserve above 100 %, ...)."""


class InfeasibleBoundsError(BudgetError):
    """The per-channel bounds cannot meet the budget: lower bounds sum to more than the
    budget, or upper bounds to less."""


@dataclass(frozen=True)
class BudgetFrame:
    """The planning period's budget and how much of it the optimiser may move.

    Attributes
    ----------
    total : float
        Total budget for the planning period.
    reserve_pct : float
        Risk reserve as a share of ``total``.
    reserve : float
        Risk reserve amount; held back and reported separately.
    fixed_lines : dict of str to float
        Fixed cost lines (tools, content production, events); never allocated.
    account_facing : float
        Budget for account-based programmes, split by value tier.
    channel_budget : float
        Budget for the channel mix, split by response curve.
    periods : int
        Spend periods in the planning period.
    goals : dict
        The planning goals as given (``new_key_accounts``, ``pipeline``, ``revenue_growth``).
    derived_total : bool
        Whether ``total`` was derived from current spend because none was given.
    """

    total: float
    reserve_pct: float
    reserve: float
    fixed_lines: dict[str, float]
    account_facing: float
    channel_budget: float
    periods: int
    goals: dict = field(default_factory=dict)
    derived_total: bool = False

    @property
    def fixed_total(self) -> float:
        """Sum of the fixed cost lines."""
        return float(sum(self.fixed_lines.values()))

    @property
    def allocatable(self) -> float:
        """Budget left after the reserve and the fixed lines."""
        return self.total - self.reserve - self.fixed_total

    def table(self, language: str = "en") -> pd.DataFrame:
        """The frame as lines ``line, amount, share, treatment`` that sum to ``total``.

        ``language`` ({"en", "zh"}) is the language of the line and treatment texts; exports
        use the English default.
        """
        say = i18n.scoped("budget_allocation.frame", language)

        rows = [(say("reserve"), self.reserve, say("reserve_treatment"))]
        rows += [(say("fixed", name=_fixed_name(name, language)), amount, say("fixed_treatment"))
                 for name, amount in self.fixed_lines.items()]
        rows += [(say("account_facing"), self.account_facing, say("account_facing_treatment")),
                 (say("channel_mix"), self.channel_budget, say("channel_mix_treatment"))]
        df = pd.DataFrame(rows, columns=["line", "amount", "treatment"])
        df["share"] = df["amount"] / self.total if self.total else np.nan
        total = pd.DataFrame([{"line": say("total"), "amount": self.total, "share": 1.0,
                               "treatment": say("derived") if self.derived_total
                               else say("given")}])
        return pd.concat([df, total], ignore_index=True)[["line", "amount", "share", "treatment"]]


def _fixed_name(name: str, language: str = "en") -> str:
    """A fixed line's name for a report in ``language``; English (and exports) keep the name."""
    key = f"budget_allocation.fixed_line.{name}"
    if language == "en" or key not in i18n.LABELS:
        return name
    return i18n.t(key, language)


def _number(name: str, value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise BudgetError(f"{name}: {value!r} is not a number") from None
    if not math.isfinite(out):
        raise BudgetError(f"{name}: {value!r} is not a finite number")
    return out


def budget_frame(total_budget: float, *, reserve_pct: float = 0.10,
                 fixed_lines: Mapping[str, float] | None = None,
                 account_facing_share: float = 0.0, periods: int = 12,
                 goals: Mapping[str, Any] | None = None,
                 current_channel_spend: float = 0.0) -> BudgetFrame:
    """Build the budget frame of the planning period.

    Parameters
    ----------
    total_budget : float
        Total budget for the planning period. ``0`` derives it so that the channel budget
        equals the current channel spend over the period (``current_channel_spend *
        periods``), grossed up for the account-facing share, the fixed lines and the reserve.
    reserve_pct : float
        Risk reserve as a share of the total, in ``[0, 1)`` (default 10 %).
    fixed_lines : mapping of str to float, optional
        Fixed cost lines for the period, for example ``{"tools": 40000, "events": 60000}``.
    account_facing_share : float
        Share of the allocatable budget for account-based programmes, in ``[0, 1]``.
    periods : int
        Spend periods in the planning period (12 months by default).
    goals : mapping, optional
        Planning goals, kept for the report; keys from :data:`GOALS`.
    current_channel_spend : float
        Current channel spend per period; used only when ``total_budget`` is 0.

    Returns
    -------
    BudgetFrame

    Raises
    ------
    BudgetError
        For a negative budget, a reserve outside ``[0, 1)``, a share outside ``[0, 1]``,
        negative fixed lines, unknown goals, or when the reserve and fixed lines leave
        nothing to allocate.
    """
    total = _number("total_budget", total_budget)
    reserve_pct = _number("reserve_pct", reserve_pct)
    share = _number("account_facing_share", account_facing_share)
    if not 0 <= reserve_pct < 1:
        raise BudgetError(f"reserve_pct must be at least 0 and below 1 (a share, 0.10 = 10%), "
                          f"got {reserve_pct}")
    if not 0 <= share <= 1:
        raise BudgetError(f"account_facing_share must be between 0 and 1, got {share}")
    if int(periods) < 1:
        raise BudgetError(f"planning_periods must be at least 1, got {periods}")
    fixed = {str(k): _number(f"fixed_lines.{k}", v) for k, v in (fixed_lines or {}).items()}
    negative = {k: v for k, v in fixed.items() if v < 0}
    if negative:
        name, value = next(iter(negative.items()))
        raise BudgetError(f"fixed line {name!r} is negative ({value:,.0f}); fixed costs must be "
                          "zero or more")
    goals = dict(goals or {})
    unknown = [g for g in goals if g not in GOALS]
    if unknown:
        raise BudgetError(f"goals: unknown goal {unknown[0]!r}"
                          + suggest(unknown[0], GOALS)
                          + f" Goals: {', '.join(GOALS)}")
    fixed_total = sum(fixed.values())
    derived = total <= 0
    if total < 0:
        raise BudgetError(f"total_budget is negative ({total:,.0f}); give the budget for the "
                          "planning period, or 0 to derive it from current spend")
    if derived:
        channel = max(_number("current_channel_spend", current_channel_spend), 0.0) * int(periods)
        if channel <= 0:
            raise BudgetError("total_budget is 0 and there is no current channel spend to "
                              "derive it from; give total_budget")
        allocatable = channel / (1 - share) if share < 1 else channel
        total = (allocatable + fixed_total) / (1 - reserve_pct)
    reserve = reserve_pct * total
    allocatable = total - reserve - fixed_total
    if allocatable <= 0:
        raise BudgetError(
            f"nothing left to allocate: total budget {total:,.0f} minus the risk reserve "
            f"{reserve:,.0f} ({reserve_pct:.0%}) and the fixed lines {fixed_total:,.0f} is "
            f"{allocatable:,.0f}; raise total_budget or lower the reserve or fixed lines")
    account = share * allocatable
    return BudgetFrame(total=total, reserve_pct=reserve_pct, reserve=reserve, fixed_lines=fixed,
                       account_facing=account, channel_budget=allocatable - account,
                       periods=int(periods), goals=goals, derived_total=derived)


def current_plan(curves: Mapping[str, ResponseCurve], budget: float | None = None, *,
                 periods: int = 12) -> pd.Series:
    """The current mix as planning-period amounts.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
        Their ``current_spend`` (per period) defines the current mix.
    budget : float, optional
        Scale the current mix to this total (the current mix at the planned budget).
    periods : int
        Spend periods in the planning period.

    Returns
    -------
    pandas.Series
        Amount per channel.
    """
    current = pd.Series({ch: float(c.current_spend) * periods for ch, c in curves.items()},
                        dtype=float)
    if budget is not None:
        total = current.sum()
        current = current * (budget / total) if total > 0 else \
            pd.Series(budget / max(len(current), 1), index=current.index)
    return current


def channel_bounds(current: Mapping[str, float] | pd.Series, *, min_multiplier: float = 0.5,
                   max_multiplier: float = 2.0,
                   overrides: Mapping[str, Mapping[str, float]] | None = None) -> pd.DataFrame:
    """Per-channel lower and upper bounds as absolute amounts.

    Parameters
    ----------
    current : mapping or Series
        Current planning-period amount per channel.
    min_multiplier, max_multiplier : float
        Default bounds as multiples of current spend.
    overrides : mapping, optional
        ``{channel: {"min": x, "max": y}}`` in multiples of current spend, or
        ``{channel: {"min_amount": a, "max_amount": b}}`` in currency; keys may be mixed.

    Returns
    -------
    pandas.DataFrame
        Indexed by channel: ``current, lower, upper, lower_rule, upper_rule``; the rules say
        how each amount was given (``"0.5 x current"`` or ``"absolute"``).

    Raises
    ------
    BudgetError
        For an unknown channel or key, a negative bound or a lower bound above the upper.
    """
    current = pd.Series(current, dtype=float)
    lo_m = _number("min_multiplier", min_multiplier)
    hi_m = _number("max_multiplier", max_multiplier)
    if lo_m < 0 or hi_m < lo_m:
        raise BudgetError(f"bounds: min_multiplier {lo_m} and max_multiplier {hi_m} must "
                          "satisfy 0 <= min <= max")
    table = pd.DataFrame({"current": current, "lower": current * lo_m,
                          "upper": current * hi_m,
                          "lower_rule": f"{lo_m:g} x current",
                          "upper_rule": f"{hi_m:g} x current"})
    keys = {"min", "max", "min_amount", "max_amount"}
    for channel, spec in (overrides or {}).items():
        if channel not in table.index:
            raise BudgetError(f"channel_bounds: unknown channel {channel!r}"
                              + suggest(str(channel), list(table.index))
                              + f" Channels: {', '.join(table.index)}")
        if not isinstance(spec, Mapping):
            raise BudgetError(f"channel_bounds.{channel}: expected a mapping such as "
                              "{min: 0.5, max: 2} or {min_amount: 1000, max_amount: 9000}")
        bad = set(spec) - keys
        if bad:
            raise BudgetError(f"channel_bounds.{channel}: unknown key {sorted(bad)[0]!r}; use "
                              "min/max (multiples of current) or min_amount/max_amount")
        cur = table.at[channel, "current"]
        for side, mult_key, amount_key in (("lower", "min", "min_amount"),
                                           ("upper", "max", "max_amount")):
            if mult_key in spec and amount_key in spec:
                raise BudgetError(f"channel_bounds.{channel}: give {mult_key} or {amount_key}, "
                                  "not both")
            if mult_key in spec:
                m = _number(f"channel_bounds.{channel}.{mult_key}", spec[mult_key])
                table.at[channel, side] = cur * m
                table.at[channel, f"{side}_rule"] = f"{m:g} x current"
            elif amount_key in spec:
                table.at[channel, side] = _number(f"channel_bounds.{channel}.{amount_key}",
                                                  spec[amount_key])
                table.at[channel, f"{side}_rule"] = "absolute"
    for channel, row in table.iterrows():
        if row.lower < 0:
            raise BudgetError(f"channel_bounds.{channel}: lower bound {row.lower:,.0f} is "
                              "negative")
        if row.lower > row.upper:
            raise BudgetError(f"channel_bounds.{channel}: lower bound {row.lower:,.0f} is above "
                              f"the upper bound {row.upper:,.0f}")
    return table


def widen_bounds(bounds: pd.DataFrame, factor: float = 3.0) -> pd.DataFrame:
    """Bounds widened around current spend: lower divided by, upper multiplied by ``factor``."""
    if factor < 1:
        raise BudgetError(f"widen factor must be at least 1, got {factor}")
    out = bounds.copy()
    out["lower"] = bounds["lower"] / factor
    out["upper"] = bounds["upper"] * factor
    out["lower_rule"] = bounds["lower_rule"] + f" / {factor:g}"
    out["upper_rule"] = bounds["upper_rule"] + f" x {factor:g}"
    return out


def check_feasible(bounds: pd.DataFrame, budget: float) -> None:
    """Raise :class:`InfeasibleBoundsError` when no allocation meets ``budget`` and ``bounds``.

    The message names the budget, the sums of the bounds and the channels involved.
    """
    lower, upper = float(bounds["lower"].sum()), float(bounds["upper"].sum())
    tol = 1e-9 * max(abs(budget), 1.0)
    if lower > budget + tol:
        raise InfeasibleBoundsError(
            f"infeasible bounds: the lower bounds sum to {lower:,.0f}, more than the channel "
            f"budget of {budget:,.0f} (by {lower - budget:,.0f}). Lower bounds: "
            + ", ".join(f"{ch} {v:,.0f}" for ch, v in bounds["lower"].items())
            + ". Lower some minimums or raise the budget.")
    if upper < budget - tol:
        raise InfeasibleBoundsError(
            f"infeasible bounds: the upper bounds sum to {upper:,.0f}, less than the channel "
            f"budget of {budget:,.0f} (short by {budget - upper:,.0f}). Upper bounds: "
            + ", ".join(f"{ch} {v:,.0f}" for ch, v in bounds["upper"].items())
            + ". Raise some maximums or lower the budget.")
