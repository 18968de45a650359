"""Ideal customer profile (ICP), minimum customer profile (MCP) and fit scores.

The chain, each step a function a notebook can call and a test can check:

1. :func:`best_customers` marks the best customers by a parameter: the top share by margin,
   by 24-month revenue, or accounts with a won opportunity.
2. :func:`attribute_lift` compares how often each attribute value (industry, size band,
   region, ...) occurs among the best customers and among the rest, with a Katz log
   confidence interval (:func:`ratio_ci`), a minimum support and Fisher's exact test; the
   supported values shown together are one family, corrected (Benjamini-Hochberg by
   default). :func:`icp_profile` keeps the values that survive and are over-represented;
   :func:`icp_statement` says it in words and :func:`icp_findings` records the evidence.
   :func:`related_attributes` tests whether an attribute is related to the outcome at all
   and :func:`surviving_levels` gives the values the model may use.
3. :class:`LookalikeModel` learns the same from all attributes at once: one-hot encoding and
   scaling, logistic regression, calibrated probabilities, cross-validated ROC-AUC, top
   factors and per-account reasons. With ``levels`` (the notebook passes
   :func:`surviving_levels`) it uses only values that survived their tests, so noise
   neither moves a fit score nor is named as a sign.
4. :func:`scorecard_scores` is the transparent alternative: points per rule, from params.
5. :func:`mcp_check` applies hard gates from params and says why an account fails.
6. :func:`fit_scores` combines them into a 0-100 fit score with Strong / Moderate / Weak
   buckets. This is the stable interface other notebooks use.
7. :func:`fit_engagement_matrix`, :func:`strong_fit_prospects`,
   :func:`competitor_targets` and :func:`whitespace` turn scores into target lists; a
   whitespace line must be bought by comparable peers (same industry and deal-size band)
   reliably more often than by other customers of that deal size.

Rules (scorecard criteria and MCP gates) are short texts, so they read well in YAML:
``"employees at least 50"``, ``"industry in Manufacturing, Logistics"``,
``"region not in Nordics"``, ``"is_competitor_customer is true"``. Operators in words:
``at least``, ``at most``, ``above`` (``more than``), ``below`` (``less than``), ``is``,
``is not``, ``in``, ``not in``; or as symbols ``>=``, ``<=``, ``>``, ``<``, ``=`` (``==``),
``!=``. Words keep ``=`` out of notebook parameter lines, which papermill cannot parse
otherwise. A missing value never satisfies a rule: the account gets no points for it and
fails the gate ("unknown").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches

import numpy as np
import pandas as pd
from scipy import stats

from helpers.core.errors import DataError, ParamError
from helpers.core.params import suggest
from helpers.data.features import parse_as_of
from helpers.presentation import i18n
from helpers.stats import multiple_testing
from helpers.stats.intervals import ratio_interval

#: Ways to define the best customers, with the text used in reports.
BEST_DEFINITIONS: dict[str, str] = {
    "margin": "top {share} of accounts by gross margin",
    "revenue_24m": "top {share} of accounts by revenue in the last 24 months",
    "won": "accounts with at least one won opportunity",
}

#: Attributes compared in the ICP lift table by default.
ICP_ATTRIBUTES: tuple[str, ...] = ("industry", "size_band", "region", "acquisition_channel",
                                   "is_competitor_customer")

#: Attributes the look-alike model learns from by default: only what is known about a
#: prospect before it buys, so the model can score prospects too.
LOOKALIKE_CATEGORICAL: tuple[str, ...] = ICP_ATTRIBUTES
LOOKALIKE_NUMERIC: tuple[str, ...] = ("employees", "annual_revenue")

FIT_BUCKETS: tuple[str, ...] = ("Strong", "Moderate", "Weak")
EXCLUDED = "Excluded"

#: Fit x engagement quadrants: (high fit, high engagement) -> (name, action).
QUADRANTS: dict[tuple[bool, bool], tuple[str, str]] = {
    (True, True): ("Strong fit, engaged", "Prioritise: hand to sales now"),
    (True, False): ("Strong fit, not engaged", "Target now: account-based campaigns to open "
                    "the door"),
    (False, True): ("Weaker fit, engaged", "Qualify: nurture and check needs before investing"),
    (False, False): ("Weaker fit, not engaged", "Deprioritise: low-cost automated nurture"),
}

_MISSING = "(missing)"
#: Model level for values that did not survive their test (pooled; never a sign or reason).
_OTHER = "(other)"


def has_data(features: pd.DataFrame, column: str, *, distinct: int = 1) -> bool:
    """Whether ``column`` exists and holds at least ``distinct`` different known values.

    A column that is absent or entirely empty cannot support an attribute, a rule or a
    peer group; with ``distinct=2`` a column that holds one value only is not informative
    either.

    Parameters
    ----------
    features : pandas.DataFrame
    column : str
    distinct : int
        Distinct known values needed.

    Returns
    -------
    bool
    """
    if column not in features.columns:
        return False
    known = features[column].dropna()
    if distinct <= 1:
        return len(known) > 0
    return known.astype("object").nunique() >= distinct


def usable_attributes(features: pd.DataFrame,
                      attributes: Sequence[str | Sequence[str]]) -> list[str | tuple[str, ...]]:
    """The attributes whose every part has at least two distinct known values.

    Parameters
    ----------
    features : pandas.DataFrame
    attributes : sequence
        Column names, or tuples of names for combined attributes.

    Returns
    -------
    list
        The usable attributes, in the given order (tuples stay tuples).
    """
    out = []
    for attr in attributes:
        parts = [attr] if isinstance(attr, str) else list(attr)
        if all(has_data(features, p, distinct=2) for p in parts):
            out.append(attr if isinstance(attr, str) else tuple(attr))
    return out


# --------------------------------------------------------------------------- best customers


def _check_share(top_share: float) -> float:
    if isinstance(top_share, bool) or not isinstance(top_share, (int, float)) \
            or not 0 < top_share < 1:
        raise ParamError(f"best_top_share must be a share between 0 and 1 (0.2 = top 20%), "
                         f"got {top_share!r}")
    return float(top_share)


def describe_best(definition: str, top_share: float = 0.2, *, language: str = "en") -> str:
    """Plain-language description of a best-customer definition.

    Parameters
    ----------
    definition : {"margin", "revenue_24m", "won"}
    top_share : float
        Share of accounts for the ``top`` definitions.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    _check_definition(definition)
    if language == "en":
        return BEST_DEFINITIONS[definition].format(share=f"{top_share:.0%}")
    return i18n.t(f"customer_profiling.best.{definition}", language, share=f"{top_share:.0%}")


def _check_definition(definition: str) -> None:
    if definition not in BEST_DEFINITIONS:
        raise ParamError(
            f"best_definition {definition!r} is not known"
            + suggest(str(definition), list(BEST_DEFINITIONS))
            + f" Choose one of: {', '.join(BEST_DEFINITIONS)}"
        )


def best_customers(features: pd.DataFrame, definition: str = "margin",
                   top_share: float = 0.2, *, min_best: int = 10) -> pd.Series:
    """Mark the best customers.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account (``account_features`` output).
    definition : {"margin", "revenue_24m", "won"}
        ``margin``: the top ``top_share`` of all accounts by ``margin_total``;
        ``revenue_24m``: the top ``top_share`` by ``revenue_12m + revenue_prev_12m``;
        ``won``: accounts with at least one won opportunity (``opp_won > 0``).
    top_share : float
        Share of all accounts (prospects included) that counts as best, for the ``top``
        definitions. Only accounts with a positive value can be best; ties at the cut are
        broken by ``account_id`` so the result is reproducible.
    min_best : int
        Fewer best customers than this raise an error: lifts and models would be noise.

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``features``, named ``best``.
    """
    _check_definition(definition)
    top_share = _check_share(top_share)
    if definition == "won":
        if "opp_won" not in features or not (features.get("opp_count", features["opp_won"])
                                             > 0).any():
            raise DataError("best_definition 'won' needs opportunities, and the data has none; "
                            "use 'margin' or 'revenue_24m'")
        best = features["opp_won"].fillna(0).to_numpy() > 0
    else:
        if definition == "margin":
            value = features["margin_total"]
        else:
            value = features["revenue_12m"] + features["revenue_prev_12m"]
        value = pd.to_numeric(value, errors="coerce").fillna(0).to_numpy(dtype=float)
        k = int(round(top_share * len(features)))
        order = np.lexsort((features["account_id"].astype(str).to_numpy(), -value))
        best = np.zeros(len(features), dtype=bool)
        best[order[:k]] = True
        best &= value > 0
    n = int(best.sum())
    if n < min_best:
        raise DataError(f"only {n} best customers ({describe_best(definition, top_share)}); "
                        f"at least {min_best} are needed. Raise best_top_share or use more data")
    if n == len(features):
        raise DataError("every account counts as a best customer, so there is nothing to "
                        "compare; lower best_top_share or choose another best_definition")
    return pd.Series(best, index=features.index, name="best")


#: When the requested definition has no data, the one used instead.
BEST_FALLBACKS: dict[str, tuple[str, ...]] = {
    "margin": ("revenue_24m",), "won": ("revenue_24m",), "revenue_24m": (),
}
#: Share of customers with a known margin below which margin cannot rank them.
MIN_MARGIN_COVERAGE = 0.5


def best_definition_has_data(features: pd.DataFrame, definition: str) -> bool:
    """Whether the data can rank accounts by ``definition`` at all.

    ``margin`` needs a known gross margin for at least :data:`MIN_MARGIN_COVERAGE` of the
    customers and some positive margin; ``revenue_24m`` some positive revenue in the last
    24 months; ``won`` a won opportunity.

    Parameters
    ----------
    features : pandas.DataFrame
    definition : {"margin", "revenue_24m", "won"}

    Returns
    -------
    bool
    """
    _check_definition(definition)
    if definition == "won":
        return "opp_won" in features and bool((features["opp_won"].fillna(0) > 0).any())
    if definition == "margin":
        buyers = features["order_count"].fillna(0) > 0 if "order_count" in features \
            else pd.Series(True, index=features.index)
        margin = pd.to_numeric(features.loc[buyers, "margin_total"], errors="coerce")
        if not len(margin) or margin.notna().mean() < MIN_MARGIN_COVERAGE:
            return False
        return bool((margin > 0).any())
    value = pd.to_numeric(features["revenue_12m"], errors="coerce").fillna(0) \
        + pd.to_numeric(features["revenue_prev_12m"], errors="coerce").fillna(0)
    return bool((value > 0).any())


@dataclass
class BestChoice:
    """Which best-customer definition the data supports, and the best customers it gives.

    Attributes
    ----------
    requested : str
        The definition asked for.
    definition : str or None
        The definition used; ``None`` when none gives enough best customers.
    best : pandas.Series or None
        Boolean per account (see :func:`best_customers`).
    problem : str or None
        Why no definition works: ``"no_data"`` or ``"too_few"``; ``None`` when one does.
    detail : str
        The error of the last definition tried (English), for the analyst.
    """

    requested: str
    definition: str | None
    best: pd.Series | None
    problem: str | None = None
    detail: str = ""

    @property
    def fell_back(self) -> bool:
        """Whether another definition than the requested one is used."""
        return self.definition is not None and self.definition != self.requested


