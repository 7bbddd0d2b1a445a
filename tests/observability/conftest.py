"""Fixtures for reading what the service writes for operators: a signer, settings, one canary hook call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml
from observability.canary import EHR, PUBLIC, SERVICE_PATH, HookCall, canary_request
from security.minting import Signer, es384_signer

from app.settings import Settings


@pytest.fixture(scope="module")
def signer() -> Signer:
    return es384_signer()


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], tmp_path: Path, signer: Signer) -> Settings:
    trust = tmp_path / "trust.yaml"
    trust.write_text(yaml.safe_dump({"clients": [signer.trust_entry(fhir_servers=[EHR])]}))
    return settings_factory(auth_required=True, trust_file=trust, public_base_url=PUBLIC,
                            fhir_server_allowlist=[EHR])


@pytest.fixture
def call_hook(client: httpx.AsyncClient, signer: Signer,
              example: Callable[[str], dict[str, Any]]) -> Callable[[], Any]:
    async def call() -> HookCall:
        token = signer.token(PUBLIC + SERVICE_PATH)
        empty = {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
        with respx.mock(assert_all_called=True) as ehr:
            ehr.get(url__startswith=f"{EHR}/Procedure").respond(200, json=empty)
            response = await client.post(SERVICE_PATH, json=canary_request(example),
                                         headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return HookCall(response, token)

    return call
