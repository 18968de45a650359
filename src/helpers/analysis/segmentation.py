"""Rule-based segments and behavioural clusters of accounts.

Two complementary views:

*Rule segments* cut accounts by industry x size band x lifecycle stage, which managers can
read at a glance; segments with fewer accounts than a threshold fold into ``"Other"``.

*Behavioural clusters* group accounts by how they buy and engage, whatever their
firmographics. The inputs (:func:`behaviour_features`) are readable per-account numbers:
recency, order frequency and value per active year, average order size, the order trend,
the order rhythm, engagement intensity and the share of each channel in the account's
engagement. The model (:func:`make_pipeline`) is a scikit-learn pipeline that log-scales the
skewed money and count features, takes square roots of the channel shares (which steadies
their variance), imputes the median for accounts without orders (so prospects are grouped by
how they engage, not lumped together for not having bought; the lifecycle stage already
says they have not), standardises and clusters with k-means or a Gaussian mixture.

The number of clusters is chosen over a range (:func:`select_k`) by the silhouette (on a
sample), Calinski-Harabasz and Davies-Bouldin criteria, among the k whose smallest cluster
holds at least a minimum share of accounts. Stability is the adjusted Rand index between the
reference clustering and refits on subsamples with other seeds (:func:`cluster_stability`).
Clusters are described by medians and an index against the overall mean
(:func:`cluster_profiles`), named from their most distinctive features
(:func:`name_clusters`) and explained by a shallow surrogate decision tree
(:func:`surrogate_tree`).

What a cluster is, is not a finding about the business. The clusters are formed on the
accounts' recency, order trend and rhythm, and the lifecycle stages follow from the same
numbers (churned: long since the last order, beyond the account's rhythm; declining and
growth: the 12-month order ratio). Testing a cluster's share of declining or churned
accounts, or its orders this year against last year, on the accounts that formed it tests
the very behaviour that defined it: the p-values are invalid (selection and test on the
same data), and on data without any effect they still come out tiny. So, when the compared
quantity is derived from the clustering inputs (:func:`defined_by_clusters`), it is stated
as a description of the cluster (:func:`risk_descriptions`, a finding of kind ``fact``
without a p-value), not as a comparison; a trend word in a cluster name is a label of the
cluster's own median trend (its sign must match), not a claim of change. A held-out design
(clusters fitted on one half or an earlier window, tested on the other) would give valid
tests, but its answer would still be the clusters' defining features, at the price of half
the accounts; describing is as informative and honest. Only when the clusters are formed
without those inputs is the at-risk share tested (:func:`at_risk_tests`, Fisher exact,
corrected across the clusters).

Rule segments are cut by industry and size band, not by behaviour, so their revenue growth
(:func:`segment_growth_tests`) stays a tested family, corrected across the segments shown;
``"Other"`` or a missing value is never a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin, clone
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, export_text
from threadpoolctl import threadpool_limits

from helpers.core.errors import DataError, ParamError
from helpers.data.contract import LIFECYCLE_STAGES
from helpers.presentation import i18n

OTHER = "Other"
#: Cluster label of accounts without orders when there are no engagement features to place
#: them by (see :func:`segment_behaviour`).
NO_ORDERS = -1
UNKNOWN = "unknown"
SEPARATOR = " · "
METHODS = ("kmeans", "gmm")
CRITERIA = ("consensus", "silhouette", "calinski_harabasz", "davies_bouldin")
#: Shortest activity span (days) used to turn counts into yearly rates, so a first order
#: last week does not read as 50 orders a year.
MIN_SPAN_DAYS = 90

#: Threads for k-means and distances. One, because OpenMP workers spin-wait: on a busy
#: two-core machine two threads made the k search about seven times slower, while on an
#: idle one they gain at most a factor of two.
THREADS = 1

#: Readable words for a cluster far above (first) or below (second) the mean on a feature.
FEATURE_WORDS: dict[str, tuple[str | None, str | None]] = {
    "revenue_per_year": ("high-value", "low-value"),
    "orders_per_year": ("frequent buyers", "occasional buyers"),
    "avg_order_value": ("large orders", "small orders"),
    "recency_days": ("lapsed", "recently active"),
    "order_trend": ("growing", "shrinking"),
    "order_gap_days": ("slow order rhythm", "fast order rhythm"),
    "interactions_per_year": ("highly engaged", "little engagement"),
}
_LOG_FEATURES = ("recency_days", "orders_per_year", "revenue_per_year", "avg_order_value",
                 "order_gap_days", "interactions_per_year")


def channel_label(channel: str, language: str = "en") -> str:
    """An interaction channel code (``trade_show``) as people read it (``trade show``, 展会).

    Known channels have a text in the locale; others lose their underscores.
    """
    code = str(channel)
    return i18n.t(f"customer_segmentation.channel.{code}", language,
                  default=code.replace("_", " "))


def _words(feature: str, language: str = "en") -> tuple[str | None, str | None]:
    if feature.startswith("share_"):
        channel = channel_label(feature.removeprefix("share_"), language)
        return i18n.t("customer_segmentation.cluster.channel", language, channel=channel), None
    if feature in FEATURE_WORDS:
        high, low = FEATURE_WORDS[feature]
        key = f"customer_segmentation.cluster.{feature}"
        return (high and i18n.t(f"{key}.high", language, default=high),
                low and i18n.t(f"{key}.low", language, default=low))
    return (i18n.t("customer_segmentation.cluster.high", language, feature=feature),
            i18n.t("customer_segmentation.cluster.low", language, feature=feature))


def segment_label(label: str, language: str = "en") -> str:
    """A rule-segment label in the report language.

    :data:`OTHER`, lifecycle-stage parts and the default size bands (small, mid, large,
    enterprise) are translated; industries come from the data and stay as they are, and so
    do size bands named in the parameters.
    """
    if label == OTHER:
        return i18n.t("customer_segmentation.other", language)
    return SEPARATOR.join(_part_label(part, language) for part in str(label).split(SEPARATOR))


def _part_label(part: str, language: str) -> str:
    """One part of a segment label: a stage or a default size band in ``language``."""
    if part in LIFECYCLE_STAGES:
        return i18n.t(f"customer_segmentation.stage.{part}", language)
    return i18n.t(f"customer_segmentation.size.{part}", language, default=part)


def feature_label(feature: str, language: str = "en") -> str:
    """A readable name for a behavioural feature (see :func:`behaviour_features`)."""
    if feature.startswith("share_"):
        channel = channel_label(feature.removeprefix("share_"), language)
        return i18n.t("customer_segmentation.feature.share", language, channel=channel)
    return i18n.t(f"customer_segmentation.feature.{feature}", language, default=feature)


def _clean_labels(values: pd.Series) -> pd.Series:
    s = values.astype("object")
    s = s.where(s.notna() & ~s.astype(str).isin(["", "nan", "None", "<NA>"]), UNKNOWN)
    return s.astype(str)


# --------------------------------------------------------------------------- rule segments


def populated_dimensions(frame: pd.DataFrame,
                         dims: Sequence[str] = ("industry", "size_band")) -> list[str]:
    """The segment dimensions of ``dims`` that hold at least one value.

    A dimension without any value would make every account ``unknown`` on it, so it says
    nothing and is left out of the rule segments and the grid.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per account.
    dims : sequence of str
        Candidate columns.

    Returns
    -------
    list of str
        The columns of ``dims`` present in ``frame`` with a non-empty value, in order.
    """
    return [d for d in dims if d in frame.columns
            and (_clean_labels(frame[d]) != UNKNOWN).any()]


def dimension_note(used: Sequence[str], dims: Sequence[str] = ("industry", "size_band"), *,
                   language: str = "en") -> str | None:
    """One line on the segment dimensions left out for lack of values, or ``None``.

    Parameters
    ----------
    used : sequence of str
        The dimensions with values (from :func:`populated_dimensions`).
    dims : sequence of str
        The dimensions a full segmentation uses.
    language : {"en", "zh"}

    Returns
    -------
    str or None
        ``None`` when every dimension is used; the "no dimension" line when none is.
    """
    lacking = [d for d in dims if d not in used]
    if not lacking:
        return None
    if not used:
        return i18n.t("customer_segmentation.rule.no_dims", language)

    def names(ds: Sequence[str]) -> str:
        return i18n.t("customer_segmentation.cluster.join", language).join(
            i18n.t(f"customer_segmentation.dim.{d}", language, default=d) for d in ds)

    return i18n.t("customer_segmentation.rule.partial", language, used=names(used),
                  lacking=names(lacking))


def rule_segments(frame: pd.DataFrame, *, min_accounts: int = 30,
                  dims: Sequence[str] = ("industry", "size_band", "stage")) -> pd.Series:
    """Label each account with its industry x size band x stage segment.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per account with the ``dims`` columns (missing values become ``unknown``).
    min_accounts : int, default 30
        Segments with fewer accounts are folded into ``"Other"``.
    dims : sequence of str
        Columns that define a segment.

    Returns
    -------
    pandas.Series
        Named ``rule_segment``, same index as ``frame``; labels join the values with
        ``" · "``.
    """
    if isinstance(min_accounts, bool) or not isinstance(min_accounts, (int, np.integer)) \
            or min_accounts < 1:
        raise ParamError(f"min_segment_accounts must be a whole number >= 1, got {min_accounts!r}")
    lacking = [d for d in dims if d not in frame.columns]
    if lacking:
        raise DataError(f"rule segments need the column(s) {', '.join(lacking)}")
    parts = [_clean_labels(frame[d]) for d in dims]
    label = parts[0]
    for p in parts[1:]:
        label = label + SEPARATOR + p
    sizes = label.map(label.value_counts())
    return label.where(sizes >= min_accounts, OTHER).rename("rule_segment")


def segment_summary(frame: pd.DataFrame, segment: pd.Series | str) -> pd.DataFrame:
    """Accounts, revenue, margin and growth per segment, largest revenue first.

    Parameters
    ----------
    frame : pandas.DataFrame
        Account features with ``revenue_12m``, ``revenue_prev_12m``, ``revenue_total`` and
        ``margin_total``.
    segment : pandas.Series or str
        Segment label per row, or the name of a column of ``frame``.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``accounts``, ``account_share``, ``revenue_12m``, ``revenue_share``,
        ``margin_total``, ``margin_rate`` (margin over net revenue, all history) and
        ``growth`` (revenue_12m over revenue_prev_12m minus 1; missing when the previous
        year is not positive). The margin counts accounts with revenue and a known margin
        only (the rate over their revenue); it is missing for a segment without any.
        ``"Other"`` comes last.
    """
    seg = frame[segment] if isinstance(segment, str) else segment
    cols = ["revenue_12m", "revenue_prev_12m", "revenue_total", "margin_total"]
    lacking = [c for c in cols if c not in frame.columns]
    if lacking:
        raise DataError(f"segment_summary needs the column(s) {', '.join(lacking)}")
    # A margin is known for an account with revenue and a margin; the rate divides by the
    # revenue of those accounts only, and a segment without any is unknown, not 0%.
    known = frame["margin_total"].notna() & (frame["revenue_total"] != 0)
    g = frame[cols].assign(segment=seg.to_numpy(), accounts=1,
                           margin_total=frame["margin_total"].where(known),
                           _known_revenue=frame["revenue_total"].where(known)
                           ).groupby("segment", sort=False)
    out = g.sum(numeric_only=True).reset_index()
    out["margin_total"] = g["margin_total"].sum(min_count=1).to_numpy()
    known_revenue = g["_known_revenue"].sum(min_count=1).to_numpy()
    out["account_share"] = out["accounts"] / out["accounts"].sum()
    total = out["revenue_12m"].sum()
    out["revenue_share"] = out["revenue_12m"] / total if total else np.nan
    out["margin_rate"] = out["margin_total"] / pd.Series(known_revenue).where(
        pd.Series(known_revenue) > 0).to_numpy()
    prev = out["revenue_prev_12m"].where(out["revenue_prev_12m"] > 0)
    out["growth"] = out["revenue_12m"] / prev - 1
    out["_other"] = out["segment"] == OTHER
    out = out.sort_values(["_other", "revenue_12m"], ascending=[True, False])
    keep = ["segment", "accounts", "account_share", "revenue_12m", "revenue_share",
            "margin_total", "margin_rate", "growth"]
    return out[keep].reset_index(drop=True)


def margin_note(summary: pd.DataFrame, language: str = "en") -> str | None:
    """Why a :func:`segment_summary` shows "–" for margins, or ``None`` when it does not.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary`.
    language : {"en", "zh"}

    Returns
    -------
    str or None
    """
    unknown = summary["margin_total"].isna()
    if not unknown.any():
        return None
    key = "none" if unknown.all() else "some"
    return i18n.t(f"customer_segmentation.margin_unknown.{key}", language)


def segment_grid(frame: pd.DataFrame, *, value: str = "revenue_12m", top: int = 12,
                 rows: Sequence[str] = ("industry", "size_band"), column: str = "stage"
                 ) -> pd.DataFrame:
    """Two-way table of the largest industry x size combinations against stage.

    Parameters
    ----------
    frame : pandas.DataFrame
        Account features with the ``rows`` and ``column`` columns.
    value : str, default "revenue_12m"
        Column to sum, or ``"accounts"`` to count accounts.
    top : int, default 12
        Keep the ``top`` row combinations by total value.
    rows : sequence of str
    column : str

    Returns
    -------
    pandas.DataFrame
        Index: ``industry · size_band`` labels, largest first; columns: stages.
    """
    label = _clean_labels(frame[rows[0]])
    for r in rows[1:]:
        label = label + SEPARATOR + _clean_labels(frame[r])
    vals = pd.Series(1.0, index=frame.index) if value == "accounts" else frame[value]
    col = frame[column]
    cats = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else None
    grid = pd.crosstab(label, col.astype("object"), values=vals, aggfunc="sum").fillna(0.0)
    if cats:
        grid = grid.reindex(columns=cats, fill_value=0.0)
    order = grid.sum(axis=1).sort_values(ascending=False).index[:top]
    grid = grid.loc[order]
    grid.index.name, grid.columns.name = None, None
    return grid


def plot_segment_grid(grid: pd.DataFrame, *, ax=None, title: str = "", fmt: str = ",.0f",
                      scale: float = 1.0, language: str = "en"):
    """Annotated heatmap of :func:`segment_grid` (values divided by ``scale``).

    Stage columns are named in ``language``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.35 * len(grid) + 1.5))
    grid = grid.rename(columns=lambda c: segment_label(c, language),
                       index=lambda r: segment_label(str(r), language))
    sns.heatmap(grid / scale, annot=True, fmt=fmt, cmap="Blues", cbar=False, ax=ax,
                linewidths=0.5)
    ax.set_title(title)
    ax.set_xlabel("")
    ax.set_ylabel("")
    return ax


def segment_table(summary: pd.DataFrame, language: str = "en", *, rows: int = 10
                  ) -> pd.DataFrame:
    """The largest rule segments for a management table, six columns wide.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary` (largest revenue first, ``"Other"`` last).
    language : {"en", "zh"}
        Language of the segment names.
    rows : int
        Named segments kept; ``"Other"`` is added at the end when it exists.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``accounts``, ``revenue_12m``, ``revenue_share``, ``margin_rate`` and
        ``growth``.
    """
    named = summary[summary["segment"] != OTHER].head(rows)
    out = pd.concat([named, summary[summary["segment"] == OTHER]])
    out = out[["segment", "accounts", "revenue_12m", "revenue_share", "margin_rate", "growth"]].copy()
    out["segment"] = [segment_label(v, language) for v in out["segment"]]
    return out.reset_index(drop=True)


def grid_alt(grid: pd.DataFrame, currency: str = "", language: str = "en") -> str:
    """The alt text of :func:`plot_segment_grid`: what it shows and its largest cell.

    Parameters
    ----------
    grid : pandas.DataFrame
        From :func:`segment_grid` (rows: industry x size, columns: stages).
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    from helpers.presentation.tables import compact_number

    values = grid.stack()
    if values.empty or not np.isfinite(values.max()):
        return i18n.t("customer_segmentation.alt.grid_empty", language, rows=len(grid))
    row, stage = values.idxmax()
    return i18n.t("customer_segmentation.alt.grid", language, rows=len(grid),
                  combination=segment_label(str(row), language), stage=segment_label(str(stage), language),
                  amount=f"{compact_number(values.max(), language)} {currency}".strip())


