"""The processes the bench starts — the service and the floor as single uvicorn processes, SEKMET for the
fallback — all bound to 127.0.0.1, and what ``/proc`` says about them (CPU seconds, peak RSS).

Each process is started by this module, stopped by its own pid (terminate, then kill after a grace
period), and logs to ``bench/.work/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from demo import sekmet as sekmet_settings

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    base: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (``/proc/<pid>/stat`` fields 14 and 15)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def reset_peak_rss(self) -> None:
        """Start a new high-water mark (``clear_refs`` 5), so each scenario reports its own peak."""
        # Without it the peak covers the process's whole life, which is still an upper bound.
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _spawn(name: str, argv: list[str], env: dict[str, str], workdir: Path, port: int, ready: str,
           checkout: Path = ROOT) -> Server:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=checkout)
    server = Server(name, process, port, f"http://{HOST}:{port}", log)
    _wait_until_ready(server, ready)
    return server


def _wait_until_ready(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: {server.log.read_text()[-2000:]}")
        try:
            if httpx.get(server.base + path, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout:g} s")


def uvicorn(name: str, app: str, workdir: Path, env: dict[str, str], ready: str, port: int,
            checkout: Path | None = None) -> Server:
    """One uvicorn process, no reload, warnings only, no access log (what production would run per core).
    ``checkout``: another working copy of the repository, run with its own ``.venv`` (``bench.compare``)."""
    python = BIN / "python" if checkout is None else checkout / ".venv" / "bin" / "python"
    argv = [str(python), "-m", "uvicorn", app, "--host", HOST, "--port", str(port),
            "--workers", "1", "--log-level", "warning", "--no-access-log"]
    return _spawn(name, argv, {**os.environ, **env}, workdir, port, ready, checkout or ROOT)


def service_env(workdir: Path, port: int, *, trust_file: Path | None = None,
                database_url: str | None = None) -> dict[str, str]:
    """The development profile (loopback FHIR servers allowed). Tokens are not required, so the same
    process answers the call without a token and with one side by side; a token sent is fully verified
    (signature, claims, ``jti`` recorded) exactly as with ``SPINE_CDS_AUTH_REQUIRED=true``."""
    env = {
        "SPINE_CDS_PROFILE": "development",
        "SPINE_CDS_AUTH_REQUIRED": "false",
        "SPINE_CDS_PUBLIC_BASE_URL": f"http://{HOST}:{port}",  # the JWT audience
        "SPINE_CDS_DATABASE_URL": database_url or f"sqlite:///{workdir / 'service'}.db",
        # The bench drives 32 requests in flight from one client; the abuse cap (16 by default) would
        # answer half of them 429 in microseconds and flatter the figures.
        "SPINE_CDS_PER_CLIENT_CONCURRENCY": "64",
        "SPINE_CDS_LOG_LEVEL": "WARNING",
    }
    if trust_file is not None:
        env["SPINE_CDS_TRUST_FILE"] = str(trust_file)
    return env


@contextlib.contextmanager
def postgres() -> Iterator[str | None]:
    """A throw-away PostgreSQL cluster on loopback (the tests' launcher, with fsync on as a real server
    runs); its URL, or None when the server binaries are absent."""
    sys.path.insert(0, str(ROOT / "tests"))
    from postgres_server import postgres_bindir, start_postgres  # type: ignore[import-not-found]

    bindir = postgres_bindir()
    if bindir is None:
        yield None
        return
    cluster = start_postgres(bindir, fsync=True)
    try:
        yield cluster.url()
    finally:
        cluster.pg_ctl("-m", "fast", "stop")
        shutil.rmtree(cluster.datadir, ignore_errors=True)


def sekmet(workdir: Path) -> Server:
    """SEKMET as the integration tests run it: in-memory, simulator, validation and traffic log off."""
    port = free_port()
    home = workdir / "sekmet"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "sekmet.yaml"
    base = sekmet_settings.write_config(config, HOST, port, home / "data")
    env = sekmet_settings.environment()
    argv = [str(BIN / "sekmet"), "serve", "--config", str(config), "--host", HOST, "--port", str(port)]
    server = _spawn("sekmet", argv, env, workdir, port, "/fhir/metadata")
    server.base = base
    return server


def load_bundle(base: str, bundle: bytes) -> None:
    response = httpx.post(base, content=bundle, headers={"Content-Type": "application/fhir+json"}, timeout=60)
    response.raise_for_status()
