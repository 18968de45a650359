"""Value tiers, key-account selection and key-account dossiers.

* :func:`value_table` is the one-call account value table (RFM, P(alive), CLV, profit CLV,
  fit score, value tier) that other notebooks use; :func:`assemble_value_table` builds it
  from pieces a notebook has already computed.
* :func:`assign_value_tiers` puts every account in one of :data:`VALUE_TIERS`.
* :func:`select_key_accounts` applies explicit criteria and a capacity and says why each
  chosen account qualifies; :func:`compare_with_previous` shows promotions and demotions.
* :func:`firmographic_fit` is a simple look-alike fit score used when no ICP fit score is
  supplied. It is gated like the look-alike model of the customer profiling
  (:func:`fit_levels`): only the industries and size bands whose share among the best
  customers differs reliably from the rest (Fisher exact test per value, corrected
  together, of an attribute that a chi-square test finds related to being a best customer,
  :func:`helpers.analysis.icp.surviving_levels`) move the score; the other values share the pooled
  average. When no value survives, no fit score is built from noise: the fit criterion is
  skipped with a note of its own (``attrs["fit_problem"]``).
* :func:`dossiers` gathers a compact profile per key account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import ibis
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.analysis import clv as clv_mod
from helpers.analysis import icp
from helpers.analysis import rfm as rfm_mod
from helpers.core.errors import DataError, ParamError
from helpers.core.params import suggest
from helpers.data.features import account_features, parse_as_of
from helpers.presentation import i18n
from helpers.presentation.tables import compact_number
from helpers.stats import multiple_testing as mt

VALUE_TIERS: tuple[str, ...] = ("strategic", "key", "growth", "maintain")
#: Tier thresholds. ``share``: cumulative top share of accounts by value; ``amount``:
#: smallest value in the tier.
DEFAULT_TIER_THRESHOLDS: dict[str, float] = {"strategic": 0.02, "key": 0.10, "growth": 0.30}
TIER_BASES = ("share", "amount")

DEFAULT_CRITERIA: dict[str, Any] = {
    "capacity": 20,
    "min_clv": 0.0,
    "min_fit_score": 0.5,
    "min_p_alive": 0.5,
    "strategic_industries": [],
    "value_column": "profit_clv",
}
CAPACITY_RANGE = (5, 25)
#: Columns of ``exports/account_value.csv``.
EXPORT_COLUMNS: tuple[str, ...] = (
    "account_id", "account_name", "industry", "size_band", "region", "owner",
    "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm_code",
    "rfm_segment", "p_alive", "expected_purchases", "expected_spend", "clv", "margin_rate",
    "cost_rate", "profit_clv", "clv_cac", "fit_score", "stage", "value_tier", "clv_method",
)
NO_PURCHASE_METHOD = "no purchases"

_BASE_COLUMNS = (
    "account_id", "account_name", "industry", "size_band", "region", "country", "owner",
    "acquisition_channel", "acquisition_cost", "first_order_date", "last_order_date", "order_count",
    "revenue_12m", "revenue_prev_12m", "revenue_growth", "revenue_total", "margin_total",
    "product_lines", "opp_open", "pipeline_open_amount", "nps_latest", "cost_to_serve",
)


#: What a report shows for a value that cannot be computed.
DASH = "–"


def _finite(v: Any) -> bool:
    try:
        return v is not None and bool(np.isfinite(float(v)))
    except (TypeError, ValueError):
        return False


def fmt_money(v: Any, currency: str = "") -> str:
    """``1,234 EUR``, or :data:`DASH` for a missing, NaN or infinite value."""
    return f"{float(v):,.0f} {currency}".strip() if _finite(v) else DASH


def fmt_share(v: Any, digits: int = 0, *, signed: bool = False) -> str:
    """``42%`` (``+42%`` when ``signed``), or :data:`DASH` for a missing or infinite value."""
    if not _finite(v):
        return DASH
    v = round(float(v), digits + 2) + 0.0  # a tiny negative share reads 0%, not -0%
    return f"{v:+.{digits}%}" if signed else f"{v:.{digits}%}"


def fmt_number(v: Any, digits: int = 0) -> str:
    """``1,234`` (``digits`` decimals), or :data:`DASH` for a missing or infinite value."""
    return f"{float(v):,.{digits}f}" if _finite(v) else DASH


def percent_or_none(v: Any, digits: int = 1) -> float | None:
    """``100 * v`` rounded to ``digits``, or ``None`` (a headline card shows "–")."""
    return round(100 * float(v), digits) if _finite(v) else None


def populated_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """The ``columns`` of ``frame`` that exist and hold at least one value, in order.

    A report table leaves out a column with nothing in it (no industry in the data, no
    P(alive) without a churn model) rather than showing an empty column. When
    ``account_name`` is empty, ``account_id`` stands in for it.

    Returns
    -------
    list of str
    """
    out = []
    for col in columns:
        vals = frame[col] if col in frame else pd.Series(dtype="float64")
        if vals.dtype == object or pd.api.types.is_string_dtype(vals):
            vals = vals.astype("string").str.strip().replace("", pd.NA)
        if vals.notna().any():
            out.append(col)
        elif col == "account_name" and "account_id" in frame:
            out.append("account_id")
    return list(dict.fromkeys(out))


def largest(values: pd.Series) -> tuple[Any, float]:
    """The label and value of the largest entry of ``values`` (for a chart's alt text).

    Parameters
    ----------
    values : pandas.Series
        Numbers indexed by label; at least one is not missing.

    Returns
    -------
    (label, value)
    """
    return values.idxmax(), float(values.max())


def top_value_accounts(table: pd.DataFrame, value_col: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` accounts with the largest ``value_col``, with the columns of the profit table.

    The columns are name, CLV, margin rate, cost rate (only when the data has service
    costs, ``table.attrs["has_service_costs"]``), profit CLV and CLV:CAC, each only where it
    holds a value (:func:`populated_columns`).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`assemble_value_table` output.
    value_col : str
        Column to rank by.
    n : int, default 10

    Returns
    -------
    pandas.DataFrame
    """
    top = table.nlargest(n, value_col)
    costs = "cost_rate" if table.attrs.get("has_service_costs") else ""
    return top[populated_columns(top, ["account_name", "clv", "margin_rate", costs, "profit_clv",
                                       "clv_cac"])]


def change_counts(changes: pd.DataFrame) -> dict[str, int]:
    """How many accounts were promoted, demoted and kept (:func:`compare_with_previous`).

    Returns
    -------
    dict
        ``{"promoted": int, "demoted": int, "kept": int}``; a missing kind counts 0.
    """
    counts = changes["change"].value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in ("promoted", "demoted", "kept")}


