"""What a notebook hands to the run: headline cards, findings and export files.

Notebooks call :func:`record_headlines` (KPI cards for the portal), :func:`record_findings`
(sentences for the executive summary) and :func:`exports_dir` with :func:`write_export` /
:func:`write_xlsx` (CSV/XLSX files meant for the CRM). The runner reads the files back
from the run folder. Exports are written byte-for-byte reproducibly, so two runs on the
same data give identical files.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from helpers.core.errors import WorkbookError
from helpers.core.paths import resolve
from helpers.stats.numbers import is_missing

__all__ = [
    "CARD_KEYS",
    "exports_dir",
    "record_findings",
    "record_headlines",
    "round_floats",
    "write_export",
    "write_xlsx",
]


def _plain(value: Any) -> Any:
    """numpy/pandas scalars -> Python scalars, so KPI files are plain JSON.

    Missing and non-finite numbers (``None``, NaN, NaT, pandas NA, inf) become ``None``:
    the portal shows them as "–", never as "nan".
    """
    if value is None:
        return None
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            value = item()
        except (TypeError, ValueError):
            return None if is_missing(value) else str(value)
    if is_missing(value):
        return None
    return value



#: what a headline card may hold; ``value`` is required
CARD_KEYS = ("value", "unit", "delta", "better", "flag", "period", "trend", "target")


def record_headlines(name: str, kpis: dict, output_dir: str | os.PathLike) -> Path:
    """Save a notebook's headline KPI cards for the run record and the portal.

    Parameters
    ----------
    name : str
        Notebook name (``customer_value``).
    kpis : dict
        ``label -> {"value": number or text, "unit": str, "delta": number or text,
        "better": "up" or "down"}``; all but ``value`` are optional and a bare number is
        taken as the value. ``better`` says which direction of ``delta`` is good news
        (default ``up``), which colours the delta in the portal. Cards without a ``delta``
        get the change since the notebook's previous good run in the portal. A card may
        carry ``"flag"``: a short text (a data break, a young history) that the portal shows
        instead of any change, since the change would not be a business movement.
        ``"period"`` names the period the value covers ("2026-Q2", "last 12 months"),
        ``"trend"`` is a short list of the value in earlier periods, oldest first, ending
        with this one (drawn as a small line), and ``"target"`` is a target set in the
        parameters (the card shows progress against it).
    output_dir : path-like
        The notebook's ``output_dir`` parameter; relative paths are taken from the
        project root.

    Returns
    -------
    pathlib.Path
        ``output_dir/headlines/<name>.json``.
    """
    if not isinstance(kpis, dict):
        raise WorkbookError(f"record_headlines({name!r}): kpis must be a dict of label -> card")
    cards: dict[str, dict] = {}
    for label, card in kpis.items():
        if not isinstance(card, dict):
            card = {"value": card}
        extra = set(card) - set(CARD_KEYS)
        if "value" not in card or extra or (card.get("better") or "up") not in ("up", "down"):
            raise WorkbookError(
                f"record_headlines({name!r}): card {label!r} needs 'value' and may have "
                f"{', '.join(repr(k) for k in CARD_KEYS[1:])} (better: up or down); got {card!r}"
            )
        cards[str(label)] = {k: _plain(v) for k, v in card.items()}
    folder = resolve(output_dir) / "headlines"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(cards, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def record_findings(name: str, findings: list, output_dir: str | os.PathLike) -> Path:
    """Save a notebook's key findings for the executive summary on the portal.

    Parameters
    ----------
    name : str
        Notebook name (``customer_value``).
    findings : list
        Sentences computed from the numbers, in the report language, or
        ``{"text": str, "weight": 0..1}`` where ``weight`` ranks the finding against those
        of other notebooks (default 0.5; alerts deserve more, context less).
    output_dir : path-like
        The notebook's ``output_dir`` parameter.

    Returns
    -------
    pathlib.Path
        ``output_dir/findings/<name>.json``.
    """
    from helpers.report.summary import normalise_findings

    try:
        items = normalise_findings(list(findings))
    except (TypeError, ValueError) as exc:
        raise WorkbookError(f"record_findings({name!r}): {exc}") from None
    folder = resolve(output_dir) / "findings"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(items, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def exports_dir(output_dir: str | os.PathLike) -> Path:
    """Return ``output_dir/exports`` (created), where notebooks write CRM-ready tables.

    Parameters
    ----------
    output_dir : path-like
        The notebook's ``output_dir`` parameter; relative paths are taken from the
        project root.

    Returns
    -------
    pathlib.Path
    """
    folder = resolve(output_dir) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: Exports keep this many significant digits, and at most :data:`EXPORT_DECIMALS` decimals,
#: so float noise from summation order never changes a byte of a CSV or XLSX file.
EXPORT_SIGNIFICANT = 12
EXPORT_DECIMALS = 6
#: Fixed timestamp written into XLSX files (zip entries and document properties).
XLSX_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def round_floats(frame, *, significant: int = EXPORT_SIGNIFICANT,
                 decimals: int = EXPORT_DECIMALS):
    """Round every float column to stated precision; other columns are unchanged.

    Each value keeps ``significant`` significant digits but no more than ``decimals``
    decimals, so ``0.1 + 0.2`` and ``0.3`` give the same export. Infinite values become
    missing (an empty CSV cell).

    Parameters
    ----------
    frame : pandas.DataFrame
    significant, decimals : int

    Returns
    -------
    pandas.DataFrame
        A copy.
    """
    import numpy as np
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if not pd.api.types.is_float_dtype(series.dtype):
            continue
        values = series.to_numpy(dtype="float64", na_value=np.nan, copy=True)
        values[~np.isfinite(values)] = np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            magnitude = np.floor(np.log10(np.abs(values)))
        magnitude = np.where(np.isfinite(magnitude), magnitude, 0)
        digits = np.minimum(significant - 1 - magnitude, decimals).astype("int64")
        for d in np.unique(digits):
            mask = digits == d
            values[mask] = np.round(values[mask], int(d))
        out[col] = pd.Series(values, index=series.index, name=col)
    return out


def write_export(frame, path: str | os.PathLike, *, index: bool = False) -> Path:
    """Write a CSV export that is byte-identical for the same data and parameters.

    Floats are rounded by :func:`round_floats` (12 significant digits, at most 6
    decimals) and written with ``%.12g``; UTF-8, ``\\n`` line ends, no index by default.

    Parameters
    ----------
    frame : pandas.DataFrame
    path : path-like
        The ``.csv`` file, normally in :func:`exports_dir`.
    index : bool
        Write the index as the first column.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    round_floats(frame).to_csv(path, index=index, encoding="utf-8", lineterminator="\n",
                               float_format=f"%.{EXPORT_SIGNIFICANT}g")
    return path


def _fixed_zip(path: Path) -> None:
    """Rewrite a zip (XLSX) with fixed entry timestamps and document dates."""
    import zipfile

    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    fixed = XLSX_TIMESTAMP
    stamp = "{:04d}-{:02d}-{:02d}T00:00:00Z".format(*fixed[:3])
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                for tag in ("created", "modified"):
                    text = re.sub(rf"(<dcterms:{tag}\b[^>]*>)[^<]*(</dcterms:{tag}>)",
                                  rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(name, date_time=fixed)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, data)
    os.replace(tmp, path)


def write_xlsx(sheets: dict, path: str | os.PathLike) -> Path:
    """Write an XLSX export that is byte-identical for the same data and parameters.

    Floats are rounded like :func:`write_export`; the file carries no creation or
    modification time (document properties and zip entries use a fixed date).

    Parameters
    ----------
    sheets : mapping of str to pandas.DataFrame
        Sheet name -> table, written in the given order without the index. Names must
        already be valid Excel sheet names.
    path : path-like
        The ``.xlsx`` file.

    Returns
    -------
    pathlib.Path
    """
    import pandas as pd

    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            round_floats(frame).to_excel(writer, sheet_name=name, index=False)
    _fixed_zip(path)
    return path