def choose_best(features: pd.DataFrame, definition: str = "margin", top_share: float = 0.2,
                *, min_best: int = 10) -> BestChoice:
    """Best customers by ``definition``, or by its fallback when the data lacks it.

    A missing margin is not a zero margin: without margins (see
    :func:`best_definition_has_data`) ranking by margin would pick nobody, so 24-month
    revenue ranks the accounts instead; ``won`` without won opportunities falls back the
    same way. The caller labels the fallback once.

    Parameters
    ----------
    features : pandas.DataFrame
    definition : {"margin", "revenue_24m", "won"}
    top_share : float
    min_best : int
        Fewest best customers that make a comparison (see :func:`best_customers`).

    Returns
    -------
    BestChoice
    """
    _check_definition(definition)
    _check_share(top_share)
    problem, detail = "no_data", ""
    for candidate in (definition, *BEST_FALLBACKS[definition]):
        if not best_definition_has_data(features, candidate):
            continue
        try:
            best = best_customers(features, candidate, top_share, min_best=min_best)
        except DataError as err:
            problem, detail = "too_few", str(err)
            continue
        return BestChoice(definition, candidate, best)
    return BestChoice(definition, None, None, problem, detail)


def lookalike_attributes(features: pd.DataFrame,
                         categorical: Sequence[str] = LOOKALIKE_CATEGORICAL,
                         numeric: Sequence[str] = LOOKALIKE_NUMERIC) -> tuple[list[str], list[str]]:
    """The look-alike attributes that hold at least two distinct known values.

    Returns
    -------
    (categorical, numeric) : lists of str
    """
    return ([c for c in categorical if has_data(features, c, distinct=2)],
            [c for c in numeric if has_data(features, c, distinct=2)])


def fit_lookalike(features: pd.DataFrame, best, passing=None, *, cv: int = 5,
                  random_state: int = 0, levels: Mapping[str, Sequence[str]] | None = None,
                  numeric: Sequence[str] | None = None
                  ) -> tuple[LookalikeModel | None, str | None]:
    """Fit the look-alike model on the attributes with data, or say why it cannot be fitted.

    Parameters
    ----------
    features : pandas.DataFrame
    best : array-like of bool
        Best-customer flags aligned with ``features``.
    passing : array-like of bool, optional
        Accounts that pass the MCP (the training rows); all by default.
    cv, random_state : int
        See :class:`LookalikeModel`.
    levels : mapping, optional
        Evidence gate: ``{attribute: values}`` that survived their tests
        (:func:`surviving_levels`). Only these categorical attributes are used, each with
        only these values; ``None`` uses every attribute with data (no gate).
    numeric : sequence of str, optional
        With the gate: the numeric attributes related to the outcome
        (:func:`related_attributes`); ``None`` uses every numeric attribute with data.

    Returns
    -------
    model : LookalikeModel or None
    problem : str or None
        ``"no_attributes"`` (no account attribute holds data), ``"no_signal"`` (attributes
        hold data but none is reliably related to being a best customer), ``"none_pass"`` (the MCP
        excludes every account), ``"too_few"`` (fewer than ``cv`` best customers or other
        accounts among the passing ones) or ``"degenerate"`` (every account gets the same
        score); ``None`` when the model is usable.
    """
    y = np.asarray(best, dtype=bool)
    keep = np.ones(len(features), dtype=bool) if passing is None else np.asarray(passing, bool)
    if not keep.any():
        return None, "none_pass"
    train = features[keep]
    cat, num = lookalike_attributes(train)
    if not cat and not num:
        return None, "no_attributes"
    if levels is not None:
        cat = [c for c in cat if levels.get(c)]
    if numeric is not None:
        num = [c for c in num if c in set(numeric)]
    if not cat and not num:
        return None, "no_signal"
    if min(int(y[keep].sum()), int((~y[keep]).sum())) < cv:
        return None, "too_few"
    model = LookalikeModel(cat, num, cv=cv, random_state=random_state,
                           levels=levels).fit(train, y[keep])
    p = model.predict_proba(train)
    if not np.isfinite(model.cv_auc_) or np.ptp(p) < 1e-9:
        return None, "degenerate"
    return model, None


# --------------------------------------------------------------------------- lift


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


def _attribute_values(features: pd.DataFrame, attribute: str | Sequence[str]) -> tuple[str, pd.Series]:
    cols = [attribute] if isinstance(attribute, str) else list(attribute)
    for col in cols:
        if col not in features.columns:
            raise ParamError(f"ICP attribute {col!r} is not an account feature"
                             + suggest(col, list(features.columns)))
    parts = []
    for col in cols:
        s = features[col]
        parts.append(s.astype("object").where(s.notna(), _MISSING).astype(str))
    values = parts[0]
    for p in parts[1:]:
        values = values + " × " + p
    return " × ".join(cols), values


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


def icp_table(lift: pd.DataFrame, *, language: str = "en", rows: int | None = None) -> pd.DataFrame:
    """The ICP as one table for people: attribute, value, best customers, shares and lift.

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`attribute_lift`.
    language : {"en", "zh"}
        Language of the attribute names (values from the data stay as they are; flags read
        yes/no).
    rows : int, optional
        At most this many values, highest lift first.

    Returns
    -------
    pandas.DataFrame
        ``attribute, value, best_accounts, share_of_best, share_of_rest, lift``; empty when no
        value is clearly over-represented.
    """
    from helpers.presentation.findings import is_missing_level

    cols = ["attribute", "value", "best_accounts", "share_of_best", "share_of_rest", "lift"]
    prof = icp_profile(lift) if len(lift) else pd.DataFrame(columns=cols)
    prof = prof[[not is_missing_level(v) for v in prof["value"]]] if len(prof) else prof
    out = pd.DataFrame({
        "attribute": [_label(a, language) for a in prof["attribute"]],
        "value": [_value_text(v, language) for v in prof["value"]],
        **{c: prof[c].to_numpy() for c in cols[2:]},
    }, columns=cols)
    return out.head(rows) if rows else out


def fit_leaders(scores: pd.DataFrame, features: pd.DataFrame, reasons: pd.Series | None = None,
                *, n: int = 10, language: str = "en") -> pd.DataFrame:
    """The accounts with the highest fit score, with their bucket and top reasons.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores` output.
    features : pandas.DataFrame
        Account features (names, industry, size band).
    reasons : pandas.Series, optional
        :meth:`LookalikeModel.reasons` per row of ``features`` (same order as ``scores``).
    n : int
    language : {"en", "zh"}
        Language of the bucket names.

    Returns
    -------
    pandas.DataFrame
        ``account_name, industry, size_band, fit_score, bucket, top_reasons``, best first;
        accounts failing the MCP are left out.
    """
    s = _with_names(scores.assign(top_reasons=(
        pd.Series(reasons).fillna("").to_numpy(dtype=object) if reasons is not None
        else "")), features, [])
    s = s[s["mcp_pass"].astype(bool) & s["fit_score"].notna()]
    s = s.sort_values("fit_score", ascending=False, kind="stable").head(n)
    s["bucket"] = [i18n.t(f"customer_profiling.bucket.{str(b).lower()}", language)
                   for b in s["fit_bucket"]]
    cols = ["account_name", "industry", "size_band", "fit_score", "bucket", "top_reasons"]
    return s.reindex(columns=cols).reset_index(drop=True)


def attribute_label(attribute: str, language: str = "en") -> str:
    """An attribute name for a report: ``size_band`` -> ``size band`` / ``规模档``.

    Pairs such as ``industry × size_band`` are labelled part by part; attributes without a
    translation keep their English name.
    """
    if language == "en":
        return attribute.replace("_", " ")
    return " × ".join(i18n.t(f"customer_profiling.attr.{part}", language,
                             default=part.replace("_", " "))
                      for part in attribute.split(" × "))


_label = attribute_label


def icp_statement(lift: pd.DataFrame, best_label: str, *, max_values: int = 3,
                  language: str = "en") -> str:
    """One paragraph that states the ICP in plain language.

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`attribute_lift`.
    best_label : str
        What "best customers" means (:func:`describe_best`).
    max_values : int
        At most this many values per attribute are named.
    language : {"en", "zh"}
        Language of the sentence; values from the data stay as they are.

    Returns
    -------
    str
        Markdown text.
    """
    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.icp.{key}", language, **values)

    icp = icp_profile(lift)
    if icp.empty:
        return t("none", best=best_label)
    parts = []
    for attr, g in icp.groupby("attribute", sort=False):
        g = g.head(max_values)
        vals = [t("value", value=v, lift=f"{lf:.1f}")
                for v, lf in zip(g["value"], g["lift"], strict=True)]
        parts.append(t("part", attribute=_label(attr, language), values=_join(vals, language)))
    under = lift[lift["supported"] & (lift["direction"] == "under")]
    under = under.sort_values("lift").head(max_values)
    text = t("over", best=best_label,
             parts=i18n.t("customer_profiling.join.parts", language).join(parts))
    if not under.empty:
        text += t("under", items=_join(
            [t("under_item", attribute=_label(a, language), value=v, lift=f"{lf:.1f}")
             for a, v, lf in zip(under["attribute"], under["value"], under["lift"], strict=True)],
            language))
    return text


def icp_findings(lift: pd.DataFrame, log, best_label: str, *,
                 features: pd.DataFrame | None = None, language: str = "en") -> list:
    """The ICP as evidence-gated findings: one family over every supported attribute value.

    Each supported value of :func:`attribute_lift` is one comparison (Fisher's exact test
    of best customers against the rest); ``log`` corrects them together and states only
    the survivors: "over-represented" for a lift above 1 (with a recommended action),
    "rarely" for one below. Missing-value levels are never stated. When nothing survives,
    the family's fallback is the one honest sentence that there is no distinct ICP.

    Parameters
    ----------
    lift : pandas.DataFrame
        :func:`attribute_lift` output (tested with the same ``alpha`` and method as ``log``).
    log : helpers.presentation.findings.FindingLog
    best_label : str
        :func:`describe_best`.
    features : pandas.DataFrame, optional
        With ``revenue_total``, the impact of a finding is the revenue share of the
        accounts holding the value (:func:`helpers.presentation.findings.impact_weight`).
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
    """
    from helpers.presentation.findings import impact_weight

    fam = lift[lift["supported"].astype(bool) & lift["p_value"].notna()] if len(lift) else lift
    if fam.empty:
        return []

    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.{key}", language, **values)

    texts, actions, impacts = [], [], []
    revenue = total = None
    if features is not None and "revenue_total" in features:
        revenue = pd.to_numeric(features["revenue_total"], errors="coerce").fillna(0.0)
        total = float(revenue.clip(lower=0).sum())
    for r in fam.itertuples():
        label = _label(r.attribute, language)
        over = r.lift > 1
        texts.append(t("finding.icp_over" if over else "finding.icp_under", best=best_label,
                       attribute=label, value=r.value, lift=f"{r.lift:.1f}"))
        actions.append(t("action.icp_over", attribute=label, value=r.value) if over else "")
        weight = 0.3
        if revenue is not None and " × " not in r.attribute and r.attribute in features:
            held = features[r.attribute].astype("object").astype(str) == str(r.value)
            weight = impact_weight(float(revenue[held.to_numpy()].clip(lower=0).sum()), total)
        impacts.append(weight if over else weight / 2)
    return log.family(
        texts, fam["p_value"], test="Fisher exact", family="ICP lift by attribute value",
        effects=fam["lift"], lows=fam["ci_low"], highs=fam["ci_high"], ns=fam["accounts"],
        levels=fam["value"], impacts=impacts, actions=actions, effect_label="lift",
        fallback=t("icp.none", best=best_label))


