"""Engine queries of the customer profile: every read of the workspace event tables lives here.

Each function aggregates an event table in the engine (interactions, contacts,
opportunities, surveys) and hands a small frame to the pandas steps of the other modules.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import pandas as pd

from helpers.analysis.profiling.segments import MISSING
from helpers.core.errors import DataError
from helpers.core.params import as_of_date

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = ["contact_roles", "interaction_counts", "opportunity_cycles", "pain_point_mentions"]


def interaction_counts(ws: Workspace, as_of: dt.date, days: int | None) -> pd.DataFrame:
    """Interactions per channel, weekday and hour of day up to ``as_of``.

    Parameters
    ----------
    ws : Workspace
        Must provide ``interactions``.
    as_of : datetime.date
        Parsed analysis date.
    days : int, optional
        Only the last ``days`` days; ``None`` means all history.

    Returns
    -------
    pandas.DataFrame
        ``channel, weekday (0 = Monday), hour, interactions`` as the engine returns them.
    """
    t = ws.table("interactions")
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    cond = t.timestamp < end
    if days is not None:
        cond &= t.timestamp >= end - dt.timedelta(days=days)
    t = t.filter(cond & t.timestamp.notnull())
    expr = t.group_by(
        channel=t.channel.cast("string").fill_null(MISSING),
        weekday=t.timestamp.day_of_week.index(),
        hour=t.timestamp.hour(),
    ).aggregate(interactions=t.count())
    return expr.to_pandas()


def contact_roles(ws: Workspace) -> pd.DataFrame:
    """Contacts per account and role (lower case, missing roles as ``"other"``).

    Parameters
    ----------
    ws : Workspace
        Must provide ``contacts``.

    Returns
    -------
    pandas.DataFrame
        ``account_id, role, n``.
    """
    c = ws.table("contacts")
    per = c.group_by(account_id=c.account_id.cast("string"),
                     role=c.role.cast("string").lower().fill_null("other")).aggregate(n=c.count())
    return per.to_pandas()


def opportunity_cycles(ws: Workspace, as_of: dt.date) -> pd.DataFrame:
    """Opportunities created up to ``as_of``, counted per account, outcome and cycle length.

    An opportunity is closed when its stage is won or lost and its close date (if the column
    exists) is on or before ``as_of``; the cycle is ``close_date - created_date`` in days.

    Parameters
    ----------
    ws : Workspace
        Must provide ``opportunities``.
    as_of : datetime.date
        Parsed analysis date.

    Returns
    -------
    pandas.DataFrame
        ``account_id, closed, won, cycle, n``.
    """
    o = ws.table("opportunities")
    o = o.filter(o.created_date <= as_of)
    stage = o.stage.cast("string").lower()
    has_close = "close_date" in o.columns
    closed = stage.isin(["won", "lost"])
    if has_close:
        closed &= o.close_date.isnull() | (o.close_date <= as_of)
        cycle = ibis.ifelse(closed, o.close_date.delta(o.created_date, unit="day"),
                            ibis.null("int64"))
    else:
        cycle = ibis.null("int64")
    rows = o.select(account_id=o.account_id.cast("string"), closed=closed,
                    won=closed & (stage == "won"), cycle=cycle)
    # Per account and cycle length keeps the transfer small and lets pandas take medians.
    agg = rows.group_by("account_id", "closed", "won", "cycle").aggregate(n=rows.count())
    return agg.to_pandas()


def pain_point_mentions(ws: Workspace, as_of, separator: str = ";"
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Survey responses per account and pain-point tag mentions per account, up to ``as_of``.

    Parameters
    ----------
    ws : Workspace
        Must provide ``surveys`` with a ``pain_points`` column.
    as_of : date-like
        Analysis date; later responses are ignored.
    separator : str
        Separator between tags.

    Returns
    -------
    responses : pandas.DataFrame
        ``account_id, responses``.
    mentions : pandas.DataFrame
        ``account_id, tag, mentions`` with tags stripped and lower case.
    """
    s = ws.table("surveys")
    if "pain_points" not in s.columns:
        raise DataError("the surveys table has no pain_points column, so pain points cannot "
                        "be ranked")
    as_of = as_of_date(as_of)
    s = s.filter(s.response_date <= as_of)
    responses = s.group_by(account_id=s.account_id.cast("string")).aggregate(responses=s.count())
    tags = s.select(account_id=s.account_id.cast("string"),
                    tag=s.pain_points.cast("string").split(separator).unnest())
    tags = tags.mutate(tag=tags.tag.strip().lower())
    tags = tags.filter(tags.tag.notnull() & (tags.tag != ""))
    mentions = tags.group_by("account_id", "tag").aggregate(mentions=tags.count())
    return responses.to_pandas(), mentions.to_pandas()
