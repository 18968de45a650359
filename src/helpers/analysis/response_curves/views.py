"""Response-curve tables: parameters with intervals, carry-over, actual against fitted."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers.analysis.response_curves.model import ResponseCurve

__all__ = [
    "carry_over_table",
    "curves_table",
    "fit_over_time",
]


def curves_table(curves: Mapping[str, ResponseCurve], *, level: float = 0.9,
                 language: str = "en") -> pd.DataFrame:
    """One row per channel: model, parameters with bootstrap intervals, fit quality.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    level : float
        Coverage of the percentile intervals (default 90 %).
    language : {"en", "zh"}
        Language of the ``model`` labels (the ``note`` is written when the curve is fitted).

    Returns
    -------
    pandas.DataFrame
        ``channel, model, periods, current_spend, response_at_current, response_low,
        response_high, saturation_outcome, half_saturation_spend, shape, carry_over, roi,
        cap, r2, rmse, note``.
    """
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    rows = []
    for ch, c in curves.items():
        draws = np.asarray(c.draws(c.current_spend)).ravel()
        lo, hi = (np.quantile(draws, q) if len(draws) > 1 else (np.nan, np.nan))
        rows.append({
            "channel": ch, "model": c.label(language), "periods": c.n_periods,
            "current_spend": c.current_spend,
            "response_at_current": float(c.response(c.current_spend)),
            "response_low": float(lo), "response_high": float(hi),
            "saturation_outcome": c.beta, "half_saturation_spend": c.k, "shape": c.s,
            "carry_over": c.decay, "roi": c.roi if c.is_fallback else
            float(c.response(c.current_spend)) / c.current_spend if c.current_spend else np.nan,
            "cap": c.cap if c.is_fallback else np.nan,
            "r2": c.r2, "rmse": c.rmse, "note": c.note,
        })
    return pd.DataFrame(rows)


def carry_over_table(curves: Mapping[str, ResponseCurve]) -> pd.DataFrame:
    """How long each channel's spend keeps working: the fitted adstock decay per channel.

    Returns
    -------
    pandas.DataFrame
        ``channel, carry_over`` (share of the effect carried into the next period),
        ``same_period`` (share of the effect within the period of spend, ``1 - decay``),
        ``half_life`` (periods until half of the carried effect is gone; 0 without carry-
        over) and ``fitted`` (False for the constant-ROI assumption, whose carry-over is not
        measured and is NaN).
    """
    rows = []
    for ch, c in curves.items():
        d = float(c.decay) if not c.is_fallback else np.nan
        # below half a percent the carry-over is nil: no half-life of a hundredth of a period
        half = (np.log(0.5) / np.log(d) if 0.005 <= d < 1 else 0.0) if np.isfinite(d) else np.nan
        rows.append({"channel": ch, "carry_over": d, "same_period": 1 - d if np.isfinite(d)
                     else np.nan, "half_life": half, "fitted": not c.is_fallback})
    return pd.DataFrame(rows, columns=["channel", "carry_over", "same_period", "half_life",
                                       "fitted"])


def fit_over_time(curves: Mapping[str, ResponseCurve]) -> pd.DataFrame:
    """Actual and fitted outcome per period, summed over the channels' fit histories.

    Returns
    -------
    pandas.DataFrame
        ``period_start, actual, fitted``, oldest first (empty without histories).
    """
    parts = [c.history[["period_start", "outcome", "fitted"]] for c in curves.values()
             if c.history is not None and len(c.history)]
    if not parts:
        return pd.DataFrame(columns=["period_start", "actual", "fitted"])
    out = (pd.concat(parts).groupby("period_start", sort=True)[["outcome", "fitted"]].sum()
           .reset_index().rename(columns={"outcome": "actual"}))
    return out
