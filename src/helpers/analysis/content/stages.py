"""What converts for whom: conversion by lifecycle stage and the best content of each stage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.content.definitions import (
    CONTENT_LEVELS,
    STAGE_ORDER,
    AccountCounts,
    _account_frame,
    _add_rate,
    _check_credit,
    _check_positive,
)
from helpers.analysis.content.evidence import _cell_test
from helpers.analysis.content.labels import UNKNOWN_LABELS
from helpers.analysis.content.queries import (
    TouchSummary,
    _need,
    stage_counts,
)
from helpers.core.errors import ParamError, suggest
from helpers.presentation import findings as fnd
from helpers.stats import multiple_testing as mt
from helpers.stats.intervals import ratio_interval
from helpers.stats.numbers import safe_divide

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "best_for_stage",
    "conversion_by_stage",
    "stage_mix",
    "target_accounts",
]


def target_accounts(stages: pd.Series, target_stages: Iterable[str]) -> pd.Index:
    """Accounts whose stage is one of ``target_stages``.

    Parameters
    ----------
    stages : pandas.Series
        Stage per account, indexed by ``account_id`` (e.g. from :func:`helpers.analysis.lifecycle.stages_for`).
    target_stages : iterable of str
        Stage names; unknown names are an error, so a typo never empties the target list.

    Returns
    -------
    pandas.Index
    """
    wanted = [str(s) for s in target_stages]
    known = sorted(set(STAGE_ORDER) | set(pd.Series(stages).astype(str).unique()))
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ParamError(f"target_stages: unknown stage {unknown[0]!r}"
                         + suggest(unknown[0], known)
                         + f" Stages: {', '.join(STAGE_ORDER)}")
    if not wanted:
        raise ParamError("target_stages is empty; list at least one stage, e.g. [growth, mature]")
    s = pd.Series(stages)
    return s.index[s.astype(str).isin(wanted)]


def conversion_by_stage(ws: Workspace, as_of, stages: pd.Series, *, by: str = "content_category",
                        window_days: int = 30, credit: str = "sourced",
                        confidence: float = 0.95, since_days: int = 0,
                        summary: TouchSummary | None = None) -> pd.DataFrame:
    """What converts for whom: per-touch conversion by lifecycle stage and content group.

    A touch converts when the account creates a (sourced or any) opportunity within
    ``window_days`` after it. Per-touch rates compare content fairly even when some
    categories are shown more often; intervals treat touches as independent.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    stages : pandas.Series
        Stage per account, indexed by ``account_id`` (e.g. from :func:`helpers.analysis.lifecycle.stages_for`).
    by : {"content_type", "content_category", "topic", "content_id"}
    window_days : int
    credit : {"sourced", "influenced"}
    confidence : float
    since_days : int
        Only touches in the last ``since_days`` days; 0 means all.
    summary : TouchSummary, optional
        From :func:`touch_summary` with the same ``window_days``, ``credit`` and
        ``since_days``; the stages are then added up from it instead of from every touch.

    Returns
    -------
    pandas.DataFrame
        ``stage, <by>, touches, converted_touches, accounts, converting_accounts, rate,
        rate_low, rate_high, opportunity_rate, lift, lift_low, lift_high`` where ``lift`` is
        the rate over the rate of the other groups' touches in the same stage and
        ``opportunity_rate`` counts opportunities per touch (the rate of
        :func:`best_for_stage`, since one opportunity marks every touch before it). ``attrs["accounts"]``
        (:class:`AccountCounts`) holds ``stage, <by>, account_id, touches,
        converted_touches, opportunities`` per account, for the account-level test of
        :func:`best_for_stage`.
    """
    _need(ws, "interactions", "content", "opportunities", what="conversion by stage")
    if by not in CONTENT_LEVELS:
        raise ParamError(f"by={by!r} is not supported; use one of {', '.join(CONTENT_LEVELS)}")
    _check_credit(credit)
    window_days = _check_positive("window_days", window_days)
    settings = {"window_days": window_days, "credit": credit, "since_days": int(since_days or 0)}
    parts = stage_counts(ws, as_of, stages, by=by, summary=summary, settings=settings)
    return _stage_conversions(parts, by=by, confidence=confidence)


def _stage_conversions(parts: dict[str, pd.DataFrame], *, by: str,
                    confidence: float) -> pd.DataFrame:
    """:func:`conversion_by_stage` from the frames of :func:`~.queries.stage_counts`."""
    agg, conv = parts["touches"], parts["conversions"]
    # per account, for tests that take the account as the unit (best_for_stage)
    per_acc = parts["account_touches"].merge(
        parts["account_conversions"], on=["stage", "key", "account_id"], how="left").fillna(
            {"converted_touches": 0, "opportunities": 0})
    per_acc = per_acc.astype({"touches": "int64", "converted_touches": "int64",
                              "opportunities": "int64"})
    agg = agg.merge(conv, on=["stage", "key"], how="left").fillna(
        {"converted_touches": 0, "converting_accounts": 0})
    agg = agg[["stage", "key", "touches", "converted_touches", "accounts", "converting_accounts"]]
    for col in ("touches", "converted_touches", "accounts", "converting_accounts"):
        agg[col] = agg[col].astype("int64")
    _add_rate(agg, "rate", "converted_touches", "touches", confidence)
    # opportunities per touch: the rate best_for_stage compares with accounts as the unit
    opps = per_acc.groupby(["stage", "key"])["opportunities"].sum()
    agg["opportunity_rate"] = safe_divide(
        opps.reindex(pd.MultiIndex.from_frame(agg[["stage", "key"]])).fillna(0).to_numpy(float),
        agg["touches"].to_numpy(float))
    tot = agg.groupby("stage")[["touches", "converted_touches"]].transform("sum")
    ratio, low, high = ratio_interval(
        agg["converted_touches"], agg["touches"], tot["converted_touches"] - agg[
            "converted_touches"], tot["touches"] - agg["touches"], confidence)
    agg["lift"], agg["lift_low"], agg["lift_high"] = ratio, low, high
    order = {s: k for k, s in enumerate(STAGE_ORDER)}
    agg["_o"] = agg["stage"].map(order).fillna(len(order))
    agg = agg.sort_values(["_o", "stage", "key"]).drop(columns="_o").reset_index(drop=True)
    agg = agg.rename(columns={"key": by})
    agg.attrs["accounts"] = AccountCounts(per_acc.rename(columns={"key": by}))
    return agg


def best_for_stage(table: pd.DataFrame, *, by: str = "content_category",
                   min_touches: int = 100, alpha: float = 0.05,
                   method: str = "bh", confidence: float = 0.95) -> pd.DataFrame:
    """The best-converting content group per stage, with its lift over the rest.

    Every stage x group cell with at least ``min_touches`` touches is tested against the
    other touches of its stage and the p-values of all those cells are corrected as one
    family, since picking the best group of each stage is a comparison with every other
    cell. With the per-account counts of :func:`conversion_by_stage`
    (``attrs["accounts"]``) the test takes the account as the unit
    (:func:`clustered_lift_test`, whose interval replaces ``lift_low``/``lift_high``);
    without them it is the per-touch Fisher exact test
    (:func:`helpers.stats.multiple_testing.lift_test`).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`conversion_by_stage`.
    by : str
        The group column used there.
    min_touches : int
        Groups with fewer touches are not considered.
    alpha : float
        Level the adjusted p-value must be below.
    method : str
        Family correction (see :func:`helpers.stats.multiple_testing.adjust`).
    confidence : float
        Coverage of the account-level interval of the lift.

    Returns
    -------
    pandas.DataFrame
        One row per stage: the row of the group with the highest rate, plus ``p_value``,
        ``p_adjusted`` and ``significant`` (adjusted p below ``alpha`` and a lift above 1).
        With per-account counts, ``opportunity_rate`` is the rate the lift compares
        (opportunities per touch), which ``rate`` (converted touches) is not.
        Content without a value in ``by`` (``(none)``) is never the best.
        ``attrs["family_size"]`` holds the number of cells tested.
    """
    per_account = _account_frame(table.attrs)
    if per_account is not None and not {"stage", by, "account_id"} <= set(per_account.columns):
        per_account = None
    eligible = table[(table["touches"] >= min_touches) & ~table[by].isin(UNKNOWN_LABELS)
                     & ~table[by].map(fnd.is_missing_level)].copy()
    if per_account is not None:
        # accounts as the unit: one account's touches convert together
        stage_rows = {s: g for s, g in per_account.groupby("stage", sort=False)}
        # Opportunities per touch, not converted touches: one opportunity marks every touch
        # of its asset in the window before it, so content touched twice in a row (a
        # registration and the attendance) would look twice as good per touch.
        hits = ("opportunities" if "opportunities" in per_account.columns
                else "converted_touches")
        res = [_cell_test(stage_rows.get(r.stage, per_account.head(0)), by, getattr(r, by),
                          confidence, hits) for r in eligible.itertuples()]
        eligible["p_value"] = np.asarray([x["p_value"] for x in res], dtype=float)
        eligible["lift"] = np.asarray([x["lift"] for x in res], dtype=float)
        eligible["lift_low"] = np.asarray([x["low"] for x in res], dtype=float)
        eligible["lift_high"] = np.asarray([x["high"] for x in res], dtype=float)
        # the rate the test compares, shown next to its lift
        cell = per_account.groupby(["stage", by])[[hits, "touches"]].sum()
        key = pd.MultiIndex.from_arrays([eligible["stage"], eligible[by]])
        cell = cell.reindex(key)
        eligible["opportunity_rate"] = safe_divide(cell[hits].to_numpy(float),
                                                 cell["touches"].to_numpy(float))
    else:
        tot = table.groupby("stage")[["touches", "converted_touches"]].sum()
        p = [mt.lift_test(r.converted_touches, r.touches,
                          tot.loc[r.stage, "converted_touches"] - r.converted_touches,
                          tot.loc[r.stage, "touches"] - r.touches)["p_value"]
             for r in eligible.itertuples()]
        eligible["p_value"] = np.asarray(p, dtype=float)
    eligible["p_adjusted"] = mt.adjust(eligible["p_value"].to_numpy(float), method)
    ok = eligible[eligible["converted_touches"] > 0]
    if ok.empty:
        out = table.head(0).assign(p_value=pd.Series(dtype=float),
                                   p_adjusted=pd.Series(dtype=float),
                                   significant=pd.Series(dtype=bool))
    else:
        # with per-account counts the best is the highest rate of opportunities per touch,
        # which within a stage orders the groups as their lift over the rest does
        by_rate = "lift" if per_account is not None else "rate"
        out = ok.loc[ok.groupby("stage", sort=False)[by_rate].idxmax()].copy()
        out["significant"] = (out["p_adjusted"] < alpha) & (out["lift"] > 1)
        out = out.reset_index(drop=True)
    out.attrs["family_size"] = int(np.isfinite(eligible["p_value"]).sum())
    out.attrs["unit"] = "account" if per_account is not None else "touch"
    return out


def stage_mix(stages: pd.Series) -> pd.Series:
    """Accounts per lifecycle stage, in lifecycle order.

    Parameters
    ----------
    stages : pandas.Series
        One stage per account.

    Returns
    -------
    pandas.Series
        Integer counts indexed by :data:`STAGE_ORDER` (stages without accounts count 0).
    """
    return stages.value_counts().reindex(list(STAGE_ORDER)).fillna(0).astype(int)
