"""Marketing KPIs: definitions, monthly and quarterly series, comparisons, alerts, run-over-run.

Every KPI has one formula, written once as a small pure function (the *formula functions*
below) and applied to counts and sums that the engine computes. Shares are fractions
(0.25 means 25 %); NPS is on its usual -100..100 scale.

KPI definitions
---------------
Revenue
    Sum of ``orders.amount`` (credit notes included) in the period.
Revenue growth
    ``revenue / revenue of the comparison period - 1``: the previous period
    (period on period) or the same period a year earlier (year on year).
New customers
    Accounts whose first order with a positive amount falls in the period. In the first
    12 months of the data this cannot tell new customers from existing ones seen for the
    first time, so those periods are left empty.
CAC (customer acquisition cost)
    ``(marketing spend + sales cost) / new customers`` in the period. Marketing spend is
    ``marketing_spend.spend``; sales cost is a fixed monthly amount from the parameters
    (the data contract has no sales-cost table). By channel: spend on a channel over the
    new customers whose ``acquisition_channel`` has the same name, or, when the accounts
    carry ``acquisition_cost``, the mean recorded acquisition cost of the channel's new
    customers (see :func:`cac_by_channel`).
Active customers, churn rate
    At the end of a period an account is *active* when its net revenue over the trailing
    12 months is positive. The churn rate is ``churned / customers at start``: the
    customers at start had positive revenue in the 12 months before the trailing window,
    the churned ones among them have none in it.
Gross and net revenue retention (GRR, NRR)
    Over the same cohort, with ``r0`` its per-account revenue in the earlier 12 months and
    ``r1`` in the trailing 12 months (negative values counted as 0):
    ``GRR = sum(min(r1, r0)) / sum(r0)`` and ``NRR = sum(r1) / sum(r0)``.
CLV (customer lifetime value)
    Expected discounted gross margin of an active customer over ``horizon_years``:
    ``CLV = m * (1 - q**N) / (1 - q)`` with ``q = (1 - churn rate) / (1 + discount rate)``,
    ``m`` the trailing-12-month gross margin per active customer and ``N`` the horizon in
    years (``N * m`` when ``q = 1``). CLV by value tier comes from the value-assessment
    table (:func:`clv_by_tier`).
CLV:CAC
    ``CLV / CAC``; below 3 a customer rarely pays back the cost of winning it.
Funnel conversion
    Accounts engaged in the period (any interaction) -> those of them that opened an
    opportunity in the period -> those of them that won one of those opportunities:
    ``engaged -> opportunity = opportunity accounts / engaged accounts``,
    ``opportunity -> won = won accounts / opportunity accounts``.
Win rate, sales cycle
    Over opportunities closed in the period: ``won / (won + lost)``; the sales cycle is
    the median number of days from ``created_date`` to ``close_date`` of the won ones.
NPS
    ``100 * (promoters - detractors) / responses`` with promoters scoring 9-10 and
    detractors 0-6, over survey responses in the period.
CSAT
    Share of CSAT ratings of 4 or 5 (on 1-5) among responses with a rating; the mean
    rating is reported alongside.

Only rows on or before ``as_of`` count, and a period is a calendar month or quarter; the
series ends with the last complete period on or before ``as_of``.

Evidence
--------
A number is not a move until the data holds it up. :func:`kpi_flags` flags data breaks
and level shifts (a gap, a jump from or to zero, a step found by a corrected two-sample
test, a history under a year, too few new customers or too short a spend history for
CAC); a flagged KPI shows its flag instead of a change. Forecast bands are the prediction
intervals of a fitted exponential smoothing model on a scale that keeps them inside the
KPI's range (:func:`forecast`). Trends (:func:`trend_findings`), group and channel
comparisons (:func:`spread_findings`, :func:`channel_finding`) and alerts
(:func:`alert_findings`) are findings of :mod:`helpers.presentation.findings`, stated only when their
test, corrected within its family, passes.

Cards
-----
Each headline KPI is a card (:func:`kpi_cards`) that names its period, shows the change
against the previous period (or its flag), a trend line of the last periods and, where
the ``targets`` parameter sets one (:func:`check_targets`), the progress towards the
target per period. :func:`cards_html` draws them in the report; :func:`headline_cards`
records them for the portal. Run-over-run changes (:func:`previous_snapshot`) are taken
only against earlier runs on the same parameters and data (:func:`run_identity`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError
from helpers.core.params import suggest
from helpers.core.paths import resolve
from helpers.data.features import parse_as_of
from helpers.presentation import i18n
from helpers.stats.intervals import wilson_interval
from helpers.stats.numbers import safe_divide

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

FREQS: dict[str, int] = {"month": 1, "quarter": 3}
#: Periods per year, for year-on-year changes.
PER_YEAR: dict[str, int] = {"month": 12, "quarter": 4}
#: Months of order history a KPI needs before its first reliable value.
HISTORY_MONTHS = {"new_customers": 12, "retention": 24}
NPS_PROMOTER, NPS_DETRACTOR = 9, 6
CSAT_SATISFIED = 4
SNAPSHOT_FILE = "kpi_snapshot.csv"


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


# --------------------------------------------------------------------------- formulas


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


# --------------------------------------------------------------------------- uncertainty


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


# --------------------------------------------------------------------------- periods


def _month_start(d: dt.date, shift: int = 0) -> dt.date:
    months = d.year * 12 + d.month - 1 + shift
    return dt.date(months // 12, months % 12 + 1, 1)


def _month_end(d: dt.date) -> dt.date:
    return _month_start(d, 1) - dt.timedelta(days=1)


def _check_freq(freq: str) -> int:
    if freq not in FREQS:
        raise ParamError(f"freq must be one of {', '.join(FREQS)}, not {freq!r}"
                         + suggest(str(freq), list(FREQS)))
    return FREQS[freq]


def _period_label(start: dt.date, freq: str) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}" if freq == "quarter" \
        else f"{start.year}-{start.month:02d}"


_PERIOD_RE = re.compile(r"^(\d{4})-(?:Q([1-4])|(\d{2}))$")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")


def _parse_period(period: Any) -> tuple[int, int, str] | None:
    """``"2026-Q2"`` -> ``(2026, 2, "quarter")``, ``"2026-06"`` -> ``(2026, 6, "month")``."""
    m = _PERIOD_RE.match(str(period))
    if not m:
        return None
    if m.group(2):
        return int(m.group(1)), int(m.group(2)), "quarter"
    month = int(m.group(3))
    return (int(m.group(1)), month, "month") if 1 <= month <= 12 else None


def period_name(period: Any, language: str = "en") -> str:
    """A period label of :func:`kpi_periods` as a person reads it.

    ``2026-Q2`` stays ``2026-Q2`` in English and becomes ``2026年第2季度`` in Chinese;
    ``2026-06`` becomes ``Jun 2026`` or ``2026年6月``. Other labels are returned as they are.

    Parameters
    ----------
    period : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    parsed = _parse_period(period)
    if parsed is None:
        return str(period)
    year, n, kind = parsed
    if kind == "quarter":
        return f"{year}年第{n}季度" if language == "zh" else f"{year}-Q{n}"
    return f"{year}年{n}月" if language == "zh" else f"{_MONTHS_EN[n - 1]} {year}"


def next_periods(period: Any, n: int) -> list[str] | None:
    """The ``n`` period labels after ``period`` (``2026-Q2`` -> ``2026-Q3``, ``2026-Q4``).

    Returns
    -------
    list of str or None
        ``None`` when ``period`` is not a month or quarter label.
    """
    parsed = _parse_period(period)
    if parsed is None:
        return None
    year, k, kind = parsed
    per_year = 4 if kind == "quarter" else 12
    out = []
    for i in range(1, int(n) + 1):
        y, r = divmod(k - 1 + i, per_year)
        out.append(f"{year + y}-Q{r + 1}" if kind == "quarter" else f"{year + y}-{r + 1:02d}")
    return out


def _window_row(label: str, start: dt.date, end: dt.date) -> dict:
    return {"period": label, "start": start, "end": end,
            "cur_lo": _month_start(end, -11), "base_lo": _month_start(end, -23),
            "base_hi": _month_start(end, -12)}


def kpi_periods(as_of: Any, *, freq: str = "quarter", periods: int = 8) -> pd.DataFrame:
    """The last ``periods`` complete calendar months or quarters on or before ``as_of``.

    Parameters
    ----------
    as_of : date-like
    freq : {"month", "quarter"}
    periods : int

    Returns
    -------
    pandas.DataFrame
        ``period`` (``2026-06`` or ``2026-Q2``), ``start``, ``end`` (inclusive dates), and
        the month starts of the retention windows: ``cur_lo`` (first month of the trailing
        12 months), ``base_lo`` and ``base_hi`` (first and last month of the 12 before).
    """
    step = _check_freq(freq)
    if isinstance(periods, bool) or int(periods) < 1:
        raise ParamError(f"periods must be a positive whole number, not {periods!r}")
    day = parse_as_of(as_of)
    last = day if day == _month_end(day) else _month_start(day) - dt.timedelta(days=1)
    while last.month % step:
        last = _month_start(last) - dt.timedelta(days=1)
    rows = []
    for i in range(int(periods) - 1, -1, -1):
        end = _month_end(_month_start(last, -i * step))
        start = _month_start(end, -(step - 1))
        rows.append(_window_row(_period_label(start, freq), start, end))
    return pd.DataFrame(rows)


def trailing_window(as_of: Any, *, months: int = 12) -> pd.DataFrame:
    """One period: the ``months`` calendar months up to ``as_of`` (the last one partial)."""
    day = parse_as_of(as_of)
    if isinstance(months, bool) or int(months) < 1:
        raise ParamError(f"window months must be a positive whole number, not {months!r}")
    return pd.DataFrame([_window_row(f"{months}m to {day.isoformat()}",
                                     _month_start(day, -(int(months) - 1)), day)])


def _month_index(d: dt.date) -> int:
    """Months since year 0 of the month holding ``d`` (``year * 12 + month - 1``)."""
    return d.year * 12 + d.month - 1


def _periods_table(frame: pd.DataFrame):
    cols = ["period", "start", "end", "cur_lo", "base_lo", "base_hi"]
    df = frame[cols].copy()
    starts = [pd.Timestamp(v).date() for v in df["start"]]
    ends = [pd.Timestamp(v).date() for v in df["end"]]
    for c in cols[1:]:
        df[c] = pd.to_datetime(df[c])
    # The months (as :func:`_month_index`) whose first day lies in [start, end]: lets event
    # tables be bucketed by a cheap integer month instead of a truncated date.
    df["m_start"] = [_month_index(s) + (s.day > 1) for s in starts]
    df["m_end"] = [_month_index(e) for e in ends]
    return ibis.memtable(df).cast({c: "date" for c in cols[1:]} | {"m_start": "int64",
                                                                  "m_end": "int64"})


# --------------------------------------------------------------------------- engine
#
# The engine queries return one row per window (``period``), or with ``per_account`` one row
# per window and account. Comparisons sum the per-account rows into any number of splits in
# pandas, so the large tables are read once however many splits are compared.


def _group_map(ws: Workspace, by: str | None, groups: pd.DataFrame | None) -> pd.DataFrame:
    """``account_id, grp`` for one comparison split (small: one row per account).

    Accounts without a group value belong to no group: a missing region is not a region.
    """
    if groups is not None:
        if not {"account_id", "group"} <= set(groups.columns):
            raise ParamError("groups must have the columns account_id and group")
        df = groups[["account_id", "group"]].astype({"account_id": "string", "group": "string"})
        df = df[df["group"].notna() & (df["group"].str.strip() != "")]
        # group names as the engine gives them back (pandas' default text)
        return df.astype({"group": "str"}).rename(columns={"group": "grp"})
    accounts = ws.table("accounts")
    if by not in accounts.columns:
        raise ParamError(f"cannot compare by {by!r}: accounts has no such column"
                         + suggest(by, list(accounts.columns)))
    grp = accounts[by].cast("string").strip()
    known = accounts.filter(grp.notnull() & (grp != ""))
    return known.select("account_id", grp=known[by].cast("string")).to_pandas()


def _keys(per_account: bool) -> list[str]:
    return ["period", "account_id"] if per_account else ["period"]


def _orders(ws: Workspace, day: dt.date):
    o = ws.table("orders")
    return o.filter(o.order_date.notnull(), o.order_date <= day, o.account_id.notnull())


def _order_metrics(ws: Workspace, day, P, per_account: bool) -> list[pd.DataFrame]:
    o = _orders(ws, day)
    am = (o.mutate(month=o.order_date.truncate("M").cast("date"))
          .group_by(["account_id", "month"])
          .agg(revenue=o.amount.sum(), margin=o.gross_margin.sum(),
               margin_n=o.gross_margin.count()))
    keys = _keys(per_account)

    # revenue and margin in the period (periods are whole months)
    j = am.join(P, (am.month >= P.start) & (am.month <= P.end))
    revenue = j.group_by(keys).agg(revenue=j.revenue.sum(), gross_margin=j.margin.sum())

    # retention: per account, revenue in the base and the trailing 12 months
    j = am.join(P, (am.month >= P.base_lo) & (am.month <= P.end))
    per = j.group_by(["period", "account_id"]).agg(
        r0=j.revenue.sum(where=j.month <= j.base_hi),
        r1=j.revenue.sum(where=j.month >= j.cur_lo),
        m1=j.margin.sum(where=j.month >= j.cur_lo),
        mn=j.margin_n.sum(where=j.month >= j.cur_lo),
    )
    per = per.mutate(r0=per.r0.fill_null(0).clip(lower=0), r1=per.r1.fill_null(0).clip(lower=0),
                     m1=per.m1.fill_null(0), mn=per.mn.fill_null(0))
    cohort = per.r0 > 0
    retention = per.group_by(keys).agg(
        customers_start=per.account_id.count(where=cohort),
        churned=per.account_id.count(where=cohort & (per.r1 <= 0)),
        base_revenue=per.r0.sum(where=cohort),
        kept_revenue=ibis.least(per.r1, per.r0).sum(where=cohort),
        cohort_revenue=per.r1.sum(where=cohort),
        active_customers=per.account_id.count(where=per.r1 > 0),
        margin_12m=per.m1.sum(where=per.r1 > 0),
        # orders with a recorded margin: without any, the margin is unknown, not zero
        margin_orders=per.mn.sum(where=per.r1 > 0),
    )

    # new customers: first positive order in the period
    first = (o.filter(o.amount > 0).group_by("account_id")
             .agg(first_order=o.order_date.min()))
    j = first.join(P, (first.first_order >= P.start) & (first.first_order <= P.end))
    new = j.group_by(keys).agg(new_customers=j.account_id.count())
    return [revenue.to_pandas(), retention.to_pandas(), new.to_pandas()]


def _spend_metrics(ws: Workspace, day, P) -> pd.DataFrame:
    s = ws.table("marketing_spend")
    s = s.filter(s.period_start.notnull(), s.period_start <= day)
    j = s.join(P, (s.period_start >= P.start) & (s.period_start <= P.end))
    return j.group_by("period").agg(spend=j.spend.sum()).to_pandas()


def _won_expr(t, day):
    # an opportunity closed after as_of was still open on as_of
    closed_on = t.close_date.fill_null(t.created_date)
    return (t.stage == "won") & (closed_on <= day)


def _funnel_metrics(ws: Workspace, day, P, per_account: bool, since: dt.date) -> list[pd.DataFrame]:
    keys = _keys(per_account)
    out = []
    opp_pa = None
    if ws.has("opportunities"):
        op = ws.table("opportunities")
        op = op.filter(op.created_date.notnull(), op.created_date <= day, op.account_id.notnull())
        j = op.join(P, (op.created_date >= P.start) & (op.created_date <= P.end))
        opp_pa = j.group_by(["period", "account_id"]).agg(won=_won_expr(j, day).any())
        out.append(opp_pa.group_by(keys).agg(opportunity_accounts=opp_pa.account_id.count())
                   .to_pandas())
        closed = op.filter(op.close_date.notnull(), op.close_date <= day,
                           op.stage.isin(["won", "lost"]))
        j = closed.join(P, (closed.close_date >= P.start) & (closed.close_date <= P.end))
        agg = {"opps_won": j.opportunity_id.count(where=j.stage == "won"),
               "opps_lost": j.opportunity_id.count(where=j.stage == "lost")}
        if not per_account:  # a median does not add up over accounts
            # A filter inside the median compiles to SQL that Spark rejects; a null does not.
            cycle = j.close_date.delta(j.created_date, unit="day")
            agg["sales_cycle_days"] = ibis.ifelse(j.stage == "won", cycle, ibis.null()).median()
        out.append(j.group_by(keys).agg(**agg).to_pandas())
    if ws.has("interactions"):
        it = ws.table("interactions")
        on = it.timestamp.date()
        # no window starts before ``since``, so earlier rows cannot count
        it = it.filter(it.timestamp.notnull(), on <= day, on >= since, it.account_id.notnull())
        # (account, month) pairs with an interaction; an integer month is much cheaper than a
        # truncated date on a large interaction table, and P carries the same month numbers
        em = it.select("account_id", month=on.year() * 12 + on.month() - 1).distinct()
        j = em.join(P, (em.month >= P.m_start) & (em.month <= P.m_end))
        engaged = j.select("period", "account_id").distinct()
        if opp_pa is not None:
            f = engaged.left_join(opp_pa, ["period", "account_id"])
            # won is null for engaged accounts without an opportunity in the period
            out.append(f.group_by(keys).agg(
                engaged=f.account_id.count(),
                engaged_opp=f.account_id.count(where=f.won.notnull()),
                engaged_won=f.account_id.count(where=f.won.fill_null(False)),
            ).to_pandas())
        else:
            out.append(engaged.group_by(keys).agg(engaged=engaged.account_id.count()).to_pandas())
    return out


def _survey_metrics(ws: Workspace, day, P, per_account: bool) -> pd.DataFrame:
    s = ws.table("surveys")
    s = s.filter(s.response_date.notnull(), s.response_date <= day)
    j = s.join(P, (s.response_date >= P.start) & (s.response_date <= P.end))
    agg = {
        "nps_responses": j.nps.count(),
        "promoters": j.nps.count(where=j.nps >= NPS_PROMOTER),
        "detractors": j.nps.count(where=j.nps <= NPS_DETRACTOR),
    }
    if "csat" in j.columns:
        agg |= {"csat_responses": j.csat.count(), "csat_satisfied": j.csat.count(
            where=j.csat >= CSAT_SATISFIED)}
        if not per_account:  # a mean does not add up over accounts
            agg["csat_mean"] = j.csat.mean()
    return j.group_by(_keys(per_account)).agg(**agg).to_pandas()


def _engine_parts(ws: Workspace, day: dt.date, frame: pd.DataFrame, *,
                  per_account: bool = False) -> list[pd.DataFrame]:
    """Run every engine query for the windows in ``frame``; one small frame per query."""
    if not ws.has("orders") or not ws.has("accounts"):
        raise DataError("KPIs need the accounts and orders tables")
    P = _periods_table(frame)
    since = min(pd.Timestamp(v).date() for v in frame["start"])
    parts = _order_metrics(ws, day, P, per_account)
    if not per_account and ws.has("marketing_spend"):
        parts.append(_spend_metrics(ws, day, P))
    parts += _funnel_metrics(ws, day, P, per_account, since)
    if ws.has("surveys"):
        parts.append(_survey_metrics(ws, day, P, per_account))
    if per_account:
        # rows without an account belong to no group (as in an inner join)
        parts = [p[p["account_id"].notna()] for p in parts]
    return parts


