"""A new inability to walk (PATHWAY.md §3 motor: "documented progressive weakness", R6), as problem lists,
typed complaints and SNOMED CT record it (docs/pathway-facts.md "Eleventh pass: the neurological emergencies
and malignancy left"). ``raw_decision.decide`` adds each resource to a 19-day lumbar radiculopathy (begun
2026-02-20) and decides a lumbar MRI ordered on 2026-03-11: R1 (defer) without a flag."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import RedFlag
from app.terminology import SNOMED


def problem(text: str | None = None, on: str | None = "2026-03-05", code: str | None = None
            ) -> dict[str, Any]:
    concept: dict[str, Any] = {}
    if text is not None:
        concept["text"] = text
    if code is not None:
        concept["coding"] = [{"system": SNOMED, "code": code}]
    found: dict[str, Any] = {"resourceType": "Condition", "id": "walk", "code": concept}
    return {**found, "onsetDateTime": on} if on is not None else found


@pytest.mark.parametrize("resource", [
    problem("Unable to walk"), problem("Non-ambulatory"), problem("New inability to ambulate"),
    problem("Cannot walk since Tuesday"), problem(code="282145008"),   # Unable to walk (finding)
    problem(code="282145008", on=None),                                # undated: invariant 6
    {"resourceType": "Encounter", "id": "ed", "status": "finished", "period": {"start": "2026-03-09"},
     "reasonCode": [{"text": "Back pain, now unable to walk"}]},     # a typed chief complaint
])
def test_r6_a_new_inability_to_walk_is_a_motor_deficit(resource: dict[str, Any]) -> None:
    """A patient who can no longer walk in the episode of a radicular pain: the documented deficit §3 asks
    for, on the safe side (no guideline grades it). It was R1, a defer."""
    decision = decide(resource)

    assert RedFlag.MOTOR in decision.facts.red_flags
    assert decision.rules[0] == "R6"


@pytest.mark.parametrize("resource", [
    problem("Unable to walk due to pain"), problem("Non-ambulatory 2/2 severe back pain"),
    problem("Unable to walk", on="2015-06-01"),                        # a chronic status, before the episode
    problem(code="282145008", on="2019-01-01"),
    problem("Denies inability to walk"), problem("Able to walk without assistance"),
    problem("Unable to bear weight"),                                  # a fracture sign, not a weakness
])
def test_r1_pain_a_chronic_status_or_a_denial_is_no_motor_deficit(resource: dict[str, Any]) -> None:
    decision = decide(resource)

    assert RedFlag.MOTOR not in decision.facts.red_flags
    assert decision.rules[0] == "R1"


def test_r6_progressive_weakness_beside_pain_is_still_a_deficit() -> None:
    """The pain words keep only an inability the words blame on pain: a weakness with pain is one."""
    assert decide(problem("Progressive weakness of left leg with back pain")).rules[0] == "R6"
