"""Profile of the customer base: who the customers are, how they buy, decide and what hurts.

Four views, each one small table per segment that a chart and a finding sentence can use:

- **basic information** (:func:`base_profile`): accounts, revenue and margin by industry,
  size band, region, country or city, as counts and shares;
- **behaviour** (:func:`behaviour_by_segment`, :func:`channel_engagement`,
  :func:`preferred_channels`, :func:`activity_by_time`, :func:`activity_peaks`): purchase
  frequency, order value, gaps between orders, product-line breadth, engagement by channel,
  and the weekday and hour when accounts are most active;
- **decision process** (:func:`buying_committee`, :func:`sales_cycle`): contacts and roles per
  account, sales-cycle length and win rate;
- **needs** (:func:`pain_points`): survey pain-point tags ranked within each segment.

Account-level inputs come from :func:`helpers.data.features.account_features` (one row per
account, so pandas is fine there); anything that reads event tables (interactions, contacts,
opportunities, surveys) aggregates in the engine first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import ibis
import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError
from helpers.core.params import suggest
from helpers.data.features import parse_as_of
from helpers.presentation import i18n
from helpers.stats import multiple_testing

#: Weekday names for ``weekday`` indexes (Monday = 0).
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Account columns a profile can be cut by.
PROFILE_DIMENSIONS = ("industry", "size_band", "region", "country", "city",
                      "acquisition_channel", "is_competitor_customer", "owner")

OTHER = "Other"
MISSING = "(missing)"
#: What a report shows for a value that cannot be computed.
DASH = "–"


# --------------------------------------------------------------------------- helpers


def _check_column(features: pd.DataFrame, column: str, what: str = "segment column") -> None:
    if column not in features.columns:
        raise ParamError(
            f"{what} {column!r} is not an account feature"
            + suggest(column, list(features.columns))
            + f" Usable columns include: {', '.join(PROFILE_DIMENSIONS)}"
        )


def segment_labels(features: pd.DataFrame, by: str, *, top: int | None = None,
                   weight: str | None = None) -> pd.Series:
    """Segment label per account as text, with rare values folded into ``"Other"``.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account (``account_features`` output).
    by : str
        Column to segment by, e.g. ``"industry"``.
    top : int, optional
        Keep the ``top`` largest values (by account count, or by ``weight``) and fold the
        rest into ``"Other"``.
    weight : str, optional
        Column whose sum ranks the values for ``top``.

    Returns
    -------
    pandas.Series
        Text labels aligned with ``features``; missing values become ``"(missing)"``.
    """
    _check_column(features, by)
    col = features[by]
    labels = col.astype("object").where(col.notna(), MISSING).astype(str)
    if top is not None and top > 0 and labels.nunique() > top:
        size = (features[weight].groupby(labels).sum() if weight
                else labels.value_counts())
        keep = set(size.sort_values(ascending=False).index[:top])
        labels = labels.where(labels.isin(keep), OTHER)
    return labels


def _ordered_levels(features: pd.DataFrame, by: str, labels: pd.Series) -> list[str]:
    """Categorical columns keep their own order (size bands small -> enterprise)."""
    col = features[by]
    if isinstance(col.dtype, pd.CategoricalDtype):
        levels = [str(c) for c in col.cat.categories]
        extra = sorted(set(labels) - set(levels))
        return [v for v in levels if v in set(labels)] + extra
    return list(labels.value_counts().index)


# --------------------------------------------------------------------------- basic information


def base_profile(features: pd.DataFrame, by: str, *, revenue: str = "revenue_total",
                 margin: str = "margin_total", top: int | None = 12) -> pd.DataFrame:
    """Accounts, customers, revenue and margin per segment, with their shares.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account.
    by : str
        Segment column, e.g. ``"industry"``, ``"size_band"``, ``"region"``, ``"city"``.
    revenue, margin : str
        Money columns to total (default: net revenue and margin up to ``as_of``).
    top : int, optional
        Largest segments kept (by revenue); the rest are folded into ``"Other"``.

    Returns
    -------
    pandas.DataFrame
        ``segment, accounts, customers, revenue, margin, account_share, revenue_share,
        margin_share, revenue_per_customer, margin_rate``; categorical segments (size bands)
        in their natural order, others by revenue, largest first; ``"Other"`` and
        ``"(missing)"`` last. When no customer has a known margin, the margin columns are
        missing (unknown, not 0).
    """
    for col in (revenue, margin):
        _check_column(features, col, "money column")
    labels = segment_labels(features, by, top=top, weight=revenue)
    buyers = (features["order_count"] > 0) if "order_count" in features else features[revenue] > 0
    margin_known = bool(features.loc[buyers, margin].notna().any())
    frame = pd.DataFrame({
        "segment": labels,
        "customer": features["order_count"].to_numpy() > 0 if "order_count" in features
        else features[revenue].to_numpy() > 0,
        "revenue": features[revenue].fillna(0).to_numpy(),
        "margin": features[margin].fillna(0).to_numpy(),
    })
    out = frame.groupby("segment").agg(accounts=("segment", "size"), customers=("customer", "sum"),
                                       revenue=("revenue", "sum"), margin=("margin", "sum"))
    for col, share in (("accounts", "account_share"), ("revenue", "revenue_share"),
                       ("margin", "margin_share")):
        total = out[col].sum()
        out[share] = out[col] / total if total else np.nan
    out["revenue_per_customer"] = out["revenue"] / out["customers"].where(out["customers"] > 0)
    out["margin_rate"] = out["margin"] / out["revenue"].where(out["revenue"] > 0)
    if not margin_known:  # no customer has a known margin: unknown, not 0%
        out[["margin", "margin_share", "margin_rate"]] = np.nan
    if isinstance(features[by].dtype, pd.CategoricalDtype):
        out = out.reindex([v for v in _ordered_levels(features, by, labels) if v in out.index])
    else:
        out = out.sort_values("revenue", ascending=False)
    # "Other" and "(missing)" last, however large: neither is a segment that wins a ranking
    tail = [v for v in (OTHER, MISSING) if v in out.index]
    out = pd.concat([out.drop(index=tail), out.loc[tail]])
    out["customers"] = out["customers"].astype("int64")
    return out.rename_axis("segment").reset_index()


def known_segments(profile: pd.DataFrame) -> pd.DataFrame:
    """Rows of a segment table that are real segments: not ``"Other"``, not ``"(missing)"``.

    Parameters
    ----------
    profile : pandas.DataFrame
        A table with a ``segment`` column (:func:`base_profile`, :func:`behaviour_by_segment`,
        ...), or indexed by segment.

    Returns
    -------
    pandas.DataFrame
        The same table without the catch-all and unknown rows (and the overall rows
        ``"All"``, ``"All customers"``, ``"All accounts"``).
    """
    drop = [OTHER, MISSING, "All", "All customers", "All accounts"]
    seg = profile["segment"] if "segment" in profile.columns else profile.index.to_series()
    return profile[~seg.astype(str).isin(drop).to_numpy()]


def readable(frame: pd.DataFrame, digits: int = 1, *, drop_empty: bool = True) -> pd.DataFrame:
    """A table for a report page: numbers rounded, unknown values shown as "–".

    Missing, NaN and infinite values cannot be shown to a manager; the dash says "cannot
    be computed" and the report states why once.

    Parameters
    ----------
    frame : pandas.DataFrame
    digits : int
        Decimals of the float columns.
    drop_empty : bool
        Leave out columns without any value (a column of dashes says nothing); a table
        without rows keeps its columns.

    Returns
    -------
    pandas.DataFrame
        Object columns where a value was missing; others unchanged apart from rounding.
    """
    out = frame.copy()
    if drop_empty and len(out):
        out = out[[c for c in out.columns if out[c].notna().any()]]
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s.dtype):
            continue
        if pd.api.types.is_numeric_dtype(s.dtype):
            num = pd.to_numeric(s, errors="coerce").astype("float64")
            bad = ~np.isfinite(num.to_numpy())
            if pd.api.types.is_float_dtype(s.dtype):
                s = num.round(digits)
            if bad.any():
                s = s.astype("object").where(~bad, DASH)
        else:
            bad = s.isna().to_numpy()
            if bad.any():
                s = s.astype("object").where(~bad, DASH)
        out[col] = s
    return out


def concentration(profile: pd.DataFrame) -> dict[str, Any]:
    """The segment with the most revenue relative to its account share.

    Parameters
    ----------
    profile : pandas.DataFrame
        Output of :func:`base_profile`.

    Returns
    -------
    dict
        ``segment, account_share, revenue_share, margin_share, ratio`` of the segment whose
        revenue share most exceeds its account share (``ratio`` = revenue / account share).
        ``"Other"`` and ``"(missing)"`` never count; without a known segment ``segment`` is
        ``None``.
    """
    p = profile[~profile["segment"].isin([OTHER, MISSING])]
    p = p[p["account_share"] > 0]
    if p.empty:
        return {"segment": None, "account_share": np.nan, "revenue_share": np.nan,
                "margin_share": np.nan, "ratio": np.nan}
    ratio = p["revenue_share"] / p["account_share"]
    row = p.loc[ratio.idxmax()]
    return {"segment": row["segment"], "account_share": float(row["account_share"]),
            "revenue_share": float(row["revenue_share"]),
            "margin_share": float(row["margin_share"]), "ratio": float(ratio.max())}


def plot_profile_shares(profile: pd.DataFrame, *, ax=None, title: str = "",
                        language: str = "en"):
    """Grouped horizontal bars: share of accounts, revenue and margin per segment.

    Parameters
    ----------
    profile : pandas.DataFrame
        Output of :func:`base_profile`.
    ax : matplotlib.axes.Axes, optional
    title : str
    language : {"en", "zh"}
        Language of the legend and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation.plotting import PALETTE, legend_outside

    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.5, 0.45 * len(profile) + 1)))
    shares = profile.set_index("segment")[["account_share", "revenue_share", "margin_share"]]
    shares = shares.iloc[::-1]
    y = np.arange(len(shares))
    h = 0.27
    for i, (col, key) in enumerate((("account_share", "accounts"),
                                    ("revenue_share", "revenue"), ("margin_share", "margin"))):
        if shares[col].isna().all():  # an unknown margin is not drawn as a zero bar
            continue
        ax.barh(y + (1 - i) * h, shares[col].to_numpy() * 100, height=h,
                label=i18n.t(f"customer_profiling.chart.{key}", language), color=PALETTE[i])
    ax.set_yticks(y, [str(s) for s in shares.index])
    ax.set_xlabel(i18n.t("customer_profiling.chart.share_of_total", language))
    legend_outside(ax, fontsize=8)
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- behaviour


