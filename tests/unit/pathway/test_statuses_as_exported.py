"""How exports write a record's status (docs/pathway-facts.md "Twelfth pass: codes, statuses and record
metadata"): a lumbar radiculopathy begun 2026-01-01 and a lumbar MRI ordered on 2026-03-11 (day 69), with one
physical-therapy visit (CPT 97161) on 2026-02-01. PATHWAY.md §2: an Encounter that is finished or in progress
is care (R3b "image only if it changes management"); without it R3a ("start conservative care") defers."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide_chart, radiculopathy

from app.terminology import CPT


def therapy_visit(status: str) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "pt", "status": status, "period": {"start": "2026-02-01"},
            "type": [{"coding": [{"system": CPT, "code": "97161"}]}]}


@pytest.mark.parametrize("status", ["completed", "Completed", "discharged", "complete"])
def test_r3b_a_therapy_visit_written_completed_is_care(status: str) -> None:
    """FHIR R5 renamed R4's ``finished`` ``completed`` (and ``discharged``: the visit ended, the paperwork
    has not); a clinic export writes "Complete". Before: no care, R3a (defer, start conservative care)."""
    assert decide_chart(radiculopathy("2026-01-01"), therapy_visit(status)).rules[0] == "R3b"


@pytest.mark.parametrize("status", ["finished", "in-progress", "In Progress"])
def test_r3b_a_finished_or_current_visit_is_care(status: str) -> None:
    assert decide_chart(radiculopathy("2026-01-01"), therapy_visit(status)).rules[0] == "R3b"


@pytest.mark.parametrize("status", ["cancelled", "planned", "entered-in-error", "closed", "discontinued"])
def test_r3a_a_visit_that_did_not_take_place_is_no_care(status: str) -> None:
    """R5 ``discontinued`` (begun, not completed) and a local "closed" say nothing certain: not care."""
    assert decide_chart(radiculopathy("2026-01-01"), therapy_visit(status)).rules[0] == "R3a"
