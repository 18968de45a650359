"""Declared constraints of the notebook parameters: one table of allowed values.

Like scikit-learn's ``_parameter_constraints``, every range or set of choices is declared
once in :data:`RULES` (per notebook, ``"*"`` for the shared parameters) and checked by one
function, :func:`check_rules`, after the type check of :mod:`helpers.core.params`::

    RULES["customer_value"]["key_account_criteria.capacity"] = count(5, 25)
    check_rules("customer_value", "key_account_criteria", {"capacity": 500}, label)
    # ParamError: ...: key_account_criteria.capacity = 500 must be from 5 to 25
"""

from __future__ import annotations

from typing import Any

from helpers.core.errors import ParamError, suggest

__all__ = [
    "DAYS",
    "MONTHS",
    "RULES",
    "Rule",
    "SHARE",
    "between",
    "check_rules",
    "choices",
    "count",
    "rules_for",
]


class Rule:
    """The allowed values of one parameter: a range of numbers or a set of choices.

    Build rules with :func:`between` and :func:`choices`; :meth:`problem` checks a value.
    """

    def __init__(self, *, low: float | None = None, high: float | None = None,
                 options: tuple[str, ...] = (), integer: bool = False):
        self.low, self.high, self.options, self.integer = low, high, tuple(options), integer

    def describe(self) -> str:
        """``"one of: day, week, month"``, ``"5 to 25"`` or ``"at least 0"``."""
        if self.options:
            return "one of: " + ", ".join(self.options)
        if self.low is not None and self.high is not None:
            return f"{self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"at least {self.low:g}"
        return f"at most {self.high:g}"

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed, or ``None`` when it is (``None`` values pass).

        Parameters
        ----------
        value : object

        Returns
        -------
        str or None
            E.g. ``"must be one of: share, amount; did you mean 'share'?"``.
        """
        if value is None:
            return None
        if self.options:
            if isinstance(value, str) and value in self.options:
                return None
            hint = suggest(str(value), self.options) if isinstance(value, str) else ""
            return f"must be {self.describe()}{hint}"
        number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.integer and number_ok and not float(value).is_integer():
            number_ok = False
        if not number_ok:
            kind = "a whole number" if self.integer else "a number"
            hint = "; write the number without quotes" if isinstance(value, str) else ""
            return f"must be {kind} {self._range()}{hint}"
        if value != value or (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high):
            return f"must be {self._range()}"
        return None

    def _range(self) -> str:
        text = self.describe()
        return f"from {text}" if self.low is not None and self.high is not None else text


def between(low: float | None, high: float | None = None, *, integer: bool = False) -> Rule:
    """A number from ``low`` to ``high`` inclusive (``None``: unbounded on that side)."""
    return Rule(low=low, high=high, integer=integer)


def choices(*options: str) -> Rule:
    """One of the given texts."""
    return Rule(options=options)


def count(low: int = 0, high: int | None = None) -> Rule:
    """A whole number from ``low`` to ``high``."""
    return between(low, high, integer=True)


SHARE = between(0, 1)
DAYS = count(1, 36500)
MONTHS = count(1, 1200)

#: Allowed values of every parameter, per notebook; ``"*"`` holds the shared ones.
#: Nested keys (``key_account_criteria.capacity``) check one entry of a mapping.
RULES: dict[str, dict[str, Rule]] = {
    "*": {
        "language": choices("en", "zh"),
        "finding_alpha": between(0.001, 0.2),
        "finding_correction": choices("bh", "by", "holm", "bonferroni", "none"),
    },
    "data_overview": {
        "top_categories": count(1, 100),
        "stale_after_days": DAYS,
    },
    "customer_profiling": {
        "top_segments": count(1, 100),
        "activity_days": DAYS,
        "best_definition": choices("margin", "revenue_24m", "won"),
        "best_top_share": between(0.01, 1),
        "min_support": SHARE,
        "confidence": between(0.5, 0.999),
        "scorecard_weight": SHARE,
        "fit_strong_min": between(0, 100),
        "fit_moderate_min": between(0, 100),
        "engagement_days": DAYS,
        "engagement_quantile": SHARE,
        "whitespace_days": DAYS,
        "whitespace_min_adoption": SHARE,
        "list_rows": count(1, 10000),
    },
    "customer_segmentation": {
        "min_segment_accounts": count(1),
        "heatmap_rows": count(1, 100),
        "migration_period_days": DAYS,
        "cluster_method": choices("kmeans", "gmm"),
        "n_clusters": count(0, 50),
        "k_min": count(2, 50),
        "k_max": count(2, 50),
        "k_criterion": choices("consensus", "silhouette", "calinski_harabasz",
                               "davies_bouldin"),
        "min_cluster_share": between(0, 0.5),
        "silhouette_sample": count(10),
        "stability_runs": count(0, 100),
        "tree_depth": count(1, 10),
        "seed": count(0),
    },
    "customer_value": {
        "time_unit": choices("day", "week", "month"),
        "horizon_months": count(1, 240),
        "monthly_discount_rate": between(0, 1),
        "holdout_months": count(0, 120),
        "rfm_window_days": DAYS,
        "min_repeat_buyers": count(1),
        "tier_basis": choices("share", "amount"),
        "key_account_criteria.capacity": count(5, 25),
        "key_account_criteria.min_clv": between(0),
        "key_account_criteria.min_fit_score": between(0, 100),
        "key_account_criteria.min_p_alive": SHARE,
        "key_account_criteria.value_column": choices("profit_clv", "clv"),
        "dossier_months": MONTHS,
    },
    "content_evaluation": {
        "window_days": DAYS,
        "credit": choices("sourced", "influenced"),
        "confidence": between(0.5, 0.999),
        "min_sample": count(1),
        "leaderboard_size": count(1, 10000),
        "stage_min_touches": count(1),
        "calendar_months": MONTHS,
        "survey_days": DAYS,
        "recent_content_days": DAYS,
        "channel_lookback_days": DAYS,
        "channel_credit": choices("influenced", "sourced"),
        "experiment_unit": choices("contact", "account"),
        "alpha": between(0.0001, 0.5),
        "correction": choices("holm", "bh"),
        "target_power": between(0.5, 0.999),
        "min_lift": between(0.001, 100),
        "expected_share_b": between(0.01, 0.99),
        "send_window_hours": count(1, 24),
        "timing_min_sample": count(1),
        "attribution_lookback_days": DAYS,
        "half_life_days": between(0.01, 36500),
    },
    "budget_allocation": {
        "outcome": choices("opportunities", "pipeline", "won_revenue"),
        "planning_periods": count(1, 1200),
        "total_budget": between(0),
        "reserve_pct": between(0, 0.9),
        "account_facing_share": SHARE,
        "min_multiplier": between(0, 1000),
        "max_multiplier": between(0, 1000),
        "current_periods": count(1, 1200),
        "min_periods": count(1, 1200),
        "roi_cap": between(0, 1000),
        "n_boot": count(0, 100000),
        "seed": count(0),
        "target_cost_per_outcome": between(0),
        "uplift_rate": between(0, 100),
        "review_periods": count(1, 1200),
        "overspend_tolerance": between(0, 100),
        "reallocation_threshold": between(0),
    },
    "kpi_monitoring": {
        "freq": choices("quarter", "month"),
        "periods": count(2, 120),
        "forecast_horizon": count(0, 24),
        "forecast_holdout": count(0, 24),
        "sales_cost_per_month": between(0),
        "discount_rate": between(0, 1),
        "clv_horizon_years": count(1, 50),
        "cac_method": choices("auto", "spend", "recorded"),
        "comparison_months": MONTHS,
        "min_count": count(1),
        "alert_cac_increase": between(0, 100),
        "alert_nps_below": between(-100, 100),
        "alert_clv_cac_below": between(0, 1000),
        "alert_churn_above": SHARE,
        "alert_win_rate_below": SHARE,
        "alert_nrr_below": between(0, 100),
    },
}


def rules_for(name: str) -> dict[str, Rule]:
    """The shared rules and those of notebook ``name``, by (possibly nested) key."""
    return {**RULES["*"], **RULES.get(name, {})}


def check_rules(name: str, key: str, value: Any, label: str) -> None:
    """Refuse a value outside its declared range or choices.

    Parameters
    ----------
    name : str
        Notebook name.
    key : str
        Top-level parameter; rules on its nested entries (``key.entry``) are checked too.
    value : object
        The value, already type-checked.
    label : str
        The file the value came from, for the message.

    Raises
    ------
    ParamError
        ``"params/customer_value.yaml: key_account_criteria.capacity = 500 must be from
        5 to 25"``.
    """
    for rule_key, rule in rules_for(name).items():
        head, _, entry = rule_key.partition(".")
        if head != key:
            continue
        if entry:
            if not isinstance(value, dict) or entry not in value:
                continue
            shown = value[entry]
        else:
            shown = value
        problem = rule.problem(shown)
        if problem:
            raise ParamError(f"{label}: {rule_key} = {shown!r} {problem}")
