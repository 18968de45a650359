"""Report text of the customer profile: findings, chart descriptions and peak details."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.profiling.activity import weekday_name
from helpers.analysis.profiling.base import revenue_concentration
from helpers.analysis.profiling.behaviour import segment_value_tests
from helpers.analysis.profiling.segments import MISSING
from helpers.analysis.profiling.views import _known, _pct, known_segments
from helpers.presentation import i18n
from helpers.stats import multiple_testing

__all__ = [
    "ALT_KINDS", "activity_findings", "base_finding", "behaviour_finding", "chart_alt",
    "committee_finding", "cycle_finding", "engagement_finding", "format_list",
    "location_finding", "pains_finding", "peak_detail",
]


def format_list(items: Sequence[Any], language: str = "en") -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"`` (``"a、b和c"`` in Chinese)."""
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return (i18n.t("customer_profiling.join.sep", language).join(items[:-1])
            + i18n.t("customer_profiling.join.and", language) + items[-1])


def _sentences(parts: Sequence[str], language: str = "en") -> str:
    """Sentences one after another (a space between them in English, none in Chinese)."""
    parts = [p for p in parts if p]
    if not parts:
        return ""
    text = parts[0]
    for part in parts[1:]:
        text = i18n.t("customer_profiling.join.sentences", language, first=text, then=part)
    return text


def _brings_most(features, by, segment, top, log, alpha, method) -> bool:
    """Whether ``segment`` brings reliably more revenue per account than the other segments."""
    if features is None or segment is None or by not in features or "revenue_total" not in features:
        return False
    tests = segment_value_tests(features, by, column="revenue_total", top=top,
                                customers_only=False)
    if tests.empty or segment not in set(tests["segment"]):
        return False
    overall = float(pd.to_numeric(features["revenue_total"], errors="coerce").fillna(0).mean())
    if log is not None:
        found = log.family(
            [i18n.t("customer_profiling.finding.revenue_segment", log.language, segment=r.segment,
                    by=i18n.t(f"customer_profiling.attr.{by}", log.language,
                              default=by.replace("_", " "))) for r in tests.itertuples()],
            tests["p_value"], test="Mann-Whitney U", family=f"revenue per account by {by}",
            effects=tests["mean"] / overall if overall else None, ns=tests["customers"],
            levels=tests["segment"], effect_label="mean revenue / all accounts",
            impacts=[0.2] * len(tests))
        ok = dict(zip(tests["segment"], [f.stated for f in found], strict=True))
    else:
        adj = multiple_testing.adjust(tests["p_value"].to_numpy(dtype=float), method)
        ok = dict(zip(tests["segment"], np.isfinite(adj) & (adj < alpha), strict=True))
    mean = float(tests.set_index("segment")["mean"][segment])
    return bool(ok.get(segment, False) and mean > overall)


def base_finding(by_industry: pd.DataFrame, by_size: pd.DataFrame, language: str = "en", *,
                 features: pd.DataFrame | None = None, top: int | None = None, log=None,
                 alpha: float = 0.05, method: str = "bh") -> str:
    """The finding on industries and size bands, from what the data holds.

    Each part is said only when its segments are known: no industry, no industry part;
    an unknown margin is left out of the size-band part rather than shown as 0%. The
    segment that "brings the most relative to its size" is named only when its revenue per
    account is reliably above the other accounts' (two-sided Mann-Whitney U test per
    segment, corrected over the segments, in ``log`` when given); without ``features``
    it is never named.

    Parameters
    ----------
    by_industry, by_size : pandas.DataFrame
        :func:`base_profile` by ``industry`` and by ``size_band``.
    language : {"en", "zh"}
    features : pandas.DataFrame, optional
        Account features with ``revenue_total`` (for the tests).
    top : int, optional
        Segments folding as in the profiles.
    log : helpers.presentation.findings.FindingLog, optional
    alpha, method : float, str
        Level and correction without ``log``.

    Returns
    -------
    str
        Markdown; empty when neither has a known segment.
    """
    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.finding.{key}", language, **values)

    parts = []
    lead = known_segments(by_industry)
    if not lead.empty:
        row = lead.iloc[0]
        parts.append(t("base_lead", lead=row.segment, lead_revenue=_pct(row.revenue_share),
                       lead_accounts=_pct(row.account_share)))
        conc = revenue_concentration(by_industry)
        if _brings_most(features, "industry", conc["segment"], top, log, alpha, method):
            parts.append(t("base_conc", conc=conc["segment"], conc_revenue=_pct(conc["revenue_share"]),
                           conc_accounts=_pct(conc["account_share"])))
    size = revenue_concentration(by_size)
    if _brings_most(features, "size_band", size["segment"], top, log, alpha, method):
        key = "base_size" if _known(size["margin_share"]) else "base_size_revenue"
        parts.append(t(key, size=size["segment"], size_revenue=_pct(size["revenue_share"]),
                       size_margin=_pct(size["margin_share"]), size_accounts=_pct(size["account_share"])))
    return _sentences(parts, language)


