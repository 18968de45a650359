"""Data breaks and level shifts in KPI series: the flags a KPI shows instead of a change."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.presentation import i18n

from .formatting import _finite, _num, card_change_text
from .formulas import KPIS, PER_YEAR, growth
from .periods import period_name

__all__ = [
    "FLAG_COLUMNS",
    "KPI_SOURCES",
    "MIN_SHIFT",
    "flag_note",
    "kpi_flags",
    "level_shift",
    "series_break",
]


#: Smallest level shift worth a flag: a factor of 1.5 either way for relative KPIs, 5 points
#: of a share, 10 points of NPS. Smaller steps are left to the trend and alert tests.
MIN_SHIFT = {"relative": math.log(1.5), "share": 0.05, "score": 10.0}


#: What a KPI is computed from: a flag on the source makes the KPI unreliable too.
KPI_SOURCES: dict[str, tuple[str, ...]] = {"cac": ("new_customers", "spend"),
                                           "clv": ("churn_rate",),
                                           "clv_cac": ("cac", "clv")}


FLAG_COLUMNS = ["kpi", "kind", "period", "reason", "p_value", "p_adjusted", "step"]


def level_shift(values: pd.Series | Sequence[float], *, count: bool = False,
                log_scale: bool = False, min_segment: int = 2) -> dict:
    """The largest step in a series and the test whether it is real.

    Every split that leaves ``min_segment`` values on both sides is a candidate. The two
    sides are compared with Welch's two-sample t-test (on the log scale when
    ``log_scale``), or, for counts, with the exact conditional test of two Poisson rates
    (the count after the split is binomial given the total). The smallest p-value is
    corrected over the candidate points (Bonferroni), since the step was picked as the
    largest one.

    Parameters
    ----------
    values : pandas.Series or sequence
        The series in time order, without missing values.
    count : bool
        Values are event counts (new customers).
    log_scale : bool
        Compare the log of the values (positive money and ratios), so a step is a factor.
    min_segment : int

    Returns
    -------
    dict
        ``at`` (position of the first value after the step), ``p_value`` (of that split),
        ``p_adjusted`` (Bonferroni over ``candidates``), ``candidates``, ``before`` and
        ``after`` (means on the compared scale) and ``step_fits`` (a step describes the
        series better than a straight line: smaller residual sum of squares). Missing
        values and ``at = -1`` when the series is too short to split.
    """
    from scipy import stats

    y = np.asarray(pd.Series(values, dtype="float64"), dtype="float64")
    out = {"at": -1, "p_value": math.nan, "p_adjusted": math.nan, "candidates": 0,
           "before": math.nan, "after": math.nan, "step_fits": False}
    if log_scale:
        y = np.log(y)
    n = len(y)
    splits = list(range(min_segment, n - min_segment + 1))
    if not splits or not np.isfinite(y).all():
        return out
    best_p, best_k = math.inf, -1
    for k in splits:
        a, b = y[:k], y[k:]
        if count:
            total = int(round(a.sum() + b.sum()))
            p = 1.0 if total == 0 else float(stats.binomtest(
                int(round(b.sum())), total, len(b) / n).pvalue)
        elif np.ptp(a) == 0 and np.ptp(b) == 0:
            p = 1.0 if a[0] == b[0] else 0.0
        else:
            with warnings.catch_warnings():  # nearly equal values: scipy's precision notice
                warnings.simplefilter("ignore", RuntimeWarning)
                p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        if np.isfinite(p) and p < best_p:
            best_p, best_k = p, k
    if best_k < 0:
        return out
    a, b = y[:best_k], y[best_k:]
    step_sse = float(((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum())
    x = np.arange(n, dtype="float64")
    resid = y - np.polyval(np.polyfit(x, y, 1), x)
    line_sse = float(resid @ resid)
    out.update(at=best_k, p_value=best_p, p_adjusted=min(1.0, best_p * len(splits)),
               candidates=len(splits), before=float(a.mean()), after=float(b.mean()),
               step_fits=step_sse < line_sse)
    return out


def series_break(values: pd.Series, kpi: str, *, alpha: float = 0.05, per_year: int = 4
                 ) -> dict:
    """Whether a KPI series has a data break or a level shift, by these rules in order.

    1. ``gap``: a period without a value between periods with one (the KPI could not be
       computed, e.g. CAC in a period without a new customer).
    2. ``zero``: for money and ratios, a period at exactly zero next to a positive one: a
       jump from or to zero means nothing was recorded rather than a real move.
    3. ``shift``: a level shift that :func:`level_shift` finds (Bonferroni-corrected p
       below ``alpha``), that a step describes better than a straight line (a trend is
       not a break; the trend test judges it) and that is at least :data:`MIN_SHIFT`.
    4. ``start``: the series starts less than a year before its latest period, so its
       changes cannot be told from the start-up of the data.

    Parameters
    ----------
    values : pandas.Series
        The KPI per period, oldest first, indexed by period label.
    kpi : str
        A key of :data:`KPIS` (sets the scale and the test).
    alpha : float
    per_year : int
        Periods per year.

    Returns
    -------
    dict
        ``kind`` (empty without a break), ``period`` (label where it shows), ``p_value``,
        ``p_adjusted`` and ``step`` (relative change, or difference for shares and
        scores, across a shift).
    """
    spec = KPIS[kpi]
    s = pd.Series(values, dtype="float64")
    out = {"kind": "", "period": "", "p_value": math.nan, "p_adjusted": math.nan,
           "step": math.nan}
    first, last = s.first_valid_index(), s.last_valid_index()
    if first is None:
        return out
    labels = list(s.index)
    s = s.iloc[labels.index(first):labels.index(last) + 1]
    labels = [str(v) for v in s.index]
    y = s.to_numpy()
    missing = np.flatnonzero(~np.isfinite(y))
    if missing.size:
        return {**out, "kind": "gap", "period": labels[missing[0]]}
    if spec.unit in ("money", "ratio"):
        for i in range(1, len(y)):
            if (y[i] == 0) != (y[i - 1] == 0):
                return {**out, "kind": "zero", "period": labels[i]}
    count = spec.unit == "count"
    log_scale = not count and spec.change == "relative" and bool(np.all(y > 0))
    res = level_shift(y, count=count, log_scale=log_scale)
    if res["at"] >= 0:
        if spec.change == "relative":
            before, after = (np.exp([res["before"], res["after"]]) if log_scale
                             else (res["before"], res["after"]))
            step = float(growth(after, before))
            size = abs(math.log(after / before)) if before > 0 and after > 0 else math.inf
            material = size >= MIN_SHIFT["relative"]
        else:
            step = res["after"] - res["before"]
            material = abs(step) >= MIN_SHIFT["share" if spec.unit == "share" else "score"]
        if res["p_adjusted"] < alpha and res["step_fits"] and material:
            return {"kind": "shift", "period": labels[res["at"]], "p_value": res["p_value"],
                    "p_adjusted": res["p_adjusted"], "step": step}
    if len(y) < per_year + 1:
        return {**out, "kind": "start", "period": labels[0]}
    return out


def kpi_flags(series: pd.DataFrame, kpis: Sequence[str] | None = None, *,
              alpha: float = 0.05, min_new_customers: int = 30, window: int | None = None,
              language: str = "en") -> pd.DataFrame:
    """The KPIs whose latest value or change the report must not read as a move.

    Each KPI is checked with :func:`series_break`. CAC and CLV:CAC are also flagged when
    the latest period has fewer than ``min_new_customers`` new customers, or when the
    marketing spend starts after the first period shown (``series.attrs["spend_start"]``,
    set by :func:`kpi_series`). A KPI computed from a flagged one (:data:`KPI_SOURCES`:
    CAC from new customers and spend, CLV from churn, CLV:CAC from CAC and CLV) carries
    its source's flag.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`kpi_series` (the shown periods and the year before them).
    kpis : sequence of str, optional
        Default: every KPI column present.
    alpha : float
        Level of the level-shift test.
    min_new_customers : int
    window : int, optional
        Periods shown (default: all).
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        One row per flagged KPI: ``kpi, kind, period, reason, p_value, p_adjusted, step``
        (``kind``: gap, zero, shift, start, few, spend or source; ``reason`` is a short
        text for a headline card).
    """
    t = i18n.t
    freq = series.attrs.get("freq", "quarter")
    per_year = PER_YEAR.get(freq, 4)
    names = [k for k in (kpis or KPIS) if k in series.columns]
    wanted = set(names)
    for k in list(names):
        wanted.update(KPI_SOURCES.get(k, ()))
    order = [k for k in KPIS if k in wanted and k in series.columns]
    labels = series["period"].astype(str).to_numpy()
    found: dict[str, dict] = {}
    for k in order:
        b = series_break(pd.Series(series[k].to_numpy(dtype="float64", na_value=np.nan),
                                   index=labels), k, alpha=alpha, per_year=per_year)
        if b["kind"]:
            step = card_change_text(k, b["step"], language) if _finite(b["step"]) else "–"
            found[k] = {**b, "root": k, "reason": t(f"kpi.flag.{b['kind']}", language,
                                                     period=period_name(b["period"], language),
                                                     step=step)}
    last = series.iloc[-1] if len(series) else None
    if last is not None and "cac" in wanted and "cac" not in found:
        n_new = last.get("new_customers", np.nan)
        spend_start = series.attrs.get("spend_start")
        shown = series.tail(window) if window else series
        if _finite(n_new) and _finite(last.get("cac")) and n_new < min_new_customers:
            found["cac"] = {"kind": "few", "period": str(last["period"]), "root": "cac",
                            "reason": t("kpi.flag.few", language, n=_num(n_new))}
        elif spend_start is not None and len(shown) and \
                pd.Timestamp(spend_start).date() > pd.Timestamp(shown["start"].iloc[0]).date():
            found["cac"] = {"kind": "spend", "period": str(last["period"]), "root": "cac",
                            "reason": t("kpi.flag.spend", language,
                                        date=str(pd.Timestamp(spend_start).date()))}
    for k in order:  # sources come first in KPIS order, so flags pass down the chain
        if k in found:
            continue
        src = next((s for s in KPI_SOURCES.get(k, ()) if s in found), None)
        if src is not None:
            root = found[src]["root"]
            found[k] = {"kind": "source", "period": found[src]["period"], "root": root,
                        "reason": t("kpi.flag.source", language, kpi=t(f"kpi.{root}", language),
                                    reason=found[root]["reason"])}
    rows = [{"kpi": k, "kind": f["kind"], "period": f["period"], "reason": f["reason"],
             "p_value": f.get("p_value", math.nan), "p_adjusted": f.get("p_adjusted", math.nan),
             "step": f.get("step", math.nan)} for k, f in found.items() if k in names]
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)


def flag_note(flags: pd.DataFrame, *, kpis: Sequence[str] | None = None,
              language: str = "en") -> str | None:
    """One sentence naming the flagged KPIs and why, or ``None`` when none is flagged."""
    if flags is None or flags.empty:
        return None
    rows = flags if kpis is None else flags[flags.kpi.isin(list(kpis))]
    if rows.empty:
        return None
    sep = i18n.t("kpi.headline.sep", language)
    groups: dict[str, list[str]] = {}
    for k, r in zip(rows.kpi, rows.reason, strict=True):
        groups.setdefault(r, []).append(i18n.t(f"kpi.{k}", language))
    items = [i18n.t("kpi.flag.item", language, kpi=sep.join(names), reason=r)
             for r, names in groups.items()]
    return i18n.t("kpi.flag.note", language,
                  items=i18n.t("kpi.flag.sep", language).join(items))


def _flag_map(flags: pd.DataFrame | None) -> dict[str, str]:
    if flags is None or flags.empty:
        return {}
    return dict(zip(flags["kpi"], flags["reason"], strict=True))
