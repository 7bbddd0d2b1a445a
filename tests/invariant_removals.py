"""Taking dates and statuses away from red-flag resources (PATHWAY.md §4 invariant 6), for
tests/api/test_invariants_metamorphic.py and the SEKMET half in tests/integration.

``removals`` yields every resource that has one date element, one end of a period, one status element,
every date, or every date and status less than the one given. ``varied`` writes a generated finding in its
other recorded shapes (resolved five days ago, an open onset period, provisional, a preliminary result …)
so that there is more to take away than ``invariant_charts.recorded``'s plain shape holds.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from typing import Any

from invariant_charts import MEASURED, RED_FLAG_VALUE_SETS, Chart, Resource

from app.terminology import ValueSets, load_value_sets
from app.terminology.coding import Coding

DATE_ELEMENTS = ("onset", "abatement", "recordedDate", "effective", "issued", "authoredOn", "performed",
                 "period", "occurrence", "started", "dateAsserted", "assertedDate")
STATUS_ELEMENTS = ("clinicalStatus", "verificationStatus", "status")
# What makes a resource a red-flag resource: a red-flag finding, a measured value a flag is read from
# (temperature, ESR, CRP, a blood culture, staging), or a fact an infection or cancer flag is built from.
_FLAG_SOURCES = (*RED_FLAG_VALUE_SETS, *MEASURED, "spinal_procedure", "vascular_access_procedure",
                 "urinary_catheterisation", "antineoplastic", "cancer_treatment_procedure",
                 "epidural_injection", "systemic_steroid")
_STRENGTH_WORDS = ("strength", "power", "muscle", "mmt", "mrc")


@cache
def _value_sets() -> ValueSets:
    return load_value_sets()


def _codings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if isinstance(value.get("code"), str) and isinstance(value.get("system"), str):
            yield value
        for item in value.values():
            yield from _codings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _codings(item)


def is_red_flag_resource(resource: Resource) -> bool:
    vs = _value_sets()
    for coding in _codings(resource):
        key = Coding(coding["system"], coding["code"])
        if any(vs.contains(name, key) for name in _FLAG_SOURCES):
            return True
    words = json.dumps(resource.get("code", {})).lower()
    return resource.get("resourceType") == "Observation" and any(w in words for w in _STRENGTH_WORDS)


def red_flag_resources(chart: Chart) -> list[int]:
    """Indexes of ``chart``'s red-flag resources."""
    return [i for i, resource in enumerate(chart.resources) if is_red_flag_resource(resource)]


def _is_date(name: str) -> bool:
    return name.startswith(DATE_ELEMENTS)


def _ended(resource: Resource) -> bool:
    status = resource.get("clinicalStatus", {}).get("coding", [{}])[0].get("code")
    return status in ("resolved", "inactive", "remission")


def removals(resource: Resource) -> Iterator[tuple[str, Resource]]:
    """(what was taken away, ``resource`` without it), one element at a time, then all dates, then all.

    One removal is not made: the whole abatement of a Condition that says it ended. PATHWAY.md §2 dates
    such a finding by its abatement, *else its onset*: without the element, an onset of years ago rightly
    ends it (docs/pathway-facts.md "Resolved red flags: which date decides, and invariant 6"; pinned by
    tests/unit/pathway/test_flags_reading.py). Taking the date off a period's ends keeps the abatement
    recorded and is made; so is taking every date, which leaves the finding undated (it counts)."""
    for name, value in resource.items():
        if name.startswith("abatement") and _ended(resource):
            pass
        elif _is_date(name) or name in STATUS_ELEMENTS:
            yield name, {key: item for key, item in resource.items() if key != name}
        if _is_date(name) and isinstance(value, dict):
            for end in ("start", "end"):
                if end in value and len(value) > 1:
                    yield f"{name}.{end}", {**resource, name: {k: v for k, v in value.items() if k != end}}
    undated = {key: item for key, item in resource.items() if not _is_date(key)}
    yield "every date", undated
    yield "every date and status", {key: item for key, item in undated.items() if key not in STATUS_ELEMENTS}


def varied(resource: Resource, on: date, shape: int) -> Resource:
    """``resource`` (as ``invariant_charts.recorded`` writes it) in recorded shape ``shape`` (0-4); 0 is
    the plain shape. Every shape still records the finding as current for the order of ``on``."""
    changed = copy.deepcopy(resource)
    day = lambda n: (on - timedelta(days=n)).isoformat()  # noqa: E731
    kind = changed["resourceType"]
    if kind == "Condition" and shape:
        _condition_shape(changed, shape, day)
    elif kind == "Observation" and shape:
        _observation_shape(changed, shape, day)
    elif kind == "Encounter" and shape:
        changed["status"] = ("in-progress", "finished", "arrived", "triaged")[shape % 4]
        changed["period"] = {"start": day(3)}
    elif kind == "Procedure" and shape:
        del changed["performedDateTime"]
        changed["performedPeriod"] = {"start": day(4), "end": day(3)}
    elif kind == "MedicationRequest" and shape:
        changed["status"] = ("active", "completed", "on-hold", "stopped")[shape % 4]
    elif kind == "ServiceRequest" and shape:
        changed["occurrenceDateTime"] = day(1)
    return changed


def _condition_shape(condition: Resource, shape: int, day: Any) -> None:
    status = condition["clinicalStatus"]["coding"][0]
    if shape == 1:  # resolved five days ago, begun long before
        status["code"] = "resolved"
        condition.update(onsetDateTime=day(400), recordedDate=day(400), abatementDateTime=day(5))
    elif shape == 2:  # inactive: onset and abatement as periods
        status["code"] = "inactive"
        del condition["onsetDateTime"]
        condition.update(onsetPeriod={"start": day(300), "end": day(3)}, abatementPeriod={"start": day(3),
                                                                                        "end": day(2)})
    elif shape == 3:  # suspected, charted in UTC on the order's eve
        condition["verificationStatus"]["coding"][0]["code"] = "provisional"
        condition["onsetDateTime"] = day(1) + "T23:30:00Z"
    else:  # in remission, its end written as text
        status["code"] = "remission"
        condition.update(onsetDateTime=day(900), abatementString=day(4))


def _observation_shape(observation: Resource, shape: int, day: Any) -> None:
    if shape == 1:
        del observation["effectiveDateTime"]
        observation.update(effectivePeriod={"start": day(3), "end": day(2)}, issued=day(2) + "T10:00:00Z")
    elif shape == 2:
        del observation["effectiveDateTime"]
        observation.update(status="preliminary", effectiveInstant=day(1) + "T08:00:00Z")
    elif shape == 3:
        observation["status"] = "amended"
    else:
        observation.update(status="corrected", issued=day(1) + "T09:00:00Z")
