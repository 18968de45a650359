"""Engine queries of the attribution: journeys, touch paths and their counts.

The only module of the package that reads the workspace; paths are built and counted in
the engine, so the same code runs on millions of touches.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis
import pandas as pd

from helpers.analysis.attribution.models import (
    CONVERSION,
    LABELS,
    NULL,
    START,
    _check,
    _heuristic_frame,
    _journey_frame,
    _summary_frames,
    _transition_frame,
)
from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date, as_of_end

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "heuristic_credits",
    "journey_transitions",
    "journeys",
    "path_summary",
    "path_transitions",
    "touch_paths",
    "won_totals",
]


_DAY = 86400.0


def journeys(ws: Workspace, as_of, *, lookback_days: int = 90):
    """The journeys to attribute, as an Ibis table (not executed).

    Parameters
    ----------
    ws : Workspace
        Needs ``interactions``; ``opportunities`` for converting journeys.
    as_of : date-like
        Analysis date.
    lookback_days : int
        Days of touches before each journey end.

    Returns
    -------
    ibis.Table
        ``journey_id, account_id, start_ts, end_ts, converted, value``.
    """
    if not ws.has("interactions"):
        raise DataError("attribution needs the interactions table, which the data lacks")
    end_all = as_of_end(as_of)
    look = ibis.interval(days=int(lookback_days))
    i = ws.table("interactions")
    i = i.filter(i.timestamp < end_all)
    recent = i.filter(i.timestamp >= end_all - dt.timedelta(days=int(lookback_days)))
    active = recent.select(account_id=recent.account_id.cast("string")).distinct()
    parts = []
    if ws.has("opportunities"):
        o = ws.table("opportunities")
        o = o.filter(o.created_date <= as_of_date(as_of))
        stage = o.stage.cast("string").lower()
        if "close_date" in o.columns:
            later = o.close_date.notnull() & (o.close_date > as_of_date(as_of))
            stage = ibis.ifelse(later, "open", stage)
        o = o.mutate(_stage=stage)
        done = o.filter(o._stage.isin(["won", "lost"]))
        end_ts = done.created_date.cast("timestamp") + ibis.interval(days=1)
        parts.append(done.select(
            journey_id=done.opportunity_id.cast("string"),
            account_id=done.account_id.cast("string"),
            start_ts=end_ts - look, end_ts=end_ts,
            converted=done._stage == "won",
            value=ibis.ifelse(done._stage == "won", done.amount.cast("float64").coalesce(0.0),
                              0.0),
        ))
        recent_opp = o.filter(o.created_date.cast("timestamp") >= end_all - dt.timedelta(
            days=int(lookback_days))).select(_acc=o.account_id.cast("string")).distinct()
        active = active.anti_join(recent_opp, active.account_id == recent_opp._acc)
    end_lit = ibis.literal(end_all, type="timestamp")
    parts.append(active.select(
        journey_id="account:" + active.account_id,
        account_id=active.account_id,
        start_ts=end_lit - look, end_ts=end_lit,
        converted=ibis.literal(False), value=ibis.literal(0.0),
    ))
    return parts[0].union(parts[1]) if len(parts) == 2 else parts[0]


def touch_paths(ws: Workspace, as_of, *, lookback_days: int = 90, label: str = "channel"):
    """One row per touch on a journey, with its position, as an Ibis table (not executed).

    Parameters
    ----------
    ws : Workspace
        Needs ``interactions``; ``content`` for content labels.
    as_of : date-like
        Analysis date.
    lookback_days : int
        Days of touches before each journey end.
    label : {"channel", "content_id", "content_type", "content_category", "topic"}
        What gets the credit. Content labels use only touches that carry a ``content_id``.

    Returns
    -------
    ibis.Table
        ``journey_id, label, position`` (0 = first), ``n_touches, days_before,
        converted, value``.
    """
    p = _journey_touches(ws, as_of, lookback_days=lookback_days, label=label)
    journey = ibis.window(group_by=p.journey_id)
    ordered = ibis.window(group_by=p.journey_id, order_by=[p.ts, p._tie])
    return p.select(
        journey_id=p.journey_id,
        label=p.label,
        position=ibis.row_number().over(ordered),
        n_touches=p.journey_id.count().over(journey),
        days_before=_days_before(p),
        converted=p.converted,
        value=p.value,
    )


def _days_before(p):
    return (p.end_ts.epoch_seconds() - p.ts.epoch_seconds()).cast("float64") / _DAY


def _journey_touches(ws: Workspace, as_of, *, lookback_days: int, label: str):
    """Every touch joined to each journey it lies on, unordered (see :func:`touch_paths`)."""
    if label not in LABELS:
        raise ParamError(f"label {label!r} is not supported; use one of {', '.join(LABELS)}")
    if int(lookback_days) < 1:
        raise ParamError(f"lookback_days must be at least 1, got {lookback_days}")
    ends = journeys(ws, as_of, lookback_days=lookback_days)
    i = ws.table("interactions")
    i = i.filter(i.timestamp < as_of_end(as_of))
    if label == "channel":
        touches = i.select(_acc=i.account_id.cast("string"), ts=i.timestamp,
                           _tie=i.interaction_id.cast("string"),
                           label=i.channel.cast("string").coalesce("(unknown)"))
    else:
        if not ws.has("content"):
            raise DataError(f"attribution by {label} needs the content table, which the data "
                            "lacks; use label='channel'")
        c = ws.table("content")
        i = i.filter(i.content_id.notnull())
        j = i.join(c, i.content_id.cast("string") == c.content_id.cast("string"))
        col = "content_id" if label == "content_id" else label
        touches = j.select(_acc=j.account_id.cast("string"), ts=j.timestamp,
                           _tie=j.interaction_id.cast("string"),
                           label=j[col].cast("string").coalesce("(unknown)"))
    return touches.join(ends, (touches._acc == ends.account_id) & (touches.ts >= ends.start_ts)
                        & (touches.ts < ends.end_ts))


def won_totals(ws: Workspace, as_of, *, lookback_days: int = 90) -> tuple[int, float]:
    """Won opportunities to attribute (stage as of ``as_of``): count and value.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    lookback_days : int

    Returns
    -------
    (int, float)
    """
    if not ws.has("opportunities"):
        return 0, 0.0
    ends = journeys(ws, as_of, lookback_days=lookback_days)
    won = ends.filter(ends.converted)
    res = won.aggregate(n=won.count(), v=won.value.sum()).to_pandas().iloc[0]
    return int(res["n"]), float(res["v"] if pd.notna(res["v"]) else 0.0)


def heuristic_credits(paths, *, half_life_days: float = 7.0,
                      position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)):
    """Conversions and value credited to each label by the five heuristic models.

    Parameters
    ----------
    paths : ibis.Table
        Output of :func:`touch_paths` (or any table with its columns).
    half_life_days : float
        Half-life of the time-decay model.
    position_weights : (float, float, float)
        Shares of the first touch, all middle touches together and the last touch.

    Returns
    -------
    pandas.DataFrame
        ``label, model, conversions, value``; only converting journeys give credit.
    """
    _check(1, half_life_days, position_weights)
    p = paths.filter(paths.converted)
    p = p.mutate(_decay=2.0 ** (-p.days_before / float(half_life_days)))
    p = p.mutate(_decay_w=p._decay / p._decay.sum().over(ibis.window(group_by=p.journey_id)))
    metrics = {}
    for name, w in _model_weights(p, position_weights).items():
        metrics[f"c_{name}"] = w.sum()
        metrics[f"v_{name}"] = (w * p.value).sum()
    return _heuristic_frame(p.group_by("label").aggregate(**metrics).to_pandas())


def _model_weights(p, position_weights) -> dict:
    """Each touch's share of its journey under the heuristic models (engine expressions).

    ``p`` has ``position, n_touches, value`` and ``_decay_w`` (time-decay weight already
    normalised per journey).
    """
    first_w, mid_w, last_w = (float(x) for x in position_weights)
    n = p.n_touches.cast("float64")
    pos = p.position
    u_shape = ibis.cases(
        (p.n_touches == 1, 1.0),
        (p.n_touches == 2, 0.5),
        (pos == 0, first_w),
        (pos == p.n_touches - 1, last_w),
        else_=mid_w / (n - 2.0),
    )
    if first_w + last_w == 0:
        u_shape = ibis.ifelse(p.n_touches <= 2, 1.0 / n, u_shape)
    return {
        "first_touch": ibis.ifelse(pos == 0, 1.0, 0.0),
        "last_touch": ibis.ifelse(pos == p.n_touches - 1, 1.0, 0.0),
        "linear": 1.0 / n,
        "time_decay": p._decay_w,
        "position_based": u_shape,
    }


def path_transitions(paths) -> pd.DataFrame:
    """First-order transition counts of all journeys, counted in the engine.

    Parameters
    ----------
    paths : ibis.Table
        Output of :func:`touch_paths`.

    Returns
    -------
    pandas.DataFrame
        ``from_state, to_state, count`` with the states :data:`START`, the labels,
        :data:`CONVERSION` and :data:`NULL`.
    """
    w = ibis.window(group_by=paths.journey_id, order_by=paths.position)
    nxt = paths.label.lead().over(w)
    end_state = ibis.ifelse(paths.converted, CONVERSION, NULL)
    steps = paths.select(from_state=paths.label, to_state=nxt.coalesce(end_state))
    starts = paths.filter(paths.position == 0).select(from_state=ibis.literal(START),
                                                      to_state=paths.label)
    both = steps.union(starts, distinct=False)
    return _transition_frame(
        both.group_by(["from_state", "to_state"]).aggregate(count=both.count()).to_pandas())


def path_summary(ws: Workspace, as_of, *, lookback_days: int = 90, label: str = "channel",
                 half_life_days: float = 7.0,
                 position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4),
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Heuristic credits and Markov transitions of all journeys in one pass over the paths.

    The same tables as ``heuristic_credits(touch_paths(...))`` and
    ``path_transitions(touch_paths(...))``, but the journeys are ordered once (position,
    next label and the time-decay normaliser share one window partitioning) and never
    stored in between: the engine returns one row per label and next state, and only
    those few rows are summed per label here.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    lookback_days : int
    label : str
        As in :func:`touch_paths`.
    half_life_days : float
    position_weights : (float, float, float)
        As in :func:`heuristic_credits`.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The heuristic credits (as :func:`heuristic_credits`) and the transition counts (as
        :func:`path_transitions`).
    """
    _check(lookback_days, half_life_days, position_weights)
    p = _journey_touches(ws, as_of, lookback_days=lookback_days, label=label)
    journey = ibis.window(group_by=p.journey_id)
    ordered = ibis.window(group_by=p.journey_id, order_by=[p.ts, p._tie])
    decay = 2.0 ** (-_days_before(p) / float(half_life_days))
    # A journey converts or not as a whole, so its decay normaliser is the same whether or
    # not the non-converting journeys are filtered out first.
    q = p.select(
        label=p.label,
        position=ibis.row_number().over(ordered),
        n_touches=p.journey_id.count().over(journey),
        next_label=p.label.lead().over(ordered),
        _decay_w=decay / decay.sum().over(journey),
        converted=p.converted,
        value=p.value,
    )
    metrics = {"count": q.count(), "starts": q.count(where=q.position == 0),
               "converted_touches": q.count(where=q.converted)}
    for name, w in _model_weights(q, position_weights).items():
        metrics[f"c_{name}"] = w.sum(where=q.converted)
        metrics[f"v_{name}"] = (w * q.value).sum(where=q.converted)
    end_state = ibis.ifelse(q.converted, CONVERSION, NULL)
    agg = q.group_by(from_state=q.label, to_state=q.next_label.coalesce(end_state)).aggregate(
        **metrics).to_pandas()
    return _summary_frames(agg)


