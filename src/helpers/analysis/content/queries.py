"""Engine queries of the content evaluation: the only place that reads the workspace.

Each query counts in the engine and returns small pandas frames (or, for the shared
:class:`TouchSummary`, engine tables kept for several queries); the other modules of the
package turn those frames into the tables of the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from helpers.analysis.content.definitions import (
    ENGAGED_EVENTS,
    INTERACTION_EVENTS,
    _check_credit,
    _check_positive,
    _events,
)
from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date, as_of_end

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "TouchSummary",
    "calendar_counts",
    "channel_counts",
    "distribution_counts",
    "mix_counts",
    "pain_point_counts",
    "performance_counts",
    "stage_counts",
    "timing_counts",
    "touch_summary",
]


def _need(ws: Workspace, *tables: str, what: str) -> None:
    missing = [t for t in tables if not ws.has(t)]
    if missing:
        raise DataError(f"{what} needs the {' and '.join(missing)} table(s), which the data "
                        "source lacks")


def _opportunities(ws: Workspace, as_of):
    o = ws.table("opportunities")
    o = o.filter(o.created_date <= as_of_date(as_of))
    stage = o.stage.cast("string").lower()
    if "close_date" in o.columns:
        stage = ibis.ifelse(o.close_date.notnull() & (o.close_date > as_of_date(as_of)), "open", stage)
    cols = {
        "o_acc": o.account_id.cast("string"), "o_id": o.opportunity_id.cast("string"),
        "o_day": o.created_date, "o_amount": o.amount.cast("float64").coalesce(0.0),
        "o_won": stage == "won",
        "o_content": (o.source_content_id.cast("string") if "source_content_id" in o.columns
                      else ibis.null("string")),
        "o_channel": (o.source_channel.cast("string") if "source_channel" in o.columns
                      else ibis.null("string")),
    }
    return o.select(**cols)


def _touches(ws: Workspace, as_of, *, content_only: bool, since_days: int | None = None):
    i = ws.table("interactions")
    i = i.filter(i.timestamp < as_of_end(as_of))
    if since_days:
        i = i.filter(i.timestamp >= as_of_end(as_of) - dt.timedelta(days=int(since_days)))
    if content_only:
        i = i.filter(i.content_id.notnull())
    return i.select(
        t_id=i.interaction_id.cast("string"), t_acc=i.account_id.cast("string"),
        t_ts=i.timestamp, t_day=i.timestamp.date(), t_channel=i.channel.cast("string"),
        t_event=i.event_type.cast("string").lower(),
        t_content=(i.content_id.cast("string") if "content_id" in i.columns
                   else ibis.null("string")),
    )


def _conversions(touches, opps, window_days: int, credit: str, match: str):
    """Pairs of a touch and an opportunity created within the window after it."""
    cond = [touches.t_acc == opps.o_acc, opps.o_day >= touches.t_day,
            opps.o_day <= touches.t_day + ibis.interval(days=int(window_days))]
    if credit == "sourced":
        cond.append(opps[f"o_{match}"] == touches[f"t_{match}"])
    return touches.join(opps, cond)


def _stage_table(stages: pd.Series):
    s = pd.Series(stages).dropna()
    frame = pd.DataFrame({"s_acc": s.index.astype(str), "stage": s.astype(str).to_numpy()})
    return ibis.memtable(frame)


def _materialise(expr):
    # A temporary table where the engine allows one, so that the expression is computed once
    # for the several queries that read it; it is dropped once no Python reference is left.
    try:
        return expr.cache()
    except Exception:
        return expr


def _release(expr) -> None:
    release = getattr(expr, "release", None)
    if release is not None:
        release()


def _touch_tables(ws: Workspace, as_of, *, window_days: int, credit: str, since_days: int,
                  interaction_events: tuple[str, ...], engaged_events: tuple[str, ...],
                  materialise: bool):
    """Engine tables behind :class:`TouchSummary`: per account and asset, and conversions."""
    t = _touches(ws, as_of, content_only=True, since_days=since_days or None)
    pairs = None
    if ws.has("opportunities"):
        pairs = _conversions(t, _opportunities(ws, as_of), window_days, credit, "content")
        pairs = pairs.select(touch_id=pairs.t_id, account_id=pairs.t_acc,
                             content_id=pairs.t_content, opportunity_id=pairs.o_id,
                             amount=pairs.o_amount, won=pairs.o_won)
    counts = {
        "touches": t.count(),
        "interactions": t.count(where=t.t_event.isin(list(interaction_events))),
        "downloads": t.count(where=t.t_event == "download"),
        "registrations": t.count(where=t.t_event == "registration"),
        "engaged_touches": t.count(where=t.t_event.isin(list(engaged_events))),
    }
    # 32-bit counts: the table can be nearly as long as the touches themselves.
    accounts = t.group_by(account_id=t.t_acc, content_id=t.t_content).aggregate(
        **{name: n.cast("int32") for name, n in counts.items()})
    if materialise:
        accounts = _materialise(accounts)
        pairs = None if pairs is None else _materialise(pairs)
    return accounts, pairs


@dataclass(frozen=True, eq=False)
class TouchSummary:
    """Content touches counted once per account and asset, shared by the content tables.

    Built by :func:`touch_summary`; :func:`content_performance` (at every level) and
    :func:`conversion_by_stage` accept it as ``summary`` and then add up these engine
    tables instead of scanning every touch and pairing it with the opportunities again.
    Passing it is explicit, so nothing is reused behind the caller's back.

    Attributes
    ----------
    accounts : ibis.Table
        One row per account and asset with touches: ``account_id, content_id, touches,
        interactions, downloads, registrations, engaged_touches`` (touches of an engaging
        event type).
    conversions : ibis.Table or None
        Every touch paired with an opportunity it converted into (see the module
        docstring): ``touch_id, account_id, content_id, opportunity_id, amount, won``;
        None without ``opportunities``. Usually far fewer rows than touches.
    as_of : datetime.date
    window_days : int
    credit : str
    since_days : int
    interaction_events, engaged_events : tuple of str
        The settings the touches were counted with; a function given the summary checks
        that its own settings are the same.

    Notes
    -----
    The engine tables are dropped when the summary is garbage collected, or at once with
    :meth:`release` (also on leaving a ``with`` block). Release a summary before closing
    its workspace: a table dropped after that fails noisily at interpreter exit.
    """

    accounts: Any
    conversions: Any
    as_of: dt.date
    window_days: int
    credit: str
    since_days: int
    interaction_events: tuple[str, ...]
    engaged_events: tuple[str, ...]

    def release(self) -> None:
        """Drop the summary's engine tables now; the summary cannot be used afterwards."""
        for table in (self.accounts, self.conversions):
            if table is not None:
                _release(table)

    def __enter__(self) -> TouchSummary:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def touch_summary(ws: Workspace, as_of, *, window_days: int = 30, credit: str = "sourced",
                  since_days: int = 0,
                  interaction_events: Iterable[str] = INTERACTION_EVENTS,
                  engaged_events: Iterable[str] = ENGAGED_EVENTS) -> TouchSummary:
    """Count content touches once per account and asset, for several content tables.

    Each content table otherwise scans all touches and pairs them with the opportunities
    again. The summary does that once in the engine and keeps the result there as
    temporary tables (where the engine allows them; else as expressions), released when the
    summary is no longer referenced. Every figure stays the same: each table only adds up
    the summary's rows for its own grouping.

    Parameters
    ----------
    ws : Workspace
        Needs ``interactions``; ``opportunities`` for conversions.
    as_of : date-like
        Analysis date.
    window_days, credit, since_days, interaction_events, engaged_events
        As in :func:`content_performance`; pass the same values to the functions that get
        the summary.

    Returns
    -------
    TouchSummary
    """
    _need(ws, "interactions", what="the content touch summary")
    _check_credit(credit)
    window_days = _check_positive("window_days", window_days)
    settings = {"window_days": window_days, "credit": credit, "since_days": int(since_days or 0),
                "interaction_events": _events(interaction_events),
                "engaged_events": _events(engaged_events)}
    accounts, pairs = _touch_tables(ws, as_of, **settings, materialise=True)
    return TouchSummary(accounts=accounts, conversions=pairs, as_of=as_of_date(as_of), **settings)


