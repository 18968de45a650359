"""Response curves: how a channel's outcome per period responds to its spend.

The model is the saturating Hill curve used in marketing-mix modelling,

.. math:: y_t = \\beta \\, \\frac{x_t^s}{k^s + x_t^s}, \\qquad
          x_t = (1 - d)\\, \\mathrm{spend}_t + d\\, x_{t-1},

where ``beta`` is the outcome per period at saturation, ``k`` the spend that reaches half of
it, ``s`` the shape (``s > 1`` gives an S-curve) and ``d`` the geometric carry-over
(adstock). The adstock is normalised by ``1 - d``, so a spend held at ``x`` every period
settles at an adstocked spend of ``x``: the steady-state response to a per-period spend is
simply ``hill(x)``, which is what the budget optimiser uses.

Each channel is fitted by non-linear least squares (:func:`scipy.optimize.least_squares`)
from multiple starting points. Uncertainty comes from a seeded residual bootstrap. When a
channel's history is too short, too flat or has almost no outcome, the channel falls back
to a clearly labelled constant-ROI assumption (outcome = ROI x spend) that stops growing
above a cap, so the optimiser cannot pour money into an untested straight line.

The periodic data come from :func:`channel_periods`, which aggregates ``marketing_spend``
and the channel-attributed ``opportunities`` in the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from scipy.signal import lfilter

from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date
from helpers.presentation import i18n

#: Outcomes a curve can be fitted to, and what they mean.
OUTCOMES: dict[str, str] = {
    "opportunities": "opportunities created, by source_channel",
    "pipeline": "amount of opportunities created, by source_channel",
    "won_revenue": "amount of won opportunities, by source_channel and creation period",
}

HILL = "hill"
CONSTANT_ROI = "constant_roi"

_S_BOUNDS = (0.5, 3.0)
_DECAY_MAX = 0.8


# --------------------------------------------------------------------------- data


def channel_periods(ws, as_of: Any, *, outcome: str = "opportunities",
                    exclude_channels: Iterable[str] = ()) -> pd.DataFrame:
    """Spend and attributed outcome per channel and spend period, aggregated in the engine.

    Periods are the distinct ``period_start`` values of ``marketing_spend``; a period runs up
    to the next start (the last one up to ``as_of``). An opportunity belongs to the period
    in which it was created and to the channel named in its ``source_channel`` (matched
    case-insensitively to ``marketing_spend.channel``). Periods with spend but no
    opportunity get an outcome of 0. A last period that is not complete on ``as_of`` is
    dropped, so a half month does not look like a drop in response.

    Parameters
    ----------
    ws : Workspace
        Needs ``marketing_spend``; ``opportunities`` is optional (all outcomes are 0
        without it, and every channel falls back to a constant ROI of 0).
    as_of : date-like
        Analysis date; later rows are ignored.
    outcome : {"opportunities", "pipeline", "won_revenue"}
        What the curves explain, see :data:`OUTCOMES`.
    exclude_channels : iterable of str
        Channels to leave out (for example account-based programmes, planned by tier).

    Returns
    -------
    pandas.DataFrame
        ``channel, period_start, spend, outcome`` sorted by channel and period.

    Raises
    ------
    helpers.core.errors.ParamError
        For an unknown outcome.
    helpers.core.errors.DataError
        When ``marketing_spend`` is missing or has no rows up to ``as_of``.
    """
    if outcome not in OUTCOMES:
        raise ParamError(f"outcome: {outcome!r} is not known; choose one of "
                         f"{', '.join(OUTCOMES)}")
    if not ws.has("marketing_spend"):
        raise DataError("response curves need the marketing_spend table, which this data "
                        "source does not have")
    as_of_d = as_of_date(as_of)
    excluded = [str(c).strip().lower() for c in exclude_channels]
    spend = ws.table("marketing_spend")
    spend = spend.filter(spend.period_start.notnull(), spend.period_start <= as_of_d,
                         spend.channel.notnull())
    spend = spend.mutate(channel=spend.channel.strip().lower())
    if excluded:
        spend = spend.filter(~spend.channel.isin(excluded))
    spend = spend.group_by(["channel", "period_start"]).aggregate(
        spend=spend.spend.fill_null(0).sum())

    starts = sorted(pd.to_datetime(
        spend.select("period_start").distinct().to_pandas()["period_start"]).dt.date)
    if not starts:
        raise DataError(f"marketing_spend has no rows on or before {as_of_d}")
    # Each period ends where the next starts; the last one is as long as the typical period.
    gaps = np.diff([pd.Timestamp(s).value for s in starts])
    typical = pd.Timedelta(int(np.median(gaps)) if len(gaps) else 0)
    ends = [*starts[1:], (pd.Timestamp(starts[-1]) + typical).date()]
    complete_until = as_of_d + dt.timedelta(days=1)
    if len(starts) > 1 and ends[-1] > complete_until + dt.timedelta(days=3):
        starts, ends = starts[:-1], ends[:-1]
        spend = spend.filter(spend.period_start < pd.Timestamp(ends[-1]).date())
    periods = ibis.memtable(pd.DataFrame({
        "p_start": pd.to_datetime(starts), "p_end": pd.to_datetime(ends)}))
    periods = periods.mutate(p_start=periods.p_start.cast("date"),
                             p_end=periods.p_end.cast("date"))

    if ws.has("opportunities"):
        opp = ws.table("opportunities")
        opp = opp.filter(opp.created_date.notnull(), opp.created_date <= as_of_d,
                         opp.source_channel.notnull())
        opp = opp.mutate(channel=opp.source_channel.strip().lower())
        joined = opp.join(periods, [opp.created_date >= periods.p_start,
                                    opp.created_date < periods.p_end])
        amount = joined.amount.fill_null(0)
        value = {
            "opportunities": joined.count(),
            "pipeline": amount.sum(),
            "won_revenue": (joined.stage == "won").ifelse(amount, 0).sum(),
        }[outcome]
        attributed = joined.group_by(["channel", "p_start"]).aggregate(outcome=value)
        attributed = attributed.rename(a_channel="channel")
        result = spend.left_join(attributed, [spend.channel == attributed.a_channel,
                                              spend.period_start == attributed.p_start])
        result = result.select("channel", "period_start", "spend",
                               outcome=result.outcome.cast("float64").fill_null(0.0))
    else:
        result = spend.mutate(outcome=ibis.literal(0.0))
    df = result.to_pandas()
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["spend"] = df["spend"].astype(float)
    df["outcome"] = df["outcome"].astype(float)
    return df.sort_values(["channel", "period_start"]).reset_index(drop=True)


# --------------------------------------------------------------------------- model


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


# --------------------------------------------------------------------------- fitting


def _predict(theta: np.ndarray, spend: np.ndarray, start: float) -> np.ndarray:
    beta, k, s, decay = theta
    return hill(adstock(spend, decay, start), beta, k, s)


def _jacobian(theta: np.ndarray, spend: np.ndarray, start: float) -> np.ndarray:
    """Analytic derivatives of :func:`_predict` by (beta, k, s, decay)."""
    beta, k, s, decay = theta
    x = adstock(spend, decay, start)
    xs = np.maximum(x, 1e-12)
    r = (xs / k) ** s
    share = r / (1.0 + r)
    dy_dr = beta / (1.0 + r) ** 2
    # x[t] = (1-d) spend[t] + d x[t-1]  =>  dx[t]/dd = x[t-1] - spend[t] + d dx[t-1]/dd
    x_prev = np.concatenate(([start], x[:-1]))
    dx_dd = lfilter([1.0], [1.0, -decay], x_prev - spend)
    return np.column_stack([
        share,
        dy_dr * (-s / k) * r,
        dy_dr * r * np.log(xs / k),
        beta * s * r / (xs * (1.0 + r) ** 2) * dx_dd,
    ])


def _least_squares(spend, y, starts, lower, upper, start_x, max_nfev=400):
    best = None
    for theta0 in starts:
        theta0 = np.clip(theta0, lower + 1e-9, upper - 1e-9)
        try:
            res = least_squares(lambda th: _predict(th, spend, start_x) - y, theta0,
                                jac=lambda th: _jacobian(th, spend, start_x),
                                bounds=(lower, upper), x_scale="jac", max_nfev=max_nfev)
        except (ValueError, FloatingPointError):
            continue
        if best is None or res.cost < best.cost:
            best = res
    return best


def _bounds(spend: np.ndarray, y: np.ndarray, use_adstock: bool):
    pos = spend[spend > 0]
    lo_x, hi_x = float(pos.min()), float(pos.max())
    lower = np.array([1e-9, 0.05 * lo_x, _S_BOUNDS[0], 0.0])
    # beta and k are only identified up to a few times the observed range; beyond it the
    # curve would be an untested extrapolation.
    upper = np.array([max(10.0 * float(y.max()), 1e-6), 10.0 * hi_x, _S_BOUNDS[1],
                      _DECAY_MAX if use_adstock else 1e-9])
    return lower, upper


def _starts(spend: np.ndarray, y: np.ndarray, use_adstock: bool) -> list[np.ndarray]:
    med = float(np.median(spend[spend > 0]))
    ymax = float(y.max())
    decays = (0.0, 0.3, 0.6) if use_adstock else (0.0,)
    return [np.array([ymax * b, med * kk, ss, d])
            for d in decays for kk in (0.7, 2.5) for ss in (1.0, 2.0)
            for b in (1.5,)]


def fit_curve(channel: str, spend: Iterable[float], outcome: Iterable[float], *,
              periods: Iterable[Any] | None = None, use_adstock: bool = True,
              n_boot: int = 200, seed: int = 0, current_periods: int = 12,
              min_periods: int = 12, min_outcome: float = 10.0, min_spend_cv: float = 0.1,
              min_r2: float = 0.0, roi_cap: float = 1.5, language: str = "en") -> ResponseCurve:
    """Fit one channel's Hill curve, or fall back to a capped constant ROI.

    Parameters
    ----------
    channel : str
        Channel name, for labels.
    spend, outcome : array-like
        Spend and attributed outcome per period, oldest first, same length.
    periods : array-like, optional
        Period start dates, kept in ``history`` for charts.
    use_adstock : bool
        Whether to fit the geometric carry-over ``decay`` (else it is 0).
    n_boot : int
        Residual-bootstrap replicates for the intervals (0 for none).
    seed : int
        Seed of the bootstrap, so reports are reproducible.
    current_periods : int
        The current plan is the mean spend of this many latest periods.
    min_periods, min_outcome, min_spend_cv : float
        Below any of these (periods with data, summed outcome, coefficient of variation of
        spend) the history is too thin or flat to fit and the fallback is used.
    min_r2 : float
        A fit explaining no more than this share of the variance is not used either.
    roi_cap : float
        Fallback only: the constant ROI holds up to ``roi_cap`` x the current spend per
        period; above that no further outcome is assumed.
    language : {"en", "zh"}
        Language of the curve's ``note``.

    Returns
    -------
    ResponseCurve
    """

    def say(key: str, **values) -> str:
        return i18n.t(f"budget_allocation.curve.{key}", language, **values)

    spend = np.asarray(list(spend), dtype=float)
    y = np.asarray(list(outcome), dtype=float)
    if spend.shape != y.shape:
        raise ParamError(f"{channel}: spend and outcome must have the same length")
    if roi_cap <= 0:
        raise ParamError(f"roi_cap must be positive, got {roi_cap}")
    spend = np.nan_to_num(np.maximum(spend, 0.0))
    y = np.nan_to_num(np.maximum(y, 0.0))
    current = float(spend[-current_periods:].mean()) if len(spend) else 0.0
    history = pd.DataFrame({
        "period_start": pd.to_datetime(list(periods)) if periods is not None
        else pd.RangeIndex(len(spend)),
        "spend": spend, "outcome": y})

    mean_spend = float(spend.mean()) if len(spend) else 0.0
    cv = float(spend.std() / mean_spend) if mean_spend > 0 else 0.0
    reason = None
    if len(spend) < min_periods:
        reason = say("reason_periods", n=len(spend), needed=min_periods)
    elif y.sum() < min_outcome:
        reason = say("reason_outcome", total=f"{y.sum():,.0f}", needed=f"{min_outcome:,.0f}")
    elif cv < min_spend_cv:
        reason = say("reason_flat", cv=f"{cv:.0%}", needed=f"{min_spend_cv:.0%}")

    fit = None
    if reason is None:
        lower, upper = _bounds(spend, y, use_adstock)
        start_x = mean_spend
        fit = _least_squares(spend, y, _starts(spend, y, use_adstock), lower, upper, start_x)
        if fit is None:
            reason = say("reason_no_fit")
        else:
            fitted = _predict(fit.x, spend, start_x)
            sst = float(((y - y.mean()) ** 2).sum())
            r2 = 1 - float(((y - fitted) ** 2).sum()) / sst if sst > 0 else float("nan")
            if not r2 > min_r2:
                reason = say("reason_weak_fit", r2=f"{r2:.2f}")

    rng = np.random.default_rng(seed)
    if reason is not None:
        roi = float(y.sum() / spend.sum()) if spend.sum() > 0 else 0.0
        cap = roi_cap * current if current > 0 else roi_cap * mean_spend
        boot = np.empty((0, 1))
        if n_boot > 0 and len(spend) > 1:
            idx = rng.integers(0, len(spend), size=(n_boot, len(spend)))
            s_sum = spend[idx].sum(axis=1)
            boot = np.where(s_sum > 0, y[idx].sum(axis=1) / np.where(s_sum > 0, s_sum, 1),
                            0.0)[:, None]
        fitted = roi * np.minimum(spend, cap)
        history["adstocked"] = spend
        history["fitted"] = fitted
        return ResponseCurve(
            channel=channel, kind=CONSTANT_ROI, decay=0.0, roi=roi, cap=cap,
            current_spend=current, n_periods=len(spend), r2=_r2(y, fitted),
            rmse=_rmse(y, fitted), boot=boot, history=history,
            note=say("fallback_note", cap=f"{roi_cap:g}", reason=reason))

    if not use_adstock:
        fit.x[3] = 0.0  # the solver keeps a 1e-9 sliver of the fixed bound
    beta, k, s, decay = (float(v) for v in fit.x)
    fitted = _predict(fit.x, spend, mean_spend)
    history["adstocked"] = adstock(spend, decay, mean_spend)
    history["fitted"] = fitted
    boot = np.empty((0, 4))
    if n_boot > 0:
        resid = y - fitted
        draws = []
        lower, upper = _bounds(spend, y, use_adstock)
        for _ in range(n_boot):
            y_star = np.maximum(fitted + rng.choice(resid, size=len(y), replace=True), 0.0)
            res = _least_squares(spend, y_star, [fit.x], lower, upper, mean_spend)
            if res is not None:
                draws.append(res.x)
        boot = np.array(draws) if draws else np.empty((0, 4))
        if not use_adstock and len(boot):
            boot[:, 3] = 0.0
    r2 = _r2(y, fitted)
    near_k_cap = k >= 0.95 * 10.0 * float(spend.max())
    note = say("fitted_note", r2=f"{r2:.2f}")
    if near_k_cap:
        note += say("no_saturation")
    return ResponseCurve(channel=channel, kind=HILL, beta=beta, k=k, s=s, decay=decay,
                         current_spend=current, n_periods=len(spend), r2=r2,
                         rmse=_rmse(y, fitted), boot=boot, history=history, note=note)


def _r2(y: np.ndarray, fitted: np.ndarray) -> float:
    sst = float(((y - y.mean()) ** 2).sum())
    return 1 - float(((y - fitted) ** 2).sum()) / sst if sst > 0 else float("nan")


def _rmse(y: np.ndarray, fitted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - fitted) ** 2))) if len(y) else float("nan")


def fit_response_curves(periods: pd.DataFrame, *, use_adstock: bool = True,
                        n_boot: int = 200, seed: int = 0, **options) -> dict[str, ResponseCurve]:
    """Fit :func:`fit_curve` for every channel of a :func:`channel_periods` table.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``channel, period_start, spend, outcome``.
    use_adstock, n_boot, seed
        As in :func:`fit_curve`; each channel's bootstrap gets its own stream of ``seed``.
    **options
        Passed to :func:`fit_curve` (``min_periods``, ``roi_cap``, ...).

    Returns
    -------
    dict of str to ResponseCurve
        In channel order.
    """
    missing = {"channel", "period_start", "spend", "outcome"} - set(periods.columns)
    if missing:
        raise ParamError(f"periods table lacks column(s) {', '.join(sorted(missing))}")
    curves = {}
    seeds = np.random.SeedSequence(seed).spawn(max(1, periods["channel"].nunique()))
    for (channel, part), ss in zip(periods.groupby("channel", sort=True), seeds, strict=False):
        part = part.sort_values("period_start")
        curves[str(channel)] = fit_curve(
            str(channel), part["spend"], part["outcome"], periods=part["period_start"],
            use_adstock=use_adstock, n_boot=n_boot,
            seed=int(ss.generate_state(1)[0]), **options)
    return curves


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


def with_current(curves: Mapping[str, ResponseCurve],
                 current: Mapping[str, float]) -> dict[str, ResponseCurve]:
    """Copies of ``curves`` whose ``current_spend`` is replaced from ``current``."""
    return {ch: replace(c, current_spend=float(current.get(ch, c.current_spend)))
            for ch, c in curves.items()}


def plot_response_curves(curves: Mapping[str, ResponseCurve], *,
                         proposed: Mapping[str, float] | None = None, ax=None,
                         level: float = 0.9, title: str = "", outcome_label: str = "outcome",
                         language: str = "en"):
    """All channels' curves on one chart, with bootstrap bands, current and proposed spend.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    proposed : mapping of str to float, optional
        Proposed spend per period, marked with a star.
    ax : matplotlib Axes, optional
    level : float
        Coverage of the shaded band.
    title, outcome_label : str
    language : {"en", "zh"}
        Language of the legend and axis labels.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5))
    proposed = proposed or {}
    top = max([c.current_spend for c in curves.values()]
              + [float(v) for v in proposed.values()] + [1.0])
    grid = np.linspace(0, 1.6 * top, 200)
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    for i, (ch, c) in enumerate(curves.items()):
        color = f"C{i % 10}"
        style = "--" if c.is_fallback else "-"
        label = i18n.t("budget_allocation.curve.legend_assumed", language, channel=ch) \
            if c.is_fallback else ch
        ax.plot(grid, c.response(grid), style, color=color, label=label, lw=2)
        draws = c.draws(grid)
        if draws.shape[0] > 1:
            lo, hi = np.quantile(draws, q, axis=0)
            ax.fill_between(grid, lo, hi, color=color, alpha=0.12, lw=0)
        ax.plot([c.current_spend], [float(c.response(c.current_spend))], "o", color=color,
                ms=8, mec="white")
        if ch in proposed:
            x = float(proposed[ch])
            ax.plot([x], [float(c.response(x))], "*", color=color, ms=15, mec="black", mew=0.6)
    ax.plot([], [], "o", color="grey", label=i18n.t("budget_allocation.curve.current_spend", language))
    ax.plot([], [], "*", color="grey", mec="black", ms=12,
            label=i18n.t("budget_allocation.curve.proposed_spend", language))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(i18n.t("budget_allocation.curve.spend_axis", language))
    ax.set_ylabel(i18n.t("budget_allocation.curve.outcome_axis", language, outcome=outcome_label))
    ax.set_xlim(0, grid[-1])
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    return ax


