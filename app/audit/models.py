"""The evaluation audit trail: what each hook call decided, by reference, never clinical content.

One ``evaluation_audit`` row per rated order — the rating's ``urn:uuid`` consult id is its key — and one row
with no consult id for a call that rated nothing, so every call is counted. The rules that fired and the
cards rendered are child rows, so the dashboard can count by rule and join cards to feedback by card uuid
in SQL. The tables join the feedback package's metadata and alembic chain (revision 0003).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.feedback.models import Base, UTCDateTime


class EvaluationAudit(Base):
    """One evaluation. References may be keyed hashes (``audit_hash_references``); no names, no codes."""

    __tablename__ = "evaluation_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    consult_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    hook_instance: Mapped[str] = mapped_column(String(255), index=True)
    service_id: Mapped[str] = mapped_column(String(64))
    hook: Mapped[str] = mapped_column(String(32))
    client_iss: Mapped[str | None] = mapped_column(String(255))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    latency_ms: Mapped[float] = mapped_column(Float)
    silent: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[str | None] = mapped_column(String(32))
    auc_variant: Mapped[str | None] = mapped_column(String(64))
    patient_reference: Mapped[str] = mapped_column(String(255))
    order_reference: Mapped[str | None] = mapped_column(String(255))
    keys_from_prefetch: Mapped[list[str]] = mapped_column(JSON)
    keys_fetched: Mapped[list[str]] = mapped_column(JSON)
    keys_failed: Mapped[list[str]] = mapped_column(JSON)
    keys_incomplete: Mapped[list[str]] = mapped_column(JSON)
    skipped_resources: Mapped[int] = mapped_column(Integer)
    # Resources of another patient set aside (PATHWAY.md invariant 7): a count, never their ids.
    other_patient_resources: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    cards_returned: Mapped[int] = mapped_column(Integer)
    policy_version: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[str] = mapped_column(String(64))
    rules: Mapped[list[AuditRule]] = relationship(cascade="all, delete-orphan")
    cards: Mapped[list[AuditCard]] = relationship(cascade="all, delete-orphan")


class AuditRule(Base):
    """A PATHWAY.md rule id (``R1``, ``R13`` …) that fired in one evaluation."""

    __tablename__ = "evaluation_audit_rule"

    audit_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_audit.id", ondelete="CASCADE"), primary_key=True
    )
    rule: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)


class AuditCard(Base):
    """A card the evaluation rendered (returned, or withheld in silent mode): its uuid, topic, indicator."""

    __tablename__ = "evaluation_audit_card"

    audit_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_audit.id", ondelete="CASCADE"), primary_key=True
    )
    card_uuid: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    indicator: Mapped[str] = mapped_column(String(16))
