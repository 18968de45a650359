"""Budget tables for people: the labels this package writes, styled tables, allocation shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.budget.plan import GOALS
from helpers.presentation import i18n

__all__ = [
    "allocation_shares",
    "channel_label",
    "report_table",
    "scenario_label",
    "value_label",
]


def scenario_label(name: str, language: str = "en") -> str:
    """The reader's name of a :func:`scenario_table` scenario (``"budget -20%"``) in ``language``."""
    if language == "en":
        return name
    if name.startswith("budget "):
        return i18n.t("budget_allocation.scenario.budget", language, change=name[len("budget "):])
    if name.startswith("bounds x"):
        return i18n.t("budget_allocation.scenario.bounds", language, factor=name[len("bounds x"):])
    key = f"budget_allocation.scenario.{name.replace(' ', '_')}"
    return i18n.t(key, language) if key in i18n.LABELS else name


#: Columns of the budget tables whose values are the package's own labels, not data.
_VALUE_KEYS = {
    "model": {"assumed constant ROI": "constant", "fitted curve": "fitted"},
    "binding": {"upper bound": "upper", "lower bound": "lower", "ROI cap": "cap"},
    "action": {"reduce": "reduce", "increase": "increase", "hold": "hold"},
    "goal": {g: g for g in GOALS},
}


def value_label(column: str, value: Any, language: str = "en") -> Any:
    """A label the budget package writes into a table (a ``binding``, ``action``, ``model``, ``goal``
    or ``scenario`` value) in ``language``; English and any other value are returned as is."""
    if language == "en" or not isinstance(value, str):
        return value
    if column == "scenario":
        return scenario_label(value, language)
    key = _VALUE_KEYS.get(column, {}).get(value)
    return i18n.t(f"budget_allocation.{column}.{key}", language) if key else value


def report_table(table: pd.DataFrame, formats: Mapping[str, str] | None = None, *,
                 language: str = "en", na_rep: str = "–"):
    """A budget table styled for the report, with headers and the budget labels in ``language``.

    Parameters
    ----------
    table : pandas.DataFrame
        Any budget table; its columns are renamed with ``budget_allocation.col.<name>``
        (other columns, such as channel names, keep their name).
    formats : mapping of str to str, optional
        Number formats by original column name.
    language : {"en", "zh"}
    na_rep : str
        Shown for a value that cannot be computed.

    Returns
    -------
    pandas.io.formats.style.Styler
        True/false columns read yes/no in ``language``.
    """
    out = table.copy()
    for col in (*_VALUE_KEYS, "scenario"):
        if col in out.columns:
            out[col] = [value_label(col, v, language) for v in out[col]]
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = [i18n.t(f"budget_allocation.{'yes' if v else 'no'}", language)
                        for v in out[col]]
    names = {c: i18n.t(f"budget_allocation.col.{c}", language, default=str(c)) for c in out.columns}
    fmt = {names[c]: f for c, f in (formats or {}).items() if c in names}
    return (out.rename(columns=names).style.format(fmt, na_rep=na_rep, escape="html")
            .hide(axis="index"))


def channel_label(channel: Any, language: str = "en") -> str:
    """A channel as the reader names it: ``trade_show`` → "trade shows" / "展会".

    Known channels have a text in both languages (``budget_allocation.channel.<name>``);
    any other name is shown with its underscores as spaces.
    """
    return i18n.code_label("budget_allocation.channel", channel, language)


def allocation_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each channel's share of spend and of outcome, current and recommended.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`mix_table` (``channel, current, proposed, outcome_current,
        outcome_proposed``).

    Returns
    -------
    pandas.DataFrame
        ``channel, spend_current, spend_proposed, outcome_current, outcome_proposed``, each a
        fraction; every share column sums to 1 (NaN when its total is not positive).
    """
    out = pd.DataFrame({"channel": table["channel"].to_numpy()})
    for col, src in (("spend_current", "current"), ("spend_proposed", "proposed"),
                     ("outcome_current", "outcome_current"),
                     ("outcome_proposed", "outcome_proposed")):
        values = pd.to_numeric(table[src], errors="coerce").fillna(0.0).clip(lower=0).to_numpy()
        total = float(values.sum())
        out[col] = values / total if total > 0 else np.nan
    return out
