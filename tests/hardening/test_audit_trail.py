"""The audit trail never stalls (docs/security.md, "Bounded input"): a row the database refuses is set
aside, counted and shown; every other row is written, and a clean shutdown still loses nothing.

Run on SQLite and on PostgreSQL (the session's loopback server): the poisoned row is a duplicate consult
id, which both refuse, and odd text (a lone surrogate, a NUL, an over-long value) that only PostgreSQL
would refuse if it were not made storable first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from audit.audit_outcomes import outcome, rated
from sqlalchemy import func, select

from app.audit import AuditStore, AuditWriter, EvaluationAudit, ReferenceHasher
from app.feedback import Database
from app.observability.metrics import REGISTRY

JSON = {"Content-Type": "application/json"}
TWIN = "5d6c1a0e-3b55-4d7e-9d0e-2b1c7a9e8f00"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def audit_database(request: pytest.FixtureRequest, database: Database) -> Iterator[Database]:
    if request.param == "sqlite":
        yield database
        return
    postgres = Database(request.getfixturevalue("postgres_url"))
    postgres.upgrade()
    yield postgres
    postgres.dispose()


def count_rows(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(EvaluationAudit)) or 0)


def set_aside_metric() -> float:
    return REGISTRY.get_sample_value("spine_cds_audit_set_aside_total") or 0.0


async def test_one_refused_row_among_many_is_set_aside_and_the_rest_written(
    audit_database: Database,
) -> None:
    """It used to retry the poisoned batch forever: no row was written for anyone until a restart, and
    the batch — innocent calls included — was lost at shutdown."""
    writer = AuditWriter(AuditStore(audit_database, ReferenceHasher(None)), retry_seconds=0.01)
    before = set_aside_metric()
    writer.start()
    for index in range(60):
        writer.observe(outcome(rated(consult_id=TWIN if index in (10, 40) else None)))
    await writer.aclose()
    assert count_rows(audit_database) == 59
    assert (writer.written, writer.set_aside, writer.dropped) == (59, 1, 0)
    assert set_aside_metric() == before + 1


async def test_unstorable_text_is_made_storable_before_the_database_sees_it(
    audit_database: Database,
) -> None:
    writer = AuditWriter(AuditStore(audit_database, ReferenceHasher(None)))
    writer.start()
    writer.observe(outcome(rated(), hook_instance="a\ud800b\x00c", patient_reference="Patient/" + "9" * 400))
    writer.observe(outcome(rated()))
    await writer.aclose()
    assert (writer.written, writer.set_aside) == (2, 0)
    with audit_database.session() as session:
        stored = session.scalars(select(EvaluationAudit.hook_instance).order_by(EvaluationAudit.id)).first()
        longest = session.scalar(select(func.max(func.length(EvaluationAudit.patient_reference))))
    assert stored == "a\ufffdb\ufffdc"
    assert longest == 255


async def test_readyz_shows_the_audit_writer_and_what_it_set_aside(client: httpx.AsyncClient,
                                                                  app: Any) -> None:
    app.state.audit.set_aside = 3  # what the writer counts (above); readyz reports it as a detail
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["audit"] | {"pending": 0} == {"pending": 0, "written": 0, "set_aside": 3,
                                                         "dropped": 0}


async def test_a_hook_call_with_unstorable_text_is_refused_and_others_are_audited(
    client: httpx.AsyncClient, app: Any, example: Callable[[str], dict[str, Any]],
) -> None:
    """A lone surrogate in hookInstance once got 200 and then stalled the audit trail for everyone."""
    path = "/cds-services/spine-imaging-order-select"
    for poison in ({"hookInstance": "h\ud800"}, {"hookInstance": "h\x00"}):
        body = example("order-select-lumbar-day20.json") | poison
        response = await client.post(path, content=json.dumps(body), headers=JSON)  # \ud800 escaped
        assert response.status_code == 400
        assert response.json()["resourceType"] == "OperationOutcome"
    assert (await client.post(path, json=example("order-select-lumbar-day20.json"))).status_code == 200
    await app.state.audit.aclose()
    assert (app.state.audit.written, app.state.audit.set_aside) == (1, 0)
