"""The package's layers, as the folder names promise them.

``helpers`` is split by where data is in its journey: ``core`` (errors, paths, parameters)
under everything; ``stats`` and ``data`` above it; ``presentation`` (report language,
tables, charts, findings) beside ``data``; ``analysis`` (one module per question) on those;
``report`` (the notebook API, rendering, the portal, runs) on top. A module imports only
from its own layer or the layers below it, declares its API in ``__all__`` and stays
short enough to read in one sitting.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "helpers"

#: what each layer may import from the package (its own layer is always allowed)
ALLOWED = {
    "core": set(),
    "stats": {"core"},
    "data": {"core", "stats"},
    "presentation": {"core", "stats"},
    "analysis": {"core", "stats", "data", "presentation"},
    "report": {"core", "stats", "data", "presentation", "analysis"},
}
MAX_LINES = 800


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _layer(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 and parts[0] in ALLOWED else None


def _imported_layers(path: Path) -> set[tuple[str, int]]:
    """``(layer, line)`` of every package import, inside functions included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "helpers" and len(parts) > 1 and parts[1] in ALLOWED:
                found.add((parts[1], node.lineno))
    return found


def test_every_module_lives_in_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "cli.py")]
    assert not loose, f"modules outside a layer folder: {loose}"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} \
        == set(ALLOWED)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_no_module_imports_a_layer_above_its_own(layer):
    wrong = []
    for path in _modules():
        if _layer(path) != layer:
            continue
        for other, line in sorted(_imported_layers(path)):
            if other != layer and other not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports helpers.{other}")
    assert not wrong, "\n".join(wrong)


def test_every_module_declares_its_api():
    missing = []
    for path in _modules():
        if path.name == "__init__.py" and path.parent != PACKAGE and len(
                path.read_text(encoding="utf-8").splitlines()) <= 3:
            continue  # a layer's docstring-only __init__
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declared = any(isinstance(n, (ast.Assign, ast.AnnAssign)) and any(
            isinstance(t, ast.Name) and t.id == "__all__"
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])) for n in tree.body)
        if not declared and path != PACKAGE / "__init__.py":
            missing.append(str(path.relative_to(PACKAGE)))
    assert not missing, f"modules without __all__: {missing}"


def test_every_name_in_all_exists():
    import importlib

    wrong = []
    for path in _modules():
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        module = importlib.import_module(name)
        wrong += [f"{name}.{n}" for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
    assert not wrong, f"__all__ names that do not exist: {wrong}"


def test_no_module_is_too_long_to_read():
    long = {str(p.relative_to(PACKAGE)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_every_workspace_parameter_has_the_one_workspace_type():
    """A ``ws`` parameter is typed ``Workspace`` (helpers.data.datasets), nothing else."""
    wrong = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for arg in node.args.args + node.args.kwonlyargs:
                shown = ast.unparse(arg.annotation) if arg.annotation else "nothing"
                if arg.arg == "ws" and shown.strip("'\"") not in ("Workspace", "Workspace | None"):
                    wrong.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}(ws: {shown})")
    assert not wrong, "\n".join(wrong)
