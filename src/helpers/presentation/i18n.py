"""Report language: English and Chinese labels, headings and sentence templates.

Every text a report shows that does not come from the data goes through :func:`t`::

    t("kpi.cac", language)                          # "CAC" / "获客成本"
    t("kpi.finding.cac", language, value="1,200")   # a sentence with numbers filled in

Templates use :meth:`str.format` fields; numbers are formatted by the caller so the same
figure reads the same in both languages. A key missing in Chinese falls back to English,
so a new label never breaks a Chinese report; :func:`missing` lists such gaps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from helpers.core.errors import ParamError

__all__ = [
    "LABELS",
    "LANGUAGES",
    "LOCALES",
    "MARKDOWN_KEY",
    "check_language",
    "code_label",
    "labels",
    "missing",
    "scoped",
    "t",
    "translate_frame_columns",
    "translate_markdown",
]

LANGUAGES: tuple[str, ...] = ("en", "zh")

#: key -> {language: text}
LABELS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ report and portal chrome
    "chrome.contents": {"en": "Contents", "zh": "目录"},
    "chrome.data_as_of": {"en": "data as of {as_of}", "zh": "数据截至 {as_of}"},
    "chrome.run": {"en": "run {run_id}", "zh": "运行 {run_id}"},
    "chrome.analyst_version": {"en": "analyst version", "zh": "分析师版本"},
    "chrome.analyst_version_link": {"en": "analyst version with code",
                                    "zh": "含代码的分析师版本"},
    "chrome.generated": {"en": "generated {when}", "zh": "生成于 {when}"},
    "chrome.settings_line": {"en": "Settings in use: data source {source} · as of {as_of} · language {lang}",
                             "zh": "当前设置：数据源 {source} · 数据截至 {as_of} · 语言 {lang}"},
    "portal.title": {"en": "Reports", "zh": "报告"},
    "portal.subtitle": {"en": "Key account reports", "zh": "大客户报告"},
    "portal.summary": {"en": "Executive summary", "zh": "管理摘要"},
    "portal.key_figures": {"en": "Key figures", "zh": "关键指标"},
    "portal.deltas_since": {"en": "Changes since the run of {run_id} (data as of {as_of}).",
                            "zh": "变化相对于 {run_id} 的运行（数据截至 {as_of}）。"},
    "portal.deltas_first": {"en": "First run: no earlier figures to compare with yet.",
                            "zh": "首次运行：尚无可比较的早期数据。"},
    "portal.deltas_not_compared": {
        "en": "Not compared with the run of {run_id} (data as of {as_of}): {reason}.",
        "zh": "未与 {run_id} 的运行（数据截至 {as_of}）比较：{reason}。"},
    "portal.no_change": {"en": "no change", "zh": "无变化"},
    "portal.action": {"en": "Action", "zh": "建议行动"},
    "portal.findings": {"en": "Findings", "zh": "主要发现"},
    "portal.no_findings": {"en": "No findings were recorded in this run.",
                           "zh": "本次运行没有记录任何发现。"},
    "portal.reports": {"en": "Reports", "zh": "报告列表"},
    "portal.latest_run": {"en": "Latest run", "zh": "最新运行"},
    "portal.latest_meta": {"en": "{run_id} · data as of {as_of} · started {started} · {seconds} s",
                           "zh": "{run_id} · 数据截至 {as_of} · 开始于 {started} · {seconds} 秒"},
    "portal.details": {"en": "Details by report", "zh": "各报告详情"},
    "portal.cards_above": {"en": "Its key figures are shown at the top of this page.",
                           "zh": "其关键指标显示在本页顶部。"},
    "portal.other_reports": {"en": "Other reports", "zh": "其他报告"},
    "portal.other_note": {"en": "Notebooks that were not part of the latest run, from their newest good run.",
                          "zh": "未包含在最新运行中的报告，取自其最近一次成功的运行。"},
    "portal.from_run": {"en": "from run {run_id}", "zh": "来自运行 {run_id}"},
    "portal.history": {"en": "Run history", "zh": "运行历史"},
    "portal.no_reports": {"en": "No reports yet", "zh": "尚无报告"},
    "portal.no_reports_hint": {"en": "Run <code>make report</code> (or <code>workbook run</code>) to build them.",
                               "zh": "运行 <code>make report</code>（或 <code>workbook run</code>）生成报告。"},
    "portal.failed": {"en": "This run failed", "zh": "本次运行失败"},
    "portal.last_good": {"en": "Showing the last good report, from run {run_id}:",
                         "zh": "显示最近一次成功的报告，来自运行 {run_id}："},
    "portal.no_last_good": {"en": "No earlier good report.", "zh": "没有更早的成功报告。"},
    "portal.open_report": {"en": "open report", "zh": "打开报告"},
    "portal.col.report": {"en": "report", "zh": "报告"},
    "portal.col.status": {"en": "status", "zh": "状态"},
    "portal.col.management": {"en": "management", "zh": "管理版"},
    "portal.col.analyst": {"en": "analyst", "zh": "分析师版"},
    "portal.col.seconds": {"en": "seconds", "zh": "秒"},
    "portal.col.run": {"en": "run", "zh": "运行"},
    "portal.col.started": {"en": "started", "zh": "开始时间"},
    "portal.col.as_of": {"en": "data as of", "zh": "数据截至"},
    "portal.col.ok": {"en": "notebooks ok", "zh": "成功"},
    "portal.col.failed": {"en": "failed", "zh": "失败"},
    "portal.link.report": {"en": "report", "zh": "报告"},
    "portal.link.analyst": {"en": "analyst version", "zh": "分析师版本"},
    "portal.link.notebook": {"en": "notebook", "zh": "笔记本"},
    "portal.link.failed_notebook": {"en": "failed notebook", "zh": "失败的笔记本"},
    "portal.link.log": {"en": "log", "zh": "日志"},
    "portal.pp": {"en": " pp", "zh": " 个百分点"},
    "portal.delta_period": {"en": "{delta} on the previous period", "zh": "环比 {delta}"},
    "portal.deltas_period": {"en": "Changes are against each figure's previous period.",
                             "zh": "变化均为相对各指标上一周期（环比）。"},
    "portal.target": {"en": "{pct} of target {target}", "zh": "达到目标 {target} 的 {pct}"},
    "portal.target_only": {"en": "target {target}", "zh": "目标 {target}"},
    "portal.trend": {"en": "Trend of {label} over {n} periods, from {first} to {last}",
                     "zh": "{label}近 {n} 个周期的走势：从 {first} 到 {last}"},
    "portal.mixed": {"en": "The reports shown differ in {what}: {groups}.",
                     "zh": "所示报告的{what}不同：{groups}。"},
    "portal.mixed.runs": {"en": "run", "zh": "运行"},
    "portal.mixed.data": {"en": "data source", "zh": "数据源"},
    "portal.mixed.languages": {"en": "language", "zh": "语言"},
    "portal.mixed.run": {"en": "run {run_id}", "zh": "运行 {run_id}"},
    "portal.mixed.group": {"en": "{titles} ({details})", "zh": "{titles}（{details}）"},
    "portal.mixed.group_sep": {"en": "; ", "zh": "；"},
    "portal.mixed.detail_sep": {"en": ", ", "zh": "，"},
    "portal.mixed.data_version": {"en": "{source}, version {version}",
                                  "zh": "{source}，版本 {version}"},
    "portal.mixed.data_unknown": {"en": "data source not recorded", "zh": "未记录数据源"},
    "portal.language.en": {"en": "English", "zh": "英文"},
    "portal.language.zh": {"en": "Chinese", "zh": "中文"},
    "status.ok": {"en": "ok", "zh": "成功"},
    "status.failed": {"en": "failed", "zh": "失败"},
    "summary.delta_up": {"en": "{label} rose to {value} since the last run ({delta}).",
                         "zh": "自上次运行以来，{label}上升至 {value}（{delta}）。"},
    "summary.delta_down": {"en": "{label} fell to {value} since the last run ({delta}).",
                           "zh": "自上次运行以来，{label}下降至 {value}（{delta}）。"},
    "summary.delta_incomparable": {"en": "{label} is {value} ({reason}).",
                                   "zh": "{label}为 {value}（{reason}）。"},
    "summary.no_comparison": {"en": "{what} changed since the last run; no comparison",
                              "zh": "自上次运行以来{what}已变更，不作比较"},
    "summary.changed.parameters": {"en": "parameters", "zh": "参数"},
    "summary.changed.data": {"en": "data source", "zh": "数据源"},
    "summary.changed.code": {"en": "code", "zh": "代码"},
    "summary.changed.sep": {"en": ", ", "zh": "、"},
    "summary.changed.last": {"en": " and ", "zh": "和"},
    "summary.none_stated": {
        "en": "No finding in this run passed its test: none of the {n} differences, trends or "
              "alarms checked is reliable enough to report.",
        "zh": "本次运行没有任何发现通过检验：所检查的 {n} 项差异、趋势或预警均不足以可靠地报告。"},
    "summary.failed": {"en": "The {title} report failed in this run; the last good version is shown.",
                       "zh": "本次运行中“{title}”报告失败；显示的是最近一次成功的版本。"},
    "summary.failed_no_good": {"en": "The {title} report failed in this run, and there is no earlier good report.",
                               "zh": "本次运行中“{title}”报告失败，且没有更早的成功报告。"},
    # ------------------------------------------------------------------ notebook titles
    "notebook.kpi_monitoring": {"en": "KPI monitoring", "zh": "关键指标监控"},
    "notebook.data_overview": {"en": "Data overview", "zh": "数据概览"},
    # ------------------------------------------------------------------ KPI names
    "kpi.revenue": {"en": "Revenue", "zh": "收入"},
    "kpi.new_customers": {"en": "New customers", "zh": "新客户"},
    "kpi.spend": {"en": "Acquisition spend", "zh": "获客投入"},
    "kpi.cac": {"en": "CAC", "zh": "获客成本"},
    "kpi.active_customers": {"en": "Active customers", "zh": "活跃客户"},
    "kpi.clv": {"en": "CLV", "zh": "客户终身价值"},
    "kpi.clv_cac": {"en": "CLV:CAC", "zh": "终身价值/获客成本"},
    "kpi.churn_rate": {"en": "Churn rate", "zh": "流失率"},
    "kpi.grr": {"en": "Gross revenue retention", "zh": "总收入留存率"},
    "kpi.nrr": {"en": "Net revenue retention", "zh": "净收入留存率"},
    "kpi.conv_engaged_opp": {"en": "Engaged → opportunity", "zh": "互动→商机"},
    "kpi.conv_opp_won": {"en": "Opportunity → won", "zh": "商机→成交"},
    "kpi.win_rate": {"en": "Win rate", "zh": "赢单率"},
    "kpi.sales_cycle_days": {"en": "Sales cycle", "zh": "销售周期"},
    "kpi.nps": {"en": "NPS", "zh": "净推荐值"},
    "kpi.csat": {"en": "CSAT", "zh": "客户满意度"},
    "unit.days": {"en": "days", "zh": "天"},
    "stage.engaged": {"en": "engaged", "zh": "有互动"},
    "stage.opportunity": {"en": "opportunity", "zh": "商机"},
    "stage.won": {"en": "won", "zh": "成交"},
    "dim.region": {"en": "region", "zh": "区域"},
    "dim.industry": {"en": "industry", "zh": "行业"},
    "dim.acquisition_channel": {"en": "acquisition channel", "zh": "获客渠道"},
    "dim.tier": {"en": "value tier", "zh": "价值层级"},
    "dim.channel": {"en": "channel", "zh": "渠道"},
    # ------------------------------------------------------------------ alerts
    "alert.value.above": {"en": "{kpi} is {value} in {period}, at or above the limit of {threshold}.",
                          "zh": "{period} 的{kpi}为 {value}，达到或超过上限 {threshold}。"},
    "alert.value.below": {"en": "{kpi} is {value} in {period}, at or below the floor of {threshold}.",
                          "zh": "{period} 的{kpi}为 {value}，达到或低于下限 {threshold}。"},
    "alert.pop.above": {"en": "{kpi} changed by {value} in {period} against the previous period (limit {threshold}).",
                        "zh": "{period} 的{kpi}环比变化 {value}（上限 {threshold}）。"},
    "alert.pop.below": {"en": "{kpi} changed by {value} in {period} against the previous period (floor {threshold}).",
                        "zh": "{period} 的{kpi}环比变化 {value}（下限 {threshold}）。"},
    "alert.yoy.above": {"en": "{kpi} changed by {value} in {period} against a year earlier (limit {threshold}).",
                        "zh": "{period} 的{kpi}同比变化 {value}（上限 {threshold}）。"},
    "alert.yoy.below": {"en": "{kpi} changed by {value} in {period} against a year earlier (floor {threshold}).",
                        "zh": "{period} 的{kpi}同比变化 {value}（下限 {threshold}）。"},
    "kpi.driver.cac": {"en": "Spend changed {spend} while new customers changed {new} (now {n}).",
                       "zh": "投入变化 {spend}，新客户变化 {new}（当前 {n} 家）。"},
    "kpi.driver.clv_cac": {"en": "CLV {clv} against CAC {cac}; annual churn {churn}.",
                           "zh": "客户终身价值 {clv}，获客成本 {cac}；年流失率 {churn}。"},
    "kpi.driver.nps": {"en": "{det} detractors and {pro} promoters among {n} responses.",
                       "zh": "{n} 份答卷中贬损者占 {det}，推荐者占 {pro}。"},
    "kpi.driver.churn": {"en": "{churned} of {start} customers bought nothing in the last 12 months.",
                         "zh": "{start} 家客户中有 {churned} 家在过去 12 个月没有采购。"},
    "kpi.driver.win": {"en": "{won} won of {closed} closed opportunities.",
                       "zh": "{closed} 个已关闭商机中赢得 {won} 个。"},
    "kpi.driver.nrr": {"en": "Gross retention is {grr}: the gap is lost or shrinking customers.",
                       "zh": "总收入留存率为 {grr}：差距来自流失或缩减的客户。"},
    "kpi.driver.group": {"en": "Weakest {dim}: {group} ({value}).",
                         "zh": "表现最弱的{dim}：{group}（{value}）。"},
    # ------------------------------------------------------------------ KPI monitoring notebook
    "kpi.purpose": {
        "en": "How acquisition cost, customer value, conversion and satisfaction are moving, how "
              "channels, regions and value tiers compare, which thresholds were crossed and what "
              "changed since the last scheduled run.",
        "zh": "获客成本、客户价值、转化与满意度的走势，各渠道、区域和价值层级的对比，触发了哪些预警，"
              "以及相对上次定期运行的变化。"},
    "kpi.loaded": {"en": "Data: {tables} tables from {source}, as of **{as_of}**; {periods} {freq} periods from {first} to {last}.",
                   "zh": "数据：来自 {source} 的 {tables} 张表，截至 **{as_of}**；{first} 至 {last} 共 {periods} 个{freq}周期。"},
    "freq.quarter": {"en": "quarterly", "zh": "季度"},
    "freq.month": {"en": "monthly", "zh": "月度"},
    "kpi.section.headlines": {"en": "Headline KPIs", "zh": "核心指标"},
    "kpi.section.trends": {"en": "Trends and forecast", "zh": "趋势与预测"},
    "kpi.section.funnel": {"en": "Funnel conversion", "zh": "漏斗转化"},
    "kpi.section.channels": {"en": "Acquisition cost by channel", "zh": "各渠道获客成本"},
    "kpi.section.segments": {"en": "Regions, industries and value tiers", "zh": "区域、行业与价值层级"},
    "kpi.section.alerts": {"en": "Alerts", "zh": "预警"},
    "kpi.section.run_over_run": {"en": "Since the last run", "zh": "相对上次运行"},
    "kpi.section.missing": {"en": "Not available with this data", "zh": "当前数据无法计算"},
    "kpi.col.kpi": {"en": "KPI", "zh": "指标"},
    "kpi.col.value": {"en": "value", "zh": "数值"},
    "kpi.col.pop": {"en": "vs previous period", "zh": "环比"},
    "kpi.col.yoy": {"en": "vs a year earlier", "zh": "同比"},
    "kpi.col.previous": {"en": "previous run", "zh": "上次运行"},
    "kpi.col.delta": {"en": "change", "zh": "变化"},
    "kpi.col.group": {"en": "group", "zh": "分组"},
    "kpi.col.customers": {"en": "customers", "zh": "客户数"},
    "kpi.col.small": {"en": "small sample", "zh": "样本较小"},
    "kpi.col.rank": {"en": "rank", "zh": "排序"},
    "kpi.col.alert": {"en": "alert", "zh": "预警"},
    "kpi.col.drivers": {"en": "drivers", "zh": "原因"},
    "kpi.col.tier": {"en": "tier", "zh": "层级"},
    "kpi.col.accounts": {"en": "accounts", "zh": "客户数"},
    "kpi.col.clv_mean": {"en": "average CLV", "zh": "平均终身价值"},
    "kpi.col.clv_share": {"en": "share of total CLV", "zh": "占总终身价值比例"},
    "kpi.col.new_customers": {"en": "new customers", "zh": "新客户"},
    "kpi.col.cost": {"en": "acquisition cost", "zh": "获客费用"},
    "kpi.col.interval": {"en": "range", "zh": "区间"},
    "kpi.chart.actual": {"en": "actual", "zh": "实际"},
    "kpi.chart.forecast": {"en": "forecast", "zh": "预测"},
    "kpi.chart.band": {"en": "forecast band", "zh": "预测区间"},
    "kpi.finding.headline": {
        "en": "In {period}, CAC was {cac} and CLV {clv}, a CLV:CAC of {ratio}; NPS stood at {nps}.",
        "zh": "{period}，获客成本为 {cac}，客户终身价值为 {clv}，终身价值/获客成本为 {ratio}；净推荐值为 {nps}。"},
    "kpi.finding.trend": {
        "en": "{kpi} moved {pop} against the previous period and {yoy} against a year earlier. "
              "The forecast missed the last {holdout} held-back periods by {mape} on average ({method}).",
        "zh": "{kpi}环比变化 {pop}，同比变化 {yoy}。预测在最后 {holdout} 个留出周期上的平均误差为 {mape}（{method}）。"},
    "kpi.finding.forecast": {"en": "Next period's {kpi} is expected between {lo} and {hi}.",
                             "zh": "预计下一周期{kpi}在 {lo} 至 {hi} 之间。"},
    "kpi.finding.funnel": {
        "en": "Of {engaged} engaged accounts in {period}, {opp_rate} opened an opportunity and "
              "{won_rate} of those won one; the win rate on closed deals was {win} with a median cycle of {cycle} days.",
        "zh": "{period} 有互动的 {engaged} 家客户中，{opp_rate} 产生了商机，其中 {won_rate} 成交；"
              "已关闭商机的赢单率为 {win}，销售周期中位数 {cycle} 天。"},
    "kpi.finding.channels": {
        "en": "The cheapest channel to acquire through was **{best}** ({best_cac} per customer), "
              "the most expensive **{worst}** ({worst_cac}); method: {method}.",
        "zh": "获客成本最低的渠道是 **{best}**（每位客户 {best_cac}），最高的是 **{worst}**（{worst_cac}）；方法：{method}。"},
    "kpi.method.recorded": {"en": "mean recorded acquisition cost of the new customers",
                            "zh": "新客户记录的平均获客成本"},
    "kpi.method.spend": {"en": "channel spend over the channel's new customers",
                         "zh": "渠道投入除以该渠道的新客户数"},
    "kpi.finding.channels_none": {"en": "No channel had new customers in the window.",
                                  "zh": "统计窗口内没有任何渠道获得新客户。"},
    "kpi.finding.segments": {
        "en": "Over the comparison window {kpi} ranged from {low} in **{low_group}** to {high} in "
              "**{high_group}** by {dim}; hollow dots mark groups too small to judge and the lines "
              "show the likely range.",
        "zh": "在对比窗口内按{dim}看，{kpi}从 **{low_group}** 的 {low} 到 **{high_group}** 的 {high}；"
              "空心点表示样本过小的分组，横线表示可能的区间。"},
    "kpi.tier_source.profit_clv": {"en": "value assessment, profit CLV",
                                   "zh": "客户价值评估（利润终身价值）"},
    "kpi.tier_source.clv": {"en": "value assessment, CLV", "zh": "客户价值评估（终身价值）"},
    "kpi.tier_source.none": {"en": "value assessment not available",
                             "zh": "客户价值评估不可用"},
    "kpi.finding.tiers": {
        "en": "**{tier}** accounts carry {share} of total CLV at {clv} each on average, {ratio} times CAC.",
        "zh": "**{tier}** 客户占总终身价值的 {share}，平均每家 {clv}，为获客成本的 {ratio} 倍。"},
    "kpi.finding.tiers_source": {"en": "Value tiers: {source}.", "zh": "价值层级来源：{source}。"},
    "kpi.finding.alerts": {"en": "{n} alert(s) fired; the most severe: {top}",
                           "zh": "触发了 {n} 条预警；最严重的是：{top}"},
    "kpi.finding.no_alerts": {"en": "No alert threshold was reached in {period}.",
                              "zh": "{period} 没有指标触及预警阈值。"},
    "kpi.finding.ror": {"en": "Compared with the run on data as of {as_of}: {changes}.",
                        "zh": "与数据截至 {as_of} 的运行相比：{changes}。"},
    "kpi.finding.ror_none": {"en": "This is the first run with a KPI snapshot; the next run will show changes against it.",
                             "zh": "这是第一次保存指标快照的运行；下次运行将显示相对本次的变化。"},
    "kpi.missing": {"en": "Missing tables: {tables}. The sections that need them are skipped.",
                    "zh": "缺少数据表：{tables}。需要这些表的部分已跳过。"},
    "kpi.missing_none": {"en": "Every table the KPIs use is present.",
                         "zh": "计算指标所需的数据表均已具备。"},
}


LOCALES = Path(__file__).parent / "locales"
# Every kernel reads all catalogs at import; the C loader makes that ten times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_catalogs(folder: Path = LOCALES) -> dict[str, dict[str, str]]:
    """Read ``locales/<notebook>.yaml`` catalogs (``key: {en: ..., zh: ...}``).

    One file per notebook keeps each report's texts together; a key defined twice is an
    error, so two catalogs can never silently disagree.
    """
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.yaml")):
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        for key, entry in entries.items():
            if key in LABELS or key in merged:
                raise ValueError(f"locales/{path.name}: text key {key!r} is defined twice")
            if not isinstance(entry, Mapping) or "en" not in entry:
                raise ValueError(f"locales/{path.name}: {key!r} needs at least an 'en' text")
            merged[key] = {lang: str(text) for lang, text in entry.items()}
    return merged


LABELS.update(_load_catalogs())


def check_language(language: str) -> str:
    """Return ``language`` if supported, else raise a :class:`ParamError` naming the options."""
    if language not in LANGUAGES:
        raise ParamError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return language


def t(key: str, language: str = "en", *, default: str | None = None, **values) -> str:
    """The text for ``key`` in ``language``, with ``values`` filled in.

    Parameters
    ----------
    key : str
        A key of :data:`LABELS`.
    language : {"en", "zh"}
    default : str, optional
        Returned (formatted) when the key is unknown; without it an unknown key raises.
    **values
        Fields of the template.

    Returns
    -------
    str
    """
    check_language(language)
    entry = LABELS.get(key)
    if entry is None:
        if default is None:
            from helpers.core.errors import suggest

            raise KeyError(f"no text for {key!r}{suggest(key, list(LABELS))}")
        text = default
    else:
        text = entry.get(language) or entry["en"]
    return text.format(**values) if values else text


def code_label(prefix: str, code: Any, language: str = "en") -> str:
    """A code from the data (``trade_show``) in the report's words.

    Parameters
    ----------
    prefix : str
        Locale prefix of the codes' texts, e.g. ``"budget_allocation.channel"``.
    code : object
        The code as the data holds it.
    language : {"en", "zh"}

    Returns
    -------
    str
        The text of ``<prefix>.<code>``; a code without a text reads with its underscores
        as spaces (``new_market`` → ``new market``).
    """
    text = str(code)
    return t(f"{prefix}.{text}", language, default=text.replace("_", " "))


def scoped(prefix: str, language: str = "en") -> Callable[..., str]:
    """A :func:`t` bound to one key prefix and one language.

    A section of a report looks up many texts under the same prefix; the returned
    ``say`` keeps those calls short::

        say = scoped("budget_allocation.mix", language)
        say("unchanged", why=why)   # == t("budget_allocation.mix.unchanged", language, why=why)

    Parameters
    ----------
    prefix : str
        Key prefix without the trailing dot.
    language : {"en", "zh"}
        Checked on every call, as by :func:`t`.

    Returns
    -------
    callable
        ``say(key, **values)`` returning ``t(f"{prefix}.{key}", language, **values)``.
    """
    def say(key: str, **values) -> str:
        return t(f"{prefix}.{key}", language, **values)

    return say


def labels(language: str, prefix: str = "") -> dict[str, str]:
    """Every text whose key starts with ``prefix``, keyed by the rest of the key.

    ``labels("zh", "chrome.")["contents"] == "目录"``; templates take this dictionary.
    """
    check_language(language)
    return {k[len(prefix):]: (v.get(language) or v["en"]) for k, v in LABELS.items()
            if k.startswith(prefix)}


def missing(language: str) -> list[str]:
    """Keys that have no text in ``language`` (they fall back to English)."""
    check_language(language)
    return sorted(k for k, v in LABELS.items() if not v.get(language))


def translate_frame_columns(columns: Mapping[str, str], language: str) -> dict[str, str]:
    """``{column: label}`` for :meth:`pandas.DataFrame.rename` from ``{column: key}``."""
    return {col: t(key, language) for col, key in columns.items()}


#: metadata key of a markdown cell whose text is the locale text of that key
MARKDOWN_KEY = "i18n"


def translate_markdown(nb, language: str):
    """Markdown cells in the report language.

    A markdown cell whose metadata holds ``{"i18n": "<key>"}`` carries the English text of
    that key, so the notebook reads as a story in JupyterLab; for another language the
    runner swaps in that language's text before the notebook runs.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Modified in place and returned.
    language : {"en", "zh"}

    Returns
    -------
    nbformat.NotebookNode
    """
    check_language(language)
    for cell in nb.cells:
        key = cell.get("metadata", {}).get(MARKDOWN_KEY)
        if cell.get("cell_type") == "markdown" and key:
            cell.source = t(key, language)
    return nb
