"""Sales opportunities, their outcome and the orders of each account block."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from helpers.data.sample_world.parameters import (
    _SRC,
    CREDIT_NOTE_SHARE,
    EVENT,
    LOCALE_DATA,
    ORDER_GAP_SHAPE,
    ORDER_SIGMA,
    PROSPECT,
    PROSPECT_SALES_OPPS,
    PROSPECT_SOURCE_P,
    SALES_SOURCE_P,
)
from helpers.data.sample_world.world import (
    _account_ids,
    _Counters,
    _cum,
    _dates,
    _ids,
    _labels,
    _pick,
    _table,
    _World,
)

__all__ = [
]


def _sales_opportunities(w: _World, rng, a: dict):
    n = len(a["stage"])
    cust = a["stage"] != PROSPECT
    years = np.where(cust, (a["b"] - a["a"] + 1) / 365, 0)
    count = np.where(cust, rng.poisson(w.fx.sales_opps_per_year[a["cluster"]] * years),
                     rng.poisson(PROSPECT_SALES_OPPS, n))
    acc = np.repeat(np.arange(n), count)
    lo = np.where(cust[acc], a["a"][acc], np.maximum(a["created"][acc], 0))
    hi = np.where(cust[acc], a["b"][acc], w.T)
    day = lo + np.floor(rng.random(len(acc)) * (hi - lo + 1)).astype(np.int64)
    src_cum = np.where(cust[acc][:, None], _cum(SALES_SOURCE_P), _cum(PROSPECT_SOURCE_P))
    src = _SRC["account_management"] + _pick(rng, src_cum)
    return {"acc": acc, "day": day, "src": src, "content": np.full(len(acc), -1)}


def _resolve_opportunities(w: _World, rng, a: dict, opp: dict) -> dict:
    acc = opp["acc"]
    m = len(acc)
    cycle = 7 + rng.gamma(2.0, 28.0, m) * w.fx.cycle_band_factor[a["band"][acc]]
    close = opp["day"] + np.rint(cycle).astype(np.int64)
    is_open = close > w.T
    in_window = (a["stage"][acc] != PROSPECT) & (close >= a["a"][acc]) & (close <= a["b"][acc])
    won = ~is_open & in_window & (rng.random(m) < a["pwin"][acc])
    stage = np.where(is_open, 0, np.where(won, 1, 2))
    amount = np.round(a["amount_scale"][acc] * np.exp(rng.normal(0.7, 0.6, m)), 2)
    return {**opp, "close": np.where(is_open, -1, close), "stage": stage, "amount": amount}


def _order_days(w: _World, rng, a: dict) -> tuple[np.ndarray, np.ndarray]:
    """Reorder days: a gamma renewal process on the clock of each account's order intensity.

    The intensity is ``lam * exp(g * (t - t_ref))``; renewal gaps (rather than Poisson ones)
    keep the rhythm regular, so steady accounts look steady year over year.
    """
    cust = a["stage"] != PROSPECT
    lam, g, lo, hi = a["lam"], a["g"], a["a"], a["b"]
    t_ref = w.T - 365
    g_safe = np.where(g == 0, 1.0, g)
    e_lo = np.exp(g * (lo - t_ref))
    total = np.where(g == 0, lam * (hi + 1 - lo),
                     lam * (np.exp(g * (hi + 1 - t_ref)) - e_lo) / g_safe)
    total = np.where(cust, total, 0.0)
    n_gen = np.where(cust, np.ceil(total + 4 * np.sqrt(total) + 4), 0).astype(np.int64)
    acc = np.repeat(np.arange(len(lam)), n_gen)
    gaps = rng.gamma(ORDER_GAP_SHAPE, 1 / ORDER_GAP_SHAPE, len(acc))
    starts = np.cumsum(n_gen) - n_gen
    # A random phase for accounts already buying at start; a full gap after a forced first order.
    first = starts[n_gen > 0]
    pre = a["force_first"][acc[first]] < 0
    gaps[first] = np.where(pre, rng.random(len(first)), gaps[first])
    cum = np.concatenate([[0.0], np.cumsum(gaps)])
    tau = cum[1:] - np.repeat(cum[starts], n_gen)
    keep = tau < total[acc]
    acc, tau = acc[keep], tau[keep]
    ga, la, ha = g[acc], lo[acc], hi[acc]
    with np.errstate(divide="ignore", invalid="ignore"):
        warped = t_ref + np.log(e_lo[acc] + tau * ga / lam[acc]) / np.where(ga == 0, 1.0, ga)
    day = np.floor(np.where(ga == 0, la + tau / lam[acc], warped)).astype(np.int64)
    return acc, np.clip(day, la, ha)


def _orders(w: _World, rng, a: dict, won: dict):
    acc, day = _order_days(w, rng, a)
    la, ha, hi = a["a"][acc], a["b"][acc], a["b"]
    # Event-driven buyers bunch their orders into the weeks after a trade show; only orders
    # close after a show move, so yearly totals keep their trend.
    snap = (a["cluster"][acc] == EVENT) & (rng.random(len(acc)) < w.fx.show_order_share)
    if len(w.shows):
        k = np.searchsorted(w.shows, day, side="right") - 1
        show = w.shows[np.maximum(k, 0)]
        moved = show + rng.integers(3, 31, len(acc))
        ok = snap & (k >= 0) & (day - show <= 75) & (moved >= la) & (moved <= ha)
        day = np.where(ok, moved, day)
    amount = a["amount_scale"][acc] * np.exp(rng.normal(0, ORDER_SIGMA, len(acc)))

    forced_acc = np.concatenate([np.flatnonzero(a["force_first"] >= 0),
                                 np.flatnonzero(a["force_last"] >= 0)])
    forced_day = np.concatenate([a["force_first"][a["force_first"] >= 0],
                                 a["force_last"][a["force_last"] >= 0]])
    forced_amount = a["amount_scale"][forced_acc] * np.exp(
        rng.normal(0, ORDER_SIGMA, len(forced_acc)))
    acc = np.concatenate([acc, forced_acc, won["acc"]])
    day = np.concatenate([day, forced_day, won["close"]])
    amount = np.concatenate([amount, forced_amount, won["amount"]])
    product = _pick(rng, _cum(w.fx.product_p)[a["cluster"][acc]])
    margin_rate = np.clip(w.fx.product_margin[product] + rng.normal(0, 0.05, len(acc)), 0.05, 0.9)
    amount = np.round(amount, 2)
    margin = np.round(amount * margin_rate, 2)

    credit = rng.random(len(acc)) < CREDIT_NOTE_SHARE
    share = rng.uniform(0.1, 1.0, int(credit.sum()))
    c_acc = acc[credit]
    c_day = np.minimum(day[credit] + rng.integers(3, 46, len(c_acc)), hi[c_acc])
    acc = np.concatenate([acc, c_acc])
    day = np.concatenate([day, c_day])
    product = np.concatenate([product, product[credit]])
    amount = np.concatenate([amount, -np.round(amount[credit] * share, 2)])
    margin = np.concatenate([margin, -np.round(margin[credit] * share, 2)])
    order = np.lexsort((amount, day, acc))
    return {"acc": acc[order], "day": day[order], "amount": amount[order],
            "margin": margin[order], "product": product[order]}


def _orders_table(w: _World, lo: int, o: dict, counters: _Counters) -> pa.Table:
    n = len(o["acc"])
    number = counters.orders + np.arange(1, n + 1)
    counters.orders += n
    return _table("orders", {
        "order_id": _ids("O", number, 8),
        "account_id": _account_ids(w, lo + o["acc"]),
        "order_date": _dates(w, o["day"]),
        "amount": pa.array(o["amount"], pa.float64()),
        "gross_margin": pa.array(o["margin"], pa.float64()),
        "product_line": _labels(LOCALE_DATA[w.locale]["product_lines"], o["product"]),
    })

