"""A verified CDS client, and the one rule for which FHIR servers it may send us to.

Kept apart from the transport so the verifier (``app.security``) can build it without importing
``app.hooks``: the arrow runs hooks → security, never back.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """A verified CDS client: its issuer, tenant and the FHIR servers it may send us to."""

    iss: str
    fhir_servers: tuple[str, ...] = ()
    tenant: str | None = None

    def may_use_fhir_server(self, url: str) -> bool:
        """True when ``url`` lies under one of the client's ``fhir_servers`` prefixes (trust registry).

        A prefix matches on scheme, host and port exactly and on whole path segments, so the prefix
        ``https://ehr.example.org/fhir`` admits ``…/fhir/R4`` but neither ``…/fhirx`` nor
        ``https://ehr.example.org.evil.test/fhir``: a client must not point us, and the bearer token we
        present, at a host it was not registered with (CONTRACT.md §3.5).
        """
        return any(url_under_prefix(url, prefix) for prefix in self.fhir_servers)


def url_under_prefix(url: str, prefix: str) -> bool:
    target, base = _parts(url), _parts(prefix)
    if target is None or base is None or target[:3] != base[:3]:
        return False
    path, base_path = target[3], base[3].rstrip("/")
    return path == base_path or path.startswith(base_path + "/")


def _parts(url: str) -> tuple[str, str, int, str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname or port is None or parts.username:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port, parts.path
