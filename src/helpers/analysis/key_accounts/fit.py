"""The firmographic look-alike fit score (gated by the profiling tests) or a supplied ICP score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis import icp
from helpers.core.errors import ParamError

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


__all__ = [
    "FIT_ATTRIBUTES",
    "firmographic_fit",
    "fit_levels",
]
