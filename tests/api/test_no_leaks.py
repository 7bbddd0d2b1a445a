"""No leaks (CONTRACT.md R6, S7, §3.5): a full hook call and its feedback, with a known JWT, access
token, patient name and prefetch text, leave none of them in the logs at DEBUG, nor the access token or JWT
in the database.
"""

from __future__ import annotations

import json
import logging
import uuid
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
SERVICE_PATH = "/cds-services/spine-imaging-order-select"
ACCESS_TOKEN = "canary-access-token-7f3a9c2e51d84b6f"
FAMILY, GIVEN = "Quillfeather", "Zebulon"
PREFETCH_CANARY = "canary-prefetch-note-5d1e"
SIGNER = es384_signer()


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], tmp_path: Path) -> Settings:
    trust = tmp_path / "trust.yaml"
    trust.write_text(yaml.safe_dump({"clients": [SIGNER.trust_entry()]}))
    return settings_factory(auth_required=True, trust_file=trust, public_base_url=PUBLIC,
                            database_url=f"sqlite:///{tmp_path / 'leaks.db'}")


def hook_request(example: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    request = example("order-select-lumbar-day20.json")
    request["fhirAuthorization"] = {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                    "scope": "patient/*.read", "subject": "spine-cds"}
    patient = request["prefetch"]["patient"]
    patient["name"] = [{"family": FAMILY, "given": [GIVEN]}]
    patient["text"] = {"status": "generated", "div": f"<div>{PREFETCH_CANARY}</div>"}
    return request


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as pytest's formatter prints it, plus every attribute (``extra=`` fields, exceptions)."""
    return caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)


def database_bytes(tmp_path: Path) -> bytes:
    return b"".join(path.read_bytes() for path in tmp_path.glob("leaks.db*"))


async def test_full_hook_call_leaks_no_token_jwt_patient_name_or_prefetch(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, tmp_path: Path,
    example: Callable[[str], dict[str, Any]],
) -> None:
    caplog.set_level(logging.DEBUG)
    hook_jwt = SIGNER.token(PUBLIC + SERVICE_PATH)
    with respx.mock(assert_all_called=False) as ehr:  # any fallback fetch finds nothing, never the network
        ehr.route(host="ehr.example.org").respond(404, json={"resourceType": "OperationOutcome", "issue": []})
        response = await client.post(SERVICE_PATH, json=hook_request(example),
                                     headers={"Authorization": f"Bearer {hook_jwt}"})
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    feedback_jwt = SIGNER.token(f"{PUBLIC}{SERVICE_PATH}/feedback")
    card_uuid = cards[0].get("uuid", str(uuid.uuid4())) if cards else str(uuid.uuid4())
    item = {"card": card_uuid, "outcome": "overridden", "overrideReason": {"userComment": "no"},
            "outcomeTimestamp": "2026-11-25T10:00:00Z"}
    feedback = {"feedback": [item]}
    stored = await client.post(f"{SERVICE_PATH}/feedback", json=feedback,
                               headers={"Authorization": f"Bearer {feedback_jwt}"})
    assert stored.status_code == 200, stored.text

    logs = logged_text(caplog)
    assert caplog.records, "nothing was logged: the test would prove nothing"
    for secret in (hook_jwt, feedback_jwt, ACCESS_TOKEN, FAMILY, GIVEN, PREFETCH_CANARY):
        assert secret not in logs, f"{secret[:12]}… appears in the logs"
    persisted = database_bytes(tmp_path)
    for secret in (ACCESS_TOKEN, hook_jwt, feedback_jwt, FAMILY):
        assert secret.encode() not in persisted


async def test_refused_token_is_not_logged(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture,
                                           example: Callable[[str], dict[str, Any]]) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_audience = SIGNER.token("https://elsewhere.example.org/cds-services")
    response = await client.post(SERVICE_PATH, content=json.dumps(hook_request(example)),
                                 headers={"Authorization": f"Bearer {wrong_audience}",
                                          "Content-Type": "application/json"})
    assert response.status_code == 401
    logs = logged_text(caplog)
    assert "aud is not this endpoint" in logs
    for secret in (wrong_audience, ACCESS_TOKEN, FAMILY, PREFETCH_CANARY):
        assert secret not in logs
