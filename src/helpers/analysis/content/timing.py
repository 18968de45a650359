"""Send timing: touches by channel, weekday and hour, and the busiest send windows and days."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.content.definitions import WEEKDAYS, _check_positive
from helpers.analysis.content.queries import _need, timing_counts
from helpers.core.errors import ParamError

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "best_send_days",
    "best_send_windows",
    "engagement_by_time",
    "send_time_peaks",
]


def engagement_by_time(ws: Workspace, as_of, *, events: Iterable[str] | None = None,
                       since_days: int = 0) -> pd.DataFrame:
    """Touches per channel, weekday and hour (timestamps as stored, local time).

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    events : iterable of str, optional
        Only these event types (e.g. opens and clicks); all when omitted.
    since_days : int
        Only the last ``since_days`` days; 0 means all.

    Returns
    -------
    pandas.DataFrame
        ``channel, weekday`` (0 = Monday), ``hour, touches``; every weekday-hour cell of
        every channel, zeros included.
    """
    _need(ws, "interactions", what="timing")
    agg = timing_counts(ws, as_of, events=events, since_days=since_days)
    channels = sorted(agg["channel"].dropna().unique())
    full = pd.MultiIndex.from_product([channels, range(7), range(24)],
                                      names=["channel", "weekday", "hour"])
    out = agg.dropna(subset=["channel"]).set_index(["channel", "weekday", "hour"])["touches"]
    out = out.reindex(full, fill_value=0).astype("int64").reset_index()
    return out


def best_send_windows(timing: pd.DataFrame, *, window_hours: int = 2,
                      min_sample: int = 200) -> pd.DataFrame:
    """The busiest weekday and hour window per channel, with the sample behind it.

    Windows are ``window_hours`` consecutive hours within one day.

    Parameters
    ----------
    timing : pandas.DataFrame
        Output of :func:`engagement_by_time`.
    window_hours : int
    min_sample : int
        Channels with fewer touches get no window (``enough_data`` False).

    Returns
    -------
    pandas.DataFrame
        ``channel, weekday, weekday_name, hour_start, hour_end`` (exclusive),
        ``touches_in_window, touches, share, lift`` (share over the share of an even
        spread), ``enough_data``, most touches first.
    """
    window_hours = _check_positive("window_hours", window_hours)
    if window_hours > 24:
        raise ParamError(f"window_hours must be at most 24, got {window_hours}")
    rows = []
    for ch, g in timing.groupby("channel", sort=True):
        grid = np.zeros((7, 24))
        grid[g["weekday"].to_numpy(int), g["hour"].to_numpy(int)] = g["touches"].to_numpy(float)
        csum = np.concatenate([np.zeros((7, 1)), grid.cumsum(axis=1)], axis=1)
        win = csum[:, window_hours:] - csum[:, :-window_hours]
        total = float(grid.sum())
        d, h = np.unravel_index(int(win.argmax()), win.shape)
        enough = total >= min_sample
        share = win[d, h] / total if total else np.nan
        rows.append({
            "channel": ch, "weekday": int(d) if enough else np.nan,
            "weekday_name": WEEKDAYS[d] if enough else "",
            "hour_start": int(h) if enough else np.nan,
            "hour_end": int(h) + window_hours if enough else np.nan,
            "touches_in_window": int(win[d, h]), "touches": int(total), "share": share,
            "lift": share / (window_hours / 168) if total else np.nan, "enough_data": enough,
        })
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    for col in ("weekday", "hour_start", "hour_end"):
        out[col] = out[col].astype("Int64")
    return out.sort_values("touches", ascending=False, ignore_index=True)


def best_send_days(timing: pd.DataFrame, *, min_sample: int = 200) -> pd.DataFrame:
    """The busiest weekday per channel: the send-time view for timestamps without a time.

    Date-only timestamps all fall at midnight, so an hour window would be invented; the
    weekday still is a fact of the data.

    Parameters
    ----------
    timing : pandas.DataFrame
        Output of :func:`engagement_by_time` (its hours are ignored).
    min_sample : int
        Channels with fewer touches get no day (``enough_data`` False).

    Returns
    -------
    pandas.DataFrame
        ``channel, weekday`` (0 = Monday, missing without enough data), ``weekday_name,
        touches_on_day, touches, share, lift`` (share over an even spread of 1/7),
        ``enough_data``, most touches first; empty without touches.
    """
    min_sample = _check_positive("min_sample", min_sample)
    cols = ["channel", "weekday", "weekday_name", "touches_on_day", "touches", "share", "lift",
            "enough_data"]
    rows = []
    for ch, g in timing.groupby("channel", sort=True):
        days = g.groupby("weekday")["touches"].sum().reindex(range(7), fill_value=0)
        total = int(days.sum())
        if not total:
            continue
        d = int(days.to_numpy().argmax())
        enough = total >= min_sample
        share = float(days.iloc[d]) / total
        rows.append({"channel": ch, "weekday": d if enough else pd.NA,
                     "weekday_name": WEEKDAYS[d] if enough else "",
                     "touches_on_day": int(days.iloc[d]), "touches": total, "share": share,
                     "lift": share * 7, "enough_data": enough})
    out = pd.DataFrame(rows, columns=cols)
    out["weekday"] = out["weekday"].astype("Int64")
    return out.sort_values(["touches", "channel"], ascending=[False, True], ignore_index=True)


def send_time_peaks(shown: pd.DataFrame | None) -> pd.DataFrame | None:
    """The send windows (or days) whose peak passed its test.

    Parameters
    ----------
    shown : pandas.DataFrame or None
        Tested windows with enough data (:func:`send_time_tests`).

    Returns
    -------
    pandas.DataFrame or None
        None when nothing was shown or no peak passed.
    """
    if shown is None or not len(shown):
        return None
    peaks = shown[shown.significant.astype(bool)]
    return peaks if len(peaks) else None