# --------------------------------------------------------------------------- features


def behaviour_features(feats: pd.DataFrame) -> pd.DataFrame:
    """Readable behavioural inputs for clustering, one row per account.

    Parameters
    ----------
    feats : pandas.DataFrame
        From :func:`helpers.data.features.account_features` with windows that include 365 and
        730 days.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``account_id``:

        - ``recency_days``: days since the last order;
        - ``orders_per_year``, ``revenue_per_year``: orders and net revenue per year since
          the first order (at least :data:`MIN_SPAN_DAYS` days);
        - ``avg_order_value``;
        - ``order_trend``: log2 of (orders in the last 12 months + 1) over (orders in the
          12 months before + 1); +1 is a doubling; missing for an account whose first order
          is less than a year old, which has no year before to compare with;
        - ``order_gap_days``: mean days between order dates (the rhythm);
        - ``interactions_per_year`` and ``share_<channel>`` (only with interactions data).

        Order features are missing for accounts without orders (the gap also with one order
        date); the pipeline imputes them.
    """
    need = ["account_id", "order_count", "recency_days", "first_order_date", "last_order_date",
            "revenue_total", "avg_order_value", "orders_365d", "orders_730d", "mean_gap_days",
            "tenure_days"]
    lacking = [c for c in need if c not in feats.columns]
    if lacking:
        raise DataError(
            f"behaviour features need the column(s) {', '.join(lacking)}; compute them with "
            "features.account_features(ws, as_of, windows=(90, 365, 730))")
    f = feats
    buyer = f["order_count"] > 0
    span = ((f["last_order_date"] - f["first_order_date"]).dt.days + f["recency_days"])
    years = span.clip(lower=MIN_SPAN_DAYS).where(buyer) / 365.25
    prev = f["orders_730d"] - f["orders_365d"]
    out = pd.DataFrame({
        "recency_days": f["recency_days"].where(buyer),
        "orders_per_year": f["order_count"] / years,
        "revenue_per_year": f["revenue_total"].clip(lower=0) / years,
        "avg_order_value": f["avg_order_value"].clip(lower=0).where(buyer),
        "order_trend": np.log2((f["orders_365d"] + 1) / (prev + 1)).where(buyer & (span >= 365)),
        "order_gap_days": f["mean_gap_days"],
    })
    eng = [c for c in f.columns if c.startswith("eng_")]
    if eng:
        total = f[eng].sum(axis=1)
        tenure = f["tenure_days"].fillna(MIN_SPAN_DAYS).clip(lower=MIN_SPAN_DAYS)
        out["interactions_per_year"] = f["interactions_total"] / tenure * 365.25
        for c in eng:
            out[f"share_{c.removeprefix('eng_')}"] = (f[c] / total.where(total > 0)).fillna(0.0)
    out.index = pd.Index(f["account_id"].astype(str), name="account_id")
    return out.astype("float64").replace([np.inf, -np.inf], np.nan)


