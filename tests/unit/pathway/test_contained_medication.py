"""A MedicationRequest whose drug is a contained Medication (``medicationReference: "#med"``), as some EHRs
export it, is read by that Medication's code (PATHWAY.md §2 conservative care, §3 long-term steroids)."""

from __future__ import annotations

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag


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
