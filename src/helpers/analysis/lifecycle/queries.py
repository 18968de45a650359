"""Engine queries of the lifecycle: the per-account stage inputs, stages on a date and the
stage migration between two dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date

from .migration import _stage_pairs, migration_matrix
from .rules import _tidy_inputs, assign_stages

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "stage_inputs",
    "stage_inputs_expr",
    "stage_migration",
    "stages_for",
]


def stage_inputs_expr(ws: Workspace, as_of: Any) -> Any:
    """Build the engine query behind :func:`stage_inputs` without running it.

    Parameters
    ----------
    ws : workspace
        Needs ``accounts`` and ``orders``.
    as_of : date-like
        Evaluation date.

    Returns
    -------
    ibis.Table
    """
    as_of = as_of_date(as_of)
    for name in ("accounts", "orders"):
        if not ws.has(name):
            raise DataError(f"the data source has no {name!r} table, which lifecycle stages need")
    acc = ws.table("accounts")
    acc = acc.filter(acc.created_date.isnull() | (acc.created_date <= as_of)).select("account_id")
    o = ws.table("orders")
    o = o.filter(o.order_date <= as_of)
    buy = o.amount >= 0
    year_ago = as_of - dt.timedelta(days=365)
    two_years_ago = as_of - dt.timedelta(days=730)
    last_year = o.order_date > year_ago
    year_before = (o.order_date > two_years_ago) & ~last_year
    agg = o.group_by(o.account_id.name("_oid")).aggregate(
        order_count=o.count(where=buy),
        first_order_date=o.order_date.min(where=buy),
        last_order_date=o.order_date.max(where=buy),
        orders_12m=o.count(where=buy & last_year),
        orders_prev_12m=o.count(where=buy & year_before),
        revenue_12m=o.amount.sum(where=last_year),
        revenue_prev_12m=o.amount.sum(where=year_before),
    )
    # Order rhythm: median gap between consecutive distinct order dates.
    d = o.filter(buy).select("account_id", "order_date").distinct()
    d = d.mutate(_prev=d.order_date.lag().over(group_by=d.account_id, order_by=d.order_date))
    d = d.filter(d._prev.notnull())
    d = d.mutate(_gap=d.order_date.delta(d._prev, unit="day").cast("float64"))
    rhythm = d.group_by(d.account_id.name("_gid")).aggregate(median_gap_days=d._gap.median())

    j = acc.left_join(agg, acc.account_id == agg._oid).left_join(
        rhythm, acc.account_id == rhythm._gid)
    lit = ibis.literal(as_of)
    return j.select(
        account_id=j.account_id,
        order_count=j.order_count.coalesce(0),
        first_order_date=j.first_order_date,
        last_order_date=j.last_order_date,
        recency_days=lit.delta(j.last_order_date, unit="day"),
        days_since_first_order=lit.delta(j.first_order_date, unit="day"),
        median_gap_days=j.median_gap_days,
        orders_12m=j.orders_12m.coalesce(0),
        orders_prev_12m=j.orders_prev_12m.coalesce(0),
        revenue_12m=j.revenue_12m.coalesce(0),
        revenue_prev_12m=j.revenue_prev_12m.coalesce(0),
    )


def stage_inputs(ws: Workspace, as_of: Any) -> pd.DataFrame:
    """Per-account inputs of the stage rules, computed in the engine.

    Parameters
    ----------
    ws : workspace
        Needs ``accounts`` and ``orders``.
    as_of : date-like
        Evaluation date; later orders and accounts created later are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per account sorted by ``account_id``: ``account_id``, ``order_count``,
        ``first_order_date``, ``last_order_date``, ``recency_days``,
        ``days_since_first_order``, ``median_gap_days`` (missing with fewer than two order
        dates), ``orders_12m``, ``orders_prev_12m``, ``revenue_12m``, ``revenue_prev_12m``.
        Orders are rows with ``amount >= 0``; revenue nets credit notes.
    """
    return _tidy_inputs(stage_inputs_expr(ws, as_of).to_pandas())


def stages_for(ws: Workspace, as_of: Any, rules: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Lifecycle stage of every account on ``as_of``.

    Parameters
    ----------
    ws : workspace
        Needs ``accounts`` and ``orders``.
    as_of : date-like
        Evaluation date.
    rules : mapping, optional
        Rule table; see :func:`check_rules`.

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id`` and ``stage`` (ordered categorical), sorted by ``account_id``.
    """
    inputs = stage_inputs(ws, as_of)
    return pd.DataFrame({"account_id": inputs["account_id"],
                         "stage": assign_stages(inputs, rules)})


def stage_migration(ws: Workspace, as_of: Any, *, period_days: int = 180,
                    rules: Mapping[str, Any] | None = None,
                    current: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stages on ``as_of - period_days`` and on ``as_of``, and the migration counts.

    The same rules are evaluated on both dates, each seeing only the data up to its date.

    Parameters
    ----------
    ws : workspace
    as_of : date-like
    period_days : int, default 180
        Length of the period looked back over.
    rules : mapping, optional
    current : pandas.DataFrame, optional
        ``account_id`` and ``stage`` on ``as_of`` when the caller already has them from
        ``stages_for(ws, as_of, rules)`` with the same rules (any column order and extra
        columns are fine); saves computing them again. Default: computed here.

    Returns
    -------
    pairs : pandas.DataFrame
        ``account_id``, ``stage_before`` (missing for accounts created in the period),
        ``stage_now``.
    matrix : pandas.DataFrame
        From :func:`migration_matrix`.
    """
    if isinstance(period_days, bool) or not isinstance(period_days, (int, np.integer)) \
            or period_days <= 0:
        raise ParamError(f"migration_period_days must be a positive whole number, got "
                         f"{period_days!r}")
    now = as_of_date(as_of)
    earlier = now - dt.timedelta(days=int(period_days))
    before = stages_for(ws, earlier, rules)
    if current is None:
        after = stages_for(ws, now, rules)
    else:
        if not {"account_id", "stage"} <= set(current.columns):
            raise ParamError("current must have the columns account_id and stage")
        after = current[["account_id", "stage"]].sort_values(
            "account_id", kind="stable").reset_index(drop=True)
    matrix = migration_matrix(before, after)
    return _stage_pairs(before, after), matrix