def behaviour_by_segment(features: pd.DataFrame, by: str = "size_band", *,
                         top: int | None = 12) -> pd.DataFrame:
    """Typical buying behaviour of customers per segment (medians, robust to heavy tails).

    Only accounts with at least one order count as customers.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account with ``order_count``, ``orders_365d``, ``avg_order_value``,
        ``mean_gap_days`` and ``product_lines``.
    by : str
        Segment column.
    top : int, optional
        Largest segments kept; the rest are folded into ``"Other"``.

    Returns
    -------
    pandas.DataFrame
        ``segment, customers, orders_per_year, avg_order_value, gap_days, product_lines``
        (medians) plus a last row ``segment="All customers"``. ``product_lines`` is missing
        when no order carries a product line; ``gap_days`` when nobody re-ordered.
    """
    needed = ("order_count", "orders_365d", "avg_order_value", "mean_gap_days", "product_lines")
    for col in needed:
        _check_column(features, col, "behaviour column")
    cust = features[features["order_count"] > 0]
    if cust.empty:
        raise DataError("no account has an order on or before as_of, so there is no buying "
                        "behaviour to profile; check as_of and the orders table")
    labels = segment_labels(cust, by, top=top)
    frame = pd.DataFrame({
        "segment": labels,
        "orders_per_year": cust["orders_365d"].to_numpy(dtype=float),
        "avg_order_value": cust["avg_order_value"].to_numpy(dtype=float),
        "gap_days": cust["mean_gap_days"].to_numpy(dtype=float),
        "product_lines": cust["product_lines"].to_numpy(dtype=float),
    })
    if not (frame["product_lines"] > 0).any():  # no product line recorded: unknown, not 0
        frame["product_lines"] = np.nan
    med = ["orders_per_year", "avg_order_value", "gap_days", "product_lines"]
    out = frame.groupby("segment")[med].median()
    out.insert(0, "customers", frame.groupby("segment").size())
    out = out.reindex([v for v in _ordered_levels(cust, by, labels) if v in out.index])
    total = frame[med].median().to_frame().T
    total.insert(0, "customers", len(frame))
    total.index = ["All customers"]
    return pd.concat([out, total]).rename_axis("segment").reset_index()


def channel_engagement(features: pd.DataFrame) -> pd.DataFrame:
    """Interactions, reach and preference per channel, from the ``eng_<channel>`` columns.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account; without ``eng_*`` columns (no interactions table) the result
        is empty.

    Returns
    -------
    pandas.DataFrame
        ``channel, interactions, interaction_share, accounts_reached, reach,
        per_engaged_account, preferred_by, preferred_share``, most interactions first.
        ``reach`` is the share of all accounts with at least one interaction on the channel;
        ``preferred_by`` counts accounts for which it is the busiest channel.
    """
    cols = [c for c in features.columns if c.startswith("eng_")]
    if not cols:
        return pd.DataFrame(columns=["channel", "interactions", "interaction_share",
                                     "accounts_reached", "reach", "per_engaged_account",
                                     "preferred_by", "preferred_share"])
    eng = features[cols].to_numpy(dtype=float)
    interactions = eng.sum(axis=0)
    reached = (eng > 0).sum(axis=0)
    pref = preferred_channels(features)
    counts = pref.value_counts()
    names = [c.removeprefix("eng_") for c in cols]
    engaged = int((eng.sum(axis=1) > 0).sum())
    out = pd.DataFrame({
        "channel": names,
        "interactions": interactions.astype("int64"),
        "interaction_share": interactions / interactions.sum() if interactions.sum() else np.nan,
        "accounts_reached": reached.astype("int64"),
        "reach": reached / len(features) if len(features) else np.nan,
        "per_engaged_account": np.where(reached > 0, interactions / np.maximum(reached, 1),
                                        np.nan),
        "preferred_by": [int(counts.get(n, 0)) for n in names],
    })
    out["preferred_share"] = out["preferred_by"] / engaged if engaged else np.nan
    return out.sort_values("interactions", ascending=False, ignore_index=True)


def preferred_channels(features: pd.DataFrame) -> pd.Series:
    """Each account's busiest channel (``"none"`` without interactions).

    Ties go to the channel listed first in the feature table.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account with ``eng_<channel>`` columns.

    Returns
    -------
    pandas.Series
        Channel name per account, aligned with ``features``.
    """
    cols = [c for c in features.columns if c.startswith("eng_")]
    if not cols:
        return pd.Series("none", index=features.index, name="preferred_channel")
    eng = features[cols].to_numpy(dtype=float)
    names = np.array([c.removeprefix("eng_") for c in cols], dtype=object)
    pick = names[eng.argmax(axis=1)]
    pick = np.where(eng.sum(axis=1) > 0, pick, "none")
    return pd.Series(pick, index=features.index, name="preferred_channel").astype(str)


def activity_by_time(ws, as_of, *, days: int | None = 365) -> pd.DataFrame:
    """Interactions per channel, weekday and hour of day, counted in the engine.

    Parameters
    ----------
    ws : Workspace
        Must provide ``interactions``.
    as_of : date-like
        Analysis date; later interactions are ignored.
    days : int, optional
        Only the last ``days`` days up to ``as_of``; ``None`` means all history.

    Returns
    -------
    pandas.DataFrame
        ``channel, weekday (0 = Monday), weekday_name, hour, interactions``.
    """
    if not ws.has("interactions"):
        raise DataError("activity by weekday and hour needs the interactions table")
    as_of = parse_as_of(as_of)
    if days is not None and days <= 0:
        raise ParamError(f"days must be a positive number of days, got {days!r}")
    t = ws.table("interactions")
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    cond = t.timestamp < end
    if days is not None:
        cond &= t.timestamp >= end - dt.timedelta(days=days)
    t = t.filter(cond & t.timestamp.notnull())
    expr = t.group_by(
        channel=t.channel.cast("string").fill_null(MISSING),
        weekday=t.timestamp.day_of_week.index(),
        hour=t.timestamp.hour(),
    ).aggregate(interactions=t.count())
    out = expr.to_pandas()
    out["weekday"] = out["weekday"].astype("int64")
    out["hour"] = out["hour"].astype("int64")
    out["interactions"] = out["interactions"].astype("int64")
    out.insert(2, "weekday_name", [WEEKDAYS[d] for d in out["weekday"]])
    return out.sort_values(["channel", "weekday", "hour"], ignore_index=True)


def _peak_p(counts: pd.Series, cells: int, method: str) -> float:
    """Adjusted p-value that the busiest of ``cells`` cells holds more than its even share.

    Every cell gets a one-sided binomial test against ``1 / cells``
    (:func:`helpers.stats.multiple_testing.share_test`); the cells form one family, corrected
    with ``method``; the busiest cell's adjusted p-value is returned.
    """
    full = counts.reindex(range(cells), fill_value=0).to_numpy(dtype=float)
    total = full.sum()
    if total <= 0:
        return np.nan
    raw = [multiple_testing.share_test(c, total, 1 / cells) for c in full]
    adj = multiple_testing.adjust(raw, method)
    return float(adj[int(np.argmax(full))])