def informative_features(features: pd.DataFrame, min_values: int = 10) -> pd.DataFrame:
    """Drop the features that cannot tell accounts apart.

    A feature with fewer than ``min_values`` known values, or a single distinct value, only
    adds imputed noise (an order trend when nobody has a year of history, an order rhythm
    when nobody ordered twice).

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`behaviour_features` output.
    min_values : int, default 10

    Returns
    -------
    pandas.DataFrame
        The informative columns of ``features``.
    """
    keep = [c for c in features.columns
            if features[c].notna().sum() >= min_values and features[c].nunique() > 1]
    return features[keep]


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


# --------------------------------------------------------------------------- choosing k


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


def _number(value, spec: str) -> str:
    """``value`` formatted with ``spec``, or "–" when it is missing or infinite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return format(v, spec) if np.isfinite(v) else "–"


def selection_display(table: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The k-selection table as people read it.

    Scores with three decimals, the smallest cluster share in percent, yes/no for
    ``eligible``, a check mark for the chosen k and "–" for a score that could not be
    computed (a k whose smallest cluster is below the share floor has no ``score``).

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`KSelection.table`.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        Same columns, every value a string.
    """
    yes = i18n.t("customer_segmentation.yes", language)
    no = i18n.t("customer_segmentation.no", language)
    out = pd.DataFrame(index=table.index)
    for col in table.columns:
        v = table[col]
        if col == "k":
            out[col] = v.astype(int).astype(str)
        elif col == "min_share":
            out[col] = [_number(x, ".1%") for x in v]
        elif col == "eligible":
            out[col] = [yes if x else no for x in v]
        elif col == "chosen":
            out[col] = ["✓" if x else "" for x in v]
        elif col == "calinski_harabasz":
            out[col] = [_number(x, ",.1f") for x in v]
        else:
            out[col] = [_number(x, ".3f") for x in v]
    return out


def plot_k_selection(table: pd.DataFrame, *, ax=None, title: str | None = None,
                     language: str = "en"):
    """Silhouette and Davies-Bouldin by k, the chosen k marked.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`KSelection.table`.
    title : str, optional
        Defaults to "Choosing the number of clusters" in ``language``.
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    def say(key: str) -> str:
        return i18n.t(f"customer_segmentation.chart.{key}", language)

    ax.plot(table["k"], table["silhouette"], marker="o", label=say("silhouette_legend"))
    ax2 = ax.twinx()
    ax2.plot(table["k"], table["davies_bouldin"], marker="s", color="#f5b041",
             label=say("davies_bouldin_legend"))
    ax2.grid(False)
    chosen = table.loc[table["chosen"], "k"]
    for k in chosen:
        ax.axvline(k, color="#7f8c8d", linestyle="--", linewidth=1)
    ax.set_xlabel("k")
    ax.set_ylabel(say("silhouette"))
    ax2.set_ylabel(say("davies_bouldin"))
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", fontsize=8,
              bbox_to_anchor=(1.12, 1.0), borderaxespad=0)
    ax.set_xlabel(say("k"))
    ax.set_title(say("k_selection") if title is None else title)
    return ax


# --------------------------------------------------------------------------- fit and stability


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


# --------------------------------------------------------------------------- description


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


def cluster_overview(medians: pd.DataFrame, view: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per cluster for a management table: size, buying medians and stage risk.

    Parameters
    ----------
    medians : pandas.DataFrame
        From :func:`cluster_profiles` (indexed by cluster name).
    view : pandas.DataFrame, optional
        From :func:`cluster_stage_view` (indexed by cluster name) for ``at_risk_share``.

    Returns
    -------
    pandas.DataFrame
        ``cluster``, ``accounts``, ``orders_per_year``, ``revenue_per_year`` and
        ``at_risk_share`` (those the inputs have), largest cluster first.
    """
    keep = [c for c in ("accounts", "orders_per_year", "revenue_per_year")
            if c in medians.columns]
    out = medians[keep].copy()
    if view is not None and "at_risk_share" in view.columns:
        out["at_risk_share"] = view["at_risk_share"].reindex(out.index)
    out = out.sort_values("accounts", ascending=False, kind="stable")
    return out.rename_axis("cluster").reset_index()


def cluster_stage_alt(view: pd.DataFrame, language: str = "en") -> str:
    """The alt text of :func:`plot_cluster_stage_view`: the cluster with most stage risk.

    Parameters
    ----------
    view : pandas.DataFrame
        From :func:`cluster_stage_view`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    top = view.sort_values("at_risk_share", ascending=False, kind="stable")
    name, share = (top.index[0], float(top["at_risk_share"].iloc[0])) if len(top) else ("–", 0.0)
    return i18n.t("customer_segmentation.alt.cluster_stages", language, k=len(view),
                  cluster=name, share=_pct(share))


def index_alt(index: pd.DataFrame, language: str = "en") -> str:
    """The alt text of the cluster index heatmap: the most distinctive cluster and feature.

    Parameters
    ----------
    index : pandas.DataFrame
        From :func:`cluster_profiles` (clusters x features, 100 = average); columns may
        already carry readable names.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    values = index.stack()
    values = values[np.isfinite(values.astype(float))]
    if values.empty:
        return i18n.t("customer_segmentation.alt.index_empty", language, k=len(index))
    cluster, feature = (values - 100).abs().idxmax()
    return i18n.t("customer_segmentation.alt.index", language, k=len(index), cluster=cluster,
                  feature=feature, value=f"{values[(cluster, feature)]:,.0f}")


