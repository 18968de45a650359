"""Display text for attributes, values and lists in ICP tables and sentences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.presentation import i18n

__all__ = ["attribute_label"]


def attribute_label(attribute: str, language: str = "en") -> str:
    """An attribute name for a report: ``size_band`` -> ``size band`` / ``规模档``.

    Pairs such as ``industry × size_band`` are labelled part by part; attributes without a
    translation keep their English name.
    """
    if language == "en":
        return attribute.replace("_", " ")
    return " × ".join(i18n.t(f"customer_profiling.attr.{part}", language,
                             default=part.replace("_", " "))
                      for part in attribute.split(" × "))


_label = attribute_label


def _join_or(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _join(items: Sequence[str], language: str = "en") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return (i18n.t("customer_profiling.join.sep", language).join(items[:-1])
            + i18n.t("customer_profiling.join.and", language) + items[-1])


def _text(values: pd.Series, *, number: bool = False) -> np.ndarray:
    """Values as an object array of display strings; missing values become ``""``.

    Each distinct value is formatted once (accounts share few industries, regions or sizes).
    """
    if number:
        nums = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        if np.any((nums == 0) & np.signbit(nums)):  # -0.0 would share 0.0's text
            return np.array(["" if np.isnan(v) else f"{v:,.0f}" for v in nums], dtype=object)
        codes, uniques = pd.factorize(nums)
        shown = [f"{v:,.0f}" for v in uniques]
    else:
        codes, uniques = pd.factorize(values.astype("object"))
        shown = [str(v) for v in uniques]
    # missing values get the code -1, which picks the trailing ""
    return np.array([*shown, ""], dtype=object)[codes]


def _append(text: np.ndarray, part: np.ndarray, sep: str = "; ") -> np.ndarray:
    """Join ``part`` onto ``text`` element-wise, skipping empty strings."""
    part = np.asarray(part, dtype=object)
    joined = np.where(text == "", part, text + sep + part)
    return np.where(part == "", text, joined)


def _value_text(value, language: str = "en") -> str:
    """A rule value or account value as a report shows it (yes/no for flags)."""
    if isinstance(value, (bool, np.bool_)) or str(value) in ("True", "False"):
        truthy = value if isinstance(value, (bool, np.bool_)) else str(value) == "True"
        return i18n.t("customer_profiling.value.yes" if truthy else "customer_profiling.value.no", language)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return str(value)
