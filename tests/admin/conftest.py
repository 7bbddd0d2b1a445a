"""The app with the admin dashboard switched on and a known week of evaluations and feedback."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest
from dashboard_seed import PASSWORD, seed

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.settings import Settings


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(admin_password=PASSWORD)


@pytest.fixture
def seeded(app: FastAPI, client: httpx.AsyncClient) -> httpx.AsyncClient:
    seed(app.state.runtime.database)
    return client