def projection_alt(names: dict, explained: Iterable[float], language: str = "en") -> str:
    """The alt text of :func:`plot_projection`.

    Parameters
    ----------
    names : dict
        Cluster number -> name.
    explained : iterable of float
        Variance shares of the two components.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    return i18n.t("customer_segmentation.alt.projection", language, k=len(names),
                  explained=_pct(float(np.sum(list(explained)))))


def k_selection_alt(table: pd.DataFrame, k: int, language: str = "en") -> str:
    """The alt text of :func:`plot_k_selection`: the k range and the chosen k.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`KSelection.table`.
    k : int
        The chosen number of clusters.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    ks = table["k"].astype(int)
    row = table.set_index("k").loc[k] if k in set(ks) else None
    return i18n.t("customer_segmentation.alt.k_selection", language, low=int(ks.min()),
                  high=int(ks.max()), k=k,
                  silhouette=_number(row["silhouette"] if row is not None else np.nan, ".2f"))


def number_text(value, spec: str = ",.0f") -> str:
    """``value`` formatted with ``spec``, or "–" when it is missing or not finite."""
    return _number(value, spec)


@dataclass
class Surrogate:
    """A shallow decision tree that mimics the clusters.

    Attributes
    ----------
    tree : sklearn.tree.DecisionTreeClassifier
        Fitted on all accounts.
    fidelity : float
        Share of held-out accounts (30 %) whose cluster the tree, fitted on the rest,
        predicts correctly.
    rules : str
        The tree as indented text rules.
    paths : pandas.DataFrame
        One row per leaf: ``conditions`` (the path as one readable rule), ``cluster`` and
        ``accounts`` (see :func:`tree_paths`).
    """

    tree: DecisionTreeClassifier
    fidelity: float
    rules: str = field(repr=False)
    paths: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def surrogate_tree(features: pd.DataFrame, labels: pd.Series, *, names: dict | None = None,
                   max_depth: int = 3, seed: int = 0, language: str = "en") -> Surrogate:
    """Explain the clusters with a shallow decision tree on the readable features.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`behaviour_features` output; missing values are allowed.
    labels : pandas.Series
        Cluster per account.
    names : dict, optional
        cluster -> name for the printed rules.
    max_depth : int, default 3
    seed : int
    language : {"en", "zh"}
        Language of the missing-value splits in the rules (see :func:`readable_rules`).

    Returns
    -------
    Surrogate
    """
    if isinstance(max_depth, bool) or not isinstance(max_depth, (int, np.integer)) \
            or max_depth < 1:
        raise ParamError(f"tree_depth must be a whole number >= 1, got {max_depth!r}")
    X, y = features.to_numpy(dtype="float64"), labels.to_numpy()
    rng = np.random.default_rng(seed)
    test = rng.random(len(y)) < 0.3
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=seed, min_samples_leaf=5)
    if test.any() and (~test).any():
        fidelity = float((tree.fit(X[~test], y[~test]).predict(X[test]) == y[test]).mean())
    else:
        fidelity = float("nan")
    tree = clone(tree).fit(X, y)
    classes = [str(names.get(c, c)) if names else str(c) for c in tree.classes_]
    rules = export_text(tree, feature_names=list(features.columns), class_names=classes,
                        decimals=2)
    return Surrogate(tree=tree, fidelity=fidelity, rules=readable_rules(rules, language),
                     paths=tree_paths(tree, list(features.columns), classes, language))


def _bound(value: float) -> str:
    a = abs(value)
    return f"{value:,.0f}" if a >= 100 else f"{value:,.1f}" if a >= 10 else f"{value:,.2f}"


def tree_paths(tree: DecisionTreeClassifier, feature_names: list[str], classes: list[str],
               language: str = "en") -> pd.DataFrame:
    """Each leaf of a fitted tree as one readable rule, largest leaf first.

    Splits on the same feature along a path merge into one range ("0.05 < share email
    <= 0.37"); a split at an infinite threshold (known against missing) reads in words.

    Parameters
    ----------
    tree : sklearn.tree.DecisionTreeClassifier
        Fitted.
    feature_names : list of str
        Readable feature names, in the order the tree was fitted on.
    classes : list of str
        Readable class names, in ``tree.classes_`` order.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        ``conditions``, ``cluster``, ``accounts``.
    """
    t_ = tree.tree_
    rows = []

    def walk(node: int, bounds: dict) -> None:
        left, right = t_.children_left[node], t_.children_right[node]
        if left == right:  # a leaf
            parts = []
            for feature, (low, high, known) in bounds.items():
                name = feature_names[feature]
                if known is not None:
                    parts.append(i18n.t("customer_segmentation.tree." + ("known" if known else "missing"),
                                        language, feature=name))
                if low is not None and high is not None:
                    parts.append(f"{_bound(low)} < {name} ≤ {_bound(high)}")
                elif high is not None:
                    parts.append(f"{name} ≤ {_bound(high)}")
                elif low is not None:
                    parts.append(f"{name} > {_bound(low)}")
            rows.append({"conditions": i18n.t("customer_segmentation.tree.and", language).join(parts)
                         or i18n.t("customer_segmentation.tree.all", language),
                         "cluster": classes[int(np.argmax(t_.value[node][0]))],
                         "accounts": int(t_.n_node_samples[node])})
            return
        feature, threshold = int(t_.feature[node]), float(t_.threshold[node])
        low, high, known = bounds.get(feature, (None, None, None))
        if not np.isfinite(threshold):
            walk(left, {**bounds, feature: (low, high, True)})
            walk(right, {**bounds, feature: (low, high, False)})
            return
        walk(left, {**bounds, feature: (low, threshold if high is None else min(high, threshold), known)})
        walk(right, {**bounds, feature: (threshold if low is None else max(low, threshold), high, known)})

    walk(0, {})
    frame = pd.DataFrame(rows, columns=["conditions", "cluster", "accounts"])
    return frame.sort_values("accounts", ascending=False, kind="stable").reset_index(drop=True)


def readable_rules(rules: str, language: str = "en") -> str:
    """Tree rules with the missing-value splits in words.

    A tree fitted with missing values splits "known against missing" at an infinite
    threshold; ``x <= inf`` reads "x is known" and ``x > inf`` "x has no value".

    Parameters
    ----------
    rules : str
        ``sklearn.tree.export_text`` output.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    def say(key: str, match) -> str:
        return match.group(1) + i18n.t(f"customer_segmentation.tree.{key}", language,
                                       feature=match.group(2))

    rules = re.sub(r"(\|--- )(.+?) <= inf\b", partial(say, "known"), rules)
    return re.sub(r"(\|--- )(.+?) >\s+inf\b", partial(say, "missing"), rules)


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


def plot_projection(points: pd.DataFrame, *, names: dict | None = None, ax=None,
                    title: str | None = None, language: str = "en"):
    """Scatter of :func:`projection_2d` points coloured by cluster.

    ``title`` defaults to "Clusters in two dimensions (PCA)" in ``language``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    hue = points["cluster"].map(names) if names else points["cluster"].astype(str)
    sns.scatterplot(x=points["pc1"], y=points["pc2"], hue=hue, s=8, alpha=0.6, linewidth=0,
                    ax=ax)
    ax.legend(fontsize=7, markerscale=2, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0)
    ax.set_xlabel(i18n.t("customer_segmentation.chart.first_component", language))
    ax.set_ylabel(i18n.t("customer_segmentation.chart.second_component", language))
    ax.set_title(i18n.t("customer_segmentation.chart.projection", language) if title is None
                 else title)
    return ax


