"""Tables for people: the management tables and six-column briefs of the content tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from helpers.analysis.content.formats import COLUMN_FORMATS, format_value, with_interval
from helpers.analysis.content.labels import CODE_COLUMNS, is_known, relabel
from helpers.presentation import i18n

__all__ = [
    "PERFORMANCE_COLUMNS",
    "TABLE_COLUMNS",
    "attribution_brief",
    "channel_brief",
    "leaderboard_brief",
    "content_table",
    "performance_brief",
    "stage_brief",
    "timing_brief",
]


#: every column the analyst tables can show; the notebook translates each header
TABLE_COLUMNS = (
    "assets", "cost", "views", "reached_accounts", "interaction_rate", "downloads", "registrations", "conversion_rate",
    "conversion_rate_low", "conversion_rate_high", "opportunities", "pipeline", "won_revenue", "cost_per_engaged_account",
    "cost_per_opportunity", "roi", "content_id", "content_category", "content_type", "topic", "title", "rank", "stage",
    "touches", "rate", "lift", "lift_low", "lift_high", "significant", "pain_point", "responses", "accounts",
    "share_of_responses", "recent_assets", "gap", "group", "accounts_reached", "targets_reached", "coverage",
    "converting_accounts", "spend", "leads", "cost_per_lead", "won", "won_value", "new_customers", "cac", "channel",
    "experiment_id", "units_a", "conversions_a", "units_b", "conversions_b", "rate_a", "rate_b", "diff", "ci_low",
    "ci_high", "test", "p_value", "p_adjusted", "prob_b_better", "power", "mde_lift", "n_required", "srm_p", "srm", "days",
    "verdict", "weekday", "weekday_name", "hour_start", "hour_end", "touches_in_window", "share", "enough_data",
    "spread", "high_model", "low_model", "label", "touches_on_day", "survives", "converted_touches")
#: columns of the analyst table of content performance by category, type and topic
PERFORMANCE_COLUMNS = (
    "assets", "cost", "views", "reached_accounts", "interaction_rate", "downloads", "registrations",
    "conversion_rate", "conversion_rate_low", "conversion_rate_high", "opportunities", "pipeline",
    "won_revenue", "cost_per_engaged_account", "cost_per_opportunity", "roi")
#: kinds of :func:`helpers.presentation.tables.people_table` for the kinds of :func:`format_value`
_PEOPLE_KINDS = {"count": "int", "money": "money", "percent": "share", "percent0": "share",
                 "points": "pct_points", "times": "ratio", "p": "p_value", "flag": "bool",
                 "number": "number"}


def content_table(frame: pd.DataFrame, columns: Iterable[str], *, language: str = "en",
                 currency: str = "", max_rows: int | None = 15, caption: str | None = None,
                 kinds: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                 label_kinds: Mapping[str, str] | None = None):
    """A management table of one of this module's frames.

    Codes are translated (:func:`relabel`), headers come from the locale
    (``content_evaluation.col.<column>``) and cells are written by
    :func:`helpers.presentation.tables.people_table` with the kind :data:`COLUMN_FORMATS` gives each
    column; ROI, hours and weekdays are written here.

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : iterable of str
        Columns shown, in order (keep to six or fewer for the page width).
    language : {"en", "zh"}
    currency : str
        Named in the headers of money columns.
    max_rows : int or None
    caption : str, optional
    kinds : mapping, optional
        ``{column: people_table kind}`` over the defaults.
    labels : mapping, optional
        ``{column: header}`` over the locale headers.
    label_kinds : mapping, optional
        Label families over :data:`CODE_COLUMNS` (see :func:`relabel`).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    from helpers.presentation import tables

    columns = list(columns)
    data = relabel(frame[columns], language, label_kinds)
    out_kinds, out_labels = {}, {}
    for col in columns:
        kind = COLUMN_FORMATS.get(col)
        if kind == "signed_percent":
            data[col] = [format_value(v, kind, language) for v in data[col]]
            kind = "text"
        elif kind in ("hour", "weekday"):
            data[col] = [format_value(v, kind, language) for v in data[col]]
            kind = "text"
        out_kinds[col] = _PEOPLE_KINDS.get(kind, kind) if kind else (
            "text" if col in CODE_COLUMNS or not pd.api.types.is_numeric_dtype(data[col])
            else tables.infer_kind(data[col]))
        out_labels[col] = i18n.t(f"content_evaluation.col.{col}", language,
                                 default=tables.humanize(col))
    out_kinds.update(kinds or {})
    out_labels.update(labels or {})
    return tables.people_table(data, kinds=out_kinds, labels=out_labels, currency=currency,
                               language=language, max_rows=max_rows, caption=caption)


