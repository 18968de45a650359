"""Content and channel evaluation: what works, for whom, through which channel, and when.

Definitions used throughout (all counted in the engine, rows after ``as_of`` ignored):

*touch*
    One ``interactions`` row. A *content touch* carries a ``content_id``.
*views*
    All touches of an asset: every recorded exposure counts once, whatever its event type.
*interaction rate*
    Likes, comments and shares over views.
*engaged account*
    An account with at least one touch of an engaging event type (click, reply, like,
    comment, share, download, registration, attend) on the asset.
*conversion*
    An account *converts* after a touch when it creates an opportunity within
    ``window_days`` after the touch (same day included). ``credit="sourced"`` counts only
    opportunities whose ``source_content_id`` (for content) or ``source_channel`` (for
    channels) names what was touched; ``credit="influenced"`` counts any opportunity of
    the account, so one opportunity may be credited to several assets and the numbers
    do not add up across assets (use :mod:`helpers.analysis.attribution` for an additive split).
*influenced pipeline / won revenue*
    Amounts of the converted opportunities; won means stage ``won`` and closed by
    ``as_of``.
*ROI*
    ``(won revenue - cost) / cost`` with production cost (content) or spend (channels);
    revenue, not margin, so it flatters low-margin products.

Rates carry Wilson score intervals. Rows below a minimum sample are flagged and kept out
of rankings, because a 2-of-3 asset is not better than a 90-of-1,500 one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd
from scipy import stats

from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date, as_of_end, suggest
from helpers.data.contract import LIFECYCLE_STAGES
from helpers.presentation import findings as fnd
from helpers.presentation import i18n
from helpers.stats import multiple_testing as mt
from helpers.stats.intervals import ratio_interval, wilson_interval
from helpers.stats.numbers import safe_divide

CREDITS = ("sourced", "influenced")
CONTENT_LEVELS = ("content_id", "content_type", "content_category", "topic")
INTERACTION_EVENTS = ("like", "comment", "share")
ENGAGED_EVENTS = ("click", "reply", "like", "comment", "share", "download", "registration",
                  "attend")
DEFAULT_CHANNEL_GROUPS: dict[str, tuple[str, ...]] = {
    "offline": ("meeting", "trade_show", "visit"),
    "online": ("email", "social", "website", "ads"),
    "hybrid": ("webinar",),
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STAGE_ORDER = LIFECYCLE_STAGES


# --------------------------------------------------------------------------- small helpers


def _need(ws, *tables: str, what: str) -> None:
    missing = [t for t in tables if not ws.has(t)]
    if missing:
        raise DataError(f"{what} needs the {' and '.join(missing)} table(s), which the data "
                        "source lacks")


def _check_credit(credit: str) -> None:
    if credit not in CREDITS:
        raise ParamError(f"credit {credit!r} is not supported; use sourced or influenced")


def _check_positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParamError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(value)


@dataclass(frozen=True, eq=False)
class AccountCounts:
    """Per-account counts behind a content table, kept in its ``attrs["accounts"]``.

    Wrapped so that pandas can compare the attributes of two tables (by identity) when it
    concatenates them; a bare DataFrame there makes the comparison fail.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per group and account: the group column(s), ``account_id``, ``touches``,
        ``converted_touches`` (where known) and ``opportunities``.
    """

    frame: pd.DataFrame


def _account_frame(attrs: Mapping) -> pd.DataFrame | None:
    value = attrs.get("accounts")
    value = getattr(value, "frame", value)
    return value if isinstance(value, pd.DataFrame) else None


def clustered_lift_test(hits, trials, rest_hits, rest_trials,
                        confidence: float = 0.95) -> dict:
    """Rate ratio of a group's touches against the rest, with accounts as the unit.

    Touches of one account are not independent: an account that opens an opportunity
    converts all its touches in the window at once, so a per-touch Fisher test counts one
    account's luck many times. Here every account contributes its own counts of group and
    rest touches and conversions; the log ratio of the pooled rates gets a cluster-robust
    (sandwich) variance over accounts, with the small-sample factor m / (m - 1) for m
    accounts. An account touched by the group and by the rest counts on both sides, and
    the covariance this brings is part of the variance.

    The p-value is the larger of the two-sided cluster-robust z-test and the per-touch
    Fisher exact test (:func:`helpers.stats.multiple_testing.lift_test`): the first answers for
    clustering, the second for small counts, and both must hold.

    Parameters
    ----------
    hits, trials : array-like
        Per account: converted touches and touches of the group.
    rest_hits, rest_trials : array-like
        Per account: the same for the other touches compared with.
    confidence : float
        Coverage of the interval of the ratio.

    Returns
    -------
    dict
        ``lift, low, high`` (cluster-robust interval; the Katz interval of the per-touch
        test when a side has no conversion), ``p_value``, ``p_cluster``, ``p_touch`` and
        ``accounts`` (accounts with a touch on either side). Missing values when a side
        has no touches.
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (hits, trials, rest_hits,
                                                          rest_trials))
    keep = (n1 + n2) > 0
    x1, n1, x2, n2 = x1[keep], n1[keep], x2[keep], n2[keep]
    X1, N1, X2, N2 = x1.sum(), n1.sum(), x2.sum(), n2.sum()
    touch = mt.lift_test(X1, N1, X2, N2, confidence)
    out = {"lift": touch["lift"], "low": touch["low"], "high": touch["high"],
           "p_value": touch["p_value"], "p_cluster": np.nan, "p_touch": touch["p_value"],
           "accounts": int(keep.sum())}
    m = len(x1)
    if not (X1 > 0 and X2 > 0 and N1 > 0 and N2 > 0 and m > 1):
        return out
    log_ratio = np.log((X1 / N1) / (X2 / N2))
    u = x1 / X1 - n1 / N1 - x2 / X2 + n2 / N2
    se = float(np.sqrt(m / (m - 1) * np.sum(u ** 2)))
    if not se > 0:
        return out
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p_cluster = float(2 * stats.norm.sf(abs(log_ratio) / se))
    out.update(low=float(np.exp(log_ratio - z * se)), high=float(np.exp(log_ratio + z * se)),
               p_cluster=p_cluster, p_value=float(np.nanmax([p_cluster, touch["p_value"]])))
    return out


def _cell_test(accounts: pd.DataFrame, group_col: str, group, confidence: float,
               hits: str = "opportunities") -> dict:
    """:func:`clustered_lift_test` of one group against the other rows of ``accounts``."""
    inside = accounts[group_col] == group
    g = accounts[inside].groupby("account_id")[[hits, "touches"]].sum()
    r = accounts[~inside].groupby("account_id")[[hits, "touches"]].sum()
    both = g.merge(r, how="outer", left_index=True, right_index=True,
                   suffixes=("_g", "_r")).fillna(0)
    return clustered_lift_test(both[f"{hits}_g"], both["touches_g"],
                               both[f"{hits}_r"], both["touches_r"], confidence)


