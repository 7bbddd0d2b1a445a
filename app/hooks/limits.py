"""Abuse limits: a body cap (413), a deadline for the body to arrive (408), and a cap on what each client
has in flight — requests and request bytes (429). docs/security.md, "Limits".

Pure ASGI rather than ``BaseHTTPMiddleware``, which wraps every response in a stream and costs on the hot
path. The order matters. A CDS Hooks call is authenticated from its headers by ``gate`` (``app.hooks.auth``)
*before* a byte of its body is read, so a caller without a valid token costs a signature check, not a
JSON decode; the verified client then claims a slot, and every body byte it sends counts against its
in-flight byte budget, so one client's huge charts cannot take the CPU from the others. The body is read
whole here — the app would read it whole anyway — and handed on. A client that goes away while its call
is evaluated gets the call cancelled, so its slot is free for the EHR's retry at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.hooks.errors import Overloaded, ServiceError, error_response, refusal_response
from app.settings import Settings

ADMISSION = "spine_cds.admission"
IDENTITY = "spine_cds.identity"  # the verified client, once ``gate`` has run (None: authentication off)
BODY_BYTES = "spine_cds.body_bytes"
Gate = Callable[[Scope], Awaitable[None]]


class BodyTooLarge(Exception):
    pass


class Ledger:
    """What each client has in flight: requests and request-body bytes. One event loop: no lock.

    ``calls`` counts every HTTP request inside the middleware, any client or none: the replay store writes
    a ``jti`` straight from the event loop only while a call is alone (docs/performance.md, "Signed
    tokens, round three")."""

    def __init__(self, max_requests: int, max_bytes: int | None) -> None:
        self.max_requests, self.max_bytes = max_requests, max_bytes
        self.requests: dict[str, int] = {}
        self.bytes: dict[str, int] = {}
        self.calls = 0

    def add(self, table: dict[str, int], key: str, amount: int) -> None:
        left = table.get(key, 0) + amount
        if left:
            table[key] = left
        else:
            table.pop(key, None)


class Admission:
    """One request's claim on its client's slots and bytes; claimed once, released when it ends."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self.key: str | None = None
        self.size = 0  # body bytes read so far, charged to the client once it is known

    def claim(self, key: str) -> None:
        if self.key is not None:
            return
        ledger = self._ledger
        if ledger.requests.get(key, 0) >= ledger.max_requests:
            raise Overloaded(f"more than {ledger.max_requests} requests in flight for this client; retry "
                             "shortly")
        ledger.add(ledger.requests, key, 1)
        self.key = key
        size, self.size = self.size, 0
        self.charge(size)

    def charge(self, size: int) -> None:
        """Count ``size`` more body bytes; 429 when the client's bytes in flight would pass the budget."""
        self.size += size
        ledger, key = self._ledger, self.key
        if key is None or ledger.max_bytes is None or not size:
            return
        if ledger.bytes.get(key, 0) + size > ledger.max_bytes:
            raise Overloaded(f"this client has more than {ledger.max_bytes} request bytes in flight; retry "
                             "shortly")
        ledger.add(ledger.bytes, key, size)

    @property
    def alone(self) -> bool:
        """No other HTTP request is in flight in this process (this one is counted)."""
        return self._ledger.calls <= 1

    def release(self) -> None:
        if self.key is None:
            return
        self._ledger.add(self._ledger.requests, self.key, -1)
        self._ledger.add(self._ledger.bytes, self.key, -self.size)
        self.key = None


def admit(request: Request, client_key: str) -> None:
    """Take a slot for ``client_key`` (429 when all are taken); a no-op without the middleware."""
    admission = request.scope.get(ADMISSION)
    if isinstance(admission, Admission):
        admission.claim(client_key)


class RequestLimits:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, body_read_timeout_seconds: float,
                 per_client_concurrency: int, per_client_inflight_bytes: int | None = None,
                 gate: Gate | None = None) -> None:
        self.app = app
        self._max_body, self._timeout = max_body_bytes, body_read_timeout_seconds
        self._ledger = Ledger(per_client_concurrency, per_client_inflight_bytes)
        self._gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        admission = Admission(self._ledger)
        scope = {**scope, ADMISSION: admission}
        self._ledger.calls += 1
        try:
            body = await self._admit(scope, receive, admission, send)
            if body is not None:
                scope[BODY_BYTES] = len(body)
                await _run_until_gone(self.app, scope, body, receive, send)
        finally:
            self._ledger.calls -= 1
            admission.release()

    async def _admit(self, scope: Scope, receive: Receive, admission: Admission, send: Send) -> bytes | None:
        """The body, once the caller is authenticated and within its limits; else the refusal is sent."""
        try:
            declared = _content_length(scope)
            if declared is not None and declared > self._max_body:
                raise BodyTooLarge
            if self._gate is not None:
                await self._gate(scope)
            admission.charge(declared or 0)
            return await self._read_body(receive, admission, count_chunks=declared is None)
        except BodyTooLarge:
            refusal = error_response(413, f"request body larger than {self._max_body} bytes", "too-costly")
        except TimeoutError:
            refusal = error_response(408, f"request body not received within {self._timeout:g} s", "timeout")
        except ServiceError as refused:
            refusal = refusal_response(refused, Request(scope))
        await refusal(scope, receive, send)
        return None

    async def _read_body(self, receive: Receive, admission: Admission, *, count_chunks: bool) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        # asyncio's own timeout, not anyio's cancel scope: a third of the cost on every call, and uvicorn
        # always runs the app on asyncio.
        async with asyncio.timeout(self._timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                chunk: bytes = message.get("body", b"")
                size += len(chunk)
                if size > self._max_body:
                    raise BodyTooLarge
                if count_chunks:
                    admission.charge(len(chunk))
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)


async def _run_until_gone(app: ASGIApp, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
    """Run the app; if the client disconnects before the response is complete, cancel it (its slot and
    bytes are released by the caller), since nobody is left to read the answer."""
    task = asyncio.current_task()
    state = {"finished": False, "gone": False}

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            state["finished"] = True
        await send(message)

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        if not state["finished"] and task is not None:
            state["gone"] = True
            task.cancel()

    watcher = asyncio.create_task(watch())
    try:
        await app(scope, _replay(body, receive), sending)
    except asyncio.CancelledError:
        if not state["gone"] or task is None or task.uncancel():
            raise  # cancelled by the server (shutdown), not by our watcher: let it through
    finally:
        watcher.cancel()


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    """Hand the app the body already read, then the server's own messages (disconnect) after it."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def add_limits(app: FastAPI, settings: Settings, gate: Gate | None = None) -> None:
    """Call before CORS is added, so CORS stays outermost and a browser can read a 401, 413 or 429."""
    options: dict[str, Any] = {
        "max_body_bytes": settings.max_body_bytes,
        "body_read_timeout_seconds": settings.body_read_timeout_seconds,
        "per_client_concurrency": settings.per_client_concurrency,
        "per_client_inflight_bytes": settings.per_client_inflight_bytes,
        "gate": gate,
    }
    app.add_middleware(RequestLimits, **options)
