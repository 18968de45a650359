"""Attribute lift of best customers against the rest, with intervals and corrected tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from helpers.analysis.icp.attributes import _MISSING, ICP_ATTRIBUTES, _attribute_values
from helpers.core.errors import DataError, ParamError
from helpers.stats import multiple_testing
from helpers.stats.intervals import ratio_interval

__all__ = [
    "attribute_lift", "best_rate_grid", "grid_cells", "grid_peak", "icp_profile", "ratio_ci",
    "related_attributes", "surviving_levels",
]


def ratio_ci(x1, n1, x2, n2, confidence: float = 0.95):
    """Ratio of two independent proportions ``(x1/n1) / (x2/n2)`` with a Katz log interval.

    The interval is :func:`helpers.stats.intervals.ratio_interval` (statsmodels
    ``confint_proportions_2indep(method="log", compare="ratio")``). When a group has no
    successes no interval is stated (NaN bounds); the ratio itself is still given
    (0 or infinite), since the Fisher test of :func:`attribute_lift` decides the direction.

    Parameters
    ----------
    x1, n1 : array-like
        Successes and trials of the first group (e.g. best customers with the attribute,
        and all best customers).
    x2, n2 : array-like
        The same for the second group.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    ratio, low, high : numpy.ndarray
    """
    if not 0 < confidence < 1:
        raise ParamError(f"confidence must be between 0 and 1, got {confidence!r}")
    x1, n1, x2, n2 = (np.asarray(a, dtype=float) for a in (x1, n1, x2, n2))
    if np.any((n1 <= 0) | (n2 <= 0)) or np.any((x1 < 0) | (x2 < 0) | (x1 > n1) | (x2 > n2)):
        raise ParamError("ratio_ci needs 0 <= x <= n and n > 0 in both groups")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (x1 / n1) / (x2 / n2)
    _, low, high = ratio_interval(x1, n1, x2, n2, confidence)
    return ratio, low[()], high[()]


def attribute_lift(features: pd.DataFrame, best: pd.Series,
                   attributes: Sequence[str | Sequence[str]] = ICP_ATTRIBUTES, *,
                   min_support: float = 0.05, confidence: float = 0.95,
                   alpha: float = 0.05, method: str = "bh") -> pd.DataFrame:
    """Lift of every attribute value among the best customers against the rest.

    ``lift = share of best customers with the value / share of the other accounts with the
    value``; 2 means the value is twice as common among the best customers.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account.
    best : pandas.Series of bool
        Aligned with ``features`` (see :func:`best_customers`).
    attributes : sequence
        Column names; a tuple of names makes a combined attribute such as
        ``("industry", "size_band")`` with values like ``"Logistics × large"``.
    min_support : float
        Values held by a smaller share of all accounts are flagged ``supported=False``
        and never enter the ICP: too few accounts to trust.
    confidence : float
        Level of the Katz log interval (:func:`ratio_ci`).
    alpha : float
        Level the family-adjusted p-value must be below for a value to count as over- or
        under-represented.
    method : str
        Correction over the family (see :func:`helpers.stats.multiple_testing.adjust`).

    Returns
    -------
    pandas.DataFrame
        ``attribute, value, accounts, best_accounts, support, share_of_best, share_of_rest,
        lift, ci_low, ci_high, p_value, p_adjusted, significant, supported, direction``.
        ``p_value`` is Fisher's exact test of the value among best customers against the
        rest (:func:`helpers.stats.multiple_testing.lift_test`); the supported values of all
        ``attributes`` are one family, shown together, so ``p_adjusted`` is corrected over
        all of them (unsupported values are not tested). ``direction`` is ``"over"`` or
        ``"under"`` only for a supported value that survives the correction
        (``significant``), else ``"unclear"``: noise is never called over-represented.
        Sorted by attribute order, then lift, highest first. Missing values are left out: shares are taken
        among the accounts whose value is known, and an attribute without known values
        among both groups has no rows (no rows at all: an empty frame).
    """
    if not 0 <= min_support < 1:
        raise ParamError(f"min_support must be a share between 0 and 1, got {min_support!r}")
    b = np.asarray(best, dtype=bool)
    if len(b) != len(features):
        raise ParamError("best must have one value per account")
    n_best, n_rest = int(b.sum()), int((~b).sum())
    if n_best == 0 or n_rest == 0:
        raise DataError("the lift needs both best customers and other accounts")
    frames = []
    for attr in attributes:
        name, values = _attribute_values(features, attr)
        # a missing value is not an attribute value: shares count accounts with a known one
        known = ~values.str.contains(_MISSING, regex=False).to_numpy()
        kb, kr = int((b & known).sum()), int((~b & known).sum())
        if kb == 0 or kr == 0:
            continue
        g = pd.DataFrame({"value": values.to_numpy()[known], "best": b[known]}).groupby("value")["best"]
        counts = pd.DataFrame({"accounts": g.size(), "best_accounts": g.sum()}).reset_index()
        counts.insert(0, "attribute", name)
        counts["_nb"], counts["_nr"] = kb, kr
        frames.append(counts)
    cols = ["attribute", "value", "accounts", "best_accounts", "support", "share_of_best",
            "share_of_rest", "lift", "ci_low", "ci_high", "p_value", "p_adjusted",
            "significant", "supported", "direction"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    out["best_accounts"] = out["best_accounts"].astype("int64")
    out["accounts"] = out["accounts"].astype("int64")
    rest = out["accounts"] - out["best_accounts"]
    out["support"] = out["accounts"] / len(features)
    out["share_of_best"] = out["best_accounts"] / out["_nb"]
    out["share_of_rest"] = rest / out["_nr"]
    ratio, low, high = ratio_ci(out["best_accounts"], out["_nb"], rest, out["_nr"], confidence)
    out["lift"], out["ci_low"], out["ci_high"] = ratio, low, high
    out["supported"] = out["support"] >= min_support
    # same 2x2 table as the lift (best vs rest, with vs without the value): Fisher exact
    out["p_value"] = [
        multiple_testing.lift_test(x, nb, r, nr)["p_value"] if ok else np.nan
        for x, nb, r, nr, ok in zip(out["best_accounts"], out["_nb"], rest, out["_nr"],
                                    out["supported"], strict=True)]
    out = out.drop(columns=["_nb", "_nr"])
    out = multiple_testing.mark_family(out, alpha=alpha, method=method)
    out["significant"] = out["significant"] & out["supported"]
    out["direction"] = np.where(out["significant"] & (out["lift"] > 1), "over",
                                np.where(out["significant"] & (out["lift"] < 1), "under",
                                         "unclear"))
    out = out[cols].copy()
    order = {name: i for i, name in enumerate(out["attribute"].drop_duplicates())}
    out["_o"] = out["attribute"].map(order)
    out = out.sort_values(["_o", "lift", "value"], ascending=[True, False, True])
    return out.drop(columns="_o").reset_index(drop=True)


def related_attributes(features: pd.DataFrame, best, categorical: Sequence[str] = (),
                       numeric: Sequence[str] = (), *, alpha: float = 0.05,
                       method: str = "bh") -> pd.DataFrame:
    """Which attributes are related to being a best customer at all, corrected together.

    A categorical attribute is tested with a chi-square test of independence between its
    known values and the best-customer flag (:func:`helpers.stats.multiple_testing.independence_test`;
    accounts with a missing value are left out, so "has no channel" is never the signal). A
    numeric attribute is tested with a two-sided Mann-Whitney U test of best customers
    against the rest. All attributes form one family.

    Parameters
    ----------
    features : pandas.DataFrame
    best : array-like of bool
        Aligned with ``features``.
    categorical, numeric : sequence of str
    alpha : float
    method : str
        Correction over the attributes (see :func:`helpers.stats.multiple_testing.adjust`).

    Returns
    -------
    pandas.DataFrame
        ``attribute, kind, n, p_value, p_adjusted, effect, related`` with ``effect`` the
        Cramér's V (categorical) or the common-language effect size (numeric, the chance a
        best customer has the larger value); ``related`` marks the survivors.
    """
    b = np.asarray(best, dtype=bool)
    rows = []
    for attr in categorical:
        _, values = _attribute_values(features, attr)
        known = ~values.str.contains(_MISSING, regex=False).to_numpy()
        table = pd.crosstab(values.to_numpy()[known], b[known])
        res = multiple_testing.independence_test(table.to_numpy())
        rows.append({"attribute": attr, "kind": "category", "n": int(known.sum()),
                     "p_value": res["p_value"], "effect": res["cramers_v"]})
    for attr in numeric:
        x = pd.to_numeric(features[attr], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(x)
        x1, x0 = x[ok & b], x[ok & ~b]
        p, eff = np.nan, np.nan
        if len(x1) and len(x0) and np.ptp(x[ok]) > 0:
            res = stats.mannwhitneyu(x1, x0, alternative="two-sided")
            p, eff = float(res.pvalue), float(res.statistic) / (len(x1) * len(x0))
        rows.append({"attribute": attr, "kind": "number", "n": int(ok.sum()), "p_value": p,
                     "effect": eff})
    out = pd.DataFrame(rows, columns=["attribute", "kind", "n", "p_value", "effect"])
    out = multiple_testing.mark_family(out, alpha=alpha, method=method, flag_col="related")
    return out[["attribute", "kind", "n", "p_value", "p_adjusted", "effect", "related"]]


def surviving_levels(lift: pd.DataFrame, related: pd.DataFrame | None = None
                     ) -> dict[str, list[str]]:
    """The attribute values that may drive a fit score or be named as a sign.

    A value qualifies when it survives its family in :func:`attribute_lift` (over- or
    under-represented) and, with ``related``, its attribute is related to the outcome
    (:func:`related_attributes`). Missing-value levels never qualify; combined attributes
    (``"industry × size_band"``) are left out.

    Parameters
    ----------
    lift : pandas.DataFrame
        :func:`attribute_lift` output.
    related : pandas.DataFrame, optional
        :func:`related_attributes` output.

    Returns
    -------
    dict
        ``{attribute: [value, ...]}`` with only attributes that keep a value.
    """
    from helpers.presentation.findings import is_missing_level

    if lift is None or lift.empty:
        return {}
    ok = lift[lift["direction"].isin(["over", "under"])
              & ~lift["attribute"].str.contains(" × ", regex=False)]
    if related is not None:
        keep = set(related.loc[related["related"], "attribute"])
        ok = ok[ok["attribute"].isin(keep)]
    out: dict[str, list[str]] = {}
    for attr, value in zip(ok["attribute"], ok["value"], strict=True):
        if not is_missing_level(value):
            out.setdefault(str(attr), []).append(str(value))
    return out


def icp_profile(lift: pd.DataFrame) -> pd.DataFrame:
    """The ICP: supported attribute values clearly over-represented among the best customers.

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`attribute_lift`.

    Returns
    -------
    pandas.DataFrame
        Rows with ``supported`` and ``direction == "over"``, highest lift first, with a
        ``rank`` column.
    """
    icp = lift[lift["supported"] & (lift["direction"] == "over")]
    icp = icp.sort_values(["lift", "ci_low"], ascending=False, ignore_index=True)
    icp.insert(0, "rank", np.arange(1, len(icp) + 1))
    return icp


def grid_cells(features: pd.DataFrame, best: pd.Series, rows: str = "industry",
               cols: str = "size_band", *, min_accounts: int = 10) -> pd.DataFrame:
    """Every cell of :func:`best_rate_grid` with its test against the other accounts.

    Parameters
    ----------
    features : pandas.DataFrame
    best : pandas.Series of bool
    rows, cols : str
    min_accounts : int
        Smaller cells are not tested (and are empty in the grid).

    Returns
    -------
    pandas.DataFrame
        ``row, col, accounts, best_accounts, share, lift, p_value`` where ``lift`` is the
        cell's best-customer rate over the rate of the other accounts with both values
        known and ``p_value`` Fisher's exact test (:func:`helpers.stats.multiple_testing.lift_test`).
    """
    _, r = _attribute_values(features, rows)
    _, c = _attribute_values(features, cols)
    frame = pd.DataFrame({"row": r.to_numpy(), "col": c.to_numpy(), "b": np.asarray(best, bool)})
    frame = frame[(frame["row"] != _MISSING) & (frame["col"] != _MISSING)]
    out_cols = ["row", "col", "accounts", "best_accounts", "share", "lift", "p_value"]
    if frame.empty:
        return pd.DataFrame(columns=out_cols)
    g = frame.groupby(["row", "col"])["b"].agg(["size", "sum"]).reset_index()
    g = g[g["size"] >= min_accounts]
    n_all, b_all = len(frame), int(frame["b"].sum())
    rows_out = []
    for row, col, n, k in zip(g["row"], g["col"], g["size"], g["sum"], strict=True):
        res = multiple_testing.lift_test(k, n, b_all - k, n_all - n)
        rows_out.append({"row": row, "col": col, "accounts": int(n), "best_accounts": int(k),
                         "share": k / n, "lift": res["lift"], "p_value": res["p_value"]})
    return pd.DataFrame(rows_out, columns=out_cols)


def best_rate_grid(features: pd.DataFrame, best: pd.Series, rows: str = "industry",
                   cols: str = "size_band", *, min_accounts: int = 10) -> pd.DataFrame:
    """Share of best customers in each cell of a two-way table (e.g. industry x size band).

    Parameters
    ----------
    features : pandas.DataFrame
    best : pandas.Series of bool
    rows, cols : str
        Attribute columns.
    min_accounts : int
        Cells with fewer accounts are left empty (NaN).

    Returns
    -------
    pandas.DataFrame
        Rows = values of ``rows``, columns = values of ``cols`` (categorical order kept).
        Accounts with a missing value are left out; without any known pair the frame is
        empty.
    """
    _, r = _attribute_values(features, rows)
    _, c = _attribute_values(features, cols)
    frame = pd.DataFrame({"r": r.to_numpy(), "c": c.to_numpy(), "b": np.asarray(best, bool)})
    frame = frame[(frame["r"] != _MISSING) & (frame["c"] != _MISSING)]
    if frame.empty:
        return pd.DataFrame(index=pd.Index([], name=rows), columns=pd.Index([], name=cols),
                            dtype=float)
    rate = frame.pivot_table(index="r", columns="c", values="b", aggfunc="mean")
    size = frame.pivot_table(index="r", columns="c", values="b", aggfunc="size")
    rate = rate.where(size >= min_accounts)
    if isinstance(features[cols].dtype, pd.CategoricalDtype):
        order = [str(v) for v in features[cols].cat.categories if str(v) in rate.columns]
        rate = rate[order + [v for v in rate.columns if v not in order]]
    rate = rate.loc[rate.mean(axis=1).sort_values(ascending=False).index]
    rate.index.name, rate.columns.name = rows, cols
    return rate


def grid_peak(grid: pd.DataFrame) -> tuple[str, str, float] | None:
    """The cell of :func:`best_rate_grid` with the highest share, or ``None`` if all empty.

    Returns
    -------
    (row, column, share) or None
    """
    stacked = grid.stack().dropna() if not grid.empty else pd.Series(dtype=float)
    if stacked.empty:
        return None
    row, col = stacked.idxmax()
    return str(row), str(col), float(stacked.max())
