"""Where the project lives, so that notebooks, the CLI and tests agree on relative paths."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "MARKER",
    "is_url",
    "project_root",
    "resolve",
]

MARKER = Path("params") / "workbook.yaml"


def project_root(start: str | os.PathLike | None = None) -> Path:
    """Return the project folder.

    ``WORKBOOK_HOME`` wins; otherwise the nearest folder at or above ``start`` (default: the
    working directory) holding ``params/workbook.yaml``. Notebooks run with ``notebooks/`` as
    their working directory, so this finds the root from there too.

    Parameters
    ----------
    start : path-like, optional
        Folder to search upward from.

    Returns
    -------
    pathlib.Path
    """
    env = os.environ.get("WORKBOOK_HOME")
    if env:
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    return here


def resolve(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """Resolve ``path`` against the project root unless it is absolute."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    return (Path(root) if root else project_root()) / p


def is_url(source: str | os.PathLike) -> bool:
    """Whether a data source string is a database URL rather than a path."""
    return "://" in str(source)
