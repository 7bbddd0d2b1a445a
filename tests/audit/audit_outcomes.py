"""Build ``HookOutcome``s as handlers do, for the audit and dashboard tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.observability.outcome import HookOutcome, RatedOrder


def rated(
    rules: tuple[str, ...] = ("R1",),
    rating: str | None = "not-appropriate",
    cards: tuple[tuple[str, str, str], ...] = (),  # (uuid, topic, indicator)
    order: str | None = "ServiceRequest/mri-1",
    consult_id: str | None = None,
) -> RatedOrder:
    return RatedOrder(
        consult_id=consult_id or str(uuid.uuid4()),
        order_reference=order,
        rules=rules,
        rating=rating,
        card_uuids=tuple(card[0] for card in cards),
        card_topics=tuple(card[1] for card in cards),
        card_indicators=tuple(card[2] for card in cards),
        auc_variant="ACR LBP v1",
    )


def outcome(*evaluations: RatedOrder, **overrides: Any) -> HookOutcome:
    values: dict[str, Any] = {
        "service_id": "spine-imaging-order-select",
        "hook": "order-select",
        "hook_instance": str(uuid.uuid4()),
        "client_iss": "https://ehr.example",
        "patient_reference": "Patient/p-123",
        "at": datetime(2026, 11, 3, 15, 30, tzinfo=UTC),
        "latency_ms": 12.5,
        "silent": False,
        "evaluations": evaluations,
        "keys_from_prefetch": ("patient", "conditions"),
        "keys_fetched": ("medications",),
        "keys_failed": ("imaging",),
        "policy_version": "site-7",
        "content_version": "abc123",
        "cards_returned": sum(len(e.card_uuids) for e in evaluations),
    }
    values.update(overrides)
    return HookOutcome(**values)