def _check_summary(summary: TouchSummary, as_of, **settings) -> None:
    if not isinstance(summary, TouchSummary):
        raise ParamError("summary must come from content.touch_summary, got "
                         f"{type(summary).__name__}")
    if summary.as_of != as_of_date(as_of):
        raise ParamError(f"the touch summary was counted as of {summary.as_of}, not "
                         f"{as_of_date(as_of)}; build it with the same as_of")
    for name, value in settings.items():
        have = getattr(summary, name)
        same = (set(have) == set(value) if name.endswith("_events") else have == value)
        if not same:
            raise ParamError(f"the touch summary was counted with {name}={have!r}, not "
                             f"{value!r}; pass the same {name} to touch_summary")


def _account_tables(ws: Workspace, as_of, summary: TouchSummary | None, settings: dict,
                    **events):
    """The summary's tables (checked against ``settings``), or the same counted for one call.

    ``events`` are the event settings of a count for one call that ``settings`` lacks.
    """
    if summary is None:
        return _touch_tables(ws, as_of, **settings, **events, materialise=False)
    _check_summary(summary, as_of, **settings)
    return summary.accounts, summary.conversions


def _catalogue(ws: Workspace, as_of, by: str):
    """Assets published by ``as_of`` with their group key and production cost."""
    c = ws.table("content")
    c = c.filter(c.publish_date.isnull() | (c.publish_date <= as_of_date(as_of)))
    key = c[by].cast("string").coalesce("(none)")
    return c, c.select(k_id=c.content_id.cast("string"), key=key,
                       cost=c.production_cost.cast("float64"))


