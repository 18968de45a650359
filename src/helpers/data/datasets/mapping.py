"""The mapping file: source file, column and value names to the contract's."""

from __future__ import annotations

import os
from collections.abc import Mapping

import ibis
import yaml

from helpers.core.errors import DataError
from helpers.core.errors import suggest
from helpers.core.paths import resolve
from helpers.data.contract import CONTRACT

__all__ = [
    "DEFAULT_VALUE",
    "MAPPING_KEYS",
    "load_mapping",
]


#: keys of a table's entry in the mapping file
MAPPING_KEYS = ("file", "columns", "values")

#: value-map key for "every other value"
DEFAULT_VALUE = "*"


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
