"""Rule-based segments and behavioural clusters of accounts.

Two complementary views:

*Rule segments* cut accounts by industry x size band x lifecycle stage, which managers can
read at a glance; segments with fewer accounts than a threshold fold into ``"Other"``.

*Behavioural clusters* group accounts by how they buy and engage, whatever their
firmographics. The inputs (:func:`behaviour_features`) are readable per-account numbers:
recency, order frequency and value per active year, average order size, the order trend,
the order rhythm, engagement intensity and the share of each channel in the account's
engagement. The model (:func:`make_pipeline`) is a scikit-learn pipeline that log-scales the
skewed money and count features, takes square roots of the channel shares (which steadies
their variance), imputes the median for accounts without orders (so prospects are grouped by
how they engage, not lumped together for not having bought; the lifecycle stage already
says they have not), standardises and clusters with k-means or a Gaussian mixture.

The number of clusters is chosen over a range (:func:`select_k`) by the silhouette (on a
sample), Calinski-Harabasz and Davies-Bouldin criteria, among the k whose smallest cluster
holds at least a minimum share of accounts. Stability is the adjusted Rand index between the
reference clustering and refits on subsamples with other seeds (:func:`cluster_stability`).
Clusters are described by medians and an index against the overall mean
(:func:`cluster_profiles`), named from their most distinctive features
(:func:`name_clusters`) and explained by a shallow surrogate decision tree
(:func:`surrogate_tree`).

What a cluster is, is not a finding about the business. The clusters are formed on the
accounts' recency, order trend and rhythm, and the lifecycle stages follow from the same
numbers (churned: long since the last order, beyond the account's rhythm; declining and
growth: the 12-month order ratio). Testing a cluster's share of declining or churned
accounts, or its orders this year against last year, on the accounts that formed it tests
the very behaviour that defined it: the p-values are invalid (selection and test on the
same data), and on data without any effect they still come out tiny. So, when the compared
quantity is derived from the clustering inputs (:func:`defined_by_clusters`), it is stated
as a description of the cluster (:func:`risk_descriptions`, a finding of kind ``fact``
without a p-value), not as a comparison; a trend word in a cluster name is a label of the
cluster's own median trend (its sign must match), not a claim of change. A held-out design
(clusters fitted on one half or an earlier window, tested on the other) would give valid
tests, but its answer would still be the clusters' defining features, at the price of half
the accounts; describing is as informative and honest. Only when the clusters are formed
without those inputs is the at-risk share tested (:func:`at_risk_tests`, Fisher exact,
corrected across the clusters).

Rule segments are cut by industry and size band, not by behaviour, so their revenue growth
(:func:`segment_growth_tests`) stays a tested family, corrected across the segments shown;
``"Other"`` or a missing value is never a finding.

Modules: :mod:`.labels` (readable names), :mod:`.rules` (rule segments), :mod:`.inputs` and
:mod:`.pipeline` (behavioural inputs, clustering pipeline), :mod:`.clusters` (k, fit,
stability, description), :mod:`.tree` (surrogate tree), :mod:`.behaviour` (end to end),
:mod:`.evidence` (tests and descriptions), :mod:`.findings` (the report's findings),
:mod:`.sentences` (report text), :mod:`.views` (tables) and :mod:`.plots`. No function
here reads the workspace: the notebook passes account features and stages in.
"""

from __future__ import annotations