# --------------------------------------------------------------------------- cross-view


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


def plot_cluster_stage_view(view: pd.DataFrame, *, ax=None, title: str | None = None,
                            language: str = "en"):
    """Heatmap of the stage shares of :func:`cluster_stage_view`.

    ``title`` defaults to "Stage mix by cluster (% of cluster)" in ``language``; stage
    columns are named in ``language``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.5 * len(view) + 1.5))
    shares = view.drop(columns=["accounts", "at_risk_share"]).rename(
        columns=lambda c: segment_label(c, language))
    sns.heatmap(shares * 100, annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=ax,
                linewidths=0.5, vmin=0, vmax=100)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(i18n.t("customer_segmentation.chart.cluster_stages", language) if title is None
                 else title)
    return ax


# --------------------------------------------------------------------------- one call


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


# --------------------------------------------------------------------------- evidence gates

#: An order trend compares the last 12 months with the 12 before: an account shows both
#: windows in full only when its first order is at least this many days before ``as_of``.
TREND_HISTORY_DAYS = 730
#: Accounts with both windows a cluster needs before its trend is tested at all.
MIN_TREND_ACCOUNTS = 10


def paired_change_test(after: Iterable[float], before: Iterable[float]) -> dict:
    """Wilcoxon signed-rank test of paired values (this period against the one before).

    Pairs without a change carry no information on its direction and are dropped (the
    ``"wilcox"`` zero method); with fewer than two changed pairs there is no test.

    Parameters
    ----------
    after, before : array-like
        Paired values, the same length (orders or revenue per account).

    Returns
    -------
    dict
        ``n`` (pairs), ``changed`` (pairs with a change), ``after``, ``before`` (sums),
        ``median_change``, ``direction`` ("up", "down" or "flat") and the two-sided
        ``p_value`` (NaN without a test).
    """
    from scipy import stats

    a = np.asarray(list(after), dtype=float)
    b = np.asarray(list(before), dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired_change_test: after and before differ in length")
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    d = a - b
    changed = int((d != 0).sum())
    out = {"n": int(len(d)), "changed": changed, "after": float(a.sum()),
           "before": float(b.sum()),
           "median_change": float(np.median(d)) if len(d) else np.nan,
           "direction": "flat", "p_value": np.nan}
    if changed < 2:
        return out
    res = stats.wilcoxon(a, b, zero_method="wilcox", alternative="two-sided")
    total = float(d.sum())
    out["direction"] = "up" if total > 0 else "down" if total < 0 else "flat"
    out["p_value"] = float(res.pvalue)
    return out


#: Clustering inputs each behavioural quantity is derived from: the lifecycle stage
#: (``"stage"``: churned by recency and rhythm, declining and growth by the 12-month order
#: ratio) and the 12-month order change (``"order_change"``, whose log ratio is
#: ``order_trend``).
DERIVED_FROM: dict[str, frozenset[str]] = {
    "stage": frozenset({"recency_days", "order_trend", "order_gap_days"}),
    "order_change": frozenset({"order_trend"}),
}


def defined_by_clusters(features: Iterable[str], quantity: str) -> bool:
    """Whether a quantity compared across clusters is derived from the clustering inputs.

    Such a comparison is circular: the clusters were chosen to differ on it, so a test on
    the same accounts is invalid and its result is a description of the clusters.

    Parameters
    ----------
    features : iterable of str
        The clustering inputs (``BehaviourSegmentation.features.columns``).
    quantity : {"stage", "order_change"}
        The quantity compared (see :data:`DERIVED_FROM`).

    Returns
    -------
    bool
    """
    if quantity not in DERIVED_FROM:
        raise ParamError(f"quantity must be one of {sorted(DERIVED_FROM)}, not {quantity!r}")
    return bool(DERIVED_FROM[quantity] & set(features))


def trend_evidence(feats: pd.DataFrame, labels: pd.Series, *, alpha: float = 0.05,
                   method: str = "bh", min_days: int = TREND_HISTORY_DAYS,
                   min_accounts: int = MIN_TREND_ACCOUNTS) -> pd.DataFrame:
    """Whether each cluster's orders really grew or shrank, corrected across clusters.

    Valid as a test only for clusters formed without ``order_trend`` (see
    :func:`defined_by_clusters`); for clusters formed on it, the counts describe them.
    A trend word ("growing", "shrinking") is a claim about change, so it needs history and
    a test: only accounts whose first order lies at least ``min_days`` before ``as_of``
    show both 12-month windows in full; their orders in the last 12 months are tested
    against the 12 months before with :func:`paired_change_test`, and the p-values are
    corrected across the clusters with ``method``.

    Parameters
    ----------
    feats : pandas.DataFrame
        Account features with ``account_id``, ``orders_365d``, ``orders_730d``,
        ``first_order_date``, ``last_order_date`` and ``recency_days``.
    labels : pandas.Series
        Cluster per account (index ``account_id`` as text).
    alpha : float
        Level the corrected p-value must pass.
    method : str
        Correction across clusters (see :func:`helpers.stats.multiple_testing.adjust`).
    min_days, min_accounts : int
        History an account needs, and accounts with that history a cluster needs.

    Returns
    -------
    pandas.DataFrame
        One row per cluster (index): ``accounts``, ``n`` (accounts with both windows),
        ``orders_now``, ``orders_before``, ``direction``, ``p_value``, ``p_adjusted`` and
        ``supported`` (the trend passed its gate).
    """
    from helpers.stats.multiple_testing import adjust

    f = feats.set_index(feats["account_id"].astype(str))
    span = (f["last_order_date"] - f["first_order_date"]).dt.days + f["recency_days"]
    full = (f["order_count"] > 0) & (span >= min_days) if "order_count" in f else span >= min_days
    lab = labels.reindex(f.index)
    rows = []
    for cluster in sorted(labels.dropna().unique()):
        member = (lab == cluster).to_numpy()
        use = member & full.fillna(False).to_numpy()
        now = f["orders_365d"].to_numpy(float)[use]
        before = (f["orders_730d"] - f["orders_365d"]).to_numpy(float)[use]
        res = (paired_change_test(now, before) if use.sum() >= min_accounts
               else {"n": int(use.sum()), "after": float(now.sum()), "before": float(before.sum()),
                     "direction": "flat", "p_value": np.nan})
        rows.append({"cluster": cluster, "accounts": int(member.sum()), "n": res["n"],
                     "orders_now": res["after"], "orders_before": res["before"],
                     "direction": res["direction"], "p_value": res["p_value"]})
    out = pd.DataFrame(rows, columns=["cluster", "accounts", "n", "orders_now", "orders_before",
                                      "direction", "p_value"]).set_index("cluster")
    out["p_adjusted"] = adjust(out["p_value"].to_numpy(float), method) if len(out) else []
    out["supported"] = (out["p_adjusted"] < alpha) & out["direction"].isin(["up", "down"])
    return out


def is_missing_segment(label) -> bool:
    """True for ``"Other"``, a missing label, or a combination with a missing-value part."""
    from helpers.presentation.findings import is_missing_level

    if is_missing_level(label) or label == OTHER:
        return True
    return any(is_missing_level(part) or part == UNKNOWN for part in str(label).split(SEPARATOR))


def segment_growth_tests(frame: pd.DataFrame, segment: pd.Series | str, *,
                         alpha: float = 0.05, method: str = "bh",
                         history_days: float | None = None,
                         min_days: int = TREND_HISTORY_DAYS) -> pd.DataFrame:
    """Whether each segment's revenue changed between the two last 12-month windows.

    Revenue of the last 12 months is tested against the 12 months before, account by
    account (:func:`paired_change_test`), and the p-values are corrected across the
    segments shown together. ``"Other"`` and missing-value segments are tested but stay
    outside the family (no adjusted p-value) and never count as a finding.

    Parameters
    ----------
    frame : pandas.DataFrame
        Account features with ``revenue_12m`` and ``revenue_prev_12m``.
    segment : pandas.Series or str
        Segment label per row, or a column of ``frame``.
    alpha, method
        As in :func:`trend_evidence`.
    history_days : float, optional
        Days of order history in the data. Below ``min_days`` the 12 months before are not
        observed in full, so no segment is tested (every p-value is missing).

    Returns
    -------
    pandas.DataFrame
        ``segment, n, direction, p_value, p_adjusted, significant``.
    """
    from helpers.stats.multiple_testing import adjust

    seg = frame[segment] if isinstance(segment, str) else segment
    observed = history_days is None or (np.isfinite(history_days) and history_days >= min_days)
    rows = []
    for name, part in frame.groupby(seg.to_numpy(), sort=False):
        res = (paired_change_test(part["revenue_12m"].fillna(0), part["revenue_prev_12m"].fillna(0))
               if observed else {"n": len(part), "direction": "flat", "p_value": np.nan})
        rows.append({"segment": name, "n": res["n"], "direction": res["direction"],
                     "p_value": res["p_value"]})
    out = pd.DataFrame(rows, columns=["segment", "n", "direction", "p_value"])
    real = ~out["segment"].map(is_missing_segment).astype(bool)
    # the pool of small segments and a missing value are no segment: outside the family
    out["p_adjusted"] = np.nan
    if real.any():
        out.loc[real, "p_adjusted"] = adjust(out.loc[real, "p_value"].to_numpy(float), method)
    out["significant"] = (out["p_adjusted"] < alpha) & real & out["direction"].ne("flat")
    return out


def at_risk_view(view: pd.DataFrame, exclude: Iterable = ()) -> pd.DataFrame:
    """Each cluster's declining or churned accounts against all other accounts, untested.

    The description behind :func:`risk_descriptions` when the stages derive from the
    clustering inputs (see :func:`defined_by_clusters`).

    Parameters
    ----------
    view : pandas.DataFrame
        From :func:`cluster_stage_view`.
    exclude : iterable
        Clusters left out, such as the group of accounts without orders.

    Returns
    -------
    pandas.DataFrame
        ``view`` without the excluded clusters, with ``at_risk`` (accounts) and
        ``rest_share`` (the share among all other accounts; missing without other accounts).
    """
    out = view.drop(index=[c for c in exclude if c in view.index]).copy()
    n = out["accounts"].to_numpy(float)
    hits = np.rint(out["at_risk_share"].to_numpy(float) * n)
    rest_n = n.sum() - n
    out["at_risk"] = hits.astype(int)
    out["rest_share"] = np.where(rest_n > 0, (hits.sum() - hits) / np.where(rest_n > 0, rest_n, 1),
                                 np.nan)
    return out


def risk_descriptions(risk: pd.DataFrame, language: str = "en", *, limit: int = 1) -> dict:
    """How the most at-risk clusters are made up, as descriptions (plain text).

    "X: 96% of its 26 accounts are declining or churned (2% of the other accounts); the
    cluster is formed on the recency and order trend that set these stages." Clusters
    without a declining or churned account are not described.

    Parameters
    ----------
    risk : pandas.DataFrame
        From :func:`at_risk_view` (or :func:`at_risk_tests`).
    limit : int
        Clusters described, highest share first.

    Returns
    -------
    dict
        cluster -> description, highest share first.
    """
    top = risk[risk["at_risk_share"] > 0].sort_values("at_risk_share", ascending=False)
    return {name: i18n.t("customer_segmentation.finding.cluster_risk_described", language,
                   cluster=name, share=_pct(r["at_risk_share"]), accounts=f"{int(r['accounts']):,}",
                   rest=_pct(r["rest_share"])).replace("**", "")
            for name, r in top.head(limit).iterrows()}


def at_risk_tests(view: pd.DataFrame, *, alpha: float = 0.05, method: str = "bh",
                  exclude: Iterable = ()) -> pd.DataFrame:
    """Whether a cluster's share of declining or churned accounts differs from the rest.

    Each cluster is compared with all other accounts by
    :func:`helpers.stats.multiple_testing.lift_test` (Fisher exact test, Katz interval of the
    ratio of shares), and the p-values are corrected across the clusters. Valid only when
    the clusters are formed without the inputs the stages derive from
    (:func:`defined_by_clusters`); otherwise use :func:`at_risk_view`.

    Parameters
    ----------
    view : pandas.DataFrame
        From :func:`cluster_stage_view` (``accounts`` and ``at_risk_share`` per cluster).
    alpha, method
        As in :func:`trend_evidence`.
    exclude : iterable
        Clusters left out of the comparison, such as the group of accounts without orders,
        which cannot be declining or churned by definition.

    Returns
    -------
    pandas.DataFrame
        ``view`` without the excluded clusters, with ``at_risk`` (accounts), ``rest_share``, ``lift``, ``low``, ``high``,
        ``p_value``, ``p_adjusted`` and ``significant`` (a missing-value cluster never is).
    """
    from helpers.presentation.findings import is_missing_level
    from helpers.stats.multiple_testing import adjust, lift_test

    out = at_risk_view(view, exclude)
    n = out["accounts"].to_numpy(float)
    hits = out["at_risk"].to_numpy(float)
    rows = [lift_test(h, m, hits.sum() - h, n.sum() - m) for h, m in zip(hits, n, strict=True)]
    for key in ("lift", "low", "high", "p_value"):
        out[key] = [float(r.get(key, np.nan)) for r in rows]
    out["p_adjusted"] = adjust(out["p_value"].to_numpy(float), method) if len(out) else []
    real = ~pd.Series(out.index, index=out.index).map(is_missing_level).astype(bool)
    out["significant"] = (out["p_adjusted"] < alpha) & real
    return out


def _pct(v: float) -> str:
    return f"{v:.0%}" if np.isfinite(v) else "–"


def risk_claims(risk: pd.DataFrame, language: str = "en") -> list[str]:
    """One claim per cluster from :func:`at_risk_tests`, in its direction (plain text).

    A cluster with a higher share of declining or churned accounts than the rest reads
    "X: 43% ... against 15% elsewhere (2.9x)", one with a lower share "only 9% ...".
    """
    out = []
    for name, r in risk.iterrows():
        high = np.isfinite(r["lift"]) and r["lift"] > 1
        lift = f"{r['lift']:.1f}" if np.isfinite(r["lift"]) else "–"
        out.append(i18n.t(
            "customer_segmentation.finding.cluster_risk_high" if high
            else "customer_segmentation.finding.cluster_risk_low", language,
            cluster=name, share=_pct(r["at_risk_share"]), accounts=f"{int(r['accounts']):,}",
            rest=_pct(r["rest_share"]), lift=lift).replace("**", ""))
    return out


def trend_claims(trends: pd.DataFrame, names: dict, language: str = "en") -> list[str]:
    """One claim per tested cluster of :func:`trend_evidence` (orders now against before).

    Plain text without markdown, as the portal's executive summary shows it.
    """
    return [i18n.t("customer_segmentation.finding.trend", language, cluster=names.get(c, str(c)),
                   n=f"{int(r['n']):,}", now=f"{r['orders_now']:,.0f}",
                   before=f"{r['orders_before']:,.0f}").replace("**", "")
            for c, r in trends.iterrows()]


def survives_marks(significant: Iterable[bool], language: str = "en") -> list[str]:
    """The survives mark of a family's table: "✓" for a reliable difference, else "–"."""
    return [i18n.t("findings.yes" if bool(s) else "findings.no", language) for s in significant]


