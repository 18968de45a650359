"""The attribution models on pandas frames: names, states and the Markov chain's credits.

The removal effects are solved with absorbing-chain algebra (see the package docstring).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.core.errors import ParamError
from helpers.presentation import i18n

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
    "markov_credits",
    "markov_removal_effects",
    "model_name",
    "transitions_from_paths",
]


HEURISTIC_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")
MODELS = (*HEURISTIC_MODELS, "markov")
MODEL_NAMES = {
    "first_touch": "first touch", "last_touch": "last touch", "linear": "linear",
    "time_decay": "time decay", "position_based": "position-based (U)",
    "markov": "Markov removal effect",
}
LABELS = ("channel", "content_id", "content_type", "content_category", "topic")
NO_TOUCH = "(no touch)"
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
#: labels that stand for "no value": they keep their credit but never lead a sentence
UNKNOWN_LABELS = (NO_TOUCH, "(unknown)", "(none)")


def model_name(model: str, language: str = "en") -> str:
    """The reader-facing name of an attribution model (a key of :data:`MODEL_NAMES`)."""
    if language == "en" or model not in MODEL_NAMES:
        return MODEL_NAMES.get(model, model)
    return i18n.t(f"content_evaluation.model.{model}", language)


def _check(lookback_days: int, half_life_days: float, position_weights) -> None:
    if int(lookback_days) < 1:
        raise ParamError(f"lookback_days must be at least 1, got {lookback_days}")
    if not half_life_days > 0:
        raise ParamError(f"half_life_days must be positive, got {half_life_days}")
    w = list(position_weights)
    if len(w) != 3 or min(w) < 0 or abs(sum(w) - 1) > 1e-9:
        raise ParamError("position_weights must be three non-negative shares (first, middle, "
                         f"last) adding up to 1, got {w}")


def _heuristic_frame(wide: pd.DataFrame) -> pd.DataFrame:
    """Long ``label, model, conversions, value`` from one row per label of ``c_``/``v_`` sums."""
    if wide.empty:
        return pd.DataFrame(columns=["label", "model", "conversions", "value"])
    rows = []
    for name in HEURISTIC_MODELS:
        rows.append(pd.DataFrame({"label": wide["label"], "model": name,
                                  "conversions": wide[f"c_{name}"].astype(float),
                                  "value": wide[f"v_{name}"].astype(float)}))
    return pd.concat(rows, ignore_index=True)


def _transition_frame(out: pd.DataFrame) -> pd.DataFrame:
    out = out[["from_state", "to_state", "count"]].copy()
    out["count"] = out["count"].astype("int64")
    return out.sort_values(["from_state", "to_state"]).reset_index(drop=True)


def _summary_frames(agg: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Heuristic credits and transition counts from the engine's rows per label and next state.

    ``agg`` has ``from_state, to_state, count, starts, converted_touches`` and the ``c_``/``v_``
    sums of the heuristic models (see :func:`~.queries.path_summary`).
    """
    sums = [c for c in agg.columns if c.startswith(("c_", "v_"))]
    per_label = agg.groupby("from_state", as_index=False)[[*sums, "starts",
                                                           "converted_touches"]].sum()
    wide = per_label[per_label["converted_touches"] > 0].rename(columns={"from_state": "label"})
    starts = per_label[per_label["starts"] > 0]
    steps = pd.concat([agg[["from_state", "to_state", "count"]],
                       pd.DataFrame({"from_state": START, "to_state": starts["from_state"],
                                     "count": starts["starts"]})], ignore_index=True)
    return _heuristic_frame(wide.reset_index(drop=True)), _transition_frame(steps)


def _journey_frame(agg: pd.DataFrame) -> pd.DataFrame:
    """Per-journey transition counts, with the start step, from the engine's rows.

    ``agg`` has ``journey_id, from_state, to_state, count, starts`` (see
    :func:`~.queries.journey_transitions`).
    """
    firsts = agg[agg["starts"] > 0]
    start = pd.DataFrame({"journey_id": firsts["journey_id"], "from_state": START,
                          "to_state": firsts["from_state"], "count": firsts["starts"]})
    out = pd.concat([agg.drop(columns="starts"), start], ignore_index=True)
    out["count"] = out["count"].astype("int64")
    return out.sort_values(["journey_id", "from_state", "to_state"], kind="stable",
                           ignore_index=True)