def fit_summary(fits: pd.DataFrame, language: str = "en") -> str:
    """One paragraph on how many curves were fitted and why the others fall back.

    Channels with the same fallback reason are named together, so five channels short of
    history read as one sentence; without any fitted curve no median R² is stated.

    Parameters
    ----------
    fits : pandas.DataFrame
        :func:`curves_table` output (``model`` in English, as written by the fit).
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"budget_allocation.{key}", language, **values)

    fallback = fits["model"].astype(str).str.startswith("constant")
    fitted = fits[~fallback]
    r2 = pd.to_numeric(fitted["r2"], errors="coerce").median()
    text = (say("curves_fitted", fitted=len(fitted), n=len(fits), r2=f"{r2:.2f}")
            if len(fitted) and np.isfinite(r2) else say("curves_none_fitted", n=len(fits)))
    if not fallback.any():
        return text + say("no_fallback")
    groups = fits[fallback].groupby("note", sort=False)["channel"].agg(list)
    channels = say("item_sep").join(
        f"{say('list_sep').join(map(str, chs))}{say('colon')}{note}" for note, chs in groups.items())
    return text + say("fallback", channels=channels)


# --------------------------------------------------------------------------- allocation view


def is_identified(curve: ResponseCurve, *, min_draws: int = 10) -> bool:
    """Whether a curve's saturation is measured well enough to read its marginal return.

    Identified means: a fitted Hill curve (not the constant-ROI assumption), whose
    half-saturation spend is not pinned at the fit's upper limit (10 x the highest spend
    seen; a curve that never bends in the data) and whose bootstrap gave at least
    ``min_draws`` refits. The same rule gates a recommended shift in
    :func:`helpers.analysis.budget.shift_support`.

    Parameters
    ----------
    curve : ResponseCurve
    min_draws : int

    Returns
    -------
    bool
    """
    if curve.is_fallback or not np.isfinite(curve.k):
        return False
    hist = curve.history
    spend = (np.asarray(hist["spend"], dtype=float) if hist is not None and "spend" in hist
             else np.array([curve.current_spend], dtype=float))
    spend = spend[np.isfinite(spend) & (spend > 0)]
    if not len(spend):
        return False
    return bool(curve.k < 0.95 * 10.0 * float(spend.max()) and len(curve.boot) >= min_draws)


def marginal_per(curve: ResponseCurve, spend: float | None = None, per: float = 1000.0) -> float:
    """Extra outcome per period from ``per`` more currency units per period at ``spend``.

    Parameters
    ----------
    curve : ResponseCurve
    spend : float, optional
        Spend per period; default the curve's current spend.
    per : float
        Size of the extra spend (default 1,000: managers read "per 1,000 EUR" more easily
        than a ratio of 0.0014 per euro).

    Returns
    -------
    float
        ``curve.marginal(spend) * per`` (a linear reading of the curve at ``spend``).
    """
    x = curve.current_spend if spend is None else spend
    return float(curve.marginal(float(x))) * per


def about(value: float) -> str:
    """A figure for "about …" in a sentence: two significant digits below 10, whole above.

    ``0.8432`` → ``"0.84"``, ``3.27`` → ``"3.3"``, ``1450.2`` → ``"1,450"``; "–" when it is
    missing or infinite.
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    if not np.isfinite(v):
        return "–"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:,.1f}".rstrip("0").rstrip(".")
    if a == 0:
        return "0"
    digits = max(1, 1 - int(np.floor(np.log10(a))))
    return f"{v:.{digits}f}"


