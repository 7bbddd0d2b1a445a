"""Fracture risk (PATHWAY.md §3, R10) and long-term steroids (also §3 infection, R7) typed in an exam row's
prose or an Observation's note (docs/pathway-facts.md "Twelfth pass: infection and malignancy typed in
words"). The eleventh pass read those fields for the named red flags (a cauda equina sign, a foot drop, a
cancer), but the fracture-risk words only in reasons, notes of other records and free-text problems: "Exam:
on chronic prednisone for RA" in a row was R1 (a defer) while the same words in a visit's reason were R7.
Whose fall it is counts too: "Husband fell" is not the patient's. ``raw_decision.decide`` adds each resource
to a 19-day lumbar radiculopathy and a lumbar MRI: R1 without a flag."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag

EXAM = [coded("http://terminology.hl7.org/CodeSystem/observation-category", "exam")]


def row(name: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "o", "status": "final", "category": EXAM,
            "code": {"text": name}, "effectiveDateTime": "2026-03-09", **fields}


@pytest.mark.parametrize(("resource", "rule", "flag"), [
    (row("Physical exam", valueString="Cushingoid. On chronic prednisone for RA."), "R7", RedFlag.INFECTION),
    (row("HPI", valueString="Pt fell from standing 2 days ago, pain since."), "R10", RedFlag.FRACTURE_RISK),
    (row("Assessment", valueString="Known osteoporosis, on alendronate."), "R10", RedFlag.FRACTURE_RISK),
    (row("Neuro exam", valueString="See note", note=[{"text": "Slipped on ice yesterday."}]), "R10",
     RedFlag.FRACTURE_RISK),
])
def test_a_fracture_risk_typed_in_exam_prose_or_a_row_note_counts(resource: dict[str, Any], rule: str,
                                                                 flag: RedFlag) -> None:
    decision = decide(resource)

    assert decision.rules[0] == rule
    assert flag in decision.facts.red_flags


@pytest.mark.parametrize("resource", [
    row("Physical exam", valueString="Denies falls. No steroid use."),
    row("Fall risk assessment", valueString="High risk: fell last month"),   # a risk row: not a finding row
    row("Family history", valueString="Mother with osteoporosis"),
    row("HPI", valueString="Husband fell last week, she has been lifting him."),
    row("HPI", valueString="Wife has osteoporosis."),
    row("HPI", valueString="Fell asleep on couch, woke with pain."),
])
def test_a_denied_risk_row_or_someone_elses_fall_is_none(resource: dict[str, Any]) -> None:
    decision = decide(resource)

    assert RedFlag.FRACTURE_RISK not in decision.facts.red_flags
    assert decision.rules[0] == "R1"


def test_a_spouses_fall_typed_as_a_visits_reason_is_not_the_patients() -> None:
    visit = {"resourceType": "Encounter", "id": "e", "status": "finished", "period": {"start": "2026-03-09"},
             "reasonCode": [{"text": "Back pain after lifting husband who fell"}]}

    assert decide(visit).rules[0] == "R1"
