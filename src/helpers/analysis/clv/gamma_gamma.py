"""The Gamma-Gamma model of spend per order: likelihood, fit and expected spend."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from helpers.analysis.clv.estimation import _fit_log_params, _standard_errors, _summary_frame
from helpers.analysis.clv.inputs import (
    MIN_REPEAT_BUYERS,
    _as_arrays,
    _check_gg,
    _dot,
    _gg_tuple,
    _insufficient,
)
from helpers.core.errors import WorkbookError


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


__all__ = [
    "GammaGammaModel",
    "gamma_gamma_loglik",
]
