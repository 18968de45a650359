"""Report text of the ICP analysis: statements, findings, notes and method paragraphs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.analysis.icp.best import BestChoice, describe_best
from helpers.analysis.icp.labels import _join, _label, _value_text, attribute_label
from helpers.analysis.icp.lift import icp_profile
from helpers.analysis.icp.model import LookalikeModel
from helpers.analysis.icp.whitespace import whitespace_by_line
from helpers.presentation import i18n

__all__ = [
    "best_note", "export_finding", "grid_finding", "icp_findings", "icp_statement",
    "icp_summary", "mcp_finding", "mcp_method_text", "model_basis", "model_finding",
    "model_note", "scorecard_finding", "whitespace_findings",
]


def icp_statement(lift: pd.DataFrame, best_label: str, *, max_values: int = 3,
                  language: str = "en") -> str:
    """One paragraph that states the ICP in plain language.

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`attribute_lift`.
    best_label : str
        What "best customers" means (:func:`describe_best`).
    max_values : int
        At most this many values per attribute are named.
    language : {"en", "zh"}
        Language of the sentence; values from the data stay as they are.

    Returns
    -------
    str
        Markdown text.
    """
    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.icp.{key}", language, **values)

    icp = icp_profile(lift)
    if icp.empty:
        return t("none", best=best_label)
    parts = []
    for attr, g in icp.groupby("attribute", sort=False):
        g = g.head(max_values)
        vals = [t("value", value=v, lift=f"{lf:.1f}")
                for v, lf in zip(g["value"], g["lift"], strict=True)]
        parts.append(t("part", attribute=_label(attr, language), values=_join(vals, language)))
    under = lift[lift["supported"] & (lift["direction"] == "under")]
    under = under.sort_values("lift").head(max_values)
    text = t("over", best=best_label,
             parts=i18n.t("customer_profiling.join.parts", language).join(parts))
    if not under.empty:
        text += t("under", items=_join(
            [t("under_item", attribute=_label(a, language), value=v, lift=f"{lf:.1f}")
             for a, v, lf in zip(under["attribute"], under["value"], under["lift"], strict=True)],
            language))
    return text


def icp_findings(lift: pd.DataFrame, log, best_label: str, *,
                 features: pd.DataFrame | None = None, language: str = "en") -> list:
    """The ICP as evidence-gated findings: one family over every supported attribute value.

    Each supported value of :func:`attribute_lift` is one comparison (Fisher's exact test
    of best customers against the rest); ``log`` corrects them together and states only
    the survivors: "over-represented" for a lift above 1 (with a recommended action),
    "rarely" for one below. Missing-value levels are never stated. When nothing survives,
    the family's fallback is the one honest sentence that there is no distinct ICP.

    Parameters
    ----------
    lift : pandas.DataFrame
        :func:`attribute_lift` output (tested with the same ``alpha`` and method as ``log``).
    log : helpers.presentation.findings.FindingLog
    best_label : str
        :func:`describe_best`.
    features : pandas.DataFrame, optional
        With ``revenue_total``, the impact of a finding is the revenue share of the
        accounts holding the value (:func:`helpers.presentation.findings.impact_weight`).
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
    """
    from helpers.presentation.findings import impact_weight

    fam = lift[lift["supported"].astype(bool) & lift["p_value"].notna()] if len(lift) else lift
    if fam.empty:
        return []

    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.{key}", language, **values)

    texts, actions, impacts = [], [], []
    revenue = total = None
    if features is not None and "revenue_total" in features:
        revenue = pd.to_numeric(features["revenue_total"], errors="coerce").fillna(0.0)
        total = float(revenue.clip(lower=0).sum())
    for r in fam.itertuples():
        label = _label(r.attribute, language)
        over = r.lift > 1
        texts.append(t("finding.icp_over" if over else "finding.icp_under", best=best_label,
                       attribute=label, value=r.value, lift=f"{r.lift:.1f}"))
        actions.append(t("action.icp_over", attribute=label, value=r.value) if over else "")
        weight = 0.3
        if revenue is not None and " × " not in r.attribute and r.attribute in features:
            held = features[r.attribute].astype("object").astype(str) == str(r.value)
            weight = impact_weight(float(revenue[held.to_numpy()].clip(lower=0).sum()), total)
        impacts.append(weight if over else weight / 2)
    return log.family(
        texts, fam["p_value"], test="Fisher exact", family="ICP lift by attribute value",
        effects=fam["lift"], lows=fam["ci_low"], highs=fam["ci_high"], ns=fam["accounts"],
        levels=fam["value"], impacts=impacts, actions=actions, effect_label="lift",
        fallback=t("icp.none", best=best_label))


def icp_summary(found: Sequence, lift: pd.DataFrame, best_label: str, *, language: str = "en",
                max_items: int = 4):
    """One finding for the summary that names the ICP's stated values together.

    :func:`icp_findings` states every surviving value on its own; a brief has room for one
    sentence about the ICP. This joins the stated over-represented values, strongest lift
    first, with one action.

    Parameters
    ----------
    found : sequence of helpers.presentation.findings.Finding
        :func:`icp_findings` output for the same ``lift``.
    lift : pandas.DataFrame
        :func:`attribute_lift` output.
    best_label : str
        :func:`describe_best`.
    language : {"en", "zh"}
    max_items : int
        At most this many values are named.

    Returns
    -------
    helpers.presentation.findings.Finding or None
        ``None`` when no over-represented value was stated.
    """
    from helpers.presentation.findings import gated, is_missing_level

    fam = lift[lift["supported"].astype(bool) & lift["p_value"].notna()] if len(lift) else lift
    rows = [(r, f) for r, f in zip(fam.itertuples(), found, strict=False)
            if f.stated and r.lift > 1 and not is_missing_level(r.value)]
    if not rows:
        return None
    rows = sorted(rows, key=lambda rf: -float(rf[0].lift))
    items = [i18n.t("customer_profiling.summary.icp_item", language, attribute=_label(r.attribute, language),
                    value=_value_text(r.value, language), lift=f"{r.lift:.1f}") for r, _ in rows[:max_items]]
    text = i18n.t("customer_profiling.summary.icp", language, best=best_label, items=_join(items, language))
    return gated(text, passed=True, kind=rows[0][1].kind, evidence=rows[0][1].evidence,
                 impact=max(f.impact for _, f in rows),
                 action=i18n.t("customer_profiling.action.icp_summary", language))


def grid_finding(cells: pd.DataFrame, log, overall: float, *, language: str = "en") -> str:
    """The richest industry x size-band cell, named only when it survives its family.

    Every tested cell of :func:`grid_cells` is one comparison in ``log``; the richest
    surviving cell with more best customers than the rest is stated, otherwise one honest
    sentence.

    Returns
    -------
    str
    """
    if cells.empty:
        return ""
    texts = [i18n.t("customer_profiling.finding.grid_cell", language, row=r.row, col=r.col,
                    share=f"{r.share:.0%}", overall=f"{overall:.0%}")
             for r in cells.itertuples()]
    fallback = i18n.t("customer_profiling.finding.no_grid_peak", language,
                      n=f"{len(cells):,}")
    found = log.family(texts, cells["p_value"], test="Fisher exact",
                       family="best-customer share by industry × size band",
                       effects=cells["lift"], ns=cells["accounts"], effect_label="lift",
                       fallback=fallback, impacts=[0.25] * len(cells))
    rich = [r for r, f in zip(cells.itertuples(), found, strict=True) if f.stated and r.lift > 1]
    if not rich:
        return fallback
    top = max(rich, key=lambda r: r.share)
    return i18n.t("customer_profiling.finding.grid", language, row=top.row, col=top.col,
                  share=f"{top.share:.0%}", overall=f"{overall:.0%}")


def whitespace_findings(space: pd.DataFrame, log, *, total_revenue: float = np.nan,
                        currency: str = "", alpha: float = 0.05, method: str = "bh",
                        language: str = "en"):
    """The whitespace as one evidence-gated finding (and its honest fallback).

    The whitespace value is stated only when some (peer group, product line) survived the
    test against the same deal-size band in :func:`whitespace`; the evidence names the
    family of every tested candidate.

    Parameters
    ----------
    space : pandas.DataFrame
        :func:`whitespace` output (with ``attrs["tested"]``).
    log : helpers.presentation.findings.FindingLog
    total_revenue : float
        Revenue the value is weighed against for the impact.
    currency : str
    alpha, method : float, str
        As used in :func:`whitespace`.
    language : {"en", "zh"}

    Returns
    -------
    (finding, summary) : (helpers.presentation.findings.Finding, str)
        The report sentence (as ``finding.shown``) and the shorter plain-text summary
        ("" when not stated).
    """
    from helpers.presentation.findings import Evidence, gated, impact_weight

    tested = space.attrs.get("tested")
    tested = tested if tested is not None else pd.DataFrame(columns=["p_value", "p_adjusted"])
    n_tested = int(tested["p_value"].notna().sum()) if len(tested) else 0
    stated = len(space) > 0
    p_adj = (float(space["p_adjusted"].max()) if stated
             else float(tested["p_adjusted"].min()) if n_tested else np.nan)
    if not stated:
        fallback = i18n.t("customer_profiling.whitespace.none_reliable" if n_tested
                          else "customer_profiling.no_whitespace", language, n=f"{n_tested:,}")
        f = gated(fallback, passed=False, kind="comparison", gate=fallback, fallback=fallback,
                  evidence=Evidence("Fisher exact vs same deal-size band", n=n_tested,
                                    p_adjusted=p_adj, family="whitespace (peer group × line)",
                                    family_size=n_tested, method=method))
        log.add(f)
        return f, ""
    by_line = whitespace_by_line(space)
    top = by_line["potential"].idxmax()
    value = float(space["peer_median_revenue"].sum())
    values = dict(customers=f"{space['account_id'].nunique():,}", openings=f"{len(space):,}",
                  value=f"{value:,.0f}", currency=currency, line=top,
                  line_accounts=f"{int(by_line['accounts'][top]):,}", n=f"{n_tested:,}")
    text = i18n.t("customer_profiling.finding.whitespace", language, **values)
    f = gated(text, passed=True, kind="comparison",
              evidence=Evidence("Fisher exact vs same deal-size band", effect=value,
                                n=len(space), p_adjusted=p_adj,
                                family="whitespace (peer group × line)", family_size=n_tested,
                                method=method, effect_label=f"{currency} a year"),
              impact=impact_weight(value, total_revenue),
              action=i18n.t("customer_profiling.action.whitespace", language, line=top))
    log.add(f)
    return f, i18n.t("customer_profiling.summary.whitespace", language, **values)


def best_note(choice: BestChoice, top_share: float = 0.2, *, min_best: int = 10,
              language: str = "en") -> str | None:
    """The one line a report shows about the best-customer definition, or ``None``.

    A skip note when no definition gives enough best customers; a fallback note when
    another definition than the requested one is used; nothing otherwise.

    Parameters
    ----------
    choice : BestChoice
        Output of :func:`choose_best`.
    top_share : float
    min_best : int
        As given to :func:`choose_best`.
    language : {"en", "zh"}

    Returns
    -------
    str or None
    """
    if choice.definition is None:
        return i18n.t(f"customer_profiling.plan.best.{choice.problem}", language,
                      best=describe_best(choice.requested, top_share, language=language),
                      n=f"{min_best:,}")
    if choice.fell_back:
        return i18n.t(f"customer_profiling.plan.fallback.{choice.requested}", language,
                      best=describe_best(choice.definition, top_share, language=language))
    return None


def model_note(problem: str | None, language: str = "en") -> str | None:
    """The skip line for a look-alike model that cannot be fitted (see :func:`fit_lookalike`)."""
    return i18n.t(f"customer_profiling.plan.model.{problem}", language) if problem else None


def model_finding(model: LookalikeModel, factors: pd.DataFrame, language: str = "en") -> str:
    """The finding on the model's quality and its strongest signs, each part when it exists.

    Parameters
    ----------
    model : LookalikeModel
        Fitted.
    factors : pandas.DataFrame
        :meth:`LookalikeModel.factors` output.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.{key}", language, **values)

    up = factors[factors["effect"] > 0].head(3)
    down = factors[factors["effect"] < 0].head(2)
    sep = t("join.sep")
    ups = sep.join(t("finding.factor_up", factor=f, odds=f"{o:.1f}")
                   for f, o in zip(up["factor"], up["odds_ratio"], strict=True))
    downs = sep.join(t("finding.factor_down", factor=f, odds=f"{o:.1f}")
                     for f, o in zip(down["factor"], down["odds_ratio"], strict=True))
    values = dict(auc=f"{model.cv_auc_:.2f}", lo=f"{np.nanmin(model.cv_auc_folds_):.2f}",
                  hi=f"{np.nanmax(model.cv_auc_folds_):.2f}", n=f"{model.n_train_:,}")
    if ups and downs:
        return t("finding.model", up=ups, down=downs, **values)
    text = t("finding.model_fit", **values)
    if ups:
        text += t("finding.model_up", up=ups)
    if downs:
        text += t("finding.model_down", down=downs)
    return text


