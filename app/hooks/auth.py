"""Who is calling: the CDS client's JWT (CONTRACT.md S2–S7), as one FastAPI dependency.

The verifier itself (trust registry, key sets, replay records) lives in ``app.security``; this module
only adapts it to HTTP. Any failure is a 401 with no detail in the body; the reason is logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from app.hooks.errors import Unauthorized

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """A verified CDS client: its issuer and the FHIR servers it may send us to."""

    iss: str
    fhir_servers: tuple[str, ...] = ()
    tenant: str | None = None


class TokenVerifier(Protocol):
    async def verify(self, token: str, audience: str) -> ClientIdentity: ...


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authenticate(request: Request, verifier: TokenVerifier | None, public_base_url: str,
                       required: bool) -> ClientIdentity | None:
    """``aud`` must equal PUBLIC_BASE_URL + the path called, not what a proxy rewrote (S4, S7)."""
    token = bearer_token(request)
    if token is None:
        if required:
            log.info("auth failed", extra={"reason": "no bearer token", "path": request.url.path})
            raise Unauthorized("no bearer token")
        return None
    if verifier is None:
        if required:
            log.error("auth failed", extra={"reason": "no trust registry configured"})
            raise Unauthorized("no verifier")
        return None
    return await verifier.verify(token, public_base_url + request.url.path)
