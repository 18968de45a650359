"""Key-account dossiers: monthly revenue, latest feedback, next actions and the dossier text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.analysis.key_accounts.queries import (
    _has_table,
    _query_latest_feedback,
    _query_monthly_revenue,
)
from helpers.core.params import as_of_date
from helpers.presentation import i18n

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace
from helpers.analysis.key_accounts.formatting import (
    DASH,
    fmt_money,
    fmt_share,
    sparkline,
    value_label,
)


def monthly_revenue(ws: Workspace, account_ids: Sequence[str], as_of: Any, *,
                    months: int = 24) -> pd.DataFrame:
    """Net revenue per account and calendar month over the last ``months`` months.

    Parameters
    ----------
    ws : Workspace
    account_ids : sequence of str
    as_of : date-like
    months : int, default 24

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``month`` (first day), ``revenue``; every account has every
        month, zero where nothing was ordered.
    """
    as_of = as_of_date(as_of)
    end_month = pd.Timestamp(as_of).to_period("M")
    first = (end_month - (months - 1)).to_timestamp().date()
    ids = [str(a) for a in account_ids]
    grid = pd.MultiIndex.from_product(
        [ids, pd.period_range(end_month - (months - 1), end_month, freq="M").to_timestamp()],
        names=["account_id", "month"])
    if not ids:
        return pd.DataFrame(columns=["account_id", "month", "revenue"])
    agg = _query_monthly_revenue(ws, ids, first, as_of)
    agg["month"] = pd.to_datetime(agg["month"]).astype("datetime64[ns]")
    agg["account_id"] = agg["account_id"].astype(str)
    series = agg.set_index(["account_id", "month"])["revenue"].astype("float64")
    grid = grid.set_levels(grid.levels[1].astype("datetime64[ns]"), level=1)
    return series.reindex(grid, fill_value=0.0).reset_index()


def latest_feedback(ws: Workspace, account_ids: Sequence[str], as_of: Any) -> pd.DataFrame:
    """Latest survey answer per account (NPS, pain points, comment) up to ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``account_id``, ``response_date``, ``nps``, ``pain_points``, ``comment``; empty
        without a ``surveys`` table.
    """
    cols = ["account_id", "response_date", "nps", "pain_points", "comment"]
    ids = [str(a) for a in account_ids]
    if not _has_table(ws, "surveys") or not ids:
        return pd.DataFrame(columns=cols)
    frame = _query_latest_feedback(ws, ids, as_of_date(as_of), cols)
    for c in cols:
        if c not in frame:
            frame[c] = None
    frame["account_id"] = frame["account_id"].astype(str)
    return frame[cols]


def next_actions(profile: Mapping[str, Any], currency: str = "", *, limit: int = 3,
                 language: str = "en") -> list[str]:
    """Recommended next actions for one key account, from simple documented rules.

    In priority order: slowing purchases (P(alive) under 60%), a detractor NPS (0-6) or
    no NPS, falling revenue (20% or more below last year), open opportunities to push or
    no open pipeline (only with opportunity data), and cross-selling when the account
    buys from one or two named product lines. At most ``limit`` actions.

    Parameters
    ----------
    profile : mapping
        One dossier row (see :func:`dossiers`).
    currency : str
    limit : int
    language : {"en", "zh"}

    Returns
    -------
    list of str
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.action.{key}", language, **values)

    acts: list[str] = []
    p_alive = profile.get("p_alive")
    if p_alive is not None and pd.notna(p_alive) and p_alive < 0.6:
        acts.append(say("slowing", p_alive=f"{p_alive:.0%}"))
    nps = profile.get("nps")
    pains = profile.get("pain_points")
    pains = str(pains).replace(";", ", ") if pains is not None and pd.notna(pains) else ""
    if nps is None or pd.isna(nps):
        acts.append(say("no_survey"))
    elif nps <= 6:
        acts.append(say("detractor_pains", nps=int(nps), pains=pains) if pains
                    else say("detractor", nps=int(nps)))
    growth = profile.get("revenue_growth")
    if growth is not None and pd.notna(growth) and growth <= -0.2:
        acts.append(say("revenue_down", growth=f"{growth:.0%}"))
    opp = profile.get("opp_open")
    amount = profile.get("pipeline_open_amount")
    if opp is not None and pd.notna(opp) and opp > 0:
        worth = fmt_money(amount, currency)
        acts.append(say("move_one" if opp == 1 else "move_many", count=int(opp), amount=worth))
    elif opp is not None and pd.notna(opp):  # without opportunity data, say nothing
        acts.append(say("no_pipeline"))
    lines = profile.get("product_lines")
    # 0 product lines means the data names none, not that the account buys nothing
    if lines is not None and pd.notna(lines) and 1 <= lines <= 2:
        acts.append(say("cross_sell_one" if lines == 1 else "cross_sell_many", count=int(lines)))
    return acts[:limit]


