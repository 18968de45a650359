"""Account-level features computed in the engine and returned as one pandas row per account.

Every group-by and join runs in the backend behind the workspace (DuckDB by default, or a
database), so the features scale to tens of millions of interactions; pandas only receives
the finished table of one row per account.

Rules that hold for every feature (see :func:`feature_columns_description` for each column):

- Only data on or before ``as_of`` counts. Accounts created after ``as_of`` are left out;
  accounts without a ``created_date`` are kept.
- An *order* is an orders row with ``amount >= 0``. Credit notes (``amount < 0``) reduce
  revenue and margin but are not counted as orders and do not set order dates.
- A window of ``w`` days covers the dates ``as_of - w + 1`` up to ``as_of``.
- ``margin_total`` and ``margin_rate`` are missing for an account whose orders carry no
  gross margin at all (an absent or empty ``gross_margin`` column): the margin is
  unknown, not zero. Accounts without orders have ``margin_total`` 0.
- Missing optional tables: counts become 0, ratios, dates and survey scores become missing
  (NaN/NaT), ``pipeline_open_amount`` becomes 0, ``cost_to_serve`` and
  ``margin_after_service`` become NaN (the cost is unknown, not zero). Without an
  ``interactions`` table there are no ``eng_*`` or ``evt_*`` columns.
- ``eng_<channel>`` and ``evt_<event_type>`` columns are made for every value present in
  the interactions table (before the ``as_of`` filter, so the columns do not change with
  ``as_of``). Names are lower-cased with non-word characters replaced by ``_``; values that
  map to the same name are counted together.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "DEFAULT_SIZE_BANDS",
    "DEFAULT_WINDOWS",
    "FIRMOGRAPHIC_COLUMNS",
    "account_features",
    "account_features_expr",
    "check_size_bands",
    "check_windows",
    "column_slug",
    "feature_column_order",
    "feature_columns_description",
    "finalise_features",
    "group_slugs",
]

#: Default look-back windows in days for ``orders_<w>d`` and ``revenue_<w>d``.
DEFAULT_WINDOWS: tuple[int, ...] = (90, 365)

#: Size bands as ``(label, smallest employee count)`` in increasing order.
DEFAULT_SIZE_BANDS: tuple[tuple[str, int], ...] = (
    ("small", 0),
    ("mid", 50),
    ("large", 500),
    ("enterprise", 5000),
)

FIRMOGRAPHIC_COLUMNS: tuple[str, ...] = (
    "account_id",
    "account_name",
    "industry",
    "employees",
    "annual_revenue",
    "acquisition_cost",
    "region",
    "country",
    "city",
    "owner",
    "acquisition_channel",
    "is_competitor_customer",
    "created_date",
)

_STRING_COLUMNS = (
    "account_id",
    "account_name",
    "industry",
    "region",
    "country",
    "city",
    "owner",
    "acquisition_channel",
)

_OPEN, _WON, _LOST = "open", "won", "lost"



# --------------------------------------------------------------------------- parameters


def check_windows(windows: Iterable[int]) -> tuple[int, ...]:
    """Validate look-back windows and return them as a tuple of distinct positive ints.

    Parameters
    ----------
    windows : iterable of int
        Window lengths in days.

    Returns
    -------
    tuple of int
    """
    out: list[int] = []
    for w in windows:
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w <= 0:
            raise ParamError(f"windows must be positive whole numbers of days, got {w!r}")
        if int(w) in out:
            raise ParamError(f"window {w} is listed twice")
        out.append(int(w))
    return tuple(out)


def check_size_bands(size_bands: Sequence[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """Validate size bands: ``(label, smallest employee count)`` pairs, increasing.

    Parameters
    ----------
    size_bands : sequence of (str, int)
        For example :data:`DEFAULT_SIZE_BANDS`.

    Returns
    -------
    tuple of (str, int)
    """
    bands = tuple((str(label), int(low)) for label, low in size_bands)
    if not bands:
        raise ParamError("size_bands is empty; give at least one (label, minimum) pair")
    lows = [low for _, low in bands]
    if any(b <= a for a, b in zip(lows, lows[1:], strict=False)):
        raise ParamError(f"size_bands minimums must increase strictly, got {lows}")
    labels = [label for label, _ in bands]
    if len(set(labels)) != len(labels):
        raise ParamError(f"size_bands labels must be distinct, got {labels}")
    return bands


def column_slug(value: Any) -> str:
    """Turn a channel or event type into a column-name fragment (``"Web Visit"`` -> ``web_visit``).

    Parameters
    ----------
    value : object
        A category value.

    Returns
    -------
    str
    """
    slug = re.sub(r"\W+", "_", str(value).strip().lower()).strip("_")
    return slug or "blank"


def group_slugs(values: Iterable[Any]) -> dict[str, list[Any]]:
    """Map each column slug to the (sorted) raw values that produce it, slugs sorted.

    Parameters
    ----------
    values : iterable
        Distinct raw values; missing values are skipped.

    Returns
    -------
    dict of str to list
    """
    groups: dict[str, list[Any]] = {}
    for v in sorted({v for v in values if not pd.isna(v)}, key=str):
        groups.setdefault(column_slug(v), []).append(v)
    return dict(sorted(groups.items()))


# --------------------------------------------------------------------------- output shape


def feature_column_order(
    windows: Sequence[int], channels: Iterable[str], event_types: Iterable[str]
) -> list[str]:
    """Column order of the feature table.

    Parameters
    ----------
    windows : sequence of int
        Look-back windows.
    channels, event_types : iterable of str
        Column slugs for the engagement columns.

    Returns
    -------
    list of str
    """
    cols = [*FIRMOGRAPHIC_COLUMNS, "size_band", "tenure_days"]
    cols += ["first_order_date", "last_order_date", "recency_days"]
    for w in windows:
        cols += [f"orders_{w}d", f"revenue_{w}d"]
    cols += [
        "order_count",
        "credit_note_count",
        "revenue_total",
        "margin_total",
        "margin_rate",
        "avg_order_value",
        "revenue_12m",
        "revenue_prev_12m",
        "revenue_growth",
        "mean_gap_days",
        "last_gap_days",
        "product_lines",
        "interactions_total",
        "last_interaction_date",
    ]
    cols += [f"eng_{c}" for c in channels]
    cols += [f"evt_{e}" for e in event_types]
    cols += [
        "opp_count",
        "opp_won",
        "opp_lost",
        "opp_open",
        "win_rate",
        "pipeline_open_amount",
        "nps_latest",
        "csat_mean",
        "cost_to_serve",
        "margin_after_service",
    ]
    return cols


def _is_count(col: str) -> bool:
    return (
        col.startswith(("eng_", "evt_", "opp_"))
        or (col.startswith("orders_") and col.endswith("d"))
        or col in ("order_count", "credit_note_count", "product_lines", "interactions_total")
    )


def finalise_features(
    frame: pd.DataFrame,
    *,
    windows: Sequence[int],
    channels: Iterable[str],
    event_types: Iterable[str],
    size_bands: Sequence[tuple[str, int]],
) -> pd.DataFrame:
    """Give a raw feature frame its column order, stable dtypes and a clean index.

    Counts become int64 (missing -> 0), dates datetime64[ns], strings ``str``,
    ``employees`` nullable Int64, ``is_competitor_customer`` nullable boolean,
    ``size_band`` an ordered categorical, everything else float64. Rows are sorted by
    ``account_id``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per account with at least the columns of :func:`feature_column_order`.
    windows, channels, event_types, size_bands
        As used to build ``frame``.

    Returns
    -------
    pandas.DataFrame
    """
    cols = feature_column_order(windows, channels, event_types)
    out = {}
    for col in cols:
        if col in frame.columns:
            s = frame[col]
        else:
            # No opportunities table means no open pipeline; other money stays unknown.
            fill = 0.0 if col == "pipeline_open_amount" else np.nan
            s = pd.Series(fill, index=frame.index)
        if col in _STRING_COLUMNS:
            s = s.astype("str")
        elif col == "size_band":
            s = pd.Categorical(
                s.astype("object"), categories=[b for b, _ in size_bands], ordered=True
            )
        elif col == "employees":
            s = pd.to_numeric(s, errors="coerce").round().astype("Int64")
        elif col == "is_competitor_customer":
            s = s.astype("object").astype("boolean")
        elif col == "created_date" or col.endswith("_date"):
            s = pd.to_datetime(s).astype("datetime64[ns]")
        elif _is_count(col):
            s = pd.to_numeric(s).fillna(0).astype("int64")
        else:
            s = pd.to_numeric(s, errors="coerce").astype("float64")
        out[col] = s
    result = pd.DataFrame(out, index=frame.index)
    if not result["account_id"].is_monotonic_increasing:
        result = result.sort_values("account_id", kind="stable")
    return result.reset_index(drop=True)


# --------------------------------------------------------------------------- engine


def _size_band_expr(employees: Any, bands: Sequence[tuple[str, int]]) -> Any:
    branches = []
    for i, (label, low) in enumerate(bands):
        cond = employees >= low
        if i + 1 < len(bands):
            cond = cond & (employees < bands[i + 1][1])
        branches.append((cond, label))
    return ibis.cases(*branches, else_=ibis.null("string"))


def _distinct_engagement_values(ws: Workspace) -> tuple[dict, dict]:
    """One cheap query for the distinct channels and event types."""
    t = ws.table("interactions")
    cols = [c for c in ("channel", "event_type") if c in t.columns]
    if not cols:
        return {}, {}
    # Distinct pairs: one scan, and only a few dozen groups.
    found = t.select(*(t[c].cast("string") for c in cols)).distinct().to_pandas()
    channels = group_slugs(found["channel"]) if "channel" in cols else {}
    events = group_slugs(found["event_type"]) if "event_type" in cols else {}
    return channels, events


def _count_if(cond: Any) -> Any:
    # SUM(CASE ...) runs about twice as fast in DuckDB as COUNT(*) FILTER (WHERE ...).
    return ibis.ifelse(cond, 1, 0).sum()


def _sum_if(value: Any, cond: Any) -> Any:
    return ibis.ifelse(cond, value, 0).sum()


def _order_metrics(orders: Any, as_of: dt.date, windows: Sequence[int]) -> tuple[Any, Any]:
    o = orders.filter(orders.order_date <= as_of)
    buy = o.amount >= 0
    metrics = {
        "order_count": _count_if(buy),
        "credit_note_count": _count_if(o.amount < 0),
        "revenue_total": o.amount.sum(),
        "margin_total": o.gross_margin.sum(),
        "first_order_date": o.order_date.min(where=buy),
        "last_order_date": o.order_date.max(where=buy),
        "product_lines": o.product_line.nunique(where=buy),
    }
    for w in windows:
        start = as_of - dt.timedelta(days=w)
        metrics[f"orders_{w}d"] = _count_if(buy & (o.order_date > start))
        metrics[f"revenue_{w}d"] = _sum_if(o.amount, o.order_date > start)
    year_ago = as_of - dt.timedelta(days=365)
    two_years_ago = as_of - dt.timedelta(days=730)
    metrics["revenue_12m"] = _sum_if(o.amount, o.order_date > year_ago)
    metrics["revenue_prev_12m"] = _sum_if(
        o.amount, (o.order_date > two_years_ago) & (o.order_date <= year_ago)
    )

    # Gaps use distinct order dates: the mean gap is (last - first) / (dates - 1), and the
    # last gap needs only the latest date before the last one.
    metrics["n_order_dates"] = o.order_date.nunique(where=buy)
    agg = o.group_by(o.account_id.name("_oid")).aggregate(**metrics)
    last = agg.select("_oid", "last_order_date")
    bought = o.filter(buy)
    earlier = bought.join(last, bought.account_id == last._oid)
    earlier = earlier.filter(earlier.order_date < earlier.last_order_date)
    gaps = earlier.group_by(earlier.account_id.name("_gid")).aggregate(
        prev_order_date=earlier.order_date.max()
    )
    return agg, gaps


def _interaction_metrics(
    t: Any, as_of: dt.date, channels: Mapping[str, list], events: Mapping[str, list]
) -> Any:
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    i = t.filter(t.timestamp < end)
    keys = [c for c in ("channel", "event_type") if c in i.columns]
    # Two stages: counting per (account, channel, event type) first shrinks the table about
    # tenfold, so the conditional sums that pivot the values into columns stay cheap.
    pre = i.group_by(i.account_id, *(i[k].cast("string").name(k) for k in keys)).aggregate(
        _n=i.count(), _last=i.timestamp.max()
    )
    metrics = {
        "interactions_total": pre._n.sum(),
        "last_interaction_date": pre._last.max().date(),
    }
    for slug, values in channels.items():
        metrics[f"eng_{slug}"] = _sum_if(pre._n, pre.channel.isin(values))
    for slug, values in events.items():
        metrics[f"evt_{slug}"] = _sum_if(pre._n, pre.event_type.isin(values))
    return pre.group_by(pre.account_id.name("_iid")).aggregate(**metrics)


def _opportunity_metrics(t: Any, as_of: dt.date) -> Any:
    o = t.filter(t.created_date <= as_of)
    stage = o.stage.cast("string").lower()
    if "close_date" in o.columns:
        # A deal closed after as_of was still open on as_of.
        closed_later = stage.isin([_WON, _LOST]) & o.close_date.notnull() & (o.close_date > as_of)
        stage = ibis.ifelse(closed_later, _OPEN, stage)
    return o.group_by(o.account_id.name("_pid")).aggregate(
        opp_count=o.count(),
        opp_won=_count_if(stage == _WON),
        opp_lost=_count_if(stage == _LOST),
        opp_open=_count_if(stage == _OPEN),
        pipeline_open_amount=_sum_if(o.amount, stage == _OPEN),
    )


def _survey_metrics(t: Any, as_of: dt.date) -> tuple[Any, Any]:
    s = t.filter(t.response_date <= as_of)
    rated = s.filter(s.nps.notnull())
    # Latest response wins; on the same day the larger response_id wins.
    order = [rated.response_date.desc(), rated.response_id.cast("string").desc()]
    ranked = rated.mutate(_rn=ibis.row_number().over(group_by=rated.account_id, order_by=order))
    latest = ranked.filter(ranked._rn == 0).select(
        _nid=ranked.account_id, nps_latest=ranked.nps.cast("float64")
    )
    csat = s.csat.cast("float64").mean() if "csat" in s.columns else ibis.null("float64")
    means = s.group_by(s.account_id.name("_sid")).aggregate(csat_mean=csat)
    return latest, means


def _service_cost_metrics(t: Any, as_of: dt.date) -> Any:
    c = t.filter(t.period_start <= as_of)
    return c.group_by(c.account_id.name("_cid")).aggregate(cost_to_serve=c.amount.sum())


def _zero(x: Any) -> Any:
    return x.coalesce(0)


def _ratio(num: Any, den: Any) -> Any:
    return ibis.ifelse(den > 0, num.cast("float64") / den.cast("float64"), ibis.null("float64"))


def account_features_expr(
    ws: Workspace,
    as_of: Any,
    *,
    windows: Iterable[int] = DEFAULT_WINDOWS,
    size_bands: Sequence[tuple[str, int]] = DEFAULT_SIZE_BANDS,
) -> tuple[Any, dict[str, list], dict[str, list]]:
    """Build the feature query without running it.

    Runs one small query to learn the distinct channels and event types.

    Parameters
    ----------
    ws : workspace
        Anything with ``table(name)`` returning Ibis tables and ``has(name)``.
    as_of : date-like
        Analysis date; later data is ignored.
    windows : iterable of int
        Look-back windows in days.
    size_bands : sequence of (str, int)
        ``(label, smallest employee count)`` pairs.

    Returns
    -------
    expr : ibis.Table
        One row per account sorted by ``account_id``, raw engine types.
    channels, event_types : dict of str to list
        Column slug -> raw values, for the ``eng_*`` and ``evt_*`` columns.
    """
    as_of = as_of_date(as_of)
    windows = check_windows(windows)
    bands = check_size_bands(size_bands)
    for name in ("accounts", "orders"):
        if not ws.has(name):
            raise DataError(f"the data source has no {name!r} table, which features need")

    acc = ws.table("accounts")
    acc = acc.filter(acc.created_date.isnull() | (acc.created_date <= as_of))
    order_agg, gaps = _order_metrics(ws.table("orders"), as_of, windows)
    joined = acc.left_join(order_agg, acc.account_id == order_agg._oid).left_join(
        gaps, acc.account_id == gaps._gid
    )

    has_int = ws.has("interactions")
    channels, events = _distinct_engagement_values(ws) if has_int else ({}, {})
    if has_int:
        ia = _interaction_metrics(ws.table("interactions"), as_of, channels, events)
        joined = joined.left_join(ia, acc.account_id == ia._iid)
    if ws.has("opportunities"):
        pa = _opportunity_metrics(ws.table("opportunities"), as_of)
        joined = joined.left_join(pa, acc.account_id == pa._pid)
    if ws.has("surveys"):
        latest, means = _survey_metrics(ws.table("surveys"), as_of)
        joined = joined.left_join(latest, acc.account_id == latest._nid)
        joined = joined.left_join(means, acc.account_id == means._sid)
    has_cost = ws.has("service_costs")
    if has_cost:
        ca = _service_cost_metrics(ws.table("service_costs"), as_of)
        joined = joined.left_join(ca, acc.account_id == ca._cid)

    j = joined
    as_of_lit = ibis.literal(as_of)
    cols: dict[str, Any] = {c: j[c] for c in FIRMOGRAPHIC_COLUMNS if c in j.columns}
    if "acquisition_cost" not in cols:
        cols["acquisition_cost"] = ibis.null("float64")
    cols["size_band"] = _size_band_expr(j.employees, bands)
    cols["tenure_days"] = as_of_lit.delta(j.created_date, unit="day")
    cols["first_order_date"] = j.first_order_date
    cols["last_order_date"] = j.last_order_date
    cols["recency_days"] = as_of_lit.delta(j.last_order_date, unit="day")
    for w in windows:
        cols[f"orders_{w}d"] = _zero(j[f"orders_{w}d"])
        cols[f"revenue_{w}d"] = _zero(j[f"revenue_{w}d"])
    revenue = _zero(j.revenue_total)
    # An account with orders but no gross margin on any of them has an unknown margin,
    # not a zero one; an account without orders has neither revenue nor margin.
    margin = ibis.ifelse(j.revenue_total.isnull(), 0.0, j.margin_total)
    n_orders = _zero(j.order_count)
    cols["order_count"] = n_orders
    cols["credit_note_count"] = _zero(j.credit_note_count)
    cols["revenue_total"] = revenue
    cols["margin_total"] = margin
    cols["margin_rate"] = _ratio(margin, revenue)
    cols["avg_order_value"] = _ratio(revenue, n_orders)
    rev12, prev12 = _zero(j.revenue_12m), _zero(j.revenue_prev_12m)
    cols["revenue_12m"] = rev12
    cols["revenue_prev_12m"] = prev12
    cols["revenue_growth"] = _ratio(rev12, prev12) - 1
    span = j.last_order_date.delta(j.first_order_date, unit="day")
    cols["mean_gap_days"] = _ratio(span, j.n_order_dates - 1)
    cols["last_gap_days"] = j.last_order_date.delta(j.prev_order_date, unit="day")
    cols["product_lines"] = _zero(j.product_lines)
    if has_int:
        cols["interactions_total"] = _zero(j.interactions_total)
        cols["last_interaction_date"] = j.last_interaction_date
        for name in [*(f"eng_{c}" for c in channels), *(f"evt_{e}" for e in events)]:
            cols[name] = _zero(j[name])
    if ws.has("opportunities"):
        for name in ("opp_count", "opp_won", "opp_lost", "opp_open", "pipeline_open_amount"):
            cols[name] = _zero(j[name])
        cols["win_rate"] = _ratio(j.opp_won, j.opp_won + j.opp_lost)
    if ws.has("surveys"):
        cols["nps_latest"] = j.nps_latest
        cols["csat_mean"] = j.csat_mean
    if has_cost:
        cost = _zero(j.cost_to_serve)
        cols["cost_to_serve"] = cost
        cols["margin_after_service"] = margin - cost
    return j.select(**cols).order_by("account_id"), channels, events


def account_features(
    ws: Workspace,
    as_of: Any,
    *,
    windows: Iterable[int] = DEFAULT_WINDOWS,
    size_bands: Sequence[tuple[str, int]] = DEFAULT_SIZE_BANDS,
) -> pd.DataFrame:
    """Compute one row of features per account, in the engine.

    Parameters
    ----------
    ws : workspace
        Anything with ``table(name)`` returning Ibis tables with canonical columns and
        contract types, and ``has(name)``; normally :func:`helpers.data.datasets.open_workspace`.
        ``accounts`` and ``orders`` are required, the other tables are used when present.
    as_of : date-like
        Analysis date; data dated after it is ignored.
    windows : iterable of int, default (90, 365)
        Look-back windows in days for ``orders_<w>d`` and ``revenue_<w>d``.
    size_bands : sequence of (str, int), default :data:`DEFAULT_SIZE_BANDS`
        ``(label, smallest employee count)`` pairs in increasing order; employees below the
        first minimum or missing give a missing band.

    Returns
    -------
    pandas.DataFrame
        One row per account sorted by ``account_id``; columns as in
        :func:`feature_columns_description`. Counts are int64, money and ratios float64,
        dates datetime64[ns].

    Examples
    --------
    >>> feats = account_features(ws, "2025-06-30")  # doctest: +SKIP
    >>> feats.nlargest(10, "revenue_12m")[["account_name", "revenue_12m"]]  # doctest: +SKIP
    """
    windows = check_windows(windows)
    bands = check_size_bands(size_bands)
    expr, channels, events = account_features_expr(ws, as_of, windows=windows, size_bands=bands)
    # Arrow first: Ibis's own pandas conversion goes through Python objects for any column
    # with missing values, which costs more than the query on large account tables.
    raw = expr.to_pyarrow().to_pandas(date_as_object=False)
    return finalise_features(
        raw, windows=windows, channels=channels, event_types=events, size_bands=bands
    )


# --------------------------------------------------------------------------- documentation

_DESCRIPTIONS: dict[str, str] = {
    "account_id": "account identifier",
    "account_name": "account name",
    "industry": "industry",
    "employees": "number of employees",
    "annual_revenue": "the account's own annual revenue",
    "acquisition_cost": "cost to acquire the account, when the data has it",
    "region": "sales region",
    "country": "country",
    "city": "city",
    "owner": "account owner (sales rep)",
    "acquisition_channel": "channel the account was acquired through",
    "is_competitor_customer": "whether the account also buys from a competitor",
    "created_date": "date the account was created",
    "size_band": "size band from employees (default small <50, mid 50-499, large 500-4999, "
    "enterprise 5000+)",
    "tenure_days": "days from created_date to as_of",
    "first_order_date": "date of the first order (credit notes excluded)",
    "last_order_date": "date of the latest order on or before as_of",
    "recency_days": "days from the latest order to as_of; missing without orders",
    "order_count": "orders on or before as_of (rows with amount >= 0)",
    "credit_note_count": "credit notes (rows with amount < 0)",
    "revenue_total": "net revenue: orders minus credit notes",
    "margin_total": "gross margin summed over orders and credit notes; missing when none of "
                    "the account's orders has a gross margin",
    "margin_rate": "margin_total / revenue_total; missing when revenue_total <= 0",
    "avg_order_value": "revenue_total / order_count; missing without orders",
    "revenue_12m": "net revenue in the 365 days up to as_of",
    "revenue_prev_12m": "net revenue in the 365 days before that",
    "revenue_growth": "revenue_12m / revenue_prev_12m - 1; missing when the previous year "
    "is <= 0",
    "mean_gap_days": "mean days between consecutive distinct order dates; missing with "
    "fewer than two",
    "last_gap_days": "days between the last two distinct order dates",
    "product_lines": "distinct product lines ordered",
    "interactions_total": "interactions on or before as_of (0 without an interactions table)",
    "last_interaction_date": "date of the latest interaction",
    "opp_count": "opportunities created on or before as_of",
    "opp_won": "opportunities won by as_of",
    "opp_lost": "opportunities lost by as_of",
    "opp_open": "opportunities open on as_of (closed later counts as open)",
    "win_rate": "opp_won / (opp_won + opp_lost); missing when none closed",
    "pipeline_open_amount": "amount of the opportunities open on as_of",
    "nps_latest": "NPS of the latest survey answer (same day: larger response_id)",
    "csat_mean": "mean CSAT of survey answers",
    "cost_to_serve": "service costs summed; missing without a service_costs table",
    "margin_after_service": "margin_total - cost_to_serve",
}


def feature_columns_description(*, windows: Iterable[int] = DEFAULT_WINDOWS) -> pd.DataFrame:
    """Describe every feature column in plain language, for documentation and notebooks.

    Parameters
    ----------
    windows : iterable of int, default (90, 365)
        Windows to describe, as passed to :func:`account_features`.

    Returns
    -------
    pandas.DataFrame
        Columns ``column`` and ``meaning``, in feature order. The engagement columns appear
        as the patterns ``eng_<channel>`` and ``evt_<event_type>``.
    """
    windows = check_windows(windows)
    meanings = dict(_DESCRIPTIONS)
    for w in windows:
        meanings[f"orders_{w}d"] = f"orders in the {w} days up to as_of"
        meanings[f"revenue_{w}d"] = f"net revenue in the {w} days up to as_of"
    meanings["eng_<channel>"] = "interactions through this channel"
    meanings["evt_<event_type>"] = "interactions of this event type"
    order = feature_column_order(windows, ["<channel>"], ["<event_type>"])
    return pd.DataFrame({"column": order, "meaning": [meanings[c] for c in order]})
