"""A spinal infection or a cancer typed as the reason of another record — IV vancomycin for "Vertebral
osteomyelitis", an oncology referral for "metastatic prostate cancer", a visit whose local reason code is
shown "Epidural abscess" — counts as that record's coded reason would (PATHWAY.md §2 v2 "wherever the chart
holds it"; docs/pathway-facts.md "Tenth pass: where red flags are recorded"). A foot's osteomyelitis, a
knee's septic arthritis, a skin cancer, a family history, a screening, a susceptibility, "malignant
hypertension" and "neuroleptic malignant syndrome" name neither."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import RedFlag


def prescribed_for(reason: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": "m", "status": "active", "intent": "order",
            "authoredOn": "2026-03-05", "medicationCodeableConcept": {"text": "vancomycin 1 g IV q12h"},
            "reasonCode": [reason]}


@pytest.mark.parametrize(("words", "flag"), [
    ("Vertebral osteomyelitis", RedFlag.INFECTION),
    ("Osteomyelitis of lumbar vertebra", RedFlag.INFECTION),
    ("r/o discitis", RedFlag.INFECTION),
    ("Pott's disease", RedFlag.INFECTION),
    ("Metastatic prostate cancer", RedFlag.MALIGNANCY_MAJOR),
    ("Malignant neoplasm of prostate", RedFlag.MALIGNANCY_MAJOR),
    ("Cancer pain", RedFlag.MALIGNANCY_MAJOR),
])
def test_an_infection_or_cancer_typed_as_a_reason_is_read(words: str, flag: RedFlag) -> None:
    """Each was deferred (R1) on the old code: only CES, motor and myelopathy words were read."""
    decision = decide(prescribed_for({"text": words}))

    assert "R1" not in decision.rules
    assert [e.reference for e in decision.facts.red_flags[flag]] == ["MedicationRequest/m"]


def test_a_local_reason_code_is_read_by_its_display() -> None:
    visit = {"resourceType": "Encounter", "id": "e", "status": "finished", "period": {"start": "2026-03-01"},
             "reasonCode": [{"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.728286", "code": "99",
                                         "display": "Epidural abscess"}]}]}

    assert "R7" in decide(visit).rules


@pytest.mark.parametrize("words", [
    "Osteomyelitis of left foot",
    "Septic arthritis of knee",
    "Other malignant neoplasm of skin",
    "Basal cell carcinoma of nose",
    "Intraductal carcinoma in situ of breast",
    "Malignant essential hypertension",
    "Neuroleptic malignant syndrome",
    "Genetic susceptibility to malignant neoplasm of breast",
    "Family history of breast cancer",
    "Cancer screening",
    "No history of cancer",
])
def test_words_that_name_no_spinal_infection_and_no_cancer_raise_nothing(words: str) -> None:
    assert "R1" in decide(prescribed_for({"text": words})).rules
