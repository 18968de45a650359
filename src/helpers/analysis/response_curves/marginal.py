"""Marginal returns read off the curves: identification, per 1,000 spent, the spread."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from helpers.analysis.response_curves.model import ResponseCurve, hill_derivative

__all__ = [
    "is_identified",
    "marginal_draws",
    "marginal_per",
    "marginal_spread",
]


def is_identified(curve: ResponseCurve, *, min_draws: int = 10) -> bool:
    """Whether a curve's saturation is measured well enough to read its marginal return.

    Identified means: a fitted Hill curve (not the constant-ROI assumption), whose
    half-saturation spend is not pinned at the fit's upper limit (10 x the highest spend
    seen; a curve that never bends in the data) and whose bootstrap gave at least
    ``min_draws`` refits. The same rule gates a recommended shift in
    :func:`helpers.analysis.budget.shift_support`.

    Parameters
    ----------
    curve : ResponseCurve
    min_draws : int

    Returns
    -------
    bool
    """
    if curve.is_fallback or not np.isfinite(curve.k):
        return False
    hist = curve.history
    spend = (np.asarray(hist["spend"], dtype=float) if hist is not None and "spend" in hist
             else np.array([curve.current_spend], dtype=float))
    spend = spend[np.isfinite(spend) & (spend > 0)]
    if not len(spend):
        return False
    return bool(curve.k < 0.95 * 10.0 * float(spend.max()) and len(curve.boot) >= min_draws)


def marginal_per(curve: ResponseCurve, spend: float | None = None, per: float = 1000.0) -> float:
    """Extra outcome per period from ``per`` more currency units per period at ``spend``.

    Parameters
    ----------
    curve : ResponseCurve
    spend : float, optional
        Spend per period; default the curve's current spend.
    per : float
        Size of the extra spend (default 1,000: managers read "per 1,000 EUR" more easily
        than a ratio of 0.0014 per euro).

    Returns
    -------
    float
        ``curve.marginal(spend) * per`` (a linear reading of the curve at ``spend``).
    """
    x = curve.current_spend if spend is None else spend
    return float(curve.marginal(float(x))) * per


def marginal_draws(curve: ResponseCurve, spend: float | None = None, per: float = 1000.0
                   ) -> np.ndarray:
    """:func:`marginal_per` under each bootstrap draw of a fitted curve (empty without draws)."""
    x = max(float(curve.current_spend if spend is None else spend), 1e-12)
    if curve.is_fallback or len(curve.boot) == 0:
        return np.empty(0)
    b = np.asarray(curve.boot, dtype=float)
    return hill_derivative(x, b[:, 0], b[:, 1], b[:, 2]) * per


def marginal_spread(curves: Mapping[str, ResponseCurve], *, per: float = 1000.0,
                    level: float = 0.9, min_draws: int = 10) -> dict[str, Any] | None:
    """The identified channels with the highest and the lowest marginal return at current spend.

    The gap between them is what moving money from the one to the other would earn per
    ``per`` moved (to first order); its interval comes from the paired bootstrap draws
    (each channel's draws are independent, so they are paired by position).

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    per : float
    level : float
        Coverage of the interval of the gap.
    min_draws : int
        See :func:`is_identified`.

    Returns
    -------
    dict or None
        ``best, worst`` (channel names), ``best_value, worst_value`` (per ``per``), ``gap,
        gap_low, gap_high`` and ``clear`` (the lower end of the gap's interval is above
        zero); ``None`` with fewer than two identified channels.
    """
    ok = {ch: c for ch, c in curves.items() if is_identified(c, min_draws=min_draws)}
    if len(ok) < 2:
        return None
    values = {ch: marginal_per(c, per=per) for ch, c in ok.items()}
    best = max(values, key=values.get)
    worst = min(values, key=values.get)
    d_best, d_worst = marginal_draws(ok[best], per=per), marginal_draws(ok[worst], per=per)
    n = min(len(d_best), len(d_worst))
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    low, high = (np.quantile(d_best[:n] - d_worst[:n], q) if n > 1 else (np.nan, np.nan))
    return {"best": best, "worst": worst, "best_value": values[best],
            "worst_value": values[worst], "gap": values[best] - values[worst],
            "gap_low": float(low), "gap_high": float(high),
            "clear": bool(np.isfinite(low) and low > 0)}