def performance_counts(ws: Workspace, as_of, *, by: str, summary: TouchSummary | None,
                       window_days: int, credit: str, since_days: int,
                       interaction_events: tuple[str, ...],
                       engaged_events: tuple[str, ...]) -> dict[str, pd.DataFrame | None]:
    """Counts behind :func:`~.performance.content_performance`, per ``key`` (the ``by`` value).

    Returns
    -------
    dict
        ``costs`` (``key, assets, cost, costed``), ``base`` (touch and account counts),
        ``conversions``, ``money``, ``account_touches`` and ``account_opportunities``
        (None without opportunities), ``assets`` (asset descriptors, ``by="content_id"``
        only).
    """
    settings = {"window_days": window_days, "credit": credit, "since_days": since_days,
                "interaction_events": interaction_events, "engaged_events": engaged_events}
    acc, pairs = _account_tables(ws, as_of, summary, settings)
    c, cat = _catalogue(ws, as_of, by)
    costs = cat.group_by("key").aggregate(assets=cat.count(), cost=cat.cost.sum(),
                                          costed=cat.cost.count())
    t = acc.join(cat, acc.content_id == cat.k_id)
    # Accounts are counted in two plain aggregations (per key and account, then per key)
    # rather than with distinct counts, which engines evaluate one costly pass each. Per
    # asset the first is not needed: content_id is unique (validation rejects duplicates),
    # so each summary row already is one account of one asset.
    sums = ["touches", "interactions", "downloads", "registrations", "engaged_touches"]
    per = t if by == "content_id" else t.group_by(["key", "account_id"]).aggregate(
        **{col: t[col].sum() for col in sums})
    out: dict[str, pd.DataFrame | None] = dict.fromkeys(
        ("conversions", "money", "account_touches", "account_opportunities", "assets"))
    out["base"] = per.group_by("key").aggregate(
        **{col: per[col].sum() for col in sums[:4]},
        reached_accounts=per.account_id.count(),
        engaged_accounts=per.account_id.count(where=per.engaged_touches > 0),
    ).to_pandas()
    if pairs is not None:
        pairs = pairs.join(cat, pairs.content_id == cat.k_id)
        out["conversions"] = pairs.group_by("key").aggregate(
            converting_accounts=pairs.account_id.nunique(),
            converted_touches=pairs.touch_id.nunique(),
        ).to_pandas()
        opp = pairs.select("key", "opportunity_id", "amount", "won").distinct()
        out["money"] = opp.group_by("key").aggregate(
            opportunities=opp.count(), pipeline=opp.amount.sum(),
            won_opportunities=opp.count(where=opp.won),
            won_revenue=opp.amount.sum(where=opp.won),
        ).to_pandas()
        out["account_touches"] = per.select("key", "account_id", "touches").to_pandas()
        out["account_opportunities"] = pairs.group_by(["key", "account_id"]).aggregate(
            opportunities=pairs.opportunity_id.nunique()).to_pandas()
    out["costs"] = costs.to_pandas()
    if by == "content_id":
        out["assets"] = c.select(content_id=c.content_id.cast("string"), title=c.title,
                                 content_type=c.content_type,
                                 content_category=c.content_category,
                                 topic=c.topic, publish_date=c.publish_date).to_pandas()
    return out


