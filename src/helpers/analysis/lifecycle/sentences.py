"""Report text of the lifecycle: stage names, rules in words, alt texts, findings and summaries.

Also the sentence helpers the segmentation report shares (:func:`report_text`,
:func:`sentence_gap`, :func:`join_sentences`, :func:`percent`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core.params import as_of_date
from helpers.presentation import findings, i18n

from .rules import ENTRANT, PRECEDENCE, STAGES, check_rules

if TYPE_CHECKING:
    from .migration import StageNumbers

__all__ = [
    "PREFIX",
    "describe_rules",
    "join_sentences",
    "lifecycle_summary",
    "migration_alt",
    "migration_skip_note",
    "migration_summary",
    "percent",
    "report_text",
    "sentence_gap",
    "stage_findings",
    "stage_label",
    "stage_mix_alt",
]


#: Key prefix of every text of the segmentation report, the lifecycle sections included.
PREFIX = "customer_segmentation"


def report_text(key: str, language: str = "en", **fields) -> str:
    """The text ``customer_segmentation.<key>`` in ``language``, with ``fields`` filled in."""
    return i18n.t(f"{PREFIX}.{key}", language, **fields)


def sentence_gap(language: str) -> str:
    """What separates two sentences: nothing in Chinese, a space otherwise."""
    return "" if language == "zh" else " "


def join_sentences(sentences: Iterable[str | None], language: str = "en") -> str:
    """The non-empty ``sentences`` as one paragraph (see :func:`sentence_gap`)."""
    return sentence_gap(language).join(s for s in sentences if s)


def percent(value: float) -> str:
    """A share (0-1) as a whole percent, or "–" when it is missing or infinite."""
    return f"{value:.0%}" if np.isfinite(value) else "–"


def stage_label(stage: Any, language: str = "en") -> str:
    """A lifecycle stage (or :data:`ENTRANT`) in the report language.

    The canonical stage vocabulary of every report: other notebooks call this function to
    name a stage. Case and surrounding spaces are ignored (``"Growth "`` is ``growth``), a
    missing value reads "–" and any other value is returned as given.

    Parameters
    ----------
    stage : object
        One of :data:`STAGES`, :data:`ENTRANT`, or anything else.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    if stage is None or (isinstance(stage, float) and not np.isfinite(stage)) or stage is pd.NA:
        return "–"
    text = str(stage)
    key = "entrant" if text == ENTRANT else text.strip().lower()
    if key in STAGES or key == "entrant":
        return i18n.t(f"customer_segmentation.stage.{key}", language)
    return text


def describe_rules(rules: Mapping[str, Any] | None = None, *, language: str = "en"
                   ) -> pd.DataFrame:
    """The rule table in plain words, in precedence order, for reports.

    Parameters
    ----------
    rules : mapping, optional
        As for :func:`check_rules`.
    language : {"en", "zh"}
        Language of the rule texts (the ``stage`` column keeps the stage names).

    Returns
    -------
    pandas.DataFrame
        Columns ``precedence``, ``stage`` and ``rule``.
    """
    r = check_rules(rules)

    say = i18n.scoped(PREFIX, language)
    text = {
        "prospect": say("rule.prospect", max_orders=f"{r['prospect']['max_orders']:g}"),
        "churned": say("rule.churned", days=f"{r['churned']['min_days_since_last_order']:g}",
                       multiple=f"{r['churned']['gap_multiple']:g}"),
        "new": say("rule.new", days=f"{r['new']['max_days_since_first_order']:g}"),
        "declining": say("rule.declining", metric=say(f"metric.{r['declining']['metric']}"),
                         ratio=f"{r['declining']['max_trend_ratio']:g}"),
        "growth": say("rule.growth", metric=say(f"metric.{r['growth']['metric']}"),
                      ratio=f"{r['growth']['min_trend_ratio']:g}"),
        "mature": say("rule.mature"),
    }
    rows = []
    for i, stage in enumerate(PRECEDENCE, start=1):
        rule = text[stage] if r[stage].get("enabled", True) else say("rule.disabled")
        rows.append({"precedence": i, "stage": stage, "rule": rule})
    return pd.DataFrame(rows)


def migration_skip_note(first_order: Any, as_of: Any, period_days: int, *,
                        language: str = "en") -> str | None:
    """Why the stage migration cannot be read, or ``None`` when it can.

    The migration compares stages at ``as_of - period_days`` with stages on ``as_of``. When
    the first order comes after that earlier date, every customer "was not yet an account"
    and the matrix says nothing about movement between stages.

    Parameters
    ----------
    first_order : date-like or None
        The first order date in the data (``None`` without orders).
    as_of : date-like
    period_days : int
        The migration period.
    language : {"en", "zh"}

    Returns
    -------
    str or None
        The one-line "skipped" note.
    """
    start = as_of_date(as_of) - dt.timedelta(days=int(period_days))
    if first_order is not None and not pd.isna(first_order) \
            and pd.Timestamp(first_order).date() <= start:
        return None
    first = "–" if first_order is None or pd.isna(first_order) \
        else f"{pd.Timestamp(first_order):%Y-%m-%d}"
    return i18n.t("customer_segmentation.migration.skipped", language, first=first,
                  start=f"{start:%Y-%m-%d}", days=int(period_days))


