"""Who may see the dashboard: HTTP Basic against ``ADMIN_USERNAME`` / ``ADMIN_PASSWORD``, on every route.

The check lives in the route class, so no admin route can be added without it. With no password
configured the dashboard does not exist (404, the same answer as any unknown path). A refused credential
gets 401 with ``WWW-Authenticate`` so a browser asks for it; the comparison takes the same time whichever
part is wrong. The app's error handlers turn raised HTTP errors into OperationOutcomes without their
headers, which is why the responses are returned here rather than raised.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.hooks.errors import error_response
from app.settings import Settings

REALM = 'Basic realm="spine-cds admin", charset="UTF-8"'
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
}


def dashboard_enabled(settings: Settings) -> bool:
    return bool(settings.admin_password and settings.admin_password.get_secret_value())


def credentials_match(authorization: str | None, settings: Settings) -> bool:
    """True when the ``Authorization: Basic`` header carries the configured user and password."""
    supplied = _basic_credentials(authorization)
    if supplied is None or settings.admin_password is None:
        return False
    user, password = supplied
    expected_password = settings.admin_password.get_secret_value().encode()
    same_user = secrets.compare_digest(user.encode(), settings.admin_username.encode())
    same_password = secrets.compare_digest(password.encode(), expected_password)
    return same_user & same_password  # both compared, whichever is wrong


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def refusal(request: Request) -> Response | None:
    """The response that stops this request, or ``None`` when it may go on."""
    settings: Settings = request.app.state.settings
    if not dashboard_enabled(settings):
        return error_response(404, "Not Found", "not-found")
    if not credentials_match(request.headers.get("authorization"), settings):
        response = Response("Authentication required", status_code=401, media_type="text/plain")
        response.headers["WWW-Authenticate"] = REALM
        return response
    return None


class AdminRoute(APIRoute):
    """Every route of the admin router: authenticate first, then add the no-cache and no-frame headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            response = refusal(request) or await handler(request)
            response.headers.update(SECURITY_HEADERS)
            return response

        return guarded
