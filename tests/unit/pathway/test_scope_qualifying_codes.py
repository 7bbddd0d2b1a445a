"""Qualifying diagnoses (PATHWAY.md §1, §6.1, R28) coded as Synthea, Epic's SNOMED CT problem lists and FY2025
ICD-10-CM export them (docs/pathway-facts.md "Ninth pass: scope, qualifying diagnoses and region"). Each
chart below was answered R28 — out of scope, no card — so a cancer beside it was silent and a day-19 sciatica
was never deferred. ``raw_decision`` rates a lumbar MRI (CPT 72148) ordered on 2026-03-11 for a man of 40."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_chart, decide_order

from app.pathway.model import Rating, Region
from app.terminology import CPT, ICD10CM, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def condition(code: str, system: str = SNOMED, cid: str = "dx") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "code": coded(system, code),
            "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": "2026-02-20"}


def order(cpt: str) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": coded(CPT, cpt), "authoredOn": "2026-03-11"}


PROSTATE_CANCER = condition("C61", ICD10CM, cid="cancer")  # a major malignancy flag (R8)

LUMBAR = [
    (ICD10CM, "M51.360"),  # FY2025: lumbar disc degeneration with discogenic back pain only
    (ICD10CM, "M51.370"),  # FY2025: the same, lumbosacral
    (SNOMED, "278860009"),  # chronic low back pain, as Synthea codes it
    (SNOMED, "134407002"),  # chronic back pain
    (SNOMED, "161894002"),  # complaining of low back pain
    (SNOMED, "311211000119105"),  # radiculopathy due to lumbar intervertebral disc disorder
    (SNOMED, "202693003"),  # lumbosacral spondylosis with radiculopathy
    (SNOMED, "128197001"),  # sacral radiculopathy
    (SNOMED, "46578006"),  # lumbosacral radiculitis
    (SNOMED, "62195001"),  # lumbosacral neuritis
    (SNOMED, "299966003"),  # compression of lumbar nerve root
    (SNOMED, "69071001"),  # radicular syndrome of lower limbs
]


CHRONIC = {"278860009", "134407002"}


@pytest.mark.parametrize(("system", "code"), LUMBAR)
def test_a_lumbar_diagnosis_as_exports_code_it_qualifies_and_dates_the_episode(
        system: str, code: str) -> None:
    """§6.1: a day-19 lumbar episode on a lumbar MRI is R1 (defer), no longer R28's silence. A chronic back
    pain "begun" 19 days ago qualifies and dates the episode too, but its onset is only a lower bound: R27
    (docs/pathway-facts.md "Twelfth pass: onset, duration and episode")."""
    decision = decide_chart(condition(code, system))

    assert decision.rules == (("R27",) if code in CHRONIC else ("R1",))
    assert (decision.facts.region, decision.facts.duration_days) == (Region.LUMBAR, 19)


@pytest.mark.parametrize(("system", "code"), LUMBAR)
def test_a_cancer_beside_a_lumbar_diagnosis_as_exports_code_it_is_rated(system: str, code: str) -> None:
    """§1 R28 no longer silences the major malignancy flag (R8) beside it."""
    decision = decide_chart(condition(code, system), PROSTATE_CANCER)

    assert decision.rules[0] == "R8"
    assert decision.rating is Rating.APPROPRIATE


@pytest.mark.parametrize("code", [
    "1121000119107",  # chronic neck pain, as Synthea codes it
    "202757008",  # cervical disc disorder with radiculopathy
    "11049006",  # cervical radiculitis
    "202776005",  # cervical root syndrome
])
def test_a_cervical_diagnosis_as_exports_code_it_dates_a_cervical_episode(code: str) -> None:
    """§6.1 cervical: a day-19 cervical episode on a cervical MRI is R19 (conservative care first)."""
    decision = decide_order(order("72141"), condition(code))

    assert decision.rules == ("R19",)
    assert (decision.facts.region, decision.facts.duration_days) == (Region.CERVICAL, 19)


@pytest.mark.parametrize("code", [
    "2169001",  # thoracic radiculitis
    "202688001",  # thoracic spondylosis with radiculopathy
    "299965004",  # compression of thoracic nerve root
    "58856009",  # thoracic neuritis
])
def test_a_thoracic_diagnosis_as_exports_code_it_brings_a_cancer_into_scope(code: str) -> None:
    """§1 v2: a thoracic order in scope with a major malignancy flag is R8 (the commonest site of spinal
    metastasis), not R28."""
    decision = decide_order(order("72146"), condition(code), PROSTATE_CANCER)

    assert decision.rules[0] == "R8"
    assert decision.facts.region is Region.THORACIC
    assert decision.facts.episode_diagnoses[0].reference == "Condition/dx"


def test_disc_degeneration_without_pain_still_does_not_qualify() -> None:
    """FY2025 M51.369 "without mention of lumbar back pain or lower extremity pain" is neither back pain nor
    radiculopathy (§6.1): still R28."""
    decision = decide_chart(condition("M51.369", ICD10CM), PROSTATE_CANCER)

    assert decision.rules == ("R28",)
