"""Verify a CDS client's JWT (CONTRACT.md S2 to S7) and say who it is.

Order matters: everything that can be decided from the token and the registry alone (algorithm, issuer,
``jku``) is checked before any network or database work, so a forged token costs no fetch and no row; the
``jti`` is recorded last, only once the signature and claims hold, so strangers cannot fill the table.
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

import jwt

from app.security.identity import ClientIdentity
from app.security.registry import ASYMMETRIC_ALGORITHMS, TrustedClient, TrustRegistry
from app.security.replay import MAX_JTI_LENGTH

CLOCK_SKEW_SECONDS = 60  # exp, iat and nbf are checked with at most a minute of skew
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti"]  # S4
# Clients mint one token per call (the sandbox: exp = iat + 300). A cap keeps a stolen token's window and
# the replay table's rows short; an hour leaves room for any client we know of.
MAX_LIFETIME_SECONDS = 3600
KEY_OBJECTS_KEPT = 256  # parsed public keys kept per process; far more than the kids of every client


class TokenRejected(Exception):
    """The token is not trusted. ``reason`` is for the log (never the token); the client is told nothing."""

    def __init__(self, reason: str, iss: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.iss = iss


class KeySource(Protocol):
    async def find(self, url: str, kid: str) -> Mapping[str, Any] | None: ...


class ReplayGuard(Protocol):
    async def first_use(self, iss: str, jti: str, expires_at: datetime, *, alone: bool = True) -> bool: ...

    def close(self) -> None: ...


class JwtVerifier:
    """The ``TokenVerifier`` of ``app.hooks.auth``: a ``ClientIdentity``, or ``TokenRejected`` raised."""

    def __init__(self, registry: TrustRegistry, key_sets: KeySource, replay: ReplayGuard) -> None:
        self._registry = registry
        self._key_sets = key_sets
        self._replay = replay
        self._parsed: dict[tuple[int, str], tuple[Mapping[str, Any], jwt.PyJWK]] = {}

    def close(self) -> None:
        """Blocking (joins the replay writer thread): call it from a worker thread at shutdown."""
        self._replay.close()

    async def verify(self, token: str, audience: str | tuple[str, ...], *,
                     alone: bool = True) -> ClientIdentity:
        """``audience``: the URL called, or (development, app/hooks/devhints.py) its loopback aliases;
        ``alone``: no other call in flight (the replay store's direct write, ``ReplayStore.first_use``)."""
        header, unverified = _unverified_parts(token)
        alg, kid = _checked_header(header)
        client = self._client(unverified)
        if alg not in client.algorithms:
            raise TokenRejected(f"alg {alg} is not on this client's list", client.iss)
        key = await self._key(client, kid, header.get("jku"))
        claims = _verified_claims(token, unverified, self._parsed_key(key, alg, client), client, audience)
        _check_tenant(claims, client)
        await self._check_replay(claims, client, alone)
        return client.identity()

    def _client(self, unverified: Mapping[str, Any]) -> TrustedClient:
        iss = unverified.get("iss")
        if not isinstance(iss, str):
            raise TokenRejected("no iss claim")
        client = self._registry.client(iss)
        if client is None:
            raise TokenRejected("issuer is not in the trust registry", iss[:200])
        return client

    async def _key(self, client: TrustedClient, kid: str, jku: Any) -> Mapping[str, Any]:
        """A key of *this* client only: its out-of-band set first, then its allowed ``jku`` sets (S6)."""
        if jku is not None and jku not in client.jku:
            raise TokenRejected("jku is not on this client's list (not fetched)", client.iss)
        if kid in client.keys:
            return client.keys[kid]
        for url in [jku] if jku is not None else client.jku:
            key = await self._key_sets.find(url, kid)
            if key is not None:
                return key
        raise TokenRejected("kid does not resolve to a key of this client", client.iss)

    def _parsed_key(self, key: Mapping[str, Any], alg: str, client: TrustedClient) -> jwt.PyJWK:
        """The JWK parsed once (RSA/EC key objects cost ~0.1 ms each to build), kept while the registry or
        the key-set cache holds that very mapping: a rotated set brings new mappings, so never a stale key."""
        if key.get("alg", alg) != alg:
            raise TokenRejected(f"key is for {key.get('alg')}, token says {alg}", client.iss)
        found = self._parsed.get((id(key), alg))
        if found is not None and found[0] is key:
            return found[1]
        try:
            parsed = _verifying_key(key, alg)
        except jwt.PyJWTError as exc:
            raise TokenRejected(_why(exc), client.iss) from None
        if len(self._parsed) >= KEY_OBJECTS_KEPT:
            self._parsed.clear()
        self._parsed[(id(key), alg)] = (key, parsed)
        return parsed

    async def _check_replay(self, claims: Mapping[str, Any], client: TrustedClient, alone: bool) -> None:
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
            raise TokenRejected(f"jti must be a string of 1..{MAX_JTI_LENGTH} characters", client.iss)
        expires_at = datetime.fromtimestamp(claims["exp"] + CLOCK_SKEW_SECONDS, UTC)
        if not await self._replay.first_use(client.iss, jti, expires_at, alone=alone):
            raise TokenRejected("jti replayed", client.iss)


def _unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims read *without* trusting them: only to choose the client and key.

    Read here, not by PyJWT: its strict base64 check walks the token one character at a time in Python
    (~0.05 ms a segment), and ``jwt.decode`` runs it again on the verified pass, which decides."""
    try:
        header_part, claims_part, _signature = token.split(".")
        header, claims = json.loads(_unbase64(header_part)), json.loads(_unbase64(claims_part))
    except ValueError:  # wrong number of parts, bad base64 (binascii.Error), bad UTF-8 or JSON
        raise TokenRejected("not a well-formed JWS") from None
    if not isinstance(header, dict):
        raise TokenRejected("not a well-formed JWS")
    if not isinstance(claims, dict):
        raise TokenRejected("claims are not a JSON object")
    return header, claims


def _unbase64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _checked_header(header: Mapping[str, Any]) -> tuple[str, str]:
    """S3/S5: an asymmetric ``alg`` (never ``none`` nor HMAC), a ``kid``, and ``typ`` JWT when given."""
    alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
    if not isinstance(alg, str) or alg not in ASYMMETRIC_ALGORITHMS:
        raise TokenRejected(f"alg {str(alg)[:20]!r} is forbidden (S5: asymmetric algorithms only)")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("no kid in the header (S3)")
    if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
        raise TokenRejected("typ is not JWT (S3)")
    if "jku" in header and not isinstance(header["jku"], str):
        raise TokenRejected("jku is not a string")
    if "crit" in header or "b64" in header:  # RFC 7515 4.1.11: no extension here is understood
        raise TokenRejected("crit or b64 header: JWS extensions are not accepted")
    return alg, kid


def _verified_claims(token: str, claims: dict[str, Any], key: jwt.PyJWK, client: TrustedClient,
                     audience: str | tuple[str, ...]) -> dict[str, Any]:
    """Signature, then S4 claims: ``aud`` is the exact URL called; time claims within the skew allowance.

    The claims are the ones read from this very token's payload segment, which the signature covers, so
    once it holds they are trusted. Checked here rather than by ``jwt.decode``, which parsed the token
    again (~0.16 ms of an RS384 call's 0.22, against 0.06 ms for the signature; docs/performance.md)."""
    signing_input, _, signature = token.rpartition(".")
    try:
        valid = key.Algorithm.verify(signing_input.encode(), key.key, _unbase64(signature))
    except ValueError:
        valid = False
    if not valid:
        raise TokenRejected("bad signature", client.iss)
    _check_claims(claims, client, audience)
    return claims


def _check_claims(claims: Mapping[str, Any], client: TrustedClient, audience: str | tuple[str, ...]) -> None:
    """PyJWT's rules, with our reasons: required claims present, NumericDates numbers, ``iat``/``nbf``
    not ahead and ``exp`` not behind by more than the skew, ``iss`` the client's, ``aud`` naming us."""
    missing = next((name for name in REQUIRED_CLAIMS if claims.get(name) is None), None)
    if missing is not None:
        raise TokenRejected(f"missing claim {missing}", client.iss)
    for name in ("exp", "iat", "nbf"):
        if name in claims and not _is_finite_number(claims[name]):
            raise TokenRejected(f"{name} is not a number (RFC 7519 NumericDate)", client.iss)
    now = time.time()
    for name in ("iat", "nbf"):
        if name in claims and claims[name] > now + CLOCK_SKEW_SECONDS:
            raise TokenRejected(f"not yet valid ({name})", client.iss)
    if claims["exp"] <= now - CLOCK_SKEW_SECONDS:
        raise TokenRejected("expired (exp)", client.iss)
    if claims["iss"] != client.iss:
        raise TokenRejected("iss does not match", client.iss)
    if "sub" in claims and not isinstance(claims["sub"], str):
        raise TokenRejected("sub is not a string", client.iss)
    named = [claims["aud"]] if isinstance(claims["aud"], str) else claims["aud"]
    wanted = (audience,) if isinstance(audience, str) else audience
    if not isinstance(named, list) or not any(isinstance(a, str) and a in wanted for a in named):
        raise TokenRejected("aud is not this endpoint", client.iss)
    if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
        raise TokenRejected(f"lives longer than {MAX_LIFETIME_SECONDS} s (exp - iat)", client.iss)


def _verifying_key(key: Mapping[str, Any], alg: str) -> jwt.PyJWK:
    try:
        return jwt.PyJWK(dict(key), algorithm=alg)
    except (ValueError, TypeError, KeyError) as exc:  # cryptography's own complaints about a bad key
        raise jwt.InvalidKeyError(type(exc).__name__) from exc


def _why(exc: jwt.PyJWTError) -> str:
    """A short reason for the log; PyJWT's own messages name claims, never the token."""
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"missing claim {exc.claim}"
    reasons: list[tuple[type[jwt.PyJWTError], str]] = [
        (jwt.ExpiredSignatureError, "expired (exp)"),
        (jwt.ImmatureSignatureError, f"not yet valid ({exc})"),
        (jwt.InvalidAudienceError, "aud is not this endpoint"),
        (jwt.InvalidIssuerError, "iss does not match"),
        (jwt.InvalidSignatureError, "bad signature"),
        (jwt.InvalidKeyError, "key does not fit the algorithm"),
        (jwt.InvalidAlgorithmError, "algorithm does not fit the key"),
    ]
    fallback = f"invalid token ({type(exc).__name__})"
    return next((text for kind, text in reasons if isinstance(exc, kind)), fallback)


def _check_tenant(claims: Mapping[str, Any], client: TrustedClient) -> None:
    """S7: a client registered with a ``tenant`` must name that tenant; one registered without may omit it."""
    if client.tenant is not None and claims.get("tenant") != client.tenant:
        raise TokenRejected("tenant is not the one registered for this client", client.iss)


def _is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
