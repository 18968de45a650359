"""ICP tables for people: profile, evidence, heatmap grid, leaders and disagreements."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.analysis.icp.labels import _label, _value_text, attribute_label
from helpers.analysis.icp.lift import icp_profile
from helpers.analysis.icp.targets import _target_columns, select_accounts
from helpers.analysis.profiling.views import p_text, readable
from helpers.presentation import i18n

__all__ = [
    "SURVIVES", "disagreement_table", "disagreement_view", "fit_leaders", "grid_percent",
    "icp_table", "lift_chart_rows", "lift_evidence",
]


def icp_table(lift: pd.DataFrame, *, language: str = "en", rows: int | None = None) -> pd.DataFrame:
    """The ICP as one table for people: attribute, value, best customers, shares and lift.

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`attribute_lift`.
    language : {"en", "zh"}
        Language of the attribute names (values from the data stay as they are; flags read
        yes/no).
    rows : int, optional
        At most this many values, highest lift first.

    Returns
    -------
    pandas.DataFrame
        ``attribute, value, best_accounts, share_of_best, share_of_rest, lift``; empty when no
        value is clearly over-represented.
    """
    from helpers.presentation.findings import is_missing_level

    cols = ["attribute", "value", "best_accounts", "share_of_best", "share_of_rest", "lift"]
    prof = icp_profile(lift) if len(lift) else pd.DataFrame(columns=cols)
    prof = prof[[not is_missing_level(v) for v in prof["value"]]] if len(prof) else prof
    out = pd.DataFrame({
        "attribute": [_label(a, language) for a in prof["attribute"]],
        "value": [_value_text(v, language) for v in prof["value"]],
        **{c: prof[c].to_numpy() for c in cols[2:]},
    }, columns=cols)
    return out.head(rows) if rows else out


def fit_leaders(scores: pd.DataFrame, features: pd.DataFrame, reasons: pd.Series | None = None,
                *, n: int = 10, language: str = "en") -> pd.DataFrame:
    """The accounts with the highest fit score, with their bucket and top reasons.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores` output.
    features : pandas.DataFrame
        Account features (names, industry, size band).
    reasons : pandas.Series, optional
        :meth:`LookalikeModel.reasons` per row of ``features`` (same order as ``scores``).
    n : int
    language : {"en", "zh"}
        Language of the bucket names.

    Returns
    -------
    pandas.DataFrame
        ``account_name, industry, size_band, fit_score, bucket, top_reasons``, best first;
        accounts failing the MCP are left out.
    """
    s = select_accounts(scores.assign(top_reasons=(
        pd.Series(reasons).fillna("").to_numpy(dtype=object) if reasons is not None
        else "")), features, _target_columns(features, []), scored=True)
    s = s.sort_values("fit_score", ascending=False, kind="stable").head(n)
    s["bucket"] = [i18n.t(f"customer_profiling.bucket.{str(b).lower()}", language)
                   for b in s["fit_bucket"]]
    cols = ["account_name", "industry", "size_band", "fit_score", "bucket", "top_reasons"]
    return s.reindex(columns=cols).reset_index(drop=True)


def lift_chart_rows(lift: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """The rows :func:`plot_lift` draws: supported values with a finite lift and interval.

    A value held by no other account has an infinite lift; its bar could not be drawn,
    so it is left out (the table still lists it).

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`attribute_lift`.
    top : int
        Number of values kept, highest lift first.

    Returns
    -------
    pandas.DataFrame
    """
    if lift.empty:
        return lift
    bounds = lift[["lift", "ci_low", "ci_high"]].to_numpy(dtype=float)
    finite = np.isfinite(bounds).all(axis=1)
    d = lift[lift["supported"].to_numpy(dtype=bool) & finite]
    return d.sort_values("lift", ascending=False).head(top)


#: How the evidence tables mark whether a test survives the family correction.
SURVIVES = {True: "✓", False: "–"}


def lift_evidence(lift: pd.DataFrame, *, language: str = "en", rows: int | None = None
                  ) -> pd.DataFrame:
    """The tested attribute values of :func:`attribute_lift` as the analyst table.

    Supported values with a p-value, those that survive the family correction first, then
    by p-value.

    Parameters
    ----------
    lift : pandas.DataFrame
        :func:`attribute_lift`.
    language : {"en", "zh"}
        Attribute names.
    rows : int, optional
        Most rows returned.

    Returns
    -------
    pandas.DataFrame
        Rounded to 3 digits, p-values as text; empty when nothing was tested.
    """
    family = lift[lift.supported & lift.p_value.notna()].sort_values(
        ["significant", "p_value"], ascending=[False, True])
    shown = family.assign(
        attribute=[attribute_label(a, language) for a in family.attribute],
        survives=family.significant.map(SURVIVES), p_adjusted=family.p_adjusted.map(p_text))[
        ["attribute", "value", "accounts", "best_accounts", "share_of_best", "share_of_rest", "lift",
         "ci_low", "ci_high", "p_adjusted", "survives"]]
    return readable(shown.head(rows) if rows is not None else shown, digits=3)


def grid_percent(grid: pd.DataFrame, *, rename: dict | None = None, language: str = "en",
                 rows: str = "industry", columns: str = "size_band") -> pd.DataFrame:
    """:func:`best_rate_grid` in percent, with display names and axis titles for the heatmap.

    Parameters
    ----------
    grid : pandas.DataFrame
        Share of best customers per cell (0-1).
    rename : dict, optional
        Display names of row and column values.
    language : {"en", "zh"}
    rows, columns : str
        The attributes of the grid (axis titles).

    Returns
    -------
    pandas.DataFrame
    """
    return (grid * 100).rename(index=rename or {}, columns=rename or {}).rename_axis(
        index=attribute_label(rows, language), columns=attribute_label(columns, language))


def disagreement_table(disagree: pd.DataFrame, features: pd.DataFrame, card: pd.DataFrame
                       ) -> pd.DataFrame:
    """The accounts where model and scorecard disagree most, with who they are.

    Parameters
    ----------
    disagree : pandas.DataFrame
        :func:`score_disagreements`.
    features : pandas.DataFrame
        Account features.
    card : pandas.DataFrame
        :func:`scorecard_scores` (``scorecard_matched``).

    Returns
    -------
    pandas.DataFrame
    """
    who = features[["account_id", "account_name", "industry", "size_band", "employees"]]
    return disagree.merge(who, on="account_id").merge(card[["account_id", "scorecard_matched"]],
                                                      on="account_id")


def disagreement_view(shown: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:func:`disagreement_table` with its columns in order and the side in words.

    Parameters
    ----------
    shown : pandas.DataFrame
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
    """
    sides = {"model rates higher": i18n.t("customer_profiling.disagreement.model", language),
             "scorecard rates higher": i18n.t("customer_profiling.disagreement.scorecard", language)}
    return shown.assign(disagreement=shown.disagreement.replace(sides))[
        ["account_id", "account_name", "industry", "size_band", "employees", "model_score",
         "scorecard_score", "gap", "disagreement", "scorecard_matched"]]
