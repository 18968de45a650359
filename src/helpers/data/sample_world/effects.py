"""The planted effects of the sample world and their neutral ("null world") settings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.data.sample_world.parameters import (
    _P_PEAK_HOUR,
    ACQ_COST,
    ACQ_P,
    ACTIVITY_FACTOR,
    CHANNEL_P,
    CHANNELS,
    CHURN_RISK_BETA,
    CLUSTER_P,
    CLUSTERS,
    CONTACTS_EXTRA,
    CONTENT_RATES,
    CSAT_INTERCEPT,
    CSAT_SLOPE,
    CYCLE_BAND_FACTOR,
    DECLINING_RATIO,
    EXPERIMENTS,
    GROWTH_RATIO,
    HILL_AFFINITY,
    ICP_AMOUNT_MULTIPLIER,
    ICP_HILL_WEIGHT,
    INDUSTRY_CODES,
    INDUSTRY_P,
    INDUSTRY_SIZE_SHIFT,
    NPS_INTERCEPT,
    NPS_SLOPE,
    ORDER_SIZE_FACTOR,
    ORDERS_PER_MONTH,
    PRODUCT_MARGIN,
    PRODUCT_P,
    REVENUE_PER_EMPLOYEE,
    SALES_OPPS_PER_YEAR,
    SIZE_BANDS,
    STAGE_ACTIVITY,
    STAGE_P,
    STAGES,
    WIN_RATE,
)
from helpers.data.sample_world.world import _BG_HOURS, _PEAK_HOUR, _WD_CUM, _cum

__all__ = [
    "EFFECTS",
    "NEUTRAL",
    "NULL_EXPERIMENT_RATE",
    "NULL_MEAN_LIFETIME_DAYS",
    "NULL_MIN_LIFETIME_DAYS",
    "NULL_NPS_MEAN",
    "NULL_OPPORTUNITIES_PER_MONTH",
    "NULL_PROSPECT_SHARE",
    "PLANTED",
]


@dataclass(frozen=True)
class _Effects:
    """Every parameter through which an attribute, segment or channel changes an outcome.

    :data:`PLANTED` holds the module constants (the sample world); :data:`NEUTRAL` sets each
    of them to "no effect", which is the ``null`` world: the same kinds of rows and the same
    marginal volumes, but no association for an analysis to find.
    """

    name: str
    industry_size_shift: np.ndarray
    revenue_per_employee: np.ndarray
    stage_p: dict
    cluster_p: np.ndarray
    orders_per_month: np.ndarray
    order_size_factor: np.ndarray
    activity_factor: np.ndarray
    stage_activity: np.ndarray
    churn_risk_beta: np.ndarray
    growth_ratio: float
    declining_ratio: float
    acq_p: np.ndarray
    acq_cost: np.ndarray
    acq_band_factor: float
    contacts_extra: np.ndarray
    channel_p: np.ndarray
    wd_cum: np.ndarray
    peak_hour: np.ndarray
    bg_hours: np.ndarray
    p_peak_hour: float
    show_days: bool
    show_order_share: float
    content_rates: np.ndarray
    hill: bool
    null_opportunities_per_month: float
    hill_affinity: np.ndarray
    icp_hill_weight: float
    icp_amount_multiplier: float
    win_rate: dict
    size_amount_exponent: float
    size_activity_exponent: float
    sales_opps_per_year: np.ndarray
    cycle_band_factor: np.ndarray
    product_p: np.ndarray
    product_margin: np.ndarray
    experiment_rates: tuple
    nps_intercept: float
    nps_slope: float
    csat_intercept: float
    csat_slope: float
    pain_digital: float
    pain_risk: float
    pain_new: float
    pain_sensitive: float
    cost_size_exponent: float
    mgmt_factor: np.ndarray
    support_risk: float
    stationary: bool


def _flat_rows(table: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Every row replaced by the (weighted) mean row: the category no longer matters."""
    mean = np.average(table, axis=0, weights=weights)
    return np.tile(mean, (table.shape[0], 1))


