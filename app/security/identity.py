"""A verified CDS client: who called, for which tenant, and the FHIR servers its trust entry names.

Kept apart from the transport so the verifier (``app.security``) can build it without importing
``app.hooks``: the arrow runs hooks → security, never back. Which FHIR server an entry of
``fhir_servers`` admits is decided in one place, ``app.urls.server_allowed_by``, applied by the FHIR
client (``app.fhir.allowlist.server_refusal``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClientIdentity:
    """A verified CDS client: its issuer, tenant and the FHIR servers it may send us to."""

    iss: str
    fhir_servers: tuple[str, ...] = ()
    tenant: str | None = None
