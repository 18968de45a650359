"""How concentrated value is across accounts: Pareto curve, Gini, HHI and top-account risk.

All functions take one value per account. Negative values (an account that costs more than
it earns) are counted as zero, because shares of a total only make sense for non-negative
parts; :func:`dependency_risk` reports how many accounts that affected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.core.errors import ParamError
from helpers.presentation import i18n


def _positive(values: Any) -> np.ndarray:
    v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64")
    v = v[np.isfinite(v)]
    return np.clip(v, 0, None)


def pareto_curve(values: Any) -> pd.DataFrame:
    """Cumulative share of value against cumulative share of accounts, largest first.

    Parameters
    ----------
    values : array-like
        One value per account.

    Returns
    -------
    pandas.DataFrame
        ``account_share`` and ``value_share``, starting at ``(0, 0)``.
    """
    v = np.sort(_positive(values))[::-1]
    total = v.sum()
    n = len(v)
    acc = np.arange(0, n + 1) / max(n, 1)
    val = np.concatenate([[0.0], np.cumsum(v) / total]) if total > 0 else np.zeros(n + 1)
    return pd.DataFrame({"account_share": acc, "value_share": val})


def gini(values: Any) -> float:
    """Gini coefficient of the values: 0 when all are equal, near 1 when one holds all.

    ``G = (n + 1 - 2 * sum_i (cumulative share up to i)) / n`` over values in increasing
    order.

    Returns
    -------
    float
        NaN when there is no positive value.
    """
    v = np.sort(_positive(values))
    total = v.sum()
    if len(v) == 0 or total <= 0:
        return float("nan")
    n = len(v)
    return float((n + 1 - 2 * (np.cumsum(v) / total).sum()) / n)


def hhi(values: Any) -> float:
    """Herfindahl-Hirschman index: the sum of squared value shares (0 to 1).

    ``1 / hhi`` is the *effective number of accounts*: the number of equal accounts that
    would be as concentrated. Antitrust practice quotes ``10,000 x hhi``.

    Returns
    -------
    float
        NaN when there is no positive value.
    """
    v = _positive(values)
    total = v.sum()
    if total <= 0:
        return float("nan")
    return float(((v / total) ** 2).sum())


def top_share(values: Any, k: int) -> float:
    """Share of the total held by the ``k`` largest values.

    Returns
    -------
    float
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ParamError(f"top-k must be a positive whole number, got {k!r}")
    v = np.sort(_positive(values))[::-1]
    total = v.sum()
    return float(v[:k].sum() / total) if total > 0 else float("nan")


def dependency_risk(table: pd.DataFrame, value_col: str, *, top: Iterable[int] = (5, 10),
                    p_alive_col: str | None = None) -> pd.DataFrame:
    """How much value hangs on the largest accounts, and how much of it is at risk.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per account.
    value_col : str
        The value column (e.g. ``profit_clv``).
    top : iterable of int, default (5, 10)
        Sizes of the top groups.
    p_alive_col : str, optional
        Probability that the account is still active; adds the expected value lost if the
        inactive ones are gone (``value x (1 - P(alive))``).

    Returns
    -------
    pandas.DataFrame
        ``group`` ("top 5"), ``accounts``, ``value``, ``share`` of the total and, with
        ``p_alive_col``, ``value_at_risk`` and ``at_risk_share`` of the total (missing
        when no account has a P(alive), e.g. for the historical-average CLV).
    """
    for col in [value_col] + ([p_alive_col] if p_alive_col else []):
        if col not in table:
            raise ParamError(f"dependency_risk: the table has no column {col!r}")
    v = table[value_col].astype("float64").clip(lower=0).fillna(0.0)
    order = v.sort_values(ascending=False, kind="stable").index
    total = float(v.sum())
    rows = []
    for k in top:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ParamError(f"dependency_risk: top sizes must be positive whole numbers, "
                             f"got {k!r}")
        idx = order[:k]
        row = {"group": f"top {k}", "accounts": len(idx), "value": float(v[idx].sum())}
        row["share"] = row["value"] / total if total > 0 else float("nan")
        if p_alive_col:
            # without any P(alive) (no churn model) the value at risk is unknown, not zero
            known = bool(table[p_alive_col].notna().any())
            alive = table.loc[idx, p_alive_col].astype("float64").fillna(1.0)
            row["value_at_risk"] = float((v[idx] * (1 - alive)).sum()) if known else float("nan")
            row["at_risk_share"] = (row["value_at_risk"] / total if total > 0 and known
                                    else float("nan"))
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["negative_accounts"] = int((table[value_col].astype("float64") < 0).sum())
    return out


