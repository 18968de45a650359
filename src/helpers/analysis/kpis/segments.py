"""Region, industry and value-tier comparisons: the splits, panels, sentences and findings."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.presentation import i18n

from .formatting import format_kpi
from .formulas import INTERVALS, KPIS
from .tiers import tier_groups

__all__ = [
    "SEGMENT_METRICS",
    "comparison_panels",
    "pick_metric",
    "segment_panels",
    "segment_splits",
    "spread_findings",
    "spread_sentence",
]


def pick_metric(table: pd.DataFrame, candidates: Sequence[str], *, min_groups: int = 2
                ) -> str | None:
    """The first of ``candidates`` that at least ``min_groups`` groups of ``table`` have.

    A comparison needs two groups with a value; ``None`` when no candidate has them.
    """
    for metric in candidates:
        if metric in table.columns and pd.to_numeric(
                table[metric], errors="coerce").replace([np.inf, -np.inf], np.nan).notna(
                ).sum() >= min_groups:
            return metric
    return None


def comparison_panels(tables: Mapping[str, pd.DataFrame],
                      candidates: Mapping[str, Sequence[str]], *, language: str = "en"
                      ) -> list[dict]:
    """The comparison charts worth drawing: one per split that has a metric in two groups.

    Parameters
    ----------
    tables : mapping
        Dimension (``region``, ``industry``, ``tier``...) -> :func:`compare_kpis` table.
    candidates : mapping
        Dimension -> metrics to try in order (``("nps", "churn_rate", "win_rate")``).
    language : {"en", "zh"}

    Returns
    -------
    list of dict
        ``dim, table, metric, lower, upper, percent, title`` for :func:`plot_comparison`.
    """
    out = []
    for dim, table in tables.items():
        metric = pick_metric(table, candidates.get(dim, ()))
        if metric is None:
            continue
        lower, upper = INTERVALS.get(metric, (None, None))
        out.append({"dim": dim, "table": table, "metric": metric, "lower": lower,
                    "upper": upper, "percent": KPIS[metric].unit == "share",
                    "title": f"{i18n.t(f'kpi.{metric}', language)} · "
                             f"{i18n.t(f'dim.{dim}', language, default=dim)}"})
    return out


def spread_sentence(panel: Mapping[str, Any], language: str = "en") -> str | None:
    """The lowest and highest group of a :func:`comparison_panels` panel, or ``None`` when
    fewer than two groups have a value."""
    metric, table = panel["metric"], panel["table"]
    values = pd.to_numeric(table[metric], errors="coerce")
    ranked = table[np.isfinite(values.astype("float64"))].assign(
        _v=values).sort_values("_v", kind="stable")
    if len(ranked) < 2:
        return None
    lo, hi = ranked.iloc[0], ranked.iloc[-1]
    return i18n.t("kpi.finding.segments", language,
                  low=format_kpi(metric, lo["_v"]), low_group=lo["group"],
                  high=format_kpi(metric, hi["_v"]), high_group=hi["group"],
                  dim=i18n.t(f"dim.{panel['dim']}", language, default=panel["dim"]),
                  kpi=i18n.t(f"kpi.{metric}", language))


def _panel_counts(panel: Mapping[str, Any]) -> pd.DataFrame | None:
    """Group-by-outcome counts behind a panel's metric (missing-value groups left out)."""
    from helpers.presentation.findings import is_missing_level

    metric, table = panel["metric"], panel["table"]
    table = table[[not is_missing_level(g) for g in table["group"]]]
    if metric == "nps" and {"promoters", "detractors", "nps_responses"} <= set(table.columns):
        p, d = table["promoters"], table["detractors"]
        counts = pd.DataFrame({"p": p, "n": table["nps_responses"] - p - d, "d": d})
    elif metric == "churn_rate" and {"churned", "customers_start"} <= set(table.columns):
        counts = pd.DataFrame({"c": table["churned"],
                               "k": table["customers_start"] - table["churned"]})
    elif metric == "win_rate" and {"opps_won", "opps_lost"} <= set(table.columns):
        counts = pd.DataFrame({"w": table["opps_won"], "l": table["opps_lost"]})
    else:
        return None
    counts = counts.apply(pd.to_numeric, errors="coerce").fillna(0).clip(lower=0)
    return counts.set_axis(list(table["group"]))


