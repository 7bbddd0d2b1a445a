"""One replica for ``test_replay_store_postgres``: its own process, its own ReplayStore on a shared database.

``python replay_worker.py URL GO_FILE COUNT`` opens the store, waits for GO_FILE (so every replica starts
at once), then offers the jti ``jti-0`` .. ``jti-{COUNT-1}`` in chunks of eight: even chunks one at a time
as lone calls, odd chunks all at once as calls with others in flight (the writer thread's group commit).
It prints the jti it was told were first uses and how many calls went to the writer thread, as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.feedback import Database
from app.security import ReplayStore

ISS = "https://ehr.example.org"
CHUNK = 8


class CountingStore(ReplayStore):
    """Counts the calls handed to the writer thread: the rest were written directly (SQLite only)."""

    threaded = 0

    async def _via_writer(self, iss: str, jti: str, expires_at: datetime) -> bool:
        self.threaded += 1
        return await super()._via_writer(iss, jti, expires_at)


async def offer(store: CountingStore, count: int) -> list[str]:
    expires = datetime.now(UTC) + timedelta(minutes=5)
    accepted: list[str] = []
    for start in range(0, count, CHUNK):
        names = [f"jti-{n}" for n in range(start, min(start + CHUNK, count))]
        if (start // CHUNK) % 2 == 0:
            verdicts = [await store.first_use(ISS, name, expires, alone=True) for name in names]
        else:
            verdicts = await asyncio.gather(*(store.first_use(ISS, name, expires, alone=False)
                                              for name in names))
        accepted += [name for name, fresh in zip(names, verdicts, strict=True) if fresh]
    return accepted


async def main(url: str, go: Path, count: int) -> None:
    database = Database(url)
    store = CountingStore(database, durable=False, clock=lambda: -1000.0)  # no purge due: no thread detour
    try:
        await store.first_use(ISS, f"warm-up-{time.time_ns()}", datetime.now(UTC) + timedelta(minutes=5))
        while not go.exists():
            await asyncio.sleep(0.005)
        store.threaded = 0
        accepted = await offer(store, count)
        print(json.dumps({"accepted": accepted, "threaded": store.threaded}))
    finally:
        store.close()
        database.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
