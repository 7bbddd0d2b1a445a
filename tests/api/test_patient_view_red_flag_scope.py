"""patient-view on a chart whose only spine finding is a red flag (PATHWAY.md §1 v2 "a red flag comes before
scope"): the chart-open critical card is shown though no qualifying diagnosis is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

PATIENT_VIEW = "/cds-services/spine-pathway-patient-view"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
Example = Callable[[str], dict[str, Any]]


def with_conditions(request: dict[str, Any], *codes: str) -> dict[str, Any]:
    """The example patient-view request with only ``codes`` on the problem list (active, no onset needed)."""
    patient = request["context"]["patientId"]
    entries = [{"resource": {
        "resourceType": "Condition", "id": f"c{n}", "subject": {"reference": f"Patient/{patient}"},
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active"}]},
        "code": {"coding": [{"system": ICD10CM, "code": code}]}, "onsetDateTime": "2026-11-01"},
        "search": {"mode": "match"}} for n, code in enumerate(codes)]
    request["prefetch"]["conditions"] = {"resourceType": "Bundle", "type": "searchset",
                                         "total": len(entries), "entry": entries}
    return request


@pytest.mark.parametrize("code", ["G83.4", "M21.371", "G95.9"])  # CES (R5), foot drop (R6), myelopathy (R20)
async def test_a_scope_red_flag_without_a_spine_diagnosis_shows_its_critical_card(
        client: httpx.AsyncClient, example: Example, code: str) -> None:
    request = with_conditions(example("patient-view-lumbar.json"), code)
    cards = (await client.post(PATIENT_VIEW, json=request)).json()["cards"]
    assert [(card["indicator"], card["source"]["topic"]["code"]) for card in cards] == [
        ("critical", "SpineRedFlag")]
    assert "no spine MRI on record" in cards[0]["summary"]


@pytest.mark.parametrize("code", ["E11.9", "M46.24", "C79.51"])  # infection, cancer: need a spine dx
async def test_a_chart_without_a_spine_diagnosis_or_scope_red_flag_has_no_card(
        client: httpx.AsyncClient, example: Example, code: str) -> None:
    request = with_conditions(example("patient-view-lumbar.json"), code)
    assert (await client.post(PATIENT_VIEW, json=request)).json()["cards"] == []
