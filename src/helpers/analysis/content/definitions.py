"""Names and checks shared by the content tables.

Levels, event types, credit rules and channel groups; argument checks; and the per-account
counts a table carries for its account-level tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError
from helpers.data.contract import LIFECYCLE_STAGES
from helpers.stats.intervals import wilson_interval
from helpers.stats.numbers import safe_divide

__all__ = [
    "AccountCounts",
    "CONTENT_LEVELS",
    "CREDITS",
    "DEFAULT_CHANNEL_GROUPS",
    "ENGAGED_EVENTS",
    "INTERACTION_EVENTS",
    "STAGE_ORDER",
    "WEEKDAYS",
]


CREDITS = ("sourced", "influenced")
CONTENT_LEVELS = ("content_id", "content_type", "content_category", "topic")
INTERACTION_EVENTS = ("like", "comment", "share")
ENGAGED_EVENTS = ("click", "reply", "like", "comment", "share", "download", "registration",
                  "attend")
DEFAULT_CHANNEL_GROUPS: dict[str, tuple[str, ...]] = {
    "offline": ("meeting", "trade_show", "visit"),
    "online": ("email", "social", "website", "ads"),
    "hybrid": ("webinar",),
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STAGE_ORDER = LIFECYCLE_STAGES


def _check_credit(credit: str) -> None:
    if credit not in CREDITS:
        raise ParamError(f"credit {credit!r} is not supported; use sourced or influenced")


def _check_positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParamError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(value)


def _events(events: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(e).lower() for e in events)


@dataclass(frozen=True, eq=False)
class AccountCounts:
    """Per-account counts behind a content table, kept in its ``attrs["accounts"]``.

    Wrapped so that pandas can compare the attributes of two tables (by identity) when it
    concatenates them; a bare DataFrame there makes the comparison fail.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per group and account: the group column(s), ``account_id``, ``touches``,
        ``converted_touches`` (where known) and ``opportunities``.
    """

    frame: pd.DataFrame


def _account_frame(attrs: Mapping) -> pd.DataFrame | None:
    value = attrs.get("accounts")
    value = getattr(value, "frame", value)
    return value if isinstance(value, pd.DataFrame) else None


def _column(frame: pd.DataFrame, col: str, fill) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(fill, index=frame.index)
    return pd.to_numeric(frame[col], errors="coerce").fillna(fill)


def _add_rate(frame: pd.DataFrame, name: str, num: str, den: str, confidence: float) -> None:
    frame[name] = safe_divide(frame[num], frame[den])
    low, high = wilson_interval(frame[num].to_numpy(float), frame[den].to_numpy(float),
                                confidence)
    frame[f"{name}_low"] = low
    frame[f"{name}_high"] = high