def trend_view(profiles: pd.DataFrame, trend: pd.DataFrame, n: int = 8
               ) -> tuple[pd.DataFrame, dict[str, str], pd.Series]:
    """The monthly revenue of the ``n`` highest-ranked key accounts, for the small multiples.

    Parameters
    ----------
    profiles : pandas.DataFrame
        :func:`dossiers` profiles (``account_id``, ``rank``, ``label``); not empty.
    trend : pandas.DataFrame
        :func:`dossiers` trend (``account_id``, ``month``, ``revenue``).
    n : int, default 8

    Returns
    -------
    shown : pandas.DataFrame
        Trend rows of those accounts with their ``rank``, sorted by rank and month.
    labels : dict
        Account id -> label (``"1. Name"``).
    peak : pandas.Series
        The row of ``shown`` with the highest monthly revenue.
    """
    ranks = profiles.set_index("account_id")["rank"]
    shown = trend[trend["account_id"].isin(ranks.index[:n])].assign(
        rank=lambda d: d["account_id"].map(ranks))
    shown = shown.sort_values(["rank", "month"], kind="stable")
    labels = profiles.set_index("account_id")["label"].to_dict()
    return shown, labels, shown.loc[shown["revenue"].idxmax()]


def value_column(table: pd.DataFrame) -> str:
    """The value a report ranks on: ``profit_clv``, or ``clv`` when no profit CLV is known.

    Profit CLV needs a gross margin; without any (``attrs["has_margin"]`` False, or the
    column all missing) the revenue CLV is used instead, and the report says so.

    Returns
    -------
    str
    """
    if "profit_clv" in table and table["profit_clv"].notna().any() and table.attrs.get(
            "has_margin", True):
        return "profit_clv"
    return "clv"


# --------------------------------------------------------------------------- value tiers


def check_tier_thresholds(thresholds: Mapping[str, Any] | None, basis: str = "share"
                          ) -> dict[str, float]:
    """Validate tier thresholds for ``strategic``, ``key`` and ``growth``.

    Parameters
    ----------
    thresholds : mapping or None
        ``{"strategic": ..., "key": ..., "growth": ...}``; None gives
        :data:`DEFAULT_TIER_THRESHOLDS` (share basis only).
    basis : {"share", "amount"}
        ``share``: each number is the cumulative top share of accounts (0 to 1], and
        must not decrease from strategic to growth. ``amount``: each number is the
        smallest value in that tier, and must not increase from strategic to growth.

    Returns
    -------
    dict
    """
    if basis not in TIER_BASES:
        raise ParamError(f"tier_basis={basis!r} is not known; use 'share' or 'amount'")
    if thresholds is None:
        if basis == "amount":
            raise ParamError("tier_basis 'amount' needs tier_thresholds with amounts")
        thresholds = DEFAULT_TIER_THRESHOLDS
    if not isinstance(thresholds, Mapping):
        raise ParamError("tier_thresholds must map strategic, key and growth to numbers")
    named = VALUE_TIERS[:-1]
    for name in thresholds:
        if name not in named:
            raise ParamError(
                f"tier_thresholds: unknown tier {name!r}"
                + suggest(str(name), named)
                + f" Tiers with thresholds: {', '.join(named)} (maintain is everyone else)")
    missing = [t for t in named if t not in thresholds]
    if missing:
        raise ParamError(f"tier_thresholds: give a threshold for {', '.join(missing)}")
    out = {}
    for name in named:
        v = thresholds[name]
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not np.isfinite(v):
            raise ParamError(f"tier_thresholds: {name} must be a number, got {v!r}")
        out[name] = float(v)
    vals = [out[t] for t in named]
    if basis == "share":
        if not all(0 < v <= 1 for v in vals) or vals != sorted(vals):
            raise ParamError(
                f"tier_thresholds (share of accounts): need 0 < strategic <= key <= growth "
                f"<= 1, got {out}")
    elif vals != sorted(vals, reverse=True) or vals[-1] < 0:
        raise ParamError(f"tier_thresholds (amounts): need strategic >= key >= growth >= 0, "
                         f"got {out}")
    return out


def assign_value_tiers(value: Any, thresholds: Mapping[str, Any] | None = None, *,
                       basis: str = "share") -> pd.Series:
    """Put each account in a value tier: strategic, key, growth or maintain.

    Parameters
    ----------
    value : array-like or pandas.Series
        One value per account, normally profit CLV.
    thresholds : mapping, optional
        See :func:`check_tier_thresholds`; default top 2% strategic, top 10% key, top 30%
        growth (cumulative, by number of accounts).
    basis : {"share", "amount"}, default "share"

    Returns
    -------
    pandas.Series
        Categorical with categories :data:`VALUE_TIERS`, aligned with ``value``. Accounts
        with zero, negative or missing value are always ``maintain``; tied values share a
        tier.
    """
    limits = check_tier_thresholds(thresholds, basis)
    s = value if isinstance(value, pd.Series) else pd.Series(value)
    v = pd.to_numeric(s, errors="coerce").astype("float64")
    positive = (v > 0).to_numpy()
    tier = np.full(len(v), VALUE_TIERS[-1], dtype=object)
    if basis == "share":
        n = len(v)
        # Rank 1 = largest; ties take the best rank of their block, so they share a tier.
        rank = v.where(positive).rank(ascending=False, method="min").to_numpy()
        for name in reversed(VALUE_TIERS[:-1]):
            cut = int(np.ceil(limits[name] * n - 1e-9))
            tier[positive & (rank <= cut)] = name
    else:
        for name in reversed(VALUE_TIERS[:-1]):
            tier[positive & (v.to_numpy() >= limits[name])] = name
    return pd.Series(pd.Categorical(tier, categories=list(VALUE_TIERS)), index=s.index,
                     name="value_tier")


def tier_summary(table: pd.DataFrame, value_col: str = "profit_clv") -> pd.DataFrame:
    """Accounts and value per tier.

    Returns
    -------
    pandas.DataFrame
        ``value_tier``, ``accounts``, ``value``, ``value_share``, ``min_value``, in tier order.
    """
    g = table.groupby("value_tier", observed=False)[value_col]
    out = pd.DataFrame({"accounts": g.size(), "value": g.sum(), "min_value": g.min()})
    total = table[value_col].clip(lower=0).sum()
    out["value_share"] = out["value"] / total if total > 0 else np.nan
    out = out.reindex(list(VALUE_TIERS)).reset_index()
    out["accounts"] = out["accounts"].fillna(0).astype("int64")
    return out[["value_tier", "accounts", "value", "value_share", "min_value"]]


# --------------------------------------------------------------------------- fit score


#: Attributes of the firmographic fit score.
FIT_ATTRIBUTES = ("industry", "size_band")


def fit_levels(features: pd.DataFrame, *, alpha: float = 0.05, method: str = "bh",
               best_definition: str = "margin", top_share: float = 0.2
               ) -> dict[str, list[str]]:
    """The industry and size-band values that may move the firmographic fit score.

    The same gate as the customer profiling's look-alike model: best customers by
    ``best_definition`` (:func:`helpers.analysis.icp.choose_best`, 24-month revenue without a
    margin), each value's share among them tested against the rest
    (:func:`helpers.analysis.icp.attribute_lift`, Fisher exact, corrected across the values) and each
    attribute tested for any relation (:func:`helpers.analysis.icp.related_attributes`, chi-square,
    corrected across the attributes); :func:`helpers.analysis.icp.surviving_levels` keeps the values
    that pass both.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account with the columns of :data:`FIT_ATTRIBUTES` that the data has.
    alpha, method : float, str
        Level and correction of the tests (the notebooks' ``finding_alpha`` and
        ``finding_correction``).
    best_definition, top_share
        See :func:`helpers.analysis.icp.best_customers`.

    Returns
    -------
    dict
        ``{attribute: [value, ...]}``; empty when no value survives or there are too few
        best customers to compare.
    """
    attrs = [c for c in FIT_ATTRIBUTES if c in features and icp.has_data(features, c, distinct=2)]
    if not attrs:
        return {}
    best = icp.choose_best(features, best_definition, top_share).best
    if best is None or best.all() or not best.any():
        return {}
    lift = icp.attribute_lift(features, best, attrs, alpha=alpha, method=method)
    related = icp.related_attributes(features, best, attrs, alpha=alpha, method=method)
    return icp.surviving_levels(lift, related)


