"""The planted truths (``truth.json``) and the per-account truth table."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa

from helpers.data.sample_world.campaigns import _month_labels
from helpers.data.sample_world.effects import NULL_MEAN_LIFETIME_DAYS, PLANTED
from helpers.data.sample_world.parameters import (
    _WEEKDAYS,
    CHANNELS,
    CHURN_MIN_DAYS,
    CHURN_RHYTHM_MULTIPLE,
    CLUSTER_DESCRIPTION,
    CLUSTERS,
    CONTENT_CATEGORIES,
    CONTENT_SOURCE,
    CRM_STAGE_MISSING,
    CRM_STAGE_STALE,
    DECLINING_RATIO,
    EXPERIMENTS,
    GENERATOR_VERSION,
    GROWTH_RATIO,
    HILL,
    ICP_INDUSTRIES,
    ICP_SIZE_BANDS,
    INDUSTRY_CODES,
    LOCALE_DATA,
    NEW_WINDOW_DAYS,
    NPS_SD,
    PAID_CHANNELS,
    PEAKS,
    PROSPECT,
    SIZE_BANDS,
    SIZE_THRESHOLDS,
    STAGES,
    TRUTH_ACCOUNTS_FILE,
    TRUTH_SCHEMA_VERSION,
    VARIANTS,
)
from helpers.data.sample_world.world import _account_ids, _labels, _World

__all__ = [
    "EFFECT_NAMES",
]


# ----------------------------------------------------------------------------- truth


def _ratio(x: float, y: float) -> float | None:
    return round(x / y, 4) if y else None


def _truth(w: _World, A: dict, curves: dict, hill: dict, opp: dict, stats: dict,
           counts: dict) -> dict:
    data = LOCALE_DATA[w.locale]
    fx = w.fx
    industries = [data["industries"][INDUSTRY_CODES.index(i)] for i in ICP_INDUSTRIES]
    icp = A["icp"]
    customer = A["stage"] != PROSPECT
    revenue = stats["revenue"]
    closed = opp["stage"] > 0
    opp_icp = icp[opp["acc"]]

    def split(values: np.ndarray, mask: np.ndarray) -> dict:
        return {"icp": round(float(values[mask & icp].mean()), 4) if (mask & icp).any() else None,
                "non_icp": round(float(values[mask & ~icp].mean()), 4)
                if (mask & ~icp).any() else None}

    win = opp["stage"] == 1
    win_rate = {
        "icp": _ratio(float((win & opp_icp).sum()), float((closed & opp_icp).sum())),
        "non_icp": _ratio(float((win & ~opp_icp).sum()), float((closed & ~opp_icp).sum())),
    }
    cust_p = {k: round(1 - float(v[PROSPECT]), 4) for k, v in fx.stage_p.items()}

    labels = _month_labels(w)
    period = [(w.start + dt.timedelta(days=int(d))).isoformat() for d in w.month_rel[:-1]]
    response = {}
    for c, name in enumerate(PAID_CHANNELS):
        h, cv = HILL[name], curves[name]
        response[name] = {
            "beta": round(cv["beta"], 6), "k": round(cv["k"], 6), "s": h["s"],
            "adstock_decay": h["adstock_decay"],
            "opportunities": int((opp["src"] == c).sum()),
            "monthly": {
                "period_start": period, "month": labels,
                "spend": [float(x) for x in cv["spend"]],
                "adstocked_spend": [round(float(x), 2) for x in cv["x"]],
                "expected": [round(float(x), 4) for x in cv["expected"]],
                "realised": [int(x) for x in hill["realised"][name]],
            },
        }

    rates = fx.content_rates
    stage_mean = rates.mean(axis=1, keepdims=True)
    lift = rates / stage_mean
    content_lift = {
        "unit": "chance that one content touch (interaction row with content_id, outside "
                "experiments) leads to an opportunity created 2-30 days later with "
                "source_content_id = that content; by the account's true stage as of end",
        "source_channel": CONTENT_SOURCE,
        "rates": {s: dict(zip(CONTENT_CATEGORIES, map(float, rates[i]), strict=True))
                  for i, s in enumerate(STAGES)},
        "lift": {s: {c: round(float(lift[i, j]), 4) for j, c in enumerate(CONTENT_CATEGORIES)}
                 for i, s in enumerate(STAGES)},
        "best_category": {s: CONTENT_CATEGORIES[int(np.argmax(rates[i]))]
                          for i, s in enumerate(STAGES) if np.ptp(rates[i]) > 0},
        "realised": {s: {c: {"touches": int(stats["touches"][i, j]),
                             "conversions": int(stats["conversions"][i, j])}
                         for j, c in enumerate(CONTENT_CATEGORIES)}
                     for i, s in enumerate(STAGES)},
    }

    experiments = {}
    for e, spec in enumerate(EXPERIMENTS):
        first = w.start + dt.timedelta(days=w.T - spec["offset"])
        n = stats["experiments"]["n"][e]
        conv = stats["experiments"]["conv"][e]
        experiments[spec["id"]] = {
            "channel": CHANNELS[spec["channel"]],
            "window": [first.isoformat(),
                       (first + dt.timedelta(days=spec["days"] - 1)).isoformat()],
            "unit": "contact", "control": VARIANTS[0], "treatment": VARIANTS[1],
            "exposure_event": "exposure", "conversion_event": "conversion",
            "rates": dict(zip(VARIANTS, fx.experiment_rates[e], strict=True)),
            "true_lift": round(fx.experiment_rates[e][1] / fx.experiment_rates[e][0], 4),
            "real_effect": fx.experiment_rates[e][1] != fx.experiment_rates[e][0],
            "n": dict(zip(VARIANTS, n, strict=True)),
            "conversions": dict(zip(VARIANTS, conv, strict=True)),
            "observed_rates": {v: _ratio(conv[i], n[i]) for i, v in enumerate(VARIANTS)},
        }

    positive = np.sort(revenue[revenue > 0])[::-1]
    top = max(1, math.ceil(0.1 * len(positive))) if len(positive) else 0
    total = float(positive.sum())
    if len(positive):
        asc = positive[::-1]
        cum = np.cumsum(asc)
        gini = float((len(asc) + 1 - 2 * (cum / cum[-1]).sum()) / len(asc))
    else:
        gini = 0.0

    band_rows = [{"name": SIZE_BANDS[0], "min": 0, "max": SIZE_THRESHOLDS[0] - 1}]
    for i in range(1, len(SIZE_BANDS)):
        upper = SIZE_THRESHOLDS[i] - 1 if i < len(SIZE_THRESHOLDS) else None
        band_rows.append({"name": SIZE_BANDS[i], "min": SIZE_THRESHOLDS[i - 1], "max": upper})

    truth = {
        "schema_version": TRUTH_SCHEMA_VERSION,
        "generator_version": GENERATOR_VERSION,
        "settings": w.settings(),
        "start": w.start.isoformat(), "end": w.end.isoformat(), "as_of": w.end.isoformat(),
        "seed": w.seed, "locale": w.locale, "currency": "EUR",
        "counts": counts,
        "size_bands": {"column": "employees", "thresholds": list(SIZE_THRESHOLDS),
                       "bands": band_rows},
        "icp": {
            "industries": industries, "industry_codes": list(ICP_INDUSTRIES),
            "size_bands": list(ICP_SIZE_BANDS),
            "pairs": [[i, s] for i in industries for s in ICP_SIZE_BANDS],
            "customer_probability": cust_p,
            "conversion_multiplier": round(cust_p["icp"] / cust_p["non_icp"], 4),
            "order_amount_multiplier": fx.icp_amount_multiplier,
            "win_rate": dict(fx.win_rate),
            "hill_opportunity_weight": fx.icp_hill_weight,
            "n_accounts": {"icp": int(icp.sum()), "non_icp": int((~icp).sum())},
            "realised": {
                "customer_share": split(customer.astype(float), np.ones_like(icp)),
                "revenue_per_account": split(revenue, np.ones_like(icp)),
                "win_rate": win_rate,
            },
        },
        "lifecycle": {
            "stages": list(STAGES),
            "definitions": {
                "prospect": "no orders",
                "new": f"first order within the last {NEW_WINDOW_DAYS} days before end",
                "growth": f"order rate grows so that orders in the last 12 months are about "
                          f"{GROWTH_RATIO}x the 12 months before; customer for 2+ years",
                "mature": "steady order rate; customer for 2+ years",
                "declining": f"orders in the last 12 months about {DECLINING_RATIO}x the 12 "
                             f"months before; still an order in the last 150 days",
                "churned": f"last order at least max({CHURN_MIN_DAYS} days, "
                           f"{CHURN_RHYTHM_MULTIPLE} x mean gap between orders) before end",
            },
            "probabilities": {k: dict(zip(STAGES, map(float, v), strict=True))
                              for k, v in fx.stage_p.items()},
            "mix": {s: int((A["stage"] == i).sum()) for i, s in enumerate(STAGES)},
            "growth_ratio": fx.growth_ratio, "declining_ratio": fx.declining_ratio,
            "new_window_days": NEW_WINDOW_DAYS, "churn_min_days": CHURN_MIN_DAYS,
            "churn_rhythm_multiple": CHURN_RHYTHM_MULTIPLE,
            "crm_column": {
                "column": "accounts.lifecycle_stage",
                "note": "the CRM's own stage: empty for some accounts and lagging one stage "
                        "behind for others; not the truth",
                "missing_share": CRM_STAGE_MISSING, "stale_share": CRM_STAGE_STALE,
                "realised_agreement": round(float(
                    (A["crm_stage"] == A["stage"])[~A["crm_missing"]].mean()), 4)
                if (~A["crm_missing"]).any() else None,
            },
        },
        "clusters": {
            "names": list(CLUSTERS), "description": CLUSTER_DESCRIPTION,
            "mix": {c: int((A["cluster"] == i).sum()) for i, c in enumerate(CLUSTERS)},
            "channel_mix": {c: dict(zip(CHANNELS, map(float, fx.channel_p[i]), strict=True))
                            for i, c in enumerate(CLUSTERS)},
            "orders_per_month": dict(zip(CLUSTERS, map(float, fx.orders_per_month), strict=True)),
            "order_size_factor": dict(zip(CLUSTERS, map(float, fx.order_size_factor), strict=True)),
            "activity_factor": dict(zip(CLUSTERS, map(float, fx.activity_factor), strict=True)),
        },
        "response_curves": {
            "formula": "opportunities[m] ~ Poisson(beta * x[m]**s / (k**s + x[m]**s))",
            "adstock": "x[m] = (1 - decay) * spend[m] + decay * x[m-1]; x[-1] = typical spend",
            "scale": w.scale, "source_column": "opportunities.source_channel",
            "unresponsive_channels": ["abm"],
            "channels": response,
        },
        "content_lift": content_lift,
        "experiments": experiments,
        "activity_peaks": {
            "weekday_convention": "Monday=0",
            "channels": {c: {"weekday": _WEEKDAYS[d], "weekday_index": d, "hour": h}
                         for c, (d, h) in PEAKS.items()},
        },
        "nps": {
            "formula": "nps = clip(round(Normal(intercept + slope * churn_risk, sd)), 0, 10)",
            "intercept": fx.nps_intercept, "slope": fx.nps_slope, "sd": NPS_SD,
            "csat_intercept": fx.csat_intercept, "csat_slope": fx.csat_slope,
            "churn_risk_by_stage": {s: round(float(A["risk"][A["stage"] == i].mean()), 4)
                                    for i, s in enumerate(STAGES) if (A["stage"] == i).any()},
        },
        "heavy_tail": {
            "top10_revenue_share": round(float(positive[:top].sum()) / total, 4) if total else None,
            "gini": round(gini, 4),
            "note": "order amounts are lognormal within accounts and account scales are "
                    "lognormal across accounts, so a few accounts carry most revenue",
        },
        "truth_accounts_file": TRUTH_ACCOUNTS_FILE,
    }
    return truth if fx.name == PLANTED.name else _null_truth(truth, w)


#: The effects the sample world plants and the null world leaves out (``truth["effects"]``).
EFFECT_NAMES = ("icp_conversion", "icp_spend", "icp_win_rate", "size_spend", "size_activity",
                "industry_size", "region", "acquisition_channel_cost", "lifecycle_trend",
                "clusters", "response_curves", "content_lift", "content_stage",
                "experiment_lift", "activity_peaks", "trade_show_calendar", "nps_churn",
                "pain_points", "product_margin", "cost_to_serve", "sales_cycle_by_size")


def _null_truth(truth: dict, w: _World) -> dict:
    """The truth of the null world: every effect listed as none, nothing planted."""
    truth["profile"] = "null"
    truth["planted"] = {}
    truth["effects"] = dict.fromkeys(EFFECT_NAMES, "none")
    truth["note"] = ("null world: no attribute, segment, channel, stage, variant or time of "
                     "day changes any outcome; a finding stated on it is a false discovery")
    icp = truth["icp"]
    icp.update(industries=[], industry_codes=[], size_bands=[], pairs=[],
               note="no ideal customer profile: industry and size do not change conversion, "
                    "spend or win rate")
    life = truth["lifecycle"]
    life["definitions"] = {
        "prospect": "no orders",
        "new": f"customer span starts within the last {NEW_WINDOW_DAYS} days before end",
        "mature": "customer span reaches the end; steady order rate",
        "churned": "customer span ends before the end; steady order rate until then",
    }
    life["note"] = (f"stationary: spans of exponential length (mean {NULL_MEAN_LIFETIME_DAYS} "
                    "days) arriving uniformly, so the number of active accounts has no trend; "
                    "no growth or decline within a span")
    truth["clusters"]["note"] = "no cluster structure: every cluster behaves the same"
    rc = truth["response_curves"]
    rc["formula"] = ("opportunities[m] ~ Poisson(rate); the same rate every month and for "
                     "every paid channel, whatever the spend")
    rc["rate_per_month"] = round(w.fx.null_opportunities_per_month * w.scale, 6)
    for ch in rc["channels"].values():
        ch.update(beta=None, k=None, s=None)
    truth["content_lift"]["note"] = "the same conversion rate for every stage and category"
    truth["activity_peaks"]["channels"] = {}
    truth["activity_peaks"]["note"] = ("every weekday and hour equally likely for every "
                                       "channel; trade-show touches not tied to show days")
    truth["nps"]["note"] = "nps and csat unrelated to churn risk"
    return truth


def _truth_accounts(w: _World, A: dict) -> pa.Table:
    return pa.table({
        "account_id": _account_ids(w, np.arange(w.accounts)),
        "true_stage": _labels(STAGES, A["stage"]),
        "true_cluster": _labels(CLUSTERS, A["cluster"]),
        "is_icp": pa.array(A["icp"], pa.bool_()),
        "size_band": _labels(SIZE_BANDS, A["band"]),
        "churn_risk": pa.array(np.round(A["risk"], 6), pa.float64()),
    })

