"""What the hook would have seen when an order was written: the prefetch templates, cut at ``authoredOn``.

- Which resources: exactly what ``app.fhir.templates.PREFETCH_TEMPLATES`` asks the EHR for (the types,
  and the Observation codes), so a replayed chart holds what a live call would have held.
- As of when: a resource counts when the date it was known (``KNOWN_AT``) is on or before the order's day.
  The data compromise: an export holds today's version of each resource, so a status changed since
  (a Condition resolved later) is replayed as it is now; a resource with no date at all always counts.
  Same-day results are ambiguous: with both timestamps written, the earlier one counts; with only a date,
  a same-day diagnosis, observation or prescription counts (written at the visit that led to the order)
  but a same-day study, procedure or order does not (it may be this order's own result).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs

from app.fhir.templates import PREFETCH_TEMPLATES

Json = Mapping[str, Any]


def _template_type(template: str) -> str:
    return template.split("?", 1)[0].split("/", 1)[0]


def _template_codes(template: str) -> frozenset[tuple[str, str]] | None:
    query = template.split("?", 1)[1] if "?" in template else ""
    codes = parse_qs(query).get("code")
    if not codes:
        return None
    pairs = (token.split("|", 1) for value in codes for token in value.split(","))
    return frozenset((pair[0], pair[1]) for pair in pairs if len(pair) == 2)


# prefetch key → (resource type, the codes the search asks for or None for all)
TEMPLATE_KEYS: Mapping[str, tuple[str, frozenset[tuple[str, str]] | None]] = {
    key: (_template_type(template), _template_codes(template)) for key, template in PREFETCH_TEMPLATES.items()
}
HOOK_TYPES = frozenset(kind for kind, _ in TEMPLATE_KEYS.values())
_KEY_OF_TYPE = {kind: key for key, (kind, _) in TEMPLATE_KEYS.items()}

# The element that says when a resource was known, first found wins (R4 names).
KNOWN_AT: Mapping[str, Sequence[str]] = {
    "Condition": ("recordedDate", "onsetDateTime", "onsetPeriod.start"),
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
    "MedicationRequest": ("authoredOn",),
    "ImagingStudy": ("started",),
    "ServiceRequest": ("authoredOn", "occurrenceDateTime"),
}
_SAME_DAY_COUNTS = frozenset({"Patient", "Condition", "Observation", "MedicationRequest"})


def prefetch_key(resource: Json) -> str | None:
    """The prefetch key a resource would have arrived under, or None when no template asks for it."""
    kind = resource.get("resourceType")
    key = _KEY_OF_TYPE.get(kind) if isinstance(kind, str) else None
    if key is None:
        return None
    codes = TEMPLATE_KEYS[key][1]
    return key if codes is None or _has_code(resource, codes) else None


def _has_code(resource: Json, codes: frozenset[tuple[str, str]]) -> bool:
    concept = resource.get("code")
    codings = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(codings, list):
        return False
    return any(isinstance(c, dict) and (c.get("system"), c.get("code")) in codes for c in codings)


def _lookup(resource: Json, path: str) -> object:
    value: object = resource
    for name in path.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def known_at(resource: Json) -> str | None:
    """The written date(time) the resource was known at, or None when it carries none."""
    for path in KNOWN_AT.get(str(resource.get("resourceType")), ()):
        value = _lookup(resource, path)
        if isinstance(value, str) and len(value) >= 4:
            return value
    return None


def visible_at(resource: Json, order_at: str) -> bool:
    """Would the hook, called when the order was written at ``order_at``, have seen ``resource``?"""
    when = known_at(resource)
    if when is None:
        return True
    day, order_day = when[:10], order_at[:10]
    if day != order_day:
        return day < order_day
    if len(when) > 10 and len(order_at) > 10:
        return when < order_at
    return resource.get("resourceType") in _SAME_DAY_COUNTS


def patient_of(resource: Json) -> str | None:
    """The id of the patient a resource belongs to (``subject`` or ``patient``; a Patient is its own)."""
    if resource.get("resourceType") == "Patient":
        own = resource.get("id")
        return own if isinstance(own, str) and own else None
    for name in ("subject", "patient"):
        reference = _lookup(resource, name + ".reference")
        if isinstance(reference, str) and "Patient/" in reference:
            found = reference.rsplit("Patient/", 1)[1].split("/", 1)[0]
            return found or None
    return None
