"""FeedbackItem and UTCDateTime: UTC normalisation and the dedup key for idempotence (CONTRACT.md F3, F6)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite

from app.feedback import FeedbackItem
from app.feedback.models import UTCDateTime

NOON_UTC = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


BASE = FeedbackItem(
    service_id="spine-imaging",
    card_uuid="card-1",
    outcome="overridden",
    outcome_timestamp=NOON_UTC,
    override_reason_system="http://example.org/override",
    override_reason_code="patient-preference",
    override_reason_display="Patient preference",
    override_comment="declined MRI",
)


def _item(**changes: Any) -> FeedbackItem:
    return replace(BASE, **changes)


def test_offset_timestamp_is_converted_to_utc() -> None:
    item = _item(outcome_timestamp=datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))))
    assert item.outcome_timestamp == NOON_UTC
    assert item.outcome_timestamp.utcoffset() == timedelta(0)


def test_naive_timestamp_is_read_as_utc() -> None:
    assert _item(outcome_timestamp=datetime(2026, 3, 1, 12, 0)).outcome_timestamp == NOON_UTC


def test_same_instant_in_other_offset_has_same_dedup_key() -> None:
    shifted = NOON_UTC.astimezone(timezone(timedelta(hours=-5)))
    assert _item(outcome_timestamp=shifted).dedup_key() == _item().dedup_key()


def test_suggestion_order_does_not_change_dedup_key() -> None:
    first = _item(outcome="accepted", accepted_suggestions=("a", "b"))
    assert first.dedup_key() == _item(outcome="accepted", accepted_suggestions=("b", "a")).dedup_key()


def test_reason_display_is_not_part_of_identity() -> None:
    assert _item(override_reason_display="Other wording").dedup_key() == _item().dedup_key()


@pytest.mark.parametrize(
    "change",
    [
        {"service_id": "other-service"},
        {"card_uuid": "card-2"},
        {"outcome": "accepted"},
        {"outcome_timestamp": NOON_UTC + timedelta(microseconds=1)},
        {"accepted_suggestions": ("a",)},
        {"override_reason_system": "http://example.org/other"},
        {"override_reason_code": "contraindicated"},
        {"override_comment": None},
    ],
)
def test_any_identity_field_changes_dedup_key(change: dict[str, Any]) -> None:
    assert _item(**change).dedup_key() != _item().dedup_key()


def test_values_cannot_imitate_a_field_boundary() -> None:
    left = _item(service_id="a|b", card_uuid="c")
    assert left.dedup_key() != _item(service_id="a", card_uuid="b|c").dedup_key()


def test_unknown_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="outcome"):
        _item(outcome="ignored")


def test_stored_naive_datetime_reads_back_as_utc() -> None:
    """SQLite drivers may return naive values; UTCDateTime must not leak them (SQLAlchemy 2.0 does)."""
    read = UTCDateTime().process_result_value(datetime(2026, 3, 1, 12, 0), sqlite.dialect())
    assert read == NOON_UTC
    assert read is not None
    assert read.tzinfo is UTC


def test_naive_datetime_is_refused_on_write() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 3, 1, 12, 0), sqlite.dialect())