def marginal_sentence(curve: ResponseCurve, *, channel: str | None = None, unit: str = "outcome",
                      currency: str = "", per: float = 1000.0, roas: bool = False,
                      min_draws: int = 10, language: str = "en") -> str:
    """The marginal return of one channel in words, read off its curve at the current spend.

    "Each extra 1,000 EUR in events brings about 0.84 opportunities." The figure is
    :func:`marginal_per` rounded by :func:`about`. A curve that is not identified
    (:func:`is_identified`) gets a sentence saying so instead of a number.

    Parameters
    ----------
    curve : ResponseCurve
    channel : str, optional
        The channel's name as the reader sees it (default ``curve.channel``).
    unit : str
        The outcome as counted after a number ("opportunities", "EUR of won revenue").
    currency : str
    per : float
        Extra spend the sentence speaks of.
    roas : bool
        Add the return on spend at the current spend (for a revenue outcome).
    min_draws : int
        Passed to :func:`is_identified`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"budget_allocation.marginal.{key}", language, **values)

    name = channel or curve.channel
    amount = f"{per:,.0f}"
    if curve.is_fallback:
        return say("assumed", channel=name, per=amount, currency=currency)
    if not is_identified(curve, min_draws=min_draws):
        return say("not_identified", channel=name, per=amount, currency=currency)
    text = say("identified", channel=name, per=amount, currency=currency,
               value=about(marginal_per(curve, per=per)), unit=unit)
    if roas and curve.current_spend > 0:
        ratio = float(curve.response(curve.current_spend)) / curve.current_spend
        text += say("roas", roas=f"{ratio:,.1f}")
    return text


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


def plot_fit_over_time(fit: pd.DataFrame, *, ax=None, outcome_label: str = "outcome",
                       language: str = "en"):
    """Actual against fitted outcome per period (from :func:`fit_over_time`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3))
    x = pd.to_datetime(fit["period_start"])
    ax.plot(x, fit["actual"], "o-", color="#7f8c8d", ms=3, lw=1.2,
            label=i18n.t("budget_allocation.chart.actual", language))
    ax.plot(x, fit["fitted"], "-", color="#1f4e79", lw=2,
            label=i18n.t("budget_allocation.chart.fitted", language))
    ax.set_ylabel(i18n.t("budget_allocation.curve.outcome_axis", language, outcome=outcome_label))
    ax.set_ylim(bottom=0)
    plotting.month_axis(ax, language=language)
    plotting.legend_outside(ax)
    return ax


