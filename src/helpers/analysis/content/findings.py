"""The report's comparative claims as findings, each stated only when its test holds.

Findings are those of :mod:`helpers.presentation.findings`; a claim is stated when its test
survives the correction of its family.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from helpers.analysis.content.evidence import _conversion_counts, _test_name, rate_tests
from helpers.analysis.content.formats import format_value
from helpers.analysis.content.labels import (
    DASH,
    UNKNOWN_LABELS,
    _t,
    is_known,
    md_escape,
    md_label,
    value_label,
    weekday_name,
)
from helpers.presentation import findings as fnd
from helpers.stats import multiple_testing as mt

__all__ = [
    "channel_lead_finding",
    "finding_lines",
    "leaderboard_finding",
    "leaderboard_sentence",
    "performance_findings",
    "preference_action",
    "preference_finding",
    "preference_sentence",
    "send_time_findings",
    "stage_findings",
]


def performance_findings(by_category: pd.DataFrame, by_type: pd.DataFrame, *,
                         window_days: int, confidence: float, alpha: float = 0.05,
                         method: str = "bh", language: str = "en") -> list:
    """The best content category and the most credible content type, as findings.

    Each is tested against the other groups of its table (:func:`rate_tests`, one family
    per table: the categories, and the ranked types) and stated only when it converts
    reliably better than the rest; otherwise its fallback says no group differs.

    Returns
    -------
    list of helpers.presentation.findings.Finding
        Up to two findings (category, type); empty groups give none.
    """
    pct = "percent"
    out = []
    cats = by_category[by_category["conversion_rate"].map(is_known)
                       & ~by_category["content_category"].isin(UNKNOWN_LABELS)]
    if len(cats):
        tested = rate_tests(by_category, label="content_category", **_conversion_counts(by_category),
                            alpha=alpha, method=method,
                            keep=pd.Series(by_category.index.isin(cats.index), by_category.index))
        best = tested.loc[cats["conversion_rate"].idxmax()]
        size = int(tested.attrs["family_size"])
        if size < 2:  # one category: its rate is a fact, there is nothing to be best among
            out.append(fnd.fact(_t(
                "performance_single", language, category=md_label("category", best["content_category"], language),
                rate=format_value(best["conversion_rate"], pct), days=window_days,
                level=f"{confidence:.0%}", low=format_value(best["conversion_rate_low"], pct),
                high=format_value(best["conversion_rate_high"], pct)),
                n=int(best["reached_accounts"])))
            cats = cats.head(0)
    if len(cats):
        out.append(fnd.comparison(
            _t("performance_best", language, category=md_label("category", best["content_category"], language),
               rate=format_value(best["conversion_rate"], pct), days=window_days,
               level=f"{confidence:.0%}", low=format_value(best["conversion_rate_low"], pct),
               high=format_value(best["conversion_rate_high"], pct)),
            test=_test_name(tested, "categories"), p_value=best["p_value"],
            p_adjusted=best["p_adjusted"] if best["lift"] > 1 else 1.0, alpha=alpha,
            effect=best["lift"], low=best["lift_low"], high=best["lift_high"],
            n=int(best["touches"]), family=_t("family.categories", language),
            family_size=size, method=method, effect_label="lift",
            fallback=fnd.no_difference(size, _t("what.categories", language), language),
            impact=0.4, action=_t("performance_best_action", language,
                                  category=value_label("category", best["content_category"], language)),
            level=best["content_category"], language=language))
    types = by_type[~by_type["below_min_sample"].astype(bool)
                    & by_type["conversion_rate_low"].map(is_known)
                    & ~by_type["content_type"].isin(UNKNOWN_LABELS)]
    if len(types):
        tested = rate_tests(by_type, label="content_type", **_conversion_counts(by_type),
                            alpha=alpha, method=method,
                            keep=pd.Series(by_type.index.isin(types.index), by_type.index))
        top = tested.loc[types.sort_values(["conversion_rate_low", "content_type"],
                                           ascending=[False, True]).index[0]]
        size = int(tested.attrs["family_size"])
        if size < 2:  # a single ranked type is not the best of anything
            return out
        out.append(fnd.comparison(
            _t("performance_type", language, type=md_label("content_type", top["content_type"], language),
               type_rate=format_value(top["conversion_rate"], pct),
               type_low=format_value(top["conversion_rate_low"], pct)),
            test=_test_name(tested, "types"), p_value=top["p_value"],
            p_adjusted=top["p_adjusted"] if top["lift"] > 1 else 1.0, alpha=alpha,
            effect=top["lift"], low=top["lift_low"], high=top["lift_high"],
            n=int(top["touches"]), family=_t("family.types", language),
            family_size=size, method=method, effect_label="lift",
            fallback=fnd.no_difference(size, _t("what.types", language), language),
            impact=0.35, level=top["content_type"], language=language))
    return out


def _unbullet(text: str) -> str:
    return text[2:] if text.startswith("- ") else text


def finding_lines(found: Iterable) -> str:
    """Markdown for a family of findings: one bullet per stated claim, else its fallback.

    Parameters
    ----------
    found : iterable of helpers.presentation.findings.Finding

    Returns
    -------
    str
        "" when the family is empty.
    """
    found = list(found)
    said = fnd.FindingLog.summary(found)
    if any(f.stated for f in found):
        return "\n".join(f"- {text}" for text in said)
    return "\n".join(said)


def send_time_findings(tested: pd.DataFrame, *, hours: bool, alpha: float = 0.05,
                       method: str = "bh", language: str = "en") -> list:
    """One finding per channel with enough data, from :func:`send_time_tests`.

    Parameters
    ----------
    tested : pandas.DataFrame
    hours : bool
        Whether the cells are weekday-hour windows (else weekdays).
    alpha, method
        As used for the tests (recorded as evidence).
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
        Empty when no channel has enough touches; the first carries the honest fallback
        ("no send window stands out ...").
    """
    ok = tested[tested["enough_data"].astype(bool)] if len(tested) else tested
    if ok.empty:
        return []
    size = int(tested.attrs.get("family_size", len(ok)))
    fallback = _t("timing_no_peak" if hours else "timing_day_no_peak", language,
                  n=len(ok), cells=f"{size:,}")
    out = []
    for k, r in enumerate(ok.itertuples()):
        day = weekday_name(r.weekday_name, language)
        if hours:
            text = _t("timing", language, channel=md_label("channel", r.channel, language), weekday=day,
                      start=f"{int(r.hour_start):02d}", end=f"{int(r.hour_end):02d}",
                      share=format_value(r.share, "percent0"), touches=f"{r.touches:,}",
                      lift=f"{r.lift:.1f}")
            action = _t("timing_action", language, channel=value_label("channel", r.channel, language),
                        weekday=day,
                        start=f"{int(r.hour_start):02d}", end=f"{int(r.hour_end):02d}")
        else:
            text = _t("timing_day", language, channel=md_label("channel", r.channel, language), weekday=day,
                      share=format_value(r.share, "percent0"), touches=f"{r.touches:,}",
                      lift=f"{r.lift:.1f}")
            action = _t("timing_day_action", language, channel=value_label("channel", r.channel, language),
                        weekday=day)
        out.append(fnd.comparison(
            _unbullet(text), test="binomial vs even spread", p_value=r.p_value, p_adjusted=r.p_adjusted,
            alpha=alpha, effect=r.lift, n=int(r.touches), family=_t(
                "family.timing" if hours else "family.timing_day", language),
            family_size=size, method=method, effect_label="x even spread",
            fallback=fallback if k == 0 else "", impact=0.25, action=action,
            level=r.channel, language=language))
    return out


def leaderboard_sentence(board: pd.DataFrame, assets: pd.DataFrame, *, confidence: float,
                         min_sample: int, language: str = "en") -> str:
    """The finding of the leaderboard: its top asset and how many assets are not ranked.

    Parameters
    ----------
    board : pandas.DataFrame
        :func:`leaderboard` rows shown (not empty).
    assets : pandas.DataFrame
        :func:`content_performance` by ``content_id``.
    confidence : float
    min_sample : int
    language : {"en", "zh"}

    Returns
    -------
    str
        The asset's category is named only when it has one.
    """
    top = board.iloc[0]
    category = top.get("content_category")
    known = is_known(category) and str(category).strip() not in ("", *UNKNOWN_LABELS)
    values = dict(title=md_escape(top["title"]), rate=format_value(top["conversion_rate"], "percent"),
                  reached=f"{int(top['reached_accounts']):,}", level=f"{confidence:.0%}",
                  low=format_value(top["conversion_rate_low"], "percent"),
                  high=format_value(top["conversion_rate_high"], "percent"),
                  small=int(assets["below_min_sample"].sum()), n=len(assets),
                  min_sample=min_sample)
    if known:
        return _t("leaderboard", language, category=md_label("category", category, language),
                  **values)
    return _t("leaderboard_no_category", language, **values)


def leaderboard_finding(board: pd.DataFrame, assets: pd.DataFrame, *, confidence: float,
                        min_sample: int, alpha: float = 0.05, method: str = "bh",
                        language: str = "en"):
    """The leaderboard's top asset as a finding, stated only when it beats the rest.

    Parameters
    ----------
    board : pandas.DataFrame
        :func:`leaderboard` rows shown (not empty); they carry the family test.
    assets : pandas.DataFrame
        :func:`content_performance` by ``content_id``.
    confidence, min_sample
        As used for the table.
    alpha, method
        As used for the family test.
    language : {"en", "zh"}

    Returns
    -------
    helpers.presentation.findings.Finding
        The claim of :func:`leaderboard_sentence` plus the lift over the rest; the
        fallback says no ranked asset converts reliably better and how many were not ranked.
    """
    top = board.iloc[0]
    size = int(board.attrs.get("family_size", len(board)))
    text = leaderboard_sentence(board, assets, confidence=confidence, min_sample=min_sample,
                                language=language)
    lift = top.get("lift", np.nan)
    if _times(lift) != DASH:
        text += _t("leaderboard_lift", language, lift=_times(lift))
    fallback = _t("leaderboard_no_leader", language, ranked=size,
                  small=int(assets["below_min_sample"].sum()), n=len(assets),
                  min_sample=min_sample)
    won = pd.to_numeric(assets.get("won_revenue"), errors="coerce")
    impact = fnd.impact_weight(top.get("won_revenue", np.nan), won.sum() if won is not None
                               else np.nan)
    return fnd.comparison(
        text, test=_test_name(board, "assets"), p_value=top.get("p_value", np.nan),
        p_adjusted=top.get("p_adjusted", np.nan) if top.get("lift", 0) > 1 else 1.0,
        alpha=alpha, effect=lift, low=top.get("lift_low", np.nan),
        high=top.get("lift_high", np.nan), n=int(top.get("touches", top["reached_accounts"])),
        family=_t("family.assets", language), family_size=size, method=method,
        effect_label="lift", fallback=fallback, impact=impact,
        action=_t("leaderboard_action", language, title=md_escape(top["title"])),
        level=top["title"], language=language)


def _times(value) -> str:
    """A ratio with one decimal, "–" when unknown (a rest without conversions)."""
    return f"{value:.1f}" if is_known(value) and np.isfinite(float(value)) else DASH


def stage_findings(best: pd.DataFrame, *, by: str = "content_category", confidence: float,
                   alpha: float = 0.05, method: str = "bh", language: str = "en") -> list:
    """One finding per stage from :func:`best_for_stage`; the first carries the fallback."""
    if best.empty:
        return []
    size = int(best.attrs.get("family_size", len(best)))
    fallback = _t("for_whom_none", language, cells=size)
    test = ("cluster-robust rate ratio by account and Fisher exact vs other content of the "
            "stage" if best.attrs.get("unit") == "account"
            else "Fisher exact vs other content of the stage")
    out = []
    for k, r in enumerate(best.itertuples()):
        category = getattr(r, by)
        text = _t("for_whom", language, category=md_label("category", category, language),
                  lift=_times(r.lift), stage=md_label("stage", r.stage, language), level=f"{confidence:.0%}", low=_times(r.lift_low),
                  high=_times(r.lift_high), touches=f"{r.touches:,}")
        out.append(fnd.comparison(
            _unbullet(text), test=test, p_value=r.p_value,
            p_adjusted=r.p_adjusted if r.lift > 1 else 1.0, alpha=alpha, effect=r.lift,
            low=r.lift_low, high=r.lift_high, n=int(r.touches),
            family=_t("family.stage", language), family_size=size, method=method,
            effect_label="lift", fallback=fallback if k == 0 else "", impact=0.45,
            action=_t("for_whom_action", language, category=value_label("category", category, language),
                     stage=value_label("stage", r.stage, language)),
            level=category, language=language))
    return out


def channel_lead_finding(tested: pd.DataFrame, ranked: pd.DataFrame, *, confidence: float,
                         alpha: float = 0.05, method: str = "bh", language: str = "en"):
    """The channel most often followed by an opportunity, stated only when it beats the rest.

    Parameters
    ----------
    tested : pandas.DataFrame
        :func:`channel_tests` of :func:`channel_comparison`.
    ranked : pandas.DataFrame
        :func:`rank_channels` of the comparison (not empty).
    confidence : float
        Coverage of the rank interval.
    alpha, method
        As used for the tests.
    language : {"en", "zh"}

    Returns
    -------
    helpers.presentation.findings.Finding or None
        None when no known channel is ranked.
    """
    lead = ranked[~ranked["channel"].isin(UNKNOWN_LABELS)] if len(ranked) else ranked
    if lead.empty:
        return None
    r = lead.iloc[0]
    row = tested.set_index("channel").loc[r["channel"]]
    size = int(tested.attrs.get("family_size", len(lead)))
    text = _t("lead_channel", language, channel=md_label("channel", r["channel"], language),
              rate=format_value(r["conversion_rate"], "percent0"),
              prob=format_value(r["prob_best"], "percent0"), low=int(r["rank_low"]),
              high=int(r["rank_high"]), level=f"{confidence:.0%}")
    if _times(row["lift"]) != DASH:
        text = text.rstrip() + _t("lift_over_rest", language, lift=_times(row["lift"]))
    won = pd.to_numeric(tested.get("won_value"), errors="coerce")
    return fnd.comparison(
        text, test=_test_name(tested, "channels"), p_value=row["p_value"],
        p_adjusted=row["p_adjusted"] if row["lift"] > 1 else 1.0, alpha=alpha,
        effect=row["lift"], low=row["lift_low"], high=row["lift_high"],
        n=int(row["touches"]), family=_t("family.channels", language),
        family_size=size, method=method, effect_label="lift",
        fallback=fnd.no_difference(size, _t("what.channels", language), language),
        impact=fnd.impact_weight(row.get("won_value", np.nan),
                                 won.sum() if won is not None else np.nan),
        action=_t("lead_channel_action", language, channel=value_label("channel", r["channel"], language)),
        level=r["channel"], language=language)


def preference_sentence(mix: pd.DataFrame, language: str = "en") -> str:
    """Which segment leans most towards one channel, from :func:`channel_mix`; "" if none.

    Needs at least two segments with touches: with one there is nothing to differ from.
    """
    mix = mix.dropna(how="all")
    mix = mix[~mix.index.isin(UNKNOWN_LABELS)]
    if len(mix) < 2 or mix.shape[1] == 0:
        return ""
    lean = (mix - mix.mean()).stack().idxmax()
    return _t("preferences", language, stage=md_label("stage", lean[0], language),
              channel=md_label("channel", lean[1], language),
              share=format_value(mix.loc[lean], "percent0"),
              average=format_value(mix[lean[1]].mean(), "percent0"))


def preference_finding(mix: pd.DataFrame, *, alpha: float = 0.05, language: str = "en"):
    """Which segment leans most towards one channel, gated by a test of independence.

    The segment x channel touch counts (shares of :func:`channel_mix` times its
    ``attrs["touches"]``) get a chi-square test of independence; the lean is stated only
    when segments and channels are related at ``alpha``. Touches of one account are not
    independent, so the test is lenient; it still silences pure noise.

    Returns
    -------
    helpers.presentation.findings.Finding or None
        None when fewer than two segments have touches.
    """
    text = preference_sentence(mix, language)
    if not text:
        return None
    mix = mix.dropna(how="all")
    mix = mix[~mix.index.isin(UNKNOWN_LABELS)]
    touches = pd.Series(mix.attrs.get("touches", {}), dtype=float).reindex(mix.index)
    counts = mix.fillna(0).mul(touches.fillna(0), axis=0).round()
    res = mt.independence_test(counts.to_numpy(float))
    return fnd.comparison(
        text, test="chi-square independence", p_value=res["p_value"],
        p_adjusted=res["p_value"], alpha=alpha, effect=res["cramers_v"],
        n=int(counts.to_numpy().sum()), family=_t("family.preference", language),
        family_size=1, method="none", effect_label="Cramér's V",
        fallback=_t("preferences_none", language, n=len(mix)), impact=0.2,
        action=preference_action(mix, language), language=language)


def preference_action(mix: pd.DataFrame, language: str = "en") -> str:
    """What to do about the strongest channel lean of :func:`channel_mix`; "" if none."""
    mix = mix.dropna(how="all")
    mix = mix[~mix.index.isin(UNKNOWN_LABELS)]
    if len(mix) < 2 or mix.shape[1] == 0:
        return ""
    stage, channel = (mix - mix.mean()).stack().idxmax()
    return _t("preferences_action", language, stage=value_label("stage", stage, language),
              channel=value_label("channel", channel, language))
