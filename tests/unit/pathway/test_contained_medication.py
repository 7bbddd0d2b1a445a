"""A MedicationRequest whose drug is a contained Medication (``medicationReference: "#med"``), as some EHRs
export it, is read by that Medication's code (PATHWAY.md §2 conservative care, §3 long-term steroids)."""

from __future__ import annotations

import pytest
from raw_decision import coded, decide

from app.chart.model import ChartCategory
from app.pathway.model import RedFlag, Topic


@pytest.mark.parametrize("display", ["prednisone 20 MG Oral Tablet", None])
def test_a_drug_named_only_in_a_contained_medication_is_read(display: str | None) -> None:
    """Epic-style MedicationRequest: medicationReference "#med" to a contained Medication with the RxNorm
    code. 120 days of prednisone are long-term steroids: an infection (and fracture) risk (§3)."""
    reference = {"reference": "#med", **({"display": display} if display else {})}
    prescription = {
        "resourceType": "MedicationRequest", "id": "rx", "status": "active", "intent": "order",
        "authoredOn": "2025-10-01", "medicationReference": reference,
        "contained": [{"resourceType": "Medication", "id": "med",
                       "code": coded("http://www.nlm.nih.gov/research/umls/rxnorm", "8640")}],
        "dispenseRequest": {"expectedSupplyDuration": {"value": 120, "unit": "days", "code": "d",
                                                       "system": "http://unitsofmeasure.org"}},
    }

    decision = decide(prescription)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert "R1" not in decision.rules


PREDNISONE = {"resourceType": "Medication", "id": "m1",
              "code": coded("http://www.nlm.nih.gov/research/umls/rxnorm", "8640")}


def prescription_of(reference: str, **fields: object) -> dict[str, object]:
    """120 days of a drug named only by an external Medication reference, with no display."""
    return {"resourceType": "MedicationRequest", "id": "rx", "status": "active", "intent": "order",
            "authoredOn": "2025-10-01", "medicationReference": {"reference": reference},
            "dispenseRequest": {"expectedSupplyDuration": {"value": 120, "unit": "days", "code": "d"}},
            **fields}


@pytest.mark.parametrize("reference", [
    "Medication/m1",
    "https://ehr.example.org/fhir/Medication/m1",
    "Medication/m1/_history/3",
])
def test_a_drug_named_by_an_external_medication_the_chart_holds_is_read(reference: str) -> None:
    """US Core: a MedicationRequest may reference an external Medication (sent beside it as an included
    search entry). Its code is the drug: 120 days of prednisone are long-term steroids (§3)."""
    decision = decide(prescription_of(reference), PREDNISONE)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert "R1" not in decision.rules


def test_a_drug_named_by_an_external_medication_the_chart_lacks_is_not_read_as_no_drug() -> None:
    """The Medication was not sent and the reference has no display: the drug may be a steroid, so the
    medications could not be checked — no defer stands on "no red flags" (rating none, "could not
    check" card), never a silent R1."""
    decision = decide(prescription_of("Medication/m1"))

    assert ChartCategory.MEDICATIONS in decision.facts.unavailable
    assert decision.rating is None
    assert Topic.DEFER_IMAGING not in {advice.topic for advice in decision.advices}
    assert Topic.DATA_NEEDED in {advice.topic for advice in decision.advices}


@pytest.mark.parametrize(("resource_type", "status"), [
    ("MedicationRequest", "cancelled"), ("MedicationRequest", "draft"),
    ("MedicationStatement", "intended"), ("MedicationStatement", "not-taken"),
])
def test_an_unnamed_drug_that_would_not_count_anyway_changes_nothing(resource_type: str, status: str) -> None:
    decision = decide(prescription_of("Medication/m1", resourceType=resource_type, status=status))

    assert ChartCategory.MEDICATIONS not in decision.facts.unavailable
    assert decision.rules == ("R1",)
