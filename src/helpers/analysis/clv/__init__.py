"""Probabilistic customer lifetime value: BG/NBD for repeat buying, Gamma-Gamma for spend.

The models
----------
**BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While a
customer is alive they buy at a Poisson rate ``lambda``; after every repeat purchase they
drop out with probability ``p``. Across customers ``lambda ~ Gamma(r, alpha)`` and
``p ~ Beta(a, b)``. One customer is summarised by ``frequency`` (repeat purchases ``x``),
``recency`` (time of the last purchase since the first, ``t_x``) and ``T`` (time from the
first purchase to the end of the observation period), all in one explicit ``time_unit``.

**Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013 note). The
value of each repeat order is ``Gamma(p, nu)`` around a customer mean, with
``nu ~ Gamma(q, gamma)`` across customers; the model is fitted on repeat buyers' mean order
value and assumes spend per order is independent of how often a customer buys.

Both are fitted by maximum likelihood with :func:`scipy.optimize.minimize` in log-parameter
space, with analytic gradients. Likelihoods are computed in log space (``gammaln``,
``betaln``, ``logaddexp``), so customers with hundreds of orders do not overflow. Standard
errors come from a numerical Hessian of the negative log-likelihood at the optimum (central
differences of the analytic gradient), carried to the natural scale by the delta method.
For orientation, the published CDNOW estimates (2,357 customers, weeks) are
``r = 0.243, alpha = 4.414, a = 0.793, b = 2.426`` and ``p = 6.25, q = 3.74, gamma = 15.44``.

CLV
---
Discounted CLV sums, month by month over ``horizon_months``, the expected purchases in that
month times the expected spend per order (times a margin when given), divided by
``(1 + monthly_discount_rate) ** month``. With a zero rate it is exactly the expected
purchases over the horizon times spend (times margin).

When there are too few repeat buyers to fit, or the fit is degenerate (:func:`fit_problem`:
no convergence, a parameter at the search bound or absurdly large, no finite or huge
standard errors), or the forecast is not a number, or the purchase model failed its
holdout check (:func:`holdout_failed`), :func:`fit_clv` falls back to a clearly
labelled historical-average CLV: each account's own purchase rate since its first order,
times its mean order value, discounted the same way, with no churn model. When only the
spend model fails (too few repeat buyers, or a fitted ``q <= 1``: spend so heavy-tailed
that the model's mean is undefined, common with lognormal B2B order values), BG/NBD is kept
and each account's own mean order value stands in for the Gamma-Gamma spend.

Layout
------
:mod:`~helpers.analysis.clv.inputs` (time units, method names, checks),
:mod:`~helpers.analysis.clv.queries` and :mod:`~helpers.analysis.clv.summary` (customer
summaries from the engine), :mod:`~helpers.analysis.clv.bgnbd`,
:mod:`~helpers.analysis.clv.gamma_gamma` and :mod:`~helpers.analysis.clv.estimation` (the models
and their fitting), :mod:`~helpers.analysis.clv.forecast`, :mod:`~helpers.analysis.clv.scoring`
and :mod:`~helpers.analysis.clv.fallback` (CLV per account), :mod:`~helpers.analysis.clv.profit`,
:mod:`~helpers.analysis.clv.holdout` (calibration check), :mod:`~helpers.analysis.clv.matrices`,
:mod:`~helpers.analysis.clv.intervals` (CLV ranges), :mod:`~helpers.analysis.clv.simulation` and
:mod:`~helpers.analysis.clv.plots`. Everything public is re-exported here.
"""

from __future__ import annotations

from helpers.analysis.clv.bgnbd import (
    BetaGeoModel,
    bgnbd_loglik,
)
from helpers.analysis.clv.estimation import (
    MAX_LOG_STD_ERROR,
    MAX_SHAPE,
    fit_problem,
    numerical_hessian,
)
from helpers.analysis.clv.fallback import (
    historical_clv,
    historical_result,
)
from helpers.analysis.clv.forecast import (
    ClvResult,
    discount_weights,
    discounted_clv,
    monthly_expected_purchases,
)
from helpers.analysis.clv.gamma_gamma import (
    GammaGammaModel,
    gamma_gamma_loglik,
)
from helpers.analysis.clv.holdout import (
    MAX_HOLDOUT_ERROR,
    HoldoutCheck,
    calibration_end_for,
    cumulative_transactions,
    holdout_check,
    holdout_failed,
    holdout_totals,
    model_gate,
)
from helpers.analysis.clv.inputs import (
    DAYS_PER_MONTH,
    METHOD_HISTORICAL,
    METHOD_MODEL,
    METHOD_OBSERVED_SPEND,
    MIN_CUSTOMERS,
    MIN_REPEAT_BUYERS,
    TIME_UNITS,
    InsufficientDataError,
    check_time_unit,
    method_label,
)
from helpers.analysis.clv.intervals import (
    INTERVAL_DRAWS,
    clv_intervals,
)
from helpers.analysis.clv.matrices import (
    frequency_recency_matrix,
    matrix_settings,
)
from helpers.analysis.clv.plots import (
    plot_cumulative,
    plot_holdout,
    plot_matrices,
    plot_p_alive,
)
from helpers.analysis.clv.profit import (
    profit_clv,
)
from helpers.analysis.clv.scoring import (
    fit_clv,
    gg_q_lower_bound,
)
from helpers.analysis.clv.simulation import (
    simulate_bgnbd,
    simulate_gamma_gamma,
)
from helpers.analysis.clv.summary import (
    purchase_days,
    purchase_summary,
)

__all__ = [
    "BetaGeoModel",
    "ClvResult",
    "DAYS_PER_MONTH",
    "GammaGammaModel",
    "HoldoutCheck",
    "INTERVAL_DRAWS",
    "InsufficientDataError",
    "MAX_HOLDOUT_ERROR",
    "MAX_LOG_STD_ERROR",
    "MAX_SHAPE",
    "METHOD_HISTORICAL",
    "METHOD_MODEL",
    "METHOD_OBSERVED_SPEND",
    "MIN_CUSTOMERS",
    "MIN_REPEAT_BUYERS",
    "TIME_UNITS",
    "bgnbd_loglik",
    "calibration_end_for",
    "check_time_unit",
    "clv_intervals",
    "cumulative_transactions",
    "discount_weights",
    "discounted_clv",
    "fit_clv",
    "fit_problem",
    "frequency_recency_matrix",
    "gamma_gamma_loglik",
    "gg_q_lower_bound",
    "historical_clv",
    "historical_result",
    "holdout_check",
    "holdout_failed",
    "holdout_totals",
    "matrix_settings",
    "method_label",
    "model_gate",
    "monthly_expected_purchases",
    "numerical_hessian",
    "plot_cumulative",
    "plot_holdout",
    "plot_matrices",
    "plot_p_alive",
    "profit_clv",
    "purchase_days",
    "purchase_summary",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]
