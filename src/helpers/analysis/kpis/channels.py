"""Customer acquisition cost (CAC) per acquisition channel, its test and its sentence."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_date
from helpers.presentation import i18n
from helpers.stats.numbers import safe_divide

from .formatting import _sentences, _with_unit, channel_name
from .formulas import cac, poisson_interval
from .periods import trailing_window
from .queries import _query_channel_customers, _query_channel_spend

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "cac_by_channel",
    "channel_finding",
    "channels_sentence",
    "priced_channels",
]


def cac_by_channel(ws: Workspace, as_of: Any, *, window_months: int = 12,
                   method: str = "auto", channel_map: Mapping[str, str] | None = None,
                   sales_cost_per_month: float = 0.0, confidence: float = 0.95,
                   min_count: int = 10) -> pd.DataFrame:
    """CAC per acquisition channel over the trailing ``window_months``.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    window_months : int
    method : {"auto", "spend", "recorded"}
        ``spend``: spend booked on a channel (``marketing_spend.channel``, renamed through
        ``channel_map``) over that channel's new customers (``accounts.acquisition_channel``);
        sales cost is shared by new customers. ``recorded``: mean ``accounts.acquisition_cost``
        of the channel's new customers. ``auto`` takes ``recorded`` when at least half of the
        new customers have a recorded cost, else ``spend``.
    channel_map : mapping, optional
        Spend channel -> acquisition channel, where the two lists use other names.
    sales_cost_per_month : float
    confidence : float
    min_count : int
        Channels with fewer new customers are flagged ``small_sample``.

    Returns
    -------
    pandas.DataFrame
        ``channel, new_customers, cost, cac, cac_lo, cac_hi, small_sample``, most new
        customers first, with the method in ``attrs["method"]`` and the new customers
        without an acquisition channel (left out of the table) in ``attrs["no_channel"]``. The interval comes from the
        customer count (Poisson) for ``spend`` and from the cost spread (t) for ``recorded``.
    """
    if method not in ("auto", "spend", "recorded"):
        raise ParamError(f"method must be auto, spend or recorded, not {method!r}")
    day = as_of_date(as_of)
    start = trailing_window(day, months=window_months).iloc[0]["start"]
    table, method, total_new, no_channel = _channel_method(
        _query_channel_customers(ws, day, start), method)
    spend = _query_channel_spend(ws, day, start) if method == "spend" else None
    return _channel_cac(table, spend, method=method, total_new=total_new,
                        no_channel=no_channel, window_months=window_months,
                        channel_map=channel_map, sales_cost_per_month=sales_cost_per_month,
                        confidence=confidence, min_count=min_count)


def _channel_method(table: pd.DataFrame, method: str
                    ) -> tuple[pd.DataFrame, str, int, int]:
    """Channels without the blank one, the method ``auto`` stands for, all new customers and
    those without a channel."""
    total_new = int(table["new_customers"].sum())
    # new customers without a channel count in the totals but form no channel of their own
    blank = table["channel"].isna() | (table["channel"].astype("string").str.strip() == "")
    no_channel = int(table.loc[blank, "new_customers"].sum())
    table = table[~blank].reset_index(drop=True)
    if method == "auto":
        recorded = int(table["recorded"].sum()) if "recorded" in table.columns else 0
        method = "recorded" if total_new and recorded >= total_new / 2 else "spend"
    return table, method, total_new, no_channel


def _channel_cac(table: pd.DataFrame, spend: pd.DataFrame | None, *, method: str,
                 total_new: int, no_channel: int, window_months: int,
                 channel_map: Mapping[str, str] | None, sales_cost_per_month: float,
                 confidence: float, min_count: int) -> pd.DataFrame:
    """The table of :func:`cac_by_channel` from the new customers and spend per channel."""
    from scipy import stats

    if method == "recorded":
        if "recorded" not in table.columns:
            raise DataError("method='recorded' needs accounts.acquisition_cost")
        n = table["recorded"].to_numpy(dtype="float64")
        table["cac"] = table["cost_mean"].astype("float64")
        table["cost"] = table["cac"] * table["new_customers"]
        with np.errstate(invalid="ignore", divide="ignore"):
            half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * \
                table["cost_sd"].astype("float64") / np.sqrt(n)
        table["cac_lo"] = np.where(n > 1, np.clip(table["cac"] - half, 0, None), np.nan)
        table["cac_hi"] = np.where(n > 1, table["cac"] + half, np.nan)
    else:
        if spend is None:
            spend = pd.DataFrame(columns=["channel", "cost"])
        else:
            spend["channel"] = spend["channel"].map(lambda c: (channel_map or {}).get(c, c))
            spend = spend.groupby("channel", as_index=False)["cost"].sum()
        table = table.merge(spend, on="channel", how="outer")
        table["new_customers"] = table["new_customers"].fillna(0).astype("int64")
        share = safe_divide(table["new_customers"], max(total_new, 1))
        table["cost"] = table["cost"].astype("float64") + sales_cost_per_month * window_months * share
        table["cac"] = cac(table["cost"], table["new_customers"])
        lo, hi = poisson_interval(table["new_customers"], confidence)
        some = table["new_customers"] > 0
        table["cac_lo"] = np.where(some, safe_divide(table["cost"], hi), np.nan)
        table["cac_hi"] = np.where(some, safe_divide(table["cost"], lo), np.nan)
    table["small_sample"] = table["new_customers"] < min_count
    test, p_value = _channel_test(table, method)
    out = table[["channel", "new_customers", "cost", "cac", "cac_lo", "cac_hi", "small_sample"]]
    out = out.sort_values(["new_customers", "channel"], ascending=[False, True]).reset_index(
        drop=True)
    out.attrs["method"] = method
    out.attrs["no_channel"] = no_channel
    out.attrs["test"], out.attrs["p_value"] = test, p_value
    return out


def _channel_test(table: pd.DataFrame, method: str) -> tuple[str, float]:
    """Whether CAC differs between channels at all.

    ``recorded``: one-way ANOVA of the recorded costs, from each channel's count, mean and
    standard deviation (channels with two or more costs). ``spend``: chi-square test that
    new customers spread over the channels in proportion to their cost (equal CAC).
    """
    from scipy import stats

    if method == "recorded":
        t = table[table["recorded"] >= 2]
        n = t["recorded"].to_numpy(dtype="float64")
        m = t["cost_mean"].to_numpy(dtype="float64")
        sd = t["cost_sd"].to_numpy(dtype="float64")
        k, total = len(t), n.sum()
        if k < 2 or total <= k or not np.isfinite(sd).all():
            return "one-way ANOVA", math.nan
        grand = (n * m).sum() / total
        within = ((n - 1) * sd ** 2).sum() / (total - k)
        between = (n * (m - grand) ** 2).sum() / (k - 1)
        if within <= 0:
            return "one-way ANOVA", 0.0 if between > 0 else 1.0
        return "one-way ANOVA", float(stats.f.sf(between / within, k - 1, total - k))
    cost = pd.to_numeric(table["cost"], errors="coerce").to_numpy(dtype="float64")
    new = table["new_customers"].to_numpy(dtype="float64")
    ok = np.isfinite(cost) & (cost > 0)
    if ok.sum() < 2 or new[ok].sum() == 0:
        return "chi-square", math.nan
    expected = new[ok].sum() * cost[ok] / cost[ok].sum()
    return "chi-square", float(stats.chisquare(new[ok], expected).pvalue)


def channel_finding(channels: pd.DataFrame, log, *, currency: str = "",
                    language: str = "en"):
    """:func:`channels_sentence` as a finding: the cheapest and dearest channel are named
    only when CAC differs between channels (the test in ``channels.attrs``, see
    :func:`cac_by_channel`); otherwise one line says no reliable difference was found.
    One channel or none is a plain fact.

    Returns
    -------
    helpers.presentation.findings.Finding
        Also kept in ``log``.
    """
    from helpers.presentation.findings import fact

    t = i18n.t
    text = channels_sentence(channels, currency=currency, language=language)
    priced = priced_channels(channels)
    if len(priced) < 2:
        return log.add(fact(text))
    method = t(f"kpi.method.{channels.attrs.get('method', 'spend')}", language)
    parts = [t("kpi.channels.none", language, n=len(priced), method=method)]
    blank = int(channels.attrs.get("no_channel", 0))
    if blank:
        parts.append(t("kpi.finding.no_channel", language, n=f"{blank:,}"))
    spread = priced.cac.iloc[-1] - priced.cac.iloc[0]
    (found,) = log.family(
        [text], [channels.attrs.get("p_value", math.nan)],
        test=channels.attrs.get("test", ""), family=t("kpi.section.channels", language),
        effects=[spread], ns=[int(priced.new_customers.sum())],
        effect_label=t("kpi.channels.effect", language),
        actions=[t("kpi.action.channels", language)], fallback=_sentences(parts, language))
    return found


def priced_channels(channels: pd.DataFrame) -> pd.DataFrame:
    """The channels of :func:`cac_by_channel` that have a CAC, cheapest first."""
    cac_values = pd.to_numeric(channels["cac"], errors="coerce").astype("float64")
    return channels[np.isfinite(cac_values)].sort_values("cac", kind="stable")


def channels_sentence(channels: pd.DataFrame, *, currency: str = "", language: str = "en"
                      ) -> str:
    """The cheapest and dearest channel of :func:`cac_by_channel`, or why there is none.

    One channel with a CAC is named alone; none says whether new customers or costs are
    lacking. New customers without an acquisition channel are counted in a second sentence.
    """
    t = i18n.t
    priced = priced_channels(channels)
    method = t(f"kpi.method.{channels.attrs.get('method', 'spend')}", language)
    if len(priced) >= 2:
        text = t("kpi.finding.channels", language, best=channel_name(priced.channel.iloc[0], language),
                 worst=channel_name(priced.channel.iloc[-1], language), method=method,
                 best_cac=_with_unit("cac", priced.cac.iloc[0], currency),
                 worst_cac=_with_unit("cac", priced.cac.iloc[-1], currency))
    elif len(priced) == 1:
        text = t("kpi.finding.channels_single", language,
                 channel=channel_name(priced.channel.iloc[0], language),
                 cac=_with_unit("cac", priced.cac.iloc[0], currency), method=method)
    elif (channels["new_customers"] > 0).any():
        text = t("kpi.finding.channels_unpriced", language)
    else:
        text = t("kpi.finding.channels_none", language)
    blank = int(channels.attrs.get("no_channel", 0))
    if blank:
        text = _sentences([text, t("kpi.finding.no_channel", language, n=f"{blank:,}")],
                          language)
    return text
