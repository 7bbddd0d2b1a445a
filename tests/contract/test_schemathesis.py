"""Schemathesis against the OpenAPI document: generated requests, valid and invalid, each with a
fresh trusted JWT, find no 500 and no status code the document does not list.

Bounded for CI: at most ``MAX_EXAMPLES`` per operation and mode, derandomized so a failure reproduces.
The committed ``openapi/openapi.json`` is used when present (its drift from the app is tested elsewhere),
else the app's own document. Every outbound HTTP call is answered by respx, so nothing reaches a network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import respx
import schemathesis
import yaml
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import status_code_conformance
from security.minting import es384_signer

from app.hooks.services import SERVICES
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "http://testserver"  # the host schemathesis' in-process client sends
MAX_EXAMPLES = 25
SIGNER = es384_signer()


@pytest.fixture
def app(settings_factory: Callable[..., Settings], tmp_path: Path) -> Iterator[FastAPI]:
    from app.main import create_app

    trust = tmp_path / "trust.yaml"
    trust.write_text(yaml.safe_dump({"clients": [SIGNER.trust_entry()]}))
    yield create_app(settings_factory(auth_required=True, trust_file=trust, public_base_url=PUBLIC))
    shutdown_lifespans()  # schemathesis started the lifespan in its own thread; end it with the test


def openapi_document(app: FastAPI) -> dict[str, Any]:
    committed = ROOT / "openapi" / "openapi.json"
    document: dict[str, Any] = json.loads(committed.read_text()) if committed.is_file() else app.openapi()
    return document


def test_generated_requests_get_no_500_and_only_documented_status_codes(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_dict(openapi_document(app))
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    with respx.mock(assert_all_called=False) as network:
        network.route().respond(404, json={"resourceType": "OperationOutcome", "issue": []})
        for operation in operations:
            for path_parameters in _service_ids(operation):
                _exercise(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=path_parameters))
                try:
                    _exercise(operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=path_parameters))
                except Unsatisfiable:  # no body and no parameters: there is no invalid request to make
                    assert not operation.body, operation.label
                    assert not operation.path_parameters, operation.label


def _service_ids(operation: Any) -> list[dict[str, str] | None]:
    """Generated ids (mostly unknown: 404) and then each real service, so bodies reach the handlers."""
    if not any(parameter.name == "service_id" for parameter in operation.path_parameters):
        return [None]
    return [None, *({"service_id": service_id} for service_id in SERVICES)]


def _exercise(strategy: Any) -> None:
    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        token = SIGNER.token(PUBLIC + unquote(case.formatted_path))  # the server's aud uses the decoded path
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error, status_code_conformance]
        )

    run()
