"""Fracture risk (PATHWAY.md §3 "Fracture risk", R10, R13) in the shapes the ninth pass found deferred.
``raw_decision.decide`` adds each resource to a 19-day lumbar radiculopathy and decides a lumbar MRI ordered
on 2026-03-11: R1 (defer) without a fracture risk, R10 (radiographs first, appropriate) with one
(docs/pathway-facts.md "Ninth pass: fracture risk and trauma"). Each R10 chart below was R1 before it, and
each R1 chart is one the pass checked stays a defer: a fracture risk found where there is none is a miss
too."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.pathway.model import RedFlag
from app.terminology import CPT, ICD10CM, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def condition(code: str, system: str = ICD10CM, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "fx", "code": coded(system, code), **fields}


@pytest.mark.parametrize("code", [
    "102447009",  # postmenopausal osteoporosis
    "18040001",   # senile osteoporosis
    "14651005",   # drug-induced osteoporosis
    "390833005",  # osteoporosis caused by corticosteroid
    "203450003",  # osteoporotic fracture of lumbar vertebra
    "11311601000119109",  # osteoporotic fracture of vertebra
    "704336007",  # osteoporotic fracture of radius: the patient has osteoporosis
])
def test_r10_the_kinds_of_osteoporosis_in_snomed_ct_are_fracture_risk(code: str) -> None:
    """§3 osteoporosis as a SNOMED CT-only problem list records its kinds (the eCQM osteoporosis value
    set, VSAC 2.16.840.1.113883.3.464.1003.113.12.1038): only 64859006 and two IPS codes were read."""
    decision = decide(condition(code, SNOMED, clinicalStatus=coded(CLINICAL, "resolved")))

    assert RedFlag.FRACTURE_RISK in decision.facts.red_flags
    assert decision.rules == ("R10",)


@pytest.mark.parametrize("code", [
    "S32.10XA",  # fracture of the sacrum (an insufficiency fracture)
    "S32.2XXD",  # fracture of the coccyx, subsequent encounter
    "M84.48XA",  # pathological fracture, other site: coders use it for a vertebra
    "Z79.83",    # long-term (current) use of bisphosphonates: treated osteoporosis
])
def test_r10_sacral_and_pathological_fractures_and_bisphosphonate_use_are_fracture_risk(code: str) -> None:
    assert decide(condition(code, onsetDateTime="2026-02-20")).rules == ("R10",)


def test_r10_a_vertebral_fracture_with_cord_injury_in_snomed_ct_is_fracture_risk() -> None:
    """Synthea's injuries module records 1734006 beside 15724005 (read since the seventh pass)."""
    assert decide(condition("1734006", SNOMED, onsetDateTime="2025-01-20")).rules == ("R10",)


@pytest.mark.parametrize(("code", "system"), [
    ("312894000", SNOMED),   # osteopenia
    ("S52.501A", ICD10CM),   # a fracture of the wrist, not of the spine
    ("65966004", SNOMED),    # fracture of forearm
    ("S72.001A", ICD10CM),   # a fracture of the hip
])
def test_r1_osteopenia_and_fractures_elsewhere_are_no_fracture_risk(code: str, system: str) -> None:
    assert decide(condition(code, system, onsetDateTime="2026-02-20")).rules == ("R1",)


def test_r13_a_ct_ordered_for_a_postmenopausal_osteoporosis_is_not_told_to_switch_to_mri() -> None:
    """R13 stands down for a fracture risk: CT shows a fracture; it was R1 and R13 (switch to MRI)."""
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72131")}

    decision = decide_order(order, radiculopathy(), condition("102447009", SNOMED))

    assert decision.rules == ("R10",)
