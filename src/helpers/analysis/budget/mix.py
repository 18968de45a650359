"""The proposed mix against the current one: per-channel table, gain, and the gate of a shift.

:func:`mix_table` compares the plans channel by channel, :func:`plan_gain` gives the expected
gain with its bootstrap interval, :func:`shift_support` and :func:`plan_supported` decide
whether the recommended shift may be stated, and :func:`goal_table` sets the plan against
the planning goals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.budget.optimise import _marginal, _outcome, expected_outcome, outcome_draws
from helpers.analysis.budget.plan import GOALS, _number
from helpers.analysis.response_curves import ResponseCurve
from helpers.presentation import i18n

__all__ = [
    "goal_table",
    "mix_table",
    "plan_gain",
    "plan_supported",
    "shift_support",
]


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
