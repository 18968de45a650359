"""The labelled historical-average CLV used when the purchase model cannot be trusted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.clv.forecast import ClvResult, discount_weights
from helpers.analysis.clv.inputs import (
    DAYS_PER_MONTH,
    METHOD_HISTORICAL,
    _check_horizon,
    check_time_unit,
)


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


__all__ = [
    "historical_clv",
    "historical_result",
]