def activity_peaks(activity: pd.DataFrame, *, method: str = "bh") -> pd.DataFrame:
    """Most active weekday and hour per channel, and for all channels together, with tests.

    Parameters
    ----------
    activity : pandas.DataFrame
        Output of :func:`activity_by_time`.
    method : str
        Correction over the 7 weekday (24 hour) cells of a channel (see
        :func:`helpers.stats.multiple_testing.adjust`).

    Returns
    -------
    pandas.DataFrame
        ``channel, interactions, peak_weekday, weekday_share, weekday_p, peak_hour,
        hour_share, hour_p``; the last row is ``channel="all"``. Shares are the peak's share
        of the channel's interactions (1/7 or 1/24 would mean no peak at all);
        ``weekday_p`` / ``hour_p`` are the peak cell's p-values against an even spread,
        corrected over the channel's cells (:func:`_peak_p`).
    """
    rows = []
    # interactions without a channel count for all channels, but are no channel of their own
    groups = [(ch, g) for ch, g in activity.groupby("channel", sort=True) if ch != MISSING]
    groups.append(("all", activity))
    for ch, g in groups:
        total = g["interactions"].sum()
        if not total:
            continue
        by_day = g.groupby("weekday")["interactions"].sum()
        by_hour = g.groupby("hour")["interactions"].sum()
        rows.append({
            "channel": ch, "interactions": int(total),
            "peak_weekday": WEEKDAYS[int(by_day.idxmax())],
            "weekday_share": float(by_day.max() / total),
            "weekday_p": _peak_p(by_day, 7, method),
            "peak_hour": int(by_hour.idxmax()),
            "hour_share": float(by_hour.max() / total),
            "hour_p": _peak_p(by_hour, 24, method),
        })
    return pd.DataFrame(rows, columns=["channel", "interactions", "peak_weekday",
                                       "weekday_share", "weekday_p", "peak_hour", "hour_share",
                                       "hour_p"])


def has_time_of_day(activity: pd.DataFrame) -> bool:
    """Whether the interactions carry a time of day: more than one hour holds interactions.

    Date-only timestamps all fall on 0:00; an hour peak on them would be an artefact.
    """
    if activity is None or activity.empty:
        return False
    return int(activity.loc[activity["interactions"] > 0, "hour"].nunique()) > 1


def weekday_name(weekday: int | str, language: str = "en", *, short: bool = False) -> str:
    """A weekday (``0`` = Monday, or an English name from :data:`WEEKDAYS`) in ``language``.

    ``weekday_name(2, "zh") == "星期三"``; ``short=True`` gives ``"Wed"`` / ``"周三"``.
    """
    name = WEEKDAYS[weekday] if isinstance(weekday, (int, np.integer)) else str(weekday)
    kind = "weekday_short" if short else "weekday"
    return i18n.t(f"customer_profiling.{kind}.{name.lower()}", language)


def plot_activity_heatmap(activity: pd.DataFrame, *, ax=None, title: str = "",
                          language: str = "en"):
    """Heatmap of interactions by weekday (rows) and hour (columns), all channels.

    Parameters
    ----------
    activity : pandas.DataFrame
        Output of :func:`activity_by_time` (optionally filtered to one channel).
    ax : matplotlib.axes.Axes, optional
    title : str
    language : {"en", "zh"}
        Language of the weekday names and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.2))
    grid = (activity.groupby(["weekday", "hour"])["interactions"].sum().unstack(fill_value=0)
            .reindex(index=range(7), columns=range(24), fill_value=0))
    grid.index = [weekday_name(int(d), language, short=True) for d in grid.index]
    sns.heatmap(grid, cmap="Blues", cbar=False, ax=ax, linewidths=0.2)
    ax.set_xlabel(i18n.t("customer_profiling.chart.hour_of_day", language))
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


def plot_activity_weekdays(activity: pd.DataFrame, *, ax=None, title: str = "",
                           language: str = "en"):
    """Bars of interactions per weekday, all channels (for timestamps without a time of day).

    Parameters
    ----------
    activity : pandas.DataFrame
        Output of :func:`activity_by_time`.
    ax : matplotlib.axes.Axes, optional
    title : str
    language : {"en", "zh"}
        Language of the weekday names.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation.plotting import PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    by_day = activity.groupby("weekday")["interactions"].sum().reindex(range(7), fill_value=0)
    ax.bar([weekday_name(int(d), language, short=True) for d in by_day.index],
           by_day.to_numpy(), color=PALETTE[0])
    ax.set_ylabel(i18n.t("customer_profiling.chart.interactions", language))
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- decision process


def _segment_frame(features: pd.DataFrame, by: str, top: int | None) -> pd.DataFrame:
    return pd.DataFrame({"account_id": features["account_id"].astype(str).to_numpy(),
                         "segment": segment_labels(features, by, top=top).to_numpy()})


def buying_committee(ws, features: pd.DataFrame, by: str = "size_band", *,
                     top: int | None = 12) -> pd.DataFrame:
    """Buying-committee size and role mix per segment, from the contacts table.

    Contacts are counted per account and role in the engine; accounts without contacts are
    left out (an unknown committee, not an empty one).

    Parameters
    ----------
    ws : Workspace
        Must provide ``contacts``.
    features : pandas.DataFrame
        One row per account (for the segment of each account).
    by : str
        Segment column.
    top : int, optional
        Largest segments kept; the rest are folded into ``"Other"``.

    Returns
    -------
    pandas.DataFrame
        ``segment, accounts, committee_median, committee_mean, size_p`` and one
        ``share_<role>`` column per role (share of the segment's contacts), plus a last row
        ``segment="All accounts"``. ``size_p`` is the two-sided Mann-Whitney U p-value of
        the segment's committee sizes against all other accounts' (missing for the last
        row, for folded and unknown segments).
    """
    from scipy import stats

    if not ws.has("contacts"):
        raise DataError("the buying committee needs the contacts table")
    c = ws.table("contacts")
    per = c.group_by(account_id=c.account_id.cast("string"),
                     role=c.role.cast("string").lower().fill_null("other")).aggregate(n=c.count())
    long = per.to_pandas()
    wide = long.pivot_table(index="account_id", columns="role", values="n", aggfunc="sum",
                            fill_value=0)
    seg = _segment_frame(features, by, top).set_index("account_id")
    wide = wide.join(seg, how="inner")
    roles = [r for r in wide.columns if r != "segment"]
    wide["size"] = wide[roles].sum(axis=1)

    def summarise(g: pd.DataFrame) -> dict:
        contacts = g["size"].sum()
        row = {"accounts": len(g), "committee_median": float(g["size"].median()),
               "committee_mean": float(g["size"].mean())}
        for r in roles:
            row[f"share_{r}"] = g[r].sum() / contacts if contacts else np.nan
        return row

    rows = {s: summarise(g) for s, g in wide.groupby("segment")}
    for name in rows:
        inside = wide["segment"] == name
        a, b = wide.loc[inside, "size"], wide.loc[~inside, "size"]
        rows[name]["size_p"] = (
            float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
            if len(a) and len(b) and name not in (OTHER, MISSING) else np.nan)
    order = [v for v in _ordered_levels(features, by, seg["segment"]) if v in rows]
    out = pd.DataFrame([rows[s] for s in order], index=order)
    out.loc["All accounts"] = {**summarise(wide), "size_p": np.nan}
    out["accounts"] = out["accounts"].astype("int64")
    return out.rename_axis("segment").reset_index()


def sales_cycle(ws, as_of, features: pd.DataFrame, by: str = "size_band", *,
                top: int | None = 12) -> pd.DataFrame:
    """Win rate and sales-cycle length per segment, from the opportunities table.

    An opportunity counts as closed when its stage is won or lost and its close date (if
    the column exists) is on or before ``as_of``. The cycle is ``close_date - created_date``
    in days, for closed opportunities with both dates.

    Parameters
    ----------
    ws : Workspace
        Must provide ``opportunities``.
    as_of : date-like
        Analysis date.
    features : pandas.DataFrame
        One row per account (for the segment of each account).
    by : str
        Segment column.
    top : int, optional
        Largest segments kept; the rest are folded into ``"Other"``.

    Returns
    -------
    pandas.DataFrame
        ``segment, opportunities, closed, won, win_rate, cycle_median_days,
        cycle_won_median_days``, plus a last row ``segment="All"``.
    """
    if not ws.has("opportunities"):
        raise DataError("win rates and sales cycles need the opportunities table")
    as_of = parse_as_of(as_of)
    o = ws.table("opportunities")
    o = o.filter(o.created_date <= as_of)
    stage = o.stage.cast("string").lower()
    has_close = "close_date" in o.columns
    closed = stage.isin(["won", "lost"])
    if has_close:
        closed &= o.close_date.isnull() | (o.close_date <= as_of)
        cycle = ibis.ifelse(closed, o.close_date.delta(o.created_date, unit="day"),
                            ibis.null("int64"))
    else:
        cycle = ibis.null("int64")
    rows = o.select(account_id=o.account_id.cast("string"), closed=closed,
                    won=closed & (stage == "won"), cycle=cycle)
    # Per account and cycle length keeps the transfer small and lets pandas take medians.
    agg = rows.group_by("account_id", "closed", "won", "cycle").aggregate(n=rows.count())
    df = agg.to_pandas()
    seg = _segment_frame(features, by, top)
    df = df.merge(seg, on="account_id", how="inner")

    def summarise(g: pd.DataFrame) -> dict:
        n_closed = int(g.loc[g["closed"], "n"].sum())
        n_won = int(g.loc[g["won"], "n"].sum())
        cyc = g[g["closed"] & g["cycle"].notna()]
        won = cyc[cyc["won"]]
        return {
            "opportunities": int(g["n"].sum()), "closed": n_closed, "won": n_won,
            "win_rate": n_won / n_closed if n_closed else np.nan,
            "cycle_median_days": _weighted_median(cyc["cycle"], cyc["n"]),
            "cycle_won_median_days": _weighted_median(won["cycle"], won["n"]),
        }

    result = {s: summarise(g) for s, g in df.groupby("segment")}
    order = [v for v in _ordered_levels(features, by, seg["segment"]) if v in result]
    out = pd.DataFrame([result[s] for s in order], index=order,
                       columns=["opportunities", "closed", "won", "win_rate",
                                "cycle_median_days", "cycle_won_median_days"])
    out.loc["All"] = summarise(df)
    for col in ("opportunities", "closed", "won"):
        out[col] = out[col].astype("int64")
    return out.rename_axis("segment").reset_index()