def transitions_from_paths(paths: list[list[str]], converted: list[bool]) -> pd.DataFrame:
    """Transition counts of a few explicit paths (for examples, tests and what-ifs).

    Parameters
    ----------
    paths : list of list of str
        Labels of each journey's touches in order; empty journeys are skipped.
    converted : list of bool
        Whether each journey converted.

    Returns
    -------
    pandas.DataFrame
        As :func:`path_transitions`.
    """
    if len(paths) != len(converted):
        raise ParamError("paths and converted must have the same length")
    pairs: dict[tuple[str, str], int] = {}
    for path, conv in zip(paths, converted, strict=True):
        if not path:
            continue
        states = [START, *path, CONVERSION if conv else NULL]
        for a, b in zip(states[:-1], states[1:], strict=True):
            pairs[(a, b)] = pairs.get((a, b), 0) + 1
    return pd.DataFrame([(a, b, c) for (a, b), c in sorted(pairs.items())],
                        columns=["from_state", "to_state", "count"])


def _conversion_probability(Q: np.ndarray, R: np.ndarray) -> float:
    # Absorption probabilities B = (I - Q)^-1 R; row 0 is the start state, column 0 conversion.
    B = np.linalg.solve(np.eye(len(Q)) - Q, R)
    return float(B[0, 0])


def markov_removal_effects(transitions: pd.DataFrame) -> pd.DataFrame:
    """Removal effect of every label in a first-order absorbing Markov chain.

    Parameters
    ----------
    transitions : pandas.DataFrame
        ``from_state, to_state, count`` as from :func:`path_transitions`.

    Returns
    -------
    pandas.DataFrame
        ``label, removal_effect, share``, largest effect first. ``attrs["base_probability"]``
        holds the conversion probability of the full chain.
    """
    t = transitions[transitions["count"] > 0]
    labels = sorted((set(t["from_state"]) | set(t["to_state"])) - {START, CONVERSION, NULL})
    cols = ["label", "removal_effect", "share"]
    if not labels:
        out = pd.DataFrame(columns=cols)
        out.attrs["base_probability"] = np.nan
        return out
    transient = [START, *labels]
    idx = {s: k for k, s in enumerate(transient)}
    absorbing = {CONVERSION: 0, NULL: 1}
    counts = np.zeros((len(transient), len(transient) + 2))
    for a, b, c in t[["from_state", "to_state", "count"]].itertuples(index=False):
        if a not in idx:
            raise ParamError(f"transition out of absorbing state {a!r}")
        col = absorbing[b] + len(transient) if b in absorbing else idx[b]
        counts[idx[a], col] += c
    totals = counts.sum(axis=1, keepdims=True)
    # A state never left (no outgoing counts) is treated as ending in null.
    counts[totals[:, 0] == 0, len(transient) + 1] = 1.0
    P = counts / counts.sum(axis=1, keepdims=True)
    Q, R = P[:, : len(transient)], P[:, len(transient):]
    base = _conversion_probability(Q, R)
    effects = []
    for lab in labels:
        k = idx[lab]
        Qr, Rr = Q.copy(), R.copy()
        Qr[k, :] = 0.0
        Rr[k, :] = (0.0, 1.0)
        p = _conversion_probability(Qr, Rr)
        effects.append(1 - p / base if base > 0 else np.nan)
    eff = np.asarray(effects, dtype=float)
    total = np.nansum(eff)
    out = pd.DataFrame({"label": labels, "removal_effect": eff,
                        "share": eff / total if total > 0 else np.nan})
    out = out.sort_values(["removal_effect", "label"], ascending=[False, True],
                          ignore_index=True)
    out.attrs["base_probability"] = base
    return out


def markov_credits(transitions: pd.DataFrame, conversions: float, value: float) -> pd.DataFrame:
    """Share conversions and value out by Markov removal-effect share.

    Parameters
    ----------
    transitions : pandas.DataFrame
        As from :func:`path_transitions`.
    conversions, value : float
        Converting journeys with touches and their value.

    Returns
    -------
    pandas.DataFrame
        ``label, model, conversions, value, removal_effect``.
    """
    eff = markov_removal_effects(transitions)
    return pd.DataFrame({"label": eff["label"], "model": "markov",
                         "conversions": eff["share"] * conversions,
                         "value": eff["share"] * value,
                         "removal_effect": eff["removal_effect"]})
