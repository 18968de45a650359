"""Evidence gates: the tests behind every comparative sentence of the report.

Every comparison is corrected within the family of comparisons shown together
(:mod:`helpers.stats.multiple_testing`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from helpers.analysis.content.definitions import _account_frame
from helpers.analysis.content.labels import UNKNOWN_LABELS
from helpers.presentation import findings as fnd
from helpers.presentation import i18n
from helpers.stats import multiple_testing as mt

__all__ = [
    "channel_tests",
    "clustered_lift_test",
    "paid_channel_tests",
    "rate_tests",
    "send_time_tests",
    "survives_mark",
]


def clustered_lift_test(hits, trials, rest_hits, rest_trials,
                        confidence: float = 0.95) -> dict:
    """Rate ratio of a group's touches against the rest, with accounts as the unit.

    Touches of one account are not independent: an account that opens an opportunity
    converts all its touches in the window at once, so a per-touch Fisher test counts one
    account's luck many times. Here every account contributes its own counts of group and
    rest touches and conversions; the log ratio of the pooled rates gets a cluster-robust
    (sandwich) variance over accounts, with the small-sample factor m / (m - 1) for m
    accounts. An account touched by the group and by the rest counts on both sides, and
    the covariance this brings is part of the variance.

    The p-value is the larger of the two-sided cluster-robust z-test and the per-touch
    Fisher exact test (:func:`helpers.stats.multiple_testing.lift_test`): the first answers for
    clustering, the second for small counts, and both must hold.

    Parameters
    ----------
    hits, trials : array-like
        Per account: converted touches and touches of the group.
    rest_hits, rest_trials : array-like
        Per account: the same for the other touches compared with.
    confidence : float
        Coverage of the interval of the ratio.

    Returns
    -------
    dict
        ``lift, low, high`` (cluster-robust interval; the Katz interval of the per-touch
        test when a side has no conversion), ``p_value``, ``p_cluster``, ``p_touch`` and
        ``accounts`` (accounts with a touch on either side). Missing values when a side
        has no touches.
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (hits, trials, rest_hits,
                                                          rest_trials))
    keep = (n1 + n2) > 0
    x1, n1, x2, n2 = x1[keep], n1[keep], x2[keep], n2[keep]
    X1, N1, X2, N2 = x1.sum(), n1.sum(), x2.sum(), n2.sum()
    touch = mt.lift_test(X1, N1, X2, N2, confidence)
    out = {"lift": touch["lift"], "low": touch["low"], "high": touch["high"],
           "p_value": touch["p_value"], "p_cluster": np.nan, "p_touch": touch["p_value"],
           "accounts": int(keep.sum())}
    m = len(x1)
    if not (X1 > 0 and X2 > 0 and N1 > 0 and N2 > 0 and m > 1):
        return out
    log_ratio = np.log((X1 / N1) / (X2 / N2))
    u = x1 / X1 - n1 / N1 - x2 / X2 + n2 / N2
    se = float(np.sqrt(m / (m - 1) * np.sum(u ** 2)))
    if not se > 0:
        return out
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p_cluster = float(2 * stats.norm.sf(abs(log_ratio) / se))
    out.update(low=float(np.exp(log_ratio - z * se)), high=float(np.exp(log_ratio + z * se)),
               p_cluster=p_cluster, p_value=float(np.nanmax([p_cluster, touch["p_value"]])))
    return out


def _cell_test(accounts: pd.DataFrame, group_col: str, group, confidence: float,
               hits: str = "opportunities") -> dict:
    """:func:`clustered_lift_test` of one group against the other rows of ``accounts``."""
    inside = accounts[group_col] == group
    g = accounts[inside].groupby("account_id")[[hits, "touches"]].sum()
    r = accounts[~inside].groupby("account_id")[[hits, "touches"]].sum()
    both = g.merge(r, how="outer", left_index=True, right_index=True,
                   suffixes=("_g", "_r")).fillna(0)
    return clustered_lift_test(both[f"{hits}_g"], both["touches_g"],
                               both[f"{hits}_r"], both["touches_r"], confidence)


