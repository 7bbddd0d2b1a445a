"""Onset and episode from what else a chart records about when symptoms began (PATHWAY.md §2 onset and
episode; R1, R27; safety invariant 3: a duration not known to be under six weeks never produces a defer).
docs/pathway-facts.md "Eleventh pass: onset, duration and episode". The order is a lumbar MRI of
2026-03-11; the sciatica of ``radiculopathy()`` was written as begun on 2026-02-20 (19 days: R1 alone).
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide


def visit_carrying(field: str, reference: str, start: str = "2025-11-11") -> dict[str, Any]:
    link = {"condition": {"reference": reference}} if field == "diagnosis" else {"reference": reference}
    return {"resourceType": "Encounter", "id": "first-visit", "status": "finished",
            "period": {"start": start}, field: [link]}


@pytest.mark.parametrize("field", ["diagnosis", "reasonReference"])
def test_a_visit_carrying_the_diagnosis_before_its_exact_onset_makes_it_a_lower_bound(field: str) -> None:
    """PATHWAY.md §2 "the first encounter carrying the diagnosis": a visit on 11 November whose diagnosis
    (or reason) is the sciatica written as begun on 20 February shows it had begun by 11 November. Before,
    the exact onset was kept: R1 "defer, 19 days" for symptoms at least 120 days old → R27 (+ R24)."""
    decision = decide(visit_carrying(field, "Condition/dx"))

    assert (decision.facts.onset_verified, decision.facts.duration_days) == (False, 120)
    assert decision.rules[0] == "R27"


def test_a_visit_carrying_the_diagnosis_after_its_exact_onset_leaves_it_exact() -> None:
    absolute = "http://ehr.example/fhir/Condition/dx/_history/2"
    decision = decide(visit_carrying("diagnosis", absolute, "2026-02-24"))

    assert (decision.facts.onset_verified, decision.rules) == (True, ("R1",))
