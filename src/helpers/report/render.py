"""Render an executed notebook as a self-contained HTML report.

Each notebook is rendered twice by :func:`render_report`: a management page without code,
errors or parameter cells and an analyst page with code. Both are laid out as a brief
(:func:`brief_layout`: the summary first, the method last), carry a table of contents and
the page frame in the report language, and only keep markup :func:`safe_html` allows.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.report.fonts import with_cjk_font

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = ["MANAGEMENT_REMOVE_TAGS", "METHOD_TAG", "SAFE_ATTRIBUTES", "SAFE_TAGS", "SUMMARY_TAG",
           "TEMPLATES", "brief_layout", "chrome_labels", "render_report", "report_language",
           "safe_html", "table_of_contents"]

# nbformat, nbconvert and bleach are imported inside the functions that use them: notebooks
# import the report layer and must not pay for them (nbformat's schema validation alone
# takes seconds to import).

#: The nbconvert template and the stylesheet shared by the reports and the portal.
TEMPLATES = Path(__file__).parent / "templates"


#: Cells never shown to management: parameters, papermill's error banners, opt-outs.
MANAGEMENT_REMOVE_TAGS = (
    "parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell",
    "remove_cell", "hide-management",
)


#: Markup that outputs may use; everything else in an output is shown as text.
SAFE_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "s", "small", "span",
    "strong", "style", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
})


SAFE_ATTRIBUTES = {
    "*": ["class", "id", "style", "title", "align", "valign", "border", "colspan", "rowspan",
          "width", "height", "lang", "dir"],
    "a": ["href", "name"],
    "img": ["src", "alt"],
}


def safe_html(markup: str) -> str:
    """Sanitise HTML from a notebook output: tables, text and images stay, scripts go.

    Anything outside :data:`SAFE_TAGS` is escaped and shown as text, so an account called
    ``<script>alert(1)</script>`` stays a name.
    """
    import bleach
    from bleach.css_sanitizer import CSSSanitizer

    return bleach.clean(
        str(markup), tags=SAFE_TAGS, attributes=SAFE_ATTRIBUTES,
        protocols={"http", "https", "mailto", "data"}, css_sanitizer=CSSSanitizer(),
    )


def _management_cells(nb: NotebookNode) -> NotebookNode:
    """Drop error and stderr outputs and code cells left without output."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if o.get("output_type") != "error"
                and not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


SUMMARY_TAG = "summary"


METHOD_TAG = "method"


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def brief_layout(nb: NotebookNode, *, management: bool, method_title: str) -> NotebookNode:
    """Order a report as a brief: the answer first, the method last.

    Cells tagged ``summary`` move to the top (both audiences). In management pages, cells
    tagged ``method`` (data loading, validation, how a number was computed) move to a
    closing section that stays collapsed until opened.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Modified in place and returned.
    management : bool
    method_title : str
        Heading of the closing section, in the report language.

    Returns
    -------
    nbformat.NotebookNode
    """
    import nbformat

    summary = [c for c in nb.cells if SUMMARY_TAG in _tags(c)]
    method = [c for c in nb.cells if management and METHOD_TAG in _tags(c)]
    rest = [c for c in nb.cells if not (c in summary or c in method)]
    if summary and rest and rest[0].cell_type == "markdown" and rest[0].source.startswith("# "):
        # the summary opens with the title; the notebook's own title line would repeat it
        rest[0].source = rest[0].source.split("\n", 1)[1].lstrip("\n") if "\n" in rest[0].source else ""
    cells = summary + rest
    if method:
        def frame(markup: str):
            cell = nbformat.v4.new_raw_cell(markup)
            cell.metadata["workbook_frame"] = True
            return cell

        opening = (f'<details class="wb-method"><summary><h2 id="how-this-was-computed">'
                   f'{html.escape(method_title)}</h2></summary>')
        cells += [frame(opening), *method, frame("</details>")]
    nb.cells = cells
    return nb


