"""Findings: claims with their evidence, stated only when they pass their gate.

A finding is a sentence a manager reads together with what backs it: the test, the effect
and its interval, n, and the family of comparisons it belongs to. Notebooks build them with
:func:`comparison` (a test corrected within its family), :func:`gated` (a claim with a
sufficiency gate, such as an alarm or a model-based number) or :func:`fact` (a plain
measured number that compares nothing). A :class:`FindingLog` collects them per notebook:

- :attr:`Finding.shown` is the sentence to show: the claim when it passed, otherwise its
  honest fallback ("no reliable difference among the 13 industries");
- :meth:`FindingLog.evidence` is the table behind every sentence, for the analyst version;
- :meth:`FindingLog.records` gives them as plain records; the notebook saves them with
  :func:`helpers.report.outputs.record_findings` for the portal's executive summary, which
  states only the findings that passed and orders them by business impact.

**The error rate of a whole run.** ``finding_alpha`` is the false-discovery rate of a whole
run, not of one table: a manager reads every report, and 30 families each tested at 5 % would
state something false in most runs of a world without any effect. :func:`family_level` splits
it: half is kept for designed experiments (A/B tests answer questions fixed before the data
came in), and the other half is shared evenly by at most :data:`RUN_FAMILIES` exploratory
families (lift by attribute value, timing cells, segment differences, ...). Each family is
corrected within itself (Benjamini-Hochberg by default) at its share. The false-discovery rate
of the run is at most the sum of the families' rates, so it stays at ``finding_alpha``; on a
world without effects the chance that a run states any false finding stays there too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError
from helpers.presentation import i18n
from helpers.stats.multiple_testing import METHODS, adjust

__all__ = [
    "KINDS", "Evidence", "Finding", "FindingLog", "comparison", "gated", "fact",
    "no_difference", "impact_weight", "is_missing_level", "to_record", "from_record",
    "family_level", "RUN_FAMILIES", "EXPERIMENT_SHARE", "brief", "format_p_value",
]

#: Kinds of finding. ``comparison`` and ``trend`` claim a difference or a change and need a
#: test; ``alarm`` and ``model`` need a sufficiency gate; ``fact`` states a measured number.
KINDS = ("comparison", "trend", "alarm", "model", "fact")
#: The most exploratory families of comparisons one run of every notebook tests; each gets
#: an even share of the run's error rate (see :func:`family_level`). The end-to-end test
#: counts the families a run records and fails when there are more.
RUN_FAMILIES = 32
#: Share of the run's error rate kept for designed experiments (A/B tests).
EXPERIMENT_SHARE = 0.5
#: Values that stand for "no value" in a category; never a driver or a finding.
MISSING_LEVELS = frozenset({"", "(missing)", "missing", "unknown", "nan", "none", "null",
                            "n/a", "na", "–", "-", "(未知)", "未知", "缺失"})


def is_missing_level(value) -> bool:
    """True for a category value that means "no value" (None, NaN, "(missing)", "")."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        pass
    return str(value).strip().lower() in MISSING_LEVELS


def _num(value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v


@dataclass(frozen=True)
class Evidence:
    """What backs a claim.

    Parameters
    ----------
    test : str
        Name of the test or check ("Fisher exact", "Mann-Kendall", "fit diagnostics").
    effect : float
        Effect size (a ratio, a difference or a share), in the unit of ``effect_label``.
    low, high : float
        Interval of the effect, when the test gives one.
    n : int
        Observations behind the claim.
    p_value, p_adjusted : float
        Raw and family-adjusted p-values (missing for gates that are not tests).
    family : str
        The comparisons shown together ("lift by industry").
    family_size : int
        How many comparisons the family holds.
    method : str
        Correction used within the family.
    effect_label : str
        What ``effect`` measures ("lift", "difference in points").
    """

    test: str
    effect: float = math.nan
    low: float = math.nan
    high: float = math.nan
    n: int = 0
    p_value: float = math.nan
    p_adjusted: float = math.nan
    family: str = ""
    family_size: int = 1
    method: str = "none"
    effect_label: str = ""


@dataclass(frozen=True)
class Finding:
    """A claim, whether it is stated, and the evidence behind it.

    Parameters
    ----------
    text : str
        The claim in the report language.
    kind : str
        One of :data:`KINDS`.
    stated : bool
        Whether the claim passed its gate and may be shown as a finding.
    evidence : Evidence, optional
    fallback : str
        The honest sentence shown instead when the claim is not stated.
    gate : str
        Why the claim was not stated (empty when stated).
    impact : float
        Business impact, 0..1 (see :func:`impact_weight`); orders the executive summary.
    action : str
        The recommended action, in the report language.
    """

    text: str
    kind: str = "fact"
    stated: bool = True
    evidence: Evidence | None = None
    fallback: str = ""
    gate: str = ""
    impact: float = 0.5
    action: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"finding kind must be one of {KINDS}, not {self.kind!r}")

    @property
    def shown(self) -> str:
        """The sentence to show: the claim when stated, else its fallback (may be empty)."""
        return self.text if self.stated else self.fallback