from .behaviour import (
    BehaviourSegmentation,
    segment_behaviour,
)
from .clusters import (
    CRITERIA,
    SIGNED_FEATURES,
    THREADS,
    KSelection,
    cluster_profiles,
    cluster_stability,
    cluster_stage_view,
    cluster_zscores,
    fit_clusters,
    largest_cluster,
    name_clusters,
    predict_clusters,
    projection_2d,
    select_k,
    usable_k_range,
)
from .evidence import (
    DERIVED_FROM,
    MIN_TREND_ACCOUNTS,
    TREND_HISTORY_DAYS,
    at_risk_tests,
    at_risk_view,
    defined_by_clusters,
    is_missing_segment,
    paired_change_test,
    segment_growth_tests,
    trend_evidence,
)
from .findings import (
    ClusterRisk,
    cluster_risk,
    log_cluster_risk,
    log_cluster_trends,
    log_segment_growth,
)
from .inputs import (
    MIN_SPAN_DAYS,
    behaviour_features,
    informative_features,
)
from .labels import (
    FEATURE_WORDS,
    NO_ORDERS,
    OTHER,
    SEPARATOR,
    UNKNOWN,
    channel_label,
    feature_label,
    number_text,
    segment_label,
)
from .pipeline import (
    METHODS,
    BehaviourTransform,
    make_pipeline,
)
from .plots import (
    plot_cluster_stage_view,
    plot_k_selection,
    plot_projection,
    plot_segment_grid,
)
from .rules import (
    named_segments,
    populated_dimensions,
    rule_segments,
    segment_grid,
    segment_summary,
)
from .sentences import (
    SECTIONS,
    cluster_stage_alt,
    cluster_summary_text,
    coverage_notes,
    dimension_note,
    grid_alt,
    grid_at_risk_text,
    index_alt,
    k_choice_text,
    k_selection_alt,
    margin_note,
    projection_alt,
    risk_claims,
    risk_descriptions,
    rule_segment_text,
    stability_text,
    survives_marks,
    tests_text,
    trend_claims,
)
from .tree import (
    Surrogate,
    readable_rules,
    surrogate_tree,
    tree_paths,
)
from .views import (
    account_export,
    cluster_overview,
    headline_cards,
    money_headers,
    segment_detail,
    segment_table,
    selection_display,
)

__all__ = [
    "BehaviourSegmentation",
    "BehaviourTransform",
    "CRITERIA",
    "ClusterRisk",
    "DERIVED_FROM",
    "FEATURE_WORDS",
    "KSelection",
    "METHODS",
    "MIN_SPAN_DAYS",
    "MIN_TREND_ACCOUNTS",
    "NO_ORDERS",
    "OTHER",
    "SECTIONS",
    "SEPARATOR",
    "SIGNED_FEATURES",
    "Surrogate",
    "THREADS",
    "TREND_HISTORY_DAYS",
    "UNKNOWN",
    "account_export",
    "at_risk_tests",
    "at_risk_view",
    "behaviour_features",
    "channel_label",
    "cluster_overview",
    "cluster_profiles",
    "cluster_risk",
    "cluster_stability",
    "cluster_stage_alt",
    "cluster_stage_view",
    "cluster_summary_text",
    "cluster_zscores",
    "coverage_notes",
    "defined_by_clusters",
    "dimension_note",
    "feature_label",
    "fit_clusters",
    "grid_alt",
    "grid_at_risk_text",
    "headline_cards",
    "index_alt",
    "informative_features",
    "is_missing_segment",
    "k_choice_text",
    "k_selection_alt",
    "largest_cluster",
    "log_cluster_risk",
    "log_cluster_trends",
    "log_segment_growth",
    "make_pipeline",
    "margin_note",
    "money_headers",
    "name_clusters",
    "named_segments",
    "number_text",
    "paired_change_test",
    "plot_cluster_stage_view",
    "plot_k_selection",
    "plot_projection",
    "plot_segment_grid",
    "populated_dimensions",
    "predict_clusters",
    "projection_2d",
    "projection_alt",
    "readable_rules",
    "risk_claims",
    "risk_descriptions",
    "rule_segment_text",
    "rule_segments",
    "segment_behaviour",
    "segment_detail",
    "segment_grid",
    "segment_growth_tests",
    "segment_label",
    "segment_summary",
    "segment_table",
    "select_k",
    "selection_display",
    "stability_text",
    "surrogate_tree",
    "survives_marks",
    "tests_text",
    "tree_paths",
    "trend_claims",
    "trend_evidence",
    "usable_k_range",
]
