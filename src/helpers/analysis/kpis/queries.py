"""Engine queries behind the KPIs: every read of the workspace.

Each query returns a small pandas frame (one row per window, or per window and account);
the KPI formulas are applied to them in pandas (:mod:`.series`, :mod:`.channels`,
:mod:`.pipeline`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from helpers.core.errors import DataError, ParamError, suggest
from helpers.core.params import as_of_date

from .formulas import CLOSED_STAGES, CSAT_SATISFIED, NPS_DETRACTOR, NPS_PROMOTER
from .periods import _month_index

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__: list[str] = []  # private engine queries, used by the sibling modules


def _periods_table(frame: pd.DataFrame):
    """The windows of ``frame`` as an engine table, to join the event tables on."""
    cols = ["period", "start", "end", "cur_lo", "base_lo", "base_hi"]
    df = frame[cols].copy()
    starts = [pd.Timestamp(v).date() for v in df["start"]]
    ends = [pd.Timestamp(v).date() for v in df["end"]]
    for c in cols[1:]:
        df[c] = pd.to_datetime(df[c])
    # The months (as :func:`_month_index`) whose first day lies in [start, end]: lets event
    # tables be bucketed by a cheap integer month instead of a truncated date.
    df["m_start"] = [_month_index(s) + (s.day > 1) for s in starts]
    df["m_end"] = [_month_index(e) for e in ends]
    return ibis.memtable(df).cast({c: "date" for c in cols[1:]} | {"m_start": "int64",
                                                                  "m_end": "int64"})


# The engine queries return one row per window (``period``), or with ``per_account`` one row
# per window and account. Comparisons sum the per-account rows into any number of splits in
# pandas, so the large tables are read once however many splits are compared.


def _group_map(ws: Workspace, by: str | None, groups: pd.DataFrame | None) -> pd.DataFrame:
    """``account_id, grp`` for one comparison split (small: one row per account).

    Accounts without a group value belong to no group: a missing region is not a region.
    """
    if groups is not None:
        if not {"account_id", "group"} <= set(groups.columns):
            raise ParamError("groups must have the columns account_id and group")
        df = groups[["account_id", "group"]].astype({"account_id": "string", "group": "string"})
        df = df[df["group"].notna() & (df["group"].str.strip() != "")]
        # group names as the engine gives them back (pandas' default text)
        return df.astype({"group": "str"}).rename(columns={"group": "grp"})
    accounts = ws.table("accounts")
    if by not in accounts.columns:
        raise ParamError(f"cannot compare by {by!r}: accounts has no such column"
                         + suggest(by, list(accounts.columns)))
    grp = accounts[by].cast("string").strip()
    known = accounts.filter(grp.notnull() & (grp != ""))
    return known.select("account_id", grp=known[by].cast("string")).to_pandas()


def _keys(per_account: bool) -> list[str]:
    return ["period", "account_id"] if per_account else ["period"]


def _orders(ws: Workspace, day: dt.date):
    o = ws.table("orders")
    return o.filter(o.order_date.notnull(), o.order_date <= day, o.account_id.notnull())


def _order_metrics(ws: Workspace, day, P, per_account: bool) -> list[pd.DataFrame]:
    o = _orders(ws, day)
    am = (o.mutate(month=o.order_date.truncate("M").cast("date"))
          .group_by(["account_id", "month"])
          .agg(revenue=o.amount.sum(), margin=o.gross_margin.sum(),
               margin_n=o.gross_margin.count()))
    keys = _keys(per_account)

    # revenue and margin in the period (periods are whole months)
    j = am.join(P, (am.month >= P.start) & (am.month <= P.end))
    revenue = j.group_by(keys).agg(revenue=j.revenue.sum(), gross_margin=j.margin.sum())

    # retention: per account, revenue in the base and the trailing 12 months
    j = am.join(P, (am.month >= P.base_lo) & (am.month <= P.end))
    per = j.group_by(["period", "account_id"]).agg(
        r0=j.revenue.sum(where=j.month <= j.base_hi),
        r1=j.revenue.sum(where=j.month >= j.cur_lo),
        m1=j.margin.sum(where=j.month >= j.cur_lo),
        mn=j.margin_n.sum(where=j.month >= j.cur_lo),
    )
    per = per.mutate(r0=per.r0.fill_null(0).clip(lower=0), r1=per.r1.fill_null(0).clip(lower=0),
                     m1=per.m1.fill_null(0), mn=per.mn.fill_null(0))
    cohort = per.r0 > 0
    retention = per.group_by(keys).agg(
        customers_start=per.account_id.count(where=cohort),
        churned=per.account_id.count(where=cohort & (per.r1 <= 0)),
        base_revenue=per.r0.sum(where=cohort),
        kept_revenue=ibis.least(per.r1, per.r0).sum(where=cohort),
        cohort_revenue=per.r1.sum(where=cohort),
        active_customers=per.account_id.count(where=per.r1 > 0),
        margin_12m=per.m1.sum(where=per.r1 > 0),
        # orders with a recorded margin: without any, the margin is unknown, not zero
        margin_orders=per.mn.sum(where=per.r1 > 0),
    )

    # new customers: first positive order in the period
    first = (o.filter(o.amount > 0).group_by("account_id")
             .agg(first_order=o.order_date.min()))
    j = first.join(P, (first.first_order >= P.start) & (first.first_order <= P.end))
    new = j.group_by(keys).agg(new_customers=j.account_id.count())
    return [revenue.to_pandas(), retention.to_pandas(), new.to_pandas()]


def _spend_metrics(ws: Workspace, day, P) -> pd.DataFrame:
    s = ws.table("marketing_spend")
    s = s.filter(s.period_start.notnull(), s.period_start <= day)
    j = s.join(P, (s.period_start >= P.start) & (s.period_start <= P.end))
    return j.group_by("period").agg(spend=j.spend.sum()).to_pandas()


def _won_expr(t, day):
    # an opportunity closed after as_of was still open on as_of
    closed_on = t.close_date.fill_null(t.created_date)
    return (t.stage == "won") & (closed_on <= day)


def _funnel_metrics(ws: Workspace, day, P, per_account: bool, since: dt.date) -> list[pd.DataFrame]:
    keys = _keys(per_account)
    out = []
    opp_pa = None
    if ws.has("opportunities"):
        op = ws.table("opportunities")
        op = op.filter(op.created_date.notnull(), op.created_date <= day, op.account_id.notnull())
        j = op.join(P, (op.created_date >= P.start) & (op.created_date <= P.end))
        opp_pa = j.group_by(["period", "account_id"]).agg(won=_won_expr(j, day).any())
        out.append(opp_pa.group_by(keys).agg(opportunity_accounts=opp_pa.account_id.count())
                   .to_pandas())
        closed = op.filter(op.close_date.notnull(), op.close_date <= day,
                           op.stage.isin(["won", "lost"]))
        j = closed.join(P, (closed.close_date >= P.start) & (closed.close_date <= P.end))
        agg = {"opps_won": j.opportunity_id.count(where=j.stage == "won"),
               "opps_lost": j.opportunity_id.count(where=j.stage == "lost")}
        if not per_account:  # a median does not add up over accounts
            # A filter inside the median compiles to SQL that Spark rejects; a null does not.
            cycle = j.close_date.delta(j.created_date, unit="day")
            agg["sales_cycle_days"] = ibis.ifelse(j.stage == "won", cycle, ibis.null()).median()
        out.append(j.group_by(keys).agg(**agg).to_pandas())
    if ws.has("interactions"):
        it = ws.table("interactions")
        on = it.timestamp.date()
        # no window starts before ``since``, so earlier rows cannot count
        it = it.filter(it.timestamp.notnull(), on <= day, on >= since, it.account_id.notnull())
        # (account, month) pairs with an interaction; an integer month is much cheaper than a
        # truncated date on a large interaction table, and P carries the same month numbers
        em = it.select("account_id", month=on.year() * 12 + on.month() - 1).distinct()
        j = em.join(P, (em.month >= P.m_start) & (em.month <= P.m_end))
        engaged = j.select("period", "account_id").distinct()
        if opp_pa is not None:
            f = engaged.left_join(opp_pa, ["period", "account_id"])
            # won is null for engaged accounts without an opportunity in the period
            out.append(f.group_by(keys).agg(
                engaged=f.account_id.count(),
                engaged_opp=f.account_id.count(where=f.won.notnull()),
                engaged_won=f.account_id.count(where=f.won.fill_null(False)),
            ).to_pandas())
        else:
            out.append(engaged.group_by(keys).agg(engaged=engaged.account_id.count()).to_pandas())
    return out


def _survey_metrics(ws: Workspace, day, P, per_account: bool) -> pd.DataFrame:
    s = ws.table("surveys")
    s = s.filter(s.response_date.notnull(), s.response_date <= day)
    j = s.join(P, (s.response_date >= P.start) & (s.response_date <= P.end))
    agg = {
        "nps_responses": j.nps.count(),
        "promoters": j.nps.count(where=j.nps >= NPS_PROMOTER),
        "detractors": j.nps.count(where=j.nps <= NPS_DETRACTOR),
    }
    if "csat" in j.columns:
        agg |= {"csat_responses": j.csat.count(), "csat_satisfied": j.csat.count(
            where=j.csat >= CSAT_SATISFIED)}
        if not per_account:  # a mean does not add up over accounts
            agg["csat_mean"] = j.csat.mean()
    return j.group_by(_keys(per_account)).agg(**agg).to_pandas()


def _engine_parts(ws: Workspace, day: dt.date, frame: pd.DataFrame, *,
                  per_account: bool = False) -> list[pd.DataFrame]:
    """Run every engine query for the windows in ``frame``; one small frame per query."""
    if not ws.has("orders") or not ws.has("accounts"):
        raise DataError("KPIs need the accounts and orders tables")
    P = _periods_table(frame)
    since = min(pd.Timestamp(v).date() for v in frame["start"])
    parts = _order_metrics(ws, day, P, per_account)
    if not per_account and ws.has("marketing_spend"):
        parts.append(_spend_metrics(ws, day, P))
    parts += _funnel_metrics(ws, day, P, per_account, since)
    if ws.has("surveys"):
        parts.append(_survey_metrics(ws, day, P, per_account))
    if per_account:
        # rows without an account belong to no group (as in an inner join)
        parts = [p[p["account_id"].notna()] for p in parts]
    return parts


def _spend_start(ws: Workspace, day: dt.date) -> dt.date | None:
    """First month with marketing spend on or before ``day`` (``None``: no spend)."""
    if not ws.has("marketing_spend"):
        return None
    s = ws.table("marketing_spend")
    first = s.filter(s.period_start.notnull(), s.period_start <= day).period_start.min()
    first = first.to_pandas()
    return None if first is None or pd.isna(first) else pd.Timestamp(first).date()


def _data_start(ws: Workspace, day: dt.date) -> dt.date | None:
    o = _orders(ws, day)
    first = o.order_date.min().to_pandas()
    return None if first is None or pd.isna(first) else pd.Timestamp(first).date()


def _query_channel_customers(ws: Workspace, day: dt.date, start: Any) -> pd.DataFrame:
    """New customers per acquisition channel from ``start`` to ``day``.

    ``channel, new_customers`` and, when the accounts carry ``acquisition_cost``,
    ``recorded, cost_mean, cost_sd`` of the recorded costs.
    """
    o = _orders(ws, day)
    first = o.filter(o.amount > 0).group_by("account_id").agg(first_order=o.order_date.min())
    first = first.filter((first.first_order >= start) & (first.first_order <= day))
    acc = ws.table("accounts")
    has_cost = "acquisition_cost" in acc.columns
    cols = [acc.acquisition_channel.cast("string").name("channel")]
    if has_cost:
        cols.append(acc.acquisition_cost.cast("float64").name("cost"))
    new = first.join(acc.select("account_id", *cols), "account_id")
    agg = {"new_customers": new.account_id.count()}
    if has_cost:
        agg |= {"recorded": new.cost.count(), "cost_mean": new.cost.mean(),
                "cost_sd": new.cost.std()}
    return new.group_by("channel").agg(**agg).to_pandas()


def _query_channel_spend(ws: Workspace, day: dt.date, start: Any) -> pd.DataFrame | None:
    """Marketing spend per spend channel from ``start`` to ``day`` (``None``: no spend table)."""
    if not ws.has("marketing_spend"):
        return None
    s = ws.table("marketing_spend")
    s = s.filter(s.period_start >= start, s.period_start <= day)
    return s.group_by("channel").agg(cost=s.spend.sum()).to_pandas()


def _query_pipeline(ws: Workspace, as_of: Any, since: Any) -> list[pd.DataFrame] | None:
    """Open opportunities on ``as_of`` and those closed since ``since``, by stage
    (``None``: no ``opportunities`` table with ``stage``, ``amount`` and ``created_date``)."""
    if not ws.has("opportunities"):
        return None
    op = ws.table("opportunities")
    if not {"stage", "amount", "created_date"} <= set(op.columns):
        return None
    day = as_of_date(as_of)
    op = op.filter(op.created_date.notnull(), op.created_date <= day, op.stage.notnull())
    closed = op.stage.isin(list(CLOSED_STAGES))
    closed_by_then = closed & op.close_date.notnull() & (op.close_date <= day) \
        if "close_date" in op.columns else closed
    open_stage = ibis.ifelse(closed, ibis.literal("open"), op.stage)
    frames = []
    opened = op.filter(~closed_by_then).mutate(stage=open_stage)
    frames.append(opened.group_by("stage").agg(opportunities=opened.count(),
                                               value=opened.amount.sum())
                  .to_pandas().assign(status="open"))
    if since is not None and "close_date" in op.columns:
        start = as_of_date(since)
        done = op.filter(closed_by_then, op.close_date >= start)
        frames.append(done.group_by("stage").agg(opportunities=done.count(),
                                                 value=done.amount.sum())
                      .to_pandas().assign(status="closed"))
    return frames
