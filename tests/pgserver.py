"""A throwaway PostgreSQL server for the test session, started from Debian's binaries.

``make test`` installs the ``postgresql`` package where it is missing; this module only finds
the binaries, creates a cluster in a temporary directory and starts it on a free loopback
port. Running as root, the server runs as the ``postgres`` system user, since PostgreSQL
refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL binaries are not installed; run ``make test`` to install them."""


@dataclass
class PostgresServer:
    data_dir: Path
    port: int
    run_as: str | None

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        _run(self.run_as, [_binary("pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"])
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_server() -> PostgresServer:
    """Create and start a cluster; pg_ctl -w returns once it accepts connections."""
    run_as = "postgres" if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="crmsync-pg-"))
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    if run_as:
        user = pwd.getpwnam(run_as)
        for path in (base, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    _run(
        run_as, [_binary("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
    )
    port = _free_port()
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    log = base / "server.log"
    _run(run_as, [_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"])
    return PostgresServer(data, port, run_as)


def _binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None
    )
    if not found:
        raise PostgresUnavailableError(
            f"{name} not found: install Debian's postgresql (make test does)"
        )
    return found


def _run(run_as: str | None, command: list[str]) -> None:
    if run_as:
        command = ["runuser", "-u", run_as, "--", *command]
    subprocess.run(command, check=True, capture_output=True, cwd="/")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
