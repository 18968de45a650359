"""Sample-world accounts: firmographics, lifecycle stages, clusters and the accounts table."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from helpers.data.sample_world.effects import NULL_MEAN_LIFETIME_DAYS, NULL_MIN_LIFETIME_DAYS
from helpers.data.sample_world.parameters import (
    ACQ_CHANNELS,
    BLOCK,
    CHURN_MIN_DAYS,
    CHURN_RHYTHM_MULTIPLE,
    CHURNED,
    CRM_STAGE_MISSING,
    CRM_STAGE_STALE,
    CRM_STALE_STAGE,
    DECLINING,
    GROWTH,
    ICP_INDUSTRIES,
    ICP_SIZE_BANDS,
    INDUSTRY_CODES,
    INDUSTRY_P,
    LOCALE_DATA,
    MATURE,
    NEW,
    NEW_WINDOW_DAYS,
    ORDER_BASE_AMOUNT,
    PRE_EXISTING_SHARE,
    PROSPECT,
    SIZE_BANDS,
    SIZE_THRESHOLDS,
    STAGES,
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


def _cities(locale: str):
    """Flat city table: city, region index, country, weight."""
    regions = LOCALE_DATA[locale]["regions"]
    rows = []
    for r, (_, weight, countries) in enumerate(regions):
        cities = [(country, city, 2.0 if k == 0 else 1.0)
                  for country, names in countries for k, city in enumerate(names)]
        total = sum(c[2] for c in cities)
        rows += [(city, r, country, weight * cw / total) for country, city, cw in cities]
    return rows


def _owner_names(locale: str, per_region: int) -> list[str]:
    data = LOCALE_DATA[locale]
    firsts, lasts, sep = data["first_names"], data["last_names"], data["name_sep"]
    n_regions = len(data["regions"])
    combos = len(firsts) * len(lasts)
    perm = np.random.default_rng(7).permutation(combos)
    names = []
    for q in range(n_regions * per_region):
        pair = int(perm[q % combos])
        first, last = firsts[pair % len(firsts)], lasts[pair // len(firsts)]
        name = f"{first} {last}" if sep else f"{last}{first}"
        names.append(name if q < combos else f"{name} {q // combos + 1}")
    return names


def _owners_per_region(w: _World) -> int:
    return max(2, math.ceil(w.accounts / (70 * len(LOCALE_DATA[w.locale]["regions"]))))


def _account_block(w: _World, b: int) -> dict[str, np.ndarray]:
    """Latent and observed attributes of the accounts of block ``b``."""
    rng = _rng(w.seed, 1, b)
    n = min(BLOCK, w.accounts - b * BLOCK)
    T = w.T
    ind = _pick(rng, _cum(INDUSTRY_P), n)
    fx = w.fx
    emp = np.exp(rng.normal(math.log(150) + fx.industry_size_shift[ind], 1.7))
    emp = np.clip(np.rint(emp), 2, 400_000).astype(np.int64)
    band = np.searchsorted(np.array(SIZE_THRESHOLDS), emp, side="right")
    icp_ind = np.isin(ind, [INDUSTRY_CODES.index(i) for i in ICP_INDUSTRIES])
    icp = icp_ind & np.isin(band, [SIZE_BANDS.index(s) for s in ICP_SIZE_BANDS])
    revenue = emp * fx.revenue_per_employee[ind] * np.exp(rng.normal(0, 0.35, n))
    revenue = np.round(revenue, -3)

    cities = _cities(w.locale)
    city = _pick(rng, _cum(np.array([c[3] for c in cities])), n)
    region = np.array([c[1] for c in cities])[city]
    per_region = _owners_per_region(w)
    owner = region * per_region + rng.integers(0, per_region, n)

    stage_cum = np.where(icp[:, None], _cum(fx.stage_p["icp"]), _cum(fx.stage_p["non_icp"]))
    stage = _pick(rng, stage_cum)
    cluster = _pick(rng, _cum(fx.cluster_p)[stage])
    risk = rng.beta(fx.churn_risk_beta[stage, 0], fx.churn_risk_beta[stage, 1])

    lam = fx.orders_per_month[cluster] / 30.44 * np.exp(rng.normal(0, 0.35, n))
    lam = np.maximum(lam, 1 / 150)
    amount_scale = (ORDER_BASE_AMOUNT * np.where(icp, fx.icp_amount_multiplier, 1.0)
                    * (emp / 150) ** fx.size_amount_exponent * fx.order_size_factor[cluster]
                    * np.exp(rng.normal(0, 0.9, n)))

    # Order windows by construction of the true stage (days relative to start).
    pre = rng.random(n) < PRE_EXISTING_SHARE
    u1, u2, u3 = rng.random(n), rng.random(n), rng.random(n)
    f = np.where(pre, 0, np.floor(u1 * (T - 730 + 1))).astype(np.int64)
    gap = 1 / lam
    c_max = np.maximum(T - np.maximum(CHURN_MIN_DAYS, CHURN_RHYTHM_MULTIPLE * gap), 60).astype(
        np.int64)
    f_churn = np.where(pre, 0, np.floor(u1 * np.maximum(c_max - 90, 1))).astype(np.int64)
    f = np.where(stage == CHURNED, np.minimum(f_churn, c_max - 60), f)
    f = np.where(stage == NEW, T - NEW_WINDOW_DAYS + np.floor(u1 * (NEW_WINDOW_DAYS - 13)), f)
    f = f.astype(np.int64)
    churn_day = (f + 60 + np.floor(u2 * (c_max - f - 60 + 1))).astype(np.int64)
    a_day = np.where(stage == PROSPECT, -1, f)
    b_day = np.where(stage == CHURNED, churn_day, np.where(stage == PROSPECT, -1, T))
    g = np.zeros(n)
    g[stage == GROWTH] = math.log(fx.growth_ratio) / 365
    g[stage == DECLINING] = math.log(fx.declining_ratio) / 365
    force_first = np.where((stage != PROSPECT) & ((f > 0) | (stage == NEW)), f, -1)
    force_last = np.full(n, -1, dtype=np.int64)
    force_last[stage == CHURNED] = churn_day[stage == CHURNED]
    dec = stage == DECLINING
    force_last[dec] = (T - 150 + np.floor(u3 * 141)).astype(np.int64)[dec]

    created = np.where(
        stage == PROSPECT, -700 + np.floor(u3 * (T - 30 + 700)),
        np.where((f == 0) & pre, -rng.integers(30, 3000, n), f - rng.integers(7, 200, n)))
    created = created.astype(np.int64)
    if fx.stationary:
        stage, a_day, b_day, force_first, force_last, created, ihi_null = _stationary_lives(
            w, _rng(w.seed, 1, b, 1), stage)

    acq = _pick(rng, _cum(fx.acq_p)[cluster])
    comp = rng.random(n) < 0.25
    acq_cost = (fx.acq_cost[acq] * (1 + fx.acq_band_factor * band) * np.exp(rng.normal(0, 0.5, n)))
    acq_cost = np.where((stage == PROSPECT) | (rng.random(n) < 0.08), np.nan,
                        np.round(acq_cost, 2))
    ncont = 1 + rng.poisson(fx.contacts_extra[band])
    ncont = np.minimum(ncont, 40)

    ilo = np.maximum(created, 0)
    ihi = np.where(stage == CHURNED, np.minimum(T, churn_day + 120), T)
    if fx.stationary:
        ihi = ihi_null
    act = (fx.activity_factor[cluster] * fx.stage_activity[stage]
           * (emp / 150) ** fx.size_activity_exponent)
    act_span = act * (ihi - ilo + 1) / (T + 1)

    words = LOCALE_DATA[w.locale]["industry_words"]
    return {
        "ind": ind, "emp": emp, "band": band, "icp": icp, "revenue": revenue, "city": city,
        "region": region, "owner": owner, "stage": stage, "cluster": cluster, "risk": risk,
        "lam": lam, "amount_scale": amount_scale, "a": a_day, "b": b_day, "g": g,
        "force_first": force_first, "force_last": force_last, "created": created,
        "acq": acq, "comp": comp, "acq_cost": acq_cost, "ncont": ncont, "ilo": ilo,
        "ihi": ihi, "act_span": act_span,
        "brand": rng.integers(0, len(LOCALE_DATA[w.locale]["brands"]), n),
        "word": rng.integers(0, len(words[0]), n),
        "legal": rng.integers(0, 6, n),
        "prefix": rng.integers(0, 2, n),
        "crm_stage": np.where(rng.random(n) < CRM_STAGE_STALE, CRM_STALE_STAGE[stage], stage),
        "crm_missing": rng.random(n) < CRM_STAGE_MISSING,
    }


def _stationary_lives(w: _World, rng, stage: np.ndarray):
    """Active spans of a population with constant arrival and departure rates (null world).

    Each account lives ``L`` days (exponential, mean :data:`NULL_MEAN_LIFETIME_DAYS`) and
    arrives uniformly in ``[-L, T]``, so on every day the same share of accounts is active
    in expectation: new customers and churn exist, but no trend does. Customers order over
    their span; prospects are active over theirs. The true stage follows from the span:
    churned if it ends before the end, new if it starts in the last
    :data:`NEW_WINDOW_DAYS` days, mature otherwise.
    """
    n = len(stage)
    T = w.T
    life = np.maximum(rng.exponential(NULL_MEAN_LIFETIME_DAYS, n), NULL_MIN_LIFETIME_DAYS)
    a0 = np.floor(-life + rng.random(n) * (T + life)).astype(np.int64)
    lo = np.clip(a0, 0, T)
    hi = np.clip(np.floor(a0 + life).astype(np.int64), lo, T)
    cust = stage != PROSPECT
    stage = np.where(~cust, PROSPECT, np.where(hi < T, CHURNED,
                                               np.where(lo > T - NEW_WINDOW_DAYS, NEW, MATURE)))
    a_day = np.where(cust, lo, -1)
    b_day = np.where(cust, hi, -1)
    force_first = np.where(cust & (a0 > 0), lo, -1)
    force_last = np.where(cust & (hi < T), hi, -1)
    before = -rng.integers(30, 3000, n)
    created = np.where(a0 > 0, a0 - np.where(cust, rng.integers(7, 200, n), 0), before)
    ihi = np.where(hi < T, np.minimum(T, hi + np.where(cust, 120, 0)), T)
    return (stage, a_day, b_day, force_first.astype(np.int64), force_last.astype(np.int64),
            created.astype(np.int64), ihi.astype(np.int64))


def _all_accounts(w: _World) -> dict[str, np.ndarray]:
    blocks = [_account_block(w, b) for b in range(math.ceil(w.accounts / BLOCK))]
    A = {k: np.concatenate([blk[k] for blk in blocks]) for k in blocks[0]}
    A["contact_start"] = np.concatenate([[0], np.cumsum(A["ncont"])[:-1]]).astype(np.int64)
    mean = A["act_span"].mean()
    A["n_expected"] = A["act_span"] * (w.ipa / mean if mean > 0 else 0.0)
    A["pwin"] = np.where(A["icp"], w.fx.win_rate["icp"], w.fx.win_rate["non_icp"])
    return A
def _accounts_table(w: _World, A: dict) -> pa.Table:
    data = LOCALE_DATA[w.locale]
    n = w.accounts
    cities = _cities(w.locale)
    regions = data["regions"]
    countries = sorted({c[2] for c in cities})
    country_idx = np.array([countries.index(c[2]) for c in cities])[A["city"]]
    city_names = [c[0] for c in cities]
    legal_tab = [data["legal"][c] for c in countries]
    legal = np.array([[opts[j % len(opts)] for j in range(6)] for opts in legal_tab])
    words = np.array(data["industry_words"])
    name_parts = [
        _labels(data["brands"], A["brand"]),
        pa.array(words[A["ind"], A["word"]], pa.string()),
        pa.array(legal[country_idx, A["legal"]], pa.string()),
    ]
    if w.locale == "zh":
        region_names = np.array([r[0] for r in regions])[A["region"]]
        prefix = np.where(A["prefix"] == 0, np.array(city_names)[A["city"]], region_names)
        name_parts.insert(0, pa.array(prefix, pa.string()))
    name = pc.binary_join_element_wise(*name_parts, data["name_sep"])
    owners = _owner_names(w.locale, _owners_per_region(w))
    digits = max(6, len(str(n)))
    return _table("accounts", {
        "account_id": _ids("A", np.arange(1, n + 1), digits),
        "account_name": name,
        "industry": _labels(data["industries"], A["ind"]),
        "employees": pa.array(A["emp"], pa.int64()),
        "annual_revenue": _floats(A["revenue"]),
        "region": _labels([r[0] for r in regions], A["region"]),
        "country": _labels(countries, country_idx),
        "city": _labels(city_names, A["city"]),
        "created_date": _dates(w, A["created"]),
        "owner": _labels(owners, A["owner"]),
        "acquisition_channel": _labels(ACQ_CHANNELS, A["acq"]),
        "is_competitor_customer": pa.array(A["comp"], pa.bool_()),
        "acquisition_cost": _floats(A["acq_cost"]),
        "lifecycle_stage": _labels(STAGES, A["crm_stage"], mask=A["crm_missing"]),
    })
