"""Fitting: non-linear least squares of the Hill curve with a seeded residual bootstrap.

A channel whose history is too short, too flat or too thin falls back to a capped
constant ROI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from scipy.signal import lfilter

from helpers.analysis.response_curves.model import (
    CONSTANT_ROI,
    HILL,
    ResponseCurve,
    adstock,
    hill,
)
from helpers.core.errors import ParamError
from helpers.presentation import i18n

__all__ = [
    "fit_curve",
    "fit_response_curves",
    "with_current",
]


_S_BOUNDS = (0.5, 3.0)


_DECAY_MAX = 0.8


def _predict(theta: np.ndarray, spend: np.ndarray, start: float) -> np.ndarray:
    beta, k, s, decay = theta
    return hill(adstock(spend, decay, start), beta, k, s)


def _jacobian(theta: np.ndarray, spend: np.ndarray, start: float) -> np.ndarray:
    """Analytic derivatives of :func:`_predict` by (beta, k, s, decay)."""
    beta, k, s, decay = theta
    x = adstock(spend, decay, start)
    xs = np.maximum(x, 1e-12)
    r = (xs / k) ** s
    share = r / (1.0 + r)
    dy_dr = beta / (1.0 + r) ** 2
    # x[t] = (1-d) spend[t] + d x[t-1]  =>  dx[t]/dd = x[t-1] - spend[t] + d dx[t-1]/dd
    x_prev = np.concatenate(([start], x[:-1]))
    dx_dd = lfilter([1.0], [1.0, -decay], x_prev - spend)
    return np.column_stack([
        share,
        dy_dr * (-s / k) * r,
        dy_dr * r * np.log(xs / k),
        beta * s * r / (xs * (1.0 + r) ** 2) * dx_dd,
    ])


def _least_squares(spend, y, starts, lower, upper, start_x, max_nfev=400):
    best = None
    for theta0 in starts:
        theta0 = np.clip(theta0, lower + 1e-9, upper - 1e-9)
        try:
            res = least_squares(lambda th: _predict(th, spend, start_x) - y, theta0,
                                jac=lambda th: _jacobian(th, spend, start_x),
                                bounds=(lower, upper), x_scale="jac", max_nfev=max_nfev)
        except (ValueError, FloatingPointError):
            continue
        if best is None or res.cost < best.cost:
            best = res
    return best


def _bounds(spend: np.ndarray, y: np.ndarray, use_adstock: bool):
    pos = spend[spend > 0]
    lo_x, hi_x = float(pos.min()), float(pos.max())
    lower = np.array([1e-9, 0.05 * lo_x, _S_BOUNDS[0], 0.0])
    # beta and k are only identified up to a few times the observed range; beyond it the
    # curve would be an untested extrapolation.
    upper = np.array([max(10.0 * float(y.max()), 1e-6), 10.0 * hi_x, _S_BOUNDS[1],
                      _DECAY_MAX if use_adstock else 1e-9])
    return lower, upper


def _starts(spend: np.ndarray, y: np.ndarray, use_adstock: bool) -> list[np.ndarray]:
    med = float(np.median(spend[spend > 0]))
    ymax = float(y.max())
    decays = (0.0, 0.3, 0.6) if use_adstock else (0.0,)
    return [np.array([ymax * b, med * kk, ss, d])
            for d in decays for kk in (0.7, 2.5) for ss in (1.0, 2.0)
            for b in (1.5,)]


def fit_curve(channel: str, spend: Iterable[float], outcome: Iterable[float], *,
              periods: Iterable[Any] | None = None, use_adstock: bool = True,
              n_boot: int = 200, seed: int = 0, current_periods: int = 12,
              min_periods: int = 12, min_outcome: float = 10.0, min_spend_cv: float = 0.1,
              min_r2: float = 0.0, roi_cap: float = 1.5, language: str = "en") -> ResponseCurve:
    """Fit one channel's Hill curve, or fall back to a capped constant ROI.

    Parameters
    ----------
    channel : str
        Channel name, for labels.
    spend, outcome : array-like
        Spend and attributed outcome per period, oldest first, same length.
    periods : array-like, optional
        Period start dates, kept in ``history`` for charts.
    use_adstock : bool
        Whether to fit the geometric carry-over ``decay`` (else it is 0).
    n_boot : int
        Residual-bootstrap replicates for the intervals (0 for none).
    seed : int
        Seed of the bootstrap, so reports are reproducible.
    current_periods : int
        The current plan is the mean spend of this many latest periods.
    min_periods, min_outcome, min_spend_cv : float
        Below any of these (periods with data, summed outcome, coefficient of variation of
        spend) the history is too thin or flat to fit and the fallback is used.
    min_r2 : float
        A fit explaining no more than this share of the variance is not used either.
    roi_cap : float
        Fallback only: the constant ROI holds up to ``roi_cap`` x the current spend per
        period; above that no further outcome is assumed.
    language : {"en", "zh"}
        Language of the curve's ``note``.

    Returns
    -------
    ResponseCurve
    """
    say = i18n.scoped("budget_allocation.curve", language)

    spend = np.asarray(list(spend), dtype=float)
    y = np.asarray(list(outcome), dtype=float)
    if spend.shape != y.shape:
        raise ParamError(f"{channel}: spend and outcome must have the same length")
    if roi_cap <= 0:
        raise ParamError(f"roi_cap must be positive, got {roi_cap}")
    spend = np.nan_to_num(np.maximum(spend, 0.0))
    y = np.nan_to_num(np.maximum(y, 0.0))
    current = float(spend[-current_periods:].mean()) if len(spend) else 0.0
    history = pd.DataFrame({
        "period_start": pd.to_datetime(list(periods)) if periods is not None
        else pd.RangeIndex(len(spend)),
        "spend": spend, "outcome": y})

    mean_spend = float(spend.mean()) if len(spend) else 0.0
    cv = float(spend.std() / mean_spend) if mean_spend > 0 else 0.0
    reason = None
    if len(spend) < min_periods:
        reason = say("reason_periods", n=len(spend), needed=min_periods)
    elif y.sum() < min_outcome:
        reason = say("reason_outcome", total=f"{y.sum():,.0f}", needed=f"{min_outcome:,.0f}")
    elif cv < min_spend_cv:
        reason = say("reason_flat", cv=f"{cv:.0%}", needed=f"{min_spend_cv:.0%}")

    fit = None
    if reason is None:
        lower, upper = _bounds(spend, y, use_adstock)
        start_x = mean_spend
        fit = _least_squares(spend, y, _starts(spend, y, use_adstock), lower, upper, start_x)
        if fit is None:
            reason = say("reason_no_fit")
        else:
            fitted = _predict(fit.x, spend, start_x)
            sst = float(((y - y.mean()) ** 2).sum())
            r2 = 1 - float(((y - fitted) ** 2).sum()) / sst if sst > 0 else float("nan")
            if not r2 > min_r2:
                reason = say("reason_weak_fit", r2=f"{r2:.2f}")

    rng = np.random.default_rng(seed)
    if reason is not None:
        roi = float(y.sum() / spend.sum()) if spend.sum() > 0 else 0.0
        cap = roi_cap * current if current > 0 else roi_cap * mean_spend
        boot = np.empty((0, 1))
        if n_boot > 0 and len(spend) > 1:
            idx = rng.integers(0, len(spend), size=(n_boot, len(spend)))
            s_sum = spend[idx].sum(axis=1)
            boot = np.where(s_sum > 0, y[idx].sum(axis=1) / np.where(s_sum > 0, s_sum, 1),
                            0.0)[:, None]
        fitted = roi * np.minimum(spend, cap)
        history["adstocked"] = spend
        history["fitted"] = fitted
        return ResponseCurve(
            channel=channel, kind=CONSTANT_ROI, decay=0.0, roi=roi, cap=cap,
            current_spend=current, n_periods=len(spend), r2=_r2(y, fitted),
            rmse=_rmse(y, fitted), boot=boot, history=history,
            note=say("fallback_note", cap=f"{roi_cap:g}", reason=reason))

    if not use_adstock:
        fit.x[3] = 0.0  # the solver keeps a 1e-9 sliver of the fixed bound
    beta, k, s, decay = (float(v) for v in fit.x)
    fitted = _predict(fit.x, spend, mean_spend)
    history["adstocked"] = adstock(spend, decay, mean_spend)
    history["fitted"] = fitted
    boot = np.empty((0, 4))
    if n_boot > 0:
        resid = y - fitted
        draws = []
        lower, upper = _bounds(spend, y, use_adstock)
        for _ in range(n_boot):
            y_star = np.maximum(fitted + rng.choice(resid, size=len(y), replace=True), 0.0)
            res = _least_squares(spend, y_star, [fit.x], lower, upper, mean_spend)
            if res is not None:
                draws.append(res.x)
        boot = np.array(draws) if draws else np.empty((0, 4))
        if not use_adstock and len(boot):
            boot[:, 3] = 0.0
    r2 = _r2(y, fitted)
    near_k_cap = k >= 0.95 * 10.0 * float(spend.max())
    note = say("fitted_note", r2=f"{r2:.2f}")
    if near_k_cap:
        note += say("no_saturation")
    return ResponseCurve(channel=channel, kind=HILL, beta=beta, k=k, s=s, decay=decay,
                         current_spend=current, n_periods=len(spend), r2=r2,
                         rmse=_rmse(y, fitted), boot=boot, history=history, note=note)


def _r2(y: np.ndarray, fitted: np.ndarray) -> float:
    sst = float(((y - y.mean()) ** 2).sum())
    return 1 - float(((y - fitted) ** 2).sum()) / sst if sst > 0 else float("nan")


def _rmse(y: np.ndarray, fitted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - fitted) ** 2))) if len(y) else float("nan")


def fit_response_curves(periods: pd.DataFrame, *, use_adstock: bool = True,
                        n_boot: int = 200, seed: int = 0, **options) -> dict[str, ResponseCurve]:
    """Fit :func:`fit_curve` for every channel of a :func:`channel_periods` table.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``channel, period_start, spend, outcome``.
    use_adstock, n_boot, seed
        As in :func:`fit_curve`; each channel's bootstrap gets its own stream of ``seed``.
    **options
        Passed to :func:`fit_curve` (``min_periods``, ``roi_cap``, ...).

    Returns
    -------
    dict of str to ResponseCurve
        In channel order.
    """
    missing = {"channel", "period_start", "spend", "outcome"} - set(periods.columns)
    if missing:
        raise ParamError(f"periods table lacks column(s) {', '.join(sorted(missing))}")
    curves = {}
    seeds = np.random.SeedSequence(seed).spawn(max(1, periods["channel"].nunique()))
    for (channel, part), ss in zip(periods.groupby("channel", sort=True), seeds, strict=False):
        part = part.sort_values("period_start")
        curves[str(channel)] = fit_curve(
            str(channel), part["spend"], part["outcome"], periods=part["period_start"],
            use_adstock=use_adstock, n_boot=n_boot,
            seed=int(ss.generate_state(1)[0]), **options)
    return curves


def with_current(curves: Mapping[str, ResponseCurve],
                 current: Mapping[str, float]) -> dict[str, ResponseCurve]:
    """Copies of ``curves`` whose ``current_spend`` is replaced from ``current``."""
    return {ch: replace(c, current_spend=float(current.get(ch, c.current_spend)))
            for ch, c in curves.items()}
