"""Data health tables for people: translated table and rule names, cell kinds."""

from __future__ import annotations

import pandas as pd

from helpers.analysis.data_health.queries import ACTIVITY_TABLES
from helpers.presentation import i18n

__all__ = [
    "COVERAGE_KINDS",
    "FINDING_KINDS",
    "SUPPORT_KINDS",
    "TABLE_KINDS",
    "coverage_view",
    "findings_table",
    "findings_view",
    "mark_stale",
    "rule_label",
    "table_label",
    "tables_view",
]


def table_label(table: str, language: str = "en") -> str:
    """A contract table's name for a report: the name itself in English, translated in Chinese."""
    return i18n.t(f"data_overview.table.{table}", language, default=table)


def findings_table(found: pd.DataFrame) -> pd.DataFrame:
    """Validation findings for the report: counts as whole numbers and "–" where none."""
    out = found.copy()
    out["count"] = [f"{int(c):,}" if pd.notna(c) else "–" for c in out["count"]]
    return out.fillna("–").replace({"": "–"})


#: Cell kinds of :func:`tables_view`.
TABLE_KINDS = {"table": "text", "required": "bool", "present": "bool", "rows": "int",
               "columns": "int", "missing_optional": "text"}


#: Cell kinds of :func:`coverage_view`.
COVERAGE_KINDS = {"table": "text", "first": "date", "last": "date", "days_since_last": "int",
                  "rows_after_as_of": "int", "stale": "bool"}


#: Cell kinds of :func:`findings_view`.
FINDING_KINDS = {"severity": "text", "table": "text", "column": "text", "rule": "text",
                 "count": "int"}


#: Cell kinds of :func:`support_by_report`.
SUPPORT_KINDS = {"notebook": "text", "supported": "int", "partial": "int",
                 "not_supported": "int"}


def _sep(language: str) -> str:
    return i18n.t("data_overview.join.sep", language)


def _month(stamp, language: str = "en") -> str:
    stamp = pd.Timestamp(stamp)
    return f"{stamp.year}年{stamp.month}月" if language == "zh" else stamp.strftime("%b %Y")


def tables_view(overview: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The table overview for people: table names in the report language, no source column.

    Parameters
    ----------
    overview : pandas.DataFrame
        From :func:`table_overview`.
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`TABLE_KINDS`; no missing optional column is ``None`` (shown "–").
    """
    out = overview.assign(table=[table_label(n, language) for n in overview["table"]])
    out["missing_optional"] = [v or None for v in out["missing_optional"]]
    return out[list(TABLE_KINDS)].reset_index(drop=True)


def mark_stale(coverage: pd.DataFrame, days: int) -> pd.DataFrame:
    """``coverage`` with a ``stale`` column: an activity table without events for ``days`` days."""
    out = coverage.copy()
    if out.empty:
        out["stale"] = pd.Series(dtype=bool)
        return out
    out["stale"] = out["table"].isin(ACTIVITY_TABLES) & (out["days_since_last"] > days)
    return out


def coverage_view(coverage: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Date coverage for people: translated table names, without the date-column codes."""
    out = coverage.assign(table=[table_label(n, language) for n in coverage["table"]])
    return out[[c for c in COVERAGE_KINDS if c in out.columns]].reset_index(drop=True)


def rule_label(rule: str, language: str = "en") -> str:
    """A validation rule code (``empty_column``) as words in ``language``."""
    return i18n.t(f"data_overview.rule.{rule}", language, default=rule.replace("_", " "))


def findings_view(found: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Validation findings for people: severity, table, column, rule in words and rows affected.

    The English messages and examples stay in the analyst version.
    """
    out = pd.DataFrame({
        "severity": [i18n.t(f"data_overview.severity.{s}", language, default=s)
                     for s in found["severity"]],
        "table": [table_label(n, language) if n else None for n in found["table"]],
        "column": [c or None for c in found["column"]],
        "rule": [rule_label(r, language) for r in found["rule"]],
        "count": pd.to_numeric(found["count"], errors="coerce"),
    })
    return out.reset_index(drop=True)