def stage_counts(ws: Workspace, as_of, stages: pd.Series, *, by: str,
                 summary: TouchSummary | None, settings: dict) -> dict[str, pd.DataFrame]:
    """Counts behind :func:`~.stages.conversion_by_stage` per ``stage`` and ``key``.

    Returns
    -------
    dict
        ``touches`` (``stage, key, touches, accounts``), ``conversions``
        (``converted_touches, converting_accounts``), ``account_touches`` and
        ``account_conversions`` (the same per account).
    """
    acc, pairs = _account_tables(ws, as_of, summary, settings,
                                 interaction_events=INTERACTION_EVENTS,
                                 engaged_events=ENGAGED_EVENTS)
    if pairs is None:
        raise DataError("the touch summary was counted without opportunities; build it "
                        "from a workspace that has them")
    c = ws.table("content")
    cat = c.select(k_id=c.content_id.cast("string"), key=c[by].cast("string").coalesce("(none)"))
    st = _stage_table(stages)
    t = acc.join(cat, acc.content_id == cat.k_id)
    t = t.join(st, t.account_id == st.s_acc)
    per = t.group_by(["stage", "key", "account_id"]).aggregate(touches=t.touches.sum())
    out = {"touches": per.group_by(["stage", "key"]).aggregate(
        touches=per.touches.sum(), accounts=per.account_id.count()).to_pandas()}
    pairs = pairs.join(cat, pairs.content_id == cat.k_id)
    pairs = pairs.join(st, pairs.account_id == st.s_acc)
    out["conversions"] = pairs.group_by(["stage", "key"]).aggregate(
        converted_touches=pairs.touch_id.nunique(),
        converting_accounts=pairs.account_id.nunique(),
    ).to_pandas()
    out["account_touches"] = per.to_pandas()
    out["account_conversions"] = pairs.group_by(["stage", "key", "account_id"]).aggregate(
        converted_touches=pairs.touch_id.nunique(),
        opportunities=pairs.opportunity_id.nunique()).to_pandas()
    return out


def calendar_counts(ws: Workspace, as_of, *, by: str, first: dt.date) -> pd.DataFrame:
    """Assets published per month and ``key`` (the ``by`` value) from ``first`` to ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``month, key, n``.
    """
    c = ws.table("content")
    c = c.filter((c.publish_date <= as_of_date(as_of)) & (c.publish_date >= first))
    agg = c.group_by(month=c.publish_date.truncate("M"),
                     key=c[by].cast("string").coalesce("(none)")).aggregate(n=c.count())
    return agg.to_pandas()


def _need_pain_points(ws: Workspace) -> None:
    if "pain_points" not in ws.table("surveys").columns:
        raise DataError("coverage gaps need surveys.pain_points, which the data lacks")


def pain_point_counts(ws: Workspace, as_of, *, since_days: int
                      ) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    """Survey answers of the last ``since_days`` days, their pain points, and the catalogue.

    Returns
    -------
    (int, pandas.DataFrame, pandas.DataFrame)
        Answers in the period; ``tag, responses, accounts`` per pain point (trimmed, lower
        case); ``topic, title, publish_date`` of every asset published by ``as_of``.
    """
    s = ws.table("surveys")
    s = s.filter((s.response_date <= as_of_date(as_of))
                 & (s.response_date > as_of_date(as_of) - dt.timedelta(days=since_days)))
    total = int(s.count().to_pandas())
    tags = s.filter(s.pain_points.notnull()).select(
        r=s.response_id.cast("string"), a=s.account_id.cast("string"),
        tag=s.pain_points.cast("string").split(";").unnest())
    tags = tags.mutate(tag=tags.tag.strip().lower()).filter(lambda x: x.tag != "")
    mentions = tags.group_by("tag").aggregate(responses=tags.r.nunique(),
                                              accounts=tags.a.nunique()).to_pandas()
    c = ws.table("content")
    c = c.filter(c.publish_date.isnull() | (c.publish_date <= as_of_date(as_of)))
    catalogue = c.select(topic=c.topic.cast("string").coalesce(""),
                         title=c.title.cast("string").coalesce(""),
                         publish_date=c.publish_date).to_pandas()
    return total, mentions, catalogue


def distribution_counts(ws: Workspace, as_of, *, since_days: int) -> pd.DataFrame:
    """Content touches per asset and channel: ``t_content, t_channel, n``."""
    t = _touches(ws, as_of, content_only=True, since_days=since_days or None)
    return t.group_by(["t_content", "t_channel"]).aggregate(n=t.count()).to_pandas()