def _weighted_median(values: pd.Series, weights: pd.Series) -> float:
    """Median of ``values`` repeated ``weights`` times (lower-upper average on ties)."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    w = pd.to_numeric(weights, errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(v) & (w > 0)
    if not ok.any():
        return float("nan")
    return float(np.median(np.repeat(v[ok], w[ok].astype(np.int64))))


# --------------------------------------------------------------------------- needs


def pain_points(ws, as_of, features: pd.DataFrame, by: str = "industry", *,
                top: int | None = 12, separator: str = ";") -> pd.DataFrame:
    """Survey pain-point tags ranked within each segment.

    Tags are split and counted per account in the engine. ``share`` is the share of the
    segment's survey responses that mention the tag; ``rank`` 1 is the most mentioned.

    Parameters
    ----------
    ws : Workspace
        Must provide ``surveys`` with a ``pain_points`` column.
    as_of : date-like
        Analysis date; later responses are ignored.
    features : pandas.DataFrame
        One row per account (for the segment of each account).
    by : str
        Segment column.
    top : int, optional
        Largest segments kept; the rest are folded into ``"Other"``.
    separator : str
        Separator between tags.

    Returns
    -------
    pandas.DataFrame
        Long format ``segment, pain_point, mentions, responses, share, rank, lift`` where
        ``lift`` is the share in the segment over the share across all responses; the
        segment ``"All"`` comes first.
    """
    if not ws.has("surveys"):
        raise DataError("pain points need the surveys table")
    s = ws.table("surveys")
    if "pain_points" not in s.columns:
        raise DataError("the surveys table has no pain_points column, so pain points cannot "
                        "be ranked")
    as_of = parse_as_of(as_of)
    s = s.filter(s.response_date <= as_of)
    responses = s.group_by(account_id=s.account_id.cast("string")).aggregate(responses=s.count())
    tags = s.select(account_id=s.account_id.cast("string"),
                    tag=s.pain_points.cast("string").split(separator).unnest())
    tags = tags.mutate(tag=tags.tag.strip().lower())
    tags = tags.filter(tags.tag.notnull() & (tags.tag != ""))
    mentions = tags.group_by("account_id", "tag").aggregate(mentions=tags.count())
    resp, ment = responses.to_pandas(), mentions.to_pandas()
    seg = _segment_frame(features, by, top)
    resp = resp.merge(seg, on="account_id", how="inner")
    ment = ment.merge(seg, on="account_id", how="inner")
    cols = ["segment", "pain_point", "mentions", "responses", "share", "rank", "lift"]
    # answers of accounts without a segment count for "All" only: unknown is no segment
    seg_resp, seg_ment = resp[resp["segment"] != MISSING], ment[ment["segment"] != MISSING]
    if resp.empty or ment.empty:
        return pd.DataFrame(columns=cols)
    per_seg = seg_resp.groupby("segment")["responses"].sum()
    counts = seg_ment.groupby(["segment", "tag"])["mentions"].sum().rename("mentions").reset_index()
    overall = ment.groupby("tag")["mentions"].sum().rename("mentions").reset_index()
    overall.insert(0, "segment", "All")
    per_seg.loc["All"] = resp["responses"].sum()
    out = pd.concat([overall, counts], ignore_index=True).rename(columns={"tag": "pain_point"})
    out["responses"] = out["segment"].map(per_seg).astype("int64")
    out["share"] = out["mentions"] / out["responses"]
    all_share = out[out["segment"] == "All"].set_index("pain_point")["share"]
    out["lift"] = out["share"] / out["pain_point"].map(all_share)
    out = out.sort_values(["segment", "mentions", "pain_point"], ascending=[True, False, True])
    out["rank"] = out.groupby("segment").cumcount() + 1
    seg_order = ["All"] + [v for v in _ordered_levels(features, by, seg["segment"])
                           if v in set(out["segment"])]
    out["segment"] = pd.Categorical(out["segment"], categories=seg_order, ordered=True)
    out = out.sort_values(["segment", "rank"]).reset_index(drop=True)
    out["segment"] = out["segment"].astype(str)
    out["mentions"] = out["mentions"].astype("int64")
    return out[cols]


def plot_pain_points(pains: pd.DataFrame, *, ax=None, title: str = "", min_responses: int = 0,
                     language: str = "en"):
    """Heatmap of pain-point shares (% of responses) by segment.

    Parameters
    ----------
    pains : pandas.DataFrame
        Output of :func:`pain_points`.
    ax : matplotlib.axes.Axes, optional
    title : str
    min_responses : int
        Segments with fewer responses are left out.
    language : {"en", "zh"}
        Language of the axis label (the overall row ``"All"`` is labelled too).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    p = pains[pains["responses"] >= min_responses]
    grid = p.pivot_table(index="segment", columns="pain_point", values="share", sort=False)
    order = list(dict.fromkeys(p["segment"]))
    cols = list(p[p["segment"] == order[0]].sort_values("rank")["pain_point"]) if order else []
    grid = grid.reindex(index=order, columns=cols + [c for c in grid.columns if c not in cols])
    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.5, 0.4 * len(grid) + 1)))
    grid.index = [i18n.t("customer_profiling.segment.all", language) if s == "All" else s
                  for s in grid.index]
    sns.heatmap(grid * 100, annot=True, fmt=".0f", cmap="Oranges", cbar=False, ax=ax,
                linewidths=0.5)
    ax.set_xlabel(i18n.t("customer_profiling.chart.pain_point", language))
    ax.set_ylabel("")
    ax.set_title(title)
    return ax


def distinctive_pain_points(pains: pd.DataFrame, *, min_responses: int = 30,
                            min_lift: float = 1.3, alpha: float = 0.05, method: str = "bh",
                            log=None, language: str = "en") -> pd.DataFrame:
    """Segment pain points mentioned reliably more often than in the other segments.

    Every pain point of every segment with enough responses is one comparison: its share
    of mentions against the share among all other responses (Fisher's exact test,
    :func:`helpers.stats.multiple_testing.lift_test`). The comparisons form one family,
    corrected with ``method`` (in ``log`` when given, which keeps the evidence). A pain
    point is distinctive when it survives and its lift is at least ``min_lift``.

    Parameters
    ----------
    pains : pandas.DataFrame
        Output of :func:`pain_points`.
    min_responses : int
        Segments with fewer responses are not tested (too noisy).
    min_lift : float
        Share in the segment over the overall share, at least.
    alpha, method : float, str
        Level and correction of the family (``log`` uses its own when given).
    log : helpers.presentation.findings.FindingLog, optional
        Receives one finding per tested (segment, pain point).
    language : {"en", "zh"}
        Language of the findings' texts.

    Returns
    -------
    pandas.DataFrame
        Rows of ``pains`` (segments only, not ``"All"``) with ``p_value`` and
        ``p_adjusted``, highest lift first.
    """
    cols = [*pains.columns, "p_value", "p_adjusted"]
    everyone = pains[pains["segment"] == "All"].set_index("pain_point")
    p = pains[(pains["segment"] != "All") & (pains["responses"] >= min_responses)
              & ~pains["segment"].isin([OTHER, MISSING])].copy()
    if p.empty or everyone.empty:
        return pd.DataFrame(columns=cols)
    all_n = float(everyone["responses"].iloc[0])
    all_hits = p["pain_point"].map(everyone["mentions"]).fillna(0).to_numpy(dtype=float)
    hits = np.minimum(p["mentions"].to_numpy(dtype=float), p["responses"].to_numpy(dtype=float))
    n = p["responses"].to_numpy(dtype=float)
    p["p_value"] = [multiple_testing.lift_test(h, k, max(a - h, 0), max(all_n - k, 0))["p_value"]
                    for h, k, a in zip(hits, n, all_hits, strict=True)]
    if log is not None:
        found = log.family(
            [i18n.t("customer_profiling.finding.distinct_item", language, segment=r.segment,
                    pain=r.pain_point, share=_pct(r.share), lift=f"{r.lift:.1f}")
             for r in p.itertuples()],
            p["p_value"], test="Fisher exact", family="pain point by segment",
            effects=p["lift"], ns=p["responses"], levels=p["segment"], effect_label="lift",
            impacts=[0.2] * len(p))
        p["p_adjusted"] = [f.evidence.p_adjusted for f in found]
        keep = np.array([f.stated for f in found], dtype=bool)
    else:
        p = multiple_testing.mark_family(p, alpha=alpha, method=method)
        keep = p.pop("significant").to_numpy(dtype=bool)
    p = p[keep & (p["lift"] >= min_lift).to_numpy()]
    return p[cols].sort_values("lift", ascending=False, ignore_index=True)


