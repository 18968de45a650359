"""Rule texts of scorecards and MCP gates: parsing, evaluation, warnings and labels.

Rules are short texts, so they read well in YAML: ``"employees at least 50"``,
``"industry in Manufacturing, Logistics"``, ``"region not in Nordics"``,
``"is_competitor_customer is true"``. Operators in words: ``at least``, ``at most``, ``above``
(``more than``), ``below`` (``less than``), ``is``, ``is not``, ``in``, ``not in``; or as symbols
``>=``, ``<=``, ``>``, ``<``, ``=`` (``==``), ``!=``. Words keep ``=`` out of notebook parameter
lines, which papermill cannot parse otherwise. A missing value never satisfies a rule: the
account gets no points for it and fails the gate ("unknown").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches

import numpy as np
import pandas as pd

from helpers.analysis.icp.labels import _join_or, _label, _value_text
from helpers.core.errors import ParamError, suggest
from helpers.presentation import i18n

__all__ = ["Rule", "parse_rule", "rule_label", "rule_warnings"]


_LIST_OPS = ("not in", "in")


_CMP = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less,
        "=": np.equal, "==": np.equal, "!=": np.not_equal}


_RULE_WORDS = re.compile(
    r"^\s*(?P<col>\w+)\s+(?P<op>not\s+in|in|is\s+not|is|at\s+least|at\s+most|more\s+than|"
    r"less\s+than|above|below)\s+(?P<val>.+?)\s*$", re.I)


_WORD_OPS = {"is not": "!=", "is": "=", "at least": ">=", "at most": "<=", "more than": ">",
             "above": ">", "less than": "<", "below": "<"}


_RULE_CMP = re.compile(r"^\s*(?P<col>\w+)\s*(?P<op>>=|<=|==|!=|=|>|<)\s*(?P<val>.+?)\s*$")


_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


@dataclass(frozen=True)
class Rule:
    """One criterion on an account attribute, parsed from text like ``"employees >= 50"``.

    Attributes
    ----------
    text : str
        The rule as written.
    column : str
        Account feature column.
    op : str
        ``>=``, ``<=``, ``>``, ``<``, ``=``, ``!=``, ``in`` or ``not in``.
    values : tuple
        The value(s) compared with.
    """

    text: str
    column: str
    op: str
    values: tuple

    def evaluate(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Whether each account satisfies the rule, and whether its value is known.

        Parameters
        ----------
        features : pandas.DataFrame

        Returns
        -------
        passed, known : numpy.ndarray of bool
            A missing value is never ``passed``.
        """
        s = features[self.column]
        known = s.notna().to_numpy()
        if self.op in _LIST_OPS:
            text = s.astype("object").where(s.notna(), "").astype(str).str.casefold()
            hit = text.isin([str(v).casefold() for v in self.values]).to_numpy()
            passed = hit if self.op == "in" else ~hit
        elif _is_bool(s):
            target = self.values[0]
            vals = s.astype("object").where(s.notna(), False).astype(bool).to_numpy()
            passed = _CMP[self.op](vals, target)
        elif _is_numeric(s):
            vals = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                passed = _CMP[self.op](vals, float(self.values[0]))
        else:
            vals = s.astype("object").where(s.notna(), "").astype(str).str.casefold()
            passed = _CMP[self.op](vals.to_numpy(dtype=object), str(self.values[0]).casefold())
        return np.asarray(passed, dtype=bool) & known, known


