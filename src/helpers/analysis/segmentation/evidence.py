"""Evidence gates: paired change tests of clusters and rule segments, and the at-risk share
of each cluster, tested or described (see :func:`defined_by_clusters`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError

from .labels import OTHER, SEPARATOR, UNKNOWN

__all__ = [
    "DERIVED_FROM",
    "MIN_TREND_ACCOUNTS",
    "TREND_HISTORY_DAYS",
    "at_risk_tests",
    "at_risk_view",
    "defined_by_clusters",
    "is_missing_segment",
    "paired_change_test",
    "segment_growth_tests",
    "trend_evidence",
]


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
