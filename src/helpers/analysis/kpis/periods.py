"""KPI periods: calendar months and quarters, their windows and names."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from helpers.core.errors import ParamError, suggest
from helpers.core.params import as_of_date

from .formulas import FREQS

__all__ = [
    "kpi_periods",
    "next_periods",
    "period_name",
    "trailing_window",
]


def _month_start(d: dt.date, shift: int = 0) -> dt.date:
    months = d.year * 12 + d.month - 1 + shift
    return dt.date(months // 12, months % 12 + 1, 1)


def _month_end(d: dt.date) -> dt.date:
    return _month_start(d, 1) - dt.timedelta(days=1)


def _check_freq(freq: str) -> int:
    if freq not in FREQS:
        raise ParamError(f"freq must be one of {', '.join(FREQS)}, not {freq!r}"
                         + suggest(str(freq), list(FREQS)))
    return FREQS[freq]


def _period_label(start: dt.date, freq: str) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}" if freq == "quarter" \
        else f"{start.year}-{start.month:02d}"


_PERIOD_RE = re.compile(r"^(\d{4})-(?:Q([1-4])|(\d{2}))$")


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")


def _parse_period(period: Any) -> tuple[int, int, str] | None:
    """``"2026-Q2"`` -> ``(2026, 2, "quarter")``, ``"2026-06"`` -> ``(2026, 6, "month")``."""
    m = _PERIOD_RE.match(str(period))
    if not m:
        return None
    if m.group(2):
        return int(m.group(1)), int(m.group(2)), "quarter"
    month = int(m.group(3))
    return (int(m.group(1)), month, "month") if 1 <= month <= 12 else None


def period_name(period: Any, language: str = "en") -> str:
    """A period label of :func:`kpi_periods` as a person reads it.

    ``2026-Q2`` stays ``2026-Q2`` in English and becomes ``2026年第2季度`` in Chinese;
    ``2026-06`` becomes ``Jun 2026`` or ``2026年6月``. Other labels are returned as they are.

    Parameters
    ----------
    period : str
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    parsed = _parse_period(period)
    if parsed is None:
        return str(period)
    year, n, kind = parsed
    if kind == "quarter":
        return f"{year}年第{n}季度" if language == "zh" else f"{year}-Q{n}"
    return f"{year}年{n}月" if language == "zh" else f"{_MONTHS_EN[n - 1]} {year}"


def next_periods(period: Any, n: int) -> list[str] | None:
    """The ``n`` period labels after ``period`` (``2026-Q2`` -> ``2026-Q3``, ``2026-Q4``).

    Returns
    -------
    list of str or None
        ``None`` when ``period`` is not a month or quarter label.
    """
    parsed = _parse_period(period)
    if parsed is None:
        return None
    year, k, kind = parsed
    per_year = 4 if kind == "quarter" else 12
    out = []
    for i in range(1, int(n) + 1):
        y, r = divmod(k - 1 + i, per_year)
        out.append(f"{year + y}-Q{r + 1}" if kind == "quarter" else f"{year + y}-{r + 1:02d}")
    return out


def _window_row(label: str, start: dt.date, end: dt.date) -> dict:
    return {"period": label, "start": start, "end": end,
            "cur_lo": _month_start(end, -11), "base_lo": _month_start(end, -23),
            "base_hi": _month_start(end, -12)}


def kpi_periods(as_of: Any, *, freq: str = "quarter", periods: int = 8) -> pd.DataFrame:
    """The last ``periods`` complete calendar months or quarters on or before ``as_of``.

    Parameters
    ----------
    as_of : date-like
    freq : {"month", "quarter"}
    periods : int

    Returns
    -------
    pandas.DataFrame
        ``period`` (``2026-06`` or ``2026-Q2``), ``start``, ``end`` (inclusive dates), and
        the month starts of the retention windows: ``cur_lo`` (first month of the trailing
        12 months), ``base_lo`` and ``base_hi`` (first and last month of the 12 before).
    """
    step = _check_freq(freq)
    if isinstance(periods, bool) or int(periods) < 1:
        raise ParamError(f"periods must be a positive whole number, not {periods!r}")
    day = as_of_date(as_of)
    last = day if day == _month_end(day) else _month_start(day) - dt.timedelta(days=1)
    while last.month % step:
        last = _month_start(last) - dt.timedelta(days=1)
    rows = []
    for i in range(int(periods) - 1, -1, -1):
        end = _month_end(_month_start(last, -i * step))
        start = _month_start(end, -(step - 1))
        rows.append(_window_row(_period_label(start, freq), start, end))
    return pd.DataFrame(rows)


def trailing_window(as_of: Any, *, months: int = 12) -> pd.DataFrame:
    """One period: the ``months`` calendar months up to ``as_of`` (the last one partial)."""
    day = as_of_date(as_of)
    if isinstance(months, bool) or int(months) < 1:
        raise ParamError(f"window months must be a positive whole number, not {months!r}")
    return pd.DataFrame([_window_row(f"{months}m to {day.isoformat()}",
                                     _month_start(day, -(int(months) - 1)), day)])


def _month_index(d: dt.date) -> int:
    """Months since year 0 of the month holding ``d`` (``year * 12 + month - 1``)."""
    return d.year * 12 + d.month - 1
