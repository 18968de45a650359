"""What a manager reads on a rendered page, and the tokens that must never be in it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: values that mean "no number here" and must show as "–" with a reason instead
# "None of the ..." is English prose, not a missing value
UNREADABLE = re.compile(
    r"(?<![A-Za-z_])(nan|NaN|NaT|None(?! of)|inf|-inf|Infinity|<NA>)(?![A-Za-z_])"
)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of a page as a reader sees it (no scripts, styles or tags)."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def alt_texts(html: str) -> list[str]:
    """The alt texts of the page's images (a chart's description)."""
    return re.findall(r'<img[^>]*\balt="([^"]*)"', html)


def unreadable(html: str, context: int = 60) -> list[str]:
    """Every place where the visible text or an alt text shows nan, None, inf and the like."""
    out = []
    for text in [visible_text(html), *alt_texts(html)]:
        for m in UNREADABLE.finditer(text):
            out.append(text[max(0, m.start() - context): m.end() + context])
    return out
