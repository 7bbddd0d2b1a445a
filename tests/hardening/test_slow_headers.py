"""Connections that never finish their headers are closed (docs/security.md, "Limits"), against a real
``spine-cds serve`` process on loopback: 1,100 such connections once held it at its 1,024 open files
until /healthz failed. Bounded: the server is started with a 1 s header deadline, the test ends in ~10 s.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

HEADER_TIMEOUT = 1.0
CONNECTIONS = 200


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "SPINE_CDS_PROFILE": "development", "SPINE_CDS_LOG_FORMAT": "text",
           "SPINE_CDS_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "SPINE_CDS_HEADER_READ_TIMEOUT_SECONDS": str(HEADER_TIMEOUT)}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("spine-cds serve did not start within 30 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def _half_open(port: int, partial: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if partial:
        sock.sendall(partial)
    return sock


def _still_open(socks: list[socket.socket], within: float) -> int:
    """How many of ``socks`` the server has not closed after ``within`` seconds (one shared deadline)."""
    waiting = selectors.DefaultSelector()
    for sock in socks:
        sock.setblocking(False)
        waiting.register(sock, selectors.EVENT_READ)
    deadline = time.monotonic() + within
    while waiting.get_map() and time.monotonic() < deadline:
        for key, _ in waiting.select(timeout=max(0.0, deadline - time.monotonic())):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                data = sock.recv(1)
            except ConnectionResetError:
                data = b""
            if data == b"":
                waiting.unregister(sock)
    return len(waiting.get_map())


def test_connections_that_never_finish_their_headers_are_closed(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    partials = [b"", b"GET /healthz HTTP/1.1\r\n", b"POST /cds-services/x HTTP/1.1\r\nHost: a\r\nX-Slow: "]
    socks = [_half_open(port, partials[n % len(partials)]) for n in range(CONNECTIONS)]
    try:
        started = time.monotonic()
        assert httpx.get(f"{server}/healthz", timeout=2).status_code == 200  # served meanwhile
        assert _still_open(socks, within=HEADER_TIMEOUT + 4) == 0
        assert time.monotonic() - started < HEADER_TIMEOUT + 5
    finally:
        for sock in socks:
            sock.close()


def test_a_request_whose_headers_arrive_in_time_is_served(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    with _half_open(port, b"GET /healthz HTTP/1.1\r\n") as sock:
        time.sleep(HEADER_TIMEOUT / 2)
        sock.sendall(b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(64).startswith(b"HTTP/1.1 200")
