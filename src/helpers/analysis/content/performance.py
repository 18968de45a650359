"""Content performance per asset or content group, and its leaderboard."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.content.definitions import (
    CONTENT_LEVELS,
    ENGAGED_EVENTS,
    INTERACTION_EVENTS,
    AccountCounts,
    _account_frame,
    _add_rate,
    _check_credit,
    _check_positive,
    _column,
    _events,
)
from helpers.analysis.content.evidence import rate_tests
from helpers.analysis.content.labels import is_known
from helpers.analysis.content.queries import (
    TouchSummary,
    _need,
    performance_counts,
)
from helpers.core.errors import ParamError
from helpers.stats.numbers import safe_divide

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "content_performance",
    "content_scores",
    "leaderboard",
]


def content_performance(ws: Workspace, as_of, *, by: str = "content_id", window_days: int = 30,
                        credit: str = "sourced", since_days: int = 0,
                        confidence: float = 0.95, min_sample: int = 30,
                        interaction_events: Iterable[str] = INTERACTION_EVENTS,
                        engaged_events: Iterable[str] = ENGAGED_EVENTS,
                        summary: TouchSummary | None = None) -> pd.DataFrame:
    """Performance of each asset, or of each content type, category or topic.

    Parameters
    ----------
    ws : Workspace
        Needs ``interactions`` and ``content``; ``opportunities`` for conversions.
    as_of : date-like
        Analysis date.
    by : {"content_id", "content_type", "content_category", "topic"}
        Level of the rows.
    window_days : int
        Days after a touch within which an opportunity counts as a conversion.
    credit : {"sourced", "influenced"}
        Which opportunities count (see the module docstring).
    since_days : int
        Only touches in the last ``since_days`` days; 0 means all history.
    confidence : float
        Coverage of the Wilson intervals.
    min_sample : int
        Rows reaching fewer accounts are flagged ``below_min_sample``.
    interaction_events, engaged_events : iterable of str
        Event types that count as interactions (numerator of the interaction rate) and
        that make an account engaged.
    summary : TouchSummary, optional
        From :func:`touch_summary` with the same settings; several levels then share one
        count of the touches instead of each scanning them. Without it the touches are
        counted for this call only.

    Returns
    -------
    pandas.DataFrame
        One row per ``by`` value: descriptors, ``assets, cost, touches, views,
        interactions, interaction_rate(_low/_high), downloads, registrations,
        reached_accounts, engaged_accounts, converting_accounts,
        conversion_rate(_low/_high), converted_touches, touch_conversion_rate,
        opportunities, pipeline, won_opportunities, won_revenue,
        cost_per_engaged_account, cost_per_opportunity, roi, below_min_sample``;
        with opportunities, ``attrs["accounts"]`` (:class:`AccountCounts`) holds
        ``<by>, account_id, touches, opportunities`` for the account-level tests of
        :func:`leaderboard` and :func:`performance_findings`. Unknowns are NaN, never 0: ``cost`` (and the measures built on it) when an asset of
        the group has no ``production_cost``; the conversion and money columns without
        an ``opportunities`` table.
    """
    _need(ws, "interactions", "content", what="content performance")
    if by not in CONTENT_LEVELS:
        raise ParamError(f"by={by!r} is not supported; use one of {', '.join(CONTENT_LEVELS)}")
    _check_credit(credit)
    window_days = _check_positive("window_days", window_days)
    min_sample = _check_positive("min_sample", min_sample)
    settings = {"window_days": window_days, "credit": credit, "since_days": int(since_days or 0),
                "interaction_events": _events(interaction_events),
                "engaged_events": _events(engaged_events)}
    parts = performance_counts(ws, as_of, by=by, summary=summary, **settings)
    return _performance_table(parts, by=by, window_days=window_days, credit=credit,
                              confidence=confidence, min_sample=min_sample)


def _performance_table(parts: dict, *, by: str, window_days: int, credit: str,
                       confidence: float, min_sample: int) -> pd.DataFrame:
    """:func:`content_performance` from the frames of :func:`~.queries.performance_counts`."""
    converts = parts["conversions"] is not None
    base = parts["base"]
    if converts:
        base = base.merge(parts["conversions"], on="key", how="left").merge(
            parts["money"], on="key", how="left")
        # per group and account, for tests that take the account as the unit
        per_acc = parts["account_touches"].merge(
            parts["account_opportunities"], on=["key", "account_id"], how="left").fillna(
            {"opportunities": 0})
        per_acc = per_acc.astype({"touches": "int64", "opportunities": "int64"})
    out = parts["costs"].merge(base, on="key", how="left")
    # A group's cost is known only when every asset in it has one: a partial sum would
    # flatter its cost per opportunity and ROI.
    out["cost"] = pd.to_numeric(out["cost"], errors="coerce").where(
        out.pop("costed") == out["assets"])
    counts = ["touches", "interactions", "downloads", "registrations", "reached_accounts",
              "engaged_accounts"]
    converted = ["converting_accounts", "converted_touches", "opportunities", "won_opportunities"]
    for col in counts:
        out[col] = _column(out, col, 0).astype("int64")
    for col in converted:
        # without opportunities a conversion count is unknown, not zero
        out[col] = _column(out, col, 0).astype("int64") if converts else np.nan
    for col in ("pipeline", "won_revenue"):
        out[col] = _column(out, col, 0.0).astype(float) if converts else np.nan
    out["views"] = out["touches"]
    _add_rate(out, "interaction_rate", "interactions", "views", confidence)
    _add_rate(out, "conversion_rate", "converting_accounts", "reached_accounts", confidence)
    out["touch_conversion_rate"] = safe_divide(out["converted_touches"], out["touches"])
    out["cost_per_engaged_account"] = safe_divide(out["cost"], out["engaged_accounts"])
    out["cost_per_opportunity"] = safe_divide(out["cost"], out["opportunities"])
    out["roi"] = safe_divide(out["won_revenue"] - out["cost"], out["cost"])
    out["below_min_sample"] = out["reached_accounts"] < min_sample
    out = out.rename(columns={"key": by})
    if by == "content_id":
        out = parts["assets"].merge(out, on="content_id", how="right")
        # an asset without a title is shown by its id
        out["title"] = out["title"].where(out["title"].map(is_known)
                                          & (out["title"].astype(str).str.strip() != ""),
                                          out["content_id"])
    out.attrs.update({"window_days": window_days, "credit": credit, "min_sample": min_sample,
                      "confidence": confidence})
    if converts:
        out.attrs["accounts"] = AccountCounts(per_acc.rename(columns={"key": by}))
    return out.sort_values(by, ignore_index=True)


def leaderboard(performance: pd.DataFrame, *, min_sample: int | None = None,
                rate: str = "conversion_rate", top: int | None = None,
                alpha: float = 0.05, method: str = "bh") -> pd.DataFrame:
    """Rank rows by the lower bound of a rate's interval, leaving out small samples.

    Ranking by the lower bound rewards rates that are both high and well measured. Every
    ranked row is also tested against the other ranked rows (:func:`rate_tests` on
    ``converting_accounts`` over ``reached_accounts``, one family), so the report names a
    leader only when it converts reliably better than the rest.

    Parameters
    ----------
    performance : pandas.DataFrame
        Output of :func:`content_performance`.
    min_sample : int, optional
        Smallest number of reached accounts; defaults to the one used for ``performance``.
    rate : str
        A rate column with ``_low`` and ``_high`` companions.
    top : int, optional
        Keep the first ``top`` rows.
    alpha, method
        Level and family correction of the tests (see :func:`rate_tests`).

    Returns
    -------
    pandas.DataFrame
        The ranked rows only, with a 1-based ``rank`` column and the test columns of
        :func:`rate_tests` (``attrs["family_size"]``: rows tested); rows whose rate is
        unknown (no opportunities) are not ranked.
    """
    if rate not in performance.columns or f"{rate}_low" not in performance.columns:
        raise ParamError(f"rate {rate!r} has no interval in this table; use conversion_rate "
                         "or interaction_rate")
    min_sample = performance.attrs.get("min_sample", 30) if min_sample is None else min_sample
    min_sample = _check_positive("min_sample", min_sample)
    ranked = performance[(performance["reached_accounts"] >= min_sample)
                         & performance[f"{rate}_low"].notna()].copy()
    ranked = ranked.sort_values([f"{rate}_low", rate], ascending=False, ignore_index=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    # tested per touch: an account touched more often has more chances to open an
    # opportunity in a window, so per-account rates also measure how often it was touched.
    # With the per-account counts the test takes the account as the unit and counts
    # opportunities, which one account's repeated touches of an asset cannot multiply.
    per_account = _account_frame(performance.attrs) if rate == "conversion_rate" else None
    hits = "converted_touches" if rate == "conversion_rate" else "interactions"
    if per_account is not None and "opportunities" in ranked.columns:
        hits = "opportunities"
    else:
        per_account = None
    trials = "touches" if rate == "conversion_rate" else "views"
    label = "content_id" if "content_id" in ranked.columns else ranked.columns[1]
    if {hits, trials} <= set(ranked.columns):
        ranked = rate_tests(ranked, label=label, hits=hits, trials=trials, alpha=alpha,
                            method=method, per_account=per_account)
    if top:
        size = ranked.attrs.get("family_size")
        ranked = ranked.head(top)
        ranked.attrs["family_size"] = size
    return ranked


def content_scores(assets: pd.DataFrame, board: pd.DataFrame) -> pd.DataFrame:
    """The asset table for the CRM export: measures, intervals and leaderboard rank.

    Parameters
    ----------
    assets : pandas.DataFrame
        :func:`content_performance` with ``by="content_id"``.
    board : pandas.DataFrame
        :func:`leaderboard` of the same table, without ``top``.

    Returns
    -------
    pandas.DataFrame
    """
    cols = ["content_id", "title", "content_type", "content_category", "topic", "publish_date",
            "cost", "views", "reached_accounts", "engaged_accounts", "interaction_rate",
            "downloads", "registrations", "converting_accounts", "conversion_rate",
            "conversion_rate_low", "conversion_rate_high", "opportunities", "pipeline",
            "won_revenue", "cost_per_engaged_account", "cost_per_opportunity", "roi",
            "below_min_sample"]
    out = assets[[c for c in cols if c in assets.columns]].merge(
        board[["content_id", "rank"]], on="content_id", how="left")
    out["rank"] = out["rank"].astype("Int64")
    return out.sort_values(["rank", "content_id"], na_position="last", ignore_index=True)
