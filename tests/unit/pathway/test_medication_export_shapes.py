"""Medications as Epic, Oracle Health and Synthea export them, parsed from raw FHIR JSON as the hooks parse
them (PATHWAY.md §2 conservative care, §3 "steroids for 90 days or more", §6.6 RxNorm ingredients). Each
shape below was once misread; docs/pathway-facts.md "Seventh pass: medications" says why each answer is
the right one."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PREDNISONE_5_MG = coded(RXNORM, "312617", "predniSONE 5 MG Oral Tablet")


def statement(status: str = "completed", **fields: Any) -> dict[str, Any]:
    """A prednisone MedicationStatement of the patient's (a reconciled home medication)."""
    return {"resourceType": "MedicationStatement", "id": "st", "status": status,
            "medicationCodeableConcept": PREDNISONE_5_MG, **fields}


def bounded(**bounds: Any) -> list[dict[str, Any]]:
    return [{"text": "5 mg daily", "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                                         **bounds}}}]


@pytest.mark.parametrize("steroid", [
    statement(effectiveDateTime="2025-10-01", dosage=bounded(boundsDuration={"value": 120, "unit": "days"})),
    statement(dosage=bounded(boundsPeriod={"start": "2025-10-01", "end": "2026-02-01"})),
], ids=["boundsDuration", "boundsPeriod"])
def test_a_statements_dose_bounds_are_its_course(steroid: dict[str, Any]) -> None:
    """R7 (§3 long-term steroids): a MedicationStatement writes its Dosage as ``dosage``, a
    MedicationRequest as ``dosageInstruction``; prednisone "for 120 days" there is a long-term course
    (infection and fracture risk), not a course of unknown length (R1)."""
    decision = decide(steroid)

    assert {RedFlag.INFECTION, RedFlag.FRACTURE_RISK} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R7"


def test_a_statements_short_dose_bounds_are_no_long_term_course() -> None:
    decision = decide(statement(effectiveDateTime="2025-10-01",
                                dosage=bounded(boundsDuration={"value": 10, "unit": "days"})))

    assert RedFlag.INFECTION not in decision.facts.red_flags
    assert decision.rules == ("R1",)
