"""Run the notebooks, render the reports and keep the portal.

One run executes the selected notebooks with papermill into ``reports/.staging-<run-id>/``,
renders each executed notebook twice (a management page without code and an analyst
page with code), writes ``run.json`` and then renames the folder to ``reports/<run-id>/``
in one step. Earlier run folders are never modified; a notebook that fails keeps its last
good report in the portal (``reports/index.html``).

``run.json`` records per notebook what its figures depend on (:func:`comparability`: a
hash of its parameters, the data source with its fingerprint, the code version); the
portal compares a figure with the previous run only when all of these are the same.

Notebooks talk back to the runner through :func:`record_headlines` (KPI cards for the
portal), :func:`record_findings` (sentences for the executive summary) and
:func:`exports_dir` (CSV/XLSX files meant for the CRM). Each run logs to ``run.log`` in
its folder as well as to the console.
"""

from __future__ import annotations

import concurrent.futures
import copy
import datetime as _dt
import html
import json
import logging
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from helpers.core.errors import ParamError, WorkbookError
from helpers.core.params import (
    SCHEDULED_ENV,
    load_workbook_settings,
    notebook_path,
    resolve_parameters,
    split_url_password,
)
from helpers.core.paths import is_url, project_root, resolve
from helpers.report.history import (
    STAGING_PREFIX,
    code_version,
    comparability,
    data_fingerprint,
    last_good_runs,
    load_runs,
    new_run_id,
    package_versions,
    prune_runs,
    schedule_order,
)
from helpers.stats.numbers import is_missing

if TYPE_CHECKING:
    from nbformat import NotebookNode

# nbformat, nbconvert, jinja2 and papermill are imported inside the functions that use
# them: notebooks import this module for record_headlines and must not pay for them
# (nbformat's schema validation alone takes seconds to import).
TEMPLATES = Path(__file__).parent / "templates"
SAMPLE_SOURCE = Path("data") / "sample"
LOCK_NAME = ".lock"
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
MIN_SECRET_LENGTH = 4
#: How a value that cannot be computed is shown.
MISSING = "–"
#: Characters of a failure message kept in run.json, run.log and the portal.
MESSAGE_LIMIT = 4000
#: errno values that mean the reports folder cannot take the run.
FOLDER_ERRNOS = {"EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT"}


class RunLockedError(WorkbookError):
    """Another run holds the lock on the reports folder."""


# --------------------------------------------------------------------------- locking and run ids


class RunLock:
    """An exclusive, non-blocking lock on ``reports/.lock`` (:mod:`filelock`).

    The lock is the operating system's (``flock`` on POSIX, ``LockFileEx`` on Windows), so
    it is released when the holding process ends and a crashed run never leaves a stale
    lock behind. The file stays; it names the holder's pid for the refusal message. The
    pid is written after the first byte, which is the byte Windows locks.

    Parameters
    ----------
    path : pathlib.Path
        The lock file.
    label : str
        How the file is named in messages.
    """

    def __init__(self, path: Path, label: str = "reports/.lock"):
        self.path = Path(path)
        self.label = label
        self._lock = None

    def _holder(self) -> str:
        try:
            with self.path.open("rb") as fh:
                fh.seek(1)
                text = fh.read(64).decode("ascii", "replace")
        except OSError:
            return "unknown"
        return text.strip("\x00 \r\n") or "unknown"

    def acquire(self) -> RunLock:
        """Take the lock or raise :class:`RunLockedError` naming the holder's pid."""
        import filelock

        self.path.parent.mkdir(parents=True, exist_ok=True)
        # no soft (marker file) fallback: a marker would outlive a crashed run
        lock = filelock.FileLock(self.path, timeout=0, fallback_to_soft=False)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise RunLockedError(
                f"another workbook run (pid {self._holder()}) holds {self.label}; wait for it "
                "to finish (the lock is released automatically when that process ends)"
            ) from None
        try:
            with self.path.open("r+b") as fh:
                fh.seek(1)
                fh.write(f"{os.getpid()}\n".encode("ascii"))
                fh.truncate()
        except OSError:
            pass  # the pid is only informative
        self._lock = lock
        return self

    def release(self) -> None:
        """Release the lock (the file stays; its content is only informative)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def secret_variants(secret: str) -> set[str]:
    """The forms a secret may take in notebooks and HTML: raw, JSON, HTML and URL escaped."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
        quote(secret, safe=""),
    }


def scrub(text: str, secrets: set[str] | list[str]) -> str:
    """Replace every form of every secret in ``text`` by ``***``.

    Parameters
    ----------
    text : str
    secrets : iterable of str
        Secrets shorter than :data:`MIN_SECRET_LENGTH` are skipped: replacing two-letter
        strings would garble the document.

    Returns
    -------
    str
    """
    for secret in secrets:
        if len(secret) < MIN_SECRET_LENGTH:
            continue
        for form in sorted(secret_variants(secret), key=len, reverse=True):
            text = text.replace(form, "***")
    return text


def _scrub_file(path: Path, secrets: set[str]) -> None:
    if not secrets or not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    clean = scrub(text, secrets)
    if clean != text:
        path.write_text(clean, encoding="utf-8")


def _redact_parameters(params: dict) -> tuple[dict, set[str]]:
    """Strip URL passwords from string parameters; return the clean dict and the passwords."""
    clean, found = {}, set()
    for key, value in params.items():
        if isinstance(value, str):
            value, password = split_url_password(value)
            if password:
                found.add(password)
        clean[key] = value
    return clean, found


# --------------------------------------------------------------------------- notebooks on disk


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


def _is_sample_source(source: str, root: Path) -> bool:
    return not is_url(source) and resolve(source, root) == (root / SAMPLE_SOURCE)


def ensure_sample_world(path: Path, sample: dict) -> bool:
    """Build the sample world at ``path`` unless one matching ``sample`` is there.

    Parameters
    ----------
    path : pathlib.Path
    sample : dict
        ``accounts``, ``seed`` and ``locale`` from ``params/workbook.yaml``.

    Returns
    -------
    bool
        Whether a world was generated.
    """
    from helpers.data import sample_world

    options = {k: sample[k] for k in ("accounts", "seed", "locale")}
    if path.exists() and sample_world.world_matches(path, **options):
        return False
    print(f"building the sample world in {SAMPLE_SOURCE} ({options['accounts']:,} accounts, "
          f"seed {options['seed']}, locale {options['locale']})", flush=True)
    sample_world.generate_world(path, **options)
    return True


# --------------------------------------------------------------------------- execution


@dataclass
class NotebookRun:
    """The outcome of one notebook in one run."""

    name: str
    title: str
    parameters: dict
    status: str = "pending"
    seconds: float = 0.0
    error: str | None = None
    headlines: dict = field(default_factory=dict)
    findings: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    comparability: dict = field(default_factory=dict)

    def record(self) -> dict:
        """The run.json entry."""
        return {
            "title": self.title,
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "error": self.error,
            "parameters": self.parameters,
            "headlines": self.headlines,
            "findings": self.findings,
            "files": self.files,
            "comparability": self.comparability,
        }


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)


