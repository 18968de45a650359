"""The wording of what the data supports: reasons, skipped and partial notes, tables.

:mod:`helpers.data.capabilities` measures the data and gives, per analysis, a status and
the reasons as codes with values; this module turns them into text in the report
language. It takes plain values (status strings, ``(code, values)`` pairs, the
``Capabilities.as_dict()`` facts), so presentation does not depend on the data layer::

    caps = capabilities.cached_measure(ws, as_of, output_dir)
    note = capability_text.skip_note(caps.support("value.clv_model"), language)
    if note:
        display(Markdown(note))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from helpers.presentation import i18n

__all__ = [
    "analysis_label",
    "facts_frame",
    "partial_note",
    "reason_text",
    "reasons_text",
    "skip_note",
    "support_frame",
]

#: The measured facts of the data overview, in display order.
_FACTS = ("first_order", "last_order", "history_days", "customers", "repeat_buyers",
          "median_tenure_days", "order_months", "time_of_day", "experiments", "spend_months")


def analysis_label(key: str, language: str = "en") -> str:
    """The name of analysis ``key`` in ``language``."""
    return i18n.t(f"capabilities.analysis.{key}", language, default=key)


def _number(value) -> str:
    # counts are whole numbers; thresholds are shown without decimals
    return f"{value:,.0f}" if isinstance(value, float) else f"{value:,}"


def reason_text(reason: Sequence, language: str = "en") -> str:
    """One reason in ``language``.

    Parameters
    ----------
    reason : (code, values)
        A :class:`helpers.data.capabilities.Reason` or any pair of a code and the named
        values of its wording; numbers are formatted with thousands separators.
    language : str
        Report language.

    Returns
    -------
    str
    """
    code, values = reason[0], reason[1] if len(reason) > 1 else ()
    words = {k: _number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
             for k, v in dict(values).items()}
    return i18n.t(f"capabilities.reason.{code}", language, **words)


def reasons_text(reasons: Iterable[Sequence], language: str = "en") -> str:
    """The reasons in ``language`` joined into one clause ("" without reasons)."""
    return i18n.t("capabilities.join", language).join(reason_text(r, language)
                                                        for r in reasons)


def skip_note(support: Sequence, language: str = "en") -> str | None:
    """The one-line "skipped: reason" note, or ``None`` when the analysis runs.

    Parameters
    ----------
    support : (status, reasons)
        What ``Capabilities.support(key)`` returns.
    language : str
        Report language.
    """
    status, reasons = support
    if status != "not_supported":
        return None
    return i18n.t("capabilities.skipped", language, reason=reasons_text(reasons, language))


def partial_note(support: Sequence, language: str = "en") -> str | None:
    """A one-line note on what the analysis leaves out, or ``None`` unless it is partial.

    Parameters
    ----------
    support : (status, reasons)
        What ``Capabilities.support(key)`` returns.
    language : str
        Report language.
    """
    status, reasons = support
    if status != "partial":
        return None
    return i18n.t("capabilities.partial", language, reason=reasons_text(reasons, language))


def support_frame(rows: Iterable[Mapping], language: str = "en") -> pd.DataFrame:
    """Every analysis with its status and reason (the data overview's table).

    Parameters
    ----------
    rows : iterable of dict
        ``{"key", "notebook", "status", "reasons"}`` per analysis, as
        ``Capabilities.support_rows()`` gives them.
    language : str
        Report language.

    Returns
    -------
    pandas.DataFrame
        Columns ``notebook``, ``analysis``, ``status``, ``reason``.
    """
    out = [{
        "notebook": i18n.t(f"notebook.{row['notebook']}", language, default=row["notebook"]),
        "analysis": analysis_label(row["key"], language),
        "status": i18n.t(f"capabilities.status.{row['status']}", language),
        "reason": reasons_text(row["reasons"], language) or "–",
    } for row in rows]
    return pd.DataFrame(out, columns=["notebook", "analysis", "status", "reason"])


def facts_frame(facts: Mapping, language: str = "en") -> pd.DataFrame:
    """The measured facts as a two-column table of labels and formatted values.

    Parameters
    ----------
    facts : dict
        ``Capabilities.as_dict()``.
    language : str
        Report language.

    Returns
    -------
    pandas.DataFrame
    """
    yes, no = i18n.t("capabilities.yes", language), i18n.t("capabilities.no", language)
    stamps = ", ".join(f"{k}: {yes if v else no}"
                       for k, v in sorted(facts.get("time_of_day", {}).items()))
    tenure = facts.get("median_tenure_days")
    shown = {
        "first_order": facts.get("first_order") or "–",
        "last_order": facts.get("last_order") or "–",
        "median_tenure_days": "–" if tenure is None else f"{tenure:,.0f}",
        "time_of_day": stamps or "–",
    }
    values = [(k, shown[k] if k in shown else f"{facts.get(k, 0):,}") for k in _FACTS]
    return pd.DataFrame(
        [(i18n.t(f"capabilities.fact.{k}", language), v) for k, v in values],
        columns=[i18n.t("capabilities.col.fact", language),
                 i18n.t("capabilities.col.value", language)])
