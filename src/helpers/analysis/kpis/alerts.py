"""Alert rules on KPIs, the alerts a series raises, their drivers and their tests."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError, suggest
from helpers.presentation import i18n

from .breaks import _flag_map
from .formatting import _num, _pct, _share, _unsupported, format_kpi
from .formulas import KPIS, PER_YEAR, growth
from .periods import period_name
from .series import kpi_changes

__all__ = [
    "AlertRule",
    "alert_findings",
    "alert_people_table",
    "alert_rules",
    "alert_table",
    "evaluate_alerts",
    "supported_rules",
]


@dataclass(frozen=True)
class AlertRule:
    """One alert: a KPI, what is measured, and the threshold it must not reach.

    Parameters
    ----------
    kpi : str
        A key of :data:`KPIS`.
    measure : {"value", "pop", "yoy"}
        The latest value, or its period-on-period or year-on-year change (relative for
        money and counts, in points for shares and scores).
    direction : {"above", "below"}
        ``above`` fires when the measure is at or above the threshold, ``below`` when it
        is at or below it.
    threshold : float
    """

    kpi: str
    measure: str
    direction: str
    threshold: float

    def __post_init__(self):
        if self.kpi not in KPIS:
            raise ParamError(f"alert rule: unknown KPI {self.kpi!r}" + suggest(self.kpi, list(KPIS)))
        if self.measure not in ("value", "pop", "yoy"):
            raise ParamError(f"alert rule for {self.kpi}: measure must be value, pop or yoy")
        if self.direction not in ("above", "below"):
            raise ParamError(f"alert rule for {self.kpi}: direction must be above or below")

    def fires(self, measured: float) -> bool:
        """Whether ``measured`` reaches the threshold (compared to 9 decimals, so that
        ``115 / 100 - 1`` counts as exactly 0.15)."""
        if measured is None or not np.isfinite(measured):
            return False
        m, t = round(float(measured), 9), round(float(self.threshold), 9)
        return m >= t if self.direction == "above" else m <= t


def alert_rules(*, cac_increase: float | None = 0.15, nps_below: float | None = 30,
                clv_cac_below: float | None = 3.0, churn_above: float | None = 0.15,
                win_rate_below: float | None = None, nrr_below: float | None = None,
                csat_below: float | None = None) -> list[AlertRule]:
    """The standard rules from simple thresholds; ``None`` switches a rule off.

    Parameters
    ----------
    cac_increase : float
        CAC up by this share or more period on period (0.15 = 15 %).
    nps_below, clv_cac_below, churn_above, win_rate_below, nrr_below, csat_below : float

    Returns
    -------
    list of AlertRule
    """
    spec = [("cac", "pop", "above", cac_increase), ("nps", "value", "below", nps_below),
            ("clv_cac", "value", "below", clv_cac_below),
            ("churn_rate", "value", "above", churn_above),
            ("win_rate", "value", "below", win_rate_below), ("nrr", "value", "below", nrr_below),
            ("csat", "value", "below", csat_below)]
    return [AlertRule(k, m, d, float(t)) for k, m, d, t in spec if t is not None]


def supported_rules(rules: Sequence[AlertRule], caps=None) -> list[AlertRule]:
    """The rules whose KPI the data supports (:data:`KPI_ANALYSES`): no alarm is raised on a
    number the report does not show."""
    return [r for r in rules if _unsupported(r.kpi, caps) is None]


def _drivers(kpi: str, series: pd.DataFrame, breakdowns: Mapping[str, pd.DataFrame],
             language: str, min_count: int) -> list[str]:
    """Plain-language reasons behind a KPI's latest value, from its parts and its groups."""
    last = series.iloc[-1]
    prev = series.iloc[-2] if len(series) > 1 else None
    t = i18n.t
    out: list[str] = []

    def change(col: str) -> float:
        return float(growth(last[col], prev[col])) if prev is not None and col in series else np.nan

    if kpi == "cac" and "spend" in series:
        out.append(t("kpi.driver.cac", language, spend=_pct(change("spend")),
                     new=_pct(change("new_customers")), n=_num(last.get("new_customers"))))
    elif kpi == "clv_cac":
        out.append(t("kpi.driver.clv_cac", language, clv=format_kpi("clv", last.get("clv", np.nan)),
                     cac=format_kpi("cac", last.get("cac", np.nan)), churn=format_kpi("churn_rate",
                     last.get("churn_rate", np.nan))))
    elif kpi in ("nps", "csat") and "nps_responses" in series:
        n = last["nps_responses"]
        out.append(t("kpi.driver.nps", language, det=_share(last["detractors"], n),
                     pro=_share(last["promoters"], n), n=_num(n)))
    elif kpi == "churn_rate":
        out.append(t("kpi.driver.churn", language, churned=_num(last["churned"]),
                     start=_num(last["customers_start"])))
    elif kpi == "win_rate" and "opps_won" in series:
        out.append(t("kpi.driver.win", language, won=_num(last["opps_won"]),
                     closed=_num(last["opps_won"] + last["opps_lost"])))
    elif kpi == "nrr" and "grr" in series:
        out.append(t("kpi.driver.nrr", language, grr=format_kpi("grr", last["grr"])))
    spec = KPIS[kpi]
    for dim, table in breakdowns.items():
        if kpi not in table.columns or table.empty:
            continue
        tab = table[pd.to_numeric(table[kpi], errors="coerce").notna()]
        size_col = {"nps": "nps_responses", "win_rate": "opps_won", "churn_rate":
                    "customers_start"}.get(kpi)
        if size_col in tab.columns:
            tab = tab[tab[size_col] >= min_count] if (tab[size_col] >= min_count).any() else tab
        if tab.empty:
            continue
        worst = tab.sort_values(kpi, ascending=spec.better == "up").iloc[0]
        out.append(t("kpi.driver.group", language, dim=t(f"dim.{dim}", language, default=dim),
                     group=worst["group"] if "group" in worst else worst.iloc[0],
                     value=format_kpi(kpi, float(worst[kpi]))))
    return out


