"""Fracture risk and long-term steroids in more of the words charts use (PATHWAY.md §3;
app/pathway/facts_fracture_words.py; docs/pathway-facts.md "Eleventh pass: fracture risk, trauma and age").
``raw_decision.decide`` adds each resource to a 19-day lumbar radiculopathy and rates a lumbar MRI ordered
on 2026-03-11: R1 (defer) without a red flag. Each chart not R1 below was R1 before."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import Finding, RedFlag

LOINC = "http://loinc.org"


def problem(words: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "free", "code": {"text": words}}


def visit(words: str) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "v", "status": "finished", "class": {"code": "EMER"},
            "period": {"start": "2026-03-01"}, "reasonCode": [{"text": words}]}


def dxa_report(conclusion: str) -> dict[str, Any]:
    return {"resourceType": "DiagnosticReport", "id": "dxa", "status": "final",
            "code": coded(LOINC, "38269-7"), "effectiveDateTime": "2025-06-01", "conclusion": conclusion}


@pytest.mark.parametrize(("resource", "finding"), [
    (problem("Fragility fracture L2"), Finding.VERTEBRAL_FRACTURE),
    (problem("Sacral insufficiency fracture"), Finding.VERTEBRAL_FRACTURE),
    (problem("L1 wedge deformity"), Finding.VERTEBRAL_FRACTURE),
    (problem("Vertebral compression deformity T12"), Finding.VERTEBRAL_FRACTURE),
    (visit("slip on ice"), Finding.LOW_VELOCITY_TRAUMA),
    (visit("syncope with fall"), Finding.LOW_VELOCITY_TRAUMA),
    (visit("Back pain after trauma"), Finding.LOW_VELOCITY_TRAUMA),
    (dxa_report("Lowest T-score -2.8 at L1-L4."), Finding.OSTEOPOROSIS),
    (dxa_report("Femoral neck T score: -3.1"), Finding.OSTEOPOROSIS),
])
def test_r10_fracture_risk_in_more_words(resource: dict[str, Any], finding: Finding) -> None:
    decision = decide(resource)

    assert decision.rules == ("R10",)
    assert [e.finding for e in decision.facts.red_flags[RedFlag.FRACTURE_RISK]] == [finding]


@pytest.mark.parametrize("words", ["prednisone 10 mg daily, long-term", "on steroids chronically for COPD"])
def test_r7_a_steroid_named_before_its_long_term_use_is_a_long_term_course(words: str) -> None:
    assert decide(problem(words)).rules[0] == "R7"


@pytest.mark.parametrize("resource", [
    dxa_report("Lowest T-score -2.4 at L1-L4. Osteopenia."),
    dxa_report("T-score -2.0; Z-score -2.8"),
    visit("Fall risk with syncope"),
    visit("no trauma"),
    visit("Trip planned, back pain"),
    problem("PTSD, post-traumatic stress"),
    problem("Prednisone 5 mg for 5 days"),
])
def test_r1_osteopenia_a_risk_no_trauma_or_a_short_burst_in_words_is_no_red_flag(
    resource: dict[str, Any]
) -> None:
    assert decide(resource).rules == ("R1",)
