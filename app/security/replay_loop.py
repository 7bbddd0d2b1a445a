"""PostgreSQL's ``jti`` rows written from the event loop itself, by psycopg's asynchronous connection.

Why not the writer thread SQLite uses: handing a call to a thread and back (queue, wake-up, the GIL twice,
``call_soon_threadsafe``) cost ~0.3 ms of CPU per call, six times the INSERT it carried, and a PostgreSQL
round trip cannot be made on the loop with a blocking driver without holding it while the server answers
(docs/performance.md, "Signed tokens, round four"). Here the loop sends the statement and sleeps on the
socket like on any other I/O: a stalled server holds only the calls waiting for a verdict, each bounded by
``timeout_seconds``, never the loop.

Group commit without a thread: calls that arrive while a batch is in flight wait together, and the next
batch takes all of them in one statement (the connection runs in autocommit: one round trip per batch).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL

from app.security.replaysql import Pair, Row, Sql, distinct_rows, verdicts

if TYPE_CHECKING:  # psycopg is the ``postgres`` extra: a SQLite-only install never imports it
    import psycopg

log = logging.getLogger(__name__)

WRITE_TIMEOUT_SECONDS = 2.0  # a stalled database costs a call this much, then a 503 (the hook budget's size)


class LoopWriteFailed(RuntimeError):
    """The batch was not written (server down, stalled past the timeout, statement refused)."""


@dataclass(slots=True)
class _Waiting:
    row: Row
    future: asyncio.Future[bool]


class LoopReplayWriter:
    """One asynchronous connection per process (per event loop), opened on first use, kept between batches.

    The batch rules (``distinct_rows``, ``verdicts``) and the SQL are the writer thread's; ``remember``
    tells the store which pairs this process has answered."""

    def __init__(self, url: URL, sql: Sql, remember: Callable[[Iterable[Pair]], None], *, durable: bool,
                 batch_size: int, timeout_seconds: float = WRITE_TIMEOUT_SECONDS) -> None:
        self._connect_args = _connect_args(url)
        self._sql, self._remember = sql, remember
        self._durable, self._batch_size, self._timeout = durable, batch_size, timeout_seconds
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None
        self._purge_before: datetime | None = None

    async def verdict(self, row: Row, purge_before: datetime | None = None) -> bool:
        """True when this call's row is the first; ``LoopWriteFailed`` when no verdict could be had.
        ``purge_before``: the next batch also deletes the rows that expired before it."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._adopt(loop)
        future: asyncio.Future[bool] = loop.create_future()
        self._waiting.append(_Waiting(row, future))
        self._purge_before = purge_before or self._purge_before
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush())
        return await future

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        """A new event loop (a test's, or after a restart): what belonged to the old one cannot be awaited."""
        self.close()
        self._loop, self._waiting, self._flusher = loop, [], None

    async def _flush(self) -> None:
        """Batches until nobody waits; calls arriving meanwhile ride the next batch (group commit). A batch
        past its deadline is answered by ``_expire`` and this flusher is cancelled (``_flusher`` then is no
        longer this task, so a flusher left over never takes another batch)."""
        loop, me = asyncio.get_running_loop(), asyncio.current_task()
        while self._waiting and self._flusher is me:
            batch, self._waiting = self._waiting[:self._batch_size], self._waiting[self._batch_size:]
            purge_before, self._purge_before = self._purge_before, None
            deadline = loop.call_later(self._timeout, self._expire, batch, me)
            outcome: list[bool | BaseException] = [LoopWriteFailed("cancelled")] * len(batch)
            try:
                outcome = await self._outcome([waiting.row for waiting in batch], purge_before)
            finally:
                deadline.cancel()
                for waiting, verdict in zip(batch, outcome, strict=True):
                    settle(waiting.future, verdict)

    def _expire(self, batch: list[_Waiting], flusher: asyncio.Task[None] | None) -> None:
        """The batch's calls are told now that no verdict could be had (503 upstream, never admitted). The
        flusher is cancelled: psycopg then cancels the statement on the server (or gives up on it after its
        own timeout) and the connection is shut; the next call opens a new one."""
        failure = LoopWriteFailed("TimeoutError")
        for waiting in batch:
            settle(waiting.future, failure)
        self._connection = None
        if self._flusher is flusher:
            self._flusher = None
        if flusher is not None:
            flusher.cancel()
        if self._waiting and self._loop is not None:  # calls queued behind the stalled batch
            self._flusher = self._loop.create_task(self._flush())

    async def _outcome(self, rows: list[Row], purge_before: datetime | None) -> list[bool | BaseException]:
        connection = None
        try:
            connection = await self._connected()
            inserted = await self._insert(connection, distinct_rows(rows), purge_before)
        except (OSError, _driver().Error) as exc:
            _shut(connection)  # its state is unknown: a statement may still be running
            return [LoopWriteFailed(type(exc).__name__)] * len(rows)
        except Exception as bug:  # every waiting call must hear something, or it would wait forever
            log.exception("replay writer failed")
            _shut(connection)
            return [bug] * len(rows)
        except asyncio.CancelledError:  # past the deadline (or the loop is closing)
            _shut(connection)
            raise
        self._remember((iss, jti) for iss, jti, _ in rows)
        judged: list[bool | BaseException] = [*verdicts(rows, inserted)]
        return judged

    async def _insert(self, connection: psycopg.AsyncConnection[Any], rows: list[Row],
                      purge_before: datetime | None) -> set[Pair]:
        if purge_before is not None:
            await connection.execute(self._sql.purge, [self._sql.instant(purge_before)])
        values = [value for row in rows for value in self._sql.row(*row)]
        cursor = await connection.execute(self._sql.insert(len(rows)), values)
        return {(iss, jti) for iss, jti in await cursor.fetchall()}

    async def _connected(self) -> psycopg.AsyncConnection[Any]:
        """Autocommit: one statement, one round trip. Unless ``durable``, a commit does not wait for the
        server's disk (visible to every replica at once; only a database-server crash loses the last rows)."""
        if self._connection is None or self._connection.closed:
            self._connection = None
            connection = await _driver().AsyncConnection.connect(**self._connect_args, autocommit=True)
            if not self._durable:
                await connection.execute(self._sql.not_waiting_for_disk)
            self._connection = connection
        return self._connection

    def close(self) -> None:
        """At shutdown, from any thread, once the loop is done with it: the socket is simply shut."""
        _shut(self._connection)
        self._connection = None


def settle(future: asyncio.Future[bool], verdict: bool | BaseException) -> None:
    if future.done():  # the caller was cancelled (client gone) while its row was written
        return
    if isinstance(verdict, BaseException):
        future.set_exception(verdict)
    else:
        future.set_result(verdict)


def _shut(connection: psycopg.AsyncConnection[Any] | None) -> None:
    """Closed without awaiting anything (no round trip): libpq shuts the socket."""
    if connection is not None and not connection.closed:
        connection.pgconn.finish()


def _driver() -> Any:
    import psycopg  # here, not at the top: the optional extra, needed only with a PostgreSQL database

    return psycopg


def _connect_args(url: URL) -> dict[str, Any]:
    """libpq's keywords from the database URL (its query, e.g. ``sslmode``, included); a connect that
    hangs is bounded by the batch's timeout as well."""
    args: dict[str, Any] = {key: value for key, value in url.query.items() if isinstance(value, str)}
    args.update(url.translate_connect_args(username="user", database="dbname"))
    args.setdefault("connect_timeout", max(1, int(WRITE_TIMEOUT_SECONDS)))
    return args
