"""ReplayStore on a real SQLite file (CONTRACT.md S7): one use per (iss, jti), shared by every replica."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from app.feedback import Database
from app.feedback.models import Base
from app.security import JtiRecord, ReplayCheckUnavailable, ReplayStore

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


def test_rows_written_by_the_writer_read_back_through_the_model(database: Database) -> None:
    """The writer binds instants itself: they must be the instants the ORM column stores and reads."""
    expires = datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    ReplayStore(database).first_use_blocking(ISS, "jti-1", expires)
    with database.session() as session:
        assert session.scalar(select(JtiRecord.expires_at)) == expires


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


async def test_one_jti_sent_many_times_at_once_is_a_first_use_exactly_once(database: Database) -> None:
    """Calls waiting together share one commit (group commit); the verdict stays exact inside a batch."""
    store = ReplayStore(database)
    try:
        verdicts = await asyncio.gather(*(store.first_use(ISS, "same", later()) for _ in range(20)))
        fresh = await asyncio.gather(*(store.first_use(ISS, f"jti-{n}", later()) for n in range(50)))
    finally:
        store.close()
    assert sorted(verdicts) == [False] * 19 + [True]
    assert all(fresh)
    assert rows(database) == 51


async def test_replica_refuses_a_jti_the_other_writer_thread_recorded(database: Database) -> None:
    """The in-memory set of recent jti is per process: the shared table is what another replica asks."""
    other_replica = Database(str(database.url))
    first, second = ReplayStore(database, durable=False), ReplayStore(other_replica, durable=False)
    try:
        assert await first.first_use(ISS, "jti-1", later())
        assert not await second.first_use(ISS, "jti-1", later())
        assert await second.first_use(ISS, "jti-2", later())
        assert not await first.first_use(ISS, "jti-2", later())
    finally:
        first.close()
        second.close()
        other_replica.dispose()


async def test_a_replay_seen_by_this_process_is_refused_without_the_database(database: Database) -> None:
    store = ReplayStore(database)
    try:
        assert await store.first_use(ISS, "jti-1", later())
        database.dispose()
        with database.engine.begin() as connection:  # the table gone: only the memory can answer
            connection.exec_driver_sql("DROP TABLE jwt_replay")
        assert not await store.first_use(ISS, "jti-1", later())
        with pytest.raises(ReplayCheckUnavailable):
            await store.first_use(ISS, "jti-new", later())
    finally:
        store.close()


async def test_the_writer_survives_a_database_outage(database: Database) -> None:
    """Every waiting call gets an answer (503 upstream), and the next batch reconnects."""
    store = ReplayStore(database)
    try:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE jwt_replay RENAME TO jwt_replay_away")
        with pytest.raises(ReplayCheckUnavailable):
            await store.first_use(ISS, "jti-1", later())
        with database.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE jwt_replay_away RENAME TO jwt_replay")
        assert await store.first_use(ISS, "jti-1", later())
    finally:
        store.close()


def test_the_writer_connection_does_not_wait_for_the_disk_unless_durable(database: Database) -> None:
    """PRAGMA synchronous: 1 is NORMAL (WAL: no fsync per commit), 2 FULL (SQLite's default)."""
    relaxed, durable = ReplayStore(database, durable=False), ReplayStore(database, durable=True)
    for store, expected in ((relaxed, 1), (durable, 2)):
        cursor = store._connect().cursor()  # the writer thread's connection
        assert cursor.execute("PRAGMA synchronous").fetchone() == (expected,)
        cursor.close()
        store._disconnect()


def writer_threads() -> int:
    return sum(thread.name == "jti-writer" for thread in threading.enumerate())


async def test_a_free_sqlite_write_lock_takes_the_row_on_the_callers_thread(database: Database) -> None:
    """SQLite without the flush: no hand-off to the writer thread when the write lock is free. (A clock
    before the store's start keeps the first purge from being due: a purge is always the thread's.)"""
    store = ReplayStore(database, durable=False, clock=lambda: -1000.0)
    replica = ReplayStore(database, durable=False, clock=lambda: -1000.0)
    before = writer_threads()
    try:
        assert await store.first_use(ISS, "jti-1", later())
        assert not await replica.first_use(ISS, "jti-1", later())
        assert await replica.first_use(ISS, "jti-2", later())
        assert writer_threads() == before
        assert rows(database) == 2
    finally:
        store.close()
        replica.close()


async def test_a_call_with_others_in_flight_goes_to_the_writer_even_when_the_lock_is_free(
    database: Database,
) -> None:
    """c=8 keeps the writer thread's group commit: only a lone call is written on the event loop."""
    store = ReplayStore(database, durable=False, clock=lambda: -1000.0)
    before = writer_threads()
    try:
        assert await store.first_use(ISS, "alone", later(), alone=True)
        assert writer_threads() == before
        assert await store.first_use(ISS, "busy", later(), alone=False)
        assert writer_threads() == before + 1
        assert not await store.first_use(ISS, "busy", later(), alone=True)
    finally:
        store.close()


async def test_a_failed_direct_write_falls_back_to_the_writer_thread(database: Database) -> None:
    """The event loop's connection broke: the writer thread records the row (or answers 503), and the next
    lone call opens a new direct connection."""
    store = ReplayStore(database, durable=False, clock=lambda: -1000.0)
    before = writer_threads()
    try:
        assert await store.first_use(ISS, "first", later())
        assert store._direct is not None
        store._direct.driver_connection.close()  # type: ignore[union-attr]
        assert await store.first_use(ISS, "second", later())
        assert writer_threads() == before + 1 and rows(database) == 2
        assert await store.first_use(ISS, "third", later())
        assert store._direct is not None and rows(database) == 3
        assert not await store.first_use(ISS, "second", later())
    finally:
        store.close()


async def test_a_held_write_lock_sends_the_row_to_the_writer_and_never_stalls_the_loop(
    database: Database,
) -> None:
    """Another writer (a replica, the audit trail) holds SQLite's lock: the caller's thread must not wait
    for it; the writer thread waits instead and the verdict is still the table's."""
    store = ReplayStore(database, durable=False)
    other = sqlite3.connect(str(database.url.database), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        verdict = asyncio.ensure_future(store.first_use(ISS, "jti-1", later()))
        started = time.monotonic()
        await asyncio.sleep(0.05)
        assert time.monotonic() - started < 1  # the loop ran on (SQLite's own busy wait is 5 s)
        assert not verdict.done()  # while the row waits for the lock
        other.execute("INSERT INTO jwt_replay (iss, jti, expires_at) VALUES (?, 'from-a-replica', "
                      "'2999-01-01 00:00:00.000000')", (ISS,))
        other.execute("COMMIT")
        assert await asyncio.wait_for(verdict, timeout=10)
        assert not await store.first_use(ISS, "from-a-replica", later())
        assert writer_threads() >= 1
    finally:
        other.close()
        store.close()


async def test_a_durable_store_never_commits_on_the_callers_thread(database: Database) -> None:
    """With ``SPINE_CDS_REPLAY_DURABLE_COMMIT`` every commit waits for the disk: that wait is the writer
    thread's, never the event loop's."""
    store = ReplayStore(database, durable=True, clock=lambda: -1000.0)  # no purge due
    before = writer_threads()
    try:
        assert await store.first_use(ISS, "jti-durable", later())
        assert writer_threads() == before + 1
    finally:
        store.close()


async def test_expired_records_are_still_purged_when_rows_are_written_directly(database: Database) -> None:
    now = [datetime.now(UTC).timestamp()]
    store = ReplayStore(database, purge_every_seconds=60, clock=lambda: now[0], durable=False)
    try:
        assert await store.first_use(ISS, "old", later(-1))  # the first purge is due at once: the thread's
        now[0] += 61
        assert await store.first_use(ISS, "fresh", later())  # due again: the thread purges "old"
        assert await store.first_use(ISS, "direct", later())  # not due: written directly, no purge
        assert rows(database) == 2
    finally:
        store.close()
