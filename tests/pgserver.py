"""A throwaway PostgreSQL server for the test run: initdb into a temp dir, start, stop.

initdb refuses to run as root, so as root the server runs as an unprivileged
user (``postgres`` if the package made one, else ``kpibot-pg`` created here).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CANDIDATE_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL binaries were found, or the server did not start."""


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for directory in CANDIDATE_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    raise PostgresUnavailableError(f"{name} not found: install the PostgreSQL server (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "kpibot-pg"):
        try:
            pwd.getpwnam(user)
            return ["runuser", "-u", user, "--"]
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "kpibot-pg"], check=True)
    return ["runuser", "-u", "kpibot-pg", "--"]


class PostgresServer:
    """``with PostgresServer() as pg: pg.url`` gives a SQLAlchemy URL to a fresh database."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kpibot-pg-"))
        self.port = _free_port()
        self.prefix = _run_as()
        self.data = self.dir / "data"

    def _as_owner(self, args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([*self.prefix, *args], check=True, capture_output=True, **kw)  # type: ignore[call-overload]

    def start(self) -> PostgresServer:
        if self.prefix:
            shutil.chown(self.dir, user=self.prefix[2])
        os.chmod(self.dir, 0o755)
        try:
            self._as_owner([_bin("initdb"), "-D", str(self.data), "-U", "kpibot", "--auth=trust", "-E", "UTF8", "--no-sync"])
            self._as_owner(
                [
                    _bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.dir / "log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                    "-o",
                    f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                ]
            )
        except subprocess.CalledProcessError as exc:
            log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
            raise PostgresUnavailableError(f"PostgreSQL did not start: {exc.stderr.decode()}\n{log}") from exc
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        return self

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=kpibot dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://kpibot@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, PostgresUnavailableError):
            self._as_owner([_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
