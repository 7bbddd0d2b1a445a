"""The facts that decide "defer" against "appropriate" without any red flag — onset, conservative care, prior
imaging — as real exports record them, parsed from raw FHIR JSON as the hooks parse it (PATHWAY.md §2,
R1, R3a/R3b, R12, R27). Each shape below was once read as nothing and changed the rule.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from raw_decision import coded

from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.fhir.parse import parse_service_request
from app.pathway.engine import evaluate_order
from app.pathway.model import Decision
from app.pathway.policy import Policy
from app.terminology import CPT, ICD10CM, load_value_sets

ORDER_DATE = date(2026, 3, 11)
ONSET_100_DAYS = "2025-12-01"  # radiculopathy for 100 days: R3a without care, R3b with it
LUMBAR_MRI_ORDER = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
                    "code": coded(CPT, "72148"), "authoredOn": "2026-03-11"}
DCM = "http://dicom.nema.org/resources/ontology/DCM"


def condition(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"), **fields}


def decide(*resources: dict[str, Any]) -> Decision:
    """A 40-year-old man's chart of ``resources`` and a lumbar MRI ordered on ``ORDER_DATE``."""
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}
    chart = build_chart({"all": KeyData((patient, *resources))})
    decision = evaluate_order(chart, parse_service_request(LUMBAR_MRI_ORDER), ORDER_DATE, Policy(),
                              load_value_sets())
    assert decision is not None
    return decision


def test_an_imaging_study_dated_only_by_its_series_is_a_prior_mri() -> None:
    """R12: a PACS export may leave ImagingStudy.started out and date each series; the study began with its
    first series, 30 days before the order, inside this 100-day episode: do not repeat."""
    study = {"resourceType": "ImagingStudy", "id": "mri", "status": "available",
             "procedureCode": [coded(CPT, "72148")],
             "series": [{"uid": "1.2.3", "modality": {"system": DCM, "code": "MR"}, "started": "2026-02-10"},
                        {"uid": "1.2.4", "modality": {"system": DCM, "code": "MR"}, "started": "2026-02-09"}]}

    decision = decide(condition(onsetDateTime=ONSET_100_DAYS), study)

    assert decision.rules[0] == "R12"
    assert [e.on for e in decision.facts.prior_imaging] == [date(2026, 2, 9)]
