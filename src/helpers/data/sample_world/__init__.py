"""A deterministic synthetic B2B world with planted truths.

:func:`generate_world` writes one file per contract table (``<table>.parquet`` or
``<table>.csv``) with exactly the canonical columns, plus three files that are not contract
tables and are ignored by the data loader:

``truth.json``
    The planted truths (schema below), so tests can check the analyses recover them.
``truth_accounts.parquet``
    One row per account: ``account_id``, ``true_stage``, ``true_cluster``, ``is_icp``,
    ``size_band``, ``churn_risk``.
``world.json``
    The generation settings and generator version; :func:`world_matches` reads it. It is
    written last, so a half-written world never matches.

The world
---------
Accounts ``A000001``..., orders ``O00000001``, contacts ``C0000001``, interactions
``I000000001``, content ``CT0001``, opportunities ``OP0000001``, survey responses
``R0000001``; campaigns ``CMP-<CHANNEL>-<YYYY-MM>`` (also on ``marketing_spend`` rows) and
``ABM-<TIER>-<YYYY-MM>`` for account-based spend with a ``target_tier``. Prospects have no
orders; every won opportunity is also an order on its close date; open opportunities have
no close date. Opportunity ``source_channel`` is a paid channel (``ads``, ``social``,
``email``, ``webinar``, ``trade_show``; drawn from the response curves), ``website`` for
content-sourced ones (with ``source_content_id``), or a sales source (``account_management``,
``referral``, ``partner``, ``outbound``). Experiment rows in ``interactions`` carry
``experiment_id`` and ``variant`` (``A`` control, ``B`` treatment) with event types
``exposure`` and ``conversion``. ``accounts.lifecycle_stage`` imitates a CRM field: empty for
some accounts and one stage behind for others, so it is not the truth.

The world is generated account block by account block (:data:`BLOCK` accounts, each with its
own child random stream from :class:`numpy.random.SeedSequence`), so memory stays bounded
and the content of every file depends only on the settings, never on ``chunk_accounts``.
The same settings give byte-identical files.

The null world
--------------
``generate_world(..., effects="none")`` (``workbook sample-data --profile null``) writes the
same tables with every effect parameter set to "no effect" (:data:`NEUTRAL` instead of
:data:`PLANTED`): industry, size, region and ICP do not change conversion, spend or win rate;
clusters behave alike; customers arrive and leave at constant rates (no trend); opportunities
do not follow spend; content converts alike in every stage and category; both variants of
every experiment convert alike; every weekday and hour is equally likely for every channel
(timestamps keep a time of day); NPS is unrelated to churn risk; margins and costs to serve
do not differ by product, size or cluster. Its ``truth.json`` has ``"profile": "null"``,
``"planted": {}`` and ``"effects"`` listing each effect as ``"none"``. Any comparison, trend
or alarm stated on it is a false discovery.

Locale
------
``locale="zh"`` gives Chinese account names, owners, regions, cities, industries, product
lines, content titles and topics, and survey comments. Codes stay canonical English in both
locales: column names, channels, event types, content types and categories, contact roles
and seniority, opportunity stages and sources, cost types, pain-point tags, campaign and
experiment ids. ``truth.json`` names industries exactly as they appear in the data.

truth.json schema
-----------------
``schema_version`` (int), ``generator_version``, ``settings`` (as in ``world.json``),
``start``, ``end``, ``as_of`` (= ``end``), ``seed``, ``locale``, ``currency``.

``counts``
    ``{table: rows}`` for all nine contract tables.
``size_bands``
    ``column`` ("employees"), ``thresholds`` [50, 500, 5000] and ``bands``: list of
    ``{name, min, max}`` (small < 50, mid 50-499, large 500-4999, enterprise >= 5000).
``icp``
    ``industries`` (as in the data), ``industry_codes`` (English), ``size_bands``, ``pairs``
    (list of [industry, size_band]); ``customer_probability`` {icp, non_icp} and
    ``conversion_multiplier``; ``order_amount_multiplier``; ``win_rate`` {icp, non_icp}
    (per closed opportunity whose close date falls in the account's customer period;
    prospects never win); ``hill_opportunity_weight``; ``n_accounts`` {icp, non_icp};
    ``realised`` {customer_share, revenue_per_account, win_rate} each {icp, non_icp}.
``lifecycle``
    ``stages``, ``definitions`` (text), ``probabilities`` {icp, non_icp: {stage: p}},
    ``mix`` {stage: accounts}, ``growth_ratio`` and ``declining_ratio`` (expected order
    count in the last 12 months over the 12 months before), ``new_window_days``,
    ``churn_min_days``, ``churn_rhythm_multiple``, ``crm_column`` (how
    ``accounts.lifecycle_stage`` was blurred and how often it agrees with the truth);
    per-account stage in ``truth_accounts.parquet``.
``clusters``
    ``names``, ``description``, ``mix`` {cluster: accounts}, ``channel_mix``
    {cluster: {channel: share}}, ``orders_per_month``, ``order_size_factor``,
    ``activity_factor``; per-account cluster in ``truth_accounts.parquet``.
``response_curves``
    ``formula``, ``adstock``, ``scale`` (accounts / 2000), ``source_column``,
    ``unresponsive_channels`` and ``channels`` {channel: {beta, k, s, adstock_decay,
    opportunities, monthly: {period_start, month, spend, adstocked_spend, expected,
    realised}}} (``k`` and ``beta`` already scaled to this world).
    Opportunities with ``source_channel`` = channel are drawn as Poisson with mean
    ``beta * x**s / (k**s + x**s)`` per month, ``x`` the adstocked spend of the channel.
``content_lift``
    ``unit`` (text), ``source_channel`` of content-sourced opportunities, ``rates``
    {stage: {category: p}}, ``lift`` {stage: {category: rate / stage mean}},
    ``best_category`` {stage: category}, ``realised`` {stage: {category: {touches,
    conversions}}}.
``experiments``
    {experiment_id: {channel, window [first, last day], unit, control, treatment,
    exposure_event, conversion_event, rates {variant: p}, true_lift (treatment / control),
    real_effect (bool), n {variant: exposures}, conversions {variant: n},
    observed_rates {variant: rate}}}.
``activity_peaks``
    ``weekday_convention`` ("Monday=0") and ``channels`` {channel: {weekday,
    weekday_index, hour}}; timestamps are local time of the account.
``nps``
    ``formula``, ``intercept``, ``slope``, ``sd``, ``csat_intercept``, ``csat_slope``,
    ``churn_risk_by_stage`` {stage: mean churn_risk}.
``heavy_tail``
    ``top10_revenue_share`` (share of net revenue of the top 10 % of ordering accounts),
    ``gini``, ``note``.
``truth_accounts_file``
    ``"truth_accounts.parquet"``.
"""


