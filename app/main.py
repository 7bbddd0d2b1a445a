"""Assemble the app (STYLE.md: ``main.py`` only assembles): lifespan, middleware, routes, error mapping.

``app.main:app`` is built on first access from ``get_settings()``, so importing this module (tests, the
CLI) never requires a production environment; ``create_app(settings)`` is what tests call.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import cache
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.admin import LoginThrottle, admin_router
from app.audit import build_audit_writer
from app.feedback import Database, FeedbackRepository
from app.fhir.fetcher import FhirFetcher
from app.fhir.http_client import make_http_client
from app.hooks.auth import gate
from app.hooks.cors import OriginHint, PrivateNetworkAccess
from app.hooks.errors import register_error_handlers
from app.hooks.explain import explain_router
from app.hooks.limits import add_limits
from app.hooks.router import router
from app.hooks.runtime import Runtime, load_content
from app.hooks.services import SERVICES
from app.observability import configure_logging, metrics_router, outcome_observers, setup_tracing
from app.security import build_verifier
from app.settings import Profile, Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        title="spine-cds",
        version=__version__,
        summary="CDS Hooks 2.0 service for radiculopathy spine imaging",
        lifespan=_lifespan(settings),
    )
    app.state.settings = settings
    add_limits(app, settings, gate)  # before CORS, so CORS headers reach a browser on 401/413/429 too
    _add_cors(app, settings)
    register_error_handlers(app)
    app.include_router(router)
    app.include_router(explain_router)
    if settings.metrics_enabled:
        app.include_router(metrics_router)
    setup_tracing(app, settings)
    app.include_router(admin_router)
    app.state.admin_throttle = LoginThrottle(settings.admin_login_max_failures,
                                             settings.admin_login_window_seconds)
    return app


def _lifespan(settings: Settings) -> Any:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _check_silent_services(settings)
        runtime = _build_runtime(settings)
        audit = build_audit_writer(settings, runtime.database)
        runtime = replace(runtime, observers=(*runtime.observers, audit))
        app.state.runtime = runtime
        app.state.audit = audit
        _warn_if_development(settings)
        log.info("policy version %s, mode %s", runtime.content.policy.version, settings.mode)
        audit.start()
        try:
            app.state.verifier = build_verifier(settings, runtime.http, runtime.database)  # may raise
            _tune_garbage_collector()
            yield
        finally:
            await audit.aclose()  # the audit rows still queued are written before the database closes
            await _close_verifier(app)  # so are the jti rows of calls still answering
            await runtime.http.aclose()
            runtime.database.dispose()

    return lifespan


async def _close_verifier(app: FastAPI) -> None:
    verifier = getattr(app.state, "verifier", None)
    if verifier is not None:
        await anyio.to_thread.run_sync(verifier.close)


# A hook call holds its decoded request, views and cards until it answers: ~2,000 container objects for a
# 50-resource chart and tens of thousands for a Synthea-sized one (~1,700 resources), all freed by reference
# counting when it ends. CPython's default (700) ran a collection on every 50-resource call; 20,000 still
# ran one on nine Synthea-sized calls in ten, walking live request data (~2.5 ms, 5 % of such a call). The
# threshold counts net allocations, so a call that frees what it made never reaches it: only cyclic
# garbage accumulates towards it, and at most this many containers of it wait to be freed.
YOUNG_GENERATION_THRESHOLD = 100_000


def _tune_garbage_collector() -> None:
    """What start-up loaded is frozen out of every later collection, and collections wait for
    ``YOUNG_GENERATION_THRESHOLD`` net allocations. Only cyclic garbage waits longer to be
    freed, and the request path makes little: at most one threshold's worth of objects."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])


def _build_runtime(settings: Settings) -> Runtime:
    """Load content once (value sets, cards), migrate the database, open the one HTTP client."""
    database = Database(settings.database_url)
    database.upgrade()
    http = make_http_client(settings)
    return Runtime(
        settings=settings,
        content=load_content(settings),
        http=http,
        database=database,
        feedback=FeedbackRepository(database),
        fetcher=FhirFetcher.from_settings(http, settings),
        observers=outcome_observers(settings),
    )


def _check_silent_services(settings: Settings) -> None:
    """A misspelt id in SILENT_SERVICES would leave a service showing cards that was meant to be silent."""
    unknown = sorted(set(settings.silent_services) - SERVICES.keys())
    if unknown:
        raise ValueError(f"SILENT_SERVICES names unknown services {unknown}; known: {sorted(SERVICES)}")


def _add_cors(app: FastAPI, settings: Settings) -> None:
    """S9: browser clients (the sandbox) preflight discovery, service and feedback calls; Chrome's Private
    Network Access grant is added outside CORS, which answers preflights itself (app/hooks/cors.py)."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    app.add_middleware(PrivateNetworkAccess, allow_origins=settings.cors_origins)
    if settings.profile is Profile.DEVELOPMENT:
        app.add_middleware(OriginHint, allow_origins=settings.cors_origins)


def _warn_if_development(settings: Settings) -> None:
    if settings.profile is Profile.DEVELOPMENT:
        log.warning(
            "DEVELOPMENT PROFILE: loopback FHIR servers and the public CDS Hooks sandbox are trusted. "
            "NOT FOR PRODUCTION."
        )


@cache
def _app_from_environment() -> FastAPI:
    settings = get_settings()
    configure_logging(settings)  # the process's logging, so only here and not in create_app (tests)
    return create_app(settings)


def __getattr__(name: str) -> Any:
    """``uvicorn app.main:app`` builds the app from the environment on first access."""
    if name == "app":
        return _app_from_environment()
    raise AttributeError(name)