def family_level(alpha: float, *, experiments: bool = False,
                 families: int = RUN_FAMILIES) -> float:
    """The level at which one family of comparisons is corrected, given the run's rate.

    Parameters
    ----------
    alpha : float
        ``finding_alpha``: the false-discovery rate allowed for a whole run.
    experiments : bool
        True for the family of designed experiments (A/B tests), which gets
        :data:`EXPERIMENT_SHARE` of ``alpha``; otherwise one exploratory family's even share
        of the rest.
    families : int
        Number of exploratory families in a run.

    Returns
    -------
    float

    Examples
    --------
    >>> round(family_level(0.05), 6)
    0.000781
    >>> family_level(0.05, experiments=True)
    0.025
    """
    if not 0 < alpha < 1:
        raise ParamError(f"finding_alpha must lie between 0 and 1, got {alpha}")
    if experiments:
        return alpha * EXPERIMENT_SHARE
    return alpha * (1 - EXPERIMENT_SHARE) / max(int(families), 1)


def impact_weight(amount: float, total: float, *, floor: float = 0.2, cap: float = 0.95
                  ) -> float:
    """Rank weight of a finding from the money it concerns as a share of the total.

    Parameters
    ----------
    amount, total : float
        Money at stake and the total it belongs to (revenue, budget).
    floor, cap : float
        Bounds of the weight, so a finding with no money attached still ranks.

    Returns
    -------
    float
        ``floor + (cap - floor) * share`` with the share clipped to 0..1.
    """
    a, t = _num(amount), _num(total)
    if not (math.isfinite(a) and math.isfinite(t)) or t <= 0:
        return floor
    return floor + (cap - floor) * min(max(abs(a) / t, 0.0), 1.0)


def comparison(text: str, *, test: str, p_value: float, p_adjusted: float,
               alpha: float = 0.05, effect: float = math.nan, low: float = math.nan,
               high: float = math.nan, n: int = 0, family: str = "", family_size: int = 1,
               method: str = "bh", effect_label: str = "", fallback: str = "",
               impact: float = 0.5, action: str = "", level=None,
               language: str = "en") -> Finding:
    """A comparison that is stated only when its family-adjusted p-value is below ``alpha``.

    Parameters
    ----------
    text : str
        The claim.
    p_value, p_adjusted : float
        Raw and family-adjusted p-values (see :func:`helpers.stats.multiple_testing.adjust`).
    level : optional
        The category value compared; a missing-value level is never stated.
    Other parameters
        See :class:`Evidence` and :class:`Finding`.

    Returns
    -------
    Finding
    """
    ev = Evidence(test, _num(effect), _num(low), _num(high), int(n), _num(p_value),
                  _num(p_adjusted), family, int(family_size), method, effect_label)
    missing = level is not None and is_missing_level(level)
    passed = math.isfinite(ev.p_adjusted) and ev.p_adjusted < alpha and not missing
    gate = "" if passed else i18n.t(
        "findings.gate.missing" if missing else "findings.gate.p", language,
        p=format_p_value(ev.p_adjusted), alpha=f"{alpha:g}")
    return Finding(text, "comparison", passed, ev, fallback, gate, impact, action)


def gated(text: str, *, passed: bool, kind: str = "alarm", gate: str = "",
          evidence: Evidence | None = None, fallback: str = "", impact: float = 0.5,
          action: str = "") -> Finding:
    """A claim with a sufficiency gate (history, fit quality, data resolution).

    Parameters
    ----------
    passed : bool
        Whether the gate is met.
    gate : str
        Why it is not met, shown in the evidence table.
    Other parameters
        See :class:`Finding`.
    """
    return Finding(text, kind, bool(passed), evidence, fallback,
                   "" if passed else (gate or "gate not met"), impact, action)


def fact(text: str, *, impact: float = 0.3, action: str = "", n: int = 0,
         test: str = "measured") -> Finding:
    """A measured number that compares nothing ("1,204 accounts bought in the last year")."""
    return Finding(text, "fact", True, Evidence(test, n=int(n)), "", "", impact, action)


