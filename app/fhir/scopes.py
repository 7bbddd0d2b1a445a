"""Which resource types an access token's ``scope`` lets the service read (CONTRACT.md R4, R7). PURE.

SMART on FHIR scopes, v1 (``patient/Observation.read``, ``user/*.*``) and v2 (``patient/Observation.rs``,
granular ``patient/Observation.rs?category=laboratory``). A key whose type no scope covers is not fetched:
the server would refuse it (403) — or, on some servers, answer an empty search, which would read as "none
on record" — so it is "could not check", saying why. A type covered only by granular scopes is fetched,
but what comes back is incomplete (``filtered``): SMART v2 lets the server answer the search with only
the resources the scope's query matches — a laboratory-only scope drops the exam Observation of a cauda
equina screen without a word, and "none on record" would hide it (PATHWAY.md invariant 6).

Lenient where the scope says nothing: no ``scope``, or one with no resource scope at all (``launch
openid``), covers every type; the server's own answer then decides.
"""

from __future__ import annotations

import re

_RESOURCE_SCOPE = re.compile(r"(?:patient|user|system)/([A-Za-z]+|\*)\.([a-z]+|\*)(\?\S*)?")
_READ_V1 = frozenset({"read", "*"})


def uncovered(scope: str | None, query: str) -> str | None:
    """Why ``query`` (a relative read or search) is outside ``scope``; ``None`` when it may be run."""
    granted = _granted(scope)
    if not granted:
        return None
    wanted = _type_of(query)
    if any(kind in (wanted, "*") and _reads(access) for kind, access, _ in granted):
        return None
    return f"fhirAuthorization.scope does not cover reading {wanted}: the FHIR server was not asked"


def filtered(scope: str | None, query: str) -> str | None:
    """Why the server may have answered ``query`` with only part of what it holds: every scope that lets
    it be read is granular (``?category=…``), so the server may filter the results to that query (see the
    module docstring). ``None``: a scope covers the whole type, or none is written."""
    wanted = _type_of(query)
    reading = [restricted for kind, access, restricted in _granted(scope)
               if kind in (wanted, "*") and _reads(access)]
    if not reading or not all(reading):
        return None
    return f"fhirAuthorization.scope lets only part of {wanted} be read: the server may have left some out"


def _granted(scope: str | None) -> list[tuple[str, str, bool]]:
    """The resource scopes of ``scope``: type, access, and whether a query narrows them (granular)."""
    found = (_RESOURCE_SCOPE.fullmatch(item) for item in (scope or "").split())
    return [(m.group(1), m.group(2), bool(m.group(3))) for m in found if m]


def _type_of(query: str) -> str:
    return query.split("?")[0].split("/")[0]


def _reads(access: str) -> bool:
    """v1 ``read`` or ``*``; v2 any of ``c r u d s`` that includes read or search."""
    return access in _READ_V1 or (set(access) <= set("cruds") and bool(set(access) & {"r", "s"}))
