"""Abuse limits: a body cap (413), a deadline for the body to arrive (408), and a cap on each
client's requests in flight (429).

Pure ASGI rather than ``BaseHTTPMiddleware``, which wraps every response in a stream and costs on the hot
path. The body is read whole here — it is JSON, the app would read it whole anyway — so an oversized or
trickling body is refused before FastAPI parses anything. The client is known only once its JWT is
verified, so ``app.hooks.auth`` claims the slot through :func:`admit` and this middleware frees it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.hooks.errors import Overloaded, error_response
from app.settings import Settings

ADMISSION = "spine_cds.admission"


class BodyTooLarge(Exception):
    pass


class Admission:
    """One request's claim on its client's slots; claimed once, released when the request ends."""

    def __init__(self, in_flight: dict[str, int], cap: int) -> None:
        self._in_flight, self._cap = in_flight, cap
        self.key: str | None = None

    def claim(self, key: str) -> None:
        if self.key is not None:
            return
        if self._in_flight.get(key, 0) >= self._cap:
            raise Overloaded(f"more than {self._cap} requests in flight for this client; retry shortly")
        self._in_flight[key] = self._in_flight.get(key, 0) + 1
        self.key = key

    def release(self) -> None:
        if self.key is None:
            return
        left = self._in_flight[self.key] - 1
        if left:
            self._in_flight[self.key] = left
        else:
            del self._in_flight[self.key]
        self.key = None


def admit(request: Request, client_key: str) -> None:
    """Take a slot for ``client_key`` (429 when all are taken); a no-op without the middleware."""
    admission = request.scope.get(ADMISSION)
    if isinstance(admission, Admission):
        admission.claim(client_key)


class RequestLimits:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, body_read_timeout_seconds: float,
                 per_client_concurrency: int) -> None:
        self.app = app
        self._max_body, self._timeout = max_body_bytes, body_read_timeout_seconds
        self._cap = per_client_concurrency
        self._in_flight: dict[str, int] = {}  # one event loop: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read_body(scope, receive)
        except BodyTooLarge:
            await error_response(413, f"request body larger than {self._max_body} bytes", "too-costly")(
                scope, receive, send)
            return
        except TimeoutError:
            await error_response(408, f"request body not received within {self._timeout:g} s", "timeout")(
                scope, receive, send)
            return
        if body is None:
            return  # the client went away while sending
        admission = Admission(self._in_flight, self._cap)
        try:
            await self.app({**scope, ADMISSION: admission}, _replay(body, receive), send)
        finally:
            admission.release()

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        declared = _content_length(scope)
        if declared is not None and declared > self._max_body:
            raise BodyTooLarge
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
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)


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


def add_limits(app: FastAPI, settings: Settings) -> None:
    """Call before CORS is added, so CORS stays outermost and a browser can read a 413 or 429."""
    options: dict[str, Any] = {
        "max_body_bytes": settings.max_body_bytes,
        "body_read_timeout_seconds": settings.body_read_timeout_seconds,
        "per_client_concurrency": settings.per_client_concurrency,
    }
    app.add_middleware(RequestLimits, **options)