def top_values(series: pd.Series, n: int = 3) -> list[str]:
    """The ``n`` first index labels of a Series as text (for finding sentences)."""
    return [str(v) for v in list(series.index[:n])]


def format_list(items: Sequence[Any], language: str = "en") -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"`` (``"a、b和c"`` in Chinese)."""
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return (i18n.t("customer_profiling.join.sep", language).join(items[:-1])
            + i18n.t("customer_profiling.join.and", language) + items[-1])


# --------------------------------------------------------------------------- finding sentences


def _sentences(parts: Sequence[str], language: str = "en") -> str:
    """Sentences one after another (a space between them in English, none in Chinese)."""
    parts = [p for p in parts if p]
    if not parts:
        return ""
    text = parts[0]
    for part in parts[1:]:
        text = i18n.t("customer_profiling.join.sentences", language, first=text, then=part)
    return text


def _pct(v: Any) -> str:
    return f"{float(v):.0%}" if v is not None and np.isfinite(float(v)) else DASH


def p_text(v: Any) -> str:
    """A p-value as a report shows it: ``"< 0.001"``, ``"0.034"`` or ``"–"`` when unknown."""
    if not _known(v):
        return DASH
    return "< 0.001" if float(v) < 0.001 else f"{float(v):.3f}"


def _known(v: Any) -> bool:
    try:
        return v is not None and bool(np.isfinite(float(v)))
    except (TypeError, ValueError):
        return False


def _brings_most(features, by, segment, top, log, alpha, method) -> bool:
    """Whether ``segment`` brings reliably more revenue per account than the other segments."""
    if features is None or segment is None or by not in features or "revenue_total" not in features:
        return False
    tests = segment_value_tests(features, by, column="revenue_total", top=top,
                                customers_only=False)
    if tests.empty or segment not in set(tests["segment"]):
        return False
    overall = float(pd.to_numeric(features["revenue_total"], errors="coerce").fillna(0).mean())
    if log is not None:
        found = log.family(
            [i18n.t("customer_profiling.finding.revenue_segment", log.language, segment=r.segment,
                    by=i18n.t(f"customer_profiling.attr.{by}", log.language,
                              default=by.replace("_", " "))) for r in tests.itertuples()],
            tests["p_value"], test="Mann-Whitney U", family=f"revenue per account by {by}",
            effects=tests["mean"] / overall if overall else None, ns=tests["customers"],
            levels=tests["segment"], effect_label="mean revenue / all accounts",
            impacts=[0.2] * len(tests))
        ok = dict(zip(tests["segment"], [f.stated for f in found], strict=True))
    else:
        adj = multiple_testing.adjust(tests["p_value"].to_numpy(dtype=float), method)
        ok = dict(zip(tests["segment"], np.isfinite(adj) & (adj < alpha), strict=True))
    mean = float(tests.set_index("segment")["mean"][segment])
    return bool(ok.get(segment, False) and mean > overall)


def base_finding(by_industry: pd.DataFrame, by_size: pd.DataFrame, language: str = "en", *,
                 features: pd.DataFrame | None = None, top: int | None = None, log=None,
                 alpha: float = 0.05, method: str = "bh") -> str:
    """The finding on industries and size bands, from what the data holds.

    Each part is said only when its segments are known: no industry, no industry part;
    an unknown margin is left out of the size-band part rather than shown as 0%. The
    segment that "brings the most relative to its size" is named only when its revenue per
    account is reliably above the other accounts' (two-sided Mann-Whitney U test per
    segment, corrected over the segments, in ``log`` when given); without ``features``
    it is never named.

    Parameters
    ----------
    by_industry, by_size : pandas.DataFrame
        :func:`base_profile` by ``industry`` and by ``size_band``.
    language : {"en", "zh"}
    features : pandas.DataFrame, optional
        Account features with ``revenue_total`` (for the tests).
    top : int, optional
        Segments folding as in the profiles.
    log : helpers.presentation.findings.FindingLog, optional
    alpha, method : float, str
        Level and correction without ``log``.

    Returns
    -------
    str
        Markdown; empty when neither has a known segment.
    """
    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.finding.{key}", language, **values)

    parts = []
    lead = known_segments(by_industry)
    if not lead.empty:
        row = lead.iloc[0]
        parts.append(t("base_lead", lead=row.segment, lead_revenue=_pct(row.revenue_share),
                       lead_accounts=_pct(row.account_share)))
        conc = concentration(by_industry)
        if _brings_most(features, "industry", conc["segment"], top, log, alpha, method):
            parts.append(t("base_conc", conc=conc["segment"], conc_revenue=_pct(conc["revenue_share"]),
                           conc_accounts=_pct(conc["account_share"])))
    size = concentration(by_size)
    if _brings_most(features, "size_band", size["segment"], top, log, alpha, method):
        key = "base_size" if _known(size["margin_share"]) else "base_size_revenue"
        parts.append(t(key, size=size["segment"], size_revenue=_pct(size["revenue_share"]),
                       size_margin=_pct(size["margin_share"]), size_accounts=_pct(size["account_share"])))
    return _sentences(parts, language)


def location_finding(by_region: pd.DataFrame, by_country: pd.DataFrame, by_city: pd.DataFrame,
                     language: str = "en") -> str:
    """The finding on the largest region, country and city, each only when known.

    Parameters
    ----------
    by_region, by_country, by_city : pandas.DataFrame
        :func:`base_profile` by ``region``, ``country`` and ``city``.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown; empty when no location is known.
    """
    parts = []
    for key, profile in (("region", by_region), ("country", by_country), ("city", by_city)):
        known = known_segments(profile)
        if known.empty:
            continue
        row = known.iloc[0]
        parts.append(i18n.t(f"customer_profiling.finding.location_{key}", language,
                            name=row.segment, revenue=_pct(row.revenue_share),
                            accounts=f"{int(row.accounts):,}"))
    return _sentences(parts, language)


def typical_customer(features: pd.DataFrame, as_of, *, min_tenure_days: int = 365,
                     min_customers: int = 10) -> dict:
    """The typical customer's buying, each figure only on the customers who can show it.

    - the yearly order rate is the median of ``orders_365d`` among customers whose first
      order is at least ``min_tenure_days`` old (a four-month-old customer cannot show a
      yearly rate); with fewer than ``min_customers`` of them it is missing and the orders
      so far are given instead, with the observed history;
    - the gap between orders is the median ``mean_gap_days`` among repeat buyers only
      (missing with fewer than ``min_customers`` of them);
    - the order value is the median ``avg_order_value`` of all customers.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`helpers.data.features.account_features` output.
    as_of : date-like
    min_tenure_days, min_customers : int

    Returns
    -------
    dict
        ``customers, established, orders_per_year, orders_so_far, history_days, aov,
        repeat_buyers, gap_days, product_lines`` (floats may be NaN).
    """
    for col in ("order_count", "orders_365d", "avg_order_value", "mean_gap_days",
                "first_order_date"):
        _check_column(features, col, "behaviour column")
    as_of = pd.Timestamp(parse_as_of(as_of))
    cust = features[features["order_count"] > 0]
    first = pd.to_datetime(cust["first_order_date"], errors="coerce")
    tenure = (as_of - first).dt.days.to_numpy(dtype=float)
    established = np.nan_to_num(tenure, nan=-1) >= min_tenure_days
    gaps = pd.to_numeric(cust["mean_gap_days"], errors="coerce")
    repeat = gaps.notna().to_numpy()
    lines = (pd.to_numeric(cust["product_lines"], errors="coerce")
             if "product_lines" in cust else pd.Series(np.nan, index=cust.index))

    def med(values) -> float:
        v = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
        return float(v.median()) if len(v) else np.nan

    return {
        "customers": len(cust),
        "established": int(established.sum()),
        "orders_per_year": (med(cust["orders_365d"].to_numpy()[established])
                            if established.sum() >= min_customers else np.nan),
        "orders_so_far": med(cust["order_count"]),
        "history_days": float(np.nanmax(tenure)) if np.isfinite(tenure).any() else np.nan,
        "aov": med(cust["avg_order_value"]),
        "repeat_buyers": int(repeat.sum()),
        "gap_days": med(gaps[repeat]) if repeat.sum() >= min_customers else np.nan,
        "product_lines": med(lines[lines > 0]) if (lines > 0).any() else np.nan,
        "min_customers": int(min_customers),
    }