def alert_table(alerts: pd.DataFrame, language: str = "en", findings: Sequence | None = None,
                *, p_values: bool = True) -> pd.DataFrame:
    """The alerts for the report: rank, message and drivers as text, localised headers.

    With ``findings`` (from :func:`alert_findings`, same order), the corrected p-value
    (unless ``p_values`` is false, as on a manager's page, where the evidence sits in the
    analyst version) and whether the alert holds up (``✓``, or ``–`` and why not) are
    added.
    """
    from helpers.presentation.findings import format_p_value

    t = i18n.t
    table = pd.DataFrame({
        t("kpi.col.rank", language): alerts["rank"].to_numpy(),
        t("kpi.col.alert", language): alerts["message"].to_numpy(),
        t("kpi.col.drivers", language): [" ".join(d) for d in alerts["drivers"]],
    })
    if findings is not None and len(findings) == len(alerts):
        if p_values:
            table[t("kpi.col.p_adjusted", language)] = [
                format_p_value(f.evidence.p_adjusted) if f.evidence is not None else "–"
                for f in findings]
        table[t("kpi.col.holds", language)] = [
            "✓" if f.stated else f"– {f.gate}" for f in findings]
    return table


def alert_people_table(alerts: pd.DataFrame, language: str = "en",
                       findings: Sequence | None = None):
    """:func:`alert_table` for a manager's page: no p-values, the sentences aligned left.

    Returns
    -------
    pandas.io.formats.style.Styler
        From :func:`helpers.presentation.tables.people_table`.
    """
    from helpers.presentation.tables import people_table

    table = alert_table(alerts, language, findings, p_values=False)
    rank = i18n.t("kpi.col.rank", language)
    text = [c for c in table.columns if c != rank]
    return (people_table(table, kinds={rank: "int", **dict.fromkeys(text, "text")},
                         language=language)
            .set_properties(subset=text, **{"text-align": "left"}))


