"""Settings for the audit trail: hashing references needs a real secret (STYLE.md habit 4)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import Profile, Settings


def test_hashing_references_without_a_salt_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="AUDIT_HASH_SALT"):
        Settings(profile=Profile.DEVELOPMENT, audit_hash_references=True)


def test_hashing_references_with_a_short_salt_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="AUDIT_HASH_SALT"):
        Settings(profile=Profile.DEVELOPMENT, audit_hash_references=True, audit_hash_salt="short")


def test_silent_services_are_read_as_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_CDS_SILENT_SERVICES", "spine-imaging-order-select, spine-imaging-order-sign")
    settings = Settings(profile=Profile.DEVELOPMENT)
    assert settings.silent_services == ["spine-imaging-order-select", "spine-imaging-order-sign"]
