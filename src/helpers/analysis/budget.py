"""Budget allocation: the budget frame, the optimal channel mix, scenarios, tiers, cost control.

Money flows one way through this module:

1. :func:`budget_frame` takes the total budget for the planning period and holds back the
   risk reserve and the fixed cost lines (tools, content production, events). Neither is
   ever allocated. What remains is split into the account-facing budget (account-based
   programmes, planned by value tier) and the channel budget (planned by response curve).
2. :func:`channel_bounds` turns per-channel bounds, given as multipliers of current spend or
   as absolute amounts, into absolute amounts.
3. :func:`optimise_mix` maximises the expected outcome of the channel budget with scipy's
   SLSQP; :func:`cross_check` checks it with searches valid on S-shaped curves (local
   searches from the greedy grid plan of :func:`greedy_mix` and from random starts) and
   reports a discrepancy only when one finds a better plan. :func:`mix_table` reports the
   plan channel by channel and :func:`explain_mix` says in words why it moves money (or
   why it does not). :func:`shift_support` and :func:`plan_supported` gate a recommended
   shift: the fitted curves must support it and its gain interval must lie above zero.
4. :func:`scenario_table` puts the current plan, the optimum, budget -20 % / +20 %, bounds
   widened x3, the target-efficiency plan and a user allocation side by side.
5. :func:`tier_allocation` splits the account-facing budget across value tiers and gives
   per-account budgets for key accounts.
6. :func:`cost_control` compares actual spend with a plan; :func:`reallocation` recommends
   moving money from channels with a low marginal ROI to those with a high one.
7. :func:`export_budget_plan` writes ``budget_plan.csv`` and ``budget_plan.xlsx``.

All amounts that a person sees are totals for the planning period (``periods`` spend
periods, months in the sample data). Response curves work per period; the conversion is
``outcome(X) = periods * curve.response(X / periods)``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from helpers.analysis.response_curves import ResponseCurve
from helpers.core.errors import DataError, WorkbookError
from helpers.core.params import as_of_date, suggest
from helpers.presentation import i18n

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


# --------------------------------------------------------------------------- budget frame


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
        def say(key: str, **values) -> str:
            return i18n.t(f"budget_allocation.frame.{key}", language, **values)

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


# --------------------------------------------------------------------------- bounds


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


# --------------------------------------------------------------------------- optimisation


def _outcome(curves: Mapping[str, ResponseCurve], amounts: np.ndarray, periods: int
             ) -> np.ndarray:
    return np.array([periods * float(c.response(x / periods))
                     for c, x in zip(curves.values(), amounts, strict=True)])


def _marginal(curves: Mapping[str, ResponseCurve], amounts: np.ndarray, periods: int
              ) -> np.ndarray:
    return np.array([float(c.marginal(x / periods))
                     for c, x in zip(curves.values(), amounts, strict=True)])


def expected_outcome(curves: Mapping[str, ResponseCurve], allocation: Mapping[str, float] |
                     pd.Series, *, periods: int = 12) -> float:
    """Expected outcome over the planning period of an allocation (missing channels: 0)."""
    alloc = pd.Series(allocation, dtype=float).reindex(list(curves)).fillna(0.0)
    return float(_outcome(curves, alloc.to_numpy(), periods).sum())


def outcome_draws(curves: Mapping[str, ResponseCurve], allocation: Mapping[str, float] |
                  pd.Series, *, periods: int = 12) -> np.ndarray:
    """Bootstrap draws of the planning-period outcome of an allocation.

    Channels are fitted independently, so draw ``i`` of the plan sums draw ``i`` of every
    channel; a channel without draws contributes its point estimate.
    """
    alloc = pd.Series(allocation, dtype=float).reindex(list(curves)).fillna(0.0)
    n = max([len(c.boot) for c in curves.values()] + [1])
    total = np.zeros(n)
    for ch, c in curves.items():
        d = np.asarray(c.draws(alloc[ch] / periods), dtype=float).ravel() * periods
        total += np.resize(d, n) if len(d) != n else d
    return total


def _project(v: np.ndarray, lo: np.ndarray, hi: np.ndarray, budget: float) -> np.ndarray:
    """Closest point of ``{lo <= x <= hi, sum x = budget}`` along a common shift."""
    a, b = float((lo - v).min()), float((hi - v).max())
    for _ in range(200):
        mid = (a + b) / 2
        if np.clip(v + mid, lo, hi).sum() > budget:
            b = mid
        else:
            a = mid
    x = np.clip(v + (a + b) / 2, lo, hi)
    free = (x > lo) & (x < hi)
    if free.any():
        x[free] += (budget - x.sum()) / free.sum()
    return x


def _effective_bounds(curves: Mapping[str, ResponseCurve], bounds: pd.DataFrame,
                      budget: float, periods: int) -> tuple[np.ndarray, np.ndarray]:
    lo = bounds["lower"].reindex(list(curves)).to_numpy(float)
    hi = bounds["upper"].reindex(list(curves)).to_numpy(float)
    caps = np.array([c.cap * periods if c.is_fallback else np.inf for c in curves.values()])
    capped = np.minimum(hi, np.maximum(lo, caps))
    # Money above a constant-ROI cap earns nothing; keep the caps unless the budget cannot
    # be placed without going above them.
    if capped.sum() >= budget:
        hi = capped
    return lo, hi


def _prepare(curves, bounds, budget):
    missing = [ch for ch in curves if ch not in bounds.index]
    if missing:
        raise BudgetError(f"bounds are missing for channel(s) {', '.join(missing)}")
    if budget < 0:
        raise BudgetError(f"channel budget is negative ({budget:,.0f})")
    check_feasible(bounds.loc[list(curves)], budget)


def _upper_hull(values: np.ndarray) -> np.ndarray:
    """Least concave majorant of ``values`` on an even grid, evaluated on the grid."""
    hull: list[int] = []
    for i in range(len(values)):  # monotone chain over grid points, not data rows
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (values[b] - values[a]) * (i - a) <= (values[i] - values[a]) * (b - a):
                hull.pop()
            else:
                break
        hull.append(i)
    return np.interp(np.arange(len(values)), hull, values[hull])


def greedy_mix(curves: Mapping[str, ResponseCurve], budget: float, bounds: pd.DataFrame, *,
               periods: int = 12, steps: int = 2000) -> pd.Series:
    """Allocate the budget in equal steps, each to the channel with the largest marginal return.

    Every channel starts at its lower bound; the rest of the budget is handed out in
    ``steps`` equal steps. An S-shaped curve returns little on the first steps and a lot
    later, which would fool a step-by-step search, so each channel's returns are taken
    from the concave envelope of its curve on the grid (the best average return of any
    run of steps). Envelope returns never increase, so handing out steps greedily is the
    same as taking the ``steps`` largest returns over all channels. It needs no
    derivatives and serves as a cross-check of :func:`optimise_mix`.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    budget : float
        Channel budget for the planning period.
    bounds : pandas.DataFrame
        From :func:`channel_bounds`.
    periods : int
        Spend periods in the planning period.
    steps : int
        Grid size: the budget above the lower bounds is split into this many steps.

    Returns
    -------
    pandas.Series
        Amount per channel, summing to ``budget``.

    Raises
    ------
    InfeasibleBoundsError
    """
    _prepare(curves, bounds, budget)
    names = list(curves)
    lo, hi = _effective_bounds(curves, bounds, budget, periods)
    free = budget - lo.sum()
    if free <= 0:
        return pd.Series(lo, index=names)
    step = free / steps
    room = np.floor((hi - lo) / step + 1e-9).astype(int)
    gains, owner = [], []
    for i, c in enumerate(curves.values()):
        grid = lo[i] + step * np.arange(min(room[i], steps) + 1)
        values = periods * np.asarray(c.response(grid / periods), dtype=float)
        gains.append(np.diff(_upper_hull(values)))
        owner.append(np.full(len(grid) - 1, i))
    gains_all, owner_all = np.concatenate(gains), np.concatenate(owner)
    # Stable sort keeps each channel's steps in order among equal gains.
    take = np.argsort(-gains_all, kind="stable")[:steps]
    x = lo + np.bincount(owner_all[take], minlength=len(names)) * step
    if budget - x.sum() > 1e-9 * budget:  # the grid could not place everything
        x = _project(x, lo, np.maximum(hi, bounds["upper"].reindex(names).to_numpy()), budget)
    return pd.Series(x, index=names)


def optimise_mix(curves: Mapping[str, ResponseCurve], budget: float, bounds: pd.DataFrame, *,
                 periods: int = 12) -> pd.Series:
    """Maximise the expected outcome of the channel budget within per-channel bounds.

    SLSQP (:func:`scipy.optimize.minimize`) with analytic gradients, started from the
    current mix, an equal split and the greedy solution; the best local optimum wins, so an
    S-shaped curve cannot trap the plan in a poor corner. The budget is spent in full.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    budget : float
        Channel budget for the planning period.
    bounds : pandas.DataFrame
        From :func:`channel_bounds`; ``lower`` and ``upper`` amounts per channel.
    periods : int
        Spend periods in the planning period.

    Returns
    -------
    pandas.Series
        Proposed amount per channel, summing to ``budget``.

    Raises
    ------
    InfeasibleBoundsError
        When the lower bounds sum to more than the budget or the upper bounds to less.
    """
    _prepare(curves, bounds, budget)
    names = list(curves)
    lo, hi = _effective_bounds(curves, bounds, budget, periods)
    if budget <= 0:
        return pd.Series(np.zeros(len(names)), index=names)
    cur = current_plan(curves, budget, periods=periods).to_numpy()
    starts = [_project(cur, lo, hi, budget),
              _project(np.full(len(names), budget / len(names)), lo, hi, budget),
              greedy_mix(curves, budget, bounds, periods=periods, steps=400).to_numpy()]
    best_x, _ = _local_search(curves, budget, lo, hi, periods, starts)
    return pd.Series(best_x, index=names)


def _local_search(curves: Mapping[str, ResponseCurve], budget: float, lo: np.ndarray,
                  hi: np.ndarray, periods: int, starts: Iterable[np.ndarray]
                  ) -> tuple[np.ndarray, float]:
    """SLSQP from each start; the best allocation found and its outcome."""
    n = len(lo)
    scale = budget
    ref = max(float(_outcome(curves, _project(np.full(n, budget / n), lo, hi, budget),
                             periods).sum()), 1e-9)

    def fun(z):
        return -float(_outcome(curves, z * scale, periods).sum()) / ref

    def jac(z):
        return -_marginal(curves, z * scale, periods) * scale / ref

    cons = [{"type": "eq", "fun": lambda z: z.sum() * scale - budget,
             "jac": lambda z: np.full(len(z), scale)}]
    best_x, best_val = None, -np.inf
    for x0 in starts:
        res = minimize(fun, np.asarray(x0, dtype=float) / scale, jac=jac, method="SLSQP",
                       bounds=list(zip(lo / scale, hi / scale, strict=True)),
                       constraints=cons, options={"maxiter": 500, "ftol": 1e-13})
        x = _project(np.clip(res.x * scale, lo, hi), lo, hi, budget)
        val = float(_outcome(curves, x, periods).sum())
        if val > best_val:
            best_x, best_val = x, val
    return best_x, best_val


#: A cross-check "finds a better plan" only when it beats the optimiser by more than this
#: share of the expected outcome; smaller differences are solver tolerance.
CHECK_TOLERANCE = 0.001


def cross_check(curves: Mapping[str, ResponseCurve], budget: float, bounds: pd.DataFrame,
                proposed: Mapping[str, float] | pd.Series, *, periods: int = 12,
                starts: int = 8, seed: int = 0, tol: float = CHECK_TOLERANCE) -> dict:
    """Check the optimiser's plan with searches that are valid on S-shaped curves.

    A greedy search alone falls short of the optimum on S-shaped (non-concave) curves,
    because the concave envelope it hands steps out by promises returns between grid
    points that the curve does not give; that shortfall is a property of the heuristic,
    not a fault of the plan. The check therefore starts a local search (SLSQP) from the
    greedy allocation on a fine grid and from ``starts`` random allocations within the
    bounds, and reports a discrepancy only when one of them beats the proposed plan by
    more than ``tol``.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    budget : float
        Channel budget for the planning period.
    bounds : pandas.DataFrame
        From :func:`channel_bounds`.
    proposed : mapping or Series
        The plan to check (from :func:`optimise_mix`).
    periods : int
    starts : int
        Random starting allocations, drawn uniformly from the simplex and projected into
        the bounds.
    seed : int
        Seed of the random starts.
    tol : float
        Relative improvement that counts as a discrepancy.

    Returns
    -------
    dict
        ``proposed`` (expected outcome of the plan), ``check`` (best outcome any check
        found), ``greedy`` (outcome of the raw greedy heuristic), ``better_by`` (relative
        improvement of the check over the plan, at least 0), ``greedy_gap`` (relative
        shortfall of the raw greedy plan, at least 0), ``starts`` and ``discrepancy``
        (``better_by > tol``), plus ``allocation`` (the best plan the check found).
    """
    _prepare(curves, bounds, budget)
    names = list(curves)
    prop = pd.Series(proposed, dtype=float).reindex(names).fillna(0.0).to_numpy()
    value = float(_outcome(curves, prop, periods).sum())
    if budget <= 0 or not names:
        return {"proposed": value, "check": value, "greedy": value, "better_by": 0.0,
                "greedy_gap": 0.0, "starts": 0, "discrepancy": False,
                "allocation": pd.Series(prop, index=names)}
    lo, hi = _effective_bounds(curves, bounds, budget, periods)
    greedy = greedy_mix(curves, budget, bounds, periods=periods).to_numpy()
    greedy_value = float(_outcome(curves, greedy, periods).sum())
    rng = np.random.default_rng(seed)
    random_starts = [_project(lo + rng.dirichlet(np.ones(len(names))) * max(budget - lo.sum(), 0),
                              lo, hi, budget) for _ in range(int(starts))]
    best_x, best_val = _local_search(curves, budget, lo, hi, periods, [greedy, *random_starts])
    if greedy_value > best_val:
        best_x, best_val = greedy, greedy_value
    scale = max(abs(value), 1e-12)
    better = max(best_val - value, 0.0) / scale
    return {"proposed": value, "check": best_val, "greedy": greedy_value,
            "better_by": better, "greedy_gap": max(value - greedy_value, 0.0) / scale,
            "starts": int(starts) + 1, "discrepancy": bool(better > tol),
            "allocation": pd.Series(best_x, index=names)}


def shift_support(curves: Mapping[str, ResponseCurve], table: pd.DataFrame, *,
                  periods: int = 12, coverage: float = 1.25, min_draws: int = 10,
                  rel_tol: float = 0.01) -> pd.DataFrame:
    """Whether each channel's fitted curve supports the change the plan makes to it.

    A recommended shift rests on the curve at the proposed spend. It is supported when

    - the channel has a fitted curve (not the constant-ROI assumption);
    - its parameters are identified: the half-saturation spend is not pinned at the upper
      limit of the fit (a curve that never saturates in the data) and the bootstrap gave
      at least ``min_draws`` refits to measure the uncertainty;
    - the proposed spend per period lies within the spend observed in the history, widened
      by ``coverage`` (no extrapolation beyond what the channel was seen to do).

    Channels the plan leaves (nearly) unchanged need no support.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    table : pandas.DataFrame
        From :func:`mix_table` (``channel``, ``current``, ``proposed``, ``change``).
    periods : int
    coverage : float
        Factor by which the observed spend range is widened on both sides.
    min_draws : int
        Bootstrap refits needed to call the parameters measured.
    rel_tol : float
        A change below ``rel_tol`` of the budget divided by the channel count is no move.

    Returns
    -------
    pandas.DataFrame
        ``channel, change, moved, fitted, identified, observed_low, observed_high,
        proposed_per_period, in_range, supported, reason`` (``reason`` is a code:
        ``""``, ``"assumed"``, ``"not_identified"`` or ``"out_of_range"``).
    """
    budget = max(float(table["proposed"].sum()), 1.0)
    rows = []
    for r in table.itertuples():
        c = curves[r.channel]
        moved = abs(r.change) > rel_tol * budget / max(len(table), 1)
        hist = c.history
        spend = (np.asarray(hist["spend"], dtype=float) if hist is not None and "spend" in hist
                 else np.array([c.current_spend]))
        spend = spend[np.isfinite(spend) & (spend > 0)]
        obs_lo = float(spend.min()) if len(spend) else np.nan
        obs_hi = float(spend.max()) if len(spend) else np.nan
        per = float(r.proposed) / periods
        fitted = not c.is_fallback
        k_cap = 10.0 * obs_hi if np.isfinite(obs_hi) else np.inf
        identified = bool(fitted and np.isfinite(c.k) and c.k < 0.95 * k_cap
                          and len(c.boot) >= min_draws)
        in_range = bool(np.isfinite(obs_lo) and obs_lo / coverage <= per <= obs_hi * coverage)
        reason = ("" if not moved else "assumed" if not fitted else
                  "not_identified" if not identified else "out_of_range" if not in_range else "")
        rows.append({"channel": r.channel, "change": float(r.change), "moved": bool(moved),
                     "fitted": fitted, "identified": identified, "observed_low": obs_lo,
                     "observed_high": obs_hi, "proposed_per_period": per,
                     "in_range": in_range, "supported": reason == "", "reason": reason})
    return pd.DataFrame(rows, columns=["channel", "change", "moved", "fitted", "identified",
                                       "observed_low", "observed_high", "proposed_per_period",
                                       "in_range", "supported", "reason"])


def plan_supported(support: pd.DataFrame, gain: Mapping[str, float], check: Mapping | None = None
                   ) -> tuple[bool, str]:
    """The gate of a recommended shift: curves support it, its gain is clearly positive.

    Parameters
    ----------
    support : pandas.DataFrame
        From :func:`shift_support`.
    gain : mapping
        From :func:`plan_gain`; the lower end of the bootstrap interval of the gain must
        be above zero (a gain the curves' uncertainty could wipe out is no reason to move).
    check : mapping, optional
        From :func:`cross_check`; a discrepancy means the optimiser's plan is not the best
        and is not stated.

    Returns
    -------
    (bool, str)
        Whether the shift may be stated, and the reason code when it may not:
        ``"no_move"``, ``"assumed"``, ``"not_identified"``, ``"out_of_range"``,
        ``"gain_uncertain"`` or ``"discrepancy"``.
    """
    moved = support[support["moved"]] if len(support) else support
    if not len(moved):
        return False, "no_move"
    for code in ("assumed", "not_identified", "out_of_range"):
        if (moved["reason"] == code).any():
            return False, code
    low = gain.get("gain_low", np.nan)
    if not (np.isfinite(low) and low > 0):
        return False, "gain_uncertain"
    if check is not None and check.get("discrepancy"):
        return False, "discrepancy"
    return True, ""


def keep_reason(support: pd.DataFrame, code: str, language: str = "en") -> str:
    """Why the current split is kept, in words, for a reason code of :func:`plan_supported`.

    Parameters
    ----------
    support : pandas.DataFrame
        From :func:`shift_support`; names the channels behind a channel-level reason.
    code : str
        Reason code from :func:`plan_supported`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    sep = i18n.t("budget_allocation.list_sep", language)
    channels = sep.join(support.loc[support["reason"] == code, "channel"].astype(str)) \
        if len(support) else ""
    return i18n.t(f"budget_allocation.keep_why.{code or 'no_move'}", language,
                  channels=channels or "–")


def signed(value: float, spec: str = "+,.0f") -> str:
    """A signed number for a sentence, or "–" when it is missing or infinite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return format(v, spec) if math.isfinite(v) else "–"


def mix_table(curves: Mapping[str, ResponseCurve], bounds: pd.DataFrame,
              proposed: Mapping[str, float] | pd.Series, *, current: Mapping[str, float] |
              pd.Series | None = None, periods: int = 12, tol: float = 1e-3) -> pd.DataFrame:
    """Per-channel comparison of the current and the proposed plan.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    bounds : pandas.DataFrame
        From :func:`channel_bounds`; its ``current`` column is the current plan unless
        ``current`` is given.
    proposed : mapping or Series
        Proposed planning-period amount per channel.
    current : mapping or Series, optional
    periods : int
    tol : float
        A bound binds when the proposal is within ``tol`` x the channel budget of it.

    Returns
    -------
    pandas.DataFrame
        ``channel, model, current, proposed, change, change_pct, lower, upper,
        outcome_current, outcome_proposed, avg_roi_current, avg_roi_proposed,
        marginal_roi_current, marginal_roi_proposed, binding, marginal_cost_current,
        marginal_cost_proposed``. ROIs are outcome per currency unit, marginal costs their
        inverse (the cost of one more unit of outcome); ``binding`` is ``"lower bound"``,
        ``"upper bound"``, ``"ROI cap"`` or ``""``.
    """
    names = list(curves)
    cur = pd.Series(current if current is not None else bounds["current"], dtype=float
                    ).reindex(names).fillna(0.0)
    prop = pd.Series(proposed, dtype=float).reindex(names).fillna(0.0)
    out_cur = _outcome(curves, cur.to_numpy(), periods)
    out_prop = _outcome(curves, prop.to_numpy(), periods)
    budget = max(float(prop.sum()), 1.0)
    binding = []
    for ch in names:
        c, x = curves[ch], prop[ch]
        lo, hi = bounds.at[ch, "lower"], bounds.at[ch, "upper"]
        if abs(x - hi) <= tol * budget:
            binding.append("upper bound")
        elif abs(x - lo) <= tol * budget:
            binding.append("lower bound")
        elif c.is_fallback and abs(x - c.cap * periods) <= tol * budget:
            binding.append("ROI cap")
        else:
            binding.append("")
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "channel": names,
            "model": ["assumed constant ROI" if curves[ch].is_fallback else "fitted curve"
                      for ch in names],
            "current": cur.to_numpy(), "proposed": prop.to_numpy(),
            "change": (prop - cur).to_numpy(),
            "change_pct": np.where(cur > 0, (prop - cur) / cur, np.nan),
            "lower": bounds["lower"].reindex(names).to_numpy(),
            "upper": bounds["upper"].reindex(names).to_numpy(),
            "outcome_current": out_cur, "outcome_proposed": out_prop,
            "avg_roi_current": np.where(cur > 0, out_cur / cur, np.nan),
            "avg_roi_proposed": np.where(prop > 0, out_prop / prop, np.nan),
            "marginal_roi_current": _marginal(curves, cur.to_numpy(), periods),
            "marginal_roi_proposed": _marginal(curves, prop.to_numpy(), periods),
            "binding": binding,
        })
        # Managers read costs more easily than tiny ratios: cost of one more unit of outcome.
        table["marginal_cost_current"] = 1 / table["marginal_roi_current"].replace(0, np.nan)
        table["marginal_cost_proposed"] = 1 / table["marginal_roi_proposed"].replace(0, np.nan)
    return table


def explain_mix(table: pd.DataFrame, *, outcome_label: str = "outcome",
                rel_tol: float = 0.01, language: str = "en") -> str:
    """One or two plain sentences on what the proposed mix changes and why.

    When the proposal equals the current plan (every channel within ``rel_tol`` of the
    budget), the sentence says why: the bounds leave no room, or the current mix already
    has equal marginal returns. ``language`` ({"en", "zh"}) picks the language.
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"budget_allocation.mix.{key}", language, **values)

    budget = max(float(table["proposed"].sum()), 1.0)
    gain = float(table["outcome_proposed"].sum() - table["outcome_current"].sum())
    base = float(table["outcome_current"].sum())
    moved = float(table["change"].abs().sum()) / 2
    if moved <= rel_tol * budget:
        room = (table["upper"] - table["lower"]).abs() <= rel_tol * budget / max(len(table), 1)
        pinned = table["binding"].ne("")
        if room.all():
            why = say("why_no_room")
        elif pinned.all():
            why = say("why_pinned")
        else:
            free = table[~pinned]
            spread = free["marginal_roi_current"].agg(["min", "max"])
            why = say("why_equal", outcome=outcome_label, low=f"{spread['min']:.3g}",
                      high=f"{spread['max']:.3g}")
        return say("unchanged", why=why)
    down = table[table["change"] < -rel_tol * budget / len(table)].sort_values("change")
    up = table[table["change"] > rel_tol * budget / len(table)].sort_values("change",
                                                                               ascending=False)
    sep = say("list_sep")
    text = (say("moves", moved=f"{moved:,.0f}", down=sep.join(down["channel"]) or "-",
                up=sep.join(up["channel"]) or "-", outcome=outcome_label, gain=f"{gain:,.1f}",
                gain_pct=f"{gain / base:+.1%}") if base > 0 else
            say("moves_between", moved=f"{moved:,.0f}"))
    bound = table[table["binding"].ne("")]
    if len(bound):
        text += say("bound_sep") + sep.join(
            say("stops", channel=r.channel, binding=value_label("binding", r.binding, language))
            for r in bound.itertuples())
    return text + say("end")


