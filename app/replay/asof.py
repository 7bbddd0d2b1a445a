"""What the hook would have seen when an order was written: the prefetch templates, cut at ``authoredOn``.

- Which resources: exactly what ``app.fhir.templates.PREFETCH_TEMPLATES`` asks the EHR for (the types,
  and the codes or categories each search names), so a replayed chart holds what a live call would have held.
- As of when: a resource counts when the date it was known (``KNOWN_AT``) is on or before the order's day.
  The data compromise: an export holds today's version of each resource, so a status changed since
  (a Condition resolved later) is replayed as it is now, unless the export keeps the older version too
  (``versions_as_of``); a resource with no date at all always counts, but an undated diagnosis is dated
  by the visit that carries it (``diagnosis_visits``) and a booking by when it was written (``known_at``).
  Same-day results are ambiguous: with both timestamps written, the earlier one counts; with only a date,
  a same-day diagnosis, observation or prescription counts (written at the visit that led to the order)
  but a same-day study, procedure or order does not (it may be this order's own result).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from app.fhir.datatypes import period_start
from app.fhir.identity import reference_target
from app.fhir.templates import PREFETCH_TEMPLATES

Json = Mapping[str, Any]


def _template_type(template: str) -> str:
    return template.split("?", 1)[0].split("/", 1)[0]


def _template_values(template: str, name: str) -> tuple[str, ...] | None:
    """The comma-separated values of one search parameter of a template, or None when it has none."""
    query = template.split("?", 1)[1] if "?" in template else ""
    values = parse_qs(query).get(name)
    return tuple(token for value in values for token in value.split(",") if token) if values else None


def _code_pair(token: str) -> tuple[str | None, str]:
    system, bar, code = token.partition("|")
    return (system, code) if bar else (None, token)


@dataclass(frozen=True, slots=True)
class KeyFilter:
    """What one prefetch template asks for: a resource type, and the codes (``system|code``, or a bare
    code for any system) or categories its search names — None where the search names none."""

    resource_type: str
    codes: frozenset[tuple[str | None, str]] | None
    categories: frozenset[str] | None

    @classmethod
    def of(cls, template: str) -> KeyFilter:
        codes = _template_values(template, "code")
        categories = _template_values(template, "category")
        pairs = frozenset(_code_pair(token) for token in codes) if codes else None
        return cls(_template_type(template), pairs, frozenset(categories) if categories else None)

    def accepts(self, resource: Json) -> bool:
        if self.codes is not None and not _has_code(resource, self.codes):
            return False
        return self.categories is None or _has_category(resource, self.categories)


# prefetch key → what its search asks for
TEMPLATE_KEYS: Mapping[str, KeyFilter] = {
    key: KeyFilter.of(template) for key, template in PREFETCH_TEMPLATES.items()
}
HOOK_TYPES = frozenset(found.resource_type for found in TEMPLATE_KEYS.values())
# Resources a search brings beside those it matches (US Core: the external Medication a prescription
# names, an included entry), by type → the key they arrive under. They name no patient: each joins the
# charts whose resources reference it (``route.included_keys``).
INCLUDED: Mapping[str, str] = {"Medication": "medications"}
EXPORT_TYPES = HOOK_TYPES | frozenset(INCLUDED)
_KEYS_OF_TYPE: Mapping[str, tuple[str, ...]] = {
    kind: tuple(key for key, found in TEMPLATE_KEYS.items() if found.resource_type == kind)
    for kind in HOOK_TYPES
}

# The element that says when a resource was known, first found wins (R4 names).
KNOWN_AT: Mapping[str, Sequence[str]] = {
    "Condition": ("recordedDate", "onsetDateTime", "onsetPeriod.start"),
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
    "MedicationRequest": ("authoredOn",),
    "MedicationStatement": ("dateAsserted", "effectiveDateTime", "effectivePeriod.start"),
    "Encounter": ("period.start",),
    "ImagingStudy": ("started",),
    "DiagnosticReport": ("effectiveDateTime", "effectivePeriod.start", "issued"),
    "ServiceRequest": ("authoredOn", "occurrenceDateTime"),
}
_URN_UUID = "urn:uuid:"
# The status that makes a resource a booking, by type: its date is the appointment's (``known_at``).
_BOOKED: Mapping[str, str] = {"Encounter": "planned", "Procedure": "preparation"}
_SAME_DAY_COUNTS = frozenset(
    {"Patient", "Condition", "Observation", "MedicationRequest", "MedicationStatement"}
)


def prefetch_key(resource: Json) -> str | None:
    """The prefetch key a resource would have arrived under (the first template of its type whose search
    it satisfies, or the key it is included under), or None when no template asks for it."""
    kind = resource.get("resourceType")
    if isinstance(kind, str) and kind in INCLUDED:
        return INCLUDED[kind]
    keys = _KEYS_OF_TYPE.get(kind, ()) if isinstance(kind, str) else ()
    return next((key for key in keys if TEMPLATE_KEYS[key].accepts(resource)), None)


def _codings(concept: object) -> list[Any]:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return codings if isinstance(codings, list) else []


def _has_code(resource: Json, codes: frozenset[tuple[str | None, str]]) -> bool:
    found = ((c.get("system"), c.get("code")) for c in _codings(resource.get("code")) if isinstance(c, dict))
    return any((system, code) in codes or (None, code) in codes for system, code in found)


def _has_category(resource: Json, categories: frozenset[str]) -> bool:
    concepts = resource.get("category")
    concepts = concepts if isinstance(concepts, list) else [concepts]
    return any(isinstance(c, dict) and c.get("code") in categories for cc in concepts for c in _codings(cc))


def _lookup(resource: Json, path: str) -> object:
    value: object = resource
    for name in path.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def known_at(resource: Json) -> str | None:
    """The written date(time) the resource was known at, or None when it carries none. A booking's date
    is its appointment's, after the booking by nature: it was known when last written (``meta.lastUpdated``),
    else when is not said (the hooks read a booked visit or injection as candidacy, R23)."""
    kind = str(resource.get("resourceType"))
    if kind in _BOOKED and resource.get("status") == _BOOKED[kind]:
        updated = _lookup(resource, "meta.lastUpdated")
        return updated if isinstance(updated, str) and len(updated) >= 4 else None
    for path in KNOWN_AT.get(kind, ()):
        value = _lookup(resource, path)
        if isinstance(value, str) and len(value) >= 4 and not _reversed(resource, path):
            return value
    return None


def _reversed(resource: Json, path: str) -> bool:
    """A period's start is no date when its end is certainly before it: the hooks read such a period as
    undated (``app.fhir.datatypes.period_start``), so the replay must not date the resource by it."""
    if not path.endswith(".start"):
        return False
    period = _lookup(resource, path.removesuffix(".start"))
    return isinstance(period, dict) and period.get("end") is not None and period_start(period) is None


def visible_at(resource: Json, order_at: str, made_at: Mapping[str, str] | None = None) -> bool:
    """Would the hook, called when the order was written at ``order_at``, have seen ``resource``?
    ``made_at`` (``diagnosis_visits``) dates a Condition that carries no date of its own."""
    when = known_at(resource)
    if when is None and made_at and resource.get("resourceType") == "Condition":
        when = made_at.get(str(resource.get("id")))
    if when is None:
        return True
    instants = _moment(when), _moment(order_at)
    if instants[0] is not None and instants[1] is not None:  # by the clock, whatever the offsets written
        return instants[0] < instants[1]
    day, order_day = when[:10], order_at[:10]
    if day != order_day:
        return day < order_day
    if len(when) > 10 and len(order_at) > 10:  # a time without a zone: compared as written
        return when < order_at
    return resource.get("resourceType") in _SAME_DAY_COUNTS


def diagnosis_visits(resources: Sequence[Json]) -> dict[str, str]:
    """Condition id → the start of the earliest Encounter that carries it (``Encounter.diagnosis``, or the
    Condition's own ``encounter``): when a diagnosis written with no date of its own was made. The hooks
    bound such an onset by that visit too; a diagnosis of a visit after the order was not known then."""
    visits = [r for r in resources if r.get("resourceType") == "Encounter"]
    starts = {str(v.get("id")): start for v in visits if isinstance(start := _lookup(v, "period.start"), str)}
    carried: list[tuple[str | None, object]] = [(str(v.get("id")), _lookup(d, "condition.reference"))
                                                for v in visits for d in _array(v.get("diagnosis"))]
    carried += [(_target_id(_lookup(c, "encounter.reference"), "Encounter"), f"Condition/{c.get('id')}")
                for c in resources if c.get("resourceType") == "Condition"]
    found: dict[str, str] = {}
    for visit, condition in carried:
        target = _target_id(condition, "Condition")
        start = starts.get(visit or "")
        if target and start and (target not in found or start < found[target]):
            found[target] = start
    return found


def _array(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _target_id(reference: object, kind: str) -> str | None:
    """The id a reference to a ``kind`` names: relative, absolute, versioned, ``patient/1``
    (``reference_target``, as the hooks read it), or ``urn:uuid:<id>``. NDJSON has no ``fullUrl`` to
    resolve a ``urn:uuid`` with; exports converted from transaction Bundles (Synthea, bulk-data tools)
    give each resource the uuid of its ``fullUrl`` as its id, so the uuid is the id of the line it names."""
    if not isinstance(reference, str):
        return None
    text = reference.strip()
    if text.lower().startswith(_URN_UUID):
        return text[len(_URN_UUID):] or None
    target = reference_target(text)
    return target[1] if target is not None and target[0].lower() == kind.lower() else None


def versions_as_of(resources: Iterable[Json], order_at: str) -> list[Json]:
    """Of several versions of one resource (an export that holds its history), those updated after the
    order are left out while an earlier one remains: the hook read the version that stood then. A lone
    version, or versions all updated since, stay (the newest is read: the data compromise)."""
    kept: list[Json] = []
    versions: dict[tuple[str, str], list[Json]] = {}
    for resource in resources:
        own = resource.get("id")
        if isinstance(own, str) and own:
            versions.setdefault((str(resource.get("resourceType")), own), []).append(resource)
        else:
            kept.append(resource)
    for found in versions.values():
        earlier = [v for v in found if not _updated_after(v, order_at)] if len(found) > 1 else found
        kept.extend(earlier or found)
    return kept


def _updated_after(resource: Json, order_at: str) -> bool:
    """``meta.lastUpdated`` later than the order: by the instant when both carry a time and zone, else by
    the day (a version of the order's own day stands)."""
    updated = _lookup(resource, "meta.lastUpdated")
    if not isinstance(updated, str) or len(updated) < 10:
        return False
    moments = _moment(updated), _moment(order_at)
    if moments[0] is not None and moments[1] is not None:
        return moments[0] > moments[1]
    return updated[:10] > order_at[:10]


# A leap second ("23:59:60Z", which R4's instant allows): Python's datetime has none, so it is read as
# the second before — else the moment would be compared as text, and "10:59:60+02:00" (08:59:60 UTC) came
# after an order of "10:00:00+01:00" (09:00 UTC).
_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}:)60")


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(_LEAP_SECOND.sub(r"\g<1>59", text.replace("Z", "+00:00"), count=1))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and len(text) > 10 else None


def patient_of(resource: Json) -> str | None:
    """The id of the patient a resource belongs to (``subject`` or ``patient``; a Patient is its own)."""
    if resource.get("resourceType") == "Patient":
        own = resource.get("id")
        return own if isinstance(own, str) and own else None
    for name in ("subject", "patient"):
        reference = _lookup(resource, name + ".reference")
        target = _target_id(reference, "Patient")
        if target is not None:
            return target
    return None