def rate_tests(frame: pd.DataFrame, *, label: str, hits: str, trials: str,
               alpha: float = 0.05, method: str = "bh",
               keep: pd.Series | None = None,
               per_account: pd.DataFrame | None = None,
               confidence: float = 0.95) -> pd.DataFrame:
    """Test every row's rate against the rest of the table, corrected as one family.

    Each row's ``hits / trials`` is compared with the pooled rate of all other rows
    (:func:`helpers.stats.multiple_testing.lift_test`: Fisher exact test, Katz interval of the
    ratio). Rows compared are those in ``keep`` with a known label and at least one trial;
    the others get missing values and are never significant. When accounts are counted in
    several rows (an account reached by two channels) the rest is the sum of the other
    rows, an approximation that treats them as separate observations.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per group.
    label, hits, trials : str
        Columns of the group's name and its counts.
    alpha : float
    method : str
        See :func:`helpers.stats.multiple_testing.adjust`.
    keep : pandas.Series of bool, optional
        Rows of the family (e.g. the ranked ones); default all.
    per_account : pandas.DataFrame, optional
        Columns ``label``, ``account_id``, ``hits`` and ``trials`` per group and account
        (:class:`AccountCounts`). Each row is then tested with the account as the unit
        (:func:`clustered_lift_test` against the accounts' counts in the other rows of
        the family), and the interval is the cluster-robust one.
    confidence : float
        Coverage of the cluster-robust interval.

    Returns
    -------
    pandas.DataFrame
        A copy with ``lift, lift_low, lift_high, p_value, p_adjusted`` and ``significant``
        (adjusted p below ``alpha`` and a lift above 1); ``attrs["family_size"]`` is the
        number of rows tested, ``attrs["unit"]`` ``"account"`` or ``"touch"``.
    """
    out = frame.copy()
    x = pd.to_numeric(out[hits], errors="coerce")
    n = pd.to_numeric(out[trials], errors="coerce")
    known = ~out[label].map(fnd.is_missing_level).astype(bool) & ~out[label].isin(UNKNOWN_LABELS)
    member = (x.notna() & n.gt(0)).astype(bool) & known.astype(bool)
    if keep is not None:
        member &= keep.reindex(out.index).fillna(False).astype(bool)
    tx, tn = float(x[member].sum()), float(n[member].sum())
    res = {c: np.full(len(out), np.nan) for c in ("lift", "lift_low", "lift_high", "p_value")}
    clustered = per_account is not None and {label, "account_id", hits, trials} <= set(
        per_account.columns)
    if clustered:
        family = per_account[per_account[label].isin(set(out.loc[member, label]))]
    for k, (m, xi, ni) in enumerate(zip(member, x, n, strict=True)):
        if m and tn - ni > 0:
            r = (_cell_test(family.rename(columns={trials: "touches"}) if trials != "touches"
                            else family, label, out[label].iloc[k], confidence, hits)
                 if clustered else mt.lift_test(xi, ni, tx - xi, tn - ni))
            res["lift"][k], res["lift_low"][k], res["lift_high"][k] = (
                r["lift"], r["low"], r["high"])
            res["p_value"][k] = r["p_value"]
    for col, values in res.items():
        out[col] = values
    out["p_adjusted"] = mt.adjust(out["p_value"].to_numpy(float), method)
    out["significant"] = (out["p_adjusted"] < alpha) & (out["lift"] > 1)
    out.attrs = {**frame.attrs, "family_size": int(np.isfinite(res["p_value"]).sum()),
                 "unit": "account" if clustered else "touch"}
    return out


def _conversion_counts(table: pd.DataFrame) -> dict:
    """Arguments of :func:`rate_tests` for a content table's conversions per touch.

    With the table's per-account counts the unit is the account and the hits are
    opportunities; without them, converted touches per touch (Fisher exact).
    """
    per_account = _account_frame(table.attrs)
    if per_account is not None and "opportunities" in table.columns:
        return {"hits": "opportunities", "trials": "touches", "per_account": per_account}
    return {"hits": "converted_touches", "trials": "touches"}


def _test_name(tested: pd.DataFrame, what: str) -> str:
    if tested.attrs.get("unit") == "account":
        return ("cluster-robust rate ratio of opportunities per touch by account and "
                f"Fisher exact vs other {what}")
    return f"Fisher exact per touch vs other {what}"


def survives_mark(flags, language: str = "en") -> pd.Series:
    """The mark of rows that survive their family's correction (✓) and of the others (–)."""
    yes, no = i18n.t("findings.yes", language), i18n.t("findings.no", language)
    return pd.Series([yes if bool(f) else no for f in flags], dtype=object,
                     index=getattr(flags, "index", None))


def paid_channel_tests(paid: pd.DataFrame, *, alpha: float = 0.05,
                       method: str = "bh") -> pd.DataFrame:
    """Whether a paid channel buys more leads, or more wins, per unit of spend than the rest.

    Counts per unit of spend are compared with the conditional Poisson test: given all
    leads of the paid channels, a channel's leads follow a binomial with its share of the
    spend (:func:`helpers.stats.multiple_testing.share_test`, one-sided). Leads and wins are
    two families, each corrected across the paid channels. A win test stands in for the
    return, which has no count of its own.

    Parameters
    ----------
    paid : pandas.DataFrame
        Rows of :func:`channel_comparison` with spend, leads and wins.
    alpha, method
        Level and family correction.

    Returns
    -------
    pandas.DataFrame
        Index ``channel``; ``leads_p, leads_p_adjusted, leads_significant, won_p,
        won_p_adjusted, won_significant``.
    """
    spend = pd.to_numeric(paid["spend"], errors="coerce").to_numpy(float)
    out = pd.DataFrame(index=pd.Index(paid["channel"], name="channel"))
    for what in ("leads", "won"):
        counts = pd.to_numeric(paid[what], errors="coerce").fillna(0).to_numpy(float)
        p = [mt.share_test(c, counts.sum(), sp / spend.sum()) if c > 0 else 1.0
             for c, sp in zip(counts, spend, strict=True)]
        out[f"{what}_p"] = p
        out[f"{what}_p_adjusted"] = mt.adjust(p, method)
        out[f"{what}_significant"] = out[f"{what}_p_adjusted"] < alpha
    return out


