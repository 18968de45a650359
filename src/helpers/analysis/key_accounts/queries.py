"""Engine queries behind the key-account dossiers: monthly revenue and the latest survey answer.

These are the only functions of the key-account package that touch the workspace directly
(the value table reads it through the feature and CLV steps).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis
import pandas as pd

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace


def _has_table(ws: Workspace, name: str) -> bool:
    return bool(ws.has(name))


def _query_monthly_revenue(ws: Workspace, ids: Sequence[str], first: dt.date,
                           as_of: dt.date) -> pd.DataFrame:
    """Net order amount per account and calendar month (``account_id``, ``month``, ``revenue``)."""
    o = ws.table("orders")
    o = o.filter(o.account_id.isin(ids) & (o.order_date >= first) & (o.order_date <= as_of))
    return o.group_by([o.account_id, o.order_date.truncate("M").name("month")]).aggregate(
        revenue=o.amount.sum()).to_pandas()


def _query_latest_feedback(ws: Workspace, ids: Sequence[str], as_of: dt.date,
                           cols: Sequence[str]) -> pd.DataFrame:
    """The latest survey answer per account, with those of ``cols`` the table has."""
    s = ws.table("surveys")
    s = s.filter(s.account_id.isin(ids) & (s.response_date <= as_of))
    rank = ibis.row_number().over(group_by=s.account_id,
                                  order_by=[ibis.desc(s.response_date), ibis.desc(s.response_id)])
    s = s.mutate(_rn=rank).filter(lambda t: t._rn == 0)
    present = [c for c in cols if c in s.columns]
    return s.select(*present).to_pandas()


__all__: list[str] = []
