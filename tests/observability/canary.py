"""A hook call that carries known secrets: a signed JWT, an EHR access token, a patient name and id.

Tests here read what the service writes for operators (metrics, logs, spans) and look for these canaries.
One prefetch key is left out so the call also makes a FHIR fallback request (to respx, never the network).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

PUBLIC = "https://cds.example.org"
EHR = "https://ehr.example.org/fhir"
SERVICE = "spine-imaging-order-select"
SERVICE_PATH = f"/cds-services/{SERVICE}"
ACCESS_TOKEN = "canary-access-token-4b1d77e0c2a9"
FAMILY, GIVEN = "Thistlewood", "Ottoline"
PATIENT_ID = "canary-patient-8e21f0"
HOOK_INSTANCE = "canary-hook-instance-3c5a9d"


@dataclass(frozen=True)
class HookCall:
    """What was sent, so a test can look for each secret in what the service wrote."""

    response: httpx.Response
    jwt: str

    def secrets(self) -> dict[str, str]:
        return {"jwt": self.jwt, "jwt signature": self.jwt.rsplit(".", 1)[-1], "access token": ACCESS_TOKEN,
                "family name": FAMILY, "given name": GIVEN, "patient id": PATIENT_ID}


def canary_request(example: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    request = example("order-select-lumbar-day20.json")
    request["hookInstance"] = HOOK_INSTANCE
    request["fhirServer"] = EHR
    request["fhirAuthorization"] = {"access_token": ACCESS_TOKEN, "token_type": "Bearer", "expires_in": 300,
                                    "scope": "patient/*.read", "subject": "spine-cds"}
    old_id = request["context"]["patientId"]
    text = _replace_everywhere(request, old_id, PATIENT_ID)
    text["prefetch"]["patient"]["name"] = [{"family": FAMILY, "given": [GIVEN]}]
    del text["prefetch"]["procedures"]  # fetched from the EHR instead
    return text


def _replace_everywhere(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _replace_everywhere(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_everywhere(v, old, new) for v in value]
    return value
