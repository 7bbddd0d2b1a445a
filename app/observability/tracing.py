"""Optional OpenTelemetry tracing (``OTEL_ENABLED``): a server span per HTTP request, exported by OTLP/HTTP.

Only the ASGI layer is instrumented: its spans carry the route template (``/cds-services/{service_id}``),
method and status, and :class:`TracingObserver` adds the hook's service, ``hookInstance``, rules and
card count. Outgoing FHIR requests are deliberately not instrumented: their URLs carry the patient id in
the query (``Condition?patient=<id>``) and span attributes leave the cluster. Probes and ``/metrics`` are
not traced. The packages are the optional ``otel`` extra; enabling tracing without them stops start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import __version__
from app.observability.outcome import HookOutcome
from app.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

UNTRACED_PATHS = "healthz,readyz,metrics"


def setup_tracing(app: FastAPI, settings: Settings, exporter: Any = None) -> None:
    """Instrument ``app`` when OTEL_ENABLED; ``exporter`` replaces OTLP (tests pass an in-memory one)."""
    if not settings.otel_enabled:
        return
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise RuntimeError("OTEL_ENABLED needs the otel extra: pip install 'spine-cds[otel]'") from exc
    resource = Resource.create({"service.name": "spine-cds", "service.version": __version__})
    provider = TracerProvider(resource=resource)  # flushed at exit (shutdown_on_exit)
    provider.add_span_processor(BatchSpanProcessor(exporter or _otlp_exporter(settings)))
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=UNTRACED_PATHS)
    app.state.tracer_provider = provider


def _otlp_exporter(settings: Settings) -> Any:
    """OTEL_ENDPOINT is the collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is; unset, the OTel
    environment variables (or http://localhost:4318) decide."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    if settings.otel_endpoint is None:
        return OTLPSpanExporter()
    return OTLPSpanExporter(endpoint=settings.otel_endpoint.rstrip("/") + "/v1/traces")


class TracingObserver:
    """Hook codes on the request's server span; ids and codes only, like every observer."""

    def observe(self, outcome: HookOutcome) -> None:
        from opentelemetry import trace

        trace.get_current_span().set_attributes({
            "cds.service": outcome.service_id,
            "cds.hook_instance": outcome.hook_instance,
            "cds.rules": [rule for e in outcome.evaluations for rule in e.rules],
            "cds.cards": outcome.cards_returned,
            "cds.silent": outcome.silent,
        })
