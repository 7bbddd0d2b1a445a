"""ReplayStore on a real SQLite file (CONTRACT.md S7): one use per (iss, jti), shared by every replica."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from app.feedback import Database
from app.feedback.models import Base
from app.security import JtiRecord, ReplayStore

ISS = "https://ehr.example.org"


def later(seconds: int = 300) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def rows(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(JtiRecord)) or 0


def _replay_table_only(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Later revisions (0003 evaluation audit) add tables whose models live elsewhere."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "name", None) == "jwt_replay"


def test_migration_0002_creates_the_table_the_model_describes(database: Database) -> None:
    assert "jwt_replay" in inspect(database.engine).get_table_names()
    with database.engine.connect() as connection:
        assert int(MigrationContext.configure(connection).get_current_revision() or 0) >= 2
        options = {"compare_type": True, "include_object": _replay_table_only}
        context = MigrationContext.configure(connection, opts=options)
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_second_use_of_a_jti_is_a_replay(database: Database) -> None:
    store = ReplayStore(database)
    assert store.first_use_blocking(ISS, "jti-1", later())
    assert not store.first_use_blocking(ISS, "jti-1", later())


def test_replicas_sharing_the_database_see_each_others_jti(database: Database) -> None:
    other_replica = Database(str(database.url))
    try:
        assert ReplayStore(database).first_use_blocking(ISS, "jti-1", later())
        assert not ReplayStore(other_replica).first_use_blocking(ISS, "jti-1", later())
    finally:
        other_replica.dispose()


def test_same_jti_from_another_issuer_is_not_a_replay(database: Database) -> None:
    store = ReplayStore(database)
    assert store.first_use_blocking(ISS, "jti-1", later())
    assert store.first_use_blocking("https://other.example.org", "jti-1", later())


def test_expired_records_are_purged_at_most_once_per_interval(database: Database) -> None:
    now = [datetime.now(UTC).timestamp()]
    store = ReplayStore(database, purge_every_seconds=60, clock=lambda: now[0])
    store.first_use_blocking(ISS, "old", later(-1))  # first call purges (nothing yet), then inserts
    store.first_use_blocking(ISS, "fresh", later())
    assert rows(database) == 2
    now[0] += 61
    store.first_use_blocking(ISS, "newer", later())
    assert rows(database) == 2  # "old" purged, "fresh" and "newer" kept


async def test_async_first_use_runs_in_a_thread(database: Database) -> None:
    store = ReplayStore(database)
    assert await store.first_use(ISS, "jti-async", later())
    assert not await store.first_use(ISS, "jti-async", later())