def summary(values: Any, *, top: Iterable[int] = (5, 10), p_alive: Any = None) -> dict | None:
    """The concentration figures a report states, or ``None`` when they cannot be computed.

    Parameters
    ----------
    values : array-like
        One value per account; missing values are left out, negative ones count as zero.
    top : iterable of int, default (5, 10)
        Sizes of the top groups.
    p_alive : array-like, optional
        P(alive) aligned with ``values``; gives the share of all value at risk in the
        largest group.

    Returns
    -------
    dict or None
        ``top_share`` ({k: share}), ``gini``, ``hhi`` (0 to 1), ``hhi_points``
        (10,000 x HHI), ``equivalent`` (1 / HHI), ``at_risk_share`` (None without any
        P(alive)) and ``accounts`` with a positive value; ``None`` when no account has a
        positive value, so no share, Gini or HHI exists.
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64").reset_index(drop=True)
    pos = _positive(v)
    if pos.sum() <= 0:
        return None
    sizes = [int(k) for k in top]
    h = hhi(v)
    out = {"top_share": {k: top_share(v, k) for k in sizes}, "gini": gini(v), "hhi": h,
           "hhi_points": h * 10000, "equivalent": 1 / h, "accounts": int((pos > 0).sum()),
           "at_risk_share": None}
    if p_alive is not None and sizes:
        frame = pd.DataFrame({"value": v, "p_alive": pd.to_numeric(
            pd.Series(p_alive), errors="coerce").astype("float64").reset_index(drop=True)})
        risk = dependency_risk(frame, "value", top=(max(sizes),), p_alive_col="p_alive")
        share = float(risk["at_risk_share"].iloc[0])
        out["at_risk_share"] = share if np.isfinite(share) else None
    return out


def plot_pareto(curve: pd.DataFrame, *, ax=None, title: str | None = None, language: str = "en"):
    """Pareto (Lorenz-type) curve with the line of perfect equality.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`pareto_curve`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Defaults to "Value concentration" in ``language``.
    language : {"en", "zh"}
        Language of the title, labels and legend.

    Returns
    -------
    matplotlib.axes.Axes
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"customer_value.chart.{key}", language, **values)

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.5))
    ax.plot(curve["account_share"] * 100, curve["value_share"] * 100, color="#1f4e79", lw=2,
            label=say("pareto_curve"))
    ax.plot([0, 100], [0, 100], color="#7f8c8d", ls="--", lw=1, label=say("pareto_equal"))
    n = len(curve) - 1
    if n >= 5:
        top20 = curve.iloc[int(np.ceil(0.2 * n))]
        ax.scatter([top20.account_share * 100], [top20.value_share * 100], color="#e74c3c",
                   zorder=3)
        ax.annotate(say("pareto_top20", share=f"{top20.value_share:.0%}"),
                    (top20.account_share * 100, top20.value_share * 100),
                    textcoords="offset points", xytext=(10, -15), fontsize=9)
    ax.set_xlabel(say("pareto_x"))
    ax.set_ylabel(say("pareto_y"))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 101)
    ax.set_title(say("concentration") if title is None else title)
    ax.legend(loc="lower right")
    return ax


__all__ = [
    "dependency_risk",
    "gini",
    "hhi",
    "pareto_curve",
    "plot_pareto",
    "summary",
    "top_share",
]
