"""Attribution of won opportunities to channels or content over each account's touch path.

A *journey* ends either in an opportunity or, for accounts without one, on ``as_of``:

- every won or lost opportunity (stage as of ``as_of``) is a journey made of the account's
  touches in the ``lookback_days`` before it was created, up to the end of the creation day;
  won ones convert, lost ones do not. Opportunities still open on ``as_of`` are left out
  because their outcome is unknown;
- every account with touches in the last ``lookback_days`` and no opportunity created in
  that time is a journey that has not converted.

Paths are built in the engine (one join and window functions), so the same code runs on
millions of touches. Heuristic credits are aggregated in the engine as well, in the same
pass that counts the Markov transitions (:func:`path_summary`):

``first_touch`` / ``last_touch``
    All credit to the first or last touch.
``linear``
    Equal credit to every touch.
``time_decay``
    Credit proportional to ``2 ** (-days_before / half_life_days)``, normalised per
    journey, where ``days_before`` is the time from the touch to the end of the journey.
``position_based``
    The U shape: ``position_weights`` (default 40 % / 20 % / 40 %) to the first touch, the
    middle touches together, and the last touch; one touch gets everything and two touches
    share it half and half.

The data-driven model is the first-order Markov chain of the paths (states: start, the
labels, conversion, null). The conversion probability from the start state and the
probability with each label removed (every transition into it goes to null) are solved
exactly with absorbing-chain algebra: with ``Q`` the transient and ``R`` the absorbing
block of the transition matrix, absorption probabilities are ``(I - Q)^-1 R``. The
removal effect of a label is ``1 - p_removed / p_base``, and the converting journeys are
shared out in proportion to the removal effects.

Won opportunities without any recorded touch are credited to ``"(no touch)"`` in every
model, so every model hands out exactly the number of won opportunities.
"""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date, as_of_end
from helpers.presentation import i18n

HEURISTIC_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")
MODELS = (*HEURISTIC_MODELS, "markov")
MODEL_NAMES = {
    "first_touch": "first touch", "last_touch": "last touch", "linear": "linear",
    "time_decay": "time decay", "position_based": "position-based (U)",
    "markov": "Markov removal effect",
}
LABELS = ("channel", "content_id", "content_type", "content_category", "topic")
NO_TOUCH = "(no touch)"


def model_name(model: str, language: str = "en") -> str:
    """The reader-facing name of an attribution model (a key of :data:`MODEL_NAMES`)."""
    if language == "en" or model not in MODEL_NAMES:
        return MODEL_NAMES.get(model, model)
    return i18n.t(f"content_evaluation.model.{model}", language)

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
_DAY = 86400.0


def _check(lookback_days: int, half_life_days: float, position_weights) -> None:
    if int(lookback_days) < 1:
        raise ParamError(f"lookback_days must be at least 1, got {lookback_days}")
    if not half_life_days > 0:
        raise ParamError(f"half_life_days must be positive, got {half_life_days}")
    w = list(position_weights)
    if len(w) != 3 or min(w) < 0 or abs(sum(w) - 1) > 1e-9:
        raise ParamError("position_weights must be three non-negative shares (first, middle, "
                         f"last) adding up to 1, got {w}")


def journeys(ws, as_of, *, lookback_days: int = 90):
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


def touch_paths(ws, as_of, *, lookback_days: int = 90, label: str = "channel"):
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


def _journey_touches(ws, as_of, *, lookback_days: int, label: str):
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


def won_totals(ws, as_of, *, lookback_days: int = 90) -> tuple[int, float]:
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


# --------------------------------------------------------------------------- heuristics


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


def _heuristic_frame(wide: pd.DataFrame) -> pd.DataFrame:
    """Long ``label, model, conversions, value`` from one row per label of ``c_``/``v_`` sums."""
    if wide.empty:
        return pd.DataFrame(columns=["label", "model", "conversions", "value"])
    rows = []
    for name in HEURISTIC_MODELS:
        rows.append(pd.DataFrame({"label": wide["label"], "model": name,
                                  "conversions": wide[f"c_{name}"].astype(float),
                                  "value": wide[f"v_{name}"].astype(float)}))
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- Markov


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


def _transition_frame(out: pd.DataFrame) -> pd.DataFrame:
    out = out[["from_state", "to_state", "count"]].copy()
    out["count"] = out["count"].astype("int64")
    return out.sort_values(["from_state", "to_state"]).reset_index(drop=True)


