"""The HTTP transport under the app's one ``httpx.AsyncClient``: httpcore's own connections, kept in a
small pool of our own.

Why not httpx's default pool: httpcore 1.0.9's ``AsyncConnectionPool`` re-examines every pooled
connection on every request start and every response close, and each examination of an idle connection
polls its socket (``_assign_requests_to_connections``; the quadratic keep-alive count inside it is
the upstream problem "quadratic … pool", https://github.com/encode/httpcore/issues/1035, still open).
A fallback hook call sends seven requests at once over seven connections, so the pool's bookkeeping
cost more CPU than the requests themselves, and it grows with the square of the pool: more concurrent
hook calls, more connections, more CPU per call.

Here a request takes the most recently used idle connection to its origin (one socket check, for a
server that closed it), or opens a new one, and gives it back when its response is closed. What the
default pool promised is kept:

- at most ``max_connections`` requests in flight (idle connections do not count, so at most
  ``max_connections + max_keepalive_connections`` sockets); a request that cannot get a slot within the
  pool timeout fails with ``httpx.PoolTimeout``;
- at most ``max_keepalive_connections`` idle connections (the longest idle is closed first), none kept
  past ``keepalive_expiry`` seconds idle, and none the server has closed or asked to close;
- a connection whose request failed, was cancelled, or whose response was not read to the end is
  closed, never reused;
- httpcore's exceptions reach the caller as httpx's, as with httpx's own transport.

HTTP/1.1 only (the client never asked for HTTP/2), asyncio only (the service runs on uvicorn's loop),
and, like any httpx client, for one event loop: connections and the slot count belong to the loop that
made them. TLS settings are this transport's (``ssl_context``), not the client's ``verify=``. The
protocol is still httpcore's (``httpcore.AsyncHTTPConnection``), which also keeps respx's interception
working in tests; its sockets are the event loop's own (``app.fhir.netstream``, passed in by
``app.fhir.http_client``), not anyio's. Proxies: ``app.fhir.proxies``.

``SPINE_CDS_FHIR_POOL=httpx`` falls back to httpx's own transport (and pool) should this one ever
misbehave; ``own`` (this module) is the default. ``read_body`` reads a streamed response's body up to a
size limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass
from typing import cast

import httpcore
import httpx

# Most specific first: the first class an httpcore error is an instance of names the httpx error.
_HTTPX_ERROR_FOR: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
)
_DEFAULT_PORTS = {b"http": 80, b"https": 443}

OriginKey = tuple[bytes, bytes, int]


@contextlib.contextmanager
def httpx_errors() -> Iterator[None]:
    """Re-raise an httpcore error as the httpx error of the same meaning."""
    try:
        yield
    except Exception as exc:
        for core_error, httpx_error in _HTTPX_ERROR_FOR:
            if isinstance(exc, core_error):
                raise httpx_error(str(exc)) from exc
        raise


@dataclass(slots=True)
class _Idle:
    key: OriginKey
    connection: httpcore.AsyncHTTPConnection
    since: float


class PooledTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 keep-alive connections per origin, bounded like ``httpx.Limits`` (module docstring)."""

    def __init__(self, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None,
                 network_backend: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._max_idle = _limit(limits.max_keepalive_connections)
        self._keepalive_expiry = limits.keepalive_expiry
        self._ssl_context = ssl_context if ssl_context is not None else httpx.create_ssl_context()
        self._network_backend = network_backend
        self._slots = asyncio.Semaphore(_limit(limits.max_connections))
        self._idle: list[_Idle] = []  # oldest first
        self._active: set[httpcore.AsyncHTTPConnection] = set()  # behind a response not yet closed
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def idle_connections(self) -> int:
        return len(self._idle)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.raw_scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{url.scheme}://'.")
        key: OriginKey = (url.raw_scheme, url.raw_host, url.port or _DEFAULT_PORTS[url.raw_scheme])
        core_request = httpcore.Request(
            request.method, httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port,
                                         target=url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions)
        await self._take_slot(request)
        try:
            connection, response = await self._send(key, core_request)
        except BaseException:
            self._slots.release()
            raise
        body = _ResponseBody(self, key, connection, cast(AsyncIterable[bytes], response.stream))
        return httpx.Response(response.status, headers=response.headers, extensions=response.extensions,
                              stream=body)

    async def aclose(self) -> None:
        """Close every connection, busy ones included (as httpcore's pool does); a response still open
        then ends with a read error, and hands back a connection that is closed in turn."""
        self._closed = True
        connections = [entry.connection for entry in self._idle] + list(self._active)
        self._idle, self._active = [], set()
        self._close_soon(connections)
        await asyncio.gather(*self._closing, return_exceptions=True)

    async def _take_slot(self, request: httpx.Request) -> None:
        if not self._slots.locked():
            await self._slots.acquire()  # does not wait
            return
        wait = request.extensions.get("timeout", {}).get("pool")
        try:
            async with asyncio.timeout(wait):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no connection slot free within the pool timeout") from None

    async def _send(self, key: OriginKey, request: httpcore.Request
                    ) -> tuple[httpcore.AsyncHTTPConnection, httpcore.Response]:
        # A connection whose request failed or was cancelled is closed: httpcore closes it on most paths,
        # but not when cancelled waiting for its own locks, before the request started. A server that
        # closes a reused connection just as it is sent on fails the request, as with httpx's pool.
        connection = self._reusable(key) or self._new_connection(request.url.origin)
        self._active.add(connection)
        try:
            with httpx_errors():
                return connection, await connection.handle_async_request(request)
        except BaseException:
            self._active.discard(connection)
            self._close_soon([connection])
            raise

    def _reusable(self, key: OriginKey) -> httpcore.AsyncHTTPConnection | None:
        """The most recently used idle connection to ``key`` the server has not closed, if any. No await:
        other requests change the list meanwhile, and a cancellation here would lose the one found."""
        found, stale = None, []
        for index in range(len(self._idle) - 1, -1, -1):
            entry = self._idle[index]
            if entry.key != key:
                continue
            del self._idle[index]
            if entry.connection.is_idle() and not entry.connection.has_expired():
                found = entry.connection
                break
            stale.append(entry.connection)
        self._close_soon(stale)
        return found

    def _new_connection(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        return httpcore.AsyncHTTPConnection(origin, ssl_context=self._ssl_context,
                                            keepalive_expiry=self._keepalive_expiry,
                                            network_backend=self._network_backend)

    def _give_back(self, key: OriginKey, connection: httpcore.AsyncHTTPConnection) -> None:
        """Called once per response, when it is closed: keep the connection if it can carry another
        request, and drop what is stale or over the idle limit."""
        self._slots.release()
        self._active.discard(connection)
        now = time.monotonic()
        stale = self._expired_idle(now)
        if connection.is_idle() and self._max_idle > 0 and not self._closed:
            self._idle.append(_Idle(key, connection, now))
        else:
            stale.append(connection)
        while len(self._idle) > self._max_idle:
            stale.append(self._idle.pop(0).connection)
        self._close_soon(stale)

    def _close_soon(self, connections: list[httpcore.AsyncHTTPConnection]) -> None:
        """Close connections already taken off the lists in a task of their own, not awaited: the request
        path neither waits for it nor, when cancelled, stops it."""
        if not connections:
            return
        closing = asyncio.get_running_loop().create_task(_close_each(connections))
        self._closing.add(closing)  # the event loop keeps only a weak reference to a task
        closing.add_done_callback(self._closing.discard)

    def _expired_idle(self, now: float) -> list[httpcore.AsyncHTTPConnection]:
        if self._keepalive_expiry is None:
            return []
        cut = next((i for i, entry in enumerate(self._idle) if now - entry.since < self._keepalive_expiry),
                   len(self._idle))
        expired, self._idle = self._idle[:cut], self._idle[cut:]
        return [entry.connection for entry in expired]


class _ResponseBody(httpx.AsyncByteStream):
    """A response's body; closing it hands the connection back to the pool exactly once."""

    def __init__(self, pool: PooledTransport, key: OriginKey, connection: httpcore.AsyncHTTPConnection,
                 stream: AsyncIterable[bytes]) -> None:
        self._pool, self._key, self._connection, self._stream = pool, key, connection, stream
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            with httpx_errors():
                # A body closed before its end leaves httpcore's connection closed, so it is not kept.
                close = getattr(self._stream, "aclose", None)
                if close is not None:
                    await close()
        finally:
            self._pool._give_back(self._key, self._connection)


class ResponseTooLarge(Exception):
    """A response body over the reader's limit."""


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """A streamed response's body (decompressed) of at most ``limit`` bytes, else ``ResponseTooLarge``:
    by its ``Content-Length`` before reading, or at the first chunk past the limit, never after the whole
    body. For every caller that reads from a server it does not control (FHIR answers, key sets)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _close_each(connections: list[httpcore.AsyncHTTPConnection]) -> None:
    for connection in connections:
        with contextlib.suppress(Exception):  # closing a socket the peer already reset
            await connection.aclose()


def _limit(value: int | None) -> int:
    return value if value is not None else 2**31 - 1
