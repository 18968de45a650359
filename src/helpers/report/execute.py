"""Execute one notebook with papermill in a quiet kernel.

:func:`execute_notebook` runs a notebook into the run folder and reports ``ok`` or
``failed`` with the full error message; :func:`quiet_kernel_manager` and
:func:`quiet_runner` keep library and kernel start-up notices out of the console;
:func:`default_jobs` says how many notebooks run at once. :class:`NotebookRun` is the
outcome of one notebook, as ``run.json`` records it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.report.render import report_language

__all__ = ["KERNEL_NOISE", "MESSAGE_LIMIT", "NotebookRun", "default_jobs", "execute_notebook",
           "full_message", "is_kernel_noise", "kernel_name", "parse_size", "quiet_kernel_manager",
           "quiet_runner"]

# nbformat, papermill and jupyter_client are imported inside the functions that use them:
# notebooks import the report layer and must not pay for them.

#: Characters of a failure message kept in run.json, run.log and the portal.
MESSAGE_LIMIT = 4000


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
