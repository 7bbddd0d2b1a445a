"""Test-only CDS clients: keys made per run, tokens minted the way real clients mint them (CONTRACT.md §2).

Imported as ``security.minting`` (the root conftest puts ``tests/`` on the path) by the unit tests here and
the API tests in ``tests/api``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

EHR_ISS = "https://ehr.example.org"
EHR_JKU = "https://ehr.example.org/.well-known/jwks.json"
AUDIENCE = "https://cds.example.org/cds-services"
_DROP = object()


@dataclass
class Signer:
    """One client's key pair; ``token()`` mints a fresh JWT, and any header or claim can be overridden."""

    iss: str
    alg: str
    kid: str
    private_key: Any
    jku: str | None = None
    extra_claims: dict[str, Any] = field(default_factory=dict)

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.get_default_algorithms()[self.alg].to_jwk(
            self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def public_pem(self) -> bytes:
        return bytes(self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    def claims(self, audience: str = AUDIENCE, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.iss, "aud": audience, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4()),
                  **self.extra_claims, **overrides}
        return {name: value for name, value in claims.items() if value is not _DROP}

    def header(self, **overrides: Any) -> dict[str, Any]:
        header = {"alg": self.alg, "typ": "JWT", "kid": self.kid, **({"jku": self.jku} if self.jku else {})}
        header.update(overrides)
        return {name: value for name, value in header.items() if value is not _DROP}

    def token(self, audience: str = AUDIENCE, *, header: dict[str, Any] | None = None, **claims: Any) -> str:
        headers = self.header(**(header or {}))
        payload = self.claims(audience, **claims)
        alg = headers.pop("alg")
        return jwt.encode(payload, self.private_key, algorithm=alg, headers=headers)

    def trust_entry(self, **overrides: Any) -> dict[str, Any]:
        """This client as a trust-registry entry with its key set inline."""
        entry: dict[str, Any] = {"iss": self.iss, "algorithms": [self.alg], "jwks": self.jwks(),
                                 "fhir_servers": ["https://ehr.example.org/fhir"]}
        entry.update(overrides)
        return entry


def drop() -> Any:
    """Pass as a claim or header value to leave that member out of the token."""
    return _DROP


def es384_signer(iss: str = EHR_ISS, kid: str = "es384-key-1", **options: Any) -> Signer:
    return Signer(iss, "ES384", kid, ec.generate_private_key(ec.SECP384R1()), **options)


def es256_signer(iss: str = EHR_ISS, kid: str = "es256-key-1", **options: Any) -> Signer:
    return Signer(iss, "ES256", kid, ec.generate_private_key(ec.SECP256R1()), **options)


def rs384_signer(iss: str = EHR_ISS, kid: str = "rs384-key-1", **options: Any) -> Signer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Signer(iss, "RS384", kid, key, **options)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def unsigned_token(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """``alg: none``: what PyJWT will not mint, an attacker will."""
    return f"{_segment({**header, 'alg': 'none'})}.{_segment(claims)}."


def hmac_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """HS256 keyed with a *public* key: the classic algorithm-confusion forgery."""
    signing_input = f"{_segment({**header, 'alg': 'HS256'})}.{_segment(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def tamper(token: str) -> str:
    """Same header and signature, one claim changed: the signature no longer covers the payload."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    return f"{header}.{_segment(claims)}.{signature}"