def parse_size(text: str | None) -> int | None:
    """Bytes in a size such as ``"3GB"``, ``"512MiB"`` or ``"2g"``; ``None`` if unparseable."""
    m = _SIZE_RE.match(str(text or ""))
    if not m:
        return None
    return int(float(m.group(1)) * 1024 ** " KMGT".index(m.group(2).upper() or " "))


def default_jobs(memory_limits: list[str | None]) -> int:
    """Notebooks to run at once: one per core, but no more than fit in memory.

    Each notebook's DuckDB may use up to its ``memory_limit``, so a run never starts more
    notebooks than physical memory holds at that limit.
    """
    cores = os.cpu_count() or 1
    per_notebook = max((parse_size(m) or 0 for m in memory_limits), default=0)
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return cores
    if per_notebook <= 0 or total <= 0:
        return cores
    return max(1, min(cores, total // per_notebook))


def kernel_name() -> str:
    """``workbook`` when that kernel is installed (``make env``), else ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    return "workbook" if "workbook" in KernelSpecManager().find_kernel_specs() else "python3"


def _first_line(text: str, limit: int = 300) -> str:
    line = next((ln for ln in str(text).splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def full_message(text: Any, limit: int = MESSAGE_LIMIT) -> str:
    """An error message in full: every non-empty line, so a list after a colon is kept.

    ``ValidationError: the data has 3 error(s):`` is followed by the errors themselves; a
    first-line summary would stop at the colon. Only very long messages are shortened.

    Parameters
    ----------
    text : object
        The exception or its message.
    limit : int
        Characters kept at most.

    Returns
    -------
    str
        Lines joined by newlines.
    """
    lines = [ln.rstrip() for ln in str(text).splitlines() if ln.strip()]
    message = "\n".join(lines)
    return message if len(message) <= limit else message[: limit - 1] + "…"


#: Kernel start-up lines that say nothing to the person running the workbook. The kernels
#: are started with encrypted transport (see :func:`quiet_kernel_manager`), so ipykernel
#: no longer prints the first one; the filter stays for kernels that cannot encrypt.
KERNEL_NOISE = ("Kernel is running over TCP without encryption",)


def is_kernel_noise(line: str) -> bool:
    """Whether a kernel's stderr line is start-up noise, kept out of the run's console."""
    return any(text in line for text in KERNEL_NOISE)


def _forward_stderr(stream) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace")
        if not is_kernel_noise(line):
            sys.stderr.write(line)
            sys.stderr.flush()
    stream.close()


def quiet_runner() -> None:
    """Keep the runner process's own library notices out of the console and ``run.log``.

    The notebooks are the project's and their cells get ids, but nbformat warns about
    every cell without one it reads (and adds the id itself); papermill, nbclient,
    jupyter_client and traitlets log start-up chatter at WARNING; pyzmq warns about the
    event loop on Windows. Errors from these libraries still show. Calling it again is
    harmless.
    """
    import warnings

    from nbformat.warnings import MissingIDFieldWarning

    warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
    warnings.filterwarnings("ignore", message=r"Proactor event loop does not implement",
                            category=RuntimeWarning)
    for name in ("papermill", "nbclient", "jupyter_client", "traitlets"):
        logging.getLogger(name).setLevel(logging.ERROR)


def quiet_kernel_manager():
    """A kernel manager class for the runner's kernels: encrypted and without start-up noise.

    ipykernel warns on every start that its TCP transport is not encrypted. The kernels
    run on this machine, and jupyter_client provisions CurveZMQ keys when asked
    (``transport_encryption = "auto"``, for kernelspecs declaring ``curve`` as the
    ``workbook`` and ``python3`` ones do), which removes the cause of the warning. The
    kernels' stderr is forwarded through :data:`sys.stderr`, so their own warnings and crash
    messages still show (above the live progress display); only :data:`KERNEL_NOISE` lines
    are dropped, for kernels that cannot encrypt.
    """
    import subprocess
    import threading

    import zmq
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class QuietKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _quiet_transport_encryption(self) -> str:
            return "auto" if zmq.has("curve") else "disabled"

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            kw["stderr"] = subprocess.PIPE
            await super()._async_launch_kernel(kernel_cmd, **kw)
            process = getattr(self.provisioner, "process", None)
            if process is not None and process.stderr is not None:
                threading.Thread(target=_forward_stderr, args=(process.stderr,),
                                 daemon=True).start()

    return QuietKernelManager


def execute_notebook(source: Path, output: Path, parameters: dict, *, kernel: str,
                     cwd: Path, cell_timeout: int) -> tuple[str, float, str | None]:
    """Execute one notebook with papermill.

    The kernel's working directory is passed to nbclient rather than through papermill's
    ``cwd``, which changes the directory of the whole process and so would race between
    notebooks executed in parallel threads.

    Parameters
    ----------
    source, output : pathlib.Path
        Notebook to run and where to write the executed copy.
    parameters : dict
        Injected after the ``parameters`` cell.
    kernel : str
        Kernel name.
    cwd : pathlib.Path
        Working directory of the kernel.
    cell_timeout : int
        Seconds a cell may run.

    Returns
    -------
    (status, seconds, error)
        ``status`` is ``"ok"`` or ``"failed"``; ``error`` is a one-line summary.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from helpers.presentation.i18n import translate_markdown

    start = time.monotonic()
    try:
        # the story cells in the report's language (see helpers.presentation.i18n.translate_markdown)
        nb = translate_markdown(nbformat.read(str(source), as_version=4),
                                report_language(parameters.get("language")))
        papermill.execute_notebook(
            nb, str(output), parameters=parameters, kernel_name=kernel,
            progress_bar=False, log_output=False, execution_timeout=cell_timeout,
            resources={"metadata": {"path": str(cwd)}},
            kernel_manager_class=quiet_kernel_manager(),
        )
    except PapermillExecutionError as exc:
        summary = f"{exc.ename}: {full_message(exc.evalue)} (cell In [{exc.exec_count}])"
        return "failed", time.monotonic() - start, summary
    except Exception as exc:  # kernel death, timeouts, unreadable notebooks: isolate the notebook
        return "failed", time.monotonic() - start, f"{type(exc).__name__}: {full_message(exc)}"
    return "ok", time.monotonic() - start, None


# --------------------------------------------------------------------------- rendering


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


def _with_cjk_font(page: str) -> str:
    face = cjk_font_face(page)
    return page.replace("</head>", f"<style>\n{face}\n</style>\n</head>", 1) if face else page


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
    return _with_cjk_font(body)


def format_number(value: Any, language: str = "en", *, signed: bool = False,
                  change: bool = False) -> str:
    """A figure as the portal shows it: compact from 10,000 (``29.7M``, ``2,970万``), else in
    full with thousands separators; text unchanged.

    A missing or non-finite value (``None``, NaN, inf, or a text such as "nan") is shown as
    "–"; a figure that reads as zero carries no sign. See :func:`helpers.report.summary.figure`.
    """
    from helpers.report.summary import figure

    if is_missing(value):
        return MISSING
    return figure(value, report_language(language), signed=signed, change=change)


def period_change(card: dict) -> bool:
    """Whether a card's own ``delta`` is the change against its previous period.

    A notebook that names the ``period`` of a figure and gives its change measures that
    change within the run's data (the previous quarter, the previous month), not against an
    earlier run.
    """
    return (bool(_text(card.get("period"))) and not is_missing(card.get("delta"))
            and not card.get("since_run"))


def card_deltas(headlines: dict, previous: dict | None, *, breaks: list[str] | tuple = ()
                ) -> dict:
    """Headline cards with the change since ``previous`` filled in where a card has none.

    Only numeric cards with the same label in both runs get a delta. Cards with a ``flag``
    never get one (the flag is shown instead). A card with a ``period`` and a ``delta`` of
    its own carries the change against its previous period (:func:`period_change`), which
    the data of one run measures: it is kept as it is, whatever changed between runs. When the two runs are not comparable
    (``breaks``, see :func:`helpers.report.summary.comparison_breaks`), such cards, and cards with
    a change of their own (a notebook's own run-over-run change), get
    ``"no_comparison": breaks`` instead of a delta, so the portal and the summary say why
    the figure is not compared rather than reporting the difference as a movement.

    Parameters
    ----------
    headlines : dict
        ``label -> card`` of this run.
    previous : dict or None
        ``label -> card`` of the notebook's previous good run.
    breaks : sequence of str
        What changed between the two runs (``parameters``, ``data``, ``code``).

    Returns
    -------
    dict
        New cards; the inputs are not modified.
    """
    out = {}
    for label, card in headlines.items():
        card = dict(card) if isinstance(card, dict) else {"value": card}
        old = (previous or {}).get(label) or {}
        old = old if isinstance(old, dict) else {"value": old}
        now, before = card.get("value"), old.get("value")
        both = all(isinstance(v, (int, float)) and not isinstance(v, bool) and not is_missing(v)
                   for v in (now, before))
        if card.get("flag") or period_change(card):
            pass  # a flag replaces any change; a change on the previous period is the data's
        elif breaks and (both or not is_missing(card.get("delta"))):
            # a notebook's own change is a run-over-run change too: not comparable either
            card.pop("delta", None)
            card["no_comparison"] = list(breaks)
        elif both and is_missing(card.get("delta")):
            delta = now - before
            card["delta"] = round(delta, 6) if isinstance(delta, float) else delta
            card["since_run"] = True  # the portal's change since the last run
        out[label] = card
    return out


#: Size of a card's trend line, in CSS pixels.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 24, 2.5


def _numbers(values: Any) -> list[float]:
    """The finite numbers of a list (booleans, text and missing values left out)."""
    if not isinstance(values, (list, tuple)):
        return []
    return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
            and not is_missing(v)]


def _with_unit(text: str, unit: str) -> str:
    return text if not unit or text == MISSING else text + (unit if unit == "%" else f" {unit}")


def sparkline(trend: Any, label: str, unit: str = "", lang: str = "en") -> dict | None:
    """A card's trend as the coordinates of a small inline SVG line, or ``None``.

    Parameters
    ----------
    trend : list of numbers
        Oldest first, ending with the card's value; missing and non-numeric entries are
        left out, and fewer than two numbers draw nothing.
    label : str
        The card's label, for the line's text alternative.
    unit : str
    lang : {"en", "zh"}

    Returns
    -------
    dict or None
        ``points`` (the polyline's ``x,y`` pairs, numbers only), ``x`` and ``y`` of the last
        point, ``width``, ``height`` and ``alt`` (a sentence naming the first and last value).
    """
    from helpers.presentation.i18n import t

    values = _numbers(trend)
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    span_x = (SPARK_WIDTH - 2 * SPARK_PAD) / (len(values) - 1)
    span_y = SPARK_HEIGHT - 2 * SPARK_PAD
    points = []
    for i, v in enumerate(values):
        y = SPARK_HEIGHT / 2 if high == low else SPARK_PAD + (high - v) / (high - low) * span_y
        points.append((round(SPARK_PAD + i * span_x, 1), round(y, 1)))
    alt = t("portal.trend", lang, label=label, n=len(values),
            first=_with_unit(format_number(values[0], lang), unit),
            last=_with_unit(format_number(values[-1], lang), unit))
    return {"points": " ".join(f"{x:g},{y:g}" for x, y in points), "x": points[-1][0],
            "y": points[-1][1], "width": SPARK_WIDTH, "height": SPARK_HEIGHT, "alt": alt}


def target_progress(card: dict, unit: str = "", lang: str = "en") -> dict | None:
    """A card's progress against its target: "84% of target 35M EUR", or ``None``.

    Parameters
    ----------
    card : dict
        With ``value``, ``target`` and ``better`` (``down``: the target is a ceiling, and
        staying at or below it is good news).
    unit : str
    lang : {"en", "zh"}

    Returns
    -------
    dict or None
        ``text``, ``width`` (0..100, the bar) and ``direction`` (``up`` when the target is
        met, ``down`` when a ceiling is exceeded, else empty); ``None`` without a finite
        numeric target. Without a finite value of the same sign the text only names the
        target.
    """
    from helpers.presentation.i18n import t

    target, value = _numbers([card.get("target")]), _numbers([card.get("value")])
    if not target:
        return None
    shown = _with_unit(format_number(target[0], lang), unit)
    if not value or target[0] == 0 or value[0] / target[0] < 0:
        return {"text": t("portal.target_only", lang, target=shown), "width": None,
                "direction": ""}
    share = value[0] / target[0] * 100
    pct = f"{share:,.0f}%"
    if card.get("better") == "down":
        direction = "up" if share <= 100 else "down"
    else:
        direction = "up" if share >= 100 else ""
    return {"text": t("portal.target", lang, pct=pct, target=shown),
            "width": round(min(share, 100.0), 1), "direction": direction}


def _text(value: Any) -> str:
    """A card's text field (unit, period): empty when missing."""
    if is_missing(value) or isinstance(value, (dict, list)):
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none", "null", "inf", "-inf", "nat", "<na>") else text


def _cards(headlines: dict, lang: str = "en") -> list[dict]:
    """Cards as the portal template shows them, in the language of the report.

    The value is a compact figure with its unit (:func:`format_number`). The line under it
    is, in this order of precedence: the card's ``flag``; why it is not compared with the
    last run (``no_comparison``); "no change" for a change that reads as zero (``0``,
    ``-0.0``, ``+0``, ``-0%``, or a number that rounds to zero); the signed change,
    coloured by whether it is good news. ``period``, ``trend`` (a small line) and
    ``target`` (progress against it) are shown when the card has them.
    """
    from helpers.presentation.i18n import t
    from helpers.report.summary import is_zero_change, no_comparison_text

    lang = report_language(lang)
    cards = []
    for label, card in headlines.items():
        card = card if isinstance(card, dict) else {"value": card}
        unit = _text(card.get("unit"))
        delta = card.get("delta")
        direction = ""
        if _text(card.get("flag")):
            delta, direction = _text(card["flag"]), "flag"
        elif card.get("no_comparison"):
            delta, direction = no_comparison_text(card["no_comparison"], lang), "muted"
        elif is_missing(delta) or isinstance(delta, bool) or not _text(delta):
            delta = None
        elif isinstance(delta, (int, float)):
            shown = format_number(abs(delta), lang, change=True)
            if delta == 0 or is_zero_change(delta, shown):
                delta, direction = t("portal.no_change", lang), "muted"
            else:
                # coloured by whether the move is good news, not by its sign
                good = (delta > 0) == (card.get("better", "up") != "down")
                direction = "up" if good else "down"
                delta = (format_number(delta, lang, signed=True, change=True)
                         + (t("portal.pp", lang) if unit == "%" else ""))
                if period_change(card):
                    delta = t("portal.delta_period", lang, delta=delta)
        elif is_zero_change(delta) or is_zero_change(_text(delta)):
            delta, direction = t("portal.no_change", lang), "muted"
        else:
            delta = _text(delta)
            if period_change(card):
                delta = t("portal.delta_period", lang, delta=delta)
        cards.append({"label": str(label), "value": format_number(card.get("value"), lang),
                      "unit": unit, "delta": delta, "direction": direction,
                      "period": _text(card.get("period")),
                      "spark": sparkline(card.get("trend"), str(label), unit, lang),
                      "target": target_progress(card, unit, lang)})
    return cards


def _link(run_id: str, filename: str) -> str:
    return f"{quote(run_id)}/{quote(filename)}"


def _compared_cards(name: str, nb: dict, run_id: str, runs: list[dict]) -> tuple[dict, list[str]]:
    """A notebook's cards with their change since its previous good run, and what broke it."""
    from helpers.report.summary import comparison_breaks

    previous = _previous_good(name, run_id, runs)
    breaks = comparison_breaks(nb, previous) if previous else []
    return card_deltas(nb.get("headlines") or {}, (previous or {}).get("headlines"),
                       breaks=breaks), breaks


def _previous_good_run(name: str, run_id: str, runs: list[dict]) -> dict | None:
    """The newest run older than ``run_id`` in which the notebook succeeded."""
    older = False
    for run in runs:  # newest first
        if run["run_id"] == run_id:
            older = True
            continue
        if older and run.get("notebooks", {}).get(name, {}).get("status") == "ok":
            return run
    return None


def _previous_good(name: str, run_id: str, runs: list[dict]) -> dict | None:
    """The notebook's entry in the newest good run older than ``run_id``."""
    run = _previous_good_run(name, run_id, runs)
    return run["notebooks"][name] if run else None


def _portal_entry(name: str, nb: dict, run_id: str, good: dict[str, str],
                  by_id: dict[str, dict], runs: list[dict], lang: str) -> dict:
    """A report as the portal lists it: title and cards in the language it ran in."""
    from helpers.presentation.i18n import t
    from helpers.report.summary import entry_language

    own = entry_language(nb, by_id.get(run_id, {}))
    entry = {"name": name, "title": nb.get("title") or name, "status": nb.get("status"),
             "error": nb.get("error"), "seconds": nb.get("seconds"), "links": [], "cards": [],
             "last_good": None, "management": None, "analyst": None, "language": own}
    if nb.get("status") == "ok":
        files = nb.get("files", {})
        entry["links"] = [(t(f"portal.link.{label}", lang), _link(run_id, files[key]))
                          for key, label in (("management", "report"), ("analyst", "analyst"),
                                             ("notebook", "notebook")) if files.get(key)]
        entry["cards"] = _cards(_compared_cards(name, nb, run_id, runs)[0], own)
        entry["management"] = _link(run_id, files["management"]) if files.get("management") else None
        entry["analyst"] = _link(run_id, files["analyst"]) if files.get("analyst") else None
    elif name in good:
        old_id = good[name]
        old = by_id[old_id]["notebooks"][name]
        old_lang = entry_language(old, by_id[old_id])
        # the report linked is the old one: its title as it was run
        entry["title"], entry["language"] = old.get("title") or entry["title"], old_lang
        entry["last_good"] = {"run_id": old_id, "link": _link(old_id, old["files"]["management"]),
                              "cards": _cards(_compared_cards(name, old, old_id, runs)[0],
                                              old_lang)}
        entry["management"] = entry["last_good"]["link"]
        if old["files"].get("analyst"):
            entry["analyst"] = _link(old_id, old["files"]["analyst"])
    if nb.get("files", {}).get("failed_notebook"):
        entry["links"] = [(t("portal.link.failed_notebook", lang),
                           _link(run_id, nb["files"]["failed_notebook"]))]
    return entry


def _combined(runs: list[dict]) -> tuple[dict, list]:
    """The newest good run of every notebook, as one run record for the summary.

    Returns the record (``notebooks``: name -> entry with its cards compared with the
    notebook's previous good run, its ``language`` and ``failed_latest`` when the latest run
    failed it; notebooks that never succeeded keep their failed entry) and the
    :class:`helpers.report.summary.Source` of every good entry.
    """
    from helpers.report import summary

    latest = runs[0]
    newest = summary.newest_good(runs)
    notebooks, sources = {}, []
    for name, nb in latest.get("notebooks", {}).items():
        if nb.get("status") != "ok" and name not in newest:
            notebooks[name] = {**nb, "has_last_good": False}
    for name, (run, nb) in newest.items():
        cards = _compared_cards(name, nb, run["run_id"], runs)[0]
        failed = latest.get("notebooks", {}).get(name, {}).get("status") not in (None, "ok")
        notebooks[name] = {**nb, "headlines": cards, "language": summary.entry_language(nb, run),
                           "run_id": run["run_id"], "failed_latest": failed,
                           "has_last_good": True}
        sources.append(summary.report_source(name, nb, run))
    order = list(latest.get("notebooks", {}))
    order += [n for n in notebooks if n not in order]
    return ({"run_id": latest["run_id"], "notebooks": {n: notebooks[n] for n in order
                                                        if n in notebooks}}, sources)


def portal_summary(runs: list[dict], lang: str = "en") -> dict:
    """The executive summary of the portal: key figure cards, their baseline, findings.

    The summary combines the newest good run of every notebook, not only the latest run:
    after a run of one notebook the others' figures and findings stay, and one line says
    when the reports come from different runs, data sources or languages.

    Parameters
    ----------
    runs : list of dict
        Run records, newest first.
    lang : {"en", "zh"}
        The portal's language (the latest run's).

    Returns
    -------
    dict
        ``cards`` (for the card macro), ``baseline`` (a sentence saying what the deltas
        compare with, or why they are not compared), ``findings`` (list of sentences),
        ``items`` (the same findings as ``{"text", "action"}``, the action empty when there
        is none), ``note`` (one line when the reports checked claims and none passed its
        test, else empty), ``provenance`` (one line when the reports come from different
        runs, data sources or languages, else empty) and ``notebook`` (whose cards are the
        key figures).
    """
    from helpers.presentation.i18n import t
    from helpers.report import summary

    if not runs:
        return {"cards": [], "baseline": "", "findings": [], "items": [], "note": "",
                "provenance": "", "notebook": ""}
    combined, sources = _combined(runs)
    key = combined["notebooks"].get(summary.KEY_FIGURES_NOTEBOOK, {})
    baseline, cards = "", []
    if key.get("status") == "ok":
        run_id = key["run_id"]
        previous = _previous_good_run(summary.KEY_FIGURES_NOTEBOOK, run_id, runs)
        breaks = summary.comparison_breaks(
            key, previous["notebooks"][summary.KEY_FIGURES_NOTEBOOK]) if previous else []
        cards = _cards(key["headlines"], key["language"])
        changed = [c for c in key["headlines"].values()
                   if isinstance(c, dict) and not is_missing(c.get("delta"))]
        if changed and all(period_change(c) for c in changed):
            baseline = t("portal.deltas_period", lang)
        elif previous and breaks:
            baseline = t("portal.deltas_not_compared", lang, run_id=previous["run_id"],
                         as_of=previous.get("as_of") or "?",
                         reason=summary.no_comparison_text(breaks, lang))
        elif previous:
            baseline = t("portal.deltas_since", lang, run_id=previous["run_id"],
                         as_of=previous.get("as_of") or "?")
        else:
            baseline = t("portal.deltas_first", lang)
        notebook = summary.KEY_FIGURES_NOTEBOOK
    else:
        # without the KPI notebook: the first two cards of every report
        for nb in combined["notebooks"].values():
            if nb.get("status") == "ok":
                cards += _cards(dict(list((nb.get("headlines") or {}).items())[:2]),
                                nb["language"])
        notebook = ""
    chosen = summary.executive_findings(combined, lang)
    checked, stated = summary.claims_stated(combined)
    note = t("summary.none_stated", lang, n=checked) if checked and not stated else ""
    return {"cards": cards, "baseline": baseline, "findings": [f.text for f in chosen],
            "items": [{"text": f.text, "action": summary.action_text(f.action)} for f in chosen],
            "note": note, "provenance": summary.provenance(sources, lang), "notebook": notebook}


def build_portal(reports_dir: str | os.PathLike) -> Path:
    """Write ``reports/index.html`` from every run's ``run.json``.

    The page opens with the executive summary, which combines the newest good run of every
    notebook: key figure cards with their change since the notebook's previous good run,
    three to five findings with their recommended actions (:mod:`helpers.report.summary`), one
    line when the reports come from different runs, data sources or languages, and a table
    linking each report in its management and analyst versions. Then come the cards of
    each report; a failed notebook links its last good report. Notebooks not in the latest
    run keep their newest good report. The run history closes the page. Links are relative
    and nothing is loaded from elsewhere (trend lines are inline SVG), so the portal works
    opened from disk. The page's own texts follow the ``language`` of the latest run; each
    report keeps the title and cards of the language it ran in.

    Parameters
    ----------
    reports_dir : path-like

    Returns
    -------
    pathlib.Path
        The written ``index.html``.
    """
    import jinja2
    import markupsafe

    from helpers.presentation.i18n import labels, t

    reports = Path(reports_dir)
    reports.mkdir(parents=True, exist_ok=True)
    runs = load_runs(reports)
    good = last_good_runs(runs)
    by_id = {r["run_id"]: r for r in runs}
    latest = runs[0] if runs else None
    lang = report_language((latest or {}).get("language"))
    entries, others = [], []
    if latest:
        entries = [_portal_entry(n, nb, latest["run_id"], good, by_id, runs, lang)
                   for n, nb in latest.get("notebooks", {}).items()]
        for name, run_id in sorted(good.items()):
            if name not in latest.get("notebooks", {}):
                others.append(_portal_entry(name, by_id[run_id]["notebooks"][name], run_id,
                                            good, by_id, runs, lang) | {"run_id": run_id})
    history = [{
        "run_id": r["run_id"], "status": r.get("status"), "started": r.get("started"),
        "seconds": r.get("seconds"), "as_of": r.get("as_of"),
        "ok": sum(1 for nb in r.get("notebooks", {}).values() if nb.get("status") == "ok"),
        "failed": sum(1 for nb in r.get("notebooks", {}).values() if nb.get("status") != "ok"),
        "record": _link(r["run_id"], "run.json"),
        "log": _link(r["run_id"], "run.log") if (reports / r["run_id"] / "run.log").is_file()
        else None,
    } for r in runs]
    meta = ""
    if latest:
        meta = t("portal.latest_meta", lang, run_id=latest["run_id"],
                 as_of=latest.get("as_of") or "", started=latest.get("started") or "",
                 seconds=f"{latest.get('seconds') or 0:.0f}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    page = env.get_template("portal.html.j2").render(
        css=markupsafe.Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        company_name=(latest or {}).get("company_name") or "Key Account Workbook",
        language=lang, L=labels(lang, "portal."), S=labels(lang, "status."),
        no_reports_hint=markupsafe.Markup(t("portal.no_reports_hint", lang)),
        latest=latest, meta=meta, summary=portal_summary(runs, lang),
        entries=entries, others=others, history=history,
    )
    page = _with_cjk_font(page)
    target = reports / "index.html"
    tmp = reports / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return target


# --------------------------------------------------------------------------- the run


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _cli_data(data: str | None, root: Path) -> str | None:
    """``--data`` paths are relative to where the command was typed; keep them root-relative."""
    if data is None or is_url(data):
        return data
    path = Path(data).expanduser()
    path = path if path.is_absolute() else (Path.cwd() / path).resolve()
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _prepare_secrets(resolved: dict[str, dict]) -> tuple[dict[str, dict], set[str], dict[str, str]]:
    """Redact URL passwords from every notebook's parameters.

    Returns the clean parameters, every secret to scrub from outputs, and environment
    variables that hand the URL passwords to the kernels through ``password_env``.
    """
    clean, secrets, env = {}, set(), {}
    for name, params in resolved.items():
        clean[name], found = _redact_parameters(params)
        var = params.get("password_env") or "WORKBOOK_DB_PASSWORD"
        for password in found:
            if env.get(var, password) != password:
                raise ParamError(
                    f"data sources of several notebooks carry different passwords for ${var}; "
                    f"remove the passwords from the URLs and set ${var} instead"
                )
            env[var] = password
        secrets |= found
        if params.get("password_env") and os.environ.get(params["password_env"]):
            secrets.add(os.environ[params["password_env"]])
    return clean, secrets, env


def _read_headlines(staging: Path, name: str) -> dict:
    path = staging / "headlines" / f"{name}.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        print(f"warning: {name}: headline file unreadable ({exc})", file=sys.stderr)
        return {}


def _read_findings(staging: Path, name: str) -> list:
    path = staging / "findings" / f"{name}.json"
    if not path.is_file():
        return []
    try:
        from helpers.report.summary import normalise_findings

        return normalise_findings(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as exc:
        print(f"warning: {name}: findings file unreadable ({exc})", file=sys.stderr)
        return []


class RunLog:
    """Messages of one run, to the console and to ``run.log`` in the run folder.

    Scheduled runs (cron, systemd, Airflow) keep their own copy of stdout; the file keeps
    the record next to the reports it describes.

    Parameters
    ----------
    path : pathlib.Path
        The log file; it moves with the run folder, so :meth:`move` follows it.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    def move(self, folder: Path) -> None:
        """Continue writing to ``folder/<same name>`` (after the staging rename)."""
        self.path = Path(folder) / self.path.name

    def __call__(self, message: str, *, error: bool = False) -> None:
        print(message, file=sys.stderr if error else sys.stdout, flush=True)
        stamp = _now()
        try:
            with self.path.open("a", encoding="utf-8") as fh:
                for line in str(message).splitlines() or [""]:
                    fh.write(f"{stamp} {'ERROR' if error else 'INFO '} {line}\n")
        except OSError:
            pass  # a full disk is reported once, when the run record cannot be written


class RunProgress:
    """Which notebooks of a run execute now, since when, and how many are done.

    The worker threads call :meth:`start` and :meth:`executed`; the main thread calls
    :meth:`finish` once a notebook's pages are written. :meth:`snapshot` is what the live
    display draws (see :func:`progress_view`).

    Parameters
    ----------
    total : int
        Notebooks in the run.
    """

    def __init__(self, total: int):
        import threading

        self.total = total
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}
        self._rendering: set[str] = set()
        self._done: dict[str, str] = {}

    def start(self, name: str, now: float | None = None) -> None:
        """The notebook's kernel starts."""
        with self._lock:
            self._running[name] = time.monotonic() if now is None else now

    def executed(self, name: str) -> None:
        """The notebook ran; its pages are being written."""
        with self._lock:
            self._running.pop(name, None)
            self._rendering.add(name)

    def finish(self, name: str, status: str) -> None:
        """The notebook is done (``ok`` or ``failed``)."""
        with self._lock:
            self._running.pop(name, None)
            self._rendering.discard(name)
            self._done[name] = status

    def snapshot(self) -> dict:
        """``{"total", "running": {name: start}, "rendering": [...], "done": {name: status}}``."""
        with self._lock:
            return {"total": self.total, "running": dict(self._running),
                    "rendering": sorted(self._rendering), "done": dict(self._done)}


def progress_view(state: dict, now: float):
    """The live display of a run: one line per notebook running now, then done/total.

    Parameters
    ----------
    state : dict
        :meth:`RunProgress.snapshot`.
    now : float
        :func:`time.monotonic` at drawing time (elapsed = now - start).

    Returns
    -------
    rich.table.Table
        A borderless grid; printed by :class:`rich.live.Live` in a terminal.
    """
    from rich.table import Table
    from rich.text import Text

    done = state["done"]
    failed = sum(1 for status in done.values() if status != "ok")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(justify="right", no_wrap=True)
    for name, begun in sorted(state["running"].items(), key=lambda item: item[1]):
        grid.add_row(Text(f"▶ {name}"), Text(f"{max(0.0, now - begun):7.1f} s"))
    for name in state["rendering"]:
        grid.add_row(Text(f"▶ {name}"), Text("writing pages", style="dim"))
    summary = f"{len(done)}/{state['total']} done"
    if failed:
        summary += f", {failed} failed"
    grid.add_row(Text(summary, style="bold red" if failed else "bold"), Text(""))
    return grid


def live_progress(progress: RunProgress, stream=None):
    """A context showing :func:`progress_view` live while the notebooks run.

    Only on a terminal: when the output goes to a file or pipe (cron, CI, captured test
    output) this is a no-op and the run prints its plain lines only. The log lines printed
    meanwhile appear above the display; the display disappears at the end.

    Parameters
    ----------
    progress : RunProgress
        What to draw.
    stream : file-like, optional
        Where the run prints (default :data:`sys.stdout`, looked up at call time).

    Returns
    -------
    contextlib.AbstractContextManager
        A :class:`rich.live.Live` or :func:`contextlib.nullcontext`.
    """
    import contextlib

    stream = sys.stdout if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    if not (callable(isatty) and isatty()):
        return contextlib.nullcontext()
    from rich.console import Console
    from rich.live import Live

    console = Console(file=stream)
    if console.is_dumb_terminal or not console.is_terminal:
        return contextlib.nullcontext()
    return Live(console=console, refresh_per_second=4, transient=True,
                get_renderable=lambda: progress_view(progress.snapshot(), time.monotonic()))


def _finish_notebook(job: NotebookRun, staging: Path, secrets: set[str], info: dict,
                     notebook_dir: Path) -> None:
    """Scrub, then render (ok) or keep as ``<name>.failed.ipynb`` (failed)."""
    import nbformat

    executed = staging / f"{job.name}.ipynb"
    _scrub_file(executed, secrets)
    if job.error:
        job.error = scrub(job.error, secrets)
    if job.status != "ok":
        if executed.is_file():
            failed = staging / f"{job.name}.failed.ipynb"
            executed.rename(failed)
            job.files = {"failed_notebook": failed.name}
        return
    try:
        nb = nbformat.read(executed, as_version=4)
        page_info = {**info, "title": job.title, "analyst_link": f"{job.name}.analyst.html"}
        for audience, filename in (("management", f"{job.name}.html"),
                                   ("analyst", f"{job.name}.analyst.html")):
            page = render_report(nb, audience=audience, info=page_info, notebook_dir=notebook_dir)
            (staging / filename).write_text(scrub(page, secrets), encoding="utf-8")
    except Exception as exc:  # a rendering bug must not take the other reports down
        job.status, job.error = "failed", f"rendering failed: {type(exc).__name__}: {_first_line(exc)}"
        for leftover in (f"{job.name}.html", f"{job.name}.analyst.html"):
            (staging / leftover).unlink(missing_ok=True)
        executed.rename(staging / f"{job.name}.failed.ipynb")
        job.files = {"failed_notebook": f"{job.name}.failed.ipynb"}
        return
    job.files = {"management": f"{job.name}.html", "analyst": f"{job.name}.analyst.html",
                 "notebook": executed.name}
    job.headlines = _read_headlines(staging, job.name)
    job.findings = _read_findings(staging, job.name)


def folder_error(folder: str, exc: OSError) -> str:
    """One line saying why the reports folder cannot be written and how to fix it.

    Parameters
    ----------
    folder : str
        The folder as shown to the user.
    exc : OSError

    Returns
    -------
    str
    """
    import errno

    reason = exc.strerror or type(exc).__name__
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return (f"the reports folder {folder} is on a full disk ({reason}); free some space "
                "or pass --reports-dir with a folder on another disk. Earlier reports are "
                "unchanged")
    if exc.errno == errno.EROFS:
        return (f"the reports folder {folder} is on a read-only file system; pass "
                "--reports-dir with a writable folder. Earlier reports are unchanged")
    return (f"cannot write to the reports folder {folder} ({reason}); make it writable for "
            "this user (chmod u+w) or pass --reports-dir with another folder. Earlier "
            "reports are unchanged")


def check_reports_folder(reports: Path, shown: str) -> None:
    """Create the reports folder if needed and prove that a file can be written in it.

    Parameters
    ----------
    reports : pathlib.Path
    shown : str
        How the folder is named in the message.

    Raises
    ------
    WorkbookError
        One line from :func:`folder_error`.
    """
    probe = reports / f".write-test-{os.getpid()}"
    try:
        reports.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        raise WorkbookError(folder_error(shown, exc)) from None


def _source_label(source: str) -> str:
    return split_url_password(source)[0] if is_url(source) else source


def check_data_sources(params: dict[str, dict], cache_dir: Path | None = None,
                       root: Path | None = None) -> int:
    """Open and validate every data source of a run, before any notebook starts.

    Each distinct combination of source, mapping, ``as_of`` and memory limit is opened
    once. With ``cache_dir`` (the run folder) the findings are cached there, so the
    notebooks read them instead of validating again.

    Parameters
    ----------
    params : dict
        Notebook name -> its resolved parameters (``data_source``, ``mapping_file``,
        ``password_env``, ``as_of``, ``memory_limit``).
    cache_dir : pathlib.Path, optional
        Where :func:`helpers.data.validation.cached_validate` keeps its result.
    root : pathlib.Path, optional
        Project folder that relative paths are taken from (the notebooks' project).

    Returns
    -------
    int
        Number of sources checked.

    Raises
    ------
    DataError
        A database driver is missing (with the install command) or the source cannot be
        opened or reached.
    ValidationError
        The data has errors; the message lists every one in full.
    """
    from helpers.core.errors import ValidationError
    from helpers.data import validation
    from helpers.data.datasets import open_workspace
    from helpers.data.loading import check_driver

    seen = set()
    for p in params.values():
        source = p.get("data_source")
        if not source:
            continue
        key = (source, p.get("mapping_file") or "", p.get("password_env") or "",
               str(p.get("as_of")), p.get("memory_limit") or "")
        if key in seen:
            continue
        seen.add(key)
        check_driver(str(source))
        mapping = p.get("mapping_file") or None
        if mapping:
            mapping = resolve(mapping, root)
        opened = source if is_url(str(source)) else str(resolve(source, root))
        ws = open_workspace(opened, mapping_file=mapping,
                            password_env=p.get("password_env") or None,
                            memory_limit=p.get("memory_limit") or None)
        if cache_dir is None:
            findings = validation.validate(ws, as_of=p.get("as_of"))
        else:
            findings = validation.cached_validate(
                ws, p.get("as_of"), cache_dir, mapping_file=mapping)
        try:
            validation.raise_for_errors(findings)
        except ValidationError as exc:
            label = _source_label(str(source))
            raise ValidationError(
                f"data source {label}: {exc}\nNo notebook was run and the earlier reports are "
                f"unchanged; fix the data (`workbook validate --data {label}` lists every "
                "finding) and run again", exc.findings) from None
    return len(seen)


def run_workbook(names: list[str] | None = None, data: str | None = None,
                 as_of: str | None = None, jobs: int | None = None,
                 reports_dir: str | os.PathLike | None = None,
                 root: str | os.PathLike | None = None, language: str | None = None) -> int:
    """Execute notebooks, render their reports, record the run and refresh the portal.

    Parameters
    ----------
    names : list of str, optional
        Notebooks to run (default: every ``notebooks/*.ipynb``).
    data : str, optional
        Overrides ``data_source`` for every notebook; relative paths are taken from the
        current directory.
    as_of : str, optional
        Overrides ``as_of`` (``YYYY-MM-DD``).
    jobs : int, optional
        Notebooks executed at once (default: :func:`default_jobs`, one per core within
        physical memory at each notebook's ``memory_limit``).
    reports_dir : path-like, optional
        Default ``reports/`` under the project root.
    root : path-like, optional
        Project folder (default: :func:`helpers.core.paths.project_root`).
    language : {"en", "zh"}, optional
        Overrides ``language`` for every notebook (the reports' language).

    Returns
    -------
    int
        0 when every notebook succeeded, 1 when any failed.

    Raises
    ------
    ParamError
        Before anything runs, for any parameter problem in any selected notebook.
    RunLockedError
        When another run holds ``reports/.lock``.
    """
    root = Path(root).resolve() if root else project_root()
    settings = load_workbook_settings(root)
    available = [p.stem for p in list_notebooks(root)]
    selected = list(dict.fromkeys(names)) if names else available
    if not selected:
        raise WorkbookError("no notebooks found in notebooks/; nothing to run")
    for name in selected:
        notebook_path(name, root)  # unknown names fail here, with a suggestion
    if jobs is not None and jobs < 1:
        raise ParamError(f"--jobs must be at least 1, got {jobs}")

    overrides = {"data_source": _cli_data(data, root), "as_of": as_of, "language": language}
    resolved, problems = {}, []
    for name in selected:
        try:
            resolved[name] = resolve_parameters(name, overrides, root)
        except ParamError as exc:
            problems.append(str(exc))
    if problems:
        raise ParamError("\n".join(problems))
    clean, secrets, kernel_env = _prepare_secrets(resolved)
    for var in kernel_env:
        print(f"note: the password in data_source was kept out of the reports and passed to "
              f"the notebooks as ${var}; set ${var} instead of writing it in the URL",
              file=sys.stderr)

    reports = Path(reports_dir).expanduser() if reports_dir else root / "reports"
    reports = (Path.cwd() / reports).resolve() if not reports.is_absolute() else reports
    check_reports_folder(reports, _display(reports, root))
    with RunLock(reports / LOCK_NAME, _display(reports / LOCK_NAME, root)):
        return _run_locked(root, settings, selected, clean, secrets, kernel_env, reports, jobs,
                           raw=resolved)


def _run_locked(root: Path, settings: dict, selected: list[str], params: dict[str, dict],
                secrets: set[str], kernel_env: dict[str, str], reports: Path,
                jobs: int | None, raw: dict[str, dict] | None = None) -> int:
    # parameters are validated above; papermill's own guesses only add misleading warnings
    logging.getLogger("papermill").setLevel(logging.ERROR)
    for stale in reports.glob(f"{STAGING_PREFIX}*"):
        # under the lock, any staging folder is the leftover of an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    sources = sorted({p["data_source"] for p in params.values() if "data_source" in p})
    for source in sources:
        if _is_sample_source(source, root):
            ensure_sample_world(root / SAMPLE_SOURCE, settings["sample"])

    earlier = load_runs(reports)
    started, t0 = _now(), time.monotonic()
    run_id = new_run_id(reports)
    staging = reports / f"{STAGING_PREFIX}{run_id}"
    try:
        (staging / "exports").mkdir(parents=True)
        # the data is opened and validated here, once, before any kernel starts; the
        # notebooks read the cached findings from the run folder
        check_data_sources(raw if raw is not None else params, staging, root)
        return _execute_run(root, settings, selected, params, secrets, kernel_env, reports,
                            jobs, earlier, started, t0, run_id, staging)
    except OSError as exc:
        if getattr(exc, "filename", None) and not str(exc.filename).startswith(str(reports)):
            raise
        raise WorkbookError(folder_error(_display(reports, root), exc)) from None
    finally:
        # a run that did not finish leaves nothing behind; earlier runs stay as they were
        shutil.rmtree(staging, ignore_errors=True)


def _run_language(params: dict[str, dict], settings: dict) -> str:
    """The language the notebooks ran in (a ``--language`` override included)."""
    found = sorted({str(p["language"]) for p in params.values() if p.get("language")})
    return found[0] if len(found) == 1 else settings.get("language", "en")


def _execute_run(root: Path, settings: dict, selected: list[str], params: dict[str, dict],
                 secrets: set[str], kernel_env: dict[str, str], reports: Path,
                 jobs: int | None, earlier: list[dict], started: str, t0: float, run_id: str,
                 staging: Path) -> int:
    quiet_runner()  # before the worker threads start: warning filters are process-wide
    log = RunLog(staging / "run.log")
    output_dir = _display(staging, root)
    notebook_dir = root / "notebooks"
    kernel = kernel_name()
    cell_timeout = settings["run"]["cell_timeout"]
    if jobs is None:
        jobs = default_jobs([p.get("memory_limit") for p in params.values()])
    workers = max(1, min(jobs, len(selected)))
    runs = {name: NotebookRun(name, localized_title(name, notebook_dir,
                                                    params[name].get("language", "en")),
                              {**params[name], "output_dir": output_dir})
            for name in selected}
    # the run's as_of is what the notebooks got (a --as-of override included), not the YAML's
    dates = sorted({str(p["as_of"]) for p in params.values() if p.get("as_of")})
    info = {"company_name": settings.get("company_name", ""),
            "as_of": dates[0] if len(dates) == 1 else settings.get("as_of", ""),
            "language": _run_language(params, settings), "run_id": run_id, "generated": started}
    log(f"run {run_id}: {len(selected)} notebook(s), {workers} at once, kernel {kernel}, "
        f"data as of {info['as_of']}")

    # kernels started by the runner already hold the resolved parameters
    kernel_env = {**kernel_env, SCHEDULED_ENV: "1"}
    saved_env = {var: os.environ.get(var) for var in kernel_env}
    os.environ.update(kernel_env)  # kernels inherit the environment when they start
    progress = RunProgress(len(selected))

    def execute(name: str, job: NotebookRun) -> tuple[str, float, str | None]:
        progress.start(name)
        try:
            return execute_notebook(notebook_dir / f"{name}.ipynb", staging / f"{name}.ipynb",
                                    job.parameters, kernel=kernel, cwd=notebook_dir,
                                    cell_timeout=cell_timeout)
        finally:
            progress.executed(name)

    try:
        # live list of the running notebooks on a terminal; the plain lines below either way
        with live_progress(progress), \
                concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(execute, name, job): name
                for name, job in ((n, runs[n]) for n in schedule_order(selected, earlier))
            }
            for future in concurrent.futures.as_completed(futures):
                job = runs[futures[future]]
                job.status, job.seconds, job.error = future.result()
                job_info = {**info, "as_of": job.parameters.get("as_of", info["as_of"])}
                _finish_notebook(job, staging, secrets, job_info, notebook_dir)
                progress.finish(job.name, job.status)
                log(f"  {job.name:<28} {job.status:<6} {job.seconds:7.1f} s"
                    + (f"  {job.error}" if job.error else ""))
    finally:
        for var, value in saved_env.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value

    shutil.rmtree(staging / "headlines", ignore_errors=True)
    shutil.rmtree(staging / "findings", ignore_errors=True)
    failed = [j.name for j in runs.values() if j.status != "ok"]
    data = {s: data_fingerprint(s, root)
            for s in sorted({p["data_source"] for p in params.values() if "data_source" in p})}
    code = code_version(root)
    for name, job in runs.items():
        job.comparability = comparability(params[name], code, data,
                                          notebook_dir / f"{name}.ipynb", root)
    record = {
        "run_id": run_id,
        "status": "failed" if failed else "ok",
        "started": started,
        "finished": _now(),
        "seconds": round(time.monotonic() - t0, 2),
        "company_name": info["company_name"],
        "language": info["language"],
        "as_of": info["as_of"],
        "kernel": kernel,
        "data": data,
        "code": code,
        "packages": package_versions(),
        "exports": sorted(p.relative_to(staging / "exports").as_posix()
                          for p in (staging / "exports").rglob("*") if p.is_file()),
        "notebooks": {name: runs[name].record() for name in selected},
    }
    final = reports / run_id
    for entry in record["notebooks"].values():
        entry["parameters"]["output_dir"] = _display(final, root)
    text = scrub(json.dumps(record, indent=2, ensure_ascii=False, default=str), secrets)
    (staging / "run.json").write_text(text + "\n", encoding="utf-8")
    os.rename(staging, final)
    log.move(final)

    removed = prune_runs(reports, settings["run"]["keep_runs"])
    portal = build_portal(reports)
    log(f"{_display(final, root)}/: {len(selected) - len(failed)} ok, {len(failed)} failed"
        + (f"; pruned {len(removed)} old run(s)" if removed else "")
        + f"; portal {_display(portal, root)}")
    return 1 if failed else 0
