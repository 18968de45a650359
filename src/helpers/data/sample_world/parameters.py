"""The parameters of the sample world: vocabularies, rates and locale data."""

from __future__ import annotations

import datetime as dt

import numpy as np

from helpers.data import contract

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
    "NEW",
    "NEW_WINDOW_DAYS",
    "NPS_INTERCEPT",
    "NPS_SD",
    "NPS_SLOPE",
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
]


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
