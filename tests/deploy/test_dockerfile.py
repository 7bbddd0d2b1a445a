"""The image, checked without a Docker engine: the Dockerfile read statically, then its
CMD run as the container would run it — on a read-only root filesystem with only the volume and a tmp
directory writable — answering its probes, passing its HEALTHCHECK and stopping cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from deploy.images import build_args, env_of, final_stage, read_dockerfile
from deploy.routes import serves_get

from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
INSTRUCTIONS = read_dockerfile(ROOT / "Dockerfile")
FINAL = final_stage(INSTRUCTIONS)
ENV = env_of(FINAL)
CMD = next(ins for ins in FINAL if ins.keyword == "CMD").exec_form()
HEALTHCHECK = next(ins for ins in FINAL if ins.keyword == "HEALTHCHECK").exec_form()


def option(name: str) -> str:
    return CMD[CMD.index(name) + 1]


def test_every_stage_is_python_311_slim() -> None:
    args = build_args(INSTRUCTIONS)
    images = [ins.text.split()[0] for ins in INSTRUCTIONS if ins.keyword == "FROM"]
    resolved = [args.get(image.strip("${}"), image) for image in images]
    assert resolved and set(resolved) == {"python:3.11-slim"}


def test_runs_as_a_numeric_non_root_user() -> None:
    users = [ins.text for ins in FINAL if ins.keyword == "USER"]
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0  # numeric, so runAsNonRoot can verify it
    assert [ins.keyword for ins in FINAL].index("USER") < [ins.keyword for ins in FINAL].index("CMD")


def test_one_uvicorn_process_behind_a_proxy_with_graceful_shutdown() -> None:
    """``spine-cds serve``: uvicorn with proxy headers and the request-header deadline (app/serving.py)."""
    assert CMD[:4] == ["python", "-m", "app.cli", "serve"]
    assert "--workers" not in CMD and "--reload" not in CMD
    assert 0 < int(option("--timeout-graceful-shutdown")) <= 25
    assert any(ins.keyword == "STOPSIGNAL" and ins.text == "SIGTERM" for ins in FINAL)


def test_healthcheck_asks_healthz_on_the_served_port() -> None:
    probe = " ".join(HEALTHCHECK)
    assert f"http://127.0.0.1:{option('--port')}/healthz" in probe
    assert serves_get("/healthz")
    assert any(ins.keyword == "EXPOSE" and ins.text == option("--port") for ins in FINAL)


def test_state_is_written_only_under_the_declared_volume() -> None:
    volumes = next(ins for ins in FINAL if ins.keyword == "VOLUME").exec_form()
    database = ENV["SPINE_CDS_DATABASE_URL"].removeprefix("sqlite:///")
    assert any(Path(database).is_relative_to(volume) for volume in volumes)
    assert ENV["PYTHONDONTWRITEBYTECODE"] == "1"
    assert any(ins.keyword == "RUN" and f"chown 10001:10001 {volumes[0]}" in ins.text for ins in FINAL)


def test_every_spine_cds_variable_is_a_setting() -> None:
    names = {name.removeprefix("SPINE_CDS_").lower() for name in ENV if name.startswith("SPINE_CDS_")}
    assert names and names <= set(Settings.model_fields)


def test_every_copied_path_exists_and_is_in_the_build_context() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for ins in FINAL:
        if ins.keyword == "COPY" and not ins.text.startswith("--from"):
            *sources, _ = ins.text.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert f"!{source}" in ignored, f"{source} is left out by .dockerignore"


# --- the CMD run as the container runs it ---------------------------------------------------------------


@dataclass
class Container:
    process: subprocess.Popen[bytes]
    port: int
    volume: Path
    output: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def lines(self) -> list[str]:
        return [line for line in self.output.read_text().splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _read_only_root_available() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode == 0


# A private mount namespace: the volume and tmp stay writable mounts, then the root is remounted read-only.
READ_ONLY = ('mount --make-rprivate / && mount --bind "$VOLUME" "$VOLUME" '
             '&& mount --bind "$TMPDIR" "$TMPDIR" && mount -o remount,bind,ro / && exec "$@"')


def _command(port: int) -> list[str]:
    command = [sys.executable, *CMD[1:]]  # the image's python is this test's
    command[command.index("--port") + 1] = str(port)
    command[command.index("--host") + 1] = "127.0.0.1"
    return ["unshare", "-m", "sh", "-c", READ_ONLY, "sh", *command]


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    if not _read_only_root_available():
        pytest.skip("needs root and unshare(1) to remount the root filesystem read-only")
    volume, tmp = tmp_path / "volume", tmp_path / "tmp"
    volume.mkdir()
    tmp.mkdir()
    env = {**ENV, "PATH": os.environ["PATH"], "HOME": "/nonexistent", "TMPDIR": str(tmp),
           "VOLUME": str(volume), "SPINE_CDS_PROFILE": "development",
           "SPINE_CDS_CARDS_DIR": str(ROOT / "cards"),
           "SPINE_CDS_DATABASE_URL": f"sqlite:///{volume / 'spine-cds.db'}"}
    port, output = _free_port(), tmp_path / "output.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(_command(port), cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    running = Container(process, port, volume, output)
    try:
        _wait_for_health(running)
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait_for_health(container: Container) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if container.process.poll() is not None:
            pytest.fail("the service exited:\n" + "\n".join(container.lines()[-20:]))
        try:
            if httpx.get(container.url("/healthz"), timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail("no answer on /healthz within 30 s:\n" + "\n".join(container.lines()[-20:]))


def test_serves_on_a_read_only_root_then_stops_on_sigterm(container: Container) -> None:
    assert httpx.get(container.url("/readyz"), timeout=5).status_code == 200
    assert httpx.get(container.url("/metrics"), timeout=5).status_code == 200
    healthcheck = [sys.executable if word == "python" else word for word in HEALTHCHECK]
    healthcheck[-1] = healthcheck[-1].replace(":8080/", f":{container.port}/")
    assert subprocess.run(healthcheck, check=False, timeout=10).returncode == 0
    assert (container.volume / "spine-cds.db").exists()

    container.process.send_signal(signal.SIGTERM)
    # uvicorn re-raises the signal once shut down, so the exit status says SIGTERM, as Kubernetes expects
    assert container.process.wait(timeout=25) in (0, -signal.SIGTERM)
    records = [json.loads(line) for line in container.lines()]  # every line JSON, uvicorn's too
    assert any(r.get("logger") == "uvicorn.access" and "/readyz" in r["message"] for r in records)
    assert records[-1]["message"].startswith("Finished server process")
    assert any(r["message"] == "Application shutdown complete." for r in records)
