"""A/B tests: counts per arm, significance, intervals, Bayesian odds, power and verdicts.

Every ``experiment_id`` in ``interactions`` is one test. A *unit* (a contact, or the account
when the contact is unknown) is exposed when it has an ``exposure_event`` row of the
experiment and converts when it also has a ``conversion_event`` row of the same experiment.
Counting happens in the engine; the statistics run on the few resulting numbers and use
statsmodels and scipy so they match the published implementations:

- two-proportion z-test with pooled variance (``statsmodels proportions_ztest``), or
  Fisher's exact test when an expected cell count is below 5;
- the confidence interval of the difference B - A (``confint_proportions_2indep``,
  Newcombe's method by default);
- the Bayesian probability that B's rate beats A's under Beta priors, in closed form;
- power at the observed sample size and the minimum detectable effect
  (``NormalIndPower`` with Cohen's h);
- a sample-ratio-mismatch check (chi-square goodness of fit);
- one family correction across all experiments shown together, through the shared
  :func:`helpers.stats.multiple_testing.adjust` (Benjamini-Hochberg by default, Holm on request).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import integrate, special, stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
)

from helpers.analysis.content.formats import format_value
from helpers.analysis.content.labels import md_escape
from helpers.core.errors import DataError, ParamError
from helpers.core.params import as_of_end
from helpers.presentation import findings as fnd
from helpers.presentation import i18n
from helpers.stats import multiple_testing

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "CI_METHODS",
    "CORRECTIONS",
    "MIN_EXPECTED",
    "UNITS",
    "adjust_pvalues",
    "brief_table",
    "chart_text",
    "evaluate_experiments",
    "experiment_counts",
    "experiment_findings",
    "peeking_false_positive_rate",
    "peeking_note",
    "plot_experiments",
    "power_and_mde",
    "prob_b_beats_a",
    "result_lines",
    "srm_check",
    "two_proportion_test",
    "variant_note",
]

#: Accepted correction names: those of :data:`helpers.stats.multiple_testing.METHODS`, plus the
#: statsmodels spelling ``fdr_bh`` kept for older parameter files.
CORRECTIONS = {**multiple_testing.METHODS, "fdr_bh": "fdr_bh"}
CI_METHODS = ("newcombe", "wald", "agresti-caffo", "score")
UNITS = ("contact", "account")
#: Smallest expected cell count for the normal approximation; below it Fisher's test is used.
MIN_EXPECTED = 5.0


# --------------------------------------------------------------------------- counting


def experiment_counts(ws: Workspace, as_of, *, exposure_event: str = "exposure",
                      conversion_event: str = "conversion", unit: str = "contact") -> pd.DataFrame:
    """Exposed and converted units per experiment and variant, counted in the engine.

    Parameters
    ----------
    ws : Workspace
        Needs the ``interactions`` table with ``experiment_id`` and ``variant``.
    as_of : date-like
        Rows after this day are ignored.
    exposure_event, conversion_event : str
        ``event_type`` values that mark an exposure and a conversion.
    unit : {"contact", "account"}
        What is randomised. Contacts fall back to their account when ``contact_id`` is
        missing.

    Returns
    -------
    pandas.DataFrame
        ``experiment_id, variant, units, conversions, first_day, last_day``; one row per
        experiment and variant, sorted.
    """
    if unit not in UNITS:
        raise ParamError(f"unit {unit!r} is not supported; use one of {', '.join(UNITS)}")
    out = _query_counts(ws, as_of, exposure_event=exposure_event,
                        conversion_event=conversion_event, unit=unit)
    out = out.sort_values(["experiment_id", "variant"]).reset_index(drop=True)
    out["units"] = out["units"].astype("int64")
    out["conversions"] = out["conversions"].astype("int64")
    return out


def _query_counts(ws: Workspace, as_of, *, exposure_event: str, conversion_event: str,
                  unit: str) -> pd.DataFrame:
    """The engine count of :func:`experiment_counts`, unsorted."""
    if not ws.has("interactions"):
        raise DataError("A/B tests need the interactions table, which the data source lacks")
    t = ws.table("interactions")
    missing = [c for c in ("experiment_id", "variant") if c not in t.columns]
    if missing:
        raise DataError(f"A/B tests need interactions.{missing[0]}, which the data lacks")
    t = t.filter(t.experiment_id.notnull() & t.variant.notnull()
                 & (t.timestamp < as_of_end(as_of)))
    if unit == "contact" and "contact_id" in t.columns:
        who = t.contact_id.cast("string").coalesce(t.account_id.cast("string"))
    else:
        who = t.account_id.cast("string")
    t = t.mutate(_unit=who, _ev=t.event_type.cast("string"))
    exp = t.filter(t._ev == exposure_event)
    conv = t.filter(t._ev == conversion_event).select(
        c_exp=t.experiment_id, c_var=t.variant, c_unit=t._unit).distinct()
    units = exp.group_by(["experiment_id", "variant", "_unit"]).aggregate(
        first=exp.timestamp.min(), last=exp.timestamp.max())
    joined = units.left_join(conv, (units.experiment_id == conv.c_exp)
                             & (units.variant == conv.c_var) & (units._unit == conv.c_unit))
    return joined.group_by(["experiment_id", "variant"]).aggregate(
        units=joined.count(),
        conversions=joined.count(where=joined.c_unit.notnull()),
        first_day=joined.first.min().date(),
        last_day=joined.last.max().date(),
    ).to_pandas()


# --------------------------------------------------------------------------- statistics


def _check_counts(x, n, label):
    if n < 0 or x < 0 or x > n:
        raise ParamError(f"{label}: need 0 <= conversions <= units, got {x} of {n}")


def two_proportion_test(x_a: int, n_a: int, x_b: int, n_b: int, *, alpha: float = 0.05,
                        method: str = "auto", ci_method: str = "newcombe") -> dict:
    """Compare conversion rates of arm B against arm A.

    Parameters
    ----------
    x_a, n_a, x_b, n_b : int
        Conversions and units of arms A (control) and B (treatment).
    alpha : float
        Two-sided significance level; the interval has confidence ``1 - alpha``.
    method : {"auto", "z", "fisher"}
        ``auto`` uses the pooled z-test unless an expected cell count is below
        :data:`MIN_EXPECTED`, where Fisher's exact test is used.
    ci_method : str
        Method of ``statsmodels.stats.proportion.confint_proportions_2indep`` for the
        interval of the difference.

    Returns
    -------
    dict
        ``rate_a, rate_b, diff`` (B - A), ``lift`` (B / A - 1), ``test``, ``statistic``
        (z, or the odds ratio for Fisher), ``p_value``, ``ci_low, ci_high`` (of the
        difference).
    """
    _check_counts(x_a, n_a, "arm A")
    _check_counts(x_b, n_b, "arm B")
    if n_a == 0 or n_b == 0:
        raise ParamError("both arms need at least one unit to compare rates")
    if not 0 < alpha < 1:
        raise ParamError(f"alpha must lie between 0 and 1, got {alpha}")
    if method not in ("auto", "z", "fisher"):
        raise ParamError(f"method {method!r} is not supported; use auto, z or fisher")
    if ci_method not in CI_METHODS:
        raise ParamError(f"ci_method {ci_method!r} is not supported; use one of "
                         f"{', '.join(CI_METHODS)}")
    rate_a, rate_b = x_a / n_a, x_b / n_b
    pooled = (x_a + x_b) / (n_a + n_b)
    expected = min(n_a, n_b) * min(pooled, 1 - pooled)
    use_fisher = method == "fisher" or (method == "auto" and expected < MIN_EXPECTED)
    if use_fisher:
        res = stats.fisher_exact([[x_b, n_b - x_b], [x_a, n_a - x_a]])
        test, statistic, p_value = "Fisher exact", float(res.statistic), float(res.pvalue)
    elif pooled in (0.0, 1.0):
        # Identical all-or-nothing arms: no evidence of a difference, and z is undefined.
        test, statistic, p_value = "z-test", 0.0, 1.0
    else:
        z, p = proportions_ztest([x_b, x_a], [n_b, n_a])
        test, statistic, p_value = "z-test", float(z), float(p)
    low, high = confint_proportions_2indep(x_b, n_b, x_a, n_a, method=ci_method,
                                           compare="diff", alpha=alpha)
    return {
        "rate_a": rate_a, "rate_b": rate_b, "diff": rate_b - rate_a,
        "lift": rate_b / rate_a - 1 if rate_a > 0 else np.nan,
        "test": test, "statistic": statistic, "p_value": p_value,
        "ci_low": float(low), "ci_high": float(high),
    }


def prob_b_beats_a(x_a: int, n_a: int, x_b: int, n_b: int, *,
                   prior: tuple[float, float] = (1.0, 1.0)) -> float:
    """Posterior probability that B's conversion rate exceeds A's.

    Each arm's rate gets a ``Beta(prior[0] + conversions, prior[1] + failures)``
    posterior. With a whole-number first posterior parameter of B the probability has a
    closed form (a finite sum of Beta functions); otherwise it is integrated numerically.

    Parameters
    ----------
    x_a, n_a, x_b, n_b : int
        Conversions and units per arm.
    prior : (float, float)
        Beta prior parameters shared by both arms; ``(1, 1)`` is uniform.

    Returns
    -------
    float
    """
    _check_counts(x_a, n_a, "arm A")
    _check_counts(x_b, n_b, "arm B")
    a0, b0 = prior
    if a0 <= 0 or b0 <= 0:
        raise ParamError(f"prior parameters must be positive, got {prior}")
    alpha_a, beta_a = a0 + x_a, b0 + n_a - x_a
    alpha_b, beta_b = a0 + x_b, b0 + n_b - x_b
    if float(alpha_b).is_integer():
        i = np.arange(int(alpha_b))
        terms = (special.betaln(alpha_a + i, beta_a + beta_b) - np.log(beta_b + i)
                 - special.betaln(1 + i, beta_b) - special.betaln(alpha_a, beta_a))
        return float(np.clip(np.exp(special.logsumexp(terms)), 0.0, 1.0))
    dist_a, dist_b = stats.beta(alpha_a, beta_a), stats.beta(alpha_b, beta_b)
    lo, hi = dist_b.ppf(1e-12), dist_b.ppf(1 - 1e-12)
    value, _ = integrate.quad(lambda p: dist_b.pdf(p) * dist_a.cdf(p), lo, hi, limit=200,
                              points=[dist_b.mean()])
    return float(np.clip(value, 0.0, 1.0))


def _rate_from_h(p_a: float, h: float) -> float:
    return float(np.sin(np.arcsin(np.sqrt(p_a)) + h / 2) ** 2)


def power_and_mde(rate_a: float, n_a: int, n_b: int, *, alpha: float = 0.05,
                  power: float = 0.8, min_lift: float = 0.2) -> dict:
    """Power and minimum detectable effect of a two-arm test at its sample size.

    Effects are measured with Cohen's h (``proportion_effectsize``) and solved with
    ``statsmodels.stats.power.NormalIndPower`` for a two-sided test.

    Parameters
    ----------
    rate_a : float
        Control conversion rate (the baseline).
    n_a, n_b : int
        Units per arm.
    alpha : float
        Significance level.
    power : float
        Target power for the minimum detectable effect and the required sample size.
    min_lift : float
        Smallest relative lift worth detecting (0.2 = B converts 20 % better than A).

    Returns
    -------
    dict
        ``power`` (to detect ``min_lift`` with the current sizes), ``mde_rate`` (smallest
        B rate detectable with ``power``), ``mde_lift`` (relative), ``n_required`` (units
        per arm needed to detect ``min_lift`` with equal arms).
    """
    if not 0 < power < 1:
        raise ParamError(f"power must lie between 0 and 1, got {power}")
    if min_lift <= 0:
        raise ParamError(f"min_lift must be positive (0.2 means +20 %), got {min_lift}")
    nan = {"power": np.nan, "mde_rate": np.nan, "mde_lift": np.nan, "n_required": np.nan}
    if not 0 < rate_a < 1 or n_a < 2 or n_b < 2:
        return nan
    target = min(rate_a * (1 + min_lift), 1.0)
    h_target = abs(float(proportion_effectsize(target, rate_a)))
    analysis = NormalIndPower()
    ratio = n_b / n_a
    achieved = analysis.power(effect_size=h_target, nobs1=n_a, alpha=alpha, ratio=ratio,
                              alternative="two-sided")
    h_mde = analysis.solve_power(effect_size=None, nobs1=n_a, alpha=alpha, power=power,
                                 ratio=ratio, alternative="two-sided")
    h_mde = float(np.atleast_1d(h_mde)[0])
    mde_rate = _rate_from_h(rate_a, h_mde) if h_mde / 2 + np.arcsin(np.sqrt(rate_a)) < np.pi / 2 \
        else 1.0
    needed = analysis.solve_power(effect_size=h_target, nobs1=None, alpha=alpha, power=power,
                                  ratio=1.0, alternative="two-sided")
    return {"power": float(achieved), "mde_rate": mde_rate, "mde_lift": mde_rate / rate_a - 1,
            "n_required": math.ceil(float(np.atleast_1d(needed)[0]))}


def srm_check(n_a: int, n_b: int, *, expected_share_b: float = 0.5,
              threshold: float = 0.001) -> dict:
    """Sample-ratio-mismatch check: do the arm sizes match the planned split?

    Parameters
    ----------
    n_a, n_b : int
        Units per arm.
    expected_share_b : float
        Planned share of units in arm B.
    threshold : float
        p-value below which the split is flagged; 0.001 is the usual, strict choice,
        because a mismatch means the assignment itself is broken.

    Returns
    -------
    dict
        ``share_b``, ``chi2``, ``p_value``, ``mismatch`` (bool).
    """
    if not 0 < expected_share_b < 1:
        raise ParamError(f"expected_share_b must lie between 0 and 1, got {expected_share_b}")
    total = n_a + n_b
    if total == 0:
        return {"share_b": np.nan, "chi2": np.nan, "p_value": np.nan, "mismatch": False}
    res = stats.chisquare([n_a, n_b], [total * (1 - expected_share_b), total * expected_share_b])
    p = float(res.pvalue)
    return {"share_b": n_b / total, "chi2": float(res.statistic), "p_value": p,
            "mismatch": p < threshold}


def adjust_pvalues(p_values, method: str = "bh") -> np.ndarray:
    """Correct p-values for testing several experiments at once, as one family.

    Parameters
    ----------
    p_values : array-like
        Raw p-values; missing values stay missing and do not count towards the family.
    method : {"bh", "holm", "by", "bonferroni", "none"}
        Benjamini-Hochberg (``bh``) controls the share of false wins among the declared
        ones; Holm controls the chance of any false win. ``fdr_bh`` is read as ``bh``.

    Returns
    -------
    numpy.ndarray

    See Also
    --------
    helpers.stats.multiple_testing.adjust : the shared correction this delegates to.
    """
    if method not in CORRECTIONS:
        raise ParamError(f"correction {method!r} is not supported; use one of "
                         f"{', '.join(multiple_testing.METHODS)}")
    return multiple_testing.adjust(p_values, "bh" if method == "fdr_bh" else method)


def peeking_false_positive_rate(looks: int, *, alpha: float = 0.05, n_sims: int = 20000,
                                seed: int = 0) -> float:
    """Chance of a false win when an A/A test is checked ``looks`` times and stopped early.

    Simulates the z-statistic of a test with no real effect at ``looks`` equally spaced
    interim checks (seeded Monte Carlo) and counts runs where any check crosses the
    two-sided threshold.

    Parameters
    ----------
    looks : int
        Number of times the result is looked at (1 means only at the planned end).
    alpha : float
        Nominal significance level of each look.
    n_sims : int
        Simulated tests.
    seed : int
        Random seed.

    Returns
    -------
    float
    """
    if looks < 1:
        raise ParamError(f"looks must be at least 1, got {looks}")
    rng = np.random.default_rng(seed)
    crit = stats.norm.ppf(1 - alpha / 2)
    hits = np.zeros(n_sims, dtype=bool)
    walk = np.zeros(n_sims)
    for k in range(1, looks + 1):  # one vector step per look, not per simulated test
        walk += rng.standard_normal(n_sims)
        hits |= np.abs(walk) / math.sqrt(k) > crit
    return float(hits.mean())


def peeking_note(days: int, *, alpha: float = 0.05, language: str = "en") -> str:
    """A plain-language warning about stopping a test when it first looks significant.

    Parameters
    ----------
    days : int
        How long the test ran; one look per day is assumed.
    alpha : float
        Significance level.
    language : {"en", "zh"}
        Report language.

    Returns
    -------
    str
    """
    days = max(int(days), 1)
    rate = peeking_false_positive_rate(days, alpha=alpha)
    return i18n.t("content_evaluation.ab.peeking", language, days=days, alpha=f"{alpha:g}",
                  rate=f"{rate:.0%}", alpha_pct=f"{alpha:.0%}")


# --------------------------------------------------------------------------- all experiments


def _verdict(row: dict, alpha: float, power: float, treatment: str, control: str,
             language: str = "en") -> str:
    def say(key: str, **values) -> str:
        return i18n.t(f"content_evaluation.verdict.{key}", language, **values)

    if row["srm"]:
        return say("srm")
    if row["p_adjusted"] < alpha:
        return say("wins", arm=treatment if row["diff"] > 0 else control)
    if row["power"] >= power:
        return say("no_difference")
    if np.isnan(row["n_required"]):
        return say("too_little")
    more = max(int(row["n_required"]) - int(min(row["units_a"], row["units_b"])), 1)
    return say("needs_more", more=f"{more:,}")


def variant_note(counts: pd.DataFrame, *, control: str = "A", treatment: str = "B",
                 language: str = "en") -> str | None:
    """Why the experiments cannot be read with these variant labels, or None if they can.

    A CRM may name its arms ``control`` and ``test``; :func:`evaluate_experiments` then
    refuses to guess. The report shows this note instead and goes on.

    Parameters
    ----------
    counts : pandas.DataFrame
        Output of :func:`experiment_counts`.
    control, treatment : str
        The variant labels the parameters name.
    language : {"en", "zh"}

    Returns
    -------
    str or None
    """
    found = sorted(counts["variant"].dropna().astype(str).unique()) if len(counts) else []
    if not found or (control in found and treatment in found):
        return None
    return i18n.t("content_evaluation.ab_variants", language, control=control,
                  treatment=treatment, found=", ".join(found))


def evaluate_experiments(counts: pd.DataFrame, *, control: str = "A", treatment: str = "B",
                         alpha: float = 0.05, correction: str = "bh", power: float = 0.8,
                         min_lift: float = 0.2, expected_share_b: float = 0.5,
                         srm_threshold: float = 0.001, ci_method: str = "newcombe",
                         prior: tuple[float, float] = (1.0, 1.0),
                         language: str = "en") -> pd.DataFrame:
    """Test every experiment and give each a plain verdict.

    Parameters
    ----------
    counts : pandas.DataFrame
        Output of :func:`experiment_counts`.
    control, treatment : str
        Variant labels of arm A and arm B.
    alpha : float
        Significance level after correction.
    correction : {"bh", "holm", "by", "bonferroni", "none"}
        Multiple-testing correction across the experiments, which form one family (the
        notebook passes its ``finding_correction``).
    power : float
        Power a test needs before "no detectable difference" is said.
    min_lift : float
        Smallest relative lift worth detecting, used for power and the needed sample size.
    expected_share_b : float
        Planned share of units in arm B, for the sample-ratio check.
    srm_threshold : float
        p-value below which the split is flagged.
    ci_method : str
        Interval method for the difference (see :func:`two_proportion_test`).
    prior : (float, float)
        Beta prior for :func:`prob_b_beats_a`.
    language : {"en", "zh"}
        Language of the verdicts. Only a win starts with the winning arm, in both languages
        (``"B wins"``, ``"B 胜出"``), so ``significant`` is the column to filter on.

    Returns
    -------
    pandas.DataFrame
        One row per experiment: ``experiment_id, units_a, conversions_a, units_b,
        conversions_b, rate_a, rate_b, diff, lift, ci_low, ci_high, test, p_value,
        p_adjusted, significant, prob_b_better, power, mde_lift, n_required, srm_p,
        srm, days, verdict``.
    """
    needed = {"experiment_id", "variant", "units", "conversions"}
    if not needed <= set(counts.columns):
        raise ParamError(f"counts need the columns {sorted(needed)}; use experiment_counts()")
    found = sorted(counts["variant"].astype(str).unique())
    for label in (control, treatment):
        if len(counts) and label not in found:
            raise ParamError(f"variant {label!r} is not in the data; variants found: "
                             f"{', '.join(found)}. Set control and treatment to two of them")
    rows = []
    for exp_id, grp in counts.groupby("experiment_id", sort=True):
        arms = grp.set_index(grp["variant"].astype(str))
        if control not in arms.index or treatment not in arms.index:
            continue
        a, b = arms.loc[control], arms.loc[treatment]
        xa, na, xb, nb = int(a.conversions), int(a.units), int(b.conversions), int(b.units)
        if na == 0 or nb == 0:
            continue
        test = two_proportion_test(xa, na, xb, nb, alpha=alpha, ci_method=ci_method)
        pw = power_and_mde(test["rate_a"], na, nb, alpha=alpha, power=power, min_lift=min_lift)
        srm = srm_check(na, nb, expected_share_b=expected_share_b, threshold=srm_threshold)
        first = pd.to_datetime(grp.get("first_day")).min() if "first_day" in grp else pd.NaT
        last = pd.to_datetime(grp.get("last_day")).max() if "last_day" in grp else pd.NaT
        days = int((last - first).days) + 1 if pd.notna(first) and pd.notna(last) else np.nan
        rows.append({
            "experiment_id": exp_id, "units_a": na, "conversions_a": xa, "units_b": nb,
            "conversions_b": xb, **{k: test[k] for k in ("rate_a", "rate_b", "diff", "lift",
                                                         "ci_low", "ci_high", "test", "p_value")},
            "prob_b_better": prob_b_beats_a(xa, na, xb, nb, prior=prior),
            "power": pw["power"], "mde_lift": pw["mde_lift"], "n_required": pw["n_required"],
            "srm_p": srm["p_value"], "srm": srm["mismatch"], "days": days,
        })
    cols = ["experiment_id", "units_a", "conversions_a", "units_b", "conversions_b", "rate_a",
            "rate_b", "diff", "lift", "ci_low", "ci_high", "test", "p_value", "p_adjusted",
            "significant", "prob_b_better", "power", "mde_lift", "n_required", "srm_p", "srm",
            "days", "verdict"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    out["p_adjusted"] = adjust_pvalues(out["p_value"], correction)
    out["significant"] = out["p_adjusted"] < alpha
    out["verdict"] = [_verdict(r, alpha, power, treatment, control, language)
                      for r in out.to_dict("records")]
    return out[cols]


def plot_experiments(results: pd.DataFrame, *, ax=None, language: str = "en"):
    """Difference B - A per experiment with its confidence interval, in percentage points.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`evaluate_experiments`.
    ax : matplotlib.axes.Axes, optional
    language : {"en", "zh"}
        Language of the title and axis label.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.6 * max(len(results), 2) + 1))
    r = results.iloc[::-1]
    y = np.arange(len(r))
    diff = r["diff"].to_numpy(float) * 100
    err = np.vstack([diff - r["ci_low"].to_numpy(float) * 100,
                     r["ci_high"].to_numpy(float) * 100 - diff])
    colors = np.where(r["significant"].to_numpy(bool), "#1f4e79", "#7f8c8d")
    for yi, d, lo, hi, c in zip(y, diff, err[0], err[1], colors, strict=True):
        ax.errorbar(d, yi, xerr=[[lo], [hi]], fmt="o", color=c, capsize=4)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, r["experiment_id"].astype(str))
    ax.set_xlabel(i18n.t("content_evaluation.ab.chart_x", language))
    ax.set_title(i18n.t("content_evaluation.ab.chart_title", language))
    return ax