def segment_value_tests(features: pd.DataFrame, by: str, *, column: str = "avg_order_value",
                        top: int | None = 12, customers_only: bool = True) -> pd.DataFrame:
    """Whether customers of each segment have higher or lower values than the other customers.

    A two-sided Mann-Whitney U test per known segment against all other customers (the
    values are heavy-tailed, so medians and ranks, not means).

    Parameters
    ----------
    features : pandas.DataFrame
    by : str
        Segment column.
    column : str
        Value compared (default the average order value).
    top : int, optional
        As in :func:`segment_labels`; folded and missing segments are not tested.
    customers_only : bool
        Compare customers only (accounts with an order); else every account, a missing
        value counting as 0.

    Returns
    -------
    pandas.DataFrame
        ``segment, customers, median, mean, p_value`` (``customers`` counts the compared
        accounts).
    """
    from scipy import stats

    _check_column(features, by)
    _check_column(features, column, "value column")
    cust = features[features["order_count"] > 0] if customers_only else features
    cols = ["segment", "customers", "median", "mean", "p_value"]
    if cust.empty:
        return pd.DataFrame(columns=cols)
    labels = segment_labels(cust, by, top=top).to_numpy()
    x = pd.to_numeric(cust[column], errors="coerce").to_numpy(dtype=float)
    if not customers_only:
        x = np.nan_to_num(x, nan=0.0)
    rows = []
    for seg in pd.unique(labels):
        if seg in (OTHER, MISSING):
            continue
        m = labels == seg
        a, b = x[m & np.isfinite(x)], x[~m & np.isfinite(x)]
        p = (float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
             if len(a) and len(b) else np.nan)
        rows.append({"segment": seg, "customers": int(m.sum()),
                     "median": float(np.median(a)) if len(a) else np.nan,
                     "mean": float(np.mean(a)) if len(a) else np.nan, "p_value": p})
    return pd.DataFrame(rows, columns=cols)


def behaviour_finding(behaviour: pd.DataFrame, currency: str = "", language: str = "en", *,
                      typical: dict | None = None, tests: pd.DataFrame | None = None,
                      log=None) -> str:
    """The finding on the typical customer's buying, each figure only when it is backed.

    The yearly rate needs customers with a year of history and the gap needs repeat
    buyers (:func:`typical_customer`); "1 times" is never written. A segment is named for
    its large orders only when its value differs from the other customers in a test
    corrected over the segments (``tests`` from :func:`segment_value_tests`, family in
    ``log``).

    Parameters
    ----------
    behaviour : pandas.DataFrame
        Output of :func:`behaviour_by_segment`.
    currency : str
    language : {"en", "zh"}
    typical : dict, optional
        :func:`typical_customer` output; without it no rate or gap is stated.
    tests : pandas.DataFrame, optional
        :func:`segment_value_tests` output.
    log : helpers.presentation.findings.FindingLog, optional
        Receives the segment comparisons; without it no segment is named.

    Returns
    -------
    str
        Markdown.
    """
    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.finding.{key}", language, **values)

    parts = []
    if typical is not None:
        rate, so_far = typical["orders_per_year"], typical["orders_so_far"]
        if _known(rate):
            parts.append(t("behaviour_rate_once" if round(rate) == 1 else "behaviour_rate",
                           orders=f"{rate:.0f}", n=f"{typical['established']:,}"))
        elif _known(so_far) and _known(typical["history_days"]):
            parts.append(t("behaviour_young_once" if round(so_far) == 1 else "behaviour_young",
                           orders=f"{so_far:.0f}",
                           months=f"{max(typical['history_days'] / 30.44, 1):.0f}"))
        if _known(typical["aov"]):
            parts.append(t("behaviour_aov", aov=f"{typical['aov']:,.0f}", currency=currency))
        if _known(typical["gap_days"]):
            parts.append(t("behaviour_gap_repeat", gap=f"{typical['gap_days']:.0f}",
                           n=f"{typical['repeat_buyers']:,}"))
        elif typical["repeat_buyers"] > 0:
            parts.append(t("behaviour_few_repeat", n=f"{typical['repeat_buyers']:,}"))
        if _known(typical["product_lines"]):
            parts.append(t("behaviour_lines", lines=f"{typical['product_lines']:.0f}"))
    everyone = behaviour.iloc[-1]
    if (tests is not None and log is not None and len(tests) > 1
            and _known(everyone.avg_order_value) and everyone.avg_order_value > 0):
        found = log.family(
            [t("behaviour_big" if r.median > everyone.avg_order_value else "behaviour_small",
               big=r.segment, big_aov=f"{r.median:,.0f}", currency=currency,
               ratio=f"{r.median / everyone.avg_order_value:.1f}") for r in tests.itertuples()],
            tests["p_value"], test="Mann-Whitney U", family="order value by segment",
            effects=tests["median"] / everyone.avg_order_value, ns=tests["customers"],
            levels=tests["segment"], effect_label="median order value / all customers",
            impacts=[0.2] * len(tests))
        big = [(m, f) for m, f in zip(tests["median"], found, strict=True)
               if f.stated and m > everyone.avg_order_value]
        if big:
            parts.append(max(big, key=lambda x: x[0])[1].text)
    return _sentences(parts, language)


def plot_segment_panels(frame: pd.DataFrame, titles: dict[str, str], *,
                        rename: dict | None = None, fmts: dict[str, str] | None = None,
                        scales: dict[str, float] | None = None) -> list:
    """One bar panel per measure over the known segments, unknown values left out.

    A measure without any known or non-zero value (no gap between orders when nobody
    re-ordered, no product line recorded, no close date) gets no panel; without known
    segments nothing is drawn.

    Parameters
    ----------
    frame : pandas.DataFrame
        A segment table with a ``segment`` column (:func:`behaviour_by_segment`,
        :func:`sales_cycle`).
    titles : dict
        ``{measure column: panel title}``, in panel order.
    rename : dict, optional
        Display names of segments.
    fmts, scales : dict, optional
        Value-label format and multiplier per measure (``{"win_rate": 100}``).

    Returns
    -------
    list of matplotlib.axes.Axes
        Empty when nothing is drawn (no figure is created then).
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    shown = known_segments(frame).set_index("segment")
    # all zero among customers means unknown here (no product line recorded), not none
    cols = [c for c in titles if c in shown and shown[c].fillna(0).ne(0).any()]
    if not cols:
        return []
    _, axes = plt.subplots(1, len(cols), figsize=(max(3.8 * len(cols), 6.5), 3.8), squeeze=False)
    for ax, col in zip(axes[0], cols, strict=True):
        values = shown[col].dropna().astype(float) * (scales or {}).get(col, 1)
        plotting.plot_bar(values.rename(index=rename or {}), ax=ax, title=titles[col],
                          fmt=(fmts or {}).get(col, "{:,.0f}"))
    plt.tight_layout()
    return list(axes[0])


def plot_profile_panels(panels: Sequence[tuple[pd.DataFrame, str]], *, rename: dict | None = None,
                        language: str = "en"):
    """Side-by-side :func:`plot_profile_shares` for the profiles with a known segment.

    A profile whose every account is unknown (no industry in the data) would be one bar
    called "(missing)"; it is not drawn.

    Parameters
    ----------
    panels : sequence of (profile, title)
    rename : dict, optional
        Display names of segments (``"Other"`` in the report language).
    language : {"en", "zh"}

    Returns
    -------
    list of matplotlib.axes.Axes
        Empty when nothing is drawn (no figure is created then).
    """
    import matplotlib.pyplot as plt

    drawn = [(p, title) for p, title in panels if not known_segments(p).empty]
    if not drawn:
        return []
    _, axes = plt.subplots(1, len(drawn), figsize=(6.5 * len(drawn), 4.5), squeeze=False)
    for ax, (p, title) in zip(axes[0], drawn, strict=True):
        plot_profile_shares(p.replace({"segment": rename or {}}), ax=ax, title=title,
                            language=language)
    plt.tight_layout()
    return list(axes[0])


def engagement_finding(channels: pd.DataFrame, language: str = "en") -> str:
    """The finding on channels (busiest, preferred, widest reach); empty with under 2 channels.

    Parameters
    ----------
    channels : pandas.DataFrame
        Output of :func:`channel_engagement`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    channels = channels[channels["channel"] != MISSING]
    if len(channels) < 2 or not channels["interactions"].sum():
        return ""
    first = channels.iloc[0]
    pref = channels.sort_values("preferred_by", ascending=False).iloc[0]
    widest = channels.sort_values("reach", ascending=False).iloc[1]
    return i18n.t("customer_profiling.finding.engagement", language, first=first.channel,
                  first_share=_pct(first.interaction_share), first_reach=_pct(first.reach),
                  pref=pref.channel, pref_share=_pct(pref.preferred_share),
                  widest=widest.channel, widest_reach=_pct(widest.reach))


