"""Lifecycle stages from a rule table, stage mix, stage migration and stage playbooks.

Every account gets exactly one of :data:`STAGES`. The rules are checked in the fixed
precedence order of :data:`PRECEDENCE`; the first rule an account meets gives its stage and
``mature`` takes everything left, so the stages are exclusive and exhaustive by
construction.

Default rule table (:data:`DEFAULT_RULES`; every threshold can be overridden in params)::

    prospect   order_count <= max_orders (0)
    churned    days since the last order >= min_days_since_last_order (180) and, when the
               account has an order rhythm, > gap_multiple (3) x its median gap between
               distinct order dates
    new        days since the first order <= max_days_since_first_order (180)
    declining  last-12-month / previous-12-month ratio <= max_trend_ratio (0.65)
    growth     last-12-month / previous-12-month ratio >= min_trend_ratio (1.5)
    mature     everything else

The trend ratio uses order counts by default (``metric: orders``) or net revenue
(``metric: revenue``). A previous year without orders and a current year with some counts as
an infinite ratio (growth).

Typical use from another analysis::

    stages = lifecycle.stages_for(ws, as_of)            # account_id, stage
    feats = feats.merge(stages, on="account_id")

or, when you already hold :func:`helpers.data.features.account_features` computed with windows
that include 365 and 730 days, ``feats["stage"] = lifecycle.assign_stages(feats)`` (that
route uses ``mean_gap_days`` as the order rhythm, because the feature table has no median
gap; :func:`stages_for` uses the median).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ibis
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.core.errors import DataError, ParamError
from helpers.core.params import suggest
from helpers.data.contract import LIFECYCLE_STAGES
from helpers.data.features import TableSource, parse_as_of
from helpers.presentation import findings, i18n

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

#: Default stage playbooks: stage -> action, objective, channels and content types.
DEFAULT_PLAYBOOKS: dict[str, dict[str, Any]] = {
    "prospect": {
        "action": "Educate and open conversations",
        "objective": "turn interest into a first qualified opportunity",
        "channels": ["social", "search"],
        "content": ["educational content", "guides", "webinars"],
    },
    "new": {
        "action": "Onboard and support",
        "objective": "a smooth start and a second order",
        "channels": ["email", "meeting"],
        "content": ["onboarding guides", "support contacts", "training"],
    },
    "growth": {
        "action": "Offer upgrades",
        "objective": "widen the product footprint while momentum lasts",
        "channels": ["meeting", "email"],
        "content": ["upgrade offers", "case studies"],
    },
    "mature": {
        "action": "Reward loyalty",
        "objective": "keep share of wallet and deepen executive ties",
        "channels": ["meeting", "events"],
        "content": ["loyalty offers", "executive meetings"],
    },
    "declining": {
        "action": "Review the account",
        "objective": "find and fix the cause before the account lapses",
        "channels": ["visit", "meeting"],
        "content": ["account review", "service check"],
    },
    "churned": {
        "action": "Win back",
        "objective": "reopen the relationship",
        "channels": ["email", "outbound"],
        "content": ["win-back offers"],
    },
}
_PLAYBOOK_KEYS = ("action", "objective", "channels", "content")


# --------------------------------------------------------------------------- rules


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


def stage_label(stage: Any, language: str = "en") -> str:
    """A lifecycle stage (or :data:`ENTRANT`) in the report language.

    The canonical stage vocabulary of every report: other notebooks call this function to
    name a stage. Case and surrounding spaces are ignored (``"Growth "`` is ``growth``), a
    missing value reads "–" and any other value is returned as given.

    Parameters
    ----------
    stage : object
        One of :data:`STAGES`, :data:`ENTRANT`, or anything else.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    if stage is None or (isinstance(stage, float) and not np.isfinite(stage)) or stage is pd.NA:
        return "–"
    text = str(stage)
    key = "entrant" if text == ENTRANT else text.strip().lower()
    if key in STAGES or key == "entrant":
        return i18n.t(f"customer_segmentation.stage.{key}", language)
    return text


