"""SQLAlchemy 2 models of what the service keeps (CONTRACT.md §1.6 feedback).

One `MetaData` with a naming convention holds every table, so that later tables (evaluation audit, JWT `jti`
replay cache, CONTRACT.md S7) join the same alembic chain and every constraint has a stable, portable name.
The schema itself is created only by the hand-written migrations in `migrations/versions/`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Dialect, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OUTCOMES = ("accepted", "overridden")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC and read back aware in UTC.

    SQLite has no time zone type and returns naive values; PostgreSQL's `timestamptz` returns the session's
    zone. Both are brought to UTC here so callers compare instants, never wall-clock strings (CONTRACT.md F3).
    Naive input is refused: which zone it meant cannot be known at this layer.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a time zone (CONTRACT.md F3 timestamps are UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base sharing the convention-named metadata of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Feedback(Base):
    """One feedback item as received (CONTRACT.md F3 to F5).

    `dedup_key` is unique so that a re-sent identical item is stored once, while different items about the
    same card are all kept (F6: a card may get feedback several times; the service must be idempotent).
    """

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("outcome IN ('accepted', 'overridden')", name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[str] = mapped_column(String)
    card_uuid: Mapped[str] = mapped_column(String, index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    outcome_timestamp: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    accepted_suggestions: Mapped[list[str]] = mapped_column(JSON)
    override_reason_system: Mapped[str | None] = mapped_column(String)
    override_reason_code: Mapped[str | None] = mapped_column(String)
    override_reason_display: Mapped[str | None] = mapped_column(String)
    override_comment: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_utcnow)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
