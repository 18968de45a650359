"""Content catalogue, marketing spend and spend-driven opportunities (the response curves)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from helpers.data.sample_world.parameters import (
    _SPEND_SIGMA,
    _TRADE_SHOW_DAYS,
    ABM_SPEND,
    ABM_TIERS,
    CONTENT_CATEGORIES,
    CONTENT_COST,
    CONTENT_TYPE_CATEGORY,
    CONTENT_TYPE_P,
    CONTENT_TYPES,
    HILL,
    LOCALE_DATA,
    N_CONTENT,
    PAID_CHANNELS,
)
from helpers.data.sample_world.world import (
    _cum,
    _dates,
    _floats,
    _ids,
    _labels,
    _pick,
    _rng,
    _table,
    _World,
)

__all__ = [
]


# ----------------------------------------------------------------------------- global tables


def _content_catalogue(w: _World) -> dict[str, np.ndarray]:
    rng = _rng(w.seed, 0, 1)
    n = N_CONTENT
    ctype = _pick(rng, _cum(CONTENT_TYPE_P), n)
    topic = rng.integers(0, len(LOCALE_DATA[w.locale]["topics"]), n)
    publish = rng.integers(-365, w.T - 7 + 1, n)
    cost = np.round(CONTENT_COST[ctype] * np.exp(rng.normal(0, 0.4, n)), 2)
    order = np.lexsort((topic, ctype, publish))
    out = {"type": ctype[order], "topic": topic[order], "publish": publish[order],
           "cost": cost[order]}
    out["category"] = CONTENT_TYPE_CATEGORY[out["type"]]
    is_web = out["type"] == CONTENT_TYPES.index("webinar")
    out["web_idx"] = np.flatnonzero(is_web)
    out["gen_idx"] = np.flatnonzero(~is_web)
    return out


def _content_table(w: _World, C: dict) -> pa.Table:
    data = LOCALE_DATA[w.locale]
    topics, templates = data["topics"], data["titles"]
    years = [(w.start + dt.timedelta(days=int(d))).year for d in C["publish"]]
    titles = [f"{templates[t].format(t=topics[k])} ({y})"
              for t, k, y in zip(C["type"], C["topic"], years, strict=True)]
    n = len(C["type"])
    return _table("content", {
        "content_id": _ids("CT", np.arange(1, n + 1), 4),
        "title": pa.array(titles, pa.string()),
        "content_type": _labels(CONTENT_TYPES, C["type"]),
        "content_category": _labels(CONTENT_CATEGORIES, C["category"]),
        "topic": _labels(topics, C["topic"]),
        "publish_date": _dates(w, C["publish"]),
        "production_cost": _floats(C["cost"]),
    })


def _month_labels(w: _World) -> list[str]:
    return [(w.start + dt.timedelta(days=int(d))).strftime("%Y-%m") for d in w.month_rel[:-1]]


def _marketing_spend(w: _World):
    """Monthly spend per paid channel (plus ABM tiers) and the planted Hill response."""
    rng = _rng(w.seed, 0, 2)
    M = w.months
    labels = _month_labels(w)
    month_of_year = np.array([int(lab[5:]) for lab in labels])
    show_months = {m for m, _ in _TRADE_SHOW_DAYS}
    curves = {}
    for name, h in HILL.items():
        spend = h["level"] * w.scale * np.exp(rng.normal(0, _SPEND_SIGMA, M))
        if name == "trade_show":
            spend *= np.where(np.isin(month_of_year, list(show_months)), 2.2, 0.5)
        spend = np.round(spend, 0)
        decay = h["adstock_decay"]
        x = np.empty(M)
        prev = h["level"] * w.scale
        for m in range(M):  # 36 steps: a recursion, not a per-row loop
            prev = (1 - decay) * spend[m] + decay * prev
            x[m] = prev
        k, s, beta = h["k"] * w.scale, h["s"], h["beta"] * w.scale
        expected = beta * x**s / (k**s + x**s)
        if not w.fx.hill:  # the null world: opportunities do not follow spend
            expected = np.full(M, w.fx.null_opportunities_per_month * w.scale)
        curves[name] = {"spend": spend, "x": x, "expected": expected, "k": k, "beta": beta}
    abm = ABM_SPEND[None, :] * w.scale * np.exp(rng.normal(0, 0.2, (M, len(ABM_TIERS))))

    period = w.month_rel[:-1]
    rows_period, rows_channel, rows_spend, rows_campaign, rows_tier = [], [], [], [], []
    for m in range(M):
        for name in PAID_CHANNELS:
            tag = name.upper().replace("_", "-")
            rows_period.append(period[m])
            rows_channel.append(name)
            rows_spend.append(curves[name]["spend"][m])
            rows_campaign.append(f"CMP-{tag}-{labels[m]}")
            rows_tier.append(None)
        for t, tier in enumerate(ABM_TIERS):
            rows_period.append(period[m])
            rows_channel.append("abm")
            rows_spend.append(round(float(abm[m, t]), 0))
            rows_campaign.append(f"ABM-{tier.upper()}-{labels[m]}")
            rows_tier.append(tier)
    table = _table("marketing_spend", {
        "period_start": _dates(w, np.array(rows_period)),
        "channel": pa.array(rows_channel, pa.string()),
        "spend": pa.array(rows_spend, pa.float64()),
        "campaign_id": pa.array(rows_campaign, pa.string()),
        "target_tier": pa.array(rows_tier, pa.string()),
    })
    return table, curves


def _hill_opportunities(w: _World, A: dict, curves: dict) -> dict[str, np.ndarray]:
    """Opportunities drawn from the planted response curves, assigned to eligible accounts."""
    rng = _rng(w.seed, 0, 3)
    order = np.argsort(A["created"], kind="stable")
    created_sorted = A["created"][order]
    acc_parts, day_parts, src_parts, realised = [], [], [], {}
    for c, name in enumerate(PAID_CHANNELS):
        counts = rng.poisson(curves[name]["expected"])
        month = np.repeat(np.arange(w.months), counts)
        lo = np.maximum(w.month_rel[month], 0)
        hi = np.minimum(w.month_rel[month + 1] - 1, w.T)
        day = lo + np.floor(rng.random(len(month)) * (hi - lo + 1)).astype(np.int64)
        weight = (w.fx.hill_affinity[A["cluster"], c]
                  * np.where(A["icp"], w.fx.icp_hill_weight, 1.0))
        cumw = np.cumsum(weight[order])
        n_elig = np.searchsorted(created_sorted, day, side="right")
        ok = n_elig > 0
        day, month, n_elig = day[ok], month[ok], n_elig[ok]
        target = rng.random(len(day)) * cumw[n_elig - 1]
        pos = np.minimum(np.searchsorted(cumw, target, side="right"), n_elig - 1)
        acc_parts.append(order[pos])
        day_parts.append(day)
        src_parts.append(np.full(len(day), c))
        realised[name] = np.bincount(month, minlength=w.months)
    acc = np.concatenate(acc_parts)
    day = np.concatenate(day_parts)
    src = np.concatenate(src_parts)
    sort = np.lexsort((src, day, acc))
    return {"acc": acc[sort], "day": day[sort], "src": src[sort], "realised": realised}

