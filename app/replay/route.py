"""The first step of both engines: one NDJSON line → (patient id, line), or the reason it is left out.

Parsing is the cost of a replay, so a line of a type the hooks never read is dropped before it is parsed,
and an Observation line whose text holds none of the template's codes too (a substring test; the parsed
code is checked after). A line that is not a JSON object is skipped and counted, never fatal. A
Medication names no patient: its line is keyed ``Medication/<id>`` and joins, in each engine, the charts
whose prescriptions reference it (``included_keys``), as a search's included entry reached the hook.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import orjson

from app.fhir.parse import medication_key
from app.replay.asof import HOOK_TYPES, INCLUDED, TEMPLATE_KEYS, patient_of, prefetch_key

KEPT = "kept"
INCLUDED_LINE = "included"
MALFORMED = "malformed"
NOT_READ = "not read by the hooks"
NO_PATIENT = "no patient reference"


def _code_hints(kind: str) -> tuple[bytes, ...] | None:
    """Bytes one of which a line must hold to be read: only for a type every template of which filters
    by code alone (a category or an unfiltered search could take any line)."""
    filters = [found for found in TEMPLATE_KEYS.values() if found.resource_type == kind]
    if any(found.codes is None or found.categories is not None for found in filters):
        return None
    return tuple(f'"{code}"'.encode() for found in filters for _, code in found.codes or ())


_CODE_HINTS = {kind: hints for kind in HOOK_TYPES if (hints := _code_hints(kind)) is not None}


def route(line: bytes, resource_type: str) -> tuple[str, str | None]:
    """(outcome, patient id); ``resource_type`` is the file's, used only to skip lines unparsed."""
    hints = _CODE_HINTS.get(resource_type)
    if hints is not None and not any(hint in line for hint in hints):
        return NOT_READ, None
    try:
        resource: Any = orjson.loads(line)
    except orjson.JSONDecodeError:
        return MALFORMED, None
    if not isinstance(resource, dict):
        return MALFORMED, None
    return _classify(resource)


def _classify(resource: Mapping[str, Any]) -> tuple[str, str | None]:
    """(KEPT, patient id); (INCLUDED_LINE, ``Medication/<id>``) for a resource the charts reference."""
    kind, own = resource.get("resourceType"), resource.get("id")
    if kind in INCLUDED:
        named = isinstance(own, str) and own.strip() and "\t" not in own
        return (INCLUDED_LINE, medication_key(f"{kind}/{own}")) if named else (NOT_READ, None)
    if prefetch_key(resource) is None:
        return NOT_READ, None
    patient = patient_of(resource)
    if patient is None or "\t" in patient:
        return NO_PATIENT, None
    return KEPT, patient


def included_keys(line: bytes) -> list[str]:
    """The included resources a kept line names (a prescription's external ``medicationReference``:
    ``Medication/<id>``, relative or absolute), the keys ``route`` gave their lines; most lines hold none
    and are not parsed again."""
    if b'"medicationReference"' not in line:
        return []
    reference = orjson.loads(line).get("medicationReference")
    key = medication_key(reference.get("reference")) if isinstance(reference, dict) else ""
    return [key] if key else []


def parse_lines(lines: list[bytes], counts: Counter[str]) -> list[dict[str, Any]]:
    """A patient's kept lines as resources (they parsed once already, so this does not fail)."""
    resources = []
    for line in lines:
        value = orjson.loads(line)
        if isinstance(value, dict):
            resources.append(value)
        else:
            counts[MALFORMED] += 1
    return resources
