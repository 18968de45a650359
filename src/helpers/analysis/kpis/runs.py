"""Run over run: this run's KPI snapshot, the previous comparable run's, and the changes."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.params import as_of_date
from helpers.core.paths import resolve
from helpers.presentation import i18n

from .formatting import _change, _finite, _reads_as_zero, _unsupported, format_kpi
from .formulas import HEADLINE_KPIS, KPIS, growth

__all__ = [
    "SNAPSHOT_FILE",
    "describe_changes",
    "headline_values",
    "previous_snapshot",
    "run_entry",
    "run_identity",
    "run_over_run",
    "run_over_run_table",
    "skipped_note",
    "snapshot_frame",
]


SNAPSHOT_FILE = "kpi_snapshot.csv"


def headline_values(series: pd.DataFrame, kpis: Sequence[str] = HEADLINE_KPIS, *,
                    caps=None) -> dict[str, float]:
    """The latest period's value of each headline KPI the data supports.

    With ``caps`` (:class:`helpers.data.capabilities.Capabilities`), a KPI whose analysis the
    data does not support (:data:`KPI_ANALYSES`) is left out even when a number came out.
    """
    last = series.iloc[-1]
    return {k: float(last[k]) for k in kpis if k in series.columns and pd.notna(last[k])
            and _unsupported(k, caps) is None}


def snapshot_frame(values: Mapping[str, float], *, as_of: Any, period: str) -> pd.DataFrame:
    """This run's KPI table, which the notebook writes to ``exports/`` as :data:`SNAPSHOT_FILE`.

    The next run reads it back with :func:`previous_snapshot`.

    Returns
    -------
    pandas.DataFrame
        ``kpi, value, period, as_of``.
    """
    return pd.DataFrame({"kpi": list(values), "value": [float(v) for v in values.values()],
                         "period": period, "as_of": as_of_date(as_of).isoformat()})


def run_identity(record: Mapping[str, Any]) -> dict:
    """What this run's figures depend on, as the runner records it in ``run.json``.

    The parameters hash and the data source with its fingerprint of a comparability record
    (:func:`helpers.report.history.comparability`, made without the code version, which a
    notebook cannot know before the run ends), so that the notebook compares only with runs
    on the same parameters and data (:func:`previous_snapshot`).

    Parameters
    ----------
    record : mapping
        The comparability record of this run's parameters and data source.

    Returns
    -------
    dict
        ``{"parameters": ..., "data": {...}}``.
    """
    return {"parameters": record["parameters"], "data": record["data"]}


def run_entry(run: Mapping[str, Any], notebook: str = "kpi_monitoring") -> dict:
    """The notebook's entry in a run record (``run.json``), empty when the run has none."""
    return run.get("notebooks", {}).get(notebook, {})


def previous_snapshot(runs: Sequence[Mapping[str, Any]], out_dir: str | os.PathLike, *,
                      notebook: str = "kpi_monitoring",
                      breaks: Mapping[str, Sequence[str]] | None = None
                      ) -> tuple[pd.DataFrame | None, dict]:
    """The KPI table of the newest earlier comparable run that saved one.

    Runs live next to ``out_dir``: the runner writes into ``reports/.staging-<id>`` and a
    run from JupyterLab into ``reports/scratch``, so the reports folder is ``out_dir``'s
    parent. Runs whose ``notebook`` failed are skipped, and so is ``out_dir`` itself. Runs
    with an entry in ``breaks`` (their parameters or data source differ; a later ``as_of``
    on refreshed data is the normal case and stays comparable) are skipped too: their
    change would not be a business movement.

    Parameters
    ----------
    runs : sequence of mapping
        The run records of the reports folder, newest first
        (:func:`helpers.report.history.load_runs` of ``out_dir``'s parent).
    out_dir : path-like
        This run's output folder.
    notebook : str
    breaks : mapping, optional
        Run id -> what changed against this run
        (:func:`helpers.report.summary.comparison_breaks` with :func:`run_identity`);
        without it the newest run is taken.

    Returns
    -------
    (pandas.DataFrame or None, dict)
        ``kpi, value, period, as_of`` and ``{"run_id", "as_of", "started", "skipped"}`` of
        that run, ``skipped`` listing ``(run_id, [what changed])`` of the newer runs left
        out (``(None, {"skipped": [...]})`` when there is none).
    """
    here = resolve(out_dir)
    skipped = []
    for run in runs:
        if (here.parent / run["run_id"]).resolve() == here.resolve():
            continue
        if run_entry(run, notebook).get("status") != "ok":
            continue
        path = here.parent / run["run_id"] / "exports" / SNAPSHOT_FILE
        if not path.is_file():
            continue
        changed = list((breaks or {}).get(run["run_id"], []))
        if changed:
            skipped.append((run["run_id"], changed))
            continue
        snap = pd.read_csv(path)
        return snap, {"run_id": run["run_id"], "as_of": run.get("as_of"),
                      "started": run.get("started"), "skipped": skipped}
    return None, ({"skipped": skipped} if skipped else {})


