"""The budget report's data-dependent sentences and alt texts.

Built here so the notebook's cells stay short steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.budget.plan import BudgetFrame
from helpers.analysis.budget.views import channel_label, value_label
from helpers.analysis.response_curves import about
from helpers.presentation import i18n

__all__ = [
    "control_sentence",
    "explain_mix",
    "frame_sentence",
    "keep_reason",
    "overspend_list",
    "periods_note",
    "reallocation_sentence",
    "scenario_sentence",
    "scenarios_alt",
    "shares_alt",
    "signed",
    "split_story",
    "tiers_sentence",
    "top_row",
]


def keep_reason(support: pd.DataFrame, code: str, language: str = "en") -> str:
    """Why the current split is kept, in words, for a reason code of :func:`plan_supported`.

    Parameters
    ----------
    support : pandas.DataFrame
        From :func:`shift_support`; names the channels behind a channel-level reason.
    code : str
        Reason code from :func:`plan_supported`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    sep = i18n.t("budget_allocation.list_sep", language)
    channels = sep.join(support.loc[support["reason"] == code, "channel"].astype(str)) \
        if len(support) else ""
    return i18n.t(f"budget_allocation.keep_why.{code or 'no_move'}", language,
                  channels=channels or "–")


def signed(value: float, spec: str = "+,.0f") -> str:
    """A signed number for a sentence, or "–" when it is missing or infinite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return format(v, spec) if math.isfinite(v) else "–"


def explain_mix(table: pd.DataFrame, *, outcome_label: str = "outcome",
                rel_tol: float = 0.01, language: str = "en") -> str:
    """One or two plain sentences on what the proposed mix changes and why.

    When the proposal equals the current plan (every channel within ``rel_tol`` of the
    budget), the sentence says why: the bounds leave no room, or the current mix already
    has equal marginal returns. ``language`` ({"en", "zh"}) picks the language.
    """
    say = i18n.scoped("budget_allocation.mix", language)

    budget = max(float(table["proposed"].sum()), 1.0)
    gain = float(table["outcome_proposed"].sum() - table["outcome_current"].sum())
    base = float(table["outcome_current"].sum())
    moved = float(table["change"].abs().sum()) / 2
    if moved <= rel_tol * budget:
        room = (table["upper"] - table["lower"]).abs() <= rel_tol * budget / max(len(table), 1)
        pinned = table["binding"].ne("")
        if room.all():
            why = say("why_no_room")
        elif pinned.all():
            why = say("why_pinned")
        else:
            free = table[~pinned]
            spread = free["marginal_roi_current"].agg(["min", "max"])
            why = say("why_equal", outcome=outcome_label, low=f"{spread['min']:.3g}",
                      high=f"{spread['max']:.3g}")
        return say("unchanged", why=why)
    down = table[table["change"] < -rel_tol * budget / len(table)].sort_values("change")
    up = table[table["change"] > rel_tol * budget / len(table)].sort_values("change",
                                                                               ascending=False)
    sep = say("list_sep")
    text = (say("moves", moved=f"{moved:,.0f}", down=sep.join(down["channel"]) or "-",
                up=sep.join(up["channel"]) or "-", outcome=outcome_label, gain=f"{gain:,.1f}",
                gain_pct=f"{gain / base:+.1%}") if base > 0 else
            say("moves_between", moved=f"{moved:,.0f}"))
    bound = table[table["binding"].ne("")]
    if len(bound):
        text += say("bound_sep") + sep.join(
            say("stops", channel=r.channel, binding=value_label("binding", r.binding, language))
            for r in bound.itertuples())
    return text + say("end")


def shares_alt(shares: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
               language: str = "en") -> str:
    """Alt text of :func:`plot_shares`: what the chart shows and its largest recommended share."""
    labels = labels or {}
    if not len(shares) or shares["spend_proposed"].isna().all():
        return i18n.t("budget_allocation.alt.shares_empty", language)
    top = shares.loc[shares["spend_proposed"].idxmax()]
    best = shares.loc[shares["outcome_proposed"].fillna(-1).idxmax()]
    return i18n.t("budget_allocation.alt.shares", language, n=len(shares),
                  channel=labels.get(top.channel, top.channel),
                  spend=f"{top.spend_proposed:.0%}",
                  best=labels.get(best.channel, best.channel),
                  outcome=f"{best.outcome_proposed:.0%}")


def top_row(table: pd.DataFrame, column: str) -> pd.Series:
    """The row of ``table`` with the largest value in ``column`` (the first on ties).

    Parameters
    ----------
    table : pandas.DataFrame
        Not empty.
    column : str

    Returns
    -------
    pandas.Series
    """
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    return table.iloc[int(np.nanargmax(values))]


def periods_note(periods: pd.DataFrame, *, channels: int, labels: Mapping[str, str],
                 account_channels: Iterable[str], unit: str, language: str = "en") -> str:
    """The spend history behind the curves in one sentence.

    Parameters
    ----------
    periods : pandas.DataFrame
        ``period_start, outcome, …`` per channel and period (see
        :func:`helpers.analysis.response_curves.channel_periods`).
    channels : int
        Number of channels with a curve.
    labels : mapping of str to str
        Channel names as the reader reads them.
    account_channels : iterable of str
        Channels planned by value tier instead of by curve.
    unit : str
        The outcome, as a word.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    sep = i18n.t("budget_allocation.list_sep", language)
    starts = pd.to_datetime(periods["period_start"])
    separate = sep.join(labels.get(ch, str(ch)) for ch in account_channels)
    return i18n.t("budget_allocation.periods", language, n=starts.nunique(),
                  first=f"{starts.min():%Y-%m}", last=f"{starts.max():%Y-%m}", channels=channels,
                  total=f"{periods['outcome'].sum():,.0f}", unit=unit,
                  separate=separate or i18n.t("budget_allocation.none", language))