def describe_rules(rules: Mapping[str, Any] | None = None, *, language: str = "en"
                   ) -> pd.DataFrame:
    """The rule table in plain words, in precedence order, for reports.

    Parameters
    ----------
    rules : mapping, optional
        As for :func:`check_rules`.
    language : {"en", "zh"}
        Language of the rule texts (the ``stage`` column keeps the stage names).

    Returns
    -------
    pandas.DataFrame
        Columns ``precedence``, ``stage`` and ``rule``.
    """
    r = check_rules(rules)

    def say(key: str, **values) -> str:
        return i18n.t(f"customer_segmentation.{key}", language, **values)

    text = {
        "prospect": say("rule.prospect", max_orders=f"{r['prospect']['max_orders']:g}"),
        "churned": say("rule.churned", days=f"{r['churned']['min_days_since_last_order']:g}",
                       multiple=f"{r['churned']['gap_multiple']:g}"),
        "new": say("rule.new", days=f"{r['new']['max_days_since_first_order']:g}"),
        "declining": say("rule.declining", metric=say(f"metric.{r['declining']['metric']}"),
                         ratio=f"{r['declining']['max_trend_ratio']:g}"),
        "growth": say("rule.growth", metric=say(f"metric.{r['growth']['metric']}"),
                      ratio=f"{r['growth']['min_trend_ratio']:g}"),
        "mature": say("rule.mature"),
    }
    rows = []
    for i, stage in enumerate(PRECEDENCE, start=1):
        rule = text[stage] if r[stage].get("enabled", True) else say("rule.disabled")
        rows.append({"precedence": i, "stage": stage, "rule": rule})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- inputs


def stage_inputs_expr(ws: TableSource, as_of: Any) -> Any:
    """Build the engine query behind :func:`stage_inputs` without running it.

    Parameters
    ----------
    ws : workspace
        Needs ``accounts`` and ``orders``.
    as_of : date-like
        Evaluation date.

    Returns
    -------
    ibis.Table
    """
    as_of = parse_as_of(as_of)
    for name in ("accounts", "orders"):
        if not ws.has(name):
            raise DataError(f"the data source has no {name!r} table, which lifecycle stages need")
    acc = ws.table("accounts")
    acc = acc.filter(acc.created_date.isnull() | (acc.created_date <= as_of)).select("account_id")
    o = ws.table("orders")
    o = o.filter(o.order_date <= as_of)
    buy = o.amount >= 0
    year_ago = as_of - dt.timedelta(days=365)
    two_years_ago = as_of - dt.timedelta(days=730)
    last_year = o.order_date > year_ago
    year_before = (o.order_date > two_years_ago) & ~last_year
    agg = o.group_by(o.account_id.name("_oid")).aggregate(
        order_count=o.count(where=buy),
        first_order_date=o.order_date.min(where=buy),
        last_order_date=o.order_date.max(where=buy),
        orders_12m=o.count(where=buy & last_year),
        orders_prev_12m=o.count(where=buy & year_before),
        revenue_12m=o.amount.sum(where=last_year),
        revenue_prev_12m=o.amount.sum(where=year_before),
    )
    # Order rhythm: median gap between consecutive distinct order dates.
    d = o.filter(buy).select("account_id", "order_date").distinct()
    d = d.mutate(_prev=d.order_date.lag().over(group_by=d.account_id, order_by=d.order_date))
    d = d.filter(d._prev.notnull())
    d = d.mutate(_gap=d.order_date.delta(d._prev, unit="day").cast("float64"))
    rhythm = d.group_by(d.account_id.name("_gid")).aggregate(median_gap_days=d._gap.median())

    j = acc.left_join(agg, acc.account_id == agg._oid).left_join(
        rhythm, acc.account_id == rhythm._gid)
    lit = ibis.literal(as_of)
    return j.select(
        account_id=j.account_id,
        order_count=j.order_count.coalesce(0),
        first_order_date=j.first_order_date,
        last_order_date=j.last_order_date,
        recency_days=lit.delta(j.last_order_date, unit="day"),
        days_since_first_order=lit.delta(j.first_order_date, unit="day"),
        median_gap_days=j.median_gap_days,
        orders_12m=j.orders_12m.coalesce(0),
        orders_prev_12m=j.orders_prev_12m.coalesce(0),
        revenue_12m=j.revenue_12m.coalesce(0),
        revenue_prev_12m=j.revenue_prev_12m.coalesce(0),
    )


