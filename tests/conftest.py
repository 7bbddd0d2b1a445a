"""Shared test fixtures: the app under test, driven in-process through httpx.ASGITransport.

Imports of the app happen inside fixtures so that the pure unit suites collect even while a layer
above them is broken.
"""

from __future__ import annotations

import copy
import json
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from fastapi import FastAPI
    from postgres_server import PostgresServer

    from app.feedback import Database
    from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def example() -> Callable[[str], dict[str, Any]]:
    """A fresh deep copy of a saved hook request from examples/ (tests may mutate it)."""

    def load(name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
        return copy.deepcopy(loaded)

    return load


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """Development settings on a real SQLite file in tmp_path; auth off unless a test turns it on."""
    from app.settings import Profile, Settings

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "profile": Profile.DEVELOPMENT,
            "database_url": f"sqlite:///{tmp_path / 'spine-cds.db'}",
            "auth_required": False,
        }
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    from app.main import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
        yield http


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A real SQLite file migrated to the head of the alembic chain (feedback, replay and audit tables)."""
    from app.feedback import Database

    db = Database(f"sqlite:///{tmp_path / 'spine-cds-test.db'}")
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One loopback PostgreSQL for the session; skipped only when Debian's server binaries are absent."""
    from postgres_server import postgres_bindir, start_postgres

    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) absent: apt-get install postgresql")
    server = start_postgres(bindir)
    try:
        yield server
    finally:
        server.pg_ctl("-m", "fast", "stop")
        shutil.rmtree(server.datadir, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh database per test, so tests never see each other's rows."""
    from postgres_server import admin

    name = f"t_{uuid.uuid4().hex}"
    admin(postgres, f"CREATE DATABASE {name}")
    yield postgres.url(name)
    admin(postgres, f"DROP DATABASE {name} WITH (FORCE)")
