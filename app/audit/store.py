"""Turn ``HookOutcome``s into audit rows and write them in one transaction (blocking: run in a thread)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

from app.audit.models import AuditCard, AuditRule, EvaluationAudit
from app.feedback import Database
from app.hooks.outcome import HookOutcome, RatedOrder


class ReferenceHasher:
    """Keeps ``Patient/123`` as is, or turns it into ``Patient/hmac-sha256:…`` under a site secret.

    A keyed hash (HMAC) rather than a plain digest: identifiers are short and often sequential, so an
    unkeyed SHA-256 could be reversed by hashing every id. The resource type stays readable; the same id
    always gives the same value, so rows about one patient can still be grouped.
    """

    def __init__(self, salt: bytes | None) -> None:
        self._salt = salt

    def __call__(self, reference: str) -> str:
        if self._salt is None:
            return reference
        kind, _, ident = reference.rpartition("/")
        digest = hmac.new(self._salt, ident.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{kind}/hmac-sha256:{digest}" if kind else f"hmac-sha256:{digest}"


def consult_urn(consult_id: str) -> str:
    """The PAMA consult id as the ``pama-rating-consult-id`` extension carries it."""
    return consult_id if consult_id.startswith("urn:uuid:") else f"urn:uuid:{consult_id}"


class AuditStore:
    def __init__(self, database: Database, hasher: ReferenceHasher) -> None:
        self._database = database
        self._hash = hasher

    def write(self, outcomes: Sequence[HookOutcome]) -> int:
        """All rows of the batch or none; returns how many evaluation rows were written."""
        rows = [row for outcome in outcomes for row in self.rows(outcome)]
        if rows:
            with self._database.session() as session:
                session.add_all(rows)
        return len(rows)

    def rows(self, outcome: HookOutcome) -> list[EvaluationAudit]:
        """One row per evaluation, or one row with no consult id when the call rated nothing."""
        if not outcome.evaluations:
            return [self._row(outcome, None)]
        return [self._row(outcome, evaluation) for evaluation in outcome.evaluations]

    def _row(self, outcome: HookOutcome, evaluation: RatedOrder | None) -> EvaluationAudit:
        return EvaluationAudit(
            consult_id=consult_urn(evaluation.consult_id) if evaluation else None,
            hook_instance=outcome.hook_instance,
            service_id=outcome.service_id,
            hook=outcome.hook,
            client_iss=outcome.client_iss,
            evaluated_at=outcome.at,
            latency_ms=outcome.latency_ms,
            silent=outcome.silent,
            rating=evaluation.rating if evaluation else None,
            auc_variant=evaluation.auc_variant if evaluation else None,
            patient_reference=self._hash(outcome.patient_reference),
            order_reference=self._optional(evaluation.order_reference if evaluation else None),
            keys_from_prefetch=list(outcome.keys_from_prefetch),
            keys_fetched=list(outcome.keys_fetched),
            keys_failed=list(outcome.keys_failed),
            keys_incomplete=list(outcome.keys_incomplete),
            skipped_resources=outcome.skipped_resources,
            cards_returned=outcome.cards_returned,
            policy_version=outcome.policy_version,
            content_version=outcome.content_version,
            rules=[AuditRule(rule=rule) for rule in _distinct(evaluation.rules if evaluation else ())],
            cards=_cards(evaluation) if evaluation else [],
        )

    def _optional(self, reference: str | None) -> str | None:
        return None if reference is None else self._hash(reference)


def _cards(evaluation: RatedOrder) -> list[AuditCard]:
    triples = zip(evaluation.card_uuids, evaluation.card_topics, evaluation.card_indicators, strict=True)
    return [AuditCard(card_uuid=uuid, topic=topic, indicator=indicator) for uuid, topic, indicator in triples]


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
