"""URL safety rules shared by the settings, the trust registry and the FHIR client (CONTRACT.md G1, §3.5)."""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit


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
