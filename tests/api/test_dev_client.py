"""The local developer client behind the README's curl demo: trusted in development, refused in production."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.security.devclient import ensure_dev_client, mint_dev_token
from app.security.registry import TrustRegistryError, load_trust_registry
from app.settings import DEVELOPMENT_TRUST_FILE, Settings


@pytest.fixture
def dev_dir(tmp_path: Path) -> Path:
    return tmp_path / "dev-client"


async def test_a_dev_token_opens_discovery(settings_factory: Callable[..., Settings], dev_dir: Path) -> None:
    trust = ensure_dev_client(dev_dir, DEVELOPMENT_TRUST_FILE)
    settings = settings_factory(auth_required=True, trust_file=trust)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            service = "/cds-services/spine-imaging-order-select"
            refused = await http.post(service, json={})
            token = mint_dev_token(dev_dir, settings.public_base_url + "/cds-services")
            allowed = await http.get("/cds-services", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert allowed.status_code == 200


def test_the_private_key_is_readable_only_by_its_owner(dev_dir: Path) -> None:
    ensure_dev_client(dev_dir, DEVELOPMENT_TRUST_FILE)
    assert stat.S_IMODE((dev_dir / "key.pem").stat().st_mode) == 0o600


def test_running_it_again_keeps_the_key(dev_dir: Path) -> None:
    ensure_dev_client(dev_dir, DEVELOPMENT_TRUST_FILE)
    first = (dev_dir / "key.pem").read_bytes()
    ensure_dev_client(dev_dir, DEVELOPMENT_TRUST_FILE)
    assert (dev_dir / "key.pem").read_bytes() == first


def test_production_refuses_the_development_trust_file(dev_dir: Path) -> None:
    trust = ensure_dev_client(dev_dir, DEVELOPMENT_TRUST_FILE)
    with pytest.raises(TrustRegistryError):
        load_trust_registry(trust, production=True)


async def test_replay_records_down_is_503_not_500(settings_factory: Callable[..., Settings], dev_dir: Path,
                                                  tmp_path: Path) -> None:
    """A token we cannot prove fresh is neither accepted nor blamed on the client: 503, retry later."""
    trust = ensure_dev_client(dev_dir, DEVELOPMENT_TRUST_FILE)
    settings = settings_factory(auth_required=True, trust_file=trust,
                                database_url=f"sqlite:///{tmp_path / 'db' / 'replay.db'}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.runtime.database.dispose()
        shutil.rmtree(tmp_path / "db")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            token = mint_dev_token(dev_dir, settings.public_base_url + "/cds-services")
            response = await http.get("/cds-services", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.json()["issue"][0]["code"] == "transient"
