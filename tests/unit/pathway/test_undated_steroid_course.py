"""An active systemic steroid with no date at all (PATHWAY.md §3 "steroids for 90 days or more", infection
and fracture risk; invariant 6 "removing a date never makes the answer less safe"; docs/pathway-facts.md
"Eleventh pass: fracture risk, trauma and age"). A reconciled home-medication list records "prednisone 5 mg
daily" as an active MedicationStatement with no effective date: the same record dated since 2025 is a
long-term course (R7), the undated one was nothing (R1, a defer)."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import Finding, RedFlag, State

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def statement(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "id": "m", "status": "active",
            "medicationCodeableConcept": coded(RXNORM, "312617", "prednisone 5 MG Oral Tablet"), **fields}


@pytest.mark.parametrize("resource", [
    statement(),
    {"resourceType": "MedicationRequest", "id": "m", "status": "active", "intent": "order",
     "medicationCodeableConcept": {"text": "predniSONE (DELTASONE) 5 MG tablet"}},
])
def test_r7_an_active_steroid_with_no_date_is_a_long_term_course_date_not_recorded(
    resource: dict[str, Any]
) -> None:
    decision = decide(resource)

    assert decision.rules[0] == "R7"
    for flag in (RedFlag.INFECTION, RedFlag.FRACTURE_RISK):
        [evidence] = decision.facts.red_flags[flag]
        assert (evidence.finding, evidence.on, evidence.state) == (
            Finding.LONG_TERM_STEROIDS, None, State.DATE_NOT_RECORDED)


@pytest.mark.parametrize("resource", [
    statement(status="completed"),  # taken once, for how long not said
    statement(effectiveDateTime="2026-03-05"),  # a burst begun six days ago
    statement(dosage=[{"route": {"text": "Epidural"}}]),  # a local steroid is no systemic course
    {"resourceType": "MedicationRequest", "id": "m", "status": "active", "intent": "order",
     "medicationCodeableConcept": coded(RXNORM, "312617", "prednisone 5 MG Oral Tablet"),
     "dispenseRequest": {"expectedSupplyDuration": {"value": 5, "unit": "days"}}},  # five days, stated
])
def test_r1_a_completed_recent_local_or_short_undated_steroid_is_no_long_term_course(
    resource: dict[str, Any]
) -> None:
    assert decide(resource).rules == ("R1",)
