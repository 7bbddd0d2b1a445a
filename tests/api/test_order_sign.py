"""order-sign rates every spine order in draftOrders (PATHWAY.md §1) and shows a repeated card once."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import httpx

ORDER_SIGN = "/cds-services/spine-imaging-order-sign"
Example = Callable[[str], dict[str, Any]]


def as_order_sign(request: dict[str, Any], extra_orders: list[dict[str, Any]]) -> dict[str, Any]:
    request["hook"] = "order-sign"
    del request["context"]["selections"]
    request["context"]["draftOrders"]["entry"] += [{"resource": order} for order in extra_orders]
    return request


def second_lumbar_mri(request: dict[str, Any]) -> dict[str, Any]:
    order = copy.deepcopy(request["context"]["draftOrders"]["entry"][0]["resource"])
    order["id"] = "draft-mri-2"
    return order


def chest_ct() -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "draft-ct-chest", "status": "draft", "intent": "order",
            "subject": {"reference": "Patient/example-lumbar-day20"}, "authoredOn": "2026-11-20",
            "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "71250"}]}}


async def test_every_spine_order_is_rated_and_other_orders_are_not(client: httpx.AsyncClient,
                                                                    example: Example) -> None:
    request = example("order-select-lumbar-day20.json")
    request = as_order_sign(request, [second_lumbar_mri(request), chest_ct()])
    response = await client.post(ORDER_SIGN, json=request)
    assert response.status_code == 200
    rated = {action["resource"]["id"] for action in response.json()["systemActions"]}
    assert rated == {"draft-mri-1", "draft-mri-2"}


async def test_a_red_flag_card_shared_by_two_orders_is_shown_once(client: httpx.AsyncClient,
                                                                   example: Example) -> None:
    request = example("order-select-cauda-equina.json")
    request = as_order_sign(request, [second_lumbar_mri(request)])
    cards = (await client.post(ORDER_SIGN, json=request)).json()["cards"]
    summaries = [card["summary"] for card in cards]
    assert len(summaries) == len(set(summaries)), summaries
    assert any(card["indicator"] == "critical" for card in cards)


async def test_the_audit_records_only_the_cards_shown(client: httpx.AsyncClient, example: Example,
                                                      app: Any) -> None:
    seen: list[Any] = []

    class Recorder:
        def observe(self, outcome: Any) -> None:
            seen.append(outcome)

    app.state.runtime = dataclasses.replace(app.state.runtime, observers=(Recorder(),))
    request = example("order-select-cauda-equina.json")
    request = as_order_sign(request, [second_lumbar_mri(request)])
    cards = (await client.post(ORDER_SIGN, json=request)).json()["cards"]
    (outcome,) = seen
    audited = [uuid for evaluation in outcome.evaluations for uuid in evaluation.card_uuids]
    assert sorted(audited) == sorted(card["uuid"] for card in cards)
    assert len(outcome.evaluations) == 2
