"""ReplayStore on a real PostgreSQL (CONTRACT.md S7): every jti goes through the writer thread — never the
event loop, which a stalled server would hold — in one autocommit round trip, and one verdict per (iss, jti)
across processes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from security.replay_worker import CountingStore
from sqlalchemy import create_engine, func, select, text

from app.feedback import Database
from app.security import JtiRecord, ReplayCheckUnavailable, ReplayStore

ISS = "https://ehr.example.org"
WORKER = Path(__file__).with_name("replay_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def later(seconds: int = 300) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    db.upgrade()
    yield db
    db.dispose()


def rows(database: Database, jti: str) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(JtiRecord).where(JtiRecord.jti == jti)) or 0


def admin_sql(database: Database, statement: str) -> None:
    engine = create_engine(database.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


async def test_every_call_goes_to_the_writer_thread_alone_or_not(database: Database) -> None:
    store = CountingStore(database, durable=False)
    try:
        assert await store.first_use(ISS, "alone", later(), alone=True)
        verdicts = await asyncio.gather(*(store.first_use(ISS, f"busy-{n}", later(), alone=False)
                                          for n in range(8)))
        assert verdicts == [True] * 8
        assert store.threaded == 9 and store._direct is None
        assert rows(database, "alone") == 1
    finally:
        store.close()


async def test_a_replayed_token_is_refused_by_another_replica(database: Database) -> None:
    """Each replica asks the shared table, whatever it remembers itself."""
    replica_db = Database(str(database.url.render_as_string(hide_password=False)))
    first, second = ReplayStore(database, durable=False), ReplayStore(replica_db, durable=False)
    try:
        assert await first.first_use(ISS, "first-then-second", later(), alone=True)
        assert not await second.first_use(ISS, "first-then-second", later(), alone=False)
        assert await second.first_use(ISS, "second-then-first", later(), alone=True)
        assert not await first.first_use(ISS, "second-then-first", later(), alone=True)
        assert not await first.first_use(ISS, "first-then-second", later(), alone=True)  # its own memory
    finally:
        first.close()
        second.close()
        replica_db.dispose()


async def test_the_writer_commits_without_waiting_for_the_disk_unless_durable(database: Database) -> None:
    for durable, expected in ((False, "off"), (True, "on")):
        store = ReplayStore(database, durable=durable)
        try:
            assert await store.first_use(ISS, f"durable-{durable}", later())
            assert store._connection is not None  # the writer's, idle between batches
            cursor = store._connection.cursor()
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone() == (expected,)
            cursor.close()
        finally:
            store.close()


async def test_a_row_locked_by_another_session_is_waited_for_by_the_writer_not_the_event_loop(
    database: Database,
) -> None:
    """Another replica is inserting the same jti right now (uncommitted): the writer thread waits for it,
    the event loop runs on, and the verdict is the table's (a replay)."""
    store = CountingStore(database, durable=False)
    other = database.engine.raw_connection()
    try:
        cursor = other.cursor()
        cursor.execute("INSERT INTO jwt_replay (iss, jti, expires_at) VALUES (%s, 'contested', now())",
                       (ISS,))
        store.threaded = 0
        verdict = asyncio.ensure_future(store.first_use(ISS, "contested", later(), alone=True))
        started = time.monotonic()
        await asyncio.sleep(0.3)
        assert time.monotonic() - started < 1.0  # the loop ran on
        assert not verdict.done() and store.threaded == 1
        other.commit()
        assert not await asyncio.wait_for(verdict, timeout=10)
    finally:
        other.close()
        store.close()


async def test_an_unreachable_table_is_never_a_first_use(database: Database) -> None:
    """The writer thread cannot write: 503 upstream, never an unrecorded token; it recovers after."""
    store = CountingStore(database, durable=False)
    try:
        admin_sql(database, "ALTER TABLE jwt_replay RENAME TO jwt_replay_away")
        with pytest.raises(ReplayCheckUnavailable):
            await store.first_use(ISS, "during-the-outage", later(), alone=True)
        admin_sql(database, "ALTER TABLE jwt_replay_away RENAME TO jwt_replay")
        assert await store.first_use(ISS, "during-the-outage", later(), alone=True)
        assert rows(database, "during-the-outage") == 1
    finally:
        store.close()


def test_replicas_in_separate_processes_accept_each_jti_exactly_once(
    database: Database, tmp_path: Path
) -> None:
    """Three processes offer the same 96 jti at once, alone and in flight: one first use per jti in all."""
    go, count = tmp_path / "go", 96
    url = database.url.render_as_string(hide_password=False)
    replicas = [subprocess.Popen([sys.executable, str(WORKER), url, str(go), str(count)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True) for _ in range(3)]
    time.sleep(0.5)
    go.touch()
    answers = [json.loads(replica.communicate(timeout=120)[0]) for replica in replicas]
    accepted = Counter(jti for answer in answers for jti in answer["accepted"])
    assert sorted(accepted) == sorted(f"jti-{n}" for n in range(count))
    assert set(accepted.values()) == {1}
    assert all(answer["threaded"] == count for answer in answers)  # PostgreSQL: the writer thread only
