"""Turn ``HookOutcome``s into audit rows and write them in one transaction (blocking: run in a thread)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, Table, insert, select
from sqlalchemy.orm import Session

from app.audit.models import AuditCard, AuditRule, EvaluationAudit
from app.feedback import Database
from app.feedback.models import Base
from app.observability.outcome import HookOutcome, RatedOrder


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
    """Writes with Core INSERTs (one ``executemany`` per table and batch) rather than the ORM's unit of
    work: the rows are new and never read back here, and the unit of work cost ~300 µs of CPU per hook
    call on a thread that shares the GIL with the request path, against ~60 µs now."""

    def __init__(self, database: Database, hasher: ReferenceHasher) -> None:
        self._database = database
        self._hash = hasher

    def reachable(self) -> bool:
        return self._database.ping()

    def write(self, outcomes: Sequence[HookOutcome]) -> int:
        """All rows of the batch or none; returns how many evaluation rows were written."""
        rows = [row for outcome in outcomes for row in self.rows(outcome)]
        if not rows:
            return 0
        with self._database.session() as session:
            session.execute(insert(_table(EvaluationAudit)), [row.values for row in rows])
            _write_children(session, [row for row in rows if row.rules or row.cards])
        return len(rows)

    def rows(self, outcome: HookOutcome) -> list[AuditRow]:
        """One row per evaluation, or one row with no consult id when the call rated nothing."""
        if not outcome.evaluations:
            return [self._row(outcome, None)]
        return [self._row(outcome, evaluation) for evaluation in outcome.evaluations]

    def _row(self, outcome: HookOutcome, evaluation: RatedOrder | None) -> AuditRow:
        values = {
            "consult_id": consult_urn(evaluation.consult_id) if evaluation else None,
            "hook_instance": outcome.hook_instance,
            "service_id": outcome.service_id,
            "hook": outcome.hook,
            "client_iss": outcome.client_iss,
            "evaluated_at": outcome.at,
            "latency_ms": outcome.latency_ms,
            "silent": outcome.silent,
            "rating": evaluation.rating if evaluation else None,
            "auc_variant": evaluation.auc_variant if evaluation else None,
            "patient_reference": self._hash(outcome.patient_reference),
            "order_reference": self._optional(evaluation.order_reference if evaluation else None),
            "keys_from_prefetch": list(outcome.keys_from_prefetch),
            "keys_fetched": list(outcome.keys_fetched),
            "keys_failed": list(outcome.keys_failed),
            "keys_incomplete": list(outcome.keys_incomplete),
            "skipped_resources": outcome.skipped_resources,
            "other_patient_resources": outcome.other_patient_resources,
            "cards_returned": outcome.cards_returned,
            "policy_version": outcome.policy_version,
            "content_version": outcome.content_version,
        }
        rules = _distinct(evaluation.rules) if evaluation else []
        return AuditRow(_storable(values), rules, _cards(evaluation) if evaluation else [])

    def _optional(self, reference: str | None) -> str | None:
        return None if reference is None else self._hash(reference)


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One ``evaluation_audit`` row's column values, with its rule and card child rows."""

    values: dict[str, Any]
    rules: list[str]
    cards: list[dict[str, str]]


# The length of each bounded text column: PostgreSQL refuses a longer value (and with it the whole batch).
_LENGTHS = {column.name: column.type.length for column in EvaluationAudit.__table__.columns
            if isinstance(column.type, String) and column.type.length}


def _storable(values: dict[str, Any]) -> dict[str, Any]:
    """Every text value made storable before it reaches the database: a lone surrogate (not UTF-8) and a
    NUL (which PostgreSQL refuses) become U+FFFD, and a value is cut to its column's length. The request
    schema already refuses both; this keeps one odd value from ever costing the other rows."""
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = storable_text(value, _LENGTHS.get(name))
    return values


def storable_text(text: str, limit: int | None = None) -> str:
    text = _UNSTORABLE.sub("\ufffd", text)
    return text[:limit] if limit is not None else text


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _write_children(session: Session, parents: list[AuditRow]) -> None:
    """Rule and card rows, keyed to their evaluation (only evaluations have children and consult ids)."""
    if not parents:
        return
    ids = _ids_by_consult_id(session, [row.values["consult_id"] for row in parents])
    for model, values in _child_rows([(ids[row.values["consult_id"]], row) for row in parents]):
        if values:
            session.execute(insert(_table(model)), values)


def _ids_by_consult_id(session: Session, consult_ids: list[str]) -> dict[str, int]:
    """The new rows' ids, found by their unique consult ids. A multi-row INSERT … RETURNING would be one
    statement per row on SQLite (to keep the order), where a plain INSERT is one ``executemany``."""
    query = select(EvaluationAudit.consult_id, EvaluationAudit.id).where(
        EvaluationAudit.consult_id.in_(consult_ids)
    )
    return {str(consult_id): audit_id for consult_id, audit_id in session.execute(query)}


def _table(model: type[Base]) -> Table:
    """The Core table behind a model: its INSERT skips the ORM's per-row bookkeeping."""
    return Base.metadata.tables[model.__tablename__]


def _child_rows(saved: list[tuple[int, AuditRow]]) -> Iterable[tuple[type[Base], list[dict[str, Any]]]]:
    yield AuditRule, [{"audit_id": i, "rule": rule} for i, row in saved for rule in row.rules]
    yield AuditCard, [{"audit_id": i, **card} for i, row in saved for card in row.cards]


def _cards(evaluation: RatedOrder) -> list[dict[str, str]]:
    triples = zip(evaluation.card_uuids, evaluation.card_topics, evaluation.card_indicators, strict=True)
    return [{"card_uuid": uuid, "topic": topic, "indicator": indicator} for uuid, topic, indicator in triples]


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
