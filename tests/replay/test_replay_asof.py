"""What the hook would have seen when an order was written (app/replay/asof.py), case by case."""

from __future__ import annotations

from typing import Any

import pytest

from app.replay.asof import diagnosis_visits, patient_of, prefetch_key, versions_as_of, visible_at
from app.replay.route import included_keys, route

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
    ({"resourceType": "Observation", "effectiveDateTime": "2025-06-02T09:30:00Z"}, False),  # 10:30+01:00
    ({"resourceType": "Observation", "effectiveDateTime": "2025-06-02T10:30:00+02:00"}, True),  # 09:30+01
    ({"resourceType": "Observation", "effectiveDateTime": "2025-06-02T09:30:00"}, True),  # no zone: as text
    ({"resourceType": "MedicationRequest"}, True),                               # undated: always counts
    ({"resourceType": "Encounter", "status": "planned", "period": {"start": "2025-06-09"}}, True),  # booked
    ({"resourceType": "Procedure", "status": "preparation", "performedDateTime": "2025-06-09",
      "meta": {"lastUpdated": "2025-06-03T08:00:00Z"}}, False),                # booked after the order
    ({"resourceType": "Procedure", "status": "completed", "performedDateTime": "2025-06-09"}, False),
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
    ({"resourceType": "Medication", "id": "m"}, "medications"),  # included beside the prescriptions
])
def test_only_what_the_prefetch_templates_ask_for_is_kept(resource: dict[str, Any], key: str | None) -> None:
    assert prefetch_key(resource) == key


@pytest.mark.parametrize(("resource", "patient"), [
    ({"resourceType": "Patient", "id": "p1"}, "p1"),
    ({"resourceType": "Condition", "subject": {"reference": "Patient/p2"}}, "p2"),
    ({"resourceType": "Condition", "subject": {"reference": "https://ehr.example/fhir/Patient/p3"}}, "p3"),
    ({"resourceType": "ImagingStudy", "subject": {"reference": "Patient/p4/_history/2"}}, "p4"),
    ({"resourceType": "Condition", "subject": {"reference": "urn:uuid:6f1c-p5"}}, "6f1c-p5"),
    ({"resourceType": "Condition", "subject": {"reference": "patient/p6"}}, "p6"),
    ({"resourceType": "Condition", "subject": {"reference": "urn:uuid:"}}, None),
    ({"resourceType": "Condition", "subject": {"reference": "Group/g"}}, None),
    ({"resourceType": "Condition"}, None),
])
def test_each_resource_is_grouped_under_its_patient(resource: dict[str, Any], patient: str | None) -> None:
    assert patient_of(resource) == patient


def _version(number: str, updated: str | None) -> dict[str, Any]:
    meta = {"versionId": number, **({"lastUpdated": updated} if updated else {})}
    return {"resourceType": "Condition", "id": "c", "meta": meta}


@pytest.mark.parametrize(("versions", "kept"), [
    ([("1", "2025-05-30T09:00:00Z"), ("2", "2025-08-01T09:00:00Z")], ["1"]),    # edited since: the old one
    ([("1", "2025-06-02T08:30:00Z"), ("2", "2025-06-02T09:30:00Z")], ["1"]),    # 09:30Z is 10:30+01:00
    ([("1", "2025-06-02T08:30:00Z"), ("2", "2025-06-02T08:45:00Z")], ["1", "2"]),  # both before: the hook
    ([("1", "2025-07-01T09:00:00Z"), ("2", "2025-08-01T09:00:00Z")], ["1", "2"]),  # all since: today's
    ([("2", "2025-08-01T09:00:00Z")], ["2"]),                                   # one version: today's
    ([("1", None), ("2", "2025-08-01T09:00:00Z")], ["1"]),                      # undated: not after
    ([("1", "2025-05-30"), ("2", "2025-06-02")], ["1", "2"]),                   # same day, no time: stands
])
def test_of_several_versions_those_updated_after_the_order_are_left_out_while_one_remains(
    versions: list[tuple[str, str | None]], kept: list[str]
) -> None:
    found = versions_as_of([_version(number, updated) for number, updated in versions], ORDER_AT)
    assert [v["meta"]["versionId"] for v in found] == kept


def test_an_undated_diagnosis_is_dated_by_the_first_visit_that_carries_it() -> None:
    def visit(own: str, start: str, *diagnoses: str) -> dict[str, Any]:
        return {"resourceType": "Encounter", "id": own, "period": {"start": start},
                "diagnosis": [{"condition": {"reference": d}} for d in diagnoses]}

    resources = [visit("e1", "2025-06-20", "Condition/a", "urn:uuid:b"),
                 visit("e2", "2025-06-10", "Condition/a"),
                 {"resourceType": "Condition", "id": "c", "encounter": {"reference": "Encounter/e2"}},
                 {"resourceType": "Condition", "id": "d"}]
    made = diagnosis_visits(resources)
    assert made == {"a": "2025-06-10", "b": "2025-06-20", "c": "2025-06-10"}
    assert not visible_at({"resourceType": "Condition", "id": "a"}, ORDER_AT, made)
    assert visible_at({"resourceType": "Condition", "id": "d"}, ORDER_AT, made)  # no date anywhere: counts
    assert visible_at({"resourceType": "Condition", "id": "a", "recordedDate": "2025-05-01"}, ORDER_AT, made)


@pytest.mark.parametrize(("line", "routed", "named"), [
    (b'{"resourceType": "Medication", "id": "nap-1", "code": {}}', ("included", "Medication/nap-1"), []),
    (b'{"resourceType": "Medication", "code": {}}', ("not read by the hooks", None), []),  # no id: unnamed
    (b'{"resourceType": "MedicationRequest", "subject": {"reference": "Patient/p"}, "medicationReference":'
     b' {"reference": "https://ehr.example/fhir/Medication/nap-1"}}', ("kept", "p"), ["Medication/nap-1"]),
    (b'{"resourceType": "MedicationRequest", "subject": {"reference": "Patient/p"}, "medicationReference":'
     b' {"reference": "#contained"}}', ("kept", "p"), []),
])
def test_a_medication_is_keyed_by_its_id_and_joins_the_prescriptions_that_name_it(
    line: bytes, routed: tuple[str, str | None], named: list[str]
) -> None:
    assert route(line, "Medication") == routed
    assert included_keys(line) == named
