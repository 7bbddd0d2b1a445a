"""The app's one ``httpx.AsyncClient``, shared for the app's life (CONTRACT.md R6-R8, §3).

No redirects, no cookie jar (a cookie set for one hook call must never ride along on another patient's),
explicit pool limits, a keep-alive pool of our own (``app/fhir/transport.py``) that costs one socket
check per request, and proxies from the environment (``app/fhir/proxies.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
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


async def send_direct(client: httpx.AsyncClient, method: str, url: str, headers: Mapping[str, str],
                      content: bytes | None, timeout: float) -> httpx.Response:
    """``method url`` through the transport ``client`` would use for it (a proxy's, or our pool), with
    the client's default headers under ``headers`` and its event hooks called, the response streamed:
    the caller reads and closes it. What ``client.stream`` adds on top is machinery the FHIR fetch never
    uses (a cookie jar that keeps nothing, an auth flow, redirect handling), and it cost ~0.1 ms of CPU
    a request. httpx names the transport lookup privately (``_transport_for_url``);
    tests/integration/test_fhir_transport.py checks proxies, headers, hooks and errors on this path."""
    request = httpx.Request(method, url, headers=_merged(client.headers, headers), content=content,
                            extensions={"timeout": httpx.Timeout(timeout).as_dict()})
    for on_request in client.event_hooks["request"]:
        await on_request(request)
    response = await client._transport_for_url(request.url).handle_async_request(request)
    response.request = request
    try:
        for on_response in client.event_hooks["response"]:
            await on_response(response)
    except BaseException:
        await response.aclose()
        raise
    return response


def _merged(defaults: httpx.Headers, headers: Mapping[str, str]) -> httpx.Headers:
    merged = defaults.copy()
    merged.update(headers)
    return merged
