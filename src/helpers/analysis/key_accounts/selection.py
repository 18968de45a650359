"""Key-account selection by explicit criteria; promotions and demotions against a previous list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.analysis.key_accounts.tiers import value_column
from helpers.core.errors import DataError, ParamError, suggest
from helpers.presentation import i18n

DEFAULT_CRITERIA: dict[str, Any] = {
    "capacity": 20,
    "min_clv": 0.0,
    "min_fit_score": 0.5,
    "min_p_alive": 0.5,
    "strategic_industries": [],
    "value_column": "profit_clv",
}
CAPACITY_RANGE = (5, 25)


def check_criteria(criteria: Mapping[str, Any] | None,
                   industries: Sequence[str] | None = None) -> dict[str, Any]:
    """Validate key-account criteria and fill in defaults.

    Keys: ``capacity`` (whole number 5 to 25), ``min_clv`` (number), ``min_fit_score``
    (0 to 1, or None to skip), ``min_p_alive`` (0 to 1, or None), ``strategic_industries``
    (list; empty means any industry) and ``value_column`` (``profit_clv`` or ``clv``).

    Parameters
    ----------
    criteria : mapping or None
    industries : sequence of str, optional
        Industries present in the data, to catch misspelt strategic industries.

    Returns
    -------
    dict
    """
    criteria = dict(criteria or {})
    for key in criteria:
        if key not in DEFAULT_CRITERIA:
            raise ParamError(f"key_account_criteria: unknown key {key!r}"
                             + suggest(str(key), list(DEFAULT_CRITERIA))
                             + f" Keys: {', '.join(DEFAULT_CRITERIA)}")
    crit = {**DEFAULT_CRITERIA, **criteria}
    cap = crit["capacity"]
    lo, hi = CAPACITY_RANGE
    if isinstance(cap, bool) or not isinstance(cap, (int, np.integer)) or not lo <= cap <= hi:
        raise ParamError(f"key_account_criteria: capacity must be a whole number from {lo} to "
                         f"{hi} (a key-account team can look after that many), got {cap!r}")
    for key in ("min_clv", "min_fit_score", "min_p_alive"):
        v = crit[key]
        if v is None and key != "min_clv":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not np.isfinite(v):
            raise ParamError(f"key_account_criteria: {key} must be a number, got {v!r}")
        if key != "min_clv" and not 0 <= v <= 1:
            raise ParamError(f"key_account_criteria: {key} must lie between 0 and 1, got {v!r}")
    inds = crit["strategic_industries"]
    if inds is None:
        inds = []
    if isinstance(inds, str) or not isinstance(inds, (list, tuple)):
        raise ParamError("key_account_criteria: strategic_industries must be a list, e.g. "
                         "[Manufacturing, Logistics]")
    if industries is not None:
        known = sorted({str(i) for i in industries if pd.notna(i)})
        for ind in inds:
            if ind not in known:
                raise ParamError(f"key_account_criteria: strategic industry {ind!r} is not in "
                                 "the data" + suggest(str(ind), known)
                                 + f" Industries: {', '.join(known)}")
    crit["strategic_industries"] = [str(i) for i in inds]
    if crit["value_column"] not in ("profit_clv", "clv"):
        raise ParamError(f"key_account_criteria: value_column must be profit_clv or clv, got "
                         f"{crit['value_column']!r}")
    crit["capacity"] = int(cap)
    return crit


def _criteria_checks(accounts: pd.DataFrame, crit: dict, language: str = "en"
                     ) -> tuple[pd.DataFrame, list[str]]:
    """One boolean column per applied criterion, and notes on skipped ones."""
    value_col = crit["value_column"]
    if value_col not in accounts:
        raise ParamError(f"select_key_accounts: the table has no {value_col!r} column")
    notes: list[str] = []
    checks = pd.DataFrame(index=accounts.index)
    checks["min_clv"] = accounts[value_col].astype("float64") >= float(crit["min_clv"])
    if crit["min_fit_score"] is not None:
        fit = accounts["fit_score"].astype("float64") if "fit_score" in accounts else None
        if fit is None or fit.isna().all():
            problem = accounts.attrs.get("fit_problem")
            notes.append(i18n.t("customer_value.criteria.no_fit_signal" if problem == "no_signal"
                                else "customer_value.criteria.no_fit", language))
        else:
            checks["min_fit_score"] = fit >= float(crit["min_fit_score"])
    if crit["min_p_alive"] is not None:
        alive = accounts["p_alive"].astype("float64") if "p_alive" in accounts else None
        if alive is None or alive.isna().all():
            notes.append(i18n.t("customer_value.criteria.no_p_alive", language))
        else:
            checks["min_p_alive"] = alive >= float(crit["min_p_alive"])
    if crit["strategic_industries"]:
        if "industry" not in accounts:
            raise ParamError("select_key_accounts: strategic_industries needs an industry "
                             "column")
        checks["strategic_industries"] = accounts["industry"].isin(crit["strategic_industries"])
    return checks.fillna(False).astype(bool), notes


def _reason(row: pd.Series, crit: dict, applied: Sequence[str], currency: str,
            language: str = "en") -> str:
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.reason.{key}", language, **values)

    label = say("profit_clv" if crit["value_column"] == "profit_clv" else "clv")
    parts = [say("value", label=label,
                 value=f"{row[crit['value_column']]:,.0f} {currency}".strip(),
                 minimum=f"{crit['min_clv']:,.0f}")]
    if "min_fit_score" in applied:
        parts.append(say("fit", fit=f"{row['fit_score']:.2f}",
                         minimum=f"{crit['min_fit_score']:.2f}"))
    if "min_p_alive" in applied:
        parts.append(say("p_alive", p_alive=f"{row['p_alive']:.0%}",
                         minimum=f"{crit['min_p_alive']:.0%}"))
    if "strategic_industries" in applied:
        parts.append(say("industry", industry=row["industry"]))
    parts.append(say("rank", rank=int(row["rank"]), eligible=int(row["eligible"])))
    return say("join").join(parts)


def select_key_accounts(accounts: pd.DataFrame, criteria: Mapping[str, Any] | None = None, *,
                        currency: str = "", language: str = "en") -> pd.DataFrame:
    """Choose key accounts by explicit criteria, ranked by value, up to the capacity.

    An account qualifies when it meets every applied criterion (value at least
    ``min_clv``, fit score at least ``min_fit_score``, P(alive) at least ``min_p_alive``,
    industry in ``strategic_industries`` when that list is not empty). Qualifying
    accounts are ranked by ``value_column`` and the top ``capacity`` are chosen. A fit or
    P(alive) criterion is skipped, with a note in ``attrs["notes"]``, when the table has
    no such numbers; so is ranking on profit CLV when no profit CLV is known (no gross
    margin): revenue CLV is used, with a note.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account, e.g. :func:`value_table`; needs ``account_id`` and the value
        column, plus ``fit_score``, ``p_alive`` and ``industry`` for those criteria.
    criteria : mapping, optional
        See :func:`check_criteria`; missing keys take :data:`DEFAULT_CRITERIA`.
    currency : str
        Currency label used in the reasons.
    language : {"en", "zh"}
        Language of the reasons and notes.

    Returns
    -------
    pandas.DataFrame
        ``rank``, the account columns, and ``reason``; at most ``capacity`` rows.
        ``attrs``: ``eligible`` (count), ``criteria`` (as applied), ``notes``.
    """
    inds = accounts["industry"].unique() if "industry" in accounts else None
    crit = check_criteria(criteria, inds)
    fallback_note = []
    if crit["value_column"] == "profit_clv" and value_column(accounts) == "clv":
        crit["value_column"] = "clv"  # no profit CLV without a margin: rank on revenue CLV
        fallback_note.append(i18n.t("customer_value.criteria.no_profit", language))
    checks, notes = _criteria_checks(accounts, crit, language)
    notes = fallback_note + notes
    ok = checks.all(axis=1)
    value_col = crit["value_column"]
    eligible = accounts[ok].sort_values([value_col, "account_id"], ascending=[False, True],
                                         kind="stable")
    chosen = eligible.head(crit["capacity"]).copy()
    chosen.insert(0, "rank", np.arange(1, len(chosen) + 1))
    chosen["eligible"] = len(eligible)
    applied = list(checks.columns)
    chosen["reason"] = pd.Series([_reason(row, crit, applied, currency, language)
                                  for _, row in chosen.iterrows()], index=chosen.index,
                                 dtype="object")
    keep = ["rank", "account_id", "account_name", "industry", "size_band", "owner",
            "value_tier", value_col, "clv", "profit_clv", "p_alive", "fit_score", "reason"]
    cols = list(dict.fromkeys(c for c in keep if c in chosen))
    out = chosen[cols].reset_index(drop=True)
    out.attrs.update({"eligible": int(len(eligible)), "criteria": crit, "notes": notes,
                      "applied": applied})
    return out


def read_account_list(path: str | Path) -> pd.DataFrame:
    """Read a previous key-account list (a CSV with an ``account_id`` column).

    Returns
    -------
    pandas.DataFrame
    """
    from helpers.core.paths import resolve

    p = resolve(path)
    if not p.is_file():
        raise DataError(f"{path!r} not found; point the parameter at a CSV file with an "
                        "account_id column, or set it to '' for none")
    try:
        frame = pd.read_csv(p, dtype={"account_id": str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{p.name}: cannot be read as a UTF-8 CSV ({exc})") from None
    if "account_id" not in frame:
        raise DataError(f"{p.name}: needs an account_id column; it has "
                        f"{', '.join(map(str, frame.columns))}")
    return frame


def read_fit_scores(path: str | Path) -> pd.DataFrame:
    """Read fit scores from a CSV with ``account_id`` and ``fit_score`` (0-1 or 0-100).

    Returns
    -------
    pandas.DataFrame
    """
    frame = read_account_list(path)
    if "fit_score" not in frame:
        raise DataError(f"{Path(path).name}: needs a fit_score column next to account_id")
    scores = pd.to_numeric(frame["fit_score"], errors="coerce")
    if scores.isna().all():
        raise DataError(f"{Path(path).name}: the fit_score column holds no numbers")
    return pd.DataFrame({"account_id": frame["account_id"].astype(str), "fit_score": scores})


def compare_with_previous(selection: pd.DataFrame, previous: pd.DataFrame,
                          accounts: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """Promotions and demotions against a previous key-account list.

    Parameters
    ----------
    selection : pandas.DataFrame
        :func:`select_key_accounts` output (its ``attrs["criteria"]`` is reused).
    previous : pandas.DataFrame
        Previous list with ``account_id``.
    accounts : pandas.DataFrame
        The table the selection was made from.
    language : {"en", "zh"}
        Language of ``why`` (``change`` keeps its English codes).

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``account_name``, ``change`` ("promoted", "kept", "demoted") and
        ``why``: for demotions the criteria now failed, or that the account fell below the
        capacity cut, or left the data.
    """
    crit = selection.attrs.get("criteria") or check_criteria(None)
    checks, _ = _criteria_checks(accounts, crit)
    by_id = accounts.set_index("account_id")
    checks.index = accounts["account_id"]
    now = list(selection["account_id"])
    before = [str(a) for a in previous["account_id"].dropna().astype(str).unique()]
    rows = []
    for acc in now:
        change = "kept" if acc in before else "promoted"
        rank = int(selection.loc[selection.account_id == acc, "rank"].iloc[0])
        rows.append((acc, change, i18n.t("customer_value.why.rank_now", language, rank=rank)))
    for acc in before:
        if acc in now:
            continue
        if acc not in by_id.index:
            rows.append((acc, "demoted", i18n.t("customer_value.why.gone", language)))
            continue
        failed = [c for c in checks.columns if not bool(checks.loc[acc, c])]
        why = (i18n.t("customer_value.why.fails", language, criteria=", ".join(failed)) if failed
               else i18n.t("customer_value.why.below_capacity", language,
                           capacity=crit["capacity"]))
        rows.append((acc, "demoted", why))
    out = pd.DataFrame(rows, columns=["account_id", "change", "why"])
    names = by_id["account_name"] if "account_name" in by_id else None
    out.insert(1, "account_name", out["account_id"].map(names) if names is not None else "")
    order = {"promoted": 0, "demoted": 1, "kept": 2}
    return out.sort_values("change", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True)


__all__ = [
    "CAPACITY_RANGE",
    "DEFAULT_CRITERIA",
    "check_criteria",
    "compare_with_previous",
    "read_account_list",
    "read_fit_scores",
    "select_key_accounts",
]