def _timing_cells(g: pd.DataFrame, window_hours: int | None) -> tuple[np.ndarray, float]:
    """Touches per candidate cell of one channel and a cell's share under an even spread."""
    if window_hours is None:
        days = g.groupby("weekday")["touches"].sum().reindex(range(7), fill_value=0)
        return days.to_numpy(float), 1 / 7
    grid = np.zeros((7, 24))
    grid[g["weekday"].to_numpy(int), g["hour"].to_numpy(int)] = g["touches"].to_numpy(float)
    csum = np.concatenate([np.zeros((7, 1)), grid.cumsum(axis=1)], axis=1)
    win = csum[:, window_hours:] - csum[:, :-window_hours]
    return win.ravel(), window_hours / 168


def send_time_tests(best: pd.DataFrame, timing: pd.DataFrame, *,
                    window_hours: int | None = None, alpha: float = 0.05,
                    method: str = "bh") -> pd.DataFrame:
    """Test each channel's busiest send window (or weekday) against an even spread.

    Every candidate cell of every channel with enough data (each weekday-hour window of
    ``window_hours``, or each weekday when ``window_hours`` is None) gets a one-sided
    binomial test of holding more than its even share
    (:func:`helpers.stats.multiple_testing.share_test`), and all those p-values are corrected
    as one family: naming the busiest of 161 windows of eight channels is 1,288
    comparisons, not eight. A channel's window is stated only when its own cell survives.

    Parameters
    ----------
    best : pandas.DataFrame
        :func:`best_send_windows` (with the same ``window_hours``) or
        :func:`best_send_days` (``window_hours=None``).
    timing : pandas.DataFrame
        :func:`engagement_by_time`.
    window_hours : int or None
    alpha : float
    method : str

    Returns
    -------
    pandas.DataFrame
        ``best`` with ``p_value``, ``p_adjusted`` and ``significant``;
        ``attrs["family_size"]`` is the number of cells tested.
    """
    out = best.copy()
    out["p_value"], out["p_adjusted"] = np.nan, np.nan
    raw: list[float] = []
    picked: list[tuple[int, int]] = []
    if len(out):
        for i in out.index[out["enough_data"].astype(bool)]:
            g = timing[timing["channel"] == out.at[i, "channel"]]
            cells, share = _timing_cells(g, window_hours)
            total = float(cells.sum()) if window_hours is None else float(g["touches"].sum())
            picked.append((i, len(raw) + int(cells.argmax())))
            raw.extend(mt.share_test(c, total, share) if c > 0 else 1.0 for c in cells)
    adj = mt.adjust(raw, method) if raw else np.array([])
    for i, k in picked:
        out.at[i, "p_value"], out.at[i, "p_adjusted"] = raw[k], adj[k]
    out["significant"] = out["p_adjusted"].lt(alpha) if len(out) else pd.Series(dtype=bool)
    out.attrs["family_size"] = len(raw)
    return out


def channel_tests(comparison: pd.DataFrame, ranked: pd.DataFrame, *, alpha: float = 0.05,
                  method: str = "bh") -> pd.DataFrame:
    """Each ranked channel's conversion per touch against the other ranked channels.

    Per touch, not per account: a channel that touches its accounts more often gives them
    more windows in which an opportunity can fall, so a per-account rate partly measures
    touch volume and differs between channels even when no channel makes a difference.
    With the per-account counts of :func:`channel_comparison` (``attrs["accounts"]``) the
    rate is opportunities per touch and the test takes the account as the unit
    (:func:`clustered_lift_test`), since the touches of one account are not independent.

    Parameters
    ----------
    comparison : pandas.DataFrame
        :func:`channel_comparison`.
    ranked : pandas.DataFrame
        :func:`rank_channels` of it; its channels form the family.
    alpha, method
        See :func:`rate_tests`.

    Returns
    -------
    pandas.DataFrame
        :func:`rate_tests` of the comparison.
    """
    keep = comparison["channel"].isin(ranked["channel"]) if len(ranked) else \
        pd.Series(False, index=comparison.index)
    per_account = _account_frame(comparison.attrs)
    if per_account is None:
        return rate_tests(comparison, label="channel", hits="converted_touches",
                          trials="touches", alpha=alpha, method=method, keep=keep)
    # accounts as the unit, opportunities per touch: one opportunity after a run of touches
    # of a channel is one success, not one per touch
    opp = per_account.groupby("channel")["opportunities"].sum()
    frame = comparison.assign(_opportunities=comparison["channel"].map(opp).fillna(0))
    out = rate_tests(frame, label="channel", hits="_opportunities", trials="touches",
                     alpha=alpha, method=method, keep=keep,
                     per_account=per_account.rename(columns={"opportunities": "_opportunities"}))
    return out.drop(columns="_opportunities")
