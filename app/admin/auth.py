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
import logging
import math
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.hooks.errors import error_response
from app.observability.metrics import count_admin_login_failure
from app.settings import Settings

log = logging.getLogger(__name__)

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


class LoginThrottle:
    """Failed logins per client address: after ``max_failures`` within ``window_seconds`` the address is
    answered 429 — right password or not — until its oldest counted failure leaves the window. 3,000
    guesses took 1.9 s before. Per address, so a guesser locks out only itself (behind a proxy, the
    address is the one uvicorn's ``--forwarded-allow-ips`` trusts). At most ``max_addresses`` are
    remembered, oldest first forgotten, so a spray from many addresses cannot grow memory."""

    def __init__(self, max_failures: int, window_seconds: float, *, max_addresses: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._max, self._window, self._room, self._clock = max_failures, window_seconds, max_addresses, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, address: str) -> float:
        """Seconds until ``address`` may try again; 0 when it may now."""
        failures = self._failures.get(address)
        if failures is None or len(failures) < self._max:
            return 0.0
        return max(0.0, failures[0] + self._window - self._clock())

    def failed(self, address: str) -> int:
        """Count a failure; the number of failures of ``address`` in the window."""
        now = self._clock()
        failures = self._failures.pop(address, None) or deque(maxlen=self._max)
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        failures.append(now)
        self._failures[address] = failures
        if len(self._failures) > self._room:
            self._failures.popitem(last=False)
        return len(failures)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)


def refusal(request: Request) -> Response | None:
    """The response that stops this request, or ``None`` when it may go on."""
    settings: Settings = request.app.state.settings
    if not dashboard_enabled(settings):
        return error_response(404, "Not Found", "not-found")
    throttle: LoginThrottle = request.app.state.admin_throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(address)
    if wait:
        count_admin_login_failure("throttled")
        busy = error_response(429, "too many failed logins from this address; retry later", "throttled")
        busy.headers["Retry-After"] = str(math.ceil(wait))
        return busy
    authorization = request.headers.get("authorization")
    if not credentials_match(authorization, settings):
        if authorization is not None:  # a browser's first request carries none: not a failure
            _count_failure(throttle, address)
        response = Response("Authentication required", status_code=401, media_type="text/plain")
        response.headers["WWW-Authenticate"] = REALM
        return response
    throttle.succeeded(address)
    return None


def _count_failure(throttle: LoginThrottle, address: str) -> None:
    """Logged with the address and count only: never the user name or password tried."""
    failures = throttle.failed(address)
    count_admin_login_failure("refused")
    log.warning("admin login failed (address %s, %d in the window)", address, failures,
                extra={"address": address, "failures": failures})


class AdminRoute(APIRoute):
    """Every route of the admin router: authenticate first, then add the no-cache and no-frame headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            response = refusal(request) or await handler(request)
            response.headers.update(SECURITY_HEADERS)
            return response

        return guarded
