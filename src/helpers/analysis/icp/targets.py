"""Target lists from fit scores: fit x engagement matrix, prospects, rivals and the CRM export."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.analysis.icp.attributes import FIT_BUCKETS
from helpers.core.errors import DataError, ParamError
from helpers.presentation import i18n

__all__ = [
    "QUADRANTS", "account_profiles", "competitor_targets", "failing_accounts",
    "fit_engagement_matrix", "quadrant_summary", "scored_accounts", "select_accounts",
    "strong_accounts", "strong_fit_prospects",
]


#: Fit x engagement quadrants: (high fit, high engagement) -> (name, action).
QUADRANTS: dict[tuple[bool, bool], tuple[str, str]] = {
    (True, True): ("Strong fit, engaged", "Prioritise: hand to sales now"),
    (True, False): ("Strong fit, not engaged", "Target now: account-based campaigns to open "
                    "the door"),
    (False, True): ("Weaker fit, engaged", "Qualify: nurture and check needs before investing"),
    (False, False): ("Weaker fit, not engaged", "Deprioritise: low-cost automated nurture"),
}


def fit_engagement_matrix(scores: pd.DataFrame, engagement: pd.DataFrame, *,
                          high_fit: Sequence[str] = ("Strong",),
                          engagement_quantile: float = 0.5) -> pd.DataFrame:
    """Place each scored account in the fit x engagement 2x2 with its action.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores` output; excluded accounts are left out.
    engagement : pandas.DataFrame
        ``account_id, engagement`` (accounts missing from it have 0).
    high_fit : sequence of str
        Buckets that count as high fit.
    engagement_quantile : float
        Engagement at or above this quantile of the scored accounts (and above 0) is high.

    Returns
    -------
    pandas.DataFrame
        ``account_id, fit_score, fit_bucket, engagement, high_fit, high_engagement,
        quadrant, action``.
    """
    if not 0 < engagement_quantile < 1:
        raise ParamError(f"engagement_quantile must be between 0 and 1, got "
                         f"{engagement_quantile!r}")
    unknown = set(high_fit) - set(FIT_BUCKETS)
    if unknown:
        raise ParamError(f"high-fit bucket(s) {sorted(unknown)} unknown; use "
                         f"{', '.join(FIT_BUCKETS)}")
    s = select_accounts(scores, scored=True)
    s = s[["account_id", "fit_score", "fit_bucket"]].merge(engagement, on="account_id",
                                                           how="left")
    s["engagement"] = s["engagement"].fillna(0).astype("int64")
    cut = float(s["engagement"].quantile(engagement_quantile)) if len(s) else 0.0
    s["high_fit"] = s["fit_bucket"].astype(str).isin(list(high_fit))
    s["high_engagement"] = (s["engagement"] >= cut) & (s["engagement"] > 0)
    keys = list(zip(s["high_fit"], s["high_engagement"], strict=True))
    s["quadrant"] = [QUADRANTS[k][0] for k in keys]
    s["action"] = [QUADRANTS[k][1] for k in keys]
    s.attrs["engagement_cut"] = cut
    return s.reset_index(drop=True)


def quadrant_summary(matrix: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """Accounts per fit x engagement quadrant, with the action.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Output of :func:`fit_engagement_matrix`.
    language : {"en", "zh"}
        Language of the ``quadrant`` and ``action`` texts (``fit`` and ``engagement`` stay
        ``high``/``low`` codes, for selecting a quadrant).

    Returns
    -------
    pandas.DataFrame
        ``quadrant, fit, engagement, accounts, share, action`` in a fixed order.
    """
    rows = []
    for (hf, he), (name, action) in QUADRANTS.items():
        n = int(((matrix["high_fit"] == hf) & (matrix["high_engagement"] == he)).sum())
        fit, eng = ("high" if hf else "low"), ("high" if he else "low")
        if language != "en":
            name = i18n.t(f"customer_profiling.quadrant.{fit}_fit_{eng}_engagement", language)
            action = i18n.t(f"customer_profiling.action.{fit}_fit_{eng}_engagement", language)
        rows.append({"quadrant": name, "fit": fit, "engagement": eng, "accounts": n,
                     "share": n / len(matrix) if len(matrix) else np.nan, "action": action})
    return pd.DataFrame(rows)


_TARGET_COLS = ("account_id", "account_name", "industry", "size_band", "region", "country",
                "employees")


def select_accounts(scores: pd.DataFrame, features: pd.DataFrame | None = None,
                    columns: Sequence[str] = (), *, strong: bool = False,
                    scored: bool = False) -> pd.DataFrame:
    """The Strong-fit and/or scored rows of ``scores``, with account columns joined.

    Every target list and table that picks accounts by their fit goes through here, so
    "Strong" and "scored" mean the same everywhere.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores` output (``account_id, fit_score, fit_bucket, mcp_pass``).
    features : pandas.DataFrame, optional
        Account features to join ``columns`` from (by ``account_id`` as text).
    columns : sequence of str
        Feature columns to join; all must exist.
    strong : bool
        Keep only the ``"Strong"`` bucket.
    scored : bool
        Keep only accounts that pass the MCP and have a fit score (not ``"Excluded"``).

    Returns
    -------
    pandas.DataFrame
        The kept rows in the order of ``scores``; with ``features``, a fresh index and the
        joined columns after the score columns (missing for accounts without features).
    """
    keep = np.ones(len(scores), dtype=bool)
    if strong:
        keep &= scores["fit_bucket"].astype(str).to_numpy() == "Strong"
    if scored:
        keep &= scores["mcp_pass"].to_numpy(dtype=bool) & scores["fit_score"].notna().to_numpy()
    s = scores[keep]
    if features is None:
        return s
    f = features[["account_id", *(c for c in columns if c != "account_id")]].copy()
    f["account_id"] = f["account_id"].astype(str)
    return s.merge(f, on="account_id", how="left")


def _target_columns(features: pd.DataFrame, extra: Sequence[str]) -> list[str]:
    """The name columns of a target list plus ``extra``, those the features hold."""
    return [c for c in (*_TARGET_COLS, *extra) if c in features.columns]


def strong_fit_prospects(scores: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Strong-fit accounts that have never ordered, best score first.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores` output.
    features : pandas.DataFrame
        Account features (``order_count`` and names).

    Returns
    -------
    pandas.DataFrame
    """
    s = select_accounts(scores, features, _target_columns(
        features, ["order_count", "interactions_total", "opp_open"]), strong=True)
    s = s[s["order_count"].fillna(0) == 0]
    return s.sort_values("fit_score", ascending=False, ignore_index=True)