def location_finding(by_region: pd.DataFrame, by_country: pd.DataFrame, by_city: pd.DataFrame,
                     language: str = "en") -> str:
    """The finding on the largest region, country and city, each only when known.

    Parameters
    ----------
    by_region, by_country, by_city : pandas.DataFrame
        :func:`base_profile` by ``region``, ``country`` and ``city``.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown; empty when no location is known.
    """
    parts = []
    for key, profile in (("region", by_region), ("country", by_country), ("city", by_city)):
        known = known_segments(profile)
        if known.empty:
            continue
        row = known.iloc[0]
        parts.append(i18n.t(f"customer_profiling.finding.location_{key}", language,
                            name=row.segment, revenue=_pct(row.revenue_share),
                            accounts=f"{int(row.accounts):,}"))
    return _sentences(parts, language)


def behaviour_finding(behaviour: pd.DataFrame, currency: str = "", language: str = "en", *,
                      typical: dict | None = None, tests: pd.DataFrame | None = None,
                      log=None) -> str:
    """The finding on the typical customer's buying, each figure only when it is backed.

    The yearly rate needs customers with a year of history and the gap needs repeat
    buyers (:func:`typical_customer`); "1 times" is never written. A segment is named for
    its large orders only when its value differs from the other customers in a test
    corrected over the segments (``tests`` from :func:`segment_value_tests`, family in
    ``log``).

    Parameters
    ----------
    behaviour : pandas.DataFrame
        Output of :func:`behaviour_by_segment`.
    currency : str
    language : {"en", "zh"}
    typical : dict, optional
        :func:`typical_customer` output; without it no rate or gap is stated.
    tests : pandas.DataFrame, optional
        :func:`segment_value_tests` output.
    log : helpers.presentation.findings.FindingLog, optional
        Receives the segment comparisons; without it no segment is named.

    Returns
    -------
    str
        Markdown.
    """
    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.finding.{key}", language, **values)

    parts = []
    if typical is not None:
        rate, so_far = typical["orders_per_year"], typical["orders_so_far"]
        if _known(rate):
            parts.append(t("behaviour_rate_once" if round(rate) == 1 else "behaviour_rate",
                           orders=f"{rate:.0f}", n=f"{typical['established']:,}"))
        elif _known(so_far) and _known(typical["history_days"]):
            parts.append(t("behaviour_young_once" if round(so_far) == 1 else "behaviour_young",
                           orders=f"{so_far:.0f}",
                           months=f"{max(typical['history_days'] / 30.44, 1):.0f}"))
        if _known(typical["aov"]):
            parts.append(t("behaviour_aov", aov=f"{typical['aov']:,.0f}", currency=currency))
        if _known(typical["gap_days"]):
            parts.append(t("behaviour_gap_repeat", gap=f"{typical['gap_days']:.0f}",
                           n=f"{typical['repeat_buyers']:,}"))
        elif typical["repeat_buyers"] > 0:
            parts.append(t("behaviour_few_repeat", n=f"{typical['repeat_buyers']:,}"))
        if _known(typical["product_lines"]):
            parts.append(t("behaviour_lines", lines=f"{typical['product_lines']:.0f}"))
    everyone = behaviour.iloc[-1]
    if (tests is not None and log is not None and len(tests) > 1
            and _known(everyone.avg_order_value) and everyone.avg_order_value > 0):
        found = log.family(
            [t("behaviour_big" if r.median > everyone.avg_order_value else "behaviour_small",
               big=r.segment, big_aov=f"{r.median:,.0f}", currency=currency,
               ratio=f"{r.median / everyone.avg_order_value:.1f}") for r in tests.itertuples()],
            tests["p_value"], test="Mann-Whitney U", family="order value by segment",
            effects=tests["median"] / everyone.avg_order_value, ns=tests["customers"],
            levels=tests["segment"], effect_label="median order value / all customers",
            impacts=[0.2] * len(tests))
        big = [(m, f) for m, f in zip(tests["median"], found, strict=True)
               if f.stated and m > everyone.avg_order_value]
        if big:
            parts.append(max(big, key=lambda x: x[0])[1].text)
    return _sentences(parts, language)


