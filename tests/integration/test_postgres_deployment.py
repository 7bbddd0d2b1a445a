"""PostgreSQL as deployed: several app instances on one database, as replicas run.

The server is the session's loopback PostgreSQL (tests/postgres_server.py, fixtures in tests/conftest.py);
each test gets a fresh database. The apps run in-process with their lifespans, so start-up migrates the
database exactly as a pod does. Skipped only when the PostgreSQL server binaries are absent.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from alembic.script import ScriptDirectory
from security.minting import Signer, es384_signer
from sqlalchemy import create_engine, make_url, text

from app.cli import main as cli
from app.feedback.db import alembic_config
from app.main import create_app
from app.observability.metrics import REGISTRY
from app.settings import Profile, Settings, get_settings

pytestmark = pytest.mark.integration

PUBLIC = "https://cds.example.org"
DISCOVERY = "/cds-services"
SERVICE_PATH = "/cds-services/spine-imaging-order-select"
SIGNER = es384_signer()


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    trust = tmp_path / "trust.yaml"
    trust.write_text(yaml.safe_dump({"clients": [SIGNER.trust_entry()]}))
    return Settings(profile=Profile.DEVELOPMENT, database_url=database_url, auth_required=True,
                    trust_file=trust, public_base_url=PUBLIC)


@pytest.fixture
async def instances(settings: Settings) -> AsyncIterator[list[httpx.AsyncClient]]:
    """Two apps, started together on the same database, as two replicas of one Deployment."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(_running(settings)) for _ in range(2)]


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.1:8080") as http:
            yield http


def bearer(signer: Signer, path: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.token(PUBLIC + path)}"}


async def test_a_jti_used_at_one_instance_is_refused_by_the_other(
    instances: list[httpx.AsyncClient],
) -> None:
    first, second = instances
    headers = bearer(SIGNER, DISCOVERY)
    before = REGISTRY.get_sample_value("spine_cds_auth_failures_total", {"reason": "replayed"}) or 0.0
    assert (await first.get(DISCOVERY, headers=headers)).status_code == 200
    assert (await second.get(DISCOVERY, headers=headers)).status_code == 401
    assert (await first.get(DISCOVERY, headers=headers)).status_code == 401
    assert REGISTRY.get_sample_value("spine_cds_auth_failures_total", {"reason": "replayed"}) == before + 2
    assert (await second.get(DISCOVERY, headers=bearer(SIGNER, DISCOVERY))).status_code == 200


async def test_a_stalled_replay_table_answers_signed_calls_503_and_holds_nothing_else(
    instances: list[httpx.AsyncClient], database_url: str,
) -> None:
    """Another session holds the replay table locked: a signed call waits at most the store's deadline and
    is answered 503 (never admitted), while the event loop serves health checks meanwhile; once the lock
    is gone the same instance admits a fresh token again."""
    first, _ = instances
    engine = create_engine(make_url(database_url))
    try:
        with engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE jwt_replay IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            signed = asyncio.ensure_future(first.get(DISCOVERY, headers=bearer(SIGNER, DISCOVERY)))
            await asyncio.sleep(0.2)
            health = await first.get("/healthz")
            assert health.status_code == 200 and time.monotonic() - started < 1.0 and not signed.done()
            refused = await asyncio.wait_for(signed, timeout=5)
            assert refused.status_code == 503 and time.monotonic() - started < 4.0
            blocker.rollback()
        await asyncio.sleep(0.3)  # the abandoned statement's cancellation reaches the server
        assert (await first.get(DISCOVERY, headers=bearer(SIGNER, DISCOVERY))).status_code == 200
    finally:
        engine.dispose()


async def test_feedback_resent_to_the_other_instance_is_stored_once(
    instances: list[httpx.AsyncClient],
) -> None:
    path = f"{SERVICE_PATH}/feedback"
    body = {"feedback": [{"card": str(uuid.uuid4()), "outcome": "overridden",
                          "overrideReason": {"userComment": "patient prefers to wait"},
                          "outcomeTimestamp": "2026-11-25T10:00:00Z"}]}
    first, second = instances
    stored = [(await client.post(path, json=body, headers=bearer(SIGNER, path))).json()
              for client in (first, second)]
    assert stored == [{"received": 1, "stored": 1}, {"received": 1, "stored": 0}]


async def test_both_instances_are_ready_and_the_schema_is_at_head(
    instances: list[httpx.AsyncClient], database_url: str,
) -> None:
    for client in instances:
        response = await client.get("/readyz")
        assert response.status_code == 200 and response.json()["checks"]["database"] is True
    assert _revision(database_url) == _head(database_url)


async def test_every_evaluation_of_a_hook_call_is_audited_on_postgresql(
    settings: Settings, database_url: str, example: Callable[[str], dict[str, Any]],
) -> None:
    request = example("order-select-lumbar-day20.json")
    request["hookInstance"] = hook_instance = str(uuid.uuid4())
    async with _running(settings) as client:
        response = await client.post(SERVICE_PATH, json=request, headers=bearer(SIGNER, SERVICE_PATH))
        assert response.status_code == 200, response.text
    # the lifespan has ended: the audit writer flushed its queue before the database closed
    rows = _query(database_url, "SELECT id, service_id, rating, keys_from_prefetch FROM evaluation_audit "
                                "WHERE hook_instance = :h", h=hook_instance)
    assert len(rows) == 1
    audit_id, service_id, rating, keys = rows[0]
    assert service_id == "spine-imaging-order-select" and rating
    assert "patient" in keys  # JSON column read back as a list
    assert _query(database_url, "SELECT rule FROM evaluation_audit_rule WHERE audit_id = :a", a=audit_id)
    cards = _query(database_url, "SELECT card_uuid FROM evaluation_audit_card WHERE audit_id = :a",
                   a=audit_id)
    assert {row[0] for row in cards} == {card["uuid"] for card in response.json()["cards"]}


def test_db_upgrade_command_migrates_an_empty_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SPINE_CDS_DATABASE_URL", database_url)
    monkeypatch.setenv("SPINE_CDS_PROFILE", "development")
    get_settings.cache_clear()
    try:
        assert cli(["db", "upgrade"]) == 0
        assert cli(["db", "upgrade"]) == 0  # a second run is a no-op
    finally:
        get_settings.cache_clear()
    assert _revision(database_url) == _head(database_url)
    tables = {row[0] for row in _query(database_url, "SELECT tablename FROM pg_tables "
                                                     "WHERE schemaname = 'public'")}
    assert {"feedback", "jwt_replay", "evaluation_audit", "alembic_version"} <= tables


def _query(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params).all())
    finally:
        engine.dispose()


def _revision(url: str) -> str:
    [(revision,)] = _query(url, "SELECT version_num FROM alembic_version")
    return str(revision)


def _head(url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(make_url(url))).get_current_head()
    assert head is not None
    return head