def evaluate_alerts(series: pd.DataFrame, rules: Sequence[AlertRule], *,
                    breakdowns: Mapping[str, pd.DataFrame] | None = None,
                    language: str = "en", min_count: int = 30) -> pd.DataFrame:
    """Check the latest period against the rules; a ranked list of the alerts that fire.

    Severity is how far the measure went past its threshold, relative to the threshold
    (absolute distance when the threshold is 0), so a CAC up 40 % against a 15 % rule
    ranks above an NPS of 29 against 30.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`kpi_series` (at least one period; two for ``pop`` rules).
    rules : sequence of AlertRule
    breakdowns : mapping, optional
        Dimension name -> a :func:`compare_kpis` table; the worst group of each is named as
        a driver.
    language : {"en", "zh"}
    min_count : int
        Groups smaller than this are only named when no group is large enough.

    Returns
    -------
    pandas.DataFrame
        ``rank, kpi, label, measure, value, threshold, direction, severity, message,
        drivers`` (``drivers`` is a list of sentences), most severe first.
    """
    cols = ["rank", "kpi", "label", "measure", "value", "threshold", "direction", "severity",
            "message", "drivers"]
    if series.empty:
        return pd.DataFrame(columns=cols)
    changes = kpi_changes(series)
    rows = []
    for rule in rules:
        if rule.kpi not in series.columns:
            continue
        latest = changes[changes.kpi == rule.kpi].iloc[-1]
        measured = float(latest[rule.measure])
        if not rule.fires(measured):
            continue
        scale = abs(rule.threshold) or 1.0
        label = i18n.t(f"kpi.{rule.kpi}", language)
        shown = format_kpi(rule.kpi, measured, change=rule.measure != "value")
        limit = format_kpi(rule.kpi, rule.threshold, change=rule.measure != "value")
        message = i18n.t(f"alert.{rule.measure}.{rule.direction}", language, kpi=label,
                         value=shown, threshold=limit,
                         period=period_name(latest["period"], language))
        rows.append({"kpi": rule.kpi, "label": label, "measure": rule.measure,
                     "value": measured, "threshold": rule.threshold, "direction": rule.direction,
                     "severity": abs(measured - rule.threshold) / scale, "message": message,
                     "drivers": _drivers(rule.kpi, series, breakdowns or {}, language, min_count)})
    out = pd.DataFrame(rows, columns=cols[1:])
    out = out.sort_values("severity", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def _alert_test(rule: AlertRule, series: pd.DataFrame) -> tuple[str, float, int]:
    """The test behind an alert, its one-sided p-value and n (missing when none applies).

    - CAC up: fewer new customers than the spend predicts, given the earlier period
      (exact conditional test of two Poisson rates per euro: binomial test);
    - churn above, win rate or CSAT below: exact binomial test of the share against the
      threshold;
    - NPS below: normal test of NPS against the threshold (standard error of
      :func:`nps_interval`).
    """
    from scipy import stats

    last = series.iloc[-1]
    lag = {"pop": 1, "yoy": PER_YEAR.get(series.attrs.get("freq", "quarter"), 4)}.get(
        rule.measure, 0)
    try:
        if rule.kpi == "cac" and lag and len(series) > lag and "spend" in series:
            prev = series.iloc[-1 - lag]
            n1, n0 = float(last["new_customers"]), float(prev["new_customers"])
            s1, s0 = float(last["spend"]), float(prev["spend"])
            if min(s1, s0) > 0 and n1 + n0 > 0 and np.isfinite([n1, n0]).all():
                p = stats.binomtest(int(n1), int(n1 + n0), s1 / (s1 + s0),
                                    alternative="less").pvalue
                return "exact Poisson rate test", float(p), int(n1 + n0)
        if rule.measure != "value":
            return "", math.nan, 0
        side = "greater" if rule.direction == "above" else "less"
        parts = {"churn_rate": ("churned", "customers_start"),
                 "win_rate": ("opps_won", None), "csat": ("csat_satisfied", "csat_responses")}
        if rule.kpi in parts and parts[rule.kpi][0] in series:
            k_col, n_col = parts[rule.kpi]
            k = int(last[k_col])
            n = int(last["opps_won"] + last["opps_lost"]) if n_col is None else int(last[n_col])
            if n > 0 and 0 < rule.threshold < 1:
                return "exact binomial test", float(stats.binomtest(
                    k, n, rule.threshold, alternative=side).pvalue), n
        if rule.kpi == "nps" and "nps_responses" in series and last["nps_responses"] > 0:
            n = float(last["nps_responses"])
            p, d = last["promoters"] / n, last["detractors"] / n
            se = 100 * math.sqrt(max(p + d - (p - d) ** 2, 1e-12) / n)
            z = (float(last["nps"]) - rule.threshold) / se
            return "normal test", float(stats.norm.sf(z) if side == "greater"
                                        else stats.norm.cdf(z)), int(n)
    except (KeyError, TypeError, ValueError):
        pass
    return "", math.nan, 0


def _alert_money(kpi: str, series: pd.DataFrame) -> tuple[float, float]:
    """Money at stake behind an alert and the total it belongs to."""
    last = series.iloc[-1]
    if kpi in ("cac", "clv_cac") and {"spend", "revenue"} <= set(series.columns):
        return float(last["spend"]), float(last["revenue"])
    if kpi in ("churn_rate", "nrr", "grr") and {"base_revenue", "kept_revenue"} <= set(
            series.columns):
        return float(last["base_revenue"] - last["kept_revenue"]), float(last["base_revenue"])
    return math.nan, math.nan


def alert_findings(alerts: pd.DataFrame, series: pd.DataFrame, rules: Sequence[AlertRule], *,
                   flags: pd.DataFrame | None = None, alpha: float = 0.05,
                   method: str = "bh", language: str = "en") -> list:
    """The alerts as alarm findings: raised only when the data holds them up.

    An alert on a flagged KPI (:func:`kpi_flags`) is not raised: its value or change rests
    on a data break (a history under a year holds back only alerts on changes). An alert with a test (:func:`_alert_test`: CAC up, churn above, win rate,
    CSAT or NPS below) is raised only when its p-value, corrected over the tested alerts
    of the run (``method``), is below ``alpha``; the others (CLV:CAC, NRR) need only to be
    unflagged. Each carries a recommended action and an impact from the money at stake
    (:func:`helpers.presentation.findings.impact_weight`; 0.75 at least, above the run's other
    findings, since alerts ask for action).

    Parameters
    ----------
    alerts : pandas.DataFrame
        From :func:`evaluate_alerts`.
    series : pandas.DataFrame
        The :func:`kpi_series` the alerts were evaluated on.
    rules : sequence of AlertRule
    flags : pandas.DataFrame, optional
    alpha : float
    method : str
        See :func:`helpers.stats.multiple_testing.adjust`.
    language : {"en", "zh"}

    Returns
    -------
    list of Finding
        One per alert, in the alerts' order.
    """
    from helpers.presentation.findings import Evidence, format_p_value, gated, impact_weight
    from helpers.stats.multiple_testing import adjust

    t = i18n.t
    flagged = _flag_map(flags)
    flag_kind = {} if not flagged else dict(zip(flags["kpi"], flags["kind"], strict=True))
    by_key = {(r.kpi, r.measure, r.direction): r for r in rules}
    tests = []
    for row in alerts.itertuples():
        rule = by_key.get((row.kpi, row.measure, row.direction),
                          AlertRule(row.kpi, row.measure, row.direction, float(row.threshold)))
        tests.append(_alert_test(rule, series) if len(series) else ("", math.nan, 0))
    p = np.array([pv for _, pv, _ in tests], dtype="float64")
    adj = adjust(p, method)
    size = int(np.isfinite(p).sum())
    family = t("kpi.alerts.family", language)
    out = []
    for i, row in enumerate(alerts.itertuples()):
        test = tests[i][0]
        ev = Evidence(test or t("kpi.alerts.threshold", language), float(row.value),
                      n=tests[i][2], p_value=p[i], p_adjusted=adj[i], family=family if test else "",
                      family_size=size if test else 1, method=method if test else "none",
                      effect_label=t(f"kpi.{row.kpi}", language))
        kind = flag_kind.get(row.kpi, "")
        if kind and (row.measure != "value" or kind != "start"):
            passed, gate = False, flagged[row.kpi]
        elif test:
            passed = bool(np.isfinite(adj[i]) and adj[i] < alpha)
            gate = t("findings.gate.p", language, p=format_p_value(adj[i]), alpha=f"{alpha:g}")
        else:
            passed, gate = True, ""
        money, total = _alert_money(row.kpi, series) if len(series) else (math.nan, math.nan)
        out.append(gated(row.message, passed=passed, kind="alarm", gate=gate, evidence=ev,
                         impact=impact_weight(money, total, floor=0.75),
                         action=t(f"kpi.action.{row.kpi}", language,
                                  default=t("kpi.action.other", language))))
    return out
