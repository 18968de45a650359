"""Cluster risk and the findings of clusters and rule segments kept in the report's log."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.analysis.lifecycle.sentences import report_text, sentence_gap

from .behaviour import BehaviourSegmentation
from .clusters import cluster_stage_view
from .evidence import MIN_TREND_ACCOUNTS, at_risk_tests, at_risk_view, defined_by_clusters
from .labels import NO_ORDERS, segment_label
from .sentences import risk_claims, risk_descriptions, trend_claims

__all__ = [
    "ClusterRisk",
    "cluster_risk",
    "log_cluster_risk",
    "log_cluster_trends",
    "log_segment_growth",
]


@dataclass
class ClusterRisk:
    """How the lifecycle stages spread over the behavioural clusters.

    Attributes
    ----------
    view : pandas.DataFrame
        From :func:`cluster_stage_view`.
    risk : pandas.DataFrame
        From :func:`at_risk_view` (described) or :func:`at_risk_tests` (tested).
    risk_described, trend_described : bool
        Whether the stages or the order trend follow from the clustering inputs, so that
        they describe the clusters instead of being tested (see :func:`defined_by_clusters`).
    revenue : pandas.Series
        12-month revenue per cluster name.
    """

    view: pd.DataFrame
    risk: pd.DataFrame
    risk_described: bool
    trend_described: bool
    revenue: pd.Series


def cluster_risk(result: BehaviourSegmentation, feats: pd.DataFrame, *, alpha: float = 0.05,
                 correction: str = "bh") -> ClusterRisk:
    """Stage mix and at-risk share of every cluster, tested against the rest where that is valid.

    Parameters
    ----------
    result : BehaviourSegmentation
        From :func:`segment_behaviour`.
    feats : pandas.DataFrame
        One row per account with ``account_id``, ``stage`` and ``revenue_12m``.
    alpha : float
        Family level of the tests.
    correction : str
        Multiple-testing correction across the clusters.

    Returns
    -------
    ClusterRisk
        The group without orders is left out of the comparison.
    """
    by_account = feats.set_index("account_id")
    view = cluster_stage_view(result.cluster_names, by_account["stage"])
    no_orders = [result.names[NO_ORDERS]] if NO_ORDERS in result.names else []
    risk_described = defined_by_clusters(result.features.columns, "stage")
    risk = (at_risk_view(view, exclude=no_orders) if risk_described else
            at_risk_tests(view, alpha=alpha, method=correction, exclude=no_orders))
    return ClusterRisk(view=view, risk=risk, risk_described=risk_described,
                       trend_described=defined_by_clusters(result.features.columns, "order_change"),
                       revenue=by_account["revenue_12m"].groupby(result.cluster_names).sum())


def log_cluster_risk(log, cr: ClusterRisk, *, language: str = "en") -> list:
    """Keep the at-risk findings of the clusters in ``log``: descriptions or a corrected family.

    Parameters
    ----------
    log : helpers.presentation.findings.FindingLog
        Receives the findings.
    cr : ClusterRisk
        From :func:`cluster_risk`.
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
        The findings added.
    """
    from helpers.presentation import findings

    risk, total = cr.risk, cr.revenue.sum()
    if cr.risk_described:
        return [log.add(findings.fact(
            text, impact=findings.impact_weight(cr.revenue.get(c, 0), total, cap=0.4),
            action=report_text("action.cluster_risk", language, cluster=c), n=int(risk.accounts.get(c, 0)),
            test="description of the cluster")) for c, text in risk_descriptions(risk, language).items()]
    what = report_text("what.clusters", language)
    return log.family(
        risk_claims(risk, language), risk.p_value, test="Fisher exact", levels=risk.index, family=what,
        effects=risk.lift, lows=risk.low, highs=risk.high, ns=risk.accounts, effect_label="lift",
        impacts=[findings.impact_weight(cr.revenue.get(c, 0), total) for c in risk.index],
        actions=[report_text("action.cluster_risk" if lift > 1 else "action.cluster_healthy", language, cluster=c)
                 for c, lift in risk.lift.items()],
        fallback=findings.no_difference(len(risk), what, language))


def log_cluster_trends(log, result: BehaviourSegmentation, *, language: str = "en") -> str:
    """Test each cluster's orders this year against last year, keep the findings in ``log``.

    Only for clusters formed without the order trend (see :func:`defined_by_clusters`).

    Parameters
    ----------
    log : helpers.presentation.findings.FindingLog
        Receives the findings.
    result : BehaviourSegmentation
        From :func:`segment_behaviour`.
    language : {"en", "zh"}

    Returns
    -------
    str
        Up to two sentences for the report; empty without trends.
    """
    if not len(result.trends):
        return ""
    tested = result.trends[result.trends.p_value.notna()]
    if not len(tested):
        return report_text("finding.trend_untested", language, min=MIN_TREND_ACCOUNTS)
    trend_findings = log.family(
        trend_claims(tested, result.names, language), tested.p_value, test="Wilcoxon signed-rank",
        family=report_text("feature.order_trend", language), ns=tested.n,
        effects=tested.orders_now - tested.orders_before, effect_label="orders",
        actions=[report_text(f"action.trend_{'up' if d == 'up' else 'down'}", language, cluster=result.names[c])
                 for c, d in tested.direction.items()],
        fallback=report_text("finding.trend_none", language, n=len(tested)))
    return sentence_gap(language).join(log.summary(trend_findings, limit=2))


def log_segment_growth(log, summary: pd.DataFrame, growth_tests: pd.DataFrame, *,
                       language: str = "en") -> tuple[pd.DataFrame, list]:
    """Keep the revenue-growth findings of the rule segments in ``log``, corrected together.

    Parameters
    ----------
    log : helpers.presentation.findings.FindingLog
        Receives the findings.
    summary : pandas.DataFrame
        From :func:`segment_summary`.
    growth_tests : pandas.DataFrame
        From :func:`segment_growth_tests`, indexed by ``segment``.
    language : {"en", "zh"}

    Returns
    -------
    tested : pandas.DataFrame
        The rows of ``summary`` that were tested.
    found : list of helpers.presentation.findings.Finding
        Empty when no segment was tested.
    """
    from helpers.presentation import findings

    tested = summary[summary.segment.map(growth_tests.p_adjusted).notna()]
    if not len(tested):
        return tested, []
    labels = [segment_label(s, language) for s in tested.segment]
    claims = [report_text(f"rule.growth_{growth_tests.direction[s]}", language, segment=label,
                 growth=f"{g:+.0%}" if pd.notna(g) else "–").replace("**", "")
              for s, label, g in zip(tested.segment, labels, tested.growth, strict=True)]
    found = log.family(
        claims, tested.segment.map(growth_tests.p_value), test="Wilcoxon signed-rank",
        family=report_text("what.segments", language), ns=tested.accounts, effects=tested.growth, effect_label="growth",
        impacts=[findings.impact_weight(r, summary.revenue_12m.sum()) for r in tested.revenue_12m],
        actions=[report_text("action.segment_down" if g < 0 else "action.segment_up", language, segment=label)
                 for label, g in zip(labels, tested.growth.fillna(0), strict=True)],
        fallback=report_text("rule.growth_none", language, n=len(tested)))
    return tested, found
