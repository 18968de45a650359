"""What the data can support, measured from the data.

Real exports are thinner than the sample world: columns are absent or empty, timestamps
carry no time of day, history is short, most customers bought once. :func:`measure` reads
those facts from the workspace in a few engine queries, and :meth:`Capabilities.support`
turns them into a verdict per analysis (supported, partial or not supported) with the
reason, which the notebooks show as a one-line "skipped" note instead of crashing or
guessing::

    caps = capabilities.cached_measure(ws, as_of, output_dir)
    note = caps.skip_note("value.clv_model", language)
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

import ibis
import pandas as pd

from helpers.presentation import i18n
from helpers.data.contract import CONTRACT

#: below this share of rows with a time of day, a timestamp column counts as date only
TIME_OF_DAY_MIN_SHARE = 0.01
STATUSES = ("supported", "partial", "not_supported")


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
        ``<area>.<name>``; its label is the text key ``capabilities.analysis.<key>``.
    notebook : str
        The notebook that runs it.
    needs : tuple of Need
        Without any of these it is not supported.
    improves : tuple of Need
        Without any of these it runs, but only in part (a fallback the report labels).
    """

    key: str
    notebook: str
    needs: tuple[Need, ...] = ()
    improves: tuple[Need, ...] = ()


A = Analysis
#: Every analysis of the workbook and what it needs, in report order.
ANALYSES: tuple[Analysis, ...] = (
    A("profiling.firmographics", "customer_profiling", (any_column("accounts", *FIRMOGRAPHICS),)),
    A("profiling.icp", "customer_profiling",
      (customers(20), any_column("accounts", *FIRMOGRAPHICS)),
      (column("orders", "gross_margin"),)),
    A("profiling.decision_process", "customer_profiling",
      (table("contacts"), table("opportunities"), column("contacts", "role"))),
    A("profiling.pain_points", "customer_profiling", (column("surveys", "pain_points"),)),
    A("profiling.timing", "customer_profiling", (table("interactions"),),
      (time_of_day("interactions", "timestamp"),)),
    # segments are industry x size band (from employees) x stage
    A("segmentation.rule_segments", "customer_segmentation",
      (any_column("accounts", "industry", "employees"),),
      (column("accounts", "industry"), column("accounts", "employees"))),
    A("segmentation.lifecycle", "customer_segmentation", (customers(1),),
      (history_days(365),)),
    A("segmentation.clusters", "customer_segmentation", (customers(50), repeat_buyers(20)),
      (table("interactions"),)),
    A("value.rfm", "customer_value", (customers(5),), (repeat_buyers(10),)),
    A("value.clv_model", "customer_value", (repeat_buyers(30), history_days(180))),
    A("value.holdout", "customer_value", (repeat_buyers(30), history_days(365))),
    A("value.profit_clv", "customer_value", (column("orders", "gross_margin"),),
      (table("service_costs"),)),
    A("value.at_risk", "customer_value", (repeat_buyers(30), history_days(365))),
    A("value.clv_cac", "customer_value",
      (column("accounts", "acquisition_channel"), column("accounts", "acquisition_cost"),
       column("orders", "gross_margin"))),
    A("content.performance", "content_evaluation",
      (table("content"), column("interactions", "content_id")),
      (table("opportunities"), column("content", "production_cost"))),
    A("content.for_whom", "content_evaluation",
      (column("content", "content_category"), column("interactions", "content_id"),
       table("opportunities"))),
    A("content.calendar", "content_evaluation", (column("content", "publish_date"),)),
    A("content.gaps", "content_evaluation", (column("surveys", "pain_points"), table("content"))),
    A("content.distribution", "content_evaluation",
      (column("interactions", "content_id"), column("interactions", "channel"))),
    A("content.channels", "content_evaluation", (column("interactions", "channel"),),
      (table("opportunities"), table("marketing_spend"))),
    A("content.ab_tests", "content_evaluation", (experiments(1),)),
    # without a time of day the weekday pattern still holds; only the hours are left out
    A("content.timing", "content_evaluation", (column("interactions", "channel"),),
      (time_of_day("interactions", "timestamp"),)),
    A("content.attribution", "content_evaluation",
      (column("interactions", "channel"), table("opportunities"))),
    A("content.content_attribution", "content_evaluation",
      (column("interactions", "content_id"), column("content", "content_category"),
       table("opportunities"))),
    # fewer spend periods or no opportunities: constant-ROI fallback curves, labelled per channel
    A("budget.response_curves", "budget_allocation", (table("marketing_spend"),),
      (spend_months(12), table("opportunities"))),
    A("budget.tiers", "budget_allocation", (customers(20),)),
    # new customers need a year of orders before them, so CAC does as well
    A("kpis.cac", "kpi_monitoring", (table("marketing_spend"), customers(1), history_days(365))),
    A("kpis.channels", "kpi_monitoring", (column("accounts", "acquisition_channel"), customers(1))),
    A("kpis.conversion", "kpi_monitoring", (table("opportunities"), column("opportunities", "stage")),
      (table("interactions"),)),
    # churn compares two consecutive years of orders
    A("kpis.churn", "kpi_monitoring", (customers(20), history_days(730))),
    A("kpis.clv", "kpi_monitoring", (column("orders", "gross_margin"), customers(20),
                                     history_days(730))),
    A("kpis.satisfaction", "kpi_monitoring", (column("surveys", "nps"),)),
    # a trend and a forecast with a held-back check need a year of periods
    A("kpis.trends", "kpi_monitoring", (history_days(365),)),
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
    def _check(self, need: Need, language: str) -> str | None:
        """``None`` when ``need`` is met, else the reason in ``language``."""
        def say(key: str, **values) -> str:
            return i18n.t(f"capabilities.reason.{key}", language, **values)

        if need.kind == "table":
            return None if self.has(need.table) else say("table", table=need.table)
        if need.kind == "column":
            if not self.has(need.table):
                return say("table", table=need.table)
            col = need.columns[0]
            return None if self.has(need.table, col) else say(
                "column", column=f"{need.table}.{col}")
        if need.kind == "any_column":
            if any(self.has(need.table, c) for c in need.columns):
                return None
            return say("any_column", columns=", ".join(f"{need.table}.{c}" for c in need.columns))
        if need.kind == "time_of_day":
            col = need.columns[0]
            if not self.has(need.table, col):
                return say("column", column=f"{need.table}.{col}")
            return None if self.time_of_day.get(f"{need.table}.{col}") else say(
                "time_of_day", column=f"{need.table}.{col}")
        if need.kind == "spend_months" and not self.has("marketing_spend"):
            return say("table", table="marketing_spend")
        if need.kind == "experiments" and not self.has("interactions"):
            return say("table", table="interactions")
        counted = {"history_days": self.history_days, "repeat_buyers": self.repeat_buyers,
                   "customers": self.customers, "experiments": self.experiments,
                   "spend_months": self.spend_months}[need.kind]
        if counted >= need.minimum:
            return None
        if need.kind == "experiments" and need.minimum <= 1:
            return say("no_experiment")
        return say(need.kind, n=f"{counted:,}", minimum=f"{need.minimum:,.0f}")

    def support(self, key: str, language: str = "en") -> tuple[str, list[str]]:
        """Whether the data supports analysis ``key``.

        Returns
        -------
        (status, reasons)
            ``status`` is one of :data:`STATUSES`; ``reasons`` says what is lacking, in
            ``language`` (empty when supported).
        """
        analysis = ANALYSIS_BY_KEY[key]
        # dict keeps the first of equal reasons (two columns of one absent table)
        lacking = list(dict.fromkeys(r for r in (self._check(n, language) for n in analysis.needs) if r))
        if lacking:
            return "not_supported", lacking
        partial = list(dict.fromkeys(r for r in (self._check(n, language) for n in analysis.improves) if r))
        return ("partial", partial) if partial else ("supported", [])

    def supports(self, key: str) -> bool:
        """Whether analysis ``key`` can run (fully or in part)."""
        return self.support(key)[0] != "not_supported"

    def skip_note(self, key: str, language: str = "en") -> str | None:
        """The one-line "skipped: reason" note for analysis ``key``, or ``None`` if it runs."""
        status, reasons = self.support(key, language)
        if status != "not_supported":
            return None
        return i18n.t("capabilities.skipped", language,
                      reason=i18n.t("capabilities.join", language).join(reasons))

    def partial_note(self, key: str, language: str = "en") -> str | None:
        """A one-line note on what analysis ``key`` leaves out, or ``None``."""
        status, reasons = self.support(key, language)
        if status != "partial":
            return None
        return i18n.t("capabilities.partial", language,
                      reason=i18n.t("capabilities.join", language).join(reasons))

    def support_frame(self, language: str = "en") -> pd.DataFrame:
        """Every analysis with its status and reason (the data overview's table)."""
        rows = []
        for a in ANALYSES:
            status, reasons = self.support(a.key, language)
            rows.append({
                "notebook": i18n.t(f"notebook.{a.notebook}", language, default=a.notebook),
                "analysis": analysis_label(a.key, language),
                "status": i18n.t(f"capabilities.status.{status}", language),
                "reason": i18n.t("capabilities.join", language).join(reasons) or "–",
            })
        return pd.DataFrame(rows, columns=["notebook", "analysis", "status", "reason"])

    def facts_frame(self, language: str = "en") -> pd.DataFrame:
        """The measured facts as a two-column table of labels and formatted values."""
        yes, no = i18n.t("capabilities.yes", language), i18n.t("capabilities.no", language)
        stamps = ", ".join(f"{k}: {yes if v else no}" for k, v in sorted(self.time_of_day.items()))
        facts = [
            ("first_order", self.first_order or "–"),
            ("last_order", self.last_order or "–"),
            ("history_days", f"{self.history_days:,}"),
            ("customers", f"{self.customers:,}"),
            ("repeat_buyers", f"{self.repeat_buyers:,}"),
            ("median_tenure_days", "–" if self.median_tenure_days is None
             else f"{self.median_tenure_days:,.0f}"),
            ("order_months", f"{self.order_months:,}"),
            ("time_of_day", stamps or "–"),
            ("experiments", f"{self.experiments:,}"),
            ("spend_months", f"{self.spend_months:,}"),
        ]
        return pd.DataFrame(
            [(i18n.t(f"capabilities.fact.{k}", language), v) for k, v in facts],
            columns=[i18n.t("capabilities.col.fact", language),
                     i18n.t("capabilities.col.value", language)])

    def as_dict(self) -> dict:
        """Plain dict (JSON-able)."""
        return asdict(self)


def analysis_label(key: str, language: str = "en") -> str:
    """The name of analysis ``key`` in ``language``."""
    return i18n.t(f"capabilities.analysis.{key}", language, default=key)


def _as_date(value) -> _dt.date:
    return pd.Timestamp(value).date()


def _column_counts(ws, name: str) -> tuple[int, dict[str, int], dict[str, bool]]:
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


def measure(ws, as_of) -> Capabilities:
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
    day = _as_date(as_of)
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
            first = _as_date(stats["first"])
            caps.first_order = first.isoformat()
            caps.history_days = max((day - first).days, 0)
        if stats["tenure"] is not None:
            caps.median_tenure_days = float(stats["tenure"])
        if totals["last"] is not None:
            caps.last_order = _as_date(totals["last"]).isoformat()
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


def cached_measure(ws, as_of, cache_dir=None, *, refresh: bool = False) -> Capabilities:
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
    key = {"data": feature_cache.workspace_fingerprint(ws), "as_of": _as_date(as_of).isoformat(),
           "code": code}
    stored = feature_cache.cached_json("capabilities", key,
                                       lambda: measure(ws, as_of).as_dict(), cache_dir,
                                       refresh=refresh)
    return Capabilities(**stored)