def firmographic_fit(features: pd.DataFrame, *, value_col: str = "margin_total",
                     prior_accounts: float = 20.0,
                     levels: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """A simple look-alike fit score from industry and size band, between 0 and 1.

    For each industry and each size band the score takes the mean ``value_col`` per
    account (prospects count as zero, so it rewards both conversion and spend), shrunk
    toward the overall mean as if ``prior_accounts`` average accounts were added, so small
    groups do not top the list by chance. Each group's value is divided by the best
    group's value; the fit score is the mean of the industry and size-band parts.
    Accounts with a missing industry or size band get 0.5 for that part. A part whose
    column holds no value at all is left out; without either the score is missing (the
    fit criterion is then skipped, not passed by everyone). Without any known
    ``value_col`` (no gross margin in the data), ``revenue_total`` stands in.

    This stands in until an ICP fit score from the customer-profiling analysis is passed
    to :func:`value_table` (``fit_scores``).

    Parameters
    ----------
    features : pandas.DataFrame
        Needs ``account_id``, ``industry``, ``size_band`` and ``value_col``.
    value_col : str, default "margin_total"
    prior_accounts : float, default 20
    levels : mapping, optional
        Evidence gate (:func:`fit_levels`): ``{attribute: values}`` that may move the
        score. An attribute without a value in it is left out; its other values, and a
        missing value, share the pooled average of the accounts. ``None`` uses every value
        (no gate); an empty mapping gives no score.

    Returns
    -------
    pandas.Series
        Fit score per account, aligned with ``features``.
    """
    missing = [c for c in ("industry", "size_band", value_col) if c not in features]
    if missing:
        raise ParamError(f"firmographic_fit: the features lack {', '.join(missing)}")
    raw = features[value_col].astype("float64")
    buying = features["revenue_total"].fillna(0) != 0 if "revenue_total" in features else raw.notna()
    if not raw[buying].notna().any() and "revenue_total" in features:
        raw = features["revenue_total"].astype("float64")  # margin unknown: use revenue
    value = raw.fillna(0.0).clip(lower=0)
    overall = float(value.mean()) if len(value) else 0.0
    parts = []
    for col in FIT_ATTRIBUTES:
        if features[col].notna().sum() == 0:
            continue
        if levels is not None and not levels.get(col):
            continue  # no value of this attribute passed its test
        key = features[col].astype("object").where(features[col].notna(), None)
        frame = pd.DataFrame({"key": key, "value": value})
        g = frame.dropna(subset=["key"]).groupby("key")["value"].agg(["sum", "size"])
        shrunk = (g["sum"] + prior_accounts * overall) / (g["size"] + prior_accounts)
        if levels is not None:  # untested differences are noise: those values get the pool
            kept = {str(v) for v in levels[col]}
            shrunk = shrunk.where([str(k) in kept for k in shrunk.index], overall)
        best = max(shrunk.max() if len(shrunk) else 0.0, overall if levels is not None else 0.0)
        score = shrunk / best if best > 0 else shrunk * 0 + 0.5
        pooled = (overall / best if best > 0 else 0.5) if levels is not None else 0.5
        parts.append(key.map(score).astype("float64").fillna(pooled).to_numpy())
    fit = np.mean(parts, axis=0) if parts else np.full(len(features), np.nan)
    return pd.Series(fit, index=features.index, name="fit_score")


# --------------------------------------------------------------------------- value table


def account_stage(table: pd.DataFrame, as_of: Any) -> pd.Series:
    """A plain value stage per account, for dossiers: prospect, new, growth, mature,
    declining or lapsing.

    The names are those of the lifecycle stages of the segmentation report, so readers
    meet one vocabulary (the rules here are simpler and value-based). Rules, first match
    wins: no orders -> prospect; first order within 180 days -> new; P(alive) below 0.5 or
    no order for a year -> lapsing; revenue in the last 12 months at least 20% above the
    12 months before -> growth; at least 20% below -> declining; otherwise mature.

    Returns
    -------
    pandas.Series
    """
    as_of = pd.Timestamp(parse_as_of(as_of))
    first = pd.to_datetime(table["first_order_date"])
    last = pd.to_datetime(table["last_order_date"])
    growth = table["revenue_growth"].astype("float64")
    p_alive = table["p_alive"].astype("float64") if "p_alive" in table else pd.Series(
        np.nan, index=table.index)
    conditions = [
        first.isna().to_numpy(),
        ((as_of - first).dt.days <= 180).to_numpy(),
        ((p_alive < 0.5) | ((as_of - last).dt.days > 365)).to_numpy(),
        (growth >= 0.2).to_numpy(),
        (growth <= -0.2).to_numpy(),
    ]
    labels = ["prospect", "new", "lapsing", "growth", "declining"]
    return pd.Series(np.select(conditions, labels, default="mature"), index=table.index,
                     name="stage")


def _fit_score_column(features: pd.DataFrame, fit_scores: Any, *, alpha: float = 0.05,
                      method: str = "bh") -> tuple[np.ndarray, str]:
    if fit_scores is None:
        levels = fit_levels(features, alpha=alpha, method=method)
        if not levels:  # as the profiling: no fit score built from noise
            return np.full(len(features), np.nan), "none (no_signal)"
        return firmographic_fit(features, levels=levels).to_numpy(), "firmographic look-alike"
    if isinstance(fit_scores, pd.DataFrame):
        if not {"account_id", "fit_score"} <= set(fit_scores.columns):
            raise ParamError("fit_scores must have the columns account_id and fit_score")
        fit_scores = fit_scores.set_index("account_id")["fit_score"]
    s = pd.to_numeric(pd.Series(fit_scores), errors="coerce")
    if s.max() > 1:  # the ICP fit score runs from 0 to 100
        s = s / 100
    return s.reindex(features["account_id"]).to_numpy(dtype="float64"), "supplied"


def assemble_value_table(features: pd.DataFrame, rfm: pd.DataFrame,
                         clv_result: clv_mod.ClvResult, *, as_of: Any,
                         segments: Mapping[str, Any] | None = None, q: int = 5,
                         fit_scores: Any = None,
                         tier_thresholds: Mapping[str, Any] | None = None,
                         tier_basis: str = "share", tier_value: str = "profit_clv",
                         overdue: Any = None, alpha: float = 0.05, method: str = "bh"
                         ) -> pd.DataFrame:
    """Join features, RFM, CLV, profit CLV, fit score, stage and value tier per account.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`helpers.data.features.account_features` output.
    rfm : pandas.DataFrame
        :func:`helpers.analysis.rfm.rfm_table` output for the same accounts.
    clv_result : helpers.analysis.clv.ClvResult
        :func:`helpers.analysis.clv.fit_clv` output.
    as_of : date-like
    segments : mapping, optional
        RFM segment rules (:data:`helpers.analysis.rfm.DEFAULT_SEGMENTS`).
    q : int
        RFM score levels.
    fit_scores : pandas.Series or DataFrame, optional
        ICP fit score per account (Series indexed by ``account_id`` or a frame with
        ``account_id`` and ``fit_score``, e.g. :func:`helpers.analysis.icp.fit_scores`); scores on
        a 0-100 scale are divided by 100. Default :func:`firmographic_fit` on the values
        that pass :func:`fit_levels`, or no fit score when none does.
    tier_thresholds, tier_basis
        See :func:`assign_value_tiers`.
    tier_value : str, default "profit_clv"
        Column the tiers rank on.
    overdue : array-like of bool, optional
        Per row of ``features``, whether the account is overdue by its buying rhythm
        (:func:`helpers.analysis.rfm.lapse_evidence`); lapse segments then name only overdue
        accounts (see :func:`helpers.analysis.rfm.assign_segments`).
    alpha, method : float, str
        Level and correction of the tests behind the default fit score (:func:`fit_levels`).

    Returns
    -------
    pandas.DataFrame
        One row per account of ``features``. Accounts without purchases have zero CLV and
        expected purchases, missing P(alive) and ``clv_method`` "no purchases".
        ``attrs`` hold ``clv_method``, ``clv_message``, ``fit_source`` (``"none
        (no_signal)"`` when no firmographic value passed its test), ``fit_problem``,
        ``has_service_costs``, ``has_margin`` (any gross margin known) and
        ``value_column`` (what the tiers rank on: ``tier_value``, or ``clv`` when no
        profit CLV is known).
    """
    base = features[[c for c in _BASE_COLUMNS if c in features]].copy()
    scored = rfm.drop(columns=[c for c in rfm.columns if c in base and c != "account_id"])
    table = base.merge(scored, on="account_id", how="left", validate="one_to_one")
    due = None
    if overdue is not None:
        due = pd.Series(np.asarray(overdue, dtype=bool), index=features["account_id"].to_numpy()
                        ).reindex(table["account_id"]).fillna(False).to_numpy(dtype=bool)
    table["rfm_segment"] = rfm_mod.assign_segments(table, segments, q=q, overdue=due).to_numpy()
    scores = clv_result.table.drop(columns=[c for c in clv_result.table if c in table
                                            and c != "account_id"])
    table = table.merge(scores, on="account_id", how="left", validate="one_to_one")
    # a buyer is an account the CLV step scored, whatever its numbers; only accounts it
    # did not score (no purchases) get zero CLV
    buyers = table["account_id"].isin(set(clv_result.table["account_id"]))
    for col in ("expected_purchases", "clv"):
        # an account without purchases has no future value from them; a buyer whose
        # forecast is not a number keeps it unknown, it is never read as zero
        table[col] = table[col].where(buyers, table[col].fillna(0.0))
    table["clv_method"] = table["clv_method"].where(buyers, NO_PURCHASE_METHOD)
    profit = clv_mod.profit_clv(table[["account_id", "clv"]], features)
    table = table.merge(profit, on="account_id", how="left", validate="one_to_one")
    fit, fit_source = _fit_score_column(features, fit_scores, alpha=alpha, method=method)
    table["fit_score"] = pd.Series(fit, index=features["account_id"].to_numpy()).reindex(
        table["account_id"]).to_numpy()
    table["stage"] = account_stage(table, as_of).to_numpy()
    if tier_value not in table:
        raise ParamError(f"tier_value {tier_value!r} is not a value column; use profit_clv "
                         "or clv")
    has_margin = bool(profit.attrs.get("has_margin", True))
    if tier_value == "profit_clv" and not (has_margin and table["profit_clv"].notna().any()):
        tier_value = "clv"  # no gross margin: tiers rank on revenue CLV, and say so
    table["value_tier"] = assign_value_tiers(table[tier_value], tier_thresholds,
                                             basis=tier_basis).to_numpy()
    table.attrs.update({
        "clv_method": clv_result.method,
        "clv_message": clv_result.message,
        "fit_source": fit_source,
        "fit_problem": "no_signal" if fit_source.endswith("(no_signal)") else None,
        "has_service_costs": profit.attrs.get("has_service_costs", False),
        "has_margin": has_margin,
        "value_column": tier_value,
    })
    return table


def value_table(ws: Any, as_of: Any, *, time_unit: str = "week", horizon_months: int = 36,
                monthly_discount_rate: float = 0.01, rfm_window_days: int = 730, q: int = 5,
                rfm_segments: Mapping[str, Any] | None = None, fit_scores: Any = None,
                tier_thresholds: Mapping[str, Any] | None = None, tier_basis: str = "share",
                tier_value: str = "profit_clv",
                min_repeat_buyers: int = 30,
                features: pd.DataFrame | None = None, alpha: float = 0.05,
                method: str = "bh") -> pd.DataFrame:
    """One row per account with RFM, P(alive), expected purchases, CLV, profit CLV and tier.

    Parameters
    ----------
    ws : workspace
        From :func:`helpers.data.validation.open_validated`.
    as_of : date-like
    time_unit, horizon_months, monthly_discount_rate, min_repeat_buyers
        As in :func:`helpers.analysis.clv.fit_clv`.
    rfm_window_days, q, rfm_segments
        As in :func:`helpers.analysis.rfm.rfm_table` and :func:`helpers.analysis.rfm.assign_segments`.
    fit_scores, tier_thresholds, tier_basis, tier_value, alpha, method
        As in :func:`assemble_value_table`.
    features : pandas.DataFrame, optional
        The account features of ``ws`` on ``as_of`` when the caller already has them, with
        the default size bands and a window of ``rfm_window_days``, e.g.
        ``feature_cache.cached_account_features(ws, as_of, output_dir, windows=(90, 365,
        730))``; the table is then the same as without them, and much quicker. Default:
        computed here with :func:`helpers.data.features.account_features`.

    Returns
    -------
    pandas.DataFrame
        Columns include ``account_id``, ``account_name``, ``industry``, ``r_score``,
        ``f_score``, ``m_score``, ``rfm_segment``, ``p_alive``, ``expected_purchases``,
        ``expected_spend``, ``clv``, ``profit_clv``, ``clv_cac``, ``fit_score``,
        ``stage`` and ``value_tier``.

    Examples
    --------
    >>> table = value_table(ws, "2026-06-30")  # doctest: +SKIP
    >>> table.groupby("value_tier", observed=True).profit_clv.sum()  # doctest: +SKIP
    """
    windows = sorted({90, 365, int(rfm_window_days)})
    if features is None:
        features = account_features(ws, as_of, windows=windows)
    rfm = rfm_mod.rfm_table(features, window_days=int(rfm_window_days), q=q)
    summary = clv_mod.purchase_summary(ws, as_of, time_unit=time_unit)
    result = clv_mod.fit_clv(summary, time_unit=time_unit, horizon_months=horizon_months,
                             monthly_discount_rate=monthly_discount_rate,
                             min_repeat_buyers=min_repeat_buyers)
    due = rfm_mod.lapse_evidence(features)["overdue"].to_numpy()
    return assemble_value_table(features, rfm, result, as_of=as_of, segments=rfm_segments,
                                q=q, fit_scores=fit_scores, tier_thresholds=tier_thresholds,
                                tier_basis=tier_basis, tier_value=tier_value, overdue=due,
                                alpha=alpha, method=method)


def clv_cac_summary(table: pd.DataFrame, by: str = "acquisition_channel") -> pd.DataFrame:
    """Profit CLV over acquisition cost, per group, for accounts whose cost is known.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`value_table` output.
    by : str, default "acquisition_channel"

    Returns
    -------
    pandas.DataFrame
        ``by``, ``accounts``, ``median_clv_cac``, ``share_above_3`` (accounts returning at
        least three times their acquisition cost), highest median first; empty when no
        acquisition cost is known.
    """
    if by not in table:
        raise ParamError(f"clv_cac_summary: the table has no column {by!r}")
    known = table[table["clv_cac"].notna()]
    out = known.groupby(by).agg(accounts=("clv_cac", "size"),
                                median_clv_cac=("clv_cac", "median"),
                                share_above_3=("clv_cac", lambda s: float((s >= 3).mean())))
    return out.reset_index().sort_values("median_clv_cac", ascending=False,
                                         kind="stable").reset_index(drop=True)


def clv_cac_tests(table: pd.DataFrame, by: str = "acquisition_channel", *,
                  threshold: float = 3.0) -> pd.DataFrame:
    """CLV:CAC per group with a test of how often its accounts return ``threshold`` x.

    Each group's share of accounts returning at least ``threshold`` times their
    acquisition cost is compared with the share among all other accounts with a known
    cost (:func:`helpers.stats.multiple_testing.lift_test`, Fisher exact); the groups form one
    family, to be corrected together (:meth:`helpers.presentation.findings.FindingLog.family`).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`value_table` output.
    by : str, default "acquisition_channel"
    threshold : float, default 3.0

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`clv_cac_summary` plus ``hits``, ``rest_share``, ``lift``,
        ``low``, ``high``, ``p_value`` and ``value`` (positive profit CLV of the group's
        accounts with a known cost), highest median first.
    """
    out = clv_cac_summary(table, by)
    if out.empty:
        return out.assign(hits=[], rest_share=[], lift=[], low=[], high=[], p_value=[], value=[])
    known = table[table["clv_cac"].notna()]
    hit = known["clv_cac"] >= threshold
    counts = known.assign(_hit=hit).groupby(by).agg(hits=("_hit", "sum"), n=("_hit", "size"))
    value = known.groupby(by)["profit_clv"].apply(lambda v: float(v.clip(lower=0).sum()))
    total_hits, total_n = int(hit.sum()), len(known)
    rows = []
    for level in out[by]:
        h, n = int(counts.at[level, "hits"]), int(counts.at[level, "n"])
        res = mt.lift_test(h, n, total_hits - h, total_n - n)
        rest_n = total_n - n
        rows.append({"hits": h, "rest_share": (total_hits - h) / rest_n if rest_n else np.nan,
                     **{k: res[k] for k in ("lift", "low", "high", "p_value")},
                     "value": float(value.get(level, 0.0))})
    return pd.concat([out, pd.DataFrame(rows, index=out.index)], axis=1)


# --------------------------------------------------------------------------- selection


def check_criteria(criteria: Mapping[str, Any] | None,
                   industries: Sequence[str] | None = None) -> dict[str, Any]:
    """Validate key-account criteria and fill in defaults.

    Keys: ``capacity`` (whole number 5 to 25), ``min_clv`` (number), ``min_fit_score``
    (0 to 1, or None to skip), ``min_p_alive`` (0 to 1, or None), ``strategic_industries``
    (list; empty means any industry) and ``value_column`` (``profit_clv`` or ``clv``).

    Parameters
    ----------
    criteria : mapping or None
    industries : sequence of str, optional
        Industries present in the data, to catch misspelt strategic industries.

    Returns
    -------
    dict
    """
    criteria = dict(criteria or {})
    for key in criteria:
        if key not in DEFAULT_CRITERIA:
            raise ParamError(f"key_account_criteria: unknown key {key!r}"
                             + suggest(str(key), list(DEFAULT_CRITERIA))
                             + f" Keys: {', '.join(DEFAULT_CRITERIA)}")
    crit = {**DEFAULT_CRITERIA, **criteria}
    cap = crit["capacity"]
    lo, hi = CAPACITY_RANGE
    if isinstance(cap, bool) or not isinstance(cap, (int, np.integer)) or not lo <= cap <= hi:
        raise ParamError(f"key_account_criteria: capacity must be a whole number from {lo} to "
                         f"{hi} (a key-account team can look after that many), got {cap!r}")
    for key in ("min_clv", "min_fit_score", "min_p_alive"):
        v = crit[key]
        if v is None and key != "min_clv":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not np.isfinite(v):
            raise ParamError(f"key_account_criteria: {key} must be a number, got {v!r}")
        if key != "min_clv" and not 0 <= v <= 1:
            raise ParamError(f"key_account_criteria: {key} must lie between 0 and 1, got {v!r}")
    inds = crit["strategic_industries"]
    if inds is None:
        inds = []
    if isinstance(inds, str) or not isinstance(inds, (list, tuple)):
        raise ParamError("key_account_criteria: strategic_industries must be a list, e.g. "
                         "[Manufacturing, Logistics]")
    if industries is not None:
        known = sorted({str(i) for i in industries if pd.notna(i)})
        for ind in inds:
            if ind not in known:
                raise ParamError(f"key_account_criteria: strategic industry {ind!r} is not in "
                                 "the data" + suggest(str(ind), known)
                                 + f" Industries: {', '.join(known)}")
    crit["strategic_industries"] = [str(i) for i in inds]
    if crit["value_column"] not in ("profit_clv", "clv"):
        raise ParamError(f"key_account_criteria: value_column must be profit_clv or clv, got "
                         f"{crit['value_column']!r}")
    crit["capacity"] = int(cap)
    return crit


def _criteria_checks(accounts: pd.DataFrame, crit: dict, language: str = "en"
                     ) -> tuple[pd.DataFrame, list[str]]:
    """One boolean column per applied criterion, and notes on skipped ones."""
    value_col = crit["value_column"]
    if value_col not in accounts:
        raise ParamError(f"select_key_accounts: the table has no {value_col!r} column")
    notes: list[str] = []
    checks = pd.DataFrame(index=accounts.index)
    checks["min_clv"] = accounts[value_col].astype("float64") >= float(crit["min_clv"])
    if crit["min_fit_score"] is not None:
        fit = accounts["fit_score"].astype("float64") if "fit_score" in accounts else None
        if fit is None or fit.isna().all():
            problem = accounts.attrs.get("fit_problem")
            notes.append(i18n.t("customer_value.criteria.no_fit_signal" if problem == "no_signal"
                                else "customer_value.criteria.no_fit", language))
        else:
            checks["min_fit_score"] = fit >= float(crit["min_fit_score"])
    if crit["min_p_alive"] is not None:
        alive = accounts["p_alive"].astype("float64") if "p_alive" in accounts else None
        if alive is None or alive.isna().all():
            notes.append(i18n.t("customer_value.criteria.no_p_alive", language))
        else:
            checks["min_p_alive"] = alive >= float(crit["min_p_alive"])
    if crit["strategic_industries"]:
        if "industry" not in accounts:
            raise ParamError("select_key_accounts: strategic_industries needs an industry "
                             "column")
        checks["strategic_industries"] = accounts["industry"].isin(crit["strategic_industries"])
    return checks.fillna(False).astype(bool), notes


def _reason(row: pd.Series, crit: dict, applied: Sequence[str], currency: str,
            language: str = "en") -> str:
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.reason.{key}", language, **values)

    label = say("profit_clv" if crit["value_column"] == "profit_clv" else "clv")
    parts = [say("value", label=label,
                 value=f"{row[crit['value_column']]:,.0f} {currency}".strip(),
                 minimum=f"{crit['min_clv']:,.0f}")]
    if "min_fit_score" in applied:
        parts.append(say("fit", fit=f"{row['fit_score']:.2f}",
                         minimum=f"{crit['min_fit_score']:.2f}"))
    if "min_p_alive" in applied:
        parts.append(say("p_alive", p_alive=f"{row['p_alive']:.0%}",
                         minimum=f"{crit['min_p_alive']:.0%}"))
    if "strategic_industries" in applied:
        parts.append(say("industry", industry=row["industry"]))
    parts.append(say("rank", rank=int(row["rank"]), eligible=int(row["eligible"])))
    return say("join").join(parts)


def select_key_accounts(accounts: pd.DataFrame, criteria: Mapping[str, Any] | None = None, *,
                        currency: str = "", language: str = "en") -> pd.DataFrame:
    """Choose key accounts by explicit criteria, ranked by value, up to the capacity.

    An account qualifies when it meets every applied criterion (value at least
    ``min_clv``, fit score at least ``min_fit_score``, P(alive) at least ``min_p_alive``,
    industry in ``strategic_industries`` when that list is not empty). Qualifying
    accounts are ranked by ``value_column`` and the top ``capacity`` are chosen. A fit or
    P(alive) criterion is skipped, with a note in ``attrs["notes"]``, when the table has
    no such numbers; so is ranking on profit CLV when no profit CLV is known (no gross
    margin): revenue CLV is used, with a note.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account, e.g. :func:`value_table`; needs ``account_id`` and the value
        column, plus ``fit_score``, ``p_alive`` and ``industry`` for those criteria.
    criteria : mapping, optional
        See :func:`check_criteria`; missing keys take :data:`DEFAULT_CRITERIA`.
    currency : str
        Currency label used in the reasons.
    language : {"en", "zh"}
        Language of the reasons and notes.

    Returns
    -------
    pandas.DataFrame
        ``rank``, the account columns, and ``reason``; at most ``capacity`` rows.
        ``attrs``: ``eligible`` (count), ``criteria`` (as applied), ``notes``.
    """
    inds = accounts["industry"].unique() if "industry" in accounts else None
    crit = check_criteria(criteria, inds)
    fallback_note = []
    if crit["value_column"] == "profit_clv" and value_column(accounts) == "clv":
        crit["value_column"] = "clv"  # no profit CLV without a margin: rank on revenue CLV
        fallback_note.append(i18n.t("customer_value.criteria.no_profit", language))
    checks, notes = _criteria_checks(accounts, crit, language)
    notes = fallback_note + notes
    ok = checks.all(axis=1)
    value_col = crit["value_column"]
    eligible = accounts[ok].sort_values([value_col, "account_id"], ascending=[False, True],
                                         kind="stable")
    chosen = eligible.head(crit["capacity"]).copy()
    chosen.insert(0, "rank", np.arange(1, len(chosen) + 1))
    chosen["eligible"] = len(eligible)
    applied = list(checks.columns)
    chosen["reason"] = pd.Series([_reason(row, crit, applied, currency, language)
                                  for _, row in chosen.iterrows()], index=chosen.index,
                                 dtype="object")
    keep = ["rank", "account_id", "account_name", "industry", "size_band", "owner",
            "value_tier", value_col, "clv", "profit_clv", "p_alive", "fit_score", "reason"]
    cols = list(dict.fromkeys(c for c in keep if c in chosen))
    out = chosen[cols].reset_index(drop=True)
    out.attrs.update({"eligible": int(len(eligible)), "criteria": crit, "notes": notes,
                      "applied": applied})
    return out


def read_account_list(path: str | Path) -> pd.DataFrame:
    """Read a previous key-account list (a CSV with an ``account_id`` column).

    Returns
    -------
    pandas.DataFrame
    """
    from helpers.core.paths import resolve

    p = resolve(path)
    if not p.is_file():
        raise DataError(f"{path!r} not found; point the parameter at a CSV file with an "
                        "account_id column, or set it to '' for none")
    try:
        frame = pd.read_csv(p, dtype={"account_id": str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{p.name}: cannot be read as a UTF-8 CSV ({exc})") from None
    if "account_id" not in frame:
        raise DataError(f"{p.name}: needs an account_id column; it has "
                        f"{', '.join(map(str, frame.columns))}")
    return frame


def read_fit_scores(path: str | Path) -> pd.DataFrame:
    """Read fit scores from a CSV with ``account_id`` and ``fit_score`` (0-1 or 0-100).

    Returns
    -------
    pandas.DataFrame
    """
    frame = read_account_list(path)
    if "fit_score" not in frame:
        raise DataError(f"{Path(path).name}: needs a fit_score column next to account_id")
    scores = pd.to_numeric(frame["fit_score"], errors="coerce")
    if scores.isna().all():
        raise DataError(f"{Path(path).name}: the fit_score column holds no numbers")
    return pd.DataFrame({"account_id": frame["account_id"].astype(str), "fit_score": scores})


def compare_with_previous(selection: pd.DataFrame, previous: pd.DataFrame,
                          accounts: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """Promotions and demotions against a previous key-account list.

    Parameters
    ----------
    selection : pandas.DataFrame
        :func:`select_key_accounts` output (its ``attrs["criteria"]`` is reused).
    previous : pandas.DataFrame
        Previous list with ``account_id``.
    accounts : pandas.DataFrame
        The table the selection was made from.
    language : {"en", "zh"}
        Language of ``why`` (``change`` keeps its English codes).

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``account_name``, ``change`` ("promoted", "kept", "demoted") and
        ``why``: for demotions the criteria now failed, or that the account fell below the
        capacity cut, or left the data.
    """
    crit = selection.attrs.get("criteria") or check_criteria(None)
    checks, _ = _criteria_checks(accounts, crit)
    by_id = accounts.set_index("account_id")
    checks.index = accounts["account_id"]
    now = list(selection["account_id"])
    before = [str(a) for a in previous["account_id"].dropna().astype(str).unique()]
    rows = []
    for acc in now:
        change = "kept" if acc in before else "promoted"
        rank = int(selection.loc[selection.account_id == acc, "rank"].iloc[0])
        rows.append((acc, change, i18n.t("customer_value.why.rank_now", language, rank=rank)))
    for acc in before:
        if acc in now:
            continue
        if acc not in by_id.index:
            rows.append((acc, "demoted", i18n.t("customer_value.why.gone", language)))
            continue
        failed = [c for c in checks.columns if not bool(checks.loc[acc, c])]
        why = (i18n.t("customer_value.why.fails", language, criteria=", ".join(failed)) if failed
               else i18n.t("customer_value.why.below_capacity", language,
                           capacity=crit["capacity"]))
        rows.append((acc, "demoted", why))
    out = pd.DataFrame(rows, columns=["account_id", "change", "why"])
    names = by_id["account_name"] if "account_name" in by_id else None
    out.insert(1, "account_name", out["account_id"].map(names) if names is not None else "")
    order = {"promoted": 0, "demoted": 1, "kept": 2}
    return out.sort_values("change", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True)


# --------------------------------------------------------------------------- dossiers


def monthly_revenue(ws: Any, account_ids: Sequence[str], as_of: Any, *,
                    months: int = 24) -> pd.DataFrame:
    """Net revenue per account and calendar month over the last ``months`` months.

    Parameters
    ----------
    ws : workspace
    account_ids : sequence of str
    as_of : date-like
    months : int, default 24

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``month`` (first day), ``revenue``; every account has every
        month, zero where nothing was ordered.
    """
    as_of = parse_as_of(as_of)
    end_month = pd.Timestamp(as_of).to_period("M")
    first = (end_month - (months - 1)).to_timestamp().date()
    ids = [str(a) for a in account_ids]
    grid = pd.MultiIndex.from_product(
        [ids, pd.period_range(end_month - (months - 1), end_month, freq="M").to_timestamp()],
        names=["account_id", "month"])
    if not ids:
        return pd.DataFrame(columns=["account_id", "month", "revenue"])
    o = ws.table("orders")
    o = o.filter(o.account_id.isin(ids) & (o.order_date >= first) & (o.order_date <= as_of))
    agg = o.group_by([o.account_id, o.order_date.truncate("M").name("month")]).aggregate(
        revenue=o.amount.sum()).to_pandas()
    agg["month"] = pd.to_datetime(agg["month"]).astype("datetime64[ns]")
    agg["account_id"] = agg["account_id"].astype(str)
    series = agg.set_index(["account_id", "month"])["revenue"].astype("float64")
    grid = grid.set_levels(grid.levels[1].astype("datetime64[ns]"), level=1)
    return series.reindex(grid, fill_value=0.0).reset_index()


def latest_feedback(ws: Any, account_ids: Sequence[str], as_of: Any) -> pd.DataFrame:
    """Latest survey answer per account (NPS, pain points, comment) up to ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``response_date``, ``nps``, ``pain_points``, ``comment``; empty
        without a ``surveys`` table.
    """
    cols = ["account_id", "response_date", "nps", "pain_points", "comment"]
    ids = [str(a) for a in account_ids]
    if not ws.has("surveys") or not ids:
        return pd.DataFrame(columns=cols)
    as_of = parse_as_of(as_of)
    s = ws.table("surveys")
    s = s.filter(s.account_id.isin(ids) & (s.response_date <= as_of))
    rank = ibis.row_number().over(group_by=s.account_id,
                                  order_by=[ibis.desc(s.response_date), ibis.desc(s.response_id)])
    s = s.mutate(_rn=rank).filter(lambda t: t._rn == 0)
    present = [c for c in cols if c in s.columns]
    frame = s.select(*present).to_pandas()
    for c in cols:
        if c not in frame:
            frame[c] = None
    frame["account_id"] = frame["account_id"].astype(str)
    return frame[cols]


def next_actions(profile: Mapping[str, Any], currency: str = "", *, limit: int = 3,
                 language: str = "en") -> list[str]:
    """Recommended next actions for one key account, from simple documented rules.

    In priority order: slowing purchases (P(alive) under 60%), a detractor NPS (0-6) or
    no NPS, falling revenue (20% or more below last year), open opportunities to push or
    no open pipeline (only with opportunity data), and cross-selling when the account
    buys from one or two named product lines. At most ``limit`` actions.

    Parameters
    ----------
    profile : mapping
        One dossier row (see :func:`dossiers`).
    currency : str
    limit : int
    language : {"en", "zh"}

    Returns
    -------
    list of str
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.action.{key}", language, **values)

    acts: list[str] = []
    p_alive = profile.get("p_alive")
    if p_alive is not None and pd.notna(p_alive) and p_alive < 0.6:
        acts.append(say("slowing", p_alive=f"{p_alive:.0%}"))
    nps = profile.get("nps")
    pains = profile.get("pain_points")
    pains = str(pains).replace(";", ", ") if pains is not None and pd.notna(pains) else ""
    if nps is None or pd.isna(nps):
        acts.append(say("no_survey"))
    elif nps <= 6:
        acts.append(say("detractor_pains", nps=int(nps), pains=pains) if pains
                    else say("detractor", nps=int(nps)))
    growth = profile.get("revenue_growth")
    if growth is not None and pd.notna(growth) and growth <= -0.2:
        acts.append(say("revenue_down", growth=f"{growth:.0%}"))
    opp = profile.get("opp_open")
    amount = profile.get("pipeline_open_amount")
    if opp is not None and pd.notna(opp) and opp > 0:
        worth = fmt_money(amount, currency)
        acts.append(say("move_one" if opp == 1 else "move_many", count=int(opp), amount=worth))
    elif opp is not None and pd.notna(opp):  # without opportunity data, say nothing
        acts.append(say("no_pipeline"))
    lines = profile.get("product_lines")
    # 0 product lines means the data names none, not that the account buys nothing
    if lines is not None and pd.notna(lines) and 1 <= lines <= 2:
        acts.append(say("cross_sell_one" if lines == 1 else "cross_sell_many", count=int(lines)))
    return acts[:limit]


def dossiers(ws: Any, selection: pd.DataFrame, table: pd.DataFrame, as_of: Any, *,
             months: int = 24, currency: str = "", language: str = "en"
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compact dossier data for each selected key account.

    Parameters
    ----------
    ws : workspace
    selection : pandas.DataFrame
        :func:`select_key_accounts` output.
    table : pandas.DataFrame
        :func:`value_table` / :func:`assemble_value_table` output.
    as_of : date-like
    months : int, default 24
        Length of the revenue trend.
    currency : str
    language : {"en", "zh"}
        Language of the next actions.

    Returns
    -------
    profiles : pandas.DataFrame
        One row per key account in rank order: profile fields, ``p_alive``, ``clv``,
        ``profit_clv``, open opportunities, latest ``nps`` and ``pain_points``, ``stage``,
        ``actions`` (list of str), ``trend_sparkline`` (text chart of the monthly revenue)
        and ``trend_peak``.
    trend : pandas.DataFrame
        :func:`monthly_revenue` for these accounts.
    """
    ids = list(selection["account_id"])
    t = table.set_index("account_id").loc[ids].reset_index()
    fb = latest_feedback(ws, ids, as_of).drop(columns=["nps"], errors="ignore")
    prof = t.merge(fb, on="account_id", how="left")
    prof["nps"] = prof["nps_latest"] if "nps_latest" in prof else np.nan
    if not ws.has("opportunities"):
        # the features count no opportunities as 0; without the table the pipeline is unknown
        prof["opp_open"] = np.nan
        prof["pipeline_open_amount"] = np.nan
    prof.insert(0, "rank", selection["rank"].to_numpy())
    ids_str = prof["account_id"].astype(str)
    names = prof["account_name"] if "account_name" in prof else ids_str
    # an account without a name is labelled by its id
    names = names.astype("string").str.strip().replace("", pd.NA).fillna(ids_str).astype(str)
    prof["label"] = prof["rank"].astype(str) + ". " + names
    prof["actions"] = [next_actions(row, currency, language=language)
                       for row in prof.to_dict("records")]
    trend = monthly_revenue(ws, ids, as_of, months=months)
    by_acc = trend.sort_values("month").groupby("account_id", sort=False)["revenue"]
    prof["trend_sparkline"] = prof["account_id"].map(by_acc.agg(sparkline))
    prof["trend_months"] = months
    prof["trend_peak"] = prof["account_id"].map(by_acc.max())
    return prof, trend


SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Any) -> str:
    """A one-line text chart of a series: one block per value, ``·`` for zero or less.

    Returns
    -------
    str
    """
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").fillna(0.0), dtype=float)
    top = v.max() if len(v) else 0.0
    if top <= 0:
        return "·" * len(v)
    level = np.clip(np.ceil(v / top * len(SPARK_BLOCKS)) - 1, 0, len(SPARK_BLOCKS) - 1)
    return "".join("·" if x <= 0 else SPARK_BLOCKS[int(i)] for x, i in zip(v, level, strict=True))


def value_label(kind: str, value: Any, language: str = "en") -> str:
    """A value tier (``kind="tier"``), dossier stage (``kind="stage"``) or acquisition
    channel (``kind="channel"``) in the report language; unknown values are shown as they
    are, with underscores as spaces (``trade_show`` reads ``trade show``)."""
    key = f"customer_value.{kind}.{value}"
    return i18n.t(key, language) if key in i18n.LABELS else str(value).replace("_", " ")


def format_range(low: Any, high: Any, language: str = "en") -> str:
    """A value range as a person reads it: ``3.3M – 7.4M`` (``330万 – 740万`` in zh); ``–``
    when either end is unknown."""
    if not (_finite(low) and _finite(high)):
        return DASH
    return f"{compact_number(low, language)} – {compact_number(high, language)}"


def dossier_markdown(profile: Mapping[str, Any], currency: str = "", *,
                     language: str = "en") -> str:
    """Markdown for one dossier: heading, profile line, value line, feedback and actions.

    Returns
    -------
    str
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.dossier.{key}", language, **values)

    na = DASH

    def money(v):
        return fmt_money(v, currency)

    def pct(v):
        return fmt_share(v)

    def known(key):
        v = profile.get(key)
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) or str(v).strip() == "" \
            else str(v)

    # missing profile fields are left out, not shown as "None" or "unknown"
    stage, tier = known("stage"), known("value_tier")
    size = value_label("size", known("size_band"), language) if known("size_band") else None
    firm = say("list_sep").join(v for v in (known("industry"), size, known("region")) if v)
    facts = [firm] if firm else []
    if known("owner"):
        facts.append(say("owner", owner=known("owner")))
    if stage:
        facts.append(say("stage", stage=value_label("stage", stage, language)))
    if tier:
        facts.append(say("tier", tier=value_label("tier", tier, language)))
    name = known("account_name") or str(profile["account_id"])
    lines = [
        f"### {int(profile['rank'])}. {name}",
        say("profile_head") + say("sep").join(facts) + say("end"),
        say("value", profit_clv=money(profile.get("profit_clv")), clv=money(profile.get("clv")),
            p_alive=pct(profile.get("p_alive")), revenue=money(profile.get("revenue_12m")),
            growth=pct(profile.get("revenue_growth"))),
    ]
    opp = profile.get("opp_open")
    opp_text = (say("open", count=int(opp), amount=money(profile.get("pipeline_open_amount")))
                if opp is not None and pd.notna(opp) else na)
    nps = profile.get("nps")
    pains = profile.get("pain_points")
    fb = say("nps", nps=int(nps)) if nps is not None and pd.notna(nps) else say("no_nps")
    if pains is not None and pd.notna(pains) and str(pains):
        fb += say("pains", pains=str(pains).replace(";", ", "))
    spark = profile.get("trend_sparkline")
    if spark:
        lines.append(say("trend", months=profile.get("trend_months", 24), spark=spark,
                         peak=money(profile.get("trend_peak"))))
    lines.append(say("pipeline", pipeline=opp_text, feedback=fb))
    actions = profile.get("actions") or []
    lines.append(say("actions") + "\n" + "\n".join(f"- {a}" for a in actions))
    return "\n\n".join(lines)


def plot_revenue_trends(trend: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                        ncols: int = 4, axes=None, currency: str = "", language: str = "en"):
    """Small multiples: one monthly revenue panel per account, in the order of ``trend``.

    Parameters
    ----------
    trend : pandas.DataFrame
        :func:`monthly_revenue` output.
    labels : mapping, optional
        Panel title per ``account_id`` (e.g. rank and name).
    ncols : int
        Panels per row when ``axes`` is not given.
    axes : array of matplotlib.axes.Axes, optional
        At least one per account.
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
    """
    ids = list(dict.fromkeys(trend["account_id"]))
    if axes is None:
        nrows = max(1, int(np.ceil(len(ids) / ncols)))
        # constrained layout keeps the overall title clear of the panel titles
        _, axes = plt.subplots(nrows, ncols, figsize=(3 * ncols, 0.5 + 1.7 * nrows), squeeze=False,
                               layout="constrained")
    flat = np.asarray(axes).ravel()
    for ax, acc in zip(flat, ids, strict=False):
        title = (labels or {}).get(acc, acc)
        plot_revenue_trend(trend[trend["account_id"] == acc], ax=ax,
                           title=title if len(title) <= 32 else title[:31] + "…", currency="",
                           language=language)
        ax.tick_params(axis="x", labelsize=7)
    for ax in flat[len(ids):]:
        ax.set_visible(False)
    if len(ids):
        title = (i18n.t("customer_value.chart.trends_title", language, currency=currency) if currency
                 else i18n.t("customer_value.chart.trends_title_plain", language))
        flat[0].figure.suptitle(title, fontweight="bold")
    return np.asarray(axes)


def plot_revenue_trend(trend: pd.DataFrame, *, ax=None, title: str = "", currency: str = "",
                       language: str = "en"):
    """Bar chart of one account's monthly revenue (credit-note months in red).

    Parameters
    ----------
    trend : pandas.DataFrame
        ``month`` and ``revenue`` rows for one account (:func:`monthly_revenue`).
    ax : matplotlib.axes.Axes, optional
    title, currency : str
    language : {"en", "zh"}
        Month ticks (``Jul 25`` or ``25年7月``) and compact amounts (``250万`` in zh).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.8))
    t = trend.sort_values("month")
    months = pd.to_datetime(t["month"])
    revenue = t["revenue"].to_numpy(dtype="float64")
    pos = np.arange(len(t))
    # Category positions, not dates: date locators make many small panels slow to draw.
    ax.bar(pos, revenue, width=0.8, color=np.where(revenue >= 0, "#2e86c1", "#e74c3c"))
    ticks = pos[::6]
    ax.set_xticks(ticks, [f"{m:%y}年{m.month}月" if language == "zh" else m.strftime("%b %y")
                          for m in months.iloc[::6]])
    ax.set_ylabel(currency)
    ax.set_title(title, fontsize=10)
    ax.tick_params(labelsize=8)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: compact_number(v, language)))
    return ax