def stage_inputs(ws: TableSource, as_of: Any) -> pd.DataFrame:
    """Per-account inputs of the stage rules, computed in the engine.

    Parameters
    ----------
    ws : workspace
        Needs ``accounts`` and ``orders``.
    as_of : date-like
        Evaluation date; later orders and accounts created later are ignored.

    Returns
    -------
    pandas.DataFrame
        One row per account sorted by ``account_id``: ``account_id``, ``order_count``,
        ``first_order_date``, ``last_order_date``, ``recency_days``,
        ``days_since_first_order``, ``median_gap_days`` (missing with fewer than two order
        dates), ``orders_12m``, ``orders_prev_12m``, ``revenue_12m``, ``revenue_prev_12m``.
        Orders are rows with ``amount >= 0``; revenue nets credit notes.
    """
    raw = stage_inputs_expr(ws, as_of).to_pandas()
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


def stages_for(ws: TableSource, as_of: Any, rules: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Lifecycle stage of every account on ``as_of``.

    Parameters
    ----------
    ws : workspace
        Needs ``accounts`` and ``orders``.
    as_of : date-like
        Evaluation date.
    rules : mapping, optional
        Rule table; see :func:`check_rules`.

    Returns
    -------
    pandas.DataFrame
        Columns ``account_id`` and ``stage`` (ordered categorical), sorted by ``account_id``.
    """
    inputs = stage_inputs(ws, as_of)
    return pd.DataFrame({"account_id": inputs["account_id"],
                         "stage": assign_stages(inputs, rules)})


# --------------------------------------------------------------------------- mix and migration


def stage_mix(stages: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """Accounts and share per stage, all six stages in order (zeros included).

    Parameters
    ----------
    stages : pandas.Series or DataFrame
        Stage labels, or a frame with a ``stage`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage``, ``accounts`` and ``share`` (0-1).
    """
    s = stages["stage"] if isinstance(stages, pd.DataFrame) else stages
    counts = pd.Series(pd.Categorical(s, categories=list(STAGES))).value_counts(sort=False)
    counts = counts.reindex(list(STAGES), fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame({
        "stage": list(STAGES),
        "accounts": counts.to_numpy(dtype="int64"),
        "share": counts.to_numpy(dtype="float64") / total if total else 0.0,
    })


def migration_matrix(before: pd.DataFrame, after: pd.DataFrame, *,
                     include_entrants: bool = True) -> pd.DataFrame:
    """Count accounts moving from each stage at the earlier date to each stage now.

    Parameters
    ----------
    before, after : pandas.DataFrame
        ``account_id`` and ``stage`` at the earlier and the later date (as from
        :func:`stages_for`).
    include_entrants : bool, default True
        Add a row :data:`ENTRANT` for accounts created between the two dates.

    Returns
    -------
    pandas.DataFrame
        Counts; rows are the earlier stage (all six, then the entrant row), columns the later
        stage. Each stage row sums to that stage's count at the earlier date.
    """
    b = before[["account_id", "stage"]].astype({"stage": "object"})
    a = after[["account_id", "stage"]].astype({"stage": "object"})
    pairs = a.merge(b, on="account_id", how="left", suffixes=("_after", "_before"))
    pairs["stage_before"] = pairs["stage_before"].fillna(ENTRANT)
    lost = len(set(b["account_id"]) - set(a["account_id"]))
    if lost:
        raise DataError(f"{lost} account(s) have a stage at the earlier date but none now; "
                        "pass stages for the same accounts at both dates")
    rows = [*STAGES, ENTRANT] if include_entrants else list(STAGES)
    table = pd.crosstab(pairs["stage_before"], pairs["stage_after"])
    table = table.reindex(index=rows, columns=list(STAGES), fill_value=0).astype("int64")
    table.index.name, table.columns.name = "stage_before", "stage_now"
    return table


def migration_shares(matrix: pd.DataFrame) -> pd.DataFrame:
    """Row shares of a migration matrix: where each earlier stage's accounts went.

    Parameters
    ----------
    matrix : pandas.DataFrame
        From :func:`migration_matrix`.

    Returns
    -------
    pandas.DataFrame
        Same shape; each row sums to 1 (rows with no accounts are 0).
    """
    totals = matrix.sum(axis=1)
    return matrix.div(totals.where(totals > 0), axis=0).fillna(0.0)


def stage_migration(ws: TableSource, as_of: Any, *, period_days: int = 180,
                    rules: Mapping[str, Any] | None = None,
                    current: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stages on ``as_of - period_days`` and on ``as_of``, and the migration counts.

    The same rules are evaluated on both dates, each seeing only the data up to its date.

    Parameters
    ----------
    ws : workspace
    as_of : date-like
    period_days : int, default 180
        Length of the period looked back over.
    rules : mapping, optional
    current : pandas.DataFrame, optional
        ``account_id`` and ``stage`` on ``as_of`` when the caller already has them from
        ``stages_for(ws, as_of, rules)`` with the same rules (any column order and extra
        columns are fine); saves computing them again. Default: computed here.

    Returns
    -------
    pairs : pandas.DataFrame
        ``account_id``, ``stage_before`` (missing for accounts created in the period),
        ``stage_now``.
    matrix : pandas.DataFrame
        From :func:`migration_matrix`.
    """
    if isinstance(period_days, bool) or not isinstance(period_days, (int, np.integer)) \
            or period_days <= 0:
        raise ParamError(f"migration_period_days must be a positive whole number, got "
                         f"{period_days!r}")
    now = parse_as_of(as_of)
    earlier = now - dt.timedelta(days=int(period_days))
    before = stages_for(ws, earlier, rules)
    if current is None:
        after = stages_for(ws, now, rules)
    else:
        if not {"account_id", "stage"} <= set(current.columns):
            raise ParamError("current must have the columns account_id and stage")
        after = current[["account_id", "stage"]].sort_values(
            "account_id", kind="stable").reset_index(drop=True)
    matrix = migration_matrix(before, after)
    pairs = after.rename(columns={"stage": "stage_now"}).merge(
        before.rename(columns={"stage": "stage_before"}), on="account_id", how="left")
    return pairs[["account_id", "stage_before", "stage_now"]], matrix


def migration_skip_note(first_order: Any, as_of: Any, period_days: int, *,
                        language: str = "en") -> str | None:
    """Why the stage migration cannot be read, or ``None`` when it can.

    The migration compares stages at ``as_of - period_days`` with stages on ``as_of``. When
    the first order comes after that earlier date, every customer "was not yet an account"
    and the matrix says nothing about movement between stages.

    Parameters
    ----------
    first_order : date-like or None
        The first order date in the data (``None`` without orders).
    as_of : date-like
    period_days : int
        The migration period.
    language : {"en", "zh"}

    Returns
    -------
    str or None
        The one-line "skipped" note.
    """
    start = parse_as_of(as_of) - dt.timedelta(days=int(period_days))
    if first_order is not None and not pd.isna(first_order) \
            and pd.Timestamp(first_order).date() <= start:
        return None
    first = "–" if first_order is None or pd.isna(first_order) \
        else f"{pd.Timestamp(first_order):%Y-%m-%d}"
    return i18n.t("customer_segmentation.migration.skipped", language, first=first,
                  start=f"{start:%Y-%m-%d}", days=int(period_days))


# --------------------------------------------------------------------------- playbooks


def check_playbooks(playbooks: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Validate stage playbooks and merge them over :data:`DEFAULT_PLAYBOOKS`.

    Parameters
    ----------
    playbooks : mapping, optional
        ``stage -> {action, objective, channels, content}``; keys left out keep the default.
        ``channels`` and ``content`` are lists of text (a single text is taken as one item).

    Returns
    -------
    dict
    """
    merged = copy.deepcopy(DEFAULT_PLAYBOOKS)
    if playbooks is None:
        return merged
    if not isinstance(playbooks, Mapping):
        raise ParamError(f"playbooks must be a mapping of stage -> playbook, got {playbooks!r}")
    for stage, given in playbooks.items():
        if stage not in merged:
            raise _unknown("playbooks", stage, STAGES)
        if not isinstance(given, Mapping):
            raise ParamError(f"playbooks.{stage} must be a mapping with keys "
                             f"{', '.join(_PLAYBOOK_KEYS)}; got {given!r}")
        for key, value in given.items():
            if key not in _PLAYBOOK_KEYS:
                raise _unknown(f"playbooks.{stage}", key, _PLAYBOOK_KEYS)
            if key in ("channels", "content"):
                value = [value] if isinstance(value, str) else value
                if not isinstance(value, (list, tuple)) or not all(
                        isinstance(v, str) for v in value):
                    raise ParamError(f"playbooks.{stage}.{key} must be a list of text")
                value = list(value)
            elif not isinstance(value, str) or not value.strip():
                raise ParamError(f"playbooks.{stage}.{key} must be non-empty text")
            merged[stage][key] = value
    return merged


def _playbook_text(stage: str, key: str, value: Any, language: str) -> str:
    """One playbook field as text: the translated default, or the given text as it is."""
    if value == DEFAULT_PLAYBOOKS[stage][key]:
        return i18n.t(f"customer_segmentation.playbook.{stage}.{key}", language)
    if isinstance(value, str):
        return value
    return i18n.t("customer_segmentation.list_separator", language).join(value)


def playbook_table(playbooks: Mapping[str, Any] | None = None, *, language: str = "en"
                   ) -> pd.DataFrame:
    """The playbooks as a table, one row per stage.

    Parameters
    ----------
    playbooks : mapping, optional
        See :func:`check_playbooks`.
    language : {"en", "zh"}
        Default playbook texts are translated; texts given in ``playbooks`` are shown as
        they are.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage``, ``action``, ``objective``, ``channels`` and ``content`` (lists
        joined with ", ").
    """
    p = check_playbooks(playbooks)
    return pd.DataFrame([
        {"stage": s, **{key: _playbook_text(s, key, p[s][key], language) for key in _PLAYBOOK_KEYS}}
        for s in STAGES
    ])


def recommend_actions(stages: pd.DataFrame, playbooks: Mapping[str, Any] | None = None, *,
                      language: str = "en") -> pd.DataFrame:
    """Attach each account's stage playbook.

    Parameters
    ----------
    stages : pandas.DataFrame
        ``account_id`` and ``stage``.
    playbooks : mapping, optional
        See :func:`check_playbooks`.
    language : {"en", "zh"}
        As for :func:`playbook_table`.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``stage``, ``action``, ``objective``, ``channels``, ``content``, in
        the row order of ``stages``.
    """
    table = playbook_table(playbooks, language=language)
    out = stages[["account_id", "stage"]].copy()
    key = out["stage"].astype("object")
    for col in ("action", "objective", "channels", "content"):
        out[col] = key.map(table.set_index("stage")[col])
    return out


def action_counts(actions: pd.DataFrame) -> pd.DataFrame:
    """Accounts per recommended action, in stage order.

    Parameters
    ----------
    actions : pandas.DataFrame
        From :func:`recommend_actions`.

    Returns
    -------
    pandas.DataFrame
        ``stage``, ``action``, ``channels``, ``accounts`` and ``share``.
    """
    mix = stage_mix(actions["stage"])
    firsts = actions.assign(stage=actions["stage"].astype("object")).drop_duplicates("stage")
    out = mix.merge(firsts[["stage", "action", "channels"]], on="stage", how="left")
    return out[["stage", "action", "channels", "accounts", "share"]]


# --------------------------------------------------------------------------- charts


def stage_overview(mix: pd.DataFrame, playbooks: Mapping[str, Any] | None = None, *,
                   language: str = "en") -> pd.DataFrame:
    """One row per stage for a management table: accounts, share and the recommended action.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    playbooks : mapping, optional
        See :func:`check_playbooks`; every stage gets its action and channels, also a stage
        without accounts.
    language : {"en", "zh"}
        Language of the stage names and the default playbook texts.

    Returns
    -------
    pandas.DataFrame
        ``stage`` (named in ``language``), ``accounts``, ``share`` (0-1), ``action`` and
        ``channels``, in stage order.
    """
    books = playbook_table(playbooks, language=language)
    out = mix[["stage", "accounts", "share"]].astype({"stage": "object"}).merge(
        books[["stage", "action", "channels"]], on="stage", how="left")
    out["stage"] = [stage_label(s, language) for s in out["stage"]]
    return out.reset_index(drop=True)


def stage_mix_alt(mix: pd.DataFrame, language: str = "en") -> str:
    """The alt text of :func:`plot_stage_mix`: what the chart shows and its largest stage.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    top = mix.sort_values("accounts", ascending=False, kind="stable").iloc[0]
    return i18n.t("customer_segmentation.alt.stage_mix", language,
                  stage=stage_label(top["stage"], language), accounts=f"{int(top['accounts']):,}",
                  share=f"{float(top['share']):.0%}", total=f"{int(mix['accounts'].sum()):,}")


def migration_alt(moves: pd.DataFrame, days: int, language: str = "en") -> str:
    """The alt text of :func:`plot_migration`: how many kept their stage and how many slipped.

    Parameters
    ----------
    moves : pandas.DataFrame
        Counts from :func:`migration_matrix`.
    days : int
        Length of the period.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    stages = [s for s in STAGES if s in moves.index and s in moves.columns]
    rows = moves.loc[stages]
    total = int(rows.to_numpy().sum())
    kept = sum(int(rows.loc[s, s]) for s in stages)
    healthy = [s for s in ("growth", "mature") if s in moves.index]
    risk = [s for s in ("declining", "churned") if s in moves.columns]
    slipped = int(moves.loc[healthy, risk].to_numpy().sum()) if healthy and risk else 0
    return i18n.t("customer_segmentation.alt.migration", language, days=f"{days:,}",
                  kept=f"{kept / total:.0%}" if total else "–", slipped=f"{slipped:,}")


def plot_stage_mix(mix: pd.DataFrame, *, ax=None, title: str | None = None, language: str = "en"):
    """Bar chart of accounts per stage, in stage order, labelled with shares.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Defaults to "Lifecycle stage mix" in ``language``.
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    bars = ax.bar([stage_label(s, language) for s in mix["stage"].astype(str)], mix["accounts"],
                  color="#2e86c1")
    ax.bar_label(bars, labels=[f"{s:.0%}" for s in mix["share"]], padding=2, fontsize=8)
    ax.set_ylabel(i18n.t("customer_segmentation.chart.accounts", language))
    ax.set_title(i18n.t("customer_segmentation.chart.stage_mix", language) if title is None else title)
    return ax


def plot_migration(shares: pd.DataFrame, *, ax=None, title: str | None = None,
                   language: str = "en"):
    """Heatmap of migration shares (rows: earlier stage, columns: stage now).

    Parameters
    ----------
    shares : pandas.DataFrame
        From :func:`migration_shares`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Defaults to "Where each stage moved (share of row)" in ``language``.
    language : {"en", "zh"}
        Language of the title, axis labels and stage names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    shares = shares.rename(index=lambda s: stage_label(s, language),
                           columns=lambda s: stage_label(s, language))
    sns.heatmap(shares * 100, annot=True, fmt=".0f", cmap="Blues", cbar=False, ax=ax,
                linewidths=0.5, vmin=0, vmax=100)
    ax.set_xlabel(i18n.t("customer_segmentation.chart.stage_now", language))
    ax.set_ylabel(i18n.t("customer_segmentation.chart.stage_before", language))
    ax.set_title(i18n.t("customer_segmentation.chart.migration", language) if title is None else title)
    return ax


# --------------------------------------------------------------------------- report steps


def attach_stages(features: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    """Add each account's lifecycle stage to its features.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account with ``account_id``.
    stages : pandas.DataFrame
        From :func:`stages_for`: ``account_id`` and ``stage``.

    Returns
    -------
    pandas.DataFrame
        ``features`` with the columns of ``stages``; accounts without a stage are dropped.
    """
    return features.merge(stages, on="account_id")


@dataclass(frozen=True)
class StageNumbers:
    """The stage counts the findings and headline cards of the segmentation report use.

    Attributes
    ----------
    shares, accounts : pandas.Series
        Share (0-1) and number of accounts per stage.
    customers_before : int
        Growth and mature accounts at the start of the migration period.
    slipped : int
        Of those, the accounts declining or churned at its end.
    """

    shares: pd.Series
    accounts: pd.Series
    customers_before: int
    slipped: int

    @property
    def at_risk_accounts(self) -> int:
        """Accounts declining or churned now."""
        return int(self.accounts[["declining", "churned"]].sum())

    @property
    def at_risk_share(self) -> float:
        """Share of accounts declining or churned now."""
        return float(self.shares[["declining", "churned"]].sum())

    @property
    def growing_share(self) -> float:
        """Share of accounts new or in growth."""
        return float(self.shares[["growth", "new"]].sum())

    @property
    def slipped_share(self) -> float:
        """Share of the growth and mature accounts that slipped."""
        return self.slipped / max(self.customers_before, 1)


def stage_numbers(mix: pd.DataFrame, moves: pd.DataFrame) -> StageNumbers:
    """Count the accounts at risk now and those that slipped over the migration period.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    moves : pandas.DataFrame
        From :func:`migration_matrix`: stage at the start (rows) by stage now (columns).

    Returns
    -------
    StageNumbers
    """
    by_stage = mix.set_index("stage")
    return StageNumbers(
        shares=by_stage["share"], accounts=by_stage["accounts"],
        customers_before=int(moves.loc[["growth", "mature"]].sum(axis=1).sum()),
        slipped=int(moves.loc[["growth", "mature"], ["declining", "churned"]].to_numpy().sum()))


def stage_findings(numbers: StageNumbers, *, provisional: bool, history_days: int,
                   migration_note: str | None, period_days: int, language: str = "en") -> list:
    """The stage-mix finding and, when the migration can be read, the migration finding.

    Parameters
    ----------
    numbers : StageNumbers
        From :func:`stage_numbers`.
    provisional : bool
        Whether the history is too short to judge decline and churn.
    history_days : int
        Days of order history, named in the provisional finding.
    migration_note : str or None
        From :func:`migration_skip_note`; a note means no migration finding.
    period_days : int
        The migration period.
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
        Facts in plain text (no markdown), each with its action.
    """
    def t(key, **fields):
        return i18n.t(f"customer_segmentation.{key}", language, **fields)

    growing = f"{numbers.growing_share:.0%}"
    if provisional:
        text = t("finding.stage_mix_provisional", growing=growing, days=f"{history_days:,}")
        action = t("action.stage_mix_provisional")
    else:
        text = t("finding.stage_mix", at_risk=f"{numbers.at_risk_share:.0%}", growing=growing)
        action = t("action.stage_mix", accounts=f"{numbers.at_risk_accounts:,}")
    out = [findings.fact(text.replace("**", ""), impact=0.5, n=int(numbers.accounts.sum()), action=action)]
    if migration_note is None and numbers.customers_before > 0:
        slipped = f"{numbers.slipped:,}"
        out.append(findings.fact(
            t("finding.migration", days=period_days, slipped=slipped, before=f"{numbers.customers_before:,}",
              share=f"{numbers.slipped_share:.0%}").replace("**", ""),
            impact=0.6 if numbers.slipped_share >= 0.1 else 0.4, n=numbers.customers_before,
            action=t("action.migration", slipped=slipped) if numbers.slipped else t("action.migration_none")))
    return out


def _gap(language: str) -> str:
    return "" if language == "zh" else " "


def lifecycle_summary(mix: pd.DataFrame, counts: pd.DataFrame, *, language: str = "en") -> str:
    """The sentences under the stage chart: the largest stage and the busiest playbook.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    counts : pandas.DataFrame
        From :func:`action_counts`.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    by_stage = mix.set_index("stage")
    largest = mix.sort_values("accounts", ascending=False).iloc[0]
    busiest = counts.sort_values("accounts", ascending=False).iloc[0]
    review = int(by_stage.accounts[["declining", "churned"]].sum())
    return i18n.t(
        "customer_segmentation.lifecycle.summary", language, stage=stage_label(largest.stage, language),
        share=f"{largest.share:.0%}", churned=f"{int(by_stage.accounts['churned']):,}",
        declining=f"{int(by_stage.accounts['declining']):,}",
    ) + _gap(language) + i18n.t(
        "customer_segmentation.playbooks.summary", language, action=busiest.action,
        share=f"{busiest['share']:.0%}", accounts=f"{busiest.accounts:,}", review=f"{review:,}")


def playbook_overview(playbooks: Mapping[str, Any] | None, counts: pd.DataFrame, *,
                      language: str = "en") -> pd.DataFrame:
    """The playbook of every stage with the number of accounts it applies to.

    Parameters
    ----------
    playbooks : mapping or None
        See :func:`check_playbooks`.
    counts : pandas.DataFrame
        From :func:`action_counts`.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`playbook_table` and ``accounts``, stages named in ``language``.
    """
    out = playbook_table(playbooks, language=language).merge(counts[["stage", "accounts"]], on="stage")
    out["stage"] = [stage_label(s, language) for s in out["stage"]]
    return out


def migration_summary(moves: pd.DataFrame, *, language: str = "en") -> str:
    """The sentence under the migration chart: how many kept their stage, grew, recovered or came new.

    Parameters
    ----------
    moves : pandas.DataFrame
        From :func:`migration_matrix`.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    stage_rows = moves.loc[list(STAGES)]
    stayed = sum(int(stage_rows.loc[s, s]) for s in STAGES)
    return i18n.t(
        "customer_segmentation.migration.summary", language,
        kept=f"{stayed / max(int(stage_rows.to_numpy().sum()), 1):.0%}",
        grown=f"{int(moves.loc['mature', 'growth']):,}", recovered=f"{int(moves.loc['declining', 'mature']):,}",
        created=f"{int(moves.loc[ENTRANT].sum()):,}")


def migration_counts(moves: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """The migration matrix as a table: stage before in the first column, stages named in ``language``.

    Parameters
    ----------
    moves : pandas.DataFrame
        From :func:`migration_matrix`.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        ``stage_before`` and one column of accounts per stage now.
    """
    out = moves.rename(columns=lambda s: stage_label(s, language))
    out.insert(0, "stage_before", [stage_label(s, language) for s in moves.index])
    return out
