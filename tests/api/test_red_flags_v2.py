"""PATHWAY.md v2 §2 through the HTTP hook: a red flag recorded outside the problem list still stops a defer.

The example request is Lena, a lumbar radiculopathy of 20 days (R1 defers the MRI); each test adds one
resource to the prefetch as an EHR would send it (raw FHIR JSON, parsed by the views).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
PATIENT = {"reference": "Patient/example-lumbar-day20"}
Example = Callable[[str], dict[str, Any]]


def symptom(answer: dict[str, Any]) -> dict[str, Any]:
    """A symptom Observation (LOINC 75325-1) whose value is a SNOMED finding or a yes/no answer."""
    return {"resourceType": "Observation", "id": "saddle", "status": "final", "subject": PATIENT,
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "exam"}]}],
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "449813001"}]},
            "effectiveDateTime": "2026-11-19", **answer}


async def cards_for(client: httpx.AsyncClient, example: Example, resource: dict[str, Any],
                    key: str = "observations") -> list[dict[str, Any]]:
    request = example("order-select-lumbar-day20.json")
    bundle = request["prefetch"][key]
    bundle["entry"] = [*bundle.get("entry", []), {"resource": resource}]
    response = await client.post(ORDER_SELECT, json=request)
    assert response.status_code == 200
    cards: list[dict[str, Any]] = response.json()["cards"]
    return cards


@pytest.mark.parametrize("answer", [
    {},  # no value: the finding is asserted by its code
    {"valueBoolean": True},
    {"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA33-6"}]}},
])
async def test_saddle_numbness_recorded_as_an_exam_observation_is_an_emergency(
    client: httpx.AsyncClient, example: Example, answer: dict[str, Any]
) -> None:
    cards = await cards_for(client, example, symptom(answer))

    assert cards[0]["indicator"] == "critical"
    assert cards[0]["source"]["topic"]["code"] == "SpineRedFlag"
    assert "redflag-chronic-baseline" in {r["code"] for r in cards[0]["overrideReasons"]}
    assert not any(card["source"]["topic"]["code"] == "SpineDeferImaging" for card in cards)


@pytest.mark.parametrize("answer", [
    {"valueBoolean": False},
    {"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA32-8"}]}},
    {"valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA9634-2"}]}},
])
async def test_a_negative_screen_for_saddle_numbness_raises_nothing(
    client: httpx.AsyncClient, example: Example, answer: dict[str, Any]
) -> None:
    cards = await cards_for(client, example, symptom(answer))

    assert [card["indicator"] for card in cards if card["source"]["topic"]["code"] == "SpineRedFlag"] == []
    assert any(card["source"]["topic"]["code"] == "SpineDeferImaging" for card in cards)


def resolved_retention(**dates: str) -> dict[str, Any]:
    """A urinary retention (R33.9) whose clinicalStatus is resolved, with the given onset/abatement."""
    return {"resourceType": "Condition", "id": "retention", "subject": PATIENT,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "resolved"}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "R33.9"}]}, **dates}


async def test_a_retention_resolved_by_a_catheter_last_week_is_still_a_cauda_equina_sign(
    client: httpx.AsyncClient, example: Example
) -> None:
    retention = resolved_retention(onsetDateTime="2026-11-12", abatementDateTime="2026-11-13")

    cards = await cards_for(client, example, retention, key="conditions")

    assert cards[0]["indicator"] == "critical"
    assert "resolved on 2026-11-13" in cards[0]["detail"]


async def test_a_retention_resolved_at_a_time_not_recorded_is_still_a_cauda_equina_sign(
    client: httpx.AsyncClient, example: Example
) -> None:
    """abatementString: it ended, when is not written down; the 2025 onset cannot show it ended long ago
    (docs/pathway-facts.md "Resolved red flags")."""
    retention = resolved_retention(onsetDateTime="2025-03-02", abatementString="after catheterisation")

    cards = await cards_for(client, example, retention, key="conditions")

    assert cards[0]["indicator"] == "critical"
    assert "date not recorded" in cards[0]["detail"]
    assert "redflag-chronic-baseline" in {r["code"] for r in cards[0]["overrideReasons"]}


async def test_an_undated_fever_written_as_text_is_an_infection_card_that_says_its_date_is_not_recorded(
    client: httpx.AsyncClient, example: Example
) -> None:
    """§2 (invariant 6): a temperature of 38.9 ºC sent as text with no date still raises R7, and the card does
    not present it as dated."""
    temperature = {"resourceType": "Observation", "id": "t1", "status": "final", "subject": PATIENT,
                   "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
                   "valueString": "38.9 ºC"}

    cards = await cards_for(client, example, temperature)

    assert cards[0]["indicator"] == "critical"
    assert "temperature 38.9 °C, date not recorded" in cards[0]["detail"]
    assert not any(card["source"]["topic"]["code"] == "SpineDeferImaging" for card in cards)
