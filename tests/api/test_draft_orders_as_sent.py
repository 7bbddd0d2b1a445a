"""Draft orders and selections as EHRs really send them (PATHWAY.md §1, invariant 7; app/hooks/drafts.py).

A selection in a form other than ``ServiceRequest/<id>`` left a cauda equina order unrated (200, no card);
a selection naming no draft order was answered with silence; a repeated draft order got two PAMA updates;
a draft order of another patient was rated against this patient's chart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

SELECT = "/cds-services/spine-imaging-order-select"
SIGN = "/cds-services/spine-imaging-order-sign"
Example = Callable[[str], dict[str, Any]]
ORDER = "draft-mri-1"  # the draft ServiceRequest of examples/order-select-cauda-equina.json


def topics(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.text
    return [(card["source"]["topic"]["code"], card["indicator"]) for card in response.json()["cards"]]


@pytest.mark.parametrize("selection", [
    f"ServiceRequest/{ORDER}",
    ORDER,
    f"https://ehr.example.org/fhir/ServiceRequest/{ORDER}",
    f"ServiceRequest/{ORDER}/_history/2",
])
async def test_a_selection_in_any_form_naming_the_order_rates_it(
        client: httpx.AsyncClient, example: Example, selection: str) -> None:
    request = example("order-select-cauda-equina.json")
    request["context"]["selections"] = [selection]
    assert ("SpineRedFlag", "critical") in topics(await client.post(SELECT, json=request))


async def test_a_draft_order_without_id_is_selected_by_its_full_url(
        client: httpx.AsyncClient, example: Example) -> None:
    request = example("order-select-cauda-equina.json")
    entry = request["context"]["draftOrders"]["entry"][0]
    del entry["resource"]["id"]
    entry["fullUrl"] = "urn:uuid:4f1c2a7e-0000-4000-8000-00000000d1a1"
    request["context"]["selections"] = [entry["fullUrl"]]
    assert ("SpineRedFlag", "critical") in topics(await client.post(SELECT, json=request))


async def test_selections_naming_no_draft_order_are_a_400_that_says_so(
        client: httpx.AsyncClient, example: Example) -> None:
    request = example("order-select-cauda-equina.json")
    request["context"]["selections"] = ["ServiceRequest/not-in-the-draft-orders"]
    response = await client.post(SELECT, json=request)
    assert response.status_code == 400
    assert "context.selections" in response.json()["issue"][0]["diagnostics"]


async def test_one_selection_of_several_in_draft_orders_is_rated(
        client: httpx.AsyncClient, example: Example) -> None:
    request = example("order-select-cauda-equina.json")
    request["context"]["selections"] = ["MedicationRequest/gone", f"ServiceRequest/{ORDER}"]
    assert ("SpineRedFlag", "critical") in topics(await client.post(SELECT, json=request))


@pytest.mark.parametrize("path", [SELECT, SIGN])
async def test_the_same_draft_order_twice_is_rated_once(
        client: httpx.AsyncClient, example: Example, path: str) -> None:
    request = example("order-select-cauda-equina.json")
    entries = request["context"]["draftOrders"]["entry"]
    entries.append(entries[0])
    if path == SIGN:
        request["hook"] = "order-sign"
        del request["context"]["selections"]
    answer = (await client.post(path, json=request)).json()
    assert [action["resource"]["id"] for action in answer["systemActions"]] == [ORDER]


@pytest.mark.parametrize("reference", ["Patient/someone-else", "https://ehr.example.org/fhir/Patient/x"])
async def test_a_draft_order_of_another_patient_is_a_400(
        client: httpx.AsyncClient, example: Example, reference: str) -> None:
    """Invariant 7: rated against this patient's chart it would advise on the wrong patient."""
    request = example("order-select-cauda-equina.json")
    request["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {"reference": reference}
    response = await client.post(SELECT, json=request)
    assert response.status_code == 400
    said = response.json()["issue"][0]["diagnostics"]
    assert "context.draftOrders" in said and "someone-else" not in said  # names the field, not the id


async def test_a_draft_order_naming_the_patient_by_absolute_url_is_rated(
        client: httpx.AsyncClient, example: Example) -> None:
    request = example("order-select-cauda-equina.json")
    own = request["context"]["patientId"]
    request["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {
        "reference": f"https://ehr.example.org/fhir/Patient/{own}", "display": "A. Patient"}
    assert ("SpineRedFlag", "critical") in topics(await client.post(SELECT, json=request))
