"""``make demo`` for real: SEKMET and the service as child processes on loopback.

- ``--check`` starts both, sends one order-select per demo patient through the service with no prefetch
  (every chart comes from SEKMET by FHIR fallback), compares with the table, and stops everything;
- Ctrl-C (SIGINT to the launcher) stops both children and frees both ports;
- a busy port is refused before anything starts.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from demo.run import all_patients, site_today

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SPINE_CDS_", "SEKMET_"))}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    """Linux: the processes whose parent is ``pid``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_check_mode_answers_every_demo_patient_through_sekmet() -> None:
    result = subprocess.run([sys.executable, "-m", "demo.run", "--check"], cwd=ROOT, env=_env(),
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    lines = result.stdout.splitlines()
    for patient in all_patients(site_today("UTC")):
        assert any(line.startswith(f"ok   {patient.id} order-select") for line in lines), patient.id
        assert any(line.startswith(f"ok   {patient.id} patient-view") for line in lines), patient.id
    assert lines[-1].endswith(" passed, 0 failed")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the children through /proc")
def test_ctrl_c_stops_the_launcher_and_both_children(tmp_path: Path) -> None:
    port, fhir_port = _free_port(), _free_port()
    command = [sys.executable, "-m", "demo.run", "--port", str(port), "--fhir-port", str(fhir_port),
               "--workdir", str(tmp_path / "work"), "--dev-client-dir", str(tmp_path / "dev-client")]
    launcher = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in launcher.stdout or ()], daemon=True)
    reader.start()
    try:
        banner = _read_until(lines, "Ctrl-C stops SEKMET and the service.", timeout=90)
        assert f"http://127.0.0.1:{port}/cds-services" in banner
        children = _children(launcher.pid)
        assert len(children) == 2
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{fhir_port}/fhir/Patient/demo-lumbar-day20").status_code == 200

        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=30) == 0
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in children)
        assert _refused(port) and _refused(fhir_port)
    finally:
        if launcher.poll() is None:
            os.killpg(launcher.pid, signal.SIGKILL)  # the children follow (PR_SET_PDEATHSIG)
            launcher.wait()
        reader.join(timeout=5)
        if launcher.stdout:
            launcher.stdout.close()


def _read_until(lines: queue.Queue[str], marker: str, timeout: float) -> str:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if line.startswith(marker):
            return "".join(seen)
    raise AssertionError("launcher did not print its banner:\n" + "".join(seen)[-4000:])


def test_a_busy_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "demo.run", "--port", str(port), "--fhir-port", str(_free_port()),
             "--workdir", str(tmp_path / "work"), "--dev-client-dir", str(tmp_path / "dev-client")],
            cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert f"service port {port} on 127.0.0.1 is in use" in result.stderr
    assert not (tmp_path / "work" / "logs").exists()