def experiment_findings(results: pd.DataFrame, *, alpha: float = 0.05, method: str = "bh",
                        control: str = "A", treatment: str = "B",
                        language: str = "en") -> list:
    """One finding per experiment of :func:`evaluate_experiments`, the tests as one family.

    A winner is stated when its adjusted p-value (corrected across all experiments with
    ``method``) is below ``alpha`` and the split of units matches the plan; a sample-ratio
    mismatch is never a result.

    Parameters
    ----------
    results : pandas.DataFrame
        :func:`evaluate_experiments` with the same ``alpha`` and ``method``.
    alpha, method
        As used there (recorded as evidence).
    control, treatment : str
    language : {"en", "zh"}

    Returns
    -------
    list of helpers.presentation.findings.Finding
        The first carries the fallback ("no reliable difference among the N tests").
    """
    def say(key: str, **values) -> str:
        return i18n.t(f"content_evaluation.{key}", language, **values)

    out = []
    fallback = fnd.no_difference(len(results), say("what.ab_tests"), language)
    for k, r in enumerate(results.itertuples()):
        winner = treatment if r.diff > 0 else control
        text = say("ab_finding", id=md_escape(r.experiment_id), winner=winner, treatment=treatment,
                   control=control, rate_b=f"{r.rate_b:.2%}", rate_a=f"{r.rate_a:.2%}",
                   diff=f"{r.diff * 100:+.2f}")
        found = fnd.comparison(
            text, test=str(r.test), p_value=r.p_value, p_adjusted=r.p_adjusted, alpha=alpha,
            effect=r.diff, low=r.ci_low, high=r.ci_high, n=int(r.units_a + r.units_b),
            family=say("family.ab"), family_size=int(results["p_value"].notna().sum()),
            method=method, effect_label="difference in rate",
            fallback=fallback if k == 0 else "", impact=0.5,
            action=say("ab_action", id=md_escape(r.experiment_id), winner=winner),
            level=r.experiment_id, language=language)
        if bool(r.srm):
            found = replace(found, stated=False, gate=say("verdict.srm"))
        out.append(found)
    return out


