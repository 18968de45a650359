"""Probabilistic customer lifetime value: BG/NBD for repeat buying, Gamma-Gamma for spend.

The models
----------
**BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While a
customer is alive they buy at a Poisson rate ``lambda``; after every repeat purchase they
drop out with probability ``p``. Across customers ``lambda ~ Gamma(r, alpha)`` and
``p ~ Beta(a, b)``. One customer is summarised by ``frequency`` (repeat purchases ``x``),
``recency`` (time of the last purchase since the first, ``t_x``) and ``T`` (time from the
first purchase to the end of the observation period), all in one explicit ``time_unit``.

**Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013 note). The
value of each repeat order is ``Gamma(p, nu)`` around a customer mean, with
``nu ~ Gamma(q, gamma)`` across customers; the model is fitted on repeat buyers' mean order
value and assumes spend per order is independent of how often a customer buys.

Both are fitted by maximum likelihood with :func:`scipy.optimize.minimize` in log-parameter
space, with analytic gradients. Likelihoods are computed in log space (``gammaln``,
``betaln``, ``logaddexp``), so customers with hundreds of orders do not overflow. Standard
errors come from a numerical Hessian of the negative log-likelihood at the optimum (central
differences of the analytic gradient), carried to the natural scale by the delta method.
For orientation, the published CDNOW estimates (2,357 customers, weeks) are
``r = 0.243, alpha = 4.414, a = 0.793, b = 2.426`` and ``p = 6.25, q = 3.74, gamma = 15.44``.

CLV
---
Discounted CLV sums, month by month over ``horizon_months``, the expected purchases in that
month times the expected spend per order (times a margin when given), divided by
``(1 + monthly_discount_rate) ** month``. With a zero rate it is exactly the expected
purchases over the horizon times spend (times margin).

When there are too few repeat buyers to fit, or the fit is degenerate (:func:`fit_problem`:
no convergence, a parameter at the search bound or absurdly large, no finite or huge
standard errors), or the forecast is not a number, or the purchase model failed its
holdout check (:func:`holdout_failed`), :func:`fit_clv` falls back to a clearly
labelled historical-average CLV: each account's own purchase rate since its first order,
times its mean order value, discounted the same way, with no churn model. When only the
spend model fails (too few repeat buyers, or a fitted ``q <= 1``: spend so heavy-tailed
that the model's mean is undefined, common with lognormal B2B order values), BG/NBD is kept
and each account's own mean order value stands in for the Gamma-Gamma spend.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import optimize, special

from helpers.core.errors import DataError, ParamError, WorkbookError
from helpers.data.features import parse_as_of
from helpers.presentation import i18n

#: Length of each supported time unit in days.
TIME_UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
DAYS_PER_MONTH = 365.25 / 12
#: Fewest customers and repeat buyers for a model fit (below this the estimates are noise).
MIN_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 10
#: Bounds of the log parameters; they keep the optimiser out of overflow territory.
_LOG_BOUND = 12.0
_HESSIAN_STEP = 1e-4

METHOD_MODEL = "BG/NBD + Gamma-Gamma"
METHOD_OBSERVED_SPEND = "BG/NBD + observed mean spend"
METHOD_HISTORICAL = "historical average (no churn model)"


class InsufficientDataError(WorkbookError):
    """Too few customers or repeat buyers to fit a model."""


def _insufficient(key: str, **values: Any) -> InsufficientDataError:
    """An :class:`InsufficientDataError` whose reason can be said again in another language."""
    exc = InsufficientDataError(i18n.t(f"customer_value.clv.reason.{key}", "en", **values))
    exc.reason_key, exc.reason_values = key, values
    return exc


def _reason_text(exc: Exception, language: str) -> str:
    """The reason of ``exc`` in ``language`` (as raised when it has no translation)."""
    key = getattr(exc, "reason_key", None)
    if key is None:
        return str(exc)
    return i18n.t(f"customer_value.clv.reason.{key}", language, **exc.reason_values)


_METHOD_KEYS = {METHOD_MODEL: "model", METHOD_OBSERVED_SPEND: "observed_spend",
                METHOD_HISTORICAL: "historical"}


def method_label(method: str, language: str = "en") -> str:
    """A CLV method name (:data:`METHOD_MODEL` and friends) in the report language."""
    key = _METHOD_KEYS.get(method)
    return i18n.t(f"customer_value.method.{key}", language) if key else str(method)


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    # Plain multiply-and-sum: BLAS dot spins up threads and crawls on a busy machine.
    return float((u * v).sum())


# --------------------------------------------------------------------------- parameters


def check_time_unit(time_unit: str) -> float:
    """Return the length of ``time_unit`` in days.

    Parameters
    ----------
    time_unit : {"day", "week", "month"}

    Returns
    -------
    float
    """
    try:
        return TIME_UNITS[time_unit]
    except (KeyError, TypeError):
        raise ParamError(
            f"time_unit={time_unit!r} is not supported; use one of {', '.join(TIME_UNITS)}"
        ) from None


def _check_horizon(horizon_months: Any, monthly_discount_rate: Any) -> tuple[int, float]:
    if isinstance(horizon_months, bool) or not isinstance(horizon_months, (int, np.integer)) \
            or not 1 <= horizon_months <= 240:
        raise ParamError(f"horizon_months must be a whole number of months from 1 to 240, "
                         f"got {horizon_months!r}")
    rate = float(monthly_discount_rate)
    if not 0 <= rate < 1:
        raise ParamError(f"monthly_discount_rate must be at least 0 and below 1 (0.01 means 1% "
                         f"a month), got {monthly_discount_rate!r}")
    return int(horizon_months), rate


def _as_arrays(*columns: Any) -> list[np.ndarray]:
    return [np.asarray(c, dtype="float64") for c in columns]


def _check_rft(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = _as_arrays(frequency, recency, T)
    if not (x.shape == t_x.shape == T.shape):
        raise DataError("frequency, recency and T must have the same length")
    bad = ~np.isfinite(x) | ~np.isfinite(t_x) | ~np.isfinite(T)
    bad |= (x < 0) | (x != np.round(x)) | (t_x < 0) | (t_x > T + 1e-9) | (T < 0)
    bad |= (x == 0) & (t_x > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{int(bad.sum())} customer summaries are inconsistent (need whole frequency >= 0, "
            f"0 <= recency <= T, recency 0 when frequency is 0); the first is frequency="
            f"{x[i]}, recency={t_x[i]}, T={T[i]}"
        )
    return x, t_x, T


# --------------------------------------------------------------------------- data summary


def purchase_summary(ws: Any, as_of: Any, *, time_unit: str = "week",
                     calibration_end: Any = None) -> pd.DataFrame:
    """Summarise each buying account for the BG/NBD and Gamma-Gamma models, in the engine.

    A purchase is a distinct order date with at least one order (``amount >= 0``); several
    orders on one day count as one purchase of their summed value. Credit notes are left
    out, so spend is gross order value.

    Parameters
    ----------
    ws : workspace
        Anything with ``table(name)`` returning Ibis tables with contract columns.
    as_of : date-like
        End of the data; later orders are ignored.
    time_unit : {"day", "week", "month"}, default "week"
        Unit of ``recency``, ``T`` and ``holdout_duration``.
    calibration_end : date-like, optional
        When given, the model columns describe orders up to this date only and the
        ``holdout_*`` columns count what happened after it, up to ``as_of``.

    Returns
    -------
    pandas.DataFrame
        One row per account with a purchase by the end of the (calibration) period, sorted
        by ``account_id``: ``first_purchase``, ``last_purchase``, ``purchases``,
        ``frequency`` (repeat purchases), ``recency`` (last minus first purchase),
        ``T`` (end minus first purchase), ``monetary_value`` (mean value of the repeat
        purchases, NaN without any), ``spend_total``, ``mean_order_value``; with a
        calibration end also ``holdout_purchases``, ``holdout_spend`` and
        ``holdout_duration``.
    """
    unit = check_time_unit(time_unit)
    as_of = parse_as_of(as_of)
    end = as_of if calibration_end is None else parse_as_of(calibration_end)
    if end > as_of:
        raise ParamError(f"calibration end {end} lies after as_of {as_of}")
    o = ws.table("orders")
    o = o.filter((o.amount >= 0) & (o.order_date <= as_of) & o.account_id.notnull()
                 & o.order_date.notnull())
    days = o.group_by(["account_id", "order_date"]).aggregate(day_amount=o.amount.sum())
    cal = days.filter(days.order_date <= end)
    cal = cal.mutate(_first=cal.order_date.min().over(group_by=cal.account_id))
    agg = cal.group_by(cal.account_id).aggregate(
        first_purchase=cal.order_date.min(),
        last_purchase=cal.order_date.max(),
        purchases=cal.count(),
        spend_total=cal.day_amount.sum(),
        first_spend=cal.day_amount.sum(where=cal.order_date == cal._first),
    )
    if calibration_end is not None:
        hold = days.filter(days.order_date > end)
        hold = hold.group_by(hold.account_id.name("_hid")).aggregate(
            holdout_purchases=hold.count(), holdout_spend=hold.day_amount.sum())
        agg = agg.left_join(hold, agg.account_id == hold._hid).drop("_hid")
    frame = agg.to_pandas()

    first = pd.to_datetime(frame["first_purchase"])
    last = pd.to_datetime(frame["last_purchase"])
    end_ts = pd.Timestamp(end)
    out = pd.DataFrame({
        "account_id": frame["account_id"].astype("str"),
        "first_purchase": first.astype("datetime64[ns]"),
        "last_purchase": last.astype("datetime64[ns]"),
        "purchases": frame["purchases"].astype("int64"),
    })
    out["frequency"] = out["purchases"] - 1
    out["recency"] = (last - first).dt.days.to_numpy(dtype="float64") / unit
    out["T"] = (end_ts - first).dt.days.to_numpy(dtype="float64") / unit
    spend = frame["spend_total"].astype("float64")
    repeat_spend = spend - frame["first_spend"].astype("float64")
    out["monetary_value"] = (repeat_spend / out["frequency"]).where(out["frequency"] > 0)
    out["spend_total"] = spend
    out["mean_order_value"] = spend / out["purchases"]
    if calibration_end is not None:
        out["holdout_purchases"] = frame["holdout_purchases"].fillna(0).astype("int64")
        out["holdout_spend"] = frame["holdout_spend"].fillna(0.0).astype("float64")
        out["holdout_duration"] = (pd.Timestamp(as_of) - end_ts).days / unit
    return out.sort_values("account_id", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- likelihoods


class _BGData:
    """Customer summaries prepared once for repeated likelihood evaluations.

    With ``d = log(a / (b+x-1)) + (r+x) (log(alpha+T) - log(alpha+t_x))`` (the log odds of
    having dropped out), ``log L = gammaln(r+x) - gammaln(r) + r log(alpha) + betaln(a, b+x)
    - betaln(a, b) - (r+x) log(alpha+T) + softplus(d)`` for repeat buyers, and the same
    without ``softplus(d)`` for the others. Functions of ``x`` alone are evaluated once per
    distinct ``x``; only logs of times and the softplus run per customer.
    """

    def __init__(self, x, t_x, T, weights=None):
        self.x, self.t_x, self.T = x, t_x, T
        self.w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
        self.ux, inv = np.unique(x, return_inverse=True)
        self.wx = np.bincount(inv, weights=self.w, minlength=len(self.ux))
        self.W = float(self.w.sum())
        rep = x > 0
        self.rep = rep
        self.x_r, self.tx_r, self.T_r, self.w_r = x[rep], t_x[rep], T[rep], self.w[rep]
        self.inv_r = inv[rep]

    def log_odds(self, r, alpha, a, b):
        """Per repeat buyer: ``d`` and the pieces the gradient needs."""
        log_aT = np.log(alpha + self.T_r)
        log_atx = np.log(alpha + self.tx_r)
        log_bx1 = np.log(np.maximum(b + self.ux - 1, 1e-300))
        d = np.log(a) - log_bx1[self.inv_r] + (r + self.x_r) * (log_aT - log_atx)
        return d, log_aT, log_atx

    def loglik_and_grad(self, r, alpha, a, b, *, grad=True):
        ux, wx, W = self.ux, self.wx, self.W
        log_aT_all = np.log(alpha + self.T)
        x_part = (special.gammaln(r + ux) + special.betaln(a, b + ux))
        ll_common = (_dot(wx, x_part) + W * (-special.gammaln(r) + r * np.log(alpha)
                                                - special.betaln(a, b))
                     - _dot(self.w * (r + self.x), log_aT_all))
        d, log_aT, log_atx = self.log_odds(r, alpha, a, b)
        e = np.exp(-np.abs(d))
        softplus = np.maximum(d, 0) + np.log1p(e)
        ll = float(ll_common + _dot(self.w_r, softplus))
        if not grad:
            ll_i = (x_part[np.searchsorted(ux, self.x)] - special.gammaln(r) + r * np.log(alpha)
                    - special.betaln(a, b) - (r + self.x) * log_aT_all)
            ll_i[self.rep] += softplus
            return ll, ll_i
        # Posterior weight of "dropped out after the last purchase".
        s = np.where(d >= 0, 1 / (1 + e), e / (1 + e))
        ws = self.w_r * s
        rx_r = r + self.x_r
        d_r = (_dot(wx, special.digamma(r + ux)) - W * special.digamma(r) + W * np.log(alpha)
               - _dot(self.w, log_aT_all) - _dot(ws, log_atx - log_aT))
        d_alpha = (W * r / alpha - _dot(self.w * (r + self.x), 1 / (alpha + self.T))
                   - _dot(ws * rx_r, 1 / (alpha + self.tx_r) - 1 / (alpha + self.T_r)))
        psi_abx = special.digamma(a + b + ux)
        d_a = W * special.digamma(a + b) - _dot(wx, psi_abx) + ws.sum() / a
        with np.errstate(divide="ignore"):
            inv_bx1 = np.where(ux > 0, 1.0 / np.maximum(b + ux - 1, 1e-300), 0.0)
        d_b = (W * (special.digamma(a + b) - special.digamma(b))
               + _dot(wx, special.digamma(b + ux) - psi_abx) - _dot(ws, inv_bx1[self.inv_r]))
        return ll, np.array([d_r, d_alpha, d_a, d_b])


def _compress(x, t_x, T, weights=None):
    """Collapse identical ``(x, t_x, T)`` rows into one weighted row.

    Order dates are days, so many customers share a summary; the likelihood then runs on
    the distinct rows only.
    """
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    order = np.lexsort((T, t_x, x))
    xs, ts, Ts = x[order], t_x[order], T[order]
    new = np.ones(len(xs), dtype=bool)
    new[1:] = (xs[1:] != xs[:-1]) | (ts[1:] != ts[:-1]) | (Ts[1:] != Ts[:-1])
    group = np.cumsum(new) - 1
    counts = np.bincount(group, weights=w[order])
    return xs[new], ts[new], Ts[new], counts


def bgnbd_loglik(params: Any, frequency, recency, T) -> np.ndarray:
    """BG/NBD log-likelihood of each customer.

    Parameters
    ----------
    params : sequence of float or dict
        ``(r, alpha, a, b)`` or ``{"r": ..., "alpha": ..., "a": ..., "b": ...}``.
    frequency, recency, T : array-like
        Repeat purchases ``x``, time of the last purchase ``t_x`` and observation time ``T``
        (same time unit).

    Returns
    -------
    numpy.ndarray
        ``log L_i`` per customer (FHL 2005, equation 6, evaluated in log space).
    """
    r, alpha, a, b = _bg_tuple(params)
    data = _BGData(*_check_rft(frequency, recency, T))
    return data.loglik_and_grad(r, alpha, a, b, grad=False)[1]


def gamma_gamma_loglik(params: Any, frequency, monetary_value) -> np.ndarray:
    """Gamma-Gamma log-likelihood of each repeat buyer's mean order value.

    Parameters
    ----------
    params : sequence of float or dict
        ``(p, q, gamma)`` or ``{"p": ..., "q": ..., "gamma": ...}``.
    frequency : array-like
        Repeat purchases ``x`` (at least 1).
    monetary_value : array-like
        Mean value of the repeat purchases (positive).

    Returns
    -------
    numpy.ndarray
        Log density of the observed mean ``m`` given ``x``.
    """
    p, q, g = _gg_tuple(params)
    data = _GGData(*_check_gg(frequency, monetary_value))
    return data.loglik_and_grad(p, q, g, grad=False)[1]


class _GGData:
    def __init__(self, x, m, weights=None):
        self.x, self.m = x, m
        self.w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
        self.ux, self.inv = np.unique(x, return_inverse=True)
        self.wx = np.bincount(self.inv, weights=self.w, minlength=len(self.ux))
        self.log_m = np.log(m)
        self.log_x = np.log(x)

    def loglik_and_grad(self, p, q, g, *, grad=True):
        x, m, w, ux, inv = self.x, self.m, self.w, self.ux, self.inv
        px = p * x
        log_gmx = np.log(g + m * x)
        ll_i = (special.gammaln(p * ux + q)[inv] - special.gammaln(p * ux)[inv]
                - special.gammaln(q) + q * np.log(g) + (px - 1) * self.log_m
                + px * self.log_x - (px + q) * log_gmx)
        ll = float(_dot(w, ll_i))
        if not grad:
            return ll, ll_i
        psi_pxq = special.digamma(p * ux + q)
        psi_px = special.digamma(p * ux)
        d_p = (_dot(self.wx * ux, psi_pxq - psi_px)
               + _dot(w * x, self.log_m + self.log_x - log_gmx))
        d_q = (_dot(self.wx, psi_pxq) - self.wx.sum() * special.digamma(q)
               + self.wx.sum() * np.log(g) - _dot(w, log_gmx))
        d_g = self.wx.sum() * q / g - _dot(w, (px + q) / (g + m * x))
        return ll, np.array([d_p, d_q, d_g])


def _check_gg(frequency, monetary_value) -> tuple[np.ndarray, np.ndarray]:
    x, m = _as_arrays(frequency, monetary_value)
    if x.shape != m.shape:
        raise DataError("frequency and monetary_value must have the same length")
    bad = ~np.isfinite(x) | ~np.isfinite(m) | (x < 1) | (m <= 0)
    if bad.any():
        raise DataError(f"Gamma-Gamma needs repeat buyers (frequency >= 1) with a positive mean "
                        f"order value; {int(bad.sum())} rows are not")
    return x, m


def _bg_tuple(params) -> tuple[float, float, float, float]:
    if isinstance(params, dict):
        params = [params[k] for k in ("r", "alpha", "a", "b")]
    r, alpha, a, b = (float(v) for v in params)
    return r, alpha, a, b


def _gg_tuple(params) -> tuple[float, float, float]:
    if isinstance(params, dict):
        params = [params[k] for k in ("p", "q", "gamma")]
    p, q, g = (float(v) for v in params)
    return p, q, g


# --------------------------------------------------------------------------- fitting


def numerical_hessian(grad, theta: np.ndarray, step: float = _HESSIAN_STEP) -> np.ndarray:
    """Hessian by central differences of an analytic gradient, symmetrised.

    Parameters
    ----------
    grad : callable
        ``grad(theta) -> ndarray`` of the function whose Hessian is wanted.
    theta : numpy.ndarray
        Point of evaluation.
    step : float
        Difference step (in the units of ``theta``; log parameters here).

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` matrix.
    """
    theta = np.asarray(theta, dtype="float64")
    k = len(theta)
    hess = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = step
        hess[:, j] = (grad(theta + e) - grad(theta - e)) / (2 * step)
    return (hess + hess.T) / 2


@cache
def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return None
    return ThreadpoolController()


def _single_thread_blas():
    # The optimiser works on 3-4 numbers; multi-threaded BLAS only adds thread start-up and,
    # on a busy machine, stalls of milliseconds per iteration.
    ctl = _blas_controller()
    return ctl.limit(limits=1, user_api="blas") if ctl is not None else contextlib.nullcontext()


def _fit_log_params(nll_grad, start: np.ndarray) -> tuple[np.ndarray, Any]:
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(start)
    with _single_thread_blas():
        res = optimize.minimize(nll_grad, start, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-8})
    return res.x, res


def _standard_errors(nll_grad, log_theta: np.ndarray, names: tuple[str, ...],
                     shift: np.ndarray) -> tuple[dict, np.ndarray]:
    """Hessian of the NLL in log space -> covariance of log params -> delta-method SEs.

    ``shift`` undoes the data scaling (log alpha or log gamma moves by a constant, which
    leaves the Hessian in log space unchanged).
    """
    with _single_thread_blas():
        hess = numerical_hessian(lambda v: nll_grad(v)[1], log_theta)
        try:
            cov = np.linalg.inv(hess)
            ok = np.all(np.linalg.eigvalsh(hess) > 0)
        except np.linalg.LinAlgError:
            cov, ok = np.full_like(hess, np.nan), False
    if not ok:
        cov = np.full_like(hess, np.nan)
    theta = np.exp(log_theta + shift)
    se = theta * np.sqrt(np.clip(np.diag(cov), 0, None))
    return dict(zip(names, se, strict=True)), cov


def _summary_frame(params: dict, se: dict, cov: np.ndarray) -> pd.DataFrame:
    names = list(params)
    est = np.array([params[n] for n in names])
    se_log = np.sqrt(np.clip(np.diag(cov), 0, None))
    return pd.DataFrame({
        "parameter": names,
        "estimate": est,
        "std_error": [se[n] for n in names],
        # Intervals on the log scale keep them positive, like the parameters.
        "ci_low": est * np.exp(-1.96 * se_log),
        "ci_high": est * np.exp(1.96 * se_log),
    })


#: Above this standard error of a log parameter (a 95% interval wider than a factor of
#: e**20 either way) the data does not pin the parameter down: the fit is degenerate.
MAX_LOG_STD_ERROR = 10.0
#: Above this a shape parameter (``r``, ``a``, ``b``, ``p``, ``q``: no unit) is absurd:
#: published fits lie between 0.05 and 20; ``a = 43,623`` means the optimiser ran off.
MAX_SHAPE = 1e4
_SHAPES = ("r", "a", "b", "p", "q")
#: Above this absolute holdout error (forecast against actual orders, as a share of actual)
#: the purchase model fails its check and is not used as a forecast.
MAX_HOLDOUT_ERROR = 0.5


def fit_problem(model: Any) -> str | None:
    """Why a fitted model cannot be trusted, or ``None`` when it can.

    A fit is degenerate when the optimiser did not converge, a parameter is not finite or
    ran into the bound of the search (the likelihood keeps improving toward 0 or
    infinity), a shape parameter is absurdly large (above :data:`MAX_SHAPE`), or the
    likelihood is flat around the optimum (no finite standard errors, or a standard error
    of a log parameter above :data:`MAX_LOG_STD_ERROR`).

    Parameters
    ----------
    model : BetaGeoModel or GammaGammaModel
        A fitted model.

    Returns
    -------
    {"converge", "parameters", "bound", "absurd", "flat"} or None
    """
    if not getattr(model, "converged_", False):
        return "converge"
    theta = np.array(list(model.params_.values()), dtype="float64")
    if not np.isfinite(theta).all() or (theta <= 0).any():
        return "parameters"
    log_theta = getattr(model, "log_theta_", None)
    if log_theta is not None and (np.abs(log_theta) >= _LOG_BOUND - 1e-3).any():
        return "bound"
    if any(float(v) > MAX_SHAPE for k, v in model.params_.items() if k in _SHAPES):
        return "absurd"
    cov = getattr(model, "cov_log_", None)
    if cov is not None:
        var = np.diag(np.asarray(cov, dtype="float64"))
        if not np.isfinite(var).all() or (np.sqrt(np.clip(var, 0, None)) > MAX_LOG_STD_ERROR).any():
            return "flat"
    return None


class BetaGeoModel:
    """BG/NBD model of repeat buying, fitted by maximum likelihood.

    Parameters
    ----------
    min_customers, min_repeat_buyers : int
        Fewest customers and customers with a repeat purchase needed to fit; fewer raises
        :class:`InsufficientDataError` with a readable message.

    Attributes
    ----------
    params_ : dict
        ``r``, ``alpha`` (in the data's time unit), ``a``, ``b``.
    se_ : dict
        Standard errors (Hessian of the NLL in log space, delta method).
    loglik_ : float
        Maximised log-likelihood.
    n_customers_, n_repeat_buyers_ : int
    converged_ : bool
    """

    names = ("r", "alpha", "a", "b")

    def __init__(self, *, min_customers: int = MIN_CUSTOMERS,
                 min_repeat_buyers: int = MIN_REPEAT_BUYERS):
        self.min_customers = min_customers
        self.min_repeat_buyers = min_repeat_buyers

    def fit(self, frequency, recency, T, weights=None) -> BetaGeoModel:
        """Fit to customer summaries (see :func:`purchase_summary`).

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last purchase and observation time.
        weights : array-like, optional
            How many customers each row stands for.

        Returns
        -------
        BetaGeoModel
            ``self``.
        """
        x, t_x, T = _check_rft(frequency, recency, T)
        n, n_rep = len(x), int((x > 0).sum())
        if n < self.min_customers or n_rep < self.min_repeat_buyers:
            raise _insufficient("bgnbd_min", min_customers=self.min_customers,
                                min_repeat=self.min_repeat_buyers, customers=n, repeat=n_rep)
        # Rescale time so alpha starts near 1; log alpha shifts by a constant.
        scale = 10.0 / max(float(T.max()), 1e-9)
        cx, ct_x, cT, cw = _compress(x, t_x, T, weights)
        data = _BGData(cx, ct_x * scale, cT * scale, cw)

        def nll_grad(v):
            th = np.exp(v)
            ll, g = data.loglik_and_grad(*th)
            return -ll, -g * th

        log_theta, res = _fit_log_params(nll_grad, np.zeros(4))
        shift = np.array([0.0, -np.log(scale), 0.0, 0.0])
        theta = np.exp(log_theta + shift)
        self.params_ = dict(zip(self.names, theta, strict=True))
        self.log_theta_ = log_theta  # on the scaled data, where the search bounds apply
        self.se_, self.cov_log_ = _standard_errors(nll_grad, log_theta, self.names, shift)
        self.loglik_ = float(-res.fun + _dot(data.w, data.x) * np.log(scale))
        self.n_customers_, self.n_repeat_buyers_ = n, n_rep
        self.converged_ = bool(res.success)
        self.message_ = str(res.message)
        return self

    @classmethod
    def from_params(cls, r: float, alpha: float, a: float, b: float) -> BetaGeoModel:
        """A model with given parameters (published estimates, or a simulation's truth).

        Returns
        -------
        BetaGeoModel
        """
        model = cls()
        model.params_ = {"r": float(r), "alpha": float(alpha), "a": float(a), "b": float(b)}
        model.se_ = dict.fromkeys(cls.names, float("nan"))
        model.cov_log_ = np.full((4, 4), np.nan)
        model.converged_ = True
        return model

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals."""
        return _summary_frame(self.params_, self.se_, self.cov_log_)

    def _theta(self):
        if not hasattr(self, "params_"):
            raise WorkbookError("the BG/NBD model is not fitted yet; call fit() first")
        return _bg_tuple(self.params_)

    def p_alive(self, frequency, recency, T) -> np.ndarray:
        """Probability that each customer is still active at ``T`` (FHL 2008 note, eq. 2).

        Returns
        -------
        numpy.ndarray
        """
        r, alpha, a, b = self._theta()
        x, t_x, T = _check_rft(frequency, recency, T)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = (np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                        + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
        return np.where(x > 0, special.expit(-log_odds), 1.0)

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Expected purchases in the next ``t`` time units for each customer (FHL 2005, eq. 10).

        Parameters
        ----------
        t : float or array-like
            Horizon in the model's time unit; an array of length k gives an ``(n, k)``
            result of cumulative expectations.
        frequency, recency, T : array-like

        Returns
        -------
        numpy.ndarray
        """
        r, alpha, a, b = self._theta()
        x, t_x, T = _check_rft(frequency, recency, T)
        t_arr = np.atleast_1d(np.asarray(t, dtype="float64"))
        if (t_arr < 0).any():
            raise ParamError("a horizon cannot be negative")
        alive = self.p_alive(x, t_x, T)
        # The horizon term depends on (x, T) only; real data repeats these pairs a lot.
        keys, inv = np.unique(T + 1j * x, return_inverse=True)
        ux, uT = keys.imag, keys.real
        cum = _bg_cumulative(r, alpha, a, b, ux[:, None], uT[:, None], t_arr[None, :])
        out = cum[inv] * alive[:, None]
        return out[:, 0] if np.ndim(t) == 0 else out

    def expected_purchases_new(self, t) -> np.ndarray:
        """Expected purchases of a new customer in ``(0, t]`` (FHL 2005, eq. 9).

        Returns
        -------
        numpy.ndarray
        """
        r, alpha, a, b = self._theta()
        t = np.asarray(t, dtype="float64")
        return _bg_cumulative(r, alpha, a, b, np.zeros_like(t), np.zeros_like(t), t)


def _bg_cumulative(r, alpha, a, b, x, T, t) -> np.ndarray:
    """``(a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))**(r+x) * 2F1(...)]``.

    Uses Euler's transformation, ``(1-z)**(r+x) 2F1(r+x, b+x; c; z) = (1-z)**(a-1)
    2F1(a+b-1-r, a-1; c; z)`` with ``c = a+b+x-1``, whose parameters stay small for
    frequent buyers, so the series neither overflows nor loses precision.
    """
    if abs(a - 1) < 1e-7:  # removable singularity at a = 1
        a = 1 + 1e-7
    z = t / (alpha + T + t)
    c = a + b + x - 1
    tail = (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, c, z)
    return c / (a - 1) * (1 - tail)


class GammaGammaModel:
    """Gamma-Gamma model of spend per order, fitted on repeat buyers.

    Attributes
    ----------
    params_ : dict
        ``p``, ``q``, ``gamma`` (``gamma`` in currency).
    se_ : dict
    loglik_ : float
    n_customers_ : int
    converged_ : bool
    frequency_spend_correlation_ : float
        Pearson correlation of frequency and mean order value; the model assumes it is
        near zero.
    """

    names = ("p", "q", "gamma")

    def __init__(self, *, min_repeat_buyers: int = MIN_REPEAT_BUYERS):
        self.min_repeat_buyers = min_repeat_buyers

    def fit(self, frequency, monetary_value, weights=None) -> GammaGammaModel:
        """Fit to repeat buyers' frequency and mean repeat order value.

        Returns
        -------
        GammaGammaModel
            ``self``.
        """
        x, m = _check_gg(frequency, monetary_value)
        if len(x) < self.min_repeat_buyers:
            raise _insufficient("gg_min", min_repeat=self.min_repeat_buyers, repeat=len(x))
        scale = 1.0 / float(np.median(m))
        data = _GGData(x, m * scale, weights)

        def nll_grad(v):
            th = np.exp(v)
            ll, g = data.loglik_and_grad(*th)
            return -ll, -g * th

        log_theta, res = _fit_log_params(nll_grad, np.array([0.0, np.log(2.0), 0.0]))
        shift = np.array([0.0, 0.0, -np.log(scale)])
        theta = np.exp(log_theta + shift)
        self.params_ = dict(zip(self.names, theta, strict=True))
        self.log_theta_ = log_theta  # on the scaled data, where the search bounds apply
        self.se_, self.cov_log_ = _standard_errors(nll_grad, log_theta, self.names, shift)
        self.loglik_ = float(-res.fun + np.sum(data.w) * np.log(scale))
        self.n_customers_ = len(x)
        self.converged_ = bool(res.success)
        self.message_ = str(res.message)
        self.frequency_spend_correlation_ = (float(np.corrcoef(x, m)[0, 1])
                                             if len(x) > 2 and np.std(x) > 0 else float("nan"))
        return self

    @classmethod
    def from_params(cls, p: float, q: float, gamma: float) -> GammaGammaModel:
        """A model with given parameters.

        Returns
        -------
        GammaGammaModel
        """
        model = cls()
        model.params_ = {"p": float(p), "q": float(q), "gamma": float(gamma)}
        model.se_ = dict.fromkeys(cls.names, float("nan"))
        model.cov_log_ = np.full((3, 3), np.nan)
        model.converged_ = True
        return model

    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals."""
        return _summary_frame(self.params_, self.se_, self.cov_log_)

    def expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """Expected value of a future order per customer: ``p (gamma + x m) / (p x + q - 1)``.

        Customers without repeat purchases (frequency 0 or missing value) get the
        population mean ``p gamma / (q - 1)``.

        Returns
        -------
        numpy.ndarray
        """
        if not hasattr(self, "params_"):
            raise WorkbookError("the Gamma-Gamma model is not fitted yet; call fit() first")
        p, q, g = _gg_tuple(self.params_)
        if q <= 1:
            raise _insufficient("gg_q", q=f"{q:.2f}")
        x, m = _as_arrays(frequency, monetary_value)
        use = (x > 0) & np.isfinite(m) & (m > 0)
        x, m = np.where(use, x, 0.0), np.where(use, m, 0.0)
        return p * (g + x * m) / (p * x + q - 1)


# --------------------------------------------------------------------------- CLV


def discount_weights(horizon_months: int, monthly_discount_rate: float) -> np.ndarray:
    """``1 / (1 + d) ** m`` for months ``m = 1 .. horizon_months``.

    Returns
    -------
    numpy.ndarray
    """
    horizon, rate = _check_horizon(horizon_months, monthly_discount_rate)
    return 1.0 / (1.0 + rate) ** np.arange(1, horizon + 1)


def monthly_expected_purchases(model: BetaGeoModel, frequency, recency, T, *,
                               horizon_months: int, time_unit: str) -> np.ndarray:
    """Expected purchases in each future month, shape ``(n, horizon_months)``.

    Returns
    -------
    numpy.ndarray
    """
    unit = check_time_unit(time_unit)
    horizon, _ = _check_horizon(horizon_months, 0.0)
    months = np.arange(0, horizon + 1) * DAYS_PER_MONTH / unit
    cum = model.expected_purchases(months, frequency, recency, T)
    return np.diff(cum, axis=1)


def discounted_clv(model: BetaGeoModel, frequency, recency, T, spend, *,
                   horizon_months: int, monthly_discount_rate: float, time_unit: str,
                   margin=1.0) -> np.ndarray:
    """Discounted CLV: monthly expected purchases x spend x margin, discounted monthly.

    Parameters
    ----------
    model : BetaGeoModel
        Fitted purchase model.
    frequency, recency, T : array-like
        Customer summaries in ``time_unit``.
    spend : array-like
        Expected value per order (e.g. :meth:`GammaGammaModel.expected_spend`).
    horizon_months : int
        Months ahead to sum over.
    monthly_discount_rate : float
        0.01 discounts each month by 1%; 0 gives the plain sum.
    time_unit : str
        Time unit of the summaries.
    margin : float or array-like, default 1.0
        Share of spend kept (gross margin rate); 1 gives revenue CLV.

    Returns
    -------
    numpy.ndarray
    """
    weights = discount_weights(horizon_months, monthly_discount_rate)
    monthly = monthly_expected_purchases(model, frequency, recency, T,
                                         horizon_months=horizon_months, time_unit=time_unit)
    return (monthly * weights).sum(axis=1) * np.asarray(spend, dtype="float64") * np.asarray(margin)


@dataclass
class ClvResult:
    """Per-account CLV scores and the models behind them.

    Attributes
    ----------
    table : pandas.DataFrame
        ``account_id``, ``p_alive``, ``expected_purchases``, ``expected_spend``, ``clv``
        (discounted expected revenue over the horizon), ``clv_method``.
    method : str
        :data:`METHOD_MODEL`, :data:`METHOD_OBSERVED_SPEND` or :data:`METHOD_HISTORICAL`.
    message : str
        Why a fallback was used; empty for the full model.
    bgnbd, gamma_gamma : fitted models or None
    settings : dict
        ``time_unit``, ``horizon_months``, ``monthly_discount_rate``.
    """

    table: pd.DataFrame
    method: str
    message: str = ""
    bgnbd: BetaGeoModel | None = None
    gamma_gamma: GammaGammaModel | None = None
    settings: dict = field(default_factory=dict)

    @property
    def parameters(self) -> pd.DataFrame:
        """Both models' estimates with standard errors (empty for the fallback)."""
        parts = []
        for label, model in (("BG/NBD", self.bgnbd), ("Gamma-Gamma", self.gamma_gamma)):
            if model is not None:
                parts.append(model.summary().assign(model=label))
        if not parts:
            return pd.DataFrame(columns=["model", "parameter", "estimate", "std_error",
                                         "ci_low", "ci_high"])
        frame = pd.concat(parts, ignore_index=True)
        return frame[["model", "parameter", "estimate", "std_error", "ci_low", "ci_high"]]


def historical_clv(summary: pd.DataFrame, *, horizon_months: int, monthly_discount_rate: float,
                   time_unit: str) -> pd.DataFrame:
    """Historical-average CLV: own purchase rate x mean order value, discounted; no churn.

    The monthly purchase rate is purchases divided by the months since the first purchase
    (at least one month).

    Returns
    -------
    pandas.DataFrame
        Same columns as :attr:`ClvResult.table`; ``p_alive`` is missing.
    """
    unit = check_time_unit(time_unit)
    weights = discount_weights(horizon_months, monthly_discount_rate)
    months_seen = np.maximum(summary["T"].to_numpy(dtype="float64") * unit / DAYS_PER_MONTH, 1.0)
    rate = summary["purchases"].to_numpy(dtype="float64") / months_seen
    spend = summary["mean_order_value"].to_numpy(dtype="float64")
    return pd.DataFrame({
        "account_id": summary["account_id"].to_numpy(),
        "p_alive": np.nan,
        "expected_purchases": rate * len(weights),
        "expected_spend": spend,
        "clv": rate * spend * weights.sum(),
        "clv_method": METHOD_HISTORICAL,
    })


def gg_q_lower_bound(model: GammaGammaModel) -> float:
    """Lower end of the 95% interval of the Gamma-Gamma ``q`` (log scale, as reported).

    The model's mean spend ``p gamma / (q - 1)`` exists only for ``q > 1``; when the
    interval reaches down to 1 the data cannot tell a finite mean from an infinite one,
    and :func:`fit_clv` uses each account's own mean order value instead.

    Returns
    -------
    float
        NaN when the standard error is unknown.
    """
    q = float(model.params_["q"])
    var = float(np.asarray(model.cov_log_, dtype="float64")[1, 1])
    return q * float(np.exp(-1.96 * np.sqrt(var))) if np.isfinite(var) and var >= 0 else float("nan")


def historical_result(summary: pd.DataFrame, reason: str = "", *, time_unit: str = "week",
                      horizon_months: int = 36, monthly_discount_rate: float = 0.01) -> ClvResult:
    """The labelled historical-average CLV (:func:`historical_clv`) as a :class:`ClvResult`.

    Used when the data cannot support the purchase model (too few repeat buyers, too short
    a history, or a degenerate fit).

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`purchase_summary`.
    reason : str
        Why the model is not used, shown with the result.
    time_unit, horizon_months, monthly_discount_rate
        As in :func:`fit_clv`.

    Returns
    -------
    ClvResult
        ``method`` is :data:`METHOD_HISTORICAL`; no fitted models.
    """
    check_time_unit(time_unit)
    _check_horizon(horizon_months, monthly_discount_rate)
    settings = {"time_unit": time_unit, "horizon_months": int(horizon_months),
                "monthly_discount_rate": float(monthly_discount_rate)}
    table = historical_clv(summary, horizon_months=horizon_months,
                           monthly_discount_rate=monthly_discount_rate, time_unit=time_unit)
    return ClvResult(table, METHOD_HISTORICAL, reason, settings=settings)


def fit_clv(summary: pd.DataFrame, *, time_unit: str = "week", horizon_months: int = 36,
            monthly_discount_rate: float = 0.01, min_customers: int = MIN_CUSTOMERS,
            min_repeat_buyers: int = MIN_REPEAT_BUYERS, holdout: HoldoutCheck | None = None,
            max_holdout_error: float = MAX_HOLDOUT_ERROR, language: str = "en") -> ClvResult:
    """Fit BG/NBD and Gamma-Gamma and score every account, or fall back with a message.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`purchase_summary` (same ``time_unit``).
    time_unit : str
        Unit of ``recency`` and ``T`` in ``summary``.
    horizon_months : int
        CLV horizon.
    monthly_discount_rate : float
        Monthly discount rate.
    min_customers, min_repeat_buyers : int
        Below these the historical-average CLV is used instead of the models.
    holdout : HoldoutCheck, optional
        The holdout check of the same data (:func:`holdout_check`), where the history
        allows one. When it ran and missed the holdout orders by more than
        ``max_holdout_error`` (as a share of them), the model fails its check and the
        historical average is used.
    max_holdout_error : float
        See :data:`MAX_HOLDOUT_ERROR`.
    language : {"en", "zh"}
        Language of the fallback message.

    Returns
    -------
    ClvResult
        Degenerate fits (:func:`fit_problem`), non-finite forecasts and a failed holdout
        check give the labelled historical average (:func:`historical_result`); a
        forecast that is not a number is never read as zero.
    """
    check_time_unit(time_unit)
    _check_horizon(horizon_months, monthly_discount_rate)
    settings = {"time_unit": time_unit, "horizon_months": int(horizon_months),
                "monthly_discount_rate": float(monthly_discount_rate)}
    x = summary["frequency"].to_numpy(dtype="float64")
    t_x = summary["recency"].to_numpy(dtype="float64")
    T = summary["T"].to_numpy(dtype="float64")
    m = summary["monetary_value"].to_numpy(dtype="float64")

    def fallback(reason: str) -> ClvResult:
        return historical_result(summary, reason, time_unit=time_unit,
                                 horizon_months=horizon_months,
                                 monthly_discount_rate=monthly_discount_rate)

    try:
        bg = BetaGeoModel(min_customers=min_customers,
                          min_repeat_buyers=min_repeat_buyers).fit(x, t_x, T)
    except InsufficientDataError as exc:
        return fallback(i18n.t("customer_value.clv.fallback_few", language,
                               reason=_reason_text(exc, language)))
    if not bg.converged_:
        return fallback(i18n.t("customer_value.clv.fallback_converge", language))
    if fit_problem(bg):
        return fallback(i18n.t("customer_value.clv.fallback_degenerate", language))
    if holdout_failed(holdout, max_holdout_error):
        return fallback(i18n.t("customer_value.clv.fallback_holdout", language,
                               error=f"{holdout.total_error:+.0%}",
                               limit=f"{max_holdout_error:.0%}"))
    method, message, gg = METHOD_MODEL, "", None
    try:
        gg_rows = (x > 0) & np.isfinite(m) & (m > 0)
        gg = GammaGammaModel(min_repeat_buyers=min_repeat_buyers).fit(x[gg_rows], m[gg_rows])
        if not gg.converged_:
            raise _insufficient("gg_converge")
        if fit_problem(gg):
            raise _insufficient("gg_degenerate")
        q_low = gg_q_lower_bound(gg)
        if q_low <= 1:
            # the mean spend p*gamma/(q-1) explodes as q nears 1: no usable spend forecast
            raise _insufficient("gg_q_ci", q=f"{gg.params_['q']:.3f}", low=f"{q_low:.2f}")
        spend = gg.expected_spend(x, m)
        if not np.isfinite(spend).all():
            raise _insufficient("gg_degenerate")
    except InsufficientDataError as exc:
        method = METHOD_OBSERVED_SPEND
        message = i18n.t("customer_value.clv.observed_spend", language,
                         reason=_reason_text(exc, language))
        spend = summary["mean_order_value"].to_numpy(dtype="float64")
    monthly = monthly_expected_purchases(bg, x, t_x, T, horizon_months=horizon_months,
                                         time_unit=time_unit)
    weights = discount_weights(horizon_months, monthly_discount_rate)
    p_alive = bg.p_alive(x, t_x, T)
    if not (np.isfinite(monthly).all() and np.isfinite(p_alive).all() and np.isfinite(spend).all()):
        # a forecast that is not a number is no forecast; never read it as zero
        return fallback(i18n.t("customer_value.clv.fallback_degenerate", language))
    table = pd.DataFrame({
        "account_id": summary["account_id"].to_numpy(),
        "p_alive": p_alive,
        "expected_purchases": monthly.sum(axis=1),
        "expected_spend": spend,
        "clv": (monthly * weights).sum(axis=1) * spend,
        "clv_method": method,
    })
    return ClvResult(table, method, message, bg, gg, settings)


# --------------------------------------------------------------------------- profit CLV


def profit_clv(clv_table: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Turn revenue CLV into profit CLV with gross margin and cost to serve; add CLV:CAC.

    ``profit_clv = clv x (margin_rate - cost_rate)``, where ``margin_rate`` is the
    account's gross margin over its net revenue so far and ``cost_rate`` its cost to serve
    over the same revenue (0 without a ``service_costs`` table). Accounts without positive
    revenue get the portfolio rates. Cost to serve is thus assumed to scale with the
    business an account brings, as it did in the past.

    A margin is never invented: an account whose ``margin_total`` is missing (its orders
    carry no gross margin) has a missing ``margin_rate`` and ``profit_clv``, and without
    any known margin the portfolio rate is missing too (``attrs["has_margin"]`` is False).

    Parameters
    ----------
    clv_table : pandas.DataFrame
        ``account_id`` and ``clv`` (e.g. :attr:`ClvResult.table`).
    features : pandas.DataFrame
        :func:`helpers.data.features.account_features` output: ``account_id``,
        ``revenue_total``, ``margin_total``, ``cost_to_serve`` and ``acquisition_cost``.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``margin_rate``, ``cost_rate``, ``profit_clv`` and ``clv_cac``
        (profit CLV over acquisition cost; missing where the cost is unknown or zero), one
        row per row of ``clv_table``.
    """
    need = ["account_id", "revenue_total", "margin_total", "cost_to_serve", "acquisition_cost"]
    missing = [c for c in need if c not in features]
    if missing:
        raise ParamError(f"profit_clv: the features lack {', '.join(missing)}")
    f = features.set_index("account_id").reindex(clv_table["account_id"])
    revenue = f["revenue_total"].astype("float64")
    margin = f["margin_total"].astype("float64")
    cost = f["cost_to_serve"].astype("float64")
    has_cost = bool(cost.notna().any())
    cost = cost.fillna(0.0)
    pos = revenue > 0
    total_rev = float(revenue[pos].sum())
    # The portfolio margin counts only accounts whose margin is known; unknown stays NaN.
    known = pos & margin.notna()
    known_rev = float(revenue[known].sum())
    port_margin = float(margin[known].sum()) / known_rev if known_rev > 0 else float("nan")
    port_cost = float(cost[pos].sum()) / total_rev if total_rev > 0 else 0.0
    margin_rate = (margin / revenue).where(pos, port_margin)
    cost_rate = (cost / revenue).where(pos, port_cost) if has_cost else pd.Series(0.0, f.index)
    value = clv_table["clv"].to_numpy(dtype="float64") * (margin_rate - cost_rate).to_numpy()
    cac = f["acquisition_cost"].astype("float64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cac > 0, value / cac, np.nan)
    out = pd.DataFrame({
        "account_id": clv_table["account_id"].to_numpy(),
        "margin_rate": margin_rate.to_numpy(),
        "cost_rate": cost_rate.to_numpy(),
        "profit_clv": value,
        "clv_cac": ratio,
    })
    out.attrs["has_service_costs"] = has_cost
    out.attrs["has_margin"] = bool(known.any())
    out.attrs["portfolio_margin_rate"] = port_margin
    out.attrs["portfolio_cost_rate"] = port_cost if has_cost else 0.0
    return out


# --------------------------------------------------------------------------- simulation


def simulate_bgnbd(n: int, params: Any, T: Any, *, seed: int = 0, future: float = 0.0,
                   tick: float = 0.0) -> pd.DataFrame:
    """Draw customers from a BG/NBD model with known parameters (for checks and benchmarks).

    Parameters
    ----------
    n : int
        Customers.
    params : sequence or dict
        ``(r, alpha, a, b)``.
    T : float or array-like
        Observation time per customer (since their first purchase).
    seed : int
        Random seed.
    future : float
        Length of a period after ``T`` whose purchases are counted in ``future_purchases``.
    tick : float
        When positive, times are floored to multiples of it (``1/7`` for daily data in
        weeks), like real order dates.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``alive`` (still active at ``T``) and
        ``future_purchases``.
    """
    r, alpha, a, b = _bg_tuple(params)
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = np.broadcast_to(np.asarray(T, dtype="float64"), (n,)).copy()
    if tick > 0:
        T = np.floor(T / tick) * tick
    # The customer drops out right after the K-th repeat purchase.
    k = rng.geometric(p)
    count = rng.poisson(lam * T)
    x = np.minimum(count, k)
    # The x-th of `count` uniform purchase times on (0, T).
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(count - x, 0) + 1), 0.0)
    if tick > 0:
        t_x = np.floor(t_x / tick) * tick
    alive = k > count
    fut = np.where(alive, np.minimum(rng.poisson(lam * future), k - count), 0)
    return pd.DataFrame({"frequency": x.astype("float64"), "recency": t_x, "T": T,
                         "alive": alive, "future_purchases": fut})


def simulate_gamma_gamma(frequency, params: Any, *, seed: int = 0) -> np.ndarray:
    """Draw each customer's mean order value from a Gamma-Gamma model (NaN for frequency 0).

    Parameters
    ----------
    frequency : array-like
        Repeat purchases per customer.
    params : sequence or dict
        ``(p, q, gamma)``.
    seed : int

    Returns
    -------
    numpy.ndarray
    """
    p, q, g = _gg_tuple(params)
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype="float64")
    nu = rng.gamma(q, 1 / g, len(x))
    # The mean of x Gamma(p, nu) orders is Gamma(p x, x nu).
    shape = np.maximum(p * x, 1e-9)
    mean = rng.gamma(shape, 1 / (np.maximum(x, 1) * nu))
    return np.where(x > 0, mean, np.nan)


# --------------------------------------------------------------------------- holdout check


@dataclass
class HoldoutCheck:
    """Predicted against actual purchases in a holdout period.

    Attributes
    ----------
    by_bucket : pandas.DataFrame
        ``bucket`` (calibration repeat purchases, the last one open-ended, e.g. ``"7+"``),
        ``customers``, ``predicted`` and ``actual`` mean purchases per customer.
    correlation : float
        Pearson correlation of predicted and actual purchases per customer.
    total_error : float
        ``(sum predicted - sum actual) / sum actual``.
    predicted_total, actual_total : float
    calibration_end : datetime.date
    customers : int
    message : str
        Why the check could not run; empty when it ran.
    model : BetaGeoModel or None
        The purchase model fitted on the calibration period (for
        :func:`cumulative_transactions`); ``None`` when the check could not run.
    """

    by_bucket: pd.DataFrame
    correlation: float = float("nan")
    total_error: float = float("nan")
    predicted_total: float = float("nan")
    actual_total: float = float("nan")
    calibration_end: dt.date | None = None
    customers: int = 0
    message: str = ""
    model: Any = None

    @property
    def ok(self) -> bool:
        """Whether the check ran."""
        return not self.message


def holdout_failed(check: HoldoutCheck | None,
                   max_error: float = MAX_HOLDOUT_ERROR) -> bool:
    """Whether a holdout check ran and its total error is beyond ``max_error``.

    A check that could not run (thin history) or has no error (no holdout orders) neither
    passes nor fails; the fit diagnostics of :func:`fit_problem` still apply.

    Returns
    -------
    bool
    """
    if not (isinstance(max_error, (int, float)) and max_error > 0):
        raise ParamError(f"max_holdout_error must be a positive share, got {max_error!r}")
    if check is None or not check.ok:
        return False
    err = float(check.total_error)
    return bool(np.isfinite(err) and abs(err) > max_error)


def model_gate(result: ClvResult, holdout: HoldoutCheck | None = None
               ) -> tuple[bool, str, dict]:
    """Whether the CLV forecast comes from a trusted purchase model, and the evidence.

    Parameters
    ----------
    result : ClvResult
        :func:`fit_clv` output (already gated: degenerate fits fall back).
    holdout : HoldoutCheck, optional

    Returns
    -------
    passed : bool
        False for the historical average (no model, or a model that failed its checks).
    test : str
        The checks behind the gate ("fit diagnostics; holdout check").
    evidence : dict
        ``effect`` (holdout total error), ``n`` (accounts in the fit), ``effect_label``.
    """
    checked = holdout is not None and holdout.ok
    test = "BG/NBD fit diagnostics" + ("; holdout check" if checked else "")
    n = (result.bgnbd.n_customers_ if result.bgnbd is not None
         and hasattr(result.bgnbd, "n_customers_") else len(result.table))
    evidence = {"effect": float(holdout.total_error) if checked else float("nan"),
                "n": int(n), "effect_label": "holdout error" if checked else ""}
    return result.method != METHOD_HISTORICAL, test, evidence


def calibration_end_for(as_of: Any, holdout_months: int) -> dt.date:
    """``as_of`` minus ``holdout_months`` calendar months.

    Returns
    -------
    datetime.date
    """
    if isinstance(holdout_months, bool) or not isinstance(holdout_months, (int, np.integer)) \
            or not 1 <= holdout_months <= 60:
        raise ParamError(f"holdout_months must be a whole number from 1 to 60, "
                         f"got {holdout_months!r}")
    end = pd.Timestamp(parse_as_of(as_of)) - pd.DateOffset(months=int(holdout_months))
    return end.date()


def holdout_check(ws: Any, as_of: Any, *, holdout_months: int = 6, time_unit: str = "week",
                  max_bucket: int = 7, min_customers: int = MIN_CUSTOMERS,
                  min_repeat_buyers: int = MIN_REPEAT_BUYERS, language: str = "en") -> HoldoutCheck:
    """Fit BG/NBD on data up to ``as_of - holdout_months`` and predict the holdout period.

    Parameters
    ----------
    ws : workspace
    as_of : date-like
    holdout_months : int
        Length of the holdout period.
    time_unit : str
    max_bucket : int
        Calibration repeat purchases at or above this are grouped together.
    min_customers, min_repeat_buyers : int
        As in :func:`fit_clv`.
    language : {"en", "zh"}
        Language of the message.

    Returns
    -------
    HoldoutCheck
        With a ``message`` instead of numbers when the calibration data is too thin.
    """
    cal_end = calibration_end_for(as_of, holdout_months)
    summary = purchase_summary(ws, as_of, time_unit=time_unit, calibration_end=cal_end)
    empty = pd.DataFrame(columns=["bucket", "customers", "predicted", "actual"])
    try:
        bg = BetaGeoModel(min_customers=min_customers, min_repeat_buyers=min_repeat_buyers).fit(
            summary["frequency"], summary["recency"], summary["T"])
    except InsufficientDataError as exc:
        return HoldoutCheck(empty, calibration_end=cal_end, customers=len(summary),
                            message=i18n.t("customer_value.holdout.none", language, date=cal_end,
                                           reason=_reason_text(exc, language)))
    duration = float(summary["holdout_duration"].iloc[0])
    predicted = bg.expected_purchases(duration, summary["frequency"], summary["recency"],
                                      summary["T"])
    if fit_problem(bg) or not np.isfinite(predicted).all():
        return HoldoutCheck(empty, calibration_end=cal_end, customers=len(summary),
                            message=i18n.t("customer_value.holdout.degenerate", language,
                                           date=cal_end))
    actual = summary["holdout_purchases"].to_numpy(dtype="float64")
    bucket = np.minimum(summary["frequency"].to_numpy(), max_bucket)
    frame = pd.DataFrame({"bucket": bucket, "predicted": predicted, "actual": actual})
    by = frame.groupby("bucket").agg(customers=("actual", "size"), predicted=("predicted", "mean"),
                                     actual=("actual", "mean")).reset_index()
    labels = by["bucket"].astype(int).astype(str)
    by["bucket"] = labels.where(by["bucket"] < max_bucket, labels + "+")
    corr = (float(np.corrcoef(predicted, actual)[0, 1])
            if len(actual) > 2 and actual.std() > 0 else float("nan"))
    total_actual = float(actual.sum())
    total_pred = float(predicted.sum())
    error = (total_pred - total_actual) / total_actual if total_actual > 0 else float("nan")
    return HoldoutCheck(by, corr, error, total_pred, total_actual, cal_end, len(summary), model=bg)


def plot_holdout(check: HoldoutCheck, *, ax=None, language: str = "en"):
    """Predicted against actual holdout purchases per calibration-frequency bucket.

    Parameters
    ----------
    check : HoldoutCheck
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    data = check.by_bucket
    pos = np.arange(len(data))
    def say(key: str) -> str:
        return i18n.t(f"customer_value.chart.{key}", language)

    ax.bar(pos - 0.2, data["actual"], width=0.4, label=say("actual"), color="#1f4e79")
    ax.bar(pos + 0.2, data["predicted"], width=0.4, label=say("predicted"), color="#f5b041")
    ax.set_xticks(pos, data["bucket"])
    ax.set_xlabel(say("holdout_x"))
    ax.set_ylabel(say("holdout_y"))
    ax.set_title(say("holdout_title"))
    ax.legend()
    return ax


def plot_p_alive(scores: pd.DataFrame, *, ax=None, language: str = "en"):
    """Histogram of P(alive) across buying accounts.

    Parameters
    ----------
    scores : pandas.DataFrame
        :attr:`ClvResult.table` (or any frame with ``p_alive``).
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    values = scores["p_alive"].dropna()
    if values.empty:
        ax.text(0.5, 0.5, i18n.t("customer_value.chart.no_churn_model", language), ha="center",
                va="center", transform=ax.transAxes)
    else:
        ax.hist(values, bins=np.linspace(0, 1, 21), color="#1f4e79", edgecolor="white")
    ax.set_xlabel(i18n.t("customer_value.chart.p_alive_axis", language))
    ax.set_ylabel(i18n.t("customer_value.chart.accounts", language))
    ax.set_title(i18n.t("customer_value.chart.p_alive_title", language))
    return ax


# --------------------------------------------------------------------------- model views


def matrix_settings(summary: pd.DataFrame, time_unit: str = "week") -> dict:
    """The grid of the frequency/recency views: how long accounts are seen, how often they buy.

    ``T_months`` is the 90th percentile of the months since each account's first purchase
    (at least 1), so the grid describes a long-standing account; ``max_frequency`` the 90th
    percentile of repeat purchases among repeat buyers (5 to 40).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`purchase_summary` output.
    time_unit : str
        Unit of ``summary``.

    Returns
    -------
    dict
        ``T_months`` (int) and ``max_frequency`` (int).
    """
    unit = check_time_unit(time_unit)
    months = summary["T"].to_numpy(dtype="float64") * unit / DAYS_PER_MONTH
    months = months[np.isfinite(months)]
    T_months = max(int(np.ceil(np.quantile(months, 0.9))), 1) if len(months) else 12
    freq = summary["frequency"].to_numpy(dtype="float64")
    freq = freq[np.isfinite(freq) & (freq > 0)]
    top = int(np.ceil(np.quantile(freq, 0.9))) if len(freq) else 5
    return {"T_months": T_months, "max_frequency": int(np.clip(top, 5, 40))}


def frequency_recency_matrix(model: BetaGeoModel, *, T_months: float, horizon_months: int,
                             time_unit: str = "week", max_frequency: int = 20,
                             n_recency: int = 25) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected purchases over the horizon and P(alive) for every frequency and recency.

    The BG/NBD views of ``lifetimes`` (``plot_frequency_recency_matrix`` and
    ``plot_probability_alive_matrix``) for an account first seen ``T_months`` ago: rows
    are the recency (months from the first to the last purchase, 0 to ``T_months``),
    columns the repeat purchases so far (0 to ``max_frequency``). An account without a
    repeat purchase has no recency beyond 0; its column repeats that value (the model
    does not depend on it).

    Parameters
    ----------
    model : BetaGeoModel
        Fitted (in ``time_unit``).
    T_months : float
        Months since the first purchase.
    horizon_months : int
        Months ahead the expected purchases count.
    time_unit : str
        Time unit of the model.
    max_frequency : int
        Largest repeat-purchase count shown.
    n_recency : int
        Rows, evenly spaced from 0 to ``T_months``.

    Returns
    -------
    expected : pandas.DataFrame
        Expected purchases in the next ``horizon_months``; index ``recency_months``
        (increasing), columns ``frequency``.
    p_alive : pandas.DataFrame
        P(alive) on the same grid.
    """
    unit = check_time_unit(time_unit)
    horizon, _ = _check_horizon(horizon_months, 0.0)
    if not (np.isfinite(T_months) and T_months > 0):
        raise ParamError(f"T_months must be a positive number of months, got {T_months!r}")
    if int(max_frequency) < 1 or int(n_recency) < 2:
        raise ParamError("max_frequency must be at least 1 and n_recency at least 2")
    per_month = DAYS_PER_MONTH / unit
    rec_months = np.linspace(0.0, float(T_months), int(n_recency))
    freqs = np.arange(0, int(max_frequency) + 1, dtype="float64")
    X, R = np.meshgrid(freqs, rec_months * per_month)
    R = np.where(X == 0, 0.0, R)
    T = np.full(X.size, float(T_months) * per_month)
    expected = model.expected_purchases(horizon * per_month, X.ravel(), R.ravel(), T)
    alive = model.p_alive(X.ravel(), R.ravel(), T)
    index = pd.Index(np.round(rec_months, 1), name="recency_months")
    columns = pd.Index(freqs.astype(int), name="frequency")
    return (pd.DataFrame(expected.reshape(X.shape), index=index, columns=columns),
            pd.DataFrame(alive.reshape(X.shape), index=index, columns=columns))


def plot_matrices(expected: pd.DataFrame, p_alive: pd.DataFrame, *, axes=None,
                  horizon_months: int = 36, language: str = "en"):
    """The two frequency/recency heatmaps side by side: expected purchases and P(alive).

    Parameters
    ----------
    expected, p_alive : pandas.DataFrame
        :func:`frequency_recency_matrix` output.
    axes : pair of matplotlib.axes.Axes, optional
        Default: a new constrained-layout figure with two panels.
    horizon_months : int
        For the title of the first panel.
    language : {"en", "zh"}

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.chart.{key}", language, **values)

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    axes = np.asarray(axes).ravel()
    rec = expected.index.to_numpy(dtype="float64")
    freq = expected.columns.to_numpy(dtype="float64")
    extent = (freq[0] - 0.5, freq[-1] + 0.5, rec[0], rec[-1])
    panels = ((expected, "Blues", say("matrix_expected_title", months=horizon_months), None),
              (p_alive, "RdYlGn", say("matrix_alive_title"), (0.0, 1.0)))
    for ax, (data, cmap, title, limits) in zip(axes, panels, strict=False):
        vmin, vmax = limits or (0.0, float(np.nanmax(data.to_numpy())) or 1.0)
        image = ax.imshow(data.to_numpy(), origin="lower", aspect="auto", cmap=cmap,
                          extent=extent, vmin=vmin, vmax=vmax, interpolation="nearest")
        bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
        if limits is not None:
            bar.ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.set_title(title, fontsize=11)
        ax.set_xlabel(say("matrix_x"))
        ax.set_ylabel(say("matrix_y"))
        ax.grid(False)
    return axes


def purchase_days(ws: Any, as_of: Any) -> pd.DataFrame:
    """Each account's purchase days (distinct order dates with an order, as
    :func:`purchase_summary` counts purchases), up to ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``account_id`` (str) and ``order_date`` (datetime64), sorted.
    """
    as_of = parse_as_of(as_of)
    o = ws.table("orders")
    o = o.filter((o.amount >= 0) & (o.order_date <= as_of) & o.account_id.notnull()
                 & o.order_date.notnull())
    frame = o.select("account_id", "order_date").distinct().to_pandas()
    out = pd.DataFrame({"account_id": frame["account_id"].astype("str"),
                        "order_date": pd.to_datetime(frame["order_date"]).astype("datetime64[ns]")})
    return out.sort_values(["account_id", "order_date"], kind="stable").reset_index(drop=True)


def cumulative_transactions(days: pd.DataFrame, model: BetaGeoModel, *, calibration_end: Any,
                            as_of: Any, time_unit: str = "week") -> pd.DataFrame:
    """Cumulative repeat purchases over calendar time: actual against the model.

    The calibration view of ``lifetimes`` (``plot_cumulative_transactions``): for the
    accounts whose first purchase falls by ``calibration_end``, the repeat purchases made by
    each month end, and the number the model fitted up to ``calibration_end`` expects by
    then, summing each account's expected repeat purchases since its first purchase
    (:meth:`BetaGeoModel.expected_purchases_new`). Before the calibration end the lines
    show the fit; after it, a forecast the model did not see.

    Parameters
    ----------
    days : pandas.DataFrame
        :func:`purchase_days` output.
    model : BetaGeoModel
        Fitted on the calibration period (:attr:`HoldoutCheck.model`).
    calibration_end, as_of : date-like
    time_unit : str
        Time unit of the model.

    Returns
    -------
    pandas.DataFrame
        ``date`` (month ends, the calibration end and ``as_of``), ``actual`` and ``predicted`` cumulative
        repeat purchases; ``attrs["calibration_end"]`` and ``attrs["accounts"]``.
    """
    unit = check_time_unit(time_unit)
    end = pd.Timestamp(parse_as_of(calibration_end))
    last = pd.Timestamp(parse_as_of(as_of))
    if end > last:
        raise ParamError(f"calibration end {end.date()} lies after as_of {last.date()}")
    d = days[pd.to_datetime(days["order_date"]) <= last]
    first = d.groupby("account_id")["order_date"].transform("min")
    born = first <= end
    d, first = d[born], first[born]
    repeat = pd.to_datetime(d.loc[d["order_date"] > first, "order_date"]).sort_values()
    if d.empty:
        out = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "actual": [], "predicted": []})
        out.attrs.update(calibration_end=end.date(), accounts=0)
        return out
    start = first.min()
    dates = pd.date_range(start, last, freq="ME")
    dates = dates.append(pd.DatetimeIndex([end, last])).unique().sort_values()
    dates = dates[dates >= start]
    actual = np.searchsorted(repeat.to_numpy(), dates.to_numpy(), side="right").astype("float64")
    firsts = d.groupby("account_id")["order_date"].min().value_counts()
    elapsed = ((dates.to_numpy()[None, :] - firsts.index.to_numpy()[:, None])
               / np.timedelta64(1, "D")) / unit
    expected = model.expected_purchases_new(np.clip(elapsed, 0.0, None))
    predicted = (expected * firsts.to_numpy(dtype="float64")[:, None]).sum(axis=0)
    out = pd.DataFrame({"date": dates, "actual": actual, "predicted": predicted})
    out.attrs.update(calibration_end=end.date(), accounts=int(firsts.sum()))
    return out


def holdout_totals(frame: pd.DataFrame) -> dict:
    """Repeat purchases after the calibration end: predicted, actual and the relative error.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`cumulative_transactions` output.

    Returns
    -------
    dict
        ``predicted``, ``actual`` and ``error`` (``predicted / actual - 1``; NaN without
        actual repeat purchases or rows).
    """
    end = frame.attrs.get("calibration_end")
    if frame.empty or end is None:
        return {"predicted": float("nan"), "actual": float("nan"), "error": float("nan")}
    at_end = frame[frame["date"] <= pd.Timestamp(end)]
    base = at_end.iloc[-1] if len(at_end) else frame.iloc[0] * 0
    last = frame.iloc[-1]
    predicted = float(last["predicted"] - base["predicted"])
    actual = float(last["actual"] - base["actual"])
    error = predicted / actual - 1 if actual > 0 else float("nan")
    return {"predicted": predicted, "actual": actual, "error": error}


def plot_cumulative(frame: pd.DataFrame, *, ax=None, language: str = "en"):
    """Actual against model-expected cumulative repeat purchases, with the calibration end.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`cumulative_transactions` output.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.presentation import plotting
    from helpers.presentation.tables import compact_number

    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.chart.{key}", language, **values)

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    ax.plot(frame["date"], frame["actual"], color="#1f4e79", lw=2, label=say("actual"))
    ax.plot(frame["date"], frame["predicted"], color="#f5b041", lw=2, ls="--",
            label=say("model_line"))
    end = frame.attrs.get("calibration_end")
    if end is not None:
        ax.axvline(pd.Timestamp(end), color="#7f8c8d", lw=1, ls=":", label=say("calibration_end"))
    ax.set_title(say("cumulative_title"), fontsize=11)
    ax.set_ylabel(say("cumulative_y"))
    ax.set_xlabel("")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: compact_number(v, language)))
    plotting.month_axis(ax, language=language)
    plotting.legend_outside(ax)
    return ax


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
    "METHOD_HISTORICAL", "METHOD_MODEL", "METHOD_OBSERVED_SPEND", "TIME_UNITS", "BetaGeoModel", "ClvResult",
    "GammaGammaModel", "HoldoutCheck", "InsufficientDataError", "bgnbd_loglik",
    "calibration_end_for", "check_time_unit", "discount_weights", "discounted_clv", "fit_clv",
    "fit_problem", "gg_q_lower_bound", "historical_result",
    "gamma_gamma_loglik", "historical_clv", "holdout_check", "method_label", "monthly_expected_purchases",
    "numerical_hessian", "plot_holdout", "plot_p_alive", "profit_clv", "purchase_summary", "simulate_bgnbd",
    "simulate_gamma_gamma", "matrix_settings", "frequency_recency_matrix", "plot_matrices", "purchase_days",
    "cumulative_transactions", "holdout_totals", "plot_cumulative", "clv_intervals", "INTERVAL_DRAWS",
]