def export_finding(profiles: int | None, prospects: int | None, rivals: int | None,
                   openings: int | None, language: str = "en") -> str:
    """The sentence on what was exported; a part the data cannot support is left out.

    Parameters
    ----------
    profiles, prospects, rivals, openings : int or None
        Rows written per export; ``None`` when that export was not produced.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    counts = {"profiles": profiles, "prospects": prospects, "rivals": rivals,
              "openings": openings}
    if all(v is not None for v in counts.values()):
        return i18n.t("customer_profiling.finding.export", language,
                      **{k: f"{v:,}" for k, v in counts.items()})
    items = [i18n.t(f"customer_profiling.export.{k}", language, n=f"{v:,}")
             for k, v in counts.items() if v is not None]
    if not items:
        return i18n.t("customer_profiling.no_export", language)
    return i18n.t("customer_profiling.finding.export_files", language, items=_join(items, language))


def _gate_counts(by_gate: pd.Series, key: str, language: str) -> str:
    return i18n.t("customer_profiling.join.parts", language).join(
        i18n.t(key, language, n=f"{n:,}", gate=g) for g, n in by_gate.items())


def mcp_method_text(by_gate: pd.Series, failing: int, total: int, language: str = "en") -> str:
    """The MCP paragraph of the method section.

    Parameters
    ----------
    by_gate : pandas.Series
        :func:`gate_failures`.
    failing, total : int
        Accounts failing the MCP, all accounts.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    if by_gate.empty:
        return i18n.t("customer_profiling.mcp_no_gates", language)
    return i18n.t("customer_profiling.method.mcp", language, failing=f"{failing:,}", total=f"{total:,}",
                  gates=_gate_counts(by_gate, "customer_profiling.method.mcp_gate", language))


