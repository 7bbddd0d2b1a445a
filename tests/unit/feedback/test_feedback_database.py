"""Database on real SQLite files: engine settings, alembic upgrade, readiness ping (STYLE.md layout)."""

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, make_url, select, text

from app.feedback import Database
from app.feedback.db import alembic_config
from app.feedback.models import Base, Feedback


def test_upgrade_creates_feedback_table_with_indexes_and_unique_key(database: Database) -> None:
    schema = inspect(database.engine)
    assert "feedback" in schema.get_table_names()
    assert {ix["name"] for ix in schema.get_indexes("feedback")} == {
        "ix_feedback_card_uuid",
        "ix_feedback_outcome_timestamp",
    }
    assert [uq["column_names"] for uq in schema.get_unique_constraints("feedback")] == [["dedup_key"]]


def _feedback_objects_only(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Compare only what this package owns: later revisions add tables whose models live elsewhere."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "name", None) == "feedback"


def test_hand_written_migration_matches_the_feedback_model(database: Database) -> None:
    with database.engine.connect() as connection:
        options = {"compare_type": True, "include_object": _feedback_objects_only}
        context = MigrationContext.configure(connection, opts=options)
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_stays_at_head(database: Database) -> None:
    database.upgrade()
    head = ScriptDirectory.from_config(alembic_config(database.url)).get_current_head()
    with database.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    assert head is not None
    assert int(head) >= 1


def test_upgrade_works_from_another_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = Database("sqlite:///relative.db")
    try:
        db.upgrade()
        assert "feedback" in inspect(db.engine).get_table_names()
    finally:
        db.dispose()
    assert (tmp_path / "relative.db").is_file()


def test_concurrent_upgrades_of_one_file_both_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    replicas = [Database(url) for _ in range(4)]
    errors: list[BaseException] = []

    def start(db: Database) -> None:
        try:
            db.upgrade()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start, args=(db,)) for db in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for db in replicas:
        db.dispose()
    assert errors == []


def test_sqlite_file_gets_missing_directory_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new' / 'dir' / 'feedback.db'}")
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        db.dispose()
    assert (tmp_path / "new" / "dir" / "feedback.db").is_file()


def test_in_memory_database_keeps_its_schema_across_sessions() -> None:
    db = Database("sqlite://")
    try:
        db.upgrade()
        with db.session() as session:
            assert session.execute(text("SELECT count(*) FROM feedback")).scalar() == 0
    finally:
        db.dispose()


def test_ping_is_true_for_a_reachable_file(database: Database) -> None:
    assert database.ping() is True


def test_ping_is_false_fast_when_the_directory_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    db = Database(f"sqlite:///{blocker / 'sub' / 'feedback.db'}")
    started = time.monotonic()
    try:
        assert db.ping() is False
    finally:
        db.dispose()
    assert time.monotonic() - started < 2


def _write_then_fail(database: Database) -> None:
    with database.session() as session:
        session.add(
            Feedback(
                service_id="spine-imaging",
                card_uuid="card-1",
                outcome="accepted",
                outcome_timestamp=datetime(2026, 1, 1, tzinfo=UTC),
                accepted_suggestions=[],
                dedup_key="k",
            )
        )
        session.flush()
        raise RuntimeError("handler failed after the write")


def test_session_rolls_back_when_the_block_raises(database: Database) -> None:
    with pytest.raises(RuntimeError, match="handler failed"):
        _write_then_fail(database)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_unsupported_database_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        Database("mysql://user@localhost/feedback")


def test_offline_mode_renders_postgresql_ddl(capsys: pytest.CaptureFixture[str]) -> None:
    command.upgrade(alembic_config(make_url("postgresql+psycopg://dba@db.invalid/spine")), "head", sql=True)
    ddl = capsys.readouterr().out
    assert "CREATE TABLE feedback" in ddl
    assert "TIMESTAMP WITH TIME ZONE" in ddl