def _merge_parts(frame: pd.DataFrame, parts: list[pd.DataFrame], keys: list[str]
                 ) -> pd.DataFrame:
    """The windows of ``frame`` (crossed with every group seen) with every part merged on."""
    base = frame.copy()
    if "grp" in keys:
        names = sorted(set().union(*(set(p["grp"].dropna()) for p in parts)))
        base = base.merge(pd.DataFrame({"grp": pd.Series(names, dtype="object")}), how="cross")
        # a split without any group gives empty parts whose group column is not text
        parts = [p.astype({"grp": "object"}) for p in parts]
    for part in parts:
        base = base.merge(part, on=keys, how="left")
    return base


def _group_parts(parts: list[pd.DataFrame], groups: pd.DataFrame) -> list[pd.DataFrame]:
    """Sum per-account parts into per-group parts.

    Like an inner join of each part's accounts with ``groups`` (``account_id, grp``) before
    aggregating: accounts without a group drop out, accounts in several groups count in each,
    and a group appears in a part only when one of its accounts does.
    """
    groups = groups.astype({"account_id": "object"})
    out = []
    for part in parts:
        values = [c for c in part.columns if c not in ("period", "account_id")]
        rows = part.astype({"account_id": "object"}).merge(groups, on="account_id")
        out.append(rows.groupby(["period", "grp"], sort=False)[values].sum().reset_index())
    return out


def _collect(ws: Workspace, day: dt.date, frame: pd.DataFrame) -> pd.DataFrame:
    """Run every engine query for the windows in ``frame`` and merge the small results."""
    return _merge_parts(frame, _engine_parts(ws, day, frame), ["period"])


def _spend_start(ws: Workspace, day: dt.date) -> dt.date | None:
    """First month with marketing spend on or before ``day`` (``None``: no spend)."""
    if not ws.has("marketing_spend"):
        return None
    s = ws.table("marketing_spend")
    first = s.filter(s.period_start.notnull(), s.period_start <= day).period_start.min()
    first = first.to_pandas()
    return None if first is None or pd.isna(first) else pd.Timestamp(first).date()


def _data_start(ws: Workspace, day: dt.date) -> dt.date | None:
    o = _orders(ws, day)
    first = o.order_date.min().to_pandas()
    return None if first is None or pd.isna(first) else pd.Timestamp(first).date()


_COUNT_COLUMNS = ("customers_start", "churned", "active_customers", "new_customers",
                  "opportunity_accounts", "opps_won", "opps_lost", "engaged", "engaged_opp",
                  "engaged_won", "nps_responses", "promoters", "detractors", "csat_responses",
                  "csat_satisfied", "margin_orders")


def _derive(raw: pd.DataFrame, *, data_start: dt.date | None, sales_cost_per_month: float,
            discount_rate: float, horizon_years: int) -> pd.DataFrame:
    """Apply the KPI formulas to the engine's counts and sums (one row per window).

    With ``data_start`` (the first order date in the data), new customers are left empty
    for windows starting in the first 12 months of the data and retention KPIs for windows
    whose base year starts before it.
    """
    f = raw.copy()
    for col in _COUNT_COLUMNS:
        if col in f.columns:
            f[col] = pd.to_numeric(f[col], errors="coerce").fillna(0).astype("int64")
    # gross_margin stays missing where no order carries one
    for col in ("revenue", "base_revenue", "kept_revenue", "cohort_revenue",
                "margin_12m", "spend"):
        if col in f.columns:
            f[col] = pd.to_numeric(f[col], errors="coerce").fillna(0.0)
    starts = [pd.Timestamp(v).date() for v in f["start"]]
    ends = [pd.Timestamp(v).date() for v in f["end"]]
    if data_start is None:
        new_ok = ret_ok = np.ones(len(f), dtype=bool)
    else:
        first = _month_start(data_start)
        new_ok = np.array([s >= _month_start(first, HISTORY_MONTHS["new_customers"])
                           for s in starts], dtype=bool)
        ret_ok = np.array([_month_start(e, 1 - HISTORY_MONTHS["retention"]) >= first
                           for e in ends], dtype=bool)
    f["new_customers"] = f["new_customers"].astype("float64").where(new_ok)
    months = np.array([(e.year - s.year) * 12 + e.month - s.month + 1
                       for s, e in zip(starts, ends, strict=True)], dtype="float64")
    if "spend" in f.columns:
        f["spend"] = f["spend"] + sales_cost_per_month * months
        f["cac"] = cac(f["spend"], f["new_customers"])
    f["churn_rate"] = np.where(ret_ok, churn_rate(f["customers_start"], f["churned"]), np.nan)
    f["grr"] = np.where(ret_ok, safe_divide(f["kept_revenue"], f["base_revenue"]), np.nan)
    f["nrr"] = np.where(ret_ok, safe_divide(f["cohort_revenue"], f["base_revenue"]), np.nan)
    f["margin_per_customer"] = safe_divide(f["margin_12m"], f["active_customers"])
    if "margin_orders" in f.columns:  # no order with a margin: the margin is unknown
        f["margin_per_customer"] = f["margin_per_customer"].where(f["margin_orders"] > 0)
    f["clv"] = clv(f["margin_per_customer"], f["churn_rate"], discount_rate=discount_rate,
                   horizon_years=horizon_years)
    if "cac" in f.columns:
        f["clv_cac"] = clv_cac_ratio(f["clv"], f["cac"])
    if "opps_won" in f.columns:
        f["win_rate"] = win_rate(f["opps_won"], f["opps_lost"])
    if "engaged_opp" in f.columns:
        f["conv_engaged_opp"] = safe_divide(f["engaged_opp"], f["engaged"])
        f["conv_opp_won"] = safe_divide(f["engaged_won"], f["engaged_opp"])
    if "nps_responses" in f.columns:
        f["nps"] = nps_from_counts(f["promoters"], f["detractors"], f["nps_responses"])
    if "csat_responses" in f.columns:
        f["csat"] = safe_divide(f["csat_satisfied"], f["csat_responses"])
    return f


def trim_to_data(frame: pd.DataFrame, data_start: dt.date | None) -> pd.DataFrame:
    """Drop the periods that start before the month of the first order: before it there
    is no data, so their revenue is unknown rather than zero (or only part of it).

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`kpi_periods`.
    data_start : datetime.date or None
        First order date (``None``: nothing is dropped).

    Returns
    -------
    pandas.DataFrame
        The periods that the data covers from their first month on; at least the last.
    """
    if data_start is None or frame.empty:
        return frame
    first = _month_start(data_start)
    keep = [pd.Timestamp(v).date() >= first for v in frame["start"]]
    keep[-1] = True
    return frame[keep].reset_index(drop=True)


def kpi_series(ws: Workspace, as_of: Any, *, freq: str = "quarter", periods: int = 8,
               sales_cost_per_month: float = 0.0, discount_rate: float = 0.1,
               horizon_years: int = 10) -> pd.DataFrame:
    """Every KPI for each of the last ``periods`` complete months or quarters.

    Parameters
    ----------
    ws : Workspace
        Needs ``accounts`` and ``orders``; ``marketing_spend`` (CAC), ``opportunities``
        (win rate, funnel), ``interactions`` (funnel) and ``surveys`` (NPS, CSAT) are used
        when present, and their KPIs are missing columns otherwise.
    as_of : date-like
    freq : {"month", "quarter"}
    periods : int
    sales_cost_per_month : float
        Sales cost added to marketing spend for CAC.
    discount_rate, horizon_years
        For :func:`clv`.

    Returns
    -------
    pandas.DataFrame
        One row per period, oldest first: the window columns of :func:`kpi_periods`, the
        counts and sums behind each KPI, and the KPIs of :data:`KPIS` that the data
        supports. KPIs without enough history are NaN. The series starts with the first
        period the orders cover in full (:func:`trim_to_data`), so it may have fewer rows.
        Spend, CAC and CLV:CAC are NaN in periods that end before the first marketing
        spend (``attrs["spend_start"]``): no spend recorded is not a cost of zero.
    """
    day = parse_as_of(as_of)
    start = _data_start(ws, day)
    frame = trim_to_data(kpi_periods(day, freq=freq, periods=periods), start)
    raw = _collect(ws, day, frame)
    out = _derive(raw, data_start=start, sales_cost_per_month=sales_cost_per_month,
                  discount_rate=discount_rate, horizon_years=horizon_years)
    if "spend" in out.columns:  # before the first spend, spend and CAC are unknown, not 0
        spend_start = _spend_start(ws, day)
        before = np.array([spend_start is None or pd.Timestamp(v).date() < spend_start
                           for v in out["end"]], dtype=bool)
        cols = [c for c in ("spend", "cac", "clv_cac") if c in out.columns]
        out[cols] = out[cols].astype("float64")
        out.loc[before, cols] = np.nan
        out.attrs["spend_start"] = spend_start
    out.attrs["freq"] = freq
    return out


