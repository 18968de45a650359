"""Contacts, interactions (organic and experiments) and content-sourced opportunities per block."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from helpers.data.sample_world.parameters import (
    _ANONYMOUS,
    _CONTENT_TOUCH,
    _EV,
    _EVENTS_BY_CHANNEL,
    _SRC,
    _US,
    CHANNELS,
    EVENT_TYPES,
    EXPERIMENTS,
    HILL,
    ROLE_P,
    ROLES,
    SENIORITY,
    SENIORITY_P,
    TRADE_SHOW,
    VARIANTS,
    VISIT,
    WEBINAR,
)
from helpers.data.sample_world.world import (
    _HOUR_OFFSETS,
    _account_ids,
    _Counters,
    _cum,
    _ids,
    _labels,
    _month_of,
    _pick,
    _table,
    _World,
)

__all__ = [
]


def _sample_days(w: _World, rng, ch: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform days in [lo, hi], moved within their week to the channel's weekday mix."""
    n = len(ch)
    d0 = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    target = _pick(rng, w.fx.wd_cum[ch])
    d = d0 - (d0 + w.s0 + 3) % 7 + target  # epoch day 0 was a Thursday
    d = np.where(d > hi, d - 7, d)
    d = np.where(d < lo, d + 7, d)
    return np.clip(d, lo, hi)


def _sample_seconds(w: _World, rng, ch: np.ndarray) -> np.ndarray:
    """Seconds after midnight with each channel's hour peak."""
    n = len(ch)
    peak = w.fx.peak_hour[ch] + _HOUR_OFFSETS[rng.integers(0, 5, n)]
    lo, hi = w.fx.bg_hours[ch, 0], w.fx.bg_hours[ch, 1]
    background = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    hour = np.clip(np.where(rng.random(n) < w.fx.p_peak_hour, peak, background), 0, 23)
    return hour * 3600 + rng.integers(0, 3600, n)


def _event_tables():
    ev = np.zeros((len(CHANNELS), len(EVENT_TYPES)))
    content_p = np.zeros_like(ev)
    anon_p = np.zeros_like(ev)
    for ch, probs in _EVENTS_BY_CHANNEL.items():
        for name, p in probs.items():
            ev[ch, _EV[name]] = p
    for (ch, name), p in _CONTENT_TOUCH.items():
        content_p[ch, _EV[name]] = p
    for (ch, name), p in _ANONYMOUS.items():
        anon_p[ch, _EV[name]] = p
    return _cum(ev), content_p, anon_p


_EV_CUM, _CONTENT_P, _ANON_P = _event_tables()

def _contacts(w: _World, rng, lo: int, a: dict):
    n_rows = int(a["ncont"].sum())
    acc = np.repeat(np.arange(len(a["ncont"])), a["ncont"])
    first = np.ones(n_rows, dtype=bool)
    first[1:] = acc[1:] != acc[:-1]
    role = np.where(first, 0, _pick(rng, _cum(ROLE_P), n_rows))
    seniority = _pick(rng, _cum(SENIORITY_P)[role])
    number = a["contact_start"][0] + np.arange(n_rows) + 1
    table = _table("contacts", {
        "contact_id": _ids("C", number, 7),
        "account_id": _account_ids(w, lo + acc),
        "role": _labels(ROLES, role),
        "seniority": _labels(SENIORITY, seniority),
    })
    return table


def _organic_interactions(w: _World, rng, a: dict, C: dict) -> dict[str, np.ndarray]:
    n_i = rng.poisson(a["n_expected"])
    acc = np.repeat(np.arange(len(n_i)), n_i)
    N = len(acc)
    cluster = a["cluster"][acc]
    ch = _pick(rng, _cum(w.fx.channel_p)[cluster])
    lo, hi = a["ilo"][acc], a["ihi"][acc]

    # Trade-show touches happen on show days; without a show in reach they become visits.
    ts_rows = np.flatnonzero((ch == TRADE_SHOW) & w.fx.show_days)
    shows = w.shows
    day = np.empty(N, dtype=np.int64)
    if len(ts_rows):
        k_lo = np.searchsorted(shows, lo[ts_rows], side="left")
        k_hi = np.searchsorted(shows, hi[ts_rows] - 2, side="right")
        avail = k_hi - k_lo
        has = avail > 0
        pick = k_lo + np.floor(rng.random(len(ts_rows)) * np.maximum(avail, 1)).astype(np.int64)
        show_day = shows[np.minimum(pick, max(len(shows) - 1, 0))] if len(shows) else pick
        day[ts_rows] = np.where(has, show_day + rng.integers(0, 3, len(ts_rows)), 0)
        ch[ts_rows[~has]] = VISIT
    other = (ch != TRADE_SHOW) | (not w.fx.show_days)
    day[other] = _sample_days(w, rng, ch[other], lo[other], hi[other])
    seconds = _sample_seconds(w, rng, ch)

    ev = _pick(rng, _EV_CUM[ch])
    is_web = ch == WEBINAR
    has_c = rng.random(N) < _CONTENT_P[ch, ev]
    web_days = C["publish"][C["web_idx"]]
    gen_days = C["publish"][C["gen_idx"]]
    npub = np.where(is_web, np.searchsorted(web_days, day, side="right"),
                    np.searchsorted(gen_days, day, side="right"))
    has_c &= npub > 0
    k = np.floor(rng.random(N) ** 0.8 * npub).astype(np.int64)
    has_c &= np.where(is_web, len(C["web_idx"]) > 0, True)
    web_pick = C["web_idx"][np.clip(k, 0, len(C["web_idx"]) - 1)] if len(C["web_idx"]) else k
    gen_pick = C["gen_idx"][np.clip(k, 0, len(C["gen_idx"]) - 1)]
    content = np.where(has_c, np.where(is_web, web_pick, gen_pick), -1)

    anonymous = rng.random(N) < _ANON_P[ch, ev]
    contact = a["contact_start"][acc] + np.floor(rng.random(N) * a["ncont"][acc]).astype(
        np.int64) + 1
    contact = np.where(anonymous, -1, contact)
    campaign = np.where(np.isin(ch, [CHANNELS.index(c) for c in HILL]),
                        ch * w.months + _month_of(w, day), -1)
    return {"acc": acc, "ts": (day + w.s0) * 86400 + seconds, "ch": ch, "ev": ev,
            "content": content, "contact": contact, "campaign": campaign,
            "exp": np.full(N, -1), "variant": np.full(N, -1), "day": day}


