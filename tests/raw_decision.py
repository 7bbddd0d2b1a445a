"""The pathway's decision on a chart written as raw FHIR JSON, parsed as the hooks parse it: for tests of
where a finding is recorded, which need both the parser and the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.chart.model import ServiceRequestView
from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.fhir.parse import parse_service_request
from app.pathway.engine import evaluate_order
from app.pathway.model import Decision
from app.pathway.policy import Policy
from app.terminology import CPT, ICD10CM, Coding, load_value_sets

ORDER_DATE = date(2026, 3, 11)


def coded(system: str, code: str, text: str | None = None) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}], **({"text": text} if text else {})}


def radiculopathy(onset: str = "2026-02-20") -> dict[str, Any]:
    """An active lumbar radiculopathy (M54.16) begun on ``onset``: 19 days before ``ORDER_DATE``."""
    return {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"),
            "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            "onsetDateTime": onset}


def decide(*resources: dict[str, Any]) -> Decision:
    """A 40-year-old with lumbar radiculopathy for 19 days and ``resources``, a lumbar MRI ordered on
    ``ORDER_DATE``: R1 (defer) when none of ``resources`` raises a flag."""
    return decide_chart(radiculopathy(), *resources)


def decide_chart(*resources: dict[str, Any]) -> Decision:
    """A 40-year-old man whose chart is ``resources``, and a lumbar MRI ordered on ``ORDER_DATE``."""
    chart = ({"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}, *resources)
    order = ServiceRequestView(id="o", codings=(Coding(CPT, "72148"),), status="draft")  # lumbar MRI
    decision = evaluate_order(build_chart({"all": KeyData(chart)}), order, ORDER_DATE, Policy(),
                              load_value_sets())
    assert decision is not None
    return decision


def decide_order(order: dict[str, Any], *resources: dict[str, Any]) -> Decision:
    """A 40-year-old man's chart of ``resources`` and the raw draft ``order``, parsed as the hooks parse it,
    on ``ORDER_DATE``."""
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}
    chart = build_chart({"all": KeyData((patient, *resources))})
    decision = evaluate_order(chart, parse_service_request(order), ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None
    return decision
