"""Confidence intervals shared by the analyses: one copy of each.

* :func:`wilson_interval` — Wilson score interval of a proportion (statsmodels
  ``proportion_confint(method="wilson")``), vectorised over arrays and Series.
* :func:`ratio_interval` — ratio of two independent proportions ``(x1/n1) / (x2/n2)``
  with the Katz log interval (Katz et al. 1978), the same as statsmodels
  ``confint_proportions_2indep(compare="ratio", method="log")``.

Zero counts
-----------
An interval that cannot be computed is not stated: rows with no trials give NaN Wilson
bounds, and a ratio whose groups have no successes (or no trials) gives NaN for the
ratio and both bounds. Callers treat NaN as "not stated".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.core.errors import ParamError

__all__ = ["wilson_interval", "ratio_interval"]


def _check_confidence(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ParamError(f"confidence must lie between 0 and 1, got {confidence}")
    return float(confidence)


def wilson_interval(successes: Any, trials: Any, confidence: float = 0.95
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (vectorised).

    Parameters
    ----------
    successes, trials : array-like
        Counts (scalars, arrays or Series); rows with zero or missing trials give NaN.
    confidence : float
        Coverage, e.g. 0.95.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds, shaped like the broadcast input; equal to statsmodels
        ``proportion_confint(method="wilson")``, exactly 0 when there are no successes
        and exactly 1 when every trial succeeded.

    Raises
    ------
    ParamError
        When ``confidence`` is not between 0 and 1, or a count of successes is negative
        or larger than its number of trials.
    """
    from statsmodels.stats.proportion import proportion_confint

    confidence = _check_confidence(confidence)
    x, n = np.broadcast_arrays(np.asarray(successes, dtype=float),
                               np.asarray(trials, dtype=float))
    if np.any(x < 0) or np.any(x > n):
        raise ParamError("successes must lie between 0 and the number of trials")
    ok = (n > 0) & np.isfinite(x)
    low, high = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    if np.any(ok):
        lo, hi = proportion_confint(x[ok], n[ok], alpha=1 - confidence, method="wilson")
        # The bounds are exactly 0 and 1 at the extremes; rounding would leave 1e-17 there.
        low[ok] = np.where(x[ok] == 0, 0.0, np.clip(lo, 0, 1))
        high[ok] = np.where(x[ok] == n[ok], 1.0, np.clip(hi, 0, 1))
    return low, high


def ratio_interval(x1: Any, n1: Any, x2: Any, n2: Any, confidence: float = 0.95
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio of two proportions ``(x1/n1) / (x2/n2)`` with the Katz log interval.

    The interval is ``ratio * exp(+-z * se)`` with
    ``se = sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2)``, computed by statsmodels
    ``confint_proportions_2indep(compare="ratio", method="log")``.

    Parameters
    ----------
    x1, n1 : array-like
        Successes and trials of the first group.
    x2, n2 : array-like
        The same for the second group.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Ratio, lower and upper bound; all three NaN where a group has no successes or
        no trials (no interval is stated there).
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    confidence = _check_confidence(confidence)
    x1, n1, x2, n2 = np.broadcast_arrays(*(np.asarray(v, dtype=float)
                                           for v in (x1, n1, x2, n2)))
    ok = (x1 > 0) & (x2 > 0) & (n1 > 0) & (n2 > 0)
    ratio, low, high = (np.full(x1.shape, np.nan) for _ in range(3))
    if np.any(ok):
        ratio[ok] = (x1[ok] / n1[ok]) / (x2[ok] / n2[ok])
        low[ok], high[ok] = confint_proportions_2indep(
            x1[ok], n1[ok], x2[ok], n2[ok], compare="ratio", method="log",
            alpha=1 - confidence)
    return ratio, low, high
