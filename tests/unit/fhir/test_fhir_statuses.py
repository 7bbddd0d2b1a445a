"""Statuses as older FHIR versions and hand-rolled feeds write them (``app.fhir.statuses``; PATHWAY.md §2:
what is void never counts). Each row was read as its opposite before the eighth pass."""

from __future__ import annotations

from typing import Any

import pytest

from app.fhir.parse import parse_resource

HL7_VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
DRUG = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "8640"}]}


def parsed(resource: dict[str, Any]) -> Any:
    return parse_resource({"id": "x1", **resource})


@pytest.mark.parametrize(
    ("resource", "status"),
    [
        # STU3 MedicationStatement.taken, DSTU2 wasNotTaken: R4's not-taken
        (
            {
                "resourceType": "MedicationStatement",
                "status": "completed",
                "taken": "n",
                "medicationCodeableConcept": DRUG,
            },
            "not-taken",
        ),
        (
            {
                "resourceType": "MedicationStatement",
                "status": "completed",
                "wasNotTaken": True,
                "medicationCodeableConcept": DRUG,
            },
            "not-taken",
        ),
        (
            {
                "resourceType": "MedicationStatement",
                "status": "completed",
                "taken": "y",
                "medicationCodeableConcept": DRUG,
            },
            "completed",
        ),
        # STU3 Procedure.notDone, DSTU2 notPerformed: R4's not-done
        ({"resourceType": "Procedure", "status": "completed", "notDone": True}, "not-done"),
        ({"resourceType": "Procedure", "status": "completed", "notPerformed": True}, "not-done"),
        ({"resourceType": "Procedure", "status": "completed", "notDone": False}, "completed"),
        # a code in another case, or padded
        ({"resourceType": "Observation", "status": "Entered-in-error"}, "entered-in-error"),
        ({"resourceType": "DiagnosticReport", "status": " FINAL"}, "final"),
        ({"resourceType": "Encounter", "status": "Cancelled"}, "cancelled"),
        ({"resourceType": "ImagingStudy", "status": "CANCELLED"}, "cancelled"),
        ({"resourceType": "ServiceRequest", "status": "Revoked"}, "revoked"),
        (
            {
                "resourceType": "MedicationRequest",
                "status": "Entered-In-Error",
                "medicationCodeableConcept": DRUG,
            },
            "entered-in-error",
        ),
        # STU3 MedicationRequest may have no status: read as none, as before
        ({"resourceType": "MedicationRequest", "medicationCodeableConcept": DRUG}, None),
    ],
)
def test_a_status_written_the_old_way_is_read_as_r4_writes_it(
    resource: dict[str, Any], status: str | None
) -> None:
    assert parsed(resource).status == status


@pytest.mark.parametrize(
    ("verification", "read"),
    [
        ("refuted", "refuted"),  # STU3: a bare code
        ("Entered-in-error", "entered-in-error"),
        (
            {
                "coding": [
                    {"system": "urn:oid:1.2.840.114350.1", "code": "R"},
                    {"system": HL7_VER, "code": "refuted"},
                ]
            },
            "refuted",
        ),  # a local coding first: HL7's own code decides
        ({"coding": [{"system": HL7_VER, "code": "Refuted"}]}, "refuted"),
        # eleventh pass: HL7's own code without its system, or as the whole text, is that code (before: not
        # read, and a refuted cauda equina raised a critical card); any other text or local code is not read
        ({"coding": [{"code": "refuted"}]}, "refuted"),
        ({"text": "Refuted"}, "refuted"),
        ({"text": " Entered in Error "}, "entered-in-error"),
        ({"coding": [{"code": "entered_in_error"}]}, "entered-in-error"),
        ({"text": "Not refuted"}, None),
        ({"coding": [{"code": "R"}], "text": "Ruled out"}, None),
    ],
)
def test_a_conditions_verification_status_is_read_by_hl7s_code_in_any_case(
    verification: Any, read: str | None
) -> None:
    condition = parsed(
        {
            "resourceType": "Condition",
            "verificationStatus": verification,
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4"}]},
        }
    )
    assert condition.verification_status == read
