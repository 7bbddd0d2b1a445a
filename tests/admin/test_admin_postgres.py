"""The audit migration, writer and dashboard queries on PostgreSQL (production's database), started here.

Skipped only when the PostgreSQL server binaries are absent (Debian package ``postgresql``; .ci/run installs
it). As root, initdb and pg_ctl run as the ``postgres`` account, since initdb refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dashboard_seed import END, EXPECTED, START, seed

from app.admin.period import Period
from app.admin.queries import load_dashboard
from app.feedback import Database

pytestmark = pytest.mark.integration
BINDIR = next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)


def _run(command: list[str]) -> None:
    with tempfile.TemporaryFile() as output:  # a file, not a pipe: the forked server would hold a pipe open
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=output, stderr=output, check=False)
        output.seek(0)
        assert done.returncode == 0, output.read().decode(errors="replace")[-2000:]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if BINDIR is None:
        pytest.skip("PostgreSQL server binaries absent: apt-get install postgresql")
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    datadir = Path(tempfile.mkdtemp(prefix="spine-cds-audit-pg-"))
    if run_as:
        shutil.chown(datadir, user="postgres", group="postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _run([*run_as, f"{BINDIR}/initdb", "-D", str(datadir), "-U", "spine", "--auth=trust", "--no-sync"])
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={datadir} -c fsync=off"
    pg_ctl = [*run_as, f"{BINDIR}/pg_ctl", "-D", str(datadir), "-w", "-l", str(datadir / "log")]
    _run([*pg_ctl, "-o", options, "start"])
    try:
        yield f"postgresql+psycopg://spine@127.0.0.1:{port}/postgres"
    finally:
        _run([*pg_ctl, "-m", "fast", "stop"])
        shutil.rmtree(datadir, ignore_errors=True)


def test_the_dashboard_reads_the_same_numbers_from_postgresql(postgres_url: str) -> None:
    database = Database(postgres_url)
    try:
        database.upgrade()
        seed(database)
        start, end = date.fromisoformat(START), date.fromisoformat(END)
        period = Period.choose(start, end, ZoneInfo("UTC"), end)
        dashboard = load_dashboard(database, period)
    finally:
        database.dispose()
    shown = {t.key: [["–" if c is None else str(c) for c in row] for row in t.rows] for t in dashboard.tables}
    assert shown == EXPECTED
