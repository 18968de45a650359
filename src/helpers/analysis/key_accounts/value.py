"""The account value table: RFM, P(alive), CLV, profit CLV, fit score, stage and tier."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.analysis import clv as clv_mod
from helpers.analysis import rfm as rfm_mod
from helpers.core.errors import ParamError
from helpers.core.params import as_of_date
from helpers.data.features import account_features

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace
from helpers.analysis.key_accounts.fit import _fit_score_column
from helpers.analysis.key_accounts.tiers import assign_value_tiers

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
    as_of = pd.Timestamp(as_of_date(as_of))
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


def value_table(ws: Workspace, as_of: Any, *, time_unit: str = "week", horizon_months: int = 36,
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
    ws : Workspace
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


__all__ = [
    "EXPORT_COLUMNS",
    "NO_PURCHASE_METHOD",
    "account_stage",
    "assemble_value_table",
    "value_table",
]
