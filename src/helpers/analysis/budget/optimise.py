"""The optimal channel mix: SLSQP from several starts, a greedy grid plan, the cross-check.

Amounts are planning-period totals; a curve works per period, so the outcome of an amount
``X`` is ``periods * curve.response(X / periods)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from helpers.analysis.budget.plan import BudgetError, check_feasible, current_plan
from helpers.analysis.response_curves import ResponseCurve

__all__ = [
    "CHECK_TOLERANCE",
    "cross_check",
    "expected_outcome",
    "greedy_mix",
    "optimise_mix",
    "outcome_draws",
]


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
