"""Feedback storage (CONTRACT.md §1.6): idempotent writes, reads by card.

The route maps the CDS Hooks JSON (F2 to F5) to `FeedbackItem`s and calls `record()` in a worker thread.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.feedback.db import Database
from app.feedback.models import OUTCOMES, Feedback


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One feedback item (F3), its timestamp normalised to UTC.

    F3 requires the timestamp in UTC; a timestamp without an offset is therefore read as UTC rather than
    refused, and one with an offset is converted, so equal instants give equal items and equal dedup keys.
    """

    service_id: str
    card_uuid: str
    outcome: str
    outcome_timestamp: datetime
    accepted_suggestions: tuple[str, ...] = ()
    override_reason_system: str | None = None
    override_reason_code: str | None = None
    override_reason_display: str | None = None
    override_comment: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES} (CONTRACT.md F3), got {self.outcome!r}")
        object.__setattr__(self, "outcome_timestamp", _as_utc(self.outcome_timestamp))
        object.__setattr__(self, "accepted_suggestions", tuple(self.accepted_suggestions))

    def dedup_key(self) -> str:
        """SHA-256 over what makes two items the same feedback (F6); the reason's display text is left out.

        Fields are JSON-encoded as a list, so no value can imitate a separator; suggestions are sorted because
        their order carries no meaning.
        """
        identity = [
            self.service_id,
            self.card_uuid,
            self.outcome,
            self.outcome_timestamp.isoformat(timespec="microseconds"),
            sorted(self.accepted_suggestions),
            self.override_reason_system,
            self.override_reason_code,
            self.override_comment,
        ]
        encoded = json.dumps(identity, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class FeedbackRepository:
    """Stores feedback once per distinct item: the same card may get several different items (F6)."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def record(self, items: Sequence[FeedbackItem]) -> int:
        """Insert the items in one transaction, skipping ones already stored; return how many were new.

        `ON CONFLICT DO NOTHING` on the unique `dedup_key` keeps this idempotent even when two requests carry
        the same item at the same moment (F6), which a read-then-insert could not.
        """
        rows = list({row["dedup_key"]: row for row in map(_to_row, items)}.values())
        if not rows:
            return 0
        with self._database.session() as session:
            inserted = session.execute(self._insert_ignoring_duplicates().returning(Feedback.id), rows)
            return len(inserted.all())

    def count(self) -> int:
        """How many distinct items are stored."""
        with self._database.session() as session:
            return session.scalar(select(func.count()).select_from(Feedback)) or 0

    def _insert_ignoring_duplicates(self) -> Insert:
        """The dialect's own upsert; `Database` admits only these two dialects."""
        if self._database.dialect == "postgresql":
            return postgresql.insert(Feedback).on_conflict_do_nothing(index_elements=[Feedback.dedup_key])
        return sqlite.insert(Feedback).on_conflict_do_nothing(index_elements=[Feedback.dedup_key])


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _to_row(item: FeedbackItem) -> dict[str, Any]:
    return {
        "service_id": item.service_id,
        "card_uuid": item.card_uuid,
        "outcome": item.outcome,
        "outcome_timestamp": item.outcome_timestamp,
        "accepted_suggestions": list(item.accepted_suggestions),
        "override_reason_system": item.override_reason_system,
        "override_reason_code": item.override_reason_code,
        "override_reason_display": item.override_reason_display,
        "override_comment": item.override_comment,
        "received_at": datetime.now(UTC),
        "dedup_key": item.dedup_key(),
    }
