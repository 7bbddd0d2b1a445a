"""A red flag another record names by reference — a visit's diagnosis (``Encounter.diagnosis``), the
``reasonReference`` of a visit, a procedure, a prescription or an earlier order — counts as that record's
reasonCode would (PATHWAY.md §2 v2 "wherever the chart holds it", invariant 6; docs/pathway-facts.md "Tenth
pass: where red flags are recorded"): dated by the record, kept for its class's window. An export that names
the diagnosis only by the reference's ``display`` ("Urinary retention") is read by those words."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.terminology import ICD10CM, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def abscess_resolved_in_december(**fields: Any) -> dict[str, Any]:
    """A spinal epidural abscess (G06.1) resolved on 2025-12-01: alone, outside the 30-day window of §2."""
    return {"resourceType": "Condition", "id": "abscess", "code": coded(ICD10CM, "G06.1"),
            "clinicalStatus": coded(CLINICAL, "resolved"), "onsetDateTime": "2025-11-01",
            "abatementDateTime": "2025-12-01", **fields}


def naming(place: str, reference: dict[str, Any], on: str = "2026-03-05",
           status: str | None = None) -> dict[str, Any]:
    """``place``'s record, dated ``on``, naming ``reference`` as its reason (or diagnosis)."""
    records: dict[str, dict[str, Any]] = {
        "visit diagnosis": {"resourceType": "Encounter", "status": "finished", "period": {"start": on},
                            "diagnosis": [{"condition": reference, "rank": 1}]},
        "visit reason": {"resourceType": "Encounter", "status": "finished", "period": {"start": on},
                         "reasonReference": [reference]},
        "procedure": {"resourceType": "Procedure", "status": "completed", "performedDateTime": on,
                      "code": {"text": "Incision and drainage"}, "reasonReference": [reference]},
        "prescription": {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
                         "authoredOn": on, "medicationCodeableConcept": {"text": "vancomycin IV"},
                         "reasonReference": [reference]},
        "earlier order": {"resourceType": "ServiceRequest", "status": "completed", "intent": "order",
                          "authoredOn": on, "code": {"text": "Referral to neurosurgery"},
                          "reasonReference": [reference]},
    }
    record = {**records[place], "id": "r1"}
    return {**record, "status": status} if status else record


PLACES = ("visit diagnosis", "visit reason", "procedure", "prescription", "earlier order")


def test_a_resolved_abscess_alone_is_outside_the_window() -> None:
    """The control: the Condition by itself no longer counts (§2: resolved more than 30 days ago)."""
    assert "R7" not in decide(abscess_resolved_in_december()).rules


@pytest.mark.parametrize("place", PLACES)
def test_a_record_of_last_week_naming_the_abscess_is_an_infection_red_flag(place: str) -> None:
    decision = decide(abscess_resolved_in_december(), naming(place, {"reference": "Condition/abscess"}))

    assert "R7" in decision.rules and "R1" not in decision.rules
    shown = {e.reference for found in decision.facts.red_flags.values() for e in found}
    assert any(reference is not None and reference.endswith("/r1") for reference in shown)


@pytest.mark.parametrize("place", PLACES)
def test_an_absolute_or_versioned_reference_names_the_condition(place: str) -> None:
    reference = {"reference": "https://ehr.example.org/fhir/Condition/abscess/_history/3"}

    assert "R7" in decide(abscess_resolved_in_december(), naming(place, reference)).rules


@pytest.mark.parametrize("place", PLACES)
def test_a_refuted_condition_named_by_a_record_is_no_reason(place: str) -> None:
    refuted = abscess_resolved_in_december(verificationStatus=coded(VERIFICATION, "refuted"))

    assert "R7" not in decide(refuted, naming(place, {"reference": "Condition/abscess"})).rules


@pytest.mark.parametrize("place", PLACES)
def test_a_record_entered_in_error_names_nothing(place: str) -> None:
    record = naming(place, {"reference": "Condition/abscess"}, status="entered-in-error")

    assert "R7" not in decide(abscess_resolved_in_december(), record).rules


@pytest.mark.parametrize("place", PLACES)
def test_a_record_dated_after_the_order_is_ignored(place: str) -> None:
    record = naming(place, {"reference": "Condition/abscess"}, on="2026-03-13")

    assert "R7" not in decide(abscess_resolved_in_december(), record).rules


@pytest.mark.parametrize("place", PLACES)
def test_a_retention_named_only_by_the_references_display_is_a_cauda_equina_sign(place: str) -> None:
    """The Condition is not sent (another search, another page): the reference's words still say it."""
    record = naming(place, {"reference": "Condition/not-sent", "display": "Urinary retention"},
                    on="2026-03-09")

    assert "R5" in decide(record).rules


def test_a_references_display_that_negates_raises_nothing() -> None:
    record = naming("visit diagnosis", {"display": "Urinary retention ruled out"}, on="2026-03-09")

    assert "R1" in decide(record).rules


def test_a_visit_diagnosis_of_a_cauda_equina_sign_dates_it_by_the_visit() -> None:
    """An ED visit two days ago carried a retention recorded in January and marked resolved then: the visit
    says it is back (a CES sign dated by the visit, as its reasonCode would be)."""
    retention = {"resourceType": "Condition", "id": "ret", "code": coded(SNOMED, "267064002"),
                 "clinicalStatus": coded(CLINICAL, "resolved"), "onsetDateTime": "2026-01-02",
                 "abatementDateTime": "2026-01-05"}

    assert "R5" not in decide(retention).rules
    assert "R5" in decide(retention, naming("visit diagnosis", {"reference": "Condition/ret"},
                                            on="2026-03-09")).rules


@pytest.mark.parametrize(("code", "onset"), [
    ("R32", "2020-05-01"),  # unspecified incontinence since 2020: ces_if_new, begun before the episode
    ("R33.9", "2024-01-10"),  # retention since 2024: a CES sign only when new (180 days)
])
def test_a_chronic_sign_an_epic_visit_carries_among_its_diagnoses_is_not_new(code: str, onset: str) -> None:
    """Epic lists the problems a visit addressed as its diagnoses: a chronic incontinence carried by last
    week's visit began in 2020, as its own onset says; the visit shows it is current, not that it is new."""
    chronic = {"resourceType": "Condition", "id": "chronic", "code": coded(ICD10CM, code),
               "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": onset}

    decision = decide(chronic, naming("visit diagnosis", {"reference": "Condition/chronic"}, on="2026-03-04"))

    assert "R5" not in decision.rules and "R1" in decision.rules


def test_an_undated_sign_named_by_a_visit_is_dated_by_the_visit() -> None:
    retention = {"resourceType": "Condition", "id": "ret", "code": coded(ICD10CM, "R33.9")}

    decision = decide(retention, naming("visit diagnosis", {"reference": "Condition/ret"}, on="2026-03-09"))

    assert "R5" in decision.rules
