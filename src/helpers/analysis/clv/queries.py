"""Engine queries behind the customer summaries: each account's purchase days, in the engine.

A purchase is a distinct order date with at least one order (``amount >= 0``); credit notes
are left out. These are the only functions of the CLV package that touch the workspace.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace


def _orders_with_purchase(ws: Workspace, as_of: dt.date):
    o = ws.table("orders")
    return o.filter((o.amount >= 0) & (o.order_date <= as_of) & o.account_id.notnull()
                    & o.order_date.notnull())


def _query_purchase_totals(ws: Workspace, as_of: dt.date, end: dt.date, *,
                           holdout: bool) -> pd.DataFrame:
    """Per account: first and last purchase day, purchase days and spend up to ``end``.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``first_purchase``, ``last_purchase``, ``purchases``,
        ``spend_total``, ``first_spend``; with ``holdout`` also ``holdout_purchases`` and
        ``holdout_spend`` (after ``end`` up to ``as_of``, missing without any).
    """
    o = _orders_with_purchase(ws, as_of)
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
    if holdout:
        hold = days.filter(days.order_date > end)
        hold = hold.group_by(hold.account_id.name("_hid")).aggregate(
            holdout_purchases=hold.count(), holdout_spend=hold.day_amount.sum())
        agg = agg.left_join(hold, agg.account_id == hold._hid).drop("_hid")
    return agg.to_pandas()


def _query_purchase_days(ws: Workspace, as_of: dt.date) -> pd.DataFrame:
    """Distinct ``account_id, order_date`` pairs with an order, up to ``as_of``."""
    o = _orders_with_purchase(ws, as_of)
    return o.select("account_id", "order_date").distinct().to_pandas()


__all__: list[str] = []
