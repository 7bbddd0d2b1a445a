"""A laboratory result sent as a bound (``valueQuantity.comparator``), parsed as the hooks parse it
(docs/pathway-facts.md "Eleventh pass: the neurological emergencies and malignancy left"; the ninth pass left
it). PATHWAY.md §3 infection: a risk factor with CRP above 10 mg/L is R7. ``raw_decision.decide`` decides a
lumbar MRI ordered on 2026-03-11 for a 40-year-old man with a 19-day radiculopathy and diabetes (a risk
factor): R1 (defer) without a raised marker."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.fhir.parse_observation import parse_observation
from app.pathway.model import RedFlag
from app.terminology import ICD10CM, LOINC

DIABETES = {"resourceType": "Condition", "id": "dm", "onsetDateTime": "2020-01-01",
            "code": {"coding": [{"system": ICD10CM, "code": "E11.9"}]}}


def crp(value: float, comparator: Any = None) -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value, "unit": "mg/L", "system": "http://unitsofmeasure.org",
                                "code": "mg/L"}
    if comparator is not None:
        quantity["comparator"] = comparator
    return {"resourceType": "Observation", "id": "crp", "status": "final", "effectiveDateTime": "2026-03-08",
            "code": {"coding": [{"system": LOINC, "code": "1988-5"}]}, "valueQuantity": quantity}


def test_r7_a_crp_above_its_limit_as_a_bound_is_raised() -> None:
    """{"comparator": ">", "value": 10}: above 10 mg/L, R7's limit. It read as 10, not raised (R1)."""
    decision = decide(DIABETES, crp(10, ">"))

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


@pytest.mark.parametrize("comparator", ["<", "<=", ">=", ["<"], {"x": 1}, "about"])
def test_r1_a_bound_below_or_at_the_limit_or_a_malformed_comparator_raises_nothing(comparator: Any) -> None:
    """">= 10" may be 10 itself (not above); a malformed comparator is no bound and never a crash."""
    assert decide(DIABETES, crp(10, comparator)).rules[0] == "R1"


def test_the_view_keeps_only_a_valid_comparator() -> None:
    assert parse_observation(crp(10, ">")).comparator == ">"
    assert parse_observation(crp(10, ["<"])).comparator is None
    assert parse_observation(crp(10)).comparator is None
