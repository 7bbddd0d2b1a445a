"""The replay table's SQL as each driver takes it, and the settings of the replay store's own connections.

Split from ``app.security.replay`` (the store and its writer thread) to keep each module short; the
batch rules here are shared by that thread and the event loop's PostgreSQL writer (``replay_loop``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.pool import PoolProxiedConnection

log = logging.getLogger(__name__)

# The event loop's own SQLite connection (``ReplayStore._try_direct``; PostgreSQL has none) must never make
# the loop wait: not for another writer's lock (busy_timeout 0: SQLITE_BUSY at once) nor for a checkpoint.
NEVER_WAITING = ("PRAGMA busy_timeout=0", "PRAGMA wal_autocheckpoint=0")
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
NOT_WAITING_FOR_DISK = {  # per connection: other writers (feedback, audit) keep their durability
    "sqlite": "PRAGMA synchronous=NORMAL",  # in WAL mode: no fsync per commit, only at checkpoints
    "postgresql": "SET synchronous_commit = off",
}


def discard(connection: PoolProxiedConnection | None) -> None:
    """Invalidated, not pooled: the next user of a pooled connection must not inherit its settings."""
    if connection is None:
        return
    try:
        connection.invalidate()
    except Exception:  # a dead connection may fail any way while closing; it is gone either way
        log.warning("replay writer: closing a broken connection failed")


def is_busy(error: BaseException | None) -> bool:
    """SQLite's "database is locked" (SQLITE_BUSY or SQLITE_LOCKED and their extended codes)."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)


@dataclass(frozen=True)
class Sql:
    """The replay table's statements in one driver's parameter style, and its instants as that driver
    must bind them: SQLite keeps SQLAlchemy's ``DateTime`` text (UTC, microseconds), PostgreSQL an aware
    ``timestamptz``. Rows written here and by the ORM model (``JtiRecord``) are the same rows."""

    dialect: str

    @property
    def mark(self) -> str:
        return "?" if self.dialect == "sqlite" else "%s"

    @property
    def not_waiting_for_disk(self) -> str:
        return NOT_WAITING_FOR_DISK[self.dialect]

    @property
    def purge(self) -> str:
        return f"DELETE FROM jwt_replay WHERE expires_at < {self.mark}"  # noqa: S608 (a placeholder)

    def insert(self, count: int) -> str:
        values = ", ".join([f"({self.mark}, {self.mark}, {self.mark})"] * count)
        return (f"INSERT INTO jwt_replay (iss, jti, expires_at) VALUES {values} "  # noqa: S608 (placeholders)
                "ON CONFLICT (iss, jti) DO NOTHING RETURNING iss, jti")

    def instant(self, value: datetime) -> object:
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self.dialect == "sqlite" else utc

    def row(self, iss: str, jti: str, expires_at: datetime) -> tuple[object, ...]:
        return iss, jti, self.instant(expires_at)


Pair = tuple[str, str]
Row = tuple[str, str, datetime]


def distinct_rows(rows: list[Row]) -> list[Row]:
    """One row per (iss, jti): a pair twice in one batch is inserted once (its first ``expires_at``)."""
    first: dict[Pair, Row] = {}
    for row in rows:
        first.setdefault((row[0], row[1]), row)
    return list(first.values())


def verdicts(rows: list[Row], inserted: set[Pair]) -> list[bool]:
    """A first use is the first occurrence in the batch of a pair the table took; any other is a replay,
    whichever replica wrote the row already there."""
    answered: set[Pair] = set()
    judged = []
    for iss, jti, _ in rows:
        judged.append((iss, jti) in inserted and (iss, jti) not in answered)
        answered.add((iss, jti))
    return judged
