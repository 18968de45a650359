"""Customer lifetime value (CLV) per value tier, and the tiers as a comparison split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core.errors import DataError
from helpers.presentation import i18n

from .formatting import _finite, _with_unit, format_kpi
from .formulas import clv_cac_ratio

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "clv_by_tier",
    "tier_cac",
    "tier_groups",
    "tier_name",
    "tier_table",
    "tier_values",
    "tiers_sentence",
]


def clv_by_tier(values: pd.DataFrame, *, cac_value: float | None = None,
                tier_order: Sequence[str] | None = None) -> pd.DataFrame:
    """Average CLV per value tier, and its ratio to CAC.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per account with ``value_tier`` (or ``tier``) and ``clv``, e.g. from
        :func:`helpers.analysis.budget.account_value_tiers`.
    cac_value : float, optional
        Overall CAC; adds ``clv_cac = clv_mean / cac_value``.
    tier_order : sequence of str, optional

    Returns
    -------
    pandas.DataFrame
        ``tier, accounts, clv_mean, clv_median, clv_total, clv_share`` (and ``clv_cac``).
        ``clv_share`` is the tier's share of the positive CLV (an account with a negative
        CLV counts as zero there), so the shares lie in 0..1 and add up to 1.
    """
    tier = "value_tier" if "value_tier" in values.columns else "tier"
    if tier not in values.columns or "clv" not in values.columns:
        raise DataError("clv_by_tier needs the columns value_tier (or tier) and clv")
    v = values.assign(clv=pd.to_numeric(values["clv"], errors="coerce"))
    v = v.assign(clv_positive=v["clv"].clip(lower=0))
    out = (v.groupby(tier, observed=True)
           .agg(accounts=("clv", "size"), clv_mean=("clv", "mean"), clv_median=("clv", "median"),
                clv_total=("clv", "sum"), positive=("clv_positive", "sum"))
           .reset_index().rename(columns={tier: "tier"}))
    # shares of the positive CLV: accounts that lose money would push the other tiers'
    # shares of a signed total past 100 %
    total = out["positive"].sum()
    out["clv_share"] = out["positive"] / total if total > 0 else np.nan
    out = out.drop(columns="positive")
    if cac_value is not None:
        out["clv_cac"] = clv_cac_ratio(out["clv_mean"], cac_value)
    if tier_order:
        rank = {t: i for i, t in enumerate(tier_order)}
        out = out.sort_values("tier", key=lambda s: s.map(rank).fillna(len(rank)))
    else:
        out = out.sort_values("clv_mean", ascending=False)
    return out.reset_index(drop=True)


def tier_values(ws: Workspace, as_of: Any, *, language: str = "en", **options
                ) -> tuple[pd.DataFrame | None, str]:
    """Value tier and CLV per account from :func:`helpers.analysis.key_accounts.value_table`.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    language : {"en", "zh"}
        Of the returned source description.
    **options
        Passed to ``value_table``, e.g. ``features=`` with the run's cached account features
        so that they are not computed again.

    Returns
    -------
    (pandas.DataFrame or None, str)
        ``account_id, value_tier, clv`` (profit CLV when the table has it) and a short
        description of the source; ``(None, reason)`` when the value assessment is not
        available in this installation.
    """
    try:
        from helpers.analysis import key_accounts
    except ImportError:
        return None, i18n.t("kpi.tier_source.none", language)
    table = key_accounts.value_table(ws, as_of, **options)
    # profit CLV only where some account has one (no margin in the data: revenue CLV)
    has_profit = "profit_clv" in table.columns and pd.to_numeric(
        table["profit_clv"], errors="coerce").notna().any()
    clv_col = "profit_clv" if has_profit else "clv"
    out = table[["account_id", "value_tier", clv_col]].rename(columns={clv_col: "clv"})
    out["value_tier"] = out["value_tier"].astype("string")
    return out, i18n.t(f"kpi.tier_source.{clv_col}", language)


def tier_name(tier: Any, language: str = "en") -> str:
    """A value tier in the report language (:func:`helpers.analysis.key_accounts.value_label`)."""
    try:
        from helpers.analysis import key_accounts
    except ImportError:
        return str(tier)
    return key_accounts.value_label("tier", tier, language)


def tier_groups(values: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """``account_id, group`` from :func:`tier_values`, the tiers named in the report language,
    as a split for :func:`compare_breakdowns`."""
    return pd.DataFrame({"account_id": values["account_id"].to_numpy(),
                         "group": [tier_name(v, language) for v in values["value_tier"]]})


def tier_table(tiers: pd.DataFrame, *, currency: str = "", language: str = "en"):
    """:func:`clv_by_tier` as a table for people (:func:`helpers.presentation.tables.people_table`).

    Tier names are localised; shares are of the positive CLV, so they add up to 100 %.
    """
    from helpers.presentation.tables import people_table

    t = i18n.t
    frame = pd.DataFrame({"tier": [tier_name(v, language) for v in tiers["tier"]],
                          "accounts": tiers["accounts"].to_numpy(),
                          "clv_mean": tiers["clv_mean"].to_numpy(dtype="float64"),
                          "clv_share": tiers["clv_share"].to_numpy(dtype="float64")})
    kinds = {"tier": "text", "accounts": "int", "clv_mean": "money", "clv_share": "share"}
    labels = {c: t(f"kpi.col.{c}", language) for c in ("tier", "accounts", "clv_mean",
                                                         "clv_share")}
    if "clv_cac" in tiers.columns:
        frame["clv_cac"] = tiers["clv_cac"].to_numpy(dtype="float64")
        kinds["clv_cac"], labels["clv_cac"] = "ratio", t("kpi.clv_cac", language)
    return people_table(frame, kinds=kinds, labels=labels, currency=currency,
                        language=language)


def tiers_sentence(clv_tiers: pd.DataFrame | None, *, source: str = "", currency: str = "",
                   language: str = "en") -> str | None:
    """Which value tier carries the largest share of CLV (:func:`clv_by_tier`).

    Returns
    -------
    str or None
        ``None`` unless two or more tiers have a CLV share.
    """
    if clv_tiers is None or clv_tiers.empty:
        return None
    share = pd.to_numeric(clv_tiers["clv_share"], errors="coerce").astype("float64")
    known = clv_tiers[np.isfinite(share)]
    if len(known) < 2:
        return None
    top = known.loc[share[np.isfinite(share)].idxmax()]
    fmt = {"tier": tier_name(top["tier"], language), "share": f"{top['clv_share']:.0%}",
           "clv": _with_unit("clv", top["clv_mean"], currency),
           "ratio": format_kpi("clv_cac", top.get("clv_cac"))}
    text = i18n.t("kpi.finding.tiers" if _finite(top.get("clv_cac")) else
                  "kpi.finding.tiers_no_cac", language, **fmt)
    return text + " " + i18n.t("kpi.finding.tiers_source", language, source=source) \
        if source else text


def tier_cac(current: Mapping[str, float], flags: pd.DataFrame, caps=None) -> float | None:
    """The CAC to set against CLV by tier: ``None`` when unflagged margins or CAC are missing.

    Parameters
    ----------
    current : mapping
        Headline values (:func:`headline_values`).
    flags : pandas.DataFrame
        From :func:`kpi_flags`; a flagged CAC is not used.
    caps : helpers.data.capabilities.Capabilities, optional
        Without ``orders.gross_margin`` CLV and CAC do not compare.

    Returns
    -------
    float or None
    """
    if caps is not None and not caps.has("orders", "gross_margin"):
        return None
    if "cac" in set(flags["kpi"]):
        return None
    return current.get("cac")
