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
import difflib
import io
import os
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

import yaml

from helpers.core.errors import ParamError
from helpers.core.paths import project_root

if TYPE_CHECKING:
    from nbformat import NotebookNode

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


def suggest(key: str, valid: list[str] | tuple[str, ...]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest valid key, or ``""``."""
    close = difflib.get_close_matches(key, list(valid), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


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


class Rule:
    """The allowed values of one parameter: a range of numbers or a set of choices.

    Build rules with :func:`between` and :func:`choices`; :meth:`problem` checks a value.
    """

    def __init__(self, *, low: float | None = None, high: float | None = None,
                 options: tuple[str, ...] = (), integer: bool = False):
        self.low, self.high, self.options, self.integer = low, high, tuple(options), integer

    def describe(self) -> str:
        """``"one of: day, week, month"``, ``"5 to 25"`` or ``"at least 0"``."""
        if self.options:
            return "one of: " + ", ".join(self.options)
        if self.low is not None and self.high is not None:
            return f"{self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"at least {self.low:g}"
        return f"at most {self.high:g}"

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed, or ``None`` when it is (``None`` values pass).

        Parameters
        ----------
        value : object

        Returns
        -------
        str or None
            E.g. ``"must be one of: share, amount; did you mean 'share'?"``.
        """
        if value is None:
            return None
        if self.options:
            if isinstance(value, str) and value in self.options:
                return None
            hint = suggest(str(value), self.options) if isinstance(value, str) else ""
            return f"must be {self.describe()}{hint}"
        number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.integer and number_ok and not float(value).is_integer():
            number_ok = False
        if not number_ok:
            kind = "a whole number" if self.integer else "a number"
            hint = "; write the number without quotes" if isinstance(value, str) else ""
            return f"must be {kind} {self._range()}{hint}"
        if value != value or (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high):
            return f"must be {self._range()}"
        return None

    def _range(self) -> str:
        text = self.describe()
        return f"from {text}" if self.low is not None and self.high is not None else text


def between(low: float | None, high: float | None = None, *, integer: bool = False) -> Rule:
    """A number from ``low`` to ``high`` inclusive (``None``: unbounded on that side)."""
    return Rule(low=low, high=high, integer=integer)


def choices(*options: str) -> Rule:
    """One of the given texts."""
    return Rule(options=options)


def count(low: int = 0, high: int | None = None) -> Rule:
    """A whole number from ``low`` to ``high``."""
    return between(low, high, integer=True)


SHARE = between(0, 1)
DAYS = count(1, 36500)
MONTHS = count(1, 1200)

#: Allowed values of every parameter, per notebook; ``"*"`` holds the shared ones.
#: Nested keys (``key_account_criteria.capacity``) check one entry of a mapping.
RULES: dict[str, dict[str, Rule]] = {
    "*": {
        "language": choices("en", "zh"),
        "finding_alpha": between(0.001, 0.2),
        "finding_correction": choices("bh", "by", "holm", "bonferroni", "none"),
    },
    "data_overview": {
        "top_categories": count(1, 100),
        "stale_after_days": DAYS,
    },
    "customer_profiling": {
        "top_segments": count(1, 100),
        "activity_days": DAYS,
        "best_definition": choices("margin", "revenue_24m", "won"),
        "best_top_share": between(0.01, 1),
        "min_support": SHARE,
        "confidence": between(0.5, 0.999),
        "scorecard_weight": SHARE,
        "fit_strong_min": between(0, 100),
        "fit_moderate_min": between(0, 100),
        "engagement_days": DAYS,
        "engagement_quantile": SHARE,
        "whitespace_days": DAYS,
        "whitespace_min_adoption": SHARE,
        "list_rows": count(1, 10000),
    },
    "customer_segmentation": {
        "min_segment_accounts": count(1),
        "heatmap_rows": count(1, 100),
        "migration_period_days": DAYS,
        "cluster_method": choices("kmeans", "gmm"),
        "n_clusters": count(0, 50),
        "k_min": count(2, 50),
        "k_max": count(2, 50),
        "k_criterion": choices("consensus", "silhouette", "calinski_harabasz",
                               "davies_bouldin"),
        "min_cluster_share": between(0, 0.5),
        "silhouette_sample": count(10),
        "stability_runs": count(0, 100),
        "tree_depth": count(1, 10),
        "seed": count(0),
    },
    "customer_value": {
        "time_unit": choices("day", "week", "month"),
        "horizon_months": count(1, 240),
        "monthly_discount_rate": between(0, 1),
        "holdout_months": count(0, 120),
        "rfm_window_days": DAYS,
        "min_repeat_buyers": count(1),
        "tier_basis": choices("share", "amount"),
        "key_account_criteria.capacity": count(5, 25),
        "key_account_criteria.min_clv": between(0),
        "key_account_criteria.min_fit_score": between(0, 100),
        "key_account_criteria.min_p_alive": SHARE,
        "key_account_criteria.value_column": choices("profit_clv", "clv"),
        "dossier_months": MONTHS,
    },
    "content_evaluation": {
        "window_days": DAYS,
        "credit": choices("sourced", "influenced"),
        "confidence": between(0.5, 0.999),
        "min_sample": count(1),
        "leaderboard_size": count(1, 10000),
        "stage_min_touches": count(1),
        "calendar_months": MONTHS,
        "survey_days": DAYS,
        "recent_content_days": DAYS,
        "channel_lookback_days": DAYS,
        "channel_credit": choices("influenced", "sourced"),
        "experiment_unit": choices("contact", "account"),
        "alpha": between(0.0001, 0.5),
        "correction": choices("holm", "bh"),
        "target_power": between(0.5, 0.999),
        "min_lift": between(0.001, 100),
        "expected_share_b": between(0.01, 0.99),
        "send_window_hours": count(1, 24),
        "timing_min_sample": count(1),
        "attribution_lookback_days": DAYS,
        "half_life_days": between(0.01, 36500),
    },
    "budget_allocation": {
        "outcome": choices("opportunities", "pipeline", "won_revenue"),
        "planning_periods": count(1, 1200),
        "total_budget": between(0),
        "reserve_pct": between(0, 0.9),
        "account_facing_share": SHARE,
        "min_multiplier": between(0, 1000),
        "max_multiplier": between(0, 1000),
        "current_periods": count(1, 1200),
        "min_periods": count(1, 1200),
        "roi_cap": between(0, 1000),
        "n_boot": count(0, 100000),
        "seed": count(0),
        "target_cost_per_outcome": between(0),
        "uplift_rate": between(0, 100),
        "review_periods": count(1, 1200),
        "overspend_tolerance": between(0, 100),
        "reallocation_threshold": between(0),
    },
    "kpi_monitoring": {
        "freq": choices("quarter", "month"),
        "periods": count(2, 120),
        "forecast_horizon": count(0, 24),
        "forecast_holdout": count(0, 24),
        "sales_cost_per_month": between(0),
        "discount_rate": between(0, 1),
        "clv_horizon_years": count(1, 50),
        "cac_method": choices("auto", "spend", "recorded"),
        "comparison_months": MONTHS,
        "min_count": count(1),
        "alert_cac_increase": between(0, 100),
        "alert_nps_below": between(-100, 100),
        "alert_clv_cac_below": between(0, 1000),
        "alert_churn_above": SHARE,
        "alert_win_rate_below": SHARE,
        "alert_nrr_below": between(0, 100),
    },
}


def rules_for(name: str) -> dict[str, Rule]:
    """The shared rules and those of notebook ``name``, by (possibly nested) key."""
    return {**RULES["*"], **RULES.get(name, {})}


def check_rules(name: str, key: str, value: Any, label: str) -> None:
    """Refuse a value outside its declared range or choices.

    Parameters
    ----------
    name : str
        Notebook name.
    key : str
        Top-level parameter; rules on its nested entries (``key.entry``) are checked too.
    value : object
        The value, already type-checked.
    label : str
        The file the value came from, for the message.

    Raises
    ------
    ParamError
        ``"params/customer_value.yaml: key_account_criteria.capacity = 500 must be from
        5 to 25"``.
    """
    for rule_key, rule in rules_for(name).items():
        head, _, entry = rule_key.partition(".")
        if head != key:
            continue
        if entry:
            if not isinstance(value, dict) or entry not in value:
                continue
            shown = value[entry]
        else:
            shown = value
        problem = rule.problem(shown)
        if problem:
            raise ParamError(f"{label}: {rule_key} = {shown!r} {problem}")
