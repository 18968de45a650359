"""Folders of files: encodings, headers and reading CSV, Parquet and Excel into DuckDB."""

from __future__ import annotations

import atexit
import codecs
import shutil
import tempfile
from pathlib import Path

from helpers.core.errors import DataError
from helpers.data.contract import CONTRACT
from helpers.data.datasets.mapping import _apply_mapping
from helpers.data.datasets.workspace import Workspace, _duckdb_connect

__all__ = [
    "FILE_SUFFIXES",
    "SIDE_FILES",
]


FILE_SUFFIXES = (".parquet", ".csv", ".xlsx")

#: files the sample world writes beside its tables; not reported as unknown tables
SIDE_FILES = ("truth_accounts",)


def _sniff_encoding(path: Path) -> str:
    """Return ``"utf-8"``, ``"utf-16"`` (with BOM) or ``"gb18030"`` (a superset of GBK).

    Raises DataError when the file is none of these.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise DataError(
        f"{path.name}: the file is neither UTF-8 nor GBK text. Re-save it as "
        "'CSV UTF-8' (Excel: File > Save As > CSV UTF-8) and run again."
    )


def _csv_header(path: Path) -> list[str]:
    """The header names of a UTF-8 CSV file, with the delimiter guessed from the first line."""
    import csv

    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    delimiter = max(",;\t|", key=first.count)
    return [name.strip() for name in next(csv.reader([first], delimiter=delimiter), [])]


def _file_header(path: Path) -> list[str]:
    """Column names as written in a Parquet or Excel file, duplicates kept."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        row = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())
    finally:
        book.close()
    return [str(v).strip() for v in row if v is not None]


def _duplicates(names: list[str]) -> list[str]:
    seen, dups = set(), []
    for name in names:
        if name in seen and name not in dups:
            dups.append(name)
        seen.add(name)
    return dups


def _transcode_to_utf8(path: Path, encoding: str, scratch: Path) -> Path:
    """Stream ``path`` into a UTF-8 copy in ``scratch`` (bounded memory)."""
    target = scratch / f"{path.stem}.utf8.csv"
    with path.open("r", encoding=encoding, newline="") as src, target.open(
        "w", encoding="utf-8", newline=""
    ) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return target


def _open_folder(folder: Path, label: str, mapping: dict, memory_limit, threads) -> Workspace:
    scratch = Path(tempfile.mkdtemp(prefix="workbook-"))
    atexit.register(shutil.rmtree, scratch, True)
    con = _duckdb_connect(memory_limit=memory_limit, threads=threads, scratch=scratch)
    by_stem: dict[str, list[Path]] = {}
    for f in sorted(folder.iterdir()):
        if f.is_file() and f.suffix.lower() in FILE_SUFFIXES:
            by_stem.setdefault(f.stem, []).append(f)
    tables, origins, doubled, used, unmatched = {}, {}, {}, set(), {}
    for tname in CONTRACT:
        stem = mapping.get(tname, {}).get("file") or tname
        stem = Path(stem).stem if Path(stem).suffix.lower() in FILE_SUFFIXES else stem
        files = by_stem.get(stem, [])
        if not files:
            if mapping.get(tname, {}).get("file"):
                unmatched[tname] = mapping[tname]["file"]
            continue
        if len(files) > 1:
            raise DataError(
                f"table {tname!r} is given twice in {folder.name}: "
                f"{', '.join(f.name for f in files)}; keep one file per table"
            )
        header: list[str] = []
        t = _read_file(con, files[0], tname, scratch, header)
        t, mapped_twice = _apply_mapping(t, tname, mapping)
        names = _duplicates(header) + mapped_twice
        if names:
            doubled[tname] = list(dict.fromkeys(names))
        tables[tname] = t
        origins[tname] = files[0].name
        used.add(stem)
    unused = [f.name for stem, fs in by_stem.items() if stem not in used and stem not in SIDE_FILES
              for f in fs]
    return Workspace(con, tables, origins, label, scratch, duplicate_columns=doubled,
                     unused_files=unused, mapping=mapping, unmatched=unmatched)


def _read_file(con, path: Path, tname: str, scratch: Path, header: list | None = None):
    """Read one table file into the engine; ``header`` receives its column names as written."""
    if path.stat().st_size == 0:
        raise DataError(f"{path.name} is an empty file; export table {tname!r} with its "
                        "header row, or remove the file")
    suffix = path.suffix.lower()
    try:
        if header is not None and suffix in (".parquet", ".xlsx"):
            header.extend(_file_header(path))
        if suffix == ".parquet":
            return con.read_parquet(path, table_name=tname)
        if suffix == ".csv":
            encoding = _sniff_encoding(path)
            if encoding != "utf-8":
                path = _transcode_to_utf8(path, encoding, scratch)
            if header is not None:
                header.extend(_csv_header(path))
            # All text first: types are checked and cast against the contract, so a stray
            # "n/a" becomes a validation finding instead of a reader crash. Materialised once
            # so that later queries do not parse the file again.
            staged = con.read_csv(path, table_name=f"_csv_{tname}", all_varchar=True, header=True)
            return con.create_table(tname, staged, overwrite=True)
        import pandas as pd

        frame = pd.read_excel(path, sheet_name=0, engine="openpyxl", dtype=object)
        frame = frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object})
        return con.create_table(tname, frame, overwrite=True)
    except DataError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{path.name}: cannot be read as {suffix[1:].upper()} ({first}); "
                        "check that the file is complete and well-formed") from None
