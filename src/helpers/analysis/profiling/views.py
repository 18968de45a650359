"""Customer-profile tables for people: rounded, with display names and overall rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.profiling.activity import weekday_name
from helpers.analysis.profiling.segments import DASH, MISSING, OTHER
from helpers.presentation import i18n

__all__ = [
    "committee_shares", "committee_table", "evidence_table", "known_channels",
    "known_segments", "location_table", "p_text", "peak_table", "readable", "segment_series",
    "with_overall_row",
]


def known_segments(profile: pd.DataFrame) -> pd.DataFrame:
    """Rows of a segment table that are real segments: not ``"Other"``, not ``"(missing)"``.

    Parameters
    ----------
    profile : pandas.DataFrame
        A table with a ``segment`` column (:func:`base_profile`, :func:`behaviour_by_segment`,
        ...), or indexed by segment.

    Returns
    -------
    pandas.DataFrame
        The same table without the catch-all and unknown rows (and the overall rows
        ``"All"``, ``"All customers"``, ``"All accounts"``).
    """
    drop = [OTHER, MISSING, "All", "All customers", "All accounts"]
    seg = profile["segment"] if "segment" in profile.columns else profile.index.to_series()
    return profile[~seg.astype(str).isin(drop).to_numpy()]


def readable(frame: pd.DataFrame, digits: int = 1, *, drop_empty: bool = True) -> pd.DataFrame:
    """A table for a report page: numbers rounded, unknown values shown as "–".

    Missing, NaN and infinite values cannot be shown to a manager; the dash says "cannot
    be computed" and the report states why once.

    Parameters
    ----------
    frame : pandas.DataFrame
    digits : int
        Decimals of the float columns.
    drop_empty : bool
        Leave out columns without any value (a column of dashes says nothing); a table
        without rows keeps its columns.

    Returns
    -------
    pandas.DataFrame
        Object columns where a value was missing; others unchanged apart from rounding.
    """
    out = frame.copy()
    if drop_empty and len(out):
        out = out[[c for c in out.columns if out[c].notna().any()]]
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s.dtype):
            continue
        if pd.api.types.is_numeric_dtype(s.dtype):
            num = pd.to_numeric(s, errors="coerce").astype("float64")
            bad = ~np.isfinite(num.to_numpy())
            if pd.api.types.is_float_dtype(s.dtype):
                s = num.round(digits)
            if bad.any():
                s = s.astype("object").where(~bad, DASH)
        else:
            bad = s.isna().to_numpy()
            if bad.any():
                s = s.astype("object").where(~bad, DASH)
        out[col] = s
    return out


def _pct(v: Any) -> str:
    return f"{float(v):.0%}" if v is not None and np.isfinite(float(v)) else DASH


def p_text(v: Any) -> str:
    """A p-value as a report shows it: ``"< 0.001"``, ``"0.034"`` or ``"–"`` when unknown."""
    if not _known(v):
        return DASH
    return "< 0.001" if float(v) < 0.001 else f"{float(v):.3f}"


def _known(v: Any) -> bool:
    try:
        return v is not None and bool(np.isfinite(float(v)))
    except (TypeError, ValueError):
        return False


def segment_series(profile: pd.DataFrame, column: str, scale: float = 1.0) -> pd.Series:
    """One measure of the known segments, indexed by segment (for chart alt texts).

    Parameters
    ----------
    profile : pandas.DataFrame
        A segment table with a ``segment`` column.
    column : str
        The measure.
    scale : float, default 1.0
        Multiplier (100 for shares shown in percent).

    Returns
    -------
    pandas.Series
    """
    return known_segments(profile).set_index("segment")[column] * scale


def with_overall_row(frame: pd.DataFrame) -> pd.DataFrame:
    """The known segments of a segment table followed by its last (overall) row.

    Parameters
    ----------
    frame : pandas.DataFrame
        A segment table whose last row is the overall row (:func:`behaviour_by_segment`).

    Returns
    -------
    pandas.DataFrame
    """
    return pd.concat([known_segments(frame), frame.iloc[[-1]]])


def location_table(by_country: pd.DataFrame, *, rename: dict | None = None,
                   labels: dict | None = None) -> pd.DataFrame:
    """The country profile as the analyst table: counts and shares, indexed by country.

    Parameters
    ----------
    by_country : pandas.DataFrame
        :func:`base_profile` by ``country``.
    rename : dict, optional
        Display names of segments (``"Other"`` in the report language).
    labels : dict, optional
        Column headers in the report language (``segment`` must be among them).

    Returns
    -------
    pandas.DataFrame
    """
    labels = labels or {}
    shown = by_country.replace({"segment": rename or {}})[
        ["segment", "accounts", "customers", "revenue", "account_share", "revenue_share",
         "margin_share"]]
    return readable(shown, digits=3).rename(columns=labels).set_index(labels.get("segment", "segment"))


def known_channels(channels: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`channel_engagement` with a known channel."""
    return channels[channels.channel != MISSING]


