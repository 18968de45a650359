"""Choosing the number of clusters, fitting, stability, and describing and naming clusters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from helpers.core.errors import ParamError
from helpers.presentation import i18n

from .labels import _words
from .pipeline import _check_k_range, _check_method, _clusterer, _preprocessor, make_pipeline

__all__ = [
    "CRITERIA",
    "KSelection",
    "SIGNED_FEATURES",
    "THREADS",
    "cluster_profiles",
    "cluster_stability",
    "cluster_stage_view",
    "cluster_zscores",
    "fit_clusters",
    "largest_cluster",
    "name_clusters",
    "predict_clusters",
    "projection_2d",
    "select_k",
    "usable_k_range",
]


CRITERIA = ("consensus", "silhouette", "calinski_harabasz", "davies_bouldin")


#: Threads for k-means and distances. One, because OpenMP workers spin-wait: on a busy
#: two-core machine two threads made the k search about seven times slower, while on an
#: idle one they gain at most a factor of two.
THREADS = 1


def usable_k_range(n_accounts: int, k_min: int = 2, k_max: int = 10, *,
                   min_per_cluster: int = 10) -> range:
    """The k values worth trying for ``n_accounts`` accounts.

    Parameters
    ----------
    n_accounts : int
    k_min, k_max : int
        The requested range (inclusive).
    min_per_cluster : int, default 10
        k never exceeds ``n_accounts // min_per_cluster``, so tiny data gets few clusters.

    Returns
    -------
    range
        Possibly empty when there are too few accounts to cluster.
    """
    for name, v in (("k_min", k_min), ("k_max", k_max)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2:
            raise ParamError(f"{name} must be a whole number >= 2, got {v!r}")
    if k_max < k_min:
        raise ParamError(f"k_max ({k_max}) is below k_min ({k_min})")
    return range(k_min, min(k_max, n_accounts // min_per_cluster) + 1)


@dataclass
class KSelection:
    """Result of :func:`select_k`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per k: ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``,
        ``min_share`` (smallest cluster's share), ``eligible`` (min_share met), ``score``
        (the criterion used; higher is better) and ``chosen``.
    k : int
        The chosen number of clusters.
    criterion : str
    """

    table: pd.DataFrame
    k: int
    criterion: str


def select_k(features: pd.DataFrame | np.ndarray, k_range: Iterable[int] = range(2, 11), *,
             method: str = "kmeans", criterion: str = "consensus", min_share: float = 0.03,
             sample_size: int = 3000, search_size: int = 20000, seed: int = 0,
             n_init: int = 2, preprocess: bool = True) -> KSelection:
    """Choose the number of clusters.

    Every k is fitted on a random sample of ``search_size`` rows (all rows when there are
    fewer), where Calinski-Harabasz and Davies-Bouldin are computed; the silhouette, which
    costs O(n^2), uses ``sample_size`` of those rows. The chosen k is then fitted on all rows
    by :func:`fit_clusters`.
    Among the k whose smallest cluster holds at least ``min_share`` of the accounts, the
    best by ``criterion`` wins; ``"consensus"`` averages the three criteria's ranks and
    breaks ties by the silhouette.

    Parameters
    ----------
    features : pandas.DataFrame or numpy.ndarray
        :func:`behaviour_features` output (or any numeric table).
    k_range : iterable of int, default 2..10
    method : {"kmeans", "gmm"}
    criterion : {"consensus", "silhouette", "calinski_harabasz", "davies_bouldin"}
    min_share : float, default 0.03
        Smallest acceptable cluster share (0-1).
    sample_size : int, default 3000
        Rows for the silhouette (its cost grows with the square of this).
    search_size : int, default 20000
        Rows the search fits on; the criteria settle long before 100k rows.
    seed : int
    n_init : int, default 2
        Restarts per k during the search.
    preprocess : bool, default True
        Apply the pipeline's transform, impute and scale steps first; set False when the
        input is already scaled.

    Returns
    -------
    KSelection
    """
    _check_method(method)
    if criterion not in CRITERIA:
        raise ParamError(f"k_criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    if not 0 <= min_share < 0.5:
        raise ParamError(f"min_cluster_share must be between 0 and 0.5, got {min_share!r}")
    with threadpool_limits(limits=THREADS):
        return _select_k(features, k_range, method=method, criterion=criterion,
                         sample_size=sample_size, search_size=search_size, seed=seed,
                         n_init=n_init, min_share=min_share, preprocess=preprocess)


def _select_k(features, k_range, *, method, criterion, sample_size, search_size, seed, n_init,
              min_share, preprocess) -> KSelection:
    Z = _preprocessor().fit_transform(features) if preprocess else np.asarray(features, float)
    ks = _check_k_range(k_range, len(Z))
    rng = np.random.default_rng(seed)
    if len(Z) > search_size:
        Z = Z[rng.choice(len(Z), size=search_size, replace=False)]
    n = len(Z)
    sample = rng.choice(n, size=min(sample_size, n), replace=False)
    rows = []
    for k in ks:
        labels = _clusterer(k, method, seed, n_init).fit(Z).labels_
        counts = np.bincount(labels, minlength=k)
        found = int((counts > 0).sum())
        ok = found > 1 and len(np.unique(labels[sample])) > 1
        rows.append({
            "k": k,
            "silhouette": silhouette_score(Z[sample], labels[sample]) if ok else np.nan,
            "calinski_harabasz": calinski_harabasz_score(Z, labels) if found > 1 else np.nan,
            "davies_bouldin": davies_bouldin_score(Z, labels) if found > 1 else np.nan,
            "min_share": counts.min() / n,
        })
    table = pd.DataFrame(rows)
    table["eligible"] = (table["min_share"] >= min_share) & table["silhouette"].notna()
    if criterion == "consensus":
        el = table[table["eligible"]]
        ranks = pd.concat([
            el["silhouette"].rank(ascending=False),
            el["calinski_harabasz"].rank(ascending=False),
            el["davies_bouldin"].rank(ascending=True),
        ], axis=1).mean(axis=1)
        table["score"] = -ranks.reindex(table.index)
    elif criterion == "davies_bouldin":
        table["score"] = -table["davies_bouldin"]
    else:
        table["score"] = table[criterion]
    table.loc[~table["eligible"], "score"] = np.nan
    if table["score"].notna().any():
        best = table.sort_values(["score", "silhouette", "k"],
                                 ascending=[False, False, True]).index[0]
    else:
        # No k meets the share floor: fall back to the one closest to it.
        best = table["min_share"].idxmax()
    table["chosen"] = table.index == best
    return KSelection(table=table, k=int(table.loc[best, "k"]), criterion=criterion)


def fit_clusters(features: pd.DataFrame, k: int, *, method: str = "kmeans", seed: int = 0,
                 n_init: int = 4) -> tuple[Pipeline, pd.Series]:
    """Fit the clustering pipeline and label every account.

    Clusters are numbered by size, largest first, so numbers are stable across runs.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`behaviour_features` output.
    k : int
    method : {"kmeans", "gmm"}
    seed : int
    n_init : int

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        The fitted pipeline (its ``predict`` gives the raw cluster ids).
    labels : pandas.Series
        Named ``cluster``, indexed like ``features``, ints 0..k-1 by decreasing size.
    """
    _check_k_range([k], len(features))
    with threadpool_limits(limits=THREADS):
        pipe = make_pipeline(k, method=method, seed=seed, n_init=n_init).fit(features)
    raw = pipe.named_steps["cluster"].labels_
    order = np.argsort(-np.bincount(raw, minlength=k), kind="stable")
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(k)
    pipe.relabel_ = relabel
    return pipe, pd.Series(relabel[raw], index=features.index, name="cluster")


def predict_clusters(pipeline: Pipeline, features: pd.DataFrame) -> pd.Series:
    """Cluster numbers (as from :func:`fit_clusters`) for new rows."""
    raw = pipeline.predict(features)
    return pd.Series(pipeline.relabel_[raw], index=features.index, name="cluster")


def cluster_stability(features: pd.DataFrame, k: int, *, method: str = "kmeans",
                      runs: int = 5, sample_share: float = 0.8, seed: int = 0,
                      n_init: int = 2, reference: pd.Series | None = None) -> pd.DataFrame:
    """Adjusted Rand index between the reference clustering and refits on subsamples.

    Each run fits the pipeline with another seed on a random ``sample_share`` of the
    accounts and labels all accounts; 1 means the same partition, 0 chance agreement.

    Parameters
    ----------
    features : pandas.DataFrame
    k : int
    method : {"kmeans", "gmm"}
    runs : int, default 5
    sample_share : float, default 0.8
    seed : int
    n_init : int
    reference : pandas.Series, optional
        Reference labels; fitted with ``seed`` when not given.

    Returns
    -------
    pandas.DataFrame
        ``run``, ``seed`` and ``ari``.
    """
    if not 0 < sample_share <= 1:
        raise ParamError(f"sample_share must be in (0, 1], got {sample_share!r}")
    if reference is None:
        _, reference = fit_clusters(features, k, method=method, seed=seed, n_init=n_init)
    rng = np.random.default_rng(seed + 1)
    n = len(features)
    rows = []
    for run in range(1, runs + 1):
        idx = rng.choice(n, size=max(k + 1, int(sample_share * n)), replace=False)
        pipe = make_pipeline(k, method=method, seed=seed + run, n_init=n_init)
        with threadpool_limits(limits=THREADS):
            pipe.fit(features.iloc[idx])
            labels = pipe.predict(features)
        rows.append({"run": run, "seed": seed + run,
                     "ari": adjusted_rand_score(reference.to_numpy(), labels)})
    return pd.DataFrame(rows)


def cluster_zscores(pipeline: Pipeline, features: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Mean of each scaled model feature per cluster (0 = overall mean, 1 = one SD above).

    Returns
    -------
    pandas.DataFrame
        Rows: clusters; columns: features.
    """
    pre = Pipeline(pipeline.steps[:-1])
    Z = pd.DataFrame(pre.transform(features), columns=features.columns, index=features.index)
    return Z.groupby(labels.to_numpy()).mean().sort_index()


#: Features whose words speak of a direction: "growing" needs a cluster median above 0,
#: "shrinking" one below 0, not just a trend below the others' average.
SIGNED_FEATURES = ("order_trend",)


def name_clusters(zscores: pd.DataFrame, *, max_terms: int = 3, min_z: float = 0.4,
                  language: str = "en", levels: pd.DataFrame | None = None,
                  trends: pd.Series | dict | None = None) -> dict:
    """Readable names from each cluster's most distinctive features.

    A feature describes a cluster when its scaled mean is at least ``min_z`` standard
    deviations from the overall mean; the strongest ``max_terms`` are joined with ", ".
    Channel shares only speak when high ("email-engaged"). Duplicate names get the next
    distinctive feature, then a number.

    Parameters
    ----------
    zscores : pandas.DataFrame
        From :func:`cluster_zscores`.
    max_terms : int, default 3
    min_z : float, default 0.4
    language : {"en", "zh"}
        Language of the names (channel names come from the data and stay as they are).
    levels : pandas.DataFrame, optional
        Median of each readable feature per cluster (rows like ``zscores``). With it, a
        feature of :data:`SIGNED_FEATURES` names a cluster only when its median moves in
        the named direction (no "shrinking" for a cluster whose trend is 0 or unknown).
    trends : Series or dict, optional
        Cluster -> tested direction ("up", "down", or None when the change did not pass
        its test, see :func:`trend_evidence`). With it, a trend word names a cluster only
        when the test backs that direction; the cluster is named by its other features.

    Returns
    -------
    dict
        cluster -> name.
    """
    join = i18n.t("customer_segmentation.cluster.join", language)
    ranked: dict = {}
    for cluster, row in zscores.iterrows():
        terms = []
        for feature in row.abs().sort_values(ascending=False).index:
            z = row[feature]
            if abs(z) < min_z:
                break
            if feature in SIGNED_FEATURES and levels is not None:
                level = levels[feature].get(cluster, np.nan) if feature in levels else np.nan
                if not (level > 0 if z > 0 else level < 0):
                    continue
            if feature in SIGNED_FEATURES and trends is not None:
                if trends.get(cluster) != ("up" if z > 0 else "down"):
                    continue
            word = _words(feature, language)[0 if z > 0 else 1]
            if word and word not in terms:
                terms.append(word)
        ranked[cluster] = terms or [i18n.t("customer_segmentation.cluster.average", language)]
    names = {c: join.join(t[:max_terms]) for c, t in ranked.items()}
    seen: dict[str, int] = {}
    for c in names:
        dupes = [d for d in names if names[d] == names[c]]
        if len(dupes) > 1:
            for d in dupes:
                extra = ranked[d][max_terms:max_terms + 1]
                names[d] = join.join(ranked[d][:max_terms] + extra)
    for c, name in names.items():
        seen[name] = seen.get(name, 0) + 1
        if list(names.values()).count(name) > 1:
            names[c] = f"{name} ({seen[name]})"
    return names


def cluster_profiles(features: pd.DataFrame, labels: pd.Series, names: dict | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Medians per cluster, and each cluster's mean as an index of the overall mean.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`behaviour_features` output (readable units).
    labels : pandas.Series
        Cluster per account.
    names : dict, optional
        cluster -> name, used as the row labels.

    Returns
    -------
    medians : pandas.DataFrame
        ``accounts``, ``share`` and the median of every feature, one row per cluster.
    index : pandas.DataFrame
        100 x cluster mean / overall mean for every feature (100 = average; missing when
        the overall mean is 0).
    """
    key = labels.to_numpy()
    g = features.groupby(key)
    medians = g.median()
    counts = pd.Series(key).value_counts().sort_index()
    medians.insert(0, "share", counts / counts.sum())
    medians.insert(0, "accounts", counts)
    overall = features.mean()
    index = g.mean() / overall.where(overall != 0) * 100
    if names:
        medians.index = [names.get(i, i) for i in medians.index]
        index.index = medians.index
    medians.index.name = index.index.name = "cluster"
    return medians, index


def largest_cluster(medians: pd.DataFrame) -> pd.Series:
    """The largest cluster of buyers in a :func:`cluster_profiles` medians table.

    The group of accounts without orders (see :data:`NO_ORDERS`) has no order medians and
    is passed over while any other cluster has them.

    Parameters
    ----------
    medians : pandas.DataFrame
        From :func:`cluster_profiles`.

    Returns
    -------
    pandas.Series
        The row, named after the cluster.
    """
    order_cols = [c for c in ("orders_per_year", "revenue_per_year") if c in medians.columns]
    buyers = medians[medians[order_cols].notna().any(axis=1)] if order_cols else medians
    return (buyers if len(buyers) else medians).sort_values(
        "accounts", ascending=False, kind="stable").iloc[0]


def projection_2d(pipeline: Pipeline, features: pd.DataFrame, labels: pd.Series, *,
                  sample_size: int = 5000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Project the scaled features onto their first two principal components.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        From :func:`fit_clusters`.
    features : pandas.DataFrame
    labels : pandas.Series
    sample_size : int, default 5000
        Points kept for the plot.
    seed : int

    Returns
    -------
    points : pandas.DataFrame
        ``pc1``, ``pc2`` and ``cluster`` for the sampled accounts.
    explained : numpy.ndarray
        Variance share of the two components.
    """
    Z = Pipeline(pipeline.steps[:-1]).transform(features)
    pca = PCA(n_components=2, random_state=seed).fit(Z)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(Z), size=min(sample_size, len(Z)), replace=False))
    xy = pca.transform(Z[idx])
    points = pd.DataFrame({"pc1": xy[:, 0], "pc2": xy[:, 1],
                           "cluster": labels.to_numpy()[idx]}, index=features.index[idx])
    return points, pca.explained_variance_ratio_


