"""The audit write is off the critical path and nothing is lost on a clean shutdown.

The stores here are test doubles of the one seam the writer has (``write(batch)`` in a worker thread).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

import pytest
from audit_outcomes import outcome, rated

from app.audit import AuditWriter
from app.observability.outcome import HookOutcome


class RecordingStore:
    def __init__(self, *, fail_times: int = 0, delay: float = 0.0) -> None:
        self.batches: list[list[HookOutcome]] = []
        self.fail_times = fail_times
        self.delay = delay
        self.release = threading.Event()
        self.release.set()

    def write(self, outcomes: Sequence[HookOutcome]) -> int:
        self.release.wait(timeout=5)
        time.sleep(self.delay)
        if self.fail_times:
            self.fail_times -= 1
            raise OSError("database unreachable")
        self.batches.append(list(outcomes))
        return len(outcomes)

    def reachable(self) -> bool:
        return not self.fail_times  # these failures are outages: the database does not answer

    @property
    def written(self) -> int:
        return sum(len(batch) for batch in self.batches)


async def test_observe_returns_at_once_while_the_database_write_is_held_up() -> None:
    store = RecordingStore()
    store.release.clear()  # the database is slow: every write waits
    writer = AuditWriter(store)
    writer.start()
    started = time.perf_counter()
    for _ in range(100):
        writer.observe(outcome(rated()))
    assert time.perf_counter() - started < 1.0  # a write waiting on the held database would never return
    assert store.written == 0
    store.release.set()
    await writer.aclose()
    assert store.written == 100


async def test_queued_outcomes_are_written_in_batches() -> None:
    store = RecordingStore()
    writer = AuditWriter(store, batch_size=3)
    for _ in range(7):
        writer.observe(outcome(rated()))
    writer.start()
    await writer.aclose()
    assert [len(batch) for batch in store.batches] == [3, 3, 1]


async def test_a_clean_shutdown_writes_everything_still_queued() -> None:
    store = RecordingStore(delay=0.01)
    writer = AuditWriter(store, batch_size=10)
    writer.start()
    for _ in range(95):
        writer.observe(outcome(rated()))
    await writer.aclose()
    assert store.written == 95
    assert writer.written == 95


async def test_a_failed_write_is_retried_until_the_database_is_back() -> None:
    store = RecordingStore(fail_times=2)
    writer = AuditWriter(store, retry_seconds=0.01)
    writer.start()
    writer.observe(outcome(rated()))
    await writer.aclose()
    assert store.written == 1
    assert writer.dropped == 0


async def test_a_database_still_down_at_shutdown_loses_the_batch_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = RecordingStore(fail_times=1_000)
    writer = AuditWriter(store, retry_seconds=60)
    writer.start()
    writer.observe(outcome(rated()))
    writer.observe(outcome(rated()))
    with caplog.at_level(logging.ERROR, logger="app.audit.writer"):
        started = time.perf_counter()
        await writer.aclose()
    assert time.perf_counter() - started < 5  # shutdown does not sit out the 60 s back-off
    assert writer.dropped == 2
    assert "audit records lost at shutdown" in caplog.messages


async def test_outcomes_beyond_the_queue_bound_are_dropped_and_counted() -> None:
    store = RecordingStore()
    writer = AuditWriter(store, max_pending=2)
    for _ in range(5):
        writer.observe(outcome(rated()))
    writer.start()
    await writer.aclose()
    assert (store.written, writer.dropped) == (2, 3)


async def test_an_outcome_observed_after_shutdown_is_written_at_once() -> None:
    store = RecordingStore()
    writer = AuditWriter(store)
    writer.start()
    await writer.aclose()
    writer.observe(outcome(rated()))
    assert store.written == 1
