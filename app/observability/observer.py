"""``MetricsObserver``: one ``HookOutcome`` turned into counter increments (``app.observability.outcome``).

Observers run on the request path, so this one does only in-memory increments (no I/O, no locks held
for long). Label values come from the outcome's codes (service, rules, rating, card topic and indicator)
and the fixed prefetch key names; the patient reference, ``hookInstance`` and client are never used.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from prometheus_client.metrics import MetricWrapperBase

from app.fhir.templates import PREFETCH_TEMPLATES
from app.observability import metrics
from app.observability.outcome import HookOutcome, RatedOrder


class MetricsObserver:
    """Implements ``app.observability.outcome.OutcomeObserver``."""

    def observe(self, outcome: HookOutcome) -> None:
        service = outcome.service_id
        _child(metrics.HOOK_SECONDS, service).observe(outcome.latency_ms / 1000)
        mode = "silent" if outcome.silent else "active"
        for evaluation in outcome.evaluations:
            _count_evaluation(service, mode, evaluation)
        if outcome.skipped_resources:
            _child(metrics.SKIPPED_RESOURCES, service).inc(outcome.skipped_resources)
        _count_data_keys(outcome)


def _count_evaluation(service: str, mode: str, evaluation: RatedOrder) -> None:
    _child(metrics.RATINGS, service, evaluation.rating or "unrated").inc()
    for rule in evaluation.rules:
        _child(metrics.RULES, service, rule).inc()
    for topic, indicator in zip(evaluation.card_topics, evaluation.card_indicators, strict=True):
        _child(metrics.CARDS, service, topic, indicator, mode).inc()


def _count_data_keys(outcome: HookOutcome) -> None:
    """Only the service's own prefetch key names: a client may send any key, which must not become a label."""
    sources = {
        "prefetch": outcome.keys_from_prefetch,
        "fetched": outcome.keys_fetched,
        "failed": outcome.keys_failed,
        "incomplete": outcome.keys_incomplete,
    }
    for source, keys in sources.items():
        for key in keys:
            if key in PREFETCH_TEMPLATES:
                _child(metrics.DATA_KEYS, outcome.service_id, key, source).inc()


@lru_cache(maxsize=4096)  # every label value comes from a small fixed set (app/observability/metrics.py)
def _child(metric: MetricWrapperBase, *values: str) -> Any:
    """``metric.labels(*values)`` in label-name order, memoised: ``labels()`` checks and locks on every
    call (~1.5 µs; a hook call counts about a dozen things), and a child, once made, lives as long as
    its metric."""
    return metric.labels(*values)
