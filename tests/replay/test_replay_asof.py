"""What the hook would have seen when an order was written (app/replay/asof.py), case by case."""

from __future__ import annotations

from typing import Any

import pytest

from app.replay.asof import patient_of, prefetch_key, visible_at

ORDER_AT = "2025-06-02T10:00:00+01:00"
LOINC = "http://loinc.org"


@pytest.mark.parametrize(("resource", "seen"), [
    ({"resourceType": "Condition", "recordedDate": "2025-06-01"}, True),
    ({"resourceType": "Condition", "recordedDate": "2025-06-03"}, False),
    ({"resourceType": "Condition", "onsetDateTime": "2025-05-01"}, True),       # no recordedDate: onset
    ({"resourceType": "Condition", "recordedDate": "2025-06-02"}, True),        # same day, a diagnosis
    ({"resourceType": "ImagingStudy", "started": "2025-06-02"}, False),         # same day: maybe its result
    ({"resourceType": "ImagingStudy", "started": "2025-06-02T09:00:00+01:00"}, True),   # written earlier
    ({"resourceType": "Procedure", "performedDateTime": "2025-06-02"}, False),
    ({"resourceType": "Observation", "effectiveDateTime": "2025-06-02T11:00:00+01:00"}, False),  # after
    ({"resourceType": "Observation", "issued": "2025-05-30T08:00:00Z"}, True),  # no effective: issued
    ({"resourceType": "MedicationRequest"}, True),                               # undated: always counts
    ({"resourceType": "Patient", "id": "p"}, True),
])
def test_a_resource_is_seen_if_known_by_the_time_of_the_order(resource: dict[str, Any], seen: bool) -> None:
    assert visible_at(resource, ORDER_AT) is seen


@pytest.mark.parametrize(("resource", "key"), [
    ({"resourceType": "Observation", "code": {"coding": [{"system": LOINC, "code": "8310-5"}]}},
     "observations"),
    ({"resourceType": "Observation", "code": {"coding": [{"system": LOINC, "code": "29463-7"}]}}, None),
    # The search names its codes bare (an OID-coded LOINC is fetched): any system arrives, the pathway sorts.
    ({"resourceType": "Observation", "code": {"coding": [{"system": "urn:other", "code": "8310-5"}]}},
     "observations"),
    ({"resourceType": "Observation", "code": {"coding": [{"system": "urn:other", "code": "8310-6"}]}}, None),
    ({"resourceType": "Condition"}, "conditions"),
    ({"resourceType": "MedicationRequest"}, "medications"),
    ({"resourceType": "Claim"}, None),
    ({"resourceType": "DiagnosticReport"}, None),  # its template asks for spine imaging codes only
    ({"resourceType": "DiagnosticReport", "code": {"coding": [{"system": LOINC, "code": "30679-5"}]}},
     "diagnosticreports"),
    ({"resourceType": "Observation", "code": {"coding": [{"system": "urn:local", "code": "mmt-1"}]},
      "category": [{"coding": [{"code": "exam"}]}]}, "findings"),   # any code, by its category
    ({"resourceType": "Observation", "code": {"coding": [{"system": "urn:local", "code": "mmt-1"}]},
      "category": [{"coding": [{"code": "vital-signs"}]}]}, None),
    ({"resourceType": "Encounter"}, "encounters"),
    ({"resourceType": "MedicationStatement"}, "medicationstatements"),
])
def test_only_what_the_prefetch_templates_ask_for_is_kept(resource: dict[str, Any], key: str | None) -> None:
    assert prefetch_key(resource) == key


@pytest.mark.parametrize(("resource", "patient"), [
    ({"resourceType": "Patient", "id": "p1"}, "p1"),
    ({"resourceType": "Condition", "subject": {"reference": "Patient/p2"}}, "p2"),
    ({"resourceType": "Condition", "subject": {"reference": "https://ehr.example/fhir/Patient/p3"}}, "p3"),
    ({"resourceType": "ImagingStudy", "subject": {"reference": "Patient/p4/_history/2"}}, "p4"),
    ({"resourceType": "Condition", "subject": {"reference": "Group/g"}}, None),
    ({"resourceType": "Condition"}, None),
])
def test_each_resource_is_grouped_under_its_patient(resource: dict[str, Any], patient: str | None) -> None:
    assert patient_of(resource) == patient