def plan_gain(curves: Mapping[str, ResponseCurve], current: Mapping[str, float] | pd.Series,
              proposed: Mapping[str, float] | pd.Series, *, periods: int = 12,
              level: float = 0.9) -> dict[str, float]:
    """Expected gain of ``proposed`` over ``current``, with a bootstrap interval.

    Returns
    -------
    dict
        ``current, proposed, gain, gain_pct, gain_low, gain_high, proposed_low,
        proposed_high`` (intervals at ``level``).
    """
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    cur = expected_outcome(curves, current, periods=periods)
    prop = expected_outcome(curves, proposed, periods=periods)
    d_cur = outcome_draws(curves, current, periods=periods)
    d_prop = outcome_draws(curves, proposed, periods=periods)
    g_lo, g_hi = np.quantile(d_prop - d_cur, q) if len(d_cur) > 1 else (np.nan, np.nan)
    p_lo, p_hi = np.quantile(d_prop, q) if len(d_prop) > 1 else (np.nan, np.nan)
    return {"current": cur, "proposed": prop, "gain": prop - cur,
            "gain_pct": (prop - cur) / cur if cur else np.nan,
            "gain_low": float(g_lo), "gain_high": float(g_hi),
            "proposed_low": float(p_lo), "proposed_high": float(p_hi)}


