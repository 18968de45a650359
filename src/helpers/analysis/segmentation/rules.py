"""Rule segments: industry x size band x stage labels, their summary and the two-way grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError

from .labels import OTHER, SEPARATOR, UNKNOWN, _clean_labels

__all__ = [
    "named_segments",
    "populated_dimensions",
    "rule_segments",
    "segment_grid",
    "segment_summary",
]


def populated_dimensions(frame: pd.DataFrame,
                         dims: Sequence[str] = ("industry", "size_band")) -> list[str]:
    """The segment dimensions of ``dims`` that hold at least one value.

    A dimension without any value would make every account ``unknown`` on it, so it says
    nothing and is left out of the rule segments and the grid.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per account.
    dims : sequence of str
        Candidate columns.

    Returns
    -------
    list of str
        The columns of ``dims`` present in ``frame`` with a non-empty value, in order.
    """
    return [d for d in dims if d in frame.columns
            and (_clean_labels(frame[d]) != UNKNOWN).any()]


def rule_segments(frame: pd.DataFrame, *, min_accounts: int = 30,
                  dims: Sequence[str] = ("industry", "size_band", "stage")) -> pd.Series:
    """Label each account with its industry x size band x stage segment.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per account with the ``dims`` columns (missing values become ``unknown``).
    min_accounts : int, default 30
        Segments with fewer accounts are folded into ``"Other"``.
    dims : sequence of str
        Columns that define a segment.

    Returns
    -------
    pandas.Series
        Named ``rule_segment``, same index as ``frame``; labels join the values with
        ``" · "``.
    """
    if isinstance(min_accounts, bool) or not isinstance(min_accounts, (int, np.integer)) \
            or min_accounts < 1:
        raise ParamError(f"min_segment_accounts must be a whole number >= 1, got {min_accounts!r}")
    lacking = [d for d in dims if d not in frame.columns]
    if lacking:
        raise DataError(f"rule segments need the column(s) {', '.join(lacking)}")
    parts = [_clean_labels(frame[d]) for d in dims]
    label = parts[0]
    for p in parts[1:]:
        label = label + SEPARATOR + p
    sizes = label.map(label.value_counts())
    return label.where(sizes >= min_accounts, OTHER).rename("rule_segment")


def segment_summary(frame: pd.DataFrame, segment: pd.Series | str) -> pd.DataFrame:
    """Accounts, revenue, margin and growth per segment, largest revenue first.

    Parameters
    ----------
    frame : pandas.DataFrame
        Account features with ``revenue_12m``, ``revenue_prev_12m``, ``revenue_total`` and
        ``margin_total``.
    segment : pandas.Series or str
        Segment label per row, or the name of a column of ``frame``.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``accounts``, ``account_share``, ``revenue_12m``, ``revenue_share``,
        ``margin_total``, ``margin_rate`` (margin over net revenue, all history) and
        ``growth`` (revenue_12m over revenue_prev_12m minus 1; missing when the previous
        year is not positive). The margin counts accounts with revenue and a known margin
        only (the rate over their revenue); it is missing for a segment without any.
        ``"Other"`` comes last.
    """
    seg = frame[segment] if isinstance(segment, str) else segment
    cols = ["revenue_12m", "revenue_prev_12m", "revenue_total", "margin_total"]
    lacking = [c for c in cols if c not in frame.columns]
    if lacking:
        raise DataError(f"segment_summary needs the column(s) {', '.join(lacking)}")
    # A margin is known for an account with revenue and a margin; the rate divides by the
    # revenue of those accounts only, and a segment without any is unknown, not 0%.
    known = frame["margin_total"].notna() & (frame["revenue_total"] != 0)
    g = frame[cols].assign(segment=seg.to_numpy(), accounts=1,
                           margin_total=frame["margin_total"].where(known),
                           _known_revenue=frame["revenue_total"].where(known)
                           ).groupby("segment", sort=False)
    out = g.sum(numeric_only=True).reset_index()
    out["margin_total"] = g["margin_total"].sum(min_count=1).to_numpy()
    known_revenue = g["_known_revenue"].sum(min_count=1).to_numpy()
    out["account_share"] = out["accounts"] / out["accounts"].sum()
    total = out["revenue_12m"].sum()
    out["revenue_share"] = out["revenue_12m"] / total if total else np.nan
    out["margin_rate"] = out["margin_total"] / pd.Series(known_revenue).where(
        pd.Series(known_revenue) > 0).to_numpy()
    prev = out["revenue_prev_12m"].where(out["revenue_prev_12m"] > 0)
    out["growth"] = out["revenue_12m"] / prev - 1
    out["_other"] = out["segment"] == OTHER
    out = out.sort_values(["_other", "revenue_12m"], ascending=[True, False])
    keep = ["segment", "accounts", "account_share", "revenue_12m", "revenue_share",
            "margin_total", "margin_rate", "growth"]
    return out[keep].reset_index(drop=True)


def segment_grid(frame: pd.DataFrame, *, value: str = "revenue_12m", top: int = 12,
                 rows: Sequence[str] = ("industry", "size_band"), column: str = "stage"
                 ) -> pd.DataFrame:
    """Two-way table of the largest industry x size combinations against stage.

    Parameters
    ----------
    frame : pandas.DataFrame
        Account features with the ``rows`` and ``column`` columns.
    value : str, default "revenue_12m"
        Column to sum, or ``"accounts"`` to count accounts.
    top : int, default 12
        Keep the ``top`` row combinations by total value.
    rows : sequence of str
    column : str

    Returns
    -------
    pandas.DataFrame
        Index: ``industry · size_band`` labels, largest first; columns: stages.
    """
    label = _clean_labels(frame[rows[0]])
    for r in rows[1:]:
        label = label + SEPARATOR + _clean_labels(frame[r])
    vals = pd.Series(1.0, index=frame.index) if value == "accounts" else frame[value]
    col = frame[column]
    cats = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else None
    grid = pd.crosstab(label, col.astype("object"), values=vals, aggfunc="sum").fillna(0.0)
    if cats:
        grid = grid.reindex(columns=cats, fill_value=0.0)
    order = grid.sum(axis=1).sort_values(ascending=False).index[:top]
    grid = grid.loc[order]
    grid.index.name, grid.columns.name = None, None
    return grid


def named_segments(summary: pd.DataFrame) -> int:
    """Rule segments large enough to stand on their own (not pooled in *Other*).

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary`.

    Returns
    -------
    int
    """
    return int((summary.segment != OTHER).sum())
