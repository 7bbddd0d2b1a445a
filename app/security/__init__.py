"""Trust: who may call us (CONTRACT.md S1 to S7).

The trust registry, key sets, JWT verification and replay records.

``app.hooks.auth`` adapts :class:`JwtVerifier` to HTTP; nothing here knows about FastAPI.
"""

from app.security.identity import ClientIdentity
from app.security.jwks import KeySetCache
from app.security.registry import TrustedClient, TrustRegistry, TrustRegistryError, load_trust_registry
from app.security.replay import JtiRecord, ReplayCheckUnavailable, ReplayStore
from app.security.startup import build_verifier
from app.security.verifier import JwtVerifier, TokenRejected

__all__ = [
    "ClientIdentity",
    "JtiRecord",
    "JwtVerifier",
    "KeySetCache",
    "ReplayCheckUnavailable",
    "ReplayStore",
    "TokenRejected",
    "TrustRegistry",
    "TrustRegistryError",
    "TrustedClient",
    "build_verifier",
    "load_trust_registry",
]
