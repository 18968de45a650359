"""Customers drawn from BG/NBD and Gamma-Gamma models with known parameters (checks, benchmarks)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.clv.inputs import _bg_tuple, _gg_tuple


def simulate_bgnbd(n: int, params: Any, T: Any, *, seed: int = 0, future: float = 0.0,
                   tick: float = 0.0) -> pd.DataFrame:
    """Draw customers from a BG/NBD model with known parameters (for checks and benchmarks).

    Parameters
    ----------
    n : int
        Customers.
    params : sequence or dict
        ``(r, alpha, a, b)``.
    T : float or array-like
        Observation time per customer (since their first purchase).
    seed : int
        Random seed.
    future : float
        Length of a period after ``T`` whose purchases are counted in ``future_purchases``.
    tick : float
        When positive, times are floored to multiples of it (``1/7`` for daily data in
        weeks), like real order dates.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``alive`` (still active at ``T``) and
        ``future_purchases``.
    """
    r, alpha, a, b = _bg_tuple(params)
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = np.broadcast_to(np.asarray(T, dtype="float64"), (n,)).copy()
    if tick > 0:
        T = np.floor(T / tick) * tick
    # The customer drops out right after the K-th repeat purchase.
    k = rng.geometric(p)
    count = rng.poisson(lam * T)
    x = np.minimum(count, k)
    # The x-th of `count` uniform purchase times on (0, T).
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(count - x, 0) + 1), 0.0)
    if tick > 0:
        t_x = np.floor(t_x / tick) * tick
    alive = k > count
    fut = np.where(alive, np.minimum(rng.poisson(lam * future), k - count), 0)
    return pd.DataFrame({"frequency": x.astype("float64"), "recency": t_x, "T": T,
                         "alive": alive, "future_purchases": fut})


def simulate_gamma_gamma(frequency, params: Any, *, seed: int = 0) -> np.ndarray:
    """Draw each customer's mean order value from a Gamma-Gamma model (NaN for frequency 0).

    Parameters
    ----------
    frequency : array-like
        Repeat purchases per customer.
    params : sequence or dict
        ``(p, q, gamma)``.
    seed : int

    Returns
    -------
    numpy.ndarray
    """
    p, q, g = _gg_tuple(params)
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype="float64")
    nu = rng.gamma(q, 1 / g, len(x))
    # The mean of x Gamma(p, nu) orders is Gamma(p x, x nu).
    shape = np.maximum(p * x, 1e-9)
    mean = rng.gamma(shape, 1 / (np.maximum(x, 1) * nu))
    return np.where(x > 0, mean, np.nan)


__all__ = [
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]
