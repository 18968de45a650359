"""Readable names of segments, clusters, features and channels, and number formats."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.data.contract import LIFECYCLE_STAGES
from helpers.presentation import i18n

__all__ = [
    "FEATURE_WORDS",
    "NO_ORDERS",
    "OTHER",
    "SEPARATOR",
    "UNKNOWN",
    "channel_label",
    "feature_label",
    "number_text",
    "segment_label",
]


OTHER = "Other"


#: Cluster label of accounts without orders when there are no engagement features to place
#: them by (see :func:`segment_behaviour`).
NO_ORDERS = -1


UNKNOWN = "unknown"


SEPARATOR = " · "


#: Readable words for a cluster far above (first) or below (second) the mean on a feature.
FEATURE_WORDS: dict[str, tuple[str | None, str | None]] = {
    "revenue_per_year": ("high-value", "low-value"),
    "orders_per_year": ("frequent buyers", "occasional buyers"),
    "avg_order_value": ("large orders", "small orders"),
    "recency_days": ("lapsed", "recently active"),
    "order_trend": ("growing", "shrinking"),
    "order_gap_days": ("slow order rhythm", "fast order rhythm"),
    "interactions_per_year": ("highly engaged", "little engagement"),
}


def channel_label(channel: str, language: str = "en") -> str:
    """An interaction channel code (``trade_show``) as people read it (``trade show``, 展会).

    Known channels have a text in the locale; others lose their underscores.
    """
    return i18n.code_label("customer_segmentation.channel", channel, language)


def _words(feature: str, language: str = "en") -> tuple[str | None, str | None]:
    if feature.startswith("share_"):
        channel = channel_label(feature.removeprefix("share_"), language)
        return i18n.t("customer_segmentation.cluster.channel", language, channel=channel), None
    if feature in FEATURE_WORDS:
        high, low = FEATURE_WORDS[feature]
        key = f"customer_segmentation.cluster.{feature}"
        return (high and i18n.t(f"{key}.high", language, default=high),
                low and i18n.t(f"{key}.low", language, default=low))
    return (i18n.t("customer_segmentation.cluster.high", language, feature=feature),
            i18n.t("customer_segmentation.cluster.low", language, feature=feature))


def segment_label(label: str, language: str = "en") -> str:
    """A rule-segment label in the report language.

    :data:`OTHER`, lifecycle-stage parts and the default size bands (small, mid, large,
    enterprise) are translated; industries come from the data and stay as they are, and so
    do size bands named in the parameters.
    """
    if label == OTHER:
        return i18n.t("customer_segmentation.other", language)
    return SEPARATOR.join(_part_label(part, language) for part in str(label).split(SEPARATOR))


def _part_label(part: str, language: str) -> str:
    """One part of a segment label: a stage or a default size band in ``language``."""
    if part in LIFECYCLE_STAGES:
        return i18n.t(f"customer_segmentation.stage.{part}", language)
    return i18n.t(f"customer_segmentation.size.{part}", language, default=part)


def feature_label(feature: str, language: str = "en") -> str:
    """A readable name for a behavioural feature (see :func:`behaviour_features`)."""
    if feature.startswith("share_"):
        channel = channel_label(feature.removeprefix("share_"), language)
        return i18n.t("customer_segmentation.feature.share", language, channel=channel)
    return i18n.t(f"customer_segmentation.feature.{feature}", language, default=feature)


def _clean_labels(values: pd.Series) -> pd.Series:
    s = values.astype("object")
    s = s.where(s.notna() & ~s.astype(str).isin(["", "nan", "None", "<NA>"]), UNKNOWN)
    return s.astype(str)


def _number(value, spec: str) -> str:
    """``value`` formatted with ``spec``, or "–" when it is missing or infinite."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "–"
    return format(v, spec) if np.isfinite(v) else "–"


def number_text(value, spec: str = ",.0f") -> str:
    """``value`` formatted with ``spec``, or "–" when it is missing or not finite."""
    return _number(value, spec)
