"""Frequency/recency grids of expected purchases and P(alive) from a fitted BG/NBD model."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.clv.bgnbd import BetaGeoModel
from helpers.analysis.clv.inputs import DAYS_PER_MONTH, _check_horizon, check_time_unit
from helpers.core.errors import ParamError


def matrix_settings(summary: pd.DataFrame, time_unit: str = "week") -> dict:
    """The grid of the frequency/recency views: how long accounts are seen, how often they buy.

    ``T_months`` is the 90th percentile of the months since each account's first purchase
    (at least 1), so the grid describes a long-standing account; ``max_frequency`` the 90th
    percentile of repeat purchases among repeat buyers (5 to 40).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`purchase_summary` output.
    time_unit : str
        Unit of ``summary``.

    Returns
    -------
    dict
        ``T_months`` (int) and ``max_frequency`` (int).
    """
    unit = check_time_unit(time_unit)
    months = summary["T"].to_numpy(dtype="float64") * unit / DAYS_PER_MONTH
    months = months[np.isfinite(months)]
    T_months = max(int(np.ceil(np.quantile(months, 0.9))), 1) if len(months) else 12
    freq = summary["frequency"].to_numpy(dtype="float64")
    freq = freq[np.isfinite(freq) & (freq > 0)]
    top = int(np.ceil(np.quantile(freq, 0.9))) if len(freq) else 5
    return {"T_months": T_months, "max_frequency": int(np.clip(top, 5, 40))}


def frequency_recency_matrix(model: BetaGeoModel, *, T_months: float, horizon_months: int,
                             time_unit: str = "week", max_frequency: int = 20,
                             n_recency: int = 25) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected purchases over the horizon and P(alive) for every frequency and recency.

    The BG/NBD views of ``lifetimes`` (``plot_frequency_recency_matrix`` and
    ``plot_probability_alive_matrix``) for an account first seen ``T_months`` ago: rows
    are the recency (months from the first to the last purchase, 0 to ``T_months``),
    columns the repeat purchases so far (0 to ``max_frequency``). An account without a
    repeat purchase has no recency beyond 0; its column repeats that value (the model
    does not depend on it).

    Parameters
    ----------
    model : BetaGeoModel
        Fitted (in ``time_unit``).
    T_months : float
        Months since the first purchase.
    horizon_months : int
        Months ahead the expected purchases count.
    time_unit : str
        Time unit of the model.
    max_frequency : int
        Largest repeat-purchase count shown.
    n_recency : int
        Rows, evenly spaced from 0 to ``T_months``.

    Returns
    -------
    expected : pandas.DataFrame
        Expected purchases in the next ``horizon_months``; index ``recency_months``
        (increasing), columns ``frequency``.
    p_alive : pandas.DataFrame
        P(alive) on the same grid.
    """
    unit = check_time_unit(time_unit)
    horizon, _ = _check_horizon(horizon_months, 0.0)
    if not (np.isfinite(T_months) and T_months > 0):
        raise ParamError(f"T_months must be a positive number of months, got {T_months!r}")
    if int(max_frequency) < 1 or int(n_recency) < 2:
        raise ParamError("max_frequency must be at least 1 and n_recency at least 2")
    per_month = DAYS_PER_MONTH / unit
    rec_months = np.linspace(0.0, float(T_months), int(n_recency))
    freqs = np.arange(0, int(max_frequency) + 1, dtype="float64")
    X, R = np.meshgrid(freqs, rec_months * per_month)
    R = np.where(X == 0, 0.0, R)
    T = np.full(X.size, float(T_months) * per_month)
    expected = model.expected_purchases(horizon * per_month, X.ravel(), R.ravel(), T)
    alive = model.p_alive(X.ravel(), R.ravel(), T)
    index = pd.Index(np.round(rec_months, 1), name="recency_months")
    columns = pd.Index(freqs.astype(int), name="frequency")
    return (pd.DataFrame(expected.reshape(X.shape), index=index, columns=columns),
            pd.DataFrame(alive.reshape(X.shape), index=index, columns=columns))


__all__ = [
    "frequency_recency_matrix",
    "matrix_settings",
]
