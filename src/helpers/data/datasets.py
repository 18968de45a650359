"""Open a data source as a workspace of contract tables.

This is the only module that reads user data. A source is one of:

* a folder of files named after the tables (``accounts.csv``, ``orders.parquet``,
  ``surveys.xlsx``); CSV may be UTF-8, UTF-8 with BOM, GBK or UTF-16 with BOM (Excel's
  "Unicode Text", comma- or tab-separated);
* a DuckDB database file (``*.duckdb``);
* a database URL that Ibis understands (``postgresql://analyst@db/crm``). The password
  is never part of the URL: it is read from the environment variable named by
  ``password_env``;
* a Spark warehouse, ``pyspark:///abs/path/warehouse`` (or ``pyspark://relative/path``
  from the project root): a folder with one Parquet table per contract table, as
  ``<table>/`` (the layout Spark and ``workbook load`` write) or ``<table>.parquet``. A
  local Spark session is started and the tables are registered in it, so every process,
  say each notebook kernel, sees the same tables without a shared metastore.

Folders and DuckDB files are opened with an embedded DuckDB engine, so every later
aggregation runs in the engine rather than in pandas.
"""

from __future__ import annotations

import atexit
import codecs
import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import ibis
import ibis.expr.datatypes as dt
import yaml

from helpers.core.errors import DataError
from helpers.core.params import suggest
from helpers.core.paths import is_url, resolve
from helpers.data.contract import CONTRACT
from helpers.data.contract import table as contract_table

__all__ = [
    "DEFAULT_VALUE",
    "FILE_SUFFIXES",
    "LOGICAL_TO_IBIS",
    "MAPPING_KEYS",
    "SIDE_FILES",
    "SPARK_DEFAULTS",
    "SPARK_SCHEME",
    "Workspace",
    "fingerprint",
    "load_mapping",
    "open_connection",
    "open_workspace",
    "redact_url",
    "spark_table_path",
    "spark_warehouse",
]

FILE_SUFFIXES = (".parquet", ".csv", ".xlsx")
#: files the sample world writes beside its tables; not reported as unknown tables
SIDE_FILES = ("truth_accounts",)
#: keys of a table's entry in the mapping file
MAPPING_KEYS = ("file", "columns", "values")
#: value-map key for "every other value"
DEFAULT_VALUE = "*"
SPARK_SCHEME = "pyspark://"
# Spark settings for the session a ``pyspark://`` source starts; the URL's query string
# (``?spark.sql.shuffle.partitions=64``) overrides them. No UI and no console progress bars
# (they would end up in notebook outputs), few shuffle partitions for workbook-sized
# tables, and UTC so that dates and timestamps read as in the other engines.
SPARK_DEFAULTS = {
    "spark.app.name": "workbook",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
}
LOGICAL_TO_IBIS = {
    "string": dt.string,
    "integer": dt.int64,
    "float": dt.float64,
    "date": dt.date,
    "timestamp": dt.timestamp,
    "boolean": dt.boolean,
}


def _satisfies(actual: dt.DataType, logical: str) -> bool:
    """Whether a column already has the contract type.

    Precision and nullability are ignored on purpose: a needless cast (say of a
    ``timestamp(6)`` Parquet column) would hide the column from DuckDB's filter pushdown.
    """
    return {
        "string": actual.is_string,
        "integer": actual.is_integer,
        "float": actual.is_floating,
        "date": actual.is_date,
        "timestamp": actual.is_timestamp,
        "boolean": actual.is_boolean,
    }[logical]()