def dossiers(ws: Workspace, selection: pd.DataFrame, table: pd.DataFrame, as_of: Any, *,
             months: int = 24, currency: str = "", language: str = "en"
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compact dossier data for each selected key account.

    Parameters
    ----------
    ws : Workspace
    selection : pandas.DataFrame
        :func:`select_key_accounts` output.
    table : pandas.DataFrame
        :func:`value_table` / :func:`assemble_value_table` output.
    as_of : date-like
    months : int, default 24
        Length of the revenue trend.
    currency : str
    language : {"en", "zh"}
        Language of the next actions.

    Returns
    -------
    profiles : pandas.DataFrame
        One row per key account in rank order: profile fields, ``p_alive``, ``clv``,
        ``profit_clv``, open opportunities, latest ``nps`` and ``pain_points``, ``stage``,
        ``actions`` (list of str), ``trend_sparkline`` (text chart of the monthly revenue)
        and ``trend_peak``.
    trend : pandas.DataFrame
        :func:`monthly_revenue` for these accounts.
    """
    ids = list(selection["account_id"])
    t = table.set_index("account_id").loc[ids].reset_index()
    fb = latest_feedback(ws, ids, as_of).drop(columns=["nps"], errors="ignore")
    prof = t.merge(fb, on="account_id", how="left")
    prof["nps"] = prof["nps_latest"] if "nps_latest" in prof else np.nan
    if not _has_table(ws, "opportunities"):
        # the features count no opportunities as 0; without the table the pipeline is unknown
        prof["opp_open"] = np.nan
        prof["pipeline_open_amount"] = np.nan
    prof.insert(0, "rank", selection["rank"].to_numpy())
    ids_str = prof["account_id"].astype(str)
    names = prof["account_name"] if "account_name" in prof else ids_str
    # an account without a name is labelled by its id
    names = names.astype("string").str.strip().replace("", pd.NA).fillna(ids_str).astype(str)
    prof["label"] = prof["rank"].astype(str) + ". " + names
    prof["actions"] = [next_actions(row, currency, language=language)
                       for row in prof.to_dict("records")]
    trend = monthly_revenue(ws, ids, as_of, months=months)
    by_acc = trend.sort_values("month").groupby("account_id", sort=False)["revenue"]
    prof["trend_sparkline"] = prof["account_id"].map(by_acc.agg(sparkline))
    prof["trend_months"] = months
    prof["trend_peak"] = prof["account_id"].map(by_acc.max())
    return prof, trend


def dossier_markdown(profile: Mapping[str, Any], currency: str = "", *,
                     language: str = "en") -> str:
    """Markdown for one dossier: heading, profile line, value line, feedback and actions.

    Returns
    -------
    str
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.dossier.{key}", language, **values)

    na = DASH

    def money(v):
        return fmt_money(v, currency)

    def pct(v):
        return fmt_share(v)

    def known(key):
        v = profile.get(key)
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) or str(v).strip() == "" \
            else str(v)

    # missing profile fields are left out, not shown as "None" or "unknown"
    stage, tier = known("stage"), known("value_tier")
    size = value_label("size", known("size_band"), language) if known("size_band") else None
    firm = say("list_sep").join(v for v in (known("industry"), size, known("region")) if v)
    facts = [firm] if firm else []
    if known("owner"):
        facts.append(say("owner", owner=known("owner")))
    if stage:
        facts.append(say("stage", stage=value_label("stage", stage, language)))
    if tier:
        facts.append(say("tier", tier=value_label("tier", tier, language)))
    name = known("account_name") or str(profile["account_id"])
    lines = [
        f"### {int(profile['rank'])}. {name}",
        say("profile_head") + say("sep").join(facts) + say("end"),
        say("value", profit_clv=money(profile.get("profit_clv")), clv=money(profile.get("clv")),
            p_alive=pct(profile.get("p_alive")), revenue=money(profile.get("revenue_12m")),
            growth=pct(profile.get("revenue_growth"))),
    ]
    opp = profile.get("opp_open")
    opp_text = (say("open", count=int(opp), amount=money(profile.get("pipeline_open_amount")))
                if opp is not None and pd.notna(opp) else na)
    nps = profile.get("nps")
    pains = profile.get("pain_points")
    fb = say("nps", nps=int(nps)) if nps is not None and pd.notna(nps) else say("no_nps")
    if pains is not None and pd.notna(pains) and str(pains):
        fb += say("pains", pains=str(pains).replace(";", ", "))
    spark = profile.get("trend_sparkline")
    if spark:
        lines.append(say("trend", months=profile.get("trend_months", 24), spark=spark,
                         peak=money(profile.get("trend_peak"))))
    lines.append(say("pipeline", pipeline=opp_text, feedback=fb))
    actions = profile.get("actions") or []
    lines.append(say("actions") + "\n" + "\n".join(f"- {a}" for a in actions))
    return "\n\n".join(lines)


__all__ = [
    "dossier_markdown",
    "dossiers",
    "latest_feedback",
    "monthly_revenue",
    "next_actions",
]
