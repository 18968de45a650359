"""The response curves' sentences and alt texts for the budget report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.response_curves.marginal import is_identified, marginal_per
from helpers.analysis.response_curves.model import ResponseCurve
from helpers.presentation import i18n

__all__ = [
    "about",
    "fit_alt",
    "fit_summary",
    "marginal_note",
    "marginal_sentence",
    "panels_alt",
    "spread_values",
]


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
    say = i18n.scoped("budget_allocation", language)

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
    say = i18n.scoped("budget_allocation.marginal", language)

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