def redact_url(source: str | os.PathLike) -> str:
    """Return ``source`` with any password in a URL replaced by ``***``."""
    text = str(source)
    if not is_url(text):
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def load_mapping(mapping_file: str | os.PathLike | None) -> dict[str, dict]:
    """Read a column-mapping YAML and check it against the contract.

    The file maps each table either directly to ``{source_column: canonical_column}`` or to
    ``{"file": source_name, "columns": {...}, "values": {...}}`` when the source file or
    table has another name or its codes differ from the contract's. Headers may be in any
    language (``客户编号: account_id``). ``values`` maps the values of canonical columns,
    matched case-insensitively and ignoring surrounding spaces, with ``"*"`` for every
    other value (without it, other values are kept as they are)::

        opportunities:
          file: Opportunity.csv
          columns: {StageName: stage, AccountId: account_id}
          values:
            stage: {Closed Won: won, 赢单: won, Closed Lost: lost, "*": open}

    Parameters
    ----------
    mapping_file : path-like or None
        The YAML file; ``None`` or ``""`` means no mapping.

    Returns
    -------
    dict
        ``{table: {"file": str | None, "columns": {source: canonical},
        "values": {canonical: {source value: contract value}}}}``.
    """
    if not mapping_file:
        return {}
    path = resolve(mapping_file)
    if not path.is_file():
        raise DataError(f"mapping file {path.name!r} not found at {mapping_file}; "
                        "fix mapping_file in params/workbook.yaml or create the file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataError(f"mapping file {path.name}: cannot be read as UTF-8 YAML ({exc})") from None
    if not isinstance(raw, Mapping):
        raise DataError(f"mapping file {path.name}: expected table names at the top level")
    mapping: dict[str, dict] = {}
    for tname, spec in raw.items():
        if tname not in CONTRACT:
            raise DataError(
                f"mapping file {path.name}: unknown table {tname!r}"
                + suggest(str(tname), list(CONTRACT))
                + f" Tables: {', '.join(CONTRACT)}"
            )
        spec = spec or {}
        if not isinstance(spec, Mapping):
            raise DataError(f"mapping file {path.name}: table {tname!r} must map to columns "
                            "(source: canonical) or to file/columns/values")
        if any(key in spec for key in MAPPING_KEYS):
            unknown = [key for key in spec if key not in MAPPING_KEYS]
            if unknown:
                raise DataError(
                    f"mapping file {path.name}: table {tname!r} has unknown key {unknown[0]!r}"
                    + suggest(str(unknown[0]), MAPPING_KEYS)
                    + f" Keys: {', '.join(MAPPING_KEYS)}")
            file_name, columns = spec.get("file"), spec.get("columns") or {}
            values = spec.get("values") or {}
            if not isinstance(columns, Mapping):
                raise DataError(f"mapping file {path.name}: columns of table {tname!r} must map "
                                "source headers to contract columns (Header: column)")
        else:
            file_name, columns, values = None, spec, {}
        known = CONTRACT[tname].column_names
        for src, canon in columns.items():
            if isinstance(canon, Mapping):
                raise DataError(
                    f"mapping file {path.name}: table {tname!r} has unknown key {src!r}"
                    + suggest(str(src), MAPPING_KEYS)
                    + f" Keys: {', '.join(MAPPING_KEYS)}")
            if canon not in known:
                raise DataError(
                    f"mapping file {path.name}: table {tname!r} maps {src!r} to unknown "
                    f"column {canon!r}" + suggest(str(canon), known)
                    + f" Columns: {', '.join(known)}"
                )
        if file_name is not None and not isinstance(file_name, str | int | float):
            raise DataError(f"mapping file {path.name}: file of table {tname!r} must be a "
                            "file or table name")
        mapping[tname] = {"file": None if file_name is None else str(file_name),
                          "columns": {str(k): str(v) for k, v in columns.items()},
                          "values": _value_maps(values, tname, path.name)}
    return mapping


def _value_text(value) -> str:
    """A YAML scalar as the text it stands for (``true`` stays ``"true"``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _value_maps(values, tname: str, file_name: str) -> dict[str, dict[str, str]]:
    """Check the ``values:`` entry of one table and return it as plain strings."""
    if not isinstance(values, Mapping):
        raise DataError(f"mapping file {file_name}: values of table {tname!r} must map column "
                        "names to {source value: contract value}")
    spec = CONTRACT[tname]
    out = {}
    for canon, pairs in values.items():
        if canon not in spec.column_names:
            raise DataError(
                f"mapping file {file_name}: table {tname!r} maps values of unknown column "
                f"{canon!r}" + suggest(str(canon), spec.column_names)
                + f" Columns: {', '.join(spec.column_names)}")
        if not isinstance(pairs, Mapping):
            raise DataError(f"mapping file {file_name}: values of {tname}.{canon} must be "
                            "{source value: contract value}")
        pairs = {_value_text(k): _value_text(v) for k, v in pairs.items()}
        allowed = spec.column(canon).allowed
        for src, target in pairs.items():
            if allowed and target.lower() not in allowed:
                raise DataError(
                    f"mapping file {file_name}: {tname}.{canon} maps {src!r} to {target!r}, "
                    f"which is not one of {', '.join(allowed)}"
                    + suggest(target.lower(), allowed))
        out[str(canon)] = pairs
    return out


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


class Workspace:
    """The contract tables of one data source, as Ibis tables on one backend.

    Use :func:`open_workspace` to create one. ``raw(name)`` gives a table with canonical
    column names as the source typed it; ``table(name)`` casts the contract columns to
    their contract types (values that cannot be cast become null; :mod:`helpers.data.validation`
    reports them).
    """

    def __init__(self, con, tables: dict, origins: dict[str, str], source_label: str,
                 scratch: Path | None = None, *, duplicate_columns: dict | None = None,
                 unused_files: list[str] | None = None, mapping: dict | None = None,
                 unmatched: dict | None = None):
        self.con = con
        self._origins = origins
        self.source_label = source_label
        self._scratch = scratch
        #: optional tables left out because a column they cannot do without is absent
        self.ignored: dict[str, list[str]] = {}
        #: per table, column names that occur twice in the file or after mapping
        self.duplicate_columns: dict[str, list[str]] = dict(duplicate_columns or {})
        #: files of a folder source that are no contract table (by name or mapping)
        self.unused_files: list[str] = list(unused_files or [])
        #: the mapping the source was opened with (see :func:`load_mapping`)
        self.mapping: dict = dict(mapping or {})
        #: ``{table: source name}`` for files or tables the mapping names but the source lacks
        self.unmatched: dict[str, str] = dict(unmatched or {})
        self._raw = {}
        for name, t in tables.items():
            spec = contract_table(name)
            lacking = [c.name for c in spec.columns if c.required and c.name not in t.columns]
            if lacking and not spec.required:
                self.ignored[name] = lacking
            else:
                self._raw[name] = t

    @property
    def names(self) -> list[str]:
        """Contract tables present in the source, in contract order."""
        return [name for name in CONTRACT if name in self._raw]

    def has(self, name: str) -> bool:
        """Whether the source provides table ``name``."""
        return name in self._raw

    def origin(self, name: str) -> str:
        """Where table ``name`` came from (file or table name), for messages."""
        return self._origins.get(name, name)

    def raw(self, name: str):
        """Return table ``name`` with canonical column names and source types."""
        contract_table(name)
        if name not in self._raw:
            raise DataError(
                f"table {name!r} is not in the data source {self.source_label}; "
                f"add {name}.csv/.parquet/.xlsx (or map a source table to it)"
            )
        return self._raw[name]

    def table(self, name: str):
        """Return table ``name`` with contract columns cast to their contract types.

        Values of a closed set (``stage``, ``role``, ...) are trimmed and lower-cased.

        A contract column that the source lacks is added as a typed column of nulls, so
        every analysis sees the same schema; :mod:`helpers.data.capabilities` tells which
        columns hold data, and no value is invented for the missing ones.
        """
        t = self.raw(name)
        schema = t.schema()
        casts = {}
        for col in contract_table(name).columns:
            if col.name not in schema:
                casts[col.name] = ibis.null(LOGICAL_TO_IBIS[col.dtype])
            elif not _satisfies(schema[col.name], col.dtype):
                casts[col.name] = t[col.name].try_cast(LOGICAL_TO_IBIS[col.dtype])
            elif col.allowed:
                # codes of a closed set compare as validation reads them: " Won" is "won"
                casts[col.name] = t[col.name].strip().lower()
        return t.mutate(**casts) if casts else t

    def has_column(self, name: str, column: str) -> bool:
        """Whether the source provides ``column`` of table ``name`` (it may still be empty)."""
        return name in self._raw and column in self._raw[name].columns

    def to_pandas(self, name: str, columns: list[str] | None = None):
        """Typed table ``name`` as a pandas DataFrame (small tables only)."""
        t = self.table(name)
        return (t.select(*columns) if columns else t).to_pandas()

    def close(self) -> None:
        """Release the connection and any scratch files."""
        try:
            self.con.disconnect()
        except Exception:
            pass
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({self.source_label!r}, tables={self.names})"


def _duckdb_connect(path: str | None = None, *, read_only: bool = False,
                    memory_limit: str | None = None, threads: int | None = None,
                    scratch: Path | None = None):
    config = {}
    if memory_limit:
        config["memory_limit"] = str(memory_limit)
    if threads:
        config["threads"] = int(threads)
    if scratch is not None:
        config["temp_directory"] = str(scratch / "spill")
    kwargs = {"read_only": True} if read_only else {}
    return ibis.duckdb.connect(path or ":memory:", **kwargs, **config)


def _map_values(column, pairs: dict[str, str]):
    """``column`` with its values replaced as ``pairs`` says (see :func:`load_mapping`)."""
    text = column.cast("string")
    key = text.strip().lower()
    default = pairs.get(DEFAULT_VALUE)
    branches = [(key == src.strip().lower(), ibis.literal(target))
                for src, target in pairs.items() if src != DEFAULT_VALUE]
    other = text if default is None else ibis.literal(default)
    mapped = ibis.cases(*branches, else_=other) if branches else other
    # empty cells stay empty: a default must not invent a value where the export has none
    return ibis.ifelse(column.isnull() | (key == ""), ibis.null("string"), mapped)


def _apply_mapping(t, tname: str, mapping: dict) -> tuple[object, list[str]]:
    """Rename mapped columns and map their values; also return the names now doubled."""
    spec = mapping.get(tname, {})
    columns, values = spec.get("columns", {}), spec.get("values", {})
    present = list(t.columns)
    rename, doubled = {}, []
    for src, canon in columns.items():
        if src not in present:
            continue
        if canon in rename:  # two source columns mapped to one name: the first one counts
            doubled.append(canon)
            continue
        rename[canon] = src
    # a mapped column meets a column of that name in the file: the mapped one counts
    clashes = [canon for canon, src in rename.items()
               if canon in present and canon != src and canon not in columns]
    doubled.extend(clashes)
    if clashes:
        t = t.drop(*clashes)
    if rename:
        t = t.rename(rename)
    maps = {canon: _map_values(t[canon], pairs) for canon, pairs in values.items()
            if canon in t.columns}
    if maps:
        t = t.mutate(**maps)
    return t, list(dict.fromkeys(doubled))


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


def _with_password(url: str, password_env: str | None) -> str:
    parts = urlsplit(url)
    if parts.password is not None or not password_env:
        return url
    secret = os.environ.get(password_env)
    if not secret or not parts.username:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:{quote(secret, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def spark_warehouse(url: str) -> tuple[Path, dict[str, str]]:
    """The warehouse folder and Spark settings of a ``pyspark://`` URL.

    ``pyspark:///srv/lake/crm`` is the absolute folder ``/srv/lake/crm``;
    ``pyspark://data/lake`` is relative to the project root. Query parameters are Spark
    settings: ``pyspark:///srv/lake/crm?spark.driver.memory=8g``.
    """
    rest = str(url).removeprefix(SPARK_SCHEME)
    path, _, query = rest.partition("?")
    if not path:
        raise DataError(f"{url}: name the warehouse folder, as in pyspark:///path/to/warehouse")
    return resolve(path), dict(parse_qsl(query))


def spark_table_path(warehouse: Path, name: str) -> Path | None:
    """Where table ``name`` lies in a Spark warehouse folder, or ``None``.

    A ``<name>/`` folder of Parquet part files (what ``saveAsTable`` and ``workbook load``
    write) or a ``<name>.parquet`` file or folder.
    """
    for candidate in (warehouse / name, warehouse / f"{name}.parquet"):
        if candidate.is_file() and candidate.suffix == ".parquet":
            return candidate
        if candidate.is_dir() and next(candidate.rglob("*.parquet"), None) is not None:
            return candidate
    return None


@contextlib.contextmanager
def _jvm_output_to(log: Path):
    """Send what a JVM started in the block prints to ``log`` instead of notebook outputs.

    PySpark starts the JVM with this process's stdout and stderr, which a notebook kernel
    captures into the cell: Spark's start-up chatter would end up in the analyst report.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = [os.dup(1), os.dup(2)]
    except OSError:  # no standard streams to begin with (a daemon): nothing to redirect
        yield
        return
    try:
        with log.open("ab") as fh:
            os.dup2(fh.fileno(), 1)
            os.dup2(fh.fileno(), 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _last_line(path: Path) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def _spark_session(conf: dict[str, str], label: str):
    """The process's Spark session, started with ``conf`` unless one is running already."""
    try:
        from pyspark import SparkContext
        from pyspark.sql import SparkSession
    except ImportError:
        raise DataError(f"{label} needs pyspark and Java 17: pip install -e '.[spark]'") from None
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    if SparkContext._gateway is not None:  # the JVM runs already; nothing new to print
        return builder.getOrCreate()
    scratch = Path(tempfile.mkdtemp(prefix="workbook-spark-"))
    atexit.register(shutil.rmtree, scratch, True)
    log = scratch / "spark.log"
    try:
        with _jvm_output_to(log):
            return builder.getOrCreate()
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        detail = _last_line(log)
        raise DataError(f"{label}: cannot start Spark ({first})"
                        + (f"; Spark said: {detail}" if detail else "")
                        + ". Spark needs Java 17 (java on PATH or JAVA_HOME)") from None


def _open_spark(url: str, mapping: dict) -> Workspace:
    label = redact_url(url)
    warehouse, settings = spark_warehouse(url)
    if not warehouse.is_dir():
        raise DataError(f"Spark warehouse folder {warehouse} not found; check data_source, or "
                        f"fill it with `workbook load --from <folder> --to {SPARK_SCHEME}{warehouse}`")
    conf = {**SPARK_DEFAULTS, "spark.sql.warehouse.dir": str(warehouse), **settings}
    session = _spark_session(conf, label)
    try:
        session.sparkContext.setLogLevel("ERROR")
        # Ibis sets a few runtime settings of its own; static ones (the warehouse) stay put.
        con = ibis.pyspark.connect(session)
        for tname in CONTRACT:
            source_name = mapping.get(tname, {}).get("file") or tname
            path = spark_table_path(warehouse, source_name)
            if path is not None:
                con.read_parquet(str(path), table_name=source_name)
            else:
                # no stale view from another warehouse opened earlier in this process; a
                # table of the session's metastore by that name still counts
                session.catalog.dropTempView(source_name)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{label}: cannot read the Spark warehouse {warehouse} ({first})") from None
    return _open_connection(con, mapping, label)


def _open_connection(con, mapping: dict, label: str) -> Workspace:
    try:
        available = set(con.list_tables())
    except Exception as exc:
        raise DataError(f"{label}: cannot list tables ({exc})") from None
    tables, origins, doubled, unmatched = {}, {}, {}, {}
    for tname in CONTRACT:
        source_name = mapping.get(tname, {}).get("file") or tname
        if source_name not in available and mapping.get(tname, {}).get("file"):
            unmatched[tname] = source_name
        if source_name in available:
            tables[tname], mapped_twice = _apply_mapping(con.table(source_name), tname, mapping)
            if mapped_twice:
                doubled[tname] = mapped_twice
            origins[tname] = f"table {source_name}"
    return Workspace(con, tables, origins, label, duplicate_columns=doubled, mapping=mapping,
                     unmatched=unmatched)


def open_workspace(source: str | os.PathLike, *, mapping_file: str | os.PathLike | None = None,
                   password_env: str | None = None, memory_limit: str | None = None,
                   threads: int | None = None) -> Workspace:
    """Open a data source as a :class:`Workspace`.

    Parameters
    ----------
    source : str or path-like
        Folder of table files, ``.duckdb`` file, database URL, or ``pyspark://`` warehouse
        folder (see :func:`spark_warehouse`). Relative paths are taken from the project root.
    mapping_file : path-like, optional
        Column-mapping YAML (see :func:`load_mapping`).
    password_env : str, optional
        Environment variable holding the database password for URL sources.
    memory_limit : str, optional
        DuckDB memory limit such as ``"3GB"``; larger work spills to disk. Spark takes its
        memory settings from the URL (``?spark.driver.memory=8g``).
    threads : int, optional
        DuckDB worker threads (default: all cores).

    Returns
    -------
    Workspace
    """
    mapping = load_mapping(mapping_file)
    text = str(source)
    if is_url(text):
        label = redact_url(text)
        if text.startswith("duckdb://"):
            text = text.removeprefix("duckdb://")
        elif text.startswith(SPARK_SCHEME):
            return _open_spark(text, mapping)
        else:
            try:
                con = ibis.connect(_with_password(text, password_env))
            except Exception as exc:
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise DataError(
                    f"cannot connect to {label}: {redact_url(first)}. Check the URL in "
                    f"data_source and that ${password_env or 'WORKBOOK_DB_PASSWORD'} holds the password"
                ) from None
            return _open_connection(con, mapping, label)
    path = resolve(text)
    if path.is_dir():
        return _open_folder(path, text, mapping, memory_limit, threads)
    if path.is_file() and path.suffix.lower() in (".duckdb", ".db", ".ddb"):
        try:
            con = _duckdb_connect(str(path), read_only=True, memory_limit=memory_limit,
                                  threads=threads)
        except Exception as exc:
            raise DataError(f"{path.name}: cannot be opened as a DuckDB database ({exc})") from None
        return _open_connection(con, mapping, text)
    raise DataError(
        f"data source {text!r} not found: expected a folder of <table>.csv/.parquet/.xlsx "
        "files, a .duckdb file or a database URL. Set data_source in params/workbook.yaml "
        "(or run `workbook sample-data` for the sample world)."
    )


def fingerprint(source: str | os.PathLike) -> str:
    """A short, stable hash of a data source's identity and contents.

    Folders and files hash the names, sizes and modification times of the table files, so
    a changed input gives a new fingerprint without reading gigabytes. URLs hash the
    redacted URL; a ``pyspark://`` warehouse adds its Parquet files like a folder.
    """
    h = hashlib.sha256()
    text = str(source)
    if is_url(text):
        h.update(redact_url(text).encode())
        if text.startswith(SPARK_SCHEME) and text.removeprefix(SPARK_SCHEME)[:1] not in "?":
            warehouse = spark_warehouse(text)[0]
            for name in CONTRACT:
                path = spark_table_path(warehouse, name)
                files = [] if path is None else [path] if path.is_file() else sorted(
                    path.rglob("*.parquet"))
                for f in files:
                    st = f.stat()
                    h.update(f"{f.relative_to(warehouse)}|{st.st_size}|{st.st_mtime_ns}\n"
                             .encode())
        return h.hexdigest()[:16]
    path = resolve(text)
    files = sorted(path.iterdir()) if path.is_dir() else [path] if path.exists() else []
    for f in files:
        if f.is_file() and (f.suffix.lower() in FILE_SUFFIXES or f.suffix == ".duckdb"):
            st = f.stat()
            h.update(f"{f.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def open_connection(con, *, mapping_file: str | os.PathLike | None = None,
                    label: str | None = None) -> Workspace:
    """Wrap an open Ibis connection as a :class:`Workspace`.

    For engines set up in code rather than by URL, such as a Spark session with tables
    registered from a lake (``ibis.pyspark.connect(spark)``).

    Parameters
    ----------
    con : ibis backend
        A connection whose tables carry the contract (or mapped) names.
    mapping_file : path-like, optional
        Column-mapping YAML (see :func:`load_mapping`).
    label : str, optional
        Name of the source in messages (default: the backend's name).

    Returns
    -------
    Workspace
    """
    return _open_connection(con, load_mapping(mapping_file), label or con.name)
