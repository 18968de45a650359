"""Shared settings of the CLV models: time units, method names, reasons and input checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers.core.errors import DataError, ParamError, WorkbookError
from helpers.presentation import i18n

#: Length of each supported time unit in days.
TIME_UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
DAYS_PER_MONTH = 365.25 / 12
#: Fewest customers and repeat buyers for a model fit (below this the estimates are noise).
MIN_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 10
#: Bounds of the log parameters; they keep the optimiser out of overflow territory.
_LOG_BOUND = 12.0
_HESSIAN_STEP = 1e-4

METHOD_MODEL = "BG/NBD + Gamma-Gamma"
METHOD_OBSERVED_SPEND = "BG/NBD + observed mean spend"
METHOD_HISTORICAL = "historical average (no churn model)"


class InsufficientDataError(WorkbookError):
    """Too few customers or repeat buyers to fit a model."""


def _insufficient(key: str, **values: Any) -> InsufficientDataError:
    """An :class:`InsufficientDataError` whose reason can be said again in another language."""
    exc = InsufficientDataError(i18n.t(f"customer_value.clv.reason.{key}", "en", **values))
    exc.reason_key, exc.reason_values = key, values
    return exc


def _reason_text(exc: Exception, language: str) -> str:
    """The reason of ``exc`` in ``language`` (as raised when it has no translation)."""
    key = getattr(exc, "reason_key", None)
    if key is None:
        return str(exc)
    return i18n.t(f"customer_value.clv.reason.{key}", language, **exc.reason_values)


_METHOD_KEYS = {METHOD_MODEL: "model", METHOD_OBSERVED_SPEND: "observed_spend",
                METHOD_HISTORICAL: "historical"}


def method_label(method: str, language: str = "en") -> str:
    """A CLV method name (:data:`METHOD_MODEL` and friends) in the report language."""
    key = _METHOD_KEYS.get(method)
    return i18n.t(f"customer_value.method.{key}", language) if key else str(method)


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    # Plain multiply-and-sum: BLAS dot spins up threads and crawls on a busy machine.
    return float((u * v).sum())


def check_time_unit(time_unit: str) -> float:
    """Return the length of ``time_unit`` in days.

    Parameters
    ----------
    time_unit : {"day", "week", "month"}

    Returns
    -------
    float
    """
    try:
        return TIME_UNITS[time_unit]
    except (KeyError, TypeError):
        raise ParamError(
            f"time_unit={time_unit!r} is not supported; use one of {', '.join(TIME_UNITS)}"
        ) from None


def _check_horizon(horizon_months: Any, monthly_discount_rate: Any) -> tuple[int, float]:
    if isinstance(horizon_months, bool) or not isinstance(horizon_months, (int, np.integer)) \
            or not 1 <= horizon_months <= 240:
        raise ParamError(f"horizon_months must be a whole number of months from 1 to 240, "
                         f"got {horizon_months!r}")
    rate = float(monthly_discount_rate)
    if not 0 <= rate < 1:
        raise ParamError(f"monthly_discount_rate must be at least 0 and below 1 (0.01 means 1% "
                         f"a month), got {monthly_discount_rate!r}")
    return int(horizon_months), rate


def _as_arrays(*columns: Any) -> list[np.ndarray]:
    return [np.asarray(c, dtype="float64") for c in columns]


def _check_rft(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = _as_arrays(frequency, recency, T)
    if not (x.shape == t_x.shape == T.shape):
        raise DataError("frequency, recency and T must have the same length")
    bad = ~np.isfinite(x) | ~np.isfinite(t_x) | ~np.isfinite(T)
    bad |= (x < 0) | (x != np.round(x)) | (t_x < 0) | (t_x > T + 1e-9) | (T < 0)
    bad |= (x == 0) & (t_x > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{int(bad.sum())} customer summaries are inconsistent (need whole frequency >= 0, "
            f"0 <= recency <= T, recency 0 when frequency is 0); the first is frequency="
            f"{x[i]}, recency={t_x[i]}, T={T[i]}"
        )
    return x, t_x, T


def _check_gg(frequency, monetary_value) -> tuple[np.ndarray, np.ndarray]:
    x, m = _as_arrays(frequency, monetary_value)
    if x.shape != m.shape:
        raise DataError("frequency and monetary_value must have the same length")
    bad = ~np.isfinite(x) | ~np.isfinite(m) | (x < 1) | (m <= 0)
    if bad.any():
        raise DataError(f"Gamma-Gamma needs repeat buyers (frequency >= 1) with a positive mean "
                        f"order value; {int(bad.sum())} rows are not")
    return x, m


def _bg_tuple(params) -> tuple[float, float, float, float]:
    if isinstance(params, dict):
        params = [params[k] for k in ("r", "alpha", "a", "b")]
    r, alpha, a, b = (float(v) for v in params)
    return r, alpha, a, b


def _gg_tuple(params) -> tuple[float, float, float]:
    if isinstance(params, dict):
        params = [params[k] for k in ("p", "q", "gamma")]
    p, q, g = (float(v) for v in params)
    return p, q, g


__all__ = [
    "DAYS_PER_MONTH",
    "InsufficientDataError",
    "METHOD_HISTORICAL",
    "METHOD_MODEL",
    "METHOD_OBSERVED_SPEND",
    "MIN_CUSTOMERS",
    "MIN_REPEAT_BUYERS",
    "TIME_UNITS",
    "check_time_unit",
    "method_label",
]
