"""Build the verifier once, in the app's lifespan, from the settings and the runtime's HTTP client and DB."""

from __future__ import annotations

import logging

import httpx

from app.feedback import Database
from app.security.jwks import KeySetCache
from app.security.registry import TrustRegistry, load_trust_registry
from app.security.replay import ReplayStore
from app.security.verifier import JwtVerifier
from app.settings import Profile, Settings

log = logging.getLogger(__name__)


def build_verifier(settings: Settings, http: httpx.AsyncClient, database: Database) -> JwtVerifier | None:
    """None only when no trust file is configured, which ``Settings`` allows only with auth switched off.

    An unreadable or unsafe trust file raises :class:`TrustRegistryError`, so the service does not start.
    """
    if settings.trust_file is None:
        return None
    registry = load_trust_registry(settings.trust_file, production=settings.profile is Profile.PRODUCTION)
    _warn_about_development_clients(registry)
    key_sets = KeySetCache(
        http,
        ttl_seconds=settings.jwks_cache_seconds,
        cooldown_seconds=settings.jwks_refetch_cooldown_seconds,
        timeout_seconds=settings.jwks_fetch_timeout_seconds,
    )
    return JwtVerifier(registry, key_sets, ReplayStore(database, durable=settings.replay_durable_commit))


def _warn_about_development_clients(registry: TrustRegistry) -> None:
    development = registry.development_only()
    if development:
        banner = "!" * 78
        log.warning(
            "%s\nTRUSTING DEVELOPMENT-ONLY CDS CLIENTS: %s\nDevelopment keys are not secrets (the sandbox's "
            "is public): anyone holding one can mint a token we accept. NOT FOR PRODUCTION.\n%s",
            banner, ", ".join(development), banner,
        )