def plot_curve_panels(curves: Mapping[str, ResponseCurve], *,
                      proposed: Mapping[str, float] | None = None, axes=None,
                      labels: Mapping[str, str] | None = None, level: float = 0.9,
                      outcome_label: str = "outcome", currency: str = "", title: str = "",
                      language: str = "en"):
    """Small multiples: one panel per channel with its curve, band, current and proposed point.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    proposed : mapping of str to float, optional
        Proposed spend per period, marked with a star.
    axes : sequence of matplotlib Axes, optional
        At least one per channel (extra axes are hidden); default a new grid of up to three
        columns.
    labels : mapping of str to str, optional
        The channel names as the reader sees them (panel titles).
    level : float
        Coverage of the shaded band.
    outcome_label, currency : str
        Axis labels: outcome per period against spend per period in ``currency``.
    title : str
        Title of the whole figure, above the legend.
    language : {"en", "zh"}

    Returns
    -------
    numpy.ndarray of matplotlib Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    names = list(curves)
    if axes is None:
        cols = min(3, max(len(names), 1))
        rows = int(np.ceil(max(len(names), 1) / cols))
        _, axes = plt.subplots(rows, cols, figsize=(3.3 * cols, 2.5 * rows), squeeze=False)
    axes = np.asarray(axes).ravel()
    proposed = proposed or {}
    labels = labels or {}
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    for ax, ch in zip(axes, names, strict=False):
        c = curves[ch]
        top = max(c.current_spend, float(proposed.get(ch, 0.0)), 1.0)
        grid = np.linspace(0, 1.8 * top, 120)
        ax.plot(grid, c.response(grid), "--" if c.is_fallback else "-", color="#1f4e79", lw=2)
        draws = c.draws(grid)
        if draws.shape[0] > 1:
            lo, hi = np.quantile(draws, q, axis=0)
            ax.fill_between(grid, lo, hi, color="#1f4e79", alpha=0.12, lw=0)
        ax.plot([c.current_spend], [float(c.response(c.current_spend))], "o", color="#7f8c8d",
                ms=7, mec="white")
        if ch in proposed:
            x = float(proposed[ch])
            ax.plot([x], [float(c.response(x))], "*", color="#e67e22", ms=13, mec="black",
                    mew=0.5)
        name = labels.get(ch, ch)
        if c.is_fallback:
            name = i18n.t("budget_allocation.curve.legend_assumed", language, channel=name)
        ax.set_title(name, fontsize="medium")
        ax.set_xlim(0, grid[-1])
        ax.set_ylim(bottom=0)
        plotting.money_axis(ax, currency, axis="x", language=language)
        ax.set_xlabel("")
        ax.tick_params(labelsize="small")
    for ax in axes[len(names):]:
        ax.set_visible(False)
    fig = axes[0].figure
    fig.supxlabel(i18n.t("budget_allocation.curve.spend_axis", language)
                  + (f" ({currency})" if currency else ""), fontsize="medium")
    fig.supylabel(i18n.t("budget_allocation.curve.outcome_axis", language, outcome=outcome_label),
                  fontsize="medium")
    handles = [plt.Line2D([], [], marker="o", ls="", color="#7f8c8d", ms=7,
                          label=i18n.t("budget_allocation.curve.current_spend", language)),
               plt.Line2D([], [], marker="*", ls="", color="#e67e22", mec="black", ms=11,
                          label=i18n.t("budget_allocation.curve.proposed_spend", language))]
    fig.legend(handles=handles, loc="upper center", ncol=2, frameon=False,
               bbox_to_anchor=(0.5, 1.04))
    if title:
        fig.suptitle(title, y=1.1, fontweight="bold")
    fig.tight_layout()
    return axes


def marginal_draws(curve: ResponseCurve, spend: float | None = None, per: float = 1000.0
                   ) -> np.ndarray:
    """:func:`marginal_per` under each bootstrap draw of a fitted curve (empty without draws)."""
    x = max(float(curve.current_spend if spend is None else spend), 1e-12)
    if curve.is_fallback or len(curve.boot) == 0:
        return np.empty(0)
    b = np.asarray(curve.boot, dtype=float)
    return hill_derivative(x, b[:, 0], b[:, 1], b[:, 2]) * per


def marginal_spread(curves: Mapping[str, ResponseCurve], *, per: float = 1000.0,
                    level: float = 0.9, min_draws: int = 10) -> dict[str, Any] | None:
    """The identified channels with the highest and the lowest marginal return at current spend.

    The gap between them is what moving money from the one to the other would earn per
    ``per`` moved (to first order); its interval comes from the paired bootstrap draws
    (each channel's draws are independent, so they are paired by position).

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    per : float
    level : float
        Coverage of the interval of the gap.
    min_draws : int
        See :func:`is_identified`.

    Returns
    -------
    dict or None
        ``best, worst`` (channel names), ``best_value, worst_value`` (per ``per``), ``gap,
        gap_low, gap_high`` and ``clear`` (the lower end of the gap's interval is above
        zero); ``None`` with fewer than two identified channels.
    """
    ok = {ch: c for ch, c in curves.items() if is_identified(c, min_draws=min_draws)}
    if len(ok) < 2:
        return None
    values = {ch: marginal_per(c, per=per) for ch, c in ok.items()}
    best = max(values, key=values.get)
    worst = min(values, key=values.get)
    d_best, d_worst = marginal_draws(ok[best], per=per), marginal_draws(ok[worst], per=per)
    n = min(len(d_best), len(d_worst))
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    low, high = (np.quantile(d_best[:n] - d_worst[:n], q) if n > 1 else (np.nan, np.nan))
    return {"best": best, "worst": worst, "best_value": values[best],
            "worst_value": values[worst], "gap": values[best] - values[worst],
            "gap_low": float(low), "gap_high": float(high),
            "clear": bool(np.isfinite(low) and low > 0)}


def _month(value: Any, language: str = "en") -> str:
    d = pd.Timestamp(value)
    return f"{d.year}年{d.month}月" if language == "zh" else d.strftime("%b %Y")


def fit_alt(fit: pd.DataFrame, *, outcome_label: str = "outcome", language: str = "en") -> str:
    """Alt text of :func:`plot_fit_over_time`: the period range and the actual and fitted totals."""
    if not len(fit):
        return i18n.t("budget_allocation.alt.fit", language, unit=outcome_label, first="–",
                      last="–", actual="–", fitted="–")
    return i18n.t("budget_allocation.alt.fit", language, unit=outcome_label,
                  first=_month(fit["period_start"].min(), language),
                  last=_month(fit["period_start"].max(), language),
                  actual=f"{fit['actual'].sum():,.0f}", fitted=f"{fit['fitted'].sum():,.0f}")


def panels_alt(curves: Mapping[str, ResponseCurve], *, labels: Mapping[str, str] | None = None,
               outcome_label: str = "outcome", language: str = "en") -> str:
    """Alt text of :func:`plot_curve_panels`: how many channels, and the steepest at current spend
    among the identified curves."""
    labels = labels or {}
    # the steepest among the curves whose marginal return can be read (all when none can)
    pool = [ch for ch, c in curves.items() if is_identified(c)] or list(curves)
    steepest = max(pool, key=lambda ch: marginal_per(curves[ch])) if pool else "–"
    return i18n.t("budget_allocation.alt.panels", language, n=len(curves), unit=outcome_label,
                  channel=labels.get(steepest, steepest))


def marginal_note(curves: Mapping[str, ResponseCurve], *, labels: Mapping[str, str], unit: str,
                  currency: str = "", roas: bool = False, language: str = "en") -> str:
    """What one more 1,000 brings per channel: a titled markdown list of :func:`marginal_sentence`.

    Parameters
    ----------
    curves : mapping of str to ResponseCurve
    labels : mapping of str to str
        Channel names as the reader reads them.
    unit : str
        The outcome per extra spend, as words.
    currency : str
    roas : bool
        Whether the outcome is money (return on ad spend).
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    items = [marginal_sentence(c, channel=labels.get(ch, ch), unit=unit, currency=currency, roas=roas,
                               language=language) for ch, c in curves.items()]
    title = i18n.t("budget_allocation.marginal_title", language, currency=currency)
    return title + "\n\n" + "\n".join(f"- {item}" for item in items)


def spread_values(spread: Mapping[str, Any], *, labels: Mapping[str, str], unit: str,
                  currency: str = "") -> dict[str, str]:
    """The figures of :func:`marginal_spread` for a sentence, rounded by :func:`about`.

    Parameters
    ----------
    spread : mapping
        From :func:`marginal_spread`.
    labels : mapping of str to str
        Channel names as the reader reads them.
    unit : str
    currency : str

    Returns
    -------
    dict of str to str
        ``currency, unit, best, worst, best_value, worst_value, low, high``.
    """
    return dict(currency=currency, unit=unit, best=labels.get(spread["best"], spread["best"]),
                worst=labels.get(spread["worst"], spread["worst"]),
                best_value=about(spread["best_value"]), worst_value=about(spread["worst_value"]),
                low=about(spread["gap_low"]), high=about(spread["gap_high"]))