def goal_table(goals: Mapping[str, Any], *, outcome: str, expected: float,
               pipeline_per_outcome: float | None = None, language: str = "en") -> pd.DataFrame:
    """The planning goals next to what the channel plan is expected to contribute.

    Only the pipeline goal can be read off the channel plan: directly when the outcome is
    pipeline value, or as expected opportunities x the historical pipeline per attributed
    opportunity. The other goals are listed for the record.

    Parameters
    ----------
    goals : mapping
        ``new_key_accounts``, ``pipeline``, ``revenue_growth`` (see :data:`GOALS`).
    outcome : str
        The outcome of the response curves.
    expected : float
        Expected outcome of the proposed plan over the planning period.
    pipeline_per_outcome : float, optional
        Pipeline value per unit of outcome (for opportunities: mean amount per attributed
        opportunity).
    language : {"en", "zh"}
        Language of the ``note`` texts.

    Returns
    -------
    pandas.DataFrame
        ``goal, target, plan_contribution, coverage, note``.
    """
    rows = []
    for name in GOALS:
        if name not in goals:
            continue
        target = _number(f"goals.{name}", goals[name])
        contribution, note = np.nan, i18n.t("budget_allocation.goal_note.kpi", language)
        if name == "pipeline":
            if outcome == "pipeline":
                contribution = expected
                note = i18n.t("budget_allocation.goal_note.pipeline", language)
            elif outcome == "opportunities" and pipeline_per_outcome:
                contribution = expected * pipeline_per_outcome
                note = i18n.t("budget_allocation.goal_note.per_opportunity", language,
                              value=f"{pipeline_per_outcome:,.0f}")
        rows.append({"goal": name, "target": target, "plan_contribution": contribution,
                     "coverage": contribution / target if target and np.isfinite(contribution)
                     else np.nan, "note": note})
    return pd.DataFrame(rows, columns=["goal", "target", "plan_contribution", "coverage", "note"])


