"""A visit whose type is typed with no coding (``Encounter.type.text``), as Oracle Health and small EHRs
export one (docs/pathway-facts.md "Eleventh pass: the neurological emergencies and malignancy left"): an
oncology visit is a cancer (PATHWAY.md §3 malignancy major, R8), an epidural injection visit a spinal
procedure (§3 infection risk factor: R7 with a raised CRP). ``raw_decision.decide`` decides a lumbar MRI
ordered on 2026-03-11 for a 40-year-old man with a 19-day radiculopathy: R1 (defer) without a flag."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import RedFlag
from app.terminology import LOINC


def visit(typed: str, status: str = "finished", on: str = "2026-02-01", service: bool = False
          ) -> dict[str, Any]:
    found: dict[str, Any] = {"resourceType": "Encounter", "id": "v", "status": status,
                             "class": {"code": "AMB"}, "period": {"start": on}}
    if service:
        return {**found, "serviceType": {"text": typed}}
    return {**found, "type": [{"text": typed}]}


CRP_25 = {"resourceType": "Observation", "id": "crp", "status": "final", "effectiveDateTime": "2026-03-08",
          "code": {"coding": [{"system": LOINC, "code": "1988-5"}]},
          "valueQuantity": {"value": 25, "unit": "mg/L"}}


@pytest.mark.parametrize("resource", [
    visit("Oncology Follow Up"), visit("HEM ONC RETURN"), visit("Radiation Oncology Consult", service=True),
    visit("Cancer Center Visit", status="planned", on="2026-04-01"),
])
def test_r8_an_oncology_visit_typed_in_words_is_a_cancer(resource: dict[str, Any]) -> None:
    """It was R1: the parser kept the type's codings only (tenth pass, left)."""
    decision = decide(resource)

    assert RedFlag.MALIGNANCY_MAJOR in decision.facts.red_flags
    assert decision.rules[0] == "R8"


@pytest.mark.parametrize("resource", [
    visit("Oncology Follow Up", status="entered-in-error"), visit("Office Visit"), visit("Infusion Center"),
    visit("No oncology follow-up needed"),
])
def test_r1_a_void_or_other_visit_typed_in_words_is_no_cancer(resource: dict[str, Any]) -> None:
    assert decide(resource).rules[0] == "R1"


def test_r7_an_epidural_injection_visit_typed_in_words_is_a_recent_spinal_procedure() -> None:
    """§3 infection risk factor (a spinal injection in the last 90 days) with CRP 25 mg/L: R7. It was R1."""
    decision = decide(visit("Epidural steroid injection", on="2026-02-10"), CRP_25)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"
