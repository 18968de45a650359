"""What the data can support, measured from the data.

Real exports are thinner than the sample world: columns are absent or empty, timestamps
carry no time of day, history is short, most customers bought once. :func:`measure` reads
those facts from the workspace in a few engine queries, and :meth:`Capabilities.support`
turns them into a verdict per analysis (supported, partial or not supported) with the
reason as a code with values (:class:`Reason`). The wording lives in
:mod:`helpers.presentation.capability_text`, which the notebooks use to show a one-line
"skipped" note instead of crashing or guessing::

    caps = capabilities.cached_measure(ws, as_of, output_dir)
    note = capability_text.skip_note(caps.support("value.clv_model"), language)
    if note:
        display(Markdown(note))
    else:
        ...
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import ibis
import pandas as pd

from helpers.core.params import as_of_date
from helpers.data.contract import CONTRACT

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "ANALYSES",
    "ANALYSIS_BY_KEY",
    "Analysis",
    "Capabilities",
    "FIRMOGRAPHICS",
    "Need",
    "Reason",
    "STATUSES",
    "TIME_OF_DAY_MIN_SHARE",
    "any_column",
    "cached_measure",
    "column",
    "customers",
    "experiments",
    "history_days",
    "measure",
    "repeat_buyers",
    "spend_months",
    "table",
    "time_of_day",
]

#: below this share of rows with a time of day, a timestamp column counts as date only
TIME_OF_DAY_MIN_SHARE = 0.01
STATUSES = ("supported", "partial", "not_supported")


class Reason(NamedTuple):
    """Why a need is not met: a code and the values its wording takes.

    Parameters
    ----------
    code : str
        ``table``, ``column``, ``any_column``, ``time_of_day``, ``no_experiment`` or a counted
        need (``history_days``, ``repeat_buyers``, ``customers``, ``experiments``,
        ``spend_months``); the text key is ``capabilities.reason.<code>``.
    values : tuple of (str, object)
        The named values of the wording, e.g. ``(("table", "orders"),)``; counted needs
        carry the count ``n`` and the ``minimum``.
    """

    code: str
    values: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Need:
    """One thing an analysis needs from the data.

    Parameters
    ----------
    kind : {"table", "column", "any_column", "time_of_day", "history_days", "repeat_buyers", \
"customers", "experiments", "spend_months"}
        What is checked.
    table : str
        Contract table, for table and column needs.
    columns : tuple of str
        Columns: one for ``column`` and ``time_of_day``, several for ``any_column`` (at
        least one of them populated).
    minimum : float
        The threshold of the counted needs (days, buyers, customers, experiments, months).
    """

    kind: str
    table: str = ""
    columns: tuple[str, ...] = ()
    minimum: float = 0


def table(name: str) -> Need:
    """Need the table ``name`` with at least one row."""
    return Need("table", name)


def column(name: str, col: str) -> Need:
    """Need column ``col`` of table ``name`` present and not entirely empty."""
    return Need("column", name, (col,))


def any_column(name: str, *cols: str) -> Need:
    """Need at least one of ``cols`` of table ``name`` populated."""
    return Need("any_column", name, tuple(cols))


def time_of_day(name: str, col: str) -> Need:
    """Need timestamps with a time of day, not dates only."""
    return Need("time_of_day", name, (col,))


def history_days(days: int) -> Need:
    """Need at least ``days`` days between the first order and ``as_of``."""
    return Need("history_days", minimum=days)


def repeat_buyers(n: int) -> Need:
    """Need at least ``n`` accounts that ordered on two or more days."""
    return Need("repeat_buyers", minimum=n)


def customers(n: int) -> Need:
    """Need at least ``n`` accounts with an order."""
    return Need("customers", minimum=n)


def experiments(n: int = 1) -> Need:
    """Need ``n`` experiments with two or more variants in the interactions."""
    return Need("experiments", minimum=n)


def spend_months(n: int) -> Need:
    """Need marketing spend in at least ``n`` distinct periods."""
    return Need("spend_months", minimum=n)


FIRMOGRAPHICS = ("industry", "employees", "annual_revenue", "region", "country", "city")


@dataclass(frozen=True)
class Analysis:
    """An analysis of a notebook and what it needs.

    Parameters
    ----------
    key : str
        ``<area>.<name>``; its translated name is the text key ``capabilities.analysis.<key>``.
    notebook : str
        The notebook that runs it.
    label : str
        English name, for messages of the data layer (validation).
    needs : tuple of Need
        Without any of these it is not supported.
    improves : tuple of Need
        Without any of these it runs, but only in part (a fallback the report labels).
    """

    key: str
    notebook: str
    label: str
    needs: tuple[Need, ...] = ()
    improves: tuple[Need, ...] = ()


A = Analysis
#: Every analysis of the workbook and what it needs, in report order.
ANALYSES: tuple[Analysis, ...] = (
    A("profiling.firmographics", "customer_profiling", "Firmographic profile",
      (any_column("accounts", *FIRMOGRAPHICS),)),
    A("profiling.icp", "customer_profiling", "Ideal customer profile and fit scores",
      (customers(20), any_column("accounts", *FIRMOGRAPHICS)),
      (column("orders", "gross_margin"),)),
    A("profiling.decision_process", "customer_profiling", "Decision process",
      (table("contacts"), table("opportunities"), column("contacts", "role"))),
    A("profiling.pain_points", "customer_profiling", "Needs and pain points",
      (column("surveys", "pain_points"),)),
    A("profiling.timing", "customer_profiling", "Activity by weekday and hour",
      (table("interactions"),), (time_of_day("interactions", "timestamp"),)),
    # segments are industry x size band (from employees) x stage
    A("segmentation.rule_segments", "customer_segmentation", "Segments by industry and size",
      (any_column("accounts", "industry", "employees"),),
      (column("accounts", "industry"), column("accounts", "employees"))),
    A("segmentation.lifecycle", "customer_segmentation", "Lifecycle stages", (customers(1),),
      (history_days(365),)),
    A("segmentation.clusters", "customer_segmentation", "Behavioural clusters",
      (customers(50), repeat_buyers(20)), (table("interactions"),)),
    A("value.rfm", "customer_value", "RFM scores and segments", (customers(5),),
      (repeat_buyers(10),)),
    A("value.clv_model", "customer_value", "CLV purchase model (BG/NBD)",
      (repeat_buyers(30), history_days(180))),
    A("value.holdout", "customer_value", "CLV check on held-back months",
      (repeat_buyers(30), history_days(365))),
    A("value.profit_clv", "customer_value", "Profit CLV (margin and cost to serve)",
      (column("orders", "gross_margin"),), (table("service_costs"),)),
    A("value.at_risk", "customer_value", "At-risk alarm", (repeat_buyers(30), history_days(365))),
    A("value.clv_cac", "customer_value", "CLV to CAC by acquisition channel",
      (column("accounts", "acquisition_channel"), column("accounts", "acquisition_cost"),
       column("orders", "gross_margin"))),
    A("content.performance", "content_evaluation", "Content performance",
      (table("content"), column("interactions", "content_id")),
      (table("opportunities"), column("content", "production_cost"))),
    A("content.for_whom", "content_evaluation", "What converts for whom",
      (column("content", "content_category"), column("interactions", "content_id"),
       table("opportunities"))),
    A("content.calendar", "content_evaluation", "Publishing calendar",
      (column("content", "publish_date"),)),
    A("content.gaps", "content_evaluation", "Pain points without content",
      (column("surveys", "pain_points"), table("content"))),
    A("content.distribution", "content_evaluation", "Channels carrying each asset",
      (column("interactions", "content_id"), column("interactions", "channel"))),
    A("content.channels", "content_evaluation", "Channel comparison",
      (column("interactions", "channel"),), (table("opportunities"), table("marketing_spend"))),
    A("content.ab_tests", "content_evaluation", "A/B tests", (experiments(1),)),
    # without a time of day the weekday pattern still holds; only the hours are left out
    A("content.timing", "content_evaluation", "Best send times",
      (column("interactions", "channel"),), (time_of_day("interactions", "timestamp"),)),
    A("content.attribution", "content_evaluation", "Channel attribution",
      (column("interactions", "channel"), table("opportunities"))),
    A("content.content_attribution", "content_evaluation", "Content attribution",
      (column("interactions", "content_id"), column("content", "content_category"),
       table("opportunities"))),
    # fewer spend periods or no opportunities: constant-ROI fallback curves, labelled per channel
    A("budget.response_curves", "budget_allocation", "Spend response curves and channel mix",
      (table("marketing_spend"),), (spend_months(12), table("opportunities"))),
    A("budget.tiers", "budget_allocation", "Budget by account tier", (customers(20),)),
    # new customers need a year of orders before them, so CAC does as well
    A("kpis.cac", "kpi_monitoring", "Customer acquisition cost (CAC)",
      (table("marketing_spend"), customers(1), history_days(365))),
    A("kpis.channels", "kpi_monitoring", "Acquisition cost by channel",
      (column("accounts", "acquisition_channel"), customers(1))),
    A("kpis.conversion", "kpi_monitoring", "Win rate and conversion",
      (table("opportunities"), column("opportunities", "stage")), (table("interactions"),)),
    # churn compares two consecutive years of orders
    A("kpis.churn", "kpi_monitoring", "Churn rate and revenue retention",
      (customers(20), history_days(730))),
    A("kpis.clv", "kpi_monitoring", "Customer lifetime value (CLV) in the KPIs",
      (column("orders", "gross_margin"), customers(20), history_days(730))),
    A("kpis.satisfaction", "kpi_monitoring", "Satisfaction (NPS)", (column("surveys", "nps"),)),
    # a trend and a forecast with a held-back check need a year of periods
    A("kpis.trends", "kpi_monitoring", "KPI trends and forecasts", (history_days(365),)),
)
ANALYSIS_BY_KEY: dict[str, Analysis] = {a.key: a for a in ANALYSES}


@dataclass
class Capabilities:
    """Facts about one data source at one ``as_of``; see :func:`measure`.

    Attributes
    ----------
    as_of : str
        Analysis date, ISO format.
    rows : dict
        Rows per contract table that the source provides.
    populated : dict
        ``{table: {column: non-empty values}}`` for every contract column the source has.
    time_of_day : dict
        ``{"table.column": bool}`` per timestamp column: whether it carries times of day.
    first_order, last_order : str or None
        First and last order date up to ``as_of``.
    history_days : int
        Days from the first order to ``as_of`` (0 without orders).
    customers, repeat_buyers : int
        Accounts with an order; those with orders on two or more days.
    median_tenure_days : float or None
        Median days from a customer's first order to ``as_of``.
    order_months : int
        Calendar months with at least one order.
    experiments : int
        Experiments with two or more variants in the interactions.
    spend_months : int
        Distinct spend periods.
    ignored : dict
        Optional tables left out because a column they cannot do without is absent.
    """

    as_of: str
    rows: dict = field(default_factory=dict)
    populated: dict = field(default_factory=dict)
    time_of_day: dict = field(default_factory=dict)
    first_order: str | None = None
    last_order: str | None = None
    history_days: int = 0
    customers: int = 0
    repeat_buyers: int = 0
    median_tenure_days: float | None = None
    order_months: int = 0
    experiments: int = 0
    spend_months: int = 0
    ignored: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ facts
    def has(self, name: str, col: str | None = None) -> bool:
        """Whether table ``name`` has rows and, if given, ``col`` has any value."""
        if not self.rows.get(name):
            return False
        return col is None or self.populated.get(name, {}).get(col, 0) > 0

    def missing_columns(self, name: str) -> list[str]:
        """Contract columns of table ``name`` that are absent or entirely empty."""
        if name not in self.rows:
            return []
        have = self.populated.get(name, {})
        return [c.name for c in CONTRACT[name].columns if have.get(c.name, 0) == 0]

    def empty_columns(self, name: str) -> list[str]:
        """Columns of table ``name`` that the source has but that hold no value."""
        return [c for c, n in self.populated.get(name, {}).items() if n == 0 and self.rows.get(name)]

    # ------------------------------------------------------------------ verdicts
    def _check(self, need: Need) -> Reason | None:
        """``None`` when ``need`` is met, else the reason."""
        if need.kind == "table":
            return None if self.has(need.table) else Reason("table", (("table", need.table),))
        if need.kind == "column":
            if not self.has(need.table):
                return Reason("table", (("table", need.table),))
            col = need.columns[0]
            return None if self.has(need.table, col) else Reason(
                "column", (("column", f"{need.table}.{col}"),))
        if need.kind == "any_column":
            if any(self.has(need.table, c) for c in need.columns):
                return None
            return Reason("any_column",
                          (("columns", ", ".join(f"{need.table}.{c}" for c in need.columns)),))
        if need.kind == "time_of_day":
            col = need.columns[0]
            if not self.has(need.table, col):
                return Reason("column", (("column", f"{need.table}.{col}"),))
            return None if self.time_of_day.get(f"{need.table}.{col}") else Reason(
                "time_of_day", (("column", f"{need.table}.{col}"),))
        if need.kind == "spend_months" and not self.has("marketing_spend"):
            return Reason("table", (("table", "marketing_spend"),))
        if need.kind == "experiments" and not self.has("interactions"):
            return Reason("table", (("table", "interactions"),))
        counted = {"history_days": self.history_days, "repeat_buyers": self.repeat_buyers,
                   "customers": self.customers, "experiments": self.experiments,
                   "spend_months": self.spend_months}[need.kind]
        if counted >= need.minimum:
            return None
        if need.kind == "experiments" and need.minimum <= 1:
            return Reason("no_experiment")
        return Reason(need.kind, (("n", counted), ("minimum", need.minimum)))

    def support(self, key: str) -> tuple[str, list[Reason]]:
        """Whether the data supports analysis ``key``.

        Returns
        -------
        (status, reasons)
            ``status`` is one of :data:`STATUSES`; ``reasons`` says what is lacking (empty
            when supported), as codes with values that
            :mod:`helpers.presentation.capability_text` words.
        """
        analysis = ANALYSIS_BY_KEY[key]
        # dict keeps the first of equal reasons (two columns of one absent table)
        lacking = list(dict.fromkeys(r for r in map(self._check, analysis.needs) if r))
        if lacking:
            return "not_supported", lacking
        partial = list(dict.fromkeys(r for r in map(self._check, analysis.improves) if r))
        return ("partial", partial) if partial else ("supported", [])

    def supports(self, key: str) -> bool:
        """Whether analysis ``key`` can run (fully or in part)."""
        return self.support(key)[0] != "not_supported"

    def support_rows(self) -> list[dict]:
        """Every analysis in report order with its notebook, status and reasons.

        Returns
        -------
        list of dict
            ``{"key", "notebook", "status", "reasons"}`` per analysis of :data:`ANALYSES`.
        """
        rows = []
        for a in ANALYSES:
            status, reasons = self.support(a.key)
            rows.append({"key": a.key, "notebook": a.notebook, "status": status,
                         "reasons": reasons})
        return rows

    def as_dict(self) -> dict:
        """Plain dict (JSON-able)."""
        return asdict(self)



def _column_counts(ws: Workspace, name: str) -> tuple[int, dict[str, int], dict[str, bool]]:
    """Rows, non-empty values per present contract column and time-of-day flags, one scan."""
    raw_cols = set(ws.raw(name).columns)
    t = ws.table(name)
    schema = t.schema()
    metrics = {"_rows": t.count()}
    stamps = []
    for col in CONTRACT[name].columns:
        if col.name not in raw_cols:
            continue
        c = t[col.name]
        if schema[col.name].is_string():
            metrics[col.name] = ibis.ifelse(c.notnull() & (c.strip() != ""), 1, 0).sum()
        else:
            metrics[col.name] = c.count()
        if col.dtype == "timestamp" and schema[col.name].is_timestamp():
            stamps.append(col.name)
            timed = (c.hour() != 0) | (c.minute() != 0) | (c.second() != 0)
            metrics[f"_time_{col.name}"] = ibis.ifelse(c.notnull() & timed, 1, 0).sum()
    row = t.aggregate(**metrics).to_pyarrow().to_pylist()[0]
    rows = int(row["_rows"] or 0)
    counts = {k: int(v or 0) for k, v in row.items() if not k.startswith("_")}
    times = {}
    for col in CONTRACT[name].columns:
        if col.dtype == "timestamp" and col.name in raw_cols:
            n = counts.get(col.name, 0)
            timed = int(row.get(f"_time_{col.name}") or 0) if col.name in stamps else 0
            times[f"{name}.{col.name}"] = bool(n) and timed >= TIME_OF_DAY_MIN_SHARE * n
    return rows, counts, times


def measure(ws: Workspace, as_of) -> Capabilities:
    """Measure what the data in ``ws`` can support at ``as_of``.

    Parameters
    ----------
    ws : helpers.data.datasets.Workspace
        The opened data source.
    as_of : date-like
        Analysis date; later orders are not counted.

    Returns
    -------
    Capabilities
    """
    day = as_of_date(as_of)
    caps = Capabilities(as_of=day.isoformat(), ignored=dict(getattr(ws, "ignored", {})))
    for name in ws.names:
        rows, counts, times = _column_counts(ws, name)
        caps.rows[name] = rows
        caps.populated[name] = counts
        caps.time_of_day.update(times)
    if caps.has("orders", "order_date") and caps.has("orders", "account_id"):
        o = ws.table("orders")
        o = o.filter(o.order_date.notnull() & o.account_id.notnull() & (o.order_date <= day))
        per = o.group_by("account_id").aggregate(first=o.order_date.min(),
                                                 days=o.order_date.nunique())
        per = per.mutate(tenure=ibis.literal(day).delta(per.first, unit="day"))
        stats = per.aggregate(
            customers=per.count(),
            repeat=ibis.ifelse(per.days >= 2, 1, 0).sum(),
            first=per.first.min(),
            tenure=per.tenure.median(),
        ).to_pyarrow().to_pylist()[0]
        totals = o.aggregate(last=o.order_date.max(),
                             months=o.order_date.truncate("M").nunique()).to_pyarrow().to_pylist()[0]
        caps.customers = int(stats["customers"] or 0)
        caps.repeat_buyers = int(stats["repeat"] or 0)
        if stats["first"] is not None:
            first = pd.Timestamp(stats["first"]).date()
            caps.first_order = first.isoformat()
            caps.history_days = max((day - first).days, 0)
        if stats["tenure"] is not None:
            caps.median_tenure_days = float(stats["tenure"])
        if totals["last"] is not None:
            caps.last_order = pd.Timestamp(totals["last"]).date().isoformat()
        caps.order_months = int(totals["months"] or 0)
    if caps.has("interactions", "experiment_id") and caps.has("interactions", "variant"):
        i = ws.table("interactions")
        i = i.filter(i.experiment_id.notnull() & i.variant.notnull())
        per = i.group_by("experiment_id").aggregate(variants=i.variant.nunique())
        caps.experiments = int(per.filter(per.variants >= 2).count().to_pandas())
    if caps.has("marketing_spend", "period_start"):
        s = ws.table("marketing_spend")
        s = s.filter(s.period_start <= day)
        caps.spend_months = int(s.period_start.truncate("M").nunique().to_pandas() or 0)
    return caps


def cached_measure(ws: Workspace, as_of, cache_dir=None, *, refresh: bool = False) -> Capabilities:
    """:func:`measure`, computed once per run folder and shared by every notebook.

    Parameters
    ----------
    ws : helpers.data.datasets.Workspace
        The opened data source.
    as_of : date-like
        Analysis date.
    cache_dir : path-like, optional
        The notebook's ``output_dir``; without it nothing is cached.
    refresh : bool
        Measure again even when cached.

    Returns
    -------
    Capabilities
    """
    if cache_dir is None:
        return measure(ws, as_of)
    from helpers.data import feature_cache

    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    key = {"data": feature_cache.workspace_fingerprint(ws), "as_of": as_of_date(as_of).isoformat(),
           "code": code}
    stored = feature_cache.cached_json("capabilities", key,
                                       lambda: measure(ws, as_of).as_dict(), cache_dir,
                                       refresh=refresh)
    return Capabilities(**stored)
