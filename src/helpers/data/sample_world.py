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

import datetime as dt
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from helpers.data import contract
from helpers.core.errors import ParamError

GENERATOR_VERSION = "1.0"
TRUTH_SCHEMA_VERSION = 1

#: Accounts per independent random stream; fixed so that the output never depends on chunking.
BLOCK = 1000
#: Rows per Parquet row group; fixed for the same reason.
ROW_GROUP = 262_144
#: Organic interactions per account when ``interactions_per_account`` is not given.
DEFAULT_INTERACTIONS_PER_ACCOUNT = 75.0
#: World size the per-channel response parameters are quoted for.
REFERENCE_ACCOUNTS = 2000
MIN_WINDOW_DAYS = 730

FORMATS = ("parquet", "csv")
LOCALES = ("en", "zh")
TRUTH_FILE = "truth.json"
TRUTH_ACCOUNTS_FILE = "truth_accounts.parquet"
WORLD_FILE = "world.json"

_EPOCH = dt.date(1970, 1, 1)
_US = 1_000_000
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# ----------------------------------------------------------------------------- vocabularies

STAGES = contract.LIFECYCLE_STAGES
PROSPECT, NEW, GROWTH, MATURE, DECLINING, CHURNED = range(6)
CLUSTERS = ("digital_self_server", "relationship_buyer", "event_driven", "dormant")
DIGITAL, RELATIONSHIP, EVENT, DORMANT = range(4)
CLUSTER_DESCRIPTION = {
    "digital_self_server": "heavy web, email and content use; frequent small orders",
    "relationship_buyer": "meetings and site visits; rare, large orders",
    "event_driven": "trade shows and webinars; orders follow shows",
    "dormant": "little engagement of any kind; slow order rhythm",
}

INDUSTRY_CODES = ("Manufacturing", "Healthcare", "Financial Services", "Retail", "Technology",
                  "Logistics", "Energy", "Public Sector")
INDUSTRY_P = np.array([0.22, 0.11, 0.10, 0.12, 0.14, 0.12, 0.09, 0.10])
INDUSTRY_SIZE_SHIFT = np.array([0.1, 0.0, 0.2, -0.3, -0.1, 0.0, 0.4, 0.3])
REVENUE_PER_EMPLOYEE = np.array([220e3, 150e3, 400e3, 180e3, 250e3, 200e3, 600e3, 120e3])
SIZE_BANDS = ("small", "mid", "large", "enterprise")
SIZE_THRESHOLDS = (50, 500, 5000)
ICP_INDUSTRIES = ("Manufacturing", "Technology", "Logistics")
ICP_SIZE_BANDS = ("mid", "large")
ICP_AMOUNT_MULTIPLIER = 2.0
ICP_HILL_WEIGHT = 1.8
WIN_RATE = {"icp": 0.45, "non_icp": 0.25}

STAGE_P = {
    "non_icp": np.array([0.45, 0.06, 0.08, 0.20, 0.10, 0.11]),
    "icp": np.array([0.15, 0.10, 0.17, 0.33, 0.12, 0.13]),
}
#: Cluster mix per stage (rows: stages; columns: clusters); dormant is likelier when churned.
CLUSTER_P = np.array([
    [0.30, 0.20, 0.20, 0.30],
    [0.38, 0.27, 0.30, 0.05],
    [0.35, 0.35, 0.25, 0.05],
    [0.30, 0.35, 0.25, 0.10],
    [0.25, 0.25, 0.20, 0.30],
    [0.20, 0.15, 0.15, 0.50],
])
ORDERS_PER_MONTH = np.array([1.6, 0.6, 0.9, 0.35])
ORDER_SIZE_FACTOR = np.array([0.5, 2.5, 1.0, 0.8])
ACTIVITY_FACTOR = np.array([1.8, 0.8, 1.1, 0.25])
STAGE_ACTIVITY = np.array([0.6, 1.2, 1.2, 1.0, 0.8, 0.6])
#: Beta(a, b) of churn risk per stage.
CHURN_RISK_BETA = np.array([[2, 2], [3, 5], [1.5, 8], [2, 6], [6, 3], [8, 2]], dtype=float)
GROWTH_RATIO = 2.2
DECLINING_RATIO = 0.4
NEW_WINDOW_DAYS = 175
CHURN_MIN_DAYS = 180
CHURN_RHYTHM_MULTIPLE = 3
PRE_EXISTING_SHARE = 0.7
#: The CRM's own lifecycle_stage column lags: some rows keep the previous stage, some are empty.
CRM_STALE_STAGE = np.array([PROSPECT, PROSPECT, NEW, GROWTH, MATURE, DECLINING])
CRM_STAGE_STALE = 0.3
CRM_STAGE_MISSING = 0.3
ORDER_BASE_AMOUNT = 2500.0
CREDIT_NOTE_SHARE = 0.02
ORDER_GAP_SHAPE = 4.0
ORDER_SIGMA = 0.35

ACQ_CHANNELS = ("events", "referral", "search", "social", "email", "outbound", "partner")
ACQ_P = np.array([
    [0.05, 0.10, 0.35, 0.20, 0.15, 0.05, 0.10],
    [0.10, 0.30, 0.05, 0.03, 0.05, 0.27, 0.20],
    [0.45, 0.10, 0.10, 0.05, 0.10, 0.10, 0.10],
    [0.15, 0.15, 0.20, 0.10, 0.15, 0.15, 0.10],
])
ACQ_COST = np.array([9000.0, 1500.0, 3500.0, 3000.0, 1800.0, 7000.0, 5000.0])

ROLES = contract.CONTACT_ROLES
ROLE_P = np.array([0.15, 0.30, 0.45, 0.10])
SENIORITY = ("C-level", "VP", "Director", "Manager", "Staff")
SENIORITY_P = np.array([
    [0.35, 0.30, 0.30, 0.05, 0.00],
    [0.00, 0.10, 0.40, 0.45, 0.05],
    [0.00, 0.00, 0.05, 0.40, 0.55],
    [0.00, 0.00, 0.05, 0.25, 0.70],
])
CONTACTS_EXTRA = np.array([1.5, 3.5, 6.5, 11.0])

CHANNELS = ("email", "social", "website", "ads", "webinar", "meeting", "trade_show", "visit")
EMAIL, SOCIAL, WEBSITE, ADS, WEBINAR, MEETING, TRADE_SHOW, VISIT = range(8)
OFFLINE_CHANNELS = ("meeting", "trade_show", "visit")
CHANNEL_P = np.array([
    [0.30, 0.18, 0.35, 0.08, 0.06, 0.015, 0.005, 0.01],
    [0.22, 0.04, 0.12, 0.02, 0.04, 0.30, 0.06, 0.20],
    [0.20, 0.08, 0.15, 0.04, 0.23, 0.08, 0.18, 0.04],
    [0.55, 0.05, 0.25, 0.08, 0.03, 0.02, 0.01, 0.01],
])
EVENT_TYPES = ("open", "click", "reply", "view", "like", "comment", "share", "download",
               "registration", "attend", "meeting_held", "booth_visit", "site_visit",
               "exposure", "conversion")
_EV = {name: i for i, name in enumerate(EVENT_TYPES)}
_EVENTS_BY_CHANNEL = {
    EMAIL: {"open": 0.62, "click": 0.33, "reply": 0.05},
    SOCIAL: {"view": 0.45, "like": 0.22, "comment": 0.08, "share": 0.07, "click": 0.18},
    WEBSITE: {"view": 0.68, "download": 0.20, "click": 0.12},
    ADS: {"view": 0.72, "click": 0.28},
    WEBINAR: {"registration": 0.55, "attend": 0.45},
    MEETING: {"meeting_held": 1.0},
    TRADE_SHOW: {"booth_visit": 0.75, "meeting_held": 0.25},
    VISIT: {"site_visit": 1.0},
}
#: Chance that a touch carries a content_id, by (channel, event).
_CONTENT_TOUCH = {
    (EMAIL, "click"): 0.8, (SOCIAL, "view"): 0.5, (SOCIAL, "share"): 0.8,
    (SOCIAL, "like"): 0.4, (SOCIAL, "comment"): 0.3, (SOCIAL, "click"): 0.7,
    (WEBSITE, "view"): 0.45, (WEBSITE, "download"): 1.0, (WEBSITE, "click"): 0.3,
    (ADS, "click"): 0.5, (WEBINAR, "registration"): 1.0, (WEBINAR, "attend"): 1.0,
}
#: Chance that a touch has no known contact (anonymous web traffic).
_ANONYMOUS = {
    (WEBSITE, "view"): 0.5, (WEBSITE, "click"): 0.3, (ADS, "view"): 0.9, (ADS, "click"): 0.5,
    (SOCIAL, "view"): 0.3, (SOCIAL, "like"): 0.2,
}
#: Weekday and hour peaks per channel (Monday=0); trade shows follow the show calendar.
PEAKS = {
    "email": (1, 10), "social": (3, 20), "website": (2, 14), "ads": (0, 12),
    "webinar": (2, 16), "meeting": (1, 11), "visit": (3, 10),
}
_P_PEAK_HOUR = 0.45
_TRADE_SHOW_DAYS = ((4, 20), (9, 22), (11, 10))

CONTENT_TYPES = ("whitepaper", "guide", "blog", "webinar", "calculator", "configurator",
                 "assessment", "case_study", "video", "infographic")
CONTENT_CATEGORIES = contract.CONTENT_CATEGORIES
CONTENT_TYPE_CATEGORY = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
CONTENT_TYPE_P = np.array([0.10, 0.08, 0.18, 0.12, 0.08, 0.06, 0.07, 0.14, 0.10, 0.07])
CONTENT_COST = np.array([4000, 3000, 400, 2500, 12000, 20000, 6000, 3000, 8000, 1200.0])
N_CONTENT = 180
#: Chance that one content touch leads to an opportunity, by true stage and content category.
CONTENT_RATES = np.array([
    [0.030, 0.012, 0.010],
    [0.015, 0.020, 0.015],
    [0.008, 0.030, 0.028],
    [0.010, 0.012, 0.010],
    [0.008, 0.008, 0.006],
    [0.004, 0.004, 0.004],
])
CONTENT_SOURCE = "website"

#: Paid channels with a planted response curve; values quoted for REFERENCE_ACCOUNTS.
HILL = {
    "ads": {"beta": 80.0, "k": 10000.0, "s": 1.3, "adstock_decay": 0.2, "level": 10000.0},
    "social": {"beta": 50.0, "k": 6000.0, "s": 1.0, "adstock_decay": 0.2, "level": 6000.0},
    "email": {"beta": 50.0, "k": 2500.0, "s": 1.0, "adstock_decay": 0.1, "level": 2500.0},
    "webinar": {"beta": 45.0, "k": 5000.0, "s": 1.5, "adstock_decay": 0.3, "level": 5000.0},
    "trade_show": {"beta": 80.0, "k": 20000.0, "s": 1.6, "adstock_decay": 0.4,
                   "level": 18000.0},
}
PAID_CHANNELS = tuple(HILL)
_SPEND_SIGMA = 0.75
#: Affinity of each cluster to opportunities sourced by each paid channel (columns as HILL).
HILL_AFFINITY = np.array([
    [1.6, 1.6, 1.2, 0.8, 0.4],
    [0.6, 0.4, 0.8, 0.8, 1.0],
    [0.8, 0.8, 1.0, 1.6, 2.0],
    [0.5, 0.5, 0.8, 0.4, 0.4],
])
ABM_TIERS = ("strategic", "key", "growth", "maintain")
ABM_SPEND = np.array([6000.0, 4000.0, 2500.0, 800.0])

SOURCES = (*PAID_CHANNELS, CONTENT_SOURCE, "account_management", "referral", "partner",
           "outbound")
_SRC = {name: i for i, name in enumerate(SOURCES)}
SALES_OPPS_PER_YEAR = np.array([0.3, 0.9, 0.5, 0.2])
SALES_SOURCE_P = np.array([0.5, 0.2, 0.15, 0.15])
PROSPECT_SALES_OPPS = 0.35
PROSPECT_SOURCE_P = np.array([0.0, 0.2, 0.2, 0.6])
CYCLE_BAND_FACTOR = np.array([1.0, 1.2, 1.5, 2.0])
OPP_STAGES = contract.OPPORTUNITY_STAGES

PRODUCT_MARGIN = np.array([0.32, 0.45, 0.55, 0.78, 0.38])
PRODUCT_P = np.array([
    [0.10, 0.25, 0.30, 0.30, 0.05],
    [0.35, 0.20, 0.10, 0.10, 0.25],
    [0.25, 0.30, 0.15, 0.15, 0.15],
    [0.15, 0.25, 0.35, 0.10, 0.15],
])

EXPERIMENTS = (
    {"id": "EXP-SUBJECT-LINE", "channel": EMAIL, "offset": 480, "days": 42,
     "participation": 0.8, "rates": (0.04, 0.06)},
    {"id": "EXP-LANDING-CTA", "channel": WEBSITE, "offset": 300, "days": 42,
     "participation": 0.6, "rates": (0.05, 0.05)},
)
VARIANTS = ("A", "B")

