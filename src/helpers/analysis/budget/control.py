"""Cost control: actual spend against plan, tested overspend, and the reallocation it suggests."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from helpers.analysis.budget.plan import BudgetError
from helpers.core.errors import DataError
from helpers.presentation import i18n

__all__ = [
    "checked_control",
    "cost_control",
    "has_baseline",
    "read_plan",
    "reallocation",
    "spend_rise_tests",
    "tested_overspend",
    "trailing_plan",
]


def read_plan(path: str | os.PathLike) -> pd.DataFrame:
    """Read planned spend from a CSV or XLSX file.

    The file needs ``channel`` and ``planned_spend`` columns and may have ``period_start``;
    without it, the amount is the plan for every period. A ``budget_plan.csv`` exported by
    this workbook works too (its ``proposed`` amounts of channel lines are taken, spread
    evenly over its ``periods``).

    Returns
    -------
    pandas.DataFrame
        ``channel, planned, [period_start]``.
    """
    from helpers.core.paths import resolve

    p = resolve(path)
    if not p.is_file():
        raise DataError(f"plan file {str(path)!r} not found; give a CSV with channel, "
                        "period_start (optional) and planned_spend columns")
    try:
        raw = pd.read_excel(p) if p.suffix.lower() == ".xlsx" else pd.read_csv(
            p, encoding="utf-8-sig")
    except Exception as exc:  # reader errors become one readable message
        raise DataError(f"plan file {p.name}: cannot be read ({exc})") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    if {"section", "line", "proposed", "periods"} <= set(raw.columns):
        lines = raw[raw["section"] == "channel"]
        plan = pd.DataFrame({"channel": lines["line"].astype(str).str.strip().str.lower(),
                             "planned": lines["proposed"].astype(float)
                             / lines["periods"].astype(float)})
        return plan.reset_index(drop=True)
    missing = {"channel", "planned_spend"} - set(raw.columns)
    if missing:
        raise DataError(f"plan file {p.name}: missing column(s) {', '.join(sorted(missing))}; "
                        "expected channel, period_start (optional), planned_spend")
    plan = pd.DataFrame({"channel": raw["channel"].astype(str).str.strip().str.lower(),
                         "planned": pd.to_numeric(raw["planned_spend"], errors="coerce")})
    if plan["planned"].isna().any():
        row = int(plan.index[plan["planned"].isna()][0]) + 2
        raise DataError(f"plan file {p.name}: planned_spend on line {row} is not a number")
    if "period_start" in raw.columns:
        plan["period_start"] = pd.to_datetime(raw["period_start"], errors="coerce")
    return plan


def has_baseline(actual: pd.DataFrame, *, review_periods: int = 6) -> bool:
    """Whether any spend period comes before the latest ``review_periods``.

    Without one, :func:`trailing_plan` can only compare the review window with itself, which
    shows no variance whatever was spent.

    Parameters
    ----------
    actual : pandas.DataFrame
        From :func:`spend_by_period`.
    review_periods : int

    Returns
    -------
    bool
    """
    return actual["period_start"].nunique() > review_periods


def trailing_plan(actual: pd.DataFrame, *, review_periods: int = 6,
                  baseline_periods: int = 12) -> pd.DataFrame:
    """A stand-in plan when none is given: each channel's mean spend per period over the
    ``baseline_periods`` before the review window.

    Returns
    -------
    pandas.DataFrame
        ``channel, planned``.
    """
    periods = sorted(actual["period_start"].unique())
    review = periods[-review_periods:]
    base = periods[-(review_periods + baseline_periods):-review_periods] or review
    window = actual[actual["period_start"].isin(base)]
    plan = window.groupby("channel")["actual"].sum() / len(base)
    return plan.rename("planned").reset_index()


def spend_rise_tests(actual: pd.DataFrame, *, review_periods: int = 6,
                     baseline_periods: int = 12, alpha: float = 0.05,
                     method: str = "bh") -> pd.DataFrame:
    """Test whether each channel's spend in the review window rose above its trailing baseline.

    Without an agreed plan the "plan" is the trailing average (:func:`trailing_plan`), so an
    overspend is a claim that spend changed. Month-to-month spend is noisy; the claim needs a
    one-sided Mann-Whitney test of the review periods against the baseline periods, corrected
    across channels.

    Parameters
    ----------
    actual : pandas.DataFrame
        From :func:`spend_by_period`.
    review_periods, baseline_periods : int
        As in :func:`trailing_plan`.
    alpha : float
        Level of the corrected test.
    method : str
        Correction across channels (see :func:`helpers.stats.multiple_testing.adjust`).

    Returns
    -------
    pandas.DataFrame
        ``channel, p_value, p_adjusted, significant``; a channel without spend in both
        windows has a missing p-value and is never significant.
    """
    from scipy import stats as _stats

    from helpers.stats import multiple_testing

    periods = sorted(actual["period_start"].unique())
    review = periods[-review_periods:]
    base = periods[-(review_periods + baseline_periods):-review_periods]
    wide = actual.pivot_table(index="period_start", columns="channel", values="actual",
                              aggfunc="sum").reindex(review + base).fillna(0.0)
    rows = []
    for channel in wide.columns:
        recent, before = wide.loc[review, channel], wide.loc[base, channel]
        if len(before) < 2 or (recent.sum() == 0 and before.sum() == 0):
            p = np.nan
        else:
            p = float(_stats.mannwhitneyu(recent, before, alternative="greater").pvalue)
        rows.append({"channel": channel, "p_value": p})
    out = pd.DataFrame(rows, columns=["channel", "p_value"])
    return multiple_testing.mark_family(out, alpha=alpha, method=method)


def tested_overspend(control: pd.DataFrame, rise: pd.DataFrame
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the overspend flag only where :func:`spend_rise_tests` found a reliable rise.

    Parameters
    ----------
    control : pandas.DataFrame
        The by-channel summary of :func:`cost_control`.
    rise : pandas.DataFrame
        From :func:`spend_rise_tests`.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``control`` with the flag narrowed, and the channels above plan whose rise is within
        their usual month-to-month swings.
    """
    reliable = control["channel"].isin(rise.loc[rise["significant"], "channel"])
    swings = control[control["overspend"] & ~reliable]
    return control.assign(overspend=control["overspend"] & reliable), swings


