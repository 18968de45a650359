"""Report sentences of the content evaluation, in the report language."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.content.definitions import _check_credit
from helpers.analysis.content.evidence import channel_tests, paid_channel_tests
from helpers.analysis.content.findings import channel_lead_finding, performance_findings
from helpers.analysis.content.formats import format_value
from helpers.analysis.content.labels import UNKNOWN_LABELS, _t, is_known, md_label, weekday_name

__all__ = [
    "best_category_rate",
    "calendar_sentence",
    "channel_sentence",
    "content_roi",
    "distribution_sentence",
    "gap_sentence",
    "performance_sentence",
    "stages_sentence",
    "timing_sentences",
    "usable_credit",
    "weekday_sentences",
]


def usable_credit(credit: str, has_source: bool) -> str:
    """The credit rule the data supports.

    ``sourced`` needs opportunities that name their source (asset or channel); when that
    column is missing or empty, every sourced count would be zero, so ``influenced`` is
    used instead (the report says so).

    Parameters
    ----------
    credit : {"sourced", "influenced"}
    has_source : bool
        Whether the opportunities' source column holds any value.

    Returns
    -------
    str
    """
    _check_credit(credit)
    return "influenced" if credit == "sourced" and not has_source else credit


def performance_sentence(by_category: pd.DataFrame, by_type: pd.DataFrame, *,
                         window_days: int, confidence: float, currency: str, credit: str,
                         language: str = "en", alpha: float = 0.05,
                         method: str = "bh") -> str:
    """The finding of the content performance tables, or "" when no rate is known.

    Parameters
    ----------
    by_category, by_type : pandas.DataFrame
        :func:`content_performance` by ``content_category`` and by ``content_type``.
    window_days, confidence, credit
        As used for the tables.
    currency : str
    language : {"en", "zh"}
    alpha, method
        Level and family correction of the tests (see :func:`performance_findings`).

    Returns
    -------
    str
        The best category by conversion rate and the content type with the highest
        credible rate (lower bound, ranked rows only), each only when it converts reliably
        better than the rest, else the sentence that no group differs; cost, won revenue and ROI
        when every asset's cost is known, else won revenue with ROI stated as unknown.
        Groups without a value (``(none)``) never lead; "" when neither a category nor a
        type has a known rate.
    """
    text = ""
    for found in performance_findings(by_category, by_type, window_days=window_days,
                                      confidence=confidence, alpha=alpha, method=method,
                                      language=language):
        text += (" " if text and not found.shown.startswith(" ") else "") + found.shown
    if not text:
        return ""
    text = text.lstrip()
    won = by_category["won_revenue"]
    if not won.map(is_known).all():
        return text
    credit_text = _t(f"credit_{credit}", language)
    cost = by_category["cost"]
    total_cost = float(cost.sum()) if cost.map(is_known).all() else np.nan
    if is_known(total_cost) and total_cost > 0:
        roi = (float(won.sum()) - total_cost) / total_cost
        text += _t("performance_money", language, currency=currency,
                   cost=format_value(total_cost, "money"), won=format_value(won.sum(), "money"),
                   roi=f"{roi:.0%}", credit=credit_text)
    else:
        text += _t("performance_money_no_cost", language, currency=currency,
                   won=format_value(won.sum(), "money"), credit=credit_text)
    return text


def content_roi(by_category: pd.DataFrame) -> float:
    """ROI of all content: won revenue over production cost, NaN when either is unknown."""
    cost, won = by_category["cost"], by_category["won_revenue"]
    if not (cost.map(is_known).all() and won.map(is_known).all()) or cost.sum() <= 0:
        return np.nan
    return float((won.sum() - cost.sum()) / cost.sum())


def best_category_rate(by_category: pd.DataFrame) -> float:
    """The highest conversion rate of a known content category, NaN when none is known."""
    cats = by_category[~by_category["content_category"].isin(UNKNOWN_LABELS)]
    rates = cats["conversion_rate"][cats["conversion_rate"].map(is_known)]
    return float(rates.max()) if len(rates) else np.nan


def channel_sentence(comparison: pd.DataFrame, ranked: pd.DataFrame, *, confidence: float,
                     currency: str, min_sample: int, language: str = "en",
                     tested: pd.DataFrame | None = None, alpha: float = 0.05,
                     method: str = "bh") -> str:
    """The finding of the channel comparison: coverage, the leading channel, paid channels.

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`channel_comparison`.
    ranked : pandas.DataFrame
        Output of :func:`rank_channels` of it.
    confidence : float
        Coverage of the rank interval used for ``ranked``.
    currency : str
    min_sample : int
        The minimum reach used, named when no channel is ranked.
    language : {"en", "zh"}
    tested : pandas.DataFrame, optional
        :func:`rate_tests` of the ranked channels; computed when omitted.
    alpha, method
        Level and family correction of those tests.

    Returns
    -------
    str
        "" when no channel has touches. The leading channel is named only when it is
        followed by an opportunity reliably more often than the other ranked channels
        (see :func:`channel_lead_finding`); otherwise the sentence says no channel differs. Conversions are described only when known (the
        data has opportunities), paid channels only where spend and leads are recorded.
    """
    reached = comparison[comparison["touches"] > 0]
    reached = reached[~reached["channel"].isin(UNKNOWN_LABELS) & reached["channel"].notna()]
    if reached.empty:
        return ""
    text = ""
    targets = comparison.attrs.get("targets", 0)
    if targets:
        widest = reached.sort_values(["coverage", "channel"], ascending=[False, True]).iloc[0]
        text += _t("coverage", language, channel=md_label("channel", widest["channel"], language),
                   coverage=format_value(widest["coverage"], "percent0"), targets=f"{targets:,}")
    lead = ranked[~ranked["channel"].isin(UNKNOWN_LABELS)] if len(ranked) else ranked
    if len(lead):
        if tested is None:
            tested = channel_tests(comparison, ranked, alpha=alpha, method=method)
        found = channel_lead_finding(tested, ranked, confidence=confidence, alpha=alpha,
                                     method=method, language=language)
        text += found.shown
    elif not comparison["converting_accounts"].map(is_known).any():
        text += _t("no_conversion", language)
    else:
        text += _t("no_ranked_channel", language, n=min_sample)
    paid = comparison[comparison["spend"].map(is_known) & (comparison["spend"] > 0)
                      & comparison["cost_per_lead"].map(is_known)
                      & comparison["roi"].map(is_known)]
    if len(paid) >= 2:
        tests = paid_channel_tests(paid, alpha=alpha, method=method)
        cheapest = paid.loc[paid["cost_per_lead"].idxmin(), "channel"]
        best = paid.loc[paid["roi"].idxmax(), "channel"]
        cpl_ok = bool(tests.loc[cheapest, "leads_significant"])
        roi_ok = bool(tests.loc[best, "won_significant"])
        values = dict(cheapest=md_label("channel", cheapest, language), currency=currency,
                      cpl=format_value(paid["cost_per_lead"].min(), "money"),
                      best=md_label("channel", best, language),
                      multiple=f"{paid['roi'].max() + 1:.1f}")
        if cpl_ok and roi_ok:
            text += _t("paid", language, **values)
        elif cpl_ok:
            text += _t("paid_cheapest", language, **values)
        elif roi_ok:
            text += _t("paid_best", language, **values)
        else:
            text += _t("paid_none", language, n=len(paid))
    return text


def timing_sentences(windows: pd.DataFrame, language: str = "en") -> list[str]:
    """One line per channel with enough data, from :func:`best_send_windows`."""
    ok = windows[windows["enough_data"].astype(bool)] if len(windows) else windows
    return [_t("timing", language, channel=md_label("channel", r.channel, language), weekday=weekday_name(r.weekday_name, language),
               start=f"{int(r.hour_start):02d}", end=f"{int(r.hour_end):02d}",
               share=format_value(r.share, "percent0"), touches=f"{r.touches:,}",
               lift=f"{r.lift:.1f}")
            for r in ok.itertuples()]


def weekday_sentences(days: pd.DataFrame, language: str = "en") -> list[str]:
    """One line per channel with enough data, from :func:`best_send_days`."""
    ok = days[days["enough_data"].astype(bool)] if len(days) else days
    return [_t("timing_day", language, channel=md_label("channel", r.channel, language),
               weekday=weekday_name(r.weekday_name, language),
               share=format_value(r.share, "percent0"), touches=f"{r.touches:,}",
               lift=f"{r.lift:.1f}")
            for r in ok.itertuples()]


def calendar_sentence(calendar: pd.DataFrame, months: int, language: str = "en") -> str:
    """The finding of :func:`publishing_calendar`; says so when nothing was published.

    The most published group is named only among groups with a value (not ``(none)``).
    """
    per_month = calendar.sum(axis=1) if len(calendar.columns) else pd.Series(dtype=float)
    total = int(per_month.sum())
    if not total:
        return _t("calendar_none", language, months=months)
    groups = calendar.drop(columns=[c for c in calendar.columns if c in UNKNOWN_LABELS]).sum()
    groups = groups[groups > 0]
    if groups.empty:
        return _t("calendar_count", language, n=total, months=months,
                  per_month=f"{per_month.mean():.1f}", empty=int((per_month == 0).sum()))
    return _t("calendar", language, n=total, months=months, per_month=f"{per_month.mean():.1f}",
              empty=int((per_month == 0).sum()),
              category=md_label("category", groups.idxmax(), language),
              share=f"{groups.max() / total:.0%}")


def stages_sentence(stages: pd.Series, mix: pd.Series, language: str = "en") -> str:
    """One sentence naming the largest lifecycle stage.

    Parameters
    ----------
    stages : pandas.Series
        One stage per account.
    mix : pandas.Series
        :func:`stage_mix` of ``stages``.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    top = int(mix.max()) if len(mix) else 0
    return _t("stages", language, n=f"{len(stages):,}", stage=md_label("stage", mix.idxmax(), language),
              count=f"{top:,}", share=f"{top / max(len(stages), 1):.0%}")


