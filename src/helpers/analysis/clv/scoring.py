"""CLV per account from the fitted models, gated: model, observed spend or historical average."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.clv.bgnbd import BetaGeoModel
from helpers.analysis.clv.estimation import fit_problem
from helpers.analysis.clv.fallback import historical_result
from helpers.analysis.clv.forecast import ClvResult, discount_weights, monthly_expected_purchases
from helpers.analysis.clv.gamma_gamma import GammaGammaModel
from helpers.analysis.clv.holdout import MAX_HOLDOUT_ERROR, HoldoutCheck, holdout_failed
from helpers.analysis.clv.inputs import (
    METHOD_MODEL,
    METHOD_OBSERVED_SPEND,
    MIN_CUSTOMERS,
    MIN_REPEAT_BUYERS,
    InsufficientDataError,
    _check_horizon,
    _insufficient,
    _reason_text,
    check_time_unit,
)
from helpers.presentation import i18n


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


__all__ = [
    "fit_clv",
    "gg_q_lower_bound",
]
