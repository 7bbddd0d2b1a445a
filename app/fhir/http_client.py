"""The app's one ``httpx.AsyncClient``, shared for the app's life (CONTRACT.md R6-R8, §3).

No redirects, no cookie jar (a cookie set for one hook call must never ride along on another patient's),
explicit pool limits, a keep-alive pool of our own (``app/fhir/transport.py``) that costs one socket
check per request, and proxies from the environment (``app/fhir/proxies.py``).
"""

from __future__ import annotations

from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING

import httpx

from app.fhir.netstream import LoopBackend
from app.fhir.proxies import environment_proxies, proxy_mounts
from app.fhir.transport import PooledTransport

if TYPE_CHECKING:  # the shape only: the data-access room does not import the settings at run time
    from app.settings import Settings

HTTP_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


def make_http_client(settings: Settings) -> httpx.AsyncClient:
    """The app's one HTTP client: bounded pool (``app/fhir/transport.py``: why not httpx's own, unless
    ``FHIR_POOL=httpx``), default timeout, no redirects, cookies never kept, proxies from the environment
    as httpx reads them."""
    own = settings.fhir_pool != "httpx"  # FhirPool, compared by value (no import of app.settings)
    transport = (PooledTransport(HTTP_LIMITS, network_backend=LoopBackend()) if own
                 else httpx.AsyncHTTPTransport(limits=HTTP_LIMITS))
    return httpx.AsyncClient(
        transport=transport,
        mounts=proxy_mounts(environment_proxies(), HTTP_LIMITS),
        follow_redirects=False,
        timeout=httpx.Timeout(settings.fhir_request_timeout_seconds),
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )
