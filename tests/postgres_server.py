"""A throw-away PostgreSQL cluster on loopback for the tests, from Debian's ``postgresql`` package.

One launcher for every test that needs PostgreSQL (feedback, audit, dashboard, replicas sharing a
database); the ``postgres`` and ``postgres_url`` fixtures in tests/conftest.py use it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text


def postgres_bindir() -> Path | None:
    """initdb and pg_ctl: on PATH, else Debian's versioned directory (which Debian keeps off PATH)."""
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(
        (Path(found) for found in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    return next((d for d in candidates if (d / "initdb").is_file() and (d / "pg_ctl").is_file()), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A throw-away cluster; as root its commands run as the `postgres` account, as initdb refuses root."""

    bindir: Path
    datadir: Path
    port: int
    run_as: list[str]

    def pg_ctl(self, *args: str) -> None:
        """Output to a file, not a pipe: the forked server would hold a pipe open and hang the read."""
        command = [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60"]
        command += ["-l", str(self.datadir / "server.log"), *args]
        with tempfile.TemporaryFile() as output:
            done = subprocess.run(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=output, check=False
            )
            output.seek(0)
            assert done.returncode == 0, f"pg_ctl {args}: {output.read().decode(errors='replace')[-2000:]}"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://spine@127.0.0.1:{self.port}/{database}"


def start_postgres(bindir: Path, *, fsync: bool = False) -> PostgresServer:
    """``fsync`` off for tests (speed); the bench turns it on, as a real server runs."""
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    datadir = Path(tempfile.mkdtemp(prefix="spine-cds-pg-"))
    if run_as:
        shutil.chown(datadir, user="postgres", group="postgres")
    initdb = [str(bindir / "initdb"), "-D", str(datadir), "-U", "spine", "--auth=trust", "-E", "UTF8"]
    done = subprocess.run([*run_as, *initdb, "--no-sync"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"initdb failed: {done.stderr[-2000:]}"
    server = PostgresServer(bindir, datadir, free_port(), run_as)
    options = (
        f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories={datadir} "
        f"-c fsync={'on' if fsync else 'off'}"
    )
    server.pg_ctl("-o", options, "start")
    return server


def admin(server: PostgresServer, statement: str) -> None:
    engine = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()
