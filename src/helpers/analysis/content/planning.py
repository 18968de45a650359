"""Content planning: publishing calendar, pain-point coverage and the channels of each asset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.content.definitions import CONTENT_LEVELS, _check_positive
from helpers.analysis.content.queries import (
    _need,
    _need_pain_points,
    calendar_counts,
    distribution_counts,
    pain_point_counts,
)
from helpers.core.errors import ParamError
from helpers.core.params import as_of_date

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "channel_touch_share",
    "content_distribution",
    "coverage_gaps",
    "publishing_calendar",
]


def publishing_calendar(ws: Workspace, as_of, *, by: str = "content_category",
                        months: int = 24) -> pd.DataFrame:
    """Assets published per month and group over the last ``months`` months.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    by : {"content_type", "content_category", "topic"}
    months : int

    Returns
    -------
    pandas.DataFrame
        Index: month (first day, every month present, zeros filled); columns: groups.
    """
    _need(ws, "content", what="the publishing calendar")
    if by not in CONTENT_LEVELS[1:]:
        raise ParamError(f"by={by!r} is not supported; use content_type, content_category "
                         "or topic")
    months = _check_positive("months", months)
    end = pd.Timestamp(as_of_date(as_of))
    first = (end - pd.DateOffset(months=months - 1)).to_period("M").to_timestamp()
    frame = calendar_counts(ws, as_of, by=by, first=first.date())
    index = pd.date_range(first, end, freq="MS")
    if frame.empty:
        return pd.DataFrame(index=index.rename("month"))
    frame["month"] = pd.to_datetime(frame["month"])
    wide = frame.pivot_table(index="month", columns="key", values="n", aggfunc="sum")
    wide = wide.reindex(index, fill_value=0).fillna(0).astype("int64")
    wide.index.name = "month"
    wide.columns.name = None
    return wide


def coverage_gaps(ws: Workspace, as_of, *, topic_map: Mapping[str, Iterable[str]] | None = None,
                  since_days: int = 730, recent_days: int = 365) -> pd.DataFrame:
    """Pain points raised in surveys, and how much content addresses each.

    A tag is covered by an asset when the tag, or one of the topics ``topic_map`` lists
    for it, appears (case-insensitive) in the asset's topic or title.

    Parameters
    ----------
    ws : Workspace
        Needs ``surveys`` (with ``pain_points``) and ``content``.
    as_of : date-like
    topic_map : mapping of str to list of str, optional
        Extra wording per tag, e.g. ``{"security": ["Cybersecurity"]}``; needed when
        topics are in another language than the tags.
    since_days : int
        Survey answers from the last ``since_days`` days.
    recent_days : int
        Assets published in the last ``recent_days`` count as recent.

    Returns
    -------
    pandas.DataFrame
        ``pain_point, responses, accounts, share_of_responses, assets, recent_assets,
        gap`` (no recent asset), most-mentioned first.
    """
    _need(ws, "surveys", "content", what="coverage gaps")
    _need_pain_points(ws)
    since_days = _check_positive("since_days", since_days)
    total, mentions, catalogue = pain_point_counts(ws, as_of, since_days=since_days)
    text = (catalogue["topic"] + " " + catalogue["title"]).str.lower()
    recent = pd.to_datetime(catalogue["publish_date"]) > pd.Timestamp(as_of_date(as_of)) - pd.Timedelta(
        days=recent_days)
    mapping = {str(k).lower(): [str(v).lower() for v in vs] for k, vs in (topic_map or {}).items()}
    assets, recent_assets = [], []
    for tag in mentions["tag"]:  # a handful of tags, each a vectorised string search
        words = [tag, *mapping.get(tag, [])]
        hit = np.zeros(len(text), dtype=bool)
        for w in words:
            hit |= text.str.contains(w, regex=False).to_numpy()
        assets.append(int(hit.sum()))
        recent_assets.append(int((hit & recent.to_numpy()).sum()))
    out = mentions.rename(columns={"tag": "pain_point"})
    out["share_of_responses"] = out["responses"] / total if total else np.nan
    out["assets"] = assets
    out["recent_assets"] = recent_assets
    out["gap"] = out["recent_assets"] == 0
    return out.sort_values(["responses", "pain_point"], ascending=[False, True],
                           ignore_index=True)


def content_distribution(ws: Workspace, as_of, *, since_days: int = 0) -> pd.DataFrame:
    """Which channels carry each asset: content touches per asset and channel.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    since_days : int
        Only touches in the last ``since_days`` days; 0 means all.

    Returns
    -------
    pandas.DataFrame
        Index ``content_id``; one column of touches per channel, then ``channels`` (how
        many carry the asset) and ``main_channel`` with ``main_share``.
    """
    _need(ws, "interactions", what="content distribution")
    agg = distribution_counts(ws, as_of, since_days=since_days)
    if agg.empty:
        return pd.DataFrame(columns=["channels", "main_channel", "main_share"])
    wide = agg.pivot_table(index="t_content", columns="t_channel", values="n", aggfunc="sum",
                           fill_value=0).astype("int64")
    wide.index.name, wide.columns.name = "content_id", None
    totals = wide.sum(axis=1)
    out = wide.copy()
    out["channels"] = (wide > 0).sum(axis=1)
    out["main_channel"] = wide.idxmax(axis=1)
    out["main_share"] = wide.max(axis=1) / totals
    return out


def channel_touch_share(distribution: pd.DataFrame) -> pd.Series:
    """Each channel's share of all content touches, largest first.

    Parameters
    ----------
    distribution : pandas.DataFrame
        :func:`content_distribution`: touches per asset and channel plus ``channels``,
        ``main_channel`` and ``main_share``.

    Returns
    -------
    pandas.Series
        Shares that add up to 1, indexed by channel.
    """
    carriers = distribution.drop(columns=["channels", "main_channel", "main_share"], errors="ignore")
    total = carriers.to_numpy().sum()
    return (carriers.sum() / total if total else carriers.sum() * 0.0).sort_values(ascending=False)
