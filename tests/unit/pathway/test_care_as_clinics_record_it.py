"""Eleventh pass: conservative care and candidacy as clinics really record them (PATHWAY.md §2 "conservative
care", "candidate", §6.5; R3a, R3b, R2/R23). Parsed from raw FHIR JSON as the hooks parse it. The chart: a
lumbar radiculopathy of 100 days — R3a ("start conservative care") with no care on record, R3b with care, and
R2/R23 with care and candidacy. Each shape below was once read wrongly and changed the rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide_chart, radiculopathy

from app.pathway.model import Decision

ONSET_100_DAYS = "2025-12-01"  # the order is dated 2026-03-11
EPIC_VISIT_TYPE = "urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.30"  # local: no value set lists it


def decide(*resources: dict[str, Any]) -> Decision:
    return decide_chart(radiculopathy(ONSET_100_DAYS), *resources)


def visit(**fields: Any) -> dict[str, Any]:
    """A finished visit in the episode, typed by ``fields``."""
    return {"resourceType": "Encounter", "id": "e", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "period": {"start": "2026-01-15T10:00:00Z"}, **fields}


def local_type(name: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": EPIC_VISIT_TYPE, "code": "9", "display": name}]}]


@pytest.mark.parametrize("name", ["NEW PT VISIT", "EST PT 15", "RETURN PT VISIT", "New Pt Visit"])
def test_a_visit_of_a_new_or_established_patient_is_no_physical_therapy(name: str) -> None:
    """R3a, not R3b: Epic visit types abbreviate *patient* as "PT" ("NEW PT VISIT", "EST PT 15"); read as
    a "PT visit" an ordinary office visit was conservative care, so a patient never treated was told imaging
    could change management instead of "start conservative care"."""
    decision = decide(visit(type=local_type(name)))
    assert (decision.rules[0], decision.facts.conservative_care) == ("R3a", ())


@pytest.mark.parametrize("name", ["PT VISIT", "PT EVAL", "Outpatient PT"])
def test_a_physical_therapy_visit_named_pt_is_still_care(name: str) -> None:
    decision = decide(visit(type=local_type(name)))
    assert [e.finding for e in decision.facts.conservative_care] == ["physical_therapy"]
    assert decision.rules[0] == "R3b"
