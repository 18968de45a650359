"""Customer summaries for the models (frequency, recency, T, spend) and purchase days."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.analysis.clv.inputs import check_time_unit
from helpers.analysis.clv.queries import _query_purchase_days, _query_purchase_totals
from helpers.core.errors import ParamError
from helpers.core.params import as_of_date

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace


def purchase_summary(ws: Workspace, as_of: Any, *, time_unit: str = "week",
                     calibration_end: Any = None) -> pd.DataFrame:
    """Summarise each buying account for the BG/NBD and Gamma-Gamma models, in the engine.

    A purchase is a distinct order date with at least one order (``amount >= 0``); several
    orders on one day count as one purchase of their summed value. Credit notes are left
    out, so spend is gross order value.

    Parameters
    ----------
    ws : Workspace
        Open workspace with the contract tables.
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
    as_of = as_of_date(as_of)
    end = as_of if calibration_end is None else as_of_date(calibration_end)
    if end > as_of:
        raise ParamError(f"calibration end {end} lies after as_of {as_of}")
    frame = _query_purchase_totals(ws, as_of, end, holdout=calibration_end is not None)

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


def purchase_days(ws: Workspace, as_of: Any) -> pd.DataFrame:
    """Each account's purchase days (distinct order dates with an order, as
    :func:`purchase_summary` counts purchases), up to ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``account_id`` (str) and ``order_date`` (datetime64), sorted.
    """
    as_of = as_of_date(as_of)
    frame = _query_purchase_days(ws, as_of)
    out = pd.DataFrame({"account_id": frame["account_id"].astype("str"),
                        "order_date": pd.to_datetime(frame["order_date"]).astype("datetime64[ns]")})
    return out.sort_values(["account_id", "order_date"], kind="stable").reset_index(drop=True)


__all__ = [
    "purchase_days",
    "purchase_summary",
]
