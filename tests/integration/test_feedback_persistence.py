"""FeedbackRepository on real databases: SQLite files and a PostgreSQL server started here (CONTRACT.md F6).

The same tests run on both backends. They live in one module because pytest can share a fixture between
modules only through a conftest.py, and importing test functions across modules breaks under
`--import-mode=importlib`. The PostgreSQL server is started on loopback by the `postgres` fixture and the
tests on it are skipped only when the PostgreSQL server binaries are absent (Debian package `postgresql`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from feedback_rows import stored_for_card
from postgres_server import PostgresServer, free_port

from app.feedback import Database, FeedbackItem, FeedbackRepository

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

ACCEPTED = FeedbackItem("spine-imaging", "card-1", "accepted", T0, accepted_suggestions=("sug-1",))
OVERRIDDEN = FeedbackItem(
    "spine-imaging",
    "card-1",
    "overridden",
    T0 + timedelta(minutes=5),
    override_reason_system="http://example.org/override-reasons",
    override_reason_code="patient-preference",
    override_reason_display="Patient preference",
    override_comment="wants to wait two weeks",
)
OTHER_CARD = FeedbackItem("spine-imaging", "card-2", "accepted", T0, accepted_suggestions=("sug-9",))


# --- one database URL per backend ---------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'feedback.db'}"
    found: str = request.getfixturevalue("postgres_url")
    return found


@pytest.fixture
def open_database(url: str) -> Iterator[Callable[[], Database]]:
    """Open upgraded Databases on the URL as a restarted process would; dispose them all at the end."""
    opened: list[Database] = []

    def open_one() -> Database:
        database = Database(url)
        database.upgrade()
        opened.append(database)
        return database

    yield open_one
    for database in opened:
        database.dispose()


@pytest.fixture
def database(open_database: Callable[[], Database]) -> Database:
    return open_database()


@pytest.fixture
def repository(database: Database) -> FeedbackRepository:
    return FeedbackRepository(database)


# --- behaviour, on every backend ----------------------------------------------------------------------------


def test_recorded_items_read_back_equal(repository: FeedbackRepository, database: Database) -> None:
    assert repository.record([ACCEPTED, OVERRIDDEN, OTHER_CARD]) == 3
    assert stored_for_card(database, "card-1") == [ACCEPTED, OVERRIDDEN]
    assert stored_for_card(database, "card-2") == [OTHER_CARD]
    assert stored_for_card(database, "never-shown") == []


def test_identical_item_twice_in_one_call_is_stored_once(repository: FeedbackRepository) -> None:
    assert repository.record([ACCEPTED, ACCEPTED]) == 1
    assert repository.count() == 1


def test_resent_item_is_stored_once(repository: FeedbackRepository) -> None:
    assert repository.record([ACCEPTED]) == 1
    assert repository.record([ACCEPTED]) == 0
    assert repository.count() == 1


def test_resent_batch_with_one_new_item_stores_only_the_new_one(repository: FeedbackRepository) -> None:
    repository.record([ACCEPTED])
    assert repository.record([ACCEPTED, OVERRIDDEN]) == 1
    assert repository.count() == 2


def test_different_items_for_one_card_are_all_kept(repository: FeedbackRepository,
                                                   database: Database) -> None:
    later = FeedbackItem("spine-imaging", "card-1", "accepted", T0 + timedelta(hours=1), ("sug-1",))
    assert repository.record([ACCEPTED, later]) == 2
    assert stored_for_card(database, "card-1") == [ACCEPTED, later]


def test_empty_batch_records_nothing(repository: FeedbackRepository) -> None:
    assert repository.record([]) == 0
    assert repository.count() == 0


def test_offset_timestamp_is_stored_and_read_as_utc(repository: FeedbackRepository,
                                                    database: Database) -> None:
    local = datetime(2026, 3, 1, 7, 30, tzinfo=timezone(timedelta(hours=-4, minutes=-30)))
    repository.record([FeedbackItem("spine-imaging", "card-3", "accepted", local, ("sug-1",))])
    [stored] = stored_for_card(database, "card-3")
    assert stored.outcome_timestamp == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert stored.outcome_timestamp.tzinfo is UTC


def test_same_instant_sent_in_another_offset_is_a_duplicate(repository: FeedbackRepository) -> None:
    repository.record([ACCEPTED])
    tokyo = T0.astimezone(timezone(timedelta(hours=9)))
    assert repository.record([FeedbackItem("spine-imaging", "card-1", "accepted", tokyo, ("sug-1",))]) == 0


def test_rows_survive_a_restart_and_a_second_upgrade(open_database: Callable[[], Database]) -> None:
    first = open_database()
    FeedbackRepository(first).record([ACCEPTED, OVERRIDDEN])
    first.dispose()
    reopened_database = open_database()
    reopened = FeedbackRepository(reopened_database)
    assert reopened.count() == 2
    assert stored_for_card(reopened_database, "card-1") == [ACCEPTED, OVERRIDDEN]


# --- PostgreSQL only ----------------------------------------------------------------------------------------


@pytest.mark.integration
def test_rows_survive_a_server_restart_and_the_pool_recovers(
    postgres: PostgresServer, postgres_url: str
) -> None:
    database = Database(postgres_url)
    try:
        database.upgrade()
        FeedbackRepository(database).record([ACCEPTED])
        postgres.pg_ctl("-m", "fast", "restart")
        assert database.ping() is True
        assert stored_for_card(database, "card-1") == [ACCEPTED]
    finally:
        database.dispose()


def test_ping_is_false_fast_for_an_unreachable_postgresql() -> None:
    database = Database(f"postgresql+psycopg://spine@127.0.0.1:{free_port()}/spine")
    started = time.monotonic()
    try:
        assert database.ping() is False
    finally:
        database.dispose()
    assert time.monotonic() - started < 2
