"""Profit CLV over acquisition cost per group, with a lift test of the accounts that repay it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError
from helpers.stats import multiple_testing as mt


def clv_cac_summary(table: pd.DataFrame, by: str = "acquisition_channel") -> pd.DataFrame:
    """Profit CLV over acquisition cost, per group, for accounts whose cost is known.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`value_table` output.
    by : str, default "acquisition_channel"

    Returns
    -------
    pandas.DataFrame
        ``by``, ``accounts``, ``median_clv_cac``, ``share_above_3`` (accounts returning at
        least three times their acquisition cost), highest median first; empty when no
        acquisition cost is known.
    """
    if by not in table:
        raise ParamError(f"clv_cac_summary: the table has no column {by!r}")
    known = table[table["clv_cac"].notna()]
    out = known.groupby(by).agg(accounts=("clv_cac", "size"),
                                median_clv_cac=("clv_cac", "median"),
                                share_above_3=("clv_cac", lambda s: float((s >= 3).mean())))
    return out.reset_index().sort_values("median_clv_cac", ascending=False,
                                         kind="stable").reset_index(drop=True)


def clv_cac_tests(table: pd.DataFrame, by: str = "acquisition_channel", *,
                  threshold: float = 3.0) -> pd.DataFrame:
    """CLV:CAC per group with a test of how often its accounts return ``threshold`` x.

    Each group's share of accounts returning at least ``threshold`` times their
    acquisition cost is compared with the share among all other accounts with a known
    cost (:func:`helpers.stats.multiple_testing.lift_test`, Fisher exact); the groups form one
    family, to be corrected together (:meth:`helpers.presentation.findings.FindingLog.family`).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`value_table` output.
    by : str, default "acquisition_channel"
    threshold : float, default 3.0

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`clv_cac_summary` plus ``hits``, ``rest_share``, ``lift``,
        ``low``, ``high``, ``p_value`` and ``value`` (positive profit CLV of the group's
        accounts with a known cost), highest median first.
    """
    out = clv_cac_summary(table, by)
    if out.empty:
        return out.assign(hits=[], rest_share=[], lift=[], low=[], high=[], p_value=[], value=[])
    known = table[table["clv_cac"].notna()]
    hit = known["clv_cac"] >= threshold
    counts = known.assign(_hit=hit).groupby(by).agg(hits=("_hit", "sum"), n=("_hit", "size"))
    value = known.groupby(by)["profit_clv"].apply(lambda v: float(v.clip(lower=0).sum()))
    total_hits, total_n = int(hit.sum()), len(known)
    rows = []
    for level in out[by]:
        h, n = int(counts.at[level, "hits"]), int(counts.at[level, "n"])
        res = mt.lift_test(h, n, total_hits - h, total_n - n)
        rest_n = total_n - n
        rows.append({"hits": h, "rest_share": (total_hits - h) / rest_n if rest_n else np.nan,
                     **{k: res[k] for k in ("lift", "low", "high", "p_value")},
                     "value": float(value.get(level, 0.0))})
    return pd.concat([out, pd.DataFrame(rows, index=out.index)], axis=1)


__all__ = [
    "clv_cac_summary",
    "clv_cac_tests",
]