def brief_table(results: pd.DataFrame, *, control: str = "A", treatment: str = "B",
                language: str = "en") -> pd.DataFrame:
    """The A/B results a manager reads: five narrow columns of text.

    Parameters
    ----------
    results : pandas.DataFrame
        Output of :func:`evaluate_experiments`.
    control, treatment : str
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        ``experiment_id``; ``variants`` ("B vs A"); ``rates`` ("2.95% vs 2.10%");
        ``lift_ci``, the difference B - A in percentage points with its interval; and the
        ``verdict``. Unknown values read "–".
    """
    def pct(v) -> str:
        return f"{float(v):.2%}" if v is not None and np.isfinite(float(v)) else "–"

    def pts(v) -> str:
        return f"{float(v) * 100:+.2f}" if v is not None and np.isfinite(float(v)) else "–"

    unit = " 个百分点" if language == "zh" else " pts"
    vs = i18n.t("content_evaluation.ab.vs", language)
    rows = []
    for r in results.itertuples():
        diff = f"{pts(r.diff)}{unit}" if np.isfinite(float(r.diff)) else "–"
        if np.isfinite(float(r.ci_low)) and np.isfinite(float(r.ci_high)):
            diff += f" ({pts(r.ci_low)} – {pts(r.ci_high)})"
        rows.append({"experiment_id": str(r.experiment_id),
                     "variants": f"{treatment}{vs}{control}",
                     "rates": f"{pct(r.rate_b)}{vs}{pct(r.rate_a)}",
                     "lift_ci": diff, "verdict": str(r.verdict)})
    return pd.DataFrame(rows, columns=["experiment_id", "variants", "rates", "lift_ci", "verdict"])


