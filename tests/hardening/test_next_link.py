"""A FHIR server's ``next`` link is followed only under fhirServer's own path (CONTRACT.md §3.5): the page
is fetched with the EHR's bearer token, so a link elsewhere on the host would carry the token past a
path-restricted allow-list entry. respx stands in for the EHR's server (fault injection: a hostile link).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from app.main import create_app
from app.settings import Settings

SERVER = "https://ehr.example.org/fhir/R4"
TOKEN = "ehr-access-token-for-fhir-r4-only"


def bundle(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                             "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources]}
    if next_url:
        found["link"] = [{"relation": "next", "url": next_url}]
    return found


@pytest.mark.parametrize("link", [
    "https://ehr.example.org/admin/export?page=2",
    "https://ehr.example.org/fhir/R4/../../admin/export?page=2",
    "https://ehr.example.org/fhir/R4x/Condition?page=2",
])
async def test_a_next_link_off_the_fhir_server_path_is_never_fetched(
    settings_factory: Callable[..., Settings], example: Callable[[str], dict[str, Any]], link: str,
) -> None:
    body = example("order-select-lumbar-day20.json")
    prefetch = body.pop("prefetch")
    body["fhirServer"] = SERVER
    body["fhirAuthorization"] = {"access_token": TOKEN, "token_type": "Bearer", "scope": "patient/*.read"}
    patient = prefetch["patient"]
    conditions = [entry["resource"] for entry in prefetch["conditions"]["entry"]]
    app = create_app(settings_factory(fhir_server_allowlist=[SERVER]))
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as ehr:
        elsewhere = ehr.route(host="ehr.example.org", path__regex=r"^/(admin|fhir/R4x)/").respond(json={})
        ehr.get(f"{SERVER}/Patient/{patient['id']}").respond(json=patient)
        ehr.get(f"{SERVER}/Condition").respond(json=bundle(*conditions, next_url=link))
        ehr.route(host="ehr.example.org", path__startswith="/fhir/R4/").respond(json=bundle())
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
                response = await http.post("/cds-services/spine-imaging-order-select", json=body)
    assert response.status_code == 200
    assert not elsewhere.called  # the token never left fhirServer's path
    assert all(call.request.url.path.startswith("/fhir/R4/") for call in ehr.calls)
