"""Discounted CLV arithmetic: monthly expected purchases, discount weights and the result type."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers.analysis.clv.bgnbd import BetaGeoModel
from helpers.analysis.clv.gamma_gamma import GammaGammaModel
from helpers.analysis.clv.inputs import DAYS_PER_MONTH, _check_horizon, check_time_unit


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


__all__ = [
    "ClvResult",
    "discount_weights",
    "discounted_clv",
    "monthly_expected_purchases",
]
