"""The dashboard is behind the admin credential, and absent when none is configured."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from dashboard_seed import ADMIN, PASSWORD, basic
from pydantic import ValidationError

from app.admin.auth import credentials_match
from app.main import create_app
from app.settings import Profile, Settings

PAGES = ["/admin", "/admin/export/topics.csv"]


async def get(settings: Settings, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            return await http.get(path, headers=headers)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("password", [None, ""])
async def test_without_an_admin_password_the_dashboard_does_not_exist(
    settings_factory: Callable[..., Settings], path: str, password: str | None
) -> None:
    response = await get(settings_factory(admin_password=password), path, ADMIN)
    assert response.status_code == 404


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("admin", "wrong-password-wrong-password"),
        basic("root", PASSWORD),
        basic("admin", PASSWORD + "x"),
        {"Authorization": "Bearer " + PASSWORD},
        {"Authorization": "Basic not-base64!"},
        {"Authorization": "Basic YWRtaW4="},  # "admin" with no colon
    ],
)
async def test_a_missing_or_wrong_credential_is_401_with_a_basic_challenge(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    response = await client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Basic realm="spine-cds admin"')
    assert "topic" not in response.text


async def test_the_right_credential_opens_the_page_with_no_caching_and_no_framing(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/admin", headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]


async def test_a_bad_period_is_not_examined_before_authentication(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin", params={"start": "nonsense"})
    assert response.status_code == 401


def test_the_dashboard_is_not_in_the_openapi_document() -> None:
    from app.openapi import openapi_document

    assert not [path for path in openapi_document()["paths"] if path.startswith("/admin")]


def test_credentials_are_compared_whole() -> None:
    secret = "pässword-long-1234"
    settings = Settings(profile=Profile.DEVELOPMENT, admin_username="ops", admin_password=secret)
    assert credentials_match(basic("ops", secret)["Authorization"], settings)
    assert not credentials_match(basic("ops", secret[:-1])["Authorization"], settings)
    assert not credentials_match(None, settings)


def test_production_refuses_a_short_admin_password() -> None:
    with pytest.raises(ValidationError, match="ADMIN_PASSWORD must be at least 16"):
        Settings(profile=Profile.PRODUCTION, public_base_url="https://cds.example.org", trust_file="t.yaml",
                 admin_password="short-password")


def test_production_accepts_a_long_admin_password_or_none() -> None:
    for password in (None, "a-long-enough-admin-secret"):
        Settings(profile=Profile.PRODUCTION, public_base_url="https://cds.example.org", trust_file="t.yaml",
                 admin_password=password)


def test_an_empty_admin_username_is_refused() -> None:
    with pytest.raises(ValidationError, match="ADMIN_USERNAME"):
        Settings(profile=Profile.DEVELOPMENT, admin_username=" ", admin_password=PASSWORD)
