"""Stage mix, the migration matrix between two dates and the counts the report reads from them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.core.errors import DataError

from .rules import ENTRANT, STAGES
from .sentences import stage_label

__all__ = [
    "StageNumbers",
    "attach_stages",
    "migration_counts",
    "migration_matrix",
    "migration_shares",
    "stage_mix",
    "stage_numbers",
]


def stage_mix(stages: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """Accounts and share per stage, all six stages in order (zeros included).

    Parameters
    ----------
    stages : pandas.Series or DataFrame
        Stage labels, or a frame with a ``stage`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage``, ``accounts`` and ``share`` (0-1).
    """
    s = stages["stage"] if isinstance(stages, pd.DataFrame) else stages
    counts = pd.Series(pd.Categorical(s, categories=list(STAGES))).value_counts(sort=False)
    counts = counts.reindex(list(STAGES), fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame({
        "stage": list(STAGES),
        "accounts": counts.to_numpy(dtype="int64"),
        "share": counts.to_numpy(dtype="float64") / total if total else 0.0,
    })


def migration_matrix(before: pd.DataFrame, after: pd.DataFrame, *,
                     include_entrants: bool = True) -> pd.DataFrame:
    """Count accounts moving from each stage at the earlier date to each stage now.

    Parameters
    ----------
    before, after : pandas.DataFrame
        ``account_id`` and ``stage`` at the earlier and the later date (as from
        :func:`stages_for`).
    include_entrants : bool, default True
        Add a row :data:`ENTRANT` for accounts created between the two dates.

    Returns
    -------
    pandas.DataFrame
        Counts; rows are the earlier stage (all six, then the entrant row), columns the later
        stage. Each stage row sums to that stage's count at the earlier date.
    """
    b = before[["account_id", "stage"]].astype({"stage": "object"})
    a = after[["account_id", "stage"]].astype({"stage": "object"})
    pairs = a.merge(b, on="account_id", how="left", suffixes=("_after", "_before"))
    pairs["stage_before"] = pairs["stage_before"].fillna(ENTRANT)
    lost = len(set(b["account_id"]) - set(a["account_id"]))
    if lost:
        raise DataError(f"{lost} account(s) have a stage at the earlier date but none now; "
                        "pass stages for the same accounts at both dates")
    rows = [*STAGES, ENTRANT] if include_entrants else list(STAGES)
    table = pd.crosstab(pairs["stage_before"], pairs["stage_after"])
    table = table.reindex(index=rows, columns=list(STAGES), fill_value=0).astype("int64")
    table.index.name, table.columns.name = "stage_before", "stage_now"
    return table



def _stage_pairs(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Each account now with its stage before (missing for accounts created in between)."""
    pairs = after.rename(columns={"stage": "stage_now"}).merge(
        before.rename(columns={"stage": "stage_before"}), on="account_id", how="left")
    return pairs[["account_id", "stage_before", "stage_now"]]


def migration_shares(matrix: pd.DataFrame) -> pd.DataFrame:
    """Row shares of a migration matrix: where each earlier stage's accounts went.

    Parameters
    ----------
    matrix : pandas.DataFrame
        From :func:`migration_matrix`.

    Returns
    -------
    pandas.DataFrame
        Same shape; each row sums to 1 (rows with no accounts are 0).
    """
    totals = matrix.sum(axis=1)
    return matrix.div(totals.where(totals > 0), axis=0).fillna(0.0)


def attach_stages(features: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    """Add each account's lifecycle stage to its features.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per account with ``account_id``.
    stages : pandas.DataFrame
        From :func:`stages_for`: ``account_id`` and ``stage``.

    Returns
    -------
    pandas.DataFrame
        ``features`` with the columns of ``stages``; accounts without a stage are dropped.
    """
    return features.merge(stages, on="account_id")


@dataclass(frozen=True)
class StageNumbers:
    """The stage counts the findings and headline cards of the segmentation report use.

    Attributes
    ----------
    shares, accounts : pandas.Series
        Share (0-1) and number of accounts per stage.
    customers_before : int
        Growth and mature accounts at the start of the migration period.
    slipped : int
        Of those, the accounts declining or churned at its end.
    """

    shares: pd.Series
    accounts: pd.Series
    customers_before: int
    slipped: int

    @property
    def at_risk_accounts(self) -> int:
        """Accounts declining or churned now."""
        return int(self.accounts[["declining", "churned"]].sum())

    @property
    def at_risk_share(self) -> float:
        """Share of accounts declining or churned now."""
        return float(self.shares[["declining", "churned"]].sum())

    @property
    def growing_share(self) -> float:
        """Share of accounts new or in growth."""
        return float(self.shares[["growth", "new"]].sum())

    @property
    def slipped_share(self) -> float:
        """Share of the growth and mature accounts that slipped."""
        return self.slipped / max(self.customers_before, 1)


def stage_numbers(mix: pd.DataFrame, moves: pd.DataFrame) -> StageNumbers:
    """Count the accounts at risk now and those that slipped over the migration period.

    Parameters
    ----------
    mix : pandas.DataFrame
        From :func:`stage_mix`.
    moves : pandas.DataFrame
        From :func:`migration_matrix`: stage at the start (rows) by stage now (columns).

    Returns
    -------
    StageNumbers
    """
    by_stage = mix.set_index("stage")
    return StageNumbers(
        shares=by_stage["share"], accounts=by_stage["accounts"],
        customers_before=int(moves.loc[["growth", "mature"]].sum(axis=1).sum()),
        slipped=int(moves.loc[["growth", "mature"], ["declining", "churned"]].to_numpy().sum()))


def migration_counts(moves: pd.DataFrame, *, language: str = "en") -> pd.DataFrame:
    """The migration matrix as a table: stage before in the first column, stages named in ``language``.

    Parameters
    ----------
    moves : pandas.DataFrame
        From :func:`migration_matrix`.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        ``stage_before`` and one column of accounts per stage now.
    """
    out = moves.rename(columns=lambda s: stage_label(s, language))
    out.insert(0, "stage_before", [stage_label(s, language) for s in moves.index])
    return out
