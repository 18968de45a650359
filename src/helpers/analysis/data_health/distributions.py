"""The key distributions of the data overview: chart panels and their sentences.

A column without data is never drawn, ranked or summarised as a value: it is named once
as not shown, and a missing category never competes with the real ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.data_health.queries import CATEGORY_MIXES, _distribution_data
from helpers.analysis.data_health.views import table_label
from helpers.presentation import i18n

if TYPE_CHECKING:
    from helpers.data.capabilities import Capabilities
    from helpers.data.datasets import Workspace

__all__ = [
    "key_distributions",
]


def _missing_clause(mix: pd.DataFrame, table: str, column: str, language: str) -> str:
    n, total = mix.attrs.get("missing_rows", 0), mix.attrs.get("total_rows", 0)
    if not n:
        return ""
    return " " + i18n.t("data_overview.missing_values", language, n=f"{n:,}", total=f"{total:,}",
                        table=table_label(table, language), column=column)


def key_distributions(ws: Workspace, caps: Capabilities, *, top: int = 12, language: str = "en",
                      currency: str = "") -> tuple[list[dict], str]:
    """The charts and sentences of the key distributions, for the columns that hold data.

    Parameters
    ----------
    ws : Workspace
    caps : helpers.data.capabilities.Capabilities
        Which columns hold data.
    top : int
        Categories per chart before the rest is folded into "Other".
    language : {"en", "zh"}
    currency : str

    Returns
    -------
    (list of dict, str)
        Panels for :func:`plot_panel` (``kind``, ``data``, ``title``, ``xlabel``, ``column``,
        ``money``, ``currency``, ``language``) and the
        sentences, ending with one line naming the columns not shown for lack of data.
    """
    mixes, employees = _distribution_data(ws, caps, top)
    return _distributions(mixes, employees, language=language, currency=currency)


def _distributions(all_mixes: dict, employees: pd.Series, *, language: str,
                   currency: str) -> tuple[list[dict], str]:
    """The panels and sentences of :func:`key_distributions` from the queried data."""
    t = i18n.t
    other = {"Other": t("data_overview.other", language)}
    panels, sentences, not_shown = [], [], []
    titles = {"industry": t("data_overview.chart.accounts_by_industry", language),
              "region": t("data_overview.chart.accounts_by_region", language),
              "product_line": t("data_overview.chart.order_value_by_line", language,
                                currency=currency)}
    mixes = {}
    for table, column, value in CATEGORY_MIXES:
        mix = all_mixes[column]
        if mix.empty:
            not_shown.append(f"{table}.{column}")
            continue
        mixes[column] = mix
        panels.append({"kind": "bar", "title": titles[column], "column": column,
                       "money": bool(value), "currency": currency if value else "",
                       "language": language,
                       "xlabel": t("data_overview.chart.order_value" if value
                                   else "data_overview.chart.accounts", language),
                       "data": mix.set_index(column)["value" if value else "rows"].rename(
                           index=other)})
    if (employees > 0).any():
        panels.append({"kind": "distribution", "data": employees, "column": "employees",
                       "money": False, "currency": "", "language": language,
                       "title": t("data_overview.chart.company_size", language),
                       "xlabel": t("data_overview.chart.employees_log", language)})
    else:
        not_shown.append("accounts.employees")
    if "industry" in mixes:
        top_row = mixes["industry"].iloc[0]
        sentences.append(t("data_overview.largest_industry", language, industry=top_row["industry"],
                           share=f"{top_row['share']:.0%}")
                         + _missing_clause(mixes["industry"], "accounts", "industry", language))
    line = None
    if "product_line" in mixes:
        lines = mixes["product_line"]
        known = lines[np.isfinite(lines["value_share"].astype("float64"))]
        if len(known):
            line = known.loc[known["value"].idxmax()]
    size = {"median": f"{employees.median():,.0f}", "largest": f"{employees.max():,.0f}"} \
        if len(employees) else None
    if line is not None:
        name = other.get(line["product_line"], line["product_line"])
        if size:
            sentences.append(t("data_overview.product_lines", language, line=name,
                               share=f"{line['value_share']:.0%}", **size))
        else:
            sentences.append(t("data_overview.largest_line", language, line=name,
                               share=f"{line['value_share']:.0%}"))
        sentences[-1] += _missing_clause(mixes["product_line"], "orders", "product_line",
                                         language)
    elif size:
        sentences.append(t("data_overview.company_size", language, **size))
    if not_shown:
        sentences.append(t("data_overview.not_shown", language, columns=", ".join(not_shown)))
    return panels, " ".join(sentences) if language != "zh" else "".join(sentences)