def _experiment_interactions(w: _World, rng, a: dict, stats: dict) -> dict[str, np.ndarray]:
    n_c = int(a["ncont"].sum())
    acc = np.repeat(np.arange(len(a["ncont"])), a["ncont"])
    contact = a["contact_start"][0] + np.arange(n_c) + 1
    parts = []
    end_second = (w.s0 + w.T + 1) * 86400 - 1
    for e, spec in enumerate(EXPERIMENTS):
        first = w.T - spec["offset"]
        last = first + spec["days"] - 1
        eligible = (a["created"][acc] <= first) & (a["ihi"][acc] >= last)
        part = eligible & (rng.random(n_c) < spec["participation"])
        variant = (rng.random(n_c) < 0.5).astype(np.int64)
        converts = rng.random(n_c) < np.array(w.fx.experiment_rates[e])[variant]
        idx = np.flatnonzero(part)
        ch = np.full(len(idx), spec["channel"])
        day = _sample_days(w, rng, ch, np.full(len(idx), first), np.full(len(idx), last))
        ts = (day + w.s0) * 86400 + _sample_seconds(w, rng, ch)
        lag = rng.integers(600, 5 * 86400, len(idx))
        conv = converts[idx] & (ts + lag <= end_second)
        cidx = idx[conv]
        for arm in (0, 1):
            stats["n"][e][arm] += int((variant[idx] == arm).sum())
            stats["conv"][e][arm] += int((variant[cidx] == arm).sum())
        campaign = (spec["channel"] * w.months + _month_of(w, day)
                    if CHANNELS[spec["channel"]] in HILL else np.full(len(idx), -1))
        for rows, times, event, camp in ((idx, ts, "exposure", campaign),
                                         (cidx, ts[conv] + lag[conv], "conversion",
                                          campaign[conv])):
            m = len(rows)
            parts.append({"acc": acc[rows], "ts": times, "ch": np.full(m, spec["channel"]),
                          "ev": np.full(m, _EV[event]), "content": np.full(m, -1),
                          "contact": contact[rows], "campaign": camp,
                          "exp": np.full(m, e), "variant": variant[rows]})
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _interactions_table(w: _World, lo: int, rows: dict, counters: _Counters,
                        campaigns: pa.Array) -> pa.Table:
    order = np.lexsort((rows["ev"], rows["ch"], rows["ts"], rows["acc"]))
    r = {k: v[order] for k, v in rows.items()}
    n = len(order)
    number = counters.interactions + np.arange(1, n + 1)
    counters.interactions += n
    camp = r["campaign"]
    return _table("interactions", {
        "interaction_id": _ids("I", number, 9),
        "account_id": _account_ids(w, lo + r["acc"]),
        "contact_id": _ids("C", np.maximum(r["contact"], 0), 7, mask=r["contact"] < 0),
        "timestamp": pa.array(r["ts"] * _US, pa.timestamp("us")),
        "channel": _labels(CHANNELS, r["ch"]),
        "event_type": _labels(EVENT_TYPES, r["ev"]),
        "content_id": _ids("CT", np.maximum(r["content"], 0) + 1, 4, mask=r["content"] < 0),
        "campaign_id": pc.take(campaigns, pa.array(np.maximum(camp, 0), pa.int64(),
                                                    mask=camp < 0)),
        "experiment_id": _labels([x["id"] for x in EXPERIMENTS], np.maximum(r["exp"], 0),
                                 mask=r["exp"] < 0),
        "variant": _labels(VARIANTS, np.maximum(r["variant"], 0), mask=r["variant"] < 0),
    })


def _content_opportunities(w: _World, rng, a: dict, C: dict, rows: dict, stats: dict):
    touched = np.flatnonzero(rows["content"] >= 0)
    acc = rows["acc"][touched]
    cat = C["category"][rows["content"][touched]]
    stage = a["stage"][acc]
    converts = rng.random(len(touched)) < w.fx.content_rates[stage, cat]
    np.add.at(stats["touches"], (stage, cat), 1)
    np.add.at(stats["conversions"], (stage[converts], cat[converts]), 1)
    day = rows["day"][touched] + rng.integers(2, 31, len(touched))
    keep = converts & (day <= w.T)
    return {"acc": acc[keep], "day": day[keep], "src": np.full(int(keep.sum()), _SRC["website"]),
            "content": rows["content"][touched][keep]}

