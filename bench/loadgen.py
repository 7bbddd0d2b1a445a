"""A closed-loop load generator: ``concurrency`` keep-alive HTTP/1.1 connections on loopback, each sending
its next request as soon as the last answer has been read.

A hand-rolled client over asyncio streams rather than httpx: the generator shares the machine's two cores
with the server, and httpx spends several times more CPU per request than this, which would be measured
as server latency. Requests are pre-encoded bytes; only the answer's status line and ``Content-Length``
(or chunked framing) are parsed. Bounded twice: by request count and by wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Payload = Callable[[int], bytes]  # the n-th request's bytes (a fresh JWT each time, or the same body)


def post_request(host: str, port: int, path: str, body: bytes,
                 headers: dict[str, str] | None = None) -> bytes:
    """The wire bytes of one JSON POST."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json",
             f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def get_request(host: str, port: int, path: str, accept: str = "application/fhir+json") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: {accept}\r\n\r\n".encode()


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=2**20)
        return self._reader, self._writer

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """One request/answer exchange: (status, body)."""
        reader, writer = await self._open()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers = head.lower()
        if b"transfer-encoding: chunked" in headers:
            body = await _read_chunked(reader)
        else:
            start = headers.index(b"content-length:") + 15
            body = await reader.readexactly(int(headers[start:headers.index(b"\r\n", start)]))
        if b"connection: close" in headers:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


@dataclass
class Run:
    """What one measured run saw. Latencies in seconds, in completion order."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    first_body: bytes = b""

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def failed(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200) + len(self.errors)


async def run(host: str, port: int, payload: Payload, *, concurrency: int, requests: int,
              seconds: float) -> Run:
    """Send up to ``requests`` requests over ``concurrency`` connections, stopping at ``seconds``."""
    result = Run()
    issued = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal issued
        connection = Connection(host, port)
        try:
            while issued < requests and time.perf_counter() < deadline:
                index = issued
                issued += 1
                await _one(connection, payload(index), result)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.wall = time.perf_counter() - started
    return result


async def _one(connection: Connection, request: bytes, result: Run) -> None:
    started = time.perf_counter()
    try:
        status, body = await asyncio.wait_for(connection.send(request), timeout=30)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
        result.errors.append(type(exc).__name__)
        await connection.close()
        return
    result.latencies.append(time.perf_counter() - started)
    result.statuses[status] = result.statuses.get(status, 0) + 1
    if not result.first_body:
        result.first_body = body
