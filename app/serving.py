"""``spine-cds serve``: uvicorn with a deadline for request headers (docs/security.md, "Limits").

uvicorn times out an idle keep-alive connection, but not one that opens and never finishes its request
headers: 1,100 such connections (slowloris) once held the process at its 1,024 file descriptors until
``/healthz`` failed. The protocol here closes a connection whose headers are not complete within
``HEADER_READ_TIMEOUT_SECONDS`` of the connection opening, or of the first byte of its next request. The
body has its own deadline in the app (``BODY_READ_TIMEOUT_SECONDS``, 408). A fronting proxy with its own
header timeout (deploy/) is still the first line in production; this holds when there is none.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections whose headers arrive too slowly."""

    header_timeout = 5.0
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            log.info("connection closed: request headers not received within %g s", self.header_timeout)
            self.transport.close()


def header_deadline_protocol(seconds: float) -> type[HeaderDeadlineProtocol]:
    return type("HeaderDeadline", (HeaderDeadlineProtocol,), {"header_timeout": seconds})


def raise_open_file_limit() -> None:
    """Take the hard limit on open files as the soft one: connections are files, and the soft default
    (often 1,024) is what an idle-connection flood exhausts first."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65_536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            log.warning("could not raise the open-file limit from %d", soft)


def uvicorn_options(header_timeout: float) -> dict[str, Any]:
    return {"http": header_deadline_protocol(header_timeout), "proxy_headers": True, "log_level": "info"}