def spread_findings(panels: Sequence[Mapping[str, Any]], log, *, language: str = "en"
                    ) -> list:
    """The group comparisons shown in the charts, each stated only when the groups differ.

    Each panel's metric is tested with the chi-square test of independence between the
    group and the outcome (promoter / passive / detractor for NPS, churned or kept for
    churn, won or lost for the win rate; :func:`helpers.stats.multiple_testing.independence_test`),
    and the panels shown together are corrected as one family by ``log``. A panel that
    passes states its range (:func:`spread_sentence`); one that does not says that no
    reliable difference was found among its groups.

    Parameters
    ----------
    panels : sequence of dict
        From :func:`comparison_panels`.
    log : helpers.presentation.findings.FindingLog
    language : {"en", "zh"}

    Returns
    -------
    list of Finding
        One per panel with a sentence, in the panels' order.
    """
    from helpers.presentation.findings import comparison
    from helpers.stats.multiple_testing import adjust, independence_test

    t = i18n.t
    rows = []
    for panel in panels:
        text = spread_sentence(panel, language)
        if text is None:
            continue
        counts = _panel_counts(panel)
        res = independence_test(counts.to_numpy()) if counts is not None else {
            "p_value": math.nan, "cramers_v": math.nan}
        n = int(counts.to_numpy().sum()) if counts is not None else 0
        groups = int(pd.to_numeric(panel["table"][panel["metric"]], errors="coerce").notna().sum())
        rows.append((panel, text, res, n, groups))
    if not rows:
        return []
    p = np.array([r[2]["p_value"] for r in rows], dtype="float64")
    adj = adjust(p, log.method)
    out = []
    for i, (panel, text, res, n, groups) in enumerate(rows):
        dim = t(f"dim.{panel['dim']}", language, default=panel["dim"])
        out.append(comparison(
            text, test="chi-square", p_value=p[i], p_adjusted=adj[i], alpha=log.alpha,
            effect=res["cramers_v"], n=n, family=t("kpi.segments.family", language),
            family_size=int(np.isfinite(p).sum()), method=log.method,
            effect_label="Cramér's V",
            fallback=t("kpi.segments.none", language, kpi=t(f"kpi.{panel['metric']}", language),
                       n=groups, dim=dim),
            action=t(f"kpi.action.{panel['metric']}", language,
                     default=t("kpi.action.other", language)),
            language=language))
    log.add(*out)
    return out


#: Metrics tried, in order, for the region and the tier (or industry) comparison charts.
SEGMENT_METRICS: dict[str, tuple[str, ...]] = {
    "region": ("nps", "churn_rate", "win_rate"),
    "tier": ("churn_rate", "nps", "win_rate"),
    "industry": ("churn_rate", "nps", "win_rate"),
}


def segment_splits(values: pd.DataFrame | None, language: str = "en") -> dict[str, Any]:
    """The splits of :func:`compare_breakdowns`: region, industry and, with values, tier.

    Parameters
    ----------
    values : pandas.DataFrame or None
        From :func:`tier_values`; ``None`` leaves the value tier out.
    language : {"en", "zh"}

    Returns
    -------
    dict
        Dimension -> column name or account-to-group table (:func:`tier_groups`).
    """
    splits: dict[str, Any] = {"region": "region", "industry": "industry"}
    if values is not None:
        splits["tier"] = tier_groups(values, language)
    return splits


def segment_panels(regions: pd.DataFrame, tiers: pd.DataFrame, *, tier_dim: str = "tier",
                   language: str = "en") -> list[dict]:
    """The region and tier (or industry) comparison panels (:func:`comparison_panels`).

    Parameters
    ----------
    regions, tiers : pandas.DataFrame
        :func:`compare_kpis` tables by region and by ``tier_dim``.
    tier_dim : {"tier", "industry"}
        What ``tiers`` is split by.
    language : {"en", "zh"}

    Returns
    -------
    list of dict
    """
    return comparison_panels({"region": regions, tier_dim: tiers},
                             {"region": SEGMENT_METRICS["region"],
                              tier_dim: SEGMENT_METRICS[tier_dim]}, language=language)