# --------------------------------------------------------------------------- scenarios


def efficiency_plan(curves: Mapping[str, ResponseCurve], bounds: pd.DataFrame,
                    target_cost: float, *, periods: int = 12, iterations: int = 30
                    ) -> tuple[float, pd.Series] | None:
    """The largest channel budget whose optimal mix keeps cost per outcome at most a target.

    The blended cost per outcome of the optimal mix (budget / expected outcome) grows with
    the budget as channels saturate, so the largest admissible budget is found by bisection
    between the sums of the lower and the upper bounds.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    bounds : pandas.DataFrame
    target_cost : float
        Highest acceptable blended cost per unit of outcome (cost per opportunity when the
        outcome is opportunities).
    periods : int
    iterations : int
        Bisection steps.

    Returns
    -------
    (float, pandas.Series) or None
        Budget and its optimal mix, or ``None`` when even the smallest budget the bounds
        allow costs more than the target per outcome.
    """
    if target_cost <= 0:
        raise BudgetError(f"target cost per outcome must be positive, got {target_cost}")
    lo_b, hi_b = float(bounds["lower"].sum()), float(bounds["upper"].sum())

    def cost(budget):
        mix = optimise_mix(curves, budget, bounds, periods=periods)
        out = expected_outcome(curves, mix, periods=periods)
        return (budget / out if out > 0 else np.inf), mix

    start = max(lo_b, 1e-6 * hi_b)
    c_lo, mix_lo = cost(start)
    if c_lo > target_cost:
        return None
    c_hi, mix_hi = cost(hi_b)
    if c_hi <= target_cost:
        return hi_b, mix_hi
    a, b, best = start, hi_b, (start, mix_lo)
    for _ in range(iterations):
        if b - a <= 1e-4 * hi_b:
            break
        mid = (a + b) / 2
        c_mid, mix_mid = cost(mid)
        if c_mid <= target_cost:
            a, best = mid, (mid, mix_mid)
        else:
            b = mid
    return best


def _user_allocation(user: Mapping[str, Any], current: pd.Series) -> pd.Series:
    alloc = current.copy()
    for channel, spec in user.items():
        if channel not in alloc.index:
            raise BudgetError(f"user_allocation: unknown channel {channel!r}"
                              + suggest(str(channel), list(alloc.index))
                              + f" Channels: {', '.join(alloc.index)}")
        if isinstance(spec, Mapping):
            if set(spec) == {"multiplier"}:
                alloc[channel] = current[channel] * _number(
                    f"user_allocation.{channel}.multiplier", spec["multiplier"])
            elif set(spec) == {"amount"}:
                alloc[channel] = _number(f"user_allocation.{channel}.amount", spec["amount"])
            else:
                raise BudgetError(f"user_allocation.{channel}: give either {{multiplier: x}} "
                                  "or {amount: a}, or a plain amount")
        else:
            alloc[channel] = _number(f"user_allocation.{channel}", spec)
        if alloc[channel] < 0:
            raise BudgetError(f"user_allocation.{channel}: amount {alloc[channel]:,.0f} is "
                              "negative")
    return alloc


def scenario_table(curves: Mapping[str, ResponseCurve], bounds: pd.DataFrame, budget: float, *,
                   periods: int = 12, budget_change: float = 0.2, widen: float = 3.0,
                   target_cost: float | None = None,
                   user_allocation: Mapping[str, Any] | None = None,
                   optimum: pd.Series | None = None, level: float = 0.9,
                   language: str = "en") -> pd.DataFrame:
    """Scenarios side by side: spend, expected outcome with interval, cost per outcome.

    Rows: ``current`` (current mix at the budget), ``optimal``, ``budget -20%`` and
    ``budget +20%`` (optimal mix at the changed budget, same bounds), ``bounds x3``
    (:func:`widen_bounds`), ``target efficiency`` (:func:`efficiency_plan`; target default
    the current plan's cost per outcome) and ``user allocation`` (evaluated only, not
    optimised). A scenario the bounds cannot meet is listed with its reason instead of
    numbers.

    Parameters
    ----------
    curves, bounds, budget, periods
        As for :func:`optimise_mix`.
    budget_change : float
        Relative budget change of the lower and higher budget scenarios.
    widen : float
        Factor of the widened-bounds scenario.
    target_cost : float, optional
        Cost per outcome of the efficiency plan.
    user_allocation : mapping, optional
        ``{channel: amount | {"amount": a} | {"multiplier": m}}``; other channels keep
        their current amount.
    optimum : Series, optional
        Reuse an optimum already computed at ``budget``.
    level : float
        Interval coverage.
    language : {"en", "zh"}
        Language of ``description`` and ``note``; ``scenario`` stays the English name above
        (see :func:`scenario_label` for the reader's version).

    Returns
    -------
    pandas.DataFrame
        ``scenario, description, budget, outcome, outcome_low, outcome_high,
        cost_per_outcome, outcome_vs_current, note`` plus one amount column per channel.
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"budget_allocation.scenario_desc.{key}", language, **values)

    names = list(curves)
    current = current_plan(curves, budget, periods=periods)
    plans: list[tuple[str, str, pd.Series | None, str]] = []
    plans.append(("current", say("current"), current, ""))
    opt = optimum if optimum is not None else optimise_mix(curves, budget, bounds,
                                                           periods=periods)
    plans.append(("optimal", say("optimal"), opt, ""))
    for sign in (-1, 1):
        b = budget * (1 + sign * budget_change)
        label = f"budget {sign * budget_change:+.0%}"
        try:
            plans.append((label, say("budget", amount=f"{b:,.0f}"),
                          optimise_mix(curves, b, bounds, periods=periods), ""))
        except InfeasibleBoundsError as exc:
            plans.append((label, say("budget", amount=f"{b:,.0f}"), None, str(exc)))
    wide = widen_bounds(bounds, widen)
    plans.append((f"bounds x{widen:g}", say("bounds", factor=f"{widen:g}"),
                  optimise_mix(curves, budget, wide, periods=periods), ""))
    base_out = expected_outcome(curves, current, periods=periods)
    target = target_cost if target_cost else (budget / base_out if base_out > 0 else None)
    if target:
        found = efficiency_plan(curves, bounds, target, periods=periods)
        desc = say("target", target=f"{target:,.4g}")
        plans.append(("target efficiency", desc, found[1] if found else None,
                      "" if found else say("target_missed")))
    if user_allocation:
        plans.append(("user allocation", say("user"),
                      _user_allocation(user_allocation, current), ""))
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    rows = []
    for name, desc, plan, note in plans:
        row: dict[str, Any] = {"scenario": name, "description": desc, "note": note}
        if plan is not None:
            out = expected_outcome(curves, plan, periods=periods)
            draws = outcome_draws(curves, plan, periods=periods)
            lo, hi = np.quantile(draws, q) if len(draws) > 1 else (np.nan, np.nan)
            spend = float(plan.sum())
            row.update(budget=spend, outcome=out, outcome_low=float(lo), outcome_high=float(hi),
                       cost_per_outcome=spend / out if out > 0 else np.nan,
                       outcome_vs_current=out / base_out - 1 if base_out > 0 else np.nan)
            row.update({ch: float(plan[ch]) for ch in names})
        rows.append(row)
    cols = ["scenario", "description", "budget", "outcome", "outcome_low", "outcome_high",
            "cost_per_outcome", "outcome_vs_current", *names, "note"]
    return pd.DataFrame(rows).reindex(columns=cols)


def scenario_label(name: str, language: str = "en") -> str:
    """The reader's name of a :func:`scenario_table` scenario (``"budget -20%"``) in ``language``."""
    if language == "en":
        return name
    if name.startswith("budget "):
        return i18n.t("budget_allocation.scenario.budget", language, change=name[len("budget "):])
    if name.startswith("bounds x"):
        return i18n.t("budget_allocation.scenario.bounds", language, factor=name[len("bounds x"):])
    key = f"budget_allocation.scenario.{name.replace(' ', '_')}"
    return i18n.t(key, language) if key in i18n.LABELS else name