# --------------------------------------------------------------------------- report steps

#: The report's sections whose data support is checked (see helpers.data.capabilities).
SECTIONS = ("segmentation.rule_segments", "segmentation.lifecycle", "segmentation.clusters")


def _t(key: str, language: str, **fields) -> str:
    return i18n.t(f"customer_segmentation.{key}", language, **fields)


def _gap(language: str) -> str:
    """What separates two sentences: nothing in Chinese, a space otherwise."""
    return "" if language == "zh" else " "


def money_headers(currency: str, language: str = "en") -> dict:
    """Table headers of the money columns, with the currency.

    Parameters
    ----------
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    dict
        Column -> header, for ``revenue_12m`` and ``revenue_per_year``.
    """
    return {c: f"{_t(f'col.{c}', language)} ({currency})" for c in ("revenue_12m", "revenue_per_year")}


def coverage_notes(caps, *, has_interactions: bool, n_clusters: int, k_range: Sequence[int],
                   accounts: int, language: str = "en") -> list[str]:
    """What the data leaves out of the report, one sentence each.

    Parameters
    ----------
    caps : helpers.data.capabilities.Capabilities
        Anything with ``support(key)`` returning ``(status, reasons)``.
    has_interactions : bool
        Whether the data has an interactions table.
    n_clusters : int
        The fixed number of clusters (0: chosen from ``k_range``).
    k_range : sequence of int
        From :func:`usable_k_range`.
    accounts : int
        Accounts in the data.
    language : {"en", "zh"}

    Returns
    -------
    list of str
        Empty when the data supports every section.
    """
    notes = []
    if not has_interactions:
        notes.append(_t("note.no_interactions", language))
    if n_clusters == 0 and len(k_range) == 0:
        notes.append(_t("note.too_few", language, accounts=f"{accounts:,}"))
    if not notes and any(caps.support(key)[0] != "supported" for key in SECTIONS):
        notes.append(_t("note.limited", language))
    return notes


