"""Ideal customer profile (ICP), minimum customer profile (MCP) and fit scores.

The chain, each step a function a notebook can call and a test can check:

1. :func:`best_customers` marks the best customers by a parameter: the top share by margin,
   by 24-month revenue, or accounts with a won opportunity.
2. :func:`attribute_lift` compares how often each attribute value (industry, size band,
   region, ...) occurs among the best customers and among the rest, with a Katz log
   confidence interval (:func:`ratio_ci`), a minimum support and Fisher's exact test; the
   supported values shown together are one family, corrected (Benjamini-Hochberg by
   default). :func:`icp_profile` keeps the values that survive and are over-represented;
   :func:`icp_statement` says it in words and :func:`icp_findings` records the evidence.
   :func:`related_attributes` tests whether an attribute is related to the outcome at all
   and :func:`surviving_levels` gives the values the model may use.
3. :class:`LookalikeModel` learns the same from all attributes at once: one-hot encoding and
   scaling, logistic regression, calibrated probabilities, cross-validated ROC-AUC, top
   factors and per-account reasons. With ``levels`` (the notebook passes
   :func:`surviving_levels`) it uses only values that survived their tests, so noise
   neither moves a fit score nor is named as a sign.
4. :func:`scorecard_scores` is the transparent alternative: points per rule, from params.
5. :func:`mcp_check` applies hard gates from params and says why an account fails.
6. :func:`fit_scores` combines them into a 0-100 fit score with Strong / Moderate / Weak
   buckets. This is the stable interface other notebooks use.
7. :func:`fit_engagement_matrix`, :func:`strong_fit_prospects`,
   :func:`competitor_targets` and :func:`whitespace` turn scores into target lists; a
   whitespace line must be bought by comparable peers (same industry and deal-size band)
   reliably more often than by other customers of that deal size.

Rules (scorecard criteria and MCP gates) are short texts such as ``"employees at least 50"``
or ``"industry in Manufacturing, Logistics"``; :mod:`.rules` parses them and states the
grammar. A missing value never satisfies a rule.

Modules: :mod:`.attributes` (the attributes compared), :mod:`.labels` (display text),
:mod:`.rules`, :mod:`.best` (best customers), :mod:`.lift` (lift tests and grids),
:mod:`.model` (look-alike model), :mod:`.fit` (scorecard, MCP, fit scores), :mod:`.queries`
(every engine query), :mod:`.targets` (Strong / scored selections and target lists),
:mod:`.whitespace`, :mod:`.views` (tables), :mod:`.sentences` (report text) and
:mod:`.plots`. This package re-exports the functions notebooks call; the engine
queries stay in :mod:`.queries`.
"""

from __future__ import annotations

from helpers.analysis.icp.attributes import (
    EXCLUDED,
    FIT_BUCKETS,
    ICP_ATTRIBUTES,
    LOOKALIKE_CATEGORICAL,
    LOOKALIKE_NUMERIC,
    has_data,
    usable_attributes,
)
from helpers.analysis.icp.best import (
    BEST_DEFINITIONS,
    BEST_FALLBACKS,
    MIN_MARGIN_COVERAGE,
    BestChoice,
    best_customers,
    best_definition_has_data,
    choose_best,
    describe_best,
)
from helpers.analysis.icp.fit import (
    bucket_counts,
    check_thresholds,
    fit_buckets,
    fit_scores,
    gate_failures,
    mcp_check,
    parse_scorecard,
    score_disagreements,
    scorecard_scores,
    usable_scorecard,
)
from helpers.analysis.icp.labels import attribute_label
from helpers.analysis.icp.lift import (
    attribute_lift,
    best_rate_grid,
    grid_cells,
    grid_peak,
    icp_profile,
    ratio_ci,
    related_attributes,
    surviving_levels,
)
from helpers.analysis.icp.model import (
    LookalikeModel,
    fit_lookalike,
    lookalike_attributes,
    model_gate,
)
from helpers.analysis.icp.plots import (
    plot_fit_engagement,
    plot_fit_overview,
    plot_lift,
    plot_model_vs_card,
)
from helpers.analysis.icp.queries import recent_engagement
from helpers.analysis.icp.rules import Rule, parse_rule, rule_label, rule_warnings
from helpers.analysis.icp.sentences import (
    best_note,
    export_finding,
    grid_finding,
    icp_findings,
    icp_statement,
    icp_summary,
    mcp_finding,
    mcp_method_text,
    model_basis,
    model_finding,
    model_note,
    scorecard_finding,
    whitespace_findings,
)
from helpers.analysis.icp.targets import (
    QUADRANTS,
    account_profiles,
    competitor_targets,
    failing_accounts,
    fit_engagement_matrix,
    quadrant_summary,
    scored_accounts,
    select_accounts,
    strong_accounts,
    strong_fit_prospects,
)
from helpers.analysis.icp.views import (
    SURVIVES,
    disagreement_table,
    disagreement_view,
    fit_leaders,
    grid_percent,
    icp_table,
    lift_chart_rows,
    lift_evidence,
)
from helpers.analysis.icp.whitespace import deal_bands, whitespace, whitespace_by_line

__all__ = [
    "BEST_DEFINITIONS", "BEST_FALLBACKS", "BestChoice", "EXCLUDED", "FIT_BUCKETS",
    "ICP_ATTRIBUTES", "LOOKALIKE_CATEGORICAL", "LOOKALIKE_NUMERIC", "LookalikeModel",
    "MIN_MARGIN_COVERAGE", "QUADRANTS", "Rule", "SURVIVES", "account_profiles",
    "attribute_label", "attribute_lift", "best_customers", "best_definition_has_data",
    "best_note", "best_rate_grid", "bucket_counts", "check_thresholds", "choose_best",
    "competitor_targets", "deal_bands", "describe_best", "disagreement_table",
    "disagreement_view", "export_finding", "failing_accounts", "fit_buckets",
    "fit_engagement_matrix", "fit_leaders", "fit_lookalike", "fit_scores", "gate_failures",
    "grid_cells", "grid_finding", "grid_peak", "grid_percent", "has_data", "icp_findings",
    "icp_profile", "icp_statement", "icp_summary", "icp_table", "lift_chart_rows",
    "lift_evidence", "lookalike_attributes", "mcp_check", "mcp_finding", "mcp_method_text",
    "model_basis", "model_finding", "model_gate", "model_note", "parse_rule",
    "parse_scorecard", "plot_fit_engagement", "plot_fit_overview", "plot_lift",
    "plot_model_vs_card", "quadrant_summary", "ratio_ci", "recent_engagement",
    "related_attributes", "rule_label", "rule_warnings", "score_disagreements",
    "scorecard_finding", "scorecard_scores", "scored_accounts", "select_accounts",
    "strong_accounts", "strong_fit_prospects", "surviving_levels", "usable_attributes",
    "usable_scorecard", "whitespace", "whitespace_by_line", "whitespace_findings",
]
