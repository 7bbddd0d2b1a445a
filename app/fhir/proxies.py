"""Which proxy each outgoing URL goes through, read from the environment as httpx reads it.

Passing ``transport=`` to ``httpx.AsyncClient`` turns httpx's own reading of HTTP_PROXY, HTTPS_PROXY,
ALL_PROXY and NO_PROXY off, so ``app.fhir.http_client`` mounts what is read here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.request import getproxies

import httpx


def proxy_mounts(proxies: Mapping[str, str | None], limits: httpx.Limits
                 ) -> dict[str, httpx.AsyncBaseTransport | None]:
    """A proxy transport for each proxied URL pattern; ``None`` (the client's own transport, our pool) for
    each NO_PROXY one."""
    return {pattern: None if url is None else httpx.AsyncHTTPTransport(proxy=url, limits=limits)
            for pattern, url in proxies.items()}


def environment_proxies() -> dict[str, str | None]:
    """HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY read as httpx reads them (its environment-variable
    documentation): passing ``transport=`` turns httpx's own reading off, so it is done here again.
    Keys are httpx mount patterns; ``None`` means "not through a proxy"."""
    found = getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if found.get(scheme):
            url = found[scheme]
            mounts[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    for host in (part.strip() for part in found.get("no", "").split(",")):
        if host == "*":  # NO_PROXY=* turns every proxy off
            return {}
        if host:
            mounts[_no_proxy_pattern(host)] = None
    return mounts


def _no_proxy_pattern(host: str) -> str:
    """A NO_PROXY entry as a mount pattern: ``example.com`` also covers its subdomains, as in curl."""
    if "://" in host:
        return host
    if _is_address(host, ipaddress.IPv4Address) or host.lower() == "localhost":
        return f"all://{host}"
    if _is_address(host, ipaddress.IPv6Address):
        return f"all://[{host}]"
    return f"all://*{host}"


def _is_address(host: str, kind: type[ipaddress.IPv4Address] | type[ipaddress.IPv6Address]) -> bool:
    try:
        kind(host.split("/")[0])  # "10.0.0.0/8" counts, as in httpx, but matches only 10.0.0.0 itself
    except ValueError:
        return False
    return True