PAIN_POINTS = ("integration", "pricing", "support", "onboarding", "security", "reporting")
NPS_INTERCEPT, NPS_SLOPE, NPS_SD = 9.0, -6.0, 1.3
CSAT_INTERCEPT, CSAT_SLOPE, CSAT_SD = 4.7, -2.6, 0.6
SURVEYS_PER_YEAR = 0.9
COST_TYPES = ("account_management", "support", "onboarding")

# ----------------------------------------------------------------------------- locales

_EN_REGIONS = (
    ("DACH", 0.30, (("Germany", ("Munich", "Stuttgart", "Hamburg", "Berlin", "Düsseldorf",
                                 "Frankfurt")),
                    ("Austria", ("Vienna", "Linz")), ("Switzerland", ("Zurich", "Basel")))),
    ("Benelux", 0.14, (("Netherlands", ("Amsterdam", "Rotterdam", "Eindhoven")),
                       ("Belgium", ("Antwerp", "Brussels")))),
    ("Nordics", 0.10, (("Sweden", ("Stockholm", "Gothenburg")),
                       ("Denmark", ("Copenhagen", "Aarhus")), ("Finland", ("Helsinki",)))),
    ("UK & Ireland", 0.14, (("United Kingdom", ("London", "Manchester", "Birmingham")),
                            ("Ireland", ("Dublin",)))),
    ("Southern Europe", 0.17, (("France", ("Paris", "Lyon")), ("Italy", ("Milan", "Turin")),
                               ("Spain", ("Madrid", "Barcelona")))),
    ("North America", 0.15, (("United States", ("Chicago", "Houston", "Atlanta", "Boston")),
                             ("Canada", ("Toronto",)))),
)
_EN_LEGAL = {
    "Germany": ("GmbH", "AG"), "Austria": ("GmbH",), "Switzerland": ("AG",),
    "Netherlands": ("B.V.",), "Belgium": ("NV",), "Sweden": ("AB",), "Denmark": ("A/S",),
    "Finland": ("Oy",), "United Kingdom": ("Ltd", "plc"), "Ireland": ("Ltd",),
    "France": ("SAS", "SA"), "Italy": ("S.p.A.", "S.r.l."), "Spain": ("S.L.", "S.A."),
    "United States": ("Inc.", "LLC"), "Canada": ("Inc.",),
}
_ZH_REGIONS = (
    ("华东", 0.34, (("中国", ("上海", "杭州", "苏州", "南京", "宁波", "无锡", "合肥")),)),
    ("华南", 0.22, (("中国", ("广州", "深圳", "东莞", "佛山", "厦门")),)),
    ("华北", 0.16, (("中国", ("北京", "天津", "石家庄", "太原")),)),
    ("华中", 0.10, (("中国", ("武汉", "长沙", "郑州")),)),
    ("西南", 0.09, (("中国", ("成都", "重庆", "昆明")),)),
    ("东北", 0.05, (("中国", ("沈阳", "大连", "哈尔滨")),)),
    ("西北", 0.04, (("中国", ("西安", "兰州")),)),
)

LOCALE_DATA = {
    "en": {
        "industries": INDUSTRY_CODES,
        "regions": _EN_REGIONS,
        "legal": _EN_LEGAL,
        "brands": ("Northwind", "Alpen", "Vector", "Rhein", "Nordic", "Atlas", "Helix",
                   "Summit", "Orion", "Keystone", "Meridian", "Pioneer", "Crescent", "Falcon",
                   "Granite", "Harbor", "Lumen", "Polaris", "Sterling", "Titan", "Vanguard",
                   "Zenith", "Apex", "Beacon", "Cobalt", "Delta", "Evergreen", "Fjord",
                   "Kestrel", "Ironwood", "Bluestone", "Cedar", "Elbe", "Halden", "Lindqvist",
                   "Marlow", "Oakridge", "Quantum", "Riverside", "Solano"),
        "industry_words": (
            ("Precision", "Machining", "Components", "Fabrication"),
            ("Medical", "Diagnostics", "Health Systems", "Clinics"),
            ("Capital", "Financial", "Insurance", "Bank"),
            ("Retail", "Stores", "Trading", "Consumer Goods"),
            ("Systems", "Software", "Digital", "Technologies"),
            ("Logistics", "Freight", "Transport", "Supply Chain"),
            ("Energy", "Power", "Utilities", "Renewables"),
            ("Public Services", "Transit", "Water", "Infrastructure"),
        ),
        "first_names": ("Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Henrik",
                        "Isabel", "Jonas", "Katrin", "Lukas", "Maria", "Nils", "Olivia",
                        "Paul", "Rosa", "Simon", "Tara", "Uwe", "Vera", "Will", "Yasmin",
                        "Zoe", "Marco", "Sofia", "Lars", "Ingrid", "Tom", "Nadia"),
        "last_names": ("Becker", "Schmidt", "Larsen", "Moreau", "Rossi", "Novak", "Fischer",
                       "Jansen", "Keller", "Lindberg", "Dubois", "Weber", "Hansen", "Meyer",
                       "Costa", "Walsh", "Berg", "Wagner", "Klein", "Vogel", "Brandt",
                       "Peeters", "Nielsen", "Horvath", "Santos", "Murphy", "Lehmann", "Olsen",
                       "Richter", "Kowalski"),
        "name_sep": " ",
        "product_lines": ("Automation Systems", "Sensors & Controls", "Spare Parts",
                          "Software Subscriptions", "Field Services"),
        "topics": ("Predictive Maintenance", "Energy Efficiency", "Supply Chain Visibility",
                   "Industrial Cybersecurity", "Automation ROI", "Sustainability Reporting",
                   "Remote Monitoring", "Quality Control"),
        "titles": ("{t}: Whitepaper", "The Practical Guide to {t}", "{t} in Practice",
                   "Webinar: {t} Live", "{t} ROI Calculator", "{t} Configurator",
                   "{t} Readiness Assessment", "Case Study: {t}", "{t} Explained",
                   "{t} at a Glance"),
        "comments": (
            ("Reliable partner, excellent service.", "Your team really understands our processes.",
             "Very happy with products and support.", "Fast delivery and competent advice."),
            ("Good products, but delivery times vary.", "Solid overall; pricing could be clearer.",
             "Fine, though onboarding took a while.", "OK; reporting features could be better."),
            ("Support takes far too long to respond.", "Prices went up without notice.",
             "Integration with our ERP is still painful.", "We are evaluating other suppliers."),
        ),
    },
    "zh": {
        "industries": ("制造业", "医疗健康", "金融服务", "零售", "信息技术", "物流运输", "能源",
                       "公共事业"),
        "regions": _ZH_REGIONS,
        "legal": {"中国": ("有限公司", "股份有限公司", "集团有限公司")},
        "brands": tuple(a + b for a in "恒华新瑞达泰远通盛鑫宏力" for b in "科创金天海联德安博信佳嘉"),
        "industry_words": (
            ("精密制造", "机械", "零部件", "装备"),
            ("医疗科技", "医疗器械", "健康", "生物"),
            ("金融", "资本", "保险", "融资租赁"),
            ("商贸", "零售", "百货", "消费品"),
            ("信息技术", "软件", "数字科技", "智能"),
            ("物流", "供应链", "运输", "仓储"),
            ("能源", "电力", "新能源", "燃气"),
            ("公用事业", "水务", "交通", "城建"),
        ),
        "first_names": ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳",
                        "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英", "华",
                        "建华", "建国", "晓东", "海燕", "志强", "文博", "思远", "欣怡", "子涵",
                        "宇航", "佳怡", "浩然", "梓萱", "俊杰", "雨桐", "国栋", "晨曦"),
        "last_names": ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
                       "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
                       "唐", "许", "韩", "冯", "邓", "曹"),
        "name_sep": "",
        "product_lines": ("自动化系统", "传感与控制", "备品备件", "软件订阅", "现场服务"),
        "topics": ("预测性维护", "能效提升", "供应链可视化", "工业网络安全", "自动化投资回报",
                   "可持续发展报告", "远程监控", "质量控制"),
        "titles": ("白皮书：{t}", "{t}实践指南", "{t}实战笔记", "网络研讨会：{t}", "{t}投资回报计算器",
                   "{t}配置器", "{t}成熟度评估", "客户案例：{t}", "视频：{t}详解", "一图读懂{t}"),
        "comments": (
            ("合作可靠，服务非常好。", "团队很了解我们的业务流程。", "对产品和支持都很满意。",
             "交付及时，建议专业。"),
            ("产品不错，但交期不稳定。", "总体还行，价格可以更透明。", "还可以，上线周期有点长。",
             "一般，报表功能有待加强。"),
            ("售后响应太慢。", "涨价没有提前通知。", "和我们的ERP集成仍然很麻烦。",
             "我们正在评估其他供应商。"),
        ),
    },
}


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class _World:
    """Resolved settings and calendar of one world."""

    accounts: int
    seed: int
    locale: str
    fmt: str
    start: dt.date
    end: dt.date
    ipa: float
    s0: int
    T: int
    month_rel: np.ndarray
    shows: np.ndarray
    fx: _Effects

    @property
    def months(self) -> int:
        return len(self.month_rel) - 1

    @property
    def scale(self) -> float:
        return self.accounts / REFERENCE_ACCOUNTS

    def settings(self) -> dict:
        return {"accounts": self.accounts, "seed": self.seed, "locale": self.locale,
                "fmt": self.fmt, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "interactions_per_account": self.ipa}


