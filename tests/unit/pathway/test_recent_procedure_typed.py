"""A spinal procedure or a line typed as done in words — "s/p L4-5 ESI last week", "pain worse after epidural
2 wks ago", "recent LP", "on TPN via PICC", "s/p L4-5 microdiscectomy 3 wks ago" — in a visit's reason, a
note, an exam row's prose or the order's reason for exam: PATHWAY.md §3 v2 infection risk factor (a spinal
procedure or injection in the last 90 days, an indwelling vascular catheter), R7 only with a raised marker
(docs/pathway-facts.md "Twelfth pass: infection and malignancy typed in words"). Each was R1 on 68c63fb: a
procedure was read only as a Procedure, a completed order or a visit type. A plan ("consider ESI", "referred
for ESI") is no procedure done, an operation is read only when the words say it was recent, and a year or
"years ago" says it was not. ``raw_decision.decide``: a 19-day lumbar radiculopathy, a lumbar MRI on
2026-03-11, CRP 25 mg/L three days before (raised, below R7b's 50)."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.pathway.model import Finding, RedFlag
from app.terminology import CPT, LOINC

CRP = {"resourceType": "Observation", "id": "crp", "status": "final", "code": coded(LOINC, "1988-5"),
       "valueQuantity": {"value": 25, "unit": "mg/L"}, "effectiveDateTime": "2026-03-08"}
EXAM = [coded("http://terminology.hl7.org/CodeSystem/observation-category", "exam")]


def visit(words: str, on: str = "2026-03-09") -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "e", "status": "finished", "period": {"start": on},
            "reasonCode": [{"text": words}]}


def problem_note(words: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "lbp", "code": {"text": "Low back pain"},
            "recordedDate": "2026-03-09", "note": [{"text": words}]}


def prose(words: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "o", "status": "final", "category": EXAM,
            "code": {"text": "HPI"}, "valueString": words, "effectiveDateTime": "2026-03-09"}


DONE = ["Back pain, s/p L4-5 ESI last week", "Pain worse after epidural 2 wks ago", "recent LP",
        "s/p lumbar puncture 3/1", "On TPN via PICC", "s/p L4-5 microdiscectomy 3 wks ago",
        "Recent lumbar fusion, wound draining", "Status post right L5 TFESI on 2/20", "TPN dependent",
        "Tunneled HD catheter, dialysis MWF"]


@pytest.mark.parametrize("words", DONE)
@pytest.mark.parametrize("place", [visit, problem_note, prose])
def test_r7_a_procedure_typed_as_done_with_a_raised_marker(place: Any, words: str) -> None:
    decision = decide(place(words), CRP)

    assert decision.rules[0] == "R7"
    assert RedFlag.INFECTION in decision.facts.red_flags


@pytest.mark.parametrize("words", DONE)
def test_r7_a_procedure_typed_in_the_orders_reason_for_exam(words: str) -> None:
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72148"), "authoredOn": "2026-03-11", "reasonCode": [{"text": words}]}

    assert decide_order(order, radiculopathy(), CRP).rules[0] == "R7"


@pytest.mark.parametrize("words", DONE)
def test_r1_without_a_raised_marker(words: str) -> None:
    """§3 v2: a risk factor counts only with a raised ESR or CRP."""
    assert decide(visit(words)).rules[0] == "R1"


@pytest.mark.parametrize("words", [
    "Consider L4-5 ESI", "Referred for ESI", "Scheduled for epidural next week", "No recent ESI",
    "Denies recent procedures, no LP", "s/p L4-5 fusion 2012", "s/p lumbar fusion years ago",
    "s/p L4-5 laminectomy",                   # an operation with nothing saying it was recent
    "Pain after lifting", "ESI declined", "Plan: PICC placement for IV antibiotics", "Will need PICC",
])
def test_r1_a_plan_a_denial_or_an_old_operation_is_no_recent_procedure(words: str) -> None:
    for place in (visit, problem_note, prose):
        decision = decide(place(words), CRP)
        assert RedFlag.INFECTION not in decision.facts.red_flags, (place.__name__, decision.rules)


def test_a_procedure_typed_in_a_visit_months_ago_is_past_the_window() -> None:
    """§3 v2: the last 90 days, dated by the record that typed it."""
    assert decide(visit("s/p L4-5 ESI last week", on="2025-10-01"), CRP).rules[0] == "R1"


def test_the_card_names_the_procedure_in_the_charts_words() -> None:
    decision = decide(visit("Back pain, s/p L4-5 ESI last week"), CRP)

    found = [e for e in decision.facts.red_flags[RedFlag.INFECTION] if e.finding is Finding.SPINAL_PROCEDURE]
    assert [e.name for e in found] == ["Back pain, s/p L4-5 ESI last week"]
