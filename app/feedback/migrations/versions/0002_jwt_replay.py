"""Create the JWT jti replay table (CONTRACT.md S7): one row per (iss, jti) until the token expires.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Written by hand like 0001: portable types, constraint and index names from op.f() matching the naming
convention. The model is `app.security.replay.JtiRecord`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create `jwt_replay`; the composite primary key is what turns a replayed jti into a conflict."""
    op.create_table(
        "jwt_replay",
        sa.Column("iss", sa.String(length=255), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("iss", "jti", name=op.f("pk_jwt_replay")),
    )
    op.create_index(op.f("ix_jwt_replay_expires_at"), "jwt_replay", ["expires_at"])


def downgrade() -> None:
    """Drop `jwt_replay`: tokens seen so far could be replayed until they expire."""
    op.drop_index(op.f("ix_jwt_replay_expires_at"), table_name="jwt_replay")
    op.drop_table("jwt_replay")
