"""httpcore's network backend on the event loop's own transports, without anyio in between.

Why: httpcore's default backend for asyncio goes through anyio's socket streams, which add a cancel scope,
a checkpoint and a library lookup to every read and write. A fallback hook call's one FHIR batch paid
more CPU in those layers than in HTTP itself. Here a read or a write is a call on the loop's transport
(uvloop's, in C, under uvicorn) and a future only when it must wait. What the anyio backend gave is kept:

- the errors httpcore expects: ``ConnectError``/``ConnectTimeout`` while connecting or in the TLS
  handshake, ``ReadError``/``ReadTimeout``, ``WriteError``/``WriteTimeout``;
- a timeout on each read, write and connect (``None``: none), as httpcore passes them;
- flow control both ways: a server sending faster than the response is read is paused past 256 kB
  buffered; a write waits while the socket's buffer is over the loop's high-water mark;
- TLS by ``loop.start_tls`` on the same connection, and the extras httpcore and httpx ask for
  (``ssl_object``, ``client_addr``, ``server_addr``, ``socket``, ``is_readable``).
"""

from __future__ import annotations

import asyncio
import ssl
import typing
from collections import deque
from collections.abc import Iterable

import httpcore

_PAUSE_READING_AT = 256 * 1024  # bytes received but not yet read by httpcore
_RESUME_READING_AT = 64 * 1024

SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


class _Connection(asyncio.Protocol):
    """What the loop delivers on one socket, kept until httpcore reads it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received: deque[bytes] = deque()
        self.buffered = 0
        self.ended = False  # the server closed its side, or the connection is lost
        self.lost: Exception | None = None
        self._reading_paused = False
        self._data_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None
        self.writing_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.received.append(data)
        self.buffered += len(data)
        if self.buffered > _PAUSE_READING_AT and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake_reader()
        return False  # close our side too: HTTP/1.1 has nothing to send after the server's end

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended, self.lost = True, exc
        self._wake_reader()
        self.writing_paused = False
        self._wake(self._drain_waiter)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake(self._drain_waiter)

    def take(self, max_bytes: int) -> bytes:
        data = self.received.popleft()
        if len(data) > max_bytes:
            self.received.appendleft(data[max_bytes:])
            data = data[:max_bytes]
        self.buffered -= len(data)
        if self._reading_paused and self.buffered < _RESUME_READING_AT and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    async def wait_for_data(self) -> None:
        self._data_waiter = asyncio.get_running_loop().create_future()
        try:
            await self._data_waiter
        finally:
            self._data_waiter = None

    async def wait_for_drain(self) -> None:
        while self.writing_paused:
            self._drain_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._drain_waiter
            finally:
                self._drain_waiter = None

    def _wake_reader(self) -> None:
        self._wake(self._data_waiter)

    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class LoopStream(httpcore.AsyncNetworkStream):
    """One connection as httpcore reads and writes it."""

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport, self._connection = transport, connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        connection = self._connection
        if not connection.received and not connection.ended:
            try:
                async with asyncio.timeout(timeout):
                    await connection.wait_for_data()
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out reading from the server") from None
        if connection.received:
            return connection.take(max_bytes)
        if connection.lost is not None:
            raise httpcore.ReadError(f"connection lost: {type(connection.lost).__name__}")
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        if self._connection.writing_paused:
            try:
                async with asyncio.timeout(timeout):
                    await self._connection.wait_for_drain()
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out writing to the server") from None
        if self._connection.lost is not None:
            raise httpcore.WriteError(f"connection lost: {type(self._connection.lost).__name__}")

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                secured = await loop.start_tls(self._transport, self._connection, ssl_context,
                                               server_hostname=server_hostname)
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        if secured is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._connection.transport = secured
        return LoopStream(secured, self._connection)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":  # httpcore: has an idle connection been closed or written to?
            return bool(self._connection.received) or self._connection.ended
        name = {"client_addr": "sockname", "server_addr": "peername"}.get(info, info)
        return self._transport.get_extra_info(name)


class LoopBackend(httpcore.AsyncNetworkBackend):
    """Connections opened by the running event loop (``asyncio``'s or uvloop's)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[SocketOption] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        local = (local_address, 0) if local_address else None
        loop = asyncio.get_running_loop()
        transport, connection = await _connecting(loop.create_connection(_Connection, host, port,
                                                                         local_addr=local), timeout)
        _apply(transport, socket_options)
        return LoopStream(transport, connection)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[SocketOption] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        transport, connection = await _connecting(loop.create_unix_connection(_Connection, path), timeout)
        _apply(transport, socket_options)
        return LoopStream(transport, connection)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connecting(opening: typing.Awaitable[tuple[asyncio.BaseTransport, _Connection]],
                      timeout: float | None) -> tuple[asyncio.Transport, _Connection]:
    try:
        async with asyncio.timeout(timeout):
            transport, connection = await opening
    except TimeoutError:
        raise httpcore.ConnectTimeout("timed out connecting to the server") from None
    except OSError as exc:
        raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
    return typing.cast(asyncio.Transport, transport), connection


def _apply(transport: asyncio.Transport, options: Iterable[SocketOption] | None) -> None:
    sock = transport.get_extra_info("socket")
    for option in options or ():
        sock.setsockopt(*option)