def icp_summary(found: Sequence, lift: pd.DataFrame, best_label: str, *, language: str = "en",
                max_items: int = 4):
    """One finding for the summary that names the ICP's stated values together.

    :func:`icp_findings` states every surviving value on its own; a brief has room for one
    sentence about the ICP. This joins the stated over-represented values, strongest lift
    first, with one action.

    Parameters
    ----------
    found : sequence of helpers.presentation.findings.Finding
        :func:`icp_findings` output for the same ``lift``.
    lift : pandas.DataFrame
        :func:`attribute_lift` output.
    best_label : str
        :func:`describe_best`.
    language : {"en", "zh"}
    max_items : int
        At most this many values are named.

    Returns
    -------
    helpers.presentation.findings.Finding or None
        ``None`` when no over-represented value was stated.
    """
    from helpers.presentation.findings import gated, is_missing_level

    fam = lift[lift["supported"].astype(bool) & lift["p_value"].notna()] if len(lift) else lift
    rows = [(r, f) for r, f in zip(fam.itertuples(), found, strict=False)
            if f.stated and r.lift > 1 and not is_missing_level(r.value)]
    if not rows:
        return None
    rows = sorted(rows, key=lambda rf: -float(rf[0].lift))
    items = [i18n.t("customer_profiling.summary.icp_item", language, attribute=_label(r.attribute, language),
                    value=_value_text(r.value, language), lift=f"{r.lift:.1f}") for r, _ in rows[:max_items]]
    text = i18n.t("customer_profiling.summary.icp", language, best=best_label, items=_join(items, language))
    return gated(text, passed=True, kind=rows[0][1].kind, evidence=rows[0][1].evidence,
                 impact=max(f.impact for _, f in rows),
                 action=i18n.t("customer_profiling.action.icp_summary", language))


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


def grid_finding(cells: pd.DataFrame, log, overall: float, *, language: str = "en") -> str:
    """The richest industry x size-band cell, named only when it survives its family.

    Every tested cell of :func:`grid_cells` is one comparison in ``log``; the richest
    surviving cell with more best customers than the rest is stated, otherwise one honest
    sentence.

    Returns
    -------
    str
    """
    if cells.empty:
        return ""
    texts = [i18n.t("customer_profiling.finding.grid_cell", language, row=r.row, col=r.col,
                    share=f"{r.share:.0%}", overall=f"{overall:.0%}")
             for r in cells.itertuples()]
    fallback = i18n.t("customer_profiling.finding.no_grid_peak", language,
                      n=f"{len(cells):,}")
    found = log.family(texts, cells["p_value"], test="Fisher exact",
                       family="best-customer share by industry × size band",
                       effects=cells["lift"], ns=cells["accounts"], effect_label="lift",
                       fallback=fallback, impacts=[0.25] * len(cells))
    rich = [r for r, f in zip(cells.itertuples(), found, strict=True) if f.stated and r.lift > 1]
    if not rich:
        return fallback
    top = max(rich, key=lambda r: r.share)
    return i18n.t("customer_profiling.finding.grid", language, row=top.row, col=top.col,
                  share=f"{top.share:.0%}", overall=f"{overall:.0%}")


