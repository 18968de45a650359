"""Shared by the report-language tests: a notebook's code and the text keys it uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers.presentation import i18n

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
CJK = re.compile(r"[\u4e00-\u9fff]")
#: ``t("some.key")``: a literal text key.
KEY = re.compile(r"""\bt\(\s*["']([a-z_.]*[a-z_])["']""")
#: ``t(f"some.prefix.{name}")``: the prefix of a key built from a name.
BUILT = re.compile(r"""\bt\(\s*f["']([a-z_.]*\.)\{""")


def load_notebook(name: str) -> dict:
    """The committed notebook ``notebooks/<name>.ipynb`` as JSON."""
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))


def code_of(nb: dict) -> str:
    """The source of every code cell, joined."""
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def notebook_code(name: str) -> str:
    """The code of ``notebooks/<name>.ipynb``."""
    return code_of(load_notebook(name))


def has_both(key: str) -> bool:
    """Whether a text key has an English and a Chinese text."""
    entry = i18n.LABELS.get(key, {})
    return bool(entry.get("en")) and bool(entry.get("zh"))


def is_chinese(text: str) -> bool:
    """Whether a text contains Chinese characters."""
    return bool(CJK.search(text))
