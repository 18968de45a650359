"""The curve model: geometric adstock, the Hill saturation curve and :class:`ResponseCurve`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from helpers.presentation import i18n

__all__ = [
    "CONSTANT_ROI",
    "HILL",
    "ResponseCurve",
    "adstock",
    "hill",
    "hill_derivative",
]


HILL = "hill"


CONSTANT_ROI = "constant_roi"


def adstock(spend: np.ndarray, decay: float, start: float | None = None) -> np.ndarray:
    """Normalised geometric carry-over: ``x[t] = (1 - decay) * spend[t] + decay * x[t-1]``.

    Parameters
    ----------
    spend : array-like
        Spend per period, oldest first.
    decay : float
        Share of last period's adstocked spend carried over, in ``[0, 1)``.
    start : float, optional
        ``x[-1]``; default the mean spend (the channel was running before the data starts).

    Returns
    -------
    numpy.ndarray
    """
    spend = np.asarray(spend, dtype=float)
    if decay <= 0 or len(spend) == 0:
        return spend.copy()
    prev = float(np.mean(spend)) if start is None else float(start)
    out, _ = lfilter([1.0 - decay], [1.0, -decay], spend, zi=[decay * prev])
    return out


def hill(x: np.ndarray | float, beta: float, k: float, s: float) -> np.ndarray:
    """Hill saturation ``beta * x**s / (k**s + x**s)`` for ``x >= 0``."""
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    ratio = (x / k) ** s
    return beta * ratio / (1.0 + ratio)


def hill_derivative(x: np.ndarray | float, beta: float, k: float, s: float) -> np.ndarray:
    """Marginal response ``d hill / d x``."""
    x = np.maximum(np.asarray(x, dtype=float), 1e-12)
    ratio = (x / k) ** s
    return beta * s * ratio / (x * (1.0 + ratio) ** 2)


@dataclass
class ResponseCurve:
    """A fitted (or assumed) response of one channel's outcome per period to its spend.

    Use :meth:`response` and :meth:`marginal` at a steady per-period spend. ``kind`` is
    ``"hill"`` for a fitted curve and ``"constant_roi"`` for the fallback, whose
    ``note`` says why the fit was not used.

    Attributes
    ----------
    channel : str
    kind : {"hill", "constant_roi"}
    beta, k, s, decay : float
        Hill parameters (NaN for the fallback, except ``decay`` = 0).
    roi, cap : float
        Fallback only: outcome per currency unit, and the per-period spend above which no
        further outcome is assumed.
    current_spend : float
        Recent mean spend per period (the "current plan").
    n_periods : int
    r2, rmse : float
        Fit quality on the periods (in-sample).
    note : str
        Plain-language label: fit summary or why the fallback was used.
    boot : numpy.ndarray
        Bootstrap parameter draws, rows of ``(beta, k, s, decay)`` for Hill curves or
        ``(roi,)`` for the fallback.
    history : pandas.DataFrame
        ``period_start, spend, adstocked, outcome, fitted`` used for the fit.
    """

    channel: str
    kind: str
    beta: float = float("nan")
    k: float = float("nan")
    s: float = float("nan")
    decay: float = 0.0
    roi: float = float("nan")
    cap: float = float("inf")
    current_spend: float = 0.0
    n_periods: int = 0
    r2: float = float("nan")
    rmse: float = float("nan")
    note: str = ""
    boot: np.ndarray = field(default_factory=lambda: np.empty((0, 4)))
    history: pd.DataFrame | None = field(default=None, repr=False)

    @classmethod
    def from_params(cls, channel: str, beta: float, k: float, s: float, *,
                    decay: float = 0.0, current_spend: float = 0.0) -> ResponseCurve:
        """A Hill curve with known parameters (planted truths, what-if curves)."""
        return cls(channel=channel, kind=HILL, beta=float(beta), k=float(k), s=float(s),
                   decay=float(decay), current_spend=float(current_spend),
                   note="given parameters")

    @classmethod
    def constant_roi(cls, channel: str, roi: float, cap: float, *,
                     current_spend: float = 0.0, note: str = "") -> ResponseCurve:
        """A constant-ROI curve: ``roi * min(spend, cap)``."""
        return cls(channel=channel, kind=CONSTANT_ROI, roi=float(roi), cap=float(cap),
                   current_spend=float(current_spend), note=note)

    @property
    def is_fallback(self) -> bool:
        """Whether this is the constant-ROI assumption rather than a fitted curve."""
        return self.kind == CONSTANT_ROI

    def response(self, spend: np.ndarray | float) -> np.ndarray:
        """Expected outcome per period at a steady per-period ``spend``."""
        if self.is_fallback:
            return self.roi * np.minimum(np.maximum(np.asarray(spend, dtype=float), 0), self.cap)
        return hill(spend, self.beta, self.k, self.s)

    def marginal(self, spend: np.ndarray | float) -> np.ndarray:
        """Extra outcome per extra currency unit at ``spend`` (marginal ROI)."""
        spend = np.asarray(spend, dtype=float)
        if self.is_fallback:
            return np.where(spend < self.cap, self.roi, 0.0)
        return hill_derivative(spend, self.beta, self.k, self.s)

    def draws(self, spend: np.ndarray | float) -> np.ndarray:
        """Response at ``spend`` under each bootstrap draw, shape ``(n_boot, *spend.shape)``."""
        spend = np.asarray(spend, dtype=float)
        if len(self.boot) == 0:
            return self.response(spend)[None, ...]
        if self.is_fallback:
            roi = self.boot[:, 0].reshape((-1,) + (1,) * spend.ndim)
            return roi * np.minimum(np.maximum(spend, 0), self.cap)
        b = self.boot.reshape((len(self.boot),) + (1,) * spend.ndim + (4,))
        return hill(spend, b[..., 0], b[..., 1], b[..., 2])

    def label(self, language: str = "en") -> str:
        """Short label for tables and charts, in ``language`` ({"en", "zh"})."""
        if self.is_fallback:
            return i18n.t("budget_allocation.curve.constant_label", language,
                          cap=f"{self.cap:,.0f}")
        return i18n.t("budget_allocation.curve.hill_carry_over" if self.decay > 0
                      else "budget_allocation.curve.hill", language)
