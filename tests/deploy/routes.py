"""Does the app answer ``GET path``? Asked of the app's own router, not a list kept in a test.

Routers are matched as Starlette matches a request (``route.matches(scope)``), so routers that FastAPI
includes lazily are covered too. A full match means the route exists with GET; partial means the path
exists under another method only.
"""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI
from starlette.routing import Match

from app.main import create_app
from app.settings import Profile, Settings


@cache
def the_app() -> FastAPI:
    return create_app(Settings(profile=Profile.DEVELOPMENT, auth_required=False))


def serves_get(path: str) -> bool:
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": [],
             "query_string": b""}
    return any(route.matches(scope)[0] is Match.FULL for route in the_app().routes)
