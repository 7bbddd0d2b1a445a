"""Red flags and markers recorded as Observations the way Epic, Oracle Health and Synthea export them, parsed
from raw FHIR JSON as the hooks parse it (PATHWAY.md §2 "Where a finding is read", §3, R7, R7b, R8;
invariant 6). Each shape below was once read wrongly. ``raw_decision.decide`` decides a lumbar MRI ordered on
2026-03-11 for a 40-year-old man with a 19-day lumbar radiculopathy: R1 (defer) when nothing raises a flag.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
from app.terminology import SNOMED

RETENTION = coded(SNOMED, "267064002", "Retention of urine")


def retention_screened(**answer: Any) -> dict[str, Any]:
    """A CES screen item "retention of urine" answered as the flowsheet exports it, two days ago."""
    return {"resourceType": "Observation", "id": "screen", "status": "final", "code": RETENTION,
            "effectiveDateTime": "2026-03-09", **answer}


@pytest.mark.parametrize("words", ["Denies", "Unknown", "see note", "N/A", "Not assessed", "Patient declined"])
def test_a_screen_answered_only_in_words_that_do_not_say_yes_raises_nothing(words: str) -> None:
    """§2 v2: a finding code counts only with no value, true or a positive answer — Oracle Health's text-only
    answer (``valueCodeableConcept.text``) is a value, and "Denies" is a careful negative screen."""
    decision = decide(retention_screened(valueCodeableConcept={"text": words}))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules == ("R1",)


def test_a_screen_answered_present_in_words_only_is_a_cauda_equina_sign() -> None:
    decision = decide(retention_screened(valueCodeableConcept={"text": "Present"}))

    assert decision.rules[0] == "R5"
