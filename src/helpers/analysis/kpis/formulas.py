"""KPI definitions and their formula functions.

Each KPI (:data:`KPIS`) has one formula, written once as a small pure function and applied
to counts and sums that the engine computes. Shares are fractions (0.25 means 25 %); NPS is on
its usual -100..100 scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.core.errors import ParamError
from helpers.stats.numbers import safe_divide

__all__ = [
    "CLOSED_STAGES",
    "CSAT_SATISFIED",
    "FREQS",
    "HEADLINE_KPIS",
    "HISTORY_MONTHS",
    "INTERVALS",
    "KPIS",
    "KpiSpec",
    "NPS_DETRACTOR",
    "NPS_PROMOTER",
    "PER_YEAR",
    "TIER_ORDER",
    "cac",
    "churn_rate",
    "clv",
    "clv_cac_ratio",
    "csat",
    "growth",
    "nps",
    "nps_from_counts",
    "nps_interval",
    "poisson_interval",
    "revenue_retention",
    "win_rate",
]


FREQS: dict[str, int] = {"month": 1, "quarter": 3}


#: Periods per year, for year-on-year changes.
PER_YEAR: dict[str, int] = {"month": 12, "quarter": 4}


#: Months of order history a KPI needs before its first reliable value.
HISTORY_MONTHS = {"new_customers": 12, "retention": 24}


NPS_PROMOTER, NPS_DETRACTOR = 9, 6


CSAT_SATISFIED = 4


@dataclass(frozen=True)
class KpiSpec:
    """How a KPI is shown and judged.

    Parameters
    ----------
    name : str
        Column name in the KPI series.
    unit : {"money", "count", "share", "score", "ratio", "days"}
    better : {"up", "down"}
        Which direction is good news.
    change : {"relative", "points"}
        Whether changes are relative (``+12 %``) or differences (``+3 pts``).
    """

    name: str
    unit: str
    better: str
    change: str


KPIS: dict[str, KpiSpec] = {s.name: s for s in (
    KpiSpec("revenue", "money", "up", "relative"),
    KpiSpec("new_customers", "count", "up", "relative"),
    KpiSpec("spend", "money", "down", "relative"),
    KpiSpec("cac", "money", "down", "relative"),
    KpiSpec("active_customers", "count", "up", "relative"),
    KpiSpec("clv", "money", "up", "relative"),
    KpiSpec("clv_cac", "ratio", "up", "relative"),
    KpiSpec("churn_rate", "share", "down", "points"),
    KpiSpec("grr", "share", "up", "points"),
    KpiSpec("nrr", "share", "up", "points"),
    KpiSpec("conv_engaged_opp", "share", "up", "points"),
    KpiSpec("conv_opp_won", "share", "up", "points"),
    KpiSpec("win_rate", "share", "up", "points"),
    KpiSpec("sales_cycle_days", "days", "down", "relative"),
    KpiSpec("nps", "score", "up", "points"),
    KpiSpec("csat", "share", "up", "points"),
)}


#: Interval columns of :func:`compare_kpis` per KPI.
INTERVALS: dict[str, tuple[str, str]] = {"nps": ("nps_lo", "nps_hi"),
                                         "churn_rate": ("churn_lo", "churn_hi"),
                                         "win_rate": ("win_lo", "win_hi")}


#: Reading order of the value tiers of :mod:`helpers.analysis.key_accounts`.
TIER_ORDER = ("strategic", "key", "growth", "maintain")


#: The KPIs on the headline cards, in order.
HEADLINE_KPIS = ("revenue", "new_customers", "cac", "clv", "clv_cac", "churn_rate", "nrr",
                 "win_rate", "nps", "csat")


def _arr(x: Any) -> np.ndarray:
    return np.asarray(x, dtype="float64")


def cac(spend: Any, new_customers: Any) -> Any:
    """Customer acquisition cost: ``spend / new_customers`` (NaN without new customers).

    Parameters
    ----------
    spend : float or array-like
        Marketing plus sales spend of the period.
    new_customers : int or array-like

    Returns
    -------
    float or numpy.ndarray
    """
    return safe_divide(spend, new_customers)


def clv(margin_per_customer: Any, churn_rate: Any, *, discount_rate: float = 0.1,
        horizon_years: int = 10) -> Any:
    """Expected discounted margin of a customer over ``horizon_years``.

    ``CLV = m * (1 - q**N) / (1 - q)`` with ``q = (1 - churn_rate) / (1 + discount_rate)``;
    the first year counts in full and each later year is kept with probability
    ``1 - churn_rate`` and discounted once more. ``N * m`` when ``q == 1``.

    Parameters
    ----------
    margin_per_customer : float or array-like
        Annual gross margin per active customer (``m``).
    churn_rate : float or array-like
        Annual churn rate, 0..1.
    discount_rate : float
        Annual discount rate.
    horizon_years : int
        ``N``.

    Returns
    -------
    float or numpy.ndarray
        NaN where the margin or churn rate is missing.
    """
    if discount_rate <= -1 or horizon_years < 1:
        raise ParamError("clv: discount_rate must exceed -1 and horizon_years be at least 1")
    m, c = _arr(margin_per_customer), np.clip(_arr(churn_rate), 0.0, 1.0)
    q = (1.0 - c) / (1.0 + discount_rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(np.isclose(q, 1.0), float(horizon_years),
                          (1.0 - q ** horizon_years) / np.where(np.isclose(q, 1.0), 1.0, 1.0 - q))
    out = m * factor
    return out if out.ndim else float(out)


def clv_cac_ratio(clv_value: Any, cac_value: Any) -> Any:
    """``CLV / CAC`` (NaN when CAC is missing or zero)."""
    return safe_divide(clv_value, cac_value)


def nps(scores: Iterable[float]) -> float:
    """Net promoter score of 0-10 ratings: ``100 * (promoters - detractors) / n``.

    Promoters score 9 or 10, detractors 0 to 6; missing ratings are ignored.

    Parameters
    ----------
    scores : iterable of numbers

    Returns
    -------
    float
        NaN without ratings. ``nps([10, 9, 8, 7, 0]) == 20``.
    """
    s = _arr(list(scores))
    s = s[~np.isnan(s)]
    return nps_from_counts((s >= NPS_PROMOTER).sum(), (s <= NPS_DETRACTOR).sum(), s.size)


def nps_from_counts(promoters: Any, detractors: Any, responses: Any) -> Any:
    """NPS from counts: ``100 * (promoters - detractors) / responses``."""
    return 100.0 * safe_divide(_arr(promoters) - _arr(detractors), responses)


def csat(ratings: Iterable[float], *, satisfied_at: int = CSAT_SATISFIED) -> float:
    """CSAT: share of 1-5 ratings at or above ``satisfied_at`` (4), missing ignored.

    Returns
    -------
    float
        0..1; NaN without ratings.
    """
    r = _arr(list(ratings))
    r = r[~np.isnan(r)]
    return safe_divide((r >= satisfied_at).sum(), r.size)


def churn_rate(customers_start: Any, churned: Any) -> Any:
    """``churned / customers_start`` (NaN without customers at the start)."""
    return safe_divide(churned, customers_start)


def revenue_retention(base: Iterable[float], current: Iterable[float]) -> tuple[float, float]:
    """Gross and net revenue retention of a cohort.

    Parameters
    ----------
    base, current : array-like
        Per-account revenue in the base and the current window; accounts without base
        revenue are not in the cohort, negative values count as 0.

    Returns
    -------
    (grr, nrr)
        ``sum(min(current, base)) / sum(base)`` and ``sum(current) / sum(base)``.
    """
    b = np.clip(_arr(list(base)), 0, None)
    c = np.clip(_arr(list(current)), 0, None)
    cohort = b > 0
    total = b[cohort].sum()
    return (safe_divide(np.minimum(c, b)[cohort].sum(), total), safe_divide(c[cohort].sum(), total))


def win_rate(won: Any, lost: Any) -> Any:
    """``won / (won + lost)`` over closed opportunities."""
    return safe_divide(won, _arr(won) + _arr(lost))


def growth(current: Any, previous: Any) -> Any:
    """Relative change ``current / previous - 1`` (NaN when ``previous`` is not positive)."""
    return safe_divide(current, previous) - 1.0


def poisson_interval(count: Any, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson count."""
    from scipy import stats

    k = _arr(count)
    a = 1 - confidence
    lo = np.where(k > 0, stats.chi2.ppf(a / 2, 2 * k) / 2, 0.0)
    hi = stats.chi2.ppf(1 - a / 2, 2 * (k + 1)) / 2
    return lo, hi


def nps_interval(promoters: Any, detractors: Any, responses: Any, confidence: float = 0.95
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Normal-approximation interval of NPS.

    The standard error of ``p - d`` (promoter and detractor shares) is
    ``sqrt((p + d - (p - d)**2) / n)``; the interval is clipped to -100..100.
    """
    from scipy import stats

    n = _arr(responses)
    p, d = _arr(safe_divide(promoters, n)), _arr(safe_divide(detractors, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.clip(p + d - (p - d) ** 2, 0, None) / np.where(n > 0, n, np.nan))
    z = stats.norm.ppf(0.5 + confidence / 2)
    centre = 100 * (p - d)
    return np.clip(centre - 100 * z * se, -100, 100), np.clip(centre + 100 * z * se, -100, 100)


#: Stages of a closed opportunity; any other stage is open.
CLOSED_STAGES = ("won", "lost")
