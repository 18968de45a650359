"""The portal: ``reports/index.html`` with the executive summary and every report's cards.

:func:`build_portal` writes the page from every run's ``run.json``; :func:`portal_summary`
combines the newest good run of every notebook into the executive summary. The card
helpers (:func:`format_number`, :func:`card_deltas`, :func:`sparkline`,
:func:`target_progress`) turn a notebook's headline figures into what a card shows: the
value, its change since the previous comparable run, a trend line and progress against a
target.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from helpers.report.fonts import with_cjk_font
from helpers.report.history import last_good_runs, load_runs
from helpers.report.render import TEMPLATES, report_language
from helpers.stats.numbers import is_missing

__all__ = ["MISSING", "SPARK_HEIGHT", "SPARK_PAD", "SPARK_WIDTH", "build_portal", "card_deltas",
           "format_number", "period_change", "portal_summary", "sparkline", "target_progress"]

#: How a value that cannot be computed is shown.
MISSING = "–"


def format_number(value: Any, language: str = "en", *, signed: bool = False,
                  change: bool = False) -> str:
    """A figure as the portal shows it: compact from 10,000 (``29.7M``, ``2,970万``), else in
    full with thousands separators; text unchanged.

    A missing or non-finite value (``None``, NaN, inf, or a text such as "nan") is shown as
    "–"; a figure that reads as zero carries no sign. See :func:`helpers.report.summary.figure`.
    """
    from helpers.report.summary import figure

    if is_missing(value):
        return MISSING
    return figure(value, report_language(language), signed=signed, change=change)


def period_change(card: dict) -> bool:
    """Whether a card's own ``delta`` is the change against its previous period.

    A notebook that names the ``period`` of a figure and gives its change measures that
    change within the run's data (the previous quarter, the previous month), not against an
    earlier run.
    """
    return (bool(_text(card.get("period"))) and not is_missing(card.get("delta"))
            and not card.get("since_run"))


def card_deltas(headlines: dict, previous: dict | None, *, breaks: list[str] | tuple = ()
                ) -> dict:
    """Headline cards with the change since ``previous`` filled in where a card has none.

    Only numeric cards with the same label in both runs get a delta. Cards with a ``flag``
    never get one (the flag is shown instead). A card with a ``period`` and a ``delta`` of
    its own carries the change against its previous period (:func:`period_change`), which
    the data of one run measures: it is kept as it is, whatever changed between runs. When
    the two runs are not comparable (``breaks``, see
    :func:`helpers.report.summary.comparison_breaks`), such cards, and cards with a change of
    their own (a notebook's own run-over-run change), get ``"no_comparison": breaks`` instead
    of a delta, so the portal and the summary say why the figure is not compared rather than
    reporting the difference as a movement.

    Parameters
    ----------
    headlines : dict
        ``label -> card`` of this run.
    previous : dict or None
        ``label -> card`` of the notebook's previous good run.
    breaks : sequence of str
        What changed between the two runs (``parameters``, ``data``, ``code``).

    Returns
    -------
    dict
        New cards; the inputs are not modified.
    """
    out = {}
    for label, card in headlines.items():
        card = dict(card) if isinstance(card, dict) else {"value": card}
        old = (previous or {}).get(label) or {}
        old = old if isinstance(old, dict) else {"value": old}
        now, before = card.get("value"), old.get("value")
        both = all(isinstance(v, (int, float)) and not isinstance(v, bool) and not is_missing(v)
                   for v in (now, before))
        if card.get("flag") or period_change(card):
            pass  # a flag replaces any change; a change on the previous period is the data's
        elif breaks and (both or not is_missing(card.get("delta"))):
            # a notebook's own change is a run-over-run change too: not comparable either
            card.pop("delta", None)
            card["no_comparison"] = list(breaks)
        elif both and is_missing(card.get("delta")):
            delta = now - before
            card["delta"] = round(delta, 6) if isinstance(delta, float) else delta
            card["since_run"] = True  # the portal's change since the last run
        out[label] = card
    return out


#: Size of a card's trend line, in CSS pixels.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 24, 2.5


def _numbers(values: Any) -> list[float]:
    """The finite numbers of a list (booleans, text and missing values left out)."""
    if not isinstance(values, (list, tuple)):
        return []
    return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
            and not is_missing(v)]


def _with_unit(text: str, unit: str) -> str:
    return text if not unit or text == MISSING else text + (unit if unit == "%" else f" {unit}")


def sparkline(trend: Any, label: str, unit: str = "", lang: str = "en") -> dict | None:
    """A card's trend as the coordinates of a small inline SVG line, or ``None``.

    Parameters
    ----------
    trend : list of numbers
        Oldest first, ending with the card's value; missing and non-numeric entries are
        left out, and fewer than two numbers draw nothing.
    label : str
        The card's label, for the line's text alternative.
    unit : str
    lang : {"en", "zh"}

    Returns
    -------
    dict or None
        ``points`` (the polyline's ``x,y`` pairs, numbers only), ``x`` and ``y`` of the last
        point, ``width``, ``height`` and ``alt`` (a sentence naming the first and last value).
    """
    from helpers.presentation.i18n import t

    values = _numbers(trend)
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    span_x = (SPARK_WIDTH - 2 * SPARK_PAD) / (len(values) - 1)
    span_y = SPARK_HEIGHT - 2 * SPARK_PAD
    points = []
    for i, v in enumerate(values):
        y = SPARK_HEIGHT / 2 if high == low else SPARK_PAD + (high - v) / (high - low) * span_y
        points.append((round(SPARK_PAD + i * span_x, 1), round(y, 1)))
    alt = t("portal.trend", lang, label=label, n=len(values),
            first=_with_unit(format_number(values[0], lang), unit),
            last=_with_unit(format_number(values[-1], lang), unit))
    return {"points": " ".join(f"{x:g},{y:g}" for x, y in points), "x": points[-1][0],
            "y": points[-1][1], "width": SPARK_WIDTH, "height": SPARK_HEIGHT, "alt": alt}


def target_progress(card: dict, unit: str = "", lang: str = "en") -> dict | None:
    """A card's progress against its target: "84% of target 35M EUR", or ``None``.

    Parameters
    ----------
    card : dict
        With ``value``, ``target`` and ``better`` (``down``: the target is a ceiling, and
        staying at or below it is good news).
    unit : str
    lang : {"en", "zh"}

    Returns
    -------
    dict or None
        ``text``, ``width`` (0..100, the bar) and ``direction`` (``up`` when the target is
        met, ``down`` when a ceiling is exceeded, else empty); ``None`` without a finite
        numeric target. Without a finite value of the same sign the text only names the
        target.
    """
    from helpers.presentation.i18n import t

    target, value = _numbers([card.get("target")]), _numbers([card.get("value")])
    if not target:
        return None
    shown = _with_unit(format_number(target[0], lang), unit)
    if not value or target[0] == 0 or value[0] / target[0] < 0:
        return {"text": t("portal.target_only", lang, target=shown), "width": None,
                "direction": ""}
    share = value[0] / target[0] * 100
    pct = f"{share:,.0f}%"
    if card.get("better") == "down":
        direction = "up" if share <= 100 else "down"
    else:
        direction = "up" if share >= 100 else ""
    return {"text": t("portal.target", lang, pct=pct, target=shown),
            "width": round(min(share, 100.0), 1), "direction": direction}


def _text(value: Any) -> str:
    """A card's text field (unit, period): empty when missing."""
    if is_missing(value) or isinstance(value, (dict, list)):
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none", "null", "inf", "-inf", "nat", "<na>") else text


def _cards(headlines: dict, lang: str = "en") -> list[dict]:
    """Cards as the portal template shows them, in the language of the report.

    The value is a compact figure with its unit (:func:`format_number`). The line under it
    is, in this order of precedence: the card's ``flag``; why it is not compared with the
    last run (``no_comparison``); "no change" for a change that reads as zero (``0``,
    ``-0.0``, ``+0``, ``-0%``, or a number that rounds to zero); the signed change,
    coloured by whether it is good news. ``period``, ``trend`` (a small line) and
    ``target`` (progress against it) are shown when the card has them.
    """
    from helpers.presentation.i18n import t
    from helpers.report.summary import is_zero_change, no_comparison_text

    lang = report_language(lang)
    cards = []
    for label, card in headlines.items():
        card = card if isinstance(card, dict) else {"value": card}
        unit = _text(card.get("unit"))
        delta = card.get("delta")
        direction = ""
        if _text(card.get("flag")):
            delta, direction = _text(card["flag"]), "flag"
        elif card.get("no_comparison"):
            delta, direction = no_comparison_text(card["no_comparison"], lang), "muted"
        elif is_missing(delta) or isinstance(delta, bool) or not _text(delta):
            delta = None
        elif isinstance(delta, (int, float)):
            shown = format_number(abs(delta), lang, change=True)
            if delta == 0 or is_zero_change(delta, shown):
                delta, direction = t("portal.no_change", lang), "muted"
            else:
                # coloured by whether the move is good news, not by its sign
                good = (delta > 0) == (card.get("better", "up") != "down")
                direction = "up" if good else "down"
                delta = (format_number(delta, lang, signed=True, change=True)
                         + (t("portal.pp", lang) if unit == "%" else ""))
                if period_change(card):
                    delta = t("portal.delta_period", lang, delta=delta)
        elif is_zero_change(delta) or is_zero_change(_text(delta)):
            delta, direction = t("portal.no_change", lang), "muted"
        else:
            delta = _text(delta)
            if period_change(card):
                delta = t("portal.delta_period", lang, delta=delta)
        cards.append({"label": str(label), "value": format_number(card.get("value"), lang),
                      "unit": unit, "delta": delta, "direction": direction,
                      "period": _text(card.get("period")),
                      "spark": sparkline(card.get("trend"), str(label), unit, lang),
                      "target": target_progress(card, unit, lang)})
    return cards


def _link(run_id: str, filename: str) -> str:
    return f"{quote(run_id)}/{quote(filename)}"


def _compared_cards(name: str, nb: dict, run_id: str, runs: list[dict]) -> tuple[dict, list[str]]:
    """A notebook's cards with their change since its previous good run, and what broke it."""
    from helpers.report.summary import comparison_breaks

    previous = _previous_good(name, run_id, runs)
    breaks = comparison_breaks(nb, previous) if previous else []
    return card_deltas(nb.get("headlines") or {}, (previous or {}).get("headlines"),
                       breaks=breaks), breaks


def _previous_good_run(name: str, run_id: str, runs: list[dict]) -> dict | None:
    """The newest run older than ``run_id`` in which the notebook succeeded."""
    older = False
    for run in runs:  # newest first
        if run["run_id"] == run_id:
            older = True
            continue
        if older and run.get("notebooks", {}).get(name, {}).get("status") == "ok":
            return run
    return None


def _previous_good(name: str, run_id: str, runs: list[dict]) -> dict | None:
    """The notebook's entry in the newest good run older than ``run_id``."""
    run = _previous_good_run(name, run_id, runs)
    return run["notebooks"][name] if run else None


def _portal_entry(name: str, nb: dict, run_id: str, good: dict[str, str],
                  by_id: dict[str, dict], runs: list[dict], lang: str) -> dict:
    """A report as the portal lists it: title and cards in the language it ran in."""
    from helpers.presentation.i18n import t
    from helpers.report.summary import entry_language

    own = entry_language(nb, by_id.get(run_id, {}))
    entry = {"name": name, "title": nb.get("title") or name, "status": nb.get("status"),
             "error": nb.get("error"), "seconds": nb.get("seconds"), "links": [], "cards": [],
             "last_good": None, "management": None, "analyst": None, "language": own}
    if nb.get("status") == "ok":
        files = nb.get("files", {})
        entry["links"] = [(t(f"portal.link.{label}", lang), _link(run_id, files[key]))
                          for key, label in (("management", "report"), ("analyst", "analyst"),
                                             ("notebook", "notebook")) if files.get(key)]
        entry["cards"] = _cards(_compared_cards(name, nb, run_id, runs)[0], own)
        entry["management"] = _link(run_id, files["management"]) if files.get("management") else None
        entry["analyst"] = _link(run_id, files["analyst"]) if files.get("analyst") else None
    elif name in good:
        old_id = good[name]
        old = by_id[old_id]["notebooks"][name]
        old_lang = entry_language(old, by_id[old_id])
        # the report linked is the old one: its title as it was run
        entry["title"], entry["language"] = old.get("title") or entry["title"], old_lang
        entry["last_good"] = {"run_id": old_id, "link": _link(old_id, old["files"]["management"]),
                              "cards": _cards(_compared_cards(name, old, old_id, runs)[0],
                                              old_lang)}
        entry["management"] = entry["last_good"]["link"]
        if old["files"].get("analyst"):
            entry["analyst"] = _link(old_id, old["files"]["analyst"])
    if nb.get("files", {}).get("failed_notebook"):
        entry["links"] = [(t("portal.link.failed_notebook", lang),
                           _link(run_id, nb["files"]["failed_notebook"]))]
    return entry


def _combined(runs: list[dict]) -> tuple[dict, list]:
    """The newest good run of every notebook, as one run record for the summary.

    Returns the record (``notebooks``: name -> entry with its cards compared with the
    notebook's previous good run, its ``language`` and ``failed_latest`` when the latest run
    failed it; notebooks that never succeeded keep their failed entry) and the
    :class:`helpers.report.summary.Source` of every good entry.
    """
    from helpers.report import summary

    latest = runs[0]
    newest = summary.newest_good(runs)
    notebooks, sources = {}, []
    for name, nb in latest.get("notebooks", {}).items():
        if nb.get("status") != "ok" and name not in newest:
            notebooks[name] = {**nb, "has_last_good": False}
    for name, (run, nb) in newest.items():
        cards = _compared_cards(name, nb, run["run_id"], runs)[0]
        failed = latest.get("notebooks", {}).get(name, {}).get("status") not in (None, "ok")
        notebooks[name] = {**nb, "headlines": cards, "language": summary.entry_language(nb, run),
                           "run_id": run["run_id"], "failed_latest": failed,
                           "has_last_good": True}
        sources.append(summary.report_source(name, nb, run))
    order = list(latest.get("notebooks", {}))
    order += [n for n in notebooks if n not in order]
    return ({"run_id": latest["run_id"], "notebooks": {n: notebooks[n] for n in order
                                                        if n in notebooks}}, sources)


def portal_summary(runs: list[dict], lang: str = "en") -> dict:
    """The executive summary of the portal: key figure cards, their baseline, findings.

    The summary combines the newest good run of every notebook, not only the latest run:
    after a run of one notebook the others' figures and findings stay, and one line says
    when the reports come from different runs, data sources or languages.

    Parameters
    ----------
    runs : list of dict
        Run records, newest first.
    lang : {"en", "zh"}
        The portal's language (the latest run's).

    Returns
    -------
    dict
        ``cards`` (for the card macro), ``baseline`` (a sentence saying what the deltas
        compare with, or why they are not compared), ``findings`` (list of sentences),
        ``items`` (the same findings as ``{"text", "action"}``, the action empty when there
        is none), ``note`` (one line when the reports checked claims and none passed its
        test, else empty), ``provenance`` (one line when the reports come from different
        runs, data sources or languages, else empty) and ``notebook`` (whose cards are the
        key figures).
    """
    from helpers.presentation.i18n import t
    from helpers.report import summary

    if not runs:
        return {"cards": [], "baseline": "", "findings": [], "items": [], "note": "",
                "provenance": "", "notebook": ""}
    combined, sources = _combined(runs)
    key = combined["notebooks"].get(summary.KEY_FIGURES_NOTEBOOK, {})
    baseline, cards = "", []
    if key.get("status") == "ok":
        run_id = key["run_id"]
        previous = _previous_good_run(summary.KEY_FIGURES_NOTEBOOK, run_id, runs)
        breaks = summary.comparison_breaks(
            key, previous["notebooks"][summary.KEY_FIGURES_NOTEBOOK]) if previous else []
        cards = _cards(key["headlines"], key["language"])
        changed = [c for c in key["headlines"].values()
                   if isinstance(c, dict) and not is_missing(c.get("delta"))]
        if changed and all(period_change(c) for c in changed):
            baseline = t("portal.deltas_period", lang)
        elif previous and breaks:
            baseline = t("portal.deltas_not_compared", lang, run_id=previous["run_id"],
                         as_of=previous.get("as_of") or "?",
                         reason=summary.no_comparison_text(breaks, lang))
        elif previous:
            baseline = t("portal.deltas_since", lang, run_id=previous["run_id"],
                         as_of=previous.get("as_of") or "?")
        else:
            baseline = t("portal.deltas_first", lang)
        notebook = summary.KEY_FIGURES_NOTEBOOK
    else:
        # without the KPI notebook: the first two cards of every report
        for nb in combined["notebooks"].values():
            if nb.get("status") == "ok":
                cards += _cards(dict(list((nb.get("headlines") or {}).items())[:2]),
                                nb["language"])
        notebook = ""
    chosen = summary.executive_findings(combined, lang)
    checked, stated = summary.claims_stated(combined)
    note = t("summary.none_stated", lang, n=checked) if checked and not stated else ""
    return {"cards": cards, "baseline": baseline, "findings": [f.text for f in chosen],
            "items": [{"text": f.text, "action": summary.action_text(f.action)} for f in chosen],
            "note": note, "provenance": summary.provenance(sources, lang), "notebook": notebook}


def build_portal(reports_dir: str | os.PathLike) -> Path:
    """Write ``reports/index.html`` from every run's ``run.json``.

    The page opens with the executive summary, which combines the newest good run of every
    notebook: key figure cards with their change since the notebook's previous good run,
    three to five findings with their recommended actions (:mod:`helpers.report.summary`), one
    line when the reports come from different runs, data sources or languages, and a table
    linking each report in its management and analyst versions. Then come the cards of
    each report; a failed notebook links its last good report. Notebooks not in the latest
    run keep their newest good report. The run history closes the page. Links are relative
    and nothing is loaded from elsewhere (trend lines are inline SVG), so the portal works
    opened from disk. The page's own texts follow the ``language`` of the latest run; each
    report keeps the title and cards of the language it ran in.

    Parameters
    ----------
    reports_dir : path-like

    Returns
    -------
    pathlib.Path
        The written ``index.html``.
    """
    import jinja2
    import markupsafe

    from helpers.presentation.i18n import labels, t

    reports = Path(reports_dir)
    reports.mkdir(parents=True, exist_ok=True)
    runs = load_runs(reports)
    good = last_good_runs(runs)
    by_id = {r["run_id"]: r for r in runs}
    latest = runs[0] if runs else None
    lang = report_language((latest or {}).get("language"))
    entries, others = [], []
    if latest:
        entries = [_portal_entry(n, nb, latest["run_id"], good, by_id, runs, lang)
                   for n, nb in latest.get("notebooks", {}).items()]
        for name, run_id in sorted(good.items()):
            if name not in latest.get("notebooks", {}):
                others.append(_portal_entry(name, by_id[run_id]["notebooks"][name], run_id,
                                            good, by_id, runs, lang) | {"run_id": run_id})
    history = [{
        "run_id": r["run_id"], "status": r.get("status"), "started": r.get("started"),
        "seconds": r.get("seconds"), "as_of": r.get("as_of"),
        "ok": sum(1 for nb in r.get("notebooks", {}).values() if nb.get("status") == "ok"),
        "failed": sum(1 for nb in r.get("notebooks", {}).values() if nb.get("status") != "ok"),
        "record": _link(r["run_id"], "run.json"),
        "log": _link(r["run_id"], "run.log") if (reports / r["run_id"] / "run.log").is_file()
        else None,
    } for r in runs]
    meta = ""
    if latest:
        meta = t("portal.latest_meta", lang, run_id=latest["run_id"],
                 as_of=latest.get("as_of") or "", started=latest.get("started") or "",
                 seconds=f"{latest.get('seconds') or 0:.0f}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    page = env.get_template("portal.html.j2").render(
        css=markupsafe.Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        company_name=(latest or {}).get("company_name") or "Key Account Workbook",
        language=lang, L=labels(lang, "portal."), S=labels(lang, "status."),
        no_reports_hint=markupsafe.Markup(t("portal.no_reports_hint", lang)),
        latest=latest, meta=meta, summary=portal_summary(runs, lang),
        entries=entries, others=others, history=history,
    )
    page = with_cjk_font(page)
    target = reports / "index.html"
    tmp = reports / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target