from __future__ import annotations

from helpers.data.sample_world.effects import (
    EFFECTS,
    NEUTRAL,
    NULL_EXPERIMENT_RATE,
    NULL_MEAN_LIFETIME_DAYS,
    NULL_MIN_LIFETIME_DAYS,
    NULL_NPS_MEAN,
    NULL_OPPORTUNITIES_PER_MONTH,
    NULL_PROSPECT_SHARE,
    PLANTED,
)
from helpers.data.sample_world.generate import (
    generate_world,
    mark_profile,
    read_truth,
    world_matches,
)
from helpers.data.sample_world.parameters import (
    ABM_SPEND,
    ABM_TIERS,
    ACQ_CHANNELS,
    ACQ_COST,
    ACQ_P,
    ACTIVITY_FACTOR,
    ADS,
    BLOCK,
    CHANNEL_P,
    CHANNELS,
    CHURN_MIN_DAYS,
    CHURN_RHYTHM_MULTIPLE,
    CHURN_RISK_BETA,
    CHURNED,
    CLUSTER_DESCRIPTION,
    CLUSTER_P,
    CLUSTERS,
    CONTACTS_EXTRA,
    CONTENT_CATEGORIES,
    CONTENT_COST,
    CONTENT_RATES,
    CONTENT_SOURCE,
    CONTENT_TYPE_CATEGORY,
    CONTENT_TYPE_P,
    CONTENT_TYPES,
    COST_TYPES,
    CREDIT_NOTE_SHARE,
    CRM_STAGE_MISSING,
    CRM_STAGE_STALE,
    CRM_STALE_STAGE,
    CSAT_INTERCEPT,
    CSAT_SD,
    CSAT_SLOPE,
    CYCLE_BAND_FACTOR,
    DECLINING,
    DECLINING_RATIO,
    DEFAULT_INTERACTIONS_PER_ACCOUNT,
    DIGITAL,
    DORMANT,
    EMAIL,
    EVENT,
    EVENT_TYPES,
    EXPERIMENTS,
    FORMATS,
    GENERATOR_VERSION,
    GROWTH,
    GROWTH_RATIO,
    HILL,
    HILL_AFFINITY,
    ICP_AMOUNT_MULTIPLIER,
    ICP_HILL_WEIGHT,
    ICP_INDUSTRIES,
    ICP_SIZE_BANDS,
    INDUSTRY_CODES,
    INDUSTRY_P,
    INDUSTRY_SIZE_SHIFT,
    LOCALE_DATA,
    LOCALES,
    MATURE,
    MEETING,
    MIN_WINDOW_DAYS,
    N_CONTENT,
    NEW,
    NEW_WINDOW_DAYS,
    NPS_INTERCEPT,
    NPS_SD,
    NPS_SLOPE,
    OFFLINE_CHANNELS,
    OPP_STAGES,
    ORDER_BASE_AMOUNT,
    ORDER_GAP_SHAPE,
    ORDER_SIGMA,
    ORDER_SIZE_FACTOR,
    ORDERS_PER_MONTH,
    PAID_CHANNELS,
    PAIN_POINTS,
    PEAKS,
    PRE_EXISTING_SHARE,
    PRODUCT_MARGIN,
    PRODUCT_P,
    PROSPECT,
    PROSPECT_SALES_OPPS,
    PROSPECT_SOURCE_P,
    REFERENCE_ACCOUNTS,
    RELATIONSHIP,
    REVENUE_PER_EMPLOYEE,
    ROLE_P,
    ROLES,
    ROW_GROUP,
    SALES_OPPS_PER_YEAR,
    SALES_SOURCE_P,
    SENIORITY,
    SENIORITY_P,
    SIZE_BANDS,
    SIZE_THRESHOLDS,
    SOCIAL,
    SOURCES,
    STAGE_ACTIVITY,
    STAGE_P,
    STAGES,
    SURVEYS_PER_YEAR,
    TRADE_SHOW,
    TRUTH_ACCOUNTS_FILE,
    TRUTH_FILE,
    TRUTH_SCHEMA_VERSION,
    VARIANTS,
    VISIT,
    WEBINAR,
    WEBSITE,
    WIN_RATE,
    WORLD_FILE,
)
from helpers.data.sample_world.truth import (
    EFFECT_NAMES,
)
from helpers.data.sample_world.world import (
    table_schema,
)