def split_story(mix: pd.DataFrame, gain: Mapping[str, float], support: pd.DataFrame,
                shift_code: str | None, *, channel_budget: float, labels: Mapping[str, str],
                shift_ok: bool, unit: str, currency: str, language: str = "en") -> dict[str, Any]:
    """The recommended split, or the reason to keep the current one, as sentences.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`mix_table`.
    gain : mapping
        From :func:`plan_gain` (``proposed, current, gain, gain_pct, gain_low, gain_high``).
    support : pandas.DataFrame
        From :func:`shift_support`.
    shift_code : str or None
        Reason code from :func:`plan_supported`.
    channel_budget : float
    labels : mapping of str to str
        Channel names as the reader reads them.
    shift_ok : bool
        Whether the shift is backed (:func:`plan_supported`).
    unit, currency : str
    language : {"en", "zh"}

    Returns
    -------
    dict
        ``gain_md`` and ``keep_md`` (markdown), ``gain`` and ``keep`` (the same as plain
        text, for findings), ``keep_why``, ``moved`` (amount that changes channel),
        ``impact`` (its weight for the brief) and ``action``.
    """
    from helpers.presentation import findings

    say = i18n.scoped("budget_allocation", language)

    sep = say("list_sep")
    shown = mix.assign(channel=mix["channel"].map(labels))
    ups = shown[shown["change"] > 0].sort_values("change", ascending=False)
    downs = shown[shown["change"] < 0].sort_values("change")
    moved = float(mix["change"].abs().sum() / 2)
    values = dict(budget=f"{channel_budget:,.0f}", currency=currency, unit=unit,
                  proposed=f"{gain['proposed']:,.0f}", current=f"{gain['current']:,.0f}",
                  gain=signed(gain["gain"]), gain_pct=signed(gain["gain_pct"], "+.1%"),
                  low=signed(gain["gain_low"]), high=signed(gain["gain_high"]))
    gain_md = say("split", split=sep.join(f"{r.channel} {r.proposed:,.0f}" for r in shown.itertuples()),
                  **values)
    if len(ups):
        gain_md += say("largest_increase", channel=ups.iloc[0].channel, change=f"{ups.iloc[0].change:+,.0f}")
    if len(downs):
        gain_md += say("largest_cut", channel=downs.iloc[0].channel, change=f"{downs.iloc[0].change:+,.0f}")
    keep_why = keep_reason(support.assign(channel=support["channel"].map(labels)), shift_code, language)
    keep_md = say("keep_split", why=keep_why, **values)
    action = (say("action.shift", amount=f"{moved:,.0f}", currency=currency,
                  donors=sep.join(downs["channel"]) or "–", takers=sep.join(ups["channel"]) or "–")
              if shift_ok else say("action.keep"))
    return {"gain_md": gain_md, "keep_md": keep_md, "gain": gain_md.replace("**", ""),
            "keep": keep_md.replace("**", ""), "keep_why": keep_why, "moved": moved,
            "impact": findings.impact_weight(moved, channel_budget), "action": action}


