"""A urinary catheter inserted in the episode with no reason stated (PATHWAY.md §3 CES "new urinary
retention", R5), as procedure lists record it (docs/pathway-facts.md "Eleventh pass: the neurological
emergencies and malignancy left"). ``raw_decision.decide`` adds each resource to a 19-day lumbar
radiculopathy (begun 2026-02-20) and decides a lumbar MRI ordered on 2026-03-11: R1 (defer) without a flag.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import RedFlag, State
from app.terminology import CPT, ICD10CM, SNOMED


def catheter(code: str | None = None, system: str = CPT, text: str | None = None, **fields: Any
             ) -> dict[str, Any]:
    """A completed Procedure five days before the order, coded ``code`` and/or named ``text``."""
    found: dict[str, Any] = {"resourceType": "Procedure", "id": "cath", "status": "completed",
                             "performedDateTime": "2026-03-06", "code": {}}
    if code is not None:
        found["code"]["coding"] = [{"system": system, "code": code}]
    if text is not None:
        found["code"]["text"] = text
    return {**found, **fields}


@pytest.mark.parametrize("resource", [
    catheter("51701"),                        # straight catheterisation, e.g. for residual urine
    catheter("51702"),                        # temporary indwelling (Foley), simple
    catheter("51703"),
    catheter("410024004", SNOMED),            # Catheterization of urinary bladder
    catheter(text="Foley catheter insertion"),
    catheter(text="Straight cath"),
    catheter(text="In and out catheterization"),
    catheter("LOC123", "urn:oid:1.2.840.114350.1", text="URINARY CATHETERIZATION"),
    catheter("51702", status="in-progress"),
])
def test_r5_a_catheter_inserted_in_the_episode_with_no_reason_is_new_retention(resource: dict[str, Any]
                                                                                ) -> None:
    """§3 CES: a bladder emptied by a catheter in the weeks of a radicular pain, with no reason recorded,
    is read as new urinary retention, on the safe side. It was R1 (the tenth pass left it)."""
    decision = decide(resource)

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


def test_r5_an_undated_catheterisation_counts_its_date_not_recorded() -> None:
    """Invariant 6: removing the date never makes the answer less safe."""
    resource = catheter("51701")
    del resource["performedDateTime"]

    decision = decide(resource)

    assert decision.rules[0] == "R5"
    assert decision.facts.red_flags[RedFlag.CES][0].state is State.DATE_NOT_RECORDED


@pytest.mark.parametrize("resource", [
    catheter("51702", performedDateTime="2026-01-10"),           # before the episode began
    catheter("51702", performedDateTime="2026-03-12"),           # after the order
    catheter("51702", status="not-done"),
    catheter("51702", status="entered-in-error"),
    catheter("51702", status="preparation"),                     # planned, not done
    catheter(text="Foley catheter removal"),
    catheter(text="Foley catheter change"),
    catheter(text="Suprapubic catheter exchange"),
    catheter(text="Intermittent self catheterization teaching"),
    catheter(text="Straight cath declined"),
    catheter("51798"),                                           # a post-void residual measurement
    catheter("51702", reasonCode=[{"text": "Perioperative, hip arthroplasty"}]),
    catheter("51702", reasonCode=[{"coding": [{"system": ICD10CM, "code": "Z01.818"}]}]),
])
def test_r1_an_old_later_void_removed_chronic_or_explained_catheter_is_no_new_retention(
        resource: dict[str, Any]) -> None:
    decision = decide(resource)

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R1"


def test_r5_a_catheter_for_retention_is_read_by_its_reason() -> None:
    """A stated reason of retention raised R5 before this pass (the reason reader): unchanged."""
    decision = decide(catheter("51702", reasonCode=[{"coding": [{"system": ICD10CM, "code": "R33.9"}]}]))

    assert decision.rules[0] == "R5"
