"""Connection to the feedback store: SQLite by default, PostgreSQL by URL (STYLE.md layout, `feedback/`).

Blocking I/O: the FastAPI route calls it through a thread (`anyio.to_thread`), never on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from app.jsontext import dumps

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
SUPPORTED_DIALECTS = ("sqlite", "postgresql")
# /readyz must answer within a probe's timeout, so a PostgreSQL host that drops packets may not hang it.
CONNECT_TIMEOUT_SECONDS = 3
# Any constant shared by every replica: PostgreSQL advisory lock serialising concurrent `upgrade()` calls.
_MIGRATION_LOCK_ID = 0x5350494E45  # "SPINE"


class Database:
    """Engine, sessions and schema migrations for one database URL.

    Only SQLite and PostgreSQL are accepted: the repository's idempotent insert (CONTRACT.md F6) relies on
    their `ON CONFLICT DO NOTHING`, so an unsupported URL fails at start-up, not on the first feedback POST.
    """

    def __init__(self, url: str) -> None:
        self.url: URL = make_url(url)
        if self.url.get_backend_name() not in SUPPORTED_DIALECTS:
            raise ValueError(
                f"unsupported database {self.url.get_backend_name()!r}: use sqlite or postgresql"
            )
        self.engine: Engine = _create_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`: the repository picks its dialect's upsert from it."""
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Bring the schema to the newest revision; a no-op when it is already there (safe at every start).

        Runs under a lock (SQLite write lock, PostgreSQL advisory lock) so replicas starting together do not
        both create the tables.
        """
        with self.engine.begin() as connection:
            _lock_for_migration(connection)
            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def ping(self) -> bool:
        """True when the database answers `SELECT 1` (for /readyz); False, never an exception, otherwise."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as error:
            log.warning("database ping failed: %s", type(error).__name__)
            return False
        return True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back when it raises."""
        with self._sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        """Close pooled connections (at shutdown, or before the file is reopened elsewhere)."""
        self.engine.dispose()


def alembic_config(url: URL) -> Config:
    """Alembic settings built in code, no alembic.ini: works from a wheel and from any working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, json_serializer=dumps,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})


def _create_sqlite_engine(url: URL) -> Engine:
    """SQLite as a server would need it: usable from the threadpool, WAL for readers beside one writer.

    A missing parent directory is created; when that fails the engine is still built, so the app starts and
    /readyz reports the database as down instead of the process crashing.
    """
    # JSON columns by orjson (app.jsontext): json.dumps was the largest cost of writing an audit row
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}, "json_serializer": dumps}
    if _is_memory(url):
        options["poolclass"] = StaticPool  # one shared connection, else every checkout sees an empty database
    else:
        _make_parent_dir(Path(str(url.database)))
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _on_sqlite_connect)
    return engine


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _make_parent_dir(path: Path) -> None:
    try:
        path.expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.warning("cannot create the directory of the SQLite file %s: %s", path, error)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets /readyz and reads go on while a feedback write commits; SQLite leaves foreign keys off."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _lock_for_migration(connection: Connection) -> None:
    """Take a lock held until the migration transaction ends, so concurrent upgrades run one after another."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
