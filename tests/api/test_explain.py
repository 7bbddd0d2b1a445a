"""The one informaticist link on every card: ``GET /explain/{consult id}``, "How this was decided".

Read from the audit trail, served without a credential, so it must carry no clinical fact and no patient
or order id (docs/security.md "How this was decided").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx

SERVICE = "/cds-services/spine-imaging-order-select"


async def explained(client: httpx.AsyncClient, url: str) -> httpx.Response:
    """The audit row is written off the critical path: poll briefly, as a second click would."""
    for _ in range(100):
        page = await client.get(url)
        if page.status_code == 200:
            return page
        await asyncio.sleep(0.05)
    return page


async def test_every_card_links_its_consult_page_with_the_rule_trace_and_no_patient_data(
    client: httpx.AsyncClient, example: Callable[[str], dict[str, Any]]
) -> None:
    request = example("order-select-lumbar-day20.json")
    body = (await client.post(SERVICE, json=request)).json()
    (card,) = body["cards"]
    explain = card["links"][-1]
    assert explain["label"] == "How this was decided"
    consult = body["systemActions"][0]["resource"]["extension"][1]["valueUri"].removeprefix("urn:uuid:")
    assert explain["url"] == f"http://127.0.0.1:8080/explain/{consult}"
    page = await explained(client, explain["url"])
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "R1" in page.text and "not-appropriate" in page.text and "ACR LBP 2021" in page.text
    patient = request["context"]["patientId"]
    order = request["context"]["selections"][0]
    assert patient not in page.text and order not in page.text and order.split("/")[1] not in page.text


async def test_an_unknown_or_malformed_consult_id_is_a_plain_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/explain/0b6c7a39-6a1e-4c4c-9f0e-0d3f4f1a2b3c")).status_code == 404
    assert (await client.get("/explain/not-a-uuid")).status_code == 404