def performance_brief(table: pd.DataFrame, by: str = "content_category",
                      language: str = "en") -> pd.DataFrame:
    """Six columns of :func:`content_performance` for a manager.

    Returns
    -------
    pandas.DataFrame
        ``<by>, reached_accounts, conversion_ci`` (rate with interval, text),
        ``opportunities, won_revenue, roi``.
    """
    out = table.reset_index() if by not in table.columns else table.copy()
    out["conversion_ci"] = [with_interval(r, lo, hi, "percent", language) for r, lo, hi in zip(
        out["conversion_rate"], out["conversion_rate_low"], out["conversion_rate_high"],
        strict=True)]
    return out[[by, "reached_accounts", "conversion_ci", "opportunities", "won_revenue", "roi"]]


def leaderboard_brief(board: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Six columns of a :func:`leaderboard` for a manager.

    Returns
    -------
    pandas.DataFrame
        ``rank, title, content_category, reached_accounts, conversion_ci, won_revenue``
        (columns the data lacks are left out).
    """
    out = board.reset_index() if "rank" not in board.columns else board.copy()
    out["conversion_ci"] = [with_interval(r, lo, hi, "percent", language) for r, lo, hi in zip(
        out["conversion_rate"], out["conversion_rate_low"], out["conversion_rate_high"],
        strict=True)]
    cols = ["rank", "title", "content_category", "reached_accounts", "conversion_ci",
            "won_revenue"]
    return out[[c for c in cols if c in out.columns]]


def stage_brief(best: pd.DataFrame, by: str = "content_category",
                language: str = "en") -> pd.DataFrame:
    """The best content per stage (:func:`best_for_stage`) in six columns.

    The rate shown is the one the lift compares: opportunities per touch with per-account
    counts, converted touches per touch otherwise.

    Returns
    -------
    pandas.DataFrame
        ``stage, <by>, touches, opportunity_rate`` (or ``rate``), ``lift_ci, survives``.
    """
    rate = "opportunity_rate" if "opportunity_rate" in best.columns else "rate"
    out = best.copy()
    out["lift_ci"] = [with_interval(v, lo, hi, "times", language) for v, lo, hi in zip(
        out["lift"], out["lift_low"], out["lift_high"], strict=True)]
    out["survives"] = out["significant"].astype(bool)
    return out[["stage", by, "touches", rate, "lift_ci", "survives"]]


def channel_brief(tested: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """Six columns of the tested channel comparison for a manager.

    Returns
    -------
    pandas.DataFrame
        ``channel, group, coverage, conversion_ci, cost_per_lead, roi``; cost per lead and
        ROI only when spend is recorded (otherwise accounts reached and converting
        accounts).
    """
    out = tested.copy()
    out["conversion_ci"] = [with_interval(r, lo, hi, "percent", language) for r, lo, hi in zip(
        out["conversion_rate"], out["conversion_rate_low"], out["conversion_rate_high"],
        strict=True)]
    money = [c for c in ("cost_per_lead", "roi") if c in out.columns and out[c].map(is_known).any()]
    extra = money or ["accounts_reached", "converting_accounts"]
    return out[["channel", "group", "coverage", "conversion_ci", *extra]]


def timing_brief(shown: pd.DataFrame, *, hours: bool) -> pd.DataFrame:
    """Send windows (or days) per channel in six columns.

    Returns
    -------
    pandas.DataFrame
        ``channel, weekday_name, window`` (``09:00–11:00``, hours only), ``share, lift,
        survives``.
    """
    out = shown.copy()
    cols = ["channel", "weekday_name"]
    if hours:
        out["window"] = [f"{int(a):02d}:00–{int(b):02d}:00" for a, b in zip(
            out["hour_start"], out["hour_end"], strict=True)]
        cols.append("window")
    out["survives"] = out["significant"].astype(bool)
    return out[[*cols, "share", "lift", "survives"]]


def attribution_brief(side: pd.DataFrame) -> pd.DataFrame:
    """Models side by side (:func:`helpers.analysis.attribution.compare_models`) in six columns.

    Returns
    -------
    pandas.DataFrame
        ``label, markov, linear, first_touch, last_touch, spread`` (models the table
        lacks are left out).
    """
    out = side.reset_index()
    cols = ["label", "markov", "linear", "first_touch", "last_touch", "spread"]
    return out[[c for c in cols if c in out.columns]]
