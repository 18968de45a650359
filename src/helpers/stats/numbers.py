"""Small numeric helpers for pandas and numpy values.

:func:`is_missing` is the one test for a value that must not be shown as a number
(None, NaN, NaT, pandas NA, inf). :func:`safe_divide` is the one division of the analyses: a ratio is not stated (NaN)
where its denominator is zero, negative or missing. Engine expressions (Ibis) build
their own guarded division in :mod:`helpers.data.features`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["is_missing", "safe_divide"]


def safe_divide(num: Any, den: Any) -> Any:
    """``num / den`` with NaN where ``den`` is zero, negative or missing.

    Parameters
    ----------
    num, den : scalar, array-like or pandas.Series
        Numerator and denominator; they are divided element by element (by position).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        A float for scalar input, a Series (with the index of the first Series given)
        when either input is a Series, otherwise a float array.
    """
    n = np.asarray(num, dtype="float64")
    d = np.asarray(den, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(d > 0, n / np.where(d > 0, d, 1.0), np.nan)
    for value in (num, den):
        if isinstance(value, pd.Series):
            return pd.Series(out, index=value.index, dtype="float64")
    return out if out.ndim else float(out)


def is_missing(value: Any) -> bool:
    """Whether a scalar is ``None``, NaN, NaT, pandas NA or an infinite number.

    Parameters
    ----------
    value : object
        Any scalar; strings, booleans and integers are never missing, and a value pandas
        cannot judge (a list, an object) is not missing either.

    Returns
    -------
    bool
    """
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float):
        return not np.isfinite(value)
    if isinstance(value, (str, bytes, bool, int)):
        return False
    try:
        if not pd.api.types.is_scalar(value):
            return False
        if pd.isna(value):
            return True
        return isinstance(value, (np.floating, np.integer)) and not np.isfinite(value)
    except (TypeError, ValueError):
        return False
