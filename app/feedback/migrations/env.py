"""Alembic environment: runs on the connection that `Database.upgrade()` hands over.

No alembic.ini exists: the config is built in code (app/feedback/db.py), so migrations run the same from a
checkout, an installed wheel and any working directory. Offline mode (`--sql`) renders DDL from the URL alone.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.feedback.models import Base


def _configure(connection: Connection) -> None:
    """Batch mode lets later revisions ALTER tables on SQLite, which rebuilds a table instead."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run on the caller's connection, which already holds the migration lock (`Database.upgrade()`)."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "run migrations through app.feedback.Database.upgrade(), which passes a connection"
        )
    _configure(connection)


def run_offline() -> None:
    """Emit the DDL as SQL text for a DBA to review or apply by hand."""
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
