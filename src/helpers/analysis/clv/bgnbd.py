"""The BG/NBD model of repeat buying: likelihood, fit, P(alive) and expected purchases."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from helpers.analysis.clv.estimation import _fit_log_params, _standard_errors, _summary_frame
from helpers.analysis.clv.inputs import (
    MIN_CUSTOMERS,
    MIN_REPEAT_BUYERS,
    _bg_tuple,
    _check_rft,
    _dot,
    _insufficient,
)
from helpers.core.errors import ParamError, WorkbookError


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


__all__ = [
    "BetaGeoModel",
    "bgnbd_loglik",
]
