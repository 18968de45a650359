"""Uncertainty of the attribution and the test of whether the leading label stands out.

Journeys are resampled (Poisson bootstrap) and their outcomes permuted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.attribution.models import CONVERSION, NULL, START, UNKNOWN_LABELS
from helpers.core.errors import ParamError

__all__ = [
    "bootstrap_shares",
    "leader_test",
    "touch_shares",
]


def _markov_shares_batch(counts: np.ndarray, n_transient: int) -> np.ndarray:
    """Removal-effect shares of many transition-count matrices at once.

    ``counts`` has shape (B, T, T + 2): rows the transient states (start first), columns
    the transient states, then conversion and null. Returns (B, T - 1) shares of the labels
    (NaN where the chain never converts).
    """
    c = counts.astype(float).copy()
    totals = c.sum(axis=2)
    c[..., -1] += totals == 0  # a state never left ends in null
    P = c / c.sum(axis=2, keepdims=True)
    Q, r = P[..., :n_transient], P[..., n_transient]
    eye = np.eye(n_transient)
    base = np.linalg.solve(eye - Q, r[..., None])[:, 0, 0]
    effects = np.empty((len(c), n_transient - 1))
    for k in range(1, n_transient):
        Qr, rr = Q.copy(), r.copy()
        Qr[:, k, :], rr[:, k] = 0.0, 0.0
        p = np.linalg.solve(eye - Qr, rr[..., None])[:, 0, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            effects[:, k - 1] = np.where(base > 0, 1 - p / base, np.nan)
    total = effects.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, effects / total, np.nan)


def bootstrap_shares(per_journey: pd.DataFrame, *, resamples: int = 200,
                     seed: int = 0, confidence: float = 0.95) -> pd.DataFrame:
    """Markov and linear shares with intervals from resampling the journeys.

    Journeys are resampled with Poisson(1) weights (the Poisson bootstrap: each journey
    appears 0, 1, 2, ... times), the transition counts and linear credits are summed with
    those weights, and the shares are computed again for every resample. Only the small
    per-journey tables are touched, never the touches.

    Parameters
    ----------
    per_journey : pandas.DataFrame
        :func:`journey_transitions`.
    resamples : int
        Number of resamples (seeded).
    seed : int
    confidence : float
        Coverage of the percentile intervals.

    Returns
    -------
    pandas.DataFrame
        Index ``label``; ``markov, markov_low, markov_high, linear, linear_low,
        linear_high`` as shares of the converting journeys with a touch (the point values
        are those of the full data). ``attrs["draws"]`` holds the resampled shares
        (``{"markov": array (resamples, labels), "linear": ...}``) for
        :func:`leader_test`; empty without a converting journey.
    """
    if int(resamples) < 1:
        raise ParamError(f"resamples must be at least 1, got {resamples}")
    from scipy import sparse

    t = per_journey[per_journey["count"] > 0]
    # The engine returns grouped rows in no fixed order, and each journey's resampling
    # weight follows its position: sort first, so identical runs give identical p-values.
    t = t.sort_values(["journey_id", "from_state", "to_state"], kind="stable",
                      ignore_index=True)
    # integer codes throughout: string columns are factorised once, never iterated
    n_rows = len(t)
    codes, names = pd.factorize(pd.concat([t["from_state"], t["to_state"]], ignore_index=True))
    names = [str(x) for x in names]
    labels = sorted(set(names) - {START, CONVERSION, NULL})
    cols = ["markov", "markov_low", "markov_high", "linear", "linear_low", "linear_high"]
    empty = pd.DataFrame(columns=cols, index=pd.Index([], name="label"), dtype=float)
    if not labels or CONVERSION not in names:
        empty.attrs["draws"] = {}
        return empty
    transient = [START, *labels]
    pos = {s: k for k, s in enumerate(transient)}
    width = len(transient) + 2
    row_of = np.array([pos.get(x, -1) for x in names])
    col_of = np.array([pos.get(x, {CONVERSION: len(transient), NULL: len(transient) + 1}
                               .get(x, -1)) for x in names])
    src, dst = row_of[codes[:n_rows]], col_of[codes[n_rows:]]
    count = t["count"].to_numpy(float)
    jcodes, jids = pd.factorize(t["journey_id"])
    n_j = len(jids)
    M = sparse.csr_matrix((count, (jcodes, src * width + dst)),
                          shape=(n_j, len(transient) * width))
    # linear credit: each converting journey's touches of a label over its touches
    converting = np.zeros(n_j, dtype=bool)
    converting[jcodes[dst == len(transient)]] = True
    touch = (src > 0) & converting[jcodes]
    L = sparse.csr_matrix((count[touch], (jcodes[touch], src[touch] - 1)),
                          shape=(n_j, len(labels)))
    per_j = np.asarray(L.sum(axis=1)).ravel()
    L = sparse.diags(np.divide(1.0, per_j, out=np.zeros(n_j), where=per_j > 0)) @ L
    rng = np.random.default_rng(seed)
    W = rng.poisson(1.0, size=(int(resamples), n_j)).astype(float)
    W = np.vstack([np.ones(n_j), W])  # row 0: the data itself
    counts = np.asarray((M.T @ W.T).T).reshape(len(W), len(transient), width)
    markov = _markov_shares_batch(counts, len(transient))
    lin = np.asarray((L.T @ W.T).T)
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = lin / lin.sum(axis=1, keepdims=True)
    tail = (1 - confidence) / 2
    out = pd.DataFrame(index=pd.Index(labels, name="label"))
    for name, draws in (("markov", markov), ("linear", linear)):
        out[name] = draws[0]
        out[f"{name}_low"] = np.nanquantile(draws[1:], tail, axis=0)
        out[f"{name}_high"] = np.nanquantile(draws[1:], 1 - tail, axis=0)
    out.attrs["draws"] = {"markov": markov[1:], "linear": linear[1:]}
    # for the permutation test of leader_test: the paths without their ends, and each
    # journey's last state and outcome
    end = dst >= len(transient)
    base = np.zeros(len(transient) * width)
    np.add.at(base, src[~end] * width + dst[~end], count[~end])
    last = np.full(n_j, -1)
    last[jcodes[end]] = src[end]
    out.attrs["paths"] = {"base": base.reshape(len(transient), width), "last": last,
                          "converting": converting, "seed": seed, "resamples": int(resamples)}
    return out


def leader_test(boot: pd.DataFrame, *, model: str = "markov",
                exclude=None) -> dict:
    """Whether the label with the largest share stands out from the runner-up.

    Parameters
    ----------
    boot : pandas.DataFrame
        :func:`bootstrap_shares`.
    model : {"markov", "linear"}
    exclude : iterable of str, optional
        Labels that never lead (default :data:`UNKNOWN_LABELS`).

    Returns
    -------
    dict
        ``leader, runner_up, diff`` (share difference in the data), ``low, high``
        (percentile interval of the difference), ``p_bootstrap`` (one-sided bootstrap
        p-value that the leader is not ahead: share of resamples where it is not, with
        the usual +1 correction), ``p_permutation`` (Markov only: the lead against leads
        with the outcomes shuffled across journeys, which is what path volume alone
        gives), ``p_value`` (the larger of the two: both must hold) and ``resamples``;
        ``leader`` is None with fewer than two labels.
    """
    exclude = set(UNKNOWN_LABELS if exclude is None else exclude)
    nan = {"leader": None, "runner_up": None, "diff": np.nan, "low": np.nan,
           "high": np.nan, "p_value": np.nan, "resamples": 0}
    draws = boot.attrs.get("draws", {}).get(model)
    if draws is None or boot.empty:
        return nan
    known = boot[~boot.index.isin(exclude)][model].dropna().sort_values(ascending=False)
    if len(known) < 2:
        return {**nan, "leader": known.index[0] if len(known) else None}
    a, b = (boot.index.get_loc(x) for x in known.index[:2])
    d = draws[:, a] - draws[:, b]
    d = d[np.isfinite(d)]
    if not len(d):
        return {**nan, "leader": known.index[0], "runner_up": known.index[1]}
    p_boot = float((1 + np.sum(d <= 0)) / (len(d) + 1))
    p_perm = _permutation_p(boot, a, b) if model == "markov" else np.nan
    return {"leader": known.index[0], "runner_up": known.index[1],
            "diff": float(known.iloc[0] - known.iloc[1]),
            "low": float(np.quantile(d, 0.025)), "high": float(np.quantile(d, 0.975)),
            "p_value": float(np.nanmax([p_boot, p_perm])), "p_bootstrap": p_boot,
            "p_permutation": p_perm, "resamples": len(d)}


def _permutation_p(boot: pd.DataFrame, a: int, b: int) -> float:
    """One-sided p-value that label ``a``'s Markov lead over ``b`` owes nothing to outcomes.

    The outcomes (converted or not) are shuffled across journeys, keeping every path; the
    lead the paths alone give (a label on many paths gets a large removal effect whether
    or not those paths convert) is the reference the observed lead must beat.
    """
    paths = boot.attrs.get("paths")
    if not paths:
        return np.nan
    base, last, conv = paths["base"], paths["last"], paths["converting"]
    ok = last >= 0
    last, conv = last[ok], conv[ok]
    n_t = base.shape[0]
    rng = np.random.default_rng(paths["seed"] + 1)
    flags = np.vstack([conv, *(rng.permutation(conv) for _ in range(paths["resamples"]))])
    counts = np.repeat(base[None], len(flags), axis=0)
    for k, f in enumerate(flags):
        counts[k, :, n_t] += np.bincount(last[f], minlength=n_t)
        counts[k, :, n_t + 1] += np.bincount(last[~f], minlength=n_t)
    shares = _markov_shares_batch(counts, n_t)
    diff = shares[:, a] - shares[:, b]
    observed, null = diff[0], diff[1:]
    null = null[np.isfinite(null)]
    if not np.isfinite(observed) or not len(null):
        return np.nan
    return float((1 + np.sum(null >= observed)) / (len(null) + 1))


def touch_shares(per_journey: pd.DataFrame) -> pd.Series:
    """Each label's share of the touches on the journeys: the credit volume alone would give.

    Parameters
    ----------
    per_journey : pandas.DataFrame
        :func:`journey_transitions` (every touch leaves its state once).

    Returns
    -------
    pandas.Series
        Share of touches per label, indexed by label; empty without touches.
    """
    t = per_journey[~per_journey["from_state"].isin([START, CONVERSION, NULL])]
    counts = t.groupby("from_state")["count"].sum().astype(float)
    total = counts.sum()
    out = counts / total if total > 0 else counts.iloc[:0]
    out.index.name = "label"
    return out
