"""When accounts are active: interactions by weekday and hour, and the tested peaks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.profiling import queries
from helpers.analysis.profiling.segments import MISSING
from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date
from helpers.presentation import i18n
from helpers.stats import multiple_testing

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = ["WEEKDAYS", "activity_by_time", "activity_peaks", "has_time_of_day", "weekday_name"]


#: Weekday names for ``weekday`` indexes (Monday = 0).
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def activity_by_time(ws: Workspace, as_of, *, days: int | None = 365) -> pd.DataFrame:
    """Interactions per channel, weekday and hour of day, counted in the engine.

    Parameters
    ----------
    ws : Workspace
        Must provide ``interactions``.
    as_of : date-like
        Analysis date; later interactions are ignored.
    days : int, optional
        Only the last ``days`` days up to ``as_of``; ``None`` means all history.

    Returns
    -------
    pandas.DataFrame
        ``channel, weekday (0 = Monday), weekday_name, hour, interactions``.
    """
    if not ws.has("interactions"):
        raise DataError("activity by weekday and hour needs the interactions table")
    as_of = as_of_date(as_of)
    if days is not None and days <= 0:
        raise ParamError(f"days must be a positive number of days, got {days!r}")
    out = queries.interaction_counts(ws, as_of, days)
    out["weekday"] = out["weekday"].astype("int64")
    out["hour"] = out["hour"].astype("int64")
    out["interactions"] = out["interactions"].astype("int64")
    out.insert(2, "weekday_name", [WEEKDAYS[d] for d in out["weekday"]])
    return out.sort_values(["channel", "weekday", "hour"], ignore_index=True)


def _peak_p(counts: pd.Series, cells: int, method: str) -> float:
    """Adjusted p-value that the busiest of ``cells`` cells holds more than its even share.

    Every cell gets a one-sided binomial test against ``1 / cells``
    (:func:`helpers.stats.multiple_testing.share_test`); the cells form one family, corrected
    with ``method``; the busiest cell's adjusted p-value is returned.
    """
    full = counts.reindex(range(cells), fill_value=0).to_numpy(dtype=float)
    total = full.sum()
    if total <= 0:
        return np.nan
    raw = [multiple_testing.share_test(c, total, 1 / cells) for c in full]
    adj = multiple_testing.adjust(raw, method)
    return float(adj[int(np.argmax(full))])


def activity_peaks(activity: pd.DataFrame, *, method: str = "bh") -> pd.DataFrame:
    """Most active weekday and hour per channel, and for all channels together, with tests.

    Parameters
    ----------
    activity : pandas.DataFrame
        Output of :func:`activity_by_time`.
    method : str
        Correction over the 7 weekday (24 hour) cells of a channel (see
        :func:`helpers.stats.multiple_testing.adjust`).

    Returns
    -------
    pandas.DataFrame
        ``channel, interactions, peak_weekday, weekday_share, weekday_p, peak_hour,
        hour_share, hour_p``; the last row is ``channel="all"``. Shares are the peak's share
        of the channel's interactions (1/7 or 1/24 would mean no peak at all);
        ``weekday_p`` / ``hour_p`` are the peak cell's p-values against an even spread,
        corrected over the channel's cells (:func:`_peak_p`).
    """
    rows = []
    # interactions without a channel count for all channels, but are no channel of their own
    groups = [(ch, g) for ch, g in activity.groupby("channel", sort=True) if ch != MISSING]
    groups.append(("all", activity))
    for ch, g in groups:
        total = g["interactions"].sum()
        if not total:
            continue
        by_day = g.groupby("weekday")["interactions"].sum()
        by_hour = g.groupby("hour")["interactions"].sum()
        rows.append({
            "channel": ch, "interactions": int(total),
            "peak_weekday": WEEKDAYS[int(by_day.idxmax())],
            "weekday_share": float(by_day.max() / total),
            "weekday_p": _peak_p(by_day, 7, method),
            "peak_hour": int(by_hour.idxmax()),
            "hour_share": float(by_hour.max() / total),
            "hour_p": _peak_p(by_hour, 24, method),
        })
    return pd.DataFrame(rows, columns=["channel", "interactions", "peak_weekday",
                                       "weekday_share", "weekday_p", "peak_hour", "hour_share",
                                       "hour_p"])


def has_time_of_day(activity: pd.DataFrame) -> bool:
    """Whether the interactions carry a time of day: more than one hour holds interactions.

    Date-only timestamps all fall on 0:00; an hour peak on them would be an artefact.
    """
    if activity is None or activity.empty:
        return False
    return int(activity.loc[activity["interactions"] > 0, "hour"].nunique()) > 1


def weekday_name(weekday: int | str, language: str = "en", *, short: bool = False) -> str:
    """A weekday (``0`` = Monday, or an English name from :data:`WEEKDAYS`) in ``language``.

    ``weekday_name(2, "zh") == "星期三"``; ``short=True`` gives ``"Wed"`` / ``"周三"``.
    """
    name = WEEKDAYS[weekday] if isinstance(weekday, (int, np.integer)) else str(weekday)
    kind = "weekday_short" if short else "weekday"
    return i18n.t(f"customer_profiling.{kind}.{name.lower()}", language)