def activity_findings(peaks: pd.DataFrame, log, hours: bool = True,
                      language: str = "en") -> list[str]:
    """Evidence-gated sentences on the weekday (and hour) of most activity.

    The weekday peak of each channel and of all channels together is tested against an
    even week (:func:`activity_peaks`, ``weekday_p``); these peaks form one family in
    ``log`` (corrected again over the channels), and so do the hour peaks. Hour peaks
    are tested only when ``hours`` (the timestamps carry a time of day). Only survivors
    are stated; otherwise one honest sentence says there is no reliable rhythm.

    Parameters
    ----------
    peaks : pandas.DataFrame
        Output of :func:`activity_peaks`; the last row covers all channels.
    log : helpers.presentation.findings.FindingLog
        Receives one finding per tested peak.
    hours : bool
        Whether the timestamps carry a time of day (capabilities ``time_of_day``).
    language : {"en", "zh"}

    Returns
    -------
    list of str
        The sentences to show (at most one for all channels and one for the sharpest
        channel per dimension, or the fallback).
    """
    if peaks.empty:
        return []

    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.finding.{key}", language, **values)

    def label(ch):
        return t("activity_all") if ch == "all" else f"**{ch}**"

    out = []
    dims = [("weekday", 7)] + ([("hour", 24)] if hours else [])
    for dim, cells in dims:
        texts = [t(f"activity_{dim}_peak", who=label(r.channel),
                   when=(weekday_name(r.peak_weekday, language) if dim == "weekday"
                         else f"{int(r.peak_hour)}:00"),
                   share=_pct(getattr(r, f"{dim}_share")), even=f"{1 / cells:.0%}")
                 for r in peaks.itertuples()]
        fallback = t(f"activity_no_{dim}", n=f"{len(peaks):,}")
        found = log.family(
            texts, peaks[f"{dim}_p"], test="binomial share vs even spread",
            family=f"activity peak by {dim}", effects=peaks[f"{dim}_share"],
            ns=peaks["interactions"], effect_label="share of interactions", fallback=fallback,
            impacts=[0.15] * len(peaks))
        overall = found[-1]
        channel = sorted([(float(sh), f) for sh, f in zip(peaks[f"{dim}_share"].iloc[:-1],
                                                           found[:-1], strict=True)
                          if f.stated], key=lambda x: -x[0])
        said = [f.text for f in ([overall] if overall.stated else [])
                + ([channel[0][1]] if channel else [])]
        out.append(" ".join(said) if said else fallback)
    return out


def committee_finding(committee: pd.DataFrame, language: str = "en", *, alpha: float = 0.05,
                      method: str = "bh", log=None) -> str:
    """The finding on committee sizes; empty without two known segments or decision makers.

    The segment with the largest committees is named only when its sizes differ from the
    other accounts' (``size_p`` of :func:`buying_committee`), corrected over the segments
    (in ``log`` when given, else with ``alpha`` and ``method``); otherwise the sentence
    says no segment differs reliably.

    Parameters
    ----------
    committee : pandas.DataFrame
        Output of :func:`buying_committee`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    seg_rows = known_segments(committee)
    if len(seg_rows) < 2 or "share_decision_maker" not in committee:
        return ""
    small_c, large_c = seg_rows.iloc[0], seg_rows.sort_values("committee_median").iloc[-1]
    raw = seg_rows["size_p"] if "size_p" in seg_rows else pd.Series(np.nan, index=seg_rows.index)
    if log is not None:
        found = log.family(
            [i18n.t("customer_profiling.finding.committee_segment", language, segment=r.segment,
                    median=f"{r.committee_median:.0f}") for r in seg_rows.itertuples()],
            raw, test="Mann-Whitney U", family="committee size by segment",
            effects=seg_rows["committee_median"], ns=seg_rows["accounts"],
            levels=seg_rows["segment"], effect_label="median contacts",
            impacts=[0.15] * len(seg_rows))
        ok = dict(zip(seg_rows.index, [f.stated for f in found], strict=True))
    else:
        adj = multiple_testing.adjust(raw.to_numpy(dtype=float), method)
        ok = dict(zip(seg_rows.index, np.isfinite(adj) & (adj < alpha), strict=True))
    if not ok.get(large_c.name, False) or large_c.committee_median <= small_c.committee_median:
        return i18n.t("customer_profiling.finding.committee_flat", language,
                      median=f"{committee.iloc[-1].committee_median:.0f}")
    return i18n.t("customer_profiling.finding.committee", language,
                  median=f"{committee.iloc[-1].committee_median:.0f}", large=large_c.segment,
                  large_median=f"{large_c.committee_median:.0f}",
                  large_dm=_pct(large_c.share_decision_maker),
                  small_median=f"{small_c.committee_median:.0f}", small=small_c.segment)


def cycle_finding(cycle: pd.DataFrame, language: str = "en", *, min_closed: int = 30,
                  alpha: float = 0.05, method: str = "bh", log=None) -> str:
    """The finding on win rate and sales-cycle length; each figure only when known.

    A segment is named for winning most often only when its win rate differs from the
    other segments' in Fisher's exact test, corrected over the segments with enough closed
    opportunities (in ``log`` when given, else with ``alpha`` and ``method``).

    Parameters
    ----------
    cycle : pandas.DataFrame
        Output of :func:`sales_cycle`.
    language : {"en", "zh"}
    min_closed : int
        Closed opportunities a segment needs to be tested.
    alpha, method : float, str
        Level and correction when no ``log`` is given.
    log : helpers.presentation.findings.FindingLog, optional

    Returns
    -------
    str
        The "no closed opportunity" note when nothing is closed.
    """
    allrow = cycle.iloc[-1]
    if not allrow.closed:
        return i18n.t("customer_profiling.no_closed", language)
    if not _known(allrow.cycle_won_median_days):
        return i18n.t("customer_profiling.finding.cycle_no_days", language,
                      closed=f"{allrow.closed:,}", win_rate=_pct(allrow.win_rate))
    text = i18n.t("customer_profiling.finding.cycle", language, closed=f"{allrow.closed:,}",
                  win_rate=_pct(allrow.win_rate), days=f"{allrow.cycle_won_median_days:.0f}")
    seg_rows = known_segments(cycle).set_index("segment")
    seg_rows = seg_rows[(seg_rows["closed"] >= min_closed) & seg_rows["win_rate"].notna()
                        & seg_rows["cycle_won_median_days"].notna()]
    if len(seg_rows) < 2:
        return text
    won, closed = seg_rows["won"].to_numpy(float), seg_rows["closed"].to_numpy(float)
    tests = [multiple_testing.lift_test(w, c, allrow.won - w, allrow.closed - c)
             for w, c in zip(won, closed, strict=True)]
    lifts = np.array([r["lift"] for r in tests], dtype=float)
    raw = [r["p_value"] for r in tests]
    # each segment's claim points the way its own rate does
    texts = [i18n.t("customer_profiling.finding.cycle_best" if lift > 1 else
                    "customer_profiling.finding.cycle_less", language, segment=seg,
                    win_rate=_pct(seg_rows.win_rate[seg]),
                    days=f"{seg_rows.cycle_won_median_days[seg]:.0f}").strip()
             for seg, lift in zip(seg_rows.index, lifts, strict=True)]
    if log is not None:
        found = log.family(texts, raw, test="Fisher exact", family="win rate by segment",
                           effects=lifts, ns=closed.astype(int), levels=list(seg_rows.index),
                           effect_label="win-rate ratio", impacts=[0.25] * len(texts))
        ok = np.array([f.stated for f in found], dtype=bool)
    else:
        adj = multiple_testing.adjust(raw, method)
        ok = np.isfinite(adj) & (adj < alpha)
    ok &= lifts > 1
    if ok.any():
        rates = np.where(ok, seg_rows["win_rate"].to_numpy(float), -1.0)
        text += " " * (language == "en") + texts[int(np.argmax(rates))]
    return text


# --------------------------------------------------------------------------- chart texts

#: chart kinds :func:`chart_alt` can describe (``customer_profiling.alt.<kind>``)
ALT_KINDS = ("bar", "bars", "grouped", "stacked", "heatmap", "histogram", "scatter", "lift",
             "matrix")


def chart_alt(kind: str, what: str, values: pd.Series | None = None, *, language: str = "en",
              fmt: str = "{:,.0f}", unit: str = "", detail: str = "") -> str:
    """A data-driven alt text: what the chart is, and its largest value.

    Parameters
    ----------
    kind : str
        One of :data:`ALT_KINDS` (``"bar"`` reads "Bar chart of ...").
    what : str
        What is charted, in the report language ("whitespace potential by product line").
    values : pandas.Series, optional
        Charted values indexed by label; the largest known one is named.
    language : {"en", "zh"}
    fmt, unit : str
        Format of the largest value and a unit after it (`` EUR``, ``%``).
    detail : str
        A further clause in the report language, appended as is.

    Returns
    -------
    str
        E.g. ``"Bar chart of revenue by industry; the largest is Manufacturing at 12,345 EUR."``
    """
    if kind not in ALT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ALT_KINDS)}, not {kind!r}")

    def t(key: str, **fields) -> str:
        return i18n.t(f"customer_profiling.alt.{key}", language, **fields)

    if language == "en" and what[1:2].islower():  # a chart title inside a sentence
        what = what[:1].lower() + what[1:]
    text = t(kind, what=what)
    known = (pd.to_numeric(pd.Series(values), errors="coerce").replace([np.inf, -np.inf], np.nan)
             .dropna() if values is not None else pd.Series(dtype=float))
    if len(known):
        text += t("largest", top=str(known.idxmax()), value=fmt.format(known.max()) + unit)
    if detail:
        text += t("detail", detail=detail)
    return text + t("end")


def peak_detail(peaks: pd.DataFrame, language: str = "en", *, rename: dict | None = None) -> str:
    """The sharpest weekday peak as a clause for a chart's alt text, or ``""``.

    Parameters
    ----------
    peaks : pandas.DataFrame
        :func:`activity_peaks` output.
    language : {"en", "zh"}
    rename : dict, optional
        Display names of channels (``"all"`` in the report language).

    Returns
    -------
    str
        E.g. ``"email peaks on Tuesday with 24% of its interactions"``.
    """
    known = peaks.dropna(subset=["weekday_share", "peak_weekday"]) if len(peaks) else peaks
    if known.empty:
        return ""
    top = known.loc[known["weekday_share"].astype(float).idxmax()]
    return i18n.t("customer_profiling.alt.peak", language,
                  channel=(rename or {}).get(top["channel"], top["channel"]),
                  weekday=weekday_name(top["peak_weekday"], language),
                  share=f"{float(top['weekday_share']):.0%}")


# --------------------------------------------------------------------------- notebook steps


def segment_series(profile: pd.DataFrame, column: str, scale: float = 1.0) -> pd.Series:
    """One measure of the known segments, indexed by segment (for chart alt texts).

    Parameters
    ----------
    profile : pandas.DataFrame
        A segment table with a ``segment`` column.
    column : str
        The measure.
    scale : float, default 1.0
        Multiplier (100 for shares shown in percent).

    Returns
    -------
    pandas.Series
    """
    return known_segments(profile).set_index("segment")[column] * scale


def with_overall_row(frame: pd.DataFrame) -> pd.DataFrame:
    """The known segments of a segment table followed by its last (overall) row.

    Parameters
    ----------
    frame : pandas.DataFrame
        A segment table whose last row is the overall row (:func:`behaviour_by_segment`).

    Returns
    -------
    pandas.DataFrame
    """
    return pd.concat([known_segments(frame), frame.iloc[[-1]]])


def location_table(by_country: pd.DataFrame, *, rename: dict | None = None,
                   labels: dict | None = None) -> pd.DataFrame:
    """The country profile as the analyst table: counts and shares, indexed by country.

    Parameters
    ----------
    by_country : pandas.DataFrame
        :func:`base_profile` by ``country``.
    rename : dict, optional
        Display names of segments (``"Other"`` in the report language).
    labels : dict, optional
        Column headers in the report language (``segment`` must be among them).

    Returns
    -------
    pandas.DataFrame
    """
    labels = labels or {}
    shown = by_country.replace({"segment": rename or {}})[
        ["segment", "accounts", "customers", "revenue", "account_share", "revenue_share",
         "margin_share"]]
    return readable(shown, digits=3).rename(columns=labels).set_index(labels.get("segment", "segment"))


def known_channels(channels: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`channel_engagement` with a known channel."""
    return channels[channels.channel != MISSING]


