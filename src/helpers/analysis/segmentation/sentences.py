"""Report text of the segmentation: notes, alt texts, claims and the sentences under charts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.lifecycle.sentences import join_sentences, percent, report_text, sentence_gap
from helpers.presentation import i18n

from .clusters import largest_cluster
from .labels import OTHER, _number, number_text, segment_label

if TYPE_CHECKING:
    from .findings import ClusterRisk

__all__ = [
    "SECTIONS",
    "cluster_stage_alt",
    "cluster_summary_text",
    "coverage_notes",
    "dimension_note",
    "grid_alt",
    "grid_at_risk_text",
    "index_alt",
    "k_choice_text",
    "k_selection_alt",
    "margin_note",
    "projection_alt",
    "risk_claims",
    "risk_descriptions",
    "rule_segment_text",
    "stability_text",
    "survives_marks",
    "tests_text",
    "trend_claims",
]


def dimension_note(used: Sequence[str], dims: Sequence[str] = ("industry", "size_band"), *,
                   language: str = "en") -> str | None:
    """One line on the segment dimensions left out for lack of values, or ``None``.

    Parameters
    ----------
    used : sequence of str
        The dimensions with values (from :func:`populated_dimensions`).
    dims : sequence of str
        The dimensions a full segmentation uses.
    language : {"en", "zh"}

    Returns
    -------
    str or None
        ``None`` when every dimension is used; the "no dimension" line when none is.
    """
    lacking = [d for d in dims if d not in used]
    if not lacking:
        return None
    if not used:
        return i18n.t("customer_segmentation.rule.no_dims", language)

    def names(ds: Sequence[str]) -> str:
        return i18n.t("customer_segmentation.cluster.join", language).join(
            i18n.t(f"customer_segmentation.dim.{d}", language, default=d) for d in ds)

    return i18n.t("customer_segmentation.rule.partial", language, used=names(used),
                  lacking=names(lacking))


def margin_note(summary: pd.DataFrame, language: str = "en") -> str | None:
    """Why a :func:`segment_summary` shows "–" for margins, or ``None`` when it does not.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary`.
    language : {"en", "zh"}

    Returns
    -------
    str or None
    """
    unknown = summary["margin_total"].isna()
    if not unknown.any():
        return None
    key = "none" if unknown.all() else "some"
    return i18n.t(f"customer_segmentation.margin_unknown.{key}", language)


def grid_alt(grid: pd.DataFrame, currency: str = "", language: str = "en") -> str:
    """The alt text of :func:`plot_segment_grid`: what it shows and its largest cell.

    Parameters
    ----------
    grid : pandas.DataFrame
        From :func:`segment_grid` (rows: industry x size, columns: stages).
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    from helpers.presentation.tables import compact_number

    values = grid.stack()
    if values.empty or not np.isfinite(values.max()):
        return i18n.t("customer_segmentation.alt.grid_empty", language, rows=len(grid))
    row, stage = values.idxmax()
    return i18n.t("customer_segmentation.alt.grid", language, rows=len(grid),
                  combination=segment_label(str(row), language), stage=segment_label(str(stage), language),
                  amount=f"{compact_number(values.max(), language)} {currency}".strip())


def cluster_stage_alt(view: pd.DataFrame, language: str = "en") -> str:
    """The alt text of :func:`plot_cluster_stage_view`: the cluster with most stage risk.

    Parameters
    ----------
    view : pandas.DataFrame
        From :func:`cluster_stage_view`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    top = view.sort_values("at_risk_share", ascending=False, kind="stable")
    name, share = (top.index[0], float(top["at_risk_share"].iloc[0])) if len(top) else ("–", 0.0)
    return i18n.t("customer_segmentation.alt.cluster_stages", language, k=len(view),
                  cluster=name, share=percent(share))


def index_alt(index: pd.DataFrame, language: str = "en") -> str:
    """The alt text of the cluster index heatmap: the most distinctive cluster and feature.

    Parameters
    ----------
    index : pandas.DataFrame
        From :func:`cluster_profiles` (clusters x features, 100 = average); columns may
        already carry readable names.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    values = index.stack()
    values = values[np.isfinite(values.astype(float))]
    if values.empty:
        return i18n.t("customer_segmentation.alt.index_empty", language, k=len(index))
    cluster, feature = (values - 100).abs().idxmax()
    return i18n.t("customer_segmentation.alt.index", language, k=len(index), cluster=cluster,
                  feature=feature, value=f"{values[(cluster, feature)]:,.0f}")


def projection_alt(names: dict, explained: Iterable[float], language: str = "en") -> str:
    """The alt text of :func:`plot_projection`.

    Parameters
    ----------
    names : dict
        Cluster number -> name.
    explained : iterable of float
        Variance shares of the two components.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    return i18n.t("customer_segmentation.alt.projection", language, k=len(names),
                  explained=percent(float(np.sum(list(explained)))))


def k_selection_alt(table: pd.DataFrame, k: int, language: str = "en") -> str:
    """The alt text of :func:`plot_k_selection`: the k range and the chosen k.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`KSelection.table`.
    k : int
        The chosen number of clusters.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    ks = table["k"].astype(int)
    row = table.set_index("k").loc[k] if k in set(ks) else None
    return i18n.t("customer_segmentation.alt.k_selection", language, low=int(ks.min()),
                  high=int(ks.max()), k=k,
                  silhouette=_number(row["silhouette"] if row is not None else np.nan, ".2f"))


def risk_descriptions(risk: pd.DataFrame, language: str = "en", *, limit: int = 1) -> dict:
    """How the most at-risk clusters are made up, as descriptions (plain text).

    "X: 96% of its 26 accounts are declining or churned (2% of the other accounts); the
    cluster is formed on the recency and order trend that set these stages." Clusters
    without a declining or churned account are not described.

    Parameters
    ----------
    risk : pandas.DataFrame
        From :func:`at_risk_view` (or :func:`at_risk_tests`).
    limit : int
        Clusters described, highest share first.

    Returns
    -------
    dict
        cluster -> description, highest share first.
    """
    top = risk[risk["at_risk_share"] > 0].sort_values("at_risk_share", ascending=False)
    return {name: i18n.t("customer_segmentation.finding.cluster_risk_described", language,
                   cluster=name, share=percent(r["at_risk_share"]), accounts=f"{int(r['accounts']):,}",
                   rest=percent(r["rest_share"])).replace("**", "")
            for name, r in top.head(limit).iterrows()}


def risk_claims(risk: pd.DataFrame, language: str = "en") -> list[str]:
    """One claim per cluster from :func:`at_risk_tests`, in its direction (plain text).

    A cluster with a higher share of declining or churned accounts than the rest reads
    "X: 43% ... against 15% elsewhere (2.9x)", one with a lower share "only 9% ...".
    """
    out = []
    for name, r in risk.iterrows():
        high = np.isfinite(r["lift"]) and r["lift"] > 1
        lift = f"{r['lift']:.1f}" if np.isfinite(r["lift"]) else "–"
        out.append(i18n.t(
            "customer_segmentation.finding.cluster_risk_high" if high
            else "customer_segmentation.finding.cluster_risk_low", language,
            cluster=name, share=percent(r["at_risk_share"]), accounts=f"{int(r['accounts']):,}",
            rest=percent(r["rest_share"]), lift=lift).replace("**", ""))
    return out


def trend_claims(trends: pd.DataFrame, names: dict, language: str = "en") -> list[str]:
    """One claim per tested cluster of :func:`trend_evidence` (orders now against before).

    Plain text without markdown, as the portal's executive summary shows it.
    """
    return [i18n.t("customer_segmentation.finding.trend", language, cluster=names.get(c, str(c)),
                   n=f"{int(r['n']):,}", now=f"{r['orders_now']:,.0f}",
                   before=f"{r['orders_before']:,.0f}").replace("**", "")
            for c, r in trends.iterrows()]


def survives_marks(significant: Iterable[bool], language: str = "en") -> list[str]:
    """The survives mark of a family's table: "✓" for a reliable difference, else "–"."""
    return [i18n.t("findings.yes" if bool(s) else "findings.no", language) for s in significant]


#: The report's sections whose data support is checked (see helpers.data.capabilities).
SECTIONS = ("segmentation.rule_segments", "segmentation.lifecycle", "segmentation.clusters")


def coverage_notes(caps, *, has_interactions: bool, n_clusters: int, k_range: Sequence[int],
                   accounts: int, language: str = "en") -> list[str]:
    """What the data leaves out of the report, one sentence each.

    Parameters
    ----------
    caps : helpers.data.capabilities.Capabilities
        Anything with ``support(key)`` returning ``(status, reasons)``.
    has_interactions : bool
        Whether the data has an interactions table.
    n_clusters : int
        The fixed number of clusters (0: chosen from ``k_range``).
    k_range : sequence of int
        From :func:`usable_k_range`.
    accounts : int
        Accounts in the data.
    language : {"en", "zh"}

    Returns
    -------
    list of str
        Empty when the data supports every section.
    """
    notes = []
    if not has_interactions:
        notes.append(report_text("note.no_interactions", language))
    if n_clusters == 0 and len(k_range) == 0:
        notes.append(report_text("note.too_few", language, accounts=f"{accounts:,}"))
    if not notes and any(caps.support(key)[0] != "supported" for key in SECTIONS):
        notes.append(report_text("note.limited", language))
    return notes


def rule_segment_text(summary: pd.DataFrame, *, min_accounts: int, growth: Sequence[str] = (),
                      language: str = "en") -> str:
    """The sentences under the rule-segment table: the largest segment, margins and growth.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`segment_summary`, largest revenue first.
    min_accounts : int
        Smallest segment not pooled in *Other*.
    growth : sequence of str
        Growth sentences to add (from ``FindingLog.summary``).
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    named = summary[summary.segment != OTHER]
    if len(named):
        top = named.iloc[0]
        other_share = summary.loc[summary.segment == OTHER, "account_share"].sum()
        said = [report_text("rule.summary", language, segments=len(named), min_accounts=min_accounts,
                   top=segment_label(top.segment, language), revenue_share=f"{top.revenue_share:.0%}",
                   account_share=f"{top.account_share:.0%}", other_share=f"{other_share:.0%}")]
    else:
        said = [report_text("rule.none", language, min_accounts=min_accounts)]
    said += [margin_note(summary, language) or "", *growth]
    return join_sentences(said, language)


def grid_at_risk_text(grid: pd.DataFrame, currency: str = "", language: str = "en") -> str:
    """The sentence under the segment grid: the combination with most revenue at risk.

    Parameters
    ----------
    grid : pandas.DataFrame
        From :func:`segment_grid`: combinations by stage.
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    from helpers.presentation.tables import compact_number

    at_risk = grid[[c for c in ("declining", "churned") if c in grid.columns]].sum(axis=1)
    if not len(at_risk) or at_risk.max() <= 0:
        return report_text("grid.none", language)
    worst = at_risk.idxmax()
    return report_text("grid.at_risk", language, combination=segment_label(worst, language),
              amount=f"{compact_number(at_risk.max(), language)} {currency}",
              share=f"{at_risk.max() / max(grid.loc[worst].sum(), 1):.0%}")


def cluster_summary_text(medians: pd.DataFrame, risk_findings: Sequence = (), *, described: bool = False,
                         trend_text: str = "", provisional_note: str | None = None, currency: str = "",
                         language: str = "en") -> str:
    """The sentences under the cluster chart: the largest cluster, its risk and its trend.

    Parameters
    ----------
    medians : pandas.DataFrame
        From :func:`cluster_profiles`.
    risk_findings : sequence of helpers.presentation.findings.Finding
        From :func:`log_cluster_risk`.
    described : bool
        Whether the risk findings are descriptions (all shown) or tests (stated ones shown).
    trend_text : str
        From :func:`log_cluster_trends`.
    provisional_note : str or None
        When given (short history), shown instead of the risk findings.
    currency : str
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    from helpers.presentation.findings import FindingLog
    from helpers.presentation.tables import compact_number

    biggest = largest_cluster(medians)  # of buyers, not the group without orders
    said = [report_text("profiles.largest", language, name=biggest.name, share=f"{biggest['share']:.0%}",
               orders=number_text(biggest.get("orders_per_year"), ".1f"),
               revenue=f"{compact_number(biggest.get('revenue_per_year'), language)} {currency}")]
    if provisional_note is not None:
        said.append(provisional_note)
    elif described:
        said += [f.text for f in risk_findings]
    else:
        said += FindingLog.summary(risk_findings, limit=3)
    return join_sentences([*said, trend_text], language)


def tests_text(*, min_accounts: int, segments_tested: int, cr: ClusterRisk | None, provisional: bool,
               language: str = "en") -> str:
    """How the differences were tested, for the method section.

    Parameters
    ----------
    min_accounts : int
        Smallest segment not pooled in *Other*.
    segments_tested : int
        Rule segments whose growth was tested.
    cr : ClusterRisk or None
        From :func:`cluster_risk`; ``None`` without clusters.
    provisional : bool
        Whether the history is too short to judge decline and churn.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    said = [report_text("intro.rule_segments", language, min_accounts=min_accounts)]
    if segments_tested:
        said.append(report_text("rule.family", language, n=segments_tested))
    if cr is not None and not provisional:
        said.append(report_text("cross.described", language) if cr.risk_described
                    else report_text("cross.family", language, k=len(cr.risk)))
    if cr is not None and (cr.risk_described or cr.trend_described):
        said.append(report_text("finding.clusters_described", language))
    return sentence_gap(language).join(said)


def k_choice_text(selection: pd.DataFrame, k: int, *, criterion: str, min_share: float,
                  language: str = "en") -> str:
    """Why this number of clusters: the criterion and the scores of the chosen k.

    Parameters
    ----------
    selection : pandas.DataFrame
        ``KSelection.table``: one row per k tried.
    k : int
        The chosen k.
    criterion : str
        One of :data:`CRITERIA`.
    min_share : float
        Smallest cluster share a k had to keep.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    chosen = selection.set_index("k").loc[k]
    return report_text("clusters.k_chosen", language, k=k, criterion=report_text(f"criterion.{criterion}", language),
              min_share=f"{min_share:.0%}", silhouette=f"{chosen.silhouette:.2f}",
              davies_bouldin=f"{chosen.davies_bouldin:.2f}")


def stability_text(ari: pd.Series, language: str = "en") -> str:
    """How well refits on subsamples reproduce the clusters.

    Parameters
    ----------
    ari : pandas.Series
        Adjusted Rand index of each refit (``cluster_stability(...).ari``), not empty.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    return report_text("clusters.stability", language, runs=len(ari), median=f"{ari.median():.2f}",
              lowest=f"{ari.min():.2f}",
              verdict=report_text("clusters.solid" if ari.median() >= 0.8 else "clusters.shaky", language))
