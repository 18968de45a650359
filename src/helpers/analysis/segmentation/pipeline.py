"""The clustering pipeline: transform, impute, scale, then k-means or a Gaussian mixture."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from helpers.core.errors import ParamError

__all__ = [
    "BehaviourTransform",
    "METHODS",
    "make_pipeline",
]


METHODS = ("kmeans", "gmm")


_LOG_FEATURES = ("recency_days", "orders_per_year", "revenue_per_year", "avg_order_value",
                 "order_gap_days", "interactions_per_year")


class BehaviourTransform(TransformerMixin, BaseEstimator):
    """Log-scale skewed features and take square roots of channel shares.

    Money, counts, days and rates (``recency_days``, ``orders_per_year``,
    ``revenue_per_year``, ``avg_order_value``, ``order_gap_days``, ``interactions_per_year``)
    get ``log1p``; ``share_*`` columns get ``sqrt``; others pass through. Missing values stay
    missing for the imputer.
    """

    def fit(self, X, y=None):
        """Remember the column names."""
        self.feature_names_in_ = np.asarray(list(pd.DataFrame(X).columns), dtype=object)
        return self

    def transform(self, X):
        """Return the transformed values as a float array."""
        X = pd.DataFrame(X, columns=self.feature_names_in_).astype("float64")
        out = X.copy()
        for c in X.columns:
            if c in _LOG_FEATURES:
                out[c] = np.log1p(X[c].clip(lower=0))
            elif c.startswith("share_"):
                out[c] = np.sqrt(X[c].clip(lower=0))
        return out.to_numpy()

    def get_feature_names_out(self, input_features=None):
        """Same names as the input."""
        return self.feature_names_in_


class _GaussianMixtureClusterer(ClusterMixin, BaseEstimator):
    """GaussianMixture with ``labels_`` and ``fit_predict`` like a clusterer."""

    def __init__(self, n_clusters: int = 3, random_state: int = 0, n_init: int = 2):
        self.n_clusters = n_clusters
        self.random_state = random_state
        self.n_init = n_init

    def fit(self, X, y=None):
        self.model_ = GaussianMixture(self.n_clusters, covariance_type="diag",
                                      random_state=self.random_state, n_init=self.n_init,
                                      reg_covar=1e-4).fit(X)
        self.labels_ = self.model_.predict(X)
        return self

    def predict(self, X):
        return self.model_.predict(X)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ParamError(f"cluster_method must be one of {', '.join(METHODS)}, got {method!r}")


def _clusterer(k: int, method: str, seed: int, n_init: int):
    _check_method(method)
    if method == "gmm":
        return _GaussianMixtureClusterer(k, random_state=seed, n_init=max(1, n_init // 2))
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed)


def _preprocessor() -> Pipeline:
    return Pipeline([
        ("transform", BehaviourTransform()),
        ("impute", SimpleImputer(strategy="median")),
        ("scale", StandardScaler()),
    ])


def make_pipeline(k: int, *, method: str = "kmeans", seed: int = 0, n_init: int = 4) -> Pipeline:
    """The clustering pipeline: transform, impute, scale, cluster.

    Parameters
    ----------
    k : int
        Number of clusters.
    method : {"kmeans", "gmm"}
        k-means, or a Gaussian mixture with diagonal covariances.
    seed : int
    n_init : int
        Restarts; the best is kept.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``transform``, ``impute``, ``scale``, ``cluster``.
    """
    pre = _preprocessor()
    return Pipeline([*pre.steps, ("cluster", _clusterer(k, method, seed, n_init))])


def _check_k_range(k_range: Iterable[int], n: int) -> list[int]:
    ks = sorted({int(k) for k in k_range})
    if not ks or ks[0] < 2:
        raise ParamError(f"k_range must hold whole numbers >= 2, got {list(k_range)!r}")
    if ks[-1] >= n:
        raise ParamError(f"k_range goes up to {ks[-1]} but there are only {n} accounts; "
                         "lower k_max")
    return ks
