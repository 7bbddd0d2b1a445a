"""URL rules shared by the settings, the trust registry and the FHIR client (CONTRACT.md G1, §3.5).

The one place that says which FHIR server an allow-list entry admits (``server_allowed_by``): the
FHIR client applies it to ``FHIR_SERVER_ALLOWLIST`` and to a trust entry's ``fhir_servers``.
"""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def url_problem(url: str, production: bool) -> str | None:
    """Why ``url`` may not be trusted, or None: https, or plain http on loopback outside production."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an absolute http(s) URL"
    if parts.username or parts.password:
        return "must not carry credentials"
    if parts.scheme == "http" and (production or not is_loopback(parts.hostname)):
        return "must be https (plain http is allowed only for loopback in the development profile)"
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with the scheme's default port filled in; None for a port that is no number."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None


def server_allowed_by(server: str, entry: str) -> bool:
    """Scheme, host and port equal (a loopback entry without a port admits any port: development servers
    such as SEKMET take a free one); a path in the entry must be a prefix at a segment boundary, so
    ``https://ehr.example.org/fhir`` admits ``…/fhir/R4`` but neither ``…/fhirx`` nor another host
    (CONTRACT.md §3.5: the bearer token must not reach a host the entry did not name)."""
    server_origin, entry_origin = origin(server), origin(entry)
    if server_origin is None or entry_origin is None or server_origin[:2] != entry_origin[:2]:
        return False
    any_port = urlsplit(entry).port is None and is_loopback(entry_origin[1])
    if server_origin[2] != entry_origin[2] and not any_port:
        return False
    prefix, path = urlsplit(entry).path.rstrip("/"), urlsplit(server).path.rstrip("/")
    return not prefix or path == prefix or path.startswith(prefix + "/")
