"""Tests for families of comparisons shown together, corrected for multiple testing.

A report that compares 13 industries, eight channels or 168 timing cells at once will
find "differences" in pure noise unless the p-values are corrected as a family. Every
comparison the workbook states goes through :func:`adjust` (statsmodels
``multipletests``) and is stated only when it survives at the chosen level.

The tests themselves come from scipy and statsmodels:

- :func:`lift_test`: how much more often a group shows an outcome than the rest
  (Fisher's exact test for the p-value, Katz log interval for the ratio);
- :func:`share_test`: whether one cell holds more than its even share (binomial test);
- :func:`independence_test`: whether a category and an outcome are related at all
  (chi-square test of independence);
- :func:`trend_test`: whether a series rises or falls (Mann-Kendall via Kendall's tau).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from helpers.core.errors import ParamError

__all__ = [
    "METHODS", "adjust", "mark_family", "lift_test", "share_test", "independence_test",
    "trend_test",
]

#: Correction methods by parameter value -> statsmodels name (``None`` = no correction).
METHODS: dict[str, str | None] = {
    "bh": "fdr_bh", "by": "fdr_by", "holm": "holm", "bonferroni": "bonferroni", "none": None,
}


def _method(method: str) -> str | None:
    if method not in METHODS:
        raise ParamError(
            f"correction {method!r} is not supported; use one of {', '.join(METHODS)}")
    return METHODS[method]


def adjust(p_values, method: str = "bh") -> np.ndarray:
    """Correct a family of p-values.

    Parameters
    ----------
    p_values : array-like
        Raw p-values of the comparisons shown together; missing values stay missing and
        do not count towards the family.
    method : {"bh", "by", "holm", "bonferroni", "none"}
        ``bh`` (Benjamini-Hochberg) controls the share of false findings among the stated
        ones; ``holm`` and ``bonferroni`` the chance of any false finding.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape.
    """
    name = _method(method)
    p = np.asarray(p_values, dtype=float).copy()
    ok = np.isfinite(p)
    if name is not None and ok.any():
        p[ok] = multipletests(np.clip(p[ok], 0.0, 1.0), method=name)[1]
    return p


def mark_family(frame: pd.DataFrame, *, p_col: str = "p_value", alpha: float = 0.05,
                method: str = "bh", adjusted_col: str = "p_adjusted",
                flag_col: str = "significant") -> pd.DataFrame:
    """Add the adjusted p-value and a survives-the-correction flag to a family table.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per comparison, with raw p-values in ``p_col``.
    alpha : float
        Level at which an adjusted p-value counts as a finding.
    method : str
        See :func:`adjust`.

    Returns
    -------
    pandas.DataFrame
        A copy with ``adjusted_col`` and the boolean ``flag_col``.
    """
    if not 0 < alpha < 1:
        raise ParamError(f"alpha must lie between 0 and 1, got {alpha}")
    out = frame.copy()
    adj = adjust(out[p_col].to_numpy(dtype=float, na_value=np.nan), method)
    out[adjusted_col] = adj
    out[flag_col] = np.isfinite(adj) & (adj < alpha)
    return out


def lift_test(hits: float, n: float, rest_hits: float, rest_n: float,
              confidence: float = 0.95) -> dict:
    """Compare how often a group shows an outcome with how often the rest does.

    Parameters
    ----------
    hits, n : float
        Accounts with the outcome in the group, and accounts in the group.
    rest_hits, rest_n : float
        The same for all other accounts.
    confidence : float
        Level of the interval of the ratio.

    Returns
    -------
    dict
        ``lift`` (rate in the group / rate in the rest), ``low``, ``high`` (Katz log
        interval, with 0.5 added to every cell when a count is zero) and ``p_value``
        (two-sided Fisher exact test). Missing values when a side is empty.
    """
    a, n1, c, n2 = (float(v) for v in (hits, n, rest_hits, rest_n))
    nan = {"lift": math.nan, "low": math.nan, "high": math.nan, "p_value": math.nan}
    if n1 <= 0 or n2 <= 0 or not all(map(math.isfinite, (a, n1, c, n2))):
        return nan
    if a + c == 0:
        return {**nan, "p_value": 1.0}
    table = [[int(round(a)), int(round(n1 - a))], [int(round(c)), int(round(n2 - c))]]
    p = float(stats.fisher_exact(table).pvalue)
    if a == 0 or c == 0:
        # Haldane: with a zero count the log ratio is infinite; the finding gates need a finite bound
        a2, c2, n1b, n2b = a + 0.5, c + 0.5, n1 + 0.5, n2 + 0.5
    else:
        a2, c2, n1b, n2b = a, c, n1, n2
    ratio = (a2 / n1b) / (c2 / n2b)
    se = math.sqrt(max(1 / a2 - 1 / n1b + 1 / c2 - 1 / n2b, 0.0))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    lift = (a / n1) / (c / n2) if c > 0 else math.inf
    return {"lift": lift, "low": ratio * math.exp(-z * se), "high": ratio * math.exp(z * se),
            "p_value": p}


def share_test(count: float, total: float, expected_share: float) -> float:
    """One-sided p-value that a cell holds more than its expected share (binomial test).

    Parameters
    ----------
    count, total : float
        Events in the cell and in all cells.
    expected_share : float
        The cell's share under an even spread (1 / number of cells).

    Returns
    -------
    float
        Missing when ``total`` is zero.
    """
    if total <= 0 or not 0 < expected_share < 1:
        return math.nan
    return float(stats.binomtest(int(count), int(total), expected_share,
                                 alternative="greater").pvalue)


def independence_test(table) -> dict:
    """Chi-square test that rows and columns of a count table are unrelated.

    Parameters
    ----------
    table : array-like or pandas.DataFrame
        Counts; rows and columns with no count are dropped first.

    Returns
    -------
    dict
        ``chi2``, ``dof``, ``p_value`` and ``cramers_v`` (effect size, 0..1); a missing
        p-value when fewer than two rows or columns hold counts.
    """
    arr = np.asarray(table, dtype=float)
    arr = arr[arr.sum(axis=1) > 0][:, arr.sum(axis=0) > 0] if arr.size else arr
    if arr.ndim != 2 or min(arr.shape) < 2:
        return {"chi2": math.nan, "dof": 0, "p_value": math.nan, "cramers_v": math.nan}
    res = stats.chi2_contingency(arr, correction=False)
    n = arr.sum()
    v = math.sqrt(res.statistic / (n * (min(arr.shape) - 1))) if n else math.nan
    return {"chi2": float(res.statistic), "dof": int(res.dof), "p_value": float(res.pvalue),
            "cramers_v": v}


def trend_test(values, *, min_points: int = 6) -> dict:
    """Whether a series rises or falls over time (Mann-Kendall test via Kendall's tau).

    Parameters
    ----------
    values : array-like
        The series in time order; missing values are dropped.
    min_points : int
        Fewer points than this give no verdict.

    Returns
    -------
    dict
        ``direction`` (``"up"``, ``"down"`` or ``"flat"``), ``tau``, ``p_value`` and
        ``n``; ``direction`` is ``"flat"`` and the p-value missing when there are too few
        points.
    """
    y = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy(float)
    n = len(y)
    if n < min_points or np.ptp(y) == 0:
        return {"direction": "flat", "tau": math.nan if n < min_points else 0.0,
                "p_value": math.nan if n < min_points else 1.0, "n": n}
    res = stats.kendalltau(np.arange(n), y)
    tau, p = float(res.statistic), float(res.pvalue)
    return {"direction": "up" if tau > 0 else "down", "tau": tau, "p_value": p, "n": n}
