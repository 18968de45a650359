"""Recency, frequency and monetary (RFM) scores and named RFM segments.

Scores run from 1 (worst) to ``q`` (best, default 5) and are based on mid-ranks: tied
accounts share the score of the middle of their tied block, so identical inputs always get
identical scores, and a lone account (or a set of identical ones) scores the middle value
3, since nothing ranks it above or below anyone. Frequency is the exception
(:func:`frequency_scores`): one-time buyers get F = 1 however many they are, and repeat
buyers are ranked among themselves from 2 up, so a second order alone never reads as
"frequent" when most buyers bought once. Only accounts with at least one order are scored;
the others get missing scores and the segment ``"No purchases"``.

Segments on low recency (``At risk``, ``Hibernating``) say an account has lapsed. That is a
claim only when the account is overdue by its own buying rhythm (:func:`overdue`); the
others are named :data:`NOT_DUE` instead.

Recency is days since the latest order (fewer is better), frequency the number of orders
and monetary the net revenue, both within ``window_days`` before ``as_of``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from helpers.core.errors import ParamError, suggest
from helpers.presentation import i18n

#: Named segments on the R x F grid, first match wins; every cell is covered.
DEFAULT_SEGMENTS: dict[str, dict[str, list[int]]] = {
    "Champions": {"r": [4, 5], "f": [4, 5]},
    "Loyal": {"r": [3, 5], "f": [3, 5]},
    "Promising": {"r": [4, 5], "f": [1, 3]},
    "Needs attention": {"r": [3, 3], "f": [1, 2]},
    "At risk": {"r": [1, 2], "f": [3, 5]},
    "Hibernating": {"r": [1, 2], "f": [1, 2]},
}
NO_PURCHASES = "No purchases"
OTHER = "Other"
#: Segment of accounts a low-recency rule would call lapsed but that are not overdue yet.
NOT_DUE = "Not due yet"
#: An account is overdue when its days since the last order exceed this many buying rhythms.
OVERDUE_FACTOR = 2.0
#: Accounts with fewer orders than this are measured against the population's median gap.
MIN_ORDERS_FOR_OWN_RHYTHM = 3
#: Fewest repeat buyers behind the population's median gap.
MIN_RHYTHM_ACCOUNTS = 10
#: Days of order history before the population's median gap stands for anyone's rhythm:
#: in a younger history only short gaps can have been seen, so the median is too short
#: and every one-time buyer would look overdue.
MIN_POPULATION_HISTORY_DAYS = 365
#: Quantile of the days since each buyer's first order that counts as the order history.
HISTORY_QUANTILE = 0.9
SCORE_KEYS = ("r", "f", "m")


def quantile_scores(values: Any, *, q: int = 5, higher_is_better: bool = True,
                    ties: str = "mid") -> pd.Series:
    """Score values from 1 to ``q`` by rank percentile; ties get identical scores.

    With ``ties="mid"``, ``score = floor(q * (midrank - 0.5) / n) + 1``, where ``n``
    counts the non-missing values. With ``ties="low"``, a tied block gets the score of
    its lowest place, ``floor(q * below / n) + 1`` with ``below`` the values ranked
    strictly worse: the worst block always scores 1. Frequency uses it, so that when most
    buyers bought once they all get F = 1, not the middle score their mid-rank would give.

    Parameters
    ----------
    values : array-like or pandas.Series
        Values to score; missing values stay missing.
    q : int, default 5
        Number of score levels (5 gives quintile scores).
    higher_is_better : bool, default True
        False scores small values highest (recency in days).
    ties : {"mid", "low"}, default "mid"
        Score of a tied block: that of its middle place or of its lowest place.

    Returns
    -------
    pandas.Series
        Nullable integers (``Int64``) aligned with ``values``.
    """
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not 2 <= q <= 10:
        raise ParamError(f"the number of score levels must be a whole number from 2 to 10, "
                         f"got {q!r}")
    if ties not in ("mid", "low"):
        raise ParamError(f"ties must be 'mid' or 'low', got {ties!r}")
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    s = pd.to_numeric(s, errors="coerce").astype("float64")
    n = int(s.notna().sum())
    if ties == "low":
        below = (s if higher_is_better else -s).rank(method="min") - 1
        score = np.floor(q * below / max(n, 1)) + 1
        return score.clip(1, q).astype("Int64")
    ranks = (s if higher_is_better else -s).rank(method="average")
    score = np.floor(q * (ranks - 0.5) / max(n, 1)) + 1
    return score.clip(1, q).astype("Int64")


def frequency_scores(frequency: Any, *, q: int = 5) -> pd.Series:
    """F scores that mean "frequent" only for accounts that buy more often than most.

    One-time buyers (at most one order) score 1. Repeat buyers are scored among
    themselves from 2 to ``q`` by the low-tie rule of :func:`quantile_scores`,
    ``2 + floor((q - 1) * below / n_repeat)``, so equal counts share a score, the
    least frequent repeat buyers always score 2, and a single extra order (two orders)
    never scores above 2. When 60% of buyers bought once, two orders no longer rank in
    the top 40% of all buyers and so no longer score 4.

    Parameters
    ----------
    frequency : array-like or pandas.Series
        Orders per account; missing values stay missing.
    q : int, default 5
        Score levels.

    Returns
    -------
    pandas.Series
        Nullable integers (``Int64``) aligned with ``frequency``.
    """
    quantile_scores([], q=q)  # validates q
    s = pd.Series(frequency) if not isinstance(frequency, pd.Series) else frequency
    s = pd.to_numeric(s, errors="coerce").astype("float64")
    score = pd.Series(np.nan, index=s.index)
    score[s.notna() & (s <= 1)] = 1.0
    repeat = s[s > 1]
    if len(repeat):
        below = repeat.rank(method="min") - 1
        rep = (2 + np.floor((q - 1) * below / len(repeat))).clip(2, q)
        rep[repeat <= 2] = 2  # one extra order is not "frequent"
        score[repeat.index] = rep
    return score.astype("Int64")


def buying_rhythm(order_count: Any, mean_gap_days: Any, *, history_days: float = np.inf,
                  factor: float = OVERDUE_FACTOR,
                  min_orders: int = MIN_ORDERS_FOR_OWN_RHYTHM,
                  min_accounts: int = MIN_RHYTHM_ACCOUNTS,
                  min_history_days: float = MIN_POPULATION_HISTORY_DAYS
                  ) -> tuple[np.ndarray, float]:
    """Each account's buying rhythm in days: its own mean gap, or the population's median.

    Parameters
    ----------
    order_count, mean_gap_days : array-like
        Orders per account and the mean days between its distinct order dates
        (:func:`helpers.data.features.account_features`).
    history_days : float
        Days of order history (see :func:`lapse_evidence`).
    factor : float
        Overdue factor (:func:`overdue`); the population's median gap stands in only when
        the history covers ``2 * factor`` of it and at least ``min_history_days``.
    min_orders : int
        Accounts with at least this many orders (two gaps) keep their own mean gap.
    min_accounts : int
        Fewest repeat buyers behind the population's median gap; with fewer it is unknown.
    min_history_days : float
        Shortest history for the population's median gap to stand in (see
        :data:`MIN_POPULATION_HISTORY_DAYS`).

    Returns
    -------
    rhythm : numpy.ndarray
        Days per account; NaN where neither the own nor the population's rhythm is known.
    median_gap : float
        The population's median gap over repeat buyers (NaN when unknown).
    """
    n = np.asarray(pd.to_numeric(pd.Series(order_count), errors="coerce"), dtype="float64")
    gap = np.asarray(pd.to_numeric(pd.Series(mean_gap_days), errors="coerce"), dtype="float64")
    known = np.isfinite(gap) & (gap > 0) & (n >= 2)
    median = float(np.median(gap[known])) if known.sum() >= min_accounts else float("nan")
    stand_in = median if (np.isfinite(median) and history_days >= min_history_days
                          and history_days >= 2 * factor * median) else float("nan")
    own = known & (n >= min_orders)
    return np.where(own, gap, stand_in), median


def overdue(recency_days: Any, first_order_days: Any, rhythm_days: Any, *,
            factor: float = OVERDUE_FACTOR) -> np.ndarray:
    """Whether each account is overdue by its own buying rhythm.

    An account is overdue when its days since the last order exceed ``factor`` times its
    rhythm and the days since its first order cover that span; an account whose rhythm
    is unknown is never overdue (nothing says it should have ordered by now).

    Parameters
    ----------
    recency_days, first_order_days : array-like
        Days from the latest and from the first order to ``as_of``.
    rhythm_days : array-like
        Buying rhythm (:func:`buying_rhythm`).
    factor : float, default :data:`OVERDUE_FACTOR`

    Returns
    -------
    numpy.ndarray of bool
    """
    if not (isinstance(factor, (int, float)) and factor >= 1):
        raise ParamError(f"the overdue factor must be a number of at least 1, got {factor!r}")
    r = np.asarray(recency_days, dtype="float64")
    first = np.asarray(first_order_days, dtype="float64")
    due = factor * np.asarray(rhythm_days, dtype="float64")
    with np.errstate(invalid="ignore"):
        return np.isfinite(due) & (r > due) & (first >= due)


def lapse_segments(segments: Mapping[str, Any] | None = None, *, q: int = 5) -> list[str]:
    """Segments that say an account has lapsed: rules on the lower recency scores only.

    A rule whose ``r`` range ends below the middle score (``r: [1, 2]`` with 5 levels,
    as ``At risk`` and ``Hibernating``) names accounts that have not ordered lately.

    Returns
    -------
    list of str
    """
    rules = check_segments(DEFAULT_SEGMENTS if segments is None else segments, q=q)
    top = (q + 1) // 2
    return [name for name, rule in rules.items() if "r" in rule and rule["r"][1] < top]


def lapse_evidence(features: pd.DataFrame, *, factor: float = OVERDUE_FACTOR) -> pd.DataFrame:
    """Rhythm and overdue flag per account, aligned with ``features``.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`helpers.data.features.account_features` output with ``recency_days``,
        ``first_order_date``, ``last_order_date``, ``order_count`` and
        ``mean_gap_days``; days since the first order are recency plus the span between
        the first and the latest order.
    factor : float

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``rhythm_days``, ``first_order_days``, ``overdue``; ``attrs``
        ``median_gap_days`` and ``history_days`` (the :data:`HISTORY_QUANTILE` quantile of
        the days since each buyer's first order).
    """
    need = ["account_id", "recency_days", "first_order_date", "last_order_date",
            "order_count", "mean_gap_days"]
    missing = [c for c in need if c not in features]
    if missing:
        raise ParamError(f"lapse_evidence: the features lack {', '.join(missing)}")
    first = pd.to_datetime(features["first_order_date"])
    last = pd.to_datetime(features["last_order_date"])
    span = (last - first).dt.days.to_numpy(dtype="float64")
    recency = features["recency_days"].to_numpy(dtype="float64")
    first_days = recency + span
    finite = first_days[np.isfinite(first_days)]
    # a high quantile, not the maximum: a few stray old orders do not make a young
    # customer base look long observed
    history = float(np.quantile(finite, HISTORY_QUANTILE)) if len(finite) else float("nan")
    rhythm, median = buying_rhythm(features["order_count"], features["mean_gap_days"],
                                   history_days=history if len(finite) else 0.0, factor=factor)
    out = pd.DataFrame({"account_id": features["account_id"].to_numpy(),
                        "rhythm_days": rhythm, "first_order_days": first_days,
                        "overdue": overdue(recency, first_days, rhythm, factor=factor)})
    out.attrs["median_gap_days"] = median
    out.attrs["history_days"] = history
    return out


def rfm_table(features: pd.DataFrame, *, window_days: int = 365, q: int = 5) -> pd.DataFrame:
    """RFM values and scores per account from :func:`helpers.data.features.account_features`.

    Parameters
    ----------
    features : pandas.DataFrame
        Needs ``account_id``, ``recency_days``, ``orders_<window_days>d`` and
        ``revenue_<window_days>d`` (pass ``windows`` including ``window_days`` to
        ``account_features``).
    window_days : int, default 365
        Look-back window for frequency and monetary value.
    q : int, default 5
        Score levels.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``recency_days``, ``frequency``, ``monetary``, ``r_score``,
        ``f_score``, ``m_score``, ``rfm_code`` (e.g. ``"545"``) for every account; scores
        are missing for accounts without orders.
    """
    f_col, m_col = f"orders_{window_days}d", f"revenue_{window_days}d"
    missing = [c for c in ("account_id", "recency_days", f_col, m_col) if c not in features]
    if missing:
        raise ParamError(
            f"the features lack {', '.join(missing)}; compute them with "
            f"account_features(ws, as_of, windows=[..., {window_days}])")
    buyer = features["recency_days"].notna()
    out = pd.DataFrame({
        "account_id": features["account_id"].to_numpy(),
        "recency_days": features["recency_days"].to_numpy(dtype="float64"),
        "frequency": features[f_col].to_numpy(dtype="float64"),
        "monetary": features[m_col].to_numpy(dtype="float64"),
    })
    for key, col, better in (("r", "recency_days", False), ("m", "monetary", True)):
        out[f"{key}_score"] = quantile_scores(out[col].where(buyer.to_numpy()), q=q,
                                              higher_is_better=better)
    out["f_score"] = frequency_scores(out["frequency"].where(buyer.to_numpy()), q=q)
    out = out[["account_id", "recency_days", "frequency", "monetary", "r_score", "f_score",
               "m_score"]]
    code = (out["r_score"].astype("string") + out["f_score"].astype("string")
            + out["m_score"].astype("string"))
    out["rfm_code"] = code
    return out


def check_segments(segments: Mapping[str, Any], *, q: int = 5) -> dict[str, dict[str, tuple]]:
    """Validate a segment mapping ``{name: {"r": [lo, hi], "f": [lo, hi], "m": [lo, hi]}}``.

    Parameters
    ----------
    segments : mapping
        Segment rules in priority order; each names at least one of ``r``, ``f``, ``m``.
    q : int
        Score levels; bounds must lie in ``1..q``.

    Returns
    -------
    dict
        ``{name: {key: (lo, hi)}}``.
    """
    if not isinstance(segments, Mapping) or not segments:
        raise ParamError("rfm_segments must map segment names to score ranges, e.g. "
                         "Champions: {r: [4, 5], f: [4, 5]}")
    out: dict[str, dict[str, tuple]] = {}
    for name, rule in segments.items():
        if not isinstance(rule, Mapping) or not rule:
            raise ParamError(f"rfm_segments: {name!r} needs score ranges such as "
                             "{r: [4, 5], f: [4, 5]}")
        parsed = {}
        for key, bounds in rule.items():
            if key not in SCORE_KEYS:
                raise ParamError(f"rfm_segments: {name!r} uses unknown score {key!r}"
                                 + suggest(str(key), SCORE_KEYS)
                                 + " Scores are r, f and m.")
            ok = (isinstance(bounds, (list, tuple)) and len(bounds) == 2
                  and all(isinstance(b, (int, np.integer)) and not isinstance(b, bool)
                          for b in bounds))
            if not ok or not 1 <= bounds[0] <= bounds[1] <= q:
                raise ParamError(f"rfm_segments: {name!r} {key}: {bounds!r} must be [low, high] "
                                 f"whole scores with 1 <= low <= high <= {q}")
            parsed[key] = (int(bounds[0]), int(bounds[1]))
        out[str(name)] = parsed
    return out


def assign_segments(rfm: pd.DataFrame, segments: Mapping[str, Any] | None = None, *,
                    q: int = 5, overdue: Any = None) -> pd.Series:
    """Name each account's RFM segment; the first matching rule wins.

    Parameters
    ----------
    rfm : pandas.DataFrame
        Output of :func:`rfm_table`.
    segments : mapping, optional
        Rules as in :func:`check_segments`; default :data:`DEFAULT_SEGMENTS`.
    q : int
        Score levels used for the scores.
    overdue : array-like of bool, optional
        Per account, whether it is overdue by its buying rhythm (:func:`lapse_evidence`).
        When given, accounts of a lapse segment (:func:`lapse_segments`) that are not
        overdue are named :data:`NOT_DUE`: a low recency alone does not say they lapsed.

    Returns
    -------
    pandas.Series
        Segment names; :data:`NO_PURCHASES` without scores, :data:`OTHER` when no rule
        matches.
    """
    rules = check_segments(DEFAULT_SEGMENTS if segments is None else segments, q=q)
    scored = rfm["r_score"].notna().to_numpy()
    conditions, names = [], []
    for name, rule in rules.items():
        cond = scored.copy()
        for key, (lo, hi) in rule.items():
            score = rfm[f"{key}_score"].astype("float64").to_numpy()
            cond &= (score >= lo) & (score <= hi)
        conditions.append(cond)
        names.append(name)
    label = np.select(conditions, names, default=OTHER)
    label = np.where(scored, label, NO_PURCHASES)
    if overdue is not None:
        due = np.asarray(overdue, dtype=bool)
        if len(due) != len(label):
            raise ParamError("overdue must hold one flag per account")
        lapsed = np.isin(label, lapse_segments(rules, q=q))
        label = np.where(lapsed & ~due, NOT_DUE, label)
    return pd.Series(label, index=rfm.index, name="rfm_segment", dtype="object")


def segment_summary(rfm: pd.DataFrame, segment: pd.Series,
                    value: pd.Series | None = None) -> pd.DataFrame:
    """Accounts, monetary value and (optionally) another value per segment.

    Parameters
    ----------
    rfm : pandas.DataFrame
        Output of :func:`rfm_table`.
    segment : pandas.Series
        Output of :func:`assign_segments`.
    value : pandas.Series, optional
        Extra value to total per segment (e.g. CLV).

    Returns
    -------
    pandas.DataFrame
        ``segment``, ``accounts``, ``account_share``, ``monetary``, ``monetary_share``,
        ``median_recency_days`` (and ``value``, ``value_share``), largest monetary first.
    """
    frame = pd.DataFrame({"segment": segment.to_numpy(),
                          "monetary": rfm["monetary"].to_numpy(),
                          "recency_days": rfm["recency_days"].to_numpy()})
    aggs = {"accounts": ("segment", "size"), "monetary": ("monetary", "sum"),
            "median_recency_days": ("recency_days", "median")}
    if value is not None:
        frame["value"] = np.asarray(value, dtype="float64")
        aggs["value"] = ("value", "sum")
    out = frame.groupby("segment").agg(**aggs).reset_index()
    out["account_share"] = out["accounts"] / out["accounts"].sum()
    total = out["monetary"].clip(lower=0).sum()
    out["monetary_share"] = out["monetary"] / total if total > 0 else np.nan
    cols = ["segment", "accounts", "account_share", "monetary", "monetary_share",
            "median_recency_days"]
    if value is not None:
        vtotal = out["value"].clip(lower=0).sum()
        out["value_share"] = out["value"] / vtotal if vtotal > 0 else np.nan
        cols += ["value", "value_share"]
    return out[cols].sort_values("monetary", ascending=False, kind="stable").reset_index(
        drop=True)


def lead_segment(summary: pd.DataFrame) -> pd.Series | None:
    """The segment of buyers with the largest monetary value, or ``None``.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`segment_summary`.

    Returns
    -------
    pandas.Series or None
        Its row; ``None`` when no segment of buyers has a positive monetary value or a
        known share (then no "brings most of the revenue" sentence can be said).
    """
    buyers = summary[(summary["segment"] != NO_PURCHASES) & (summary["monetary"] > 0)
                     & summary["monetary_share"].notna()]
    return None if buyers.empty else buyers.iloc[0]


def rfm_grid(rfm: pd.DataFrame) -> pd.DataFrame:
    """Accounts and mean monetary value in each R x F cell (scored accounts only).

    Returns
    -------
    pandas.DataFrame
        ``r_score``, ``f_score``, ``accounts``, ``mean_monetary``, ``total_monetary``.
    """
    scored = rfm[rfm["r_score"].notna()]
    grid = scored.groupby(["r_score", "f_score"]).agg(
        accounts=("monetary", "size"), mean_monetary=("monetary", "mean"),
        total_monetary=("monetary", "sum")).reset_index()
    grid["r_score"] = grid["r_score"].astype("int64")
    grid["f_score"] = grid["f_score"].astype("int64")
    return grid


def richest_cell(grid: pd.DataFrame) -> pd.Series:
    """The R x F cell with the highest mean monetary value (named in the heatmap's alt text).

    Parameters
    ----------
    grid : pandas.DataFrame
        Output of :func:`rfm_grid`; at least one row.

    Returns
    -------
    pandas.Series
        That cell's row: ``r_score``, ``f_score``, ``accounts``, ``mean_monetary``, ...
    """
    return grid.loc[grid["mean_monetary"].idxmax()]


def segment_label(name: str, language: str = "en") -> str:
    """An RFM segment name in the report language.

    The default names (:data:`DEFAULT_SEGMENTS`, :data:`NO_PURCHASES`, :data:`OTHER`) are
    translated; names set in the parameters are shown as they are.
    """
    key = f"customer_value.rfm_segment.{str(name).lower().replace(' ', '_')}"
    return i18n.t(key, language, default=str(name)) if key in i18n.LABELS else str(name)


def plot_rfm_heatmap(grid: pd.DataFrame, *, ax=None, q: int = 5, currency: str = "",
                     language: str = "en"):
    """R x F heatmap coloured by mean monetary value, annotated with value and accounts.

    Parameters
    ----------
    grid : pandas.DataFrame
        Output of :func:`rfm_grid`.
    ax : matplotlib.axes.Axes, optional
    q : int
        Score levels.
    currency : str
        Label for the money values.
    language : {"en", "zh"}
        Language of the labels.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    levels = list(range(1, q + 1))
    value = grid.pivot(index="r_score", columns="f_score", values="mean_monetary").reindex(
        index=levels[::-1], columns=levels)
    count = grid.pivot(index="r_score", columns="f_score", values="accounts").reindex(
        index=levels[::-1], columns=levels)
    labels = np.full(value.shape, "", dtype=object)
    for i in range(value.shape[0]):
        for j in range(value.shape[1]):
            n = count.iat[i, j]
            if pd.notna(n) and n > 0:
                labels[i, j] = i18n.t("customer_value.chart.rfm_cell", language,
                                      value=short_money(value.iat[i, j]), accounts=int(n))
    sns.heatmap(value, annot=labels, fmt="", cmap="Blues", cbar=True, ax=ax, linewidths=0.5,
                annot_kws={"fontsize": 8},
                cbar_kws={"label": i18n.t("customer_value.chart.rfm_colorbar", language,
                                          currency=currency).strip()})
    ax.set_xlabel(i18n.t("customer_value.chart.rfm_x", language))
    ax.set_ylabel(i18n.t("customer_value.chart.rfm_y", language))
    ax.set_title(i18n.t("customer_value.chart.rfm_title", language))
    return ax


def short_money(v: float) -> str:
    """Compact money label: 1.2M, 35.0k, 950."""
    if pd.isna(v):
        return ""
    for unit, div in (("M", 1e6), ("k", 1e3)):
        if abs(v) >= div:
            return f"{v / div:.1f}{unit}"
    return f"{v:.0f}"


def lapse_alarm(rfm: pd.DataFrame, segment: pd.Series, lapse: pd.DataFrame, *,
                name: str = "At risk", supported: bool = True) -> dict:
    """What an alarm on segment ``name`` may say, and why it may not.

    Parameters
    ----------
    rfm : pandas.DataFrame
        :func:`rfm_table` output.
    segment : pandas.Series
        :func:`assign_segments` output computed with ``overdue`` from ``lapse``, so that
        only overdue accounts are in ``name``.
    lapse : pandas.DataFrame
        :func:`lapse_evidence` output for the same accounts.
    name : str
        The lapse segment the alarm is about.
    supported : bool
        Whether the data supports the alarm at all (history, repeat buyers).

    Returns
    -------
    dict
        ``passed`` (bool), ``accounts`` (overdue accounts in ``name``), ``amount`` (their
        monetary value), ``not_due`` (accounts a low recency alone would have put in a
        lapse segment), ``median_gap_days``, ``history_days`` and ``reason``: ``""``
        when passed, ``"support"`` (the data does not support it), ``"rhythm"`` (no
        buying rhythm is known) or ``"none_overdue"``.
    """
    seg = np.asarray(segment, dtype=object)
    in_seg = seg == name
    amount = float(np.nansum(rfm["monetary"].to_numpy(dtype="float64")[in_seg]))
    median = float(lapse.attrs.get("median_gap_days", float("nan")))
    known = bool(np.isfinite(lapse["rhythm_days"].to_numpy(dtype="float64")).any())
    out = {"accounts": int(in_seg.sum()), "amount": amount, "not_due": int((seg == NOT_DUE).sum()),
           "median_gap_days": median, "history_days": float(lapse.attrs.get("history_days",
                                                                             float("nan")))}
    if not supported:
        reason = "support"
    elif not known:
        reason = "rhythm"
    elif not in_seg.any():
        reason = "none_overdue"
    else:
        reason = ""
    return {**out, "passed": reason == "", "reason": reason}


__all__ = [
    "DEFAULT_SEGMENTS",
    "HISTORY_QUANTILE",
    "MIN_ORDERS_FOR_OWN_RHYTHM",
    "MIN_POPULATION_HISTORY_DAYS",
    "MIN_RHYTHM_ACCOUNTS",
    "NOT_DUE",
    "NO_PURCHASES",
    "OTHER",
    "OVERDUE_FACTOR",
    "SCORE_KEYS",
    "assign_segments",
    "buying_rhythm",
    "check_segments",
    "frequency_scores",
    "lapse_alarm",
    "lapse_evidence",
    "lapse_segments",
    "lead_segment",
    "overdue",
    "plot_rfm_heatmap",
    "quantile_scores",
    "rfm_grid",
    "rfm_table",
    "richest_cell",
    "segment_label",
    "segment_summary",
    "short_money",
]