def _flat(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    return np.full(len(values), float(np.average(values, weights=weights)))


#: Cluster mix of the sample world, used to average cluster behaviour for the null world.
_CLUSTER_MIX = np.array([0.29, 0.27, 0.22, 0.22])

PLANTED = _Effects(
    name="planted", industry_size_shift=INDUSTRY_SIZE_SHIFT,
    revenue_per_employee=REVENUE_PER_EMPLOYEE, stage_p=STAGE_P, cluster_p=CLUSTER_P,
    orders_per_month=ORDERS_PER_MONTH, order_size_factor=ORDER_SIZE_FACTOR,
    activity_factor=ACTIVITY_FACTOR, stage_activity=STAGE_ACTIVITY,
    churn_risk_beta=CHURN_RISK_BETA, growth_ratio=GROWTH_RATIO,
    declining_ratio=DECLINING_RATIO, acq_p=ACQ_P, acq_cost=ACQ_COST, acq_band_factor=0.4,
    contacts_extra=CONTACTS_EXTRA, channel_p=CHANNEL_P, wd_cum=_WD_CUM,
    peak_hour=_PEAK_HOUR, bg_hours=_BG_HOURS, p_peak_hour=_P_PEAK_HOUR, show_days=True,
    show_order_share=0.7, content_rates=CONTENT_RATES, hill=True,
    null_opportunities_per_month=0.0, hill_affinity=HILL_AFFINITY,
    icp_hill_weight=ICP_HILL_WEIGHT, icp_amount_multiplier=ICP_AMOUNT_MULTIPLIER,
    win_rate=WIN_RATE, size_amount_exponent=0.3, size_activity_exponent=0.15,
    sales_opps_per_year=SALES_OPPS_PER_YEAR, cycle_band_factor=CYCLE_BAND_FACTOR,
    product_p=PRODUCT_P, product_margin=PRODUCT_MARGIN,
    experiment_rates=tuple(x["rates"] for x in EXPERIMENTS), nps_intercept=NPS_INTERCEPT,
    nps_slope=NPS_SLOPE, csat_intercept=CSAT_INTERCEPT, csat_slope=CSAT_SLOPE, pain_digital=0.18, pain_risk=0.35, pain_new=0.35,
    pain_sensitive=0.30, cost_size_exponent=0.3, mgmt_factor=np.array([0.5, 2.2, 1.0, 0.6]),
    support_risk=2.0, stationary=False,
)

#: Share of accounts that never order in the null world.
NULL_PROSPECT_SHARE = 0.3
#: Mean customer lifetime (days) of the null world's stationary arrivals and departures:
#: about 6 % of active customers churn a year, so churn and retention sit clear of the KPI
#: alert thresholds (churn 15 %, net revenue retention 90 %): an alert on them is false.
NULL_MEAN_LIFETIME_DAYS = 15000
NULL_MIN_LIFETIME_DAYS = 90
#: Mean survey score of the null world (an NPS near 45).
NULL_NPS_MEAN = 8.6
#: Conversion rate of both variants of every experiment in the null world.
NULL_EXPERIMENT_RATE = 0.05
#: Opportunities per month and paid channel at REFERENCE_ACCOUNTS, whatever the spend.
NULL_OPPORTUNITIES_PER_MONTH = 25.0

NEUTRAL = _Effects(
    name="none", industry_size_shift=np.zeros(len(INDUSTRY_CODES)),
    revenue_per_employee=_flat(REVENUE_PER_EMPLOYEE, INDUSTRY_P),
    stage_p={k: np.array([NULL_PROSPECT_SHARE, 0, 0, 1 - NULL_PROSPECT_SHARE, 0, 0])
             for k in STAGE_P},
    cluster_p=_flat_rows(CLUSTER_P), orders_per_month=_flat(ORDERS_PER_MONTH, _CLUSTER_MIX),
    order_size_factor=np.ones(len(CLUSTERS)), activity_factor=np.ones(len(CLUSTERS)),
    stage_activity=np.ones(len(STAGES)), churn_risk_beta=np.tile([2.0, 4.0], (len(STAGES), 1)),
    growth_ratio=1.0, declining_ratio=1.0, acq_p=_flat_rows(ACQ_P, _CLUSTER_MIX),
    acq_cost=_flat(ACQ_COST), acq_band_factor=0.0,
    contacts_extra=np.full(len(SIZE_BANDS), 3.5),
    channel_p=_flat_rows(CHANNEL_P, _CLUSTER_MIX),
    wd_cum=_cum(np.full((len(CHANNELS), 7), 1 / 7)), peak_hour=np.full(len(CHANNELS), 12),
    bg_hours=np.tile([0, 23], (len(CHANNELS), 1)), p_peak_hour=0.0, show_days=False,
    show_order_share=0.0, content_rates=np.full_like(CONTENT_RATES, CONTENT_RATES.mean()),
    hill=False, null_opportunities_per_month=NULL_OPPORTUNITIES_PER_MONTH,
    hill_affinity=np.ones_like(HILL_AFFINITY), icp_hill_weight=1.0,
    icp_amount_multiplier=1.0, win_rate={"icp": 0.35, "non_icp": 0.35},
    size_amount_exponent=0.0, size_activity_exponent=0.0,
    sales_opps_per_year=_flat(SALES_OPPS_PER_YEAR, _CLUSTER_MIX),
    cycle_band_factor=np.full(len(SIZE_BANDS), 1.4),
    product_p=_flat_rows(PRODUCT_P, _CLUSTER_MIX),
    product_margin=_flat(PRODUCT_MARGIN),
    experiment_rates=tuple((NULL_EXPERIMENT_RATE, NULL_EXPERIMENT_RATE) for _ in EXPERIMENTS),
    # unrelated to the risk; a mean of 8.6 gives an NPS near 45, clear of the alert floor
    nps_intercept=NULL_NPS_MEAN, nps_slope=0.0,
    csat_intercept=CSAT_INTERCEPT + CSAT_SLOPE / 3, csat_slope=0.0, pain_digital=0.0, pain_risk=0.0, pain_new=0.0,
    pain_sensitive=0.0, cost_size_exponent=0.0, mgmt_factor=np.ones(len(CLUSTERS)),
    support_risk=0.0, stationary=True,
)
#: The effect settings by name, as ``generate_world(effects=...)`` takes them.
EFFECTS = {"planted": PLANTED, "none": NEUTRAL}
