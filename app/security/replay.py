"""JWT ``jti`` replay records (CONTRACT.md S7), in the service database so every replica sees them.

The table joins the feedback package's metadata (``app.feedback.models.Base``) and alembic chain
(revision 0002). A ``jti`` is remembered per issuer until its token could no longer pass the ``exp`` check.

Speed (docs/performance.md, "Signed tokens"): every authenticated call writes one row, and calls in flight
together share one commit (group commit). On PostgreSQL the rows are written from the event loop by
psycopg's asynchronous connection (``app.security.replay_loop``): the loop waits on the socket like on
any I/O, so a stalled server holds only the calls waiting for their verdict (each bounded), never the
loop, and no thread hand-off is paid. SQLite has no asynchronous driver: its rows go through one writer
thread per process; a call that is alone in the process (c=1) writes its row straight from the event loop
on a connection that never waits, since a local file needs no round trip. The verdict stays the
database's: a row inserted by this batch is a first use; a row already there, written by any replica, is
a replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.pool import PoolProxiedConnection

from app.feedback import Database
from app.feedback.models import Base, UTCDateTime
from app.security.replay_loop import WRITE_TIMEOUT_SECONDS, LoopReplayWriter, LoopWriteFailed, settle
from app.security.replaysql import NEVER_WAITING, Pair, Row, Sql, discard, distinct_rows, is_busy, verdicts

log = logging.getLogger(__name__)

MAX_JTI_LENGTH = 255
BATCH_SIZE = 64  # rows per transaction: bounds one statement's size, not the wait (a batch never waits)
REMEMBERED = 50_000  # recent (iss, jti) pairs this process answered: a replay is refused without the database




class JtiRecord(Base):
    """One ``jti`` seen from one issuer; ``expires_at`` is the token's ``exp`` plus the skew allowance."""

    __tablename__ = "jwt_replay"

    iss: Mapped[str] = mapped_column(String(255), primary_key=True)
    jti: Mapped[str] = mapped_column(String(MAX_JTI_LENGTH), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ReplayCheckUnavailable(RuntimeError):
    """The replay records could not be read or written (database down)."""


@dataclass(slots=True)
class _Ask:
    """One call waiting for its verdict; the writer thread answers through the caller's event loop."""

    iss: str
    jti: str
    expires_at: datetime
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[bool]

    def answer(self, verdict: bool | BaseException) -> None:
        with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody is waiting any more
            self.loop.call_soon_threadsafe(settle, self.future, verdict)


class ReplayStore:
    """``first_use`` inserts the (iss, jti) pair; a conflict on the primary key means the token was replayed.

    ``ON CONFLICT DO NOTHING … RETURNING`` rather than catching ``IntegrityError``: PostgreSQL logs every
    failed insert as an error and aborts the transaction, and a replay is an expected event, not a fault.
    Expired rows are purged at most once per ``purge_every_seconds``, by whichever batch comes along.
    Pairs this process has already answered are kept in memory (bounded) only to refuse a replay early:
    a pair not found there is always asked of the shared table.
    ``timeout_seconds`` bounds a PostgreSQL batch (connect included): past it the calls waiting get
    ``ReplayCheckUnavailable`` (503), so a stalled server never holds a call for long.
    """

    def __init__(self, database: Database, *, purge_every_seconds: float = 60.0,
                 clock: Callable[[], float] = time.time, durable: bool = True,
                 timeout_seconds: float = WRITE_TIMEOUT_SECONDS) -> None:
        self._database = database
        self._durable = durable
        self._sql = Sql(database.dialect)
        self._purge_every = purge_every_seconds
        self._clock = clock
        self._last_purge = -purge_every_seconds
        self._asks: queue.SimpleQueue[_Ask | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._start = threading.Lock()
        self._connection: PoolProxiedConnection | None = None
        self._seen: dict[tuple[str, str], None] = {}
        self._remembering = threading.Lock()  # the writer thread and the direct path both remember
        # A commit that waits for the disk is never the loop's, nor a round trip to a server that may stall.
        self._direct_allowed = not durable and database.dialect == "sqlite"
        self._direct: PoolProxiedConnection | None = None
        self._direct_lock = threading.Lock()  # one user of the direct connection at a time, never waited on
        self._waiting = 0  # calls handed to the writer thread and not answered yet (event loop only)
        self._on_loop = (LoopReplayWriter(database.url, self._sql, self._remember, durable=durable,
                                          batch_size=BATCH_SIZE, timeout_seconds=timeout_seconds)
                         if database.dialect == "postgresql" else None)

    async def first_use(self, iss: str, jti: str, expires_at: datetime, *, alone: bool = True) -> bool:
        """True the first time the pair is seen. ``alone`` (no other call in flight, as the caller knows
        it): the row may be written straight from the event loop; else, or when that cannot be done this
        instant, the writer thread writes it with whatever else is waiting (c=8 keeps its group commit).

        A database that cannot answer is ``ReplayCheckUnavailable``: the caller cannot prove the token
        fresh, which is neither a bad token (401) nor our bug (500).
        """
        if (iss, jti) in self._seen:
            return False
        if self._on_loop is not None:
            return await self._loop_verdict(self._on_loop, (iss, jti, expires_at))
        if alone and self._direct_allowed and not self._waiting:
            verdict = self._try_direct(iss, jti, expires_at)
            if verdict is not None:
                return verdict
        return await self._via_writer(iss, jti, expires_at)

    async def _loop_verdict(self, writer: LoopReplayWriter, row: Row) -> bool:
        """PostgreSQL: written from the event loop; a due purge rides the next batch."""
        try:
            return await writer.verdict(row, self._purge_cutoff())
        except LoopWriteFailed as failed:
            raise ReplayCheckUnavailable(str(failed)) from failed

    async def _via_writer(self, iss: str, jti: str, expires_at: datetime) -> bool:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._ensure_writer()
        self._waiting += 1
        try:
            self._asks.put(_Ask(iss, jti, expires_at, loop, future))
            return await future
        finally:
            self._waiting -= 1

    def first_use_blocking(self, iss: str, jti: str, expires_at: datetime) -> bool:
        """The same verdict in the caller's thread (tests, scripts); raises ``ReplayCheckUnavailable``."""
        connection = self._raw_connection()
        try:
            return self._verdicts([(iss, jti, expires_at)], connection)[0]
        finally:
            connection.close()

    def close(self) -> None:
        """Stop the writer after the calls already queued (at shutdown, before the engine is disposed)."""
        writer = self._writer
        if writer is not None:
            self._asks.put(None)
            writer.join(timeout=5)
        with self._direct_lock:
            self._drop_direct()
        if self._on_loop is not None:
            self._on_loop.close()

    def _try_direct(self, iss: str, jti: str, expires_at: datetime) -> bool | None:
        """The row written on the caller's thread (the event loop) on a SQLite connection that never waits,
        or None: the writer thread then writes it, and waits if it must. None when a purge is due (a large
        DELETE is the thread's) and when the write fails this instant (the lock held by another writer). A
        failed statement recorded nothing, so the thread's verdict is the one that counts.

        What it costs the loop: one INSERT and a commit that does not reach the disk (~0.05 ms), against
        ~0.3 ms of CPU for the hand-off to the thread."""
        if self._purge_due() or not self._direct_lock.acquire(blocking=False):
            return None
        try:
            return self._verdicts([(iss, jti, expires_at)], self._direct_connection(), purge=False)[0]
        except ReplayCheckUnavailable as failed:
            if not is_busy(failed.__cause__):
                self._drop_direct()
            return None
        finally:
            self._direct_lock.release()

    def _direct_connection(self) -> PoolProxiedConnection:
        """Opened on first use: a local SQLite file, no network to wait for."""
        if self._direct is None:
            self._direct = self._never_waiting(self._raw_connection())
        return self._direct

    def _never_waiting(self, connection: PoolProxiedConnection) -> PoolProxiedConnection:
        try:
            return self._configured(connection, (*NEVER_WAITING,
                                                 self._sql.not_waiting_for_disk))
        except self._dbapi_errors as exc:
            discard(connection)
            raise ReplayCheckUnavailable(type(exc).__name__) from exc

    def _drop_direct(self) -> None:
        connection, self._direct = self._direct, None
        discard(connection)

    def _ensure_writer(self) -> None:
        if self._writer is None or not self._writer.is_alive():
            with self._start:
                if self._writer is None or not self._writer.is_alive():
                    self._writer = threading.Thread(target=self._write_loop, name="jti-writer", daemon=True)
                    self._writer.start()

    def _write_loop(self) -> None:
        """Take every call waiting (up to ``BATCH_SIZE``) and answer them from one commit."""
        while (batch := self._next_batch()) is not None:
            for ask, verdict in zip(batch, self._batch_verdicts(batch), strict=True):
                ask.answer(verdict)
        self._disconnect()

    def _batch_verdicts(self, batch: list[_Ask]) -> list[bool | BaseException]:
        failure: BaseException
        try:
            pairs = [(ask.iss, ask.jti, ask.expires_at) for ask in batch]
            return list(self._verdicts(pairs, self._connect()))
        except ReplayCheckUnavailable as down:
            failure = down
        except SQLAlchemyError as exc:  # no connection to be had
            self._disconnect()
            failure = ReplayCheckUnavailable(type(exc).__name__)
        except Exception as bug:  # never let the thread die: every later call would wait forever
            log.exception("replay writer failed")
            failure = bug
        return [failure] * len(batch)

    def _next_batch(self) -> list[_Ask] | None:
        first = self._asks.get()
        if first is None:
            return None
        batch = [first]
        while len(batch) < BATCH_SIZE:
            try:
                ask = self._asks.get_nowait()
            except queue.Empty:
                break
            if ask is None:
                self._asks.put(None)  # stop after this batch
                break
            batch.append(ask)
        return batch

    def _verdicts(self, rows: list[Row], connection: PoolProxiedConnection, *,
                  purge: bool = True) -> list[bool]:
        """One transaction for the batch; a pair twice in one batch is a replay the second time."""
        try:
            inserted = self._insert(distinct_rows(rows), connection, purge=purge)
        except self._dbapi_errors as exc:
            if connection is self._connection:
                self._disconnect()
            raise ReplayCheckUnavailable(type(exc).__name__) from exc
        self._remember((iss, jti) for iss, jti, _ in rows)
        return verdicts(rows, inserted)

    def _insert(self, rows: list[tuple[str, str, datetime]], connection: PoolProxiedConnection,
                *, purge: bool = True) -> set[tuple[str, str]]:
        """One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` on the DBAPI connection: SQLAlchemy's
        statement building and result processing cost more CPU than the write itself (~0.4 ms a batch);
        the driver keeps the statement prepared (sqlite3's statement cache, psycopg's prepare threshold)."""
        cursor = connection.cursor()
        try:
            if purge:
                self._purge_if_due(cursor)
            cursor.execute(self._sql.insert(len(rows)), [v for row in rows for v in self._sql.row(*row)])
            inserted = {(iss, jti) for iss, jti in cursor.fetchall()}
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()
        return inserted

    def _remember(self, pairs: Iterable[Pair]) -> None:
        """Insertion order is age order: the oldest pairs make room (a dict is safe across threads here:
        the writer is its only writer, readers only test membership)."""
        with self._remembering:
            for pair in pairs:
                self._seen[pair] = None
            while len(self._seen) > REMEMBERED:
                self._seen.pop(next(iter(self._seen)), None)

    def _connect(self) -> PoolProxiedConnection:
        """A connection of the writer's own, kept between batches (no pool checkout per call).

        Unless ``durable``, its commits do not wait for the disk: a commit is still atomic and at once
        visible to every replica, and survives the service crashing; only an OS crash can lose the last
        moment's rows. The flush was most of the time a token took (docs/performance.md, "Signed tokens").
        SQLite's only: PostgreSQL's rows are written by ``LoopReplayWriter``.
        """
        if self._connection is None:
            settings = () if self._durable else (self._sql.not_waiting_for_disk,)
            self._connection = self._configured(self._raw_connection(), settings)
        return self._connection

    def _configured(self, connection: PoolProxiedConnection,
                    statements: tuple[str, ...]) -> PoolProxiedConnection:
        """The writer's and the direct connection's settings; they are never pooled again (``discard``),
        so the settings go with them."""
        cursor = connection.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()
        connection.commit()
        return connection

    def _raw_connection(self) -> PoolProxiedConnection:
        """The pool hands the driver's own error up when it cannot connect: both mean the same here."""
        try:
            return self._database.engine.raw_connection()
        except self._connect_errors as exc:
            raise ReplayCheckUnavailable(type(exc).__name__) from exc

    def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        discard(connection)

    def _purge_due(self) -> bool:
        return self._clock() - self._last_purge >= self._purge_every

    def _purge_if_due(self, cursor: Any) -> None:
        cutoff = self._purge_cutoff()
        if cutoff is not None:
            cursor.execute(self._sql.purge, [self._sql.instant(cutoff)])

    def _purge_cutoff(self) -> datetime | None:
        """When a purge is due, claim it (one batch purges, whichever writer takes it): the rows expired
        before now go; else None."""
        if not self._purge_due():
            return None
        now = self._last_purge = self._clock()
        return datetime.fromtimestamp(now, UTC)

    @property
    def _dbapi_errors(self) -> tuple[type[Exception], ...]:
        return (self._database.engine.dialect.loaded_dbapi.Error, DBAPIError)

    @property
    def _connect_errors(self) -> tuple[type[Exception], ...]:
        return (SQLAlchemyError, *self._dbapi_errors)
