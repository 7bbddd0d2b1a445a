"""The committed OpenAPI document (openapi/openapi.json) is generated here; a test fails when it drifts."""

from __future__ import annotations

from typing import Any

from app.main import create_app
from app.settings import Profile, Settings


def openapi_document() -> dict[str, Any]:
    """Build the app without starting it (no lifespan: no database, no content loading)."""
    app = create_app(Settings(profile=Profile.DEVELOPMENT, database_url="sqlite://"))
    return app.openapi()
