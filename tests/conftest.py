"""Shared test fixtures: the app under test, driven in-process through httpx.ASGITransport.

Imports of the app happen inside fixtures so that the pure unit suites collect even while a layer
above them is broken.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def example() -> Callable[[str], dict[str, Any]]:
    """A fresh deep copy of a saved hook request from examples/ (tests may mutate it)."""

    def load(name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
        return copy.deepcopy(loaded)

    return load


@pytest.fixture
def settings_factory(tmp_path: Path) -> Callable[..., Settings]:
    """Development settings on a real SQLite file in tmp_path; auth off unless a test turns it on."""
    from app.settings import Profile, Settings

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "profile": Profile.DEVELOPMENT,
            "database_url": f"sqlite:///{tmp_path / 'spine-cds.db'}",
            "auth_required": False,
        }
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    from app.main import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
        yield http
