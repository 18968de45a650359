"""Credit won opportunities to labels under all six models, and the models side by side."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.analysis.attribution.models import (
    MODELS,
    NO_TOUCH,
    START,
    _check,
    markov_credits,
    markov_removal_effects,
)
from helpers.analysis.attribution.queries import _need_opportunities, path_summary, won_totals
from helpers.core.errors import ParamError

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "attribute",
    "compare_models",
]


def attribute(ws: Workspace, as_of, *, label: str = "channel", lookback_days: int = 90,
              half_life_days: float = 7.0,
              position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)) -> pd.DataFrame:
    """Credit won opportunities to labels under all six models.

    Parameters
    ----------
    ws : Workspace
        Needs ``interactions`` and ``opportunities`` (and ``content`` for content labels).
    as_of : date-like
        Analysis date.
    label : str
        What gets the credit; see :func:`touch_paths`.
    lookback_days : int
        Days of touches before each opportunity.
    half_life_days : float
        Half-life of the time-decay model.
    position_weights : (float, float, float)
        First, middle and last shares of the position-based model.

    Returns
    -------
    pandas.DataFrame
        Long table ``label, model, conversions, value, share`` (share of the model's
        conversions), empty when no journey has a touch or a win; ``attrs`` holds ``won``
        (won opportunities), ``journeys``, ``base_probability`` and ``removal_effects``.
    """
    _check(lookback_days, half_life_days, position_weights)
    _need_opportunities(ws)
    heur, trans = path_summary(ws, as_of, lookback_days=lookback_days, label=label,
                               half_life_days=half_life_days, position_weights=position_weights)
    won_n, won_v = won_totals(ws, as_of, lookback_days=lookback_days)
    return _credits_table(heur, trans, won_n, won_v)


def _credits_table(heur: pd.DataFrame, trans: pd.DataFrame, won_n: int,
                   won_v: float) -> pd.DataFrame:
    """:func:`attribute` from the heuristic credits, the transitions and the won totals."""
    conv_with_touch = float(heur.loc[heur.model == "linear", "conversions"].sum())
    value_with_touch = float(heur.loc[heur.model == "linear", "value"].sum())
    effects = markov_removal_effects(trans)
    markov = markov_credits(trans, conv_with_touch, value_with_touch)
    # Won journeys without a (content) touch in their window keep their credit as one label.
    lone_n = won_n - int(round(conv_with_touch))
    lone_v = won_v - value_with_touch
    parts = [heur, markov.drop(columns="removal_effect")]
    if lone_n:
        parts.append(pd.DataFrame({"label": NO_TOUCH, "model": list(MODELS),
                                   "conversions": float(lone_n), "value": lone_v}))
    parts = [p for p in parts if len(p)]
    if not parts:  # no journey at all, e.g. an as_of before the first touch
        out = pd.DataFrame({"label": pd.Series(dtype=object), "model": pd.Series(dtype=object),
                            "conversions": pd.Series(dtype=float),
                            "value": pd.Series(dtype=float)})
    else:
        out = pd.concat(parts, ignore_index=True)
    out = out.groupby(["label", "model"], as_index=False)[["conversions", "value"]].sum()
    out["share"] = out["conversions"] / out.groupby("model")["conversions"].transform("sum")
    out.attrs.update({
        "won": won_n,
        "journeys": int(trans.loc[trans.from_state == START, "count"].sum()),
        "base_probability": effects.attrs.get("base_probability", np.nan),
        "removal_effects": effects,
    })
    return out


def compare_models(credits: pd.DataFrame, *, measure: str = "share") -> pd.DataFrame:
    """Models side by side: one row per label, one column per model, plus the spread.

    Parameters
    ----------
    credits : pandas.DataFrame
        Output of :func:`attribute`.
    measure : {"share", "conversions", "value"}

    Returns
    -------
    pandas.DataFrame
        Index ``label``; columns the models in :data:`MODELS` order, ``spread`` (largest
        minus smallest across models), ``high_model`` and ``low_model`` (missing where all
        models agree). Sorted by the Markov column, then linear.
    """
    if measure not in ("share", "conversions", "value"):
        raise ParamError(f"measure {measure!r} is not supported; use share, conversions or value")
    wide = credits.pivot_table(index="label", columns="model", values=measure, aggfunc="sum",
                               fill_value=0.0)
    wide = wide.reindex(columns=[m for m in MODELS if m in wide.columns])
    wide["spread"] = wide[list(wide.columns)].max(axis=1) - wide[list(wide.columns)].min(axis=1)
    models = [m for m in MODELS if m in wide.columns]
    # where every model agrees no model is highest or lowest
    agree = wide["spread"] <= 0
    wide["high_model"] = wide[models].idxmax(axis=1).mask(agree)
    wide["low_model"] = wide[models].idxmin(axis=1).mask(agree)
    order = [m for m in ("markov", "linear") if m in wide.columns]
    wide = wide.sort_values(order, ascending=False) if order else wide
    wide.columns.name = None
    return wide