def cost_control(actual: pd.DataFrame, plan: pd.DataFrame, *, review_periods: int = 6,
                 tolerance: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Actual against planned spend over the latest ``review_periods``, with overspend flags.

    Parameters
    ----------
    actual : pandas.DataFrame
        From :func:`spend_by_period`.
    plan : pandas.DataFrame
        ``channel, planned`` and optionally ``period_start`` (from :func:`read_plan` or
        :func:`trailing_plan`); without ``period_start`` the amount applies to every period.
    review_periods : int
        Latest periods reviewed.
    tolerance : float
        Overspend is flagged when actual exceeds plan by more than this share.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        By channel and period: ``channel, period_start, planned, actual, variance,
        variance_pct, overspend``; and the same summed by channel.
    """
    if review_periods < 1:
        raise BudgetError(f"review_periods must be at least 1, got {review_periods}")
    periods = sorted(actual["period_start"].unique())[-review_periods:]
    act = actual[actual["period_start"].isin(periods)]
    if "period_start" in plan.columns and plan["period_start"].notna().any():
        merged = act.merge(plan[["channel", "period_start", "planned"]],
                           on=["channel", "period_start"], how="outer")
        merged = merged[merged["period_start"].isin(periods)]
    else:
        grid = pd.MultiIndex.from_product([sorted(set(act["channel"]) | set(plan["channel"])),
                                           periods], names=["channel", "period_start"])
        merged = grid.to_frame(index=False).merge(act, how="left").merge(
            plan.groupby("channel", as_index=False)["planned"].sum(), how="left")
    merged[["actual", "planned"]] = merged[["actual", "planned"]].fillna(0.0)
    detail = _variance(merged, tolerance).sort_values(["channel", "period_start"])
    summary = _variance(detail.groupby("channel", as_index=False)[["planned", "actual"]].sum(),
                        tolerance)
    return (detail.reset_index(drop=True),
            summary.sort_values("variance", ascending=False).reset_index(drop=True))


def _variance(df: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    df = df.copy()
    df["variance"] = df["actual"] - df["planned"]
    with np.errstate(divide="ignore", invalid="ignore"):
        df["variance_pct"] = np.where(df["planned"] > 0, df["variance"] / df["planned"],
                                      np.where(df["actual"] > 0, np.inf, 0.0))
    df["overspend"] = df["variance_pct"] > tolerance
    return df


def reallocation(table: pd.DataFrame, *, threshold: float | None = None,
                 tolerance: float = 0.05, language: str = "en") -> tuple[pd.DataFrame, float]:
    """Recommend moving money from channels with a low marginal ROI to those with a high one.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`mix_table`.
    threshold : float, optional
        Marginal ROI (outcome per currency unit) that separates donors from recipients.
        Default: the marginal ROI the optimum equalises across its free channels (their
        median), the level at which no further move pays.
    tolerance : float
        Channels within this relative distance of the threshold are held.
    language : {"en", "zh"}
        Language of the ``reason`` texts (``action`` stays ``reduce``, ``increase``, ``hold``).

    Returns
    -------
    (pandas.DataFrame, float)
        ``channel, marginal_roi_current, action, suggested_change, reason``, donors first;
        and the threshold used.
    """
    if threshold is None or threshold <= 0:
        free = table[table["binding"].eq("")]
        base = free if len(free) else table
        threshold = float(base["marginal_roi_proposed"].median())
    m = table["marginal_roi_current"].to_numpy(float)
    action = np.where(m < threshold * (1 - tolerance), "reduce",
                      np.where(m > threshold * (1 + tolerance), "increase", "hold"))
    change = table["change"].to_numpy(float)
    # Only suggest moves in the direction the threshold points; the size comes from the optimum.
    suggested = np.where((action == "reduce") & (change < 0), change,
                         np.where((action == "increase") & (change > 0), change, 0.0))
    reason = [i18n.t(f"budget_allocation.reason.{a}", language, roi=f"{mi:.3g}",
                     threshold=f"{threshold:.3g}") for mi, a in zip(m, action, strict=True)]
    out = pd.DataFrame({"channel": table["channel"], "marginal_roi_current": m,
                        "action": action, "suggested_change": suggested, "reason": reason})
    order = out["action"].map({"reduce": 0, "increase": 1, "hold": 2})
    return out.assign(_o=order).sort_values(["_o", "suggested_change"]).drop(columns="_o"
                                                                             ).reset_index(drop=True), threshold


def checked_control(actual: pd.DataFrame, *, plan_file: str = "", review_periods: int = 6,
                    tolerance: float = 0.05, alpha: float = 0.05, method: str = "bh"
                    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Actual spend against plan, with overspend against a trailing plan tested.

    With a ``plan_file`` overspend is a fact against the plan; without one the plan is the
    trailing average (:func:`trailing_plan`) and overspend is kept only where the rise is
    reliable (:func:`spend_rise_tests`, :func:`tested_overspend`).

    Parameters
    ----------
    actual : pandas.DataFrame
        From :func:`spend_by_period`.
    plan_file : str
        CSV read by :func:`read_plan`; empty means the trailing plan.
    review_periods : int
    tolerance : float
    alpha : float
        Level of the family of rise tests.
    method : str
        Multiple-testing correction.

    Returns
    -------
    detail, control : pandas.DataFrame
        From :func:`cost_control`.
    swings : pandas.DataFrame or None
        Channels above plan within their usual swings (None with a plan file).
    """
    plan = read_plan(plan_file) if plan_file else trailing_plan(actual, review_periods=review_periods)
    detail, control = cost_control(actual, plan, review_periods=review_periods, tolerance=tolerance)
    if plan_file:
        return detail, control, None
    rise = spend_rise_tests(actual, review_periods=review_periods, alpha=alpha, method=method)
    control, swings = tested_overspend(control, rise)
    return detail, control, swings