#: Columns of this module's tables whose values are its own labels, not data.
_VALUE_KEYS = {
    "model": {"assumed constant ROI": "constant", "fitted curve": "fitted"},
    "binding": {"upper bound": "upper", "lower bound": "lower", "ROI cap": "cap"},
    "action": {"reduce": "reduce", "increase": "increase", "hold": "hold"},
    "goal": {g: g for g in GOALS},
}


def value_label(column: str, value: Any, language: str = "en") -> Any:
    """A label this module writes into a table (a ``binding``, ``action``, ``model``, ``goal``
    or ``scenario`` value) in ``language``; English and any other value are returned as is."""
    if language == "en" or not isinstance(value, str):
        return value
    if column == "scenario":
        return scenario_label(value, language)
    key = _VALUE_KEYS.get(column, {}).get(value)
    return i18n.t(f"budget_allocation.{column}.{key}", language) if key else value


def report_table(table: pd.DataFrame, formats: Mapping[str, str] | None = None, *,
                 language: str = "en", na_rep: str = "–"):
    """A budget table styled for the report, with headers and this module's labels in ``language``.

    Parameters
    ----------
    table : pandas.DataFrame
        Any table of this module; its columns are renamed with ``budget_allocation.col.<name>``
        (other columns, such as channel names, keep their name).
    formats : mapping of str to str, optional
        Number formats by original column name.
    language : {"en", "zh"}
    na_rep : str
        Shown for a value that cannot be computed.

    Returns
    -------
    pandas.io.formats.style.Styler
        True/false columns read yes/no in ``language``.
    """
    out = table.copy()
    for col in (*_VALUE_KEYS, "scenario"):
        if col in out.columns:
            out[col] = [value_label(col, v, language) for v in out[col]]
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = [i18n.t(f"budget_allocation.{'yes' if v else 'no'}", language)
                        for v in out[col]]
    names = {c: i18n.t(f"budget_allocation.col.{c}", language, default=str(c)) for c in out.columns}
    fmt = {names[c]: f for c, f in (formats or {}).items() if c in names}
    return (out.rename(columns=names).style.format(fmt, na_rep=na_rep, escape="html")
            .hide(axis="index"))


def plot_scenarios(scenarios: pd.DataFrame, *, ax=None, outcome_label: str = "outcome",
                   language: str = "en"):
    """Expected outcome per scenario with its interval, budget annotated.

    ``language`` ({"en", "zh"}) picks the language of the scenario names and labels.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    df = scenarios.dropna(subset=["outcome"]).reset_index(drop=True)
    y = np.arange(len(df))
    ax.barh(y, df["outcome"], color=["#7f8c8d" if s == "current" else "#1f4e79"
                                      for s in df["scenario"]])
    err = np.vstack([df["outcome"] - df["outcome_low"], df["outcome_high"] - df["outcome"]])
    if np.isfinite(err).all():
        ax.errorbar(df["outcome"], y, xerr=np.maximum(err, 0), fmt="none", ecolor="black",
                    capsize=3, lw=1)
    for yi, r in zip(y, df.itertuples(), strict=True):
        ax.text(r.outcome * 0.02, yi, i18n.t("budget_allocation.chart.budget_note", language,
                                              amount=f"{r.budget:,.0f}"),
                va="center", color="white", fontsize="small")
    ax.set_yticks(y, [scenario_label(s, language) for s in df["scenario"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(i18n.t("budget_allocation.chart.scenario_x", language, outcome=outcome_label))
    return ax


def plot_mix(table: pd.DataFrame, *, ax=None, language: str = "en"):
    """Current against proposed amount per channel (from :func:`mix_table`).

    ``language`` ({"en", "zh"}) picks the language of the legend and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    y = np.arange(len(table))
    ax.barh(y - 0.2, table["current"], height=0.4,
            label=i18n.t("budget_allocation.chart.current", language), color="#7f8c8d")
    ax.barh(y + 0.2, table["proposed"], height=0.4,
            label=i18n.t("budget_allocation.chart.proposed", language), color="#1f4e79")
    ax.set_yticks(y, table["channel"])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(i18n.t("budget_allocation.chart.mix_x", language))
    ax.legend(frameon=False)
    return ax


# --------------------------------------------------------------------------- value tiers


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


def account_value_tiers(ws, as_of: Any, *, uplift_rate: float = 0.1,
                        **value_options) -> pd.DataFrame:
    """Value tier and expected CLV uplift per account, from the value assessment.

    Calls :func:`helpers.analysis.key_accounts.value_table` and keeps ``account_id, account_name,
    value_tier, clv, clv_uplift``. The CLV is the profit CLV when the table has it; the
    expected uplift from account-based programmes is the table's ``clv_uplift`` when it has
    one, else ``uplift_rate`` x CLV (negative CLV counts as no uplift).

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    uplift_rate : float
        Expected CLV uplift as a share of CLV.
    **value_options
        Passed to :func:`helpers.analysis.key_accounts.value_table` (tier thresholds, horizon, ...).

    Returns
    -------
    pandas.DataFrame
    """
    from helpers.analysis import key_accounts

    return value_uplift(key_accounts.value_table(ws, as_of, **value_options), uplift_rate)


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


# --------------------------------------------------------------------------- cost control


def spend_by_period(ws, as_of: Any) -> pd.DataFrame:
    """Actual spend per channel and period up to ``as_of``, aggregated in the engine.

    Returns
    -------
    pandas.DataFrame
        ``channel, period_start, actual``.
    """
    if not ws.has("marketing_spend"):
        raise DataError("cost control needs the marketing_spend table, which this data "
                        "source does not have")
    as_of_d = as_of_date(as_of)
    t = ws.table("marketing_spend")
    t = t.filter(t.period_start.notnull(), t.period_start <= as_of_d, t.channel.notnull())
    t = t.mutate(channel=t.channel.strip().lower())
    df = t.group_by(["channel", "period_start"]).aggregate(
        actual=t.spend.fill_null(0).sum()).to_pandas()
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["actual"] = df["actual"].astype(float)
    return df.sort_values(["period_start", "channel"]).reset_index(drop=True)


def read_plan(path: str | os.PathLike) -> pd.DataFrame:
    """Read planned spend from a CSV or XLSX file.

    The file needs ``channel`` and ``planned_spend`` columns and may have ``period_start``;
    without it, the amount is the plan for every period. A ``budget_plan.csv`` exported by
    this workbook works too (its ``proposed`` amounts of channel lines are taken, spread
    evenly over its ``periods``).

    Returns
    -------
    pandas.DataFrame
        ``channel, planned, [period_start]``.
    """
    from helpers.core.paths import resolve

    p = resolve(path)
    if not p.is_file():
        raise DataError(f"plan file {str(path)!r} not found; give a CSV with channel, "
                        "period_start (optional) and planned_spend columns")
    try:
        raw = pd.read_excel(p) if p.suffix.lower() == ".xlsx" else pd.read_csv(
            p, encoding="utf-8-sig")
    except Exception as exc:  # reader errors become one readable message
        raise DataError(f"plan file {p.name}: cannot be read ({exc})") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    if {"section", "line", "proposed", "periods"} <= set(raw.columns):
        lines = raw[raw["section"] == "channel"]
        plan = pd.DataFrame({"channel": lines["line"].astype(str).str.strip().str.lower(),
                             "planned": lines["proposed"].astype(float)
                             / lines["periods"].astype(float)})
        return plan.reset_index(drop=True)
    missing = {"channel", "planned_spend"} - set(raw.columns)
    if missing:
        raise DataError(f"plan file {p.name}: missing column(s) {', '.join(sorted(missing))}; "
                        "expected channel, period_start (optional), planned_spend")
    plan = pd.DataFrame({"channel": raw["channel"].astype(str).str.strip().str.lower(),
                         "planned": pd.to_numeric(raw["planned_spend"], errors="coerce")})
    if plan["planned"].isna().any():
        row = int(plan.index[plan["planned"].isna()][0]) + 2
        raise DataError(f"plan file {p.name}: planned_spend on line {row} is not a number")
    if "period_start" in raw.columns:
        plan["period_start"] = pd.to_datetime(raw["period_start"], errors="coerce")
    return plan