def stage_mix_alt(mix: pd.DataFrame, language: str = "en") -> str:
    """The alt text of :func:`plot_stage_mix`: what the chart shows and its largest stage.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    top = mix.sort_values("accounts", ascending=False, kind="stable").iloc[0]
    return i18n.t("customer_segmentation.alt.stage_mix", language,
                  stage=stage_label(top["stage"], language), accounts=f"{int(top['accounts']):,}",
                  share=percent(float(top["share"])), total=f"{int(mix['accounts'].sum()):,}")


def migration_alt(moves: pd.DataFrame, days: int, language: str = "en") -> str:
    """The alt text of :func:`plot_migration`: how many kept their stage and how many slipped.

    Parameters
    ----------
    moves : pandas.DataFrame
        Counts from :func:`migration_matrix`.
    days : int
        Length of the period.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    stages = [s for s in STAGES if s in moves.index and s in moves.columns]
    rows = moves.loc[stages]
    total = int(rows.to_numpy().sum())
    kept = sum(int(rows.loc[s, s]) for s in stages)
    healthy = [s for s in ("growth", "mature") if s in moves.index]
    risk = [s for s in ("declining", "churned") if s in moves.columns]
    slipped = int(moves.loc[healthy, risk].to_numpy().sum()) if healthy and risk else 0
    return i18n.t("customer_segmentation.alt.migration", language, days=f"{days:,}",
                  kept=f"{kept / total:.0%}" if total else "–", slipped=f"{slipped:,}")


def stage_findings(numbers: StageNumbers, *, provisional: bool, history_days: int,
                   migration_note: str | None, period_days: int, language: str = "en") -> list:
    """The stage-mix finding and, when the migration can be read, the migration finding.

    Parameters
    ----------
    numbers : StageNumbers
        From :func:`stage_numbers`.
    provisional : bool
        Whether the history is too short to judge decline and churn.
    history_days : int
        Days of order history, named in the provisional finding.
    migration_note : str or None
        From :func:`migration_skip_note`; a note means no migration finding.
    period_days : int
        The migration period.
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
        Facts in plain text (no markdown), each with its action.
    """
    t = i18n.scoped(PREFIX, language)
    growing = f"{numbers.growing_share:.0%}"
    if provisional:
        text = t("finding.stage_mix_provisional", growing=growing, days=f"{history_days:,}")
        action = t("action.stage_mix_provisional")
    else:
        text = t("finding.stage_mix", at_risk=f"{numbers.at_risk_share:.0%}", growing=growing)
        action = t("action.stage_mix", accounts=f"{numbers.at_risk_accounts:,}")
    out = [findings.fact(text.replace("**", ""), impact=0.5, n=int(numbers.accounts.sum()), action=action)]
    if migration_note is None and numbers.customers_before > 0:
        slipped = f"{numbers.slipped:,}"
        out.append(findings.fact(
            t("finding.migration", days=period_days, slipped=slipped, before=f"{numbers.customers_before:,}",
              share=f"{numbers.slipped_share:.0%}").replace("**", ""),
            impact=0.6 if numbers.slipped_share >= 0.1 else 0.4, n=numbers.customers_before,
            action=t("action.migration", slipped=slipped) if numbers.slipped else t("action.migration_none")))
    return out


def lifecycle_summary(mix: pd.DataFrame, counts: pd.DataFrame, *, language: str = "en") -> str:
    """The sentences under the stage chart: the largest stage and the busiest playbook.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    counts : pandas.DataFrame
        From :func:`action_counts`.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    by_stage = mix.set_index("stage")
    largest = mix.sort_values("accounts", ascending=False).iloc[0]
    busiest = counts.sort_values("accounts", ascending=False).iloc[0]
    review = int(by_stage.accounts[["declining", "churned"]].sum())
    return join_sentences([
        report_text("lifecycle.summary", language, stage=stage_label(largest.stage, language),
                    share=percent(largest.share), churned=f"{int(by_stage.accounts['churned']):,}",
                    declining=f"{int(by_stage.accounts['declining']):,}"),
        report_text("playbooks.summary", language, action=busiest.action,
                    share=percent(busiest["share"]), accounts=f"{busiest.accounts:,}",
                    review=f"{review:,}"),
    ], language)


def migration_summary(moves: pd.DataFrame, *, language: str = "en") -> str:
    """The sentence under the migration chart: how many kept their stage, grew, recovered or came new.

    Parameters
    ----------
    moves : pandas.DataFrame
        From :func:`migration_matrix`.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    stage_rows = moves.loc[list(STAGES)]
    stayed = sum(int(stage_rows.loc[s, s]) for s in STAGES)
    return i18n.t(
        "customer_segmentation.migration.summary", language,
        kept=f"{stayed / max(int(stage_rows.to_numpy().sum()), 1):.0%}",
        grown=f"{int(moves.loc['mature', 'growth']):,}", recovered=f"{int(moves.loc['declining', 'mature']):,}",
        created=f"{int(moves.loc[ENTRANT].sum()):,}")
