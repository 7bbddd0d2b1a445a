"""Where the FHIR client may go: the ``fhirServer`` of a hook call, and the ``next`` links it follows
(CONTRACT.md §3.5, S6).

Which server an allow-list entry admits is the one rule ``app.urls.server_allowed_by``; this module
applies it to ``FHIR_SERVER_ALLOWLIST`` and a trust entry's ``fhir_servers``, and says which links share
``fhirServer``'s origin and path.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from app.urls import origin, server_allowed_by


def same_origin(url: str, server: str) -> bool:
    """CONTRACT.md §3.5: a ``next`` link must have the scheme, host and port of ``fhirServer`` and lie
    under its path (whole segments, no dot segments): it is fetched with the FHIR bearer token, and a link
    to another path on the host would carry the token past a path-restricted allow-list entry."""
    link = origin(url)
    if link is None or link[1] == "" or link != origin(server) or not _sendable(url):
        return False
    base, path = urlsplit(server).path.rstrip("/"), urlsplit(url).path
    if any(segment in (".", "..") for segment in unquote(path).split("/")):
        return False
    return not base or path == base or path.startswith(base + "/")


def _sendable(url: str) -> bool:
    """A hostile link with a lone surrogate (not UTF-8) or a control character cannot be sent: refused
    here rather than crashed on by the HTTP client."""
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not any(ord(char) < 0x20 or ord(char) == 0x7F for char in url)


def server_refusal(server: str | None, allowlist: Sequence[str],
                   narrowed_to: Sequence[str] | None = None) -> str | None:
    """Why ``server`` may not be called, or ``None`` when it may (CONTRACT.md §3.5, S6)."""
    return _refusal(server, tuple(allowlist), None if narrowed_to is None else tuple(narrowed_to))


@functools.lru_cache(maxsize=256)  # a site calls few servers; the answer is a pure function of its inputs
def _refusal(server: str | None, allowlist: tuple[str, ...],
             narrowed_to: tuple[str, ...] | None) -> str | None:
    if not server:
        return "no fhirServer in the request"
    parts = urlsplit(server)
    if parts.username or parts.password or parts.query or parts.fragment:
        return "fhirServer must not carry credentials, a query or a fragment"
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        return "fhirServer path must not contain dot segments"
    if not any(server_allowed_by(server, entry) for entry in allowlist):
        return "fhirServer is not on FHIR_SERVER_ALLOWLIST; no request was made"
    if narrowed_to is not None and not any(server_allowed_by(server, entry) for entry in narrowed_to):
        return "fhirServer is not among this client's FHIR servers; no request was made"
    return None
