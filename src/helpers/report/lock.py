"""The run lock on the reports folder and the check that the folder can take a run.

Only one run writes to a reports folder at a time: :class:`RunLock` holds an operating
system lock on ``reports/.lock`` for the whole run. :func:`check_reports_folder` proves,
before anything runs, that the folder can be written, and :func:`folder_error` says in one
line why it cannot.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.core.errors import WorkbookError

__all__ = ["FOLDER_ERRNOS", "RunLock", "RunLockedError", "check_reports_folder", "folder_error"]

#: errno values that mean the reports folder cannot take the run.
FOLDER_ERRNOS = {"EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT"}


class RunLockedError(WorkbookError):
    """Another run holds the lock on the reports folder."""


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
