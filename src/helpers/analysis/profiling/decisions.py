"""Decision process per segment: the buying committee, sales-cycle length and win rate."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.profiling import queries
from helpers.analysis.profiling.segments import MISSING, OTHER, _ordered_levels, _segment_frame
from helpers.core.errors import DataError
from helpers.core.params import as_of_date

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = ["buying_committee", "sales_cycle"]


def buying_committee(ws: Workspace, features: pd.DataFrame, by: str = "size_band", *,
                     top: int | None = 12) -> pd.DataFrame:
    """Buying-committee size and role mix per segment, from the contacts table.

    Contacts are counted per account and role in the engine; accounts without contacts are
    left out (an unknown committee, not an empty one).

    Parameters
    ----------
    ws : Workspace
        Must provide ``contacts``.
    features : pandas.DataFrame
        One row per account (for the segment of each account).
    by : str
        Segment column.
    top : int, optional
        Largest segments kept; the rest are folded into ``"Other"``.

    Returns
    -------
    pandas.DataFrame
        ``segment, accounts, committee_median, committee_mean, size_p`` and one
        ``share_<role>`` column per role (share of the segment's contacts), plus a last row
        ``segment="All accounts"``. ``size_p`` is the two-sided Mann-Whitney U p-value of
        the segment's committee sizes against all other accounts' (missing for the last
        row, for folded and unknown segments).
    """
    from scipy import stats

    if not ws.has("contacts"):
        raise DataError("the buying committee needs the contacts table")
    long = queries.contact_roles(ws)
    wide = long.pivot_table(index="account_id", columns="role", values="n", aggfunc="sum",
                            fill_value=0)
    seg = _segment_frame(features, by, top).set_index("account_id")
    wide = wide.join(seg, how="inner")
    roles = [r for r in wide.columns if r != "segment"]
    wide["size"] = wide[roles].sum(axis=1)

    def summarise(g: pd.DataFrame) -> dict:
        contacts = g["size"].sum()
        row = {"accounts": len(g), "committee_median": float(g["size"].median()),
               "committee_mean": float(g["size"].mean())}
        for r in roles:
            row[f"share_{r}"] = g[r].sum() / contacts if contacts else np.nan
        return row

    rows = {s: summarise(g) for s, g in wide.groupby("segment")}
    for name in rows:
        inside = wide["segment"] == name
        a, b = wide.loc[inside, "size"], wide.loc[~inside, "size"]
        rows[name]["size_p"] = (
            float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
            if len(a) and len(b) and name not in (OTHER, MISSING) else np.nan)
    order = [v for v in _ordered_levels(features, by, seg["segment"]) if v in rows]
    out = pd.DataFrame([rows[s] for s in order], index=order)
    out.loc["All accounts"] = {**summarise(wide), "size_p": np.nan}
    out["accounts"] = out["accounts"].astype("int64")
    return out.rename_axis("segment").reset_index()


def sales_cycle(ws: Workspace, as_of, features: pd.DataFrame, by: str = "size_band", *,
                top: int | None = 12) -> pd.DataFrame:
    """Win rate and sales-cycle length per segment, from the opportunities table.

    An opportunity counts as closed when its stage is won or lost and its close date (if
    the column exists) is on or before ``as_of``. The cycle is ``close_date - created_date``
    in days, for closed opportunities with both dates.

    Parameters
    ----------
    ws : Workspace
        Must provide ``opportunities``.
    as_of : date-like
        Analysis date.
    features : pandas.DataFrame
        One row per account (for the segment of each account).
    by : str
        Segment column.
    top : int, optional
        Largest segments kept; the rest are folded into ``"Other"``.

    Returns
    -------
    pandas.DataFrame
        ``segment, opportunities, closed, won, win_rate, cycle_median_days,
        cycle_won_median_days``, plus a last row ``segment="All"``.
    """
    if not ws.has("opportunities"):
        raise DataError("win rates and sales cycles need the opportunities table")
    as_of = as_of_date(as_of)
    df = queries.opportunity_cycles(ws, as_of)
    seg = _segment_frame(features, by, top)
    df = df.merge(seg, on="account_id", how="inner")

    def summarise(g: pd.DataFrame) -> dict:
        n_closed = int(g.loc[g["closed"], "n"].sum())
        n_won = int(g.loc[g["won"], "n"].sum())
        cyc = g[g["closed"] & g["cycle"].notna()]
        won = cyc[cyc["won"]]
        return {
            "opportunities": int(g["n"].sum()), "closed": n_closed, "won": n_won,
            "win_rate": n_won / n_closed if n_closed else np.nan,
            "cycle_median_days": _weighted_median(cyc["cycle"], cyc["n"]),
            "cycle_won_median_days": _weighted_median(won["cycle"], won["n"]),
        }

    result = {s: summarise(g) for s, g in df.groupby("segment")}
    order = [v for v in _ordered_levels(features, by, seg["segment"]) if v in result]
    out = pd.DataFrame([result[s] for s in order], index=order,
                       columns=["opportunities", "closed", "won", "win_rate",
                                "cycle_median_days", "cycle_won_median_days"])
    out.loc["All"] = summarise(df)
    for col in ("opportunities", "closed", "won"):
        out[col] = out[col].astype("int64")
    return out.rename_axis("segment").reset_index()


def _weighted_median(values: pd.Series, weights: pd.Series) -> float:
    """Median of ``values`` repeated ``weights`` times (lower-upper average on ties)."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    w = pd.to_numeric(weights, errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(v) & (w > 0)
    if not ok.any():
        return float("nan")
    return float(np.median(np.repeat(v[ok], w[ok].astype(np.int64))))
