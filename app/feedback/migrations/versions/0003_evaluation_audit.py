"""Create the evaluation audit tables: one row per evaluation, its rules and its cards.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Written by hand like 0001: portable types, constraint and index names from op.f() matching the naming
convention. The models are in `app.audit.models`. No patient data: references only (optionally hashed).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `evaluation_audit` and its child tables (removed with their evaluation: ON DELETE CASCADE)."""
    op.create_table(
        "evaluation_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consult_id", sa.String(length=64), nullable=True),
        sa.Column("hook_instance", sa.String(length=255), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("hook", sa.String(length=32), nullable=False),
        sa.Column("client_iss", sa.String(length=255), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("silent", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.String(length=32), nullable=True),
        sa.Column("auc_variant", sa.String(length=64), nullable=True),
        sa.Column("patient_reference", sa.String(length=255), nullable=False),
        sa.Column("order_reference", sa.String(length=255), nullable=True),
        sa.Column("keys_from_prefetch", sa.JSON(), nullable=False),
        sa.Column("keys_fetched", sa.JSON(), nullable=False),
        sa.Column("keys_failed", sa.JSON(), nullable=False),
        sa.Column("keys_incomplete", sa.JSON(), nullable=False),
        sa.Column("skipped_resources", sa.Integer(), nullable=False),
        sa.Column("cards_returned", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("content_version", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_audit")),
        sa.UniqueConstraint("consult_id", name=op.f("uq_evaluation_audit_consult_id")),
    )
    op.create_index(op.f("ix_evaluation_audit_evaluated_at"), "evaluation_audit", ["evaluated_at"])
    op.create_index(op.f("ix_evaluation_audit_hook_instance"), "evaluation_audit", ["hook_instance"])
    _create_child("evaluation_audit_rule", sa.Column("rule", sa.String(length=16), nullable=False), "rule")
    op.create_index(op.f("ix_evaluation_audit_rule_rule"), "evaluation_audit_rule", ["rule"])
    _create_child(
        "evaluation_audit_card",
        sa.Column("card_uuid", sa.String(length=64), nullable=False),
        "card_uuid",
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("indicator", sa.String(length=16), nullable=False),
    )
    op.create_index(op.f("ix_evaluation_audit_card_card_uuid"), "evaluation_audit_card", ["card_uuid"])
    op.create_index(op.f("ix_evaluation_audit_card_topic"), "evaluation_audit_card", ["topic"])


def _create_child(name: str, key: sa.Column[str], key_name: str, *columns: sa.Column[str]) -> None:
    op.create_table(
        name,
        sa.Column("audit_id", sa.Integer(), nullable=False),
        key,
        *columns,
        sa.ForeignKeyConstraint(
            ["audit_id"], ["evaluation_audit.id"],
            name=op.f(f"fk_{name}_audit_id_evaluation_audit"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("audit_id", key_name, name=op.f(f"pk_{name}")),
    )


def downgrade() -> None:
    """Drop the audit tables: the evaluation history is lost (feedback is kept)."""
    op.drop_table("evaluation_audit_card")
    op.drop_table("evaluation_audit_rule")
    op.drop_table("evaluation_audit")