def chart_text(results: pd.DataFrame, language: str = "en") -> dict[str, str]:
    """Alt text and caption of :func:`plot_experiments`: the largest difference and the winners."""
    r = results.loc[results["diff"].abs().idxmax()]
    return {"alt": i18n.t("content_evaluation.alt.ab", language, n=len(results),
                          id=r["experiment_id"], diff=f"{r['diff'] * 100:+.2f}",
                          wins=int(results["significant"].astype(bool).sum())),
            "caption": i18n.t("content_evaluation.caption.ab", language)}


def result_lines(results: pd.DataFrame, *, control: str = "A", treatment: str = "B",
                 alpha: float = 0.05, language: str = "en") -> str:
    """One plain line per A/B test: both rates, the difference with its interval, p and verdict.

    Parameters
    ----------
    results : pandas.DataFrame
        :func:`evaluate_experiments`.
    control, treatment : str
        Variant labels.
    alpha : float
        Level of the tests; the interval covers ``1 - alpha``.
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown lines, one per experiment.
    """
    return "\n".join(i18n.t(
        "content_evaluation.ab_result", language, id=md_escape(r.experiment_id), treatment=treatment,
        rate_b=f"{r.rate_b:.2%}", control=control, rate_a=f"{r.rate_a:.2%}", diff=f"{r.diff * 100:+.2f}",
        level=f"{1 - alpha:.1%}", low=f"{r.ci_low * 100:+.2f}", high=f"{r.ci_high * 100:+.2f}", test=r.test,
        p=format_value(r.p_adjusted, "p"), prob=f"{r.prob_b_better:.0%}", verdict=r.verdict)
        for r in results.itertuples())