def gap_sentence(gaps: pd.DataFrame, language: str = "en") -> str:
    """The pain points without recent content as one sentence.

    Parameters
    ----------
    gaps : pandas.DataFrame
        :func:`coverage_gaps`.
    language : {"en", "zh"}

    Returns
    -------
    str
        Empty when every pain point has recent content.
    """
    open_gaps = gaps[gaps.gap.astype(bool)] if len(gaps) else gaps
    if not len(open_gaps):
        return ""
    items = [_t("gap_item", language, pain_point=md_label("pain_point", r.pain_point, language),
                share=format_value(r.share_of_responses, "percent0")) for r in open_gaps.itertuples()]
    return _t("gaps", language, gaps=_t("list_sep", language).join(items))


def distribution_sentence(distribution: pd.DataFrame, share: pd.Series, language: str = "en") -> str:
    """The main content channel and how many channels an asset uses.

    Parameters
    ----------
    distribution : pandas.DataFrame
        :func:`content_distribution`.
    share : pandas.Series
        :func:`channel_touch_share` of ``distribution``.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    return _t("distribution", language, channel=md_label("channel", share.index[0], language),
              share=f"{share.iloc[0]:.0%}", single=f"{(distribution.channels == 1).mean():.0%}",
              mean=f"{distribution.channels.mean():.1f}")
