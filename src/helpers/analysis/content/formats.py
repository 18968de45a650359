"""Numbers as people read them: one value, a table of text, a headline figure, an interval."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from helpers.analysis.content.labels import DASH, is_known, weekday_name
from helpers.core.errors import ParamError
from helpers.presentation import i18n

__all__ = [
    "COLUMN_FORMATS",
    "format_table",
    "format_value",
    "rounded",
    "with_interval",
]


#: how each column of the report's tables is shown (see :func:`format_value`)
COLUMN_FORMATS: dict[str, str] = {
    **dict.fromkeys((
        "assets", "views", "touches", "reached_accounts", "engaged_accounts", "downloads",
        "registrations", "converting_accounts", "converted_touches", "opportunities",
        "won_opportunities", "responses", "accounts", "recent_assets", "accounts_reached",
        "targets_reached", "leads", "won", "new_customers", "units_a", "conversions_a",
        "units_b", "conversions_b", "n_required", "days", "touches_in_window",
        "touches_on_day", "rank", "rank_low", "rank_high"), "count"),
    **dict.fromkeys((
        "cost", "pipeline", "won_revenue", "cost_per_engaged_account", "cost_per_opportunity",
        "spend", "cost_per_lead", "won_value", "cac"), "money"),
    **dict.fromkeys((
        "interaction_rate", "conversion_rate", "conversion_rate_low", "conversion_rate_high",
        "rate", "rate_low", "rate_high", "share_of_responses", "coverage", "share",
        "touch_conversion_rate", "rate_a", "rate_b", "opportunity_rate"), "percent"),
    **dict.fromkeys((
        "first_touch", "last_touch", "linear", "time_decay", "position_based", "markov",
        "spread"), "percent"),
    **dict.fromkeys(("prob_b_better", "power", "mde_lift", "prob_best", "main_share"),
                    "percent0"),
    **dict.fromkeys(("roi",), "signed_percent"),
    **dict.fromkeys(("diff", "ci_low", "ci_high"), "points"),
    **dict.fromkeys(("lift", "lift_low", "lift_high"), "times"),
    **dict.fromkeys(("p_value", "p_adjusted", "srm_p"), "p"),
    **dict.fromkeys(("significant", "srm", "gap", "enough_data", "below_min_sample"), "flag"),
    **dict.fromkeys(("hour_start", "hour_end"), "hour"),
    **dict.fromkeys(("weekday_name",), "weekday"),
}


def format_value(value, kind: str = "number", language: str = "en") -> str:
    """One value as people read it, or :data:`DASH` when it cannot be computed.

    Parameters
    ----------
    value : object
        A number, flag or text; None, NA, NaN, NaT and infinities give :data:`DASH`.
    kind : {"count", "money", "percent", "percent0", "signed_percent", "points", "times", \
"p", "flag", "hour", "weekday", "number", "text"}
        ``count`` 1,234; ``money`` 12,345 (no decimals, the currency is named once in the
        text); ``percent`` 4.9%; ``percent0`` 5%; ``signed_percent`` +123%; ``points`` a
        difference of rates in percentage points (+2.72); ``times`` a ratio (4.07);
        ``p`` a p-value (0.0123); ``flag`` yes or no; ``hour`` 09:00; ``weekday`` a
        :data:`WEEKDAYS` name in ``language``; ``number`` 1,234.57; ``text`` as is.
    language : {"en", "zh"}
        For flags and weekdays.

    Returns
    -------
    str
    """
    if not is_known(value) or (isinstance(value, str) and not value.strip()):
        return DASH
    if kind in ("text", "weekday"):
        text = str(value).strip()
        if not text:
            return DASH
        return weekday_name(text, language) if kind == "weekday" else text
    if kind == "flag":
        return i18n.t("content_evaluation.yes" if bool(value) else "content_evaluation.no",
                      language)
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    formats = {
        "count": lambda: f"{round(v):,}",
        "money": lambda: f"{v:,.0f}",
        "percent": lambda: f"{v:.1%}",
        "percent0": lambda: f"{v:.0%}",
        "signed_percent": lambda: f"{v:+.0%}",
        "points": lambda: f"{v * 100:+.2f}",
        "times": lambda: f"{v:.2f}",
        "p": lambda: f"{v:.3g}",
        "hour": lambda: f"{int(v):02d}:00",
        "number": lambda: f"{v:,.2f}",
    }
    if kind not in formats:
        raise ParamError(f"format kind {kind!r} is not known; use one of "
                         f"{', '.join([*formats, 'text', 'weekday', 'flag'])}")
    return formats[kind]()


def format_table(frame: pd.DataFrame, *, columns: Iterable[str] | None = None,
                 index: str | None = None, headers: Mapping[str, str] | None = None,
                 formats: Mapping[str, str] | None = None, drop_empty: bool = False,
                 language: str = "en") -> pd.DataFrame:
    """A table of text for a report: every value formatted, unknowns as :data:`DASH`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any of this module's tables.
    columns : iterable of str, optional
        Columns shown, in this order; all when omitted.
    index : str, optional
        Column shown as the row label (as text); without it the rows carry no label.
    headers : mapping, optional
        Column name -> header in the report language.
    formats : mapping, optional
        Column name -> kind of :func:`format_value`, over :data:`COLUMN_FORMATS`; other
        columns are ``number`` when numeric, else ``text``.
    drop_empty : bool
        Leave out columns without a single known value (e.g. spend without a spend table).
    language : {"en", "zh"}

    Returns
    -------
    pandas.DataFrame
        Strings only.
    """
    kinds = {**COLUMN_FORMATS, **dict(formats or {})}
    headers = dict(headers or {})
    cols = [c for c in (list(columns) if columns is not None else frame.columns) if c != index]
    missing = [c for c in [*cols, *([index] if index else [])] if c not in frame.columns]
    if missing:
        raise ParamError(f"the table has no column {missing[0]!r}; columns: "
                         f"{', '.join(map(str, frame.columns))}")
    if drop_empty:
        cols = [c for c in cols if frame[c].map(is_known).any()]
    out = pd.DataFrame(index=range(len(frame)))
    for col in cols:
        series = frame[col]
        default = "number" if pd.api.types.is_numeric_dtype(series) and not \
            pd.api.types.is_bool_dtype(series) else "text"
        kind = kinds.get(col, default)
        out[headers.get(col, col)] = [format_value(v, kind, language) for v in series]
    if index is not None:
        out.index = pd.Index([format_value(v, "text") for v in frame[index]],
                             name=headers.get(index, index))
    return out


def rounded(value, digits: int = 0, scale: float = 1.0):
    """``value * scale`` rounded for a headline card, or None when it cannot be computed."""
    if not is_known(value):
        return None
    out = round(float(value) * scale, digits)
    return int(out) if digits == 0 else out


def with_interval(value, low, high, kind: str = "percent", language: str = "en") -> str:
    """A figure with its interval in one cell: ``4.2% (3.1–5.6%)``, ``1.8× (1.2–2.6×)``.

    Parameters
    ----------
    value, low, high : float
    kind : {"percent", "times", "points"}
    language : {"en", "zh"}

    Returns
    -------
    str
        :data:`DASH` for an unknown value; the value alone when the interval is unknown.
    """
    if not is_known(value):
        return DASH

    def one(v):
        v = float(v)
        if kind == "percent":
            return f"{v:.1%}"
        if kind == "times":
            return f"{v:.1f}×"
        return f"{v * 100:+.1f}"

    if not (is_known(low) and is_known(high)):
        return one(value)
    unit = (" 个百分点" if language == "zh" else " pts") if kind == "points" else ""
    return f"{one(value)}{unit} ({one(low)} – {one(high)})"
