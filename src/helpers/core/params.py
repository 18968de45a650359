"""Notebook parameters: read them from the notebooks, merge the YAML files, check them.

Precedence, lowest first: the notebook's ``parameters`` cell, ``params/workbook.yaml``
(except the runner-only sections ``sample`` and ``run``), ``params/<notebook>.yaml``, and
command-line overrides (``--data``, ``--as-of``). Every key must be a parameter of the
notebook and every value must match the notebook's type annotation; anything else is a
:class:`~helpers.core.errors.ParamError` that names the file and the key.
"""

from __future__ import annotations

import ast
import datetime as _dt
import io
import os
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

import yaml

from helpers.core.errors import ParamError, suggest
from helpers.core.paths import project_root

# the rule table lives in core.rules; its names stay importable from here
from helpers.core.rules import RULES, Rule, between, check_rules, choices, count, rules_for

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = [
    "RULES",
    "RUNNER_DEFAULTS",
    "RUNNER_KEYS",
    "Rule",
    "SCHEDULED_ENV",
    "SHARED_PARAMETERS",
    "TYPES",
    "WORKBOOK_FILE",
    "apply_project_parameters",
    "as_of_date",
    "as_of_end",
    "between",
    "check_rules",
    "check_value",
    "choices",
    "count",
    "describe_parameters",
    "load_workbook_settings",
    "notebook_parameters",
    "notebook_path",
    "parameters_cell",
    "parse_as_of",
    "project_relative",
    "read_yaml",
    "resolve_parameters",
    "rules_for",
    "shared_parameters",
    "split_url_password",
    "unknown_key_message",
]

WORKBOOK_FILE = "params/workbook.yaml"
RUNNER_KEYS = ("sample", "run")
RUNNER_DEFAULTS: dict[str, dict[str, Any]] = {
    "sample": {"accounts": 2000, "seed": 42, "locale": "en"},
    "run": {"cell_timeout": 600, "keep_runs": 20},
}
#: Parameters every notebook declares; the runner sets ``output_dir`` itself.
SHARED_PARAMETERS = (
    "data_source", "mapping_file", "password_env", "as_of", "currency", "language",
    "company_name", "memory_limit", "finding_alpha", "finding_correction", "output_dir",
)
#: Annotation name -> accepted Python types of a YAML value.
TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}
_YAML_TYPE_NAMES = {
    bool: "a boolean", int: "an integer", float: "a number", str: "text",
    list: "a list", dict: "a mapping", type(None): "empty (null)",
}


def _root(root: str | os.PathLike | None) -> Path:
    return Path(root) if root is not None else project_root()