def frame_sentence(frame: BudgetFrame, *, currency: str, language: str = "en") -> str:
    """The budget frame in one sentence: reserve and fixed lines held back, the rest split.

    Parameters
    ----------
    frame : BudgetFrame
        From :func:`budget_frame`.
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    return i18n.t(
        "budget_allocation.frame", language, total=f"{frame.total:,.0f}", currency=currency,
        derived=i18n.t("budget_allocation.frame_derived", language) if frame.derived_total else "",
        reserve=f"{frame.reserve:,.0f}", reserve_pct=f"{frame.reserve_pct:.0%}",
        fixed=f"{frame.fixed_total:,.0f}", allocatable=f"{frame.allocatable:,.0f}",
        account=f"{frame.account_facing:,.0f}", channel=f"{frame.channel_budget:,.0f}")


def scenarios_alt(scenarios: pd.DataFrame, *, unit: str, language: str = "en") -> str:
    """Alt text of the scenario chart: the optimal against the current outcome.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        From :func:`scenario_table` (with the ``optimal`` and ``current`` scenarios).
    unit : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    s = scenarios.set_index("scenario")["outcome"]
    return i18n.t("budget_allocation.alt.scenarios", language, unit=unit,
                  optimal=f"{s['optimal']:,.0f}", current=f"{s['current']:,.0f}")


def scenario_sentence(scenarios: pd.DataFrame, *, unit: str, currency: str,
                      language: str = "en") -> str:
    """What cutting, adding and widening the bounds do to the outcome, and the target budget.

    Parameters
    ----------
    scenarios : pandas.DataFrame
        From :func:`scenario_table`.
    unit, currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    s = scenarios.set_index("scenario")
    best = s.loc["optimal", "outcome"]
    text = i18n.t("budget_allocation.scenarios", language, unit=unit,
                  cut=f"{1 - s.loc['budget -20%', 'outcome'] / best:.0%}",
                  add=f"{s.loc['budget +20%', 'outcome'] / best - 1:+.0%}",
                  wide=f"{s.loc['bounds x3', 'outcome'] / best - 1:+.1%}")
    target = s.loc["target efficiency", "budget"] if "target efficiency" in s.index else np.nan
    if pd.notna(target):
        return text + i18n.t("budget_allocation.target_budget", language, budget=f"{target:,.0f}",
                             currency=currency)
    return text + i18n.t("budget_allocation.target_missed", language)


def tiers_sentence(tiers: pd.DataFrame, key_account_budgets: pd.DataFrame, *, budget: float,
                   revenue_clv: bool, uplift_rate: float, currency: str, language: str = "en") -> str:
    """The account-facing budget across value tiers in one sentence.

    Parameters
    ----------
    tiers, key_account_budgets : pandas.DataFrame
        From :func:`tier_allocation`.
    budget : float
        The account-facing budget.
    revenue_clv : bool
        Whether the tiers rest on revenue CLV (no margins in the data) rather than profit CLV.
    uplift_rate : float
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    from helpers.analysis import key_accounts

    top = top_row(tiers, "budget")
    largest = f"{key_account_budgets['budget'].max():,.0f}" if len(key_account_budgets) else "–"
    return i18n.t("budget_allocation.tiers_revenue" if revenue_clv else "budget_allocation.tiers",
                  language, budget=f"{budget:,.0f}", currency=currency, share=f"{top.share:.0%}",
                  tier=key_accounts.value_label("tier", top.tier, language),
                  n=len(key_account_budgets), largest=largest, uplift=f"{uplift_rate:.0%}")


