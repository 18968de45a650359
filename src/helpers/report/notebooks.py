"""The project's notebooks on disk: which there are and what they are called.

:func:`list_notebooks` finds ``notebooks/*.ipynb``; :func:`notebook_title` and
:func:`localized_title` give a notebook's title (in the report language);
:func:`format_notebook_list` is the text of ``workbook list``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from helpers.core.paths import project_root
from helpers.report.render import report_language

__all__ = ["format_notebook_list", "list_notebooks", "localized_title", "notebook_title"]

def notebook_title(path: Path) -> str:
    """The first markdown heading of a notebook, or its file name."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError, nbformat.reader.NotJSONError):
        return path.stem
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", cell.source, re.MULTILINE)
            if m:
                return m.group(1)
    return path.stem


def localized_title(name: str, notebook_dir: Path, language: str = "en") -> str:
    """The notebook's title in the report language: from :mod:`helpers.presentation.i18n` when it has one
    (``notebook.<name>``) and the language is not English, else the first markdown heading."""
    title = notebook_title(Path(notebook_dir) / f"{name}.ipynb")
    if report_language(language) == "en":
        return title
    from helpers.presentation.i18n import t

    return t(f"notebook.{name}", report_language(language), default=title)


def list_notebooks(root: str | os.PathLike | None = None) -> list[Path]:
    """``notebooks/*.ipynb`` in name order (checkpoints and ``_drafts`` excluded)."""
    folder = (Path(root) if root else project_root()) / "notebooks"
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith(("_", ".")))


def format_notebook_list(root: str | os.PathLike | None = None) -> str:
    """Text for ``workbook list``: each notebook, its title and whether it has a params file."""
    base = Path(root) if root else project_root()
    paths = list_notebooks(base)
    if not paths:
        return "no notebooks in notebooks/"
    width = max(len(p.stem) for p in paths)
    lines = []
    for p in paths:
        own = base / "params" / f"{p.stem}.yaml"
        note = f"params/{p.stem}.yaml" if own.is_file() else "(workbook.yaml only)"
        lines.append(f"{p.stem:<{width}}  {notebook_title(p)}  [{note}]")
    return "\n".join(lines)
