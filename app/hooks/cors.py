"""Private Network Access for browser clients on a public origin (CONTRACT.md S9, §2 "The CDS Hooks sandbox").

When a page on a public origin (https://sandbox.cds-hooks.org) calls a server on a private or loopback
address (the service or SEKMET on 127.0.0.1 in the demo), Chrome adds
``Access-Control-Request-Private-Network: true`` to the CORS preflight and goes on only if the answer
carries ``Access-Control-Allow-Private-Network: true`` (WICG Private Network Access).

Starlette's ``CORSMiddleware`` either ignores the question (older releases) or, in releases that know it,
*refuses* the whole preflight (400) unless built with ``allow_private_network=True`` — SEKMET's own CORS
does that to the sandbox. This pure-ASGI middleware sits outside CORS and answers the question the same
way on any release: it hides the request header from the CORS layer, lets CORS decide the preflight as
usual (origin, method, headers), and adds the grant to a successful one — only when the preflight asked
for it and its ``Origin`` is allowed. It never answers a request itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
REQUEST_HEADER = "access-control-request-private-network"
ALLOW_HEADER = "Access-Control-Allow-Private-Network"


class PrivateNetworkAccess:
    """Add ``Access-Control-Allow-Private-Network: true`` to allowed origins' successful preflights."""

    def __init__(self, app: ASGIApp, *, allow_origins: Iterable[str]) -> None:
        self.app = app
        self._origins = frozenset(allow_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._asks_for_grant(scope):
            await self.app(scope, receive, send)
            return

        async def send_with_grant(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                MutableHeaders(scope=message).append(ALLOW_HEADER, "true")
            await send(message)

        await self.app(_without_private_network_question(scope), receive, send_with_grant)

    def _asks_for_grant(self, scope: Scope) -> bool:
        if scope["method"] != "OPTIONS":
            return False
        headers = Headers(scope=scope)
        if "access-control-request-method" not in headers:
            return False  # a plain OPTIONS, not a preflight
        if headers.get(REQUEST_HEADER, "").strip().lower() != "true":
            return False
        return "*" in self._origins or headers.get("origin", "") in self._origins


def _without_private_network_question(scope: Scope) -> Scope:
    headers = [(name, value) for name, value in scope["headers"] if name.lower() != REQUEST_HEADER.encode()]
    return {**scope, "headers": headers}


class OriginHint:
    """Development only: say in the log, once per origin, that a browser origin is not allowed.

    The refused page itself sees nothing (the browser hides a CORS failure from it: the sandbox shows "No
    recommendations" and "PAMA Rating: unknown"), so the service's log is where the fix can be named."""

    def __init__(self, app: ASGIApp, *, allow_origins: Iterable[str]) -> None:
        self.app = app
        self._origins = frozenset(allow_origins)
        self._told: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "*" not in self._origins:
            origin = Headers(scope=scope).get("origin")
            if origin and origin not in self._origins and origin not in self._told and len(self._told) < 100:
                self._told.add(origin)
                log.warning("browser origin %r is not allowed (CORS): its calls fail unseen in the page; "
                            "add it with `make demo SANDBOX_ORIGIN=%s` or SPINE_CDS_CORS_ORIGINS (which "
                            "replaces the default list)", origin[:200], origin[:200])
        await self.app(scope, receive, send)
