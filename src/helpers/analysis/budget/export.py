"""The plan for finance: the plan as lines that sum to the budget, and the workbook's sheets.

Nothing here writes a file; the notebook writes the frames with
:func:`helpers.report.outputs.write_export` and :func:`helpers.report.outputs.write_xlsx`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from helpers.analysis.budget.plan import BudgetFrame

__all__ = [
    "export_sheets",
    "plan_lines",
]


def plan_lines(frame: BudgetFrame, mix: pd.DataFrame, tiers: pd.DataFrame | None = None
               ) -> pd.DataFrame:
    """The whole plan as finance lines that sum to the total budget.

    Returns
    -------
    pandas.DataFrame
        ``section, line, current, proposed, change, expected_outcome, periods``; sections are
        ``reserve``, ``fixed``, ``channel``, ``account tier`` (or ``account-facing`` when no
        tiers are given).
    """
    rows = [{"section": "reserve", "line": "risk reserve", "proposed": frame.reserve}]
    rows += [{"section": "fixed", "line": name, "proposed": amount}
             for name, amount in frame.fixed_lines.items()]
    rows += [{"section": "channel", "line": r.channel, "current": r.current,
              "proposed": r.proposed, "change": r.change,
              "expected_outcome": r.outcome_proposed} for r in mix.itertuples()]
    if tiers is not None and len(tiers):
        rows += [{"section": "account tier", "line": r.tier, "proposed": r.budget}
                 for r in tiers.itertuples()]
    else:
        rows.append({"section": "account-facing", "line": "account-based programmes",
                     "proposed": frame.account_facing})
    out = pd.DataFrame(rows).reindex(columns=["section", "line", "current", "proposed",
                                              "change", "expected_outcome"])
    out["periods"] = frame.periods
    return out


def export_sheets(views: Mapping[str, pd.DataFrame | None]) -> dict[str, pd.DataFrame]:
    """Every view as one sheet of the plan workbook, ready for an XLSX writer.

    Parameters
    ----------
    views : mapping of str to pandas.DataFrame or None
        Sheet name -> table, in sheet order; ``None`` (a part the data did not allow) is
        left out.

    Returns
    -------
    dict of str to pandas.DataFrame
        Excel-safe sheet name -> table: names lose ``[]:*?/\\``, are cut to Excel's 31
        characters and made unique; times lose their time zone and infinite values become
        empty cells, which Excel cannot hold otherwise.
    """
    used: set[str] = set()
    sheets: dict[str, pd.DataFrame] = {}
    for name, df in views.items():
        if df is None:
            continue
        sheet = "".join(ch for ch in str(name) if ch not in "[]:*?/\\")[:31] or "sheet"
        while sheet in used:
            sheet = sheet[:28] + f"_{len(used)}"
        used.add(sheet)
        frame = df.copy()
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
                frame[col] = frame[col].dt.tz_localize(None)
        sheets[sheet] = frame.replace([np.inf, -np.inf], np.nan)
    return sheets