_HEADING_RE = re.compile(r"<h([1-6])\b[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.DOTALL)


def table_of_contents(body: str, title: str = "Contents") -> str:
    """An ordered list linking the ``h2``/``h3`` headings of a rendered page (``h1`` if none)."""
    found = [(int(lvl), anchor, inner) for lvl, anchor, inner in _HEADING_RE.findall(body)]
    levels = {2, 3} if any(lvl == 2 for lvl, _, _ in found) else {1}
    items = []
    for lvl, anchor, inner in found:
        if lvl not in levels:
            continue
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip()
        if text:
            items.append(f'<li class="wb-toc-{lvl}"><a href="#{anchor}">{html.escape(text)}</a></li>')
    if not items:
        return ""
    return (f'<ol><li class="wb-toc-title">{html.escape(title)}</li>' + "".join(items)
            + "</ol>")


def report_language(language: Any) -> str:
    """``language`` when the workbook has texts for it, else ``en`` (pages never fail on it)."""
    from helpers.presentation.i18n import LANGUAGES

    return language if language in LANGUAGES else "en"


def chrome_labels(info: dict) -> dict[str, str]:
    """The page frame's texts in the report language, with the run's values filled in."""
    from helpers.presentation.i18n import t

    lang = report_language(info.get("language"))
    return {
        "contents": t("chrome.contents", lang),
        "data_as_of": t("chrome.data_as_of", lang, as_of=info.get("as_of", "")),
        "run": t("chrome.run", lang, run_id=info.get("run_id", "")),
        "analyst_version": t("chrome.analyst_version", lang),
        "analyst_link": t("chrome.analyst_version_link", lang),
        "generated": t("chrome.generated", lang, when=info.get("generated", "")),
    }


def render_report(nb: NotebookNode, *, audience: str, info: dict,
                  notebook_dir: Path | None = None) -> str:
    """Render an executed notebook as one self-contained HTML page.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        Executed notebook (not modified).
    audience : {"management", "analyst"}
        Management pages hide code, prompts, parameter cells, errors and stderr.
    info : dict
        ``title``, ``company_name``, ``as_of``, ``run_id``, ``language``, ``generated``,
        ``analyst_link`` for the page frame.
    notebook_dir : pathlib.Path, optional
        Where images referenced by markdown cells are looked up to embed them.

    Returns
    -------
    str
        HTML without external scripts, stylesheets or fonts.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    from helpers.presentation.i18n import t

    if audience not in ("management", "analyst"):
        raise ValueError(f"audience must be 'management' or 'analyst', not {audience!r}")
    management = audience == "management"
    nb = copy.deepcopy(nb)
    if management:
        nb = _management_cells(nb)
    nb = brief_layout(nb, management=management,
                      method_title=t("report.how_computed", report_language(info.get("language"))))
    exporter = HTMLExporter(
        template_name="report",
        extra_template_basedirs=[str(TEMPLATES)],
        extra_template_paths=[str(TEMPLATES)],
        exclude_input=management,
        exclude_input_prompt=management,
        exclude_output_prompt=management,
        embed_images=True,
    )
    exporter.register_filter("workbook_safe_html", safe_html)
    remove = TagRemovePreprocessor(
        remove_cell_tags=set(MANAGEMENT_REMOVE_TAGS if management else ("papermill-error-cell-tag",)),
        remove_input_tags={"remove-input", "remove_input"},
        remove_all_outputs_tags={"remove-output", "remove_output"},
    )
    exporter.register_preprocessor(remove, enabled=True)
    labels = chrome_labels(info)
    resources = {
        "workbook": {**info, "audience": audience, "labels": labels},
        "metadata": {"name": info.get("title", "report"),
                     "path": str(notebook_dir) if notebook_dir else ""},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = body.replace("<!--WORKBOOK-TOC-->", table_of_contents(body, labels["contents"]), 1)
    return with_cjk_font(body)
