"""CONTRACT.md §2 "The CDS Hooks sandbox", S2–S7 and F1–F6: the sandbox's JWT and its feedback buttons.

The sandbox signs every call (discovery, service, feedback) with ES384: ``iss``
https://sandbox.cds-hooks.org, ``jku`` its .well-known key set, ``aud`` the exact URL called,
``exp = iat + 300``, no ``tenant``. Its real private key is public but is not committed here: these tokens
come from a key generated per test run, trusted through a test trust file whose key set is static (held
out of band), so the listed ``jku`` is never fetched. Feedback is what its Dismiss button (override with
only ``reason.code``/``reason.system``) and suggestion buttons (accepted) send, for cards with a ``uuid``.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml
from feedback_rows import stored_for_card
from security.minting import Signer, es256_signer, es384_signer

from app.fhir.templates import PREFETCH_TEMPLATES
from app.settings import Settings

SANDBOX_ISS = "https://sandbox.cds-hooks.org"
SANDBOX_JKU = "https://sandbox.cds-hooks.org/.well-known/jwks.json"
BASE = "http://127.0.0.1:8080"  # as registered in the sandbox: aud is built from what it calls
DISCOVERY = "/cds-services"
ORDER_SELECT = "/cds-services/spine-imaging-order-select"
FEEDBACK = ORDER_SELECT + "/feedback"
SANDBOX = es384_signer(iss=SANDBOX_ISS, kid="sandbox-style-es384", jku=SANDBOX_JKU)
OLDER_SANDBOX = es256_signer(iss=SANDBOX_ISS, kid="sandbox-style-es256", jku=SANDBOX_JKU)
PID = "sbx-jwt"


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], tmp_path: Path) -> Settings:
    trust = tmp_path / "sandbox-test-trust.yaml"
    trust.write_text(yaml.safe_dump({"clients": [{
        "iss": SANDBOX_ISS, "development_only": True, "algorithms": ["ES384", "ES256"], "jku": [SANDBOX_JKU],
        "jwks": {"keys": [SANDBOX.public_jwk(), OLDER_SANDBOX.public_jwk()]},
        "fhir_servers": ["https://launch.smarthealthit.org", "http://127.0.0.1", "http://localhost"],
    }]}))
    return settings_factory(auth_required=True, trust_file=trust, public_base_url=BASE)


@pytest.fixture
def network() -> Iterator[respx.MockRouter]:
    """Nothing leaves the test: the key set URL and any FHIR server are answered (and watched) here."""
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        router.route(url=SANDBOX_JKU, name="jku").respond(500)
        yield router


def bearer(path: str, signer: Signer = SANDBOX, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.token(BASE + path, **claims)}"}


def order_select() -> dict[str, Any]:
    """Lumbar radiculopathy for 20 days and a draft lumbar MRI: a warning card with suggestions."""
    onset = (date.today() - timedelta(days=20)).isoformat()
    condition = {"resourceType": "Condition", "id": "c1", "subject": {"reference": f"Patient/{PID}"},
                 "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.16"}]},
                 "onsetDateTime": onset, "recordedDate": onset}
    empty = {"resourceType": "Bundle", "type": "searchset", "total": 0}
    prefetch = {"patient": {"resourceType": "Patient", "id": PID, "birthDate": "1982-05-01"},
                "conditions": {"resourceType": "Bundle", "type": "searchset", "total": 1,
                               "entry": [{"resource": condition}]},
                **{key: empty for key in PREFETCH_TEMPLATES if key not in ("patient", "conditions")}}
    order = {"resourceType": "ServiceRequest", "id": "example-request-id", "status": "draft",
             "intent": "plan",
             "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72148"}]},
             "subject": {"reference": f"Patient/{PID}"}}
    return {"hookInstance": str(uuid.uuid4()), "hook": "order-select",
            "fhirServer": "https://launch.smarthealthit.org/v/r4/fhir",
            "context": {"patientId": PID, "userId": "Practitioner/sandbox-user",
                        "selections": ["ServiceRequest/example-request-id"],
                        "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]}},
            "prefetch": prefetch}


def test_the_test_token_is_shaped_like_the_sandbox_token() -> None:
    header, payload, _ = SANDBOX.token(BASE + DISCOVERY).split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    assert decode(header) == {"alg": "ES384", "typ": "JWT", "kid": "sandbox-style-es384", "jku": SANDBOX_JKU}
    claims = decode(payload)
    assert claims["iss"] == SANDBOX_ISS and claims["aud"] == BASE + DISCOVERY
    assert claims["exp"] - claims["iat"] == 300
    assert "tenant" not in claims


async def test_sandbox_es384_token_is_verified_for_discovery_service_and_feedback_from_static_keys(
    client: httpx.AsyncClient, network: respx.MockRouter
) -> None:
    discovery = await client.get(DISCOVERY, headers=bearer(DISCOVERY))
    assert discovery.status_code == 200
    service = await client.post(ORDER_SELECT, json=order_select(), headers=bearer(ORDER_SELECT))
    assert service.status_code == 200
    card = service.json()["cards"][0]
    reason = {"code": card["overrideReasons"][0]["code"], "system": card["overrideReasons"][0]["system"]}
    feedback = {"feedback": [{"card": card["uuid"], "outcome": "overridden",
                              "outcomeTimestamp": "2026-11-24T10:00:00Z",
                              "overrideReason": {"reason": reason}}]}
    stored = await client.post(FEEDBACK, json=feedback, headers=bearer(FEEDBACK))
    assert stored.status_code == 200
    assert not network["jku"].called  # the static key set answered; the jku was never fetched


async def test_older_sandbox_builds_signing_es256_are_accepted(client: httpx.AsyncClient,
                                                               network: respx.MockRouter) -> None:
    response = await client.get(DISCOVERY, headers=bearer(DISCOVERY, OLDER_SANDBOX))
    assert response.status_code == 200


async def test_development_accepts_localhost_for_127_0_0_1_and_says_why_it_refuses(
    client: httpx.AsyncClient, network: respx.MockRouter
) -> None:
    """Registering the service as localhost in the sandbox (aud localhost) is the same loopback machine:
    accepted in development (app/hooks/devhints.py); another port is not, and the 401 says what to fix."""
    localhost = {"Authorization": "Bearer " + SANDBOX.token("http://localhost:8080" + ORDER_SELECT)}
    assert (await client.post(ORDER_SELECT, json=order_select(), headers=localhost)).status_code == 200
    other_port = {"Authorization": "Bearer " + SANDBOX.token("http://localhost:9999" + ORDER_SELECT)}
    refused = await client.post(ORDER_SELECT, json=order_select(), headers=other_port)
    assert refused.status_code == 401
    hint = refused.json()["issue"][0]["diagnostics"]
    assert "aud is not this endpoint" in hint and BASE + ORDER_SELECT in hint and "development" in hint


@pytest.mark.parametrize("misuse", ["discovery-aud-on-service", "other-host-aud", "expired", "replayed"])
async def test_sandbox_token_misuse_is_401(client: httpx.AsyncClient, network: respx.MockRouter,
                                          misuse: str) -> None:
    """``aud`` is the exact URL (only loopback spellings are aliases, in development); one token per call."""
    headers = {
        "discovery-aud-on-service": bearer(DISCOVERY),
        "other-host-aud": {"Authorization": "Bearer " + SANDBOX.token("http://10.0.0.8:8080" + ORDER_SELECT)},
        "expired": bearer(ORDER_SELECT, iat=1_700_000_000, exp=1_700_000_300),
        "replayed": bearer(ORDER_SELECT),
    }[misuse]
    if misuse == "replayed":
        first = await client.post(ORDER_SELECT, json=order_select(), headers=headers)
        assert first.status_code == 200
    response = await client.post(ORDER_SELECT, json=order_select(), headers=headers)
    assert response.status_code == 401


async def test_dismiss_and_suggestion_feedback_from_the_sandbox_are_stored(
    client: httpx.AsyncClient, network: respx.MockRouter, settings: Settings
) -> None:
    from app.feedback import Database

    response = await client.post(ORDER_SELECT, json=order_select(), headers=bearer(ORDER_SELECT))
    cards = response.json()["cards"]
    card = next(card for card in cards if card.get("suggestions"))
    reason = card["overrideReasons"][0]
    dismiss = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-24T10:00:00Z",
               "overrideReason": {"reason": {"code": reason["code"], "system": reason["system"]}}}
    take = {"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-24T10:01:00Z",
            "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}]}
    bare_dismiss = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-24T10:02:00Z"}
    for item in (dismiss, take, bare_dismiss):
        response = await client.post(FEEDBACK, json={"feedback": [item]}, headers=bearer(FEEDBACK))
        assert response.json() == {"received": 1, "stored": 1}, item
    again = await client.post(FEEDBACK, json={"feedback": [dismiss]}, headers=bearer(FEEDBACK))
    assert again.json() == {"received": 1, "stored": 0}  # F6: the same feedback twice is kept once

    database = Database(settings.database_url)
    try:
        stored = stored_for_card(database, card["uuid"])
    finally:
        database.dispose()
    assert sorted(item.outcome for item in stored) == ["accepted", "overridden", "overridden"]
    assert {item.override_reason_code for item in stored} == {reason["code"], None}
    assert [item.accepted_suggestions for item in stored if item.outcome == "accepted"] == [
        (card["suggestions"][0]["uuid"],)]
