"""ReplayStore on a real PostgreSQL (CONTRACT.md S7): every jti is written from the event loop by the
asynchronous driver — no writer thread — in one autocommit round trip per batch; a stalled server holds only
the calls waiting for a verdict, each for at most the store's timeout, never the loop; and one verdict per
(iss, jti) across processes."""

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
from typing import Any

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


async def test_every_call_is_written_from_the_event_loop_alone_or_not(database: Database) -> None:
    store = CountingStore(database, durable=False)
    try:
        assert await store.first_use(ISS, "alone", later(), alone=True)
        verdicts = await asyncio.gather(*(store.first_use(ISS, f"busy-{n}", later(), alone=False)
                                          for n in range(8)))
        assert verdicts == [True] * 8
        assert store.threaded == 0 and store._writer is None and store._direct is None
        assert rows(database, "alone") == 1 and all(rows(database, f"busy-{n}") == 1 for n in range(8))
    finally:
        store.close()


async def test_calls_in_flight_together_share_one_statement(database: Database) -> None:
    """Group commit without a thread: the eight calls arriving while the first batch is written ride the
    next one — two statements for nine calls — and a jti offered twice in a batch is a first use once."""
    store = ReplayStore(database, durable=False)
    statements: list[int] = []
    writer = store._on_loop
    assert writer is not None
    insert = writer._insert

    async def counting(connection: Any, rows: list[tuple[str, str, datetime]],
                       purge_before: datetime | None) -> set[tuple[str, str]]:
        statements.append(len(rows))
        return await insert(connection, rows, purge_before)

    writer._insert = counting  # type: ignore[method-assign]
    try:
        first = asyncio.ensure_future(store.first_use(ISS, "leader", later()))
        await asyncio.sleep(0)  # the leader's batch is in flight
        names = [f"rider-{n % 7}" for n in range(8)]  # rider-0 twice
        verdicts = await asyncio.gather(*(store.first_use(ISS, name, later(), alone=False) for name in names))
        assert await first
        assert statements == [1, 7]
        assert sorted(verdicts) == [False] + [True] * 7
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
            writer = store._on_loop
            assert writer is not None and writer._connection is not None  # idle between batches
            cursor = await writer._connection.execute("SHOW synchronous_commit")
            assert await cursor.fetchone() == (expected,)
        finally:
            store.close()


async def test_a_row_locked_by_another_session_is_waited_for_by_the_call_not_the_event_loop(
    database: Database,
) -> None:
    """Another replica is inserting the same jti right now (uncommitted): the call waits for it, the event
    loop runs on, and the verdict is the table's (a replay)."""
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
        assert not verdict.done() and store.threaded == 0
        other.commit()
        assert not await asyncio.wait_for(verdict, timeout=10)
    finally:
        other.close()
        store.close()


async def test_a_stalled_write_is_unavailable_after_the_timeout_and_the_next_call_recovers(
    database: Database,
) -> None:
    """A lock held past the store's timeout: the call is told the check is unavailable (503 upstream),
    never admitted. Its statement is cancelled on the server (so a retry with the same token is not taken
    for a replay), the stalled connection is dropped, and once the lock is gone a new one answers."""
    store = ReplayStore(database, durable=False, timeout_seconds=0.3)
    other = database.engine.raw_connection()
    try:
        cursor = other.cursor()
        cursor.execute("INSERT INTO jwt_replay (iss, jti, expires_at) VALUES (%s, 'held', now())", (ISS,))
        started = time.monotonic()
        with pytest.raises(ReplayCheckUnavailable):
            await store.first_use(ISS, "held", later())
        assert time.monotonic() - started < 2.0
        await asyncio.sleep(0.5)  # the cancellation reaches the server
        other.rollback()  # the other replica gave up: its row never existed
        assert await store.first_use(ISS, "held", later())
        assert rows(database, "held") == 1
    finally:
        other.close()
        store.close()


def test_a_store_serves_one_event_loop_after_another(database: Database) -> None:
    """A connection belongs to the loop that opened it: a new loop (tests, a restarted server) opens its
    own instead of awaiting the old one's."""
    store = ReplayStore(database, durable=False)
    try:
        assert asyncio.run(store.first_use(ISS, "first-loop", later()))
        assert asyncio.run(store.first_use(ISS, "second-loop", later()))
        assert not asyncio.run(store.first_use(ISS, "first-loop", later()))
        assert rows(database, "first-loop") == rows(database, "second-loop") == 1
    finally:
        store.close()


async def test_an_unreachable_table_is_never_a_first_use(database: Database) -> None:
    """The store cannot write: 503 upstream, never an unrecorded token; it recovers after."""
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
    assert all(answer["threaded"] == 0 for answer in answers)  # PostgreSQL: the event loop only