def journey_transitions(ws: Workspace, as_of, *, lookback_days: int = 90,
                        label: str = "channel") -> pd.DataFrame:
    """Transition counts per journey: the Markov chain's raw material, one journey at a time.

    The same counts as :func:`path_summary` (summed over journeys they are its transition
    table), kept per journey so the journeys can be resampled.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    lookback_days : int
    label : str
        As in :func:`touch_paths`.

    Returns
    -------
    pandas.DataFrame
        ``journey_id, from_state, to_state, count``, including the ``(start)`` step.
    """
    p = _journey_touches(ws, as_of, lookback_days=lookback_days, label=label)
    ordered = ibis.window(group_by=p.journey_id, order_by=[p.ts, p._tie])
    q = p.select(journey_id=p.journey_id, label=p.label,
                 position=ibis.row_number().over(ordered),
                 next_label=p.label.lead().over(ordered), converted=p.converted)
    end_state = ibis.ifelse(q.converted, CONVERSION, NULL)
    agg = q.group_by(journey_id=q.journey_id, from_state=q.label,
                     to_state=q.next_label.coalesce(end_state)).aggregate(
        count=q.count(), starts=q.count(where=q.position == 0)).to_pandas()
    return _journey_frame(agg)


def _need_opportunities(ws: Workspace) -> None:
    if not ws.has("opportunities"):
        raise DataError("attribution needs the opportunities table, which the data lacks")