def timing_counts(ws: Workspace, as_of, *, events: Iterable[str] | None,
                  since_days: int) -> pd.DataFrame:
    """Touches per channel, weekday (0 = Monday) and hour: ``channel, weekday, hour, touches``."""
    t = _touches(ws, as_of, content_only=False, since_days=since_days or None)
    if events is not None:
        t = t.filter(t.t_event.isin([str(e).lower() for e in events]))
    return t.group_by(channel=t.t_channel, weekday=t.t_ts.day_of_week.index(),
                      hour=t.t_ts.hour()).aggregate(touches=t.count()).to_pandas()


def mix_counts(ws: Workspace, as_of, segments: pd.Series, *,
               lookback_days: int) -> pd.DataFrame:
    """Touches per segment and channel: ``stage`` (the segment), ``t_channel, n``."""
    t = _touches(ws, as_of, content_only=False, since_days=lookback_days)
    st = _stage_table(segments)
    j = t.join(st, t.t_acc == st.s_acc)
    return j.group_by(["stage", "t_channel"]).aggregate(n=j.count()).to_pandas()


def channel_counts(ws: Workspace, as_of, *, lookback_days: int, window_days: int,
                   credit: str, start: dt.date,
                   targets: pd.Index | None) -> dict[str, Any]:
    """Counts behind :func:`~.channels.channel_comparison` per channel.

    Returns
    -------
    dict
        ``reach`` (``channel, touches, accounts_reached``); ``targets_reached`` (per
        channel, None without ``targets``); ``accounts`` (accounts with a touch, None with
        ``targets``); ``has_opportunities``; with opportunities ``conversions``,
        ``account_touches``, ``account_opportunities``, ``leads`` and ``new_customers``;
        ``spend`` with marketing spend (None otherwise).
    """
    t = _touches(ws, as_of, content_only=False, since_days=lookback_days)
    out: dict[str, Any] = dict.fromkeys((
        "targets_reached", "accounts", "conversions", "account_touches",
        "account_opportunities", "leads", "new_customers", "spend"))
    out["reach"] = t.group_by(channel=t.t_channel).aggregate(
        touches=t.count(), accounts_reached=t.t_acc.nunique()).to_pandas()
    if targets is not None:
        tt = ibis.memtable(pd.DataFrame({"g_acc": targets}))
        hit = t.join(tt, t.t_acc == tt.g_acc)
        out["targets_reached"] = hit.group_by(channel=hit.t_channel).aggregate(
            targets_reached=hit.t_acc.nunique()).to_pandas()
    else:
        out["accounts"] = int(t.t_acc.nunique().to_pandas())
    out["has_opportunities"] = ws.has("opportunities")
    if out["has_opportunities"]:
        opps = _opportunities(ws, as_of)
        pairs = _conversions(t, opps, window_days, credit, "channel")
        out["conversions"] = pairs.group_by(channel=pairs.t_channel).aggregate(
            converting_accounts=pairs.t_acc.nunique(),
            converted_touches=pairs.t_id.nunique()).to_pandas()
        out["account_touches"] = t.group_by(channel=t.t_channel, account_id=t.t_acc).aggregate(
            touches=t.count()).to_pandas()
        out["account_opportunities"] = pairs.group_by(
            channel=pairs.t_channel, account_id=pairs.t_acc).aggregate(
            opportunities=pairs.o_id.nunique()).to_pandas()
        recent = opps.filter(opps.o_day >= start)
        out["leads"] = recent.group_by(channel=recent.o_channel).aggregate(
            leads=recent.count(), won=recent.count(where=recent.o_won),
            won_value=recent.o_amount.sum(where=recent.o_won)).to_pandas()
        # A new customer is credited to the source of its first won opportunity ever.
        won = opps.filter(opps.o_won)
        ranked = won.mutate(_rn=ibis.row_number().over(
            group_by=won.o_acc, order_by=[won.o_day, won.o_id]))
        firsts = ranked.filter((ranked._rn == 0) & (ranked.o_day >= start))
        out["new_customers"] = firsts.group_by(channel=firsts.o_channel).aggregate(
            new_customers=firsts.count()).to_pandas()
    if ws.has("marketing_spend"):
        m = ws.table("marketing_spend")
        m = m.filter((m.period_start <= as_of_date(as_of)) & (m.period_start >= start))
        out["spend"] = m.group_by(channel=m.channel.cast("string")).aggregate(
            spend=m.spend.sum()).to_pandas()
    return out