def engagement_finding(channels: pd.DataFrame, language: str = "en") -> str:
    """The finding on channels (busiest, preferred, widest reach); empty with under 2 channels.

    Parameters
    ----------
    channels : pandas.DataFrame
        Output of :func:`channel_engagement`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    channels = channels[channels["channel"] != MISSING]
    if len(channels) < 2 or not channels["interactions"].sum():
        return ""
    first = channels.iloc[0]
    pref = channels.sort_values("preferred_by", ascending=False).iloc[0]
    widest = channels.sort_values("reach", ascending=False).iloc[1]
    return i18n.t("customer_profiling.finding.engagement", language, first=first.channel,
                  first_share=_pct(first.interaction_share), first_reach=_pct(first.reach),
                  pref=pref.channel, pref_share=_pct(pref.preferred_share),
                  widest=widest.channel, widest_reach=_pct(widest.reach))


def activity_findings(peaks: pd.DataFrame, log, hours: bool = True,
                      language: str = "en") -> list[str]:
    """Evidence-gated sentences on the weekday (and hour) of most activity.

    The weekday peak of each channel and of all channels together is tested against an
    even week (:func:`activity_peaks`, ``weekday_p``); these peaks form one family in
    ``log`` (corrected again over the channels), and so do the hour peaks. Hour peaks
    are tested only when ``hours`` (the timestamps carry a time of day). Only survivors
    are stated; otherwise one honest sentence says there is no reliable rhythm.

    Parameters
    ----------
    peaks : pandas.DataFrame
        Output of :func:`activity_peaks`; the last row covers all channels.
    log : helpers.presentation.findings.FindingLog
        Receives one finding per tested peak.
    hours : bool
        Whether the timestamps carry a time of day (capabilities ``time_of_day``).
    language : {"en", "zh"}

    Returns
    -------
    list of str
        The sentences to show (at most one for all channels and one for the sharpest
        channel per dimension, or the fallback).
    """
    if peaks.empty:
        return []

    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.finding.{key}", language, **values)

    def label(ch):
        return t("activity_all") if ch == "all" else f"**{ch}**"

    out = []
    dims = [("weekday", 7)] + ([("hour", 24)] if hours else [])
    for dim, cells in dims:
        texts = [t(f"activity_{dim}_peak", who=label(r.channel),
                   when=(weekday_name(r.peak_weekday, language) if dim == "weekday"
                         else f"{int(r.peak_hour)}:00"),
                   share=_pct(getattr(r, f"{dim}_share")), even=f"{1 / cells:.0%}")
                 for r in peaks.itertuples()]
        fallback = t(f"activity_no_{dim}", n=f"{len(peaks):,}")
        found = log.family(
            texts, peaks[f"{dim}_p"], test="binomial share vs even spread",
            family=f"activity peak by {dim}", effects=peaks[f"{dim}_share"],
            ns=peaks["interactions"], effect_label="share of interactions", fallback=fallback,
            impacts=[0.15] * len(peaks))
        overall = found[-1]
        channel = sorted([(float(sh), f) for sh, f in zip(peaks[f"{dim}_share"].iloc[:-1],
                                                           found[:-1], strict=True)
                          if f.stated], key=lambda x: -x[0])
        said = [f.text for f in ([overall] if overall.stated else [])
                + ([channel[0][1]] if channel else [])]
        out.append(" ".join(said) if said else fallback)
    return out


def committee_finding(committee: pd.DataFrame, language: str = "en", *, alpha: float = 0.05,
                      method: str = "bh", log=None) -> str:
    """The finding on committee sizes; empty without two known segments or decision makers.

    The segment with the largest committees is named only when its sizes differ from the
    other accounts' (``size_p`` of :func:`buying_committee`), corrected over the segments
    (in ``log`` when given, else with ``alpha`` and ``method``); otherwise the sentence
    says no segment differs reliably.

    Parameters
    ----------
    committee : pandas.DataFrame
        Output of :func:`buying_committee`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    seg_rows = known_segments(committee)
    if len(seg_rows) < 2 or "share_decision_maker" not in committee:
        return ""
    small_c, large_c = seg_rows.iloc[0], seg_rows.sort_values("committee_median").iloc[-1]
    raw = seg_rows["size_p"] if "size_p" in seg_rows else pd.Series(np.nan, index=seg_rows.index)
    if log is not None:
        found = log.family(
            [i18n.t("customer_profiling.finding.committee_segment", language, segment=r.segment,
                    median=f"{r.committee_median:.0f}") for r in seg_rows.itertuples()],
            raw, test="Mann-Whitney U", family="committee size by segment",
            effects=seg_rows["committee_median"], ns=seg_rows["accounts"],
            levels=seg_rows["segment"], effect_label="median contacts",
            impacts=[0.15] * len(seg_rows))
        ok = dict(zip(seg_rows.index, [f.stated for f in found], strict=True))
    else:
        adj = multiple_testing.adjust(raw.to_numpy(dtype=float), method)
        ok = dict(zip(seg_rows.index, np.isfinite(adj) & (adj < alpha), strict=True))
    if not ok.get(large_c.name, False) or large_c.committee_median <= small_c.committee_median:
        return i18n.t("customer_profiling.finding.committee_flat", language,
                      median=f"{committee.iloc[-1].committee_median:.0f}")
    return i18n.t("customer_profiling.finding.committee", language,
                  median=f"{committee.iloc[-1].committee_median:.0f}", large=large_c.segment,
                  large_median=f"{large_c.committee_median:.0f}",
                  large_dm=_pct(large_c.share_decision_maker),
                  small_median=f"{small_c.committee_median:.0f}", small=small_c.segment)