def cluster_stage_view(clusters: pd.Series, stages: pd.Series,
                       at_risk: Sequence[str] = ("declining", "churned")) -> pd.DataFrame:
    """Stage mix inside each cluster, to see which clusters are healthy and which slip.

    Parameters
    ----------
    clusters : pandas.Series
        Cluster name per account.
    stages : pandas.Series
        Stage per account (same index).
    at_risk : sequence of str
        Stages counted as slipping.

    Returns
    -------
    pandas.DataFrame
        One row per cluster: ``accounts``, the share of each stage (columns named after the
        stages) and ``at_risk_share``; sorted by ``at_risk_share`` descending.
    """
    stage_cols = (list(stages.cat.categories) if isinstance(stages.dtype, pd.CategoricalDtype)
                  else sorted(stages.dropna().unique()))
    counts = pd.crosstab(clusters.to_numpy(), stages.astype("object").to_numpy())
    counts = counts.reindex(columns=stage_cols, fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.insert(0, "accounts", counts.sum(axis=1))
    risk = [s for s in at_risk if s in shares.columns]
    shares["at_risk_share"] = shares[risk].sum(axis=1) if risk else 0.0
    shares.index.name, shares.columns.name = "cluster", None
    return shares.sort_values("at_risk_share", ascending=False)
