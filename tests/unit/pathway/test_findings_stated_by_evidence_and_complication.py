"""A red flag stated as the manifestation a diagnosis was made on (``Condition.evidence``) or as a
procedure's ``complication``: read as a reason stated on that record's date (PATHWAY.md §2 "wherever the
chart holds it", §3, R5, R7; docs/pathway-facts.md "Eleventh pass: how an answer is recorded").

``raw_decision.decide`` decides a lumbar MRI ordered on 2026-03-11 for a 40-year-old man with a 19-day
lumbar radiculopathy, parsed from raw FHIR JSON as the hooks parse it: R1 (defer) when nothing raises a
flag.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
from app.terminology import CPT, ICD10CM, SNOMED

RETENTION = coded(SNOMED, "267064002", "Retention of urine")
RESOLVED = coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved")


# --- Condition.evidence ---------------------------------------------------------------------------------


def low_back_pain(evidence: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "lbp", "code": coded(ICD10CM, "M54.50"),
            "onsetDateTime": "2026-03-08", "evidence": evidence}


@pytest.mark.parametrize("evidence", [
    [{"code": [RETENTION]}],
    [{"code": [{"text": "Saddle anesthesia"}]}],
])
def test_a_diagnosis_whose_evidence_is_a_cauda_equina_sign_is_r5(evidence: list[dict[str, Any]]) -> None:
    """§2 "wherever the chart holds it": a low back pain diagnosed on urinary retention (Condition.evidence)
    states the retention on the diagnosis's date (R5, was R1)."""
    decision = decide(low_back_pain(evidence))

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


def test_a_diagnosis_whose_evidence_names_a_condition_states_it() -> None:
    """evidence.detail naming a retention the problem list resolved in 2025 states it on the diagnosis's
    date: the retention began then, so it is not new (no R5), as a visit's diagnosis is read."""
    old = {"resourceType": "Condition", "id": "ret", "code": RETENTION, "onsetDateTime": "2025-01-10",
           "clinicalStatus": RESOLVED,
           "abatementDateTime": "2025-02-01"}
    abscess = {"resourceType": "Condition", "id": "sea", "code": coded(ICD10CM, "G06.1"),
               "onsetDateTime": "2025-06-01", "abatementDateTime": "2025-09-01",
               "clinicalStatus": RESOLVED}

    assert decide(old, low_back_pain([{"detail": [{"reference": "Condition/ret"}]}])).rules == ("R1",)
    assert decide(abscess).rules == ("R1",)
    assert decide(abscess, low_back_pain([{"detail": [{"reference": "Condition/sea"}]}])).rules[0] == "R7"


def test_the_evidence_of_a_diagnosis_entered_in_error_states_nothing() -> None:
    void = {**low_back_pain([{"code": [RETENTION]}]),
            "verificationStatus": coded("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                        "entered-in-error")}

    assert decide(void).rules == ("R1",)


# --- Procedure.complication -----------------------------------------------------------------------------


def lumbar_puncture(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "lp", "status": "completed", "code": coded(CPT, "62270"),
            "performedDateTime": "2026-02-25", **fields}


@pytest.mark.parametrize("complication", [
    [coded(ICD10CM, "G06.1")],
    [{"text": "Spinal epidural abscess"}],
])
def test_a_procedure_complicated_by_an_epidural_abscess_is_r7(complication: list[dict[str, Any]]) -> None:
    """§3 infection: a lumbar puncture whose complication is an epidural abscess states the abscess on the
    procedure's date (R7, was R1)."""
    decision = decide(lumbar_puncture(complication=complication))

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


def test_a_procedure_complication_named_by_reference_is_read() -> None:
    """complicationDetail names a Condition: an epidural abscess resolved in September (alone, past the 30
    days) named as last week's injection's complication is stated on the injection's date (R7, was R1)."""
    abscess = {"resourceType": "Condition", "id": "sea", "code": coded(ICD10CM, "G06.1"),
               "onsetDateTime": "2025-06-01", "abatementDateTime": "2025-09-01",
               "clinicalStatus": RESOLVED}
    injection = lumbar_puncture(code=coded(CPT, "62322"), performedDateTime="2026-03-03",
                                complicationDetail=[{"reference": "Condition/sea"}])

    assert decide(abscess).rules == ("R1",)
    assert decide(abscess, injection).rules[0] == "R7"