def has_baseline(actual: pd.DataFrame, *, review_periods: int = 6) -> bool:
    """Whether any spend period comes before the latest ``review_periods``.

    Without one, :func:`trailing_plan` can only compare the review window with itself, which
    shows no variance whatever was spent.

    Parameters
    ----------
    actual : pandas.DataFrame
        From :func:`spend_by_period`.
    review_periods : int

    Returns
    -------
    bool
    """
    return actual["period_start"].nunique() > review_periods


def trailing_plan(actual: pd.DataFrame, *, review_periods: int = 6,
                  baseline_periods: int = 12) -> pd.DataFrame:
    """A stand-in plan when none is given: each channel's mean spend per period over the
    ``baseline_periods`` before the review window.

    Returns
    -------
    pandas.DataFrame
        ``channel, planned``.
    """
    periods = sorted(actual["period_start"].unique())
    review = periods[-review_periods:]
    base = periods[-(review_periods + baseline_periods):-review_periods] or review
    window = actual[actual["period_start"].isin(base)]
    plan = window.groupby("channel")["actual"].sum() / len(base)
    return plan.rename("planned").reset_index()


def spend_rise_tests(actual: pd.DataFrame, *, review_periods: int = 6,
                     baseline_periods: int = 12, alpha: float = 0.05,
                     method: str = "bh") -> pd.DataFrame:
    """Test whether each channel's spend in the review window rose above its trailing baseline.

    Without an agreed plan the "plan" is the trailing average (:func:`trailing_plan`), so an
    overspend is a claim that spend changed. Month-to-month spend is noisy; the claim needs a
    one-sided Mann-Whitney test of the review periods against the baseline periods, corrected
    across channels.

    Parameters
    ----------
    actual : pandas.DataFrame
        From :func:`spend_by_period`.
    review_periods, baseline_periods : int
        As in :func:`trailing_plan`.
    alpha : float
        Level of the corrected test.
    method : str
        Correction across channels (see :func:`helpers.stats.multiple_testing.adjust`).

    Returns
    -------
    pandas.DataFrame
        ``channel, p_value, p_adjusted, significant``; a channel without spend in both
        windows has a missing p-value and is never significant.
    """
    from scipy import stats as _stats

    from helpers.stats import multiple_testing

    periods = sorted(actual["period_start"].unique())
    review = periods[-review_periods:]
    base = periods[-(review_periods + baseline_periods):-review_periods]
    wide = actual.pivot_table(index="period_start", columns="channel", values="actual",
                              aggfunc="sum").reindex(review + base).fillna(0.0)
    rows = []
    for channel in wide.columns:
        recent, before = wide.loc[review, channel], wide.loc[base, channel]
        if len(before) < 2 or (recent.sum() == 0 and before.sum() == 0):
            p = np.nan
        else:
            p = float(_stats.mannwhitneyu(recent, before, alternative="greater").pvalue)
        rows.append({"channel": channel, "p_value": p})
    out = pd.DataFrame(rows, columns=["channel", "p_value"])
    return multiple_testing.mark_family(out, alpha=alpha, method=method)


