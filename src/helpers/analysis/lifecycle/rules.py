"""The stage rule table and the assignment of one stage per account (pandas only)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError, suggest
from helpers.data.contract import LIFECYCLE_STAGES

__all__ = [
    "DEFAULT_RULES",
    "ENTRANT",
    "PRECEDENCE",
    "STAGES",
    "STAGE_INPUT_COLUMNS",
    "assign_stages",
    "check_rules",
    "stage_conditions",
]


#: The stages in their natural reading order (as in the data contract).
STAGES: tuple[str, ...] = tuple(LIFECYCLE_STAGES)


#: The order in which the rules are checked; the first match wins.
PRECEDENCE: tuple[str, ...] = ("prospect", "churned", "new", "declining", "growth", "mature")


#: Row label of accounts that did not exist yet at the earlier date of a migration.
ENTRANT = "not yet an account"


#: Default rule table: stage -> thresholds.
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "prospect": {"max_orders": 0},
    "churned": {"min_days_since_last_order": 180, "gap_multiple": 3.0},
    "new": {"max_days_since_first_order": 180},
    "declining": {"max_trend_ratio": 0.65, "metric": "orders"},
    "growth": {"min_trend_ratio": 1.5, "metric": "orders"},
    "mature": {},
}


_METRICS = ("orders", "revenue")


#: Columns :func:`assign_stages` reads (see :func:`stage_inputs`).
STAGE_INPUT_COLUMNS: tuple[str, ...] = (
    "order_count",
    "recency_days",
    "days_since_first_order",
    "median_gap_days",
    "orders_12m",
    "orders_prev_12m",
    "revenue_12m",
    "revenue_prev_12m",
)


def _unknown(label: str, key: str, valid) -> ParamError:
    hint = suggest(str(key), list(valid)) or "."
    return ParamError(f"{label}: unknown {key!r}{hint} Valid: {', '.join(valid)}")


def check_rules(rules: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Validate a (partial) rule table and merge it over :data:`DEFAULT_RULES`.

    Parameters
    ----------
    rules : mapping, optional
        ``stage -> {threshold: value}``; stages and thresholds left out keep their defaults.
        A stage set to ``{"enabled": False}`` never matches (``mature`` cannot be disabled:
        it is the catch-all).

    Returns
    -------
    dict
        The complete rule table.

    Raises
    ------
    ParamError
        Unknown stage or threshold, or a threshold that is not a non-negative number.
    """
    merged = copy.deepcopy(DEFAULT_RULES)
    if rules is None:
        return merged
    if not isinstance(rules, Mapping):
        raise ParamError(f"stage_rules must be a mapping of stage -> thresholds, got {rules!r}")
    for stage, given in rules.items():
        if stage not in merged:
            raise _unknown("stage_rules", stage, PRECEDENCE)
        if given is None:
            continue
        if not isinstance(given, Mapping):
            raise ParamError(f"stage_rules.{stage} must be a mapping of thresholds, got {given!r}")
        valid = [*DEFAULT_RULES[stage], "enabled"] if stage != "mature" else []
        for key, value in given.items():
            if key not in valid:
                if stage == "mature":
                    raise ParamError("stage_rules.mature takes no thresholds: it is the "
                                     "catch-all for every account no earlier rule matched")
                raise _unknown(f"stage_rules.{stage}", key, valid)
            where = f"stage_rules.{stage}.{key}"
            if key == "enabled":
                if not isinstance(value, bool):
                    raise ParamError(f"{where} must be true or false, got {value!r}")
            elif key == "metric":
                if value not in _METRICS:
                    raise _unknown(where, value, _METRICS)
            elif (isinstance(value, bool) or not isinstance(value, (int, float))
                  or not np.isfinite(value) or value < 0):
                raise ParamError(f"{where} must be a number >= 0, got {value!r}")
            merged[stage][key] = value
    return merged



