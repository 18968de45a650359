"""Behavioural clustering end to end (:func:`segment_behaviour`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from sklearn.pipeline import Pipeline

from helpers.core.errors import DataError
from helpers.presentation import i18n

from .clusters import (
    KSelection,
    cluster_stability,
    cluster_zscores,
    fit_clusters,
    name_clusters,
    select_k,
)
from .evidence import trend_evidence
from .inputs import behaviour_features, informative_features
from .labels import NO_ORDERS

__all__ = [
    "BehaviourSegmentation",
    "segment_behaviour",
]


@dataclass
class BehaviourSegmentation:
    """Everything :func:`segment_behaviour` computes.

    Attributes
    ----------
    features : pandas.DataFrame
        The readable inputs (index ``account_id``).
    selection : KSelection or None
        None when k was fixed.
    k : int
    pipeline : sklearn.pipeline.Pipeline
    labels : pandas.Series
        Cluster number per account; :data:`NO_ORDERS` for accounts without orders when
        there are no engagement features (they are not clustered).
    names : dict
        Cluster number -> name.
    stability : pandas.DataFrame
        From :func:`cluster_stability` (empty when ``stability_runs`` is 0).
    trends : pandas.DataFrame
        From :func:`trend_evidence`: each cluster's orders in the last 12 months against
        the 12 before. A test only when ``order_trend`` is not a clustering input (see
        :func:`defined_by_clusters`); otherwise a description of the clusters.
    """

    features: pd.DataFrame
    selection: KSelection | None
    k: int
    pipeline: Pipeline
    labels: pd.Series
    names: dict
    stability: pd.DataFrame
    trends: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def cluster_names(self) -> pd.Series:
        """Cluster name per account."""
        return self.labels.map(self.names).rename("cluster_name")


def segment_behaviour(feats: pd.DataFrame, *, k: int | None = None,
                      k_range: Iterable[int] = range(2, 11), method: str = "kmeans",
                      criterion: str = "consensus", min_share: float = 0.03,
                      sample_size: int = 3000, seed: int = 0, stability_runs: int = 3,
                      n_init: int = 4, alpha: float = 0.05, correction: str = "bh",
                      language: str = "en") -> BehaviourSegmentation:
    """Behavioural clustering end to end: features, k, fit, names, stability.

    Parameters
    ----------
    feats : pandas.DataFrame
        :func:`helpers.data.features.account_features` output (windows including 365 and 730).
    k : int, optional
        Fixed number of clusters; chosen with :func:`select_k` over ``k_range`` when None.
    k_range, method, criterion, min_share, sample_size, seed
        As for :func:`select_k`.
    stability_runs : int, default 3
    n_init : int, default 4
        Restarts of the final fit.
    alpha, correction
        Level and family correction of the order-change test per cluster (see
        :func:`trend_evidence`). A trend word in a name ("growing", "shrinking") is a label
        of the cluster's median ``order_trend`` (see :func:`name_clusters`), not a claim.
    language : {"en", "zh"}
        Language of the cluster names (see :func:`name_clusters`).

    Returns
    -------
    BehaviourSegmentation
    """
    X = informative_features(behaviour_features(feats))
    if X.shape[1] == 0:
        raise DataError("no behavioural feature varies between accounts; clusters need "
                        "orders on more than one day or interactions")
    # Without engagement features an account without orders has nothing but imputed
    # medians; it would pose as an average buyer, so only buyers are clustered.
    engaged = any(c == "interactions_per_year" or c.startswith("share_") for c in X.columns)
    fit = X if engaged or "recency_days" not in X else X[X["recency_days"].notna()]
    selection = None
    if k is None:
        selection = select_k(fit, k_range, method=method, criterion=criterion,
                             min_share=min_share, sample_size=sample_size, seed=seed)
        k = selection.k
    pipe, fitted = fit_clusters(fit, k, method=method, seed=seed, n_init=n_init)
    labels = fitted.reindex(X.index, fill_value=NO_ORDERS).rename("cluster")
    trends = trend_evidence(feats, fitted, alpha=alpha, method=correction)
    # a trend word describes the cluster's own defining feature: a label whose sign must
    # match the cluster's median, not a claim that needs (or could get) a valid test
    names = name_clusters(cluster_zscores(pipe, fit, fitted), language=language,
                          levels=fit.groupby(fitted.to_numpy()).median())
    if len(fit) < len(X):
        names[NO_ORDERS] = i18n.t("customer_segmentation.cluster.no_orders", language)
    stability = (cluster_stability(fit, k, method=method, runs=stability_runs, seed=seed,
                                   reference=fitted)
                 if stability_runs else pd.DataFrame(columns=["run", "seed", "ari"]))
    return BehaviourSegmentation(features=X, selection=selection, k=k, pipeline=pipe,
                                 labels=labels, names=names, stability=stability,
                                 trends=trends)
