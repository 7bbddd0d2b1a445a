"""A verified client may send us only to its own FHIR servers (trust registry ``fhir_servers``, §3.5).

The global allow-list admits both EHR hosts; the client's entry names only one. The bearer token the client
hands us must never be presented to the other host, even though the allow-list alone would permit it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml
from security.minting import es384_signer

from app.settings import Settings

PUBLIC = "https://cds.example.org"
SERVICE = "/cds-services/spine-imaging-order-select"
OWN_SERVER = "https://ehr.example.org/fhir"
FOREIGN_SERVER = "https://other-ehr.example.org/fhir"
CLIENT = es384_signer(kid="fhir-servers-test")
Example = Callable[[str], dict[str, Any]]


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], tmp_path: Path) -> Settings:
    trust = tmp_path / "trust.yaml"
    trust.write_text(yaml.safe_dump({"clients": [CLIENT.trust_entry(fhir_servers=[OWN_SERVER])]}))
    return settings_factory(auth_required=True, trust_file=trust, public_base_url=PUBLIC,
                            fhir_server_allowlist=[OWN_SERVER, FOREIGN_SERVER])


def request_without_prefetch(example: Example, server: str) -> dict[str, Any]:
    request = example("order-select-lumbar-day20.json")
    del request["prefetch"]
    request["fhirServer"] = server
    request["fhirAuthorization"] = {"access_token": "ehr-token-123", "token_type": "Bearer",
                                    "expires_in": 300, "scope": "patient/*.read", "subject": "spine-cds"}
    return request


async def call(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    token = CLIENT.token(audience=PUBLIC + SERVICE)
    return await client.post(SERVICE, json=body, headers={"Authorization": f"Bearer {token}"})


async def test_a_server_outside_the_clients_list_is_never_called(client: httpx.AsyncClient,
                                                                 example: Example) -> None:
    with respx.mock(assert_all_called=False) as router:
        foreign = router.route(host="other-ehr.example.org").respond(200, json={})
        router.route(host="127.0.0.1").pass_through()
        response = await call(client, request_without_prefetch(example, FOREIGN_SERVER))
    assert response.status_code == 412
    assert not foreign.called


async def test_the_clients_own_server_is_asked_with_its_token(client: httpx.AsyncClient,
                                                              example: Example) -> None:
    with respx.mock(assert_all_called=False) as router:
        own = router.route(host="ehr.example.org").respond(
            200, json={"resourceType": "Bundle", "type": "searchset", "total": 0})
        router.route(host="127.0.0.1").pass_through()
        await call(client, request_without_prefetch(example, OWN_SERVER))
    assert own.called
    assert own.calls.last.request.headers["authorization"] == "Bearer ehr-token-123"
