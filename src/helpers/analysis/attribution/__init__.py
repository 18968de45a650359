"""Attribution of won opportunities to channels or content over each account's touch path.

A *journey* ends either in an opportunity or, for accounts without one, on ``as_of``:

- every won or lost opportunity (stage as of ``as_of``) is a journey made of the account's
  touches in the ``lookback_days`` before it was created, up to the end of the creation day;
  won ones convert, lost ones do not. Opportunities still open on ``as_of`` are left out
  because their outcome is unknown;
- every account with touches in the last ``lookback_days`` and no opportunity created in
  that time is a journey that has not converted.

Paths are built in the engine (one join and window functions), so the same code runs on
millions of touches. Heuristic credits are aggregated in the engine as well, in the same
pass that counts the Markov transitions (:func:`path_summary`):

``first_touch`` / ``last_touch``
    All credit to the first or last touch.
``linear``
    Equal credit to every touch.
``time_decay``
    Credit proportional to ``2 ** (-days_before / half_life_days)``, normalised per
    journey, where ``days_before`` is the time from the touch to the end of the journey.
``position_based``
    The U shape: ``position_weights`` (default 40 % / 20 % / 40 %) to the first touch, the
    middle touches together, and the last touch; one touch gets everything and two touches
    share it half and half.

The data-driven model is the first-order Markov chain of the paths (states: start, the
labels, conversion, null). The conversion probability from the start state and the
probability with each label removed (every transition into it goes to null) are solved
exactly with absorbing-chain algebra: with ``Q`` the transient and ``R`` the absorbing
block of the transition matrix, absorption probabilities are ``(I - Q)^-1 R``. The
removal effect of a label is ``1 - p_removed / p_base``, and the converting journeys are
shared out in proportion to the removal effects.

Won opportunities without any recorded touch are credited to ``"(no touch)"`` in every
model, so every model hands out exactly the number of won opportunities.

The package: :mod:`.queries` builds and counts the journeys in the engine (the only module
that reads the workspace); :mod:`.models` holds the models' names and the Markov algebra
on pandas frames; :mod:`.credits` puts them together (:func:`attribute`);
:mod:`.uncertainty` resamples the journeys; :mod:`.sentences` and :mod:`.plots` hold the
report text and the chart. Everything public is re-exported here.
"""

from __future__ import annotations

from helpers.analysis.attribution.credits import (
    attribute,
    compare_models,
)
from helpers.analysis.attribution.models import (
    CONVERSION,
    HEURISTIC_MODELS,
    LABELS,
    MODEL_NAMES,
    MODELS,
    NO_TOUCH,
    NULL,
    START,
    UNKNOWN_LABELS,
    markov_credits,
    markov_removal_effects,
    model_name,
    transitions_from_paths,
)
from helpers.analysis.attribution.plots import (
    chart_text,
    plot_attribution,
)
from helpers.analysis.attribution.queries import (
    heuristic_credits,
    journey_transitions,
    journeys,
    path_summary,
    path_transitions,
    touch_paths,
    won_totals,
)
from helpers.analysis.attribution.sentences import (
    attribution_lead_finding,
    attribution_sentence,
    content_attribution_sentence,
    known_labels,
    leader_finding,
)
from helpers.analysis.attribution.uncertainty import (
    bootstrap_shares,
    leader_test,
    touch_shares,
)

__all__ = [
    "CONVERSION",
    "HEURISTIC_MODELS",
    "LABELS",
    "MODELS",
    "MODEL_NAMES",
    "NO_TOUCH",
    "NULL",
    "START",
    "UNKNOWN_LABELS",
    "attribute",
    "attribution_lead_finding",
    "attribution_sentence",
    "bootstrap_shares",
    "chart_text",
    "compare_models",
    "content_attribution_sentence",
    "heuristic_credits",
    "journey_transitions",
    "journeys",
    "known_labels",
    "leader_finding",
    "leader_test",
    "markov_credits",
    "markov_removal_effects",
    "model_name",
    "path_summary",
    "path_transitions",
    "plot_attribution",
    "touch_paths",
    "touch_shares",
    "transitions_from_paths",
    "won_totals",
]
