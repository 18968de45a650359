"""Survey responses and costs to serve of each account block."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from helpers.data.sample_world.parameters import (
    COST_TYPES,
    CSAT_SD,
    DIGITAL,
    INDUSTRY_CODES,
    LOCALE_DATA,
    NEW,
    NPS_SD,
    PAIN_POINTS,
    PROSPECT,
    SURVEYS_PER_YEAR,
)
from helpers.data.sample_world.world import (
    _account_ids,
    _Counters,
    _dates,
    _ids,
    _labels,
    _month_of,
    _table,
    _World,
)

__all__ = [
]


_PAIN_LOOKUP = [";".join(t for i, t in enumerate(PAIN_POINTS) if mask >> i & 1) or None
                for mask in range(2 ** len(PAIN_POINTS))]


def _surveys(w: _World, rng, lo: int, a: dict, counters: _Counters) -> pa.Table:
    cust = a["stage"] != PROSPECT
    s_lo = np.maximum(a["a"], np.maximum(a["created"], 0))
    years = np.where(cust, (a["b"] - s_lo + 1) / 365, 0)
    count = rng.poisson(np.maximum(SURVEYS_PER_YEAR * years, 0))
    acc = np.repeat(np.arange(len(count)), count)
    m = len(acc)
    day = s_lo[acc] + np.floor(rng.random(m) * (a["b"][acc] - s_lo[acc] + 1)).astype(np.int64)
    order = np.lexsort((day, acc))
    acc, day = acc[order], day[order]
    risk = a["risk"][acc]
    fx = w.fx
    nps = np.clip(np.rint(rng.normal(fx.nps_intercept + fx.nps_slope * risk, NPS_SD)), 0, 10)
    csat = np.clip(np.rint(rng.normal(fx.csat_intercept + fx.csat_slope * risk, CSAT_SD)),
                   1, 5)
    csat_null = rng.random(m) < 0.1
    ind = a["ind"][acc]
    sensitive = np.isin(ind, [INDUSTRY_CODES.index(x) for x in
                              ("Financial Services", "Healthcare", "Public Sector")])
    p = np.stack([
        0.12 + fx.pain_digital * (a["cluster"][acc] == DIGITAL),
        0.08 + fx.pain_risk * risk,
        0.05 + fx.pain_risk * risk,
        np.where(a["stage"][acc] == NEW, fx.pain_new, 0.07),
        np.where(sensitive, fx.pain_sensitive, 0.07),
        np.full(m, 0.12),
    ], axis=1)
    bits = (rng.random((m, len(PAIN_POINTS))) < p).astype(np.int64)
    mask = (bits << np.arange(len(PAIN_POINTS))).sum(axis=1)
    bucket = np.where(nps >= 9, 0, np.where(nps >= 7, 1, 2))
    comments = [c for group in LOCALE_DATA[w.locale]["comments"] for c in group]
    comment_idx = bucket * 4 + rng.integers(0, 4, m)
    has_comment = rng.random(m) < 0.55
    number = counters.responses + np.arange(1, m + 1)
    counters.responses += m
    return _table("surveys", {
        "response_id": _ids("R", number, 7),
        "account_id": _account_ids(w, lo + acc),
        "response_date": _dates(w, day),
        "nps": pa.array(nps.astype(np.int64), pa.int64()),
        "csat": pa.array(csat.astype(np.int64), pa.int64(), mask=csat_null),
        "pain_points": pc.take(pa.array(_PAIN_LOOKUP, pa.string()), pa.array(mask)),
        "comment": _labels(comments, comment_idx, mask=~has_comment),
    })


def _service_costs(w: _World, rng, lo: int, a: dict) -> pa.Table:
    cust = a["stage"] != PROSPECT
    m_lo = np.where(cust, _month_of(w, np.maximum(a["a"], 0)), 0)
    m_hi = np.where(cust, _month_of(w, np.maximum(a["b"], 0)), -1)
    months = np.maximum(m_hi - m_lo + 1, 0)
    acc = np.repeat(np.arange(len(months)), months)
    offset = np.arange(len(acc)) - np.repeat(np.cumsum(months) - months, months)
    month = m_lo[acc] + offset
    size = (a["emp"][acc] / 150) ** w.fx.cost_size_exponent
    mgmt_factor = w.fx.mgmt_factor[a["cluster"][acc]]
    mgmt = 120 * size * mgmt_factor * np.exp(rng.normal(0, 0.2, len(acc)))
    support = 60 * size * (0.5 + w.fx.support_risk * a["risk"][acc]) * np.exp(rng.normal(0, 0.5, len(acc)))
    onboard_rows = (a["force_first"][acc] >= 0) & (offset < 3)
    onboard = 900 * size[onboard_rows] * np.exp(rng.normal(0, 0.3, int(onboard_rows.sum())))
    all_acc = np.concatenate([acc, acc, acc[onboard_rows]])
    all_month = np.concatenate([month, month, month[onboard_rows]])
    all_type = np.concatenate([np.zeros(len(acc), np.int64), np.ones(len(acc), np.int64),
                               np.full(len(onboard), 2)])
    amount = np.round(np.concatenate([mgmt, support, onboard]), 2)
    order = np.lexsort((all_type, all_month, all_acc))
    return _table("service_costs", {
        "account_id": _account_ids(w, lo + all_acc[order]),
        "period_start": _dates(w, w.month_rel[all_month[order]]),
        "cost_type": _labels(COST_TYPES, all_type[order]),
        "amount": pa.array(amount[order], pa.float64()),
    })