@dataclass
class ClusterRisk:
    """How the lifecycle stages spread over the behavioural clusters.

    Attributes
    ----------
    view : pandas.DataFrame
        From :func:`cluster_stage_view`.
    risk : pandas.DataFrame
        From :func:`at_risk_view` (described) or :func:`at_risk_tests` (tested).
    risk_described, trend_described : bool
        Whether the stages or the order trend follow from the clustering inputs, so that
        they describe the clusters instead of being tested (see :func:`defined_by_clusters`).
    revenue : pandas.Series
        12-month revenue per cluster name.
    """

    view: pd.DataFrame
    risk: pd.DataFrame
    risk_described: bool
    trend_described: bool
    revenue: pd.Series


def cluster_risk(result: BehaviourSegmentation, feats: pd.DataFrame, *, alpha: float = 0.05,
                 correction: str = "bh") -> ClusterRisk:
    """Stage mix and at-risk share of every cluster, tested against the rest where that is valid.

    Parameters
    ----------
    result : BehaviourSegmentation
        From :func:`segment_behaviour`.
    feats : pandas.DataFrame
        One row per account with ``account_id``, ``stage`` and ``revenue_12m``.
    alpha : float
        Family level of the tests.
    correction : str
        Multiple-testing correction across the clusters.

    Returns
    -------
    ClusterRisk
        The group without orders is left out of the comparison.
    """
    by_account = feats.set_index("account_id")
    view = cluster_stage_view(result.cluster_names, by_account["stage"])
    no_orders = [result.names[NO_ORDERS]] if NO_ORDERS in result.names else []
    risk_described = defined_by_clusters(result.features.columns, "stage")
    risk = (at_risk_view(view, exclude=no_orders) if risk_described else
            at_risk_tests(view, alpha=alpha, method=correction, exclude=no_orders))
    return ClusterRisk(view=view, risk=risk, risk_described=risk_described,
                       trend_described=defined_by_clusters(result.features.columns, "order_change"),
                       revenue=by_account["revenue_12m"].groupby(result.cluster_names).sum())


def log_cluster_risk(log, cr: ClusterRisk, *, language: str = "en") -> list:
    """Keep the at-risk findings of the clusters in ``log``: descriptions or a corrected family.

    Parameters
    ----------
    log : helpers.presentation.findings.FindingLog
        Receives the findings.
    cr : ClusterRisk
        From :func:`cluster_risk`.
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
        The findings added.
    """
    from helpers.presentation import findings

    risk, total = cr.risk, cr.revenue.sum()
    if cr.risk_described:
        return [log.add(findings.fact(
            text, impact=findings.impact_weight(cr.revenue.get(c, 0), total, cap=0.4),
            action=_t("action.cluster_risk", language, cluster=c), n=int(risk.accounts.get(c, 0)),
            test="description of the cluster")) for c, text in risk_descriptions(risk, language).items()]
    what = _t("what.clusters", language)
    return log.family(
        risk_claims(risk, language), risk.p_value, test="Fisher exact", levels=risk.index, family=what,
        effects=risk.lift, lows=risk.low, highs=risk.high, ns=risk.accounts, effect_label="lift",
        impacts=[findings.impact_weight(cr.revenue.get(c, 0), total) for c in risk.index],
        actions=[_t("action.cluster_risk" if lift > 1 else "action.cluster_healthy", language, cluster=c)
                 for c, lift in risk.lift.items()],
        fallback=findings.no_difference(len(risk), what, language))


def log_cluster_trends(log, result: BehaviourSegmentation, *, language: str = "en") -> str:
    """Test each cluster's orders this year against last year, keep the findings in ``log``.

    Only for clusters formed without the order trend (see :func:`defined_by_clusters`).

    Parameters
    ----------
    log : helpers.presentation.findings.FindingLog
        Receives the findings.
    result : BehaviourSegmentation
        From :func:`segment_behaviour`.
    language : {"en", "zh"}

    Returns
    -------
    str
        Up to two sentences for the report; empty without trends.
    """
    if not len(result.trends):
        return ""
    tested = result.trends[result.trends.p_value.notna()]
    if not len(tested):
        return _t("finding.trend_untested", language, min=MIN_TREND_ACCOUNTS)
    trend_findings = log.family(
        trend_claims(tested, result.names, language), tested.p_value, test="Wilcoxon signed-rank",
        family=_t("feature.order_trend", language), ns=tested.n,
        effects=tested.orders_now - tested.orders_before, effect_label="orders",
        actions=[_t(f"action.trend_{'up' if d == 'up' else 'down'}", language, cluster=result.names[c])
                 for c, d in tested.direction.items()],
        fallback=_t("finding.trend_none", language, n=len(tested)))
    return _gap(language).join(log.summary(trend_findings, limit=2))


def log_segment_growth(log, summary: pd.DataFrame, growth_tests: pd.DataFrame, *,
                       language: str = "en") -> tuple[pd.DataFrame, list]:
    """Keep the revenue-growth findings of the rule segments in ``log``, corrected together.

    Parameters
    ----------
    log : helpers.presentation.findings.FindingLog
        Receives the findings.
    summary : pandas.DataFrame
        From :func:`segment_summary`.
    growth_tests : pandas.DataFrame
        From :func:`segment_growth_tests`, indexed by ``segment``.
    language : {"en", "zh"}

    Returns
    -------
    tested : pandas.DataFrame
        The rows of ``summary`` that were tested.
    found : list of helpers.presentation.findings.Finding
        Empty when no segment was tested.
    """
    from helpers.presentation import findings

    tested = summary[summary.segment.map(growth_tests.p_adjusted).notna()]
    if not len(tested):
        return tested, []
    labels = [segment_label(s, language) for s in tested.segment]
    claims = [_t(f"rule.growth_{growth_tests.direction[s]}", language, segment=label,
                 growth=f"{g:+.0%}" if pd.notna(g) else "–").replace("**", "")
              for s, label, g in zip(tested.segment, labels, tested.growth, strict=True)]
    found = log.family(
        claims, tested.segment.map(growth_tests.p_value), test="Wilcoxon signed-rank",
        family=_t("what.segments", language), ns=tested.accounts, effects=tested.growth, effect_label="growth",
        impacts=[findings.impact_weight(r, summary.revenue_12m.sum()) for r in tested.revenue_12m],
        actions=[_t("action.segment_down" if g < 0 else "action.segment_up", language, segment=label)
                 for label, g in zip(labels, tested.growth.fillna(0), strict=True)],
        fallback=_t("rule.growth_none", language, n=len(tested)))
    return tested, found


def named_segments(summary: pd.DataFrame) -> int:
    """Rule segments large enough to stand on their own (not pooled in *Other*).

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary`.

    Returns
    -------
    int
    """
    return int((summary.segment != OTHER).sum())


