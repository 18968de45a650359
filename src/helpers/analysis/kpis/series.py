"""KPI series per period and KPI comparisons between groups.

The engine's counts and sums (:mod:`.queries`) are merged per window and turned into KPIs by
the formulas (:func:`_derive`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError
from helpers.core.params import as_of_date
from helpers.stats.intervals import wilson_interval
from helpers.stats.numbers import safe_divide

from .formulas import (
    HISTORY_MONTHS,
    KPIS,
    PER_YEAR,
    cac,
    churn_rate,
    clv,
    clv_cac_ratio,
    growth,
    nps_from_counts,
    nps_interval,
    win_rate,
)
from .periods import _check_freq, _month_start, kpi_periods, trailing_window
from .queries import _data_start, _engine_parts, _group_map, _spend_start

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "compare_breakdowns",
    "compare_kpis",
    "funnel_table",
    "kpi_changes",
    "kpi_series",
    "trim_to_data",
]


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
    day = as_of_date(as_of)
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
    day = as_of_date(as_of)
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
