"""Optional OpenTelemetry tracing: off by default; on, one server span per hook call named by
the route template, with the hook's codes and no patient data, and no spans for probes or /metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from observability.canary import HOOK_INSTANCE, SERVICE

from app.main import create_app
from app.observability import setup_tracing
from app.settings import Settings

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def settings(settings: Settings, spans: InMemorySpanExporter) -> Settings:
    return settings.model_copy(update={"otel_enabled": True})


@pytest.fixture
def traced(monkeypatch: pytest.MonkeyPatch, spans: InMemorySpanExporter) -> None:
    """create_app's setup_tracing, with the in-memory exporter in place of OTLP."""
    monkeypatch.setattr("app.main.setup_tracing", lambda app, settings: setup_tracing(app, settings, spans))


@pytest.fixture
def app(traced: None, settings: Settings) -> FastAPI:
    """Overrides the root fixture: the conftest's ``client`` then drives this traced app."""
    application = create_app(settings)
    return application


@pytest.fixture
async def client(app: FastAPI) -> Any:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            yield http


async def test_a_hook_call_is_one_server_span_with_its_codes(
    call_hook: Any, client: httpx.AsyncClient, spans: InMemorySpanExporter, app: FastAPI
) -> None:
    call = await call_hook()
    await client.get("/healthz")
    await client.get("/metrics")
    app.state.tracer_provider.force_flush()
    server = [s for s in spans.get_finished_spans() if s.kind.name == "SERVER"]
    assert [s.name for s in server] == ["POST /cds-services/{service_id}"]
    attributes = dict(server[0].attributes or {})
    assert attributes["cds.service"] == SERVICE
    assert attributes["cds.hook_instance"] == HOOK_INSTANCE
    everything = repr([(s.name, dict(s.attributes or {})) for s in spans.get_finished_spans()])
    for what, secret in call.secrets().items():
        assert secret not in everything, f"the {what} is in a span"


def test_tracing_is_off_by_default(settings_factory: Callable[..., Settings]) -> None:
    app = create_app(settings_factory())
    assert not hasattr(app.state, "tracer_provider")