def tested_overspend(control: pd.DataFrame, rise: pd.DataFrame
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the overspend flag only where :func:`spend_rise_tests` found a reliable rise.

    Parameters
    ----------
    control : pandas.DataFrame
        The by-channel summary of :func:`cost_control`.
    rise : pandas.DataFrame
        From :func:`spend_rise_tests`.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``control`` with the flag narrowed, and the channels above plan whose rise is within
        their usual month-to-month swings.
    """
    reliable = control["channel"].isin(rise.loc[rise["significant"], "channel"])
    swings = control[control["overspend"] & ~reliable]
    return control.assign(overspend=control["overspend"] & reliable), swings


def cost_control(actual: pd.DataFrame, plan: pd.DataFrame, *, review_periods: int = 6,
                 tolerance: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Actual against planned spend over the latest ``review_periods``, with overspend flags.

    Parameters
    ----------
    actual : pandas.DataFrame
        From :func:`spend_by_period`.
    plan : pandas.DataFrame
        ``channel, planned`` and optionally ``period_start`` (from :func:`read_plan` or
        :func:`trailing_plan`); without ``period_start`` the amount applies to every period.
    review_periods : int
        Latest periods reviewed.
    tolerance : float
        Overspend is flagged when actual exceeds plan by more than this share.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        By channel and period: ``channel, period_start, planned, actual, variance,
        variance_pct, overspend``; and the same summed by channel.
    """
    if review_periods < 1:
        raise BudgetError(f"review_periods must be at least 1, got {review_periods}")
    periods = sorted(actual["period_start"].unique())[-review_periods:]
    act = actual[actual["period_start"].isin(periods)]
    if "period_start" in plan.columns and plan["period_start"].notna().any():
        merged = act.merge(plan[["channel", "period_start", "planned"]],
                           on=["channel", "period_start"], how="outer")
        merged = merged[merged["period_start"].isin(periods)]
    else:
        grid = pd.MultiIndex.from_product([sorted(set(act["channel"]) | set(plan["channel"])),
                                           periods], names=["channel", "period_start"])
        merged = grid.to_frame(index=False).merge(act, how="left").merge(
            plan.groupby("channel", as_index=False)["planned"].sum(), how="left")
    merged[["actual", "planned"]] = merged[["actual", "planned"]].fillna(0.0)
    detail = _variance(merged, tolerance).sort_values(["channel", "period_start"])
    summary = _variance(detail.groupby("channel", as_index=False)[["planned", "actual"]].sum(),
                        tolerance)
    return (detail.reset_index(drop=True),
            summary.sort_values("variance", ascending=False).reset_index(drop=True))


def _variance(df: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    df = df.copy()
    df["variance"] = df["actual"] - df["planned"]
    with np.errstate(divide="ignore", invalid="ignore"):
        df["variance_pct"] = np.where(df["planned"] > 0, df["variance"] / df["planned"],
                                      np.where(df["actual"] > 0, np.inf, 0.0))
    df["overspend"] = df["variance_pct"] > tolerance
    return df


def reallocation(table: pd.DataFrame, *, threshold: float | None = None,
                 tolerance: float = 0.05, language: str = "en") -> tuple[pd.DataFrame, float]:
    """Recommend moving money from channels with a low marginal ROI to those with a high one.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`mix_table`.
    threshold : float, optional
        Marginal ROI (outcome per currency unit) that separates donors from recipients.
        Default: the marginal ROI the optimum equalises across its free channels (their
        median), the level at which no further move pays.
    tolerance : float
        Channels within this relative distance of the threshold are held.
    language : {"en", "zh"}
        Language of the ``reason`` texts (``action`` stays ``reduce``, ``increase``, ``hold``).

    Returns
    -------
    (pandas.DataFrame, float)
        ``channel, marginal_roi_current, action, suggested_change, reason``, donors first;
        and the threshold used.
    """
    if threshold is None or threshold <= 0:
        free = table[table["binding"].eq("")]
        base = free if len(free) else table
        threshold = float(base["marginal_roi_proposed"].median())
    m = table["marginal_roi_current"].to_numpy(float)
    action = np.where(m < threshold * (1 - tolerance), "reduce",
                      np.where(m > threshold * (1 + tolerance), "increase", "hold"))
    change = table["change"].to_numpy(float)
    # Only suggest moves in the direction the threshold points; the size comes from the optimum.
    suggested = np.where((action == "reduce") & (change < 0), change,
                         np.where((action == "increase") & (change > 0), change, 0.0))
    reason = [i18n.t(f"budget_allocation.reason.{a}", language, roi=f"{mi:.3g}",
                     threshold=f"{threshold:.3g}") for mi, a in zip(m, action, strict=True)]
    out = pd.DataFrame({"channel": table["channel"], "marginal_roi_current": m,
                        "action": action, "suggested_change": suggested, "reason": reason})
    order = out["action"].map({"reduce": 0, "increase": 1, "hold": 2})
    return out.assign(_o=order).sort_values(["_o", "suggested_change"]).drop(columns="_o"
                                                                             ).reset_index(drop=True), threshold


# --------------------------------------------------------------------------- export


def plan_lines(frame: BudgetFrame, mix: pd.DataFrame, tiers: pd.DataFrame | None = None
               ) -> pd.DataFrame:
    """The whole plan as finance lines that sum to the total budget.

    Returns
    -------
    pandas.DataFrame
        ``section, line, current, proposed, change, expected_outcome, periods``; sections are
        ``reserve``, ``fixed``, ``channel``, ``account tier`` (or ``account-facing`` when no
        tiers are given).
    """
    rows = [{"section": "reserve", "line": "risk reserve", "proposed": frame.reserve}]
    rows += [{"section": "fixed", "line": name, "proposed": amount}
             for name, amount in frame.fixed_lines.items()]
    rows += [{"section": "channel", "line": r.channel, "current": r.current,
              "proposed": r.proposed, "change": r.change,
              "expected_outcome": r.outcome_proposed} for r in mix.itertuples()]
    if tiers is not None and len(tiers):
        rows += [{"section": "account tier", "line": r.tier, "proposed": r.budget}
                 for r in tiers.itertuples()]
    else:
        rows.append({"section": "account-facing", "line": "account-based programmes",
                     "proposed": frame.account_facing})
    out = pd.DataFrame(rows).reindex(columns=["section", "line", "current", "proposed",
                                              "change", "expected_outcome"])
    out["periods"] = frame.periods
    return out


def export_budget_plan(views: Mapping[str, pd.DataFrame], out_dir: str | os.PathLike, *,
                       main: str = "plan", stem: str = "budget_plan") -> dict[str, Path]:
    """Write the main view as CSV and every view as one sheet of an XLSX workbook.

    Parameters
    ----------
    views : mapping of str to pandas.DataFrame
        Sheet name -> table (names are cut to Excel's 31 characters).
    out_dir : path-like
        Folder, normally :func:`helpers.report.outputs.exports_dir`.
    main : str
        The view written to ``<stem>.csv``.
    stem : str

    Returns
    -------
    dict
        ``{"csv": path, "xlsx": path}``.
    """
    if main not in views:
        raise BudgetError(f"export: the main view {main!r} is not among {', '.join(views)}")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    # one writer for every export: stated float precision, no timestamps, same bytes each run
    from helpers.report.outputs import write_export, write_xlsx

    write_export(views[main], csv_path)
    used: set[str] = set()
    sheets: dict[str, pd.DataFrame] = {}
    for name, df in views.items():
        sheet = "".join(ch for ch in str(name) if ch not in "[]:*?/\\")[:31] or "sheet"
        while sheet in used:
            sheet = sheet[:28] + f"_{len(used)}"
        used.add(sheet)
        frame = df.copy()
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
                frame[col] = frame[col].dt.tz_localize(None)
        sheets[sheet] = frame.replace([np.inf, -np.inf], np.nan)
    write_xlsx(sheets, xlsx_path)
    return {"csv": csv_path, "xlsx": xlsx_path}



# --------------------------------------------------------------------------- allocation view


def channel_label(channel: Any, language: str = "en") -> str:
    """A channel as the reader names it: ``trade_show`` → "trade shows" / "展会".

    Known channels have a text in both languages (``budget_allocation.channel.<name>``);
    any other name is shown with its underscores as spaces.
    """
    key = f"budget_allocation.channel.{channel}"
    return i18n.t(key, language) if key in i18n.LABELS else str(channel).replace("_", " ")


def allocation_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each channel's share of spend and of outcome, current and recommended.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`mix_table` (``channel, current, proposed, outcome_current,
        outcome_proposed``).

    Returns
    -------
    pandas.DataFrame
        ``channel, spend_current, spend_proposed, outcome_current, outcome_proposed``, each a
        fraction; every share column sums to 1 (NaN when its total is not positive).
    """
    out = pd.DataFrame({"channel": table["channel"].to_numpy()})
    for col, src in (("spend_current", "current"), ("spend_proposed", "proposed"),
                     ("outcome_current", "outcome_current"),
                     ("outcome_proposed", "outcome_proposed")):
        values = pd.to_numeric(table[src], errors="coerce").fillna(0.0).clip(lower=0).to_numpy()
        total = float(values.sum())
        out[col] = values / total if total > 0 else np.nan
    return out


def plot_shares(shares: pd.DataFrame, *, ax=None, labels: Mapping[str, str] | None = None,
                language: str = "en"):
    """Grouped horizontal bars: share of spend and of outcome per channel, now and recommended.

    Parameters
    ----------
    shares : pandas.DataFrame
        From :func:`allocation_shares`.
    ax : matplotlib Axes, optional
    labels : mapping of str to str, optional
        Channel names as the reader sees them.
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    from helpers.presentation import plotting

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.9 * len(shares) + 1))
    labels = labels or {}
    y = np.arange(len(shares))
    bars = (("spend_current", "#b8c4ce"), ("spend_proposed", "#1f4e79"),
            ("outcome_current", "#c7e3c0"), ("outcome_proposed", "#2e7d32"))
    h = 0.2
    for i, (col, color) in enumerate(bars):
        ax.barh(y + (i - 1.5) * h, shares[col].fillna(0) * 100, height=h, color=color,
                label=i18n.t(f"budget_allocation.chart.{col}", language))
    ax.set_yticks(y, [labels.get(ch, ch) for ch in shares["channel"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlabel(i18n.t("budget_allocation.chart.share_x", language))
    plotting.legend_outside(ax)
    return ax


def shares_alt(shares: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
               language: str = "en") -> str:
    """Alt text of :func:`plot_shares`: what the chart shows and its largest recommended share."""
    labels = labels or {}
    if not len(shares) or shares["spend_proposed"].isna().all():
        return i18n.t("budget_allocation.alt.shares_empty", language)
    top = shares.loc[shares["spend_proposed"].idxmax()]
    best = shares.loc[shares["outcome_proposed"].fillna(-1).idxmax()]
    return i18n.t("budget_allocation.alt.shares", language, n=len(shares),
                  channel=labels.get(top.channel, top.channel),
                  spend=f"{top.spend_proposed:.0%}",
                  best=labels.get(best.channel, best.channel),
                  outcome=f"{best.outcome_proposed:.0%}")


# ------------------------------------------------------------------ report sentences
# The notebook's data-dependent sentences, built here so its cells stay short steps.


def top_row(table: pd.DataFrame, column: str) -> pd.Series:
    """The row of ``table`` with the largest value in ``column`` (the first on ties).

    Parameters
    ----------
    table : pandas.DataFrame
        Not empty.
    column : str

    Returns
    -------
    pandas.Series
    """
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    return table.iloc[int(np.nanargmax(values))]


def periods_note(periods: pd.DataFrame, *, channels: int, labels: Mapping[str, str],
                 account_channels: Iterable[str], unit: str, language: str = "en") -> str:
    """The spend history behind the curves in one sentence.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``period_start, outcome, …`` per channel and period (see
        :func:`helpers.analysis.response_curves.channel_periods`).
    channels : int
        Number of channels with a curve.
    labels : mapping of str to str
        Channel names as the reader reads them.
    account_channels : iterable of str
        Channels planned by value tier instead of by curve.
    unit : str
        The outcome, as a word.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    sep = i18n.t("budget_allocation.list_sep", language)
    starts = pd.to_datetime(periods["period_start"])
    separate = sep.join(labels.get(ch, str(ch)) for ch in account_channels)
    return i18n.t("budget_allocation.periods", language, n=starts.nunique(),
                  first=f"{starts.min():%Y-%m}", last=f"{starts.max():%Y-%m}", channels=channels,
                  total=f"{periods['outcome'].sum():,.0f}", unit=unit,
                  separate=separate or i18n.t("budget_allocation.none", language))


def split_story(mix: pd.DataFrame, gain: Mapping[str, float], support: pd.DataFrame,
                shift_code: str | None, *, channel_budget: float, labels: Mapping[str, str],
                shift_ok: bool, unit: str, currency: str, language: str = "en") -> dict[str, Any]:
    """The recommended split, or the reason to keep the current one, as sentences.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`mix_table`.
    gain : mapping
        From :func:`plan_gain` (``proposed, current, gain, gain_pct, gain_low, gain_high``).
    support : pandas.DataFrame
        From :func:`shift_support`.
    shift_code : str or None
        Reason code from :func:`plan_supported`.
    channel_budget : float
    labels : mapping of str to str
        Channel names as the reader reads them.
    shift_ok : bool
        Whether the shift is backed (:func:`plan_supported`).
    unit, currency : str
    language : {"en", "zh"}

    Returns
    -------
    dict
        ``gain_md`` and ``keep_md`` (markdown), ``gain`` and ``keep`` (the same as plain
        text, for findings), ``keep_why``, ``moved`` (amount that changes channel),
        ``impact`` (its weight for the brief) and ``action``.
    """
    from helpers.presentation import findings

    def say(key: str, **values) -> str:
        return i18n.t(f"budget_allocation.{key}", language, **values)

    sep = say("list_sep")
    shown = mix.assign(channel=mix["channel"].map(labels))
    ups = shown[shown["change"] > 0].sort_values("change", ascending=False)
    downs = shown[shown["change"] < 0].sort_values("change")
    moved = float(mix["change"].abs().sum() / 2)
    values = dict(budget=f"{channel_budget:,.0f}", currency=currency, unit=unit,
                  proposed=f"{gain['proposed']:,.0f}", current=f"{gain['current']:,.0f}",
                  gain=signed(gain["gain"]), gain_pct=signed(gain["gain_pct"], "+.1%"),
                  low=signed(gain["gain_low"]), high=signed(gain["gain_high"]))
    gain_md = say("split", split=sep.join(f"{r.channel} {r.proposed:,.0f}" for r in shown.itertuples()),
                  **values)
    if len(ups):
        gain_md += say("largest_increase", channel=ups.iloc[0].channel, change=f"{ups.iloc[0].change:+,.0f}")
    if len(downs):
        gain_md += say("largest_cut", channel=downs.iloc[0].channel, change=f"{downs.iloc[0].change:+,.0f}")
    keep_why = keep_reason(support.assign(channel=support["channel"].map(labels)), shift_code, language)
    keep_md = say("keep_split", why=keep_why, **values)
    action = (say("action.shift", amount=f"{moved:,.0f}", currency=currency,
                  donors=sep.join(downs["channel"]) or "–", takers=sep.join(ups["channel"]) or "–")
              if shift_ok else say("action.keep"))
    return {"gain_md": gain_md, "keep_md": keep_md, "gain": gain_md.replace("**", ""),
            "keep": keep_md.replace("**", ""), "keep_why": keep_why, "moved": moved,
            "impact": findings.impact_weight(moved, channel_budget), "action": action}


def frame_sentence(frame: BudgetFrame, *, currency: str, language: str = "en") -> str:
    """The budget frame in one sentence: reserve and fixed lines held back, the rest split.

    Parameters
    ----------
    frame : BudgetFrame
        From :func:`budget_frame`.
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    return i18n.t(
        "budget_allocation.frame", language, total=f"{frame.total:,.0f}", currency=currency,
        derived=i18n.t("budget_allocation.frame_derived", language) if frame.derived_total else "",
        reserve=f"{frame.reserve:,.0f}", reserve_pct=f"{frame.reserve_pct:.0%}",
        fixed=f"{frame.fixed_total:,.0f}", allocatable=f"{frame.allocatable:,.0f}",
        account=f"{frame.account_facing:,.0f}", channel=f"{frame.channel_budget:,.0f}")


def scenarios_alt(scenarios: pd.DataFrame, *, unit: str, language: str = "en") -> str:
    """Alt text of the scenario chart: the optimal against the current outcome.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        From :func:`scenario_table` (with the ``optimal`` and ``current`` scenarios).
    unit : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    s = scenarios.set_index("scenario")["outcome"]
    return i18n.t("budget_allocation.alt.scenarios", language, unit=unit,
                  optimal=f"{s['optimal']:,.0f}", current=f"{s['current']:,.0f}")


def scenario_sentence(scenarios: pd.DataFrame, *, unit: str, currency: str,
                      language: str = "en") -> str:
    """What cutting, adding and widening the bounds do to the outcome, and the target budget.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        From :func:`scenario_table`.
    unit, currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    s = scenarios.set_index("scenario")
    best = s.loc["optimal", "outcome"]
    text = i18n.t("budget_allocation.scenarios", language, unit=unit,
                  cut=f"{1 - s.loc['budget -20%', 'outcome'] / best:.0%}",
                  add=f"{s.loc['budget +20%', 'outcome'] / best - 1:+.0%}",
                  wide=f"{s.loc['bounds x3', 'outcome'] / best - 1:+.1%}")
    target = s.loc["target efficiency", "budget"] if "target efficiency" in s.index else np.nan
    if pd.notna(target):
        return text + i18n.t("budget_allocation.target_budget", language, budget=f"{target:,.0f}",
                             currency=currency)
    return text + i18n.t("budget_allocation.target_missed", language)


def tiers_sentence(tiers: pd.DataFrame, key_account_budgets: pd.DataFrame, *, budget: float,
                   revenue_clv: bool, uplift_rate: float, currency: str, language: str = "en") -> str:
    """The account-facing budget across value tiers in one sentence.

    Parameters
    ----------
    tiers, key_account_budgets : pandas.DataFrame
        From :func:`tier_allocation`.
    budget : float
        The account-facing budget.
    revenue_clv : bool
        Whether the tiers rest on revenue CLV (no margins in the data) rather than profit CLV.
    uplift_rate : float
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    from helpers.analysis import key_accounts

    top = top_row(tiers, "budget")
    largest = f"{key_account_budgets['budget'].max():,.0f}" if len(key_account_budgets) else "–"
    return i18n.t("budget_allocation.tiers_revenue" if revenue_clv else "budget_allocation.tiers",
                  language, budget=f"{budget:,.0f}", currency=currency, share=f"{top.share:.0%}",
                  tier=key_accounts.value_label("tier", top.tier, language),
                  n=len(key_account_budgets), largest=largest, uplift=f"{uplift_rate:.0%}")


def checked_control(actual: pd.DataFrame, *, plan_file: str = "", review_periods: int = 6,
                    tolerance: float = 0.05, alpha: float = 0.05, method: str = "bh"
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Actual spend against plan, with overspend against a trailing plan tested.

    With a ``plan_file`` overspend is a fact against the plan; without one the plan is the
    trailing average (:func:`trailing_plan`) and overspend is kept only where the rise is
    reliable (:func:`spend_rise_tests`, :func:`tested_overspend`).

    Parameters
    ----------
    actual : pandas.DataFrame
        From :func:`spend_by_period`.
    plan_file : str
        CSV read by :func:`read_plan`; empty means the trailing plan.
    review_periods : int
    tolerance : float
    alpha : float
        Level of the family of rise tests.
    method : str
        Multiple-testing correction.

    Returns
    -------
    detail, control : pandas.DataFrame
        From :func:`cost_control`.
    swings : pandas.DataFrame or None
        Channels above plan within their usual swings (None with a plan file).
    """
    plan = read_plan(plan_file) if plan_file else trailing_plan(actual, review_periods=review_periods)
    detail, control = cost_control(actual, plan, review_periods=review_periods, tolerance=tolerance)
    if plan_file:
        return detail, control, None
    rise = spend_rise_tests(actual, review_periods=review_periods, alpha=alpha, method=method)
    control, swings = tested_overspend(control, rise)
    return detail, control, swings


def overspend_list(table: pd.DataFrame | None, language: str = "en") -> str:
    """Channels with their variance, "events (+12%), email (+8%)"; empty for no rows.

    Parameters
    ----------
    table : pandas.DataFrame or None
        ``channel, variance_pct`` rows (channel names as shown).
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    if table is None:
        return ""
    return i18n.t("budget_allocation.list_sep", language).join(
        i18n.t("budget_allocation.overspend_item", language, channel=r.channel, pct=f"{r.variance_pct:+.0%}")
        for r in table.itertuples())


def control_sentence(over: pd.DataFrame, swings: pd.DataFrame | None, *, plan_file: str = "",
                     review_periods: int = 6, tolerance: float = 0.05, language: str = "en") -> str:
    """The plan checked against and the channels that overspend, in words.

    Parameters
    ----------
    over : pandas.DataFrame
        The overspending channels (``channel, variance_pct``, names as shown).
    swings : pandas.DataFrame or None
        From :func:`checked_control`; channel names are turned into labels here.
    plan_file : str
    review_periods : int
    tolerance : float
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"budget_allocation.{key}", language, **values)

    text = (say("plan_file", plan_file=f"`{plan_file}`") if plan_file
            else say("plan_trailing", review=review_periods))
    text += (say("overspend", channels=overspend_list(over, language)) if len(over)
             else say("no_overspend", tolerance=f"{tolerance:.0%}"))
    if not plan_file and swings is not None and len(swings):
        shown = swings.assign(channel=[channel_label(ch, language) for ch in swings["channel"]])
        text += say("overspend_swings", channels=overspend_list(shown, language))
    return text


def reallocation_sentence(moves: pd.DataFrame, threshold: float, *, labels: Mapping[str, str],
                          shift_ok: bool, keep_why: str, unit: str, one_unit: str, currency: str,
                          language: str = "en") -> str:
    """The reallocation threshold and the move it suggests, in words.

    A move is not suggested when the recommended shift is not backed (``shift_ok`` false);
    the sentence then gives ``keep_why``.

    Parameters
    ----------
    moves : pandas.DataFrame
        From :func:`reallocation` (``channel, action, suggested_change``).
    threshold : float
        Marginal ROI threshold from :func:`reallocation`.
    labels : mapping of str to str
    shift_ok : bool
    keep_why : str
    unit, one_unit, currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    from helpers.analysis.response_curves import about

    def say(key: str, **values) -> str:
        return i18n.t(f"budget_allocation.{key}", language, **values)

    sep = say("list_sep")
    give = moves[moves["action"].eq("reduce").to_numpy()]
    take = moves[moves["action"].eq("increase").to_numpy()]
    if not len(give):
        move = say("no_move")
    elif not shift_ok:
        move = say("no_move_gated", why=keep_why)
    else:
        move = say("move", amount=f"{-give['suggested_change'].sum():,.0f}", currency=currency,
                   donors=sep.join(give["channel"].map(labels)),
                   takers=sep.join(take["channel"].map(labels)) or say("above_threshold"))
    return say("threshold", threshold=about(threshold * 1000), unit=unit, currency=currency,
               one_unit=one_unit, cost=f"{1 / threshold:,.0f}") + move
