"""Budget scenarios side by side: current, optimal, budget -/+, wider bounds, target, user plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.budget.optimise import expected_outcome, optimise_mix, outcome_draws
from helpers.analysis.budget.plan import (
    BudgetError,
    InfeasibleBoundsError,
    _number,
    current_plan,
    widen_bounds,
)
from helpers.analysis.response_curves import ResponseCurve
from helpers.core.errors import suggest
from helpers.presentation import i18n

__all__ = [
    "efficiency_plan",
    "scenario_table",
]


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
    say = i18n.scoped("budget_allocation.scenario_desc", language)

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
