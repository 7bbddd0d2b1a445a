"""Health probes, CORS for the sandbox, feedback surviving a restart, and OpenAPI drift."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
from feedback_rows import stored_for_card

from app.main import create_app
from app.openapi import openapi_document
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = "https://sandbox.cds-hooks.org"


async def test_healthz_is_ok_without_touching_anything(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_database_value_sets_and_cards(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": True, "value_sets": True, "cards": True}


async def test_readyz_is_503_when_the_database_is_gone(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_factory(database_url=f"sqlite:///{tmp_path / 'db' / 'ready.db'}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.runtime.database.dispose()
        shutil.rmtree(tmp_path / "db")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] is False


async def test_s9_sandbox_preflight_is_answered(client: httpx.AsyncClient) -> None:
    for path in (
        "/cds-services",
        "/cds-services/spine-imaging-order-select",
        "/cds-services/spine-imaging-order-select/feedback",
    ):
        response = await client.options(
            path,
            headers={
                "Origin": SANDBOX,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == SANDBOX
        allowed = response.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed


async def test_s9_unknown_origin_gets_no_cors_grant(client: httpx.AsyncClient) -> None:
    response = await client.get("/cds-services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_feedback_survives_an_app_restart(
    settings_factory: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = settings_factory(database_url=f"sqlite:///{tmp_path / 'restart.db'}")
    item = {
        "card": "c0ffee00-0000-4000-8000-000000000003",
        "outcome": "overridden",
        "outcomeTimestamp": "2026-11-20T10:00:00Z",
        "overrideReason": {"userComment": "outside MRI"},
    }
    for attempt in range(2):
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                if attempt == 0:
                    response = await http.post(
                        "/cds-services/spine-imaging-order-sign/feedback", json={"feedback": [item]}
                    )
                    assert response.json()["stored"] == 1
                else:
                    assert len(stored_for_card(app.state.runtime.database, item["card"])) == 1


def test_openapi_document_is_committed_and_current() -> None:
    committed = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert committed == openapi_document(), "run `make openapi` and commit openapi/openapi.json"


def test_openapi_documents_the_error_statuses() -> None:
    operation = openapi_document()["paths"]["/cds-services/{service_id}"]["post"]
    assert {"200", "400", "401", "404", "412", "422"} <= set(operation["responses"])
