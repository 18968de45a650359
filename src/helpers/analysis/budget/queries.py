"""The budget's engine work: value tiers of accounts and actual spend per channel and period.

These are the only functions of the package that touch the workspace; everything else works
on the pandas frames they return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.analysis.budget.tiers import value_uplift
from helpers.core.errors import DataError
from helpers.core.params import as_of_date

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "account_value_tiers",
    "spend_by_period",
]


def account_value_tiers(ws: Workspace, as_of: Any, *, uplift_rate: float = 0.1,
                        **value_options) -> pd.DataFrame:
    """Value tier and expected CLV uplift per account, from the value assessment.

    Calls :func:`helpers.analysis.key_accounts.value_table` and keeps ``account_id, account_name,
    value_tier, clv, clv_uplift``. The CLV is the profit CLV when the table has it; the
    expected uplift from account-based programmes is the table's ``clv_uplift`` when it has
    one, else ``uplift_rate`` x CLV (negative CLV counts as no uplift).

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    uplift_rate : float
        Expected CLV uplift as a share of CLV.
    **value_options
        Passed to :func:`helpers.analysis.key_accounts.value_table` (tier thresholds, horizon, ...).

    Returns
    -------
    pandas.DataFrame
    """
    from helpers.analysis import key_accounts

    return value_uplift(key_accounts.value_table(ws, as_of, **value_options), uplift_rate)


def spend_by_period(ws: Workspace, as_of: Any) -> pd.DataFrame:
    """Actual spend per channel and period up to ``as_of``, aggregated in the engine.

    Returns
    -------
    pandas.DataFrame
        ``channel, period_start, actual``.
    """
    if not ws.has("marketing_spend"):
        raise DataError("cost control needs the marketing_spend table, which this data "
                        "source does not have")
    as_of_d = as_of_date(as_of)
    t = ws.table("marketing_spend")
    t = t.filter(t.period_start.notnull(), t.period_start <= as_of_d, t.channel.notnull())
    t = t.mutate(channel=t.channel.strip().lower())
    df = t.group_by(["channel", "period_start"]).aggregate(
        actual=t.spend.fill_null(0).sum()).to_pandas()
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["actual"] = df["actual"].astype(float)
    return df.sort_values(["period_start", "channel"]).reset_index(drop=True)
