"""Engine queries of the ICP analysis: every read of the workspace tables lives here."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from helpers.core.errors import DataError, ParamError
from helpers.data.features import parse_as_of

__all__ = ["recent_engagement"]


def recent_engagement(ws, as_of, *, days: int = 180) -> pd.DataFrame:
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
    as_of = parse_as_of(as_of)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    t = ws.table("interactions")
    t = t.filter((t.timestamp < end) & (t.timestamp >= end - dt.timedelta(days=days)))
    out = t.group_by(account_id=t.account_id.cast("string")).aggregate(engagement=t.count())
    df = out.to_pandas()
    df["engagement"] = df["engagement"].astype("int64")
    return df
