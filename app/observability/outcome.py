"""What one hook call decided, as plain values, for whoever watches: the log, the audit trail, metrics.

Handlers build one ``HookOutcome`` per call and hand it to every observer on the runtime. Observers must
not block the response (queue the work) and must not raise; they receive ids, codes, counts and
timings only — never patient data or tokens.
"""

from __future__ import annotations

import logging
from dataclasses import field
from datetime import datetime
from typing import Protocol

from app.immutable import immutable

log = logging.getLogger(__name__)


@immutable
class RatedOrder:
    """One evaluation: the order it rated (``None`` for patient-view), its rules, rating and cards."""

    consult_id: str
    order_reference: str | None
    rules: tuple[str, ...]
    rating: str | None
    card_uuids: tuple[str, ...]
    card_topics: tuple[str, ...]
    card_indicators: tuple[str, ...]
    auc_variant: str | None = None


@immutable
class HookOutcome:
    service_id: str
    hook: str
    hook_instance: str
    client_iss: str | None
    patient_reference: str
    at: datetime
    latency_ms: float
    silent: bool
    evaluations: tuple[RatedOrder, ...]
    keys_from_prefetch: tuple[str, ...] = ()
    keys_fetched: tuple[str, ...] = ()
    keys_failed: tuple[str, ...] = ()
    keys_incomplete: tuple[str, ...] = ()
    skipped_resources: int = 0
    other_patient_resources: int = 0  # set aside as another patient's (PATHWAY.md invariant 7)
    policy_version: str = ""
    content_version: str = ""
    cards_returned: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


class OutcomeObserver(Protocol):
    def observe(self, outcome: HookOutcome) -> None: ...


class LogObserver:
    """One structured log line per call: ids, rules, ratings, counts, timings."""

    def observe(self, outcome: HookOutcome) -> None:
        log.info(
            "hook evaluated",
            extra={
                "service": outcome.service_id,
                "hook_instance": outcome.hook_instance,
                "client": outcome.client_iss,
                "rules": [rule for e in outcome.evaluations for rule in e.rules],
                "ratings": [e.rating for e in outcome.evaluations],
                "cards": outcome.cards_returned,
                "fetched": list(outcome.keys_fetched),
                "failed": list(outcome.keys_failed),
                "incomplete": list(outcome.keys_incomplete),
                "skipped_resources": outcome.skipped_resources,
                "other_patient_resources": outcome.other_patient_resources,
                "silent": outcome.silent,
                "ms": outcome.latency_ms,
            },
        )


def notify(observers: tuple[OutcomeObserver, ...], outcome: HookOutcome) -> None:
    """An observer's failure is logged by type and never reaches the EHR."""
    for observer in observers:
        try:
            observer.observe(outcome)
        except Exception as exc:
            log.error(
                "outcome observer failed",
                extra={"observer": type(observer).__name__, "error_type": type(exc).__name__},
            )