def cycle_finding(cycle: pd.DataFrame, language: str = "en", *, min_closed: int = 30,
                  alpha: float = 0.05, method: str = "bh", log=None) -> str:
    """The finding on win rate and sales-cycle length; each figure only when known.

    A segment is named for winning most often only when its win rate differs from the
    other segments' in Fisher's exact test, corrected over the segments with enough closed
    opportunities (in ``log`` when given, else with ``alpha`` and ``method``).

    Parameters
    ----------
    cycle : pandas.DataFrame
        Output of :func:`sales_cycle`.
    language : {"en", "zh"}
    min_closed : int
        Closed opportunities a segment needs to be tested.
    alpha, method : float, str
        Level and correction when no ``log`` is given.
    log : helpers.presentation.findings.FindingLog, optional

    Returns
    -------
    str
        The "no closed opportunity" note when nothing is closed.
    """
    allrow = cycle.iloc[-1]
    if not allrow.closed:
        return i18n.t("customer_profiling.no_closed", language)
    if not _known(allrow.cycle_won_median_days):
        return i18n.t("customer_profiling.finding.cycle_no_days", language,
                      closed=f"{allrow.closed:,}", win_rate=_pct(allrow.win_rate))
    text = i18n.t("customer_profiling.finding.cycle", language, closed=f"{allrow.closed:,}",
                  win_rate=_pct(allrow.win_rate), days=f"{allrow.cycle_won_median_days:.0f}")
    seg_rows = known_segments(cycle).set_index("segment")
    seg_rows = seg_rows[(seg_rows["closed"] >= min_closed) & seg_rows["win_rate"].notna()
                        & seg_rows["cycle_won_median_days"].notna()]
    if len(seg_rows) < 2:
        return text
    won, closed = seg_rows["won"].to_numpy(float), seg_rows["closed"].to_numpy(float)
    tests = [multiple_testing.lift_test(w, c, allrow.won - w, allrow.closed - c)
             for w, c in zip(won, closed, strict=True)]
    lifts = np.array([r["lift"] for r in tests], dtype=float)
    raw = [r["p_value"] for r in tests]
    # each segment's claim points the way its own rate does
    texts = [i18n.t("customer_profiling.finding.cycle_best" if lift > 1 else
                    "customer_profiling.finding.cycle_less", language, segment=seg,
                    win_rate=_pct(seg_rows.win_rate[seg]),
                    days=f"{seg_rows.cycle_won_median_days[seg]:.0f}").strip()
             for seg, lift in zip(seg_rows.index, lifts, strict=True)]
    if log is not None:
        found = log.family(texts, raw, test="Fisher exact", family="win rate by segment",
                           effects=lifts, ns=closed.astype(int), levels=list(seg_rows.index),
                           effect_label="win-rate ratio", impacts=[0.25] * len(texts))
        ok = np.array([f.stated for f in found], dtype=bool)
    else:
        adj = multiple_testing.adjust(raw, method)
        ok = np.isfinite(adj) & (adj < alpha)
    ok &= lifts > 1
    if ok.any():
        rates = np.where(ok, seg_rows["win_rate"].to_numpy(float), -1.0)
        text += " " * (language == "en") + texts[int(np.argmax(rates))]
    return text


