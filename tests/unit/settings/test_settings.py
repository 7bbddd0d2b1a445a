"""STYLE.md habit 4: one validated settings object that refuses unsafe values at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import Profile, Settings


def test_list_settings_accept_a_comma_separated_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_CDS_FHIR_SERVER_ALLOWLIST", "https://a.example/fhir, https://b.example/fhir")
    monkeypatch.setenv("SPINE_CDS_CORS_ORIGINS", "https://ehr.example")
    settings = Settings(profile=Profile.DEVELOPMENT)
    assert settings.fhir_server_allowlist == ["https://a.example/fhir", "https://b.example/fhir"]
    assert settings.cors_origins == ["https://ehr.example"]


def test_production_refuses_plain_http_base_url() -> None:
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL must be https"):
        Settings(profile=Profile.PRODUCTION, public_base_url="http://cds.example.org", trust_file="t.yaml")


def test_production_refuses_auth_switched_off() -> None:
    with pytest.raises(ValidationError, match="AUTH_REQUIRED cannot be false"):
        Settings(profile=Profile.PRODUCTION, public_base_url="https://cds.example.org", auth_required=False)


def test_production_refuses_http_fhir_allowlist_entry() -> None:
    with pytest.raises(ValidationError, match="must be https"):
        Settings(profile=Profile.PRODUCTION, public_base_url="https://cds.example.org", trust_file="t.yaml",
                 fhir_server_allowlist=["http://127.0.0.1:8090/fhir"])


def test_development_allows_http_only_on_loopback() -> None:
    Settings(profile=Profile.DEVELOPMENT, fhir_server_allowlist=["http://127.0.0.1:8090/fhir"])
    with pytest.raises(ValidationError, match="only for loopback"):
        Settings(profile=Profile.DEVELOPMENT, fhir_server_allowlist=["http://ehr.example.org/fhir"])


def test_wildcard_cors_is_refused_in_production() -> None:
    with pytest.raises(ValidationError, match="CORS_ORIGINS"):
        Settings(profile=Profile.PRODUCTION, public_base_url="https://cds.example.org", trust_file="t.yaml",
                 cors_origins=["*"])


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(profile=Profile.DEVELOPMENT, site_timezone="Mars/Olympus")


def test_policy_thresholds_are_overridable_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINE_CDS_POLICY__CONSERVATIVE_CARE_DAYS", "56")
    monkeypatch.setenv("SPINE_CDS_POLICY__CERVICAL_EARLY_MRI", "defer")
    policy = Settings(profile=Profile.DEVELOPMENT).pathway_policy
    assert policy.conservative_care_days == 56
    assert policy.cervical_early_mri.value == "defer"


def test_development_profile_trusts_loopback_and_the_sandbox_origin() -> None:
    settings = Settings(profile=Profile.DEVELOPMENT)
    assert "http://127.0.0.1" in settings.fhir_server_allowlist
    assert settings.cors_origins == ["https://sandbox.cds-hooks.org"]
