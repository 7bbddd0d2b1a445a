"""The two processes of the demo: SEKMET holding the demo patients, and the service.

Both are children of the launcher, bound to 127.0.0.1, logging to files in the work directory, each in
its own session so that a terminal's Ctrl-C reaches only the launcher, which stops them in reverse order:
SIGTERM, then SIGKILL after ten seconds. On Linux each child is also told to die with its parent
(``PR_SET_PDEATHSIG``), so even a killed launcher leaves nothing running.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from demo import sekmet
from demo.patients import DemoPatient

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PUBLIC_SANDBOX_ORIGIN = "https://sandbox.cds-hooks.org"
_PR_SET_PDEATHSIG = 1


class StackError(RuntimeError):
    """The demo cannot start: a port is taken, a child exited, or it did not become ready in time."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 2000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


def free_port() -> int:
    with _reusable_socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _reusable_socket() -> socket.socket:
    """SO_REUSEADDR, as uvicorn and SEKMET bind: right after Ctrl-C the old connections sit in TIME_WAIT
    for up to a minute, and a plain bind calls the port "in use" although the servers could take it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return sock


def require_free(port: int, what: str) -> None:
    with _reusable_socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise StackError(f"{what} port {port} on {HOST} is in use ({exc.strerror}); stop what holds it "
                             "or choose another port") from exc


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _spawn(name: str, command: list[str], log: Path, env: Mapping[str, str]) -> Child:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules, no shell
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT, env=dict(env),
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops the children in order
            preexec_fn=_die_with_parent,  # the launcher is single-threaded
        )
    return Child(name, process, log)


def start_sekmet(workdir: Path, port: int, *, traffic_log: bool) -> tuple[Child, str]:
    """SEKMET in memory, simulator and validation off, no authentication: an open FHIR server."""
    config = workdir / "sekmet.yaml"
    base = sekmet.write_config(config, HOST, port, workdir / "sekmet-data", traffic_log=traffic_log)
    env = sekmet.environment()
    command = [sys.executable, "-m", "demo.fhir_server", "--config", str(config)]
    return _spawn("SEKMET", command, workdir / "logs" / "sekmet.log", env), base


def start_service(workdir: Path, port: int, trust_file: Path, site_timezone: str, *,
                  hermetic: bool, extra_origins: Iterable[str] = ()) -> tuple[Child, str]:
    """The service in the development profile; ``hermetic`` drops the caller's other SPINE_CDS_* settings.
    ``extra_origins`` (a locally built sandbox) are trusted for CORS *besides* the public sandbox:
    SPINE_CDS_CORS_ORIGINS replaces the default list, so the public one is named again."""
    base = f"http://{HOST}:{port}"
    env = {k: v for k, v in os.environ.items() if not (hermetic and k.startswith("SPINE_CDS_"))}
    env.update({
        "SPINE_CDS_PROFILE": "development",
        "SPINE_CDS_PUBLIC_BASE_URL": base,
        "SPINE_CDS_TRUST_FILE": str(trust_file),
        "SPINE_CDS_DATABASE_URL": f"sqlite:///{workdir / 'spine-cds.db'}",
        "SPINE_CDS_SITE_TIMEZONE": site_timezone,
        "SPINE_CDS_LOG_FORMAT": "text",  # a log file people read, as `make run` prints
    })
    origins = list(dict.fromkeys(extra_origins))
    if origins:
        env["SPINE_CDS_CORS_ORIGINS"] = ",".join([PUBLIC_SANDBOX_ORIGIN, *origins])
    command = [sys.executable, "-m", "app.cli", "serve", "--host", HOST, "--port", str(port)]
    return _spawn("spine-cds", command, workdir / "logs" / "spine-cds.log", env), base


def wait_ready(child: Child, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise StackError(f"{child.name} exited ({child.process.returncode}):\n{child.tail()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise StackError(f"{child.name} did not answer {url} within {timeout:g} s:\n{child.tail()}")


def transaction(resources: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """PUT every resource under its own id: loading twice replaces, never duplicates."""
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": f"urn:spine-cds-demo:{r['resourceType']}/{r['id']}", "resource": r,
         "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}} for r in resources]}


def load_patients(fhir_base: str, patients: Iterable[DemoPatient]) -> None:
    with httpx.Client(timeout=60) as client:
        for patient in patients:
            response = client.post(fhir_base, json=transaction(patient.resources),
                                   headers={"Content-Type": "application/fhir+json"})
            if response.status_code != 200:
                raise StackError(f"SEKMET refused {patient.id}: {response.status_code} {response.text[:500]}")


def first_exited(children: Iterable[Child]) -> Child | None:
    return next((child for child in children if child.process.poll() is not None), None)


def stop(children: Iterable[Child], grace: float = 10) -> None:
    """SIGTERM each child (last started first), then SIGKILL whatever is still running after ``grace``."""
    running = [child for child in reversed(list(children)) if child.process.poll() is None]
    for child in running:
        child.process.terminate()
    deadline = time.monotonic() + grace
    for child in running:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
