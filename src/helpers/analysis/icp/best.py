"""Which accounts count as best customers: by margin, 24-month revenue or won deals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.core.errors import DataError, ParamError, suggest
from helpers.presentation import i18n

__all__ = [
    "BEST_DEFINITIONS", "BEST_FALLBACKS", "BestChoice", "MIN_MARGIN_COVERAGE",
    "best_customers", "best_definition_has_data", "choose_best", "describe_best",
]


#: Ways to define the best customers, with the text used in reports.
BEST_DEFINITIONS: dict[str, str] = {
    "margin": "top {share} of accounts by gross margin",
    "revenue_24m": "top {share} of accounts by revenue in the last 24 months",
    "won": "accounts with at least one won opportunity",
}


def _check_share(top_share: float) -> float:
    if isinstance(top_share, bool) or not isinstance(top_share, (int, float)) \
            or not 0 < top_share < 1:
        raise ParamError(f"best_top_share must be a share between 0 and 1 (0.2 = top 20%), "
                         f"got {top_share!r}")
    return float(top_share)


def describe_best(definition: str, top_share: float = 0.2, *, language: str = "en") -> str:
    """Plain-language description of a best-customer definition.

    Parameters
    ----------
    definition : {"margin", "revenue_24m", "won"}
    top_share : float
        Share of accounts for the ``top`` definitions.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    _check_definition(definition)
    if language == "en":
        return BEST_DEFINITIONS[definition].format(share=f"{top_share:.0%}")
    return i18n.t(f"customer_profiling.best.{definition}", language, share=f"{top_share:.0%}")


def _check_definition(definition: str) -> None:
    if definition not in BEST_DEFINITIONS:
        raise ParamError(
            f"best_definition {definition!r} is not known"
            + suggest(str(definition), list(BEST_DEFINITIONS))
            + f" Choose one of: {', '.join(BEST_DEFINITIONS)}"
        )


def best_customers(features: pd.DataFrame, definition: str = "margin",
                   top_share: float = 0.2, *, min_best: int = 10) -> pd.Series:
    """Mark the best customers.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account (``account_features`` output).
    definition : {"margin", "revenue_24m", "won"}
        ``margin``: the top ``top_share`` of all accounts by ``margin_total``;
        ``revenue_24m``: the top ``top_share`` by ``revenue_12m + revenue_prev_12m``;
        ``won``: accounts with at least one won opportunity (``opp_won > 0``).
    top_share : float
        Share of all accounts (prospects included) that counts as best, for the ``top``
        definitions. Only accounts with a positive value can be best; ties at the cut are
        broken by ``account_id`` so the result is reproducible.
    min_best : int
        Fewer best customers than this raise an error: lifts and models would be noise.

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``features``, named ``best``.
    """
    _check_definition(definition)
    top_share = _check_share(top_share)
    if definition == "won":
        if "opp_won" not in features or not (features.get("opp_count", features["opp_won"])
                                             > 0).any():
            raise DataError("best_definition 'won' needs opportunities, and the data has none; "
                            "use 'margin' or 'revenue_24m'")
        best = features["opp_won"].fillna(0).to_numpy() > 0
    else:
        if definition == "margin":
            value = features["margin_total"]
        else:
            value = features["revenue_12m"] + features["revenue_prev_12m"]
        value = pd.to_numeric(value, errors="coerce").fillna(0).to_numpy(dtype=float)
        k = int(round(top_share * len(features)))
        order = np.lexsort((features["account_id"].astype(str).to_numpy(), -value))
        best = np.zeros(len(features), dtype=bool)
        best[order[:k]] = True
        best &= value > 0
    n = int(best.sum())
    if n < min_best:
        raise DataError(f"only {n} best customers ({describe_best(definition, top_share)}); "
                        f"at least {min_best} are needed. Raise best_top_share or use more data")
    if n == len(features):
        raise DataError("every account counts as a best customer, so there is nothing to "
                        "compare; lower best_top_share or choose another best_definition")
    return pd.Series(best, index=features.index, name="best")


#: When the requested definition has no data, the one used instead.
BEST_FALLBACKS: dict[str, tuple[str, ...]] = {
    "margin": ("revenue_24m",), "won": ("revenue_24m",), "revenue_24m": (),
}


#: Share of customers with a known margin below which margin cannot rank them.
MIN_MARGIN_COVERAGE = 0.5


def best_definition_has_data(features: pd.DataFrame, definition: str) -> bool:
    """Whether the data can rank accounts by ``definition`` at all.

    ``margin`` needs a known gross margin for at least :data:`MIN_MARGIN_COVERAGE` of the
    customers and some positive margin; ``revenue_24m`` some positive revenue in the last
    24 months; ``won`` a won opportunity.

    Parameters
    ----------
    features : pandas.DataFrame
    definition : {"margin", "revenue_24m", "won"}

    Returns
    -------
    bool
    """
    _check_definition(definition)
    if definition == "won":
        return "opp_won" in features and bool((features["opp_won"].fillna(0) > 0).any())
    if definition == "margin":
        buyers = features["order_count"].fillna(0) > 0 if "order_count" in features \
            else pd.Series(True, index=features.index)
        margin = pd.to_numeric(features.loc[buyers, "margin_total"], errors="coerce")
        if not len(margin) or margin.notna().mean() < MIN_MARGIN_COVERAGE:
            return False
        return bool((margin > 0).any())
    value = pd.to_numeric(features["revenue_12m"], errors="coerce").fillna(0) \
        + pd.to_numeric(features["revenue_prev_12m"], errors="coerce").fillna(0)
    return bool((value > 0).any())


@dataclass
class BestChoice:
    """Which best-customer definition the data supports, and the best customers it gives.

    Attributes
    ----------
    requested : str
        The definition asked for.
    definition : str or None
        The definition used; ``None`` when none gives enough best customers.
    best : pandas.Series or None
        Boolean per account (see :func:`best_customers`).
    problem : str or None
        Why no definition works: ``"no_data"`` or ``"too_few"``; ``None`` when one does.
    detail : str
        The error of the last definition tried (English), for the analyst.
    """

    requested: str
    definition: str | None
    best: pd.Series | None
    problem: str | None = None
    detail: str = ""

    @property
    def fell_back(self) -> bool:
        """Whether another definition than the requested one is used."""
        return self.definition is not None and self.definition != self.requested


def choose_best(features: pd.DataFrame, definition: str = "margin", top_share: float = 0.2,
                *, min_best: int = 10) -> BestChoice:
    """Best customers by ``definition``, or by its fallback when the data lacks it.

    A missing margin is not a zero margin: without margins (see
    :func:`best_definition_has_data`) ranking by margin would pick nobody, so 24-month
    revenue ranks the accounts instead; ``won`` without won opportunities falls back the
    same way. The caller labels the fallback once.

    Parameters
    ----------
    features : pandas.DataFrame
    definition : {"margin", "revenue_24m", "won"}
    top_share : float
    min_best : int
        Fewest best customers that make a comparison (see :func:`best_customers`).

    Returns
    -------
    BestChoice
    """
    _check_definition(definition)
    _check_share(top_share)
    problem, detail = "no_data", ""
    for candidate in (definition, *BEST_FALLBACKS[definition]):
        if not best_definition_has_data(features, candidate):
            continue
        try:
            best = best_customers(features, candidate, top_share, min_best=min_best)
        except DataError as err:
            problem, detail = "too_few", str(err)
            continue
        return BestChoice(definition, candidate, best)
    return BestChoice(definition, None, None, problem, detail)