def plot_channel_engagement(channels: pd.DataFrame, *, interactions_title: str = "",
                            preferred_title: str = ""):
    """Interactions per channel beside the share of accounts preferring each channel.

    Parameters
    ----------
    channels : pandas.DataFrame
        :func:`channel_engagement` (``channel``, ``interactions``, ``preferred_share``).
    interactions_title, preferred_title : str
        Panel titles.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    fig, axes = plt.subplots(1, 2, figsize=(13, 4))
    by_channel = channels.set_index("channel")
    plotting.plot_bar(by_channel.interactions, ax=axes[0], title=interactions_title)
    plotting.plot_bar(by_channel.preferred_share.fillna(0) * 100, ax=axes[1],
                      title=preferred_title, fmt="{:.0f}%")
    plt.tight_layout()
    return fig


def peak_table(peaks: pd.DataFrame, hours: bool = True, language: str = "en", *,
               rename: dict | None = None) -> pd.DataFrame:
    """The activity peaks per channel as a readable table.

    Parameters
    ----------
    peaks : pandas.DataFrame
        :func:`activity_peaks`.
    hours : bool, default True
        Whether the data has a time of day; without it the hour columns are left out.
    language : {"en", "zh"}
        Weekday names.
    rename : dict, optional
        Display names of channels.

    Returns
    -------
    pandas.DataFrame
        Rounded to 3 digits, p-values as text.
    """
    shown = peaks.assign(channel=peaks.channel.replace(rename or {}),
                         peak_weekday=[weekday_name(d, language) for d in peaks.peak_weekday],
                         weekday_p=peaks.weekday_p.map(p_text), hour_p=peaks.hour_p.map(p_text))
    if not hours:
        shown = shown.drop(columns=["peak_hour", "hour_share", "hour_p"])
    return readable(shown, digits=3)


def committee_shares(committee: pd.DataFrame, *, rename: dict | None = None) -> pd.DataFrame:
    """Percent of known contacts per role, one row per known segment.

    Parameters
    ----------
    committee : pandas.DataFrame
        :func:`buying_committee` (``segment`` and ``share_<role>`` columns).
    rename : dict, optional
        Display names of segments.

    Returns
    -------
    pandas.DataFrame
        Indexed by segment, one column per role, in percent.
    """
    roles = [c for c in committee.columns if c.startswith("share_")]
    shown = known_segments(committee.replace({"segment": rename or {}})).set_index("segment")
    return shown[roles].rename(columns=lambda c: c.removeprefix("share_")) * 100


def plot_committee(shares: pd.DataFrame, *, title: str = "", xlabel: str = ""):
    """Stacked bars of the buying-committee roles per segment.

    Parameters
    ----------
    shares : pandas.DataFrame
        :func:`committee_shares`.
    title, xlabel : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    from helpers.presentation import plotting

    ax = shares.plot.barh(stacked=True, figsize=(9, 0.45 * len(shares) + 1.5), width=0.7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    ax.invert_yaxis()
    plotting.legend_outside(ax)
    return ax


def committee_table(committee: pd.DataFrame, *, rename: dict | None = None,
                    labels: dict | None = None, language: str = "en") -> pd.DataFrame:
    """The buying committee per segment as the analyst table.

    Parameters
    ----------
    committee : pandas.DataFrame
        :func:`buying_committee`.
    rename : dict, optional
        Display names of segments.
    labels : dict, optional
        Column headers in the report language; ``share_<role>`` columns are named from
        ``customer_profiling.col.role_share``.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        Indexed by segment.
    """
    labels = labels or {}
    roles = {c: i18n.t("customer_profiling.col.role_share", language, role=c.removeprefix("share_"))
             for c in committee.columns if c.startswith("share_")}
    shown = committee.replace({"segment": rename or {}}).assign(size_p=committee.size_p.map(p_text))
    return readable(shown.rename(columns={**labels, **roles}), digits=2).set_index(
        labels.get("segment", "segment"))


def pains_finding(pains: pd.DataFrame, distinct: pd.DataFrame, language: str = "en") -> str:
    """The most mentioned pain point overall and up to four distinctive ones.

    Parameters
    ----------
    pains : pandas.DataFrame
        :func:`pain_points`, not empty (the overall rows have segment ``"All"``, largest
        share first).
    distinct : pandas.DataFrame
        :func:`distinctive_pain_points`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    t = i18n.t
    top = pains[pains.segment == "All"].iloc[0]
    text = t("customer_profiling.finding.pains", language, pain=top.pain_point,
             share=f"{top.share:.0%}", responses=f"{top.responses:,}")
    if distinct.empty:
        return text + t("customer_profiling.finding.no_distinct", language)
    items = t("customer_profiling.join.parts", language).join(
        t("customer_profiling.finding.distinct_item", language, segment=r.segment, pain=r.pain_point,
          share=f"{r.share:.0%}", lift=f"{r.lift:.1f}") for r in distinct.head(4).itertuples())
    return text + t("customer_profiling.finding.distinct", language, items=items)


def evidence_table(*logs) -> pd.DataFrame:
    """The evidence tables of several finding logs, one below the other.

    Parameters
    ----------
    *logs : helpers.presentation.findings.FindingLog

    Returns
    -------
    pandas.DataFrame
    """
    return pd.concat([log.evidence() for log in logs], ignore_index=True)
