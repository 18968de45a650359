"""Writing sample-world tables to Parquet or CSV files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from helpers.data import contract
from helpers.data.sample_world.parameters import FORMATS, ROW_GROUP, TRUTH_ACCOUNTS_FILE, TRUTH_FILE

__all__ = [
]


# ----------------------------------------------------------------------------- writing


class _Sink:
    """Appends batches of one table to its file; Parquet row groups have a fixed size."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str):
        self.fmt = fmt
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._n = 0
        if fmt == "csv":
            self._schema = pa.schema([
                pa.field(f.name, pa.timestamp("s") if pa.types.is_timestamp(f.type) else f.type)
                for f in schema])
            self._writer = pacsv.CSVWriter(str(path), self._schema)
        else:
            self._schema = schema
            # Dictionaries only pay off for repeated values, not for ids, amounts or times.
            unique = {c.name for c in contract.table(path.stem).columns if c.unique}
            repeated = [f.name for f in schema if f.name not in unique
                        and (pa.types.is_string(f.type) or pa.types.is_date(f.type)
                             or pa.types.is_integer(f.type))]
            self._writer = pq.ParquetWriter(str(path), schema, compression="zstd",
                                            use_dictionary=repeated)

    def add(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self.fmt == "csv":
            self._writer.write_table(table.cast(self._schema))
            return
        self._pending.append(table)
        self._n += table.num_rows
        if self._n >= ROW_GROUP:
            merged = pa.concat_tables(self._pending).combine_chunks()
            full = (merged.num_rows // ROW_GROUP) * ROW_GROUP
            self._writer.write_table(merged.slice(0, full), row_group_size=ROW_GROUP)
            rest = merged.slice(full)
            self._pending, self._n = ([rest] if rest.num_rows else []), rest.num_rows

    def close(self) -> None:
        if self.fmt == "parquet" and self._pending:
            merged = pa.concat_tables(self._pending).combine_chunks()
            self._writer.write_table(merged, row_group_size=ROW_GROUP)
        self._writer.close()


def _write_once(path: Path, table: pa.Table, fmt: str) -> int:
    sink = _Sink(path, table.schema, fmt)
    sink.add(table)
    sink.close()
    return table.num_rows


def _stale_files(out: Path) -> list[Path]:
    names = [t.name for t in contract.TABLES]
    found = [out / f"{n}.{ext}" for n in names for ext in FORMATS]
    found += [out / TRUTH_FILE, out / TRUTH_ACCOUNTS_FILE]
    return [p for p in found if p.exists()]

