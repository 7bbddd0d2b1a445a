"""Start-up and wiring of authentication: which trust file each profile loads, what stops the
service, and how ``aud`` is built from PUBLIC_BASE_URL rather than from what a proxy sends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request

from app.hooks.auth import endpoint_url
from app.security import JwtVerifier, TrustRegistryError
from app.settings import DEVELOPMENT_TRUST_FILE, Profile, Settings


def production(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"profile": Profile.PRODUCTION, "public_base_url": "https://cds.example.org",
                              "database_url": f"sqlite:///{tmp_path / 'prod.db'}", **overrides}
    return Settings(**values)


def test_development_profile_defaults_to_the_sandbox_trust_file() -> None:
    assert Settings(profile=Profile.DEVELOPMENT).trust_file == DEVELOPMENT_TRUST_FILE
    assert Settings(profile=Profile.DEVELOPMENT).auth_required is True


def test_explicit_trust_file_wins_in_development(tmp_path: Path) -> None:
    own = tmp_path / "mine.yaml"
    assert Settings(profile=Profile.DEVELOPMENT, trust_file=own).trust_file == own


def test_production_without_a_trust_file_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TRUST_FILE"):
        production(tmp_path)


def test_production_with_plain_http_base_url_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PUBLIC_BASE_URL must be https"):
        production(tmp_path, public_base_url="http://cds.example.org", trust_file=DEVELOPMENT_TRUST_FILE)


async def test_production_refuses_to_start_on_the_sandbox_trust_file(tmp_path: Path) -> None:
    from app.main import create_app

    app = create_app(production(tmp_path, trust_file=DEVELOPMENT_TRUST_FILE))
    with pytest.raises(TrustRegistryError, match="development-only"):
        async with app.router.lifespan_context(app):
            pass


async def test_development_start_trusts_the_sandbox_and_says_so_loudly(
    settings_factory: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    from app.main import create_app

    app = create_app(settings_factory(auth_required=True))
    async with app.router.lifespan_context(app):
        assert isinstance(app.state.verifier, JwtVerifier)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as client:
            refused = await client.post("/cds-services/spine-imaging-order-select", json={})
            assert refused.status_code == 401
            assert "no bearer token" in refused.json()["issue"][0]["diagnostics"]  # development's hint
    banner = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("https://sandbox.cds-hooks.org" in m and "NOT FOR PRODUCTION" in m for m in banner)


def request(path: str, root_path: str = "", host: str = "internal:8080") -> Request:
    headers = [(b"host", host.encode()), (b"x-forwarded-host", b"evil.example.net")]
    return Request({"type": "http", "method": "POST", "path": path, "root_path": root_path,
                    "query_string": b"", "headers": headers})


def test_aud_is_public_base_url_plus_path_whatever_host_the_proxy_sends() -> None:
    assert endpoint_url(request("/cds-services/x"), "https://cds.example.org") == (
        "https://cds.example.org/cds-services/x")


def test_root_path_reported_by_the_proxy_is_not_doubled() -> None:
    url = endpoint_url(request("/cds/cds-services/x", root_path="/cds"), "https://example.org/cds")
    assert url == "https://example.org/cds/cds-services/x"
