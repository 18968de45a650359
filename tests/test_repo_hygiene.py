"""Repository rules that keep the workbook clean to live in."""

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: strip outputs from cells {dirty}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_conventions(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0].get("metadata", {}).get("tags", []), \
        f"{path.name}: the first code cell must be tagged 'parameters'"
    assert nb["cells"][0]["cell_type"] == "markdown" and "".join(
        nb["cells"][0]["source"]).startswith("# "), f"{path.name}: start with a title"
    assert nb["metadata"]["kernelspec"]["name"] == "workbook"
    for cell in code:
        src = "".join(cell["source"])
        tree = ast.parse(src)
        defs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        assert not defs, f"{path.name}: move def/class into src/helpers"
        assert "sys.path" not in src and "filterwarnings" not in src


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_reads_as_a_brief(path):
    """Summary last (the renderer moves it first), every chart described, cells with ids."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert all(c.get("id") for c in nb["cells"]), f"{path.name}: give every cell an id"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "summary" in code[-1].get("metadata", {}).get("tags", []), \
        f"{path.name}: the last code cell shows findings.brief and is tagged 'summary'"
    assert "brief(" in "".join(code[-1]["source"])
    shows = [i for i, c in enumerate(nb["cells"]) if "plt.show(" in "".join(c["source"])]
    assert not shows, f"{path.name}: cells {shows} call plt.show(); use plotting.show(fig, alt=...)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_has_a_params_file(path):
    assert (ROOT / "params" / f"{path.stem}.yaml").is_file(), \
        f"add params/{path.stem}.yaml (it may be empty)"


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    proc = subprocess.run([ruff, "check", "--quiet", str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_story_cells_match_their_locale_text(path):
    """A markdown cell with an ``i18n`` key holds that key's English text, so both stay one story."""
    from helpers.presentation import i18n

    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        key = cell.get("metadata", {}).get(i18n.MARKDOWN_KEY)
        if cell["cell_type"] == "markdown" and key:
            assert "".join(cell["source"]).strip() == i18n.t(key, "en").strip(), \
                f"{path.name} cell {i}: its text differs from {key} in the locale (en)"
            assert i18n.t(key, "zh") != i18n.t(key, "en") or not any(
                ch.isalpha() for ch in i18n.t(key, "en")), f"{key} has no Chinese text"


#: pandas work that belongs in a tested helper, not in a notebook cell
ANALYSIS_CALLS = re.compile(
    r"\.(groupby|merge|idxmax|idxmin|pivot_table|pivot|value_counts|agg|aggregate|apply|nlargest|"
    r"nsmallest|rolling|resample|cumsum|transform|crosstab)\(|\bpd\.(concat|crosstab|merge|pivot_table)\(")
MAX_CELL_LINES = 12


def _code_lines(source: str) -> int:
    """Code lines of a cell, not counting blank lines, comments and import statements."""
    imports = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.update(range(node.lineno, node.end_lineno + 1))
    return sum(1 for n, line in enumerate(source.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and n not in imports)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_narrates_and_calls_helpers(path):
    """Story in markdown cells, short code cells, no analysis logic, the scheduled run's settings."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    problems = []
    for cell in code[1:]:
        source = "".join(cell["source"])
        if _code_lines(source) > MAX_CELL_LINES:
            problems.append(f"cell {cell.get('id')}: {_code_lines(source)} code lines")
        problems += [f"cell {cell.get('id')}: {m.group(0)} (move it into a helper)"
                     for m in ANALYSIS_CALLS.finditer(source)]
        if re.search(r"Markdown\(f?[\"']##", source):
            problems.append(f"cell {cell.get('id')}: a heading printed from code; use a markdown cell")
    assert not problems, f"{path.name}: " + "; ".join(problems)
    stories = [c for c in nb["cells"] if c["cell_type"] == "markdown"
               and c.get("metadata", {}).get("i18n")]
    assert len(stories) >= 5, f"{path.name}: tell the story in markdown cells with an i18n key"
    assert "project_parameters(" in "".join(code[1]["source"]), \
        f"{path.name}: the cell after the parameters must call interactive.project_parameters"