def mcp_finding(by_gate: pd.Series, failing: int, total: int, language: str = "en") -> str:
    """How many accounts fail the MCP, and on which gate.

    Parameters
    ----------
    by_gate : pandas.Series
        :func:`gate_failures`.
    failing, total : int
        Accounts failing the MCP (at least one), all accounts.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    return i18n.t("customer_profiling.finding.mcp", language, failing=f"{failing:,}",
                  total=f"{total:,}", share=f"{failing / total:.0%}",
                  gates=_gate_counts(by_gate, "customer_profiling.finding.mcp_gate", language))


def model_basis(levels: Mapping[str, Sequence[str]], numbers: Sequence[str],
                language: str = "en") -> str:
    """The sentence naming the attributes the look-alike model learned from.

    Parameters
    ----------
    levels : mapping
        :func:`surviving_levels` (attribute to its values).
    numbers : sequence of str
        Numeric attributes related to being a best customer.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    parts = ([f"{attribute_label(a, language)} ({', '.join(v)})" for a, v in levels.items()]
             + [attribute_label(a, language) for a in numbers])
    return i18n.t("customer_profiling.finding.model_basis", language,
                  attributes=i18n.t("customer_profiling.join.parts", language).join(parts))


def scorecard_finding(shown: pd.DataFrame, rho: float, language: str = "en") -> str:
    """How closely model and scorecard agree and where each rates higher.

    Parameters
    ----------
    shown : pandas.DataFrame
        :func:`disagreement_table`.
    rho : float
        Rank correlation of the two scores.
    language : {"en", "zh"}

    Returns
    -------
    str
        Empty when either side has no industry or the correlation is unknown.
    """
    model_hi = shown[shown.disagreement == "model rates higher"].industry.dropna().mode()
    card_hi = shown[shown.disagreement == "scorecard rates higher"].industry.dropna().mode()
    if not (len(model_hi) and len(card_hi) and pd.notna(rho)):
        return ""
    return i18n.t("customer_profiling.finding.scorecard", language, rho=f"{rho:.2f}",
                  model_hi=model_hi.iloc[0], card_hi=card_hi.iloc[0])