def _is_bool(s: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(s.dtype)


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not _is_bool(s)


def parse_rule(text: str, features: pd.DataFrame, *, what: str = "rule") -> Rule:
    """Parse a rule text against the account feature columns.

    Parameters
    ----------
    text : str
        ``"<column> <op> <value>"``; for ``in`` / ``not in`` a comma-separated list.
    features : pandas.DataFrame
        Account features, to check the column and its type.
    what : str
        Name used in error messages (``"scorecard rule"``, ``"MCP gate"``).

    Returns
    -------
    Rule
    """
    if not isinstance(text, str) or not text.strip():
        raise ParamError(f"{what} {text!r} is empty; write it like 'employees >= 50'")
    m = _RULE_WORDS.match(text) or _RULE_CMP.match(text)
    if not m:
        raise ParamError(f"{what} {text!r} is not understood; write '<column> <op> <value>' "
                         "with op one of: at least, at most, above, below, is, is not, in, "
                         "not in (or >=, <=, >, <, =, !=); for example "
                         "'employees at least 50' or 'industry in Manufacturing, Logistics'")
    col, op, raw = m.group("col"), re.sub(r"\s+", " ", m.group("op").lower()), m.group("val")
    op = _WORD_OPS.get(op, op)
    if col not in features.columns:
        raise ParamError(f"{what} {text!r}: {col!r} is not an account attribute"
                         + suggest(col, list(features.columns)))
    s = features[col]
    if op in _LIST_OPS:
        values = tuple(v.strip() for v in raw.split(",") if v.strip())
        if not values:
            raise ParamError(f"{what} {text!r}: give at least one value after '{op}'")
        return Rule(text, col, op, values)
    if _is_bool(s):
        low = raw.strip().lower()
        if low not in _TRUE | _FALSE or op not in ("=", "==", "!="):
            raise ParamError(f"{what} {text!r}: {col} is yes/no; write '{col} = true' or "
                             f"'{col} = false'")
        return Rule(text, col, op, (low in _TRUE,))
    if _is_numeric(s):
        try:
            number = float(raw.replace(",", "").replace("_", ""))
        except ValueError:
            raise ParamError(f"{what} {text!r}: {col} is a number, so {raw!r} must be a "
                             "number too") from None
        return Rule(text, col, op, (number,))
    if op not in ("=", "==", "!="):
        raise ParamError(f"{what} {text!r}: {col} is text, so use is, is not, in or not in")
    return Rule(text, col, op, (raw.strip(),))


def rule_warnings(rules: Sequence[Rule], features: pd.DataFrame) -> list[str]:
    """Values named in rules that no account has (typos, or another language's labels).

    Parameters
    ----------
    rules : sequence of Rule
    features : pandas.DataFrame

    Returns
    -------
    list of str
        One sentence per rule with unknown values, naming the closest existing value when
        there is one.
    """
    out = []
    for rule in rules:
        s = features[rule.column]
        if _is_numeric(s) or _is_bool(s):
            continue
        present = {str(v) for v in s.dropna().astype("object").unique()}
        folded = {v.casefold() for v in present}
        missing = []
        for v in rule.values:
            if str(v).casefold() not in folded:
                hint = get_close_matches(str(v), sorted(present), n=1)
                missing.append(repr(str(v)) + (f" (closest: {hint[0]!r})" if hint else ""))
        if missing:
            out.append(f"'{rule.text}': no account has {rule.column} = " + _join_or(missing))
    return out


_RULE_OPS = {">=": "ge", "<=": "le", ">": "gt", "<": "lt", "=": "eq", "==": "eq", "!=": "ne",
             "in": "in", "not in": "not_in"}


def rule_label(rule: Rule, language: str = "en") -> str:
    """A rule as a report states it: the text as written in English, translated otherwise.

    Parameters
    ----------
    rule : Rule
        Output of :func:`parse_rule`.
    language : {"en", "zh"}

    Returns
    -------
    str
        ``"employees at least 10"`` stays as written in English; in Chinese it reads
        ``"员工人数至少 10"``. Values from the data are not translated.
    """
    if language == "en":
        return rule.text
    values = i18n.t("customer_profiling.join.sep", language).join(
        _value_text(v, language) for v in rule.values)
    return i18n.t(f"customer_profiling.rule.{_RULE_OPS[rule.op]}", language,
                  attribute=_label(rule.column, language), value=values)
