"""OPERATIONS — what operators watch: Prometheus metrics, structured logs, optional OpenTelemetry traces.

``outcome_observers`` is the set of ``HookOutcome`` observers the settings call for; ``app.main`` hands it
to the runtime. Nothing here reads patient data: observers get ids, codes, counts and timings.
"""

from __future__ import annotations

from app.observability.logs import bind_hook, configure_logging
from app.observability.observer import MetricsObserver
from app.observability.outcome import LogObserver, OutcomeObserver
from app.observability.router import metrics_router
from app.observability.tracing import TracingObserver, setup_tracing
from app.settings import Settings

__all__ = [
    "MetricsObserver", "TracingObserver", "bind_hook", "configure_logging", "metrics_router",
    "outcome_observers", "setup_tracing",
]


def outcome_observers(settings: Settings) -> tuple[OutcomeObserver, ...]:
    observers: list[OutcomeObserver] = [LogObserver()]
    if settings.metrics_enabled:
        observers.append(MetricsObserver())
    if settings.otel_enabled:
        observers.append(TracingObserver())
    return tuple(observers)
