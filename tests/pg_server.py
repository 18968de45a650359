"""A throwaway PostgreSQL server for tests and benchmarks.

The server lives in a temporary folder, listens on a free loopback port only, keeps its
socket in that folder and is removed when stopped. ``initdb`` refuses to run as root, so
under root the server runs as the unprivileged ``nobody`` user.

Tests that need it call :func:`require_postgres`: without the binaries they skip with the
reason, but under CI (``CI=true``) they fail, because there the engine tests must run.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PASSWORD_ENV = "WORKBOOK_TEST_PG_PASSWORD"
USER = "workbook"
DATABASE = "postgres"


def find_bin_dir() -> Path | None:
    """Folder holding ``initdb`` and ``pg_ctl`` (newest version first), or ``None``."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def require_postgres() -> Path:
    """Return the PostgreSQL binary folder, or skip (fail under ``CI=true``) without one."""
    import importlib.util

    import pytest

    bin_dir = find_bin_dir()
    reason = None
    if bin_dir is None:
        reason = ("PostgreSQL server binaries (initdb, pg_ctl) not found; install the "
                  "'postgresql' system package (tests/prepare_system.sh does it under CI)")
    elif importlib.util.find_spec("psycopg") is None:
        reason = "the PostgreSQL driver is missing; pip install -e '.[postgres]'"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return bin_dir


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """A running throwaway server; ``url`` carries no password (see ``password``)."""

    bin_dir: Path
    folder: Path
    port: int
    password: str
    run_as: list[str]

    @property
    def url(self) -> str:
        """Connection URL without the password."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self.run_as, *args], capture_output=True, text=True,
                              timeout=120, cwd=self.folder)

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
                  "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(bin_dir: Path) -> PostgresServer:
    """Initialise and start a server in a new temporary folder.

    Parameters
    ----------
    bin_dir : pathlib.Path
        Folder with ``initdb`` and ``pg_ctl``.

    Returns
    -------
    PostgresServer
        Call :meth:`PostgresServer.stop` when done.
    """
    # Not under pytest's tmp folders: those are private to root, and the server user
    # must be able to reach its own folder.
    folder = Path(tempfile.mkdtemp(prefix="workbook-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        import pwd

        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        run_as = ["runuser", "-u", "nobody", "--"]
    password = secrets.token_urlsafe(16)
    pwfile = folder / "pw"
    pwfile.write_text(password + "\n")
    if run_as:
        os.chown(pwfile, nobody.pw_uid, nobody.pw_gid)
    server = PostgresServer(bin_dir, folder, _free_port(), password, run_as)
    init = server._run(str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", USER,
                       "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                       "--locale=C", "--no-sync")
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
    options = (f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    start = server._run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-o", options,
                        "-l", str(folder / "server.log"), "-w", "-t", "60", "start")
    if start.returncode != 0:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        server.stop()
        raise RuntimeError(f"pg_ctl start failed: {start.stderr.strip()}\n{log[-2000:]}")
    return server
