"""Radiculopathy or back pain whose region the code does not give (PATHWAY.md §1 R28: "no radiculopathy ...
back pain"; docs/pathway-facts.md "Ninth pass: scope, qualifying diagnoses and region"): M54.9 dorsalgia,
M54.10 radiculopathy of an unspecified site, the ICD-10 (WHO) M54.1 and M51.1, M47.28, SNOMED CT radiculitis.
They were out of scope (R28), so a cancer beside them was silent. They now count for scope only: naming no
region, they never date an episode (no defer stands on them) and give a region only when nothing else does.
``raw_decision`` rates a lumbar MRI ordered on 2026-03-11 for a man of 40."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import ORDER_DATE, coded, decide_chart, decide_order

from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.pathway.engine import evaluate_patient
from app.pathway.model import Rating, Region
from app.pathway.policy import Policy
from app.terminology import CPT, ICD10CM, SNOMED, load_value_sets

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
WHO = "http://hl7.org/fhir/sid/icd-10"


def condition(code: str, system: str = ICD10CM, cid: str = "dx", onset: str = "2026-02-20") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "code": coded(system, code),
            "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": onset}


PROSTATE_CANCER = condition("C61", cid="cancer")
UNSPECIFIED = [(ICD10CM, "M54.9"), (ICD10CM, "M54.89"), (ICD10CM, "M54.10"), (WHO, "M54.1"), (WHO, "M51.1"),
               (ICD10CM, "M47.28"), (SNOMED, "82473003")]


@pytest.mark.parametrize(("system", "code"), UNSPECIFIED)
def test_a_cancer_beside_a_pain_of_no_stated_region_is_rated_r8(system: str, code: str) -> None:
    decision = decide_chart(condition(code, system), PROSTATE_CANCER)

    assert decision.rules[0] == "R8"
    assert decision.rating is Rating.APPROPRIATE


@pytest.mark.parametrize(("system", "code"), UNSPECIFIED)
def test_a_pain_of_no_stated_region_alone_asks_for_the_onset_never_a_defer(system: str, code: str) -> None:
    """In scope, but it dates no episode: R27 "record the onset" (safety invariant 3), not R1 at day 19."""
    decision = decide_chart(condition(code, system))

    assert decision.rules == ("R27",)
    assert decision.facts.onset is None


def test_an_older_dorsalgia_does_not_stretch_a_sciatica_episode() -> None:
    """M54.9 since December names no region: the lumbar episode is the sciatica's, R1 at day 19."""
    decision = decide_chart(condition("M54.9", cid="old", onset="2025-12-01"), condition("M54.16"))

    assert decision.rules == ("R1",)
    assert (decision.facts.onset_verified, decision.facts.duration_days) == (True, 19)


def test_a_visit_for_dorsalgia_does_not_make_a_sciatica_onset_a_lower_bound() -> None:
    visit = {"resourceType": "Encounter", "id": "v", "status": "finished", "class": {"code": "AMB"},
             "period": {"start": "2026-01-10"}, "reasonCode": [coded(ICD10CM, "M54.9")]}

    decision = decide_chart(visit, condition("M54.16"))

    assert decision.rules == ("R1",)
    assert decision.facts.onset_verified is True


def test_a_cervical_order_with_only_a_dorsalgia_is_cervical_and_in_scope() -> None:
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72141"), "authoredOn": "2026-03-11"}

    decision = decide_order(order, condition("M54.9"), PROSTATE_CANCER)

    assert decision.facts.region is Region.CERVICAL
    assert decision.rules[0] == "R8"


def test_patient_view_takes_the_region_from_a_diagnosis_that_names_one() -> None:
    """A neck pain of February and a dorsalgia of March: the summary is cervical, not lumbar."""
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}
    resources = (patient, condition("M54.2", cid="neck"), condition("M54.9", cid="back", onset="2026-03-05"))

    decision = evaluate_patient(build_chart({"all": KeyData(resources)}), ORDER_DATE, Policy(),
                                load_value_sets())

    assert decision is not None and decision.facts.region is Region.CERVICAL
    assert decision.rules == ("summary",)
