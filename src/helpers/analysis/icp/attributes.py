"""Account attributes the ICP compares and learns from, and whether the data holds them."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers.core.errors import ParamError, suggest

__all__ = [
    "EXCLUDED", "FIT_BUCKETS", "ICP_ATTRIBUTES", "LOOKALIKE_CATEGORICAL", "LOOKALIKE_NUMERIC",
    "has_data", "usable_attributes",
]


#: Attributes compared in the ICP lift table by default.
ICP_ATTRIBUTES: tuple[str, ...] = ("industry", "size_band", "region", "acquisition_channel",
                                   "is_competitor_customer")


#: Attributes the look-alike model learns from by default: only what is known about a
#: prospect before it buys, so the model can score prospects too.
LOOKALIKE_CATEGORICAL: tuple[str, ...] = ICP_ATTRIBUTES


LOOKALIKE_NUMERIC: tuple[str, ...] = ("employees", "annual_revenue")


FIT_BUCKETS: tuple[str, ...] = ("Strong", "Moderate", "Weak")


EXCLUDED = "Excluded"


_MISSING = "(missing)"


#: Model level for values that did not survive their test (pooled; never a sign or reason).
_OTHER = "(other)"


def has_data(features: pd.DataFrame, column: str, *, distinct: int = 1) -> bool:
    """Whether ``column`` exists and holds at least ``distinct`` different known values.

    A column that is absent or entirely empty cannot support an attribute, a rule or a
    peer group; with ``distinct=2`` a column that holds one value only is not informative
    either.

    Parameters
    ----------
    features : pandas.DataFrame
    column : str
    distinct : int
        Distinct known values needed.

    Returns
    -------
    bool
    """
    if column not in features.columns:
        return False
    known = features[column].dropna()
    if distinct <= 1:
        return len(known) > 0
    return known.astype("object").nunique() >= distinct


def usable_attributes(features: pd.DataFrame,
                      attributes: Sequence[str | Sequence[str]]) -> list[str | tuple[str, ...]]:
    """The attributes whose every part has at least two distinct known values.

    Parameters
    ----------
    features : pandas.DataFrame
    attributes : sequence
        Column names, or tuples of names for combined attributes.

    Returns
    -------
    list
        The usable attributes, in the given order (tuples stay tuples).
    """
    out = []
    for attr in attributes:
        parts = [attr] if isinstance(attr, str) else list(attr)
        if all(has_data(features, p, distinct=2) for p in parts):
            out.append(attr if isinstance(attr, str) else tuple(attr))
    return out


def _attribute_values(features: pd.DataFrame, attribute: str | Sequence[str]) -> tuple[str, pd.Series]:
    cols = [attribute] if isinstance(attribute, str) else list(attribute)
    for col in cols:
        if col not in features.columns:
            raise ParamError(f"ICP attribute {col!r} is not an account feature"
                             + suggest(col, list(features.columns)))
    parts = []
    for col in cols:
        s = features[col]
        parts.append(s.astype("object").where(s.notna(), _MISSING).astype(str))
    values = parts[0]
    for p in parts[1:]:
        values = values + " × " + p
    return " × ".join(cols), values
