"""Revision 0003 creates exactly what ``app.audit.models`` describes, on the feedback package's chain."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.audit import models
from app.feedback import Database
from app.feedback.db import alembic_config
from app.feedback.models import Base

AUDIT_TABLES = {"evaluation_audit", "evaluation_audit_rule", "evaluation_audit_card"}


def _audit_objects_only(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "name", None) in AUDIT_TABLES


def test_hand_written_migration_matches_the_audit_models(database: Database) -> None:
    assert models.EvaluationAudit.__table__.metadata is Base.metadata
    with database.engine.connect() as connection:
        options = {"compare_type": True, "include_object": _audit_objects_only}
        context = MigrationContext.configure(connection, opts=options)
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_0002_drops_only_the_audit_tables(database: Database) -> None:
    with database.engine.begin() as connection:
        config = alembic_config(database.url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    tables = set(inspect(database.engine).get_table_names())
    assert not tables & AUDIT_TABLES
    assert {"feedback", "jwt_replay"} <= tables
