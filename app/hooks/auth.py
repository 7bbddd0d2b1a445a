"""Who is calling: the CDS client's JWT (CONTRACT.md S2 to S7), as one FastAPI dependency.

The verifier itself (trust registry, key sets, replay records) lives in ``app.security``; this module
only adapts it to HTTP. Any failure is a 401 with no detail in the body; the reason is logged, the token
never is. A verified client then takes one of its concurrency slots (``app.hooks.limits``).

``gate`` runs the same check from the request limits middleware, before the body is read: a call without
a valid token is refused before its JSON is decoded (docs/security.md, "Limits"). The dependency then
finds the identity in the scope and does not verify twice.
"""

from __future__ import annotations

import logging
from typing import NoReturn, Protocol

from fastapi import Request
from starlette.types import Scope

from app.hooks.devhints import audiences
from app.hooks.errors import ServiceUnavailable, Unauthorized
from app.hooks.limits import ADMISSION, IDENTITY, Admission, admit
from app.observability.metrics import count_auth_failure
from app.security import ClientIdentity, ReplayCheckUnavailable, TokenRejected
from app.settings import Settings

__all__ = ["ClientIdentity", "TokenVerifier", "authenticate", "bearer_token", "endpoint_url", "gate"]
GATED_PREFIX = "/cds-services"  # discovery, the services and their feedback: every CDS Hooks route

log = logging.getLogger(__name__)


class TokenVerifier(Protocol):
    async def verify(self, token: str, audience: str | tuple[str, ...], *,
                     alone: bool = True) -> ClientIdentity:
        """The client the token proves, or :class:`app.security.TokenRejected`; ``alone``: no other call is
        in flight, so the ``jti`` may be recorded straight from the event loop."""
        ...


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def endpoint_url(request: Request, public_base_url: str) -> str:
    """S4: the URL the client invoked, built from PUBLIC_BASE_URL and the app's own path.

    Never from ``Host`` or ``X-Forwarded-*``, which a proxy rewrites and a caller can forge; a ``root_path``
    the proxy reports is taken off the path, because PUBLIC_BASE_URL already carries any prefix.
    """
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return public_base_url + path


async def authenticate(request: Request, verifier: TokenVerifier | None, public_base_url: str,
                       required: bool, settings: Settings | None = None) -> ClientIdentity | None:
    """``aud`` must equal PUBLIC_BASE_URL + the path called, not what a proxy rewrote (S4, S7); with
    ``settings``, development also accepts the other loopback spellings (app/hooks/devhints.py)."""
    token = bearer_token(request)
    if token is None or verifier is None:
        if required:
            _refuse(request, "no bearer token" if token is None else "no trust registry configured")
        admit(request, "anonymous")
        return None
    try:
        expected = endpoint_url(request, public_base_url)
        identity = await verifier.verify(token, audiences(expected, settings) if settings else expected,
                                         alone=_alone(request.scope))
    except TokenRejected as rejected:
        _refuse(request, rejected.reason, rejected.iss)
    except ReplayCheckUnavailable as down:
        log.error("auth unavailable: replay records unreachable (%s)", down, extra={"path": request.url.path})
        raise ServiceUnavailable("authentication is temporarily unavailable; retry") from down
    admit(request, identity.iss)
    return identity


async def gate(scope: Scope) -> None:
    """Authenticate a CDS Hooks call from its headers alone and keep the identity in the scope.

    Other routes (health, metrics, the admin page with its own credential) and CORS preflights pass.
    """
    if scope.get("method") == "OPTIONS" or not _route_path(scope).startswith(GATED_PREFIX):
        return
    state = scope["app"].state
    settings = state.runtime.settings
    request = Request(scope)
    verifier = getattr(state, "verifier", None)
    required = settings.auth_required and not _is_discovery(scope)
    scope[IDENTITY] = await authenticate(request, verifier, settings.public_base_url, required, settings)


def _alone(scope: Scope) -> bool:
    """Without the limits middleware (a test's bare app) nothing is known of other calls: say alone, as
    the replay store then behaves as it always did."""
    admission = scope.get(ADMISSION)
    return admission.alone if isinstance(admission, Admission) else True


def _is_discovery(scope: Scope) -> bool:
    """Discovery needs no token (docs/security.md); a token sent to it is still verified."""
    return scope.get("method") in {"GET", "HEAD"} and _route_path(scope).rstrip("/") == GATED_PREFIX


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _refuse(request: Request, reason: str, iss: str | None = None) -> NoReturn:
    """The reason is in the message as well as ``extra``: plain formatters print no extras. ``%r`` keeps an
    attacker-chosen ``iss`` on one line."""
    log.warning("auth failed: %s (iss %r, path %r)", reason, iss, request.url.path,
                extra={"reason": reason, "iss": iss, "path": request.url.path})
    count_auth_failure(reason)
    raise Unauthorized(reason)
