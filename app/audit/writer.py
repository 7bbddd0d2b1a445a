"""The audit writer: an ``OutcomeObserver`` that queues in ``observe()``, writes batches off the hot path.

``observe()`` runs on the event loop inside the hook call and only enqueues, so the response never waits
for the database. A background task takes up to ``batch_size`` outcomes at a time and writes them in a
worker thread. ``aclose()`` (lifespan shutdown) writes everything still queued before it returns, so a clean
shutdown loses nothing. What can be lost, and is logged with a count: outcomes beyond ``max_pending`` while
the database is down, and a batch the database still refuses after three quick tries at shutdown.

A batch that fails while the database answers ``reachable()`` is not an outage but a row the database
refuses (a value it cannot store): retrying it would stall the trail for everyone. The batch is then
written one outcome at a time; an outcome still refused is set aside — counted in ``set_aside``, logged by
error type without content, exported as a metric and shown by ``/readyz`` — and every other one is kept.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

import anyio

from app.observability.metrics import count_audit_set_aside
from app.observability.outcome import HookOutcome

log = logging.getLogger(__name__)
MAX_RETRY_SECONDS = 30.0
SHUTDOWN_ATTEMPTS = 3  # a database still down after these is not waited for: shutdown must end
SHUTDOWN_RETRY_SECONDS = 0.5


class BatchStore(Protocol):
    def write(self, outcomes: Sequence[HookOutcome]) -> int: ...

    def reachable(self) -> bool:
        """True when the database answers at all (a failed write is then the rows' fault)."""
        ...


class AuditWriter:
    def __init__(
        self,
        store: BatchStore,
        *,
        batch_size: int = 200,
        max_pending: int = 50_000,
        retry_seconds: float = 1.0,
        gather_seconds: float = 0.1,
    ) -> None:
        self._store = store
        self._batch_size = batch_size
        self._max_pending = max_pending
        self._retry_seconds = retry_seconds
        self._gather_seconds = gather_seconds
        self._queue: asyncio.Queue[HookOutcome | None] = asyncio.Queue()  # None: the stop sentinel
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.written = 0
        self.dropped = 0
        self.set_aside = 0

    def health(self) -> dict[str, int]:
        """For ``/readyz``: what is waiting, and what was set aside or lost since start-up."""
        return {"pending": self._queue.qsize(), "written": self.written, "set_aside": self.set_aside,
                "dropped": self.dropped}

    def observe(self, outcome: HookOutcome) -> None:
        """Enqueue only (the event loop's thread); after ``aclose()`` write at once rather than lose it."""
        if self._stopping.is_set():
            self._store.write([outcome])
            return
        if self._queue.qsize() >= self._max_pending:
            self.dropped += 1
            log.error("audit queue full, outcome dropped", extra={"dropped": self.dropped})
            return
        self._queue.put_nowait(outcome)

    def start(self) -> None:
        self._task = asyncio.create_task(self._drain(), name="audit-writer")

    async def aclose(self) -> None:
        """Write everything queued so far, then stop."""
        if self._task is None or self._stopping.is_set():
            return
        self._stopping.set()
        self._queue.put_nowait(None)  # behind the last outcome
        await self._task

    async def _drain(self) -> None:
        while True:
            batch, stop = await self._next_batch()
            if batch:
                await self._write(batch)
            if stop:
                return

    async def _next_batch(self) -> tuple[list[HookOutcome], bool]:
        """Wait for one outcome, then take whatever else is queued, up to ``batch_size``."""
        first = await self._queue.get()
        if first is None:
            return [], True
        batch = [first]
        if not self._stopping.is_set():  # at low load, gather a moment: one commit for many calls
            with anyio.move_on_after(self._gather_seconds):
                await self._stopping.wait()
        while len(batch) < self._batch_size and not self._queue.empty():
            item = self._queue.get_nowait()
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    async def _write(self, batch: list[HookOutcome]) -> None:
        """Retry a failed batch with back-off until written; once shutdown begins, a few quick tries only."""
        delay, last_chances = self._retry_seconds, SHUTDOWN_ATTEMPTS
        while True:
            try:
                await anyio.to_thread.run_sync(self._store.write, batch)
            except Exception as exc:
                failure = {"error_type": type(exc).__name__, "pending": len(batch)}
                log.error("audit write failed", extra=failure)
                if await anyio.to_thread.run_sync(self._store.reachable):
                    await self._write_each(batch)
                    return
                if self._stopping.is_set():
                    last_chances -= 1
                    if not last_chances:
                        self._lose(batch)
                        return
                await self._pause(min(delay, SHUTDOWN_RETRY_SECONDS) if self._stopping.is_set() else delay)
                delay = min(delay * 2, MAX_RETRY_SECONDS)
            else:
                self.written += len(batch)
                return

    async def _write_each(self, batch: list[HookOutcome]) -> None:
        """The database answers but refused the batch: keep every outcome it takes, set aside the rest."""
        for outcome in batch:
            try:
                await anyio.to_thread.run_sync(self._store.write, [outcome])
            except Exception as exc:
                self.set_aside += 1
                count_audit_set_aside()
                log.error("audit record refused by the database, set aside",
                          extra={"error_type": type(exc).__name__, "set_aside": self.set_aside})
            else:
                self.written += 1

    def _lose(self, batch: list[HookOutcome]) -> None:
        self.dropped += len(batch)
        log.error("audit records lost at shutdown", extra={"lost": len(batch)})

    async def _pause(self, seconds: float) -> None:
        """Sleep before a retry; when shutdown begins, cut a long back-off short."""
        if self._stopping.is_set():
            await anyio.sleep(seconds)
            return
        with anyio.move_on_after(seconds):
            await self._stopping.wait()
