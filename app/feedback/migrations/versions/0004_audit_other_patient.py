"""Record on each evaluation how many resources of another patient were set aside (PATHWAY.md invariant 7).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

A count only, never the other patient's id. Existing rows get 0 (nothing was checked then).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evaluation_audit") as batch:
        batch.add_column(sa.Column("other_patient_resources", sa.Integer(), nullable=False,
                                   server_default=sa.text("0")))


def downgrade() -> None:
    with op.batch_alter_table("evaluation_audit") as batch:
        batch.drop_column("other_patient_resources")
