"""Channel comparison, channel ranking with its uncertainty, and preference by segment.

Channels are compared on reach, conversion, cost per lead, CAC and ROI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.content.definitions import (
    DEFAULT_CHANNEL_GROUPS,
    STAGE_ORDER,
    AccountCounts,
    _add_rate,
    _check_credit,
    _check_positive,
    _column,
)
from helpers.analysis.content.queries import (
    _need,
    channel_counts,
    mix_counts,
)
from helpers.core.errors import ParamError
from helpers.core.params import as_of_date
from helpers.stats.numbers import safe_divide

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "channel_comparison",
    "channel_group",
    "channel_mix",
    "channel_scores",
    "rank_channels",
    "segment_series",
]


def _check_groups(groups) -> dict[str, tuple[str, ...]]:
    if groups is None:
        return DEFAULT_CHANNEL_GROUPS
    if not isinstance(groups, Mapping) or not all(
            isinstance(v, (list, tuple)) for v in groups.values()):
        raise ParamError("channel_groups must map a group name to a list of channels, e.g. "
                         "{offline: [meeting, visit], online: [email]}")
    return {str(k): tuple(str(c) for c in v) for k, v in groups.items()}


def channel_group(channel: str, groups: Mapping[str, Iterable[str]] | None = None) -> str:
    """Offline, online, hybrid (or ``other``) for a channel name."""
    groups = DEFAULT_CHANNEL_GROUPS if groups is None else groups
    for name, members in groups.items():
        if str(channel) in {str(m) for m in members}:
            return str(name)
    return "other"


def channel_comparison(ws: Workspace, as_of, *, targets: Iterable[str] | None = None,
                       lookback_days: int = 365, window_days: int = 30,
                       credit: str = "influenced",
                       groups: Mapping[str, Iterable[str]] | None = None,
                       confidence: float = 0.95, min_sample: int = 30) -> pd.DataFrame:
    """Compare channels on reach, conversion, cost per lead, CAC and ROI.

    Parameters
    ----------
    ws : Workspace
        Needs ``interactions``; uses ``opportunities`` and ``marketing_spend`` when present.
    as_of : date-like
    targets : iterable of str, optional
        Target account ids for the coverage measure; all accounts with a touch when
        omitted.
    lookback_days : int
        Period compared: touches, spend and opportunities of the last ``lookback_days``.
    window_days : int
        Days after a touch within which an opportunity counts as a conversion.
    credit : {"influenced", "sourced"}
        ``sourced`` counts only opportunities whose ``source_channel`` is the channel.
    groups : mapping, optional
        Channel groups; default :data:`DEFAULT_CHANNEL_GROUPS`.
    confidence : float
    min_sample : int
        Channels reaching fewer accounts are flagged.

    Returns
    -------
    pandas.DataFrame
        One row per channel (from touches or spend): ``channel, group, touches,
        accounts_reached, targets_reached, coverage, converting_accounts,
        conversion_rate(_low/_high), spend, leads, cost_per_lead, won, won_value,
        new_customers, cac, roi, below_min_sample``. Without ``opportunities`` the
        conversion, lead and won columns are NaN (unknown); without ``marketing_spend``
        so are spend and the measures built on it.
    """
    _need(ws, "interactions", what="channel comparison")
    _check_credit(credit)
    groups = _check_groups(groups)
    lookback_days = _check_positive("lookback_days", lookback_days)
    window_days = _check_positive("window_days", window_days)
    start = as_of_date(as_of) - dt.timedelta(days=lookback_days - 1)
    target_ids = None if targets is None else pd.Index(pd.Series(list(targets), dtype=str))
    parts = channel_counts(ws, as_of, lookback_days=lookback_days, window_days=window_days,
                           credit=credit, start=start,
                           targets=None if target_ids is None else target_ids.unique())
    return _comparison_table(parts, target_ids, groups=groups, confidence=confidence,
                             min_sample=min_sample, lookback_days=lookback_days,
                             credit=credit, window_days=window_days)


def _comparison_table(parts: dict, target_ids: pd.Index | None, *, groups: dict,
                      confidence: float, min_sample: int, lookback_days: int, credit: str,
                      window_days: int) -> pd.DataFrame:
    """:func:`channel_comparison` from the frames of :func:`~.queries.channel_counts`."""
    # touches without a channel cannot be compared as a channel of their own
    base = parts["reach"].dropna(subset=["channel"])
    if target_ids is not None:
        base = base.merge(parts["targets_reached"], on="channel", how="left")
        n_targets = len(target_ids.unique())
    else:
        base["targets_reached"] = base["accounts_reached"]
        n_targets = parts["accounts"]
    has_opportunities = parts["has_opportunities"]
    frames = [base]
    if has_opportunities:
        frames.append(parts["conversions"])
        # per channel and account, for the account-level test of channel_tests
        per_acc = parts["account_touches"].merge(
            parts["account_opportunities"], on=["channel", "account_id"],
            how="left").fillna({"opportunities": 0})
        per_acc = per_acc.dropna(subset=["channel"]).astype(
            {"touches": "int64", "opportunities": "int64"})
        frames += [parts["leads"], parts["new_customers"]]
    if parts["spend"] is not None:
        frames.append(parts["spend"])
    out = frames[0]
    for p in frames[1:]:
        out = out.merge(p.dropna(subset=["channel"]), on="channel", how="outer")
    for col in ("touches", "accounts_reached", "targets_reached"):
        out[col] = _column(out, col, 0).astype("int64")
    for col in ("converting_accounts", "converted_touches", "leads", "won", "new_customers"):
        # without opportunities these are unknown, not zero
        out[col] = (_column(out, col, 0).astype("int64") if has_opportunities
                    else np.nan)
    out["won_value"] = (_column(out, "won_value", 0.0).astype(float) if has_opportunities
                        else np.nan)
    out["spend"] = (pd.to_numeric(out["spend"], errors="coerce") if "spend" in out.columns
                    else pd.Series(np.nan, index=out.index))
    # Source-only channels (account management, referral, ...) have neither touches nor spend.
    out = out[(out["touches"] > 0) | out["spend"].notna()].reset_index(drop=True)
    out["group"] = [channel_group(ch, groups) for ch in out["channel"]]
    out["coverage"] = out["targets_reached"] / n_targets if n_targets else np.nan
    _add_rate(out, "conversion_rate", "converting_accounts", "accounts_reached", confidence)
    out["cost_per_lead"] = safe_divide(out["spend"], out["leads"])
    out["cac"] = safe_divide(out["spend"], out["new_customers"])
    out["roi"] = safe_divide(out["won_value"] - out["spend"], out["spend"])
    out["below_min_sample"] = out["accounts_reached"] < min_sample
    cols = ["channel", "group", "touches", "accounts_reached", "targets_reached", "coverage",
            "converting_accounts", "conversion_rate", "conversion_rate_low",
            "conversion_rate_high", "spend", "leads", "cost_per_lead", "won", "won_value",
            "new_customers", "cac", "roi", "below_min_sample", "converted_touches"]
    out = out[cols].sort_values(["touches", "channel"], ascending=[False, True],
                                ignore_index=True)
    out.attrs.update({"targets": n_targets, "lookback_days": lookback_days, "credit": credit,
                      "window_days": window_days})
    if has_opportunities:
        out.attrs["accounts"] = AccountCounts(per_acc)
    return out


def rank_channels(comparison: pd.DataFrame, *, rate: str = "conversion_rate",
                  successes: str = "converting_accounts", trials: str = "accounts_reached",
                  draws: int = 20000, seed: int = 0, level: float = 0.8) -> pd.DataFrame:
    """Rank channels with their uncertainty: chance of being best and a plausible rank range.

    Each channel's rate gets a ``Beta(1 + successes, 1 + failures)`` posterior; seeded
    draws give the probability that the channel has the highest rate and the central
    ``level`` interval of its rank. Flagged rows (``below_min_sample``) are left out.

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`channel_comparison` (or any table with the count columns).
    rate, successes, trials : str
        Columns of the rate and its counts.
    draws : int
    seed : int
    level : float
        Coverage of the rank interval.

    Returns
    -------
    pandas.DataFrame
        The kept rows with ``rank``, ``prob_best``, ``rank_low``, ``rank_high``, sorted by
        rank (posterior mean rate); empty when no channel has known conversions.
    """
    keep = comparison
    if "below_min_sample" in keep.columns:
        keep = keep[~keep["below_min_sample"].astype(bool)]
    # a channel without a known number of conversions (no opportunities) cannot be ranked
    keep = keep[(keep[trials] > 0) & keep[successes].notna()].reset_index(drop=True)
    if keep.empty:
        return keep.assign(rank=[], prob_best=[], rank_low=[], rank_high=[])
    x = keep[successes].to_numpy(float)
    n = keep[trials].to_numpy(float)
    rng = np.random.default_rng(seed)
    sample = rng.beta(1 + x, 1 + n - x, size=(int(draws), len(keep)))
    order = (-sample).argsort(axis=1).argsort(axis=1) + 1
    out = keep.copy()
    out["prob_best"] = np.bincount(sample.argmax(axis=1), minlength=len(keep)) / draws
    tail = (1 - level) / 2
    out["rank_low"] = np.quantile(order, tail, axis=0, method="lower").astype(int)
    out["rank_high"] = np.quantile(order, 1 - tail, axis=0, method="higher").astype(int)
    out["posterior_mean"] = (1 + x) / (2 + n)
    out = out.sort_values("posterior_mean", ascending=False, ignore_index=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def channel_mix(ws: Workspace, as_of, segments: pd.Series, *, lookback_days: int = 365) -> pd.DataFrame:
    """Channel preference by segment: each segment's touches split across channels.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    segments : pandas.Series
        Segment (e.g. lifecycle stage or size band) per account, indexed by
        ``account_id``.
    lookback_days : int

    Returns
    -------
    pandas.DataFrame
        Rows: segments; columns: channels; values: share of the segment's touches (rows
        add up to 1). ``attrs["touches"]`` holds the touches per segment. Accounts without
        a segment are left out; without any segment the table is empty.
    """
    _need(ws, "interactions", what="channel preference")
    lookback_days = _check_positive("lookback_days", lookback_days)
    if pd.Series(segments).dropna().empty:
        # e.g. size bands without any employee count: no segment to compare
        return pd.DataFrame(index=pd.Index([], name="segment"))
    agg = mix_counts(ws, as_of, segments, lookback_days=lookback_days)
    wide = agg.pivot_table(index="stage", columns="t_channel", values="n", aggfunc="sum",
                           fill_value=0)
    if isinstance(segments.dtype, pd.CategoricalDtype):
        wide = wide.reindex([s for s in segments.cat.categories if s in wide.index])
    elif set(wide.index) <= set(STAGE_ORDER):
        wide = wide.reindex([s for s in STAGE_ORDER if s in wide.index])
    totals = wide.sum(axis=1)
    share = wide.div(totals.where(totals > 0), axis=0)
    share.index.name, share.columns.name = "segment", None
    share.attrs["touches"] = totals.astype("int64").to_dict()
    return share


def channel_scores(comparison: pd.DataFrame, ranked: pd.DataFrame,
                   credits: pd.DataFrame | None = None) -> pd.DataFrame:
    """The channel table for the CRM export: comparison, ranking and attribution shares.

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`channel_comparison`.
    ranked : pandas.DataFrame
        Output of :func:`rank_channels`.
    credits : pandas.DataFrame, optional
        Output of :func:`helpers.analysis.attribution.attribute` by channel; adds one
        ``share_<model>`` column per model.

    Returns
    -------
    pandas.DataFrame
    """
    out = comparison.merge(ranked[["channel", "rank", "prob_best", "rank_low", "rank_high"]],
                           on="channel", how="left")
    if credits is not None and len(credits):
        wide = credits.pivot_table(index="label", columns="model", values="share",
                                   aggfunc="sum")
        wide.columns = [f"share_{m}" for m in wide.columns]
        out = out.merge(wide, left_on="channel", right_index=True, how="left")
    for col in ("rank", "rank_low", "rank_high"):
        out[col] = out[col].astype("Int64")
    return out.sort_values(["rank", "channel"], na_position="last", ignore_index=True)


def segment_series(features: pd.DataFrame, column: str) -> pd.Series:
    """One feature column as a segment per account, indexed by ``account_id``.

    Parameters
    ----------
    features : pandas.DataFrame
        From :func:`helpers.data.features.account_features`.
    column : str
        A categorical feature such as ``size_band``, ``industry`` or ``region``.

    Returns
    -------
    pandas.Series
    """
    if column not in features.columns:
        options = [c for c in features.columns if c not in ("account_id", "account_name")
                   and not pd.api.types.is_numeric_dtype(features[c])
                   and not pd.api.types.is_datetime64_any_dtype(features[c])]
        raise ParamError(f"segment column {column!r} is not an account feature; use one of "
                         f"{', '.join(options)}")
    s = features.set_index(features["account_id"].astype(str))[column]
    return s.rename(column)
