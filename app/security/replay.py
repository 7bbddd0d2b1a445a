"""JWT ``jti`` replay records (CONTRACT.md S7), in the service database so every replica sees them.

The table joins the feedback package's metadata (``app.feedback.models.Base``) and alembic chain
(revision 0002). A ``jti`` is remembered per issuer until its token could no longer pass the ``exp`` check.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import anyio
from sqlalchemy import Insert, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.feedback import Database
from app.feedback.models import Base, UTCDateTime

log = logging.getLogger(__name__)

MAX_JTI_LENGTH = 255


class JtiRecord(Base):
    """One ``jti`` seen from one issuer; ``expires_at`` is the token's ``exp`` plus the skew allowance."""

    __tablename__ = "jwt_replay"

    iss: Mapped[str] = mapped_column(String(255), primary_key=True)
    jti: Mapped[str] = mapped_column(String(MAX_JTI_LENGTH), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ReplayCheckUnavailable(RuntimeError):
    """The replay records could not be read or written (database down)."""


class ReplayStore:
    """``first_use`` inserts the (iss, jti) pair; a conflict on the primary key means the token was replayed.

    ``ON CONFLICT DO NOTHING`` rather than catching ``IntegrityError``: PostgreSQL logs every failed
    insert as an error and aborts the transaction, and a replay is an expected event, not a fault.
    Expired rows are purged at most once per ``purge_every_seconds``, by whichever call comes along.
    """

    def __init__(self, database: Database, *, purge_every_seconds: float = 60.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._database = database
        self._purge_every = purge_every_seconds
        self._clock = clock
        self._last_purge = -purge_every_seconds

    async def first_use(self, iss: str, jti: str, expires_at: datetime) -> bool:
        """True the first time the pair is seen; blocking database I/O runs in a worker thread.

        A database that cannot answer is ``ReplayCheckUnavailable``: the caller cannot prove the token
        fresh, which is neither a bad token (401) nor our bug (500).
        """
        try:
            return await anyio.to_thread.run_sync(self.first_use_blocking, iss, jti, expires_at)
        except SQLAlchemyError as exc:
            raise ReplayCheckUnavailable(type(exc).__name__) from exc

    def first_use_blocking(self, iss: str, jti: str, expires_at: datetime) -> bool:
        row = {"iss": iss, "jti": jti, "expires_at": expires_at}
        with self._database.session() as session:
            self._purge_if_due(session.execute)
            inserted = session.execute(self._insert_ignoring_duplicates().returning(JtiRecord.jti), [row])
            return len(inserted.all()) == 1

    def _purge_if_due(self, execute: Callable[..., object]) -> None:
        now = self._clock()
        if now - self._last_purge < self._purge_every:
            return
        self._last_purge = now
        execute(delete(JtiRecord).where(JtiRecord.expires_at < datetime.fromtimestamp(now, UTC)))

    def _insert_ignoring_duplicates(self) -> Insert:
        if self._database.dialect == "postgresql":
            return postgresql.insert(JtiRecord).on_conflict_do_nothing(index_elements=["iss", "jti"])
        return sqlite.insert(JtiRecord).on_conflict_do_nothing(index_elements=["iss", "jti"])
