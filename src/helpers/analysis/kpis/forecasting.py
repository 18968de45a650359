"""KPI forecasts: exponential smoothing with prediction bands inside each KPI's range."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError

from .formulas import KPIS, PER_YEAR
from .periods import next_periods

__all__ = [
    "MIN_FIT_POINTS",
    "MIN_SERIES_POINTS",
    "forecast",
    "forecasts",
    "value_domain",
]


#: Fewest values a KPI series needs for a forecast or a trend test.
MIN_SERIES_POINTS = 6


#: Fewest values a model is fitted on (the rest of a short series cannot be held back).
MIN_FIT_POINTS = 4


def value_domain(kpi: str) -> tuple[float, float]:
    """The range a KPI's values can take: ``(0, inf)`` for money, counts, ratios and days,
    ``(0, 1)`` for shares and ``(-100, 100)`` for NPS."""
    unit = KPIS[kpi].unit if kpi in KPIS else ""
    if unit == "share":
        return 0.0, 1.0
    if unit == "score":
        return -100.0, 100.0
    if unit in ("money", "count", "ratio", "days"):
        return 0.0, math.inf
    return -math.inf, math.inf


def _transform(y: np.ndarray, domain: tuple[float, float]):
    """Map a series onto an unbounded scale where its domain allows it.

    Positive values are modelled on the log scale and shares strictly inside 0..1 on the
    logit scale, so a back-transformed band never leaves the domain; other series are
    modelled as they are and their band is clipped to the domain.
    """
    lo, hi = domain
    if lo == 0 and math.isinf(hi) and np.all(y > 0):
        return np.log(y), np.exp, "log"
    if lo == 0 and hi == 1 and np.all((y > 0) & (y < 1)):
        return np.log(y / (1 - y)), lambda v: 1 / (1 + np.exp(-v)), "logit"
    return y, lambda v: np.clip(v, lo, hi), "clipped"


def forecast(values: pd.Series | Sequence[float], *, horizon: int = 2, holdout: int = 2,
             season_length: int = 4, method: str = "auto", confidence: float = 0.8,
             domain: tuple[float, float] = (-math.inf, math.inf),
             min_points: int = MIN_SERIES_POINTS) -> tuple[pd.DataFrame, dict]:
    """A forecast with the prediction interval of a fitted model, and its error on the last
    held-back periods.

    ``method="ets"`` fits an exponential smoothing state space model (statsmodels
    ``ETSModel``, additive errors; with a damped additive trend from 8 points on, a level
    only below) and takes the band from the model's prediction interval
    (``get_prediction(...).summary_frame``). ``"naive"`` repeats the value one season
    earlier (the last value when the series is shorter than a season and a half), with a
    band of ``z * rmse * sqrt(h)`` from the seasonal differences. ``"auto"`` is ``ets``.

    The model works on a scale that respects the KPI's ``domain`` (:func:`value_domain`):
    positive series on the log scale, shares inside 0..1 on the logit scale, so the
    forecast is the median and the band stays positive (or inside 0..1). A series that
    touches the edge of its domain (a zero) is modelled as it is and its band is clipped
    to the domain (``info["scale"] == "clipped"``).

    A series with fewer than ``min_points`` values after its first one, or with a missing
    value among them, gets no forecast: the frame holds the history only and
    ``info["method"]`` is ``"none"``.

    Parameters
    ----------
    values : pandas.Series or sequence
        Oldest first; the index (e.g. period labels) is kept. Missing values at the start
        are dropped. When the last label is a period (``2026-Q2``, ``2026-06``) the
        forecast periods are named after it (``2026-Q3``, ...), otherwise ``+1``, ``+2``.
    horizon : int
        Periods forecast beyond the data.
    holdout : int
        Last periods held back: the model is fitted without them, and ``mae`` and ``mape``
        measure its error on them (only while at least 4 points remain to fit on).
    season_length : int
    method : {"auto", "ets", "naive"}
    confidence : float
        Coverage of the prediction interval.
    domain : (float, float)
        Lowest and highest possible value.
    min_points : int

    Returns
    -------
    (pandas.DataFrame, dict)
        Frame with ``label, actual, forecast, lower, upper, part`` (``history``,
        ``holdout`` or ``future``) and ``{"method", "mae", "mape", "holdout", "scale",
        "points"}``.
    """
    from scipy import stats

    s = pd.Series(values, dtype="float64") if not isinstance(values, pd.Series) else \
        values.astype("float64")
    labels = list(s.index)
    first_valid = s.first_valid_index()
    if first_valid is None:
        raise DataError("forecast: the series has no values")
    if method not in ("auto", "ets", "naive"):
        raise ParamError(f"method must be auto, ets or naive, not {method!r}")
    keep = labels.index(first_valid)
    s, labels = s.iloc[keep:], labels[keep:]
    y = s.to_numpy()
    rows = [{"label": lab, "actual": v, "forecast": np.nan, "lower": np.nan, "upper": np.nan,
             "part": "history"} for lab, v in zip(labels, y, strict=True)]
    info: dict[str, Any] = {"holdout": 0, "mae": np.nan, "mape": np.nan, "method": "none",
                            "scale": "", "points": int(np.isfinite(y).sum())}
    if len(y) < min_points or not np.isfinite(y).all():
        return pd.DataFrame(rows), info
    holdout = int(min(max(holdout, 0), max(len(y) - MIN_FIT_POINTS, 0)))
    info["holdout"] = holdout
    z = stats.norm.ppf(0.5 + confidence / 2)

    def fit(train: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, str]:
        scaled, back, scale = _transform(train, domain)
        if method == "naive":
            m = season_length if len(train) >= 1.5 * season_length else 1
            pred = np.array([scaled[len(scaled) - m + (i % m)] for i in range(steps)])
            diffs = scaled[m:] - scaled[:-m]
            rmse = float(np.sqrt(np.mean(diffs ** 2))) if diffs.size else 0.0
            band = z * rmse * np.sqrt(np.arange(1, steps + 1))
            return (back(pred), back(pred - band), back(pred + band), scale,
                    "naive" if m > 1 else "last value")
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        trend = "add" if len(scaled) >= 8 else None
        with warnings.catch_warnings():  # short series: optimiser notices are expected
            warnings.simplefilter("ignore")
            res = ETSModel(pd.Series(scaled), error="add", trend=trend,
                           damped_trend=trend is not None).fit(disp=False)
            frame = res.get_prediction(start=len(scaled), end=len(scaled) + steps - 1
                                       ).summary_frame(alpha=1 - confidence)
        return (back(frame["mean"].to_numpy(float)), back(frame["pi_lower"].to_numpy(float)),
                back(frame["pi_upper"].to_numpy(float)), scale, "ets")

    if holdout:
        pred, lower, upper, _, _ = fit(y[:-holdout], holdout)
        actual = y[-holdout:]
        for i in range(holdout):
            rows[len(y) - holdout + i].update(forecast=pred[i], lower=lower[i], upper=upper[i],
                                              part="holdout")
        err = np.abs(pred - actual)
        info["mae"] = float(np.nanmean(err))
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(actual != 0, err / np.abs(actual), np.nan)
        info["mape"] = float(np.nanmean(pct)) if np.isfinite(pct).any() else np.nan
    if horizon:
        pred, lower, upper, scale, used = fit(y, horizon)
        info.update(method=used, scale=scale)
        # future periods carry their real names when the history is labelled with periods
        future = next_periods(labels[-1], horizon) or [f"+{i + 1}" for i in range(horizon)]
        for i in range(horizon):
            rows.append({"label": future[i], "actual": np.nan, "forecast": pred[i],
                         "lower": lower[i], "upper": upper[i], "part": "future"})
    else:
        info["method"] = "ets" if method != "naive" else "naive"
    return pd.DataFrame(rows), info


def forecasts(series: pd.DataFrame, kpis: Sequence[str], *, horizon: int = 2,
              holdout: int = 2, method: str = "auto", confidence: float = 0.8,
              min_points: int = MIN_SERIES_POINTS
              ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """:func:`forecast` for several KPIs of a :func:`kpi_series` table.

    The season length is a year of periods (4 quarters or 12 months); each KPI is
    forecast within its :func:`value_domain`.

    Returns
    -------
    (dict, pandas.DataFrame)
        KPI -> forecast frame (the history only when the series is too short), and one
        row per KPI with ``kpi, method, mae, mape, next_forecast, next_lower, next_upper,
        points`` (``method`` is ``"none"`` without a forecast). KPIs with fewer than two
        values are left out.
    """
    freq = series.attrs.get("freq", "quarter")
    frames, rows = {}, []
    for k in kpis:
        if k not in series.columns or series[k].notna().sum() < 2:
            continue
        frame, info = forecast(series.set_index("period")[k], horizon=horizon, holdout=holdout,
                               season_length=PER_YEAR.get(freq, 4), method=method,
                               confidence=confidence, domain=value_domain(k),
                               min_points=min_points)
        frames[k] = frame
        fut = frame[frame.part == "future"]
        nxt = fut.iloc[0] if len(fut) else None
        rows.append({"kpi": k, "method": info["method"], "mae": info["mae"],
                     "mape": info["mape"],
                     "next_forecast": np.nan if nxt is None else nxt.forecast,
                     "next_lower": np.nan if nxt is None else nxt.lower,
                     "next_upper": np.nan if nxt is None else nxt.upper,
                     "points": info["points"]})
    return frames, pd.DataFrame(rows, columns=["kpi", "method", "mae", "mape", "next_forecast",
                                               "next_lower", "next_upper", "points"])