def skipped_note(meta: Mapping[str, Any], language: str = "en") -> str | None:
    """Which newer runs :func:`previous_snapshot` left out and why, or ``None``."""
    skipped = meta.get("skipped") or []
    if not skipped:
        return None
    changed = list(dict.fromkeys(b for _, breaks in skipped for b in breaks))
    what = i18n.t("summary.changed.sep", language).join(
        i18n.t(f"summary.changed.{b}", language) for b in changed)
    return i18n.t("kpi.ror.skipped", language, n=len(skipped), what=what)


def run_over_run(current: Mapping[str, float], previous: pd.DataFrame | None) -> pd.DataFrame:
    """Change of each KPI since the previous run.

    Parameters
    ----------
    current : mapping
        KPI -> value of this run.
    previous : pandas.DataFrame or None
        From :func:`previous_snapshot`.

    Returns
    -------
    pandas.DataFrame
        ``kpi, current, previous, delta, relative, previous_as_of``; ``delta`` is
        ``current - previous`` and ``relative`` is ``current / previous - 1``.
    """
    prev = {} if previous is None else dict(zip(previous["kpi"], previous["value"], strict=True))
    prev_as_of = None if previous is None or previous.empty else str(previous["as_of"].iloc[0])
    rows = []
    for k, v in current.items():
        p = prev.get(k, np.nan)
        rows.append({"kpi": k, "current": float(v), "previous": float(p),
                     "delta": float(v) - float(p), "relative": float(growth(v, p)),
                     "previous_as_of": prev_as_of if k in prev else None})
    return pd.DataFrame(rows, columns=["kpi", "current", "previous", "delta", "relative",
                                       "previous_as_of"])


def run_over_run_table(changes: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """:func:`run_over_run` formatted for the report, with localised headers."""
    t = i18n.t
    return pd.DataFrame({
        t("kpi.col.kpi", language): [t(f"kpi.{k}", language) for k in changes["kpi"]],
        t("kpi.col.value", language): [format_kpi(k, v) for k, v in
                                       zip(changes["kpi"], changes["current"], strict=True)],
        t("kpi.col.previous", language): [format_kpi(k, v) for k, v in
                                          zip(changes["kpi"], changes["previous"], strict=True)],
        t("kpi.col.delta", language): [
            _change(k, d if KPIS[k].change == "points" else r)
            for k, d, r in zip(changes["kpi"], changes["delta"], changes["relative"], strict=True)],
    })


def describe_changes(changes: pd.DataFrame, *, top: int = 3, language: str = "en") -> str:
    """The ``top`` largest moves since the previous run, as ``"CAC +12%; NPS -4.0"``.

    Relative KPIs are ranked by their relative change; shares by their change in points
    and scores by their change over 100, so 5 points of churn weigh like a 5 % move.
    Changes that read as zero (``+0%``, ``-0.0 pts``) are no moves. Empty text when
    nothing can be compared or nothing moved.
    """
    c = changes.dropna(subset=["delta"]).reset_index(drop=True)
    moved = [not _reads_as_zero(k, d if KPIS[k].change == "points" else r)
             if _finite(d if KPIS[k].change == "points" else r) else False
             for k, d, r in zip(c["kpi"], c["delta"], c["relative"], strict=True)]
    c = c[np.asarray(moved, dtype=bool)].reset_index(drop=True) if len(c) else c
    if c.empty:
        return ""
    specs = [KPIS[k] for k in c["kpi"]]
    shown = [d if s.change == "points" else r
             for s, d, r in zip(specs, c["delta"], c["relative"], strict=True)]
    size = [abs(d) / (1.0 if s.unit == "share" else 100.0) if s.change == "points" else abs(r)
            for s, d, r in zip(specs, c["delta"], c["relative"], strict=True)]
    order = np.argsort(-np.nan_to_num(np.asarray(size, dtype="float64"), nan=-1.0),
                       kind="stable")[:top]
    return "; ".join(f"{i18n.t('kpi.' + c['kpi'].iloc[i], language)} "
                     f"{format_kpi(c['kpi'].iloc[i], shown[i], change=True)}" for i in order)
