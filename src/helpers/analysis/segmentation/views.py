"""Tables for people: segments, k selection, clusters, the account export and headline cards."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from helpers.analysis.lifecycle.sentences import report_text
from helpers.presentation import i18n

from .labels import OTHER, _number, segment_label

__all__ = [
    "account_export",
    "cluster_overview",
    "headline_cards",
    "money_headers",
    "segment_detail",
    "segment_table",
    "selection_display",
]


def segment_table(summary: pd.DataFrame, language: str = "en", *, rows: int = 10
                  ) -> pd.DataFrame:
    """The largest rule segments for a management table, six columns wide.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary` (largest revenue first, ``"Other"`` last).
    language : {"en", "zh"}
        Language of the segment names.
    rows : int
        Named segments kept; ``"Other"`` is added at the end when it exists.

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``accounts``, ``revenue_12m``, ``revenue_share``, ``margin_rate`` and
        ``growth``.
    """
    named = summary[summary["segment"] != OTHER].head(rows)
    out = pd.concat([named, summary[summary["segment"] == OTHER]])
    out = out[["segment", "accounts", "revenue_12m", "revenue_share", "margin_rate", "growth"]].copy()
    out["segment"] = [segment_label(v, language) for v in out["segment"]]
    return out.reset_index(drop=True)


def selection_display(table: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The k-selection table as people read it.

    Scores with three decimals, the smallest cluster share in percent, yes/no for
    ``eligible``, a check mark for the chosen k and "–" for a score that could not be
    computed (a k whose smallest cluster is below the share floor has no ``score``).

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`KSelection.table`.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        Same columns, every value a string.
    """
    yes = i18n.t("customer_segmentation.yes", language)
    no = i18n.t("customer_segmentation.no", language)
    out = pd.DataFrame(index=table.index)
    for col in table.columns:
        v = table[col]
        if col == "k":
            out[col] = v.astype(int).astype(str)
        elif col == "min_share":
            out[col] = [_number(x, ".1%") for x in v]
        elif col == "eligible":
            out[col] = [yes if x else no for x in v]
        elif col == "chosen":
            out[col] = ["✓" if x else "" for x in v]
        elif col == "calinski_harabasz":
            out[col] = [_number(x, ",.1f") for x in v]
        else:
            out[col] = [_number(x, ".3f") for x in v]
    return out


def cluster_overview(medians: pd.DataFrame, view: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per cluster for a management table: size, buying medians and stage risk.

    Parameters
    ----------
    medians : pandas.DataFrame
        From :func:`cluster_profiles` (indexed by cluster name).
    view : pandas.DataFrame, optional
        From :func:`cluster_stage_view` (indexed by cluster name) for ``at_risk_share``.

    Returns
    -------
    pandas.DataFrame
        ``cluster``, ``accounts``, ``orders_per_year``, ``revenue_per_year`` and
        ``at_risk_share`` (those the inputs have), largest cluster first.
    """
    keep = [c for c in ("accounts", "orders_per_year", "revenue_per_year")
            if c in medians.columns]
    out = medians[keep].copy()
    if view is not None and "at_risk_share" in view.columns:
        out["at_risk_share"] = view["at_risk_share"].reindex(out.index)
    out = out.sort_values("accounts", ascending=False, kind="stable")
    return out.rename_axis("cluster").reset_index()


def money_headers(currency: str, language: str = "en") -> dict:
    """Table headers of the money columns, with the currency.

    Parameters
    ----------
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    dict
        Column -> header, for ``revenue_12m`` and ``revenue_per_year``.
    """
    return {c: f"{report_text(f'col.{c}', language)} ({currency})" for c in ("revenue_12m", "revenue_per_year")}


def segment_detail(summary: pd.DataFrame, growth_tests: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Every rule segment with its adjusted p-value and whether its growth holds up.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary`.
    growth_tests : pandas.DataFrame
        From :func:`segment_growth_tests`, indexed by ``segment``.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        ``summary`` with segments named in ``language``, ``p_adjusted`` and ``survives``.
    """
    return summary.assign(segment=[segment_label(s, language) for s in summary.segment],
                          p_adjusted=summary.segment.map(growth_tests.p_adjusted),
                          survives=summary.segment.map(growth_tests.significant).fillna(False).astype(bool))


def account_export(actions: pd.DataFrame, rule_segment: Iterable, cluster_names: pd.Series | None = None
                   ) -> pd.DataFrame:
    """Every account's segment, stage, cluster and recommended action, for the CRM.

    Parameters
    ----------
    actions : pandas.DataFrame
        From :func:`helpers.analysis.lifecycle.recommend_actions`: ``account_id``, ``stage``, ``action``.
    rule_segment : iterable
        The rule segment of each account, in the order of ``actions``.
    cluster_names : pandas.Series, optional
        Cluster name by account id; ``None`` without clusters.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``rule_segment``, ``stage``, ``cluster_name``, ``recommended_action``.
    """
    out = actions.rename(columns={"action": "recommended_action"})
    out["rule_segment"] = np.asarray(list(rule_segment), dtype=object)
    names = cluster_names if cluster_names is not None else pd.Series(dtype="object")
    out["cluster_name"] = out.account_id.map(names)
    return out[["account_id", "rule_segment", "stage", "cluster_name", "recommended_action"]]


def headline_cards(*, at_risk_share: float | None, growing_share: float, clusters: int | None,
                   stability: pd.Series | None, segments: int | None, language: str = "en") -> dict:
    """The report's headline numbers for the portal cards.

    Parameters
    ----------
    at_risk_share : float or None
        Share of accounts declining or churned (0-1); ``None`` on short history.
    growing_share : float
        Share of accounts new or in growth (0-1).
    clusters : int or None
        Number of behavioural clusters; ``None`` without clusters.
    stability : pandas.Series or None
        Adjusted Rand index of the refits; ``None`` or empty without a stability check.
    segments : int or None
        Named rule segments; ``None`` without rule segments.
    language : {"en", "zh"}

    Returns
    -------
    dict
        Card title -> ``{"value": ..., "unit": ...}``.
    """
    return {
        report_text("card.at_risk", language): {
            "value": None if at_risk_share is None else round(100 * float(at_risk_share), 1), "unit": "%"},
        report_text("card.growing", language): {"value": round(100 * float(growing_share), 1), "unit": "%"},
        report_text("card.clusters", language): {"value": clusters},
        report_text("card.stability", language): {
            "value": round(float(stability.median()), 2) if stability is not None and len(stability) else None},
        report_text("card.segments", language): {"value": segments},
    }