def kpi_changes(series: pd.DataFrame, *, kpis: Sequence[str] | None = None,
                freq: str | None = None) -> pd.DataFrame:
    """Long table of each KPI per period with its period-on-period and year-on-year change.

    Relative KPIs change by ``value / earlier - 1``; shares and scores by the difference
    (:attr:`KpiSpec.change`).

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`kpi_series`.
    kpis : sequence of str, optional
        Default: every KPI column present.
    freq : {"month", "quarter"}, optional
        Default: the series' own.

    Returns
    -------
    pandas.DataFrame
        ``period, kpi, value, pop, yoy, change`` (``change`` is ``relative`` or ``points``).
    """
    freq = freq or series.attrs.get("freq", "quarter")
    lag = PER_YEAR[freq] if freq in PER_YEAR else _check_freq(freq)
    names = [k for k in (kpis or KPIS) if k in series.columns]
    rows = []
    for k in names:
        v = pd.to_numeric(series[k], errors="coerce").astype("float64").reset_index(drop=True)
        if KPIS[k].change == "relative":
            pop, yoy = growth(v, v.shift(1)), growth(v, v.shift(lag))
        else:
            pop, yoy = v - v.shift(1), v - v.shift(lag)
        rows.append(pd.DataFrame({"period": series["period"].to_numpy(), "kpi": k, "value": v,
                                  "pop": np.asarray(pop, dtype="float64"),
                                  "yoy": np.asarray(yoy, dtype="float64"),
                                  "change": KPIS[k].change}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["period", "kpi", "value", "pop", "yoy", "change"])


def funnel_table(series: pd.DataFrame, period: str | None = None) -> pd.DataFrame:
    """The funnel of one period (default: the last): stage, accounts, conversion from the
    stage before.

    Returns
    -------
    pandas.DataFrame
        ``stage`` (engaged, opportunity, won), ``accounts``, ``conversion``; empty without
        interactions and opportunities or without an engaged account in the period.
    """
    if "engaged_opp" not in series.columns or series.empty:
        return pd.DataFrame(columns=["stage", "accounts", "conversion"])
    row = series.iloc[-1] if period is None else series.set_index("period").loc[period]
    if not row["engaged"] > 0:  # nothing to draw: no engaged account in the period
        return pd.DataFrame(columns=["stage", "accounts", "conversion"])
    counts = [int(row["engaged"]), int(row["engaged_opp"]), int(row["engaged_won"])]
    conv = [np.nan, safe_divide(counts[1], counts[0]), safe_divide(counts[2], counts[1])]
    return pd.DataFrame({"stage": ["engaged", "opportunity", "won"], "accounts": counts,
                         "conversion": conv})


# --------------------------------------------------------------------------- comparisons


def compare_kpis(ws: Workspace, as_of: Any, *, by: str | None = None,
                 groups: pd.DataFrame | None = None, window_months: int = 12,
                 min_count: int = 30, confidence: float = 0.95, discount_rate: float = 0.1,
                 horizon_years: int = 10) -> pd.DataFrame:
    """KPIs per group over the trailing ``window_months``, with intervals for small counts.

    To compare several splits, :func:`compare_breakdowns` gives the same tables from one
    pass over the data.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    by : str, optional
        An accounts column (``region``, ``industry``, ``acquisition_channel``...).
    groups : pandas.DataFrame, optional
        ``account_id, group`` to compare any other split (value tiers, segments).
    window_months : int
    min_count : int
        Groups with fewer responses, closed opportunities or customers than this are
        flagged ``small_sample``; their intervals are the thing to read.
    confidence : float
    discount_rate, horizon_years
        For :func:`clv`.

    Returns
    -------
    pandas.DataFrame
        One row per group, largest revenue first: ``group``, revenue, new customers,
        active customers, churn rate with ``churn_lo/churn_hi``, NRR, CLV, win rate with
        ``win_lo/win_hi``, NPS with ``nps_lo/nps_hi``, CSAT, and ``small_sample``.
    """
    if by is None and groups is None:
        raise ParamError("compare_kpis needs by= (an accounts column) or groups=")
    split = groups if groups is not None else by
    return compare_breakdowns(ws, as_of, {"split": split}, window_months=window_months,
                              min_count=min_count, confidence=confidence,
                              discount_rate=discount_rate, horizon_years=horizon_years)["split"]


def compare_breakdowns(ws: Workspace, as_of: Any,
                       splits: Mapping[str, str | pd.DataFrame], *, window_months: int = 12,
                       min_count: int = 30, confidence: float = 0.95,
                       discount_rate: float = 0.1, horizon_years: int = 10
                       ) -> dict[str, pd.DataFrame]:
    """:func:`compare_kpis` for several splits at once, reading the data only once.

    The engine sums the window's orders, opportunities, interactions and surveys per
    account; each split then adds those per-account counts and sums up per group. A split's
    table equals ``compare_kpis`` with the same ``by`` or ``groups`` (up to the rounding of
    sums added in another order).

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    splits : mapping of str to str or pandas.DataFrame
        Name -> an accounts column (as ``by`` of :func:`compare_kpis`) or an ``account_id,
        group`` frame (as ``groups``), e.g. ``{"region": "region", "tier": tiers}``.
    window_months, min_count, confidence, discount_rate, horizon_years
        As in :func:`compare_kpis`.

    Returns
    -------
    dict of str to pandas.DataFrame
        One :func:`compare_kpis` table per split, in the order of ``splits``.

    Examples
    --------
    >>> tables = compare_breakdowns(ws, "2026-06-30", {"region": "region",
    ...                                                "industry": "industry"})  # doctest: +SKIP
    >>> tables["region"][["group", "revenue", "churn_rate"]]  # doctest: +SKIP
    """
    day = parse_as_of(as_of)
    frame = trailing_window(day, months=window_months)
    maps = {}
    for name, split in splits.items():
        if isinstance(split, pd.DataFrame):
            maps[name] = _group_map(ws, None, split)
        elif isinstance(split, str):
            maps[name] = _group_map(ws, split, None)
        else:
            raise ParamError(f"split {name!r} must be an accounts column name or a frame with "
                             f"account_id and group, not {type(split).__name__}")
    if not maps:
        return {}
    parts = _engine_parts(ws, day, frame, per_account=True)
    return {name: _compare_table(_merge_parts(frame, _group_parts(parts, groups),
                                              ["period", "grp"]),
                                 min_count=min_count, confidence=confidence,
                                 discount_rate=discount_rate, horizon_years=horizon_years)
            for name, groups in maps.items()}


def _compare_table(raw: pd.DataFrame, *, min_count: int, confidence: float,
                   discount_rate: float, horizon_years: int) -> pd.DataFrame:
    """KPIs, intervals and small-sample flags from one window's per-group counts and sums."""
    # one window is judged by its own counts and intervals, without the history guard
    f = _derive(raw, data_start=None, sales_cost_per_month=0.0, discount_rate=discount_rate,
                horizon_years=horizon_years)
    f["churn_lo"], f["churn_hi"] = wilson_interval(f["churned"], f["customers_start"], confidence)
    small = f["customers_start"] < min_count
    if "win_rate" in f.columns:
        closed = f["opps_won"] + f["opps_lost"]
        f["win_lo"], f["win_hi"] = wilson_interval(f["opps_won"], closed, confidence)
        small |= closed < min_count
    if "nps" in f.columns:
        f["nps_lo"], f["nps_hi"] = nps_interval(f["promoters"], f["detractors"],
                                                f["nps_responses"], confidence)
        small |= f["nps_responses"] < min_count
    f["small_sample"] = small
    keep = ["group", "revenue", "new_customers", "active_customers", "customers_start",
            "churned", "churn_rate", "churn_lo", "churn_hi", "nrr", "clv", "opps_won",
            "opps_lost", "win_rate", "win_lo", "win_hi", "nps_responses", "promoters",
            "detractors", "nps", "nps_lo", "nps_hi", "csat", "small_sample"]
    f = f.rename(columns={"grp": "group"})
    f = f[[c for c in keep if c in f.columns]]
    return f.sort_values("revenue", ascending=False, kind="stable").reset_index(drop=True)


def cac_by_channel(ws: Workspace, as_of: Any, *, window_months: int = 12,
                   method: str = "auto", channel_map: Mapping[str, str] | None = None,
                   sales_cost_per_month: float = 0.0, confidence: float = 0.95,
                   min_count: int = 10) -> pd.DataFrame:
    """CAC per acquisition channel over the trailing ``window_months``.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    window_months : int
    method : {"auto", "spend", "recorded"}
        ``spend``: spend booked on a channel (``marketing_spend.channel``, renamed through
        ``channel_map``) over that channel's new customers (``accounts.acquisition_channel``);
        sales cost is shared by new customers. ``recorded``: mean ``accounts.acquisition_cost``
        of the channel's new customers. ``auto`` takes ``recorded`` when at least half of the
        new customers have a recorded cost, else ``spend``.
    channel_map : mapping, optional
        Spend channel -> acquisition channel, where the two lists use other names.
    sales_cost_per_month : float
    confidence : float
    min_count : int
        Channels with fewer new customers are flagged ``small_sample``.

    Returns
    -------
    pandas.DataFrame
        ``channel, new_customers, cost, cac, cac_lo, cac_hi, small_sample``, most new
        customers first, with the method in ``attrs["method"]`` and the new customers
        without an acquisition channel (left out of the table) in ``attrs["no_channel"]``. The interval comes from the
        customer count (Poisson) for ``spend`` and from the cost spread (t) for ``recorded``.
    """
    if method not in ("auto", "spend", "recorded"):
        raise ParamError(f"method must be auto, spend or recorded, not {method!r}")
    day = parse_as_of(as_of)
    start = trailing_window(day, months=window_months).iloc[0]["start"]
    table, method, total_new, no_channel = _channel_method(
        _query_channel_customers(ws, day, start), method)
    spend = _query_channel_spend(ws, day, start) if method == "spend" else None
    return _channel_cac(table, spend, method=method, total_new=total_new,
                        no_channel=no_channel, window_months=window_months,
                        channel_map=channel_map, sales_cost_per_month=sales_cost_per_month,
                        confidence=confidence, min_count=min_count)


def _query_channel_customers(ws: Workspace, day: dt.date, start: Any) -> pd.DataFrame:
    """New customers per acquisition channel from ``start`` to ``day``.

    ``channel, new_customers`` and, when the accounts carry ``acquisition_cost``,
    ``recorded, cost_mean, cost_sd`` of the recorded costs.
    """
    o = _orders(ws, day)
    first = o.filter(o.amount > 0).group_by("account_id").agg(first_order=o.order_date.min())
    first = first.filter((first.first_order >= start) & (first.first_order <= day))
    acc = ws.table("accounts")
    has_cost = "acquisition_cost" in acc.columns
    cols = [acc.acquisition_channel.cast("string").name("channel")]
    if has_cost:
        cols.append(acc.acquisition_cost.cast("float64").name("cost"))
    new = first.join(acc.select("account_id", *cols), "account_id")
    agg = {"new_customers": new.account_id.count()}
    if has_cost:
        agg |= {"recorded": new.cost.count(), "cost_mean": new.cost.mean(),
                "cost_sd": new.cost.std()}
    return new.group_by("channel").agg(**agg).to_pandas()


def _query_channel_spend(ws: Workspace, day: dt.date, start: Any) -> pd.DataFrame | None:
    """Marketing spend per spend channel from ``start`` to ``day`` (``None``: no spend table)."""
    if not ws.has("marketing_spend"):
        return None
    s = ws.table("marketing_spend")
    s = s.filter(s.period_start >= start, s.period_start <= day)
    return s.group_by("channel").agg(cost=s.spend.sum()).to_pandas()


def _channel_method(table: pd.DataFrame, method: str
                    ) -> tuple[pd.DataFrame, str, int, int]:
    """Channels without the blank one, the method ``auto`` stands for, all new customers and
    those without a channel."""
    total_new = int(table["new_customers"].sum())
    # new customers without a channel count in the totals but form no channel of their own
    blank = table["channel"].isna() | (table["channel"].astype("string").str.strip() == "")
    no_channel = int(table.loc[blank, "new_customers"].sum())
    table = table[~blank].reset_index(drop=True)
    if method == "auto":
        recorded = int(table["recorded"].sum()) if "recorded" in table.columns else 0
        method = "recorded" if total_new and recorded >= total_new / 2 else "spend"
    return table, method, total_new, no_channel


def _channel_cac(table: pd.DataFrame, spend: pd.DataFrame | None, *, method: str,
                 total_new: int, no_channel: int, window_months: int,
                 channel_map: Mapping[str, str] | None, sales_cost_per_month: float,
                 confidence: float, min_count: int) -> pd.DataFrame:
    """The table of :func:`cac_by_channel` from the new customers and spend per channel."""
    from scipy import stats

    if method == "recorded":
        if "recorded" not in table.columns:
            raise DataError("method='recorded' needs accounts.acquisition_cost")
        n = table["recorded"].to_numpy(dtype="float64")
        table["cac"] = table["cost_mean"].astype("float64")
        table["cost"] = table["cac"] * table["new_customers"]
        with np.errstate(invalid="ignore", divide="ignore"):
            half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * \
                table["cost_sd"].astype("float64") / np.sqrt(n)
        table["cac_lo"] = np.where(n > 1, np.clip(table["cac"] - half, 0, None), np.nan)
        table["cac_hi"] = np.where(n > 1, table["cac"] + half, np.nan)
    else:
        if spend is None:
            spend = pd.DataFrame(columns=["channel", "cost"])
        else:
            spend["channel"] = spend["channel"].map(lambda c: (channel_map or {}).get(c, c))
            spend = spend.groupby("channel", as_index=False)["cost"].sum()
        table = table.merge(spend, on="channel", how="outer")
        table["new_customers"] = table["new_customers"].fillna(0).astype("int64")
        share = safe_divide(table["new_customers"], max(total_new, 1))
        table["cost"] = table["cost"].astype("float64") + sales_cost_per_month * window_months * share
        table["cac"] = cac(table["cost"], table["new_customers"])
        lo, hi = poisson_interval(table["new_customers"], confidence)
        some = table["new_customers"] > 0
        table["cac_lo"] = np.where(some, safe_divide(table["cost"], hi), np.nan)
        table["cac_hi"] = np.where(some, safe_divide(table["cost"], lo), np.nan)
    table["small_sample"] = table["new_customers"] < min_count
    test, p_value = _channel_test(table, method)
    out = table[["channel", "new_customers", "cost", "cac", "cac_lo", "cac_hi", "small_sample"]]
    out = out.sort_values(["new_customers", "channel"], ascending=[False, True]).reset_index(
        drop=True)
    out.attrs["method"] = method
    out.attrs["no_channel"] = no_channel
    out.attrs["test"], out.attrs["p_value"] = test, p_value
    return out


def _channel_test(table: pd.DataFrame, method: str) -> tuple[str, float]:
    """Whether CAC differs between channels at all.

    ``recorded``: one-way ANOVA of the recorded costs, from each channel's count, mean and
    standard deviation (channels with two or more costs). ``spend``: chi-square test that
    new customers spread over the channels in proportion to their cost (equal CAC).
    """
    from scipy import stats

    if method == "recorded":
        t = table[table["recorded"] >= 2]
        n = t["recorded"].to_numpy(dtype="float64")
        m = t["cost_mean"].to_numpy(dtype="float64")
        sd = t["cost_sd"].to_numpy(dtype="float64")
        k, total = len(t), n.sum()
        if k < 2 or total <= k or not np.isfinite(sd).all():
            return "one-way ANOVA", math.nan
        grand = (n * m).sum() / total
        within = ((n - 1) * sd ** 2).sum() / (total - k)
        between = (n * (m - grand) ** 2).sum() / (k - 1)
        if within <= 0:
            return "one-way ANOVA", 0.0 if between > 0 else 1.0
        return "one-way ANOVA", float(stats.f.sf(between / within, k - 1, total - k))
    cost = pd.to_numeric(table["cost"], errors="coerce").to_numpy(dtype="float64")
    new = table["new_customers"].to_numpy(dtype="float64")
    ok = np.isfinite(cost) & (cost > 0)
    if ok.sum() < 2 or new[ok].sum() == 0:
        return "chi-square", math.nan
    expected = new[ok].sum() * cost[ok] / cost[ok].sum()
    return "chi-square", float(stats.chisquare(new[ok], expected).pvalue)


def channel_finding(channels: pd.DataFrame, log, *, currency: str = "",
                    language: str = "en"):
    """:func:`channels_sentence` as a finding: the cheapest and dearest channel are named
    only when CAC differs between channels (the test in ``channels.attrs``, see
    :func:`cac_by_channel`); otherwise one line says no reliable difference was found.
    One channel or none is a plain fact.

    Returns
    -------
    helpers.presentation.findings.Finding
        Also kept in ``log``.
    """
    from helpers.presentation.findings import fact

    t = i18n.t
    text = channels_sentence(channels, currency=currency, language=language)
    priced = priced_channels(channels)
    if len(priced) < 2:
        return log.add(fact(text))
    method = t(f"kpi.method.{channels.attrs.get('method', 'spend')}", language)
    parts = [t("kpi.channels.none", language, n=len(priced), method=method)]
    blank = int(channels.attrs.get("no_channel", 0))
    if blank:
        parts.append(t("kpi.finding.no_channel", language, n=f"{blank:,}"))
    spread = priced.cac.iloc[-1] - priced.cac.iloc[0]
    (found,) = log.family(
        [text], [channels.attrs.get("p_value", math.nan)],
        test=channels.attrs.get("test", ""), family=t("kpi.section.channels", language),
        effects=[spread], ns=[int(priced.new_customers.sum())],
        effect_label=t("kpi.channels.effect", language),
        actions=[t("kpi.action.channels", language)], fallback=_sentences(parts, language))
    return found


def clv_by_tier(values: pd.DataFrame, *, cac_value: float | None = None,
                tier_order: Sequence[str] | None = None) -> pd.DataFrame:
    """Average CLV per value tier, and its ratio to CAC.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per account with ``value_tier`` (or ``tier``) and ``clv``, e.g. from
        :func:`helpers.analysis.budget.account_value_tiers`.
    cac_value : float, optional
        Overall CAC; adds ``clv_cac = clv_mean / cac_value``.
    tier_order : sequence of str, optional

    Returns
    -------
    pandas.DataFrame
        ``tier, accounts, clv_mean, clv_median, clv_total, clv_share`` (and ``clv_cac``).
        ``clv_share`` is the tier's share of the positive CLV (an account with a negative
        CLV counts as zero there), so the shares lie in 0..1 and add up to 1.
    """
    tier = "value_tier" if "value_tier" in values.columns else "tier"
    if tier not in values.columns or "clv" not in values.columns:
        raise DataError("clv_by_tier needs the columns value_tier (or tier) and clv")
    v = values.assign(clv=pd.to_numeric(values["clv"], errors="coerce"))
    v = v.assign(clv_positive=v["clv"].clip(lower=0))
    out = (v.groupby(tier, observed=True)
           .agg(accounts=("clv", "size"), clv_mean=("clv", "mean"), clv_median=("clv", "median"),
                clv_total=("clv", "sum"), positive=("clv_positive", "sum"))
           .reset_index().rename(columns={tier: "tier"}))
    # shares of the positive CLV: accounts that lose money would push the other tiers'
    # shares of a signed total past 100 %
    total = out["positive"].sum()
    out["clv_share"] = out["positive"] / total if total > 0 else np.nan
    out = out.drop(columns="positive")
    if cac_value is not None:
        out["clv_cac"] = clv_cac_ratio(out["clv_mean"], cac_value)
    if tier_order:
        rank = {t: i for i, t in enumerate(tier_order)}
        out = out.sort_values("tier", key=lambda s: s.map(rank).fillna(len(rank)))
    else:
        out = out.sort_values("clv_mean", ascending=False)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- forecast


#: Fewest values a KPI series needs for a forecast or a trend test.
MIN_SERIES_POINTS = 6
#: Fewest values a model is fitted on (the rest of a short series cannot be held back).
MIN_FIT_POINTS = 4


def value_domain(kpi: str) -> tuple[float, float]:
    """The range a KPI's values can take: ``(0, inf)`` for money, counts, ratios and days,
    ``(0, 1)`` for shares and ``(-100, 100)`` for NPS."""
    unit = KPIS[kpi].unit if kpi in KPIS else ""
    if unit == "share":
        return 0.0, 1.0
    if unit == "score":
        return -100.0, 100.0
    if unit in ("money", "count", "ratio", "days"):
        return 0.0, math.inf
    return -math.inf, math.inf


def _transform(y: np.ndarray, domain: tuple[float, float]):
    """Map a series onto an unbounded scale where its domain allows it.

    Positive values are modelled on the log scale and shares strictly inside 0..1 on the
    logit scale, so a back-transformed band never leaves the domain; other series are
    modelled as they are and their band is clipped to the domain.
    """
    lo, hi = domain
    if lo == 0 and math.isinf(hi) and np.all(y > 0):
        return np.log(y), np.exp, "log"
    if lo == 0 and hi == 1 and np.all((y > 0) & (y < 1)):
        return np.log(y / (1 - y)), lambda v: 1 / (1 + np.exp(-v)), "logit"
    return y, lambda v: np.clip(v, lo, hi), "clipped"


def forecast(values: pd.Series | Sequence[float], *, horizon: int = 2, holdout: int = 2,
             season_length: int = 4, method: str = "auto", confidence: float = 0.8,
             domain: tuple[float, float] = (-math.inf, math.inf),
             min_points: int = MIN_SERIES_POINTS) -> tuple[pd.DataFrame, dict]:
    """A forecast with the prediction interval of a fitted model, and its error on the last
    held-back periods.

    ``method="ets"`` fits an exponential smoothing state space model (statsmodels
    ``ETSModel``, additive errors; with a damped additive trend from 8 points on, a level
    only below) and takes the band from the model's prediction interval
    (``get_prediction(...).summary_frame``). ``"naive"`` repeats the value one season
    earlier (the last value when the series is shorter than a season and a half), with a
    band of ``z * rmse * sqrt(h)`` from the seasonal differences. ``"auto"`` is ``ets``.

    The model works on a scale that respects the KPI's ``domain`` (:func:`value_domain`):
    positive series on the log scale, shares inside 0..1 on the logit scale, so the
    forecast is the median and the band stays positive (or inside 0..1). A series that
    touches the edge of its domain (a zero) is modelled as it is and its band is clipped
    to the domain (``info["scale"] == "clipped"``).

    A series with fewer than ``min_points`` values after its first one, or with a missing
    value among them, gets no forecast: the frame holds the history only and
    ``info["method"]`` is ``"none"``.

    Parameters
    ----------
    values : pandas.Series or sequence
        Oldest first; the index (e.g. period labels) is kept. Missing values at the start
        are dropped. When the last label is a period (``2026-Q2``, ``2026-06``) the
        forecast periods are named after it (``2026-Q3``, ...), otherwise ``+1``, ``+2``.
    horizon : int
        Periods forecast beyond the data.
    holdout : int
        Last periods held back: the model is fitted without them, and ``mae`` and ``mape``
        measure its error on them (only while at least 4 points remain to fit on).
    season_length : int
    method : {"auto", "ets", "naive"}
    confidence : float
        Coverage of the prediction interval.
    domain : (float, float)
        Lowest and highest possible value.
    min_points : int

    Returns
    -------
    (pandas.DataFrame, dict)
        Frame with ``label, actual, forecast, lower, upper, part`` (``history``,
        ``holdout`` or ``future``) and ``{"method", "mae", "mape", "holdout", "scale",
        "points"}``.
    """
    from scipy import stats

    s = pd.Series(values, dtype="float64") if not isinstance(values, pd.Series) else \
        values.astype("float64")
    labels = list(s.index)
    first_valid = s.first_valid_index()
    if first_valid is None:
        raise DataError("forecast: the series has no values")
    if method not in ("auto", "ets", "naive"):
        raise ParamError(f"method must be auto, ets or naive, not {method!r}")
    keep = labels.index(first_valid)
    s, labels = s.iloc[keep:], labels[keep:]
    y = s.to_numpy()
    rows = [{"label": lab, "actual": v, "forecast": np.nan, "lower": np.nan, "upper": np.nan,
             "part": "history"} for lab, v in zip(labels, y, strict=True)]
    info: dict[str, Any] = {"holdout": 0, "mae": np.nan, "mape": np.nan, "method": "none",
                            "scale": "", "points": int(np.isfinite(y).sum())}
    if len(y) < min_points or not np.isfinite(y).all():
        return pd.DataFrame(rows), info
    holdout = int(min(max(holdout, 0), max(len(y) - MIN_FIT_POINTS, 0)))
    info["holdout"] = holdout
    z = stats.norm.ppf(0.5 + confidence / 2)

    def fit(train: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str]:
        scaled, back, scale = _transform(train, domain)
        if method == "naive":
            m = season_length if len(train) >= 1.5 * season_length else 1
            pred = np.array([scaled[len(scaled) - m + (i % m)] for i in range(steps)])
            diffs = scaled[m:] - scaled[:-m]
            rmse = float(np.sqrt(np.mean(diffs ** 2))) if diffs.size else 0.0
            band = z * rmse * np.sqrt(np.arange(1, steps + 1))
            return (back(pred), back(pred - band), back(pred + band), scale,
                    "naive" if m > 1 else "last value")
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        trend = "add" if len(scaled) >= 8 else None
        with warnings.catch_warnings():  # short series: optimiser notices are expected
            warnings.simplefilter("ignore")
            res = ETSModel(pd.Series(scaled), error="add", trend=trend,
                           damped_trend=trend is not None).fit(disp=False)
            frame = res.get_prediction(start=len(scaled), end=len(scaled) + steps - 1
                                       ).summary_frame(alpha=1 - confidence)
        return (back(frame["mean"].to_numpy(float)), back(frame["pi_lower"].to_numpy(float)),
                back(frame["pi_upper"].to_numpy(float)), scale, "ets")

    if holdout:
        pred, lower, upper, _, _ = fit(y[:-holdout], holdout)
        actual = y[-holdout:]
        for i in range(holdout):
            rows[len(y) - holdout + i].update(forecast=pred[i], lower=lower[i], upper=upper[i],
                                              part="holdout")
        err = np.abs(pred - actual)
        info["mae"] = float(np.nanmean(err))
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(actual != 0, err / np.abs(actual), np.nan)
        info["mape"] = float(np.nanmean(pct)) if np.isfinite(pct).any() else np.nan
    if horizon:
        pred, lower, upper, scale, used = fit(y, horizon)
        info.update(method=used, scale=scale)
        # future periods carry their real names when the history is labelled with periods
        future = next_periods(labels[-1], horizon) or [f"+{i + 1}" for i in range(horizon)]
        for i in range(horizon):
            rows.append({"label": future[i], "actual": np.nan, "forecast": pred[i],
                         "lower": lower[i], "upper": upper[i], "part": "future"})
    else:
        info["method"] = "ets" if method != "naive" else "naive"
    return pd.DataFrame(rows), info


def forecasts(series: pd.DataFrame, kpis: Sequence[str], *, horizon: int = 2,
              holdout: int = 2, method: str = "auto", confidence: float = 0.8,
              min_points: int = MIN_SERIES_POINTS
              ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """:func:`forecast` for several KPIs of a :func:`kpi_series` table.

    The season length is a year of periods (4 quarters or 12 months); each KPI is
    forecast within its :func:`value_domain`.

    Returns
    -------
    (dict, pandas.DataFrame)
        KPI -> forecast frame (the history only when the series is too short), and one
        row per KPI with ``kpi, method, mae, mape, next_forecast, next_lower, next_upper,
        points`` (``method`` is ``"none"`` without a forecast). KPIs with fewer than two
        values are left out.
    """
    freq = series.attrs.get("freq", "quarter")
    frames, rows = {}, []
    for k in kpis:
        if k not in series.columns or series[k].notna().sum() < 2:
            continue
        frame, info = forecast(series.set_index("period")[k], horizon=horizon, holdout=holdout,
                               season_length=PER_YEAR.get(freq, 4), method=method,
                               confidence=confidence, domain=value_domain(k),
                               min_points=min_points)
        frames[k] = frame
        fut = frame[frame.part == "future"]
        nxt = fut.iloc[0] if len(fut) else None
        rows.append({"kpi": k, "method": info["method"], "mae": info["mae"],
                     "mape": info["mape"],
                     "next_forecast": np.nan if nxt is None else nxt.forecast,
                     "next_lower": np.nan if nxt is None else nxt.lower,
                     "next_upper": np.nan if nxt is None else nxt.upper,
                     "points": info["points"]})
    return frames, pd.DataFrame(rows, columns=["kpi", "method", "mae", "mape", "next_forecast",
                                               "next_lower", "next_upper", "points"])


# --------------------------------------------------------------------------- data breaks

#: Smallest level shift worth a flag: a factor of 1.5 either way for relative KPIs, 5 points
#: of a share, 10 points of NPS. Smaller steps are left to the trend and alert tests.
MIN_SHIFT = {"relative": math.log(1.5), "share": 0.05, "score": 10.0}
#: What a KPI is computed from: a flag on the source makes the KPI unreliable too.
KPI_SOURCES: dict[str, tuple[str, ...]] = {"cac": ("new_customers", "spend"),
                                           "clv": ("churn_rate",),
                                           "clv_cac": ("cac", "clv")}
FLAG_COLUMNS = ["kpi", "kind", "period", "reason", "p_value", "p_adjusted", "step"]


def level_shift(values: pd.Series | Sequence[float], *, count: bool = False,
                log_scale: bool = False, min_segment: int = 2) -> dict:
    """The largest step in a series and the test whether it is real.

    Every split that leaves ``min_segment`` values on both sides is a candidate. The two
    sides are compared with Welch's two-sample t-test (on the log scale when
    ``log_scale``), or, for counts, with the exact conditional test of two Poisson rates
    (the count after the split is binomial given the total). The smallest p-value is
    corrected over the candidate points (Bonferroni), since the step was picked as the
    largest one.

    Parameters
    ----------
    values : pandas.Series or sequence
        The series in time order, without missing values.
    count : bool
        Values are event counts (new customers).
    log_scale : bool
        Compare the log of the values (positive money and ratios), so a step is a factor.
    min_segment : int

    Returns
    -------
    dict
        ``at`` (position of the first value after the step), ``p_value`` (of that split),
        ``p_adjusted`` (Bonferroni over ``candidates``), ``candidates``, ``before`` and
        ``after`` (means on the compared scale) and ``step_fits`` (a step describes the
        series better than a straight line: smaller residual sum of squares). Missing
        values and ``at = -1`` when the series is too short to split.
    """
    from scipy import stats

    y = np.asarray(pd.Series(values, dtype="float64"), dtype="float64")
    out = {"at": -1, "p_value": math.nan, "p_adjusted": math.nan, "candidates": 0,
           "before": math.nan, "after": math.nan, "step_fits": False}
    if log_scale:
        y = np.log(y)
    n = len(y)
    splits = list(range(min_segment, n - min_segment + 1))
    if not splits or not np.isfinite(y).all():
        return out
    best_p, best_k = math.inf, -1
    for k in splits:
        a, b = y[:k], y[k:]
        if count:
            total = int(round(a.sum() + b.sum()))
            p = 1.0 if total == 0 else float(stats.binomtest(
                int(round(b.sum())), total, len(b) / n).pvalue)
        elif np.ptp(a) == 0 and np.ptp(b) == 0:
            p = 1.0 if a[0] == b[0] else 0.0
        else:
            with warnings.catch_warnings():  # nearly equal values: scipy's precision notice
                warnings.simplefilter("ignore", RuntimeWarning)
                p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        if np.isfinite(p) and p < best_p:
            best_p, best_k = p, k
    if best_k < 0:
        return out
    a, b = y[:best_k], y[best_k:]
    step_sse = float(((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum())
    x = np.arange(n, dtype="float64")
    resid = y - np.polyval(np.polyfit(x, y, 1), x)
    line_sse = float(resid @ resid)
    out.update(at=best_k, p_value=best_p, p_adjusted=min(1.0, best_p * len(splits)),
               candidates=len(splits), before=float(a.mean()), after=float(b.mean()),
               step_fits=step_sse < line_sse)
    return out


def series_break(values: pd.Series, kpi: str, *, alpha: float = 0.05, per_year: int = 4
                 ) -> dict:
    """Whether a KPI series has a data break or a level shift, by these rules in order.

    1. ``gap``: a period without a value between periods with one (the KPI could not be
       computed, e.g. CAC in a period without a new customer).
    2. ``zero``: for money and ratios, a period at exactly zero next to a positive one: a
       jump from or to zero means nothing was recorded rather than a real move.
    3. ``shift``: a level shift that :func:`level_shift` finds (Bonferroni-corrected p
       below ``alpha``), that a step describes better than a straight line (a trend is
       not a break; the trend test judges it) and that is at least :data:`MIN_SHIFT`.
    4. ``start``: the series starts less than a year before its latest period, so its
       changes cannot be told from the start-up of the data.

    Parameters
    ----------
    values : pandas.Series
        The KPI per period, oldest first, indexed by period label.
    kpi : str
        A key of :data:`KPIS` (sets the scale and the test).
    alpha : float
    per_year : int
        Periods per year.

    Returns
    -------
    dict
        ``kind`` (empty without a break), ``period`` (label where it shows), ``p_value``,
        ``p_adjusted`` and ``step`` (relative change, or difference for shares and
        scores, across a shift).
    """
    spec = KPIS[kpi]
    s = pd.Series(values, dtype="float64")
    out = {"kind": "", "period": "", "p_value": math.nan, "p_adjusted": math.nan,
           "step": math.nan}
    first, last = s.first_valid_index(), s.last_valid_index()
    if first is None:
        return out
    labels = list(s.index)
    s = s.iloc[labels.index(first):labels.index(last) + 1]
    labels = [str(v) for v in s.index]
    y = s.to_numpy()
    missing = np.flatnonzero(~np.isfinite(y))
    if missing.size:
        return {**out, "kind": "gap", "period": labels[missing[0]]}
    if spec.unit in ("money", "ratio"):
        for i in range(1, len(y)):
            if (y[i] == 0) != (y[i - 1] == 0):
                return {**out, "kind": "zero", "period": labels[i]}
    count = spec.unit == "count"
    log_scale = not count and spec.change == "relative" and bool(np.all(y > 0))
    res = level_shift(y, count=count, log_scale=log_scale)
    if res["at"] >= 0:
        if spec.change == "relative":
            before, after = (np.exp([res["before"], res["after"]]) if log_scale
                             else (res["before"], res["after"]))
            step = float(growth(after, before))
            size = abs(math.log(after / before)) if before > 0 and after > 0 else math.inf
            material = size >= MIN_SHIFT["relative"]
        else:
            step = res["after"] - res["before"]
            material = abs(step) >= MIN_SHIFT["share" if spec.unit == "share" else "score"]
        if res["p_adjusted"] < alpha and res["step_fits"] and material:
            return {"kind": "shift", "period": labels[res["at"]], "p_value": res["p_value"],
                    "p_adjusted": res["p_adjusted"], "step": step}
    if len(y) < per_year + 1:
        return {**out, "kind": "start", "period": labels[0]}
    return out


def kpi_flags(series: pd.DataFrame, kpis: Sequence[str] | None = None, *,
              alpha: float = 0.05, min_new_customers: int = 30, window: int | None = None,
              language: str = "en") -> pd.DataFrame:
    """The KPIs whose latest value or change the report must not read as a move.

    Each KPI is checked with :func:`series_break`. CAC and CLV:CAC are also flagged when
    the latest period has fewer than ``min_new_customers`` new customers, or when the
    marketing spend starts after the first period shown (``series.attrs["spend_start"]``,
    set by :func:`kpi_series`). A KPI computed from a flagged one (:data:`KPI_SOURCES`:
    CAC from new customers and spend, CLV from churn, CLV:CAC from CAC and CLV) carries
    its source's flag.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`kpi_series` (the shown periods and the year before them).
    kpis : sequence of str, optional
        Default: every KPI column present.
    alpha : float
        Level of the level-shift test.
    min_new_customers : int
    window : int, optional
        Periods shown (default: all).
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        One row per flagged KPI: ``kpi, kind, period, reason, p_value, p_adjusted, step``
        (``kind``: gap, zero, shift, start, few, spend or source; ``reason`` is a short
        text for a headline card).
    """
    t = i18n.t
    freq = series.attrs.get("freq", "quarter")
    per_year = PER_YEAR.get(freq, 4)
    names = [k for k in (kpis or KPIS) if k in series.columns]
    wanted = set(names)
    for k in list(names):
        wanted.update(KPI_SOURCES.get(k, ()))
    order = [k for k in KPIS if k in wanted and k in series.columns]
    labels = series["period"].astype(str).to_numpy()
    found: dict[str, dict] = {}
    for k in order:
        b = series_break(pd.Series(series[k].to_numpy(dtype="float64", na_value=np.nan),
                                   index=labels), k, alpha=alpha, per_year=per_year)
        if b["kind"]:
            step = card_change_text(k, b["step"], language) if _finite(b["step"]) else "–"
            found[k] = {**b, "root": k, "reason": t(f"kpi.flag.{b['kind']}", language,
                                                     period=period_name(b["period"], language),
                                                     step=step)}
    last = series.iloc[-1] if len(series) else None
    if last is not None and "cac" in wanted and "cac" not in found:
        n_new = last.get("new_customers", np.nan)
        spend_start = series.attrs.get("spend_start")
        shown = series.tail(window) if window else series
        if _finite(n_new) and _finite(last.get("cac")) and n_new < min_new_customers:
            found["cac"] = {"kind": "few", "period": str(last["period"]), "root": "cac",
                            "reason": t("kpi.flag.few", language, n=_num(n_new))}
        elif spend_start is not None and len(shown) and \
                pd.Timestamp(spend_start).date() > pd.Timestamp(shown["start"].iloc[0]).date():
            found["cac"] = {"kind": "spend", "period": str(last["period"]), "root": "cac",
                            "reason": t("kpi.flag.spend", language,
                                        date=str(pd.Timestamp(spend_start).date()))}
    for k in order:  # sources come first in KPIS order, so flags pass down the chain
        if k in found:
            continue
        src = next((s for s in KPI_SOURCES.get(k, ()) if s in found), None)
        if src is not None:
            root = found[src]["root"]
            found[k] = {"kind": "source", "period": found[src]["period"], "root": root,
                        "reason": t("kpi.flag.source", language, kpi=t(f"kpi.{root}", language),
                                    reason=found[root]["reason"])}
    rows = [{"kpi": k, "kind": f["kind"], "period": f["period"], "reason": f["reason"],
             "p_value": f.get("p_value", math.nan), "p_adjusted": f.get("p_adjusted", math.nan),
             "step": f.get("step", math.nan)} for k, f in found.items() if k in names]
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)


def flag_note(flags: pd.DataFrame, *, kpis: Sequence[str] | None = None,
              language: str = "en") -> str | None:
    """One sentence naming the flagged KPIs and why, or ``None`` when none is flagged."""
    if flags is None or flags.empty:
        return None
    rows = flags if kpis is None else flags[flags.kpi.isin(list(kpis))]
    if rows.empty:
        return None
    sep = i18n.t("kpi.headline.sep", language)
    groups: dict[str, list[str]] = {}
    for k, r in zip(rows.kpi, rows.reason, strict=True):
        groups.setdefault(r, []).append(i18n.t(f"kpi.{k}", language))
    items = [i18n.t("kpi.flag.item", language, kpi=sep.join(names), reason=r)
             for r, names in groups.items()]
    return i18n.t("kpi.flag.note", language,
                  items=i18n.t("kpi.flag.sep", language).join(items))


def _flag_map(flags: pd.DataFrame | None) -> dict[str, str]:
    if flags is None or flags.empty:
        return {}
    return dict(zip(flags["kpi"], flags["reason"], strict=True))


# --------------------------------------------------------------------------- alerts


@dataclass(frozen=True)
class AlertRule:
    """One alert: a KPI, what is measured, and the threshold it must not reach.

    Parameters
    ----------
    kpi : str
        A key of :data:`KPIS`.
    measure : {"value", "pop", "yoy"}
        The latest value, or its period-on-period or year-on-year change (relative for
        money and counts, in points for shares and scores).
    direction : {"above", "below"}
        ``above`` fires when the measure is at or above the threshold, ``below`` when it
        is at or below it.
    threshold : float
    """

    kpi: str
    measure: str
    direction: str
    threshold: float

    def __post_init__(self):
        if self.kpi not in KPIS:
            raise ParamError(f"alert rule: unknown KPI {self.kpi!r}" + suggest(self.kpi, list(KPIS)))
        if self.measure not in ("value", "pop", "yoy"):
            raise ParamError(f"alert rule for {self.kpi}: measure must be value, pop or yoy")
        if self.direction not in ("above", "below"):
            raise ParamError(f"alert rule for {self.kpi}: direction must be above or below")

    def fires(self, measured: float) -> bool:
        """Whether ``measured`` reaches the threshold (compared to 9 decimals, so that
        ``115 / 100 - 1`` counts as exactly 0.15)."""
        if measured is None or not np.isfinite(measured):
            return False
        m, t = round(float(measured), 9), round(float(self.threshold), 9)
        return m >= t if self.direction == "above" else m <= t


def alert_rules(*, cac_increase: float | None = 0.15, nps_below: float | None = 30,
                clv_cac_below: float | None = 3.0, churn_above: float | None = 0.15,
                win_rate_below: float | None = None, nrr_below: float | None = None,
                csat_below: float | None = None) -> list[AlertRule]:
    """The standard rules from simple thresholds; ``None`` switches a rule off.

    Parameters
    ----------
    cac_increase : float
        CAC up by this share or more period on period (0.15 = 15 %).
    nps_below, clv_cac_below, churn_above, win_rate_below, nrr_below, csat_below : float

    Returns
    -------
    list of AlertRule
    """
    spec = [("cac", "pop", "above", cac_increase), ("nps", "value", "below", nps_below),
            ("clv_cac", "value", "below", clv_cac_below),
            ("churn_rate", "value", "above", churn_above),
            ("win_rate", "value", "below", win_rate_below), ("nrr", "value", "below", nrr_below),
            ("csat", "value", "below", csat_below)]
    return [AlertRule(k, m, d, float(t)) for k, m, d, t in spec if t is not None]


def supported_rules(rules: Sequence[AlertRule], caps=None) -> list[AlertRule]:
    """The rules whose KPI the data supports (:data:`KPI_ANALYSES`): no alarm is raised on a
    number the report does not show."""
    return [r for r in rules if _unsupported(r.kpi, caps) is None]


def format_kpi(kpi: str, value: Any, *, change: bool = False) -> str:
    """A KPI value (or a change of it) as report text: ``12.5%``, ``1,300``, ``+3.0 pts``.

    Parameters
    ----------
    kpi : str
        A key of :data:`KPIS`.
    value : float
    change : bool
        Format as a change (relative in percent, or in points for shares and scores).

    Returns
    -------
    str
        ``–`` for missing values.
    """
    spec = KPIS[kpi]
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "–"
    if not np.isfinite(value):
        return "–"
    if change:
        return f"{value:+.0%}" if spec.change == "relative" else (
            f"{value * 100:+.1f} pts" if spec.unit == "share" else f"{value:+.1f}")
    if spec.unit == "share":
        return f"{value:.1%}"
    if spec.unit == "ratio":
        return f"{value:.2f}"
    if spec.unit in ("money", "count", "days"):
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _drivers(kpi: str, series: pd.DataFrame, breakdowns: Mapping[str, pd.DataFrame],
             language: str, min_count: int) -> list[str]:
    """Plain-language reasons behind a KPI's latest value, from its parts and its groups."""
    last = series.iloc[-1]
    prev = series.iloc[-2] if len(series) > 1 else None
    t = i18n.t
    out: list[str] = []

    def change(col: str) -> float:
        return float(growth(last[col], prev[col])) if prev is not None and col in series else np.nan

    if kpi == "cac" and "spend" in series:
        out.append(t("kpi.driver.cac", language, spend=_pct(change("spend")),
                     new=_pct(change("new_customers")), n=_num(last.get("new_customers"))))
    elif kpi == "clv_cac":
        out.append(t("kpi.driver.clv_cac", language, clv=format_kpi("clv", last.get("clv", np.nan)),
                     cac=format_kpi("cac", last.get("cac", np.nan)), churn=format_kpi("churn_rate",
                     last.get("churn_rate", np.nan))))
    elif kpi in ("nps", "csat") and "nps_responses" in series:
        n = last["nps_responses"]
        out.append(t("kpi.driver.nps", language, det=_share(last["detractors"], n),
                     pro=_share(last["promoters"], n), n=_num(n)))
    elif kpi == "churn_rate":
        out.append(t("kpi.driver.churn", language, churned=_num(last["churned"]),
                     start=_num(last["customers_start"])))
    elif kpi == "win_rate" and "opps_won" in series:
        out.append(t("kpi.driver.win", language, won=_num(last["opps_won"]),
                     closed=_num(last["opps_won"] + last["opps_lost"])))
    elif kpi == "nrr" and "grr" in series:
        out.append(t("kpi.driver.nrr", language, grr=format_kpi("grr", last["grr"])))
    spec = KPIS[kpi]
    for dim, table in breakdowns.items():
        if kpi not in table.columns or table.empty:
            continue
        tab = table[pd.to_numeric(table[kpi], errors="coerce").notna()]
        size_col = {"nps": "nps_responses", "win_rate": "opps_won", "churn_rate":
                    "customers_start"}.get(kpi)
        if size_col in tab.columns:
            tab = tab[tab[size_col] >= min_count] if (tab[size_col] >= min_count).any() else tab
        if tab.empty:
            continue
        worst = tab.sort_values(kpi, ascending=spec.better == "up").iloc[0]
        out.append(t("kpi.driver.group", language, dim=t(f"dim.{dim}", language, default=dim),
                     group=worst["group"] if "group" in worst else worst.iloc[0],
                     value=format_kpi(kpi, float(worst[kpi]))))
    return out


def alert_table(alerts: pd.DataFrame, language: str = "en", findings: Sequence | None = None,
                *, p_values: bool = True) -> pd.DataFrame:
    """The alerts for the report: rank, message and drivers as text, localised headers.

    With ``findings`` (from :func:`alert_findings`, same order), the corrected p-value
    (unless ``p_values`` is false, as on a manager's page, where the evidence sits in the
    analyst version) and whether the alert holds up (``✓``, or ``–`` and why not) are
    added.
    """
    from helpers.presentation.findings import _fmt_p

    t = i18n.t
    table = pd.DataFrame({
        t("kpi.col.rank", language): alerts["rank"].to_numpy(),
        t("kpi.col.alert", language): alerts["message"].to_numpy(),
        t("kpi.col.drivers", language): [" ".join(d) for d in alerts["drivers"]],
    })
    if findings is not None and len(findings) == len(alerts):
        if p_values:
            table[t("kpi.col.p_adjusted", language)] = [
                _fmt_p(f.evidence.p_adjusted) if f.evidence is not None else "–"
                for f in findings]
        table[t("kpi.col.holds", language)] = [
            "✓" if f.stated else f"– {f.gate}" for f in findings]
    return table


def alert_people_table(alerts: pd.DataFrame, language: str = "en",
                       findings: Sequence | None = None):
    """:func:`alert_table` for a manager's page: no p-values, the sentences aligned left.

    Returns
    -------
    pandas.io.formats.style.Styler
        From :func:`helpers.presentation.tables.people_table`.
    """
    from helpers.presentation.tables import people_table

    table = alert_table(alerts, language, findings, p_values=False)
    rank = i18n.t("kpi.col.rank", language)
    text = [c for c in table.columns if c != rank]
    return (people_table(table, kinds={rank: "int", **dict.fromkeys(text, "text")},
                         language=language)
            .set_properties(subset=text, **{"text-align": "left"}))


def _pct(x: float) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:+.0%}"


def _num(x: Any) -> str:
    try:
        return f"{float(x):,.0f}"
    except (TypeError, ValueError):
        return "–"


def _share(part: Any, whole: Any) -> str:
    v = safe_divide(part, whole)
    return "–" if not np.isfinite(v) else f"{v:.0%}"


def evaluate_alerts(series: pd.DataFrame, rules: Sequence[AlertRule], *,
                    breakdowns: Mapping[str, pd.DataFrame] | None = None,
                    language: str = "en", min_count: int = 30) -> pd.DataFrame:
    """Check the latest period against the rules; a ranked list of the alerts that fire.

    Severity is how far the measure went past its threshold, relative to the threshold
    (absolute distance when the threshold is 0), so a CAC up 40 % against a 15 % rule
    ranks above an NPS of 29 against 30.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`kpi_series` (at least one period; two for ``pop`` rules).
    rules : sequence of AlertRule
    breakdowns : mapping, optional
        Dimension name -> a :func:`compare_kpis` table; the worst group of each is named as
        a driver.
    language : {"en", "zh"}
    min_count : int
        Groups smaller than this are only named when no group is large enough.

    Returns
    -------
    pandas.DataFrame
        ``rank, kpi, label, measure, value, threshold, direction, severity, message,
        drivers`` (``drivers`` is a list of sentences), most severe first.
    """
    cols = ["rank", "kpi", "label", "measure", "value", "threshold", "direction", "severity",
            "message", "drivers"]
    if series.empty:
        return pd.DataFrame(columns=cols)
    changes = kpi_changes(series)
    rows = []
    for rule in rules:
        if rule.kpi not in series.columns:
            continue
        latest = changes[changes.kpi == rule.kpi].iloc[-1]
        measured = float(latest[rule.measure])
        if not rule.fires(measured):
            continue
        scale = abs(rule.threshold) or 1.0
        label = i18n.t(f"kpi.{rule.kpi}", language)
        shown = format_kpi(rule.kpi, measured, change=rule.measure != "value")
        limit = format_kpi(rule.kpi, rule.threshold, change=rule.measure != "value")
        message = i18n.t(f"alert.{rule.measure}.{rule.direction}", language, kpi=label,
                         value=shown, threshold=limit,
                         period=period_name(latest["period"], language))
        rows.append({"kpi": rule.kpi, "label": label, "measure": rule.measure,
                     "value": measured, "threshold": rule.threshold, "direction": rule.direction,
                     "severity": abs(measured - rule.threshold) / scale, "message": message,
                     "drivers": _drivers(rule.kpi, series, breakdowns or {}, language, min_count)})
    out = pd.DataFrame(rows, columns=cols[1:])
    out = out.sort_values("severity", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


# --------------------------------------------------------------------------- findings


def trend_findings(series: pd.DataFrame, kpis: Sequence[str], log, *,
                   flags: pd.DataFrame | None = None, min_points: int = MIN_SERIES_POINTS,
                   language: str = "en") -> tuple[list, list[str]]:
    """Rise-or-fall claims for the KPIs shown together, tested and corrected as a family.

    Each KPI with at least ``min_points`` values and no flag (:func:`kpi_flags`; a break
    is not a trend) gets the Mann-Kendall test
    (:func:`helpers.stats.multiple_testing.trend_test`); the p-values are corrected together by
    ``log`` (a :class:`helpers.presentation.findings.FindingLog`), and only the trends that survive are
    stated.

    Parameters
    ----------
    series : pandas.DataFrame
        The shown periods of :func:`kpi_series`.
    kpis : sequence of str
    log : helpers.presentation.findings.FindingLog
    flags : pandas.DataFrame, optional
    min_points : int
    language : {"en", "zh"}

    Returns
    -------
    (list of Finding, list of str)
        The family's findings (empty when no KPI could be tested) and the KPIs left out
        for too short a history.
    """
    from helpers.presentation.findings import comparison
    from helpers.stats.multiple_testing import adjust, trend_test

    t = i18n.t
    flagged = _flag_map(flags)
    freq = series.attrs.get("freq", "quarter")
    tested, short = [], []
    for k in kpis:
        if k not in series.columns or k in flagged:
            continue
        v = pd.to_numeric(series[k], errors="coerce").dropna()
        if v.empty:
            continue
        if len(v) < min_points:
            short.append(k)
            continue
        tested.append((k, trend_test(v, min_points=min_points)))
    if not tested:
        return [], short
    p = np.array([r["p_value"] for _, r in tested], dtype="float64")
    adj = adjust(p, log.method)
    out = []
    for i, (k, res) in enumerate(tested):
        way = res["direction"] if _finite(res["tau"]) and res["tau"] != 0 else "flat"
        good = (way == "up") == (KPIS[k].better == "up")
        text = t(f"kpi.trend.{way}", language, kpi=t(f"kpi.{k}", language), n=res["n"],
                 freq=t(f"freq.{freq}", language),
                 tau=f"{res['tau']:+.2f}" if _finite(res["tau"]) else "–")
        f = comparison(text, test="Mann-Kendall", p_value=p[i], p_adjusted=adj[i],
                       alpha=log.alpha, effect=res["tau"], n=res["n"],
                       family=t("kpi.trend.family", language),
                       family_size=int(np.isfinite(p).sum()), method=log.method,
                       effect_label="Kendall tau",
                       fallback=t("kpi.trend.none", language, n=len(tested)) if i == 0 else "",
                       action="" if good or way == "flat" else t(
                           f"kpi.action.{k}", language, default=t("kpi.action.other", language)),
                       language=language)
        if way == "flat" and f.stated:  # no direction to state
            f = replace(f, stated=False)
        out.append(replace(f, kind="trend"))
    log.add(*out)
    return out, short


def _alert_test(rule: AlertRule, series: pd.DataFrame) -> tuple[str, float, int]:
    """The test behind an alert, its one-sided p-value and n (missing when none applies).

    - CAC up: fewer new customers than the spend predicts, given the earlier period
      (exact conditional test of two Poisson rates per euro: binomial test);
    - churn above, win rate or CSAT below: exact binomial test of the share against the
      threshold;
    - NPS below: normal test of NPS against the threshold (standard error of
      :func:`nps_interval`).
    """
    from scipy import stats

    last = series.iloc[-1]
    lag = {"pop": 1, "yoy": PER_YEAR.get(series.attrs.get("freq", "quarter"), 4)}.get(
        rule.measure, 0)
    try:
        if rule.kpi == "cac" and lag and len(series) > lag and "spend" in series:
            prev = series.iloc[-1 - lag]
            n1, n0 = float(last["new_customers"]), float(prev["new_customers"])
            s1, s0 = float(last["spend"]), float(prev["spend"])
            if min(s1, s0) > 0 and n1 + n0 > 0 and np.isfinite([n1, n0]).all():
                p = stats.binomtest(int(n1), int(n1 + n0), s1 / (s1 + s0),
                                    alternative="less").pvalue
                return "exact Poisson rate test", float(p), int(n1 + n0)
        if rule.measure != "value":
            return "", math.nan, 0
        side = "greater" if rule.direction == "above" else "less"
        parts = {"churn_rate": ("churned", "customers_start"),
                 "win_rate": ("opps_won", None), "csat": ("csat_satisfied", "csat_responses")}
        if rule.kpi in parts and parts[rule.kpi][0] in series:
            k_col, n_col = parts[rule.kpi]
            k = int(last[k_col])
            n = int(last["opps_won"] + last["opps_lost"]) if n_col is None else int(last[n_col])
            if n > 0 and 0 < rule.threshold < 1:
                return "exact binomial test", float(stats.binomtest(
                    k, n, rule.threshold, alternative=side).pvalue), n
        if rule.kpi == "nps" and "nps_responses" in series and last["nps_responses"] > 0:
            n = float(last["nps_responses"])
            p, d = last["promoters"] / n, last["detractors"] / n
            se = 100 * math.sqrt(max(p + d - (p - d) ** 2, 1e-12) / n)
            z = (float(last["nps"]) - rule.threshold) / se
            return "normal test", float(stats.norm.sf(z) if side == "greater"
                                        else stats.norm.cdf(z)), int(n)
    except (KeyError, TypeError, ValueError):
        pass
    return "", math.nan, 0


def _alert_money(kpi: str, series: pd.DataFrame) -> tuple[float, float]:
    """Money at stake behind an alert and the total it belongs to."""
    last = series.iloc[-1]
    if kpi in ("cac", "clv_cac") and {"spend", "revenue"} <= set(series.columns):
        return float(last["spend"]), float(last["revenue"])
    if kpi in ("churn_rate", "nrr", "grr") and {"base_revenue", "kept_revenue"} <= set(
            series.columns):
        return float(last["base_revenue"] - last["kept_revenue"]), float(last["base_revenue"])
    return math.nan, math.nan


def alert_findings(alerts: pd.DataFrame, series: pd.DataFrame, rules: Sequence[AlertRule], *,
                   flags: pd.DataFrame | None = None, alpha: float = 0.05,
                   method: str = "bh", language: str = "en") -> list:
    """The alerts as alarm findings: raised only when the data holds them up.

    An alert on a flagged KPI (:func:`kpi_flags`) is not raised: its value or change rests
    on a data break (a history under a year holds back only alerts on changes). An alert with a test (:func:`_alert_test`: CAC up, churn above, win rate,
    CSAT or NPS below) is raised only when its p-value, corrected over the tested alerts
    of the run (``method``), is below ``alpha``; the others (CLV:CAC, NRR) need only to be
    unflagged. Each carries a recommended action and an impact from the money at stake
    (:func:`helpers.presentation.findings.impact_weight`; 0.75 at least, above the run's other
    findings, since alerts ask for action).

    Parameters
    ----------
    alerts : pandas.DataFrame
        From :func:`evaluate_alerts`.
    series : pandas.DataFrame
        The :func:`kpi_series` the alerts were evaluated on.
    rules : sequence of AlertRule
    flags : pandas.DataFrame, optional
    alpha : float
    method : str
        See :func:`helpers.stats.multiple_testing.adjust`.
    language : {"en", "zh"}

    Returns
    -------
    list of Finding
        One per alert, in the alerts' order.
    """
    from helpers.presentation.findings import Evidence, _fmt_p, gated, impact_weight
    from helpers.stats.multiple_testing import adjust

    t = i18n.t
    flagged = _flag_map(flags)
    flag_kind = {} if not flagged else dict(zip(flags["kpi"], flags["kind"], strict=True))
    by_key = {(r.kpi, r.measure, r.direction): r for r in rules}
    tests = []
    for row in alerts.itertuples():
        rule = by_key.get((row.kpi, row.measure, row.direction),
                          AlertRule(row.kpi, row.measure, row.direction, float(row.threshold)))
        tests.append(_alert_test(rule, series) if len(series) else ("", math.nan, 0))
    p = np.array([pv for _, pv, _ in tests], dtype="float64")
    adj = adjust(p, method)
    size = int(np.isfinite(p).sum())
    family = t("kpi.alerts.family", language)
    out = []
    for i, row in enumerate(alerts.itertuples()):
        test = tests[i][0]
        ev = Evidence(test or t("kpi.alerts.threshold", language), float(row.value),
                      n=tests[i][2], p_value=p[i], p_adjusted=adj[i], family=family if test else "",
                      family_size=size if test else 1, method=method if test else "none",
                      effect_label=t(f"kpi.{row.kpi}", language))
        kind = flag_kind.get(row.kpi, "")
        if kind and (row.measure != "value" or kind != "start"):
            passed, gate = False, flagged[row.kpi]
        elif test:
            passed = bool(np.isfinite(adj[i]) and adj[i] < alpha)
            gate = t("findings.gate.p", language, p=_fmt_p(adj[i]), alpha=f"{alpha:g}")
        else:
            passed, gate = True, ""
        money, total = _alert_money(row.kpi, series) if len(series) else (math.nan, math.nan)
        out.append(gated(row.message, passed=passed, kind="alarm", gate=gate, evidence=ev,
                         impact=impact_weight(money, total, floor=0.75),
                         action=t(f"kpi.action.{row.kpi}", language,
                                  default=t("kpi.action.other", language))))
    return out


# --------------------------------------------------------------------------- run over run


def headline_values(series: pd.DataFrame, kpis: Sequence[str] = HEADLINE_KPIS, *,
                    caps=None) -> dict[str, float]:
    """The latest period's value of each headline KPI the data supports.

    With ``caps`` (:class:`helpers.data.capabilities.Capabilities`), a KPI whose analysis the
    data does not support (:data:`KPI_ANALYSES`) is left out even when a number came out.
    """
    last = series.iloc[-1]
    return {k: float(last[k]) for k in kpis if k in series.columns and pd.notna(last[k])
            and _unsupported(k, caps) is None}


def snapshot_frame(values: Mapping[str, float], *, as_of: Any, period: str) -> pd.DataFrame:
    """This run's KPI table, which the notebook writes to ``exports/`` as :data:`SNAPSHOT_FILE`.

    The next run reads it back with :func:`previous_snapshot`.

    Returns
    -------
    pandas.DataFrame
        ``kpi, value, period, as_of``.
    """
    return pd.DataFrame({"kpi": list(values), "value": [float(v) for v in values.values()],
                         "period": period, "as_of": parse_as_of(as_of).isoformat()})


def run_identity(record: Mapping[str, Any]) -> dict:
    """What this run's figures depend on, as the runner records it in ``run.json``.

    The parameters hash and the data source with its fingerprint of a comparability record
    (:func:`helpers.report.history.comparability`, made without the code version, which a
    notebook cannot know before the run ends), so that the notebook compares only with runs
    on the same parameters and data (:func:`previous_snapshot`).

    Parameters
    ----------
    record : mapping
        The comparability record of this run's parameters and data source.

    Returns
    -------
    dict
        ``{"parameters": ..., "data": {...}}``.
    """
    return {"parameters": record["parameters"], "data": record["data"]}


def run_entry(run: Mapping[str, Any], notebook: str = "kpi_monitoring") -> dict:
    """The notebook's entry in a run record (``run.json``), empty when the run has none."""
    return run.get("notebooks", {}).get(notebook, {})


def previous_snapshot(runs: Sequence[Mapping[str, Any]], out_dir: str | os.PathLike, *,
                      notebook: str = "kpi_monitoring",
                      breaks: Mapping[str, Sequence[str]] | None = None
                      ) -> tuple[pd.DataFrame | None, dict]:
    """The KPI table of the newest earlier comparable run that saved one.

    Runs live next to ``out_dir``: the runner writes into ``reports/.staging-<id>`` and a
    run from JupyterLab into ``reports/scratch``, so the reports folder is ``out_dir``'s
    parent. Runs whose ``notebook`` failed are skipped, and so is ``out_dir`` itself. Runs
    with an entry in ``breaks`` (their parameters or data source differ; a later ``as_of``
    on refreshed data is the normal case and stays comparable) are skipped too: their
    change would not be a business movement.

    Parameters
    ----------
    runs : sequence of mapping
        The run records of the reports folder, newest first
        (:func:`helpers.report.history.load_runs` of ``out_dir``'s parent).
    out_dir : path-like
        This run's output folder.
    notebook : str
    breaks : mapping, optional
        Run id -> what changed against this run
        (:func:`helpers.report.summary.comparison_breaks` with :func:`run_identity`);
        without it the newest run is taken.

    Returns
    -------
    (pandas.DataFrame or None, dict)
        ``kpi, value, period, as_of`` and ``{"run_id", "as_of", "started", "skipped"}`` of
        that run, ``skipped`` listing ``(run_id, [what changed])`` of the newer runs left
        out (``(None, {"skipped": [...]})`` when there is none).
    """
    here = resolve(out_dir)
    skipped = []
    for run in runs:
        if (here.parent / run["run_id"]).resolve() == here.resolve():
            continue
        if run_entry(run, notebook).get("status") != "ok":
            continue
        path = here.parent / run["run_id"] / "exports" / SNAPSHOT_FILE
        if not path.is_file():
            continue
        changed = list((breaks or {}).get(run["run_id"], []))
        if changed:
            skipped.append((run["run_id"], changed))
            continue
        snap = pd.read_csv(path)
        return snap, {"run_id": run["run_id"], "as_of": run.get("as_of"),
                      "started": run.get("started"), "skipped": skipped}
    return None, ({"skipped": skipped} if skipped else {})


def skipped_note(meta: Mapping[str, Any], language: str = "en") -> str | None:
    """Which newer runs :func:`previous_snapshot` left out and why, or ``None``."""
    skipped = meta.get("skipped") or []
    if not skipped:
        return None
    changed = list(dict.fromkeys(b for _, breaks in skipped for b in breaks))
    what = i18n.t("summary.changed.sep", language).join(
        i18n.t(f"summary.changed.{b}", language) for b in changed)
    return i18n.t("kpi.ror.skipped", language, n=len(skipped), what=what)


def run_over_run(current: Mapping[str, float], previous: pd.DataFrame | None) -> pd.DataFrame:
    """Change of each KPI since the previous run.

    Parameters
    ----------
    current : mapping
        KPI -> value of this run.
    previous : pandas.DataFrame or None
        From :func:`previous_snapshot`.

    Returns
    -------
    pandas.DataFrame
        ``kpi, current, previous, delta, relative, previous_as_of``; ``delta`` is
        ``current - previous`` and ``relative`` is ``current / previous - 1``.
    """
    prev = {} if previous is None else dict(zip(previous["kpi"], previous["value"], strict=True))
    prev_as_of = None if previous is None or previous.empty else str(previous["as_of"].iloc[0])
    rows = []
    for k, v in current.items():
        p = prev.get(k, np.nan)
        rows.append({"kpi": k, "current": float(v), "previous": float(p),
                     "delta": float(v) - float(p), "relative": float(growth(v, p)),
                     "previous_as_of": prev_as_of if k in prev else None})
    return pd.DataFrame(rows, columns=["kpi", "current", "previous", "delta", "relative",
                                       "previous_as_of"])


def check_targets(targets: Mapping[str, Any] | None) -> dict[str, float]:
    """Check the ``targets`` parameter: KPI key -> target value per period.

    Parameters
    ----------
    targets : mapping or None
        E.g. ``{"revenue": 35000000, "churn_rate": 0.10}``; keys are the headline KPIs
        (:data:`HEADLINE_KPIS`), values are numbers in the KPI's own unit: money in the
        report currency per period, shares as fractions (0.10 for 10 %), NPS in points.
        ``None`` or an empty mapping sets no target.

    Returns
    -------
    dict
        KPI -> target as a float.

    Raises
    ------
    ParamError
        An unknown KPI key (naming the valid ones) or a value that is not a finite number.
    """
    if targets is None:
        return {}
    if not isinstance(targets, Mapping):
        raise ParamError(f"targets must be a mapping of KPI -> target value, not "
                         f"{type(targets).__name__}")
    out = {}
    for key, value in targets.items():
        if key not in HEADLINE_KPIS:
            raise ParamError(f"targets: unknown KPI {key!r}{suggest(str(key), list(HEADLINE_KPIS)) or '.'}"
                             f" Valid KPIs: {', '.join(HEADLINE_KPIS)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(float(value)):
            raise ParamError(f"targets: the target of {key} must be a number, not {value!r}")
        out[str(key)] = float(value)
    return out


def _card_scale(kpi: str) -> tuple[float, int]:
    """Factor and decimals of a KPI on a card: shares in percent, money and counts whole."""
    unit = KPIS[kpi].unit
    scale = 100.0 if unit == "share" else 1.0
    digits = 0 if unit in ("money", "count", "days") else 2 if unit == "ratio" else 1
    return scale, digits


def _card_number(kpi: str, value: float) -> float | int:
    scale, digits = _card_scale(kpi)
    return int(round(value * scale)) if digits == 0 else round(value * scale, digits)


def card_value_text(kpi: str, value: Any, *, currency: str = "", language: str = "en") -> str:
    """A KPI value as a card shows it: ``29.7M EUR``, ``11.0%``, ``59.2``, ``-10.5``.

    Money is compact (:func:`helpers.presentation.tables.compact_number`, ``2969万`` in Chinese) with
    the currency; ``–`` for a missing value.
    """
    from helpers.presentation.tables import compact_number

    if not _finite(value):
        return "–"
    spec = KPIS[kpi]
    v = float(value)
    if spec.unit == "money":
        return f"{compact_number(v, language)} {currency}".strip()
    if spec.unit == "share":
        return f"{v:.1%}"
    if spec.unit == "count":
        return f"{v:,.0f}"
    if spec.unit == "days":
        return f"{v:,.0f} {i18n.t('unit.days', language)}"
    if spec.unit == "ratio":
        return f"{v:.1f}"
    return f"{v:.1f}"


def card_change_text(kpi: str, change: Any, language: str = "en") -> str:
    """A period-on-period change as a card shows it: ``+22%``, ``+1.5 pts``, ``+2.1``.

    ``change`` is relative for relative KPIs and a difference for shares and scores, as in
    :func:`kpi_changes`; shares read in points (``个百分点`` in Chinese).
    """
    if not _finite(change):
        return "–"
    spec = KPIS[kpi]
    c = float(change)
    if spec.change == "relative":
        return f"{c:+.0%}"
    if spec.unit == "share":
        return i18n.t("kpi.card.points", language, value=f"{c * 100:+.1f}")
    return f"{c:+.1f}"


def target_progress(kpi: str, value: Any, target: Any) -> dict[str, Any]:
    """How far a KPI value is towards its target.

    Returns
    -------
    dict
        ``share`` (value / target; ``nan`` when the ratio means nothing: a target or value
        at or below zero) and ``met`` (at or above the target, or at or below it for KPIs
        where lower is better such as CAC and churn; ``None`` without both numbers).
    """
    if not (_finite(value) and _finite(target)):
        return {"share": np.nan, "met": None}
    v, g = float(value), float(target)
    met = v <= g if KPIS[kpi].better == "down" else v >= g
    share = v / g if g > 0 and v >= 0 else np.nan
    return {"share": share, "met": bool(met)}


def target_text(kpi: str, value: Any, target: Any, *, currency: str = "",
                language: str = "en") -> str:
    """``84% of target 35M EUR`` (``of ceiling`` for KPIs where lower is better), or
    ``target 30.0: not met`` when a ratio means nothing; empty without a target."""
    if not _finite(target):
        return ""
    progress = target_progress(kpi, value, target)
    goal = card_value_text(kpi, target, currency=currency, language=language)
    if progress["met"] is None:
        return i18n.t("kpi.card.target_only", language, target=goal)
    if _finite(progress["share"]):
        key = "kpi.card.target_down" if KPIS[kpi].better == "down" else "kpi.card.target_up"
        return i18n.t(key, language, pct=f"{progress['share']:.0%}", target=goal)
    state = i18n.t("kpi.card.met" if progress["met"] else "kpi.card.not_met", language)
    return i18n.t("kpi.card.target_state", language, target=goal, state=state)


def kpi_cards(series: pd.DataFrame, *, kpis: Sequence[str] | None = None, currency: str = "",
              language: str = "en", flags: pd.DataFrame | None = None,
              targets: Mapping[str, float] | None = None, trend_periods: int = 8
              ) -> list[dict[str, Any]]:
    """The headline KPI cards of the last period: value, period, change, trend and target.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`kpi_series` (oldest period first).
    kpis : sequence of str, optional
        Default: :data:`HEADLINE_KPIS` with a value in the last period.
    currency : str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`: a flagged KPI shows the flag's reason instead of a change,
        since the change comes from a data break, not from the business.
    targets : mapping, optional
        From :func:`check_targets`.
    trend_periods : int
        Periods on the trend line, ending with the card's period.

    Returns
    -------
    list of dict
        One card per KPI with a value: ``kpi, label, period`` (localised name),
        ``value``, ``previous`` (the previous period's value), ``change`` (against the
        previous period, relative or in points as in :func:`kpi_changes`; ``nan`` when
        flagged or unknown), ``flag`` (text or ``""``),
        ``trend`` (values, oldest first, ending with ``value``; missing periods left
        out), ``target`` (``nan`` without one), ``progress`` (:func:`target_progress`)
        and the texts ``value_text, change_text, target_text`` and ``trend_text`` (what the
        trend line shows, for readers who cannot see it).
    """
    if series.empty:
        return []
    flagged = _flag_map(flags)
    goals = dict(targets or {})
    last = series.iloc[-1]
    period = period_name(last["period"], language)
    names = [k for k in (kpis if kpis is not None else HEADLINE_KPIS)
             if k in series.columns and _finite(last[k])]
    changes = kpi_changes(series, kpis=names)
    cards = []
    for k in names:
        values = pd.to_numeric(series[k], errors="coerce").astype("float64")
        pop = changes.loc[changes.kpi == k, "pop"].iloc[-1]
        flag = flagged.get(k, "")
        change = np.nan if flag else float(pop)
        recent = values.tail(int(trend_periods))
        target = goals.get(k, np.nan)
        cards.append({
            "kpi": k, "label": i18n.t(f"kpi.{k}", language), "period": period,
            "value": float(last[k]), "change": change, "flag": flag,
            "previous": float(values.iloc[-2]) if len(values) >= 2 else np.nan,
            "trend": [float(v) for v in recent if np.isfinite(v)],
            "target": float(target), "progress": target_progress(k, last[k], target),
            "value_text": card_value_text(k, last[k], currency=currency, language=language),
            "change_text": card_change_text(k, change, language),
            "target_text": target_text(k, last[k], target, currency=currency, language=language),
        })
        trend = cards[-1]["trend"]
        cards[-1]["trend_text"] = i18n.t(
            "kpi.card.trend_alt", language, kpi=cards[-1]["label"], n=len(trend),
            first=card_value_text(k, trend[0], currency=currency, language=language),
            last=cards[-1]["value_text"]) if len(trend) >= 2 else ""
    return cards


def headline_cards(cards: Sequence[Mapping[str, Any]], *, currency: str = "",
                   language: str = "en") -> dict[str, dict]:
    """Cards of :func:`kpi_cards` in the schema of :func:`helpers.report.outputs.record_headlines`.

    Shares are in percent and their deltas in percentage points; money in whole currency
    units with the currency as unit. ``delta`` is the change against the previous period
    in the card's unit (a flagged KPI carries ``flag`` instead); ``period`` names the
    period, ``trend`` holds the value of the last periods (oldest first, ending with this
    one) and ``target`` the target set in the parameters.

    Returns
    -------
    dict
        ``label -> {"value", "unit", "period", "trend", "delta" or "flag", "target",
        "better"}`` (``unit``, ``delta``, ``target`` and ``better`` only where they apply;
        ``better`` only for KPIs where lower is better).
    """
    out = {}
    for c in cards:
        k = c["kpi"]
        spec = KPIS[k]
        card: dict[str, Any] = {"value": _card_number(k, c["value"])}
        unit = {"money": currency, "share": "%", "days": i18n.t("unit.days", language)}.get(
            spec.unit, "")
        if unit:
            card["unit"] = unit
        card["period"] = c["period"]
        if c["flag"]:
            card["flag"] = c["flag"]
        elif _finite(c["change"]) and _finite(c["previous"]):
            card["delta"] = _card_number(k, c["value"] - c["previous"])
        if c["trend"]:
            card["trend"] = [_card_number(k, v) for v in c["trend"]]
        if _finite(c["target"]):
            card["target"] = _card_number(k, c["target"])
        if spec.better == "down":
            card["better"] = "down"
        out[c["label"]] = card
    return out


def target_findings(cards: Sequence[Mapping[str, Any]], *, language: str = "en") -> list:
    """A fact naming the KPIs behind their target (:func:`kpi_cards`), with its action.

    Returns
    -------
    list of helpers.presentation.findings.Finding
        Empty when no card has a target or every target is met.
    """
    from helpers.presentation.findings import fact

    behind = [c for c in cards if c["progress"]["met"] is False and c["target_text"]]
    if not behind:
        return []
    items = i18n.t("kpi.headline.sep", language).join(
        i18n.t("kpi.target.item", language, kpi=c["label"], text=c["target_text"])
        for c in behind)
    return [fact(i18n.t("kpi.finding.targets_missed", language, period=behind[0]["period"],
                        items=items),
                 impact=0.68, action=i18n.t("kpi.action.targets", language))]


def _reads_as_zero(kpi: str, change: float) -> bool:
    """Whether a change shows as zero in :func:`card_change_text` (``+0%``, ``+0.0 pts``)."""
    spec = KPIS[kpi]
    scale = 100 if spec.change == "relative" else 1000 if spec.unit == "share" else 10
    return round(abs(float(change)) * scale) == 0


def sparkline_svg(values: Sequence[float], *, width: int = 120, height: int = 30,
                  color: str = "#1c5d99") -> str:
    """A small SVG line of ``values`` (oldest first) with a dot on the last one.

    Returns
    -------
    str
        A standalone ``<svg>`` document; empty with fewer than two finite values.
    """
    v = np.asarray([x for x in values if _finite(x)], dtype="float64")
    if len(v) < 2:
        return ""
    lo, hi = float(v.min()), float(v.max())
    pad = 3.0
    xs = pad + np.arange(len(v)) * (width - 2 * pad) / (len(v) - 1)
    ys = height - pad - (v - lo) / (hi - lo) * (height - 2 * pad) if hi > lo else \
        np.full(len(v), height / 2)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">'
            f'<polyline fill="none" stroke="{color}" stroke-width="1.6" '
            f'stroke-linejoin="round" stroke-linecap="round" points="{points}"/>'
            f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="2.4" fill="{color}"/></svg>')


def sparkline_img(values: Sequence[float], *, alt: str, width: int = 120, height: int = 30
                  ) -> str:
    """:func:`sparkline_svg` as an ``<img>`` with the SVG inline as a data URI and ``alt``.

    Report pages keep images with data URIs and their alt text but not ``<svg>`` markup,
    so the line travels inside the image. Empty with fewer than two values.
    """
    import base64
    import html

    svg = sparkline_svg(values, width=width, height=height)
    if not svg:
        return ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img class="wb-spark" src="data:image/svg+xml;base64,{data}" width="{width}" '
            f'height="{height}" alt="{html.escape(alt, quote=True)}">')


def cards_html(cards: Sequence[Mapping[str, Any]], *, language: str = "en") -> str:
    """The KPI cards of :func:`kpi_cards` as HTML, with the report's card classes.

    Each card shows the KPI, its period, the value, a small trend line (an inline SVG
    image with an alt text), the change against the previous period coloured by whether
    it is good news (or the data-break flag instead), and, with a target, the progress
    towards it as a bar and a text. No scripts; the layout comes from the report's style
    sheet (``wb-cards``, ``wb-card``, ...).

    Returns
    -------
    str
        ``<div class="wb-cards">...</div>``; empty without cards.
    """
    import html

    if not cards:
        return ""
    esc = html.escape
    t = i18n.t
    parts = []
    for c in cards:
        spec = KPIS[c["kpi"]]
        if c["flag"]:
            change = f'<div class="wb-card-delta wb-flag">⚑ {esc(c["flag"])}</div>'
        elif _finite(c["change"]) and not _reads_as_zero(c["kpi"], c["change"]):
            good = (c["change"] > 0) == (spec.better == "up")
            arrow = "▲" if c["change"] > 0 else "▼"
            change = (f'<div class="wb-card-delta wb-{"up" if good else "down"}">{arrow} '
                      f'{esc(c["change_text"])} {esc(t("kpi.card.vs_previous", language))}</div>')
        elif _finite(c["change"]):
            change = (f'<div class="wb-card-delta">'
                      f'{esc(t("kpi.card.unchanged", language))}</div>')
        else:
            change = (f'<div class="wb-card-delta wb-muted">'
                      f'{esc(t("kpi.card.no_previous", language))}</div>')
        spark = sparkline_img(c["trend"], alt=c.get("trend_text") or c["label"])
        target = ""
        if c["target_text"]:
            met = c["progress"]["met"]
            share = c["progress"]["share"]
            bar = ""
            if _finite(share):
                width = max(0.0, min(float(share), 1.0)) * 100
                bar = (f'<span class="wb-target-bar"><span style="width: {width:.0f}%">'
                       f'</span></span>')
            mark = " ✓" if met else ""
            target = (f'<div class="wb-card-target wb-{"up" if met else "down"}">{bar}'
                      f'{esc(c["target_text"])}{mark}</div>')
        parts.append(
            '<div class="wb-card">'
            f'<div class="wb-card-label">{esc(c["label"])}</div>'
            f'<div class="wb-card-period">{esc(c["period"])}</div>'
            f'<div class="wb-card-value">{esc(c["value_text"])}</div>'
            f'{spark}{change}{target}</div>')
    return '<div class="wb-cards">' + "".join(parts) + "</div>"


def headline_table(changes: pd.DataFrame, *, kpis: Sequence[str] = HEADLINE_KPIS,
                   language: str = "en", flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """The latest period of each KPI with its changes, formatted, with localised headers.

    Parameters
    ----------
    changes : pandas.DataFrame
        From :func:`kpi_changes`.
    kpis : sequence of str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`: a flagged KPI shows no change, and a ``flag`` column
        says why.

    Returns
    -------
    pandas.DataFrame
        KPI, value, change on the previous period, change on a year earlier (all text),
        and the flag when any KPI has one.
    """
    t = i18n.t
    flagged = _flag_map(flags)
    last = changes[changes.period == changes.period.iloc[-1]].set_index("kpi")
    rows = []
    for k in kpis:
        if k not in last.index:
            continue
        moves = {"pop": np.nan, "yoy": np.nan} if k in flagged else last.loc[k]
        row = {t("kpi.col.kpi", language): t(f"kpi.{k}", language),
               t("kpi.col.value", language): format_kpi(k, last.loc[k, "value"]),
               t("kpi.col.pop", language): format_kpi(k, moves["pop"], change=True),
               t("kpi.col.yoy", language): format_kpi(k, moves["yoy"], change=True)}
        if flagged:
            row[t("kpi.col.flag", language)] = flagged.get(k, "")
        rows.append(row)
    return pd.DataFrame(rows)


def run_over_run_table(changes: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:func:`run_over_run` formatted for the report, with localised headers."""
    t = i18n.t
    return pd.DataFrame({
        t("kpi.col.kpi", language): [t(f"kpi.{k}", language) for k in changes["kpi"]],
        t("kpi.col.value", language): [format_kpi(k, v) for k, v in
                                       zip(changes["kpi"], changes["current"], strict=True)],
        t("kpi.col.previous", language): [format_kpi(k, v) for k, v in
                                          zip(changes["kpi"], changes["previous"], strict=True)],
        t("kpi.col.delta", language): [
            _change(k, d if KPIS[k].change == "points" else r)
            for k, d, r in zip(changes["kpi"], changes["delta"], changes["relative"], strict=True)],
    })


def _change(kpi: str, value: Any) -> str:
    """:func:`format_kpi` of a change, without a sign when it reads as zero (``0%``)."""
    text = format_kpi(kpi, value, change=True)
    return text.lstrip("+-") if _finite(value) and _reads_as_zero(kpi, value) else text


def describe_changes(changes: pd.DataFrame, *, top: int = 3, language: str = "en") -> str:
    """The ``top`` largest moves since the previous run, as ``"CAC +12%; NPS -4.0"``.

    Relative KPIs are ranked by their relative change; shares by their change in points
    and scores by their change over 100, so 5 points of churn weigh like a 5 % move.
    Changes that read as zero (``+0%``, ``-0.0 pts``) are no moves. Empty text when
    nothing can be compared or nothing moved.
    """
    c = changes.dropna(subset=["delta"]).reset_index(drop=True)
    moved = [not _reads_as_zero(k, d if KPIS[k].change == "points" else r)
             if _finite(d if KPIS[k].change == "points" else r) else False
             for k, d, r in zip(c["kpi"], c["delta"], c["relative"], strict=True)]
    c = c[np.asarray(moved, dtype=bool)].reset_index(drop=True) if len(c) else c
    if c.empty:
        return ""
    specs = [KPIS[k] for k in c["kpi"]]
    shown = [d if s.change == "points" else r
             for s, d, r in zip(specs, c["delta"], c["relative"], strict=True)]
    size = [abs(d) / (1.0 if s.unit == "share" else 100.0) if s.change == "points" else abs(r)
            for s, d, r in zip(specs, c["delta"], c["relative"], strict=True)]
    order = np.argsort(-np.nan_to_num(np.asarray(size, dtype="float64"), nan=-1.0),
                       kind="stable")[:top]
    return "; ".join(f"{i18n.t('kpi.' + c['kpi'].iloc[i], language)} "
                     f"{format_kpi(c['kpi'].iloc[i], shown[i], change=True)}" for i in order)


def tier_values(ws: Workspace, as_of: Any, *, language: str = "en", **options
                ) -> tuple[pd.DataFrame | None, str]:
    """Value tier and CLV per account from :func:`helpers.analysis.key_accounts.value_table`.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    language : {"en", "zh"}
        Of the returned source description.
    **options
        Passed to ``value_table``, e.g. ``features=`` with the run's cached account features
        so that they are not computed again.

    Returns
    -------
    (pandas.DataFrame or None, str)
        ``account_id, value_tier, clv`` (profit CLV when the table has it) and a short
        description of the source; ``(None, reason)`` when the value assessment is not
        available in this installation.
    """
    try:
        from helpers.analysis import key_accounts
    except ImportError:
        return None, i18n.t("kpi.tier_source.none", language)
    table = key_accounts.value_table(ws, as_of, **options)
    # profit CLV only where some account has one (no margin in the data: revenue CLV)
    has_profit = "profit_clv" in table.columns and pd.to_numeric(
        table["profit_clv"], errors="coerce").notna().any()
    clv_col = "profit_clv" if has_profit else "clv"
    out = table[["account_id", "value_tier", clv_col]].rename(columns={clv_col: "clv"})
    out["value_tier"] = out["value_tier"].astype("string")
    return out, i18n.t(f"kpi.tier_source.{clv_col}", language)


def tier_name(tier: Any, language: str = "en") -> str:
    """A value tier in the report language (:func:`helpers.analysis.key_accounts.value_label`)."""
    try:
        from helpers.analysis import key_accounts
    except ImportError:
        return str(tier)
    return key_accounts.value_label("tier", tier, language)


def tier_groups(values: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """``account_id, group`` from :func:`tier_values`, the tiers named in the report language,
    as a split for :func:`compare_breakdowns`."""
    return pd.DataFrame({"account_id": values["account_id"].to_numpy(),
                         "group": [tier_name(v, language) for v in values["value_tier"]]})


def tier_table(tiers: pd.DataFrame, *, currency: str = "", language: str = "en"):
    """:func:`clv_by_tier` as a table for people (:func:`helpers.presentation.tables.people_table`).

    Tier names are localised; shares are of the positive CLV, so they add up to 100 %.
    """
    from helpers.presentation.tables import people_table

    t = i18n.t
    frame = pd.DataFrame({"tier": [tier_name(v, language) for v in tiers["tier"]],
                          "accounts": tiers["accounts"].to_numpy(),
                          "clv_mean": tiers["clv_mean"].to_numpy(dtype="float64"),
                          "clv_share": tiers["clv_share"].to_numpy(dtype="float64")})
    kinds = {"tier": "text", "accounts": "int", "clv_mean": "money", "clv_share": "share"}
    labels = {c: t(f"kpi.col.{c}", language) for c in ("tier", "accounts", "clv_mean",
                                                         "clv_share")}
    if "clv_cac" in tiers.columns:
        frame["clv_cac"] = tiers["clv_cac"].to_numpy(dtype="float64")
        kinds["clv_cac"], labels["clv_cac"] = "ratio", t("kpi.clv_cac", language)
    return people_table(frame, kinds=kinds, labels=labels, currency=currency,
                        language=language)


#: Stages of a closed opportunity; any other stage is open.
CLOSED_STAGES = ("won", "lost")


def pipeline_by_stage(ws: Workspace, as_of: Any, *, since: Any = None) -> pd.DataFrame:
    """Open pipeline on ``as_of`` by stage, with the deals won and lost since ``since``.

    An opportunity is open on ``as_of`` when it was created by then and is neither won
    nor lost, or closed only later (it was still open then; its stage is shown as
    ``open``). Won and lost rows count the opportunities closed from ``since`` to
    ``as_of`` (left out without ``since``).

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    since : date-like, optional
        First day of the period whose closed deals are shown (e.g. the last KPI period).

    Returns
    -------
    pandas.DataFrame
        ``stage, status`` (``open`` or ``closed``), ``opportunities, value, average``;
        open stages first, largest value first. Empty without an ``opportunities``
        table with ``stage`` and ``amount``.
    """
    frames = _query_pipeline(ws, as_of, since)
    return _pipeline_table(frames)


#: Columns of :func:`pipeline_by_stage`.
_PIPELINE_COLUMNS = ["stage", "status", "opportunities", "value", "average"]


def _query_pipeline(ws: Workspace, as_of: Any, since: Any) -> list[pd.DataFrame] | None:
    """Open opportunities on ``as_of`` and those closed since ``since``, by stage
    (``None``: no ``opportunities`` table with ``stage``, ``amount`` and ``created_date``)."""
    if not ws.has("opportunities"):
        return None
    op = ws.table("opportunities")
    if not {"stage", "amount", "created_date"} <= set(op.columns):
        return None
    day = parse_as_of(as_of)
    op = op.filter(op.created_date.notnull(), op.created_date <= day, op.stage.notnull())
    closed = op.stage.isin(list(CLOSED_STAGES))
    closed_by_then = closed & op.close_date.notnull() & (op.close_date <= day) \
        if "close_date" in op.columns else closed
    open_stage = ibis.ifelse(closed, ibis.literal("open"), op.stage)
    frames = []
    opened = op.filter(~closed_by_then).mutate(stage=open_stage)
    frames.append(opened.group_by("stage").agg(opportunities=opened.count(),
                                               value=opened.amount.sum())
                  .to_pandas().assign(status="open"))
    if since is not None and "close_date" in op.columns:
        start = parse_as_of(since)
        done = op.filter(closed_by_then, op.close_date >= start)
        frames.append(done.group_by("stage").agg(opportunities=done.count(),
                                                 value=done.amount.sum())
                      .to_pandas().assign(status="closed"))
    return frames


def _pipeline_table(frames: list[pd.DataFrame] | None) -> pd.DataFrame:
    """The table of :func:`pipeline_by_stage` from the per-stage frames of the engine."""
    columns = _PIPELINE_COLUMNS
    if frames is None:
        return pd.DataFrame(columns=columns)
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True) \
        if any(not f.empty for f in frames) else pd.DataFrame(columns=columns)
    if out.empty:
        return out
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64").fillna(0.0)
    out["opportunities"] = out["opportunities"].astype("int64")
    out["average"] = out["value"] / out["opportunities"].where(out["opportunities"] > 0)
    out["stage"] = out["stage"].astype(str)
    out = out.sort_values(["status", "value"], ascending=[False, False], kind="stable")
    return out[columns].reset_index(drop=True)


def stage_name(stage: Any, language: str = "en") -> str:
    """An opportunity stage in the report language; stages of a CRM export read as they
    are, with underscores as spaces."""
    key = f"kpi.pipeline.stage.{stage}"
    return i18n.t(key, language) if key in i18n.LABELS else str(stage).replace("_", " ")


def pipeline_table(pipeline: pd.DataFrame, *, currency: str = "", language: str = "en",
                   caption: str | None = None):
    """:func:`pipeline_by_stage` as a table for people (open stages, then won and lost)."""
    from helpers.presentation.tables import people_table

    t = i18n.t
    frame = pd.DataFrame({
        "stage": [t("kpi.pipeline.closed_in", language, stage=stage_name(s, language))
                  if st == "closed" else stage_name(s, language)
                  for s, st in zip(pipeline["stage"], pipeline["status"], strict=True)],
        "opportunities": pipeline["opportunities"].to_numpy(),
        "value": pipeline["value"].to_numpy(dtype="float64"),
        "average": pipeline["average"].to_numpy(dtype="float64")})
    labels = {c: t(f"kpi.pipeline.col.{c}", language) for c in frame.columns}
    return people_table(frame, kinds={"stage": "text", "opportunities": "int", "value": "money",
                                      "average": "money"},
                        labels=labels, currency=currency, language=language, caption=caption)


def pipeline_sentence(pipeline: pd.DataFrame, *, currency: str = "", language: str = "en"
                      ) -> str | None:
    """``Open pipeline on 2026-06-30: 621 opportunities worth 12.3M EUR.``, or ``None``."""
    from helpers.presentation.tables import compact_number

    open_rows = pipeline[pipeline["status"] == "open"] if len(pipeline) else pipeline
    if open_rows.empty:
        return None
    value = float(open_rows["value"].sum())
    return i18n.t("kpi.pipeline.sentence", language, n=f"{int(open_rows.opportunities.sum()):,}",
                  value=f"{compact_number(value, language)} {currency}".strip(),
                  stages=len(open_rows))


# --------------------------------------------------------------------------- report sentences
#
# Each sentence names only values the data gives: a KPI without a value is left out of a
# sentence instead of showing as a dash inside it, and a comparison needs two groups.

#: The analyses of :data:`helpers.data.capabilities.ANALYSES` behind each headline KPI.
KPI_ANALYSES: dict[str, tuple[str, ...]] = {
    "cac": ("kpis.cac",), "clv": ("kpis.clv",), "clv_cac": ("kpis.cac", "kpis.clv"),
    "churn_rate": ("kpis.churn",), "nrr": ("kpis.churn",), "grr": ("kpis.churn",),
    "win_rate": ("kpis.conversion",), "nps": ("kpis.satisfaction",),
    "csat": ("kpis.satisfaction",),
}


def _finite(value: Any) -> bool:
    try:
        return bool(np.isfinite(float(value)))
    except (TypeError, ValueError):
        return False


def _sentences(parts: Sequence[str], language: str) -> str:
    """Sentences joined as the language writes them (Chinese needs no space)."""
    return ("" if language == "zh" else " ").join(parts)


def _with_unit(kpi: str, value: Any, currency: str) -> str:
    text = format_kpi(kpi, value)
    return f"{text} {currency}".strip() if KPIS[kpi].unit == "money" else text


def headline_sentence(current: Mapping[str, float], period: str, *, currency: str = "",
                      language: str = "en", flags: pd.DataFrame | None = None) -> str | None:
    """The headline finding of the last period, naming only the KPIs that have a value.

    Parameters
    ----------
    current : mapping
        KPI -> value, from :func:`headline_values` (unknown KPIs are absent or NaN).
    period : str
    currency : str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`: flagged KPIs are left out (:func:`flag_note` names them),
        except those flagged only for a history under a year (their value stands).

    Returns
    -------
    str or None
        With CAC, CLV, CLV:CAC and NPS all known and unflagged, the full sentence;
        otherwise the known headline KPIs listed; ``None`` when no KPI has a value.
    """
    t = i18n.t
    flagged = {} if flags is None or flags.empty else _flag_map(flags[flags.kind != "start"])
    known = {k: v for k, v in current.items() if k in KPIS and _finite(v) and k not in flagged}
    if all(k in known for k in ("cac", "clv", "clv_cac", "nps")):
        return t("kpi.finding.headline", language, period=period_name(period, language),
                 cac=_with_unit("cac", known["cac"], currency),
                 clv=_with_unit("clv", known["clv"], currency),
                 ratio=format_kpi("clv_cac", known["clv_cac"]),
                 nps=format_kpi("nps", known["nps"]))
    items = [t("kpi.headline.item", language, kpi=t(f"kpi.{k}", language),
               value=_with_unit(k, known[k], currency))
             for k in HEADLINE_KPIS if k in known]
    if not items:
        return None
    return t("kpi.finding.headline_known", language, period=period_name(period, language),
             items=t("kpi.headline.sep", language).join(items))


def _unsupported(kpi: str, caps) -> str | None:
    """The first analysis behind ``kpi`` that the data does not support, or ``None``."""
    if caps is None:
        return None
    return next((key for key in KPI_ANALYSES.get(kpi, ()) if not caps.supports(key)), None)


def unavailable_note(current: Mapping[str, float], caps=None, *, period: str = "",
                     kpis: Sequence[str] = HEADLINE_KPIS, language: str = "en") -> str | None:
    """The headline KPIs that are not shown, grouped by the reason, as a Markdown list.

    A KPI whose analysis the data does not support (:data:`KPI_ANALYSES`) carries that
    analysis's "Skipped: reason." note; one without a value in the last period says why.

    Parameters
    ----------
    current : mapping
        KPI -> value of the last period (unknown KPIs absent or NaN).
    caps : helpers.data.capabilities.Capabilities, optional
    period : str
        The last period.
    kpis : sequence of str
    language : {"en", "zh"}

    Returns
    -------
    str or None
        ``None`` when every KPI is shown.
    """
    t = i18n.t
    groups: dict[str, list[str]] = {}
    for k in kpis:
        key = _unsupported(k, caps)
        if key is not None:
            note = caps.skip_note(key, language)
        elif _finite(current.get(k)):
            continue
        elif k in ("new_customers", "cac", "clv_cac") and not _finite(current.get("new_customers")):
            note = t("kpi.reason.new_customers", language)
        else:
            note = t("kpi.reason.no_value", language, period=period_name(period, language))
        groups.setdefault(note, []).append(t(f"kpi.{k}", language))
    if not groups:
        return None
    lines = [t("kpi.unavailable.item", language, kpis=t("kpi.headline.sep", language).join(names),
               reason=note) for note, names in groups.items()]
    return t("kpi.unavailable", language) + "\n\n" + "\n".join(f"- {line}" for line in lines)


def trend_sentence(changes: pd.DataFrame, errors: pd.DataFrame, kpi: str = "revenue", *,
                   holdout: int = 2, currency: str = "", language: str = "en",
                   flags: pd.DataFrame | None = None,
                   min_points: int = MIN_SERIES_POINTS) -> str | None:
    """How ``kpi`` moved in the last period and how well its forecast did, as far as known.

    Parameters
    ----------
    changes : pandas.DataFrame
        From :func:`kpi_changes`.
    errors : pandas.DataFrame
        The second result of :func:`forecasts`.
    kpi : str
    holdout : int
        Periods held back (the notebook's parameter).
    currency : str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`: a flagged KPI's moves are replaced by its flag.
    min_points : int
        Values a forecast needs (for the sentence when there is none).

    Returns
    -------
    str or None
        The moves that have a value, the forecast error when periods could be held back,
        and the next period's range (or why there is no forecast); ``None`` when there is
        nothing to say.
    """
    t = i18n.t
    name = t(f"kpi.{kpi}", language)
    rows = changes[changes.kpi == kpi]
    flag = _flag_map(flags).get(kpi)
    pop = rows["pop"].iloc[-1] if len(rows) and not flag else np.nan
    yoy = rows["yoy"].iloc[-1] if len(rows) and not flag else np.nan
    err = errors.set_index("kpi").loc[kpi] if kpi in set(errors["kpi"]) else None
    mape = err["mape"] if err is not None else np.nan
    fmt = {"kpi": name, "pop": format_kpi(kpi, pop, change=True),
           "yoy": format_kpi(kpi, yoy, change=True), "holdout": holdout,
           "mape": f"{mape:.0%}" if _finite(mape) else "",
           "method": err["method"] if err is not None else ""}
    if _finite(pop) and _finite(yoy) and _finite(mape):
        parts = [t("kpi.finding.trend", language, **fmt)]
    else:
        parts = [t("kpi.flag.trend", language, kpi=name, reason=flag)] if flag else []
        if _finite(pop) and _finite(yoy):
            parts.append(t("kpi.finding.trend_move", language, **fmt))
        elif _finite(pop):
            parts.append(t("kpi.finding.trend_pop", language, **fmt))
        elif _finite(yoy):
            parts.append(t("kpi.finding.trend_yoy", language, **fmt))
        if _finite(mape):
            parts.append(t("kpi.finding.trend_error", language, **fmt))
        elif err is not None and err.get("method", "") != "none":
            parts.append(t("kpi.finding.no_holdout", language, kpi=name))
    if err is not None and _finite(err["next_lower"]) and _finite(err["next_upper"]):
        parts.append(t("kpi.finding.forecast", language, kpi=name,
                       lo=_with_unit(kpi, err["next_lower"], currency),
                       hi=_with_unit(kpi, err["next_upper"], currency)))
    elif err is not None and err.get("method", "") == "none":
        parts.append(t("kpi.finding.no_forecast", language, kpi=name,
                       n=int(err.get("points", 0) or 0), need=min_points))
    return _sentences(parts, language) or None


def funnel_sentence(series: pd.DataFrame, language: str = "en") -> str | None:
    """The last period's funnel and win rate, naming only what has a value.

    Returns
    -------
    str or None
        ``None`` without engaged accounts and without closed opportunities.
    """
    t = i18n.t
    if series.empty:
        return None
    last = series.iloc[-1]
    fmt = {"period": period_name(last["period"], language),
           "engaged": f"{int(last['engaged']):,}" if _finite(last.get("engaged")) else "",
           "opp_rate": format_kpi("conv_engaged_opp", last.get("conv_engaged_opp")),
           "won_rate": format_kpi("conv_opp_won", last.get("conv_opp_won")),
           "win": format_kpi("win_rate", last.get("win_rate")),
           "cycle": format_kpi("sales_cycle_days", last.get("sales_cycle_days"))}
    funnel = _finite(last.get("conv_engaged_opp")) and _finite(last.get("conv_opp_won"))
    win, cycle = _finite(last.get("win_rate")), _finite(last.get("sales_cycle_days"))
    if funnel and win and cycle:
        return t("kpi.finding.funnel", language, **fmt)
    parts = []
    if funnel:
        parts.append(t("kpi.finding.funnel_conv", language, **fmt))
    if win:
        parts.append(t("kpi.finding.win_cycle" if cycle else "kpi.finding.win", language, **fmt))
    elif "win_rate" in series.columns:
        parts.append(t("kpi.finding.no_closed", language, **fmt))
    return _sentences(parts, language) or None


def priced_channels(channels: pd.DataFrame) -> pd.DataFrame:
    """The channels of :func:`cac_by_channel` that have a CAC, cheapest first."""
    cac_values = pd.to_numeric(channels["cac"], errors="coerce").astype("float64")
    return channels[np.isfinite(cac_values)].sort_values("cac", kind="stable")


def channels_sentence(channels: pd.DataFrame, *, currency: str = "", language: str = "en"
                      ) -> str:
    """The cheapest and dearest channel of :func:`cac_by_channel`, or why there is none.

    One channel with a CAC is named alone; none says whether new customers or costs are
    lacking. New customers without an acquisition channel are counted in a second sentence.
    """
    t = i18n.t
    priced = priced_channels(channels)
    method = t(f"kpi.method.{channels.attrs.get('method', 'spend')}", language)
    if len(priced) >= 2:
        text = t("kpi.finding.channels", language, best=channel_name(priced.channel.iloc[0], language),
                 worst=channel_name(priced.channel.iloc[-1], language), method=method,
                 best_cac=_with_unit("cac", priced.cac.iloc[0], currency),
                 worst_cac=_with_unit("cac", priced.cac.iloc[-1], currency))
    elif len(priced) == 1:
        text = t("kpi.finding.channels_single", language,
                 channel=channel_name(priced.channel.iloc[0], language),
                 cac=_with_unit("cac", priced.cac.iloc[0], currency), method=method)
    elif (channels["new_customers"] > 0).any():
        text = t("kpi.finding.channels_unpriced", language)
    else:
        text = t("kpi.finding.channels_none", language)
    blank = int(channels.attrs.get("no_channel", 0))
    if blank:
        text = _sentences([text, t("kpi.finding.no_channel", language, n=f"{blank:,}")],
                          language)
    return text


def pick_metric(table: pd.DataFrame, candidates: Sequence[str], *, min_groups: int = 2
                ) -> str | None:
    """The first of ``candidates`` that at least ``min_groups`` groups of ``table`` have.

    A comparison needs two groups with a value; ``None`` when no candidate has them.
    """
    for metric in candidates:
        if metric in table.columns and pd.to_numeric(
                table[metric], errors="coerce").replace([np.inf, -np.inf], np.nan).notna(
                ).sum() >= min_groups:
            return metric
    return None


def comparison_panels(tables: Mapping[str, pd.DataFrame],
                      candidates: Mapping[str, Sequence[str]], *, language: str = "en"
                      ) -> list[dict]:
    """The comparison charts worth drawing: one per split that has a metric in two groups.

    Parameters
    ----------
    tables : mapping
        Dimension (``region``, ``industry``, ``tier``...) -> :func:`compare_kpis` table.
    candidates : mapping
        Dimension -> metrics to try in order (``("nps", "churn_rate", "win_rate")``).
    language : {"en", "zh"}

    Returns
    -------
    list of dict
        ``dim, table, metric, lower, upper, percent, title`` for :func:`plot_comparison`.
    """
    out = []
    for dim, table in tables.items():
        metric = pick_metric(table, candidates.get(dim, ()))
        if metric is None:
            continue
        lower, upper = INTERVALS.get(metric, (None, None))
        out.append({"dim": dim, "table": table, "metric": metric, "lower": lower,
                    "upper": upper, "percent": KPIS[metric].unit == "share",
                    "title": f"{i18n.t(f'kpi.{metric}', language)} · "
                             f"{i18n.t(f'dim.{dim}', language, default=dim)}"})
    return out


def spread_sentence(panel: Mapping[str, Any], language: str = "en") -> str | None:
    """The lowest and highest group of a :func:`comparison_panels` panel, or ``None`` when
    fewer than two groups have a value."""
    metric, table = panel["metric"], panel["table"]
    values = pd.to_numeric(table[metric], errors="coerce")
    ranked = table[np.isfinite(values.astype("float64"))].assign(
        _v=values).sort_values("_v", kind="stable")
    if len(ranked) < 2:
        return None
    lo, hi = ranked.iloc[0], ranked.iloc[-1]
    return i18n.t("kpi.finding.segments", language,
                  low=format_kpi(metric, lo["_v"]), low_group=lo["group"],
                  high=format_kpi(metric, hi["_v"]), high_group=hi["group"],
                  dim=i18n.t(f"dim.{panel['dim']}", language, default=panel["dim"]),
                  kpi=i18n.t(f"kpi.{metric}", language))


def _panel_counts(panel: Mapping[str, Any]) -> pd.DataFrame | None:
    """Group-by-outcome counts behind a panel's metric (missing-value groups left out)."""
    from helpers.presentation.findings import is_missing_level

    metric, table = panel["metric"], panel["table"]
    table = table[[not is_missing_level(g) for g in table["group"]]]
    if metric == "nps" and {"promoters", "detractors", "nps_responses"} <= set(table.columns):
        p, d = table["promoters"], table["detractors"]
        counts = pd.DataFrame({"p": p, "n": table["nps_responses"] - p - d, "d": d})
    elif metric == "churn_rate" and {"churned", "customers_start"} <= set(table.columns):
        counts = pd.DataFrame({"c": table["churned"],
                               "k": table["customers_start"] - table["churned"]})
    elif metric == "win_rate" and {"opps_won", "opps_lost"} <= set(table.columns):
        counts = pd.DataFrame({"w": table["opps_won"], "l": table["opps_lost"]})
    else:
        return None
    counts = counts.apply(pd.to_numeric, errors="coerce").fillna(0).clip(lower=0)
    return counts.set_axis(list(table["group"]))


def spread_findings(panels: Sequence[Mapping[str, Any]], log, *, language: str = "en"
                    ) -> list:
    """The group comparisons shown in the charts, each stated only when the groups differ.

    Each panel's metric is tested with the chi-square test of independence between the
    group and the outcome (promoter / passive / detractor for NPS, churned or kept for
    churn, won or lost for the win rate; :func:`helpers.stats.multiple_testing.independence_test`),
    and the panels shown together are corrected as one family by ``log``. A panel that
    passes states its range (:func:`spread_sentence`); one that does not says that no
    reliable difference was found among its groups.

    Parameters
    ----------
    panels : sequence of dict
        From :func:`comparison_panels`.
    log : helpers.presentation.findings.FindingLog
    language : {"en", "zh"}

    Returns
    -------
    list of Finding
        One per panel with a sentence, in the panels' order.
    """
    from helpers.presentation.findings import comparison
    from helpers.stats.multiple_testing import adjust, independence_test

    t = i18n.t
    rows = []
    for panel in panels:
        text = spread_sentence(panel, language)
        if text is None:
            continue
        counts = _panel_counts(panel)
        res = independence_test(counts.to_numpy()) if counts is not None else {
            "p_value": math.nan, "cramers_v": math.nan}
        n = int(counts.to_numpy().sum()) if counts is not None else 0
        groups = int(pd.to_numeric(panel["table"][panel["metric"]], errors="coerce").notna().sum())
        rows.append((panel, text, res, n, groups))
    if not rows:
        return []
    p = np.array([r[2]["p_value"] for r in rows], dtype="float64")
    adj = adjust(p, log.method)
    out = []
    for i, (panel, text, res, n, groups) in enumerate(rows):
        dim = t(f"dim.{panel['dim']}", language, default=panel["dim"])
        out.append(comparison(
            text, test="chi-square", p_value=p[i], p_adjusted=adj[i], alpha=log.alpha,
            effect=res["cramers_v"], n=n, family=t("kpi.segments.family", language),
            family_size=int(np.isfinite(p).sum()), method=log.method,
            effect_label="Cramér's V",
            fallback=t("kpi.segments.none", language, kpi=t(f"kpi.{panel['metric']}", language),
                       n=groups, dim=dim),
            action=t(f"kpi.action.{panel['metric']}", language,
                     default=t("kpi.action.other", language)),
            language=language))
    log.add(*out)
    return out


def tiers_sentence(clv_tiers: pd.DataFrame | None, *, source: str = "", currency: str = "",
                   language: str = "en") -> str | None:
    """Which value tier carries the largest share of CLV (:func:`clv_by_tier`).

    Returns
    -------
    str or None
        ``None`` unless two or more tiers have a CLV share.
    """
    if clv_tiers is None or clv_tiers.empty:
        return None
    share = pd.to_numeric(clv_tiers["clv_share"], errors="coerce").astype("float64")
    known = clv_tiers[np.isfinite(share)]
    if len(known) < 2:
        return None
    top = known.loc[share[np.isfinite(share)].idxmax()]
    fmt = {"tier": tier_name(top["tier"], language), "share": f"{top['clv_share']:.0%}",
           "clv": _with_unit("clv", top["clv_mean"], currency),
           "ratio": format_kpi("clv_cac", top.get("clv_cac"))}
    text = i18n.t("kpi.finding.tiers" if _finite(top.get("clv_cac")) else
                  "kpi.finding.tiers_no_cac", language, **fmt)
    return text + " " + i18n.t("kpi.finding.tiers_source", language, source=source) \
        if source else text


# --------------------------------------------------------------------------- plots


def plot_kpi_trend(frame: pd.DataFrame, *, ax=None, title: str = "", ylabel: str = "",
                   percent: bool = False, labels: Mapping[str, str] | None = None,
                   language: str = "en", currency: str = "", money: bool = False,
                   legend: bool = True):
    """Actuals with the held-back forecast and the forecast band (from :func:`forecast`).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``label, actual, forecast, lower, upper, part``.
    ax : matplotlib.axes.Axes, optional
    title, ylabel : str
    percent : bool
        Format the y axis as percent (for shares).
    labels : mapping, optional
        Legend texts for ``actual``, ``forecast`` and ``band``.
    language : {"en", "zh"}
        Of the period ticks (:func:`period_name`) and compact money ticks.
    currency : str
    money : bool
        Compact money ticks with the currency in the axis label
        (:func:`helpers.presentation.plotting.money_axis`).
    legend : bool
        Draw the legend outside the plot (leave it off to draw one for several panels).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import PercentFormatter

    from helpers.presentation.plotting import PALETTE, legend_outside, money_axis

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    names = {"actual": "actual", "forecast": "forecast", "band": "forecast band", **(labels or {})}
    x = np.arange(len(frame))
    ax.plot(x, frame["actual"], marker="o", color=PALETTE[0], label=names["actual"])
    fc = frame["part"] != "history"
    ax.plot(x[fc], frame.loc[fc, "forecast"], marker="o", ls="--", color=PALETTE[3],
            label=names["forecast"])
    ax.fill_between(x[fc], frame.loc[fc, "lower"], frame.loc[fc, "upper"], color=PALETTE[3],
                    alpha=0.2, label=names["band"])
    ax.set_xticks(x, [period_name(v, language) for v in frame["label"]], rotation=45,
                  ha="right")
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if money:
        money_axis(ax, currency, language=language, label=ylabel)
    if legend:
        legend_outside(ax, fontsize=8)
    return ax


def plot_kpi_trends(frames: Mapping[str, pd.DataFrame], *, axes, language: str = "en",
                    currency: str = "", labels: Mapping[str, str] | None = None):
    """:func:`plot_kpi_trend` for several KPIs, one panel each, with one legend on top.

    Parameters
    ----------
    frames : mapping
        KPI -> forecast frame (:func:`forecasts`).
    axes : numpy array of matplotlib.axes.Axes
        At least one panel per KPI; the spare ones are hidden.
    language : {"en", "zh"}
    currency : str
    labels : mapping, optional
        Legend texts for ``actual``, ``forecast`` and ``band``.

    Returns
    -------
    numpy array of matplotlib.axes.Axes
    """
    flat = np.asarray(axes).ravel()
    for ax, (name, frame) in zip(flat, frames.items(), strict=False):
        money = KPIS[name].unit == "money"
        plot_kpi_trend(frame, ax=ax, title=i18n.t(f"kpi.{name}", language),
                       percent=KPIS[name].unit == "share", labels=labels, language=language,
                       currency=currency, money=money, legend=False)
    for ax in flat[len(frames):]:
        ax.set_visible(False)
    if len(frames):
        handles, names = flat[0].get_legend_handles_labels()
        flat[0].figure.legend(handles, names, loc="lower center", ncol=len(handles),
                              bbox_to_anchor=(0.5, 1.0), frameon=False)
    return axes


def trend_alt(frames: Mapping[str, pd.DataFrame], *, currency: str = "", language: str = "en"
              ) -> str:
    """Alt text of :func:`plot_kpi_trends`: the KPIs, the periods and where each ends."""
    if not frames:
        return ""
    sep = i18n.t("kpi.headline.sep", language)
    ends = []
    first_label = last_label = ""
    for name, frame in frames.items():
        hist = frame[frame["actual"].notna()]
        if hist.empty:
            continue
        first_label = first_label or period_name(hist["label"].iloc[0], language)
        last_label = period_name(hist["label"].iloc[-1], language)
        ends.append(i18n.t("kpi.headline.item", language, kpi=i18n.t(f"kpi.{name}", language),
                           value=card_value_text(name, hist["actual"].iloc[-1],
                                                 currency=currency, language=language)))
    future = [period_name(v, language) for v in
              next(iter(frames.values())).query("part == 'future'")["label"]]
    return i18n.t("kpi.alt.trends", language, n=len(frames), first=first_label,
                  last=last_label, ends=sep.join(ends),
                  future=sep.join(future) or "–")


def comparison_alt(table: pd.DataFrame, value: str, *, label: str = "group", kpi: str = "",
                   title: str = "", currency: str = "", language: str = "en") -> str:
    """Alt text of :func:`plot_comparison`: lowest and highest group with their values."""
    v = pd.to_numeric(table[value], errors="coerce") if value in table else pd.Series(dtype=float)
    known = table[v.notna()]
    if known.empty:
        return i18n.t("kpi.alt.compare_empty", language, title=title)
    vals = v[v.notna()]
    lo, hi = known.loc[vals.idxmin()], known.loc[vals.idxmax()]
    fmt = (lambda x: card_value_text(kpi, x, currency=currency, language=language)) \
        if kpi in KPIS else (lambda x: f"{x:,.1f}")
    return i18n.t("kpi.alt.compare", language, title=title, n=len(known),
                  low=lo[label], low_value=fmt(vals.min()), high=hi[label],
                  high_value=fmt(vals.max()))


def funnel_alt(funnel: pd.DataFrame, period: str, language: str = "en") -> str:
    """Alt text of :func:`plot_funnel`: the accounts at each stage of the period."""
    counts = dict(zip(funnel["stage"], funnel["accounts"], strict=True))
    return i18n.t("kpi.alt.funnel", language, period=period_name(period, language),
                  engaged=f"{int(counts.get('engaged', 0)):,}",
                  opp=f"{int(counts.get('opportunity', 0)):,}",
                  won=f"{int(counts.get('won', 0)):,}")


def channel_name(channel: Any, language: str = "en") -> str:
    """An acquisition channel in the report language (``trade_show`` -> ``trade show``)."""
    key = f"kpi.channel.{channel}"
    return i18n.t(key, language) if key in i18n.LABELS else str(channel).replace("_", " ")


def plot_comparison(table: pd.DataFrame, value: str, *, lower: str | None = None,
                    upper: str | None = None, ax=None, title: str = "", xlabel: str = "",
                    percent: bool = False, label: str = "group"):
    """Dot per group with its interval; small groups are drawn hollow.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`compare_kpis` or :func:`cac_by_channel`.
    value, lower, upper : str
        Columns of the estimate and its interval.
    ax : matplotlib.axes.Axes, optional
    title, xlabel : str
    percent : bool
    label : str
        Column with the group names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.ticker import PercentFormatter

    from helpers.presentation.plotting import PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * max(len(table), 3) + 1))
    t = table[pd.to_numeric(table[value], errors="coerce").notna()].sort_values(value)
    y = np.arange(len(t))
    v = t[value].to_numpy(dtype="float64")
    if lower and upper and lower in t and upper in t:
        lo = v - t[lower].to_numpy(dtype="float64")
        hi = t[upper].to_numpy(dtype="float64") - v
        # float noise can put an estimate a hair outside its interval
        ax.errorbar(v, y, xerr=[np.clip(np.nan_to_num(lo), 0, None),
                                np.clip(np.nan_to_num(hi), 0, None)], fmt="none",
                    ecolor=PALETTE[6], elinewidth=1, capsize=3)
    small = t["small_sample"].to_numpy(dtype=bool) if "small_sample" in t else np.zeros(len(t), bool)
    ax.scatter(v[~small], y[~small], color=PALETTE[0], zorder=3)
    ax.scatter(v[small], y[small], facecolors="white", edgecolors=PALETTE[0], zorder=3)
    ax.set_yticks(y, [str(g) for g in t[label]])
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return ax


def plot_funnel(funnel: pd.DataFrame, *, ax=None, title: str = "",
                stage_labels: Mapping[str, str] | None = None):
    """Horizontal funnel bars with the conversion from the stage before.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.presentation.plotting import PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.8))
    names = [(stage_labels or {}).get(s, s) for s in funnel["stage"]]
    y = np.arange(len(funnel))[::-1]
    bars = ax.barh(y, funnel["accounts"], color=PALETTE[: len(funnel)])
    text = [f"{n:,}" + ("" if pd.isna(c) else f"  ({c:.0%})")
            for n, c in zip(funnel["accounts"], funnel["conversion"], strict=True)]
    ax.bar_label(bars, labels=text, padding=3, fontsize=9)
    ax.set_yticks(y, names)
    ax.set_title(title)
    ax.margins(x=0.25)
    return ax


# --------------------------------------------------------------------------- notebook steps
# Small steps of notebooks/kpi_monitoring.ipynb, so each cell reads as one step of the story.

#: KPIs drawn in the trend panels, in panel order.
TREND_KPIS = ("revenue", "cac", "clv_cac", "churn_rate", "win_rate", "nps")
#: Metrics tried, in order, for the region and the tier (or industry) comparison charts.
SEGMENT_METRICS: dict[str, tuple[str, ...]] = {
    "region": ("nps", "churn_rate", "win_rate"),
    "tier": ("churn_rate", "nps", "win_rate"),
    "industry": ("churn_rate", "nps", "win_rate"),
}


def trend_kpis(series: pd.DataFrame, kpis: Sequence[str] = TREND_KPIS) -> list[str]:
    """The KPIs of ``kpis`` that ``series`` (a :func:`kpi_series` table) has a column for.

    Parameters
    ----------
    series : pandas.DataFrame
    kpis : sequence of str, optional

    Returns
    -------
    list of str
        In the order of ``kpis``.
    """
    return [k for k in kpis if k in series]


def trend_figure(frames: Mapping[str, pd.DataFrame], *, language: str = "en",
                 currency: str = "", labels: Mapping[str, str] | None = None,
                 columns: int = 3):
    """One figure with a :func:`plot_kpi_trend` panel per KPI, ``columns`` panels a row.

    Parameters
    ----------
    frames : mapping
        KPI -> forecast frame (:func:`forecasts`); at least one.
    language : {"en", "zh"}
    currency : str
    labels : mapping, optional
        Legend texts for ``actual``, ``forecast`` and ``band``.
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = -(-len(frames) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(13, 3.3 * rows), squeeze=False)
    plot_kpi_trends(frames, axes=axes, language=language, currency=currency, labels=labels)
    fig.tight_layout()
    return fig


def trend_note(changes: pd.DataFrame, errors: pd.DataFrame | None, found: Sequence,
               too_short: Sequence[str], *, drawn: bool, holdout: int = 2,
               currency: str = "", language: str = "en",
               flags: pd.DataFrame | None = None) -> str:
    """The text under the trend charts: the revenue move, the trend findings, short series.

    Parameters
    ----------
    changes : pandas.DataFrame
        From :func:`kpi_changes`.
    errors : pandas.DataFrame or None
        The second result of :func:`forecasts`.
    found : sequence of helpers.presentation.findings.Finding
        From :func:`trend_findings`.
    too_short : sequence of str
        KPIs whose series is too short for a trend test.
    drawn : bool
        Whether any trend chart was drawn; without one the revenue sentence is left out.
    holdout : int
    currency : str
    language : {"en", "zh"}
    flags : pandas.DataFrame, optional
        From :func:`kpi_flags`.

    Returns
    -------
    str
        Markdown paragraphs.
    """
    from helpers.presentation.findings import FindingLog

    t = i18n.t
    first = (trend_sentence(changes, errors, "revenue", holdout=holdout, currency=currency,
                            language=language, flags=flags) if drawn else None)
    short = (t("kpi.trend.short", language, need=MIN_SERIES_POINTS,
               kpis=t("kpi.headline.sep", language).join(
                   t(f"kpi.{k}", language) for k in too_short)) if too_short else "")
    return "\n\n".join(filter(None, [first or t("kpi.finding.trends_none", language),
                                     " ".join(FindingLog.summary(found)), short]))


def channel_chart(priced: pd.DataFrame, *, currency: str = "", language: str = "en",
                  title: str = "", xlabel: str = ""):
    """The CAC-by-channel dot chart of :func:`priced_channels` and its alt text.

    Parameters
    ----------
    priced : pandas.DataFrame
        From :func:`priced_channels`; channel names are shown in the report language.
    currency : str
    language : {"en", "zh"}
    title : str
        Chart title.
    xlabel : str
        Label of the money axis.

    Returns
    -------
    (matplotlib.figure.Figure, str)
        The figure and its alt text (:func:`comparison_alt`).
    """
    from helpers.presentation.plotting import money_axis

    named = priced.assign(channel=[channel_name(c, language) for c in priced.channel])
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(named) + 1.2))
    plot_comparison(named, "cac", lower="cac_lo", upper="cac_hi", label="channel", ax=ax,
                    title=title)
    money_axis(ax, currency, axis="x", language=language, label=xlabel)
    alt = comparison_alt(named, "cac", label="channel", kpi="cac", title=xlabel,
                         currency=currency, language=language)
    return fig, alt


def segment_splits(values: pd.DataFrame | None, language: str = "en") -> dict[str, Any]:
    """The splits of :func:`compare_breakdowns`: region, industry and, with values, tier.

    Parameters
    ----------
    values : pandas.DataFrame or None
        From :func:`tier_values`; ``None`` leaves the value tier out.
    language : {"en", "zh"}

    Returns
    -------
    dict
        Dimension -> column name or account-to-group table (:func:`tier_groups`).
    """
    splits: dict[str, Any] = {"region": "region", "industry": "industry"}
    if values is not None:
        splits["tier"] = tier_groups(values, language)
    return splits


def segment_panels(regions: pd.DataFrame, tiers: pd.DataFrame, *, tier_dim: str = "tier",
                   language: str = "en") -> list[dict]:
    """The region and tier (or industry) comparison panels (:func:`comparison_panels`).

    Parameters
    ----------
    regions, tiers : pandas.DataFrame
        :func:`compare_kpis` tables by region and by ``tier_dim``.
    tier_dim : {"tier", "industry"}
        What ``tiers`` is split by.
    language : {"en", "zh"}

    Returns
    -------
    list of dict
    """
    return comparison_panels({"region": regions, tier_dim: tiers},
                             {"region": SEGMENT_METRICS["region"],
                              tier_dim: SEGMENT_METRICS[tier_dim]}, language=language)


def panels_figure(panels: Sequence[Mapping[str, Any]], *, language: str = "en"):
    """The comparison panels side by side, and one alt text for them.

    Parameters
    ----------
    panels : sequence of dict
        From :func:`comparison_panels`; at least one.
    language : {"en", "zh"}

    Returns
    -------
    (matplotlib.figure.Figure, str)
    """
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 3.6), squeeze=False)
    for ax, panel in zip(axes.flat, panels, strict=False):
        plot_comparison(panel["table"], panel["metric"], lower=panel["lower"],
                        upper=panel["upper"], ax=ax, title=panel["title"],
                        percent=panel["percent"])
    fig.tight_layout()
    alt = " ".join(comparison_alt(p["table"], p["metric"], kpi=p["metric"], title=p["title"],
                                  language=language) for p in panels)
    return fig, alt


def tier_cac(current: Mapping[str, float], flags: pd.DataFrame, caps=None) -> float | None:
    """The CAC to set against CLV by tier: ``None`` when unflagged margins or CAC are missing.

    Parameters
    ----------
    current : mapping
        Headline values (:func:`headline_values`).
    flags : pandas.DataFrame
        From :func:`kpi_flags`; a flagged CAC is not used.
    caps : helpers.data.capabilities.Capabilities, optional
        Without ``orders.gross_margin`` CLV and CAC do not compare.

    Returns
    -------
    float or None
    """
    if caps is not None and not caps.has("orders", "gross_margin"):
        return None
    if "cac" in set(flags["kpi"]):
        return None
    return current.get("cac")