def _tidy_inputs(raw: pd.DataFrame) -> pd.DataFrame:
    """The engine's stage inputs sorted by account, with fixed dtypes (see ``stage_inputs``)."""
    out = raw.sort_values("account_id", kind="stable").reset_index(drop=True)
    out["account_id"] = out["account_id"].astype("str")
    for col in ("order_count", "orders_12m", "orders_prev_12m"):
        out[col] = pd.to_numeric(out[col]).fillna(0).astype("int64")
    for col in ("recency_days", "days_since_first_order", "median_gap_days",
                "revenue_12m", "revenue_prev_12m"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in ("first_order_date", "last_order_date"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    return out


def _normalise_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """Map a stage-input or account-feature frame onto :data:`STAGE_INPUT_COLUMNS`."""
    f = pd.DataFrame(index=frame.index)
    cols = frame.columns

    def need(*names: str) -> None:
        lacking = [n for n in names if n not in cols]
        if lacking:
            raise DataError(
                f"lifecycle stages need the column(s) {', '.join(lacking)}; pass the table from "
                "lifecycle.stage_inputs(ws, as_of), or features.account_features(ws, as_of, "
                "windows=(90, 365, 730))"
            )

    need("order_count", "recency_days")
    f["order_count"] = pd.to_numeric(frame["order_count"]).fillna(0)
    f["recency_days"] = pd.to_numeric(frame["recency_days"], errors="coerce")
    if "days_since_first_order" in cols:
        f["days_since_first_order"] = pd.to_numeric(frame["days_since_first_order"],
                                                    errors="coerce")
    else:
        # as_of = last order + recency, so first-order age follows without knowing as_of.
        need("first_order_date", "last_order_date")
        span = (pd.to_datetime(frame["last_order_date"])
                - pd.to_datetime(frame["first_order_date"])).dt.days
        f["days_since_first_order"] = span + f["recency_days"]
    gap = "median_gap_days" if "median_gap_days" in cols else "mean_gap_days"
    need(gap)
    f["median_gap_days"] = pd.to_numeric(frame[gap], errors="coerce")
    if "orders_12m" in cols:
        need("orders_prev_12m")
        f["orders_12m"] = pd.to_numeric(frame["orders_12m"]).fillna(0)
        f["orders_prev_12m"] = pd.to_numeric(frame["orders_prev_12m"]).fillna(0)
    else:
        need("orders_365d", "orders_730d")
        f["orders_12m"] = pd.to_numeric(frame["orders_365d"]).fillna(0)
        f["orders_prev_12m"] = pd.to_numeric(frame["orders_730d"]).fillna(0) - f["orders_12m"]
    for col in ("revenue_12m", "revenue_prev_12m"):
        f[col] = (pd.to_numeric(frame[col], errors="coerce").fillna(0) if col in cols
                  else np.nan)
    return f


def _trend_ratio(f: pd.DataFrame, metric: str) -> pd.Series:
    now, before = ((f["orders_12m"], f["orders_prev_12m"]) if metric == "orders"
                   else (f["revenue_12m"], f["revenue_prev_12m"]))
    if metric == "revenue" and now.isna().all():
        raise DataError("the revenue trend needs revenue_12m and revenue_prev_12m columns")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(before > 0, now / before.where(before > 0),
                         np.where(now > 0, np.inf, np.nan))
    return pd.Series(ratio, index=f.index, dtype="float64")


def stage_conditions(frame: pd.DataFrame, rules: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Evaluate every stage rule on its own, before precedence is applied.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`stage_inputs` or :func:`helpers.data.features.account_features` (windows
        including 365 and 730).
    rules : mapping, optional
        Rule table; see :func:`check_rules`.

    Returns
    -------
    pandas.DataFrame
        One boolean column per stage in :data:`PRECEDENCE` order (``mature`` is all true),
        same index as ``frame``. An account may meet several rules.
    """
    r = check_rules(rules)
    f = _normalise_inputs(frame)
    rec, first, gap = f["recency_days"], f["days_since_first_order"], f["median_gap_days"]
    ch = r["churned"]
    # Without a rhythm (one order date) only the absolute minimum applies.
    beyond_rhythm = gap.isna() | (rec > ch["gap_multiple"] * gap)
    cond = {
        "prospect": f["order_count"] <= r["prospect"]["max_orders"],
        "churned": (rec >= ch["min_days_since_last_order"]) & beyond_rhythm,
        "new": first <= r["new"]["max_days_since_first_order"],
        "declining": _trend_ratio(f, r["declining"]["metric"])
        <= r["declining"]["max_trend_ratio"],
        "growth": _trend_ratio(f, r["growth"]["metric"]) >= r["growth"]["min_trend_ratio"],
        "mature": pd.Series(True, index=f.index),
    }
    out = pd.DataFrame({s: cond[s].fillna(False).astype(bool) for s in PRECEDENCE},
                       index=f.index)
    for stage in PRECEDENCE[:-1]:
        if not r[stage].get("enabled", True):
            out[stage] = False
    return out


def _categorical(values, index=None) -> pd.Series:
    return pd.Series(pd.Categorical(values, categories=list(STAGES), ordered=True),
                     index=index, name="stage")


def assign_stages(frame: pd.DataFrame, rules: Mapping[str, Any] | None = None) -> pd.Series:
    """Give every account exactly one lifecycle stage.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per account, from :func:`stage_inputs` or from
        :func:`helpers.data.features.account_features` computed with windows that include 365 and
        730 days (then the mean gap stands in for the median gap).
    rules : mapping, optional
        Rule table (partial tables are merged over :data:`DEFAULT_RULES`).

    Returns
    -------
    pandas.Series
        Named ``stage``, same index as ``frame``, an ordered categorical over
        :data:`STAGES`.

    Examples
    --------
    >>> stages = assign_stages(stage_inputs(ws, "2026-06-30"))  # doctest: +SKIP
    >>> stages.value_counts()  # doctest: +SKIP
    """
    cond = stage_conditions(frame, rules)
    stage = np.select([cond[s].to_numpy() for s in PRECEDENCE], list(PRECEDENCE),
                      default="mature")
    return _categorical(stage, index=frame.index)