def _parse_date(value, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParamError(f"sample world: {name}={value!r} is not a date; use YYYY-MM-DD") from None


def _normalise_settings(accounts, seed, locale, fmt, start, end, ipa) -> dict:
    try:
        accounts = int(accounts)
        seed = int(seed)
    except (TypeError, ValueError):
        raise ParamError("sample world: accounts and seed must be whole numbers, "
                         f"got accounts={accounts!r}, seed={seed!r}") from None
    if accounts < 1:
        raise ParamError(f"sample world: accounts must be at least 1, got {accounts}")
    if seed < 0:
        raise ParamError(f"sample world: seed must be zero or positive, got {seed}")
    if locale not in LOCALES:
        raise ParamError(f"sample world: locale {locale!r} is not supported; use one of "
                         f"{', '.join(LOCALES)}")
    if fmt not in FORMATS:
        raise ParamError(f"sample world: format {fmt!r} is not supported; use one of "
                         f"{', '.join(FORMATS)}")
    start_d, end_d = _parse_date(start, "start"), _parse_date(end, "end")
    if (end_d - start_d).days < MIN_WINDOW_DAYS:
        raise ParamError(f"sample world: start {start_d} to end {end_d} is shorter than "
                         f"{MIN_WINDOW_DAYS} days; lifecycle stages need two full years")
    try:
        ipa = DEFAULT_INTERACTIONS_PER_ACCOUNT if ipa is None else float(ipa)
    except (TypeError, ValueError):
        ipa = float("nan")
    if not ipa >= 0:
        raise ParamError(f"sample world: interactions_per_account must be >= 0, got {ipa}")
    return {"accounts": accounts, "seed": seed, "locale": locale, "fmt": fmt,
            "start": start_d.isoformat(), "end": end_d.isoformat(),
            "interactions_per_account": ipa}


def _make_world(s: dict, fx: _Effects) -> _World:
    start, end = dt.date.fromisoformat(s["start"]), dt.date.fromisoformat(s["end"])
    s0 = (start - _EPOCH).days
    T = (end - start).days
    months = []
    y, m = start.year, start.month
    while True:
        first = dt.date(y, m, 1)
        months.append((first - start).days)
        if first > end:
            break
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    shows = []
    for year in range(start.year, end.year + 1):
        for month, day in _TRADE_SHOW_DAYS:
            rel = (dt.date(year, month, day) - start).days
            if 0 <= rel <= T - 3:
                shows.append(rel)
    return _World(s["accounts"], s["seed"], s["locale"], s["fmt"], start, end,
                  s["interactions_per_account"], s0, T, np.array(months, dtype=np.int64),
                  np.array(sorted(shows), dtype=np.int64), fx)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _pick(rng: np.random.Generator, cum: np.ndarray, n: int | None = None) -> np.ndarray:
    """Categorical draws; ``cum`` is one cumulative row or one row per draw."""
    if cum.ndim == 1:
        return np.searchsorted(cum, rng.random(n), side="right").clip(0, len(cum) - 1)
    u = rng.random(cum.shape[0])
    return (u[:, None] >= cum).sum(axis=1).clip(0, cum.shape[1] - 1)


def _cum(p: np.ndarray) -> np.ndarray:
    c = np.cumsum(p / p.sum(axis=-1, keepdims=True), axis=-1)
    c[..., -1] = 1.0
    return c


def _month_of(w: _World, day: np.ndarray) -> np.ndarray:
    return np.searchsorted(w.month_rel, day, side="right") - 1


# ----------------------------------------------------------------------------- accounts


def _cities(locale: str):
    """Flat city table: city, region index, country, weight."""
    regions = LOCALE_DATA[locale]["regions"]
    rows = []
    for r, (_, weight, countries) in enumerate(regions):
        cities = [(country, city, 2.0 if k == 0 else 1.0)
                  for country, names in countries for k, city in enumerate(names)]
        total = sum(c[2] for c in cities)
        rows += [(city, r, country, weight * cw / total) for country, city, cw in cities]
    return rows


def _owner_names(locale: str, per_region: int) -> list[str]:
    data = LOCALE_DATA[locale]
    firsts, lasts, sep = data["first_names"], data["last_names"], data["name_sep"]
    n_regions = len(data["regions"])
    combos = len(firsts) * len(lasts)
    perm = np.random.default_rng(7).permutation(combos)
    names = []
    for q in range(n_regions * per_region):
        pair = int(perm[q % combos])
        first, last = firsts[pair % len(firsts)], lasts[pair // len(firsts)]
        name = f"{first} {last}" if sep else f"{last}{first}"
        names.append(name if q < combos else f"{name} {q // combos + 1}")
    return names


def _owners_per_region(w: _World) -> int:
    return max(2, math.ceil(w.accounts / (70 * len(LOCALE_DATA[w.locale]["regions"]))))


def _account_block(w: _World, b: int) -> dict[str, np.ndarray]:
    """Latent and observed attributes of the accounts of block ``b``."""
    rng = _rng(w.seed, 1, b)
    n = min(BLOCK, w.accounts - b * BLOCK)
    T = w.T
    ind = _pick(rng, _cum(INDUSTRY_P), n)
    fx = w.fx
    emp = np.exp(rng.normal(math.log(150) + fx.industry_size_shift[ind], 1.7))
    emp = np.clip(np.rint(emp), 2, 400_000).astype(np.int64)
    band = np.searchsorted(np.array(SIZE_THRESHOLDS), emp, side="right")
    icp_ind = np.isin(ind, [INDUSTRY_CODES.index(i) for i in ICP_INDUSTRIES])
    icp = icp_ind & np.isin(band, [SIZE_BANDS.index(s) for s in ICP_SIZE_BANDS])
    revenue = emp * fx.revenue_per_employee[ind] * np.exp(rng.normal(0, 0.35, n))
    revenue = np.round(revenue, -3)

    cities = _cities(w.locale)
    city = _pick(rng, _cum(np.array([c[3] for c in cities])), n)
    region = np.array([c[1] for c in cities])[city]
    per_region = _owners_per_region(w)
    owner = region * per_region + rng.integers(0, per_region, n)

    stage_cum = np.where(icp[:, None], _cum(fx.stage_p["icp"]), _cum(fx.stage_p["non_icp"]))
    stage = _pick(rng, stage_cum)
    cluster = _pick(rng, _cum(fx.cluster_p)[stage])
    risk = rng.beta(fx.churn_risk_beta[stage, 0], fx.churn_risk_beta[stage, 1])

    lam = fx.orders_per_month[cluster] / 30.44 * np.exp(rng.normal(0, 0.35, n))
    lam = np.maximum(lam, 1 / 150)
    amount_scale = (ORDER_BASE_AMOUNT * np.where(icp, fx.icp_amount_multiplier, 1.0)
                    * (emp / 150) ** fx.size_amount_exponent * fx.order_size_factor[cluster]
                    * np.exp(rng.normal(0, 0.9, n)))

    # Order windows by construction of the true stage (days relative to start).
    pre = rng.random(n) < PRE_EXISTING_SHARE
    u1, u2, u3 = rng.random(n), rng.random(n), rng.random(n)
    f = np.where(pre, 0, np.floor(u1 * (T - 730 + 1))).astype(np.int64)
    gap = 1 / lam
    c_max = np.maximum(T - np.maximum(CHURN_MIN_DAYS, CHURN_RHYTHM_MULTIPLE * gap), 60).astype(
        np.int64)
    f_churn = np.where(pre, 0, np.floor(u1 * np.maximum(c_max - 90, 1))).astype(np.int64)
    f = np.where(stage == CHURNED, np.minimum(f_churn, c_max - 60), f)
    f = np.where(stage == NEW, T - NEW_WINDOW_DAYS + np.floor(u1 * (NEW_WINDOW_DAYS - 13)), f)
    f = f.astype(np.int64)
    churn_day = (f + 60 + np.floor(u2 * (c_max - f - 60 + 1))).astype(np.int64)
    a_day = np.where(stage == PROSPECT, -1, f)
    b_day = np.where(stage == CHURNED, churn_day, np.where(stage == PROSPECT, -1, T))
    g = np.zeros(n)
    g[stage == GROWTH] = math.log(fx.growth_ratio) / 365
    g[stage == DECLINING] = math.log(fx.declining_ratio) / 365
    force_first = np.where((stage != PROSPECT) & ((f > 0) | (stage == NEW)), f, -1)
    force_last = np.full(n, -1, dtype=np.int64)
    force_last[stage == CHURNED] = churn_day[stage == CHURNED]
    dec = stage == DECLINING
    force_last[dec] = (T - 150 + np.floor(u3 * 141)).astype(np.int64)[dec]

    created = np.where(
        stage == PROSPECT, -700 + np.floor(u3 * (T - 30 + 700)),
        np.where((f == 0) & pre, -rng.integers(30, 3000, n), f - rng.integers(7, 200, n)))
    created = created.astype(np.int64)
    if fx.stationary:
        stage, a_day, b_day, force_first, force_last, created, ihi_null = _stationary_lives(
            w, _rng(w.seed, 1, b, 1), stage)

    acq = _pick(rng, _cum(fx.acq_p)[cluster])
    comp = rng.random(n) < 0.25
    acq_cost = (fx.acq_cost[acq] * (1 + fx.acq_band_factor * band) * np.exp(rng.normal(0, 0.5, n)))
    acq_cost = np.where((stage == PROSPECT) | (rng.random(n) < 0.08), np.nan,
                        np.round(acq_cost, 2))
    ncont = 1 + rng.poisson(fx.contacts_extra[band])
    ncont = np.minimum(ncont, 40)

    ilo = np.maximum(created, 0)
    ihi = np.where(stage == CHURNED, np.minimum(T, churn_day + 120), T)
    if fx.stationary:
        ihi = ihi_null
    act = (fx.activity_factor[cluster] * fx.stage_activity[stage]
           * (emp / 150) ** fx.size_activity_exponent)
    act_span = act * (ihi - ilo + 1) / (T + 1)

    words = LOCALE_DATA[w.locale]["industry_words"]
    return {
        "ind": ind, "emp": emp, "band": band, "icp": icp, "revenue": revenue, "city": city,
        "region": region, "owner": owner, "stage": stage, "cluster": cluster, "risk": risk,
        "lam": lam, "amount_scale": amount_scale, "a": a_day, "b": b_day, "g": g,
        "force_first": force_first, "force_last": force_last, "created": created,
        "acq": acq, "comp": comp, "acq_cost": acq_cost, "ncont": ncont, "ilo": ilo,
        "ihi": ihi, "act_span": act_span,
        "brand": rng.integers(0, len(LOCALE_DATA[w.locale]["brands"]), n),
        "word": rng.integers(0, len(words[0]), n),
        "legal": rng.integers(0, 6, n),
        "prefix": rng.integers(0, 2, n),
        "crm_stage": np.where(rng.random(n) < CRM_STAGE_STALE, CRM_STALE_STAGE[stage], stage),
        "crm_missing": rng.random(n) < CRM_STAGE_MISSING,
    }


def _stationary_lives(w: _World, rng, stage: np.ndarray):
    """Active spans of a population with constant arrival and departure rates (null world).

    Each account lives ``L`` days (exponential, mean :data:`NULL_MEAN_LIFETIME_DAYS`) and
    arrives uniformly in ``[-L, T]``, so on every day the same share of accounts is active
    in expectation: new customers and churn exist, but no trend does. Customers order over
    their span; prospects are active over theirs. The true stage follows from the span:
    churned if it ends before the end, new if it starts in the last
    :data:`NEW_WINDOW_DAYS` days, mature otherwise.
    """
    n = len(stage)
    T = w.T
    life = np.maximum(rng.exponential(NULL_MEAN_LIFETIME_DAYS, n), NULL_MIN_LIFETIME_DAYS)
    a0 = np.floor(-life + rng.random(n) * (T + life)).astype(np.int64)
    lo = np.clip(a0, 0, T)
    hi = np.clip(np.floor(a0 + life).astype(np.int64), lo, T)
    cust = stage != PROSPECT
    stage = np.where(~cust, PROSPECT, np.where(hi < T, CHURNED,
                                               np.where(lo > T - NEW_WINDOW_DAYS, NEW, MATURE)))
    a_day = np.where(cust, lo, -1)
    b_day = np.where(cust, hi, -1)
    force_first = np.where(cust & (a0 > 0), lo, -1)
    force_last = np.where(cust & (hi < T), hi, -1)
    before = -rng.integers(30, 3000, n)
    created = np.where(a0 > 0, a0 - np.where(cust, rng.integers(7, 200, n), 0), before)
    ihi = np.where(hi < T, np.minimum(T, hi + np.where(cust, 120, 0)), T)
    return (stage, a_day, b_day, force_first.astype(np.int64), force_last.astype(np.int64),
            created.astype(np.int64), ihi.astype(np.int64))


def _all_accounts(w: _World) -> dict[str, np.ndarray]:
    blocks = [_account_block(w, b) for b in range(math.ceil(w.accounts / BLOCK))]
    A = {k: np.concatenate([blk[k] for blk in blocks]) for k in blocks[0]}
    A["contact_start"] = np.concatenate([[0], np.cumsum(A["ncont"])[:-1]]).astype(np.int64)
    mean = A["act_span"].mean()
    A["n_expected"] = A["act_span"] * (w.ipa / mean if mean > 0 else 0.0)
    A["pwin"] = np.where(A["icp"], w.fx.win_rate["icp"], w.fx.win_rate["non_icp"])
    return A


# ----------------------------------------------------------------------------- arrow helpers

_ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "float": pa.float64(),
                "date": pa.date32(), "timestamp": pa.timestamp("us"), "boolean": pa.bool_()}


def table_schema(name: str) -> pa.Schema:
    """Arrow schema of contract table ``name`` as the sample world writes it."""
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.dtype]) for c in contract.table(name).columns])


