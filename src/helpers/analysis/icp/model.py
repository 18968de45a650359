"""The look-alike model: calibrated logistic regression on account attributes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.analysis.icp.attributes import (
    _MISSING,
    _OTHER,
    LOOKALIKE_CATEGORICAL,
    LOOKALIKE_NUMERIC,
    has_data,
)
from helpers.analysis.icp.labels import _append, _label, _text, _value_text
from helpers.core.errors import DataError, ParamError
from helpers.presentation import i18n

__all__ = ["LookalikeModel", "fit_lookalike", "lookalike_attributes", "model_gate"]


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


def _log1p_nonneg(x):
    return np.log1p(np.clip(x, 0, None))


def model_gate(model: LookalikeModel | None, *, min_auc: float = 0.6) -> bool:
    """Whether the look-alike model ranks accounts well enough to state its signs and lists.

    The cross-validated ROC-AUC must reach ``min_auc`` and every fold must beat chance.
    """
    if model is None or not np.isfinite(model.cv_auc_):
        return False
    return bool(model.cv_auc_ >= min_auc and np.nanmin(model.cv_auc_folds_) > 0.5)
