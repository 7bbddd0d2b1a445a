"""CONTRACT.md §1.2 discovery (D1–D5) and the prefetch template rules (P2, P3)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import httpx

EXPECTED = {
    "spine-imaging-order-select": "order-select",
    "spine-imaging-order-sign": "order-sign",
    "spine-pathway-patient-view": "patient-view",
}
# P3: the spec's restricted query subset, as used by our templates (reference, token, _count).
ALLOWED_PARAMS = {"patient", "code", "_count", "_sort", "status", "category"}
TOKEN = re.compile(r"\{\{([^}]*)\}\}")


async def services(client: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await client.get("/cds-services")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["services"], list)
    return body["services"]


async def test_d1_d2_discovery_answers_200_with_services(client: httpx.AsyncClient) -> None:
    listed = await services(client)
    assert {s["id"]: s["hook"] for s in listed} == EXPECTED


async def test_d3_every_service_has_hook_description_and_id(client: httpx.AsyncClient) -> None:
    for service in await services(client):
        assert isinstance(service["hook"], str) and service["hook"]
        assert isinstance(service["description"], str) and len(service["description"]) > 20
        assert re.fullmatch(r"[a-z0-9-]+", str(service["id"]))


async def test_d4_every_service_has_a_title(client: httpx.AsyncClient) -> None:
    assert all(isinstance(s["title"], str) and s["title"] for s in await services(client))


async def test_d5_prefetch_covers_the_chart(client: httpx.AsyncClient) -> None:
    wanted = {
        "Patient",
        "Condition",
        "Observation",
        "Procedure",
        "MedicationRequest",
        "MedicationStatement",
        "Encounter",
        "ImagingStudy",
        "DiagnosticReport",
        "ServiceRequest",
    }
    for service in await services(client):
        prefetch = service["prefetch"]
        assert isinstance(prefetch, dict)
        types = {urlsplit(t).path.split("/")[0] for t in prefetch.values()}
        assert types == wanted


async def test_p2_p3_templates_use_only_context_tokens_and_the_query_subset(
    client: httpx.AsyncClient,
) -> None:
    for service in await services(client):
        for template in service["prefetch"].values():  # type: ignore[union-attr]
            assert not template.startswith(("/", "http")), "templates are relative"
            assert set(TOKEN.findall(template)) == {"context.patientId"}
            query = dict(parse_qsl(urlsplit(template).query))
            assert set(query) <= ALLOWED_PARAMS
            if "_count" in query:
                assert int(query["_count"]) >= 100, "large enough for a real chart"


async def test_d5_search_templates_ask_for_large_pages(client: httpx.AsyncClient) -> None:
    for service in await services(client):
        searches = [t for t in service["prefetch"].values() if "?" in t]  # type: ignore[union-attr]
        assert searches and all("_count=" in t for t in searches)
