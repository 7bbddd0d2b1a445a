"""order-sign signs several draft orders together (PATHWAY.md §1): a finding stated as the reason for one of
them is read for the others as §2 v2 reads the reason for any other ServiceRequest, so a lumbar MRI signed
beside a urology referral "for cauda equina" is never deferred on "no red flags"."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import ORDER_DATE, coded

from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.fhir.parse import parse_service_request
from app.pathway.engine import evaluate_order
from app.pathway.model import Decision
from app.pathway.policy import Policy
from app.terminology import CPT, ICD10CM, load_value_sets

CHART = (  # 40, lumbar radiculopathy for 19 days: a lumbar MRI alone is R1 (defer)
    {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"},
    {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"),
     "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
     "onsetDateTime": "2026-02-20"},
)


def draft(order_id: str, system: str, code: str, *reasons: str) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": order_id, "status": "draft", "intent": "order",
            "subject": {"reference": "Patient/p"}, "authoredOn": ORDER_DATE.isoformat(),
            "code": coded(system, code), "reasonCode": [coded(ICD10CM, r) for r in reasons]}


def lumbar_mri_signed_with(*others: dict[str, Any]) -> Decision:
    views = tuple(parse_service_request(raw) for raw in (draft("mri", CPT, "72148"), *others))
    decision = evaluate_order(build_chart({"all": KeyData(CHART)}), views[0], ORDER_DATE, Policy(),
                              load_value_sets(), siblings=views)
    assert decision is not None
    return decision


def test_a_lumbar_mri_signed_alone_is_deferred() -> None:
    assert lumbar_mri_signed_with().rules == ("R1",)


@pytest.mark.parametrize(("sibling", "rule"), [
    (draft("uro", "http://snomed.info/sct", "306098008", "G83.4"), "R5"),  # urology referral for CES
    (draft("uro", "http://snomed.info/sct", "306098008", "R33.9"), "R5"),  # … for urinary retention
    (draft("cmri", CPT, "72141", "G95.9"), "R20"),  # the cervical MRI beside it, for myelopathy
    (draft("crp", "http://loinc.org", "1988-5", "M46.26"), "R7"),  # a CRP ordered for lumbar osteomyelitis
])
def test_a_red_flag_stated_on_a_draft_order_signed_beside_it_is_not_deferred(
        sibling: dict[str, Any], rule: str) -> None:
    decision = lumbar_mri_signed_with(sibling)
    assert decision.rules[0] == rule
    assert decision.rating is not None and decision.rating.value == "appropriate"


def test_a_draft_pt_referral_signed_beside_it_is_not_care_yet() -> None:
    """A draft is neither active nor completed: R1 stays R1 (not R3b's care)."""
    pt = draft("pt", "http://snomed.info/sct", "91251008", "M54.16")  # physical therapy procedure
    assert lumbar_mri_signed_with(pt).rules == ("R1",)


def test_the_order_itself_among_the_siblings_changes_nothing() -> None:
    views = (parse_service_request(draft("mri", CPT, "72148")),)
    decision = evaluate_order(build_chart({"all": KeyData(CHART)}), views[0], ORDER_DATE, Policy(),
                              load_value_sets(), siblings=views)
    assert decision is not None and decision.rules == ("R1",)
