"""What the feedback table holds for one card, read straight from the database (tests only: the service
itself never reads feedback back, it only records it)."""

from __future__ import annotations

from sqlalchemy import select

from app.feedback import Database, FeedbackItem
from app.feedback.models import Feedback


def stored_for_card(database: Database, card_uuid: str) -> list[FeedbackItem]:
    """Every item stored for a card, oldest outcome first."""
    query = (
        select(Feedback)
        .where(Feedback.card_uuid == card_uuid)
        .order_by(Feedback.outcome_timestamp, Feedback.id)
    )
    with database.session() as session:
        return [_to_item(row) for row in session.scalars(query)]


def _to_item(row: Feedback) -> FeedbackItem:
    return FeedbackItem(
        service_id=row.service_id,
        card_uuid=row.card_uuid,
        outcome=row.outcome,
        outcome_timestamp=row.outcome_timestamp,
        accepted_suggestions=tuple(row.accepted_suggestions),
        override_reason_system=row.override_reason_system,
        override_reason_code=row.override_reason_code,
        override_reason_display=row.override_reason_display,
        override_comment=row.override_comment,
    )