def _join_or(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _join(items: Sequence[str], language: str = "en") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return (i18n.t("customer_profiling.join.sep", language).join(items[:-1])
            + i18n.t("customer_profiling.join.and", language) + items[-1])


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


def lift_chart_rows(lift: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """The rows :func:`plot_lift` draws: supported values with a finite lift and interval.

    A value held by no other account has an infinite lift; its bar could not be drawn,
    so it is left out (the table still lists it).

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`attribute_lift`.
    top : int
        Number of values kept, highest lift first.

    Returns
    -------
    pandas.DataFrame
    """
    if lift.empty:
        return lift
    bounds = lift[["lift", "ci_low", "ci_high"]].to_numpy(dtype=float)
    finite = np.isfinite(bounds).all(axis=1)
    d = lift[lift["supported"].to_numpy(dtype=bool) & finite]
    return d.sort_values("lift", ascending=False).head(top)


def plot_lift(lift: pd.DataFrame, *, ax=None, title: str = "", top: int = 15,
              language: str = "en"):
    """Lift with its confidence interval for the highest-lift supported values.

    Parameters
    ----------
    lift : pandas.DataFrame
        Output of :func:`attribute_lift`.
    ax : matplotlib.axes.Axes, optional
    title : str
    top : int
        Number of values shown.
    language : {"en", "zh"}
        Language of the attribute names and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    from helpers.presentation.plotting import PALETTE

    d = lift_chart_rows(lift, top).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, max(2.5, 0.35 * len(d) + 1)))
    y = np.arange(len(d))
    colors = [PALETTE[0] if dirn == "over" else PALETTE[6] for dirn in d["direction"]]
    # clipped at 0: a rounding step must not make an error bar negative
    err = np.clip(np.vstack([d["lift"] - d["ci_low"], d["ci_high"] - d["lift"]]).astype(float),
                  0, None)
    ax.barh(y, d["lift"], color=colors, alpha=0.85)
    ax.errorbar(d["lift"], y, xerr=err, fmt="none", ecolor="black", elinewidth=1, capsize=2)
    ax.axvline(1, color=PALETTE[4], linestyle="--", linewidth=1)
    ax.set_yticks(y, [f"{_label(a, language)}: {v}" for a, v in zip(d["attribute"], d["value"],
                                                                     strict=True)])
    ax.set_xlabel(i18n.t("customer_profiling.chart.lift", language))
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- look-alike model


def _design(features: pd.DataFrame, categorical: Sequence[str],
            numeric: Sequence[str], levels: Mapping[str, Sequence[str]] | None = None
            ) -> pd.DataFrame:
    """Model inputs: categories as text (missing as a category), numbers as float.

    With ``levels``, a categorical attribute listed there keeps only those values; every
    other value, missing ones included, is pooled into one ``"(other)"`` level, so values
    that did not survive their test cannot move a score.

    The text columns stay NumPy ``object`` columns: pandas would otherwise store them as
    Arrow strings, which scikit-learn's encoder converts back on every fit and transform.
    """
    missing = [c for c in (*categorical, *numeric) if c not in features.columns]
    if missing:
        raise ParamError(f"look-alike attribute(s) {', '.join(missing)} are not account features")
    out = {}
    for c in categorical:
        s = features[c]
        text = s.astype("object").where(s.notna(), _MISSING).astype(str).to_numpy(dtype=object)
        if levels is not None and c in levels:
            text = np.where(np.isin(text, [str(v) for v in levels[c]]), text, _OTHER).astype(object)
        out[c] = pd.Series(text, index=features.index, dtype=object)
    for c in numeric:
        out[c] = pd.to_numeric(features[c], errors="coerce").to_numpy(dtype=float)
    return pd.DataFrame(out, index=features.index)


class LookalikeModel:
    """Look-alike model: who resembles the best customers?

    A scikit-learn pipeline: categories one-hot encoded, numbers log-transformed (company
    sizes are heavy-tailed), imputed with the median and scaled; then an L2 logistic
    regression. Probabilities are calibrated with :class:`~sklearn.calibration.CalibratedClassifierCV`
    (sigmoid, one calibrator fitted on out-of-fold scores), so a probability of 0.4 means
    about 4 in 10 such accounts are best customers.

    Parameters
    ----------
    categorical : sequence of str
        Categorical account attributes.
    numeric : sequence of str
        Numeric account attributes (non-negative, log1p-transformed).
    C : float
        Inverse regularisation strength of the logistic regression.
    cv : int
        Folds for the cross-validated ROC-AUC and for calibration.
    random_state : int
        Seed of the fold split.
    levels : mapping, optional
        ``{attribute: values}``: the values of a categorical attribute the model may use
        (see :func:`surviving_levels`); the others are pooled into one level.

    Attributes
    ----------
    calibrated_ : CalibratedClassifierCV
        The fitted, calibrated model.
    pipeline_ : sklearn.pipeline.Pipeline
        The logistic-regression pipeline fitted on all rows (for factors and reasons).
    cv_auc_ : float
        Mean cross-validated ROC-AUC; ``cv_auc_folds_`` holds each fold's value.
    base_rate_ : float
        Share of best customers in the training rows.
    """

    def __init__(self, categorical: Sequence[str] = LOOKALIKE_CATEGORICAL,
                 numeric: Sequence[str] = LOOKALIKE_NUMERIC, *, C: float = 1.0, cv: int = 5,
                 random_state: int = 0, levels: Mapping[str, Sequence[str]] | None = None):
        self.categorical = tuple(categorical)
        self.numeric = tuple(numeric)
        self.levels = None if levels is None else {k: list(v) for k, v in levels.items()}
        self.C = C
        self.cv = cv
        self.random_state = random_state

    def _pipeline(self):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

        num = Pipeline([
            ("impute", SimpleImputer(strategy="median")),
            ("log", FunctionTransformer(_log1p_nonneg, feature_names_out="one-to-one")),
            ("scale", StandardScaler()),
        ])
        cat = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        # a group without attributes is left out (sklearn cannot fit an empty selection)
        parts = [(name, tr, list(cols)) for name, tr, cols in
                 (("cat", cat, self.categorical), ("num", num, self.numeric)) if cols]
        prep = ColumnTransformer(parts)
        # liblinear is much faster than lbfgs on a few thousand rows and gives the same fit
        # up to its (tiny) intercept penalty.
        lr = LogisticRegression(C=self.C, solver="liblinear", max_iter=1000)
        return Pipeline([("prep", prep), ("model", lr)])

    def fit(self, features: pd.DataFrame, best) -> LookalikeModel:
        """Fit on accounts and their best-customer flags.

        Parameters
        ----------
        features : pandas.DataFrame
            One row per account (training rows only).
        best : array-like of bool
            Target, aligned with ``features``.

        Returns
        -------
        LookalikeModel
            ``self``.
        """
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        y = np.asarray(best, dtype=bool)
        if len(y) != len(features):
            raise ParamError("best must have one value per account")
        if not self.categorical and not self.numeric:
            raise DataError("the look-alike model needs at least one account attribute with "
                            "data; the data has none")
        n_pos, n_neg = int(y.sum()), int((~y).sum())
        if min(n_pos, n_neg) < self.cv:
            raise DataError(f"the look-alike model needs at least {self.cv} best customers and "
                            f"{self.cv} other accounts; got {n_pos} and {n_neg}")
        X = _design(features, self.categorical, self.numeric, self.levels)
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        # Calibration is a monotone map, so the pipeline's AUC is the calibrated model's AUC.
        aucs = cross_val_score(self._pipeline(), X, y, cv=folds, scoring="roc_auc")
        self.cv_auc_folds_ = np.asarray(aucs, dtype=float)
        self.cv_auc_ = float(np.mean(aucs))
        self.calibrated_ = CalibratedClassifierCV(self._pipeline(), method="sigmoid", cv=folds,
                                                  ensemble=False).fit(X, y)
        self.pipeline_ = self.calibrated_.calibrated_classifiers_[0].estimator
        # Reasons compare an account with the average training account.
        self.mean_z_ = np.asarray(self.pipeline_.named_steps["prep"].transform(X),
                                  dtype=float).mean(axis=0)
        self.base_rate_ = float(y.mean())
        self.n_train_ = len(y)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "calibrated_"):
            raise ParamError("the look-alike model is not fitted yet; call fit() first")

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        """Calibrated probability that each account is a best customer.

        Parameters
        ----------
        features : pandas.DataFrame

        Returns
        -------
        numpy.ndarray
            One probability per row.
        """
        self._check_fitted()
        X = _design(features, self.categorical, self.numeric, self.levels)
        return self.calibrated_.predict_proba(X)[:, 1]

    def _columns(self) -> list[tuple[str, str | None]]:
        """(attribute, value) per model input column; value None for numeric columns."""
        cols: list[tuple[str, str | None]] = []
        if self.categorical:
            enc = self.pipeline_.named_steps["prep"].named_transformers_["cat"]
            for attr, cats in zip(self.categorical, enc.categories_, strict=True):
                cols += [(attr, str(v)) for v in cats]
        cols += [(attr, None) for attr in self.numeric]
        return cols

    def factors(self, top: int | None = 10, *, language: str = "en") -> pd.DataFrame:
        """The strongest factors of the logistic regression.

        A categorical value's effect is its coefficient minus the frequency-weighted mean
        coefficient of its attribute, i.e. compared with the average account (one-hot
        coefficients alone are only defined up to a shift). Numeric factors are per
        standard deviation of the log value; the label says what factor that step is.

        Parameters
        ----------
        top : int, optional
            Number of factors returned, largest absolute effect first.
        language : {"en", "zh"}
            Language of the ``factor`` labels (attribute names; values stay as they are).

        Returns
        -------
        pandas.DataFrame
            ``factor, attribute, value, effect, odds_ratio, direction`` where ``odds_ratio``
            is ``exp(effect)``. A missing value's level is never a factor.
        """
        self._check_fitted()
        coef = self.pipeline_.named_steps["model"].coef_[0]
        cols = self._columns()
        attrs = np.asarray([a for a, _ in cols])
        effect = coef.copy()
        for attr in self.categorical:
            m = attrs == attr
            effect[m] = coef[m] - np.sum(coef[m] * self.mean_z_[m])
        steps = {}
        if self.numeric:
            scale = self.pipeline_.named_steps["prep"].named_transformers_["num"] \
                .named_steps["scale"].scale_
            steps = dict(zip(self.numeric, np.exp(scale), strict=True))
        rows = []
        for (attr, value), e in zip(cols, effect, strict=True):
            if value in (_MISSING, _OTHER):  # unknown or untested: not a sign to recommend
                continue
            label = (f"{_label(attr, language)} = {value}" if value is not None
                     else i18n.t("customer_profiling.factor.numeric", language,
                                 attribute=_label(attr, language), step=f"{steps[attr]:.1f}"))
            rows.append({"factor": label, "attribute": attr, "value": value, "effect": e,
                         "odds_ratio": float(np.exp(e)),
                         "direction": "raises fit" if e > 0 else "lowers fit"})
        out = pd.DataFrame(rows, columns=["factor", "attribute", "value", "effect", "odds_ratio",
                                          "direction"])
        out = out.reindex(out["effect"].abs().sort_values(ascending=False).index)
        out = out.reset_index(drop=True)
        return out.head(top) if top else out

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """Each attribute's contribution to each account's log-odds, against the average.

        Parameters
        ----------
        features : pandas.DataFrame

        Returns
        -------
        pandas.DataFrame
            One column per model attribute, one row per account (index of ``features``).
        """
        self._check_fitted()
        X = _design(features, self.categorical, self.numeric, self.levels)
        Z = np.asarray(self.pipeline_.named_steps["prep"].transform(X), dtype=float)
        coef = self.pipeline_.named_steps["model"].coef_[0]
        contrib = (Z - self.mean_z_) * coef
        attrs = [a for a, _ in self._columns()]
        out = pd.DataFrame(contrib, columns=range(Z.shape[1])).T.groupby(
            np.asarray(attrs)).sum().T
        out.index = features.index
        return out[list(dict.fromkeys(attrs))]

    def reasons(self, features: pd.DataFrame, n: int = 3, *, language: str = "en") -> pd.Series:
        """Up to ``n`` attributes that raise each account's fit the most, as text.

        Parameters
        ----------
        features : pandas.DataFrame
        n : int
        language : {"en", "zh"}
            Language of the attribute names (values stay as they are; flags read yes/no
            in Chinese).

        Returns
        -------
        pandas.Series
            E.g. ``"industry = Logistics; size band = large"``; empty when nothing raises
            the fit above the average account.
        """
        contrib = self.contributions(features)
        X = _design(features, self.categorical, self.numeric, self.levels)
        texts = [_text(features[c] if c in self.numeric
                       else X[c].where((X[c] != _MISSING) & (X[c] != _OTHER)),
                       number=c in self.numeric) for c in contrib.columns]
        # an unknown value never reads as a reason: its label is empty, so it is skipped
        if language != "en":
            texts = [np.array([_value_text(v, language) if v in ("True", "False") else v
                               for v in txt], dtype=object) for txt in texts]
        sep = i18n.t("customer_profiling.join.parts", language) if language != "en" else "; "
        labels = np.column_stack([np.where(txt == "", "", f"{_label(c, language)} = " + txt)
                                  for c, txt in zip(contrib.columns, texts, strict=True)])
        vals = contrib.to_numpy()
        rows = np.arange(len(vals))[:, None]
        order = np.argsort(-vals, axis=1, kind="stable")[:, :n]
        picked = np.where(vals[rows, order] > 0, labels[rows, order], "")
        text = np.full(len(vals), "", dtype=object)
        for k in range(picked.shape[1]):
            text = _append(text, picked[:, k], sep)
        return pd.Series(text, index=features.index, name="reasons")


def _text(values: pd.Series, *, number: bool = False) -> np.ndarray:
    """Values as an object array of display strings; missing values become ``""``.

    Each distinct value is formatted once (accounts share few industries, regions or sizes).
    """
    if number:
        nums = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        if np.any((nums == 0) & np.signbit(nums)):  # -0.0 would share 0.0's text
            return np.array(["" if np.isnan(v) else f"{v:,.0f}" for v in nums], dtype=object)
        codes, uniques = pd.factorize(nums)
        shown = [f"{v:,.0f}" for v in uniques]
    else:
        codes, uniques = pd.factorize(values.astype("object"))
        shown = [str(v) for v in uniques]
    # missing values get the code -1, which picks the trailing ""
    return np.array([*shown, ""], dtype=object)[codes]


def _append(text: np.ndarray, part: np.ndarray, sep: str = "; ") -> np.ndarray:
    """Join ``part`` onto ``text`` element-wise, skipping empty strings."""
    part = np.asarray(part, dtype=object)
    joined = np.where(text == "", part, text + sep + part)
    return np.where(part == "", text, joined)


def _log1p_nonneg(x):
    return np.log1p(np.clip(x, 0, None))


# --------------------------------------------------------------------------- rules


_LIST_OPS = ("not in", "in")
_CMP = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less,
        "=": np.equal, "==": np.equal, "!=": np.not_equal}
_RULE_WORDS = re.compile(
    r"^\s*(?P<col>\w+)\s+(?P<op>not\s+in|in|is\s+not|is|at\s+least|at\s+most|more\s+than|"
    r"less\s+than|above|below)\s+(?P<val>.+?)\s*$", re.I)
_WORD_OPS = {"is not": "!=", "is": "=", "at least": ">=", "at most": "<=", "more than": ">",
             "above": ">", "less than": "<", "below": "<"}
_RULE_CMP = re.compile(r"^\s*(?P<col>\w+)\s*(?P<op>>=|<=|==|!=|=|>|<)\s*(?P<val>.+?)\s*$")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


@dataclass(frozen=True)
class Rule:
    """One criterion on an account attribute, parsed from text like ``"employees >= 50"``.

    Attributes
    ----------
    text : str
        The rule as written.
    column : str
        Account feature column.
    op : str
        ``>=``, ``<=``, ``>``, ``<``, ``=``, ``!=``, ``in`` or ``not in``.
    values : tuple
        The value(s) compared with.
    """

    text: str
    column: str
    op: str
    values: tuple

    def evaluate(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Whether each account satisfies the rule, and whether its value is known.

        Parameters
        ----------
        features : pandas.DataFrame

        Returns
        -------
        passed, known : numpy.ndarray of bool
            A missing value is never ``passed``.
        """
        s = features[self.column]
        known = s.notna().to_numpy()
        if self.op in _LIST_OPS:
            text = s.astype("object").where(s.notna(), "").astype(str).str.casefold()
            hit = text.isin([str(v).casefold() for v in self.values]).to_numpy()
            passed = hit if self.op == "in" else ~hit
        elif _is_bool(s):
            target = self.values[0]
            vals = s.astype("object").where(s.notna(), False).astype(bool).to_numpy()
            passed = _CMP[self.op](vals, target)
        elif _is_numeric(s):
            vals = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                passed = _CMP[self.op](vals, float(self.values[0]))
        else:
            vals = s.astype("object").where(s.notna(), "").astype(str).str.casefold()
            passed = _CMP[self.op](vals.to_numpy(dtype=object), str(self.values[0]).casefold())
        return np.asarray(passed, dtype=bool) & known, known


def _is_bool(s: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(s.dtype)


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not _is_bool(s)


def parse_rule(text: str, features: pd.DataFrame, *, what: str = "rule") -> Rule:
    """Parse a rule text against the account feature columns.

    Parameters
    ----------
    text : str
        ``"<column> <op> <value>"``; for ``in`` / ``not in`` a comma-separated list.
    features : pandas.DataFrame
        Account features, to check the column and its type.
    what : str
        Name used in error messages (``"scorecard rule"``, ``"MCP gate"``).

    Returns
    -------
    Rule
    """
    if not isinstance(text, str) or not text.strip():
        raise ParamError(f"{what} {text!r} is empty; write it like 'employees >= 50'")
    m = _RULE_WORDS.match(text) or _RULE_CMP.match(text)
    if not m:
        raise ParamError(f"{what} {text!r} is not understood; write '<column> <op> <value>' "
                         "with op one of: at least, at most, above, below, is, is not, in, "
                         "not in (or >=, <=, >, <, =, !=); for example "
                         "'employees at least 50' or 'industry in Manufacturing, Logistics'")
    col, op, raw = m.group("col"), re.sub(r"\s+", " ", m.group("op").lower()), m.group("val")
    op = _WORD_OPS.get(op, op)
    if col not in features.columns:
        raise ParamError(f"{what} {text!r}: {col!r} is not an account attribute"
                         + suggest(col, list(features.columns)))
    s = features[col]
    if op in _LIST_OPS:
        values = tuple(v.strip() for v in raw.split(",") if v.strip())
        if not values:
            raise ParamError(f"{what} {text!r}: give at least one value after '{op}'")
        return Rule(text, col, op, values)
    if _is_bool(s):
        low = raw.strip().lower()
        if low not in _TRUE | _FALSE or op not in ("=", "==", "!="):
            raise ParamError(f"{what} {text!r}: {col} is yes/no; write '{col} = true' or "
                             f"'{col} = false'")
        return Rule(text, col, op, (low in _TRUE,))
    if _is_numeric(s):
        try:
            number = float(raw.replace(",", "").replace("_", ""))
        except ValueError:
            raise ParamError(f"{what} {text!r}: {col} is a number, so {raw!r} must be a "
                             "number too") from None
        return Rule(text, col, op, (number,))
    if op not in ("=", "==", "!="):
        raise ParamError(f"{what} {text!r}: {col} is text, so use is, is not, in or not in")
    return Rule(text, col, op, (raw.strip(),))


def rule_warnings(rules: Sequence[Rule], features: pd.DataFrame) -> list[str]:
    """Values named in rules that no account has (typos, or another language's labels).

    Parameters
    ----------
    rules : sequence of Rule
    features : pandas.DataFrame

    Returns
    -------
    list of str
        One sentence per rule with unknown values, naming the closest existing value when
        there is one.
    """
    out = []
    for rule in rules:
        s = features[rule.column]
        if _is_numeric(s) or _is_bool(s):
            continue
        present = {str(v) for v in s.dropna().astype("object").unique()}
        folded = {v.casefold() for v in present}
        missing = []
        for v in rule.values:
            if str(v).casefold() not in folded:
                hint = get_close_matches(str(v), sorted(present), n=1)
                missing.append(repr(str(v)) + (f" (closest: {hint[0]!r})" if hint else ""))
        if missing:
            out.append(f"'{rule.text}': no account has {rule.column} = " + _join_or(missing))
    return out


_RULE_OPS = {">=": "ge", "<=": "le", ">": "gt", "<": "lt", "=": "eq", "==": "eq", "!=": "ne",
             "in": "in", "not in": "not_in"}


def _value_text(value, language: str = "en") -> str:
    """A rule value or account value as a report shows it (yes/no for flags)."""
    if isinstance(value, (bool, np.bool_)) or str(value) in ("True", "False"):
        truthy = value if isinstance(value, (bool, np.bool_)) else str(value) == "True"
        return i18n.t("customer_profiling.value.yes" if truthy else "customer_profiling.value.no", language)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return str(value)


def rule_label(rule: Rule, language: str = "en") -> str:
    """A rule as a report states it: the text as written in English, translated otherwise.

    Parameters
    ----------
    rule : Rule
        Output of :func:`parse_rule`.
    language : {"en", "zh"}

    Returns
    -------
    str
        ``"employees at least 10"`` stays as written in English; in Chinese it reads
        ``"员工人数至少 10"``. Values from the data are not translated.
    """
    if language == "en":
        return rule.text
    values = i18n.t("customer_profiling.join.sep", language).join(
        _value_text(v, language) for v in rule.values)
    return i18n.t(f"customer_profiling.rule.{_RULE_OPS[rule.op]}", language,
                  attribute=_label(rule.column, language), value=values)


def gate_failures(features: pd.DataFrame, gates: Sequence[str] = (), *,
                  language: str = "en") -> pd.Series:
    """How many accounts fail each applied MCP gate.

    Parameters
    ----------
    features : pandas.DataFrame
    gates : sequence of str
        Rule texts (see :func:`parse_rule`); gates on a column without data are left out,
        as in :func:`mcp_check`.
    language : {"en", "zh"}
        Language of the index (:func:`rule_label`).

    Returns
    -------
    pandas.Series
        Failing accounts (an unknown value fails) indexed by the gate label, in the order given.
    """
    if isinstance(gates, str):
        gates = [gates]
    rules = [parse_rule(g, features, what="MCP gate") for g in gates]
    counts = {rule_label(r, language): int((~r.evaluate(features)[0]).sum())
              for r in rules if has_data(features, r.column)}
    return pd.Series(counts, dtype="int64")


# --------------------------------------------------------------------------- scorecard and MCP


def parse_scorecard(scorecard: Mapping[str, float], features: pd.DataFrame) -> list[tuple[Rule, float]]:
    """Parse a scorecard ``{rule text: points}``.

    Parameters
    ----------
    scorecard : mapping of str to number
        For example ``{"industry in Manufacturing, Logistics": 30, "employees at least 200": 10}``.
        Negative points are allowed (penalties).
    features : pandas.DataFrame

    Returns
    -------
    list of (Rule, float)
    """
    if not isinstance(scorecard, Mapping) or not scorecard:
        raise ParamError("scorecard must map rule texts to points, e.g. "
                         "{'employees >= 200': 10}")
    parsed = []
    for text, points in scorecard.items():
        if isinstance(points, bool) or not isinstance(points, (int, float)):
            raise ParamError(f"scorecard rule {text!r}: points must be a number, got {points!r}")
        parsed.append((parse_rule(text, features, what="scorecard rule"), float(points)))
    if sum(p for _, p in parsed if p > 0) <= 0:
        raise ParamError("scorecard gives no positive points, so every account would score 0; "
                         "give at least one rule positive points")
    return parsed


def scorecard_scores(features: pd.DataFrame, scorecard: Mapping[str, float]) -> pd.DataFrame:
    """Transparent points scorecard, scaled to 0-100.

    ``score = 100 * (points - lowest possible) / (highest possible - lowest possible)``,
    where the highest possible sum is all positive points and the lowest all penalties.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account.
    scorecard : mapping of str to number
        ``{rule text: points}`` (see :func:`parse_scorecard`).

    Returns
    -------
    pandas.DataFrame
        ``account_id, scorecard_points, scorecard_score, scorecard_matched`` (the rules met).
    """
    parsed = parse_scorecard(scorecard, features)
    points = np.zeros(len(features))
    matched = np.full(len(features), "", dtype=object)
    for rule, pts in parsed:
        passed, _ = rule.evaluate(features)
        points += np.where(passed, pts, 0.0)
        matched = _append(matched, np.where(passed, rule.text, ""))
    hi = sum(p for _, p in parsed if p > 0)
    lo = sum(p for _, p in parsed if p < 0)
    return pd.DataFrame({
        "account_id": features["account_id"].astype(str).to_numpy(),
        "scorecard_points": points,
        "scorecard_score": 100 * (points - lo) / (hi - lo),
        "scorecard_matched": matched,
    }, index=features.index)


def mcp_check(features: pd.DataFrame, gates: Sequence[str] = (), *,
              language: str = "en") -> pd.DataFrame:
    """Minimum customer profile: hard gates every account must pass to be scored.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account.
    gates : sequence of str
        Rule texts (see :func:`parse_rule`), e.g. ``["employees at least 20",
        "industry not in Public Sector"]``. An account fails a gate when its value does not
        satisfy it or is missing.
    language : {"en", "zh"}
        Language of the reasons (``"industry is Public Sector (gate: industry not in
        Public Sector)"`` / ``"行业为 Public Sector（门槛：行业不属于 Public Sector）"``).

    Returns
    -------
    pandas.DataFrame
        ``account_id, mcp_pass, mcp_reasons`` (``"; "``-separated reasons, empty when
        passing). A gate on a column without any data is not applied (it would exclude
        every account for a value nobody recorded); ``attrs["gates_not_applied"]`` lists
        those gate texts.
    """
    if isinstance(gates, str):
        gates = [gates]
    parsed = [parse_rule(g, features, what="MCP gate") for g in gates]
    rules = [r for r in parsed if has_data(features, r.column)]
    not_applied = [r.text for r in parsed if not has_data(features, r.column)]
    ok = np.ones(len(features), dtype=bool)
    reasons = np.full(len(features), "", dtype=object)
    for rule in rules:
        passed, known = rule.evaluate(features)
        ok &= passed
        values = features[rule.column]
        shown = _text(values, number=_is_numeric(values))
        name, gate = _label(rule.column, language), rule_label(rule, language)
        why = {v: i18n.t("customer_profiling.mcp.reason", language, attribute=name,
                         value=_value_text(v, language) if language != "en" else v, gate=gate)
               for v in pd.unique(shown[known & ~passed])}
        unknown = i18n.t("customer_profiling.mcp.unknown", language, attribute=name, gate=gate)
        texts = np.array([why.get(v, "") if k else unknown for v, k in zip(shown, known, strict=True)],
                         dtype=object) if len(shown) else np.array([], dtype=object)
        reasons = _append(reasons, np.where(passed, "", texts),
                          "; " if language == "en" else i18n.t("customer_profiling.join.parts", language))
    out = pd.DataFrame({"account_id": features["account_id"].astype(str).to_numpy(),
                        "mcp_pass": ok, "mcp_reasons": reasons},
                       index=features.index)
    out.attrs["gates_not_applied"] = not_applied
    return out


def usable_scorecard(scorecard: Mapping[str, float] | None,
                     features: pd.DataFrame) -> tuple[dict[str, float] | None, list[str]]:
    """The scorecard rules whose column holds data, and the texts of the others.

    A rule on an empty column would give nobody its points and only squeeze the scale.
    Without any usable rule with positive points there is no scorecard to compare.

    Parameters
    ----------
    scorecard : mapping of str to number, optional
    features : pandas.DataFrame

    Returns
    -------
    usable : dict or None
        ``{rule text: points}`` of the applicable rules; ``None`` when none gives points.
    not_applied : list of str
        Rule texts left out for lack of data.
    """
    if not scorecard:
        return None, []
    parsed = parse_scorecard(scorecard, features)
    usable = {r.text: p for r, p in parsed if has_data(features, r.column)}
    not_applied = [r.text for r, _ in parsed if r.text not in usable]
    if sum(p for p in usable.values() if p > 0) <= 0:
        return None, not_applied
    return usable, not_applied


# --------------------------------------------------------------------------- fit score


def check_thresholds(strong: float, moderate: float) -> tuple[float, float]:
    """Validate the Strong / Moderate thresholds on the 0-100 scale.

    Parameters
    ----------
    strong, moderate : float
        Minimum score for Strong and for Moderate.

    Returns
    -------
    (float, float)
    """
    for name, v in (("fit_strong_min", strong), ("fit_moderate_min", moderate)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
            raise ParamError(f"{name} must be a score between 0 and 100, got {v!r}")
    if moderate >= strong:
        raise ParamError(f"fit_moderate_min ({moderate}) must be below fit_strong_min "
                         f"({strong}), otherwise no account can be Moderate")
    return float(strong), float(moderate)


def fit_buckets(scores, *, strong: float = 40.0, moderate: float = 20.0) -> pd.Series:
    """Strong / Moderate / Weak bucket per score; missing scores are ``"Excluded"``.

    Parameters
    ----------
    scores : array-like
        Fit scores 0-100 (NaN for accounts excluded by the MCP).
    strong, moderate : float
        Minimum score of the Strong and Moderate buckets.

    Returns
    -------
    pandas.Series
        Ordered categorical with categories Strong, Moderate, Weak, Excluded.
    """
    strong, moderate = check_thresholds(strong, moderate)
    s = np.asarray(scores, dtype=float)
    labels = np.where(np.isnan(s), EXCLUDED, np.where(s >= strong, "Strong",
                                                      np.where(s >= moderate, "Moderate", "Weak")))
    index = scores.index if isinstance(scores, pd.Series) else None
    return pd.Series(pd.Categorical(labels, categories=[*FIT_BUCKETS, EXCLUDED], ordered=True),
                     index=index, name="fit_bucket")


def fit_scores(features: pd.DataFrame, *, best_definition: str = "margin",
               best_top_share: float = 0.2, gates: Sequence[str] = (),
               strong: float = 40.0, moderate: float = 20.0,
               scorecard: Mapping[str, float] | None = None, scorecard_weight: float = 0.0,
               model: LookalikeModel | None = None, language: str = "en") -> pd.DataFrame:
    """Fit score 0-100 per account, with its bucket and MCP result.

    The score is ``100 x`` the look-alike model's calibrated probability that the account is
    a best customer, so 40 means "about 4 in 10 accounts like this one are best customers".
    With a ``scorecard`` and ``scorecard_weight`` w > 0 it is ``(1 - w) x model + w x
    scorecard``. Accounts failing the MCP gates get no score and the bucket ``"Excluded"``.

    This is the stable interface for other notebooks (e.g. key-account selection)::

        scores = icp.fit_scores(features)                      # defaults
        scores = icp.fit_scores(features, gates=["employees at least 20"], strong=50)

    Parameters
    ----------
    features : pandas.DataFrame
        ``helpers.data.features.account_features`` output (one row per account).
    best_definition : {"margin", "revenue_24m", "won"}
        How best customers are defined (see :func:`best_customers`); ignored when a fitted
        ``model`` is given.
    best_top_share : float
        Share of accounts counted as best for the ``top`` definitions.
    gates : sequence of str
        MCP gates (see :func:`mcp_check`). The model is trained on passing accounts only.
    strong, moderate : float
        Bucket thresholds on the 0-100 scale.
    scorecard : mapping, optional
        ``{rule text: points}``; needed when ``scorecard_weight > 0``.
    scorecard_weight : float
        Weight of the scorecard in the fit score, 0 (model only) to 1 (scorecard only).
    model : LookalikeModel, optional
        An already fitted model; otherwise one is fitted here.
    language : {"en", "zh"}
        Language of ``mcp_reasons`` (see :func:`mcp_check`).

    Returns
    -------
    pandas.DataFrame
        ``account_id, fit_score, fit_bucket, mcp_pass, mcp_reasons, model_score`` and, with a
        scorecard, ``scorecard_score``; one row per account in the order of ``features``.
    """
    strong, moderate = check_thresholds(strong, moderate)
    if isinstance(scorecard_weight, bool) or not isinstance(scorecard_weight, (int, float)) \
            or not 0 <= scorecard_weight <= 1:
        raise ParamError(f"scorecard_weight must be between 0 and 1, got {scorecard_weight!r}")
    if scorecard_weight > 0 and not scorecard:
        raise ParamError("scorecard_weight > 0 needs a scorecard")
    mcp = mcp_check(features, gates, language=language)
    passing = mcp["mcp_pass"].to_numpy()
    if not passing.any():
        raise ParamError(f"the MCP gates exclude every one of the {len(features)} accounts; "
                         "loosen mcp_gates")
    if model is None:
        best = best_customers(features, best_definition, best_top_share)
        model = LookalikeModel().fit(features[passing], best[passing])
    model_score = np.full(len(features), np.nan)
    model_score[passing] = 100 * model.predict_proba(features[passing])
    out = pd.DataFrame({"account_id": features["account_id"].astype(str).to_numpy()},
                       index=features.index)
    score = model_score
    if scorecard:
        card = scorecard_scores(features, scorecard)["scorecard_score"].to_numpy()
        card = np.where(passing, card, np.nan)
        score = (1 - scorecard_weight) * model_score + scorecard_weight * card
    out["fit_score"] = np.round(score, 1)
    out["fit_bucket"] = fit_buckets(out["fit_score"], strong=strong, moderate=moderate)
    out["mcp_pass"] = passing
    out["mcp_reasons"] = mcp["mcp_reasons"].to_numpy()
    out["model_score"] = np.round(model_score, 1)
    if scorecard:
        out["scorecard_score"] = np.round(card, 1)
    return out.reset_index(drop=True)


def score_disagreements(scores: pd.DataFrame, *, n: int = 10) -> tuple[float, pd.DataFrame]:
    """Where the look-alike model and the points scorecard disagree most.

    Both scores are turned into percentile ranks among the scored accounts; the gap is
    model rank minus scorecard rank (in percentage points).

    Parameters
    ----------
    scores : pandas.DataFrame
        With ``account_id, model_score, scorecard_score`` (from :func:`fit_scores` with a
        scorecard); other columns are kept.
    n : int
        Accounts returned per direction.

    Returns
    -------
    rho : float
        Spearman rank correlation of the two scores.
    table : pandas.DataFrame
        The ``n`` accounts the model rates most above the scorecard, then the ``n`` rated
        most below, with ``model_rank, scorecard_rank, gap, disagreement``.
    """
    s = scores.dropna(subset=["model_score", "scorecard_score"]).copy()
    if len(s) < 3:
        return float("nan"), s.assign(model_rank=[], scorecard_rank=[], gap=[], disagreement=[])
    rho = float(stats.spearmanr(s["model_score"], s["scorecard_score"]).statistic)
    s["model_rank"] = 100 * s["model_score"].rank(pct=True)
    s["scorecard_rank"] = 100 * s["scorecard_score"].rank(pct=True)
    s["gap"] = s["model_rank"] - s["scorecard_rank"]
    hi = s.nlargest(n, "gap").assign(disagreement="model rates higher")
    lo = s.nsmallest(n, "gap").assign(disagreement="scorecard rates higher")
    return rho, pd.concat([hi, lo], ignore_index=True)


# --------------------------------------------------------------------------- engagement matrix


def recent_engagement(ws, as_of, *, days: int = 180) -> pd.DataFrame:
    """Interactions per account in the last ``days`` days up to ``as_of`` (engine-side).

    Parameters
    ----------
    ws : Workspace
        Must provide ``interactions``.
    as_of : date-like
    days : int

    Returns
    -------
    pandas.DataFrame
        ``account_id, engagement`` for accounts with at least one interaction.
    """
    if not ws.has("interactions"):
        raise DataError("engagement needs the interactions table")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ParamError(f"engagement_days must be a positive whole number, got {days!r}")
    as_of = parse_as_of(as_of)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    t = ws.table("interactions")
    t = t.filter((t.timestamp < end) & (t.timestamp >= end - dt.timedelta(days=days)))
    out = t.group_by(account_id=t.account_id.cast("string")).aggregate(engagement=t.count())
    df = out.to_pandas()
    df["engagement"] = df["engagement"].astype("int64")
    return df


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
    s = scores[scores["fit_bucket"].astype(str) != EXCLUDED]
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


def plot_fit_engagement(summary: pd.DataFrame, *, ax=None, title: str = "",
                        language: str = "en"):
    """The 2x2 as four labelled boxes: quadrant, account count and action.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`quadrant_summary` (in the same ``language``).
    ax : matplotlib.axes.Axes, optional
    title : str
    language : {"en", "zh"}
        Language of the counts and axis labels.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import textwrap

    import matplotlib.pyplot as plt

    from helpers.presentation.plotting import PALETTE

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5))
    colors = {("high", "high"): PALETTE[2], ("high", "low"): PALETTE[3],
              ("low", "high"): PALETTE[1], ("low", "low"): PALETTE[6]}
    for row in summary.itertuples():
        x = 1 if row.engagement == "high" else 0
        y = 1 if row.fit == "high" else 0
        ax.add_patch(plt.Rectangle((x, y), 1, 1, color=colors[(row.fit, row.engagement)],
                                   alpha=0.35))
        action = "\n".join(textwrap.wrap(row.action, 30 if language == "en" else 16))
        count = i18n.t("customer_profiling.chart.n_accounts", language, n=f"{row.accounts:,}")
        ax.text(x + 0.5, y + 0.5, f"{row.quadrant}\n{count}\n\n{action}",
                ha="center", va="center", fontsize=9)
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_xticks([0.5, 1.5], [i18n.t(f"customer_profiling.chart.{k}", language)
                               for k in ("low_engagement", "high_engagement")])
    ax.set_yticks([0.5, 1.5], [i18n.t(f"customer_profiling.chart.{k}", language)
                               for k in ("weaker_fit", "strong_fit")])
    ax.grid(False)
    ax.set_title(title)
    return ax


# --------------------------------------------------------------------------- target lists


_TARGET_COLS = ("account_id", "account_name", "industry", "size_band", "region", "country",
                "employees")


def _with_names(scores: pd.DataFrame, features: pd.DataFrame, extra: Sequence[str]) -> pd.DataFrame:
    cols = [c for c in (*_TARGET_COLS, *extra) if c in features.columns]
    f = features[cols].copy()
    f["account_id"] = f["account_id"].astype(str)
    return scores.merge(f, on="account_id", how="left")


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
    s = _with_names(scores, features, ["order_count", "interactions_total", "opp_open"])
    s = s[(s["fit_bucket"].astype(str) == "Strong") & (s["order_count"].fillna(0) == 0)]
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
    s = _with_names(scores, features, ["is_competitor_customer", "order_count", "revenue_12m"])
    s = s[(s["fit_bucket"].astype(str) == "Strong")
          & s["is_competitor_customer"].fillna(False).astype(bool)]
    return s.sort_values("fit_score", ascending=False, ignore_index=True)


def deal_bands(avg_order_value, bands: int = 3) -> pd.Series:
    """Deal-size band per customer: equal-count bands of the average order value.

    Parameters
    ----------
    avg_order_value : array-like
        Average order value per customer (missing or non-positive values get no band).
    bands : int
        Number of bands; fewer when there are fewer distinct values.

    Returns
    -------
    pandas.Series
        ``"D1"`` (smallest deals) .. ``"D<bands>"``, missing where the value is unknown.
    """
    v = pd.to_numeric(pd.Series(avg_order_value), errors="coerce").astype(float)
    ok = v.notna() & (v > 0)
    out = pd.Series(pd.NA, index=v.index, dtype="object")
    if not ok.any() or bands < 1:
        return out
    ranks = v[ok].rank(method="first")
    k = int(min(bands, ok.sum()))
    codes = pd.qcut(ranks, k, labels=False)
    out[ok] = [f"D{int(c) + 1}" for c in codes]
    return out


def whitespace(ws, as_of, features: pd.DataFrame, *,
               peer_keys: Sequence[str] = ("industry",), days: int = 365,
               min_adoption: float = 0.5, min_peers: int = 10, bands: int = 3,
               alpha: float = 0.05, method: str = "bh") -> pd.DataFrame:
    """Cross-sell whitespace: product lines that comparable customers buy more than expected.

    Peers are the customers (an order in the window) with the same ``peer_keys`` values
    **and** the same deal-size band (:func:`deal_bands` of the average order value in the
    window), so a large account is never measured against small ones. A product line is
    whitespace for a peer group only when

    - at least ``min_adoption`` of the peers buy it, and
    - the peers buy it reliably more often than the other customers of the same deal-size
      band, i.e. more than the account's size alone would predict: Fisher's exact test
      (:func:`helpers.stats.multiple_testing.lift_test`), corrected over every (peer group,
      product line) candidate with ``method``, adjusted p-value below ``alpha``.

    A line that merely follows deal size is bought as often by every peer group in the band
    and is never whitespace. Product-line revenue per account is summed in the engine over
    the last ``days`` days.

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    features : pandas.DataFrame
        Account features (for the peer keys and names).
    peer_keys : sequence of str
        Attributes that define "similar accounts", besides the deal-size band.
    days : int
        Look-back window for "buys".
    min_adoption : float
        A line needs at least this share of the peers buying it.
    min_peers : int
        Peer groups with fewer customers are skipped.
    bands : int
        Number of deal-size bands.
    alpha, method : float, str
        Level and correction of the test against the deal-size band.

    Returns
    -------
    pandas.DataFrame
        ``account_id, account_name, <peer keys>, deal_band, product_line, peers,
        peer_adoption, expected_adoption, p_adjusted, peer_median_revenue`` (the median
        window revenue on that line among peers who buy it: a size for the opportunity),
        largest opportunity first. ``attrs["tested"]`` holds every tested (peer group,
        line) with its p-values and ``significant`` flag. Peer keys without data are left
        out, and so are orders without a product line and accounts whose peer key is
        unknown; when nothing can be tested the frame is empty and ``attrs["problem"]``
        says why (``"no_peer_keys"`` or ``"no_product_lines"``).
    """
    if not 0 < min_adoption <= 1:
        raise ParamError(f"whitespace_min_adoption must be between 0 and 1, got {min_adoption!r}")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ParamError(f"whitespace_days must be a positive whole number, got {days!r}")
    for k in peer_keys:
        if k not in features.columns:
            raise ParamError(f"peer key {k!r} is not an account feature")
    as_of = parse_as_of(as_of)
    # a peer group on a key nobody recorded would make every customer everyone's peer
    peer_keys = [k for k in peer_keys if has_data(features, k, distinct=2)]
    cols = ["account_id", "account_name", *peer_keys, "deal_band", "product_line", "peers",
            "peer_adoption", "expected_adoption", "p_adjusted", "peer_median_revenue"]
    tested_cols = ["peer_group", "deal_band", "product_line", "peers", "buyers",
                   "peer_adoption", "expected_adoption", "lift", "p_value", "p_adjusted",
                   "significant", "peer_median_revenue"]

    def empty(problem=None):
        frame = pd.DataFrame(columns=cols)
        if problem:
            frame.attrs["problem"] = problem
        frame.attrs["tested"] = pd.DataFrame(columns=tested_cols)
        return frame

    if not peer_keys:
        return empty("no_peer_keys")
    o = ws.table("orders")
    line = o.product_line.cast("string").strip()
    o = o.filter((o.order_date <= as_of) & (o.order_date > as_of - dt.timedelta(days=days))
                 & (o.amount >= 0) & line.notnull() & (line != ""))
    lines = o.group_by(account_id=o.account_id.cast("string"),
                       product_line=o.product_line.cast("string").strip()).aggregate(
        revenue=o.amount.sum(), orders=o.count()).to_pandas()
    if lines.empty:
        return empty("no_product_lines")
    keys = features[["account_id", *peer_keys]].copy()
    keys["account_id"] = keys["account_id"].astype(str)
    keys["peer_group"] = _attribute_values(features, list(peer_keys))[1].to_numpy()
    keys = keys[~keys["peer_group"].str.contains(_MISSING, regex=False)]
    buyers = lines.merge(keys[["account_id", "peer_group"]], on="account_id", how="inner")
    if buyers.empty:
        return empty()
    per_account = buyers.groupby("account_id").agg(
        revenue=("revenue", "sum"), orders=("orders", "sum"), peer_group=("peer_group", "first"))
    per_account["deal_band"] = deal_bands(per_account["revenue"] / per_account["orders"],
                                          bands).to_numpy()
    per_account = per_account[per_account["deal_band"].notna()]
    customers = per_account[["peer_group", "deal_band"]].reset_index()
    customers["peer_group"] = customers["peer_group"] + " × " + customers["deal_band"]
    buyers = buyers.drop(columns="peer_group").merge(customers, on="account_id", how="inner")
    peers = customers.groupby("peer_group").size().rename("peers")
    band_n = customers.groupby("deal_band").size().rename("band_n")
    adopt = buyers.groupby(["peer_group", "deal_band", "product_line"]).agg(
        buyers=("account_id", "nunique"), peer_median_revenue=("revenue", "median")).reset_index()
    band_buyers = buyers.groupby(["deal_band", "product_line"])["account_id"].nunique() \
        .rename("band_buyers").reset_index()
    adopt = adopt.merge(peers, on="peer_group").merge(band_n, on="deal_band") \
        .merge(band_buyers, on=["deal_band", "product_line"])
    adopt["peer_adoption"] = adopt["buyers"] / adopt["peers"]
    rest_n = adopt["band_n"] - adopt["peers"]
    rest_buyers = adopt["band_buyers"] - adopt["buyers"]
    adopt["expected_adoption"] = np.where(rest_n > 0, rest_buyers / rest_n.where(rest_n > 0),
                                          np.nan)
    cand = adopt[(adopt["peers"] >= min_peers) & (adopt["peer_adoption"] >= min_adoption)].copy()
    tests = [multiple_testing.lift_test(b, n, rb, rn) for b, n, rb, rn in zip(
        cand["buyers"], cand["peers"], rest_buyers[cand.index], rest_n[cand.index], strict=True)]
    cand["lift"] = [r["lift"] for r in tests]
    cand["p_value"] = [r["p_value"] for r in tests]
    cand = multiple_testing.mark_family(cand, alpha=alpha, method=method)
    cand["significant"] = cand["significant"] & (cand["lift"] > 1)
    tested = cand[tested_cols].sort_values("p_value", ignore_index=True)
    good = cand[cand["significant"]]
    # Every (customer, reliably popular line) pair, minus what the customer already buys.
    pairs = customers.merge(good.drop(columns="deal_band"), on="peer_group")
    have = buyers[["account_id", "product_line"]].drop_duplicates().assign(_has=True)
    pairs = pairs.merge(have, on=["account_id", "product_line"], how="left")
    pairs = pairs[pairs["_has"].isna()]
    names = features[["account_id", "account_name", *peer_keys]].copy()
    names["account_id"] = names["account_id"].astype(str)
    pairs = pairs.merge(names, on="account_id", how="left")
    pairs = pairs.sort_values(["peer_median_revenue", "peer_adoption"], ascending=False)
    out = pairs[cols].reset_index(drop=True)
    out.attrs["tested"] = tested
    return out


def whitespace_findings(space: pd.DataFrame, log, *, total_revenue: float = np.nan,
                        currency: str = "", alpha: float = 0.05, method: str = "bh",
                        language: str = "en"):
    """The whitespace as one evidence-gated finding (and its honest fallback).

    The whitespace value is stated only when some (peer group, product line) survived the
    test against the same deal-size band in :func:`whitespace`; the evidence names the
    family of every tested candidate.

    Parameters
    ----------
    space : pandas.DataFrame
        :func:`whitespace` output (with ``attrs["tested"]``).
    log : helpers.presentation.findings.FindingLog
    total_revenue : float
        Revenue the value is weighed against for the impact.
    currency : str
    alpha, method : float, str
        As used in :func:`whitespace`.
    language : {"en", "zh"}

    Returns
    -------
    (finding, summary) : (helpers.presentation.findings.Finding, str)
        The report sentence (as ``finding.shown``) and the shorter plain-text summary
        ("" when not stated).
    """
    from helpers.presentation.findings import Evidence, gated, impact_weight

    tested = space.attrs.get("tested")
    tested = tested if tested is not None else pd.DataFrame(columns=["p_value", "p_adjusted"])
    n_tested = int(tested["p_value"].notna().sum()) if len(tested) else 0
    stated = len(space) > 0
    p_adj = (float(space["p_adjusted"].max()) if stated
             else float(tested["p_adjusted"].min()) if n_tested else np.nan)
    if not stated:
        fallback = i18n.t("customer_profiling.whitespace.none_reliable" if n_tested
                          else "customer_profiling.no_whitespace", language, n=f"{n_tested:,}")
        f = gated(fallback, passed=False, kind="comparison", gate=fallback, fallback=fallback,
                  evidence=Evidence("Fisher exact vs same deal-size band", n=n_tested,
                                    p_adjusted=p_adj, family="whitespace (peer group × line)",
                                    family_size=n_tested, method=method))
        log.add(f)
        return f, ""
    by_line = whitespace_by_line(space)
    top = by_line["potential"].idxmax()
    value = float(space["peer_median_revenue"].sum())
    values = dict(customers=f"{space['account_id'].nunique():,}", openings=f"{len(space):,}",
                  value=f"{value:,.0f}", currency=currency, line=top,
                  line_accounts=f"{int(by_line['accounts'][top]):,}", n=f"{n_tested:,}")
    text = i18n.t("customer_profiling.finding.whitespace", language, **values)
    f = gated(text, passed=True, kind="comparison",
              evidence=Evidence("Fisher exact vs same deal-size band", effect=value,
                                n=len(space), p_adjusted=p_adj,
                                family="whitespace (peer group × line)", family_size=n_tested,
                                method=method, effect_label=f"{currency} a year"),
              impact=impact_weight(value, total_revenue),
              action=i18n.t("customer_profiling.action.whitespace", language, line=top))
    log.add(f)
    return f, i18n.t("customer_profiling.summary.whitespace", language, **values)


def model_gate(model: LookalikeModel | None, *, min_auc: float = 0.6) -> bool:
    """Whether the look-alike model ranks accounts well enough to state its signs and lists.

    The cross-validated ROC-AUC must reach ``min_auc`` and every fold must beat chance.
    """
    if model is None or not np.isfinite(model.cv_auc_):
        return False
    return bool(model.cv_auc_ >= min_auc and np.nanmin(model.cv_auc_folds_) > 0.5)


# --------------------------------------------------------------------------- export


def whitespace_by_line(space: pd.DataFrame) -> pd.DataFrame:
    """Whitespace per product line: accounts with an opening and their summed potential.

    Parameters
    ----------
    space : pandas.DataFrame
        Output of :func:`whitespace`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``product_line``: ``accounts`` (distinct accounts) and ``potential`` (sum of
        ``peer_median_revenue``), largest potential first.
    """
    by_line = space.groupby("product_line").agg(accounts=("account_id", "nunique"),
                                                potential=("peer_median_revenue", "sum"))
    return by_line.sort_values("potential", ascending=False)


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


# --------------------------------------------------------------------------- report notes


def best_note(choice: BestChoice, top_share: float = 0.2, *, min_best: int = 10,
              language: str = "en") -> str | None:
    """The one line a report shows about the best-customer definition, or ``None``.

    A skip note when no definition gives enough best customers; a fallback note when
    another definition than the requested one is used; nothing otherwise.

    Parameters
    ----------
    choice : BestChoice
        Output of :func:`choose_best`.
    top_share : float
    min_best : int
        As given to :func:`choose_best`.
    language : {"en", "zh"}

    Returns
    -------
    str or None
    """
    if choice.definition is None:
        return i18n.t(f"customer_profiling.plan.best.{choice.problem}", language,
                      best=describe_best(choice.requested, top_share, language=language),
                      n=f"{min_best:,}")
    if choice.fell_back:
        return i18n.t(f"customer_profiling.plan.fallback.{choice.requested}", language,
                      best=describe_best(choice.definition, top_share, language=language))
    return None


def model_note(problem: str | None, language: str = "en") -> str | None:
    """The skip line for a look-alike model that cannot be fitted (see :func:`fit_lookalike`)."""
    return i18n.t(f"customer_profiling.plan.model.{problem}", language) if problem else None


def model_finding(model: LookalikeModel, factors: pd.DataFrame, language: str = "en") -> str:
    """The finding on the model's quality and its strongest signs, each part when it exists.

    Parameters
    ----------
    model : LookalikeModel
        Fitted.
    factors : pandas.DataFrame
        :meth:`LookalikeModel.factors` output.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    def t(key: str, **values) -> str:
        return i18n.t(f"customer_profiling.{key}", language, **values)

    up = factors[factors["effect"] > 0].head(3)
    down = factors[factors["effect"] < 0].head(2)
    sep = t("join.sep")
    ups = sep.join(t("finding.factor_up", factor=f, odds=f"{o:.1f}")
                   for f, o in zip(up["factor"], up["odds_ratio"], strict=True))
    downs = sep.join(t("finding.factor_down", factor=f, odds=f"{o:.1f}")
                     for f, o in zip(down["factor"], down["odds_ratio"], strict=True))
    values = dict(auc=f"{model.cv_auc_:.2f}", lo=f"{np.nanmin(model.cv_auc_folds_):.2f}",
                  hi=f"{np.nanmax(model.cv_auc_folds_):.2f}", n=f"{model.n_train_:,}")
    if ups and downs:
        return t("finding.model", up=ups, down=downs, **values)
    text = t("finding.model_fit", **values)
    if ups:
        text += t("finding.model_up", up=ups)
    if downs:
        text += t("finding.model_down", down=downs)
    return text


def export_finding(profiles: int | None, prospects: int | None, rivals: int | None,
                   openings: int | None, language: str = "en") -> str:
    """The sentence on what was exported; a part the data cannot support is left out.

    Parameters
    ----------
    profiles, prospects, rivals, openings : int or None
        Rows written per export; ``None`` when that export was not produced.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    counts = {"profiles": profiles, "prospects": prospects, "rivals": rivals,
              "openings": openings}
    if all(v is not None for v in counts.values()):
        return i18n.t("customer_profiling.finding.export", language,
                      **{k: f"{v:,}" for k, v in counts.items()})
    items = [i18n.t(f"customer_profiling.export.{k}", language, n=f"{v:,}")
             for k, v in counts.items() if v is not None]
    if not items:
        return i18n.t("customer_profiling.no_export", language)
    return i18n.t("customer_profiling.finding.export_files", language, items=_join(items, language))


# --------------------------------------------------------------------------- notebook steps

#: How the evidence tables mark whether a test survives the family correction.
SURVIVES = {True: "✓", False: "–"}


def lift_evidence(lift: pd.DataFrame, *, language: str = "en", rows: int | None = None
                  ) -> pd.DataFrame:
    """The tested attribute values of :func:`attribute_lift` as the analyst table.

    Supported values with a p-value, those that survive the family correction first, then
    by p-value.

    Parameters
    ----------
    lift : pandas.DataFrame
        :func:`attribute_lift`.
    language : {"en", "zh"}
        Attribute names.
    rows : int, optional
        Most rows returned.

    Returns
    -------
    pandas.DataFrame
        Rounded to 3 digits, p-values as text; empty when nothing was tested.
    """
    from helpers.analysis.profiling import p_text, readable

    family = lift[lift.supported & lift.p_value.notna()].sort_values(
        ["significant", "p_value"], ascending=[False, True])
    shown = family.assign(
        attribute=[attribute_label(a, language) for a in family.attribute],
        survives=family.significant.map(SURVIVES), p_adjusted=family.p_adjusted.map(p_text))[
        ["attribute", "value", "accounts", "best_accounts", "share_of_best", "share_of_rest", "lift",
         "ci_low", "ci_high", "p_adjusted", "survives"]]
    return readable(shown.head(rows) if rows is not None else shown, digits=3)


def grid_percent(grid: pd.DataFrame, *, rename: dict | None = None, language: str = "en",
                 rows: str = "industry", columns: str = "size_band") -> pd.DataFrame:
    """:func:`best_rate_grid` in percent, with display names and axis titles for the heatmap.

    Parameters
    ----------
    grid : pandas.DataFrame
        Share of best customers per cell (0-1).
    rename : dict, optional
        Display names of row and column values.
    language : {"en", "zh"}
    rows, columns : str
        The attributes of the grid (axis titles).

    Returns
    -------
    pandas.DataFrame
    """
    return (grid * 100).rename(index=rename or {}, columns=rename or {}).rename_axis(
        index=attribute_label(rows, language), columns=attribute_label(columns, language))


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


def _gate_counts(by_gate: pd.Series, key: str, language: str) -> str:
    return i18n.t("customer_profiling.join.parts", language).join(
        i18n.t(key, language, n=f"{n:,}", gate=g) for g, n in by_gate.items())


def mcp_method_text(by_gate: pd.Series, failing: int, total: int, language: str = "en") -> str:
    """The MCP paragraph of the method section.

    Parameters
    ----------
    by_gate : pandas.Series
        :func:`gate_failures`.
    failing, total : int
        Accounts failing the MCP, all accounts.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    if by_gate.empty:
        return i18n.t("customer_profiling.mcp_no_gates", language)
    return i18n.t("customer_profiling.method.mcp", language, failing=f"{failing:,}", total=f"{total:,}",
                  gates=_gate_counts(by_gate, "customer_profiling.method.mcp_gate", language))


def mcp_finding(by_gate: pd.Series, failing: int, total: int, language: str = "en") -> str:
    """How many accounts fail the MCP, and on which gate.

    Parameters
    ----------
    by_gate : pandas.Series
        :func:`gate_failures`.
    failing, total : int
        Accounts failing the MCP (at least one), all accounts.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    return i18n.t("customer_profiling.finding.mcp", language, failing=f"{failing:,}",
                  total=f"{total:,}", share=f"{failing / total:.0%}",
                  gates=_gate_counts(by_gate, "customer_profiling.finding.mcp_gate", language))


def model_basis(levels: Mapping[str, Sequence[str]], numbers: Sequence[str],
                language: str = "en") -> str:
    """The sentence naming the attributes the look-alike model learned from.

    Parameters
    ----------
    levels : mapping
        :func:`surviving_levels` (attribute to its values).
    numbers : sequence of str
        Numeric attributes related to being a best customer.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    parts = ([f"{attribute_label(a, language)} ({', '.join(v)})" for a, v in levels.items()]
             + [attribute_label(a, language) for a in numbers])
    return i18n.t("customer_profiling.finding.model_basis", language,
                  attributes=i18n.t("customer_profiling.join.parts", language).join(parts))


def disagreement_table(disagree: pd.DataFrame, features: pd.DataFrame, card: pd.DataFrame
                       ) -> pd.DataFrame:
    """The accounts where model and scorecard disagree most, with who they are.

    Parameters
    ----------
    disagree : pandas.DataFrame
        :func:`score_disagreements`.
    features : pandas.DataFrame
        Account features.
    card : pandas.DataFrame
        :func:`scorecard_scores` (``scorecard_matched``).

    Returns
    -------
    pandas.DataFrame
    """
    who = features[["account_id", "account_name", "industry", "size_band", "employees"]]
    return disagree.merge(who, on="account_id").merge(card[["account_id", "scorecard_matched"]],
                                                      on="account_id")


def disagreement_view(shown: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:func:`disagreement_table` with its columns in order and the side in words.

    Parameters
    ----------
    shown : pandas.DataFrame
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
    """
    sides = {"model rates higher": i18n.t("customer_profiling.disagreement.model", language),
             "scorecard rates higher": i18n.t("customer_profiling.disagreement.scorecard", language)}
    return shown.assign(disagreement=shown.disagreement.replace(sides))[
        ["account_id", "account_name", "industry", "size_band", "employees", "model_score",
         "scorecard_score", "gap", "disagreement", "scorecard_matched"]]


def scorecard_finding(shown: pd.DataFrame, rho: float, language: str = "en") -> str:
    """How closely model and scorecard agree and where each rates higher.

    Parameters
    ----------
    shown : pandas.DataFrame
        :func:`disagreement_table`.
    rho : float
        Rank correlation of the two scores.
    language : {"en", "zh"}

    Returns
    -------
    str
        Empty when either side has no industry or the correlation is unknown.
    """
    model_hi = shown[shown.disagreement == "model rates higher"].industry.dropna().mode()
    card_hi = shown[shown.disagreement == "scorecard rates higher"].industry.dropna().mode()
    if not (len(model_hi) and len(card_hi) and pd.notna(rho)):
        return ""
    return i18n.t("customer_profiling.finding.scorecard", language, rho=f"{rho:.2f}",
                  model_hi=model_hi.iloc[0], card_hi=card_hi.iloc[0])


def plot_model_vs_card(scores: pd.DataFrame, *, title: str = "", xlabel: str = "",
                       ylabel: str = ""):
    """Scatter of scorecard score against model score, one point per account.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores`.
    title, xlabel, ylabel : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = scores.plot.scatter(x="scorecard_score", y="model_score", alpha=0.3, s=8, figsize=(6, 4.5))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def bucket_counts(scores: pd.DataFrame) -> pd.Series:
    """Accounts per fit bucket, Strong to Excluded, zeros included.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`fit_scores` (``fit_bucket``).

    Returns
    -------
    pandas.Series
        Integer counts indexed by bucket.
    """
    return scores.fit_bucket.value_counts().reindex([*FIT_BUCKETS, EXCLUDED]).fillna(0).astype(int)


def plot_fit_overview(buckets: pd.Series, fit_score: pd.Series, *, buckets_title: str = "",
                      score_title: str = "", score_axis: str = "", accounts_axis: str = ""):
    """Accounts per bucket beside the distribution of fit scores.

    Parameters
    ----------
    buckets : pandas.Series
        :func:`bucket_counts`, indexed by the bucket names to show.
    fit_score : pandas.Series
        Fit scores of the scored accounts.
    buckets_title, score_title, score_axis, accounts_axis : str
        Panel titles and axis labels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from helpers.presentation import plotting

    fig, axes = plt.subplots(1, 2, figsize=(13, 3.6))
    plotting.plot_bar(buckets, ax=axes[0], title=buckets_title, horizontal=False)
    axes[0].tick_params(axis="x", rotation=0)
    plotting.plot_distribution(fit_score.dropna(), ax=axes[1], title=score_title, xlabel=score_axis,
                               log=False)
    axes[1].set_ylabel(accounts_axis)
    plt.tight_layout()
    return fig


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
    return scores[scores.fit_bucket == "Strong"].merge(
        features[["account_id", "order_count", "revenue_12m"]], on="account_id")


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
    return scores[scores.mcp_pass].merge(features[["account_id", "revenue_12m"]], on="account_id")