def peak_table(peaks: pd.DataFrame, hours: bool = True, language: str = "en", *,
               rename: dict | None = None) -> pd.DataFrame:
    """The activity peaks per channel as a readable table.

    Parameters
    ----------
    peaks : pandas.DataFrame
        :func:`activity_peaks`.
    hours : bool, default True
        Whether the data has a time of day; without it the hour columns are left out.
    language : {"en", "zh"}
        Weekday names.
    rename : dict, optional
        Display names of channels.

    Returns
    -------
    pandas.DataFrame
        Rounded to 3 digits, p-values as text.
    """
    shown = peaks.assign(channel=peaks.channel.replace(rename or {}),
                         peak_weekday=[weekday_name(d, language) for d in peaks.peak_weekday],
                         weekday_p=peaks.weekday_p.map(p_text), hour_p=peaks.hour_p.map(p_text))
    if not hours:
        shown = shown.drop(columns=["peak_hour", "hour_share", "hour_p"])
    return readable(shown, digits=3)


def committee_shares(committee: pd.DataFrame, *, rename: dict | None = None) -> pd.DataFrame:
    """Percent of known contacts per role, one row per known segment.

    Parameters
    ----------
    committee : pandas.DataFrame
        :func:`buying_committee` (``segment`` and ``share_<role>`` columns).
    rename : dict, optional
        Display names of segments.

    Returns
    -------
    pandas.DataFrame
        Indexed by segment, one column per role, in percent.
    """
    roles = [c for c in committee.columns if c.startswith("share_")]
    shown = known_segments(committee.replace({"segment": rename or {}})).set_index("segment")
    return shown[roles].rename(columns=lambda c: c.removeprefix("share_")) * 100


def committee_table(committee: pd.DataFrame, *, rename: dict | None = None,
                    labels: dict | None = None, language: str = "en") -> pd.DataFrame:
    """The buying committee per segment as the analyst table.

    Parameters
    ----------
    committee : pandas.DataFrame
        :func:`buying_committee`.
    rename : dict, optional
        Display names of segments.
    labels : dict, optional
        Column headers in the report language; ``share_<role>`` columns are named from
        ``customer_profiling.col.role_share``.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        Indexed by segment.
    """
    labels = labels or {}
    roles = {c: i18n.t("customer_profiling.col.role_share", language, role=c.removeprefix("share_"))
             for c in committee.columns if c.startswith("share_")}
    shown = committee.replace({"segment": rename or {}}).assign(size_p=committee.size_p.map(p_text))
    return readable(shown.rename(columns={**labels, **roles}), digits=2).set_index(
        labels.get("segment", "segment"))


def evidence_table(*logs) -> pd.DataFrame:
    """The evidence tables of several finding logs, one below the other.

    Parameters
    ----------
    *logs : helpers.presentation.findings.FindingLog

    Returns
    -------
    pandas.DataFrame
    """
    return pd.concat([log.evidence() for log in logs], ignore_index=True)