__all__ = [
    "ABM_SPEND",
    "ABM_TIERS",
    "ACQ_CHANNELS",
    "ACQ_COST",
    "ACQ_P",
    "ACTIVITY_FACTOR",
    "ADS",
    "BLOCK",
    "CHANNELS",
    "CHANNEL_P",
    "CHURNED",
    "CHURN_MIN_DAYS",
    "CHURN_RHYTHM_MULTIPLE",
    "CHURN_RISK_BETA",
    "CLUSTERS",
    "CLUSTER_DESCRIPTION",
    "CLUSTER_P",
    "CONTACTS_EXTRA",
    "CONTENT_CATEGORIES",
    "CONTENT_COST",
    "CONTENT_RATES",
    "CONTENT_SOURCE",
    "CONTENT_TYPES",
    "CONTENT_TYPE_CATEGORY",
    "CONTENT_TYPE_P",
    "COST_TYPES",
    "CREDIT_NOTE_SHARE",
    "CRM_STAGE_MISSING",
    "CRM_STAGE_STALE",
    "CRM_STALE_STAGE",
    "CSAT_INTERCEPT",
    "CSAT_SD",
    "CSAT_SLOPE",
    "CYCLE_BAND_FACTOR",
    "DECLINING",
    "DECLINING_RATIO",
    "DEFAULT_INTERACTIONS_PER_ACCOUNT",
    "DIGITAL",
    "DORMANT",
    "EFFECTS",
    "EFFECT_NAMES",
    "EMAIL",
    "EVENT",
    "EVENT_TYPES",
    "EXPERIMENTS",
    "FORMATS",
    "GENERATOR_VERSION",
    "GROWTH",
    "GROWTH_RATIO",
    "HILL",
    "HILL_AFFINITY",
    "ICP_AMOUNT_MULTIPLIER",
    "ICP_HILL_WEIGHT",
    "ICP_INDUSTRIES",
    "ICP_SIZE_BANDS",
    "INDUSTRY_CODES",
    "INDUSTRY_P",
    "INDUSTRY_SIZE_SHIFT",
    "LOCALES",
    "LOCALE_DATA",
    "MATURE",
    "MEETING",
    "MIN_WINDOW_DAYS",
    "NEUTRAL",
    "NEW",
    "NEW_WINDOW_DAYS",
    "NPS_INTERCEPT",
    "NPS_SD",
    "NPS_SLOPE",
    "NULL_EXPERIMENT_RATE",
    "NULL_MEAN_LIFETIME_DAYS",
    "NULL_MIN_LIFETIME_DAYS",
    "NULL_NPS_MEAN",
    "NULL_OPPORTUNITIES_PER_MONTH",
    "NULL_PROSPECT_SHARE",
    "N_CONTENT",
    "OFFLINE_CHANNELS",
    "OPP_STAGES",
    "ORDERS_PER_MONTH",
    "ORDER_BASE_AMOUNT",
    "ORDER_GAP_SHAPE",
    "ORDER_SIGMA",
    "ORDER_SIZE_FACTOR",
    "PAID_CHANNELS",
    "PAIN_POINTS",
    "PEAKS",
    "PLANTED",
    "PRE_EXISTING_SHARE",
    "PRODUCT_MARGIN",
    "PRODUCT_P",
    "PROSPECT",
    "PROSPECT_SALES_OPPS",
    "PROSPECT_SOURCE_P",
    "REFERENCE_ACCOUNTS",
    "RELATIONSHIP",
    "REVENUE_PER_EMPLOYEE",
    "ROLES",
    "ROLE_P",
    "ROW_GROUP",
    "SALES_OPPS_PER_YEAR",
    "SALES_SOURCE_P",
    "SENIORITY",
    "SENIORITY_P",
    "SIZE_BANDS",
    "SIZE_THRESHOLDS",
    "SOCIAL",
    "SOURCES",
    "STAGES",
    "STAGE_ACTIVITY",
    "STAGE_P",
    "SURVEYS_PER_YEAR",
    "TRADE_SHOW",
    "TRUTH_ACCOUNTS_FILE",
    "TRUTH_FILE",
    "TRUTH_SCHEMA_VERSION",
    "VARIANTS",
    "VISIT",
    "WEBINAR",
    "WEBSITE",
    "WIN_RATE",
    "WORLD_FILE",
    "generate_world",
    "mark_profile",
    "read_truth",
    "table_schema",
    "world_matches",
]