#: chart kinds :func:`chart_alt` can describe (``customer_profiling.alt.<kind>``)
ALT_KINDS = ("bar", "bars", "grouped", "stacked", "heatmap", "histogram", "scatter", "lift",
             "matrix")


def chart_alt(kind: str, what: str, values: pd.Series | None = None, *, language: str = "en",
              fmt: str = "{:,.0f}", unit: str = "", detail: str = "") -> str:
    """A data-driven alt text: what the chart is, and its largest value.

    Parameters
    ----------
    kind : str
        One of :data:`ALT_KINDS` (``"bar"`` reads "Bar chart of ...").
    what : str
        What is charted, in the report language ("whitespace potential by product line").
    values : pandas.Series, optional
        Charted values indexed by label; the largest known one is named.
    language : {"en", "zh"}
    fmt, unit : str
        Format of the largest value and a unit after it (`` EUR``, ``%``).
    detail : str
        A further clause in the report language, appended as is.

    Returns
    -------
    str
        E.g. ``"Bar chart of revenue by industry; the largest is Manufacturing at 12,345 EUR."``
    """
    if kind not in ALT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ALT_KINDS)}, not {kind!r}")

    def t(key: str, **fields) -> str:
        return i18n.t(f"customer_profiling.alt.{key}", language, **fields)

    if language == "en" and what[1:2].islower():  # a chart title inside a sentence
        what = what[:1].lower() + what[1:]
    text = t(kind, what=what)
    known = (pd.to_numeric(pd.Series(values), errors="coerce").replace([np.inf, -np.inf], np.nan)
             .dropna() if values is not None else pd.Series(dtype=float))
    if len(known):
        text += t("largest", top=str(known.idxmax()), value=fmt.format(known.max()) + unit)
    if detail:
        text += t("detail", detail=detail)
    return text + t("end")


def peak_detail(peaks: pd.DataFrame, language: str = "en", *, rename: dict | None = None) -> str:
    """The sharpest weekday peak as a clause for a chart's alt text, or ``""``.

    Parameters
    ----------
    peaks : pandas.DataFrame
        :func:`activity_peaks` output.
    language : {"en", "zh"}
    rename : dict, optional
        Display names of channels (``"all"`` in the report language).

    Returns
    -------
    str
        E.g. ``"email peaks on Tuesday with 24% of its interactions"``.
    """
    known = peaks.dropna(subset=["weekday_share", "peak_weekday"]) if len(peaks) else peaks
    if known.empty:
        return ""
    top = known.loc[known["weekday_share"].astype(float).idxmax()]
    return i18n.t("customer_profiling.alt.peak", language,
                  channel=(rename or {}).get(top["channel"], top["channel"]),
                  weekday=weekday_name(top["peak_weekday"], language),
                  share=f"{float(top['weekday_share']):.0%}")


def pains_finding(pains: pd.DataFrame, distinct: pd.DataFrame, language: str = "en") -> str:
    """The most mentioned pain point overall and up to four distinctive ones.

    Parameters
    ----------
    pains : pandas.DataFrame
        :func:`pain_points`, not empty (the overall rows have segment ``"All"``, largest
        share first).
    distinct : pandas.DataFrame
        :func:`distinctive_pain_points`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    t = i18n.t
    top = pains[pains.segment == "All"].iloc[0]
    text = t("customer_profiling.finding.pains", language, pain=top.pain_point,
             share=f"{top.share:.0%}", responses=f"{top.responses:,}")
    if distinct.empty:
        return text + t("customer_profiling.finding.no_distinct", language)
    items = t("customer_profiling.join.parts", language).join(
        t("customer_profiling.finding.distinct_item", language, segment=r.segment, pain=r.pain_point,
          share=f"{r.share:.0%}", lift=f"{r.lift:.1f}") for r in distinct.head(4).itertuples())
    return text + t("customer_profiling.finding.distinct", language, items=items)
