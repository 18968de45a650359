"""Report text of the attribution: the leading label as a finding and the sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.attribution.models import NO_TOUCH, UNKNOWN_LABELS, model_name
from helpers.analysis.attribution.queries import journey_transitions
from helpers.analysis.attribution.uncertainty import bootstrap_shares, leader_test, touch_shares
from helpers.analysis.content.labels import md_label, value_label
from helpers.presentation import findings as fnd
from helpers.presentation import i18n

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "attribution_lead_finding",
    "attribution_sentence",
    "content_attribution_sentence",
    "known_labels",
    "leader_finding",
]


def _t(key: str, language: str, **values) -> str:
    return i18n.t(f"content_evaluation.{key}", language, **values)


def _name(kind: str, value, language: str, *, markdown: bool = True) -> str:
    """A label in people's words (see :func:`helpers.analysis.content.value_label`), Markdown-safe."""
    return md_label(kind, value, language) if markdown else value_label(kind, value, language)


def _pct(value) -> str:
    return f"{value:.0%}" if pd.notna(value) and np.isfinite(value) else "–"


def known_labels(side: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`compare_models` for real labels: no ``(no touch)`` or ``(unknown)``."""
    return side[~side.index.isin(UNKNOWN_LABELS)]


def attribution_lead_finding(side: pd.DataFrame, test: dict, *, alpha: float = 0.05,
                             n: int = 0, key: str = "attribution_lead",
                             family: str = "attribution_leader", language: str = "en",
                             volume: pd.Series | None = None):
    """The label with the largest Markov share, stated only when it stands out.

    Parameters
    ----------
    side : pandas.DataFrame
        :func:`compare_models` (shares of all won opportunities).
    test : dict
        :func:`leader_test` of the bootstrap by the same label.
    alpha : float
        The leader is stated when its bootstrap p-value of not being ahead of the
        runner-up is below ``alpha`` (one comparison: the leader against the runner-up).
    n : int
        Journeys resampled.
    volume : pandas.Series, optional
        :func:`touch_shares` by the same label. A leader whose Markov share is not above
        its share of the touches only follows how often it is shown: it is not stated,
        and the fallback says so.
    key : str
        Text key of the claim (``attribution_lead`` or ``content_attribution_top``).
    family : str
        Text key of the family name.
    language : {"en", "zh"}

    Returns
    -------
    helpers.presentation.findings.Finding or None
        None when no real label has credit.
    """
    real = known_labels(side)
    if real.empty or not real.iloc[0].get("markov", 0) > 0:
        return None
    top = real.iloc[0]
    kind = "category" if key.startswith("content") else "channel"
    name = _name(kind, top.name, language)
    values = dict(markov=_pct(top.get("markov")), linear=_pct(top.get("linear")))
    text = _t(key, language, channel=name, category=name, **values)
    runner = test.get("runner_up")
    if runner is not None and runner in side.index:
        fallback = _t(f"{key}_none", language, leader=name,
                      runner=_name(kind, runner, language),
                      runner_markov=_pct(side.loc[runner].get("markov")), **values)
    else:
        fallback = ""
    p = test.get("p_value", np.nan) if test.get("leader") == top.name else np.nan
    share = np.nan if volume is None else float(volume.get(top.name, np.nan))
    if np.isfinite(share) and not top.get("markov", 0) > share:
        p = 1.0  # its credit follows its touch volume: no sign of doing more per touch
        fallback = _t(f"{key}_volume", language, leader=name, touch_share=_pct(share),
                      **values)
    return fnd.comparison(
        text, test="bootstrap and outcome permutation of journeys, leader vs runner-up",
        p_value=p, p_adjusted=p,
        alpha=alpha, effect=test.get("diff", np.nan), low=test.get("low", np.nan),
        high=test.get("high", np.nan), n=n, family=_t(f"family.{family}", language),
        family_size=1, method="none", effect_label="share difference", fallback=fallback,
        impact=fnd.impact_weight(top.get("markov", 0.0), 1.0),
        action=_t(f"{key}_action", language, channel=_name(kind, top.name, language, markdown=False),
                  category=_name(kind, top.name, language, markdown=False)),
        language=language)


def attribution_sentence(credits: pd.DataFrame, side: pd.DataFrame,
                         language: str = "en", *, lead=None) -> str:
    """The finding of the channel attribution, or "" when no won opportunity is attributed.

    Parameters
    ----------
    credits : pandas.DataFrame
        Output of :func:`attribute`.
    side : pandas.DataFrame
        :func:`compare_models` of it.
    language : {"en", "zh"}
    lead : helpers.presentation.findings.Finding, optional
        :func:`attribution_lead_finding`; when given, the leader is named only when it
        stands out from the runner-up, else the sentence says no label stands out.

    Returns
    -------
    str
        How many won opportunities; the label with the largest Markov share; and the label
        the models disagree on most, with why, when the models disagree at all. Only real
        labels lead: won opportunities without a touch keep their credit as ``(no touch)``.
    """
    won = int(credits.attrs.get("won", 0) or 0)
    if won <= 0 or side.empty:
        return ""
    text = _t("attribution_won", language, won=f"{won:,}")
    real = known_labels(side)
    if real.empty:
        return text
    top = real.iloc[0]
    if lead is not None:
        text += lead.shown
    else:
        text += _t("attribution_lead", language, channel=_name("channel", top.name, language),
                   markov=_pct(top.get("markov")), linear=_pct(top.get("linear")))
    split = real.sort_values("spread", ascending=False, kind="stable").iloc[0]
    if not split["spread"] > 0:
        return text
    text += _t("attribution_split", language, split=_name("channel", split.name, language),
               high_model=model_name(split.high_model, language), high=_pct(split[split.high_model]),
               low_model=model_name(split.low_model, language), low=_pct(split[split.low_model]))
    if split.high_model == "markov":
        return text + _t("markov_above", language)
    if split.low_model == "markov":
        return text + _t("markov_below", language)
    return text + _t("position_gap", language)


def content_attribution_sentence(side: pd.DataFrame, language: str = "en", *,
                                 lead=None) -> str:
    """The finding of the attribution by content group, from :func:`compare_models`.

    ``lead`` (:func:`attribution_lead_finding` with ``key="content_attribution_top"``)
    gates the top group: when given, it is named only when it stands out.

    Returns
    -------
    str
        The group with the largest Markov share (when a real group has credit) and the
        share left with ``(no touch)``; "" when nothing was attributed.
    """
    if side.empty or not side.drop(columns=["spread", "high_model", "low_model"],
                                   errors="ignore").to_numpy(float).any():
        return ""
    text = ""
    real = known_labels(side)
    if lead is not None:
        text += lead.shown
    elif len(real) and real.iloc[0].get("markov", 0) > 0:
        top = real.iloc[0]
        text += _t("content_attribution_top", language, category=_name("category", top.name, language),
                   markov=_pct(top.get("markov")), linear=_pct(top.get("linear")))
    share = side.loc[NO_TOUCH, "linear"] if NO_TOUCH in side.index else 0.0
    return text + _t("content_attribution_no_touch", language,
                     no_touch=_name("category", NO_TOUCH, language, markdown=False),
                     share=_pct(share))


def leader_finding(ws: Workspace, as_of, side: pd.DataFrame, *, label: str = "channel", lookback_days: int = 90,
                   confidence: float = 0.95, alpha: float = 0.05, language: str = "en",
                   with_volume: bool = False, **finding_args):
    """Resample the journeys by ``label`` and state the Markov leader only when it stays ahead.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    side : pandas.DataFrame
        :func:`compare_models` by the same label.
    label : str
        ``channel`` or ``content_category``.
    lookback_days : int
        Days of touches before an opportunity that count.
    confidence : float
        Coverage of the bootstrap intervals.
    alpha : float
        Level the leader test must pass.
    language : {"en", "zh"}
    with_volume : bool
        Compare the leader with its share of the touches (see :func:`attribution_lead_finding`).
    **finding_args
        Passed on to :func:`attribution_lead_finding` (``n``, ``key``, ``family``).

    Returns
    -------
    Finding or None
    """
    per_journey = journey_transitions(ws, as_of, lookback_days=lookback_days, label=label)
    test = leader_test(bootstrap_shares(per_journey, confidence=confidence))
    if with_volume:
        finding_args["volume"] = touch_shares(per_journey)
    return attribution_lead_finding(side, test, alpha=alpha, language=language, **finding_args)
