"""Holdout check of the purchase model: predicted against actual purchases after calibration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.analysis.clv.bgnbd import BetaGeoModel
from helpers.analysis.clv.estimation import fit_problem
from helpers.analysis.clv.forecast import ClvResult
from helpers.analysis.clv.inputs import (
    METHOD_HISTORICAL,
    MIN_CUSTOMERS,
    MIN_REPEAT_BUYERS,
    InsufficientDataError,
    _reason_text,
    check_time_unit,
)
from helpers.analysis.clv.summary import purchase_summary
from helpers.core.errors import ParamError
from helpers.core.params import as_of_date
from helpers.presentation import i18n

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

#: Above this absolute holdout error (forecast against actual orders, as a share of actual)
#: the purchase model fails its check and is not used as a forecast.
MAX_HOLDOUT_ERROR = 0.5


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
    end = pd.Timestamp(as_of_date(as_of)) - pd.DateOffset(months=int(holdout_months))
    return end.date()


def holdout_check(ws: Workspace, as_of: Any, *, holdout_months: int = 6, time_unit: str = "week",
                  max_bucket: int = 7, min_customers: int = MIN_CUSTOMERS,
                  min_repeat_buyers: int = MIN_REPEAT_BUYERS, language: str = "en") -> HoldoutCheck:
    """Fit BG/NBD on data up to ``as_of - holdout_months`` and predict the holdout period.

    Parameters
    ----------
    ws : Workspace
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
    end = pd.Timestamp(as_of_date(calibration_end))
    last = pd.Timestamp(as_of_date(as_of))
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


__all__ = [
    "HoldoutCheck",
    "MAX_HOLDOUT_ERROR",
    "calibration_end_for",
    "cumulative_transactions",
    "holdout_check",
    "holdout_failed",
    "holdout_totals",
    "model_gate",
]
