"""PATHWAY.md §3 "Fracture risk" (R10) through the HTTP hook: a vertebroplasty or kyphoplasty (CPT
22510-22515) treats a vertebral fracture, so Lena's 20-day lumbar radiculopathy after one gets "radiographs
first; MRI or CT without contrast acceptable" (R10, appropriate) instead of "defer" (R1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
Example = Callable[[str], dict[str, Any]]


def procedure(code: str, status: str, performed: str = "2024-02-01") -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "aug", "status": status,
            "subject": {"reference": "Patient/example-lumbar-day20"}, "performedDateTime": performed,
            "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": code}],
                     "text": "Kyphoplasty L1"}}


async def cards_for(client: httpx.AsyncClient, example: Example, resource: dict[str, Any]) -> list[Any]:
    request = example("order-select-lumbar-day20.json")
    request["prefetch"]["procedures"] = {"resourceType": "Bundle", "type": "searchset",
                                         "entry": [{"resource": resource}]}
    response = await client.post(ORDER_SELECT, json=request)
    assert response.status_code == 200
    cards: list[Any] = response.json()["cards"]
    return cards


@pytest.mark.parametrize(("code", "status", "performed"), [
    ("22514", "completed", "2024-02-01"),
    ("22511", "in-progress", "2024-02-01"),
    ("22513", "preparation", "2030-01-15"),  # booked: the fracture it will treat is there now
])
async def test_a_kyphoplasty_or_vertebroplasty_is_a_vertebral_fracture(
    client: httpx.AsyncClient, example: Example, code: str, status: str, performed: str
) -> None:
    cards = await cards_for(client, example, procedure(code, status, performed))

    topics = [card["source"]["topic"]["code"] for card in cards]
    assert topics[0] == "SpineImagingAppropriate"
    assert "SpineDeferImaging" not in topics
    assert "radiographs" in cards[0]["summary"]
    assert "vertebral fracture" in cards[0]["detail"]


@pytest.mark.parametrize("status", ["not-done", "entered-in-error"])
async def test_a_kyphoplasty_not_done_is_no_fracture(
    client: httpx.AsyncClient, example: Example, status: str
) -> None:
    """The control: without a done augmentation the same request is deferred (R1)."""
    cards = await cards_for(client, example, procedure("22514", status))

    assert "SpineDeferImaging" in [card["source"]["topic"]["code"] for card in cards]
    assert all("Fracture risk" not in card["summary"] for card in cards)


async def test_another_spine_operation_is_prior_surgery_not_a_fracture(
    client: httpx.AsyncClient, example: Example
) -> None:
    """63030, a lumbar discectomy, is prior surgery (R11/R21), never a fracture risk."""
    cards = await cards_for(client, example, procedure("63030", "completed"))

    assert cards and all("Fracture risk" not in card["summary"] for card in cards)


async def test_long_term_steroids_in_words_get_the_critical_infection_card(
    client: httpx.AsyncClient, example: Example
) -> None:
    """PATHWAY.md §3 immunosuppression: the long-term steroids of Z79.52 written in words
    (docs/pathway-facts.md "Eleventh pass: fracture risk, trauma and age"). A problem "Long-term use of
    systemic steroids" with no code was read as nothing, and the day-20 radiculopathy deferred; now R7's
    critical card, whose detail names the record's own words."""
    request = example("order-select-lumbar-day20.json")
    problem = {"resourceType": "Condition", "id": "steroids",
               "subject": {"reference": "Patient/example-lumbar-day20"}, "recordedDate": "2021-05-01",
               "code": {"text": "Long-term (current) use of systemic steroids"}}
    request["prefetch"]["conditions"]["entry"].append({"resource": problem})
    response = await client.post(ORDER_SELECT, json=request)

    cards = response.json()["cards"]
    assert cards[0]["indicator"] == "critical"
    assert "SpineDeferImaging" not in [card["source"]["topic"]["code"] for card in cards]
    assert "Long-term (current) use of systemic steroids" in cards[0]["detail"]


async def test_a_frax_row_under_a_local_code_is_named_on_the_fracture_risk_card(
    client: httpx.AsyncClient, example: Example
) -> None:
    """PATHWAY.md §3 osteoporosis as a FRAX probability at the treatment threshold, filed under a site's own
    code (docs/pathway-facts.md "Eleventh pass: fracture risk, trauma and age"): R10 instead of the defer."""
    request = example("order-select-lumbar-day20.json")
    frax = {"resourceType": "Observation", "id": "frax", "status": "final",
            "subject": {"reference": "Patient/example-lumbar-day20"}, "effectiveDateTime": "2025-06-01",
            "code": {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.768282", "code": "5002",
                                 "display": "FRAX 10-yr major osteoporotic fracture risk"}]},
            "valueQuantity": {"value": 24, "unit": "%"}}
    request["prefetch"]["observations"].setdefault("entry", []).append({"resource": frax})
    cards = (await client.post(ORDER_SELECT, json=request)).json()["cards"]

    assert cards[0]["source"]["topic"]["code"] == "SpineImagingAppropriate"
    assert "FRAX 10-year fracture probability 24 %" in cards[0]["detail"]


async def test_an_undated_active_prednisone_gets_the_critical_card_date_not_recorded(
    client: httpx.AsyncClient, example: Example
) -> None:
    """PATHWAY.md §3 long-term steroids and invariant 6: an active home-medication prednisone with no date
    (docs/pathway-facts.md "Eleventh pass: fracture risk, trauma and age") was no course, and the day-20
    radiculopathy deferred; the card now says the date was not recorded."""
    request = example("order-select-lumbar-day20.json")
    statement = {"resourceType": "MedicationStatement", "id": "pred", "status": "active",
                 "subject": {"reference": "Patient/example-lumbar-day20"},
                 "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                           "code": "312617",
                                                           "display": "prednisone 5 MG Oral Tablet"}]}}
    request["prefetch"]["medicationstatements"].setdefault("entry", []).append({"resource": statement})
    cards = (await client.post(ORDER_SELECT, json=request)).json()["cards"]

    assert cards[0]["indicator"] == "critical"
    assert "date not recorded" in cards[0]["detail"]
