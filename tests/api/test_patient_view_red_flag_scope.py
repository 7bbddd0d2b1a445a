"""patient-view on a chart whose only spine finding is a red flag (PATHWAY.md §1 v2 "a red flag comes before
scope"): the chart-open critical card is shown though no qualifying diagnosis is recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
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


# CES (R5), foot drop (R6), myelopathy (R20), thoracic vertebral osteomyelitis (R7: a spinal infection is a
# spine indication by itself, docs/pathway-facts.md "Ninth pass: scope, qualifying diagnoses and region")
@pytest.mark.parametrize("code", ["G83.4", "M21.371", "G95.9", "M46.24"])
async def test_a_scope_red_flag_without_a_spine_diagnosis_shows_its_critical_card(
        client: httpx.AsyncClient, example: Example, code: str) -> None:
    request = with_conditions(example("patient-view-lumbar.json"), code)
    cards = (await client.post(PATIENT_VIEW, json=request)).json()["cards"]
    assert [(card["indicator"], card["source"]["topic"]["code"]) for card in cards] == [
        ("critical", "SpineRedFlag")]
    assert "no spine MRI on record" in cards[0]["summary"]


@pytest.mark.parametrize("code", ["E11.9", "F11.20", "C79.51"])  # infection risk, cancer: need a spine dx
async def test_a_chart_without_a_spine_diagnosis_or_scope_red_flag_has_no_card(
        client: httpx.AsyncClient, example: Example, code: str) -> None:
    request = with_conditions(example("patient-view-lumbar.json"), code)
    assert (await client.post(PATIENT_VIEW, json=request)).json()["cards"] == []


def _with_lumbar_mri(request: dict[str, Any], days_ago: int) -> dict[str, Any]:
    patient = request["context"]["patientId"]
    study = {"resourceType": "ImagingStudy", "id": "mri", "status": "available",
             "subject": {"reference": f"Patient/{patient}"},
             "started": (date.today() - timedelta(days=days_ago)).isoformat(),
             "procedureCode": [{"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72148"}]}]}
    request["prefetch"]["imaging"] = {"resourceType": "Bundle", "type": "searchset", "total": 1,
                                      "entry": [{"resource": study, "search": {"mode": "match"}}]}
    return request


def _sciatica_and_new_ces(request: dict[str, Any]) -> dict[str, Any]:
    request = with_conditions(request, "M54.16", "G83.4")
    entries = request["prefetch"]["conditions"]["entry"]
    entries[0]["resource"]["onsetDateTime"] = (date.today() - timedelta(days=200)).isoformat()
    entries[1]["resource"]["onsetDateTime"] = (date.today() - timedelta(days=5)).isoformat()
    return request


async def test_a_cauda_equina_found_after_the_last_lumbar_mri_keeps_its_critical_card(
        client: httpx.AsyncClient, example: Example) -> None:
    """A lumbar MRI 120 days ago cannot have imaged a cauda equina that began 5 days ago: the chart-open
    critical card stands and names that MRI (safety invariant 1)."""
    request = _with_lumbar_mri(_sciatica_and_new_ces(example("patient-view-lumbar.json")), days_ago=120)
    cards = (await client.post(PATIENT_VIEW, json=request)).json()["cards"]
    critical = [card for card in cards if card["indicator"] == "critical"]
    assert [card["source"]["topic"]["code"] for card in critical] == ["SpineRedFlag"]
    assert "since the last spine MRI" in critical[0]["summary"]


async def test_a_lumbar_mri_after_the_cauda_equina_was_found_stands_the_card_down(
        client: httpx.AsyncClient, example: Example) -> None:
    request = _with_lumbar_mri(_sciatica_and_new_ces(example("patient-view-lumbar.json")), days_ago=2)
    cards = (await client.post(PATIENT_VIEW, json=request)).json()["cards"]
    assert [card["indicator"] for card in cards] == ["info"]


async def test_a_myelopathy_sign_beside_sciatica_asks_for_cord_imaging_though_the_lumbar_spine_was_imaged(
        client: httpx.AsyncClient, example: Example) -> None:
    """CODES.md recommendation 9: a lumbar MRI two days ago does not show the cord; the chart-open card for
    a spinal cord disease (G95.9) found five days ago asks for cervical (± thoracic) MRI, not lumbar."""
    request = with_conditions(example("patient-view-lumbar.json"), "M54.16", "G95.9")
    entries = request["prefetch"]["conditions"]["entry"]
    entries[0]["resource"]["onsetDateTime"] = (date.today() - timedelta(days=200)).isoformat()
    entries[1]["resource"]["onsetDateTime"] = (date.today() - timedelta(days=5)).isoformat()
    cards = (await client.post(PATIENT_VIEW, json=_with_lumbar_mri(request, days_ago=2))).json()["cards"]
    critical = [card for card in cards if card["indicator"] == "critical"]
    assert [card["source"]["topic"]["code"] for card in critical] == ["SpineRedFlag"]
    assert "cervical ± thoracic MRI" in critical[0]["summary"]
