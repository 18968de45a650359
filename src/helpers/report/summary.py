"""The executive summary at the top of the portal: key figures and three to five findings.

The summary combines the newest good run of every notebook (:func:`newest_good`), so a run
of one notebook does not drop the others' figures; when the reports come from different
runs, data sources or languages, :func:`provenance` says so in one line. Figures are
written by :func:`figure` (compact, never "nan", never a signed zero).

Findings come from the numbers of every analysis, in three ways:

1. **Recorded findings.** Each notebook may save its own computed sentences with
   :func:`helpers.report.outputs.record_findings` (``{"text": ..., "weight": 0..1}``); the
   notebook knows its numbers and writes the sentence in the report language.
   Only findings that passed their gate (``stated``) are candidates; each keeps its
   recommended ``action``.
2. **Changes since the last run.** Every numeric headline card with a delta becomes a
   candidate sentence, weighted by the size of the relative change. A change is a business
   movement only when both runs computed the figure the same way: when the notebook's
   parameters, data source or code changed in between (see :func:`comparison_breaks`), the
   card says so instead ("1,280 (parameters changed since the last run; no comparison)").
   Cards with a ``flag`` and changes that round to zero are never a movement.
3. **Failures.** A notebook that failed in the latest run is named, since its cards and
   findings are those of its last good run.

Candidates are ranked by weight (a finding's business impact) and at most
:data:`PER_NOTEBOOK` come from one notebook, so the summary spans the analyses instead of
repeating one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from helpers.presentation import i18n

__all__ = ["CHANGE_WEIGHT", "CLAIM_KINDS", "COMPACT_FROM", "COMPARABILITY", "FAILURE_WEIGHT",
           "Finding", "KEY_FIGURES_NOTEBOOK", "KeyFigures", "MAX_FINDINGS", "MIN_FINDINGS",
           "NO_COMPARISON_WEIGHT", "PER_NOTEBOOK", "Source", "action_text", "candidate_findings",
           "change_findings", "claims_stated", "comparison_breaks", "entry_language",
           "executive_findings", "figure", "is_zero_change", "key_figures", "newest_good",
           "no_comparison_text", "normalise_findings", "plain_text", "provenance", "report_source",
           "select_findings"]

MIN_FINDINGS, MAX_FINDINGS = 3, 5
PER_NOTEBOOK = 2
#: Notebook whose cards are the key figures when it is in the run.
KEY_FIGURES_NOTEBOOK = "kpi_monitoring"
#: Weight of a failure notice and the cap of a change-based finding.
FAILURE_WEIGHT, CHANGE_WEIGHT = 0.55, 0.6
#: Weight of the sentence saying that a notebook's figures are not compared with the last run.
NO_COMPARISON_WEIGHT = 0.3
#: What must be the same in two runs of a notebook for its figures to be compared, in the
#: order the reasons are named.
COMPARABILITY = ("parameters", "data", "code")
#: Finding kinds that claim something beyond a measured number (see :mod:`helpers.presentation.findings`).
CLAIM_KINDS = frozenset({"comparison", "trend", "alarm", "model"})
#: A change that prints as zero, with or without a unit ("0", "-0.0", "+0.0 pp", "0%").
_LEADING_MARKS = re.compile(r"^[^\w+\-\u2212\u00b1]+\s*")
_ZERO_RE = re.compile(r"^[+\-\u2212\u00b1]?0+(?:[.,]0*)?(?:\s*[^\d\s][^\d]*)?$")


@dataclass(frozen=True)
class Finding:
    """One sentence for the summary.

    Parameters
    ----------
    text : str
    weight : float
        Importance, 0..1; recorded findings default to 0.5.
    source : str
        Notebook name.
    action : str
        The recommended action, shown with the finding when present.
    kind : str
        The finding's kind (:data:`helpers.presentation.findings.KINDS`); empty for changes, failures and
        findings recorded without one.
    """

    text: str
    weight: float = 0.5
    source: str = ""
    action: str = ""
    kind: str = ""


def normalise_findings(findings: Sequence[Any]) -> list[dict]:
    """Check findings as notebooks give them: text, or ``{"text", "weight"}`` mappings.

    Returns
    -------
    list of dict
        ``{"text": str, "weight": float}`` with the weight clipped to 0..1.

    Raises
    ------
    ValueError
        For an empty text or a mapping without ``text``.
    """
    out = []
    for item in findings:
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, Mapping) or not str(item.get("text", "")).strip():
            raise ValueError(f"a finding needs a non-empty 'text', got {item!r}")
        weight = float(item.get("weight", 0.5))
        if not math.isfinite(weight):
            weight = 0.5
        extra = {k: item[k] for k in ("kind", "stated", "fallback", "gate", "action", "evidence",
                                      "detail") if k in item}
        out.append({**extra, "text": str(item["text"]).strip(),
                    "weight": min(max(weight, 0.0), 1.0)})
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


#: Below this size a figure is written in full ("1,280"); above it compactly ("29.7M").
COMPACT_FROM = 10_000
#: Texts that mean "no value" and are shown as a dash, never as such.
_MISSING_TEXTS = frozenset({"", "nan", "none", "null", "inf", "-inf", "+inf", "infinity",
                            "-infinity", "nat", "<na>", "n/a"})
_DASH = "\u2013"


def figure(value: Any, language: str = "en", *, signed: bool = False,
           change: bool = False) -> str:
    """A number as a card or a summary sentence shows it, in the report language.

    Figures of :data:`COMPACT_FROM` and more are compact with three significant digits
    (``2.96M``, ``29.7M`` in English, ``296万``, ``2,970万`` in Chinese, on the scale of
    :func:`helpers.presentation.tables.compact_number`); smaller ones are written in
    full with thousands separators, with two decimals below 10 and one below 100 (trailing
    zeros dropped). A figure that reads as zero never carries a sign, so ``-0.04`` is
    ``0``, not ``-0``.

    Parameters
    ----------
    value : number or str
        Text is returned as it is, except texts meaning "no value" ("nan", "None").
    language : {"en", "zh"}
    signed : bool
        Prefix ``+`` to a positive figure (a change).
    change : bool
        A change: at most one decimal, so a change reads no finer than its figure.

    Returns
    -------
    str
        ``"–"`` for a missing or non-finite value.
    """
    if isinstance(value, str):
        return _DASH if value.strip().lower() in _MISSING_TEXTS else value
    number = _number(value)
    if number is None:
        return _DASH if value is None or isinstance(value, (int, float)) else str(value)
    size = abs(number)
    if size >= COMPACT_FROM:
        text = _compact(size, language)
    elif size >= 100 or float(size).is_integer():
        text = f"{size:,.0f}"
    else:
        text = f"{size:,.{1 if change or size >= 10 else 2}f}".rstrip("0").rstrip(".")
    if not text.strip("0.,"):  # reads as zero: no sign
        return "0"
    return ("-" if number < 0 else "+" if signed else "") + text


#: Units of compact figures, largest first.
_COMPACT_UNITS = {"en": ((1e9, "B"), (1e6, "M"), (1e3, "K")), "zh": ((1e8, "亿"), (1e4, "万"))}


def _compact(size: float, language: str) -> str:
    """A positive figure with three significant digits and a unit: 2.96M, 29.7M, 297M, 1M
    (not 1,000K); 296万, 2,970万, 1亿 (the same scale as :func:`helpers.presentation.tables.compact_number`)."""
    rounded = float(f"{size:.3g}")  # rounding first, so 999,600 is 1M and not 1,000K
    for step, unit in _COMPACT_UNITS.get(language, _COMPACT_UNITS["en"]):
        if rounded >= step:
            scaled = rounded / step
            digits = 2 if scaled < 10 else 1 if scaled < 100 else 0
            text = f"{scaled:,.{digits}f}"
            return (text.rstrip("0").rstrip(".") if digits else text) + unit
    return f"{rounded:,.0f}"


def _format(value: float, language: str = "en") -> str:
    return figure(value, language, change=True)


def comparison_breaks(current: Mapping | None, previous: Mapping | None) -> list[str]:
    """What changed between two runs of a notebook that makes their figures incomparable.

    Each run records, per notebook, a ``comparability`` entry (see
    :func:`helpers.report.history.comparability`): a hash of the resolved parameters, the data
    source with its fingerprint and ``as_of``, and the code version. Two runs are compared
    only when all three agree. A new fingerprint of the same source at a later ``as_of`` is
    the normal refresh and keeps the runs comparable; a new fingerprint at the same
    ``as_of`` means the data was replaced, which is not a business movement.

    Parameters
    ----------
    current, previous : mapping or None
        The notebook's entries in the two runs' ``run.json``.

    Returns
    -------
    list of str
        Members of :data:`COMPARABILITY`, empty when the runs are comparable or when either
        run predates the record (nothing is known to have changed).
    """
    now = (current or {}).get("comparability") or {}
    before = (previous or {}).get("comparability") or {}
    breaks = []
    if now.get("parameters") and before.get("parameters") and \
            now["parameters"] != before["parameters"]:
        breaks.append("parameters")
    data_now, data_before = now.get("data") or {}, before.get("data") or {}
    if data_now and data_before:
        moved = any(data_now.get(k) != data_before.get(k) for k in ("source", "mapping"))
        replaced = (data_now.get("fingerprint") != data_before.get("fingerprint")
                    and data_now.get("as_of") == data_before.get("as_of"))
        if moved or replaced:
            breaks.append("data")
    if now.get("code") and before.get("code") and now["code"] != before["code"]:
        breaks.append("code")
    return breaks


def no_comparison_text(breaks: Sequence[str], language: str = "en") -> str:
    """"parameters changed since the last run; no comparison", in the report language.

    Parameters
    ----------
    breaks : sequence of str
        Members of :data:`COMPARABILITY` (see :func:`comparison_breaks`).
    language : str

    Returns
    -------
    str
        Empty when ``breaks`` is empty.
    """
    names = [i18n.t(f"summary.changed.{b}", language) for b in breaks if b in COMPARABILITY]
    if not names:
        return ""
    return i18n.t("summary.no_comparison", language, what=_join(names, language))


def _join(names: Sequence[str], language: str) -> str:
    """``a``, ``a and b``, ``a, b and c`` (``a、b和c`` in Chinese)."""
    if len(names) <= 1:
        return "".join(names)
    return (i18n.t("summary.changed.sep", language).join(names[:-1])
            + i18n.t("summary.changed.last", language) + names[-1])


def is_zero_change(delta: Any, shown: str | None = None) -> bool:
    """Whether a change reads as zero: ``0``, ``0.0``, ``-0.0`` or a number that rounds to it.

    Parameters
    ----------
    delta : number or str
        The change.
    shown : str, optional
        The change as it will be printed; a number that prints as zero is no movement.

    Returns
    -------
    bool
    """
    texts = [shown] if shown is not None else []
    number = _number(delta)
    if number is not None:
        if number == 0:
            return True
        texts.append(_format(abs(number)))
    elif isinstance(delta, str):
        texts.append(delta)
    # arrows or other marks in front of the figure ("▲ +0%") do not make it a movement
    return any(_ZERO_RE.match(_LEADING_MARKS.sub("", str(t).strip().replace(",", "")))
               for t in texts)


def change_findings(name: str, headlines: Mapping[str, Mapping], language: str = "en"
                    ) -> list[Finding]:
    """Sentences for the headline cards of one notebook that changed since the last run.

    The weight is :data:`CHANGE_WEIGHT` times the relative change (capped at 100 %), so a
    card that doubled outranks one that moved 2 %. Cards with a ``flag`` and changes that
    round to zero give no sentence, nor do cards whose own change is against their previous
    ``period`` (a trend the notebook states, or not, through its own tests). Cards marked
    ``no_comparison`` (the notebook's
    parameters, data source or code changed since the last run, see
    :func:`helpers.report.portal.card_deltas`) are never reported as a movement: the notebook
    gives one sentence that names its first such card's value and why it is not compared.
    """
    out = []
    incomparable = None
    for label, card in headlines.items():
        if card.get("flag") or (card.get("period") and not card.get("since_run")
                                and _number(card.get("delta")) is not None):
            # a change on the previous period is the notebook's to state, through its gates
            continue
        value = _number(card.get("value"))
        if value is None:
            continue
        unit = card.get("unit") or ""
        shown = figure(value, language) + (f" {unit}" if unit and unit != "%" else unit)
        if card.get("no_comparison"):
            if incomparable is None:
                incomparable = Finding(i18n.t(
                    "summary.delta_incomparable", language, label=label, value=shown,
                    reason=no_comparison_text(card["no_comparison"], language)),
                    NO_COMPARISON_WEIGHT, name)
            continue
        delta = _number(card.get("delta"))
        if delta is None or is_zero_change(delta):
            continue
        before = value - delta
        rel = abs(delta / before) if before else 1.0
        key = "summary.delta_up" if delta > 0 else "summary.delta_down"
        text = i18n.t(key, language, label=label, value=shown,
                      delta=figure(delta, language, signed=True, change=True)
                      + (i18n.t("portal.pp", language) if unit == "%" else ""))
        out.append(Finding(text, CHANGE_WEIGHT * min(rel, 1.0), name))
    return out + ([incomparable] if incomparable else [])


def plain_text(text: Any) -> str:
    """A finding's sentence without Markdown emphasis (``**large**`` reads as ``large``).

    Notebooks write their sentences for Markdown cells; the portal shows them as text.
    """
    return re.sub(r"(\*\*|__)(.+?)\1", r"\2", str(text)).strip()


def candidate_findings(run: Mapping, language: str = "en") -> list[Finding]:
    """Every finding the run offers, unranked (see the module description).

    ``run`` is a run record or the combination :func:`helpers.report.portal.portal_summary`
    builds from the newest good run of every notebook, where an entry may carry
    ``failed_latest`` (the notebook failed in the latest run; this is its last good run)
    and ``language`` (the language it ran in, which its change sentences are written in).
    """
    out: list[Finding] = []
    for name, nb in run.get("notebooks", {}).items():
        if nb.get("status") != "ok" or nb.get("failed_latest"):
            title = i18n.t(f"notebook.{name}", language, default=nb.get("title") or name)
            # "the last good version is shown" only when the portal has one to show
            key = "summary.failed" if nb.get("has_last_good", True) else "summary.failed_no_good"
            out.append(Finding(i18n.t(key, language, title=title), FAILURE_WEIGHT, name))
            if nb.get("status") != "ok":
                continue
        for item in nb.get("findings") or []:
            # a claim that failed its gate is never a summary finding
            # a claim that failed its gate, or a tested detail of a report, stays off the summary
            if item.get("stated", True) is False or item.get("detail"):
                continue
            out.append(Finding(plain_text(item["text"]), float(item.get("weight", 0.5)), name,
                               action_text(item.get("action")), str(item.get("kind") or "")))
        own = nb.get("language") if nb.get("language") in i18n.LANGUAGES else language
        out += change_findings(name, nb.get("headlines") or {}, own)
    return out


def action_text(action: Any) -> str:
    """A finding's recommended action as the summary shows it; empty when it has none.

    Missing values and texts that mean "no value" ("nan", "None", "–") are no action, so the
    summary never shows an action label with nothing after it.
    """
    if action is None or isinstance(action, float) and not math.isfinite(action):
        return ""
    text = plain_text(action)
    return "" if text.lower() in _MISSING_TEXTS or not text.strip("-–—.·: ") else text


def claims_stated(run: Mapping) -> tuple[int, int]:
    """Claims (comparisons, trends, alarms, model results) the run checked, and how many passed.

    Facts about the data are not claims; findings recorded without a kind count as stated
    claims (notebooks that predate :mod:`helpers.presentation.findings`).

    Parameters
    ----------
    run : mapping
        A run record.

    Returns
    -------
    (checked, stated) : tuple of int
    """
    checked = stated = 0
    for nb in run.get("notebooks", {}).values():
        if nb.get("status") != "ok":
            continue
        for item in nb.get("findings") or []:
            kind = item.get("kind")
            if kind is not None and kind not in CLAIM_KINDS:
                continue
            checked += 1
            stated += item.get("stated", True) is not False
    return checked, stated


def select_findings(candidates: Sequence[Finding], *, limit: int = MAX_FINDINGS,
                    per_notebook: int = PER_NOTEBOOK) -> list[Finding]:
    """The heaviest findings, at most ``per_notebook`` from one notebook.

    When that cap leaves fewer than :data:`MIN_FINDINGS`, the next heaviest fill up.
    Duplicate sentences are dropped.
    """
    ranked = sorted(candidates, key=lambda f: f.weight, reverse=True)
    chosen: list[Finding] = []
    seen: set[str] = set()
    used: dict[str, int] = {}
    for f in ranked:
        if len(chosen) >= limit or f.text in seen:
            continue
        if used.get(f.source, 0) >= per_notebook:
            continue
        chosen.append(f)
        seen.add(f.text)
        used[f.source] = used.get(f.source, 0) + 1
    for f in ranked:
        if len(chosen) >= min(MIN_FINDINGS, limit):
            break
        if f.text not in seen:
            chosen.append(f)
            seen.add(f.text)
    return sorted(chosen, key=lambda f: f.weight, reverse=True)


def executive_findings(run: Mapping, language: str = "en", *, limit: int = MAX_FINDINGS
                       ) -> list[Finding]:
    """Three to five findings for the latest run (fewer only when the run offers fewer)."""
    return select_findings(candidate_findings(run, language), limit=limit)


@dataclass
class KeyFigures:
    """The cards on top of the portal and where they came from."""

    headlines: dict = field(default_factory=dict)
    notebook: str = ""
    run_id: str = ""
    previous: dict | None = None


def key_figures(runs: Sequence[Mapping], notebook: str = KEY_FIGURES_NOTEBOOK) -> KeyFigures:
    """Cards of the newest good ``notebook`` run, and the good run before it (for deltas).

    Without such a notebook, the first two cards of every notebook in the latest run.

    Parameters
    ----------
    runs : sequence of dict
        Run records, newest first (:func:`helpers.report.history.load_runs`).
    notebook : str

    Returns
    -------
    KeyFigures
    """
    good = [r for r in runs if r.get("notebooks", {}).get(notebook, {}).get("status") == "ok"]
    if good:
        latest = good[0]
        previous = good[1] if len(good) > 1 else None
        return KeyFigures(dict(latest["notebooks"][notebook].get("headlines") or {}), notebook,
                          latest["run_id"], previous and {"run_id": previous["run_id"],
                                                          "as_of": previous.get("as_of")})
    if not runs:
        return KeyFigures()
    cards: dict = {}
    for _run, nb in newest_good(runs).values():
        cards.update(list((nb.get("headlines") or {}).items())[:2])
    return KeyFigures(cards, "", runs[0]["run_id"], None)


# --------------------------------------------------------------------------- where reports come from


def newest_good(runs: Sequence[Mapping]) -> dict[str, tuple[Mapping, Mapping]]:
    """Every notebook's newest good run: ``name -> (run, entry)``.

    Notebooks of the latest run come first, in its order, then the others by name.

    Parameters
    ----------
    runs : sequence of dict
        Run records, newest first.

    Returns
    -------
    dict
    """
    found: dict[str, tuple[Mapping, Mapping]] = {}
    for run in runs:  # newest first
        for name, nb in run.get("notebooks", {}).items():
            if nb.get("status") == "ok" and name not in found:
                found[name] = (run, nb)
    order = list(runs[0].get("notebooks", {})) if runs else []
    order += sorted(n for n in found if n not in order)
    return {n: found[n] for n in order if n in found}


@dataclass(frozen=True)
class Source:
    """Where one report shown on the portal comes from.

    Parameters
    ----------
    name : str
        Notebook name.
    title : str
        The report's title as recorded at run time, in the language it ran in.
    run_id : str
    language : str
        The language the notebook ran in.
    data : str
        Its data source (passwords removed by the runner); empty when not recorded.
    fingerprint : str
        The data's fingerprint; empty when not recorded.
    """

    name: str
    title: str
    run_id: str
    language: str = "en"
    data: str = ""
    fingerprint: str = ""


def entry_language(nb: Mapping, run: Mapping) -> str:
    """The language a notebook ran in: its ``language`` parameter, else the run's, else ``en``."""
    language = (nb.get("parameters") or {}).get("language") or run.get("language")
    return language if language in i18n.LANGUAGES else "en"