def rule_segment_text(summary: pd.DataFrame, *, min_accounts: int, growth: Sequence[str] = (),
                      language: str = "en") -> str:
    """The sentences under the rule-segment table: the largest segment, margins and growth.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary`, largest revenue first.
    min_accounts : int
        Smallest segment not pooled in *Other*.
    growth : sequence of str
        Growth sentences to add (from ``FindingLog.summary``).
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    named = summary[summary.segment != OTHER]
    if len(named):
        top = named.iloc[0]
        other_share = summary.loc[summary.segment == OTHER, "account_share"].sum()
        said = [_t("rule.summary", language, segments=len(named), min_accounts=min_accounts,
                   top=segment_label(top.segment, language), revenue_share=f"{top.revenue_share:.0%}",
                   account_share=f"{top.account_share:.0%}", other_share=f"{other_share:.0%}")]
    else:
        said = [_t("rule.none", language, min_accounts=min_accounts)]
    said += [margin_note(summary, language) or "", *growth]
    return _gap(language).join(s for s in said if s)


def segment_detail(summary: pd.DataFrame, growth_tests: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Every rule segment with its adjusted p-value and whether its growth holds up.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary`.
    growth_tests : pandas.DataFrame
        From :func:`segment_growth_tests`, indexed by ``segment``.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        ``summary`` with segments named in ``language``, ``p_adjusted`` and ``survives``.
    """
    return summary.assign(segment=[segment_label(s, language) for s in summary.segment],
                          p_adjusted=summary.segment.map(growth_tests.p_adjusted),
                          survives=summary.segment.map(growth_tests.significant).fillna(False).astype(bool))


def grid_at_risk_text(grid: pd.DataFrame, currency: str = "", language: str = "en") -> str:
    """The sentence under the segment grid: the combination with most revenue at risk.

    Parameters
    ----------
    grid : pandas.DataFrame
        From :func:`segment_grid`: combinations by stage.
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    from helpers.presentation.tables import compact_number

    at_risk = grid[[c for c in ("declining", "churned") if c in grid.columns]].sum(axis=1)
    if not len(at_risk) or at_risk.max() <= 0:
        return _t("grid.none", language)
    worst = at_risk.idxmax()
    return _t("grid.at_risk", language, combination=segment_label(worst, language),
              amount=f"{compact_number(at_risk.max(), language)} {currency}",
              share=f"{at_risk.max() / max(grid.loc[worst].sum(), 1):.0%}")


def cluster_summary_text(medians: pd.DataFrame, risk_findings: Sequence = (), *, described: bool = False,
                         trend_text: str = "", provisional_note: str | None = None, currency: str = "",
                         language: str = "en") -> str:
    """The sentences under the cluster chart: the largest cluster, its risk and its trend.

    Parameters
    ----------
    medians : pandas.DataFrame
        From :func:`cluster_profiles`.
    risk_findings : sequence of helpers.presentation.findings.Finding
        From :func:`log_cluster_risk`.
    described : bool
        Whether the risk findings are descriptions (all shown) or tests (stated ones shown).
    trend_text : str
        From :func:`log_cluster_trends`.
    provisional_note : str or None
        When given (short history), shown instead of the risk findings.
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    from helpers.presentation.findings import FindingLog
    from helpers.presentation.tables import compact_number

    biggest = largest_cluster(medians)  # of buyers, not the group without orders
    said = [_t("profiles.largest", language, name=biggest.name, share=f"{biggest['share']:.0%}",
               orders=number_text(biggest.get("orders_per_year"), ".1f"),
               revenue=f"{compact_number(biggest.get('revenue_per_year'), language)} {currency}")]
    if provisional_note is not None:
        said.append(provisional_note)
    elif described:
        said += [f.text for f in risk_findings]
    else:
        said += FindingLog.summary(risk_findings, limit=3)
    return _gap(language).join(s for s in [*said, trend_text] if s)


def tests_text(*, min_accounts: int, segments_tested: int, cr: ClusterRisk | None, provisional: bool,
               language: str = "en") -> str:
    """How the differences were tested, for the method section.

    Parameters
    ----------
    min_accounts : int
        Smallest segment not pooled in *Other*.
    segments_tested : int
        Rule segments whose growth was tested.
    cr : ClusterRisk or None
        From :func:`cluster_risk`; ``None`` without clusters.
    provisional : bool
        Whether the history is too short to judge decline and churn.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    said = [_t("intro.rule_segments", language, min_accounts=min_accounts)]
    if segments_tested:
        said.append(_t("rule.family", language, n=segments_tested))
    if cr is not None and not provisional:
        said.append(_t("cross.described", language) if cr.risk_described
                    else _t("cross.family", language, k=len(cr.risk)))
    if cr is not None and (cr.risk_described or cr.trend_described):
        said.append(_t("finding.clusters_described", language))
    return _gap(language).join(said)


def k_choice_text(selection: pd.DataFrame, k: int, *, criterion: str, min_share: float,
                  language: str = "en") -> str:
    """Why this number of clusters: the criterion and the scores of the chosen k.

    Parameters
    ----------
    selection : pandas.DataFrame
        ``KSelection.table``: one row per k tried.
    k : int
        The chosen k.
    criterion : str
        One of :data:`CRITERIA`.
    min_share : float
        Smallest cluster share a k had to keep.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    chosen = selection.set_index("k").loc[k]
    return _t("clusters.k_chosen", language, k=k, criterion=_t(f"criterion.{criterion}", language),
              min_share=f"{min_share:.0%}", silhouette=f"{chosen.silhouette:.2f}",
              davies_bouldin=f"{chosen.davies_bouldin:.2f}")


def stability_text(ari: pd.Series, language: str = "en") -> str:
    """How well refits on subsamples reproduce the clusters.

    Parameters
    ----------
    ari : pandas.Series
        Adjusted Rand index of each refit (``cluster_stability(...).ari``), not empty.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    return _t("clusters.stability", language, runs=len(ari), median=f"{ari.median():.2f}",
              lowest=f"{ari.min():.2f}",
              verdict=_t("clusters.solid" if ari.median() >= 0.8 else "clusters.shaky", language))


def account_export(actions: pd.DataFrame, rule_segment: Iterable, cluster_names: pd.Series | None = None
                   ) -> pd.DataFrame:
    """Every account's segment, stage, cluster and recommended action, for the CRM.

    Parameters
    ----------
    actions : pandas.DataFrame
        From :func:`helpers.analysis.lifecycle.recommend_actions`: ``account_id``, ``stage``, ``action``.
    rule_segment : iterable
        The rule segment of each account, in the order of ``actions``.
    cluster_names : pandas.Series, optional
        Cluster name by account id; ``None`` without clusters.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``rule_segment``, ``stage``, ``cluster_name``, ``recommended_action``.
    """
    out = actions.rename(columns={"action": "recommended_action"})
    out["rule_segment"] = np.asarray(list(rule_segment), dtype=object)
    names = cluster_names if cluster_names is not None else pd.Series(dtype="object")
    out["cluster_name"] = out.account_id.map(names)
    return out[["account_id", "rule_segment", "stage", "cluster_name", "recommended_action"]]


def headline_cards(*, at_risk_share: float | None, growing_share: float, clusters: int | None,
                   stability: pd.Series | None, segments: int | None, language: str = "en") -> dict:
    """The report's headline numbers for the portal cards.

    Parameters
    ----------
    at_risk_share : float or None
        Share of accounts declining or churned (0-1); ``None`` on short history.
    growing_share : float
        Share of accounts new or in growth (0-1).
    clusters : int or None
        Number of behavioural clusters; ``None`` without clusters.
    stability : pandas.Series or None
        Adjusted Rand index of the refits; ``None`` or empty without a stability check.
    segments : int or None
        Named rule segments; ``None`` without rule segments.
    language : {"en", "zh"}

    Returns
    -------
    dict
        Card title -> ``{"value": ..., "unit": ...}``.
    """
    return {
        _t("card.at_risk", language): {
            "value": None if at_risk_share is None else round(100 * float(at_risk_share), 1), "unit": "%"},
        _t("card.growing", language): {"value": round(100 * float(growing_share), 1), "unit": "%"},
        _t("card.clusters", language): {"value": clusters},
        _t("card.stability", language): {
            "value": round(float(stability.median()), 2) if stability is not None and len(stability) else None},
        _t("card.segments", language): {"value": segments},
    }
