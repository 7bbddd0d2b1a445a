"""ReplayStore on a real PostgreSQL (CONTRACT.md S7): the direct write from the event loop for a call that is
alone, the writer thread for the rest, and one verdict per (iss, jti) across processes either way."""

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


async def opened(store: ReplayStore) -> ReplayStore:
    """The first call goes to the writer thread, which then opens the direct connection (never the loop)."""
    assert await store.first_use(ISS, f"warm-up-{time.time_ns()}", later())
    for _ in range(500):
        if store._direct is not None:
            return store
        await asyncio.sleep(0.01)
    raise AssertionError("the writer thread never opened the direct connection")


def rows(database: Database, jti: str) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(JtiRecord).where(JtiRecord.jti == jti)) or 0


def backend_pid(store: ReplayStore) -> int:
    assert store._direct is not None
    cursor = store._direct.cursor()
    cursor.execute("SELECT pg_backend_pid()")
    row = cursor.fetchone()
    cursor.close()
    assert row is not None
    pid: int = row[0]
    return pid


def admin_sql(database: Database, statement: str) -> None:
    engine = create_engine(database.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


async def test_a_lone_call_is_written_directly_and_calls_in_flight_go_to_the_writer(
    database: Database,
) -> None:
    store = CountingStore(database, durable=False)
    try:
        await opened(store)
        store.threaded = 0
        assert await store.first_use(ISS, "alone", later(), alone=True)
        assert store.threaded == 0
        verdicts = await asyncio.gather(*(store.first_use(ISS, f"busy-{n}", later(), alone=False)
                                          for n in range(8)))
        assert verdicts == [True] * 8
        assert store.threaded == 8
        assert rows(database, "alone") == 1
    finally:
        store.close()


async def test_a_replayed_token_is_refused_whichever_path_wrote_it(database: Database) -> None:
    """Each replica asks the shared table: a jti written directly by one is refused by the other's writer
    thread, and the other way round."""
    replica_db = Database(str(database.url.render_as_string(hide_password=False)))
    first, second = CountingStore(database, durable=False), CountingStore(replica_db, durable=False)
    try:
        await opened(first)
        await opened(second)
        first.threaded = second.threaded = 0
        assert await first.first_use(ISS, "direct-then-thread", later(), alone=True)
        assert not await second.first_use(ISS, "direct-then-thread", later(), alone=False)
        assert await second.first_use(ISS, "thread-then-direct", later(), alone=False)
        assert not await first.first_use(ISS, "thread-then-direct", later(), alone=True)
        assert (first.threaded, second.threaded) == (0, 2)
        assert not await first.first_use(ISS, "direct-then-thread", later(), alone=False)  # its own memory
    finally:
        first.close()
        second.close()
        replica_db.dispose()


async def test_the_direct_session_commits_without_waiting_for_the_disk_unless_durable(
    database: Database,
) -> None:
    relaxed, durable = ReplayStore(database, durable=False), CountingStore(database, durable=True)
    try:
        await opened(relaxed)
        assert relaxed._direct is not None
        cursor = relaxed._direct.cursor()
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("off",)
        cursor.close()
        for n in range(3):
            assert await durable.first_use(ISS, f"durable-{n}", later(), alone=True)
        assert durable._direct is None and durable.threaded == 3  # a flushed commit is never the loop's
    finally:
        relaxed.close()
        durable.close()


async def test_a_lost_direct_connection_falls_back_to_the_writer_and_is_reopened(database: Database) -> None:
    store = CountingStore(database, durable=False)
    try:
        await opened(store)
        admin_sql(database, f"SELECT pg_terminate_backend({backend_pid(store)})")
        store.threaded = 0
        assert await store.first_use(ISS, "after-the-loss", later(), alone=True)
        assert store.threaded == 1 and rows(database, "after-the-loss") == 1
        await opened(store)
        store.threaded = 0
        assert await store.first_use(ISS, "direct-again", later(), alone=True)
        assert store.threaded == 0
    finally:
        store.close()


async def test_a_row_locked_by_another_session_is_not_waited_for_on_the_event_loop(
    database: Database,
) -> None:
    """Another replica is inserting the same jti right now (uncommitted): the direct statement gives up
    within its lock timeout, the writer thread waits, and the verdict is the table's (a replay)."""
    store = CountingStore(database, durable=False)
    other = database.engine.raw_connection()
    try:
        await opened(store)
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


async def test_an_unreachable_table_is_never_a_first_use_on_either_path(database: Database) -> None:
    """The direct write fails, the writer thread fails too: 503 upstream, never an unrecorded token."""
    store = CountingStore(database, durable=False)
    try:
        await opened(store)
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
    """Three processes offer the same 96 jti at once, each on both paths: one first use per jti in all."""
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
    assert all(0 < answer["threaded"] < count for answer in answers)  # both paths ran in every replica