def report_source(name: str, nb: Mapping, run: Mapping) -> Source:
    """The :class:`Source` of a notebook's entry in a run record."""
    params = nb.get("parameters") or {}
    data = (nb.get("comparability") or {}).get("data") or {}
    source = data.get("source") or params.get("data_source") or ""
    fingerprint = data.get("fingerprint") or (run.get("data") or {}).get(source) or ""
    return Source(name, str(nb.get("title") or name), str(run.get("run_id") or ""),
                  entry_language(nb, run), str(source), str(fingerprint))


def provenance(sources: Sequence[Source], language: str = "en") -> str:
    """One line saying that the reports shown come from different runs, data or languages.

    The line names what differs (runs, data sources, languages) and, per group of reports,
    which run, data source and language they come from; only the differing parts are named.

    Parameters
    ----------
    sources : sequence of Source
        The reports the portal shows (:func:`report_source`).
    language : {"en", "zh"}
        The language of the portal.

    Returns
    -------
    str
        Empty when every report comes from the same run, data and language.
    """
    known = [s for s in sources if s.data]
    versions = {(s.data, s.fingerprint) for s in known}
    differ = [what for what, values in (
        ("runs", {s.run_id for s in sources}), ("data", versions),
        ("languages", {s.language for s in sources})) if len(values) > 1]
    if not differ:
        return ""
    per_name: dict[str, int] = {}
    for data, _ in versions:
        per_name[data] = per_name.get(data, 0) + 1

    def data_label(s: Source) -> str:
        if not s.data:
            return i18n.t("portal.mixed.data_unknown", language)
        if per_name.get(s.data, 0) > 1 and s.fingerprint:
            return i18n.t("portal.mixed.data_version", language, source=s.data,
                          version=s.fingerprint[:8])
        return s.data

    groups: dict[tuple[str, ...], list[str]] = {}
    for s in sources:
        parts = []
        if "runs" in differ:
            parts.append(i18n.t("portal.mixed.run", language, run_id=s.run_id))
        if "data" in differ:
            parts.append(data_label(s))
        if "languages" in differ:
            parts.append(i18n.t(f"portal.language.{s.language}", language))
        groups.setdefault(tuple(parts), []).append(s.title)
    sep = i18n.t("summary.changed.sep", language)
    text = i18n.t("portal.mixed.group_sep", language).join(
        i18n.t("portal.mixed.group", language, titles=sep.join(titles),
               details=i18n.t("portal.mixed.detail_sep", language).join(parts))
        for parts, titles in groups.items())
    what = _join([i18n.t(f"portal.mixed.{d}", language) for d in differ], language)
    return i18n.t("portal.mixed", language, what=what, groups=text)
