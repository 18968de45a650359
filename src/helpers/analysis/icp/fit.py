"""Fit scores 0-100: points scorecard, MCP gates, model blend and Strong / Moderate / Weak.

The bucket thresholds and the MCP gates come from params; :func:`fit_scores` is the stable
interface other notebooks use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from helpers.analysis.icp.attributes import EXCLUDED, FIT_BUCKETS, has_data
from helpers.analysis.icp.best import best_customers
from helpers.analysis.icp.labels import _append, _label, _text, _value_text
from helpers.analysis.icp.model import LookalikeModel
from helpers.analysis.icp.rules import Rule, _is_numeric, parse_rule, rule_label
from helpers.core.errors import ParamError
from helpers.presentation import i18n

__all__ = [
    "bucket_counts", "check_thresholds", "fit_buckets", "fit_scores", "gate_failures",
    "mcp_check", "parse_scorecard", "score_disagreements", "scorecard_scores",
    "usable_scorecard",
]


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
