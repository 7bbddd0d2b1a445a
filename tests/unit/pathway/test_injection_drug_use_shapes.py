"""Injection drug use, recent bacteraemia and recent spinal procedures as EHRs export them (PATHWAY.md §3
infection, R7; CODES.md recommendation 1; docs/pathway-facts.md "Tenth pass: injection drug use, bacteraemia
and recent spinal procedures"). ``raw_decision.decide`` decides a lumbar MRI ordered on 2026-03-11 for a
40-year-old man with a 19-day radiculopathy: R1 (defer) when nothing raises a flag. Injection drug use is an
infection red flag by itself; a risk factor (bacteraemia, a spinal procedure, a line, dialysis) only with a
raised marker (CRP 25 mg/L three days before the order). Each shape below was deferred before this pass."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
from app.terminology import ICD10CM, LOINC, SNOMED

CRP = {"resourceType": "Observation", "id": "crp", "status": "final", "code": coded(LOINC, "1988-5"),
       "effectiveDateTime": "2026-03-08", "valueQuantity": {"value": 25, "unit": "mg/L"}}  # raised (> 10)


def condition(code: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "c1", "code": code, **fields}


def rule(*resources: dict[str, Any]) -> str:
    return decide(*resources).rules[0]


@pytest.mark.parametrize("code", ["226034001", "741063003", "145101000119102"])
def test_an_injecting_drug_user_in_snomed_ct_is_an_infection_flag_by_itself(code: str) -> None:
    """§3 infection: intravenous drug use needs no marker (Injecting drug user, Illicit drug injection in
    last 12 months, Intravenous cocaine abuse)."""
    decision = decide(condition(coded(SNOMED, code)))

    assert decision.rules[0] == "R7"
    assert RedFlag.INFECTION in decision.facts.red_flags


@pytest.mark.parametrize(("system", "code"), [
    (ICD10CM, "I33.0"), (ICD10CM, "I33.9"), (ICD10CM, "I38"), (ICD10CM, "I39"), (ICD10CM, "B37.6"),
    (SNOMED, "56819008"), (SNOMED, "233850007"), (SNOMED, "301183007"),
])
def test_endocarditis_is_recent_bacteraemia_with_a_raised_marker(system: str, code: str) -> None:
    """§3 v2: recent bacteraemia is a risk factor, R7 with CRP 25 mg/L — and only with it (R1 without)."""
    endocarditis = condition(coded(system, code))

    assert rule(endocarditis, CRP) == "R7"
    assert rule(endocarditis) == "R1"
