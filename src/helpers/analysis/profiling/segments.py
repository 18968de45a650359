"""Segments of the account table: which column cuts the accounts and the label of each account."""

from __future__ import annotations

import pandas as pd

from helpers.core.errors import ParamError, suggest

__all__ = ["DASH", "MISSING", "OTHER", "PROFILE_DIMENSIONS", "segment_labels", "top_values"]


#: Account columns a profile can be cut by.
PROFILE_DIMENSIONS = ("industry", "size_band", "region", "country", "city",
                      "acquisition_channel", "is_competitor_customer", "owner")


OTHER = "Other"


MISSING = "(missing)"


#: What a report shows for a value that cannot be computed.
DASH = "–"


def _check_column(features: pd.DataFrame, column: str, what: str = "segment column") -> None:
    if column not in features.columns:
        raise ParamError(
            f"{what} {column!r} is not an account feature"
            + suggest(column, list(features.columns))
            + f" Usable columns include: {', '.join(PROFILE_DIMENSIONS)}"
        )


def segment_labels(features: pd.DataFrame, by: str, *, top: int | None = None,
                   weight: str | None = None) -> pd.Series:
    """Segment label per account as text, with rare values folded into ``"Other"``.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account (``account_features`` output).
    by : str
        Column to segment by, e.g. ``"industry"``.
    top : int, optional
        Keep the ``top`` largest values (by account count, or by ``weight``) and fold the
        rest into ``"Other"``.
    weight : str, optional
        Column whose sum ranks the values for ``top``.

    Returns
    -------
    pandas.Series
        Text labels aligned with ``features``; missing values become ``"(missing)"``.
    """
    _check_column(features, by)
    col = features[by]
    labels = col.astype("object").where(col.notna(), MISSING).astype(str)
    if top is not None and top > 0 and labels.nunique() > top:
        size = (features[weight].groupby(labels).sum() if weight
                else labels.value_counts())
        keep = set(size.sort_values(ascending=False).index[:top])
        labels = labels.where(labels.isin(keep), OTHER)
    return labels


def _ordered_levels(features: pd.DataFrame, by: str, labels: pd.Series) -> list[str]:
    """Categorical columns keep their own order (size bands small -> enterprise)."""
    col = features[by]
    if isinstance(col.dtype, pd.CategoricalDtype):
        levels = [str(c) for c in col.cat.categories]
        extra = sorted(set(labels) - set(levels))
        return [v for v in levels if v in set(labels)] + extra
    return list(labels.value_counts().index)


def _segment_frame(features: pd.DataFrame, by: str, top: int | None) -> pd.DataFrame:
    return pd.DataFrame({"account_id": features["account_id"].astype(str).to_numpy(),
                         "segment": segment_labels(features, by, top=top).to_numpy()})


def top_values(series: pd.Series, n: int = 3) -> list[str]:
    """The ``n`` first index labels of a Series as text (for finding sentences)."""
    return [str(v) for v in list(series.index[:n])]