def _column(frame: pd.DataFrame, col: str, fill) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(fill, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").fillna(fill)


def _add_rate(frame: pd.DataFrame, name: str, num: str, den: str, confidence: float) -> None:
    frame[name] = safe_divide(frame[num], frame[den])
    low, high = wilson_interval(frame[num].to_numpy(float), frame[den].to_numpy(float),
                                confidence)
    frame[f"{name}_low"] = low
    frame[f"{name}_high"] = high


# --------------------------------------------------------------------------- accounts


def target_accounts(stages: pd.Series, target_stages: Iterable[str]) -> pd.Index:
    """Accounts whose stage is one of ``target_stages``.

    Parameters
    ----------
    stages : pandas.Series
        Stage per account, indexed by ``account_id`` (e.g. from :func:`helpers.analysis.lifecycle.stages_for`).
    target_stages : iterable of str
        Stage names; unknown names are an error, so a typo never empties the target list.

    Returns
    -------
    pandas.Index
    """
    wanted = [str(s) for s in target_stages]
    known = sorted(set(STAGE_ORDER) | set(pd.Series(stages).astype(str).unique()))
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ParamError(f"target_stages: unknown stage {unknown[0]!r}"
                         + suggest(unknown[0], known)
                         + f" Stages: {', '.join(STAGE_ORDER)}")
    if not wanted:
        raise ParamError("target_stages is empty; list at least one stage, e.g. [growth, mature]")
    s = pd.Series(stages)
    return s.index[s.astype(str).isin(wanted)]


def _check_groups(groups) -> dict[str, tuple[str, ...]]:
    if groups is None:
        return DEFAULT_CHANNEL_GROUPS
    if not isinstance(groups, Mapping) or not all(
            isinstance(v, (list, tuple)) for v in groups.values()):
        raise ParamError("channel_groups must map a group name to a list of channels, e.g. "
                         "{offline: [meeting, visit], online: [email]}")
    return {str(k): tuple(str(c) for c in v) for k, v in groups.items()}


# --------------------------------------------------------------------------- engine pieces


def _opportunities(ws, as_of):
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


def _touches(ws, as_of, *, content_only: bool, since_days: int | None = None):
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


# --------------------------------------------------------------------------- shared touch counts


def _events(events: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(e).lower() for e in events)


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


def _touch_tables(ws, as_of, *, window_days: int, credit: str, since_days: int,
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


def touch_summary(ws, as_of, *, window_days: int = 30, credit: str = "sourced",
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


# --------------------------------------------------------------------------- content


def content_performance(ws, as_of, *, by: str = "content_id", window_days: int = 30,
                        credit: str = "sourced", since_days: int = 0,
                        confidence: float = 0.95, min_sample: int = 30,
                        interaction_events: Iterable[str] = INTERACTION_EVENTS,
                        engaged_events: Iterable[str] = ENGAGED_EVENTS,
                        summary: TouchSummary | None = None) -> pd.DataFrame:
    """Performance of each asset, or of each content type, category or topic.

    Parameters
    ----------
    ws : Workspace
        Needs ``interactions`` and ``content``; ``opportunities`` for conversions.
    as_of : date-like
        Analysis date.
    by : {"content_id", "content_type", "content_category", "topic"}
        Level of the rows.
    window_days : int
        Days after a touch within which an opportunity counts as a conversion.
    credit : {"sourced", "influenced"}
        Which opportunities count (see the module docstring).
    since_days : int
        Only touches in the last ``since_days`` days; 0 means all history.
    confidence : float
        Coverage of the Wilson intervals.
    min_sample : int
        Rows reaching fewer accounts are flagged ``below_min_sample``.
    interaction_events, engaged_events : iterable of str
        Event types that count as interactions (numerator of the interaction rate) and
        that make an account engaged.
    summary : TouchSummary, optional
        From :func:`touch_summary` with the same settings; several levels then share one
        count of the touches instead of each scanning them. Without it the touches are
        counted for this call only.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` value: descriptors, ``assets, cost, touches, views,
        interactions, interaction_rate(_low/_high), downloads, registrations,
        reached_accounts, engaged_accounts, converting_accounts,
        conversion_rate(_low/_high), converted_touches, touch_conversion_rate,
        opportunities, pipeline, won_opportunities, won_revenue,
        cost_per_engaged_account, cost_per_opportunity, roi, below_min_sample``;
        with opportunities, ``attrs["accounts"]`` (:class:`AccountCounts`) holds
        ``<by>, account_id, touches, opportunities`` for the account-level tests of
        :func:`leaderboard` and :func:`performance_findings`. Unknowns are NaN, never 0: ``cost`` (and the measures built on it) when an asset of
        the group has no ``production_cost``; the conversion and money columns without
        an ``opportunities`` table.
    """
    _need(ws, "interactions", "content", what="content performance")
    if by not in CONTENT_LEVELS:
        raise ParamError(f"by={by!r} is not supported; use one of {', '.join(CONTENT_LEVELS)}")
    _check_credit(credit)
    window_days = _check_positive("window_days", window_days)
    min_sample = _check_positive("min_sample", min_sample)
    settings = {"window_days": window_days, "credit": credit, "since_days": int(since_days or 0),
                "interaction_events": _events(interaction_events),
                "engaged_events": _events(engaged_events)}
    if summary is None:
        acc, pairs = _touch_tables(ws, as_of, **settings, materialise=False)
    else:
        _check_summary(summary, as_of, **settings)
        acc, pairs = summary.accounts, summary.conversions
    c = ws.table("content")
    c = c.filter(c.publish_date.isnull() | (c.publish_date <= as_of_date(as_of)))
    key = c[by].cast("string").coalesce("(none)")
    cat = c.select(k_id=c.content_id.cast("string"), key=key,
                   cost=c.production_cost.cast("float64"))
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
    base = per.group_by("key").aggregate(
        **{col: per[col].sum() for col in sums[:4]},
        reached_accounts=per.account_id.count(),
        engaged_accounts=per.account_id.count(where=per.engaged_touches > 0),
    ).to_pandas()
    if pairs is not None:
        pairs = pairs.join(cat, pairs.content_id == cat.k_id)
        conv = pairs.group_by("key").aggregate(
            converting_accounts=pairs.account_id.nunique(),
            converted_touches=pairs.touch_id.nunique(),
        ).to_pandas()
        opp = pairs.select("key", "opportunity_id", "amount", "won").distinct()
        money = opp.group_by("key").aggregate(
            opportunities=opp.count(), pipeline=opp.amount.sum(),
            won_opportunities=opp.count(where=opp.won),
            won_revenue=opp.amount.sum(where=opp.won),
        ).to_pandas()
        base = base.merge(conv, on="key", how="left").merge(money, on="key", how="left")
        # per group and account, for tests that take the account as the unit
        per_acc = per.select("key", "account_id", "touches").to_pandas().merge(
            pairs.group_by(["key", "account_id"]).aggregate(
                opportunities=pairs.opportunity_id.nunique()).to_pandas(),
            on=["key", "account_id"], how="left").fillna({"opportunities": 0})
        per_acc = per_acc.astype({"touches": "int64", "opportunities": "int64"})
    out = costs.to_pandas().merge(base, on="key", how="left")
    # A group's cost is known only when every asset in it has one: a partial sum would
    # flatter its cost per opportunity and ROI.
    out["cost"] = pd.to_numeric(out["cost"], errors="coerce").where(
        out.pop("costed") == out["assets"])
    counts = ["touches", "interactions", "downloads", "registrations", "reached_accounts",
              "engaged_accounts"]
    converted = ["converting_accounts", "converted_touches", "opportunities", "won_opportunities"]
    for col in counts:
        out[col] = _column(out, col, 0).astype("int64")
    for col in converted:
        # without opportunities a conversion count is unknown, not zero
        out[col] = _column(out, col, 0).astype("int64") if pairs is not None else np.nan
    for col in ("pipeline", "won_revenue"):
        out[col] = _column(out, col, 0.0).astype(float) if pairs is not None else np.nan
    out["views"] = out["touches"]
    _add_rate(out, "interaction_rate", "interactions", "views", confidence)
    _add_rate(out, "conversion_rate", "converting_accounts", "reached_accounts", confidence)
    out["touch_conversion_rate"] = safe_divide(out["converted_touches"], out["touches"])
    out["cost_per_engaged_account"] = safe_divide(out["cost"], out["engaged_accounts"])
    out["cost_per_opportunity"] = safe_divide(out["cost"], out["opportunities"])
    out["roi"] = safe_divide(out["won_revenue"] - out["cost"], out["cost"])
    out["below_min_sample"] = out["reached_accounts"] < min_sample
    out = out.rename(columns={"key": by})
    if by == "content_id":
        meta = c.select(content_id=c.content_id.cast("string"), title=c.title,
                        content_type=c.content_type, content_category=c.content_category,
                        topic=c.topic, publish_date=c.publish_date).to_pandas()
        out = meta.merge(out, on="content_id", how="right")
        # an asset without a title is shown by its id
        out["title"] = out["title"].where(out["title"].map(is_known)
                                          & (out["title"].astype(str).str.strip() != ""),
                                          out["content_id"])
    out.attrs.update({"window_days": window_days, "credit": credit, "min_sample": min_sample,
                      "confidence": confidence})
    if pairs is not None:
        out.attrs["accounts"] = AccountCounts(per_acc.rename(columns={"key": by}))
    return out.sort_values(by, ignore_index=True)


def leaderboard(performance: pd.DataFrame, *, min_sample: int | None = None,
                rate: str = "conversion_rate", top: int | None = None,
                alpha: float = 0.05, method: str = "bh") -> pd.DataFrame:
    """Rank rows by the lower bound of a rate's interval, leaving out small samples.

    Ranking by the lower bound rewards rates that are both high and well measured. Every
    ranked row is also tested against the other ranked rows (:func:`rate_tests` on
    ``converting_accounts`` over ``reached_accounts``, one family), so the report names a
    leader only when it converts reliably better than the rest.

    Parameters
    ----------
    performance : pandas.DataFrame
        Output of :func:`content_performance`.
    min_sample : int, optional
        Smallest number of reached accounts; defaults to the one used for ``performance``.
    rate : str
        A rate column with ``_low`` and ``_high`` companions.
    top : int, optional
        Keep the first ``top`` rows.
    alpha, method
        Level and family correction of the tests (see :func:`rate_tests`).

    Returns
    -------
    pandas.DataFrame
        The ranked rows only, with a 1-based ``rank`` column and the test columns of
        :func:`rate_tests` (``attrs["family_size"]``: rows tested); rows whose rate is
        unknown (no opportunities) are not ranked.
    """
    if rate not in performance.columns or f"{rate}_low" not in performance.columns:
        raise ParamError(f"rate {rate!r} has no interval in this table; use conversion_rate "
                         "or interaction_rate")
    min_sample = performance.attrs.get("min_sample", 30) if min_sample is None else min_sample
    min_sample = _check_positive("min_sample", min_sample)
    ranked = performance[(performance["reached_accounts"] >= min_sample)
                         & performance[f"{rate}_low"].notna()].copy()
    ranked = ranked.sort_values([f"{rate}_low", rate], ascending=False, ignore_index=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    # tested per touch: an account touched more often has more chances to open an
    # opportunity in a window, so per-account rates also measure how often it was touched.
    # With the per-account counts the test takes the account as the unit and counts
    # opportunities, which one account's repeated touches of an asset cannot multiply.
    per_account = _account_frame(performance.attrs) if rate == "conversion_rate" else None
    hits = "converted_touches" if rate == "conversion_rate" else "interactions"
    if per_account is not None and "opportunities" in ranked.columns:
        hits = "opportunities"
    else:
        per_account = None
    trials = "touches" if rate == "conversion_rate" else "views"
    label = "content_id" if "content_id" in ranked.columns else ranked.columns[1]
    if {hits, trials} <= set(ranked.columns):
        ranked = rate_tests(ranked, label=label, hits=hits, trials=trials, alpha=alpha,
                            method=method, per_account=per_account)
    if top:
        size = ranked.attrs.get("family_size")
        ranked = ranked.head(top)
        ranked.attrs["family_size"] = size
    return ranked


def plot_leaderboard(board: pd.DataFrame, *, ax=None, label: str = "title",
                     rate: str = "conversion_rate", top: int = 12, language: str = "en"):
    """Horizontal dot plot of a leaderboard's rates with their intervals.

    Parameters
    ----------
    board : pandas.DataFrame
        Output of :func:`leaderboard`.
    ax : matplotlib.axes.Axes, optional
    label : str
        Column used for the row labels.
    rate : str
        Rate column with ``_low``/``_high`` companions.
    top : int
        Rows shown.
    language : {"en", "zh"}
        Language of the title and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    b = board.head(top).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.35 * max(len(b), 3) + 1))
    y = np.arange(len(b))
    r = b[rate].to_numpy(float)
    err = np.vstack([r - b[f"{rate}_low"].to_numpy(float), b[f"{rate}_high"].to_numpy(float) - r])
    ax.errorbar(r, y, xerr=err, fmt="o", color="#1f4e79", capsize=3)
    labels = [str(v)[:48] for v in b[label]] if label in b.columns else [str(i) for i in b.index]
    ax.set_yticks(y, labels)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    name = i18n.t(f"content_evaluation.col.{rate}", language, default=rate.replace("_", " "))
    ax.set_xlabel(i18n.t("content_evaluation.chart.with_interval", language, rate=name))
    ax.set_title(i18n.t("content_evaluation.chart.leaderboard", language))
    return ax


def conversion_by_stage(ws, as_of, stages: pd.Series, *, by: str = "content_category",
                        window_days: int = 30, credit: str = "sourced",
                        confidence: float = 0.95, since_days: int = 0,
                        summary: TouchSummary | None = None) -> pd.DataFrame:
    """What converts for whom: per-touch conversion by lifecycle stage and content group.

    A touch converts when the account creates a (sourced or any) opportunity within
    ``window_days`` after it. Per-touch rates compare content fairly even when some
    categories are shown more often; intervals treat touches as independent.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    stages : pandas.Series
        Stage per account, indexed by ``account_id`` (e.g. from :func:`helpers.analysis.lifecycle.stages_for`).
    by : {"content_type", "content_category", "topic", "content_id"}
    window_days : int
    credit : {"sourced", "influenced"}
    confidence : float
    since_days : int
        Only touches in the last ``since_days`` days; 0 means all.
    summary : TouchSummary, optional
        From :func:`touch_summary` with the same ``window_days``, ``credit`` and
        ``since_days``; the stages are then added up from it instead of from every touch.

    Returns
    -------
    pandas.DataFrame
        ``stage, <by>, touches, converted_touches, accounts, converting_accounts, rate,
        rate_low, rate_high, opportunity_rate, lift, lift_low, lift_high`` where ``lift`` is
        the rate over the rate of the other groups' touches in the same stage and
        ``opportunity_rate`` counts opportunities per touch (the rate of
        :func:`best_for_stage`, since one opportunity marks every touch before it). ``attrs["accounts"]``
        (:class:`AccountCounts`) holds ``stage, <by>, account_id, touches,
        converted_touches, opportunities`` per account, for the account-level test of
        :func:`best_for_stage`.
    """
    _need(ws, "interactions", "content", "opportunities", what="conversion by stage")
    if by not in CONTENT_LEVELS:
        raise ParamError(f"by={by!r} is not supported; use one of {', '.join(CONTENT_LEVELS)}")
    _check_credit(credit)
    window_days = _check_positive("window_days", window_days)
    settings = {"window_days": window_days, "credit": credit, "since_days": int(since_days or 0)}
    if summary is None:
        acc, pairs = _touch_tables(ws, as_of, **settings, interaction_events=INTERACTION_EVENTS,
                                   engaged_events=ENGAGED_EVENTS, materialise=False)
    else:
        _check_summary(summary, as_of, **settings)
        acc, pairs = summary.accounts, summary.conversions
        if pairs is None:
            raise DataError("the touch summary was counted without opportunities; build it "
                            "from a workspace that has them")
    c = ws.table("content")
    cat = c.select(k_id=c.content_id.cast("string"), key=c[by].cast("string").coalesce("(none)"))
    st = _stage_table(stages)
    t = acc.join(cat, acc.content_id == cat.k_id)
    t = t.join(st, t.account_id == st.s_acc)
    per = t.group_by(["stage", "key", "account_id"]).aggregate(touches=t.touches.sum())
    agg = per.group_by(["stage", "key"]).aggregate(
        touches=per.touches.sum(), accounts=per.account_id.count()).to_pandas()
    pairs = pairs.join(cat, pairs.content_id == cat.k_id)
    pairs = pairs.join(st, pairs.account_id == st.s_acc)
    conv = pairs.group_by(["stage", "key"]).aggregate(
        converted_touches=pairs.touch_id.nunique(),
        converting_accounts=pairs.account_id.nunique(),
    ).to_pandas()
    # per account, for tests that take the account as the unit (best_for_stage)
    per_acc = per.to_pandas().merge(
        pairs.group_by(["stage", "key", "account_id"]).aggregate(
            converted_touches=pairs.touch_id.nunique(),
            opportunities=pairs.opportunity_id.nunique()).to_pandas(),
        on=["stage", "key", "account_id"], how="left").fillna(
            {"converted_touches": 0, "opportunities": 0})
    per_acc = per_acc.astype({"touches": "int64", "converted_touches": "int64",
                              "opportunities": "int64"})
    agg = agg.merge(conv, on=["stage", "key"], how="left").fillna(
        {"converted_touches": 0, "converting_accounts": 0})
    agg = agg[["stage", "key", "touches", "converted_touches", "accounts", "converting_accounts"]]
    for col in ("touches", "converted_touches", "accounts", "converting_accounts"):
        agg[col] = agg[col].astype("int64")
    _add_rate(agg, "rate", "converted_touches", "touches", confidence)
    # opportunities per touch: the rate best_for_stage compares with accounts as the unit
    opps = per_acc.groupby(["stage", "key"])["opportunities"].sum()
    agg["opportunity_rate"] = safe_divide(
        opps.reindex(pd.MultiIndex.from_frame(agg[["stage", "key"]])).fillna(0).to_numpy(float),
        agg["touches"].to_numpy(float))
    tot = agg.groupby("stage")[["touches", "converted_touches"]].transform("sum")
    ratio, low, high = ratio_interval(
        agg["converted_touches"], agg["touches"], tot["converted_touches"] - agg[
            "converted_touches"], tot["touches"] - agg["touches"], confidence)
    agg["lift"], agg["lift_low"], agg["lift_high"] = ratio, low, high
    order = {s: k for k, s in enumerate(STAGE_ORDER)}
    agg["_o"] = agg["stage"].map(order).fillna(len(order))
    agg = agg.sort_values(["_o", "stage", "key"]).drop(columns="_o").reset_index(drop=True)
    agg = agg.rename(columns={"key": by})
    agg.attrs["accounts"] = AccountCounts(per_acc.rename(columns={"key": by}))
    return agg


def best_for_stage(table: pd.DataFrame, *, by: str = "content_category",
                   min_touches: int = 100, alpha: float = 0.05,
                   method: str = "bh", confidence: float = 0.95) -> pd.DataFrame:
    """The best-converting content group per stage, with its lift over the rest.

    Every stage x group cell with at least ``min_touches`` touches is tested against the
    other touches of its stage and the p-values of all those cells are corrected as one
    family, since picking the best group of each stage is a comparison with every other
    cell. With the per-account counts of :func:`conversion_by_stage`
    (``attrs["accounts"]``) the test takes the account as the unit
    (:func:`clustered_lift_test`, whose interval replaces ``lift_low``/``lift_high``);
    without them it is the per-touch Fisher exact test
    (:func:`helpers.stats.multiple_testing.lift_test`).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`conversion_by_stage`.
    by : str
        The group column used there.
    min_touches : int
        Groups with fewer touches are not considered.
    alpha : float
        Level the adjusted p-value must be below.
    method : str
        Family correction (see :func:`helpers.stats.multiple_testing.adjust`).
    confidence : float
        Coverage of the account-level interval of the lift.

    Returns
    -------
    pandas.DataFrame
        One row per stage: the row of the group with the highest rate, plus ``p_value``,
        ``p_adjusted`` and ``significant`` (adjusted p below ``alpha`` and a lift above 1).
        With per-account counts, ``opportunity_rate`` is the rate the lift compares
        (opportunities per touch), which ``rate`` (converted touches) is not.
        Content without a value in ``by`` (``(none)``) is never the best.
        ``attrs["family_size"]`` holds the number of cells tested.
    """
    per_account = _account_frame(table.attrs)
    if per_account is not None and not {"stage", by, "account_id"} <= set(per_account.columns):
        per_account = None
    eligible = table[(table["touches"] >= min_touches) & ~table[by].isin(UNKNOWN_LABELS)
                     & ~table[by].map(fnd.is_missing_level)].copy()
    if per_account is not None:
        # accounts as the unit: one account's touches convert together
        stage_rows = {s: g for s, g in per_account.groupby("stage", sort=False)}
        # Opportunities per touch, not converted touches: one opportunity marks every touch
        # of its asset in the window before it, so content touched twice in a row (a
        # registration and the attendance) would look twice as good per touch.
        hits = ("opportunities" if "opportunities" in per_account.columns
                else "converted_touches")
        res = [_cell_test(stage_rows.get(r.stage, per_account.head(0)), by, getattr(r, by),
                          confidence, hits) for r in eligible.itertuples()]
        eligible["p_value"] = np.asarray([x["p_value"] for x in res], dtype=float)
        eligible["lift"] = np.asarray([x["lift"] for x in res], dtype=float)
        eligible["lift_low"] = np.asarray([x["low"] for x in res], dtype=float)
        eligible["lift_high"] = np.asarray([x["high"] for x in res], dtype=float)
        # the rate the test compares, shown next to its lift
        cell = per_account.groupby(["stage", by])[[hits, "touches"]].sum()
        key = pd.MultiIndex.from_arrays([eligible["stage"], eligible[by]])
        cell = cell.reindex(key)
        eligible["opportunity_rate"] = safe_divide(cell[hits].to_numpy(float),
                                                 cell["touches"].to_numpy(float))
    else:
        tot = table.groupby("stage")[["touches", "converted_touches"]].sum()
        p = [mt.lift_test(r.converted_touches, r.touches,
                          tot.loc[r.stage, "converted_touches"] - r.converted_touches,
                          tot.loc[r.stage, "touches"] - r.touches)["p_value"]
             for r in eligible.itertuples()]
        eligible["p_value"] = np.asarray(p, dtype=float)
    eligible["p_adjusted"] = mt.adjust(eligible["p_value"].to_numpy(float), method)
    ok = eligible[eligible["converted_touches"] > 0]
    if ok.empty:
        out = table.head(0).assign(p_value=pd.Series(dtype=float),
                                   p_adjusted=pd.Series(dtype=float),
                                   significant=pd.Series(dtype=bool))
    else:
        # with per-account counts the best is the highest rate of opportunities per touch,
        # which within a stage orders the groups as their lift over the rest does
        by_rate = "lift" if per_account is not None else "rate"
        out = ok.loc[ok.groupby("stage", sort=False)[by_rate].idxmax()].copy()
        out["significant"] = (out["p_adjusted"] < alpha) & (out["lift"] > 1)
        out = out.reset_index(drop=True)
    out.attrs["family_size"] = int(np.isfinite(eligible["p_value"]).sum())
    out.attrs["unit"] = "account" if per_account is not None else "touch"
    return out


def plot_stage_heatmap(table: pd.DataFrame, *, by: str = "content_category", ax=None,
                       language: str = "en"):
    """Heatmap of per-touch conversion rate, stages as rows and content groups as columns.

    ``language`` ({"en", "zh"}) picks the language of the title and of the stage and
    group names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    value = "opportunity_rate" if "opportunity_rate" in table.columns else "rate"
    wide = table.pivot_table(index="stage", columns=by, values=value, aggfunc="sum")
    wide = wide.reindex([s for s in STAGE_ORDER if s in wide.index]
                        + [s for s in wide.index if s not in STAGE_ORDER])
    wide = relabel_axes(wide, index="stage", columns=CODE_COLUMNS.get(by, by), language=language)
    sns.heatmap(wide * 100, annot=True, fmt=".1f", cmap="Blues", cbar=False, ax=ax,
                linewidths=0.5)
    ax.set_title(i18n.t("content_evaluation.chart.stage_heatmap" if value == "rate"
                        else "content_evaluation.chart.stage_heatmap_opportunities", language))
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


# --------------------------------------------------------------------------- planning


def publishing_calendar(ws, as_of, *, by: str = "content_category",
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
    c = ws.table("content")
    c = c.filter((c.publish_date <= as_of_date(as_of)) & (c.publish_date >= first.date()))
    agg = c.group_by(month=c.publish_date.truncate("M"),
                     key=c[by].cast("string").coalesce("(none)")).aggregate(n=c.count())
    frame = agg.to_pandas()
    index = pd.date_range(first, end, freq="MS")
    if frame.empty:
        return pd.DataFrame(index=index.rename("month"))
    frame["month"] = pd.to_datetime(frame["month"])
    wide = frame.pivot_table(index="month", columns="key", values="n", aggfunc="sum")
    wide = wide.reindex(index, fill_value=0).fillna(0).astype("int64")
    wide.index.name = "month"
    wide.columns.name = None
    return wide


def coverage_gaps(ws, as_of, *, topic_map: Mapping[str, Iterable[str]] | None = None,
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
    s = ws.table("surveys")
    if "pain_points" not in s.columns:
        raise DataError("coverage gaps need surveys.pain_points, which the data lacks")
    since_days = _check_positive("since_days", since_days)
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


def content_distribution(ws, as_of, *, since_days: int = 0) -> pd.DataFrame:
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
    t = _touches(ws, as_of, content_only=True, since_days=since_days or None)
    agg = t.group_by(["t_content", "t_channel"]).aggregate(n=t.count()).to_pandas()
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


# --------------------------------------------------------------------------- channels


def channel_group(channel: str, groups: Mapping[str, Iterable[str]] | None = None) -> str:
    """Offline, online, hybrid (or ``other``) for a channel name."""
    groups = DEFAULT_CHANNEL_GROUPS if groups is None else groups
    for name, members in groups.items():
        if str(channel) in {str(m) for m in members}:
            return str(name)
    return "other"


def channel_comparison(ws, as_of, *, targets: Iterable[str] | None = None,
                       lookback_days: int = 365, window_days: int = 30,
                       credit: str = "influenced",
                       groups: Mapping[str, Iterable[str]] | None = None,
                       confidence: float = 0.95, min_sample: int = 30) -> pd.DataFrame:
    """Compare channels on reach, conversion, cost per lead, CAC and ROI.

    Parameters
    ----------
    ws : Workspace
        Needs ``interactions``; uses ``opportunities`` and ``marketing_spend`` when present.
    as_of : date-like
    targets : iterable of str, optional
        Target account ids for the coverage measure; all accounts with a touch when
        omitted.
    lookback_days : int
        Period compared: touches, spend and opportunities of the last ``lookback_days``.
    window_days : int
        Days after a touch within which an opportunity counts as a conversion.
    credit : {"influenced", "sourced"}
        ``sourced`` counts only opportunities whose ``source_channel`` is the channel.
    groups : mapping, optional
        Channel groups; default :data:`DEFAULT_CHANNEL_GROUPS`.
    confidence : float
    min_sample : int
        Channels reaching fewer accounts are flagged.

    Returns
    -------
    pandas.DataFrame
        One row per channel (from touches or spend): ``channel, group, touches,
        accounts_reached, targets_reached, coverage, converting_accounts,
        conversion_rate(_low/_high), spend, leads, cost_per_lead, won, won_value,
        new_customers, cac, roi, below_min_sample``. Without ``opportunities`` the
        conversion, lead and won columns are NaN (unknown); without ``marketing_spend``
        so are spend and the measures built on it.
    """
    _need(ws, "interactions", what="channel comparison")
    _check_credit(credit)
    groups = _check_groups(groups)
    lookback_days = _check_positive("lookback_days", lookback_days)
    window_days = _check_positive("window_days", window_days)
    start = as_of_date(as_of) - dt.timedelta(days=lookback_days - 1)
    t = _touches(ws, as_of, content_only=False, since_days=lookback_days)
    base = t.group_by(channel=t.t_channel).aggregate(
        touches=t.count(), accounts_reached=t.t_acc.nunique()).to_pandas()
    # touches without a channel cannot be compared as a channel of their own
    base = base.dropna(subset=["channel"])
    target_ids = None if targets is None else pd.Index(pd.Series(list(targets), dtype=str))
    if target_ids is not None:
        tt = ibis.memtable(pd.DataFrame({"g_acc": target_ids.unique()}))
        hit = t.join(tt, t.t_acc == tt.g_acc)
        cov = hit.group_by(channel=hit.t_channel).aggregate(
            targets_reached=hit.t_acc.nunique()).to_pandas()
        base = base.merge(cov, on="channel", how="left")
        n_targets = len(target_ids.unique())
    else:
        base["targets_reached"] = base["accounts_reached"]
        n_targets = int(t.t_acc.nunique().to_pandas())
    parts = [base]
    if ws.has("opportunities"):
        opps = _opportunities(ws, as_of)
        pairs = _conversions(t, opps, window_days, credit, "channel")
        parts.append(pairs.group_by(channel=pairs.t_channel).aggregate(
            converting_accounts=pairs.t_acc.nunique(),
            converted_touches=pairs.t_id.nunique()).to_pandas())
        # per channel and account, for the account-level test of channel_tests
        per_acc = t.group_by(channel=t.t_channel, account_id=t.t_acc).aggregate(
            touches=t.count()).to_pandas().merge(
            pairs.group_by(channel=pairs.t_channel, account_id=pairs.t_acc).aggregate(
                opportunities=pairs.o_id.nunique()).to_pandas(),
            on=["channel", "account_id"], how="left").fillna({"opportunities": 0})
        per_acc = per_acc.dropna(subset=["channel"]).astype(
            {"touches": "int64", "opportunities": "int64"})
        recent = opps.filter(opps.o_day >= start)
        parts.append(recent.group_by(channel=recent.o_channel).aggregate(
            leads=recent.count(), won=recent.count(where=recent.o_won),
            won_value=recent.o_amount.sum(where=recent.o_won)).to_pandas())
        # A new customer is credited to the source of its first won opportunity ever.
        won = opps.filter(opps.o_won)
        ranked = won.mutate(_rn=ibis.row_number().over(
            group_by=won.o_acc, order_by=[won.o_day, won.o_id]))
        firsts = ranked.filter((ranked._rn == 0) & (ranked.o_day >= start))
        parts.append(firsts.group_by(channel=firsts.o_channel).aggregate(
            new_customers=firsts.count()).to_pandas())
    if ws.has("marketing_spend"):
        m = ws.table("marketing_spend")
        m = m.filter((m.period_start <= as_of_date(as_of)) & (m.period_start >= start))
        parts.append(m.group_by(channel=m.channel.cast("string")).aggregate(
            spend=m.spend.sum()).to_pandas())
    out = parts[0]
    for p in parts[1:]:
        out = out.merge(p.dropna(subset=["channel"]), on="channel", how="outer")
    for col in ("touches", "accounts_reached", "targets_reached"):
        out[col] = _column(out, col, 0).astype("int64")
    for col in ("converting_accounts", "converted_touches", "leads", "won", "new_customers"):
        # without opportunities these are unknown, not zero
        out[col] = (_column(out, col, 0).astype("int64") if ws.has("opportunities")
                    else np.nan)
    out["won_value"] = (_column(out, "won_value", 0.0).astype(float) if ws.has("opportunities")
                        else np.nan)
    out["spend"] = (pd.to_numeric(out["spend"], errors="coerce") if "spend" in out.columns
                    else pd.Series(np.nan, index=out.index))
    # Source-only channels (account management, referral, ...) have neither touches nor spend.
    out = out[(out["touches"] > 0) | out["spend"].notna()].reset_index(drop=True)
    out["group"] = [channel_group(ch, groups) for ch in out["channel"]]
    out["coverage"] = out["targets_reached"] / n_targets if n_targets else np.nan
    _add_rate(out, "conversion_rate", "converting_accounts", "accounts_reached", confidence)
    out["cost_per_lead"] = safe_divide(out["spend"], out["leads"])
    out["cac"] = safe_divide(out["spend"], out["new_customers"])
    out["roi"] = safe_divide(out["won_value"] - out["spend"], out["spend"])
    out["below_min_sample"] = out["accounts_reached"] < min_sample
    cols = ["channel", "group", "touches", "accounts_reached", "targets_reached", "coverage",
            "converting_accounts", "conversion_rate", "conversion_rate_low",
            "conversion_rate_high", "spend", "leads", "cost_per_lead", "won", "won_value",
            "new_customers", "cac", "roi", "below_min_sample", "converted_touches"]
    out = out[cols].sort_values(["touches", "channel"], ascending=[False, True],
                                ignore_index=True)
    out.attrs.update({"targets": n_targets, "lookback_days": lookback_days, "credit": credit,
                      "window_days": window_days})
    if ws.has("opportunities"):
        out.attrs["accounts"] = AccountCounts(per_acc)
    return out


def rank_channels(comparison: pd.DataFrame, *, rate: str = "conversion_rate",
                  successes: str = "converting_accounts", trials: str = "accounts_reached",
                  draws: int = 20000, seed: int = 0, level: float = 0.8) -> pd.DataFrame:
    """Rank channels with their uncertainty: chance of being best and a plausible rank range.

    Each channel's rate gets a ``Beta(1 + successes, 1 + failures)`` posterior; seeded
    draws give the probability that the channel has the highest rate and the central
    ``level`` interval of its rank. Flagged rows (``below_min_sample``) are left out.

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`channel_comparison` (or any table with the count columns).
    rate, successes, trials : str
        Columns of the rate and its counts.
    draws : int
    seed : int
    level : float
        Coverage of the rank interval.

    Returns
    -------
    pandas.DataFrame
        The kept rows with ``rank``, ``prob_best``, ``rank_low``, ``rank_high``, sorted by
        rank (posterior mean rate); empty when no channel has known conversions.
    """
    keep = comparison
    if "below_min_sample" in keep.columns:
        keep = keep[~keep["below_min_sample"].astype(bool)]
    # a channel without a known number of conversions (no opportunities) cannot be ranked
    keep = keep[(keep[trials] > 0) & keep[successes].notna()].reset_index(drop=True)
    if keep.empty:
        return keep.assign(rank=[], prob_best=[], rank_low=[], rank_high=[])
    x = keep[successes].to_numpy(float)
    n = keep[trials].to_numpy(float)
    rng = np.random.default_rng(seed)
    sample = rng.beta(1 + x, 1 + n - x, size=(int(draws), len(keep)))
    order = (-sample).argsort(axis=1).argsort(axis=1) + 1
    out = keep.copy()
    out["prob_best"] = np.bincount(sample.argmax(axis=1), minlength=len(keep)) / draws
    tail = (1 - level) / 2
    out["rank_low"] = np.quantile(order, tail, axis=0, method="lower").astype(int)
    out["rank_high"] = np.quantile(order, 1 - tail, axis=0, method="higher").astype(int)
    out["posterior_mean"] = (1 + x) / (2 + n)
    out = out.sort_values("posterior_mean", ascending=False, ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def channel_mix(ws, as_of, segments: pd.Series, *, lookback_days: int = 365) -> pd.DataFrame:
    """Channel preference by segment: each segment's touches split across channels.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    segments : pandas.Series
        Segment (e.g. lifecycle stage or size band) per account, indexed by
        ``account_id``.
    lookback_days : int

    Returns
    -------
    pandas.DataFrame
        Rows: segments; columns: channels; values: share of the segment's touches (rows
        add up to 1). ``attrs["touches"]`` holds the touches per segment. Accounts without
        a segment are left out; without any segment the table is empty.
    """
    _need(ws, "interactions", what="channel preference")
    lookback_days = _check_positive("lookback_days", lookback_days)
    if pd.Series(segments).dropna().empty:
        # e.g. size bands without any employee count: no segment to compare
        return pd.DataFrame(index=pd.Index([], name="segment"))
    t = _touches(ws, as_of, content_only=False, since_days=lookback_days)
    st = _stage_table(segments)
    j = t.join(st, t.t_acc == st.s_acc)
    agg = j.group_by(["stage", "t_channel"]).aggregate(n=j.count()).to_pandas()
    wide = agg.pivot_table(index="stage", columns="t_channel", values="n", aggfunc="sum",
                           fill_value=0)
    if isinstance(segments.dtype, pd.CategoricalDtype):
        wide = wide.reindex([s for s in segments.cat.categories if s in wide.index])
    elif set(wide.index) <= set(STAGE_ORDER):
        wide = wide.reindex([s for s in STAGE_ORDER if s in wide.index])
    totals = wide.sum(axis=1)
    share = wide.div(totals.where(totals > 0), axis=0)
    share.index.name, share.columns.name = "segment", None
    share.attrs["touches"] = totals.astype("int64").to_dict()
    return share


# --------------------------------------------------------------------------- timing


def engagement_by_time(ws, as_of, *, events: Iterable[str] | None = None,
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
    t = _touches(ws, as_of, content_only=False, since_days=since_days or None)
    if events is not None:
        t = t.filter(t.t_event.isin([str(e).lower() for e in events]))
    agg = t.group_by(channel=t.t_channel, weekday=t.t_ts.day_of_week.index(),
                     hour=t.t_ts.hour()).aggregate(touches=t.count()).to_pandas()
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


def plot_weekday_heatmap(timing: pd.DataFrame, channels: Iterable[str] | None = None, *,
                         ax=None, language: str = "en"):
    """Channel x weekday heatmap of each channel's share of touches per weekday, in %.

    Parameters
    ----------
    timing : pandas.DataFrame
        Output of :func:`engagement_by_time`.
    channels : iterable of str, optional
        Rows shown, in this order; all channels with touches when omitted.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}
        Language of the title and weekdays.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    wide = timing.pivot_table(index="channel", columns="weekday", values="touches",
                              aggfunc="sum").reindex(columns=range(7), fill_value=0)
    wide = wide[wide.sum(axis=1) > 0]
    if channels is not None:
        wide = wide.reindex([c for c in channels if c in wide.index])
    if wide.empty:
        raise ParamError("no channel has touches to plot")
    share = wide.div(wide.sum(axis=1), axis=0) * 100
    share.columns = [weekday_name(d, language) for d in WEEKDAYS]
    share.index = [value_label("channel", c, language) for c in share.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(share) + 1.2))
    sns.heatmap(share, annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=ax, linewidths=0.5)
    ax.set_title(i18n.t("content_evaluation.chart.weekday_share", language))
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


def weekday_name(day: str, language: str = "en") -> str:
    """A weekday of :data:`WEEKDAYS` (``"Mon"``) in ``language``; other text is returned as is."""
    if day not in WEEKDAYS:
        return day
    return i18n.t(f"content_evaluation.weekday.{day}", language)


def plot_timing_heatmap(timing: pd.DataFrame, channel: str, *, ax=None, language: str = "en"):
    """Weekday x hour heatmap of one channel's touches.

    ``language`` ({"en", "zh"}) picks the language of the title, axis label and weekdays.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3))
    g = timing[timing["channel"] == channel]
    if g.empty:
        raise ParamError(f"channel {channel!r} has no touches; channels: "
                         f"{', '.join(sorted(timing['channel'].unique()))}")
    grid = g.pivot_table(index="weekday", columns="hour", values="touches", aggfunc="sum")
    grid = grid.reindex(index=range(7), columns=range(24), fill_value=0)
    grid.index = [weekday_name(d, language) for d in WEEKDAYS]
    sns.heatmap(grid, cmap="Blues", cbar=False, ax=ax, linewidths=0.2)
    ax.set_title(i18n.t("content_evaluation.chart.timing", language,
                        channel=value_label("channel", channel, language)))
    ax.set_xlabel(i18n.t("content_evaluation.chart.hour", language))
    ax.set_ylabel("")
    return ax


# --------------------------------------------------------------------------- report helpers


def segment_series(features: pd.DataFrame, column: str) -> pd.Series:
    """One feature column as a segment per account, indexed by ``account_id``.

    Parameters
    ----------
    features : pandas.DataFrame
        From :func:`helpers.data.features.account_features`.
    column : str
        A categorical feature such as ``size_band``, ``industry`` or ``region``.

    Returns
    -------
    pandas.Series
    """
    if column not in features.columns:
        options = [c for c in features.columns if c not in ("account_id", "account_name")
                   and not pd.api.types.is_numeric_dtype(features[c])
                   and not pd.api.types.is_datetime64_any_dtype(features[c])]
        raise ParamError(f"segment column {column!r} is not an account feature; use one of "
                         f"{', '.join(options)}")
    s = features.set_index(features["account_id"].astype(str))[column]
    return s.rename(column)


def plot_publishing_calendar(calendar: pd.DataFrame, *, ax=None, language: str = "en"):
    """Stacked monthly bars of assets published per group.

    Parameters
    ----------
    calendar : pandas.DataFrame
        Output of :func:`publishing_calendar`.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}
        Language of the title and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5))
    frame = relabel_axes(calendar, columns=CODE_COLUMNS.get(calendar.columns.name, "category"),
                         language=language)
    frame.index = [month_label(d, language) for d in pd.to_datetime(calendar.index)]
    frame.plot(kind="bar", stacked=True, ax=ax, width=0.8)
    ax.set_ylabel(i18n.t("content_evaluation.chart.assets_published", language))
    ax.set_xlabel("")
    ax.tick_params(axis="x", rotation=90, labelsize=8)
    from helpers.presentation.plotting import legend_outside

    legend_outside(ax, title="", fontsize=8)
    ax.set_title(i18n.t("content_evaluation.chart.calendar", language))
    return ax


def plot_channel_ranking(ranked: pd.DataFrame, *, ax=None, language: str = "en"):
    """Conversion rate per channel with its interval and the chance of being best.

    Parameters
    ----------
    ranked : pandas.DataFrame
        Output of :func:`rank_channels`.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}
        Language of the title, axis label and the chance of being best.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    r = ranked.iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.4 * max(len(r), 3) + 1))
    y = np.arange(len(r))
    rate = r["conversion_rate"].to_numpy(float)
    err = np.vstack([rate - r["conversion_rate_low"].to_numpy(float),
                     r["conversion_rate_high"].to_numpy(float) - rate])
    ax.errorbar(rate, y, xerr=err, fmt="o", color="#1f4e79", capsize=3)
    ax.set_yticks(y, [i18n.t("content_evaluation.chart.p_best", language,
                             channel=value_label("channel", c, language), p=f"{p:.0%}")
                      for c, p in zip(r["channel"], r["prob_best"], strict=True)])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(i18n.t("content_evaluation.chart.channel_rate", language))
    ax.set_title(i18n.t("content_evaluation.chart.channel_ranking", language))
    return ax


def content_scores(assets: pd.DataFrame, board: pd.DataFrame) -> pd.DataFrame:
    """The asset table for the CRM export: measures, intervals and leaderboard rank.

    Parameters
    ----------
    assets : pandas.DataFrame
        :func:`content_performance` with ``by="content_id"``.
    board : pandas.DataFrame
        :func:`leaderboard` of the same table, without ``top``.

    Returns
    -------
    pandas.DataFrame
    """
    cols = ["content_id", "title", "content_type", "content_category", "topic", "publish_date",
            "cost", "views", "reached_accounts", "engaged_accounts", "interaction_rate",
            "downloads", "registrations", "converting_accounts", "conversion_rate",
            "conversion_rate_low", "conversion_rate_high", "opportunities", "pipeline",
            "won_revenue", "cost_per_engaged_account", "cost_per_opportunity", "roi",
            "below_min_sample"]
    out = assets[[c for c in cols if c in assets.columns]].merge(
        board[["content_id", "rank"]], on="content_id", how="left")
    out["rank"] = out["rank"].astype("Int64")
    return out.sort_values(["rank", "content_id"], na_position="last", ignore_index=True)


def channel_scores(comparison: pd.DataFrame, ranked: pd.DataFrame,
                   credits: pd.DataFrame | None = None) -> pd.DataFrame:
    """The channel table for the CRM export: comparison, ranking and attribution shares.

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`channel_comparison`.
    ranked : pandas.DataFrame
        Output of :func:`rank_channels`.
    credits : pandas.DataFrame, optional
        Output of :func:`helpers.analysis.attribution.attribute` by channel; adds one
        ``share_<model>`` column per model.

    Returns
    -------
    pandas.DataFrame
    """
    out = comparison.merge(ranked[["channel", "rank", "prob_best", "rank_low", "rank_high"]],
                           on="channel", how="left")
    if credits is not None and len(credits):
        wide = credits.pivot_table(index="label", columns="model", values="share",
                                   aggfunc="sum")
        wide.columns = [f"share_{m}" for m in wide.columns]
        out = out.merge(wide, left_on="channel", right_index=True, how="left")
    for col in ("rank", "rank_low", "rank_high"):
        out[col] = out[col].astype("Int64")
    return out.sort_values(["rank", "channel"], na_position="last", ignore_index=True)


# --------------------------------------------------------------------------- formatting for people

#: shown for a value that cannot be computed; the section states the reason once
DASH = "–"
#: how each column of the report's tables is shown (see :func:`format_value`)
COLUMN_FORMATS: dict[str, str] = {
    **dict.fromkeys((
        "assets", "views", "touches", "reached_accounts", "engaged_accounts", "downloads",
        "registrations", "converting_accounts", "converted_touches", "opportunities",
        "won_opportunities", "responses", "accounts", "recent_assets", "accounts_reached",
        "targets_reached", "leads", "won", "new_customers", "units_a", "conversions_a",
        "units_b", "conversions_b", "n_required", "days", "touches_in_window",
        "touches_on_day", "rank", "rank_low", "rank_high"), "count"),
    **dict.fromkeys((
        "cost", "pipeline", "won_revenue", "cost_per_engaged_account", "cost_per_opportunity",
        "spend", "cost_per_lead", "won_value", "cac"), "money"),
    **dict.fromkeys((
        "interaction_rate", "conversion_rate", "conversion_rate_low", "conversion_rate_high",
        "rate", "rate_low", "rate_high", "share_of_responses", "coverage", "share",
        "touch_conversion_rate", "rate_a", "rate_b", "opportunity_rate"), "percent"),
    **dict.fromkeys((
        "first_touch", "last_touch", "linear", "time_decay", "position_based", "markov",
        "spread"), "percent"),
    **dict.fromkeys(("prob_b_better", "power", "mde_lift", "prob_best", "main_share"),
                    "percent0"),
    **dict.fromkeys(("roi",), "signed_percent"),
    **dict.fromkeys(("diff", "ci_low", "ci_high"), "points"),
    **dict.fromkeys(("lift", "lift_low", "lift_high"), "times"),
    **dict.fromkeys(("p_value", "p_adjusted", "srm_p"), "p"),
    **dict.fromkeys(("significant", "srm", "gap", "enough_data", "below_min_sample"), "flag"),
    **dict.fromkeys(("hour_start", "hour_end"), "hour"),
    **dict.fromkeys(("weekday_name",), "weekday"),
}


def is_known(value) -> bool:
    """Whether ``value`` is a real value: not None, NA, NaN, NaT or infinite."""
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        return True
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return bool(np.isfinite(float(value)))
    return True


def format_value(value, kind: str = "number", language: str = "en") -> str:
    """One value as people read it, or :data:`DASH` when it cannot be computed.

    Parameters
    ----------
    value : object
        A number, flag or text; None, NA, NaN, NaT and infinities give :data:`DASH`.
    kind : {"count", "money", "percent", "percent0", "signed_percent", "points", "times", \
"p", "flag", "hour", "weekday", "number", "text"}
        ``count`` 1,234; ``money`` 12,345 (no decimals, the currency is named once in the
        text); ``percent`` 4.9%; ``percent0`` 5%; ``signed_percent`` +123%; ``points`` a
        difference of rates in percentage points (+2.72); ``times`` a ratio (4.07);
        ``p`` a p-value (0.0123); ``flag`` yes or no; ``hour`` 09:00; ``weekday`` a
        :data:`WEEKDAYS` name in ``language``; ``number`` 1,234.57; ``text`` as is.
    language : {"en", "zh"}
        For flags and weekdays.

    Returns
    -------
    str
    """
    if not is_known(value) or (isinstance(value, str) and not value.strip()):
        return DASH
    if kind in ("text", "weekday"):
        text = str(value).strip()
        if not text:
            return DASH
        return weekday_name(text, language) if kind == "weekday" else text
    if kind == "flag":
        return i18n.t("content_evaluation.yes" if bool(value) else "content_evaluation.no",
                      language)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    formats = {
        "count": lambda: f"{round(v):,}",
        "money": lambda: f"{v:,.0f}",
        "percent": lambda: f"{v:.1%}",
        "percent0": lambda: f"{v:.0%}",
        "signed_percent": lambda: f"{v:+.0%}",
        "points": lambda: f"{v * 100:+.2f}",
        "times": lambda: f"{v:.2f}",
        "p": lambda: f"{v:.3g}",
        "hour": lambda: f"{int(v):02d}:00",
        "number": lambda: f"{v:,.2f}",
    }
    if kind not in formats:
        raise ParamError(f"format kind {kind!r} is not known; use one of "
                         f"{', '.join([*formats, 'text', 'weekday', 'flag'])}")
    return formats[kind]()


def format_table(frame: pd.DataFrame, *, columns: Iterable[str] | None = None,
                 index: str | None = None, headers: Mapping[str, str] | None = None,
                 formats: Mapping[str, str] | None = None, drop_empty: bool = False,
                 language: str = "en") -> pd.DataFrame:
    """A table of text for a report: every value formatted, unknowns as :data:`DASH`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any of this module's tables.
    columns : iterable of str, optional
        Columns shown, in this order; all when omitted.
    index : str, optional
        Column shown as the row label (as text); without it the rows carry no label.
    headers : mapping, optional
        Column name -> header in the report language.
    formats : mapping, optional
        Column name -> kind of :func:`format_value`, over :data:`COLUMN_FORMATS`; other
        columns are ``number`` when numeric, else ``text``.
    drop_empty : bool
        Leave out columns without a single known value (e.g. spend without a spend table).
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        Strings only.
    """
    kinds = {**COLUMN_FORMATS, **dict(formats or {})}
    headers = dict(headers or {})
    cols = [c for c in (list(columns) if columns is not None else frame.columns) if c != index]
    missing = [c for c in [*cols, *([index] if index else [])] if c not in frame.columns]
    if missing:
        raise ParamError(f"the table has no column {missing[0]!r}; columns: "
                         f"{', '.join(map(str, frame.columns))}")
    if drop_empty:
        cols = [c for c in cols if frame[c].map(is_known).any()]
    out = pd.DataFrame(index=range(len(frame)))
    for col in cols:
        series = frame[col]
        default = "number" if pd.api.types.is_numeric_dtype(series) and not \
            pd.api.types.is_bool_dtype(series) else "text"
        kind = kinds.get(col, default)
        out[headers.get(col, col)] = [format_value(v, kind, language) for v in series]
    if index is not None:
        out.index = pd.Index([format_value(v, "text") for v in frame[index]],
                             name=headers.get(index, index))
    return out


def rounded(value, digits: int = 0, scale: float = 1.0):
    """``value * scale`` rounded for a headline card, or None when it cannot be computed."""
    if not is_known(value):
        return None
    out = round(float(value) * scale, digits)
    return int(out) if digits == 0 else out


# --------------------------------------------------------------------------- report sentences

#: labels that stand for "no value" and never win a ranking or a sentence
UNKNOWN_LABELS = ("(none)", "(unknown)", "(no touch)")


def _t(key: str, language: str, **values) -> str:
    return i18n.t(f"content_evaluation.{key}", language, **values)


def usable_credit(credit: str, has_source: bool) -> str:
    """The credit rule the data supports.

    ``sourced`` needs opportunities that name their source (asset or channel); when that
    column is missing or empty, every sourced count would be zero, so ``influenced`` is
    used instead (the report says so).

    Parameters
    ----------
    credit : {"sourced", "influenced"}
    has_source : bool
        Whether the opportunities' source column holds any value.

    Returns
    -------
    str
    """
    _check_credit(credit)
    return "influenced" if credit == "sourced" and not has_source else credit


def _conversion_counts(table: pd.DataFrame) -> dict:
    """Arguments of :func:`rate_tests` for a content table's conversions per touch.

    With the table's per-account counts the unit is the account and the hits are
    opportunities; without them, converted touches per touch (Fisher exact).
    """
    per_account = _account_frame(table.attrs)
    if per_account is not None and "opportunities" in table.columns:
        return {"hits": "opportunities", "trials": "touches", "per_account": per_account}
    return {"hits": "converted_touches", "trials": "touches"}


def _test_name(tested: pd.DataFrame, what: str) -> str:
    if tested.attrs.get("unit") == "account":
        return ("cluster-robust rate ratio of opportunities per touch by account and "
                f"Fisher exact vs other {what}")
    return f"Fisher exact per touch vs other {what}"


def performance_findings(by_category: pd.DataFrame, by_type: pd.DataFrame, *,
                         window_days: int, confidence: float, alpha: float = 0.05,
                         method: str = "bh", language: str = "en") -> list:
    """The best content category and the most credible content type, as findings.

    Each is tested against the other groups of its table (:func:`rate_tests`, one family
    per table: the categories, and the ranked types) and stated only when it converts
    reliably better than the rest; otherwise its fallback says no group differs.

    Returns
    -------
    list of helpers.presentation.findings.Finding
        Up to two findings (category, type); empty groups give none.
    """
    pct = "percent"
    out = []
    cats = by_category[by_category["conversion_rate"].map(is_known)
                       & ~by_category["content_category"].isin(UNKNOWN_LABELS)]
    if len(cats):
        tested = rate_tests(by_category, label="content_category", **_conversion_counts(by_category),
                            alpha=alpha, method=method,
                            keep=pd.Series(by_category.index.isin(cats.index), by_category.index))
        best = tested.loc[cats["conversion_rate"].idxmax()]
        size = int(tested.attrs["family_size"])
        if size < 2:  # one category: its rate is a fact, there is nothing to be best among
            out.append(fnd.fact(_t(
                "performance_single", language, category=md_label("category", best["content_category"], language),
                rate=format_value(best["conversion_rate"], pct), days=window_days,
                level=f"{confidence:.0%}", low=format_value(best["conversion_rate_low"], pct),
                high=format_value(best["conversion_rate_high"], pct)),
                n=int(best["reached_accounts"])))
            cats = cats.head(0)
    if len(cats):
        out.append(fnd.comparison(
            _t("performance_best", language, category=md_label("category", best["content_category"], language),
               rate=format_value(best["conversion_rate"], pct), days=window_days,
               level=f"{confidence:.0%}", low=format_value(best["conversion_rate_low"], pct),
               high=format_value(best["conversion_rate_high"], pct)),
            test=_test_name(tested, "categories"), p_value=best["p_value"],
            p_adjusted=best["p_adjusted"] if best["lift"] > 1 else 1.0, alpha=alpha,
            effect=best["lift"], low=best["lift_low"], high=best["lift_high"],
            n=int(best["touches"]), family=_t("family.categories", language),
            family_size=size, method=method, effect_label="lift",
            fallback=fnd.no_difference(size, _t("what.categories", language), language),
            impact=0.4, action=_t("performance_best_action", language,
                                  category=value_label("category", best["content_category"], language)),
            level=best["content_category"], language=language))
    types = by_type[~by_type["below_min_sample"].astype(bool)
                    & by_type["conversion_rate_low"].map(is_known)
                    & ~by_type["content_type"].isin(UNKNOWN_LABELS)]
    if len(types):
        tested = rate_tests(by_type, label="content_type", **_conversion_counts(by_type),
                            alpha=alpha, method=method,
                            keep=pd.Series(by_type.index.isin(types.index), by_type.index))
        top = tested.loc[types.sort_values(["conversion_rate_low", "content_type"],
                                           ascending=[False, True]).index[0]]
        size = int(tested.attrs["family_size"])
        if size < 2:  # a single ranked type is not the best of anything
            return out
        out.append(fnd.comparison(
            _t("performance_type", language, type=md_label("content_type", top["content_type"], language),
               type_rate=format_value(top["conversion_rate"], pct),
               type_low=format_value(top["conversion_rate_low"], pct)),
            test=_test_name(tested, "types"), p_value=top["p_value"],
            p_adjusted=top["p_adjusted"] if top["lift"] > 1 else 1.0, alpha=alpha,
            effect=top["lift"], low=top["lift_low"], high=top["lift_high"],
            n=int(top["touches"]), family=_t("family.types", language),
            family_size=size, method=method, effect_label="lift",
            fallback=fnd.no_difference(size, _t("what.types", language), language),
            impact=0.35, level=top["content_type"], language=language))
    return out


def performance_sentence(by_category: pd.DataFrame, by_type: pd.DataFrame, *,
                         window_days: int, confidence: float, currency: str, credit: str,
                         language: str = "en", alpha: float = 0.05,
                         method: str = "bh") -> str:
    """The finding of the content performance tables, or "" when no rate is known.

    Parameters
    ----------
    by_category, by_type : pandas.DataFrame
        :func:`content_performance` by ``content_category`` and by ``content_type``.
    window_days, confidence, credit
        As used for the tables.
    currency : str
    language : {"en", "zh"}
    alpha, method
        Level and family correction of the tests (see :func:`performance_findings`).

    Returns
    -------
    str
        The best category by conversion rate and the content type with the highest
        credible rate (lower bound, ranked rows only), each only when it converts reliably
        better than the rest, else the sentence that no group differs; cost, won revenue and ROI
        when every asset's cost is known, else won revenue with ROI stated as unknown.
        Groups without a value (``(none)``) never lead; "" when neither a category nor a
        type has a known rate.
    """
    text = ""
    for found in performance_findings(by_category, by_type, window_days=window_days,
                                      confidence=confidence, alpha=alpha, method=method,
                                      language=language):
        text += (" " if text and not found.shown.startswith(" ") else "") + found.shown
    if not text:
        return ""
    text = text.lstrip()
    won = by_category["won_revenue"]
    if not won.map(is_known).all():
        return text
    credit_text = _t(f"credit_{credit}", language)
    cost = by_category["cost"]
    total_cost = float(cost.sum()) if cost.map(is_known).all() else np.nan
    if is_known(total_cost) and total_cost > 0:
        roi = (float(won.sum()) - total_cost) / total_cost
        text += _t("performance_money", language, currency=currency,
                   cost=format_value(total_cost, "money"), won=format_value(won.sum(), "money"),
                   roi=f"{roi:.0%}", credit=credit_text)
    else:
        text += _t("performance_money_no_cost", language, currency=currency,
                   won=format_value(won.sum(), "money"), credit=credit_text)
    return text


def content_roi(by_category: pd.DataFrame) -> float:
    """ROI of all content: won revenue over production cost, NaN when either is unknown."""
    cost, won = by_category["cost"], by_category["won_revenue"]
    if not (cost.map(is_known).all() and won.map(is_known).all()) or cost.sum() <= 0:
        return np.nan
    return float((won.sum() - cost.sum()) / cost.sum())


def best_category_rate(by_category: pd.DataFrame) -> float:
    """The highest conversion rate of a known content category, NaN when none is known."""
    cats = by_category[~by_category["content_category"].isin(UNKNOWN_LABELS)]
    rates = cats["conversion_rate"][cats["conversion_rate"].map(is_known)]
    return float(rates.max()) if len(rates) else np.nan


def channel_sentence(comparison: pd.DataFrame, ranked: pd.DataFrame, *, confidence: float,
                     currency: str, min_sample: int, language: str = "en",
                     tested: pd.DataFrame | None = None, alpha: float = 0.05,
                     method: str = "bh") -> str:
    """The finding of the channel comparison: coverage, the leading channel, paid channels.

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`channel_comparison`.
    ranked : pandas.DataFrame
        Output of :func:`rank_channels` of it.
    confidence : float
        Coverage of the rank interval used for ``ranked``.
    currency : str
    min_sample : int
        The minimum reach used, named when no channel is ranked.
    language : {"en", "zh"}
    tested : pandas.DataFrame, optional
        :func:`rate_tests` of the ranked channels; computed when omitted.
    alpha, method
        Level and family correction of those tests.

    Returns
    -------
    str
        "" when no channel has touches. The leading channel is named only when it is
        followed by an opportunity reliably more often than the other ranked channels
        (see :func:`channel_lead_finding`); otherwise the sentence says no channel differs. Conversions are described only when known (the
        data has opportunities), paid channels only where spend and leads are recorded.
    """
    reached = comparison[comparison["touches"] > 0]
    reached = reached[~reached["channel"].isin(UNKNOWN_LABELS) & reached["channel"].notna()]
    if reached.empty:
        return ""
    text = ""
    targets = comparison.attrs.get("targets", 0)
    if targets:
        widest = reached.sort_values(["coverage", "channel"], ascending=[False, True]).iloc[0]
        text += _t("coverage", language, channel=md_label("channel", widest["channel"], language),
                   coverage=format_value(widest["coverage"], "percent0"), targets=f"{targets:,}")
    lead = ranked[~ranked["channel"].isin(UNKNOWN_LABELS)] if len(ranked) else ranked
    if len(lead):
        if tested is None:
            tested = channel_tests(comparison, ranked, alpha=alpha, method=method)
        found = channel_lead_finding(tested, ranked, confidence=confidence, alpha=alpha,
                                     method=method, language=language)
        text += found.shown
    elif not comparison["converting_accounts"].map(is_known).any():
        text += _t("no_conversion", language)
    else:
        text += _t("no_ranked_channel", language, n=min_sample)
    paid = comparison[comparison["spend"].map(is_known) & (comparison["spend"] > 0)
                      & comparison["cost_per_lead"].map(is_known)
                      & comparison["roi"].map(is_known)]
    if len(paid) >= 2:
        tests = paid_channel_tests(paid, alpha=alpha, method=method)
        cheapest = paid.loc[paid["cost_per_lead"].idxmin(), "channel"]
        best = paid.loc[paid["roi"].idxmax(), "channel"]
        cpl_ok = bool(tests.loc[cheapest, "leads_significant"])
        roi_ok = bool(tests.loc[best, "won_significant"])
        values = dict(cheapest=md_label("channel", cheapest, language), currency=currency,
                      cpl=format_value(paid["cost_per_lead"].min(), "money"),
                      best=md_label("channel", best, language),
                      multiple=f"{paid['roi'].max() + 1:.1f}")
        if cpl_ok and roi_ok:
            text += _t("paid", language, **values)
        elif cpl_ok:
            text += _t("paid_cheapest", language, **values)
        elif roi_ok:
            text += _t("paid_best", language, **values)
        else:
            text += _t("paid_none", language, n=len(paid))
    return text


def paid_channel_tests(paid: pd.DataFrame, *, alpha: float = 0.05,
                       method: str = "bh") -> pd.DataFrame:
    """Whether a paid channel buys more leads, or more wins, per unit of spend than the rest.

    Counts per unit of spend are compared with the conditional Poisson test: given all
    leads of the paid channels, a channel's leads follow a binomial with its share of the
    spend (:func:`helpers.stats.multiple_testing.share_test`, one-sided). Leads and wins are
    two families, each corrected across the paid channels. A win test stands in for the
    return, which has no count of its own.

    Parameters
    ----------
    paid : pandas.DataFrame
        Rows of :func:`channel_comparison` with spend, leads and wins.
    alpha, method
        Level and family correction.

    Returns
    -------
    pandas.DataFrame
        Index ``channel``; ``leads_p, leads_p_adjusted, leads_significant, won_p,
        won_p_adjusted, won_significant``.
    """
    spend = pd.to_numeric(paid["spend"], errors="coerce").to_numpy(float)
    out = pd.DataFrame(index=pd.Index(paid["channel"], name="channel"))
    for what in ("leads", "won"):
        counts = pd.to_numeric(paid[what], errors="coerce").fillna(0).to_numpy(float)
        p = [mt.share_test(c, counts.sum(), sp / spend.sum()) if c > 0 else 1.0
             for c, sp in zip(counts, spend, strict=True)]
        out[f"{what}_p"] = p
        out[f"{what}_p_adjusted"] = mt.adjust(p, method)
        out[f"{what}_significant"] = out[f"{what}_p_adjusted"] < alpha
    return out


def preference_sentence(mix: pd.DataFrame, language: str = "en") -> str:
    """Which segment leans most towards one channel, from :func:`channel_mix`; "" if none.

    Needs at least two segments with touches: with one there is nothing to differ from.
    """
    mix = mix.dropna(how="all")
    mix = mix[~mix.index.isin(UNKNOWN_LABELS)]
    if len(mix) < 2 or mix.shape[1] == 0:
        return ""
    lean = (mix - mix.mean()).stack().idxmax()
    return _t("preferences", language, stage=md_label("stage", lean[0], language),
              channel=md_label("channel", lean[1], language),
              share=format_value(mix.loc[lean], "percent0"),
              average=format_value(mix[lean[1]].mean(), "percent0"))


def timing_sentences(windows: pd.DataFrame, language: str = "en") -> list[str]:
    """One line per channel with enough data, from :func:`best_send_windows`."""
    ok = windows[windows["enough_data"].astype(bool)] if len(windows) else windows
    return [_t("timing", language, channel=md_label("channel", r.channel, language), weekday=weekday_name(r.weekday_name, language),
               start=f"{int(r.hour_start):02d}", end=f"{int(r.hour_end):02d}",
               share=format_value(r.share, "percent0"), touches=f"{r.touches:,}",
               lift=f"{r.lift:.1f}")
            for r in ok.itertuples()]


def weekday_sentences(days: pd.DataFrame, language: str = "en") -> list[str]:
    """One line per channel with enough data, from :func:`best_send_days`."""
    ok = days[days["enough_data"].astype(bool)] if len(days) else days
    return [_t("timing_day", language, channel=md_label("channel", r.channel, language),
               weekday=weekday_name(r.weekday_name, language),
               share=format_value(r.share, "percent0"), touches=f"{r.touches:,}",
               lift=f"{r.lift:.1f}")
            for r in ok.itertuples()]


def calendar_sentence(calendar: pd.DataFrame, months: int, language: str = "en") -> str:
    """The finding of :func:`publishing_calendar`; says so when nothing was published.

    The most published group is named only among groups with a value (not ``(none)``).
    """
    per_month = calendar.sum(axis=1) if len(calendar.columns) else pd.Series(dtype=float)
    total = int(per_month.sum())
    if not total:
        return _t("calendar_none", language, months=months)
    groups = calendar.drop(columns=[c for c in calendar.columns if c in UNKNOWN_LABELS]).sum()
    groups = groups[groups > 0]
    if groups.empty:
        return _t("calendar_count", language, n=total, months=months,
                  per_month=f"{per_month.mean():.1f}", empty=int((per_month == 0).sum()))
    return _t("calendar", language, n=total, months=months, per_month=f"{per_month.mean():.1f}",
              empty=int((per_month == 0).sum()),
              category=md_label("category", groups.idxmax(), language),
              share=f"{groups.max() / total:.0%}")


def non_empty(panels: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables of ``panels`` (title -> table) that hold at least one value, for charts."""
    return {title: table for title, table in panels.items()
            if table.size and table.notna().to_numpy().any()}


def leaderboard_sentence(board: pd.DataFrame, assets: pd.DataFrame, *, confidence: float,
                         min_sample: int, language: str = "en") -> str:
    """The finding of the leaderboard: its top asset and how many assets are not ranked.

    Parameters
    ----------
    board : pandas.DataFrame
        :func:`leaderboard` rows shown (not empty).
    assets : pandas.DataFrame
        :func:`content_performance` by ``content_id``.
    confidence : float
    min_sample : int
    language : {"en", "zh"}

    Returns
    -------
    str
        The asset's category is named only when it has one.
    """
    top = board.iloc[0]
    category = top.get("content_category")
    known = is_known(category) and str(category).strip() not in ("", *UNKNOWN_LABELS)
    values = dict(title=md_escape(top["title"]), rate=format_value(top["conversion_rate"], "percent"),
                  reached=f"{int(top['reached_accounts']):,}", level=f"{confidence:.0%}",
                  low=format_value(top["conversion_rate_low"], "percent"),
                  high=format_value(top["conversion_rate_high"], "percent"),
                  small=int(assets["below_min_sample"].sum()), n=len(assets),
                  min_sample=min_sample)
    if known:
        return _t("leaderboard", language, category=md_label("category", category, language),
                  **values)
    return _t("leaderboard_no_category", language, **values)


# --------------------------------------------------------------------------- evidence gates
# Every comparative sentence of the report is backed by a test corrected within the family
# of comparisons shown together (helpers.stats.multiple_testing); these helpers add the tests to
# the tables and turn the sentences into findings (helpers.presentation.findings).

def survives_mark(flags, language: str = "en") -> pd.Series:
    """The mark of rows that survive their family's correction (✓) and of the others (–)."""
    yes, no = i18n.t("findings.yes", language), i18n.t("findings.no", language)
    return pd.Series([yes if bool(f) else no for f in flags], dtype=object,
                     index=getattr(flags, "index", None))


def rate_tests(frame: pd.DataFrame, *, label: str, hits: str, trials: str,
               alpha: float = 0.05, method: str = "bh",
               keep: pd.Series | None = None,
               per_account: pd.DataFrame | None = None,
               confidence: float = 0.95) -> pd.DataFrame:
    """Test every row's rate against the rest of the table, corrected as one family.

    Each row's ``hits / trials`` is compared with the pooled rate of all other rows
    (:func:`helpers.stats.multiple_testing.lift_test`: Fisher exact test, Katz interval of the
    ratio). Rows compared are those in ``keep`` with a known label and at least one trial;
    the others get missing values and are never significant. When accounts are counted in
    several rows (an account reached by two channels) the rest is the sum of the other
    rows, an approximation that treats them as separate observations.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per group.
    label, hits, trials : str
        Columns of the group's name and its counts.
    alpha : float
    method : str
        See :func:`helpers.stats.multiple_testing.adjust`.
    keep : pandas.Series of bool, optional
        Rows of the family (e.g. the ranked ones); default all.
    per_account : pandas.DataFrame, optional
        Columns ``label``, ``account_id``, ``hits`` and ``trials`` per group and account
        (:class:`AccountCounts`). Each row is then tested with the account as the unit
        (:func:`clustered_lift_test` against the accounts' counts in the other rows of
        the family), and the interval is the cluster-robust one.
    confidence : float
        Coverage of the cluster-robust interval.

    Returns
    -------
    pandas.DataFrame
        A copy with ``lift, lift_low, lift_high, p_value, p_adjusted`` and ``significant``
        (adjusted p below ``alpha`` and a lift above 1); ``attrs["family_size"]`` is the
        number of rows tested, ``attrs["unit"]`` ``"account"`` or ``"touch"``.
    """
    out = frame.copy()
    x = pd.to_numeric(out[hits], errors="coerce")
    n = pd.to_numeric(out[trials], errors="coerce")
    known = ~out[label].map(fnd.is_missing_level).astype(bool) & ~out[label].isin(UNKNOWN_LABELS)
    member = (x.notna() & n.gt(0)).astype(bool) & known.astype(bool)
    if keep is not None:
        member &= keep.reindex(out.index).fillna(False).astype(bool)
    tx, tn = float(x[member].sum()), float(n[member].sum())
    res = {c: np.full(len(out), np.nan) for c in ("lift", "lift_low", "lift_high", "p_value")}
    clustered = per_account is not None and {label, "account_id", hits, trials} <= set(
        per_account.columns)
    if clustered:
        family = per_account[per_account[label].isin(set(out.loc[member, label]))]
    for k, (m, xi, ni) in enumerate(zip(member, x, n, strict=True)):
        if m and tn - ni > 0:
            r = (_cell_test(family.rename(columns={trials: "touches"}) if trials != "touches"
                            else family, label, out[label].iloc[k], confidence, hits)
                 if clustered else mt.lift_test(xi, ni, tx - xi, tn - ni))
            res["lift"][k], res["lift_low"][k], res["lift_high"][k] = (
                r["lift"], r["low"], r["high"])
            res["p_value"][k] = r["p_value"]
    for col, values in res.items():
        out[col] = values
    out["p_adjusted"] = mt.adjust(out["p_value"].to_numpy(float), method)
    out["significant"] = (out["p_adjusted"] < alpha) & (out["lift"] > 1)
    out.attrs = {**frame.attrs, "family_size": int(np.isfinite(res["p_value"]).sum()),
                 "unit": "account" if clustered else "touch"}
    return out


def _timing_cells(g: pd.DataFrame, window_hours: int | None) -> tuple[np.ndarray, float]:
    """Touches per candidate cell of one channel and a cell's share under an even spread."""
    if window_hours is None:
        days = g.groupby("weekday")["touches"].sum().reindex(range(7), fill_value=0)
        return days.to_numpy(float), 1 / 7
    grid = np.zeros((7, 24))
    grid[g["weekday"].to_numpy(int), g["hour"].to_numpy(int)] = g["touches"].to_numpy(float)
    csum = np.concatenate([np.zeros((7, 1)), grid.cumsum(axis=1)], axis=1)
    win = csum[:, window_hours:] - csum[:, :-window_hours]
    return win.ravel(), window_hours / 168


def send_time_tests(best: pd.DataFrame, timing: pd.DataFrame, *,
                    window_hours: int | None = None, alpha: float = 0.05,
                    method: str = "bh") -> pd.DataFrame:
    """Test each channel's busiest send window (or weekday) against an even spread.

    Every candidate cell of every channel with enough data (each weekday-hour window of
    ``window_hours``, or each weekday when ``window_hours`` is None) gets a one-sided
    binomial test of holding more than its even share
    (:func:`helpers.stats.multiple_testing.share_test`), and all those p-values are corrected
    as one family: naming the busiest of 161 windows of eight channels is 1,288
    comparisons, not eight. A channel's window is stated only when its own cell survives.

    Parameters
    ----------
    best : pandas.DataFrame
        :func:`best_send_windows` (with the same ``window_hours``) or
        :func:`best_send_days` (``window_hours=None``).
    timing : pandas.DataFrame
        :func:`engagement_by_time`.
    window_hours : int or None
    alpha : float
    method : str

    Returns
    -------
    pandas.DataFrame
        ``best`` with ``p_value``, ``p_adjusted`` and ``significant``;
        ``attrs["family_size"]`` is the number of cells tested.
    """
    out = best.copy()
    out["p_value"], out["p_adjusted"] = np.nan, np.nan
    raw: list[float] = []
    picked: list[tuple[int, int]] = []
    if len(out):
        for i in out.index[out["enough_data"].astype(bool)]:
            g = timing[timing["channel"] == out.at[i, "channel"]]
            cells, share = _timing_cells(g, window_hours)
            total = float(cells.sum()) if window_hours is None else float(g["touches"].sum())
            picked.append((i, len(raw) + int(cells.argmax())))
            raw.extend(mt.share_test(c, total, share) if c > 0 else 1.0 for c in cells)
    adj = mt.adjust(raw, method) if raw else np.array([])
    for i, k in picked:
        out.at[i, "p_value"], out.at[i, "p_adjusted"] = raw[k], adj[k]
    out["significant"] = out["p_adjusted"].lt(alpha) if len(out) else pd.Series(dtype=bool)
    out.attrs["family_size"] = len(raw)
    return out


def _unbullet(text: str) -> str:
    return text[2:] if text.startswith("- ") else text


def finding_lines(found: Iterable) -> str:
    """Markdown for a family of findings: one bullet per stated claim, else its fallback.

    Parameters
    ----------
    found : iterable of helpers.presentation.findings.Finding

    Returns
    -------
    str
        "" when the family is empty.
    """
    found = list(found)
    said = fnd.FindingLog.summary(found)
    if any(f.stated for f in found):
        return "\n".join(f"- {text}" for text in said)
    return "\n".join(said)


def send_time_findings(tested: pd.DataFrame, *, hours: bool, alpha: float = 0.05,
                       method: str = "bh", language: str = "en") -> list:
    """One finding per channel with enough data, from :func:`send_time_tests`.

    Parameters
    ----------
    tested : pandas.DataFrame
    hours : bool
        Whether the cells are weekday-hour windows (else weekdays).
    alpha, method
        As used for the tests (recorded as evidence).
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
        Empty when no channel has enough touches; the first carries the honest fallback
        ("no send window stands out ...").
    """
    ok = tested[tested["enough_data"].astype(bool)] if len(tested) else tested
    if ok.empty:
        return []
    size = int(tested.attrs.get("family_size", len(ok)))
    fallback = _t("timing_no_peak" if hours else "timing_day_no_peak", language,
                  n=len(ok), cells=f"{size:,}")
    out = []
    for k, r in enumerate(ok.itertuples()):
        day = weekday_name(r.weekday_name, language)
        if hours:
            text = _t("timing", language, channel=md_label("channel", r.channel, language), weekday=day,
                      start=f"{int(r.hour_start):02d}", end=f"{int(r.hour_end):02d}",
                      share=format_value(r.share, "percent0"), touches=f"{r.touches:,}",
                      lift=f"{r.lift:.1f}")
            action = _t("timing_action", language, channel=value_label("channel", r.channel, language),
                        weekday=day,
                        start=f"{int(r.hour_start):02d}", end=f"{int(r.hour_end):02d}")
        else:
            text = _t("timing_day", language, channel=md_label("channel", r.channel, language), weekday=day,
                      share=format_value(r.share, "percent0"), touches=f"{r.touches:,}",
                      lift=f"{r.lift:.1f}")
            action = _t("timing_day_action", language, channel=value_label("channel", r.channel, language),
                        weekday=day)
        out.append(fnd.comparison(
            _unbullet(text), test="binomial vs even spread", p_value=r.p_value, p_adjusted=r.p_adjusted,
            alpha=alpha, effect=r.lift, n=int(r.touches), family=_t(
                "family.timing" if hours else "family.timing_day", language),
            family_size=size, method=method, effect_label="x even spread",
            fallback=fallback if k == 0 else "", impact=0.25, action=action,
            level=r.channel, language=language))
    return out


def leaderboard_finding(board: pd.DataFrame, assets: pd.DataFrame, *, confidence: float,
                        min_sample: int, alpha: float = 0.05, method: str = "bh",
                        language: str = "en"):
    """The leaderboard's top asset as a finding, stated only when it beats the rest.

    Parameters
    ----------
    board : pandas.DataFrame
        :func:`leaderboard` rows shown (not empty); they carry the family test.
    assets : pandas.DataFrame
        :func:`content_performance` by ``content_id``.
    confidence, min_sample
        As used for the table.
    alpha, method
        As used for the family test.
    language : {"en", "zh"}

    Returns
    -------
    helpers.presentation.findings.Finding
        The claim of :func:`leaderboard_sentence` plus the lift over the rest; the
        fallback says no ranked asset converts reliably better and how many were not ranked.
    """
    top = board.iloc[0]
    size = int(board.attrs.get("family_size", len(board)))
    text = leaderboard_sentence(board, assets, confidence=confidence, min_sample=min_sample,
                                language=language)
    lift = top.get("lift", np.nan)
    if _times(lift) != DASH:
        text += _t("leaderboard_lift", language, lift=_times(lift))
    fallback = _t("leaderboard_no_leader", language, ranked=size,
                  small=int(assets["below_min_sample"].sum()), n=len(assets),
                  min_sample=min_sample)
    won = pd.to_numeric(assets.get("won_revenue"), errors="coerce")
    impact = fnd.impact_weight(top.get("won_revenue", np.nan), won.sum() if won is not None
                               else np.nan)
    return fnd.comparison(
        text, test=_test_name(board, "assets"), p_value=top.get("p_value", np.nan),
        p_adjusted=top.get("p_adjusted", np.nan) if top.get("lift", 0) > 1 else 1.0,
        alpha=alpha, effect=lift, low=top.get("lift_low", np.nan),
        high=top.get("lift_high", np.nan), n=int(top.get("touches", top["reached_accounts"])),
        family=_t("family.assets", language), family_size=size, method=method,
        effect_label="lift", fallback=fallback, impact=impact,
        action=_t("leaderboard_action", language, title=md_escape(top["title"])),
        level=top["title"], language=language)


def _times(value) -> str:
    """A ratio with one decimal, "–" when unknown (a rest without conversions)."""
    return f"{value:.1f}" if is_known(value) and np.isfinite(float(value)) else DASH


def stage_findings(best: pd.DataFrame, *, by: str = "content_category", confidence: float,
                   alpha: float = 0.05, method: str = "bh", language: str = "en") -> list:
    """One finding per stage from :func:`best_for_stage`; the first carries the fallback."""
    if best.empty:
        return []
    size = int(best.attrs.get("family_size", len(best)))
    fallback = _t("for_whom_none", language, cells=size)
    test = ("cluster-robust rate ratio by account and Fisher exact vs other content of the "
            "stage" if best.attrs.get("unit") == "account"
            else "Fisher exact vs other content of the stage")
    out = []
    for k, r in enumerate(best.itertuples()):
        category = getattr(r, by)
        text = _t("for_whom", language, category=md_label("category", category, language),
                  lift=_times(r.lift), stage=md_label("stage", r.stage, language), level=f"{confidence:.0%}", low=_times(r.lift_low),
                  high=_times(r.lift_high), touches=f"{r.touches:,}")
        out.append(fnd.comparison(
            _unbullet(text), test=test, p_value=r.p_value,
            p_adjusted=r.p_adjusted if r.lift > 1 else 1.0, alpha=alpha, effect=r.lift,
            low=r.lift_low, high=r.lift_high, n=int(r.touches),
            family=_t("family.stage", language), family_size=size, method=method,
            effect_label="lift", fallback=fallback if k == 0 else "", impact=0.45,
            action=_t("for_whom_action", language, category=value_label("category", category, language),
                     stage=value_label("stage", r.stage, language)),
            level=category, language=language))
    return out


def channel_tests(comparison: pd.DataFrame, ranked: pd.DataFrame, *, alpha: float = 0.05,
                  method: str = "bh") -> pd.DataFrame:
    """Each ranked channel's conversion per touch against the other ranked channels.

    Per touch, not per account: a channel that touches its accounts more often gives them
    more windows in which an opportunity can fall, so a per-account rate partly measures
    touch volume and differs between channels even when no channel makes a difference.
    With the per-account counts of :func:`channel_comparison` (``attrs["accounts"]``) the
    rate is opportunities per touch and the test takes the account as the unit
    (:func:`clustered_lift_test`), since the touches of one account are not independent.

    Parameters
    ----------
    comparison : pandas.DataFrame
        :func:`channel_comparison`.
    ranked : pandas.DataFrame
        :func:`rank_channels` of it; its channels form the family.
    alpha, method
        See :func:`rate_tests`.

    Returns
    -------
    pandas.DataFrame
        :func:`rate_tests` of the comparison.
    """
    keep = comparison["channel"].isin(ranked["channel"]) if len(ranked) else \
        pd.Series(False, index=comparison.index)
    per_account = _account_frame(comparison.attrs)
    if per_account is None:
        return rate_tests(comparison, label="channel", hits="converted_touches",
                          trials="touches", alpha=alpha, method=method, keep=keep)
    # accounts as the unit, opportunities per touch: one opportunity after a run of touches
    # of a channel is one success, not one per touch
    opp = per_account.groupby("channel")["opportunities"].sum()
    frame = comparison.assign(_opportunities=comparison["channel"].map(opp).fillna(0))
    out = rate_tests(frame, label="channel", hits="_opportunities", trials="touches",
                     alpha=alpha, method=method, keep=keep,
                     per_account=per_account.rename(columns={"opportunities": "_opportunities"}))
    return out.drop(columns="_opportunities")


def channel_lead_finding(tested: pd.DataFrame, ranked: pd.DataFrame, *, confidence: float,
                         alpha: float = 0.05, method: str = "bh", language: str = "en"):
    """The channel most often followed by an opportunity, stated only when it beats the rest.

    Parameters
    ----------
    tested : pandas.DataFrame
        :func:`channel_tests` of :func:`channel_comparison`.
    ranked : pandas.DataFrame
        :func:`rank_channels` of the comparison (not empty).
    confidence : float
        Coverage of the rank interval.
    alpha, method
        As used for the tests.
    language : {"en", "zh"}

    Returns
    -------
    helpers.presentation.findings.Finding or None
        None when no known channel is ranked.
    """
    lead = ranked[~ranked["channel"].isin(UNKNOWN_LABELS)] if len(ranked) else ranked
    if lead.empty:
        return None
    r = lead.iloc[0]
    row = tested.set_index("channel").loc[r["channel"]]
    size = int(tested.attrs.get("family_size", len(lead)))
    text = _t("lead_channel", language, channel=md_label("channel", r["channel"], language),
              rate=format_value(r["conversion_rate"], "percent0"),
              prob=format_value(r["prob_best"], "percent0"), low=int(r["rank_low"]),
              high=int(r["rank_high"]), level=f"{confidence:.0%}")
    if _times(row["lift"]) != DASH:
        text = text.rstrip() + _t("lift_over_rest", language, lift=_times(row["lift"]))
    won = pd.to_numeric(tested.get("won_value"), errors="coerce")
    return fnd.comparison(
        text, test=_test_name(tested, "channels"), p_value=row["p_value"],
        p_adjusted=row["p_adjusted"] if row["lift"] > 1 else 1.0, alpha=alpha,
        effect=row["lift"], low=row["lift_low"], high=row["lift_high"],
        n=int(row["touches"]), family=_t("family.channels", language),
        family_size=size, method=method, effect_label="lift",
        fallback=fnd.no_difference(size, _t("what.channels", language), language),
        impact=fnd.impact_weight(row.get("won_value", np.nan),
                                 won.sum() if won is not None else np.nan),
        action=_t("lead_channel_action", language, channel=value_label("channel", r["channel"], language)),
        level=r["channel"], language=language)


def preference_finding(mix: pd.DataFrame, *, alpha: float = 0.05, language: str = "en"):
    """Which segment leans most towards one channel, gated by a test of independence.

    The segment x channel touch counts (shares of :func:`channel_mix` times its
    ``attrs["touches"]``) get a chi-square test of independence; the lean is stated only
    when segments and channels are related at ``alpha``. Touches of one account are not
    independent, so the test is lenient; it still silences pure noise.

    Returns
    -------
    helpers.presentation.findings.Finding or None
        None when fewer than two segments have touches.
    """
    text = preference_sentence(mix, language)
    if not text:
        return None
    mix = mix.dropna(how="all")
    mix = mix[~mix.index.isin(UNKNOWN_LABELS)]
    touches = pd.Series(mix.attrs.get("touches", {}), dtype=float).reindex(mix.index)
    counts = mix.fillna(0).mul(touches.fillna(0), axis=0).round()
    res = mt.independence_test(counts.to_numpy(float))
    return fnd.comparison(
        text, test="chi-square independence", p_value=res["p_value"],
        p_adjusted=res["p_value"], alpha=alpha, effect=res["cramers_v"],
        n=int(counts.to_numpy().sum()), family=_t("family.preference", language),
        family_size=1, method="none", effect_label="Cramér's V",
        fallback=_t("preferences_none", language, n=len(mix)), impact=0.2,
        action=preference_action(mix, language), language=language)


def preference_action(mix: pd.DataFrame, language: str = "en") -> str:
    """What to do about the strongest channel lean of :func:`channel_mix`; "" if none."""
    mix = mix.dropna(how="all")
    mix = mix[~mix.index.isin(UNKNOWN_LABELS)]
    if len(mix) < 2 or mix.shape[1] == 0:
        return ""
    stage, channel = (mix - mix.mean()).stack().idxmax()
    return _t("preferences_action", language, stage=value_label("stage", stage, language),
              channel=value_label("channel", channel, language))


# --------------------------------------------------------------------------- for people: labels

#: columns whose values are codes, and the label family each is translated with
CODE_COLUMNS: dict[str, str] = {
    "channel": "channel", "main_channel": "channel", "content_type": "content_type",
    "content_category": "category", "stage": "stage", "group": "group",
    "pain_point": "pain_point", "label": "channel",
}
#: placeholder labels of the engine and their keys
_PLACEHOLDERS = {"(none)": "label.none", "(unknown)": "label.unknown",
                 "(no touch)": "label.no_touch"}
_MD_SPECIAL = "\\`*_{}[]<>#|!"


def value_label(kind: str, value, language: str = "en") -> str:
    """A code of the data (``trade_show``, ``case_study``, ``growth``) as people read it.

    Parameters
    ----------
    kind : {"channel", "content_type", "category", "stage", "group", "pain_point", "segment"}
        The label family (see :data:`CODE_COLUMNS`).
    value : object
    language : {"en", "zh"}

    Returns
    -------
    str
        The locale text when there is one; otherwise a code written with spaces
        (``key_account`` → ``key account``) and any other text as it is; :data:`DASH` for
        a missing value.
    """
    if not is_known(value):
        return DASH
    text = str(value)
    if text in _PLACEHOLDERS:
        return _t(_PLACEHOLDERS[text], language)
    key = f"content_evaluation.{kind}.{text}"
    if key in i18n.LABELS:
        return i18n.t(key, language)
    if kind == "stage":
        return i18n.t(f"content_evaluation.stage.{text}", language, default=text)
    return text.replace("_", " ") if text.replace("_", "").isalnum() and text.islower() else text


def relabel(frame: pd.DataFrame, language: str = "en",
            kinds: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with its code columns (:data:`CODE_COLUMNS`) in people's words.

    Parameters
    ----------
    frame : pandas.DataFrame
    language : {"en", "zh"}
    kinds : mapping, optional
        ``{column: label family}`` over :data:`CODE_COLUMNS` (for example
        ``{"label": "category"}`` for content attribution).

    Returns
    -------
    pandas.DataFrame
    """
    families = {**CODE_COLUMNS, **dict(kinds or {})}
    out = frame.copy()
    for col, kind in families.items():
        if col in out.columns:
            out[col] = [value_label(kind, v, language) for v in out[col]]
    return out


def relabel_axes(table: pd.DataFrame, *, index: str | None = None, columns: str | None = None,
                 language: str = "en") -> pd.DataFrame:
    """A two-way table (heatmap) with its row and column codes in people's words."""
    out = table.copy()
    if index:
        out.index = [value_label(index, v, language) for v in out.index]
    if columns:
        out.columns = [value_label(columns, v, language) for v in out.columns]
    return out


def md_escape(text) -> str:
    """Text from the data made safe for Markdown: ``trade_show`` stays ``trade_show``.

    Backslash-escapes the characters Markdown would read as emphasis, code, links,
    headings or HTML, so a channel, asset title or experiment name prints as written.
    """
    if not is_known(text):
        return DASH
    return "".join(f"\\{ch}" if ch in _MD_SPECIAL else ch for ch in str(text))


def md_label(kind: str, value, language: str = "en") -> str:
    """:func:`value_label` escaped for Markdown, for sentences."""
    return md_escape(value_label(kind, value, language))


# --------------------------------------------------------------------------- for people: tables

#: kinds of :func:`helpers.presentation.tables.people_table` for the kinds of :func:`format_value`
_PEOPLE_KINDS = {"count": "int", "money": "money", "percent": "share", "percent0": "share",
                 "points": "pct_points", "times": "ratio", "p": "p_value", "flag": "bool",
                 "number": "number"}


def with_interval(value, low, high, kind: str = "percent", language: str = "en") -> str:
    """A figure with its interval in one cell: ``4.2% (3.1–5.6%)``, ``1.8× (1.2–2.6×)``.

    Parameters
    ----------
    value, low, high : float
    kind : {"percent", "times", "points"}
    language : {"en", "zh"}

    Returns
    -------
    str
        :data:`DASH` for an unknown value; the value alone when the interval is unknown.
    """
    if not is_known(value):
        return DASH

    def one(v):
        v = float(v)
        if kind == "percent":
            return f"{v:.1%}"
        if kind == "times":
            return f"{v:.1f}×"
        return f"{v * 100:+.1f}"

    if not (is_known(low) and is_known(high)):
        return one(value)
    unit = (" 个百分点" if language == "zh" else " pts") if kind == "points" else ""
    return f"{one(value)}{unit} ({one(low)} – {one(high)})"


def people_table(frame: pd.DataFrame, columns: Iterable[str], *, language: str = "en",
                 currency: str = "", max_rows: int | None = 15, caption: str | None = None,
                 kinds: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                 label_kinds: Mapping[str, str] | None = None):
    """A management table of one of this module's frames.

    Codes are translated (:func:`relabel`), headers come from the locale
    (``content_evaluation.col.<column>``) and cells are written by
    :func:`helpers.presentation.tables.people_table` with the kind :data:`COLUMN_FORMATS` gives each
    column; ROI, hours and weekdays are written here.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : iterable of str
        Columns shown, in order (keep to six or fewer for the page width).
    language : {"en", "zh"}
    currency : str
        Named in the headers of money columns.
    max_rows : int or None
    caption : str, optional
    kinds : mapping, optional
        ``{column: people_table kind}`` over the defaults.
    labels : mapping, optional
        ``{column: header}`` over the locale headers.
    label_kinds : mapping, optional
        Label families over :data:`CODE_COLUMNS` (see :func:`relabel`).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    from helpers.presentation import tables

    columns = list(columns)
    data = relabel(frame[columns], language, label_kinds)
    out_kinds, out_labels = {}, {}
    for col in columns:
        kind = COLUMN_FORMATS.get(col)
        if kind == "signed_percent":
            data[col] = [format_value(v, kind, language) for v in data[col]]
            kind = "text"
        elif kind in ("hour", "weekday"):
            data[col] = [format_value(v, kind, language) for v in data[col]]
            kind = "text"
        out_kinds[col] = _PEOPLE_KINDS.get(kind, kind) if kind else (
            "text" if col in CODE_COLUMNS or not pd.api.types.is_numeric_dtype(data[col])
            else tables.infer_kind(data[col]))
        out_labels[col] = i18n.t(f"content_evaluation.col.{col}", language,
                                 default=tables.humanize(col))
    out_kinds.update(kinds or {})
    out_labels.update(labels or {})
    return tables.people_table(data, kinds=out_kinds, labels=out_labels, currency=currency,
                               language=language, max_rows=max_rows, caption=caption)


def performance_brief(table: pd.DataFrame, by: str = "content_category",
                      language: str = "en") -> pd.DataFrame:
    """Six columns of :func:`content_performance` for a manager.

    Returns
    -------
    pandas.DataFrame
        ``<by>, reached_accounts, conversion_ci`` (rate with interval, text),
        ``opportunities, won_revenue, roi``.
    """
    out = table.reset_index() if by not in table.columns else table.copy()
    out["conversion_ci"] = [with_interval(r, lo, hi, "percent", language) for r, lo, hi in zip(
        out["conversion_rate"], out["conversion_rate_low"], out["conversion_rate_high"],
        strict=True)]
    return out[[by, "reached_accounts", "conversion_ci", "opportunities", "won_revenue", "roi"]]


def leaderboard_brief(board: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Six columns of a :func:`leaderboard` for a manager.

    Returns
    -------
    pandas.DataFrame
        ``rank, title, content_category, reached_accounts, conversion_ci, won_revenue``
        (columns the data lacks are left out).
    """
    out = board.reset_index() if "rank" not in board.columns else board.copy()
    out["conversion_ci"] = [with_interval(r, lo, hi, "percent", language) for r, lo, hi in zip(
        out["conversion_rate"], out["conversion_rate_low"], out["conversion_rate_high"],
        strict=True)]
    cols = ["rank", "title", "content_category", "reached_accounts", "conversion_ci",
            "won_revenue"]
    return out[[c for c in cols if c in out.columns]]


def stage_brief(best: pd.DataFrame, by: str = "content_category",
                language: str = "en") -> pd.DataFrame:
    """The best content per stage (:func:`best_for_stage`) in six columns.

    The rate shown is the one the lift compares: opportunities per touch with per-account
    counts, converted touches per touch otherwise.

    Returns
    -------
    pandas.DataFrame
        ``stage, <by>, touches, opportunity_rate`` (or ``rate``), ``lift_ci, survives``.
    """
    rate = "opportunity_rate" if "opportunity_rate" in best.columns else "rate"
    out = best.copy()
    out["lift_ci"] = [with_interval(v, lo, hi, "times", language) for v, lo, hi in zip(
        out["lift"], out["lift_low"], out["lift_high"], strict=True)]
    out["survives"] = out["significant"].astype(bool)
    return out[["stage", by, "touches", rate, "lift_ci", "survives"]]


def channel_brief(tested: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Six columns of the tested channel comparison for a manager.

    Returns
    -------
    pandas.DataFrame
        ``channel, group, coverage, conversion_ci, cost_per_lead, roi``; cost per lead and
        ROI only when spend is recorded (otherwise accounts reached and converting
        accounts).
    """
    out = tested.copy()
    out["conversion_ci"] = [with_interval(r, lo, hi, "percent", language) for r, lo, hi in zip(
        out["conversion_rate"], out["conversion_rate_low"], out["conversion_rate_high"],
        strict=True)]
    money = [c for c in ("cost_per_lead", "roi") if c in out.columns and out[c].map(is_known).any()]
    extra = money or ["accounts_reached", "converting_accounts"]
    return out[["channel", "group", "coverage", "conversion_ci", *extra]]


def timing_brief(shown: pd.DataFrame, *, hours: bool) -> pd.DataFrame:
    """Send windows (or days) per channel in six columns.

    Returns
    -------
    pandas.DataFrame
        ``channel, weekday_name, window`` (``09:00–11:00``, hours only), ``share, lift,
        survives``.
    """
    out = shown.copy()
    cols = ["channel", "weekday_name"]
    if hours:
        out["window"] = [f"{int(a):02d}:00–{int(b):02d}:00" for a, b in zip(
            out["hour_start"], out["hour_end"], strict=True)]
        cols.append("window")
    out["survives"] = out["significant"].astype(bool)
    return out[[*cols, "share", "lift", "survives"]]


def attribution_brief(side: pd.DataFrame) -> pd.DataFrame:
    """Models side by side (:func:`helpers.analysis.attribution.compare_models`) in six columns.

    Returns
    -------
    pandas.DataFrame
        ``label, markov, linear, first_touch, last_touch, spread`` (models the table
        lacks are left out).
    """
    out = side.reset_index()
    cols = ["label", "markov", "linear", "first_touch", "last_touch", "spread"]
    return out[[c for c in cols if c in out.columns]]


# --------------------------------------------------------------------------- for people: charts


def chart_text(name: str, language: str = "en", **values) -> dict[str, str]:
    """Alt text and caption of a chart: ``{"alt": ..., "caption": ...}`` for :func:`helpers.presentation.plotting.show`.

    Parameters
    ----------
    name : str
        The chart (``content_evaluation.alt.<name>`` and ``content_evaluation.caption.<name>``).
    language : {"en", "zh"}
    **values
        Fields of the alt text (the caption takes the same fields).
    """
    return {"alt": _t(f"alt.{name}", language, **values),
            "caption": _t(f"caption.{name}", language, **values)}


def stage_mix_text(stage_mix: pd.Series, language: str = "en") -> dict[str, str]:
    """Alt text and caption of the accounts-by-stage bar chart."""
    total = int(stage_mix.sum())
    top = stage_mix.idxmax() if total else DASH
    return chart_text("stage_mix", language, stage=value_label("stage", top, language),
                      count=f"{int(stage_mix.max()) if total else 0:,}", total=f"{total:,}")


def leaderboard_text(board: pd.DataFrame, language: str = "en") -> dict[str, str]:
    """Alt text and caption of :func:`plot_leaderboard`."""
    first = board.iloc[0]
    title = first["title"] if "title" in board.columns else first.name
    return chart_text("leaderboard", language, n=len(board), title=title,
                      rate=format_value(first["conversion_rate"], "percent"),
                      low=format_value(first["conversion_rate_low"], "percent"),
                      high=format_value(first["conversion_rate_high"], "percent"))


def stage_heatmap_text(table: pd.DataFrame, by: str = "content_category",
                       language: str = "en") -> dict[str, str]:
    """Alt text and caption of :func:`plot_stage_heatmap`: the highest cell."""
    value = "opportunity_rate" if "opportunity_rate" in table.columns else "rate"
    known = table[table[value].map(is_known)]
    if known.empty:
        return chart_text("stage_heatmap_empty", language)
    top = known.loc[known[value].idxmax()]
    name = "stage_heatmap" if value == "rate" else "stage_heatmap_opportunities"
    return chart_text(name, language, stage=value_label("stage", top["stage"], language),
                      category=value_label(CODE_COLUMNS.get(by, by), top[by], language),
                      rate=format_value(top[value], "percent"),
                      stages=table["stage"].nunique(), groups=table[by].nunique())


def calendar_text(calendar: pd.DataFrame, months: int, language: str = "en") -> dict[str, str]:
    """Alt text and caption of :func:`plot_publishing_calendar`."""
    per_month = calendar.sum(axis=1)
    busiest = pd.Timestamp(per_month.idxmax()) if len(per_month) else None
    return chart_text("calendar", language, months=months, n=f"{int(per_month.sum()):,}",
                      month=month_label(busiest, language) if busiest is not None else DASH,
                      top=f"{int(per_month.max()) if len(per_month) else 0:,}")


def month_label(stamp, language: str = "en") -> str:
    """A month as people read it: ``Jul 2024`` or ``2024年7月``."""
    d = pd.Timestamp(stamp)
    return f"{d.year}年{d.month}月" if language == "zh" else d.strftime("%b %Y")


def touch_share_text(share: pd.Series, language: str = "en") -> dict[str, str]:
    """Alt text and caption of the share-of-content-touches-by-channel bar chart."""
    return chart_text("touch_share", language, channel=value_label("channel", share.index[0], language),
                      share=format_value(share.iloc[0], "percent0"), n=len(share))


def mix_text(panels: Mapping[str, pd.DataFrame], language: str = "en") -> dict[str, str]:
    """Alt text and caption of the channel-mix heatmaps."""
    return chart_text("mix", language, panels=_t("list_sep", language).join(panels),
                      channels=max((p.shape[1] for p in panels.values()), default=0))


def channel_ranking_text(ranked: pd.DataFrame, language: str = "en") -> dict[str, str]:
    """Alt text and caption of :func:`plot_channel_ranking`."""
    top = ranked.iloc[0]
    return chart_text("channel_ranking", language, n=len(ranked),
                      channel=value_label("channel", top["channel"], language),
                      rate=format_value(top["conversion_rate"], "percent"),
                      prob=format_value(top["prob_best"], "percent0"))


def timing_text(channels: Iterable[str], *, hours: bool, language: str = "en") -> dict[str, str]:
    """Alt text and caption of the send-time heatmaps of ``channels``."""
    names = _t("list_sep", language).join(value_label("channel", c, language) for c in channels)
    return chart_text("timing" if hours else "timing_day", language, channels=names)


# ------------------------------------------------------------------ notebook steps
# Small steps the notebook calls so that its cells read as a story.

#: every column the analyst tables can show; the notebook translates each header
TABLE_COLUMNS = (
    "assets", "cost", "views", "reached_accounts", "interaction_rate", "downloads", "registrations", "conversion_rate",
    "conversion_rate_low", "conversion_rate_high", "opportunities", "pipeline", "won_revenue", "cost_per_engaged_account",
    "cost_per_opportunity", "roi", "content_id", "content_category", "content_type", "topic", "title", "rank", "stage",
    "touches", "rate", "lift", "lift_low", "lift_high", "significant", "pain_point", "responses", "accounts",
    "share_of_responses", "recent_assets", "gap", "group", "accounts_reached", "targets_reached", "coverage",
    "converting_accounts", "spend", "leads", "cost_per_lead", "won", "won_value", "new_customers", "cac", "channel",
    "experiment_id", "units_a", "conversions_a", "units_b", "conversions_b", "rate_a", "rate_b", "diff", "ci_low",
    "ci_high", "test", "p_value", "p_adjusted", "prob_b_better", "power", "mde_lift", "n_required", "srm_p", "srm", "days",
    "verdict", "weekday", "weekday_name", "hour_start", "hour_end", "touches_in_window", "share", "enough_data",
    "spread", "high_model", "low_model", "label", "touches_on_day", "survives", "converted_touches")

#: columns of the analyst table of content performance by category, type and topic
PERFORMANCE_COLUMNS = (
    "assets", "cost", "views", "reached_accounts", "interaction_rate", "downloads", "registrations",
    "conversion_rate", "conversion_rate_low", "conversion_rate_high", "opportunities", "pipeline",
    "won_revenue", "cost_per_engaged_account", "cost_per_opportunity", "roi")


def stage_mix(stages: pd.Series) -> pd.Series:
    """Accounts per lifecycle stage, in lifecycle order.

    Parameters
    ----------
    stages : pandas.Series
        One stage per account.

    Returns
    -------
    pandas.Series
        Integer counts indexed by :data:`STAGE_ORDER` (stages without accounts count 0).
    """
    return stages.value_counts().reindex(list(STAGE_ORDER)).fillna(0).astype(int)


def stages_sentence(stages: pd.Series, mix: pd.Series, language: str = "en") -> str:
    """One sentence naming the largest lifecycle stage.

    Parameters
    ----------
    stages : pandas.Series
        One stage per account.
    mix : pandas.Series
        :func:`stage_mix` of ``stages``.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    top = int(mix.max()) if len(mix) else 0
    return _t("stages", language, n=f"{len(stages):,}", stage=md_label("stage", mix.idxmax(), language),
              count=f"{top:,}", share=f"{top / max(len(stages), 1):.0%}")


def gap_sentence(gaps: pd.DataFrame, language: str = "en") -> str:
    """The pain points without recent content as one sentence.

    Parameters
    ----------
    gaps : pandas.DataFrame
        :func:`coverage_gaps`.
    language : {"en", "zh"}

    Returns
    -------
    str
        Empty when every pain point has recent content.
    """
    open_gaps = gaps[gaps.gap.astype(bool)] if len(gaps) else gaps
    if not len(open_gaps):
        return ""
    items = [_t("gap_item", language, pain_point=md_label("pain_point", r.pain_point, language),
                share=format_value(r.share_of_responses, "percent0")) for r in open_gaps.itertuples()]
    return _t("gaps", language, gaps=_t("list_sep", language).join(items))


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


def distribution_sentence(distribution: pd.DataFrame, share: pd.Series, language: str = "en") -> str:
    """The main content channel and how many channels an asset uses.

    Parameters
    ----------
    distribution : pandas.DataFrame
        :func:`content_distribution`.
    share : pandas.Series
        :func:`channel_touch_share` of ``distribution``.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    return _t("distribution", language, channel=md_label("channel", share.index[0], language),
              share=f"{share.iloc[0]:.0%}", single=f"{(distribution.channels == 1).mean():.0%}",
              mean=f"{distribution.channels.mean():.1f}")


def mix_panels(by_stage: pd.DataFrame, by_segment: pd.DataFrame, segment_name: str,
               language: str = "en") -> dict[str, pd.DataFrame]:
    """The channel-mix heatmaps that have data, keyed by their title.

    Parameters
    ----------
    by_stage, by_segment : pandas.DataFrame
        :func:`channel_mix` by lifecycle stage and by an account segment.
    segment_name : str
        The segment's name in the report language.
    language : {"en", "zh"}

    Returns
    -------
    dict
        ``{title: share table}`` with labels in the report language.
    """
    return non_empty({
        _t("chart.mix_stage", language): relabel_axes(by_stage, index="stage", columns="channel",
                                                      language=language),
        _t("chart.mix_segment", language, segment=segment_name): relabel_axes(
            by_segment, columns="channel", language=language)})


def plot_mix_panels(panels: Mapping[str, pd.DataFrame]):
    """Side-by-side heatmaps of :func:`mix_panels` in percent.

    Parameters
    ----------
    panels : mapping
        ``{title: share table}``, at least one.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4), squeeze=False)
    for ax, (title, mix) in zip(axes[0], panels.items(), strict=True):
        plotting.plot_heatmap(mix * 100, ax=ax, title=title)
    fig.tight_layout()
    return fig


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


def plot_send_peaks(timing: pd.DataFrame, peaks: pd.DataFrame, *, hours: bool, language: str = "en"):
    """When the channels with a peak are touched: weekday by hour (at most four), else by weekday.

    Parameters
    ----------
    timing : pandas.DataFrame
        :func:`engagement_by_time`.
    peaks : pandas.DataFrame
        :func:`send_time_peaks`.
    hours : bool
        Whether the timestamps carry a time of day.
    language : {"en", "zh"}

    Returns
    -------
    (matplotlib.figure.Figure, dict)
        The figure and its :func:`timing_text`.
    """
    import matplotlib.pyplot as plt

    if not hours:
        ax = plot_weekday_heatmap(timing, peaks.channel, language=language)
        return ax.figure, timing_text(peaks.channel, hours=False, language=language)
    channels = peaks.channel.head(4)
    fig, axes = plt.subplots(len(channels), 1, figsize=(10, 2.6 * len(channels)), squeeze=False)
    for ax, channel in zip(axes[:, 0], channels, strict=True):
        plot_timing_heatmap(timing, channel, ax=ax, language=language)
    fig.tight_layout()
    return fig, timing_text(channels, hours=True, language=language)
