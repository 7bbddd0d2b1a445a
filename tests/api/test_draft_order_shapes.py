"""Draft orders as EHRs send them, through the hooks (PATHWAY.md §1, §5, §6.4; docs/pathway-facts.md
"Seventh pass: the draft order").

An order the service does not recognise gets no card and no rating: for a cauda equina patient that is a
safety miss. These post real hook requests whose draft order is shaped as Epic, Oracle Health and CMS-style
exports shape it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

SELECT = "/cds-services/spine-imaging-order-select"
SIGN = "/cds-services/spine-imaging-order-sign"
PAMA_RATING = "http://fhir.org/argonaut/Extension/pama-rating"
Example = Callable[[str], dict[str, Any]]
EPIC_EAP = "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580"


def answer(response: httpx.Response) -> tuple[list[tuple[str, str]], list[str]]:
    """(topic, indicator) of each card, and the PAMA rating of each system action."""
    assert response.status_code == 200, response.text
    body = response.json()
    cards = [(card["source"]["topic"]["code"], card["indicator"]) for card in body["cards"]]
    ratings = [ext["valueCodeableConcept"]["coding"][0]["code"]
               for action in body.get("systemActions", []) for ext in action["resource"]["extension"]
               if ext["url"] == PAMA_RATING]
    return cards, ratings


def with_code(request: dict[str, Any], code: dict[str, Any]) -> dict[str, Any]:
    request["context"]["draftOrders"]["entry"][0]["resource"]["code"] = code
    return request


@pytest.mark.parametrize("code", [
    {"coding": [{"system": EPIC_EAP, "code": "IMG1234", "display": "MRI LUMBAR SPINE WO CONTRAST"}],
     "text": "MRI LUMBAR SPINE WO CONTRAST"},
    {"text": "MRI Spine Lumbar w/o Contrast"},
])
async def test_a_cauda_equina_order_named_only_in_words_gets_the_emergency_card(
        client: httpx.AsyncClient, example: Example, code: dict[str, Any]) -> None:
    """R5: was no card and no rating (the order was "not ours")."""
    request = with_code(example("order-select-cauda-equina.json"), code)
    cards, ratings = answer(await client.post(SELECT, json=request))
    assert ("SpineRedFlag", "critical") in cards
    assert ratings == ["appropriate"]


async def test_a_day_20_order_named_only_in_words_is_deferred_and_rated(
        client: httpx.AsyncClient, example: Example) -> None:
    """R1: a lumbar MRI at day 20 without red flags, whatever code the EHR named it by."""
    request = with_code(example("order-select-lumbar-day20.json"), {"text": "MRI LUMBAR SPINE WO CONTRAST"})
    cards, ratings = answer(await client.post(SELECT, json=request))
    assert ("SpineDeferImaging", "warning") in cards
    assert ratings == ["not-appropriate"]


@pytest.mark.parametrize("code", ["72020", "72080", "72082", "78315", "78814"])
async def test_a_cauda_equina_order_of_the_rest_of_the_spine_cpt_families_gets_the_emergency_card(
        client: httpx.AsyncClient, example: Example, code: str) -> None:
    """R5: a spine radiograph at one level, of the thoracolumbar junction or the entire spine, a three-phase
    bone scan or a limited-area PET/CT was not in spine_imaging: no card, no rating."""
    request = with_code(example("order-select-cauda-equina.json"),
                        {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": code}]})
    cards, ratings = answer(await client.post(SELECT, json=request))
    assert ("SpineRedFlag", "critical") in cards
    assert ratings == ["appropriate"]


async def test_an_mri_of_spine_with_contrast_in_its_order_detail_gets_the_contrast_card(
        client: httpx.AsyncClient, example: Example) -> None:
    """R16: the generic SNOMED CT "MRI of spine" with "With IV contrast" as its orderDetail had no contrast,
    so R16 never fired; its one-click update is the lumbar MRI without contrast in the order's own code system
    (SNOMED CT), region kept from the bodySite, orderDetail dropped."""
    request = example("order-select-lumbar-day20.json")
    order = request["context"]["draftOrders"]["entry"][0]["resource"]
    order["code"] = {"coding": [{"system": "http://snomed.info/sct", "code": "241645008"}]}
    order["bodySite"] = [{"coding": [{"system": "http://snomed.info/sct", "code": "122496007"}]}]
    order["orderDetail"] = [{"text": "With IV contrast"}]
    response = await client.post(SELECT, json=request)
    cards, _ = answer(response)
    assert ("SpineContrast", "warning") in cards
    card = next(c for c in response.json()["cards"] if c["source"]["topic"]["code"] == "SpineContrast")
    updated = card["suggestions"][0]["actions"][0]["resource"]
    assert [c["code"] for c in updated["code"]["coding"]] == ["394451000119106"]
    assert "orderDetail" not in updated


CPT_LUMBAR_NAMED_CERVICAL = {
    "coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72148"},
               {"system": EPIC_EAP, "code": "IMG77", "display": "MRI CERVICAL SPINE WO CONTRAST"}],
    "text": "MRI CERVICAL SPINE WO CONTRAST"}


@pytest.mark.parametrize("disagreeing", [
    {"code": CPT_LUMBAR_NAMED_CERVICAL},
    {"bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": "122494005"}]}]},  # cervical site
])
async def test_an_order_whose_parts_name_two_regions_is_not_deferred_and_says_so(
        client: httpx.AsyncClient, example: Example, disagreeing: dict[str, Any]) -> None:
    """R1 needs the lumbar episode; an order coded lumbar (CPT 72148) but named or sited cervical was
    deferred as lumbar. The safe reading: no defer and no rating stand on a region the order itself
    disputes, and the card says what could not be read."""
    request = example("order-select-lumbar-day20.json")
    request["context"]["draftOrders"]["entry"][0]["resource"].update(disagreeing)
    response = await client.post(SELECT, json=request)
    cards, ratings = answer(response)
    assert cards == [("SpineDataNeeded", "info")] and ratings == []
    summary = response.json()["cards"][0]["summary"]
    assert summary == "Check the order: its code is a lumbar study, its name or body site another region"


async def test_a_cauda_equina_order_whose_parts_name_two_regions_keeps_its_emergency_card(
        client: httpx.AsyncClient, example: Example) -> None:
    """R5 applies whatever the region (PATHWAY.md §1): the dispute adds a data card, never removes the
    alert."""
    request = with_code(example("order-select-cauda-equina.json"), CPT_LUMBAR_NAMED_CERVICAL)
    cards, ratings = answer(await client.post(SELECT, json=request))
    assert ("SpineRedFlag", "critical") in cards and ("SpineDataNeeded", "info") in cards
    assert ratings == ["appropriate"]
