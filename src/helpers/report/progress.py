"""What a run tells the person running it: the log and the live progress display.

:class:`RunLog` writes each message to the console and to ``run.log`` in the run folder;
:class:`RunProgress` tracks which notebooks run now and how many are done, and
:func:`live_progress` draws it (:func:`progress_view`) on a terminal.
"""

from __future__ import annotations

import datetime as _dt
import sys
import time
from pathlib import Path

__all__ = ["RunLog", "RunProgress", "live_progress", "progress_view", "utc_now"]

def utc_now() -> str:
    """The current UTC time as ``2026-01-31T12:00:00Z`` (log lines, run records)."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


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
        stamp = utc_now()
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