def _ids(prefix: str, numbers: np.ndarray, width: int, mask: np.ndarray | None = None) -> pa.Array:
    arr = pa.array(np.asarray(numbers, dtype=np.int64), type=pa.int64(), mask=mask)
    digits = pc.utf8_lpad(pc.cast(arr, pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _labels(vocab, idx: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pc.take(pa.array(list(vocab), pa.string()),
                   pa.array(np.asarray(idx, dtype=np.int64), pa.int64(), mask=mask))


def _dates(w: _World, rel: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    return pa.array((np.asarray(rel, dtype=np.int64) + w.s0).astype(np.int32), pa.date32(),
                    mask=mask)


def _floats(x: np.ndarray) -> pa.Array:
    x = np.asarray(x, dtype=np.float64)
    return pa.array(x, pa.float64(), mask=np.isnan(x))


def _table(name: str, cols: dict) -> pa.Table:
    schema = table_schema(name)
    return pa.Table.from_arrays([cols[f.name] for f in schema], schema=schema)


# ----------------------------------------------------------------------------- channel timing


def _timing_tables():
    """Weekday cumulative probabilities and hour parameters per channel."""
    wd = np.zeros((len(CHANNELS), 7))
    peak_hour = np.full(len(CHANNELS), 11)
    bg = np.tile([8, 18], (len(CHANNELS), 1))
    for ch, name in enumerate(CHANNELS):
        if name == "social":
            row = np.full(7, 0.12)
            row[5:] = 0.11
            row[PEAKS[name][0]] = 0.30
            bg[ch] = (6, 23)
        elif name in PEAKS:
            row = np.full(7, 0.15)
            row[5:] = 0.03
            row[PEAKS[name][0]] = 0.34
            if name in ("meeting", "visit"):
                bg[ch] = (8, 17)
        else:
            row = np.full(7, 1 / 7)
        wd[ch] = row
        if name in PEAKS:
            peak_hour[ch] = PEAKS[name][1]
    return _cum(wd), peak_hour, bg


_WD_CUM, _PEAK_HOUR, _BG_HOURS = _timing_tables()
_HOUR_OFFSETS = np.array([-1, 0, 0, 0, 1])


# ----------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class _Effects:
    """Every parameter through which an attribute, segment or channel changes an outcome.

    :data:`PLANTED` holds the module constants (the sample world); :data:`NEUTRAL` sets each
    of them to "no effect", which is the ``null`` world: the same kinds of rows and the same
    marginal volumes, but no association for an analysis to find.
    """

    name: str
    industry_size_shift: np.ndarray
    revenue_per_employee: np.ndarray
    stage_p: dict
    cluster_p: np.ndarray
    orders_per_month: np.ndarray
    order_size_factor: np.ndarray
    activity_factor: np.ndarray
    stage_activity: np.ndarray
    churn_risk_beta: np.ndarray
    growth_ratio: float
    declining_ratio: float
    acq_p: np.ndarray
    acq_cost: np.ndarray
    acq_band_factor: float
    contacts_extra: np.ndarray
    channel_p: np.ndarray
    wd_cum: np.ndarray
    peak_hour: np.ndarray
    bg_hours: np.ndarray
    p_peak_hour: float
    show_days: bool
    show_order_share: float
    content_rates: np.ndarray
    hill: bool
    null_opportunities_per_month: float
    hill_affinity: np.ndarray
    icp_hill_weight: float
    icp_amount_multiplier: float
    win_rate: dict
    size_amount_exponent: float
    size_activity_exponent: float
    sales_opps_per_year: np.ndarray
    cycle_band_factor: np.ndarray
    product_p: np.ndarray
    product_margin: np.ndarray
    experiment_rates: tuple
    nps_intercept: float
    nps_slope: float
    csat_intercept: float
    csat_slope: float
    pain_digital: float
    pain_risk: float
    pain_new: float
    pain_sensitive: float
    cost_size_exponent: float
    mgmt_factor: np.ndarray
    support_risk: float
    stationary: bool


def _flat_rows(table: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Every row replaced by the (weighted) mean row: the category no longer matters."""
    mean = np.average(table, axis=0, weights=weights)
    return np.tile(mean, (table.shape[0], 1))


def _flat(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    return np.full(len(values), float(np.average(values, weights=weights)))


#: Cluster mix of the sample world, used to average cluster behaviour for the null world.
_CLUSTER_MIX = np.array([0.29, 0.27, 0.22, 0.22])

PLANTED = _Effects(
    name="planted", industry_size_shift=INDUSTRY_SIZE_SHIFT,
    revenue_per_employee=REVENUE_PER_EMPLOYEE, stage_p=STAGE_P, cluster_p=CLUSTER_P,
    orders_per_month=ORDERS_PER_MONTH, order_size_factor=ORDER_SIZE_FACTOR,
    activity_factor=ACTIVITY_FACTOR, stage_activity=STAGE_ACTIVITY,
    churn_risk_beta=CHURN_RISK_BETA, growth_ratio=GROWTH_RATIO,
    declining_ratio=DECLINING_RATIO, acq_p=ACQ_P, acq_cost=ACQ_COST, acq_band_factor=0.4,
    contacts_extra=CONTACTS_EXTRA, channel_p=CHANNEL_P, wd_cum=_WD_CUM,
    peak_hour=_PEAK_HOUR, bg_hours=_BG_HOURS, p_peak_hour=_P_PEAK_HOUR, show_days=True,
    show_order_share=0.7, content_rates=CONTENT_RATES, hill=True,
    null_opportunities_per_month=0.0, hill_affinity=HILL_AFFINITY,
    icp_hill_weight=ICP_HILL_WEIGHT, icp_amount_multiplier=ICP_AMOUNT_MULTIPLIER,
    win_rate=WIN_RATE, size_amount_exponent=0.3, size_activity_exponent=0.15,
    sales_opps_per_year=SALES_OPPS_PER_YEAR, cycle_band_factor=CYCLE_BAND_FACTOR,
    product_p=PRODUCT_P, product_margin=PRODUCT_MARGIN,
    experiment_rates=tuple(x["rates"] for x in EXPERIMENTS), nps_intercept=NPS_INTERCEPT,
    nps_slope=NPS_SLOPE, csat_intercept=CSAT_INTERCEPT, csat_slope=CSAT_SLOPE, pain_digital=0.18, pain_risk=0.35, pain_new=0.35,
    pain_sensitive=0.30, cost_size_exponent=0.3, mgmt_factor=np.array([0.5, 2.2, 1.0, 0.6]),
    support_risk=2.0, stationary=False,
)

#: Share of accounts that never order in the null world.
NULL_PROSPECT_SHARE = 0.3
#: Mean customer lifetime (days) of the null world's stationary arrivals and departures:
#: about 6 % of active customers churn a year, so churn and retention sit clear of the KPI
#: alert thresholds (churn 15 %, net revenue retention 90 %): an alert on them is false.
NULL_MEAN_LIFETIME_DAYS = 15000
NULL_MIN_LIFETIME_DAYS = 90
#: Mean survey score of the null world (an NPS near 45).
NULL_NPS_MEAN = 8.6
#: Conversion rate of both variants of every experiment in the null world.
NULL_EXPERIMENT_RATE = 0.05
#: Opportunities per month and paid channel at REFERENCE_ACCOUNTS, whatever the spend.
NULL_OPPORTUNITIES_PER_MONTH = 25.0

NEUTRAL = _Effects(
    name="none", industry_size_shift=np.zeros(len(INDUSTRY_CODES)),
    revenue_per_employee=_flat(REVENUE_PER_EMPLOYEE, INDUSTRY_P),
    stage_p={k: np.array([NULL_PROSPECT_SHARE, 0, 0, 1 - NULL_PROSPECT_SHARE, 0, 0])
             for k in STAGE_P},
    cluster_p=_flat_rows(CLUSTER_P), orders_per_month=_flat(ORDERS_PER_MONTH, _CLUSTER_MIX),
    order_size_factor=np.ones(len(CLUSTERS)), activity_factor=np.ones(len(CLUSTERS)),
    stage_activity=np.ones(len(STAGES)), churn_risk_beta=np.tile([2.0, 4.0], (len(STAGES), 1)),
    growth_ratio=1.0, declining_ratio=1.0, acq_p=_flat_rows(ACQ_P, _CLUSTER_MIX),
    acq_cost=_flat(ACQ_COST), acq_band_factor=0.0,
    contacts_extra=np.full(len(SIZE_BANDS), 3.5),
    channel_p=_flat_rows(CHANNEL_P, _CLUSTER_MIX),
    wd_cum=_cum(np.full((len(CHANNELS), 7), 1 / 7)), peak_hour=np.full(len(CHANNELS), 12),
    bg_hours=np.tile([0, 23], (len(CHANNELS), 1)), p_peak_hour=0.0, show_days=False,
    show_order_share=0.0, content_rates=np.full_like(CONTENT_RATES, CONTENT_RATES.mean()),
    hill=False, null_opportunities_per_month=NULL_OPPORTUNITIES_PER_MONTH,
    hill_affinity=np.ones_like(HILL_AFFINITY), icp_hill_weight=1.0,
    icp_amount_multiplier=1.0, win_rate={"icp": 0.35, "non_icp": 0.35},
    size_amount_exponent=0.0, size_activity_exponent=0.0,
    sales_opps_per_year=_flat(SALES_OPPS_PER_YEAR, _CLUSTER_MIX),
    cycle_band_factor=np.full(len(SIZE_BANDS), 1.4),
    product_p=_flat_rows(PRODUCT_P, _CLUSTER_MIX),
    product_margin=_flat(PRODUCT_MARGIN),
    experiment_rates=tuple((NULL_EXPERIMENT_RATE, NULL_EXPERIMENT_RATE) for _ in EXPERIMENTS),
    # unrelated to the risk; a mean of 8.6 gives an NPS near 45, clear of the alert floor
    nps_intercept=NULL_NPS_MEAN, nps_slope=0.0,
    csat_intercept=CSAT_INTERCEPT + CSAT_SLOPE / 3, csat_slope=0.0, pain_digital=0.0, pain_risk=0.0, pain_new=0.0,
    pain_sensitive=0.0, cost_size_exponent=0.0, mgmt_factor=np.ones(len(CLUSTERS)),
    support_risk=0.0, stationary=True,
)
#: The effect settings by name, as ``generate_world(effects=...)`` takes them.
EFFECTS = {"planted": PLANTED, "none": NEUTRAL}


def _sample_days(w: _World, rng, ch: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform days in [lo, hi], moved within their week to the channel's weekday mix."""
    n = len(ch)
    d0 = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    target = _pick(rng, w.fx.wd_cum[ch])
    d = d0 - (d0 + w.s0 + 3) % 7 + target  # epoch day 0 was a Thursday
    d = np.where(d > hi, d - 7, d)
    d = np.where(d < lo, d + 7, d)
    return np.clip(d, lo, hi)


def _sample_seconds(w: _World, rng, ch: np.ndarray) -> np.ndarray:
    """Seconds after midnight with each channel's hour peak."""
    n = len(ch)
    peak = w.fx.peak_hour[ch] + _HOUR_OFFSETS[rng.integers(0, 5, n)]
    lo, hi = w.fx.bg_hours[ch, 0], w.fx.bg_hours[ch, 1]
    background = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    hour = np.clip(np.where(rng.random(n) < w.fx.p_peak_hour, peak, background), 0, 23)
    return hour * 3600 + rng.integers(0, 3600, n)


def _event_tables():
    ev = np.zeros((len(CHANNELS), len(EVENT_TYPES)))
    content_p = np.zeros_like(ev)
    anon_p = np.zeros_like(ev)
    for ch, probs in _EVENTS_BY_CHANNEL.items():
        for name, p in probs.items():
            ev[ch, _EV[name]] = p
    for (ch, name), p in _CONTENT_TOUCH.items():
        content_p[ch, _EV[name]] = p
    for (ch, name), p in _ANONYMOUS.items():
        anon_p[ch, _EV[name]] = p
    return _cum(ev), content_p, anon_p


_EV_CUM, _CONTENT_P, _ANON_P = _event_tables()


# ----------------------------------------------------------------------------- global tables


def _content_catalogue(w: _World) -> dict[str, np.ndarray]:
    rng = _rng(w.seed, 0, 1)
    n = N_CONTENT
    ctype = _pick(rng, _cum(CONTENT_TYPE_P), n)
    topic = rng.integers(0, len(LOCALE_DATA[w.locale]["topics"]), n)
    publish = rng.integers(-365, w.T - 7 + 1, n)
    cost = np.round(CONTENT_COST[ctype] * np.exp(rng.normal(0, 0.4, n)), 2)
    order = np.lexsort((topic, ctype, publish))
    out = {"type": ctype[order], "topic": topic[order], "publish": publish[order],
           "cost": cost[order]}
    out["category"] = CONTENT_TYPE_CATEGORY[out["type"]]
    is_web = out["type"] == CONTENT_TYPES.index("webinar")
    out["web_idx"] = np.flatnonzero(is_web)
    out["gen_idx"] = np.flatnonzero(~is_web)
    return out


def _content_table(w: _World, C: dict) -> pa.Table:
    data = LOCALE_DATA[w.locale]
    topics, templates = data["topics"], data["titles"]
    years = [(w.start + dt.timedelta(days=int(d))).year for d in C["publish"]]
    titles = [f"{templates[t].format(t=topics[k])} ({y})"
              for t, k, y in zip(C["type"], C["topic"], years, strict=True)]
    n = len(C["type"])
    return _table("content", {
        "content_id": _ids("CT", np.arange(1, n + 1), 4),
        "title": pa.array(titles, pa.string()),
        "content_type": _labels(CONTENT_TYPES, C["type"]),
        "content_category": _labels(CONTENT_CATEGORIES, C["category"]),
        "topic": _labels(topics, C["topic"]),
        "publish_date": _dates(w, C["publish"]),
        "production_cost": _floats(C["cost"]),
    })


def _month_labels(w: _World) -> list[str]:
    return [(w.start + dt.timedelta(days=int(d))).strftime("%Y-%m") for d in w.month_rel[:-1]]


def _marketing_spend(w: _World):
    """Monthly spend per paid channel (plus ABM tiers) and the planted Hill response."""
    rng = _rng(w.seed, 0, 2)
    M = w.months
    labels = _month_labels(w)
    month_of_year = np.array([int(lab[5:]) for lab in labels])
    show_months = {m for m, _ in _TRADE_SHOW_DAYS}
    curves = {}
    for name, h in HILL.items():
        spend = h["level"] * w.scale * np.exp(rng.normal(0, _SPEND_SIGMA, M))
        if name == "trade_show":
            spend *= np.where(np.isin(month_of_year, list(show_months)), 2.2, 0.5)
        spend = np.round(spend, 0)
        decay = h["adstock_decay"]
        x = np.empty(M)
        prev = h["level"] * w.scale
        for m in range(M):  # 36 steps: a recursion, not a per-row loop
            prev = (1 - decay) * spend[m] + decay * prev
            x[m] = prev
        k, s, beta = h["k"] * w.scale, h["s"], h["beta"] * w.scale
        expected = beta * x**s / (k**s + x**s)
        if not w.fx.hill:  # the null world: opportunities do not follow spend
            expected = np.full(M, w.fx.null_opportunities_per_month * w.scale)
        curves[name] = {"spend": spend, "x": x, "expected": expected, "k": k, "beta": beta}
    abm = ABM_SPEND[None, :] * w.scale * np.exp(rng.normal(0, 0.2, (M, len(ABM_TIERS))))

    period = w.month_rel[:-1]
    rows_period, rows_channel, rows_spend, rows_campaign, rows_tier = [], [], [], [], []
    for m in range(M):
        for name in PAID_CHANNELS:
            tag = name.upper().replace("_", "-")
            rows_period.append(period[m])
            rows_channel.append(name)
            rows_spend.append(curves[name]["spend"][m])
            rows_campaign.append(f"CMP-{tag}-{labels[m]}")
            rows_tier.append(None)
        for t, tier in enumerate(ABM_TIERS):
            rows_period.append(period[m])
            rows_channel.append("abm")
            rows_spend.append(round(float(abm[m, t]), 0))
            rows_campaign.append(f"ABM-{tier.upper()}-{labels[m]}")
            rows_tier.append(tier)
    table = _table("marketing_spend", {
        "period_start": _dates(w, np.array(rows_period)),
        "channel": pa.array(rows_channel, pa.string()),
        "spend": pa.array(rows_spend, pa.float64()),
        "campaign_id": pa.array(rows_campaign, pa.string()),
        "target_tier": pa.array(rows_tier, pa.string()),
    })
    return table, curves


def _hill_opportunities(w: _World, A: dict, curves: dict) -> dict[str, np.ndarray]:
    """Opportunities drawn from the planted response curves, assigned to eligible accounts."""
    rng = _rng(w.seed, 0, 3)
    order = np.argsort(A["created"], kind="stable")
    created_sorted = A["created"][order]
    acc_parts, day_parts, src_parts, realised = [], [], [], {}
    for c, name in enumerate(PAID_CHANNELS):
        counts = rng.poisson(curves[name]["expected"])
        month = np.repeat(np.arange(w.months), counts)
        lo = np.maximum(w.month_rel[month], 0)
        hi = np.minimum(w.month_rel[month + 1] - 1, w.T)
        day = lo + np.floor(rng.random(len(month)) * (hi - lo + 1)).astype(np.int64)
        weight = (w.fx.hill_affinity[A["cluster"], c]
                  * np.where(A["icp"], w.fx.icp_hill_weight, 1.0))
        cumw = np.cumsum(weight[order])
        n_elig = np.searchsorted(created_sorted, day, side="right")
        ok = n_elig > 0
        day, month, n_elig = day[ok], month[ok], n_elig[ok]
        target = rng.random(len(day)) * cumw[n_elig - 1]
        pos = np.minimum(np.searchsorted(cumw, target, side="right"), n_elig - 1)
        acc_parts.append(order[pos])
        day_parts.append(day)
        src_parts.append(np.full(len(day), c))
        realised[name] = np.bincount(month, minlength=w.months)
    acc = np.concatenate(acc_parts)
    day = np.concatenate(day_parts)
    src = np.concatenate(src_parts)
    sort = np.lexsort((src, day, acc))
    return {"acc": acc[sort], "day": day[sort], "src": src[sort], "realised": realised}


def _accounts_table(w: _World, A: dict) -> pa.Table:
    data = LOCALE_DATA[w.locale]
    n = w.accounts
    cities = _cities(w.locale)
    regions = data["regions"]
    countries = sorted({c[2] for c in cities})
    country_idx = np.array([countries.index(c[2]) for c in cities])[A["city"]]
    city_names = [c[0] for c in cities]
    legal_tab = [data["legal"][c] for c in countries]
    legal = np.array([[opts[j % len(opts)] for j in range(6)] for opts in legal_tab])
    words = np.array(data["industry_words"])
    name_parts = [
        _labels(data["brands"], A["brand"]),
        pa.array(words[A["ind"], A["word"]], pa.string()),
        pa.array(legal[country_idx, A["legal"]], pa.string()),
    ]
    if w.locale == "zh":
        region_names = np.array([r[0] for r in regions])[A["region"]]
        prefix = np.where(A["prefix"] == 0, np.array(city_names)[A["city"]], region_names)
        name_parts.insert(0, pa.array(prefix, pa.string()))
    name = pc.binary_join_element_wise(*name_parts, data["name_sep"])
    owners = _owner_names(w.locale, _owners_per_region(w))
    digits = max(6, len(str(n)))
    return _table("accounts", {
        "account_id": _ids("A", np.arange(1, n + 1), digits),
        "account_name": name,
        "industry": _labels(data["industries"], A["ind"]),
        "employees": pa.array(A["emp"], pa.int64()),
        "annual_revenue": _floats(A["revenue"]),
        "region": _labels([r[0] for r in regions], A["region"]),
        "country": _labels(countries, country_idx),
        "city": _labels(city_names, A["city"]),
        "created_date": _dates(w, A["created"]),
        "owner": _labels(owners, A["owner"]),
        "acquisition_channel": _labels(ACQ_CHANNELS, A["acq"]),
        "is_competitor_customer": pa.array(A["comp"], pa.bool_()),
        "acquisition_cost": _floats(A["acq_cost"]),
        "lifecycle_stage": _labels(STAGES, A["crm_stage"], mask=A["crm_missing"]),
    })


# ----------------------------------------------------------------------------- per block


@dataclass
class _Counters:
    orders: int = 0
    interactions: int = 0
    responses: int = 0


def _account_ids(w: _World, idx: np.ndarray) -> pa.Array:
    return _ids("A", idx + 1, max(6, len(str(w.accounts))))


def _contacts(w: _World, rng, lo: int, a: dict):
    n_rows = int(a["ncont"].sum())
    acc = np.repeat(np.arange(len(a["ncont"])), a["ncont"])
    first = np.ones(n_rows, dtype=bool)
    first[1:] = acc[1:] != acc[:-1]
    role = np.where(first, 0, _pick(rng, _cum(ROLE_P), n_rows))
    seniority = _pick(rng, _cum(SENIORITY_P)[role])
    number = a["contact_start"][0] + np.arange(n_rows) + 1
    table = _table("contacts", {
        "contact_id": _ids("C", number, 7),
        "account_id": _account_ids(w, lo + acc),
        "role": _labels(ROLES, role),
        "seniority": _labels(SENIORITY, seniority),
    })
    return table


def _organic_interactions(w: _World, rng, a: dict, C: dict) -> dict[str, np.ndarray]:
    n_i = rng.poisson(a["n_expected"])
    acc = np.repeat(np.arange(len(n_i)), n_i)
    N = len(acc)
    cluster = a["cluster"][acc]
    ch = _pick(rng, _cum(w.fx.channel_p)[cluster])
    lo, hi = a["ilo"][acc], a["ihi"][acc]

    # Trade-show touches happen on show days; without a show in reach they become visits.
    ts_rows = np.flatnonzero((ch == TRADE_SHOW) & w.fx.show_days)
    shows = w.shows
    day = np.empty(N, dtype=np.int64)
    if len(ts_rows):
        k_lo = np.searchsorted(shows, lo[ts_rows], side="left")
        k_hi = np.searchsorted(shows, hi[ts_rows] - 2, side="right")
        avail = k_hi - k_lo
        has = avail > 0
        pick = k_lo + np.floor(rng.random(len(ts_rows)) * np.maximum(avail, 1)).astype(np.int64)
        show_day = shows[np.minimum(pick, max(len(shows) - 1, 0))] if len(shows) else pick
        day[ts_rows] = np.where(has, show_day + rng.integers(0, 3, len(ts_rows)), 0)
        ch[ts_rows[~has]] = VISIT
    other = (ch != TRADE_SHOW) | (not w.fx.show_days)
    day[other] = _sample_days(w, rng, ch[other], lo[other], hi[other])
    seconds = _sample_seconds(w, rng, ch)

    ev = _pick(rng, _EV_CUM[ch])
    is_web = ch == WEBINAR
    has_c = rng.random(N) < _CONTENT_P[ch, ev]
    web_days = C["publish"][C["web_idx"]]
    gen_days = C["publish"][C["gen_idx"]]
    npub = np.where(is_web, np.searchsorted(web_days, day, side="right"),
                    np.searchsorted(gen_days, day, side="right"))
    has_c &= npub > 0
    k = np.floor(rng.random(N) ** 0.8 * npub).astype(np.int64)
    has_c &= np.where(is_web, len(C["web_idx"]) > 0, True)
    web_pick = C["web_idx"][np.clip(k, 0, len(C["web_idx"]) - 1)] if len(C["web_idx"]) else k
    gen_pick = C["gen_idx"][np.clip(k, 0, len(C["gen_idx"]) - 1)]
    content = np.where(has_c, np.where(is_web, web_pick, gen_pick), -1)

    anonymous = rng.random(N) < _ANON_P[ch, ev]
    contact = a["contact_start"][acc] + np.floor(rng.random(N) * a["ncont"][acc]).astype(
        np.int64) + 1
    contact = np.where(anonymous, -1, contact)
    campaign = np.where(np.isin(ch, [CHANNELS.index(c) for c in HILL]),
                        ch * w.months + _month_of(w, day), -1)
    return {"acc": acc, "ts": (day + w.s0) * 86400 + seconds, "ch": ch, "ev": ev,
            "content": content, "contact": contact, "campaign": campaign,
            "exp": np.full(N, -1), "variant": np.full(N, -1), "day": day}


def _experiment_interactions(w: _World, rng, a: dict, stats: dict) -> dict[str, np.ndarray]:
    n_c = int(a["ncont"].sum())
    acc = np.repeat(np.arange(len(a["ncont"])), a["ncont"])
    contact = a["contact_start"][0] + np.arange(n_c) + 1
    parts = []
    end_second = (w.s0 + w.T + 1) * 86400 - 1
    for e, spec in enumerate(EXPERIMENTS):
        first = w.T - spec["offset"]
        last = first + spec["days"] - 1
        eligible = (a["created"][acc] <= first) & (a["ihi"][acc] >= last)
        part = eligible & (rng.random(n_c) < spec["participation"])
        variant = (rng.random(n_c) < 0.5).astype(np.int64)
        converts = rng.random(n_c) < np.array(w.fx.experiment_rates[e])[variant]
        idx = np.flatnonzero(part)
        ch = np.full(len(idx), spec["channel"])
        day = _sample_days(w, rng, ch, np.full(len(idx), first), np.full(len(idx), last))
        ts = (day + w.s0) * 86400 + _sample_seconds(w, rng, ch)
        lag = rng.integers(600, 5 * 86400, len(idx))
        conv = converts[idx] & (ts + lag <= end_second)
        cidx = idx[conv]
        for arm in (0, 1):
            stats["n"][e][arm] += int((variant[idx] == arm).sum())
            stats["conv"][e][arm] += int((variant[cidx] == arm).sum())
        campaign = (spec["channel"] * w.months + _month_of(w, day)
                    if CHANNELS[spec["channel"]] in HILL else np.full(len(idx), -1))
        for rows, times, event, camp in ((idx, ts, "exposure", campaign),
                                         (cidx, ts[conv] + lag[conv], "conversion",
                                          campaign[conv])):
            m = len(rows)
            parts.append({"acc": acc[rows], "ts": times, "ch": np.full(m, spec["channel"]),
                          "ev": np.full(m, _EV[event]), "content": np.full(m, -1),
                          "contact": contact[rows], "campaign": camp,
                          "exp": np.full(m, e), "variant": variant[rows]})
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _interactions_table(w: _World, lo: int, rows: dict, counters: _Counters,
                        campaigns: pa.Array) -> pa.Table:
    order = np.lexsort((rows["ev"], rows["ch"], rows["ts"], rows["acc"]))
    r = {k: v[order] for k, v in rows.items()}
    n = len(order)
    number = counters.interactions + np.arange(1, n + 1)
    counters.interactions += n
    camp = r["campaign"]
    return _table("interactions", {
        "interaction_id": _ids("I", number, 9),
        "account_id": _account_ids(w, lo + r["acc"]),
        "contact_id": _ids("C", np.maximum(r["contact"], 0), 7, mask=r["contact"] < 0),
        "timestamp": pa.array(r["ts"] * _US, pa.timestamp("us")),
        "channel": _labels(CHANNELS, r["ch"]),
        "event_type": _labels(EVENT_TYPES, r["ev"]),
        "content_id": _ids("CT", np.maximum(r["content"], 0) + 1, 4, mask=r["content"] < 0),
        "campaign_id": pc.take(campaigns, pa.array(np.maximum(camp, 0), pa.int64(),
                                                    mask=camp < 0)),
        "experiment_id": _labels([x["id"] for x in EXPERIMENTS], np.maximum(r["exp"], 0),
                                 mask=r["exp"] < 0),
        "variant": _labels(VARIANTS, np.maximum(r["variant"], 0), mask=r["variant"] < 0),
    })


def _content_opportunities(w: _World, rng, a: dict, C: dict, rows: dict, stats: dict):
    touched = np.flatnonzero(rows["content"] >= 0)
    acc = rows["acc"][touched]
    cat = C["category"][rows["content"][touched]]
    stage = a["stage"][acc]
    converts = rng.random(len(touched)) < w.fx.content_rates[stage, cat]
    np.add.at(stats["touches"], (stage, cat), 1)
    np.add.at(stats["conversions"], (stage[converts], cat[converts]), 1)
    day = rows["day"][touched] + rng.integers(2, 31, len(touched))
    keep = converts & (day <= w.T)
    return {"acc": acc[keep], "day": day[keep], "src": np.full(int(keep.sum()), _SRC["website"]),
            "content": rows["content"][touched][keep]}


def _sales_opportunities(w: _World, rng, a: dict):
    n = len(a["stage"])
    cust = a["stage"] != PROSPECT
    years = np.where(cust, (a["b"] - a["a"] + 1) / 365, 0)
    count = np.where(cust, rng.poisson(w.fx.sales_opps_per_year[a["cluster"]] * years),
                     rng.poisson(PROSPECT_SALES_OPPS, n))
    acc = np.repeat(np.arange(n), count)
    lo = np.where(cust[acc], a["a"][acc], np.maximum(a["created"][acc], 0))
    hi = np.where(cust[acc], a["b"][acc], w.T)
    day = lo + np.floor(rng.random(len(acc)) * (hi - lo + 1)).astype(np.int64)
    src_cum = np.where(cust[acc][:, None], _cum(SALES_SOURCE_P), _cum(PROSPECT_SOURCE_P))
    src = _SRC["account_management"] + _pick(rng, src_cum)
    return {"acc": acc, "day": day, "src": src, "content": np.full(len(acc), -1)}


def _resolve_opportunities(w: _World, rng, a: dict, opp: dict) -> dict:
    acc = opp["acc"]
    m = len(acc)
    cycle = 7 + rng.gamma(2.0, 28.0, m) * w.fx.cycle_band_factor[a["band"][acc]]
    close = opp["day"] + np.rint(cycle).astype(np.int64)
    is_open = close > w.T
    in_window = (a["stage"][acc] != PROSPECT) & (close >= a["a"][acc]) & (close <= a["b"][acc])
    won = ~is_open & in_window & (rng.random(m) < a["pwin"][acc])
    stage = np.where(is_open, 0, np.where(won, 1, 2))
    amount = np.round(a["amount_scale"][acc] * np.exp(rng.normal(0.7, 0.6, m)), 2)
    return {**opp, "close": np.where(is_open, -1, close), "stage": stage, "amount": amount}


def _order_days(w: _World, rng, a: dict) -> tuple[np.ndarray, np.ndarray]:
    """Reorder days: a gamma renewal process on the clock of each account's order intensity.

    The intensity is ``lam * exp(g * (t - t_ref))``; renewal gaps (rather than Poisson ones)
    keep the rhythm regular, so steady accounts look steady year over year.
    """
    cust = a["stage"] != PROSPECT
    lam, g, lo, hi = a["lam"], a["g"], a["a"], a["b"]
    t_ref = w.T - 365
    g_safe = np.where(g == 0, 1.0, g)
    e_lo = np.exp(g * (lo - t_ref))
    total = np.where(g == 0, lam * (hi + 1 - lo),
                     lam * (np.exp(g * (hi + 1 - t_ref)) - e_lo) / g_safe)
    total = np.where(cust, total, 0.0)
    n_gen = np.where(cust, np.ceil(total + 4 * np.sqrt(total) + 4), 0).astype(np.int64)
    acc = np.repeat(np.arange(len(lam)), n_gen)
    gaps = rng.gamma(ORDER_GAP_SHAPE, 1 / ORDER_GAP_SHAPE, len(acc))
    starts = np.cumsum(n_gen) - n_gen
    # A random phase for accounts already buying at start; a full gap after a forced first order.
    first = starts[n_gen > 0]
    pre = a["force_first"][acc[first]] < 0
    gaps[first] = np.where(pre, rng.random(len(first)), gaps[first])
    cum = np.concatenate([[0.0], np.cumsum(gaps)])
    tau = cum[1:] - np.repeat(cum[starts], n_gen)
    keep = tau < total[acc]
    acc, tau = acc[keep], tau[keep]
    ga, la, ha = g[acc], lo[acc], hi[acc]
    with np.errstate(divide="ignore", invalid="ignore"):
        warped = t_ref + np.log(e_lo[acc] + tau * ga / lam[acc]) / np.where(ga == 0, 1.0, ga)
    day = np.floor(np.where(ga == 0, la + tau / lam[acc], warped)).astype(np.int64)
    return acc, np.clip(day, la, ha)


def _orders(w: _World, rng, a: dict, won: dict):
    acc, day = _order_days(w, rng, a)
    la, ha, hi = a["a"][acc], a["b"][acc], a["b"]
    # Event-driven buyers bunch their orders into the weeks after a trade show; only orders
    # close after a show move, so yearly totals keep their trend.
    snap = (a["cluster"][acc] == EVENT) & (rng.random(len(acc)) < w.fx.show_order_share)
    if len(w.shows):
        k = np.searchsorted(w.shows, day, side="right") - 1
        show = w.shows[np.maximum(k, 0)]
        moved = show + rng.integers(3, 31, len(acc))
        ok = snap & (k >= 0) & (day - show <= 75) & (moved >= la) & (moved <= ha)
        day = np.where(ok, moved, day)
    amount = a["amount_scale"][acc] * np.exp(rng.normal(0, ORDER_SIGMA, len(acc)))

    forced_acc = np.concatenate([np.flatnonzero(a["force_first"] >= 0),
                                 np.flatnonzero(a["force_last"] >= 0)])
    forced_day = np.concatenate([a["force_first"][a["force_first"] >= 0],
                                 a["force_last"][a["force_last"] >= 0]])
    forced_amount = a["amount_scale"][forced_acc] * np.exp(
        rng.normal(0, ORDER_SIGMA, len(forced_acc)))
    acc = np.concatenate([acc, forced_acc, won["acc"]])
    day = np.concatenate([day, forced_day, won["close"]])
    amount = np.concatenate([amount, forced_amount, won["amount"]])
    product = _pick(rng, _cum(w.fx.product_p)[a["cluster"][acc]])
    margin_rate = np.clip(w.fx.product_margin[product] + rng.normal(0, 0.05, len(acc)), 0.05, 0.9)
    amount = np.round(amount, 2)
    margin = np.round(amount * margin_rate, 2)

    credit = rng.random(len(acc)) < CREDIT_NOTE_SHARE
    share = rng.uniform(0.1, 1.0, int(credit.sum()))
    c_acc = acc[credit]
    c_day = np.minimum(day[credit] + rng.integers(3, 46, len(c_acc)), hi[c_acc])
    acc = np.concatenate([acc, c_acc])
    day = np.concatenate([day, c_day])
    product = np.concatenate([product, product[credit]])
    amount = np.concatenate([amount, -np.round(amount[credit] * share, 2)])
    margin = np.concatenate([margin, -np.round(margin[credit] * share, 2)])
    order = np.lexsort((amount, day, acc))
    return {"acc": acc[order], "day": day[order], "amount": amount[order],
            "margin": margin[order], "product": product[order]}


def _orders_table(w: _World, lo: int, o: dict, counters: _Counters) -> pa.Table:
    n = len(o["acc"])
    number = counters.orders + np.arange(1, n + 1)
    counters.orders += n
    return _table("orders", {
        "order_id": _ids("O", number, 8),
        "account_id": _account_ids(w, lo + o["acc"]),
        "order_date": _dates(w, o["day"]),
        "amount": pa.array(o["amount"], pa.float64()),
        "gross_margin": pa.array(o["margin"], pa.float64()),
        "product_line": _labels(LOCALE_DATA[w.locale]["product_lines"], o["product"]),
    })


_PAIN_LOOKUP = [";".join(t for i, t in enumerate(PAIN_POINTS) if mask >> i & 1) or None
                for mask in range(2 ** len(PAIN_POINTS))]


def _surveys(w: _World, rng, lo: int, a: dict, counters: _Counters) -> pa.Table:
    cust = a["stage"] != PROSPECT
    s_lo = np.maximum(a["a"], np.maximum(a["created"], 0))
    years = np.where(cust, (a["b"] - s_lo + 1) / 365, 0)
    count = rng.poisson(np.maximum(SURVEYS_PER_YEAR * years, 0))
    acc = np.repeat(np.arange(len(count)), count)
    m = len(acc)
    day = s_lo[acc] + np.floor(rng.random(m) * (a["b"][acc] - s_lo[acc] + 1)).astype(np.int64)
    order = np.lexsort((day, acc))
    acc, day = acc[order], day[order]
    risk = a["risk"][acc]
    fx = w.fx
    nps = np.clip(np.rint(rng.normal(fx.nps_intercept + fx.nps_slope * risk, NPS_SD)), 0, 10)
    csat = np.clip(np.rint(rng.normal(fx.csat_intercept + fx.csat_slope * risk, CSAT_SD)),
                   1, 5)
    csat_null = rng.random(m) < 0.1
    ind = a["ind"][acc]
    sensitive = np.isin(ind, [INDUSTRY_CODES.index(x) for x in
                              ("Financial Services", "Healthcare", "Public Sector")])
    p = np.stack([
        0.12 + fx.pain_digital * (a["cluster"][acc] == DIGITAL),
        0.08 + fx.pain_risk * risk,
        0.05 + fx.pain_risk * risk,
        np.where(a["stage"][acc] == NEW, fx.pain_new, 0.07),
        np.where(sensitive, fx.pain_sensitive, 0.07),
        np.full(m, 0.12),
    ], axis=1)
    bits = (rng.random((m, len(PAIN_POINTS))) < p).astype(np.int64)
    mask = (bits << np.arange(len(PAIN_POINTS))).sum(axis=1)
    bucket = np.where(nps >= 9, 0, np.where(nps >= 7, 1, 2))
    comments = [c for group in LOCALE_DATA[w.locale]["comments"] for c in group]
    comment_idx = bucket * 4 + rng.integers(0, 4, m)
    has_comment = rng.random(m) < 0.55
    number = counters.responses + np.arange(1, m + 1)
    counters.responses += m
    return _table("surveys", {
        "response_id": _ids("R", number, 7),
        "account_id": _account_ids(w, lo + acc),
        "response_date": _dates(w, day),
        "nps": pa.array(nps.astype(np.int64), pa.int64()),
        "csat": pa.array(csat.astype(np.int64), pa.int64(), mask=csat_null),
        "pain_points": pc.take(pa.array(_PAIN_LOOKUP, pa.string()), pa.array(mask)),
        "comment": _labels(comments, comment_idx, mask=~has_comment),
    })


def _service_costs(w: _World, rng, lo: int, a: dict) -> pa.Table:
    cust = a["stage"] != PROSPECT
    m_lo = np.where(cust, _month_of(w, np.maximum(a["a"], 0)), 0)
    m_hi = np.where(cust, _month_of(w, np.maximum(a["b"], 0)), -1)
    months = np.maximum(m_hi - m_lo + 1, 0)
    acc = np.repeat(np.arange(len(months)), months)
    offset = np.arange(len(acc)) - np.repeat(np.cumsum(months) - months, months)
    month = m_lo[acc] + offset
    size = (a["emp"][acc] / 150) ** w.fx.cost_size_exponent
    mgmt_factor = w.fx.mgmt_factor[a["cluster"][acc]]
    mgmt = 120 * size * mgmt_factor * np.exp(rng.normal(0, 0.2, len(acc)))
    support = 60 * size * (0.5 + w.fx.support_risk * a["risk"][acc]) * np.exp(rng.normal(0, 0.5, len(acc)))
    onboard_rows = (a["force_first"][acc] >= 0) & (offset < 3)
    onboard = 900 * size[onboard_rows] * np.exp(rng.normal(0, 0.3, int(onboard_rows.sum())))
    all_acc = np.concatenate([acc, acc, acc[onboard_rows]])
    all_month = np.concatenate([month, month, month[onboard_rows]])
    all_type = np.concatenate([np.zeros(len(acc), np.int64), np.ones(len(acc), np.int64),
                               np.full(len(onboard), 2)])
    amount = np.round(np.concatenate([mgmt, support, onboard]), 2)
    order = np.lexsort((all_type, all_month, all_acc))
    return _table("service_costs", {
        "account_id": _account_ids(w, lo + all_acc[order]),
        "period_start": _dates(w, w.month_rel[all_month[order]]),
        "cost_type": _labels(COST_TYPES, all_type[order]),
        "amount": pa.array(amount[order], pa.float64()),
    })


def _block(w: _World, b: int, A: dict, C: dict, hill: dict, counters: _Counters,
           campaigns: pa.Array, stats: dict):
    """All per-account tables of block ``b``; opportunities are returned as arrays."""
    lo = b * BLOCK
    hi = min(lo + BLOCK, w.accounts)
    a = {k: v[lo:hi] for k, v in A.items() if isinstance(v, np.ndarray) and len(v) == w.accounts}
    tables = {"contacts": _contacts(w, _rng(w.seed, 2, b, 0), lo, a)}
    organic = _organic_interactions(w, _rng(w.seed, 2, b, 1), a, C)
    experiment = _experiment_interactions(w, _rng(w.seed, 2, b, 2), a, stats["experiments"])
    content_opps = _content_opportunities(w, _rng(w.seed, 2, b, 3), a, C, organic, stats)
    organic.pop("day")
    rows = {k: np.concatenate([organic[k], experiment[k]]) for k in organic}
    tables["interactions"] = _interactions_table(w, lo, rows, counters, campaigns)

    h_lo, h_hi = np.searchsorted(hill["acc"], [lo, hi])
    hill_opps = {"acc": hill["acc"][h_lo:h_hi] - lo, "day": hill["day"][h_lo:h_hi],
                 "src": hill["src"][h_lo:h_hi], "content": np.full(h_hi - h_lo, -1)}
    sales_opps = _sales_opportunities(w, _rng(w.seed, 2, b, 4), a)
    parts = (hill_opps, content_opps, sales_opps)
    opp = {k: np.concatenate([p[k] for p in parts]) for k in hill_opps}
    opp = _resolve_opportunities(w, _rng(w.seed, 2, b, 5), a, opp)
    won = {k: v[opp["stage"] == 1] for k, v in opp.items()}
    orders = _orders(w, _rng(w.seed, 2, b, 6), a, won)
    stats["revenue"][lo:hi] = np.bincount(orders["acc"], orders["amount"], minlength=hi - lo)
    tables["orders"] = _orders_table(w, lo, orders, counters)
    tables["surveys"] = _surveys(w, _rng(w.seed, 2, b, 7), lo, a, counters)
    tables["service_costs"] = _service_costs(w, _rng(w.seed, 2, b, 8), lo, a)
    opp["acc"] = opp["acc"] + lo
    return tables, opp


def _opportunities_table(w: _World, parts: list[dict]) -> tuple[pa.Table, dict]:
    opp = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((opp["amount"], opp["src"], opp["acc"], opp["day"]))
    o = {k: v[order] for k, v in opp.items()}
    n = len(order)
    table = _table("opportunities", {
        "opportunity_id": _ids("OP", np.arange(1, n + 1), 7),
        "account_id": _account_ids(w, o["acc"]),
        "created_date": _dates(w, o["day"]),
        "close_date": _dates(w, np.maximum(o["close"], 0), mask=o["close"] < 0),
        "stage": _labels(OPP_STAGES, o["stage"]),
        "amount": pa.array(o["amount"], pa.float64()),
        "source_channel": _labels(SOURCES, o["src"]),
        "source_content_id": _ids("CT", np.maximum(o["content"], 0) + 1, 4,
                                  mask=o["content"] < 0),
    })
    return table, o


# ----------------------------------------------------------------------------- writing


class _Sink:
    """Appends batches of one table to its file; Parquet row groups have a fixed size."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str):
        self.fmt = fmt
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._n = 0
        if fmt == "csv":
            self._schema = pa.schema([
                pa.field(f.name, pa.timestamp("s") if pa.types.is_timestamp(f.type) else f.type)
                for f in schema])
            self._writer = pacsv.CSVWriter(str(path), self._schema)
        else:
            self._schema = schema
            # Dictionaries only pay off for repeated values, not for ids, amounts or times.
            unique = {c.name for c in contract.table(path.stem).columns if c.unique}
            repeated = [f.name for f in schema if f.name not in unique
                        and (pa.types.is_string(f.type) or pa.types.is_date(f.type)
                             or pa.types.is_integer(f.type))]
            self._writer = pq.ParquetWriter(str(path), schema, compression="zstd",
                                            use_dictionary=repeated)

    def add(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self.fmt == "csv":
            self._writer.write_table(table.cast(self._schema))
            return
        self._pending.append(table)
        self._n += table.num_rows
        if self._n >= ROW_GROUP:
            merged = pa.concat_tables(self._pending).combine_chunks()
            full = (merged.num_rows // ROW_GROUP) * ROW_GROUP
            self._writer.write_table(merged.slice(0, full), row_group_size=ROW_GROUP)
            rest = merged.slice(full)
            self._pending, self._n = ([rest] if rest.num_rows else []), rest.num_rows

    def close(self) -> None:
        if self.fmt == "parquet" and self._pending:
            merged = pa.concat_tables(self._pending).combine_chunks()
            self._writer.write_table(merged, row_group_size=ROW_GROUP)
        self._writer.close()


def _write_once(path: Path, table: pa.Table, fmt: str) -> int:
    sink = _Sink(path, table.schema, fmt)
    sink.add(table)
    sink.close()
    return table.num_rows


def _stale_files(out: Path) -> list[Path]:
    names = [t.name for t in contract.TABLES]
    found = [out / f"{n}.{ext}" for n in names for ext in FORMATS]
    found += [out / TRUTH_FILE, out / TRUTH_ACCOUNTS_FILE]
    return [p for p in found if p.exists()]


# ----------------------------------------------------------------------------- truth


def _ratio(x: float, y: float) -> float | None:
    return round(x / y, 4) if y else None


def _truth(w: _World, A: dict, curves: dict, hill: dict, opp: dict, stats: dict,
           counts: dict) -> dict:
    data = LOCALE_DATA[w.locale]
    fx = w.fx
    industries = [data["industries"][INDUSTRY_CODES.index(i)] for i in ICP_INDUSTRIES]
    icp = A["icp"]
    customer = A["stage"] != PROSPECT
    revenue = stats["revenue"]
    closed = opp["stage"] > 0
    opp_icp = icp[opp["acc"]]

    def split(values: np.ndarray, mask: np.ndarray) -> dict:
        return {"icp": round(float(values[mask & icp].mean()), 4) if (mask & icp).any() else None,
                "non_icp": round(float(values[mask & ~icp].mean()), 4)
                if (mask & ~icp).any() else None}

    win = opp["stage"] == 1
    win_rate = {
        "icp": _ratio(float((win & opp_icp).sum()), float((closed & opp_icp).sum())),
        "non_icp": _ratio(float((win & ~opp_icp).sum()), float((closed & ~opp_icp).sum())),
    }
    cust_p = {k: round(1 - float(v[PROSPECT]), 4) for k, v in fx.stage_p.items()}

    labels = _month_labels(w)
    period = [(w.start + dt.timedelta(days=int(d))).isoformat() for d in w.month_rel[:-1]]
    response = {}
    for c, name in enumerate(PAID_CHANNELS):
        h, cv = HILL[name], curves[name]
        response[name] = {
            "beta": round(cv["beta"], 6), "k": round(cv["k"], 6), "s": h["s"],
            "adstock_decay": h["adstock_decay"],
            "opportunities": int((opp["src"] == c).sum()),
            "monthly": {
                "period_start": period, "month": labels,
                "spend": [float(x) for x in cv["spend"]],
                "adstocked_spend": [round(float(x), 2) for x in cv["x"]],
                "expected": [round(float(x), 4) for x in cv["expected"]],
                "realised": [int(x) for x in hill["realised"][name]],
            },
        }

    rates = fx.content_rates
    stage_mean = rates.mean(axis=1, keepdims=True)
    lift = rates / stage_mean
    content_lift = {
        "unit": "chance that one content touch (interaction row with content_id, outside "
                "experiments) leads to an opportunity created 2-30 days later with "
                "source_content_id = that content; by the account's true stage as of end",
        "source_channel": CONTENT_SOURCE,
        "rates": {s: dict(zip(CONTENT_CATEGORIES, map(float, rates[i]), strict=True))
                  for i, s in enumerate(STAGES)},
        "lift": {s: {c: round(float(lift[i, j]), 4) for j, c in enumerate(CONTENT_CATEGORIES)}
                 for i, s in enumerate(STAGES)},
        "best_category": {s: CONTENT_CATEGORIES[int(np.argmax(rates[i]))]
                          for i, s in enumerate(STAGES) if np.ptp(rates[i]) > 0},
        "realised": {s: {c: {"touches": int(stats["touches"][i, j]),
                             "conversions": int(stats["conversions"][i, j])}
                         for j, c in enumerate(CONTENT_CATEGORIES)}
                     for i, s in enumerate(STAGES)},
    }

    experiments = {}
    for e, spec in enumerate(EXPERIMENTS):
        first = w.start + dt.timedelta(days=w.T - spec["offset"])
        n = stats["experiments"]["n"][e]
        conv = stats["experiments"]["conv"][e]
        experiments[spec["id"]] = {
            "channel": CHANNELS[spec["channel"]],
            "window": [first.isoformat(),
                       (first + dt.timedelta(days=spec["days"] - 1)).isoformat()],
            "unit": "contact", "control": VARIANTS[0], "treatment": VARIANTS[1],
            "exposure_event": "exposure", "conversion_event": "conversion",
            "rates": dict(zip(VARIANTS, fx.experiment_rates[e], strict=True)),
            "true_lift": round(fx.experiment_rates[e][1] / fx.experiment_rates[e][0], 4),
            "real_effect": fx.experiment_rates[e][1] != fx.experiment_rates[e][0],
            "n": dict(zip(VARIANTS, n, strict=True)),
            "conversions": dict(zip(VARIANTS, conv, strict=True)),
            "observed_rates": {v: _ratio(conv[i], n[i]) for i, v in enumerate(VARIANTS)},
        }

    positive = np.sort(revenue[revenue > 0])[::-1]
    top = max(1, math.ceil(0.1 * len(positive))) if len(positive) else 0
    total = float(positive.sum())
    if len(positive):
        asc = positive[::-1]
        cum = np.cumsum(asc)
        gini = float((len(asc) + 1 - 2 * (cum / cum[-1]).sum()) / len(asc))
    else:
        gini = 0.0

    band_rows = [{"name": SIZE_BANDS[0], "min": 0, "max": SIZE_THRESHOLDS[0] - 1}]
    for i in range(1, len(SIZE_BANDS)):
        upper = SIZE_THRESHOLDS[i] - 1 if i < len(SIZE_THRESHOLDS) else None
        band_rows.append({"name": SIZE_BANDS[i], "min": SIZE_THRESHOLDS[i - 1], "max": upper})

    truth = {
        "schema_version": TRUTH_SCHEMA_VERSION,
        "generator_version": GENERATOR_VERSION,
        "settings": w.settings(),
        "start": w.start.isoformat(), "end": w.end.isoformat(), "as_of": w.end.isoformat(),
        "seed": w.seed, "locale": w.locale, "currency": "EUR",
        "counts": counts,
        "size_bands": {"column": "employees", "thresholds": list(SIZE_THRESHOLDS),
                       "bands": band_rows},
        "icp": {
            "industries": industries, "industry_codes": list(ICP_INDUSTRIES),
            "size_bands": list(ICP_SIZE_BANDS),
            "pairs": [[i, s] for i in industries for s in ICP_SIZE_BANDS],
            "customer_probability": cust_p,
            "conversion_multiplier": round(cust_p["icp"] / cust_p["non_icp"], 4),
            "order_amount_multiplier": fx.icp_amount_multiplier,
            "win_rate": dict(fx.win_rate),
            "hill_opportunity_weight": fx.icp_hill_weight,
            "n_accounts": {"icp": int(icp.sum()), "non_icp": int((~icp).sum())},
            "realised": {
                "customer_share": split(customer.astype(float), np.ones_like(icp)),
                "revenue_per_account": split(revenue, np.ones_like(icp)),
                "win_rate": win_rate,
            },
        },
        "lifecycle": {
            "stages": list(STAGES),
            "definitions": {
                "prospect": "no orders",
                "new": f"first order within the last {NEW_WINDOW_DAYS} days before end",
                "growth": f"order rate grows so that orders in the last 12 months are about "
                          f"{GROWTH_RATIO}x the 12 months before; customer for 2+ years",
                "mature": "steady order rate; customer for 2+ years",
                "declining": f"orders in the last 12 months about {DECLINING_RATIO}x the 12 "
                             f"months before; still an order in the last 150 days",
                "churned": f"last order at least max({CHURN_MIN_DAYS} days, "
                           f"{CHURN_RHYTHM_MULTIPLE} x mean gap between orders) before end",
            },
            "probabilities": {k: dict(zip(STAGES, map(float, v), strict=True))
                              for k, v in fx.stage_p.items()},
            "mix": {s: int((A["stage"] == i).sum()) for i, s in enumerate(STAGES)},
            "growth_ratio": fx.growth_ratio, "declining_ratio": fx.declining_ratio,
            "new_window_days": NEW_WINDOW_DAYS, "churn_min_days": CHURN_MIN_DAYS,
            "churn_rhythm_multiple": CHURN_RHYTHM_MULTIPLE,
            "crm_column": {
                "column": "accounts.lifecycle_stage",
                "note": "the CRM's own stage: empty for some accounts and lagging one stage "
                        "behind for others; not the truth",
                "missing_share": CRM_STAGE_MISSING, "stale_share": CRM_STAGE_STALE,
                "realised_agreement": round(float(
                    (A["crm_stage"] == A["stage"])[~A["crm_missing"]].mean()), 4)
                if (~A["crm_missing"]).any() else None,
            },
        },
        "clusters": {
            "names": list(CLUSTERS), "description": CLUSTER_DESCRIPTION,
            "mix": {c: int((A["cluster"] == i).sum()) for i, c in enumerate(CLUSTERS)},
            "channel_mix": {c: dict(zip(CHANNELS, map(float, fx.channel_p[i]), strict=True))
                            for i, c in enumerate(CLUSTERS)},
            "orders_per_month": dict(zip(CLUSTERS, map(float, fx.orders_per_month), strict=True)),
            "order_size_factor": dict(zip(CLUSTERS, map(float, fx.order_size_factor), strict=True)),
            "activity_factor": dict(zip(CLUSTERS, map(float, fx.activity_factor), strict=True)),
        },
        "response_curves": {
            "formula": "opportunities[m] ~ Poisson(beta * x[m]**s / (k**s + x[m]**s))",
            "adstock": "x[m] = (1 - decay) * spend[m] + decay * x[m-1]; x[-1] = typical spend",
            "scale": w.scale, "source_column": "opportunities.source_channel",
            "unresponsive_channels": ["abm"],
            "channels": response,
        },
        "content_lift": content_lift,
        "experiments": experiments,
        "activity_peaks": {
            "weekday_convention": "Monday=0",
            "channels": {c: {"weekday": _WEEKDAYS[d], "weekday_index": d, "hour": h}
                         for c, (d, h) in PEAKS.items()},
        },
        "nps": {
            "formula": "nps = clip(round(Normal(intercept + slope * churn_risk, sd)), 0, 10)",
            "intercept": fx.nps_intercept, "slope": fx.nps_slope, "sd": NPS_SD,
            "csat_intercept": fx.csat_intercept, "csat_slope": fx.csat_slope,
            "churn_risk_by_stage": {s: round(float(A["risk"][A["stage"] == i].mean()), 4)
                                    for i, s in enumerate(STAGES) if (A["stage"] == i).any()},
        },
        "heavy_tail": {
            "top10_revenue_share": round(float(positive[:top].sum()) / total, 4) if total else None,
            "gini": round(gini, 4),
            "note": "order amounts are lognormal within accounts and account scales are "
                    "lognormal across accounts, so a few accounts carry most revenue",
        },
        "truth_accounts_file": TRUTH_ACCOUNTS_FILE,
    }
    return truth if fx.name == PLANTED.name else _null_truth(truth, w)


#: The effects the sample world plants and the null world leaves out (``truth["effects"]``).
EFFECT_NAMES = ("icp_conversion", "icp_spend", "icp_win_rate", "size_spend", "size_activity",
                "industry_size", "region", "acquisition_channel_cost", "lifecycle_trend",
                "clusters", "response_curves", "content_lift", "content_stage",
                "experiment_lift", "activity_peaks", "trade_show_calendar", "nps_churn",
                "pain_points", "product_margin", "cost_to_serve", "sales_cycle_by_size")


def _null_truth(truth: dict, w: _World) -> dict:
    """The truth of the null world: every effect listed as none, nothing planted."""
    truth["profile"] = "null"
    truth["planted"] = {}
    truth["effects"] = dict.fromkeys(EFFECT_NAMES, "none")
    truth["note"] = ("null world: no attribute, segment, channel, stage, variant or time of "
                     "day changes any outcome; a finding stated on it is a false discovery")
    icp = truth["icp"]
    icp.update(industries=[], industry_codes=[], size_bands=[], pairs=[],
               note="no ideal customer profile: industry and size do not change conversion, "
                    "spend or win rate")
    life = truth["lifecycle"]
    life["definitions"] = {
        "prospect": "no orders",
        "new": f"customer span starts within the last {NEW_WINDOW_DAYS} days before end",
        "mature": "customer span reaches the end; steady order rate",
        "churned": "customer span ends before the end; steady order rate until then",
    }
    life["note"] = (f"stationary: spans of exponential length (mean {NULL_MEAN_LIFETIME_DAYS} "
                    "days) arriving uniformly, so the number of active accounts has no trend; "
                    "no growth or decline within a span")
    truth["clusters"]["note"] = "no cluster structure: every cluster behaves the same"
    rc = truth["response_curves"]
    rc["formula"] = ("opportunities[m] ~ Poisson(rate); the same rate every month and for "
                     "every paid channel, whatever the spend")
    rc["rate_per_month"] = round(w.fx.null_opportunities_per_month * w.scale, 6)
    for ch in rc["channels"].values():
        ch.update(beta=None, k=None, s=None)
    truth["content_lift"]["note"] = "the same conversion rate for every stage and category"
    truth["activity_peaks"]["channels"] = {}
    truth["activity_peaks"]["note"] = ("every weekday and hour equally likely for every "
                                       "channel; trade-show touches not tied to show days")
    truth["nps"]["note"] = "nps and csat unrelated to churn risk"
    return truth


def _truth_accounts(w: _World, A: dict) -> pa.Table:
    return pa.table({
        "account_id": _account_ids(w, np.arange(w.accounts)),
        "true_stage": _labels(STAGES, A["stage"]),
        "true_cluster": _labels(CLUSTERS, A["cluster"]),
        "is_icp": pa.array(A["icp"], pa.bool_()),
        "size_band": _labels(SIZE_BANDS, A["band"]),
        "churn_risk": pa.array(np.round(A["risk"], 6), pa.float64()),
    })


# ----------------------------------------------------------------------------- public API


def generate_world(out_dir: str | os.PathLike, *, accounts: int = 2000, seed: int = 42,
                   locale: str = "en", fmt: str = "parquet", start: str | dt.date = "2023-07-01",
                   end: str | dt.date = "2026-06-30",
                   interactions_per_account: float | None = None,
                   chunk_accounts: int = 5000, effects: str = "planted") -> dict:
    """Write the synthetic B2B world and return its planted truths.

    Parameters
    ----------
    out_dir : path-like
        Folder to write into; created if missing. Existing ``<table>.parquet`` and
        ``<table>.csv`` files of contract tables, the truth files and ``world.json`` in it
        are replaced, so a folder never holds two formats of one table.
    accounts : int
        Number of accounts.
    seed : int
        Random seed; the same settings give byte-identical files.
    locale : {"en", "zh"}
        Language of names, places and free text; codes stay English.
    fmt : {"parquet", "csv"}
        File format of the contract tables (CSV is UTF-8).
    start, end : str or datetime.date
        First and last day of the world (``end`` is the ``as_of`` date); at least two years.
    interactions_per_account : float, optional
        Mean organic interactions per account (default 75); experiment rows come on top.
    chunk_accounts : int
        Accounts generated between writes. It bounds memory and never changes the output.
    effects : {"planted", "none"}
        ``"planted"`` (default) writes the sample world with its planted truths; ``"none"``
        writes the null world: the same tables and volumes, but no attribute, segment,
        channel, stage, variant or time of day changes any outcome (see :data:`NEUTRAL`).
        Its ``truth.json`` has ``"profile": "null"`` and ``"planted": {}``, and its
        ``world.json`` a ``"profile": "null"``, so it is never taken for the sample world.

    Returns
    -------
    dict
        The truth dictionary also written to ``truth.json`` (schema in the module docstring).

    Raises
    ------
    helpers.core.errors.ParamError
        For a setting out of range.
    """
    s = _normalise_settings(accounts, seed, locale, fmt, start, end, interactions_per_account)
    if int(chunk_accounts) < 1:
        raise ParamError(f"sample world: chunk_accounts must be at least 1, got {chunk_accounts}")
    if effects not in EFFECTS:
        raise ParamError(f"sample world: effects {effects!r} is not known; use one of "
                         f"{', '.join(EFFECTS)}")
    w = _make_world(s, EFFECTS[effects])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / WORLD_FILE).unlink(missing_ok=True)
    for path in _stale_files(out):
        path.unlink()

    A = _all_accounts(w)
    C = _content_catalogue(w)
    spend_table, curves = _marketing_spend(w)
    hill = _hill_opportunities(w, A, curves)
    campaigns = pa.array(_campaign_ids_flat(w), pa.string())

    counts: dict[str, int] = {}
    counts["accounts"] = _write_once(out / f"accounts.{fmt}", _accounts_table(w, A), fmt)
    counts["content"] = _write_once(out / f"content.{fmt}", _content_table(w, C), fmt)
    counts["marketing_spend"] = _write_once(out / f"marketing_spend.{fmt}", spend_table, fmt)

    streamed = ("orders", "contacts", "interactions", "surveys", "service_costs")
    sinks = {name: _Sink(out / f"{name}.{fmt}", table_schema(name), fmt) for name in streamed}
    stats = {
        "revenue": np.zeros(w.accounts),
        "touches": np.zeros((len(STAGES), len(CONTENT_CATEGORIES)), dtype=np.int64),
        "conversions": np.zeros((len(STAGES), len(CONTENT_CATEGORIES)), dtype=np.int64),
        "experiments": {"n": [[0, 0] for _ in EXPERIMENTS],
                        "conv": [[0, 0] for _ in EXPERIMENTS]},
    }
    counters = _Counters()
    opp_parts = []
    n_blocks = math.ceil(w.accounts / BLOCK)
    step = max(1, math.ceil(int(chunk_accounts) / BLOCK))
    try:
        for first in range(0, n_blocks, step):
            batch: dict[str, list[pa.Table]] = {name: [] for name in streamed}
            for b in range(first, min(first + step, n_blocks)):
                tables, opp = _block(w, b, A, C, hill, counters, campaigns, stats)
                opp_parts.append(opp)
                for name, table in tables.items():
                    batch[name].append(table)
            for name in streamed:
                sinks[name].add(pa.concat_tables(batch[name]))
    finally:
        for sink in sinks.values():
            sink.close()
    for name in streamed:
        counts[name] = sinks[name].rows
    opp_table, opp = _opportunities_table(w, opp_parts)
    counts["opportunities"] = _write_once(out / f"opportunities.{fmt}", opp_table, fmt)
    counts = {t.name: counts[t.name] for t in contract.TABLES}

    truth = _truth(w, A, curves, hill, opp, stats, counts)
    pq.write_table(_truth_accounts(w, A), out / TRUTH_ACCOUNTS_FILE, compression="zstd")
    (out / TRUTH_FILE).write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    world = {"generator_version": GENERATOR_VERSION, **w.settings(),
             "files": {t.name: f"{t.name}.{fmt}" for t in contract.TABLES}}
    if effects != "planted":
        world["profile"] = "null"
    (out / WORLD_FILE).write_text(json.dumps(world, indent=2, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    return truth


def _campaign_ids_flat(w: _World) -> list[str | None]:
    labels = _month_labels(w)
    out: list[str | None] = []
    for name in CHANNELS:
        tag = name.upper().replace("_", "-")
        out += [f"CMP-{tag}-{lab}" if name in HILL else None for lab in labels]
    return out


def world_matches(out_dir: str | os.PathLike, **settings) -> bool:
    """Whether ``out_dir`` holds a complete world generated with ``settings``.

    Only the given settings are compared (any of ``accounts``, ``seed``, ``locale``,
    ``fmt``, ``start``, ``end``, ``interactions_per_account``), plus the generator version;
    ``chunk_accounts`` is accepted and ignored because it never changes the output.

    Parameters
    ----------
    out_dir : path-like
        Folder of a generated world.
    **settings
        Settings as passed to :func:`generate_world`.

    Returns
    -------
    bool
    """
    known = {"accounts", "seed", "locale", "fmt", "start", "end", "interactions_per_account"}
    unknown = sorted(set(settings) - known - {"chunk_accounts"})
    if unknown:
        raise TypeError(f"world_matches: unknown setting(s) {', '.join(unknown)}; "
                        f"known are {', '.join(sorted(known))}")
    out = Path(out_dir)
    try:
        stored = json.loads((out / WORLD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(stored, dict) or stored.get("generator_version") != GENERATOR_VERSION:
        return False
    if stored.get("profile", "full") != "full":  # reshaped by a data profile
        return False
    full = {k: stored.get(k) for k in known}
    full.update({k: v for k, v in settings.items() if k in known})
    try:
        wanted = _normalise_settings(full["accounts"], full["seed"], full["locale"],
                                     full["fmt"], full["start"], full["end"],
                                     full["interactions_per_account"])
    except ParamError:
        return False
    if any(stored.get(k) != wanted[k] for k in known):
        return False
    files = [out / f"{t.name}.{stored['fmt']}" for t in contract.TABLES]
    return all(p.is_file() for p in [*files, out / TRUTH_FILE, out / TRUTH_ACCOUNTS_FILE])


def mark_profile(out_dir: str | os.PathLike, profile: str) -> None:
    """Record in ``world.json`` that the world was reshaped by a data profile.

    A reshaped world no longer holds its planted truths, so :func:`world_matches` stops
    matching it and the sample world is rebuilt when it is asked for again.
    """
    path = Path(out_dir) / WORLD_FILE
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["profile"] = profile
    path.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_truth(out_dir: str | os.PathLike) -> dict:
    """Return the planted truths of the world in ``out_dir`` (its ``truth.json``)."""
    path = Path(out_dir) / TRUTH_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ParamError(f"no sample-world truth at {path}; run `workbook sample-data` "
                         "first") from None
