"""Odd values the red team sent, each of which was a 500: now a 400 naming the problem, or a skipped
resource (CONTRACT.md §3.3), never a 500 (docs/security.md, "Bounded input")."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

SELECT = "/cds-services/spine-imaging-order-select"
FEEDBACK = f"{SELECT}/feedback"
JSON = {"Content-Type": "application/json"}
Example = Callable[[str], dict[str, Any]]


async def post(client: httpx.AsyncClient, path: str, body: Any) -> httpx.Response:
    """``json.dumps`` escapes a lone surrogate as ``\\ud800``, as a hostile client would send it."""
    return await client.post(path, content=json.dumps(body), headers=JSON)


def order(body: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = body["context"]["draftOrders"]["entry"][0]["resource"]
    return found


def condition(body: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = body["prefetch"]["conditions"]["entry"][0]["resource"]
    return found


@pytest.mark.parametrize("value", ["p\ud800", "p\x00", "p" * 201])
async def test_an_unusable_patient_id_is_a_400(client: httpx.AsyncClient, example: Example,
                                               value: str) -> None:
    body = example("order-select-lumbar-day20.json")
    body["context"]["patientId"] = value
    response = await post(client, SELECT, body)
    assert response.status_code == 400
    said = response.json()["issue"][0]["diagnostics"]
    assert "patientId" in said or "lone surrogate" in said


async def test_a_lone_surrogate_anywhere_in_the_request_is_a_400(client: httpx.AsyncClient,
                                                                 example: Example) -> None:
    body = example("order-select-lumbar-day20.json")
    condition(body)["code"]["coding"][0]["display"] = "Radiculopathy \ud800"
    response = await post(client, SELECT, body)
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize("field", ["id", "display"])
async def test_a_fhir_answer_with_a_lone_surrogate_skips_or_drops_the_value(field: str) -> None:
    """The FHIR server's answers are decoded leniently: the view treats such a string as absent."""
    from app.fhir.parse_condition import parse_condition

    raw = {"resourceType": "Condition", "id": "c1", "code": {"coding": [
        {"system": "http://snomed.info/sct", "code": "1", "display": "d"}]}}
    if field == "id":
        raw["id"] = "c\ud800"
        with pytest.raises(ValueError, match="without id"):
            parse_condition(raw)
    else:
        raw["code"]["coding"][0]["display"] = "d\ud800"
        assert parse_condition(raw).codings[0].display is None


@pytest.mark.parametrize("reason", [-1, True, 1e308, "text", {"coding": 1}, [1, None]])
async def test_a_malformed_reason_code_is_ignored_not_a_500(client: httpx.AsyncClient, example: Example,
                                                            reason: Any) -> None:
    body = example("order-select-lumbar-day20.json")
    order(body)["reasonCode"] = reason
    response = await post(client, SELECT, body)
    assert response.status_code == 200
    assert response.json()["cards"]


async def test_an_over_long_order_id_or_hook_instance_is_a_400(client: httpx.AsyncClient,
                                                               example: Example) -> None:
    """A 2 MB order id made an 8 MB response; a 4 MB hookInstance was logged twice."""
    body = example("order-select-lumbar-day20.json")
    order(body)["id"] = "o" * 2_000_000
    assert (await post(client, SELECT, body)).status_code == 400
    body = example("order-select-lumbar-day20.json") | {"hookInstance": "h" * 4_000_000}
    response = await post(client, SELECT, body)
    assert response.status_code == 400 and len(response.content) < 1_000


async def test_an_oversized_draft_order_is_a_400(client: httpx.AsyncClient, example: Example) -> None:
    """The order is echoed twice in its PAMA update: 1 MB of order text once made a 2 MB answer."""
    body = example("order-select-lumbar-day20.json")
    order(body)["code"]["text"] = "x" * 1_000_000
    response = await post(client, SELECT, body)
    assert response.status_code == 400 and len(response.content) < 1_000
    assert "draft order is larger" in response.json()["issue"][0]["diagnostics"]


def feedback(**override: Any) -> dict[str, Any]:
    entry = {"card": "7c3f5e1a-0000-4000-8000-000000000001", "outcome": "overridden",
             "outcomeTimestamp": "2026-11-20T10:00:00Z", "overrideReason": {"userComment": "fine"}}
    return {"feedback": [entry | override]}


@pytest.mark.parametrize("comment", ["why\ud800", "why\x00", "x" * 4_001])
async def test_an_unstorable_feedback_comment_is_a_400(client: httpx.AsyncClient, comment: str) -> None:
    response = await post(client, FEEDBACK, feedback(overrideReason={"userComment": comment}))
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


async def test_a_comment_with_line_breaks_is_stored(client: httpx.AsyncClient) -> None:
    response = await post(client, FEEDBACK, feedback(overrideReason={"userComment": "one\r\ntwo\tthree"}))
    assert response.json() == {"received": 1, "stored": 1}
