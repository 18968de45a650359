"""Engine queries of the ICP analysis: every read of the workspace tables lives here."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = ["product_line_revenue", "recent_engagement"]


def recent_engagement(ws: Workspace, as_of, *, days: int = 180) -> pd.DataFrame:
    """Interactions per account in the last ``days`` days up to ``as_of`` (engine-side).

    Parameters
    ----------
    ws : Workspace
        Must provide ``interactions``.
    as_of : date-like
    days : int

    Returns
    -------
    pandas.DataFrame
        ``account_id, engagement`` for accounts with at least one interaction.
    """
    if not ws.has("interactions"):
        raise DataError("engagement needs the interactions table")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ParamError(f"engagement_days must be a positive whole number, got {days!r}")
    as_of = as_of_date(as_of)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    t = ws.table("interactions")
    t = t.filter((t.timestamp < end) & (t.timestamp >= end - dt.timedelta(days=days)))
    out = t.group_by(account_id=t.account_id.cast("string")).aggregate(engagement=t.count())
    df = out.to_pandas()
    df["engagement"] = df["engagement"].astype("int64")
    return df


def product_line_revenue(ws: Workspace, as_of: dt.date, days: int) -> pd.DataFrame:
    """Revenue and orders per account and product line in the last ``days`` days up to ``as_of``.

    Orders without a product line and negative amounts (returns) are left out.

    Parameters
    ----------
    ws : Workspace
        Must provide ``orders``.
    as_of : datetime.date
        Parsed analysis date.
    days : int
        Look-back window.

    Returns
    -------
    pandas.DataFrame
        ``account_id, product_line, revenue, orders``.
    """
    o = ws.table("orders")
    line = o.product_line.cast("string").strip()
    o = o.filter((o.order_date <= as_of) & (o.order_date > as_of - dt.timedelta(days=days))
                 & (o.amount >= 0) & line.notnull() & (line != ""))
    return o.group_by(account_id=o.account_id.cast("string"),
                      product_line=o.product_line.cast("string").strip()).aggregate(
        revenue=o.amount.sum(), orders=o.count()).to_pandas()