def competitor_targets(scores: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Strong-fit accounts that also buy from a competitor, best score first.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores` output.
    features : pandas.DataFrame
        Account features with ``is_competitor_customer``.

    Returns
    -------
    pandas.DataFrame
        Includes ``revenue_12m`` so sales sees how much of the account we already win.
    """
    if "is_competitor_customer" not in features.columns:
        raise DataError("the accounts table has no is_competitor_customer column")
    s = select_accounts(scores, features, _target_columns(
        features, ["is_competitor_customer", "order_count", "revenue_12m"]), strong=True)
    s = s[s["is_competitor_customer"].fillna(False).astype(bool)]
    return s.sort_values("fit_score", ascending=False, ignore_index=True)


def account_profiles(scores: pd.DataFrame, reasons: pd.Series | None = None, *,
                     language: str = "en") -> pd.DataFrame:
    """The CRM export: one row per account with fit score, bucket, MCP result and reasons.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores` output.
    reasons : pandas.Series, optional
        Model reasons per row of ``scores`` (:meth:`LookalikeModel.reasons`). Accounts
        failing the MCP get their fail reasons instead.
    language : {"en", "zh"}
        Language of the ``"MCP: "`` prefix of fail reasons.

    Returns
    -------
    pandas.DataFrame
        ``account_id, fit_score, bucket, mcp_pass, top_reasons``.
    """
    why = (pd.Series(reasons).to_numpy(dtype=object) if reasons is not None
           else np.full(len(scores), "", dtype=object))
    failing = ~scores["mcp_pass"].to_numpy(dtype=bool)
    prefix = i18n.t("customer_profiling.mcp.prefix", language)
    top = np.where(failing, prefix + scores["mcp_reasons"].astype(str).to_numpy(dtype=object),
                   why)
    return pd.DataFrame({
        "account_id": scores["account_id"].astype(str).to_numpy(),
        "fit_score": scores["fit_score"].to_numpy(dtype=float),
        "bucket": scores["fit_bucket"].astype(str).to_numpy(),
        "mcp_pass": scores["mcp_pass"].to_numpy(dtype=bool),
        "top_reasons": top,
    })


def failing_accounts(mcp: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Accounts that fail the MCP, with their name, industry and employees.

    Parameters
    ----------
    mcp : pandas.DataFrame
        :func:`mcp_check`.
    features : pandas.DataFrame
        Account features.

    Returns
    -------
    pandas.DataFrame
    """
    return mcp[~mcp.mcp_pass].merge(
        features[["account_id", "account_name", "industry", "employees"]], on="account_id")


def strong_accounts(scores: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Strong-fit accounts with their order count and revenue in the last 12 months.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores`.
    features : pandas.DataFrame
        Account features.

    Returns
    -------
    pandas.DataFrame
    """
    return select_accounts(scores, features, ["order_count", "revenue_12m"], strong=True)


def scored_accounts(scores: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Accounts passing the MCP with their revenue in the last 12 months.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores`.
    features : pandas.DataFrame
        Account features.

    Returns
    -------
    pandas.DataFrame
    """
    return select_accounts(scores, features, ["revenue_12m"], scored=True)