def no_difference(count: int, what: str, language: str = "en") -> str:
    """The honest sentence for a family without a finding.

    Parameters
    ----------
    count : int
        Number of values compared.
    what : str
        What the values are, plural, in the report language ("industries").
    """
    return i18n.t("findings.no_difference", language, n=int(count), what=what)


def format_p_value(p: float) -> str:
    """A p-value as a report shows it: three decimals, ``< 0.001`` below that, – when missing."""
    if not math.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


@dataclass
class FindingLog:
    """The findings of one notebook run.

    Parameters
    ----------
    name : str
        Notebook name.
    alpha : float
        Level at which a family-adjusted p-value counts as a finding.
    method : str
        Correction within a family (see :data:`helpers.stats.multiple_testing.METHODS`).
    language : str
    """

    name: str
    alpha: float = 0.05
    method: str = "bh"
    language: str = "en"
    items: list[Finding] = field(default_factory=list)

    def __post_init__(self):
        if not 0 < self.alpha < 1:
            raise ParamError(f"finding_alpha must lie between 0 and 1, got {self.alpha}")
        if self.method not in METHODS:
            raise ParamError(f"finding_correction {self.method!r} is not supported; use one "
                             f"of {', '.join(METHODS)}")

    def add(self, *findings: Finding) -> Finding | None:
        """Keep findings; returns the last one, whose :attr:`Finding.shown` a notebook displays."""
        for f in findings:
            if not isinstance(f, Finding):
                raise TypeError(f"FindingLog.add takes Finding objects, got {type(f).__name__}")
            self.items.append(f)
        return findings[-1] if findings else None

    def family(self, texts: Iterable[str], p_values: Iterable[float], *, test: str,
               family: str, effects: Iterable[float] | None = None,
               lows: Iterable[float] | None = None, highs: Iterable[float] | None = None,
               ns: Iterable[int] | None = None, levels: Iterable | None = None,
               impacts: Iterable[float] | None = None, actions: Iterable[str] | None = None,
               effect_label: str = "", fallback: str = "") -> list[Finding]:
        """Correct a family of comparisons together and keep one finding per member.

        Parameters
        ----------
        texts : iterable of str
            The claim for each member.
        p_values : iterable of float
            Raw p-values, in the same order.
        family : str
            The family's name, shown in the evidence table.
        levels : iterable, optional
            The category value of each member; missing-value levels are never stated.
        fallback : str
            The honest sentence when no member survives; it is attached to the first
            member (see :meth:`summary`).

        Returns
        -------
        list of Finding
        """
        texts = list(texts)
        p = np.asarray(list(p_values), dtype=float)
        k = len(texts)
        if len(p) != k:
            raise ValueError("family: texts and p_values differ in length")

        def col(values, default):
            return list(values) if values is not None else [default] * k

        adj = adjust(p, self.method)
        size = int(np.isfinite(p).sum())
        out = []
        for i, (txt, eff, lo, hi, n, lvl, imp, act) in enumerate(zip(
                texts, col(effects, math.nan), col(lows, math.nan), col(highs, math.nan),
                col(ns, 0), col(levels, None), col(impacts, 0.5), col(actions, ""),
                strict=True)):
            out.append(comparison(
                txt, test=test, p_value=p[i], p_adjusted=adj[i], alpha=self.alpha,
                effect=eff, low=lo, high=hi, n=n, family=family, family_size=size,
                method=self.method, effect_label=effect_label,
                fallback=fallback if i == 0 else "", impact=imp, action=act, level=lvl,
                language=self.language))
        self.items.extend(out)
        return out

    def stated(self, kind: str | None = None) -> list[Finding]:
        """Findings that passed their gate, optionally of one kind."""
        return [f for f in self.items if f.stated and (kind is None or f.kind == kind)]

    @staticmethod
    def summary(findings: Iterable[Finding], limit: int | None = None) -> list[str]:
        """Sentences to show for a family: the stated claims, or the one fallback."""
        findings = list(findings)
        said = [f.text for f in findings if f.stated]
        if said:
            return said[:limit] if limit else said
        return [f.fallback for f in findings if f.fallback][:1]

    def evidence(self) -> pd.DataFrame:
        """One row per finding with its evidence, for the analyst version."""
        lang = self.language
        rows = []
        for f in self.items:
            ev = f.evidence or Evidence("")
            rows.append({
                i18n.t("findings.col.claim", lang): _plain_text(f.text),
                i18n.t("findings.col.stated", lang): i18n.t(
                    "findings.yes" if f.stated else "findings.no", lang),
                i18n.t("findings.col.kind", lang): i18n.t(f"findings.kind.{f.kind}", lang),
                i18n.t("findings.col.test", lang): ev.test or "–",
                i18n.t("findings.col.effect", lang): _fmt_num(ev.effect),
                i18n.t("findings.col.interval", lang): (
                    f"{_fmt_num(ev.low)} – {_fmt_num(ev.high)}"
                    if math.isfinite(ev.low) and math.isfinite(ev.high) else "–"),
                i18n.t("findings.col.n", lang): f"{ev.n:,}" if ev.n else "–",
                i18n.t("findings.col.p", lang): format_p_value(ev.p_value),
                i18n.t("findings.col.p_adjusted", lang): format_p_value(ev.p_adjusted),
                i18n.t("findings.col.family", lang): (
                    f"{ev.family} ({ev.family_size})" if ev.family else "–"),
                i18n.t("findings.col.gate", lang): f.gate or "–",
            })
        return pd.DataFrame(rows)

    def records(self, *, extra: Iterable[Finding] = (),
                details: Iterable[Finding] = ()) -> list[dict]:
        """Every finding, stated or not, as plain records for the executive summary.

        Pass them to :func:`helpers.report.outputs.record_findings`, which saves them
        where the runner reads them.

        Parameters
        ----------
        extra : iterable of Finding
            Findings kept only for the summary (not in :attr:`items`).
        details : iterable of Finding
            Tested details the report shows but the executive summary leaves out; they are
            recorded with their evidence all the same.

        Returns
        -------
        list of dict
            :func:`to_record` of each finding; details carry ``"detail": True``.
        """
        items = [to_record(f) for f in [*self.items, *extra]]
        return items + [{**to_record(f), "detail": True} for f in details]


