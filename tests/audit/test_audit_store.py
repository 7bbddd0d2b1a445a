"""What one audit row holds — by reference, never clinical content."""

from __future__ import annotations

import pytest
from audit_outcomes import outcome, rated
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit import AuditStore, EvaluationAudit, ReferenceHasher
from app.feedback import Database

SALT = b"a-site-secret-of-some-length"


def stored(database: Database) -> list[EvaluationAudit]:
    query = select(EvaluationAudit).options(
        selectinload(EvaluationAudit.rules), selectinload(EvaluationAudit.cards)
    ).order_by(EvaluationAudit.id)
    with database.session() as session:
        return list(session.scalars(query))


def test_each_evaluation_is_one_row_keyed_by_its_urn_uuid_consult_id(database: Database) -> None:
    first = rated(consult_id="0b7f4f52-9a1e-4b8e-8d55-0c1a1f7f2d10")
    second = rated(rules=("R5",), rating="appropriate", order="ServiceRequest/mri-2")
    AuditStore(database, ReferenceHasher(None)).write([outcome(first, second, hook_instance="hi-1")])
    rows = stored(database)
    assert [row.consult_id for row in rows] == [
        "urn:uuid:0b7f4f52-9a1e-4b8e-8d55-0c1a1f7f2d10",
        f"urn:uuid:{second.consult_id}",
    ]
    assert {row.hook_instance for row in rows} == {"hi-1"}
    assert [row.order_reference for row in rows] == ["ServiceRequest/mri-1", "ServiceRequest/mri-2"]


def test_the_row_carries_the_call_its_data_keys_and_versions(database: Database) -> None:
    AuditStore(database, ReferenceHasher(None)).write([outcome(rated())])
    (row,) = stored(database)
    assert (row.service_id, row.hook, row.client_iss) == ("spine-imaging-order-select", "order-select",
                                                           "https://ehr.example")
    assert (row.latency_ms, row.silent, row.rating) == (12.5, False, "not-appropriate")
    assert (row.keys_from_prefetch, row.keys_fetched, row.keys_failed) == (
        ["patient", "conditions"], ["medications"], ["imaging"])
    assert (row.policy_version, row.content_version) == ("site-7", "abc123")
    assert row.evaluated_at.isoformat() == "2026-11-03T15:30:00+00:00"


def test_rules_and_cards_are_kept_as_rows_for_counting_and_joining(database: Database) -> None:
    cards = (("card-a", "SpineDeferImaging", "warning"), ("card-b", "SpineModality", "warning"))
    evaluation = rated(rules=("R1", "R13", "R1"), cards=cards)
    AuditStore(database, ReferenceHasher(None)).write([outcome(evaluation)])
    (row,) = stored(database)
    assert sorted(rule.rule for rule in row.rules) == ["R1", "R13"]
    assert sorted((c.card_uuid, c.topic, c.indicator) for c in row.cards) == sorted(cards)


def test_a_call_that_rated_nothing_still_records_one_row(database: Database) -> None:
    AuditStore(database, ReferenceHasher(None)).write([outcome(cards_returned=0)])
    (row,) = stored(database)
    assert (row.consult_id, row.rating, row.order_reference) == (None, None, None)
    assert (row.rules, row.cards) == ([], [])


def test_references_are_keyed_hashes_when_the_site_asks(database: Database) -> None:
    store = AuditStore(database, ReferenceHasher(SALT))
    store.write([outcome(rated()), outcome(rated())])
    first, second = stored(database)
    assert first.patient_reference.startswith("Patient/hmac-sha256:")
    assert "p-123" not in first.patient_reference
    assert first.order_reference is not None and "mri-1" not in first.order_reference
    assert first.patient_reference == second.patient_reference  # the same patient can still be grouped


def test_another_salt_gives_another_hash() -> None:
    assert ReferenceHasher(SALT)("Patient/1") != ReferenceHasher(b"another-secret-value-xx")("Patient/1")
    assert ReferenceHasher(None)("Patient/1") == "Patient/1"


def test_a_batch_is_written_whole_or_not_at_all(database: Database) -> None:
    twin = "5d6c1a0e-3b55-4d7e-9d0e-2b1c7a9e8f00"
    with pytest.raises(IntegrityError):
        AuditStore(database, ReferenceHasher(None)).write(
            [outcome(rated()), outcome(rated(consult_id=twin)), outcome(rated(consult_id=twin))]
        )
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(EvaluationAudit)) == 0
