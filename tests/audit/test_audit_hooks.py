"""The audit trail through HTTP: every hook call is audited; silent mode answers nothing but audits all."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit import EvaluationAudit
from app.feedback import Database
from app.main import create_app
from app.settings import Settings

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
PATIENT_VIEW = "/cds-services/spine-pathway-patient-view"
CONSULT_ID = "pama-rating-consult-id"
Example = Callable[[str], dict[str, Any]]


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app from start-up to a clean shutdown (which is when queued audit rows must be written)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            yield http


def audit_rows(settings: Settings) -> list[EvaluationAudit]:
    database = Database(settings.database_url)
    query = select(EvaluationAudit).options(
        selectinload(EvaluationAudit.rules), selectinload(EvaluationAudit.cards)
    ).order_by(EvaluationAudit.id)
    try:
        with database.session() as session:
            return list(session.scalars(query))
    finally:
        database.dispose()


def consult_ids(response: dict[str, Any]) -> list[str]:
    return [
        extension["valueUri"]
        for action in response.get("systemActions", [])
        for extension in action["resource"]["extension"]
        if extension["url"].endswith(CONSULT_ID)
    ]


async def test_a_hook_call_is_audited_with_its_consult_id_rules_rating_and_cards(
    settings_factory: Callable[..., Settings], example: Example
) -> None:
    settings = settings_factory()
    async with running(settings) as http:
        answer = (await http.post(ORDER_SELECT, json=example("order-select-lumbar-day20.json"))).json()
    (row,) = audit_rows(settings)
    assert [row.consult_id] == consult_ids(answer)[:1]
    assert row.consult_id is not None and row.consult_id.startswith("urn:uuid:")
    assert row.hook_instance == "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
    assert (row.rating, [rule.rule for rule in row.rules]) == ("not-appropriate", ["R1"])
    assert sorted(card.card_uuid for card in row.cards) == sorted(card["uuid"] for card in answer["cards"])
    assert {card.topic for card in row.cards} == {card["source"]["topic"]["code"] for card in answer["cards"]}
    assert row.patient_reference == "Patient/example-lumbar-day20"
    assert row.order_reference == "ServiceRequest/draft-mri-1"
    assert (row.policy_version, row.silent, row.cards_returned) == ("default-1", False, len(answer["cards"]))
    assert row.content_version and "patient" in row.keys_from_prefetch


async def test_silent_mode_returns_nothing_and_audits_what_would_have_fired(
    settings_factory: Callable[..., Settings], example: Example
) -> None:
    settings = settings_factory(mode="silent")
    async with running(settings) as http:
        response = await http.post(ORDER_SELECT, json=example("order-select-cauda-equina.json"))
    assert response.status_code == 200
    assert response.json() == {"cards": []}  # no cards, no systemActions
    (row,) = audit_rows(settings)
    assert (row.silent, row.cards_returned, row.rating) == (True, 0, "appropriate")
    assert "R5" in {rule.rule for rule in row.rules}
    assert "SpineRedFlag" in {card.topic for card in row.cards}


async def test_one_service_can_run_silent_while_the_others_answer(
    settings_factory: Callable[..., Settings], example: Example
) -> None:
    settings = settings_factory(silent_services="spine-imaging-order-select")
    async with running(settings) as http:
        silent = await http.post(ORDER_SELECT, json=example("order-select-lumbar-day20.json"))
        active = await http.post(PATIENT_VIEW, json=example("patient-view-lumbar.json"))
    assert silent.json() == {"cards": []}
    assert active.json()["cards"]
    assert [(row.service_id, row.silent) for row in audit_rows(settings)] == [
        ("spine-imaging-order-select", True),
        ("spine-pathway-patient-view", False),
    ]


async def test_a_misspelt_silent_service_refuses_to_start(settings_factory: Callable[..., Settings]) -> None:
    settings = settings_factory(silent_services="spine-imaging-order-selct")
    with pytest.raises(ValueError, match="unknown services"):
        async with running(settings):
            pass


async def test_the_response_does_not_wait_for_a_locked_database(
    settings_factory: Callable[..., Settings], example: Example, tmp_path: Any
) -> None:
    settings = settings_factory()
    async with running(settings) as http:
        blocker = sqlite3.connect(tmp_path / "spine-cds.db", timeout=1)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
        started = time.perf_counter()
        response = await http.post(ORDER_SELECT, json=example("order-select-lumbar-day20.json"))
        elapsed = time.perf_counter() - started
        blocker.commit()
        blocker.close()
    assert response.status_code == 200
    assert elapsed < 1.0
    assert len(audit_rows(settings)) == 1  # written once the lock was gone, before shutdown completed


async def test_hashed_references_keep_ids_out_of_the_audit(
    settings_factory: Callable[..., Settings], example: Example
) -> None:
    settings = settings_factory(audit_hash_references=True, audit_hash_salt="0123456789abcdef-site")
    async with running(settings) as http:
        await http.post(ORDER_SELECT, json=example("order-select-lumbar-day20.json"))
    (row,) = audit_rows(settings)
    assert row.patient_reference.startswith("Patient/hmac-sha256:")
    assert "example-lumbar-day20" not in row.patient_reference
    assert row.order_reference is not None and "draft-mri-1" not in row.order_reference