def read_yaml(path: Path, label: str) -> dict:
    """Read a YAML mapping, turning syntax errors into a :class:`ParamError`.

    Parameters
    ----------
    path : pathlib.Path
        File to read.
    label : str
        How the file is named in messages (``params/customer_value.yaml``).

    Returns
    -------
    dict
        The mapping; an empty file gives ``{}``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ParamError(f"{label}: is not UTF-8 text; save it as UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParamError(
            f"{label}{where}: not valid YAML ({problem}); check the indentation and quote "
            "values that contain ':' or '#'"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamError(
            f"{label}: must be a mapping of 'name: value' lines, found {_describe_type(data)}"
        )
    return data


def _describe_type(value: Any) -> str:
    return _YAML_TYPE_NAMES.get(type(value), type(value).__name__)


def unknown_key_message(label: str, what: str, key: str, valid: list[str] | tuple[str, ...]) -> str:
    """``"<label>: unknown <what> 'key'; did you mean 'x'? Valid keys: ..."``."""
    hint = suggest(key, valid) or "."
    return f"{label}: unknown {what} {key!r}{hint} Valid keys: {', '.join(valid) or '(none)'}"


def split_url_password(value: str) -> tuple[str, str | None]:
    """Remove the password from a database URL.

    Parameters
    ----------
    value : str
        A data source; paths come back unchanged.

    Returns
    -------
    (str, str or None)
        The URL without its password, and the password (``None`` when there was none).
    """
    if "://" not in value:
        return value, None
    parts = urlsplit(value)
    if parts.password is None:
        return value, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{host}")), unquote(parts.password)


def load_workbook_settings(root: str | os.PathLike | None = None) -> dict:
    """Read ``params/workbook.yaml``.

    The sections ``sample`` and ``run`` are for the runner and are completed with their
    defaults; every other top-level key is a parameter shared by all notebooks.

    Parameters
    ----------
    root : path-like, optional
        Project folder (default: :func:`helpers.core.paths.project_root`).

    Returns
    -------
    dict
        All settings, runner sections included.
    """
    path = _root(root) / WORKBOOK_FILE
    if not path.is_file():
        raise ParamError(
            f"{WORKBOOK_FILE} not found under {_root(root)}; run the command from the project "
            "folder or set WORKBOOK_HOME to it"
        )
    settings = read_yaml(path, WORKBOOK_FILE)
    for section, defaults in RUNNER_DEFAULTS.items():
        given = settings.get(section) or {}
        if not isinstance(given, dict):
            raise ParamError(f"{WORKBOOK_FILE}: '{section}' must be a mapping such as "
                             f"{section}: {{{', '.join(f'{k}: {v}' for k, v in defaults.items())}}}")
        for key, value in given.items():
            if key not in defaults:
                raise ParamError(
                    unknown_key_message(WORKBOOK_FILE, "setting", f"{section}.{key}",
                                        [f"{section}.{k}" for k in defaults])
                )
            if type(value) is not type(defaults[key]):
                raise ParamError(
                    f"{WORKBOOK_FILE}: '{section}.{key}' must be {_describe_type(defaults[key])}, "
                    f"got {value!r}"
                )
        settings[section] = {**defaults, **given}
    for key in ("cell_timeout", "keep_runs"):
        if settings["run"][key] < 1:
            raise ParamError(f"{WORKBOOK_FILE}: 'run.{key}' must be at least 1")
    return settings


def shared_parameters(settings: dict) -> dict:
    """The settings passed to every notebook: all but the runner-only sections."""
    return {k: v for k, v in settings.items() if k not in RUNNER_KEYS}


def notebook_path(name: str, root: str | os.PathLike | None = None) -> Path:
    """Return ``notebooks/<name>.ipynb``, or a :class:`ParamError` naming close matches."""
    folder = _root(root) / "notebooks"
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.ipynb"))
        hint = suggest(name, known) or "."
        raise ParamError(
            f"no notebook notebooks/{name}.ipynb{hint} Notebooks: {', '.join(known) or '(none)'}"
        )
    return path


def _comments_by_line(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return comments


def _annotation_name(node: ast.expr | None, value: Any) -> str:
    if node is None:
        return "NoneType" if value is None else type(value).__name__
    return ast.unparse(node)


def _base_type(annotation: str) -> tuple[str, bool]:
    """Split ``'int | None'`` / ``'Optional[int]'`` into ``('int', True)``."""
    text = annotation.replace(" ", "")
    if text.startswith("Optional[") and text.endswith("]"):
        return text[len("Optional["):-1], True
    parts = [p for p in text.split("|") if p]
    optional = "None" in parts
    parts = [p for p in parts if p != "None"]
    base = parts[0] if len(parts) == 1 else text
    # list[str] / dict[str, int] check as list / dict
    return base.split("[", 1)[0], optional


def parameters_cell(nb: NotebookNode) -> NotebookNode | None:
    """Return the first code cell tagged ``parameters``, or ``None``."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def notebook_parameters(notebook_path: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Read the parameters a notebook declares.

    The cell tagged ``parameters`` holds one literal assignment per line, annotated and
    commented: ``min_accounts: int = 30  # smallest segment reported``.

    Parameters
    ----------
    notebook_path : path-like
        The ``.ipynb`` file.

    Returns
    -------
    dict
        ``name -> {"default": value, "type": annotation, "help": comment}`` in cell order.
    """
    import nbformat  # slow to import; notebooks that import helpers do not need it

    path = Path(notebook_path)
    label = f"notebooks/{path.name}"
    try:
        nb = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise ParamError(f"{label}: notebook not found") from None
    except Exception as exc:  # any reader failure becomes one message
        raise ParamError(f"{label}: cannot be read as a notebook ({exc})") from None
    cell = parameters_cell(nb)
    if cell is None:
        raise ParamError(
            f"{label}: no code cell tagged 'parameters'; tag the cell that holds the "
            "defaults (View > Cell Toolbar > Tags in Jupyter, or the property inspector in Lab)"
        )
    source = cell.source
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParamError(f"{label}: parameters cell line {exc.lineno}: {exc.msg}") from None
    comments = _comments_by_line(source)
    found: dict[str, dict[str, Any]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name, annotation, value_node = stmt.target.id, stmt.annotation, stmt.value
        elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
              and isinstance(stmt.targets[0], ast.Name)):
            name, annotation, value_node = stmt.targets[0].id, None, stmt.value
        else:
            raise ParamError(
                f"{label}: parameters cell line {stmt.lineno}: only 'name: type = literal' "
                "assignments belong in the parameters cell; move other code to the next cell"
            )
        if value_node is None:
            raise ParamError(f"{label}: parameter '{name}' has no default value")
        try:
            default = ast.literal_eval(value_node)
        except ValueError:
            raise ParamError(
                f"{label}: parameter '{name}' must default to a literal (number, text, "
                f"True/False, None, list or dict), not {ast.unparse(value_node)!r}"
            ) from None
        found[name] = {
            "default": default,
            "type": _annotation_name(annotation, default),
            "help": comments.get(stmt.lineno, ""),
        }
    return found


def check_value(name: str, value: Any, annotation: str, label: str) -> Any:
    """Check ``value`` against a parameter annotation and return it, normalised.

    Dates that YAML parsed from an unquoted ``2026-06-30`` become ISO text for ``str``
    parameters, and integers are accepted for ``float`` parameters.

    Parameters
    ----------
    name : str
        Parameter name, for the message.
    value : object
        Value from YAML or the command line.
    annotation : str
        The notebook's annotation, e.g. ``"int"`` or ``"str | None"``.
    label : str
        The file the value came from, for the message.

    Returns
    -------
    object
    """
    base, optional = _base_type(annotation)
    if value is None:
        if optional or base in ("NoneType", "None"):
            return None
        raise ParamError(f"{label}: parameter '{name}' is empty; give it a value of type {base}")
    if base == "str" and isinstance(value, _dt.date):
        return value.isoformat()
    accepted = TYPES.get(base)
    if accepted is None:
        return value  # annotations we do not model (Any, custom) are not checked
    # bool is a subclass of int, but `true` is never a sensible count
    ok = isinstance(value, accepted) and not (isinstance(value, bool) and base in ("int", "float"))
    if not ok:
        hint = ""
        if base == "str":
            hint = "; quote it in YAML, e.g. name: \"value\""
        elif base in ("int", "float") and isinstance(value, str):
            hint = "; write the number without quotes"
        raise ParamError(
            f"{label}: parameter '{name}' must be {_YAML_TYPE_NAMES.get(accepted[-1], base)} "
            f"({annotation}), got {_describe_type(value)} {value!r}{hint}"
        )
    if base == "float" and isinstance(value, int):
        return float(value)
    return value


def _check_date(value: str, label: str) -> None:
    parse_as_of(value, label)


def _resolve(name: str, overrides: dict | None, root: str | os.PathLike | None,
             settings: dict | None = None) -> tuple[dict, dict]:
    """Return ``(values, sources)``; ``sources`` names where each value came from."""
    base = _root(root)
    declared = notebook_parameters(notebook_path(name, base))
    valid = list(declared)
    values = {k: spec["default"] for k, spec in declared.items()}
    sources = dict.fromkeys(declared, f"notebooks/{name}.ipynb")
    if settings is None:
        settings = load_workbook_settings(base)
    layers: list[tuple[str, dict]] = [(WORKBOOK_FILE, shared_parameters(settings))]
    own = base / "params" / f"{name}.yaml"
    if own.is_file():
        layers.append((f"params/{name}.yaml", read_yaml(own, f"params/{name}.yaml")))
    if overrides:
        layers.append(("command line", {k: v for k, v in overrides.items() if v is not None}))
    for label, layer in layers:
        for key, value in layer.items():
            if key not in declared:
                if label == WORKBOOK_FILE and not suggest(key, valid):
                    raise ParamError(
                        f"{label}: shared parameter '{key}' is missing from the parameters cell "
                        f"of notebooks/{name}.ipynb; add it there or remove it from {label}"
                    )
                raise ParamError(unknown_key_message(label, "parameter", key, valid))
            if key == "output_dir":
                raise ParamError(f"{label}: output_dir is set by `workbook run` for each run; "
                                 "remove it from the file")
            values[key] = check_value(key, value, declared[key]["type"], label)
            if key == "as_of" and isinstance(values[key], str):
                _check_date(values[key], label)
            check_rules(name, key, values[key], label)
            sources[key] = label
    return values, sources


#: set in the kernels that ``workbook run`` starts: their parameters are already resolved
SCHEDULED_ENV = "WORKBOOK_SCHEDULED"


def apply_project_parameters(name: str, namespace: dict,
                             root: str | os.PathLike | None = None) -> None:
    """Give a notebook opened in JupyterLab the parameters the scheduled run gets.

    Values are merged as ``workbook run`` merges them: the notebook's defaults ←
    ``params/workbook.yaml`` ← ``params/<name>.yaml``. A value that differs from the
    notebook's default (injected by papermill, or edited in the parameters cell) wins.
    In kernels started by ``workbook run`` (:data:`SCHEDULED_ENV`) nothing changes.

    Parameters
    ----------
    name : str
        Notebook name.
    namespace : dict
        The notebook's ``globals()``; updated in place.
    root : path-like, optional
        Project folder (default: found from the working directory).
    """
    if os.environ.get(SCHEDULED_ENV) == "1":
        return
    base = _root(root)
    declared = notebook_parameters(notebook_path(name, base))
    for key, value in _resolve(name, None, base)[0].items():
        if key == "output_dir" or key not in namespace:
            continue
        if namespace[key] == declared[key]["default"]:
            namespace[key] = value


def project_relative(source: str, root: str | os.PathLike | None = None) -> str:
    """A folder inside the project as the project-relative path it was given as."""
    try:
        return Path(source).resolve().relative_to(_root(root)).as_posix() \
            if Path(source).is_absolute() else source
    except ValueError:
        return source


def resolve_parameters(name: str, overrides: dict | None = None,
                       root: str | os.PathLike | None = None) -> dict:
    """Merge and check the parameters of one notebook.

    Parameters
    ----------
    name : str
        Notebook name without ``.ipynb``.
    overrides : dict, optional
        Highest-precedence values, e.g. ``{"data_source": ..., "as_of": ...}`` from the
        command line; ``None`` values are ignored.
    root : path-like, optional
        Project folder.

    Returns
    -------
    dict
        Parameter name -> value, every declared parameter present.

    Raises
    ------
    ParamError
        Unknown key, wrong type, malformed YAML or a notebook without a parameters cell.
    """
    return _resolve(name, overrides, root)[0]


def describe_parameters(name: str, root: str | os.PathLike | None = None) -> str:
    """Text for ``workbook params NAME``: each parameter, its value, origin and help."""
    base = _root(root)
    declared = notebook_parameters(notebook_path(name, base))
    values, sources = _resolve(name, None, base)
    own = base / "params" / f"{name}.yaml"
    lines = [
        f"notebooks/{name}.ipynb parameters "
        f"(params/{name}.yaml {'exists' if own.is_file() else 'does not exist'}):",
        "",
    ]
    width = max((len(k) for k in declared), default=0)
    rules = rules_for(name)
    for key, spec in declared.items():
        origin = "" if sources[key].startswith("notebooks/") else f"   [{sources[key]}]"
        value = values[key]
        if isinstance(value, str):
            value = split_url_password(value)[0]
        lines.append(f"  {key:<{width}}  {spec['type']} = {value!r}{origin}")
        if spec["help"]:
            lines.append(f"  {'':<{width}}  {spec['help']}")
        for rule_key, rule in rules.items():
            if rule_key.partition(".")[0] == key:
                lines.append(f"  {'':<{width}}  allowed: {rule_key} {rule.describe()}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- dates and ranges


def parse_as_of(value: Any, label: str = "--as-of") -> _dt.date:
    """Read an analysis date written ``YYYY-MM-DD``; the one parser of the command line.

    Parameters
    ----------
    value : str or datetime.date
        The date as typed (``"2026-06-30"``) or as YAML parsed it.
    label : str
        Where the value came from, for the message (``--as-of``, ``params/workbook.yaml``).

    Returns
    -------
    datetime.date

    Raises
    ------
    ParamError
        One line naming the value when it is not a real calendar date (``2026-13-01``).
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ParamError(
            f"{label}: as_of must be a real date written YYYY-MM-DD, e.g. 2026-06-30; "
            f"got {text!r}"
        ) from None


def as_of_date(value: Any) -> _dt.date:
    """The analysis date of an analysis function, as a :class:`datetime.date`.

    The command line and the settings file are read by :func:`parse_as_of` (strict
    ``YYYY-MM-DD``); analysis functions also take what a notebook hands them: a date,
    a datetime or Timestamp (its day), or a date string pandas reads.

    Parameters
    ----------
    value : date-like
        The analysis date.

    Returns
    -------
    datetime.date

    Raises
    ------
    ParamError
        When ``value`` is missing or not a date, naming it and showing how to write one.
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    import pandas as pd

    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParamError(f"as_of={value!r} is not a date; write it like 2025-06-30") from exc
    if pd.isna(ts):
        raise ParamError("as_of is missing; write a date like 2025-06-30")
    return ts.date()


def as_of_end(value: Any) -> _dt.datetime:
    """The end of the analysis day: midnight starting the next day (an exclusive bound).

    Events stamped on the analysis day count (``timestamp < as_of_end(as_of)``).

    Parameters
    ----------
    value : date-like
        The analysis date, read by :func:`as_of_date`.

    Returns
    -------
    datetime.datetime
    """
    return _dt.datetime.combine(as_of_date(value) + _dt.timedelta(days=1), _dt.time())
