"""CLV ranges per account: draws of the model parameters and the account's own traits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from helpers.analysis.clv.forecast import ClvResult, discount_weights
from helpers.analysis.clv.inputs import (
    DAYS_PER_MONTH,
    METHOD_HISTORICAL,
    METHOD_MODEL,
    check_time_unit,
)
from helpers.core.errors import ParamError

#: Draws behind each CLV interval.
INTERVAL_DRAWS = 2000


def clv_intervals(result: ClvResult, summary: pd.DataFrame, account_ids: Any, *,
                  level: float = 0.9, draws: int = INTERVAL_DRAWS, factor: Any = 1.0,
                  seed: int = 0) -> pd.DataFrame:
    """Intervals of CLV for a few accounts: what the model knows about each of them.

    Every account's CLV is an expectation over what the model cannot observe: whether the
    account is still active, its buying rate ``lambda``, its dropout chance ``p`` and (with
    Gamma-Gamma) its mean order value. Each draw takes

    1. the population parameters from the approximate normal distribution of the
       maximum-likelihood log parameters (covariance from the Hessian, as behind the
       reported standard errors; a parametric bootstrap without refitting), then
    2. the account's own traits from their posterior given its history: alive with
       probability P(alive); ``lambda ~ Gamma(r + x, alpha + T)``; ``p ~ Beta(a, b + x)``;
       with Gamma-Gamma the spend scale ``nu ~ Gamma(q + p_gg x, gamma + m x)``,

    and computes the account's discounted value given those traits, month by month with
    ``E[purchases by t] = (1 - exp(-lambda p t)) / p`` (Fader, Hardie & Lee 2005). The
    mean of the draws is the point estimate; the interval holds their central ``level``,
    widened to include the point estimate should the draws be lopsided. An account with a
    short history has a wide posterior, so its interval is wider relative to its CLV; a
    P(alive) well below 1 puts the lower end at 0. With observed mean spend (no Gamma-Gamma)
    the spend per order is taken as known.

    The interval is about the account's long-run value, not the exact orders it will place
    (those vary further by chance).

    Parameters
    ----------
    result : ClvResult
        :func:`fit_clv` output.
    summary : pandas.DataFrame
        The :func:`purchase_summary` the result was fitted on.
    account_ids : sequence
        Accounts to compute intervals for.
    level : float
        Share of the draws inside the interval (0.9 gives the 5th to 95th percentile).
    draws : int
    factor : float or array-like
        Multiplies CLV per account (``margin_rate - cost_rate`` gives profit CLV).
    seed : int

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``clv`` (point), ``clv_low``, ``clv_high``, in the order of
        ``account_ids``. For the historical average (no model) the limits are missing and
        ``attrs["available"]`` is False.
    """
    if not 0 < float(level) < 1:
        raise ParamError(f"level must lie between 0 and 1, got {level!r}")
    if int(draws) < 100:
        raise ParamError(f"draws must be at least 100, got {draws!r}")
    n_draws = int(draws)
    ids = pd.Index(pd.Series(list(account_ids), dtype="object").astype(str))
    table = result.table.assign(account_id=result.table["account_id"].astype(str)).set_index("account_id")
    factor = np.broadcast_to(np.asarray(factor, dtype="float64"), (len(ids),))
    point = table["clv"].reindex(ids).to_numpy(dtype="float64") * factor
    out = pd.DataFrame({"account_id": ids, "clv": point, "clv_low": np.nan, "clv_high": np.nan})
    out.attrs.update(available=False, level=float(level), draws=0)
    bg = result.bgnbd
    if result.method == METHOD_HISTORICAL or bg is None or len(ids) == 0:
        return out
    s = summary.assign(account_id=summary["account_id"].astype(str)).set_index("account_id").reindex(ids)
    x, t_x, T = (s[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    m = s["monetary_value"].to_numpy(dtype="float64")
    known = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T) & np.isfinite(point)
    if not known.any():
        return out
    x, t_x, T, m = (np.where(known, v, 0.0) for v in (x, t_x, T, m))
    settings = result.settings
    horizon = settings.get("horizon_months", 36)
    weights = discount_weights(horizon, settings.get("monthly_discount_rate", 0.01))
    ends = np.arange(0, len(weights) + 1) * DAYS_PER_MONTH / check_time_unit(settings.get("time_unit", "week"))
    rng = np.random.default_rng(seed)

    def parameter_draws(model, k):
        est = np.log(np.array(list(model.params_.values()), dtype="float64"))
        cov = np.asarray(getattr(model, "cov_log_", np.full((k, k), np.nan)), dtype="float64")
        if not np.isfinite(cov).all():  # no standard errors: the estimates as they are
            return np.tile(np.exp(est), (n_draws, 1))
        return np.exp(rng.multivariate_normal(est, cov, size=n_draws))

    r, alpha, a, b = parameter_draws(bg, 4).T[:, :, None]  # (draws, 1) each
    n = len(ids)
    log_odds = (np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
    alive_p = np.where(x > 0, special.expit(-log_odds), 1.0)
    alive = rng.random((n_draws, n)) < alive_p
    lam = rng.gamma(r + x, 1.0 / (alpha + T))
    drop = rng.beta(np.broadcast_to(a, (n_draws, n)), b + x)
    valid = np.ones(n_draws, dtype=bool)
    gg = result.gamma_gamma if result.method == METHOD_MODEL else None
    if gg is not None:
        gp, gq, gg_scale = parameter_draws(gg, 3).T[:, :, None]
        valid = (gq[:, 0] > 1)  # no finite mean spend at q <= 1
        use = (x > 0) & (m > 0)
        xs, ms = np.where(use, x, 0.0), np.where(use, m, 0.0)
        nu = rng.gamma(gq + gp * xs, 1.0 / (gg_scale + ms * xs))
        spend = gp / nu
    else:
        spend = np.broadcast_to(table["expected_spend"].reindex(ids).to_numpy(dtype="float64"), (n_draws, n))
    # expm1 keeps (1 - exp(-lambda p t)) / p exact for the tiny dropout chances a small ``a`` draws
    rate_t = lam[:, :, None] * ends[None, None, :]
    p3 = drop[:, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        cum = np.where(p3 > 0, -np.expm1(-rate_t * p3) / p3, rate_t)
    value = (np.diff(cum, axis=2) * weights).sum(axis=2) * spend * alive * factor
    value = value[valid]
    if len(value) < 100:
        return out
    tail = (1 - float(level)) / 2
    low = np.quantile(value, tail, axis=0)
    high = np.quantile(value, 1 - tail, axis=0)
    out["clv_low"] = np.where(known, np.fmin(low, point), np.nan)
    out["clv_high"] = np.where(known, np.fmax(high, point), np.nan)
    out.attrs.update(available=True, draws=int(len(value)))
    return out


__all__ = [
    "INTERVAL_DRAWS",
    "clv_intervals",
]