def brief(log: FindingLog, title: str, *, extra: Iterable[Finding] = (), limit: int = 5,
          notes: Iterable[str] = ()) -> str:
    """The opening of a management report: its title and a Summary of the stated findings.

    Parameters
    ----------
    log : FindingLog
        The notebook's findings; only stated ones are shown, largest impact first.
    title : str
        The report title (the page's ``h1``).
    extra : iterable of Finding
        Further findings to consider (for example tested details the portal leaves out).
    limit : int
        At most this many findings (a brief holds three to five).
    notes : iterable of str
        One-line notes shown after the findings (for example why a section is empty).

    Returns
    -------
    str
        Markdown: ``# title``, ``## Summary``, one bullet per finding with its action, or
        one line saying that nothing could be stated, and the honest fallbacks.
    """
    lang = log.language
    items = [*log.items, *extra]
    stated = sorted((f for f in items if f.stated and f.text), key=lambda f: -f.impact)[:limit]
    lines = [f"# {title}", "", f"## {i18n.t('report.summary', lang)}", ""]
    if stated:
        for f in stated:
            colon = "：" if lang == "zh" else ": "
            action = (f" *{i18n.t('report.action', lang)}{colon}{f.action.rstrip()}*"
                      if f.action else "")
            lines.append(f"- {f.text.strip()}{action}")
    else:
        lines.append(i18n.t("report.nothing_stated", lang))
        fallbacks = [f.fallback for f in items if not f.stated and f.fallback]
        lines += [""] + [f"- {text}" for text in dict.fromkeys(fallbacks)][: max(limit - 2, 1)]
    notes = [n for n in notes if n]
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _plain_text(text: str) -> str:
    """The claim without Markdown emphasis or list markers, for a table cell."""
    return re.sub(r"^\s*[-*]\s+", "", re.sub(r"\*\*|__|`", "", text)).strip()


def _fmt_num(v: float) -> str:
    if not math.isfinite(v):
        return "–"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.3g}"


def to_record(f: Finding) -> dict:
    """A finding as saved in ``findings/<name>.json`` (JSON-safe, no NaN)."""
    ev = None
    if f.evidence is not None:
        ev = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
              for k, v in asdict(f.evidence).items()}
    return {"text": f.text, "weight": f.impact, "kind": f.kind, "stated": f.stated,
            "fallback": f.fallback, "gate": f.gate, "action": f.action, "evidence": ev}


def from_record(item: dict) -> Finding:
    """Read back a finding saved by :func:`to_record`."""
    ev = item.get("evidence")
    evidence = None
    if ev:
        evidence = Evidence(**{k: (math.nan if v is None and k in (
            "effect", "low", "high", "p_value", "p_adjusted") else v) for k, v in ev.items()})
    return replace(Finding(item["text"], item.get("kind", "fact"),
                           bool(item.get("stated", True)), evidence),
                   fallback=item.get("fallback") or "", gate=item.get("gate") or "",
                   impact=float(item.get("weight", 0.5)), action=item.get("action") or "")