def path_summary(ws, as_of, *, lookback_days: int = 90, label: str = "channel",
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
    sums = [c for c in agg.columns if c.startswith(("c_", "v_"))]
    per_label = agg.groupby("from_state", as_index=False)[[*sums, "starts",
                                                           "converted_touches"]].sum()
    wide = per_label[per_label["converted_touches"] > 0].rename(columns={"from_state": "label"})
    starts = per_label[per_label["starts"] > 0]
    steps = pd.concat([agg[["from_state", "to_state", "count"]],
                       pd.DataFrame({"from_state": START, "to_state": starts["from_state"],
                                     "count": starts["starts"]})], ignore_index=True)
    return _heuristic_frame(wide.reset_index(drop=True)), _transition_frame(steps)


def transitions_from_paths(paths: list[list[str]], converted: list[bool]) -> pd.DataFrame:
    """Transition counts of a few explicit paths (for examples, tests and what-ifs).

    Parameters
    ----------
    paths : list of list of str
        Labels of each journey's touches in order; empty journeys are skipped.
    converted : list of bool
        Whether each journey converted.

    Returns
    -------
    pandas.DataFrame
        As :func:`path_transitions`.
    """
    if len(paths) != len(converted):
        raise ParamError("paths and converted must have the same length")
    pairs: dict[tuple[str, str], int] = {}
    for path, conv in zip(paths, converted, strict=True):
        if not path:
            continue
        states = [START, *path, CONVERSION if conv else NULL]
        for a, b in zip(states[:-1], states[1:], strict=True):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    return pd.DataFrame([(a, b, c) for (a, b), c in sorted(pairs.items())],
                        columns=["from_state", "to_state", "count"])


def _conversion_probability(Q: np.ndarray, R: np.ndarray) -> float:
    # Absorption probabilities B = (I - Q)^-1 R; row 0 is the start state, column 0 conversion.
    B = np.linalg.solve(np.eye(len(Q)) - Q, R)
    return float(B[0, 0])


def markov_removal_effects(transitions: pd.DataFrame) -> pd.DataFrame:
    """Removal effect of every label in a first-order absorbing Markov chain.

    Parameters
    ----------
    transitions : pandas.DataFrame
        ``from_state, to_state, count`` as from :func:`path_transitions`.

    Returns
    -------
    pandas.DataFrame
        ``label, removal_effect, share``, largest effect first. ``attrs["base_probability"]``
        holds the conversion probability of the full chain.
    """
    t = transitions[transitions["count"] > 0]
    labels = sorted((set(t["from_state"]) | set(t["to_state"])) - {START, CONVERSION, NULL})
    cols = ["label", "removal_effect", "share"]
    if not labels:
        out = pd.DataFrame(columns=cols)
        out.attrs["base_probability"] = np.nan
        return out
    transient = [START, *labels]
    idx = {s: k for k, s in enumerate(transient)}
    absorbing = {CONVERSION: 0, NULL: 1}
    counts = np.zeros((len(transient), len(transient) + 2))
    for a, b, c in t[["from_state", "to_state", "count"]].itertuples(index=False):
        if a not in idx:
            raise ParamError(f"transition out of absorbing state {a!r}")
        col = absorbing[b] + len(transient) if b in absorbing else idx[b]
        counts[idx[a], col] += c
    totals = counts.sum(axis=1, keepdims=True)
    # A state never left (no outgoing counts) is treated as ending in null.
    counts[totals[:, 0] == 0, len(transient) + 1] = 1.0
    P = counts / counts.sum(axis=1, keepdims=True)
    Q, R = P[:, : len(transient)], P[:, len(transient):]
    base = _conversion_probability(Q, R)
    effects = []
    for lab in labels:
        k = idx[lab]
        Qr, Rr = Q.copy(), R.copy()
        Qr[k, :] = 0.0
        Rr[k, :] = (0.0, 1.0)
        p = _conversion_probability(Qr, Rr)
        effects.append(1 - p / base if base > 0 else np.nan)
    eff = np.asarray(effects, dtype=float)
    total = np.nansum(eff)
    out = pd.DataFrame({"label": labels, "removal_effect": eff,
                        "share": eff / total if total > 0 else np.nan})
    out = out.sort_values(["removal_effect", "label"], ascending=[False, True],
                          ignore_index=True)
    out.attrs["base_probability"] = base
    return out


def markov_credits(transitions: pd.DataFrame, conversions: float, value: float) -> pd.DataFrame:
    """Share conversions and value out by Markov removal-effect share.

    Parameters
    ----------
    transitions : pandas.DataFrame
        As from :func:`path_transitions`.
    conversions, value : float
        Converting journeys with touches and their value.

    Returns
    -------
    pandas.DataFrame
        ``label, model, conversions, value, removal_effect``.
    """
    eff = markov_removal_effects(transitions)
    return pd.DataFrame({"label": eff["label"], "model": "markov",
                         "conversions": eff["share"] * conversions,
                         "value": eff["share"] * value,
                         "removal_effect": eff["removal_effect"]})


# --------------------------------------------------------------------------- uncertainty


def journey_transitions(ws, as_of, *, lookback_days: int = 90,
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
    firsts = agg[agg["starts"] > 0]
    start = pd.DataFrame({"journey_id": firsts["journey_id"], "from_state": START,
                          "to_state": firsts["from_state"], "count": firsts["starts"]})
    out = pd.concat([agg.drop(columns="starts"), start], ignore_index=True)
    out["count"] = out["count"].astype("int64")
    return out.sort_values(["journey_id", "from_state", "to_state"], kind="stable",
                           ignore_index=True)


def _markov_shares_batch(counts: np.ndarray, n_transient: int) -> np.ndarray:
    """Removal-effect shares of many transition-count matrices at once.

    ``counts`` has shape (B, T, T + 2): rows the transient states (start first), columns
    the transient states, then conversion and null. Returns (B, T - 1) shares of the labels
    (NaN where the chain never converts).
    """
    c = counts.astype(float).copy()
    totals = c.sum(axis=2)
    c[..., -1] += totals == 0  # a state never left ends in null
    P = c / c.sum(axis=2, keepdims=True)
    Q, r = P[..., :n_transient], P[..., n_transient]
    eye = np.eye(n_transient)
    base = np.linalg.solve(eye - Q, r[..., None])[:, 0, 0]
    effects = np.empty((len(c), n_transient - 1))
    for k in range(1, n_transient):
        Qr, rr = Q.copy(), r.copy()
        Qr[:, k, :], rr[:, k] = 0.0, 0.0
        p = np.linalg.solve(eye - Qr, rr[..., None])[:, 0, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            effects[:, k - 1] = np.where(base > 0, 1 - p / base, np.nan)
    total = effects.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, effects / total, np.nan)


def bootstrap_shares(per_journey: pd.DataFrame, *, resamples: int = 200,
                     seed: int = 0, confidence: float = 0.95) -> pd.DataFrame:
    """Markov and linear shares with intervals from resampling the journeys.

    Journeys are resampled with Poisson(1) weights (the Poisson bootstrap: each journey
    appears 0, 1, 2, ... times), the transition counts and linear credits are summed with
    those weights, and the shares are computed again for every resample. Only the small
    per-journey tables are touched, never the touches.

    Parameters
    ----------
    per_journey : pandas.DataFrame
        :func:`journey_transitions`.
    resamples : int
        Number of resamples (seeded).
    seed : int
    confidence : float
        Coverage of the percentile intervals.

    Returns
    -------
    pandas.DataFrame
        Index ``label``; ``markov, markov_low, markov_high, linear, linear_low,
        linear_high`` as shares of the converting journeys with a touch (the point values
        are those of the full data). ``attrs["draws"]`` holds the resampled shares
        (``{"markov": array (resamples, labels), "linear": ...}``) for
        :func:`leader_test`; empty without a converting journey.
    """
    if int(resamples) < 1:
        raise ParamError(f"resamples must be at least 1, got {resamples}")
    from scipy import sparse

    t = per_journey[per_journey["count"] > 0]
    # The engine returns grouped rows in no fixed order, and each journey's resampling
    # weight follows its position: sort first, so identical runs give identical p-values.
    t = t.sort_values(["journey_id", "from_state", "to_state"], kind="stable",
                      ignore_index=True)
    # integer codes throughout: string columns are factorised once, never iterated
    n_rows = len(t)
    codes, names = pd.factorize(pd.concat([t["from_state"], t["to_state"]], ignore_index=True))
    names = [str(x) for x in names]
    labels = sorted(set(names) - {START, CONVERSION, NULL})
    cols = ["markov", "markov_low", "markov_high", "linear", "linear_low", "linear_high"]
    empty = pd.DataFrame(columns=cols, index=pd.Index([], name="label"), dtype=float)
    if not labels or CONVERSION not in names:
        empty.attrs["draws"] = {}
        return empty
    transient = [START, *labels]
    pos = {s: k for k, s in enumerate(transient)}
    width = len(transient) + 2
    row_of = np.array([pos.get(x, -1) for x in names])
    col_of = np.array([pos.get(x, {CONVERSION: len(transient), NULL: len(transient) + 1}
                               .get(x, -1)) for x in names])
    src, dst = row_of[codes[:n_rows]], col_of[codes[n_rows:]]
    count = t["count"].to_numpy(float)
    jcodes, jids = pd.factorize(t["journey_id"])
    n_j = len(jids)
    M = sparse.csr_matrix((count, (jcodes, src * width + dst)),
                          shape=(n_j, len(transient) * width))
    # linear credit: each converting journey's touches of a label over its touches
    converting = np.zeros(n_j, dtype=bool)
    converting[jcodes[dst == len(transient)]] = True
    touch = (src > 0) & converting[jcodes]
    L = sparse.csr_matrix((count[touch], (jcodes[touch], src[touch] - 1)),
                          shape=(n_j, len(labels)))
    per_j = np.asarray(L.sum(axis=1)).ravel()
    L = sparse.diags(np.divide(1.0, per_j, out=np.zeros(n_j), where=per_j > 0)) @ L
    rng = np.random.default_rng(seed)
    W = rng.poisson(1.0, size=(int(resamples), n_j)).astype(float)
    W = np.vstack([np.ones(n_j), W])  # row 0: the data itself
    counts = np.asarray((M.T @ W.T).T).reshape(len(W), len(transient), width)
    markov = _markov_shares_batch(counts, len(transient))
    lin = np.asarray((L.T @ W.T).T)
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = lin / lin.sum(axis=1, keepdims=True)
    tail = (1 - confidence) / 2
    out = pd.DataFrame(index=pd.Index(labels, name="label"))
    for name, draws in (("markov", markov), ("linear", linear)):
        out[name] = draws[0]
        out[f"{name}_low"] = np.nanquantile(draws[1:], tail, axis=0)
        out[f"{name}_high"] = np.nanquantile(draws[1:], 1 - tail, axis=0)
    out.attrs["draws"] = {"markov": markov[1:], "linear": linear[1:]}
    # for the permutation test of leader_test: the paths without their ends, and each
    # journey's last state and outcome
    end = dst >= len(transient)
    base = np.zeros(len(transient) * width)
    np.add.at(base, src[~end] * width + dst[~end], count[~end])
    last = np.full(n_j, -1)
    last[jcodes[end]] = src[end]
    out.attrs["paths"] = {"base": base.reshape(len(transient), width), "last": last,
                          "converting": converting, "seed": seed, "resamples": int(resamples)}
    return out


def leader_test(boot: pd.DataFrame, *, model: str = "markov",
                exclude=None) -> dict:
    """Whether the label with the largest share stands out from the runner-up.

    Parameters
    ----------
    boot : pandas.DataFrame
        :func:`bootstrap_shares`.
    model : {"markov", "linear"}
    exclude : iterable of str, optional
        Labels that never lead (default :data:`UNKNOWN_LABELS`).

    Returns
    -------
    dict
        ``leader, runner_up, diff`` (share difference in the data), ``low, high``
        (percentile interval of the difference), ``p_bootstrap`` (one-sided bootstrap
        p-value that the leader is not ahead: share of resamples where it is not, with
        the usual +1 correction), ``p_permutation`` (Markov only: the lead against leads
        with the outcomes shuffled across journeys, which is what path volume alone
        gives), ``p_value`` (the larger of the two: both must hold) and ``resamples``;
        ``leader`` is None with fewer than two labels.
    """
    exclude = set(UNKNOWN_LABELS if exclude is None else exclude)
    nan = {"leader": None, "runner_up": None, "diff": np.nan, "low": np.nan,
           "high": np.nan, "p_value": np.nan, "resamples": 0}
    draws = boot.attrs.get("draws", {}).get(model)
    if draws is None or boot.empty:
        return nan
    known = boot[~boot.index.isin(exclude)][model].dropna().sort_values(ascending=False)
    if len(known) < 2:
        return {**nan, "leader": known.index[0] if len(known) else None}
    a, b = (boot.index.get_loc(x) for x in known.index[:2])
    d = draws[:, a] - draws[:, b]
    d = d[np.isfinite(d)]
    if not len(d):
        return {**nan, "leader": known.index[0], "runner_up": known.index[1]}
    p_boot = float((1 + np.sum(d <= 0)) / (len(d) + 1))
    p_perm = _permutation_p(boot, a, b) if model == "markov" else np.nan
    return {"leader": known.index[0], "runner_up": known.index[1],
            "diff": float(known.iloc[0] - known.iloc[1]),
            "low": float(np.quantile(d, 0.025)), "high": float(np.quantile(d, 0.975)),
            "p_value": float(np.nanmax([p_boot, p_perm])), "p_bootstrap": p_boot,
            "p_permutation": p_perm, "resamples": len(d)}


def _permutation_p(boot: pd.DataFrame, a: int, b: int) -> float:
    """One-sided p-value that label ``a``'s Markov lead over ``b`` owes nothing to outcomes.

    The outcomes (converted or not) are shuffled across journeys, keeping every path; the
    lead the paths alone give (a label on many paths gets a large removal effect whether
    or not those paths convert) is the reference the observed lead must beat.
    """
    paths = boot.attrs.get("paths")
    if not paths:
        return np.nan
    base, last, conv = paths["base"], paths["last"], paths["converting"]
    ok = last >= 0
    last, conv = last[ok], conv[ok]
    n_t = base.shape[0]
    rng = np.random.default_rng(paths["seed"] + 1)
    flags = np.vstack([conv, *(rng.permutation(conv) for _ in range(paths["resamples"]))])
    counts = np.repeat(base[None], len(flags), axis=0)
    for k, f in enumerate(flags):
        counts[k, :, n_t] += np.bincount(last[f], minlength=n_t)
        counts[k, :, n_t + 1] += np.bincount(last[~f], minlength=n_t)
    shares = _markov_shares_batch(counts, n_t)
    diff = shares[:, a] - shares[:, b]
    observed, null = diff[0], diff[1:]
    null = null[np.isfinite(null)]
    if not np.isfinite(observed) or not len(null):
        return np.nan
    return float((1 + np.sum(null >= observed)) / (len(null) + 1))


# --------------------------------------------------------------------------- everything


def attribute(ws, as_of, *, label: str = "channel", lookback_days: int = 90,
              half_life_days: float = 7.0,
              position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)) -> pd.DataFrame:
    """Credit won opportunities to labels under all six models.

    Parameters
    ----------
    ws : Workspace
        Needs ``interactions`` and ``opportunities`` (and ``content`` for content labels).
    as_of : date-like
        Analysis date.
    label : str
        What gets the credit; see :func:`touch_paths`.
    lookback_days : int
        Days of touches before each opportunity.
    half_life_days : float
        Half-life of the time-decay model.
    position_weights : (float, float, float)
        First, middle and last shares of the position-based model.

    Returns
    -------
    pandas.DataFrame
        Long table ``label, model, conversions, value, share`` (share of the model's
        conversions), empty when no journey has a touch or a win; ``attrs`` holds ``won``
        (won opportunities), ``journeys``, ``base_probability`` and ``removal_effects``.
    """
    _check(lookback_days, half_life_days, position_weights)
    if not ws.has("opportunities"):
        raise DataError("attribution needs the opportunities table, which the data lacks")
    heur, trans = path_summary(ws, as_of, lookback_days=lookback_days, label=label,
                               half_life_days=half_life_days, position_weights=position_weights)
    conv_with_touch = float(heur.loc[heur.model == "linear", "conversions"].sum())
    value_with_touch = float(heur.loc[heur.model == "linear", "value"].sum())
    effects = markov_removal_effects(trans)
    markov = markov_credits(trans, conv_with_touch, value_with_touch)
    won_n, won_v = won_totals(ws, as_of, lookback_days=lookback_days)
    # Won journeys without a (content) touch in their window keep their credit as one label.
    lone_n = won_n - int(round(conv_with_touch))
    lone_v = won_v - value_with_touch
    parts = [heur, markov.drop(columns="removal_effect")]
    if lone_n:
        parts.append(pd.DataFrame({"label": NO_TOUCH, "model": list(MODELS),
                                   "conversions": float(lone_n), "value": lone_v}))
    parts = [p for p in parts if len(p)]
    if not parts:  # no journey at all, e.g. an as_of before the first touch
        out = pd.DataFrame({"label": pd.Series(dtype=object), "model": pd.Series(dtype=object),
                            "conversions": pd.Series(dtype=float),
                            "value": pd.Series(dtype=float)})
    else:
        out = pd.concat(parts, ignore_index=True)
    out = out.groupby(["label", "model"], as_index=False)[["conversions", "value"]].sum()
    out["share"] = out["conversions"] / out.groupby("model")["conversions"].transform("sum")
    out.attrs.update({
        "won": won_n,
        "journeys": int(trans.loc[trans.from_state == START, "count"].sum()),
        "base_probability": effects.attrs.get("base_probability", np.nan),
        "removal_effects": effects,
    })
    return out


def compare_models(credits: pd.DataFrame, *, measure: str = "share") -> pd.DataFrame:
    """Models side by side: one row per label, one column per model, plus the spread.

    Parameters
    ----------
    credits : pandas.DataFrame
        Output of :func:`attribute`.
    measure : {"share", "conversions", "value"}

    Returns
    -------
    pandas.DataFrame
        Index ``label``; columns the models in :data:`MODELS` order, ``spread`` (largest
        minus smallest across models), ``high_model`` and ``low_model`` (missing where all
        models agree). Sorted by the Markov column, then linear.
    """
    if measure not in ("share", "conversions", "value"):
        raise ParamError(f"measure {measure!r} is not supported; use share, conversions or value")
    wide = credits.pivot_table(index="label", columns="model", values=measure, aggfunc="sum",
                               fill_value=0.0)
    wide = wide.reindex(columns=[m for m in MODELS if m in wide.columns])
    wide["spread"] = wide[list(wide.columns)].max(axis=1) - wide[list(wide.columns)].min(axis=1)
    models = [m for m in MODELS if m in wide.columns]
    # where every model agrees no model is highest or lowest
    agree = wide["spread"] <= 0
    wide["high_model"] = wide[models].idxmax(axis=1).mask(agree)
    wide["low_model"] = wide[models].idxmin(axis=1).mask(agree)
    order = [m for m in ("markov", "linear") if m in wide.columns]
    wide = wide.sort_values(order, ascending=False) if order else wide
    wide.columns.name = None
    return wide


def plot_attribution(credits: pd.DataFrame, *, ax=None, top: int = 10, language: str = "en",
                     kind: str = "channel"):
    """Grouped bars: share of conversions per label under each model.

    Parameters
    ----------
    credits : pandas.DataFrame
        Output of :func:`attribute`.
    ax : matplotlib.axes.Axes, optional
    top : int
        Labels shown (largest Markov share first).
    language : {"en", "zh"}
        Language of the title, axis label, model names and labels.
    kind : str
        Label family of the labels (see :func:`helpers.analysis.content.value_label`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    from helpers.analysis.content import value_label
    from helpers.presentation.plotting import legend_outside

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    wide = compare_models(credits).head(top)
    data = credits[credits["label"].isin(wide.index)].copy()
    data["model"] = data["model"].map(lambda m: model_name(m, language))
    data["label"] = data["label"].map(lambda v: value_label(kind, v, language))
    order = [value_label(kind, v, language) for v in wide.index]
    sns.barplot(data=data, y="label", x="share", hue="model", order=order,
                hue_order=[model_name(m, language) for m in MODELS], ax=ax, orient="h")
    ax.set_xlabel(i18n.t("content_evaluation.chart.won_share", language))
    ax.set_ylabel("")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    legend_outside(ax, title="", fontsize=8)
    ax.set_title(i18n.t("content_evaluation.chart.attribution", language))
    return ax


def chart_text(side: pd.DataFrame, language: str = "en", kind: str = "channel") -> dict[str, str]:
    """Alt text and caption of :func:`plot_attribution`: who leads under Markov.

    Parameters
    ----------
    side : pandas.DataFrame
        :func:`compare_models` of the same credits.
    language : {"en", "zh"}
    kind : str
        Label family of the labels.
    """
    from helpers.analysis.content import value_label

    known = known_labels(side)
    lead = known.iloc[0] if len(known) else side.iloc[0]
    markov = lead["markov"] if "markov" in side.columns else float("nan")
    return {"alt": _t("alt.attribution", language, n=len(side),
                      label=value_label(kind, lead.name, language), share=_pct(markov)),
            "caption": _t("caption.attribution", language)}


# --------------------------------------------------------------------------- report sentences

#: labels that stand for "no value": they keep their credit but never lead a sentence
UNKNOWN_LABELS = (NO_TOUCH, "(unknown)", "(none)")


def _t(key: str, language: str, **values) -> str:
    return i18n.t(f"content_evaluation.{key}", language, **values)


def _name(kind: str, value, language: str, *, markdown: bool = True) -> str:
    """A label in people's words (see :func:`helpers.analysis.content.value_label`), Markdown-safe."""
    from helpers.analysis.content import md_label, value_label

    return md_label(kind, value, language) if markdown else value_label(kind, value, language)


def _pct(value) -> str:
    return f"{value:.0%}" if pd.notna(value) and np.isfinite(value) else "–"


def known_labels(side: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`compare_models` for real labels: no ``(no touch)`` or ``(unknown)``."""
    return side[~side.index.isin(UNKNOWN_LABELS)]


def touch_shares(per_journey: pd.DataFrame) -> pd.Series:
    """Each label's share of the touches on the journeys: the credit volume alone would give.

    Parameters
    ----------
    per_journey : pandas.DataFrame
        :func:`journey_transitions` (every touch leaves its state once).

    Returns
    -------
    pandas.Series
        Share of touches per label, indexed by label; empty without touches.
    """
    t = per_journey[~per_journey["from_state"].isin([START, CONVERSION, NULL])]
    counts = t.groupby("from_state")["count"].sum().astype(float)
    total = counts.sum()
    out = counts / total if total > 0 else counts.iloc[:0]
    out.index.name = "label"
    return out


def attribution_lead_finding(side: pd.DataFrame, test: dict, *, alpha: float = 0.05,
                             n: int = 0, key: str = "attribution_lead",
                             family: str = "attribution_leader", language: str = "en",
                             volume: pd.Series | None = None):
    """The label with the largest Markov share, stated only when it stands out.

    Parameters
    ----------
    side : pandas.DataFrame
        :func:`compare_models` (shares of all won opportunities).
    test : dict
        :func:`leader_test` of the bootstrap by the same label.
    alpha : float
        The leader is stated when its bootstrap p-value of not being ahead of the
        runner-up is below ``alpha`` (one comparison: the leader against the runner-up).
    n : int
        Journeys resampled.
    volume : pandas.Series, optional
        :func:`touch_shares` by the same label. A leader whose Markov share is not above
        its share of the touches only follows how often it is shown: it is not stated,
        and the fallback says so.
    key : str
        Text key of the claim (``attribution_lead`` or ``content_attribution_top``).
    family : str
        Text key of the family name.
    language : {"en", "zh"}

    Returns
    -------
    helpers.presentation.findings.Finding or None
        None when no real label has credit.
    """
    from helpers.presentation import findings as fnd

    real = known_labels(side)
    if real.empty or not real.iloc[0].get("markov", 0) > 0:
        return None
    top = real.iloc[0]
    kind = "category" if key.startswith("content") else "channel"
    name = _name(kind, top.name, language)
    values = dict(markov=_pct(top.get("markov")), linear=_pct(top.get("linear")))
    text = _t(key, language, channel=name, category=name, **values)
    runner = test.get("runner_up")
    if runner is not None and runner in side.index:
        fallback = _t(f"{key}_none", language, leader=name,
                      runner=_name(kind, runner, language),
                      runner_markov=_pct(side.loc[runner].get("markov")), **values)
    else:
        fallback = ""
    p = test.get("p_value", np.nan) if test.get("leader") == top.name else np.nan
    share = np.nan if volume is None else float(volume.get(top.name, np.nan))
    if np.isfinite(share) and not top.get("markov", 0) > share:
        p = 1.0  # its credit follows its touch volume: no sign of doing more per touch
        fallback = _t(f"{key}_volume", language, leader=name, touch_share=_pct(share),
                      **values)
    return fnd.comparison(
        text, test="bootstrap and outcome permutation of journeys, leader vs runner-up",
        p_value=p, p_adjusted=p,
        alpha=alpha, effect=test.get("diff", np.nan), low=test.get("low", np.nan),
        high=test.get("high", np.nan), n=n, family=_t(f"family.{family}", language),
        family_size=1, method="none", effect_label="share difference", fallback=fallback,
        impact=fnd.impact_weight(top.get("markov", 0.0), 1.0),
        action=_t(f"{key}_action", language, channel=_name(kind, top.name, language, markdown=False),
                  category=_name(kind, top.name, language, markdown=False)),
        language=language)


def attribution_sentence(credits: pd.DataFrame, side: pd.DataFrame,
                         language: str = "en", *, lead=None) -> str:
    """The finding of the channel attribution, or "" when no won opportunity is attributed.

    Parameters
    ----------
    credits : pandas.DataFrame
        Output of :func:`attribute`.
    side : pandas.DataFrame
        :func:`compare_models` of it.
    language : {"en", "zh"}
    lead : helpers.presentation.findings.Finding, optional
        :func:`attribution_lead_finding`; when given, the leader is named only when it
        stands out from the runner-up, else the sentence says no label stands out.

    Returns
    -------
    str
        How many won opportunities; the label with the largest Markov share; and the label
        the models disagree on most, with why, when the models disagree at all. Only real
        labels lead: won opportunities without a touch keep their credit as ``(no touch)``.
    """
    won = int(credits.attrs.get("won", 0) or 0)
    if won <= 0 or side.empty:
        return ""
    text = _t("attribution_won", language, won=f"{won:,}")
    real = known_labels(side)
    if real.empty:
        return text
    top = real.iloc[0]
    if lead is not None:
        text += lead.shown
    else:
        text += _t("attribution_lead", language, channel=_name("channel", top.name, language),
                   markov=_pct(top.get("markov")), linear=_pct(top.get("linear")))
    split = real.sort_values("spread", ascending=False, kind="stable").iloc[0]
    if not split["spread"] > 0:
        return text
    text += _t("attribution_split", language, split=_name("channel", split.name, language),
               high_model=model_name(split.high_model, language), high=_pct(split[split.high_model]),
               low_model=model_name(split.low_model, language), low=_pct(split[split.low_model]))
    if split.high_model == "markov":
        return text + _t("markov_above", language)
    if split.low_model == "markov":
        return text + _t("markov_below", language)
    return text + _t("position_gap", language)


def content_attribution_sentence(side: pd.DataFrame, language: str = "en", *,
                                 lead=None) -> str:
    """The finding of the attribution by content group, from :func:`compare_models`.

    ``lead`` (:func:`attribution_lead_finding` with ``key="content_attribution_top"``)
    gates the top group: when given, it is named only when it stands out.

    Returns
    -------
    str
        The group with the largest Markov share (when a real group has credit) and the
        share left with ``(no touch)``; "" when nothing was attributed.
    """
    if side.empty or not side.drop(columns=["spread", "high_model", "low_model"],
                                   errors="ignore").to_numpy(float).any():
        return ""
    text = ""
    real = known_labels(side)
    if lead is not None:
        text += lead.shown
    elif len(real) and real.iloc[0].get("markov", 0) > 0:
        top = real.iloc[0]
        text += _t("content_attribution_top", language, category=_name("category", top.name, language),
                   markov=_pct(top.get("markov")), linear=_pct(top.get("linear")))
    share = side.loc[NO_TOUCH, "linear"] if NO_TOUCH in side.index else 0.0
    return text + _t("content_attribution_no_touch", language,
                     no_touch=_name("category", NO_TOUCH, language, markdown=False),
                     share=_pct(share))


def leader_finding(ws, as_of, side: pd.DataFrame, *, label: str = "channel", lookback_days: int = 90,
                   confidence: float = 0.95, alpha: float = 0.05, language: str = "en",
                   with_volume: bool = False, **finding_args):
    """Resample the journeys by ``label`` and state the Markov leader only when it stays ahead.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    side : pandas.DataFrame
        :func:`compare_models` by the same label.
    label : str
        ``channel`` or ``content_category``.
    lookback_days : int
        Days of touches before an opportunity that count.
    confidence : float
        Coverage of the bootstrap intervals.
    alpha : float
        Level the leader test must pass.
    language : {"en", "zh"}
    with_volume : bool
        Compare the leader with its share of the touches (see :func:`attribution_lead_finding`).
    **finding_args
        Passed on to :func:`attribution_lead_finding` (``n``, ``key``, ``family``).

    Returns
    -------
    Finding or None
    """
    per_journey = journey_transitions(ws, as_of, lookback_days=lookback_days, label=label)
    test = leader_test(bootstrap_shares(per_journey, confidence=confidence))
    if with_volume:
        finding_args["volume"] = touch_shares(per_journey)
    return attribution_lead_finding(side, test, alpha=alpha, language=language, **finding_args)