def overspend_list(table: pd.DataFrame | None, language: str = "en") -> str:
    """Channels with their variance, "events (+12%), email (+8%)"; empty for no rows.

    Parameters
    ----------
    table : pandas.DataFrame or None
        ``channel, variance_pct`` rows (channel names as shown).
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    if table is None:
        return ""
    return i18n.t("budget_allocation.list_sep", language).join(
        i18n.t("budget_allocation.overspend_item", language, channel=r.channel, pct=f"{r.variance_pct:+.0%}")
        for r in table.itertuples())


def control_sentence(over: pd.DataFrame, swings: pd.DataFrame | None, *, plan_file: str = "",
                     review_periods: int = 6, tolerance: float = 0.05, language: str = "en") -> str:
    """The plan checked against and the channels that overspend, in words.

    Parameters
    ----------
    over : pandas.DataFrame
        The overspending channels (``channel, variance_pct``, names as shown).
    swings : pandas.DataFrame or None
        From :func:`checked_control`; channel names are turned into labels here.
    plan_file : str
    review_periods : int
    tolerance : float
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    say = i18n.scoped("budget_allocation", language)

    text = (say("plan_file", plan_file=f"`{plan_file}`") if plan_file
            else say("plan_trailing", review=review_periods))
    text += (say("overspend", channels=overspend_list(over, language)) if len(over)
             else say("no_overspend", tolerance=f"{tolerance:.0%}"))
    if not plan_file and swings is not None and len(swings):
        shown = swings.assign(channel=[channel_label(ch, language) for ch in swings["channel"]])
        text += say("overspend_swings", channels=overspend_list(shown, language))
    return text


def reallocation_sentence(moves: pd.DataFrame, threshold: float, *, labels: Mapping[str, str],
                          shift_ok: bool, keep_why: str, unit: str, one_unit: str, currency: str,
                          language: str = "en") -> str:
    """The reallocation threshold and the move it suggests, in words.

    A move is not suggested when the recommended shift is not backed (``shift_ok`` false);
    the sentence then gives ``keep_why``.

    Parameters
    ----------
    moves : pandas.DataFrame
        From :func:`reallocation` (``channel, action, suggested_change``).
    threshold : float
        Marginal ROI threshold from :func:`reallocation`.
    labels : mapping of str to str
    shift_ok : bool
    keep_why : str
    unit, one_unit, currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    say = i18n.scoped("budget_allocation", language)

    sep = say("list_sep")
    give = moves[moves["action"].eq("reduce").to_numpy()]
    take = moves[moves["action"].eq("increase").to_numpy()]
    if not len(give):
        move = say("no_move")
    elif not shift_ok:
        move = say("no_move_gated", why=keep_why)
    else:
        move = say("move", amount=f"{-give['suggested_change'].sum():,.0f}", currency=currency,
                   donors=sep.join(give["channel"].map(labels)),
                   takers=sep.join(take["channel"].map(labels)) or say("above_threshold"))
    return say("threshold", threshold=about(threshold * 1000), unit=unit, currency=currency,
               one_unit=one_unit, cost=f"{1 / threshold:,.0f}") + move
