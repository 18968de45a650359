"""The CJK font embedded in pages that show Chinese text.

:func:`cjk_font_face` subsets Noto Sans CJK SC to the characters a page uses and returns
the ``@font-face`` rule; :func:`with_cjk_font` adds it to a page's ``<head>``.
"""

from __future__ import annotations

import re

__all__ = ["CJK_FAMILY", "CJK_RANGES", "cjk_font_face", "with_cjk_font"]

_CJK_RE = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                     r"\uff00-\uffef]")


CJK_FAMILY = "Workbook CJK"


CJK_RANGES = "U+2E80-2FDF, U+3000-303F, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FF00-FFEF"


def cjk_font_face(text: str) -> str:
    """A CSS ``@font-face`` embedding just the CJK glyphs that ``text`` uses.

    Reports are read on machines without Chinese fonts too; a subset of Noto Sans CJK SC
    (a few dozen KB as WOFF in a ``data:`` URL) keeps them readable offline. The rule is
    empty when the text has no CJK characters or the font is not installed.

    Parameters
    ----------
    text : str
        The page.

    Returns
    -------
    str
        ``@font-face {font-family: "Workbook CJK"; src: url(data:font/woff;base64,...)}``
        or ``""``.
    """
    import base64
    import io

    from helpers.presentation.plotting import cjk_font_path

    chars = "".join(sorted(set(_CJK_RE.findall(text))))
    path = cjk_font_path()
    if not chars or path is None:
        return ""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []
    options.hinting = False
    options.name_IDs = [1, 2]
    font = TTFont(str(path), lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.flavor = "woff"
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    # unicode-range keeps Latin text on the system font even with this family listed first
    return (f'@font-face {{ font-family: "{CJK_FAMILY}"; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); '
            f'unicode-range: {CJK_RANGES}; }}')


def with_cjk_font(page: str) -> str:
    """``page`` with :func:`cjk_font_face` added to its ``<head>`` (unchanged without CJK text)."""
    face = cjk_font_face(page)
    return page.replace("</head>", f"<style>\n{face}\n</style>\n</head>", 1) if face else page
