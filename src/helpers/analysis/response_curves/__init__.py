r"""Response curves: how a channel's outcome per period responds to its spend.

The model is the saturating Hill curve used in marketing-mix modelling,

.. math:: y_t = \beta \, \frac{x_t^s}{k^s + x_t^s}, \qquad
          x_t = (1 - d)\, \mathrm{spend}_t + d\, x_{t-1},

where ``beta`` is the outcome per period at saturation, ``k`` the spend that reaches half of
it, ``s`` the shape (``s > 1`` gives an S-curve) and ``d`` the geometric carry-over
(adstock). The adstock is normalised by ``1 - d``, so a spend held at ``x`` every period
settles at an adstocked spend of ``x``: the steady-state response to a per-period spend is
simply ``hill(x)``, which is what the budget optimiser uses.

Each channel is fitted by non-linear least squares (:func:`scipy.optimize.least_squares`)
from multiple starting points. Uncertainty comes from a seeded residual bootstrap. When a
channel's history is too short, too flat or has almost no outcome, the channel falls back
to a clearly labelled constant-ROI assumption (outcome = ROI x spend) that stops growing
above a cap, so the optimiser cannot pour money into an untested straight line.

The periodic data come from :func:`channel_periods`, which aggregates ``marketing_spend``
and the channel-attributed ``opportunities`` in the engine.

Modules: :mod:`.queries` (the engine work), :mod:`.model` (adstock, Hill curve,
:class:`ResponseCurve`), :mod:`.fit`, :mod:`.marginal` (marginal returns), :mod:`.views`
(tables), :mod:`.plots`, :mod:`.sentences` (report text and alt texts).
"""

from __future__ import annotations

from helpers.analysis.response_curves.fit import (
    fit_curve,
    fit_response_curves,
    with_current,
)
from helpers.analysis.response_curves.marginal import (
    is_identified,
    marginal_draws,
    marginal_per,
    marginal_spread,
)
from helpers.analysis.response_curves.model import (
    CONSTANT_ROI,
    HILL,
    ResponseCurve,
    adstock,
    hill,
    hill_derivative,
)
from helpers.analysis.response_curves.plots import (
    plot_curve_panels,
    plot_fit_over_time,
    plot_response_curves,
)
from helpers.analysis.response_curves.queries import (
    OUTCOMES,
    channel_periods,
)
from helpers.analysis.response_curves.sentences import (
    about,
    fit_alt,
    fit_summary,
    marginal_note,
    marginal_sentence,
    panels_alt,
    spread_values,
)
from helpers.analysis.response_curves.views import (
    carry_over_table,
    curves_table,
    fit_over_time,
)

__all__ = [
    "CONSTANT_ROI",
    "HILL",
    "OUTCOMES",
    "ResponseCurve",
    "about",
    "adstock",
    "carry_over_table",
    "channel_periods",
    "curves_table",
    "fit_alt",
    "fit_curve",
    "fit_over_time",
    "fit_response_curves",
    "fit_summary",
    "hill",
    "hill_derivative",
    "is_identified",
    "marginal_draws",
    "marginal_note",
    "marginal_per",
    "marginal_sentence",
    "marginal_spread",
    "panels_alt",
    "plot_curve_panels",
    "plot_fit_over_time",
    "plot_response_curves",
    "spread_values",
    "with_current",
]
