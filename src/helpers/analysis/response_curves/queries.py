"""The response curves' engine work: spend and attributed outcome per channel and period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "OUTCOMES",
    "channel_periods",
]


#: Outcomes a curve can be fitted to, and what they mean.
OUTCOMES: dict[str, str] = {
    "opportunities": "opportunities created, by source_channel",
    "pipeline": "amount of opportunities created, by source_channel",
    "won_revenue": "amount of won opportunities, by source_channel and creation period",
}


def channel_periods(ws: Workspace, as_of: Any, *, outcome: str = "opportunities",
                    exclude_channels: Iterable[str] = ()) -> pd.DataFrame:
    """Spend and attributed outcome per channel and spend period, aggregated in the engine.

    Periods are the distinct ``period_start`` values of ``marketing_spend``; a period runs up
    to the next start (the last one up to ``as_of``). An opportunity belongs to the period
    in which it was created and to the channel named in its ``source_channel`` (matched
    case-insensitively to ``marketing_spend.channel``). Periods with spend but no
    opportunity get an outcome of 0. A last period that is not complete on ``as_of`` is
    dropped, so a half month does not look like a drop in response.

    Parameters
    ----------
    ws : Workspace
        Needs ``marketing_spend``; ``opportunities`` is optional (all outcomes are 0
        without it, and every channel falls back to a constant ROI of 0).
    as_of : date-like
        Analysis date; later rows are ignored.
    outcome : {"opportunities", "pipeline", "won_revenue"}
        What the curves explain, see :data:`OUTCOMES`.
    exclude_channels : iterable of str
        Channels to leave out (for example account-based programmes, planned by tier).

    Returns
    -------
    pandas.DataFrame
        ``channel, period_start, spend, outcome`` sorted by channel and period.

    Raises
    ------
    helpers.core.errors.ParamError
        For an unknown outcome.
    helpers.core.errors.DataError
        When ``marketing_spend`` is missing or has no rows up to ``as_of``.
    """
    if outcome not in OUTCOMES:
        raise ParamError(f"outcome: {outcome!r} is not known; choose one of "
                         f"{', '.join(OUTCOMES)}")
    if not ws.has("marketing_spend"):
        raise DataError("response curves need the marketing_spend table, which this data "
                        "source does not have")
    as_of_d = as_of_date(as_of)
    excluded = [str(c).strip().lower() for c in exclude_channels]
    spend = ws.table("marketing_spend")
    spend = spend.filter(spend.period_start.notnull(), spend.period_start <= as_of_d,
                         spend.channel.notnull())
    spend = spend.mutate(channel=spend.channel.strip().lower())
    if excluded:
        spend = spend.filter(~spend.channel.isin(excluded))
    spend = spend.group_by(["channel", "period_start"]).aggregate(
        spend=spend.spend.fill_null(0).sum())

    starts = sorted(pd.to_datetime(
        spend.select("period_start").distinct().to_pandas()["period_start"]).dt.date)
    if not starts:
        raise DataError(f"marketing_spend has no rows on or before {as_of_d}")
    # Each period ends where the next starts; the last one is as long as the typical period.
    gaps = np.diff([pd.Timestamp(s).value for s in starts])
    typical = pd.Timedelta(int(np.median(gaps)) if len(gaps) else 0)
    ends = [*starts[1:], (pd.Timestamp(starts[-1]) + typical).date()]
    complete_until = as_of_d + dt.timedelta(days=1)
    if len(starts) > 1 and ends[-1] > complete_until + dt.timedelta(days=3):
        starts, ends = starts[:-1], ends[:-1]
        spend = spend.filter(spend.period_start < pd.Timestamp(ends[-1]).date())
    periods = ibis.memtable(pd.DataFrame({
        "p_start": pd.to_datetime(starts), "p_end": pd.to_datetime(ends)}))
    periods = periods.mutate(p_start=periods.p_start.cast("date"),
                             p_end=periods.p_end.cast("date"))

    if ws.has("opportunities"):
        opp = ws.table("opportunities")
        opp = opp.filter(opp.created_date.notnull(), opp.created_date <= as_of_d,
                         opp.source_channel.notnull())
        opp = opp.mutate(channel=opp.source_channel.strip().lower())
        joined = opp.join(periods, [opp.created_date >= periods.p_start,
                                    opp.created_date < periods.p_end])
        amount = joined.amount.fill_null(0)
        value = {
            "opportunities": joined.count(),
            "pipeline": amount.sum(),
            "won_revenue": (joined.stage == "won").ifelse(amount, 0).sum(),
        }[outcome]
        attributed = joined.group_by(["channel", "p_start"]).aggregate(outcome=value)
        attributed = attributed.rename(a_channel="channel")
        result = spend.left_join(attributed, [spend.channel == attributed.a_channel,
                                              spend.period_start == attributed.p_start])
        result = result.select("channel", "period_start", "spend",
                               outcome=result.outcome.cast("float64").fill_null(0.0))
    else:
        result = spend.mutate(outcome=ibis.literal(0.0))
    df = result.to_pandas()
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["spend"] = df["spend"].astype(float)
    df["outcome"] = df["outcome"].astype(float)
    return df.sort_values(["channel", "period_start"]).reset_index(drop=True)
