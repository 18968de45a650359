"""Open pipeline by opportunity stage, with the deals won and lost in the period."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from helpers.presentation import i18n

from .formatting import stage_name
from .queries import _query_pipeline

if TYPE_CHECKING:
    from helpers.data.datasets import Workspace

__all__ = [
    "pipeline_by_stage",
    "pipeline_sentence",
    "pipeline_table",
]


def pipeline_by_stage(ws: Workspace, as_of: Any, *, since: Any = None) -> pd.DataFrame:
    """Open pipeline on ``as_of`` by stage, with the deals won and lost since ``since``.

    An opportunity is open on ``as_of`` when it was created by then and is neither won
    nor lost, or closed only later (it was still open then; its stage is shown as
    ``open``). Won and lost rows count the opportunities closed from ``since`` to
    ``as_of`` (left out without ``since``).

    Parameters
    ----------
    ws : Workspace
    as_of : date-like
    since : date-like, optional
        First day of the period whose closed deals are shown (e.g. the last KPI period).

    Returns
    -------
    pandas.DataFrame
        ``stage, status`` (``open`` or ``closed``), ``opportunities, value, average``;
        open stages first, largest value first. Empty without an ``opportunities``
        table with ``stage`` and ``amount``.
    """
    frames = _query_pipeline(ws, as_of, since)
    return _pipeline_table(frames)


#: Columns of :func:`pipeline_by_stage`.
_PIPELINE_COLUMNS = ["stage", "status", "opportunities", "value", "average"]


def _pipeline_table(frames: list[pd.DataFrame] | None) -> pd.DataFrame:
    """The table of :func:`pipeline_by_stage` from the per-stage frames of the engine."""
    columns = _PIPELINE_COLUMNS
    if frames is None:
        return pd.DataFrame(columns=columns)
    out = pd.concat([f for f in frames if not f.empty], ignore_index=True) \
        if any(not f.empty for f in frames) else pd.DataFrame(columns=columns)
    if out.empty:
        return out
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64").fillna(0.0)
    out["opportunities"] = out["opportunities"].astype("int64")
    out["average"] = out["value"] / out["opportunities"].where(out["opportunities"] > 0)
    out["stage"] = out["stage"].astype(str)
    out = out.sort_values(["status", "value"], ascending=[False, False], kind="stable")
    return out[columns].reset_index(drop=True)


def pipeline_table(pipeline: pd.DataFrame, *, currency: str = "", language: str = "en",
                   caption: str | None = None):
    """:func:`pipeline_by_stage` as a table for people (open stages, then won and lost)."""
    from helpers.presentation.tables import people_table

    t = i18n.t
    frame = pd.DataFrame({
        "stage": [t("kpi.pipeline.closed_in", language, stage=stage_name(s, language))
                  if st == "closed" else stage_name(s, language)
                  for s, st in zip(pipeline["stage"], pipeline["status"], strict=True)],
        "opportunities": pipeline["opportunities"].to_numpy(),
        "value": pipeline["value"].to_numpy(dtype="float64"),
        "average": pipeline["average"].to_numpy(dtype="float64")})
    labels = {c: t(f"kpi.pipeline.col.{c}", language) for c in frame.columns}
    return people_table(frame, kinds={"stage": "text", "opportunities": "int", "value": "money",
                                      "average": "money"},
                        labels=labels, currency=currency, language=language, caption=caption)


def pipeline_sentence(pipeline: pd.DataFrame, *, currency: str = "", language: str = "en"
                      ) -> str | None:
    """``Open pipeline on 2026-06-30: 621 opportunities worth 12.3M EUR.``, or ``None``."""
    from helpers.presentation.tables import compact_number

    open_rows = pipeline[pipeline["status"] == "open"] if len(pipeline) else pipeline
    if open_rows.empty:
        return None
    value = float(open_rows["value"].sum())
    return i18n.t("kpi.pipeline.sentence", language, n=f"{int(open_rows.opportunities.sum()):,}",
                  value=f"{compact_number(value, language)} {currency}".strip(),
                  stages=len(open_rows))
