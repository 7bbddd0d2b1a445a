"""Which resource types an access token's ``scope`` lets the service read (CONTRACT.md R4, R7). PURE.

SMART on FHIR scopes, v1 (``patient/Observation.read``, ``user/*.*``) and v2 (``patient/Observation.rs``,
granular ``patient/Observation.rs?category=laboratory``, read here as covering the type). A key whose type
no scope covers is not fetched: the server would refuse it (403) — or, on some servers, answer an empty
search, which would read as "none on record" — so it is "could not check", saying why.

Lenient where the scope says nothing: no ``scope``, or one with no resource scope at all (``launch
openid``), covers every type; the server's own answer then decides.
"""

from __future__ import annotations

import re

_RESOURCE_SCOPE = re.compile(r"(?:patient|user|system)/([A-Za-z]+|\*)\.([a-z]+|\*)(?:\?\S*)?")
_READ_V1 = frozenset({"read", "*"})


def uncovered(scope: str | None, query: str) -> str | None:
    """Why ``query`` (a relative read or search) is outside ``scope``; ``None`` when it may be run."""
    granted = [m.groups() for m in map(_RESOURCE_SCOPE.fullmatch, (scope or "").split()) if m]
    if not granted:
        return None
    wanted = query.split("?")[0].split("/")[0]
    if any(kind in (wanted, "*") and _reads(access) for kind, access in granted):
        return None
    return f"fhirAuthorization.scope does not cover reading {wanted}: the FHIR server was not asked"


def _reads(access: str) -> bool:
    """v1 ``read`` or ``*``; v2 any of ``c r u d s`` that includes read or search."""
    return access in _READ_V1 or (set(access) <= set("cruds") and bool(set(access) & {"r", "s"}))
