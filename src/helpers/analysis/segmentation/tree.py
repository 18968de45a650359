"""A shallow surrogate decision tree that explains the clusters in readable rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.tree import DecisionTreeClassifier, export_text

from helpers.core.errors import ParamError
from helpers.presentation import i18n

__all__ = [
    "Surrogate",
    "readable_rules",
    "surrogate_tree",
    "tree_paths",
]


@dataclass
class Surrogate:
    """A shallow decision tree that mimics the clusters.

    Attributes
    ----------
    tree : sklearn.tree.DecisionTreeClassifier
        Fitted on all accounts.
    fidelity : float
        Share of held-out accounts (30 %) whose cluster the tree, fitted on the rest,
        predicts correctly.
    rules : str
        The tree as indented text rules.
    paths : pandas.DataFrame
        One row per leaf: ``conditions`` (the path as one readable rule), ``cluster`` and
        ``accounts`` (see :func:`tree_paths`).
    """

    tree: DecisionTreeClassifier
    fidelity: float
    rules: str = field(repr=False)
    paths: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def surrogate_tree(features: pd.DataFrame, labels: pd.Series, *, names: dict | None = None,
                   max_depth: int = 3, seed: int = 0, language: str = "en") -> Surrogate:
    """Explain the clusters with a shallow decision tree on the readable features.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`behaviour_features` output; missing values are allowed.
    labels : pandas.Series
        Cluster per account.
    names : dict, optional
        cluster -> name for the printed rules.
    max_depth : int, default 3
    seed : int
    language : {"en", "zh"}
        Language of the missing-value splits in the rules (see :func:`readable_rules`).

    Returns
    -------
    Surrogate
    """
    if isinstance(max_depth, bool) or not isinstance(max_depth, (int, np.integer)) \
            or max_depth < 1:
        raise ParamError(f"tree_depth must be a whole number >= 1, got {max_depth!r}")
    X, y = features.to_numpy(dtype="float64"), labels.to_numpy()
    rng = np.random.default_rng(seed)
    test = rng.random(len(y)) < 0.3
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=seed, min_samples_leaf=5)
    if test.any() and (~test).any():
        fidelity = float((tree.fit(X[~test], y[~test]).predict(X[test]) == y[test]).mean())
    else:
        fidelity = float("nan")
    tree = clone(tree).fit(X, y)
    classes = [str(names.get(c, c)) if names else str(c) for c in tree.classes_]
    rules = export_text(tree, feature_names=list(features.columns), class_names=classes,
                        decimals=2)
    return Surrogate(tree=tree, fidelity=fidelity, rules=readable_rules(rules, language),
                     paths=tree_paths(tree, list(features.columns), classes, language))


def _bound(value: float) -> str:
    a = abs(value)
    return f"{value:,.0f}" if a >= 100 else f"{value:,.1f}" if a >= 10 else f"{value:,.2f}"


def tree_paths(tree: DecisionTreeClassifier, feature_names: list[str], classes: list[str],
               language: str = "en") -> pd.DataFrame:
    """Each leaf of a fitted tree as one readable rule, largest leaf first.

    Splits on the same feature along a path merge into one range ("0.05 < share email
    <= 0.37"); a split at an infinite threshold (known against missing) reads in words.

    Parameters
    ----------
    tree : sklearn.tree.DecisionTreeClassifier
        Fitted.
    feature_names : list of str
        Readable feature names, in the order the tree was fitted on.
    classes : list of str
        Readable class names, in ``tree.classes_`` order.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        ``conditions``, ``cluster``, ``accounts``.
    """
    t_ = tree.tree_
    rows = []

    def walk(node: int, bounds: dict) -> None:
        left, right = t_.children_left[node], t_.children_right[node]
        if left == right:  # a leaf
            parts = []
            for feature, (low, high, known) in bounds.items():
                name = feature_names[feature]
                if known is not None:
                    parts.append(i18n.t("customer_segmentation.tree." + ("known" if known else "missing"),
                                        language, feature=name))
                if low is not None and high is not None:
                    parts.append(f"{_bound(low)} < {name} ≤ {_bound(high)}")
                elif high is not None:
                    parts.append(f"{name} ≤ {_bound(high)}")
                elif low is not None:
                    parts.append(f"{name} > {_bound(low)}")
            rows.append({"conditions": i18n.t("customer_segmentation.tree.and", language).join(parts)
                         or i18n.t("customer_segmentation.tree.all", language),
                         "cluster": classes[int(np.argmax(t_.value[node][0]))],
                         "accounts": int(t_.n_node_samples[node])})
            return
        feature, threshold = int(t_.feature[node]), float(t_.threshold[node])
        low, high, known = bounds.get(feature, (None, None, None))
        if not np.isfinite(threshold):
            walk(left, {**bounds, feature: (low, high, True)})
            walk(right, {**bounds, feature: (low, high, False)})
            return
        walk(left, {**bounds, feature: (low, threshold if high is None else min(high, threshold), known)})
        walk(right, {**bounds, feature: (threshold if low is None else max(low, threshold), high, known)})

    walk(0, {})
    frame = pd.DataFrame(rows, columns=["conditions", "cluster", "accounts"])
    return frame.sort_values("accounts", ascending=False, kind="stable").reset_index(drop=True)


def readable_rules(rules: str, language: str = "en") -> str:
    """Tree rules with the missing-value splits in words.

    A tree fitted with missing values splits "known against missing" at an infinite
    threshold; ``x <= inf`` reads "x is known" and ``x > inf`` "x has no value".

    Parameters
    ----------
    rules : str
        ``sklearn.tree.export_text`` output.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    def say(key: str, match) -> str:
        return match.group(1) + i18n.t(f"customer_segmentation.tree.{key}", language,
                                       feature=match.group(2))

    rules = re.sub(r"(\|--- )(.+?) <= inf\b", partial(say, "known"), rules)
    return re.sub(r"(\|--- )(.+?) >\s+inf\b", partial(say, "missing"), rules)
