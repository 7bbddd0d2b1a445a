"""A spinal infection is a spine indication by itself (PATHWAY.md §1 v2 "a red flag comes before scope ...
only age under 18 and high-energy trauma keep an order out of scope despite a red flag"; docs/pathway-facts.md
"Ninth pass: scope, qualifying diagnoses and region"). A vertebral osteomyelitis, discitis or epidural abscess
charted without a back-pain code was out of scope (R28): no card, and patient-view said nothing."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import ORDER_DATE, coded, decide_chart, decide_order

from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.pathway.engine import evaluate_patient
from app.pathway.model import Indicator, Rating, RedFlag
from app.pathway.policy import Policy
from app.terminology import CPT, ICD10CM, SNOMED, load_value_sets

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def condition(code: str, system: str = ICD10CM, cid: str = "dx") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "code": coded(system, code),
            "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": "2026-03-05"}


@pytest.mark.parametrize(("code", "system"), [
    ("M46.46", ICD10CM),  # discitis, lumbar region
    ("M46.26", ICD10CM),  # osteomyelitis of vertebra, lumbar region
    ("G06.1", ICD10CM),  # intraspinal abscess
    ("302935008", SNOMED),  # infective discitis
])
def test_a_spinal_infection_with_no_back_pain_code_is_rated_r7(code: str, system: str) -> None:
    decision = decide_chart(condition(code, system))

    assert decision.rules[0] == "R7"
    assert decision.rating is Rating.APPROPRIATE
    assert decision.advices[0].indicator is Indicator.CRITICAL


def test_an_epidural_abscess_given_as_the_orders_reason_is_rated_r7() -> None:
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72157"), "authoredOn": "2026-03-11",  # thoracic MRI without and with
             "reasonCode": [coded(ICD10CM, "G06.1")]}

    decision = decide_order(order)

    assert decision.rules[0] == "R7"
    assert decision.rating is Rating.APPROPRIATE


def test_patient_view_shows_a_spinal_infection_with_no_back_pain_code() -> None:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}
    chart = build_chart({"all": KeyData((patient, condition("M46.46")))})

    decision = evaluate_patient(chart, ORDER_DATE, Policy(), load_value_sets())

    assert decision is not None
    assert decision.rules == ("R7",)
    assert decision.advices[0].indicator is Indicator.CRITICAL


def test_a_risk_factor_alone_is_still_out_of_scope() -> None:
    """Opioid dependence (an infection risk factor) with no spine complaint: R28, as before."""
    decision = decide_chart(condition("F11.20"))

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules == ("R28",)
