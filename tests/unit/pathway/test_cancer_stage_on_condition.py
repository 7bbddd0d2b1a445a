"""A Condition staged as a cancer is a cancer (PATHWAY.md §3 malignancy major, R8; §2 "wherever the chart
holds it"; docs/pathway-facts.md "Eleventh pass: the neurological emergencies and malignancy left"): a
problem coded or written vaguely ("Neoplasm of lung", "Lung mass") whose ``Condition.stage`` gives a cancer
stage, as oncology systems export one. ``raw_decision.decide`` decides a lumbar MRI ordered on 2026-03-11 for
a 40-year-old man with a 19-day radiculopathy: R1 (defer) when nothing raises a flag."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import Finding, RedFlag
from app.terminology import ICD10CM

VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def staged(text: str | None = None, summary: str | None = None, kind: str | None = None,
           code: str | None = None, **fields: Any) -> dict[str, Any]:
    concept: dict[str, Any] = {**({"text": text} if text else {}),
                               **({"coding": [{"system": ICD10CM, "code": code}]} if code else {})}
    stage: dict[str, Any] = {**({"summary": {"text": summary}} if summary else {}),
                             **({"type": {"coding": [{"system": "urn:local", "code": "T", "display": kind}]}}
                                if kind else {})}
    return {"resourceType": "Condition", "id": "staged", "code": concept, "onsetDateTime": "2024-01-01",
            "stage": [stage], **fields}


@pytest.mark.parametrize("resource", [
    staged("Neoplasm of lung", "Stage IV"),
    staged("Lung mass", "IIIA"),
    staged("Right breast mass", "pT2 N1 M0"),
    staged("Neoplasm", "3", kind="AJCC 8th edition clinical stage group"),
    staged("Neoplasm of prostate", "Stage IIB", clinicalStatus={"text": "resolved"}),  # a history is history
])
def test_r8_a_condition_staged_as_a_cancer_is_a_cancer(resource: dict[str, Any]) -> None:
    """The parser did not keep Condition.stage: these were deferred (R1)."""
    decision = decide(resource)

    assert RedFlag.MALIGNANCY_MAJOR in decision.facts.red_flags
    assert decision.rules[0] == "R8"
    found = decision.facts.red_flags[RedFlag.MALIGNANCY_MAJOR]
    assert any(e.finding is Finding.CANCER_STAGING for e in found)


@pytest.mark.parametrize("resource", [
    staged("Chronic kidney disease", "Stage III"),
    staged(code="N18.30", summary="Stage III"),             # CKD by its code alone
    staged("Pressure injury of sacral region", "Stage II"),
    staged("Heart failure", "Class III", kind="NYHA functional class"),
    staged("Essential hypertension", "Stage 2"),
    staged("Neoplasm of lung", "Stage IV", verificationStatus={"coding": [{"system": VERIFICATION,
                                                                            "code": "entered-in-error"}]}),
])
def test_r1_another_diseases_stage_or_a_void_condition_is_no_cancer(resource: dict[str, Any]) -> None:
    decision = decide(resource)

    assert RedFlag.MALIGNANCY_MAJOR not in decision.facts.red_flags
    assert decision.rules[0] == "R1"
