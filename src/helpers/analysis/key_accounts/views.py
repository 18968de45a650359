"""Tables for people from the value table: populated columns, top accounts, changes, trends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


def populated_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """The ``columns`` of ``frame`` that exist and hold at least one value, in order.

    A report table leaves out a column with nothing in it (no industry in the data, no
    P(alive) without a churn model) rather than showing an empty column. When
    ``account_name`` is empty, ``account_id`` stands in for it.

    Returns
    -------
    list of str
    """
    out = []
    for col in columns:
        vals = frame[col] if col in frame else pd.Series(dtype="float64")
        if vals.dtype == object or pd.api.types.is_string_dtype(vals):
            vals = vals.astype("string").str.strip().replace("", pd.NA)
        if vals.notna().any():
            out.append(col)
        elif col == "account_name" and "account_id" in frame:
            out.append("account_id")
    return list(dict.fromkeys(out))


def largest(values: pd.Series) -> tuple[Any, float]:
    """The label and value of the largest entry of ``values`` (for a chart's alt text).

    Parameters
    ----------
    values : pandas.Series
        Numbers indexed by label; at least one is not missing.

    Returns
    -------
    (label, value)
    """
    return values.idxmax(), float(values.max())


def top_value_accounts(table: pd.DataFrame, value_col: str, n: int = 10) -> pd.DataFrame:
    """The ``n`` accounts with the largest ``value_col``, with the columns of the profit table.

    The columns are name, CLV, margin rate, cost rate (only when the data has service
    costs, ``table.attrs["has_service_costs"]``), profit CLV and CLV:CAC, each only where it
    holds a value (:func:`populated_columns`).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`assemble_value_table` output.
    value_col : str
        Column to rank by.
    n : int, default 10

    Returns
    -------
    pandas.DataFrame
    """
    top = table.nlargest(n, value_col)
    costs = "cost_rate" if table.attrs.get("has_service_costs") else ""
    return top[populated_columns(top, ["account_name", "clv", "margin_rate", costs, "profit_clv",
                                       "clv_cac"])]


def change_counts(changes: pd.DataFrame) -> dict[str, int]:
    """How many accounts were promoted, demoted and kept (:func:`compare_with_previous`).

    Returns
    -------
    dict
        ``{"promoted": int, "demoted": int, "kept": int}``; a missing kind counts 0.
    """
    counts = changes["change"].value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in ("promoted", "demoted", "kept")}


def trend_view(profiles: pd.DataFrame, trend: pd.DataFrame, n: int = 8
               ) -> tuple[pd.DataFrame, dict[str, str], pd.Series]:
    """The monthly revenue of the ``n`` highest-ranked key accounts, for the small multiples.

    Parameters
    ----------
    profiles : pandas.DataFrame
        :func:`dossiers` profiles (``account_id``, ``rank``, ``label``); not empty.
    trend : pandas.DataFrame
        :func:`dossiers` trend (``account_id``, ``month``, ``revenue``).
    n : int, default 8

    Returns
    -------
    shown : pandas.DataFrame
        Trend rows of those accounts with their ``rank``, sorted by rank and month.
    labels : dict
        Account id -> label (``"1. Name"``).
    peak : pandas.Series
        The row of ``shown`` with the highest monthly revenue.
    """
    ranks = profiles.set_index("account_id")["rank"]
    shown = trend[trend["account_id"].isin(ranks.index[:n])].assign(
        rank=lambda d: d["account_id"].map(ranks))
    shown = shown.sort_values(["rank", "month"], kind="stable")
    labels = profiles.set_index("account_id")["label"].to_dict()
    return shown, labels, shown.loc[shown["revenue"].idxmax()]


__all__ = [
    "change_counts",
    "largest",
    "populated_columns",
    "top_value_accounts",
    "trend_view",
]
