"""Real ES384 JWTs for the authenticated run: the development profile's local developer client
(``app.security.devclient``), one fresh token (new ``jti``) per request, all minted before the run so the
load generator spends no CPU signing while it measures.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.security.devclient import DEV_ISSUER, DEV_KID, ensure_dev_client
from app.settings import DEVELOPMENT_TRUST_FILE
from bench import loadgen, procs


def dev_trust_file(directory: Path) -> Path:
    """The sandbox entries plus a local developer key pair generated under ``directory``."""
    return ensure_dev_client(directory, DEVELOPMENT_TRUST_FILE)


def minted_payloads(directory: Path, port: int, path: str, body: bytes, count: int) -> loadgen.Payload:
    """``count`` requests, each carrying its own token; ``aud`` is the exact endpoint URL (S4)."""
    key = serialization.load_pem_private_key((directory / "key.pem").read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    audience = f"http://{procs.HOST}:{port}{path}"
    now = int(time.time())
    requests = []
    for _ in range(count):
        claims = {"iss": DEV_ISSUER, "aud": audience, "iat": now, "exp": now + 600, "jti": str(uuid.uuid4())}
        token = jwt.encode(claims, key, algorithm="ES384", headers={"kid": DEV_KID, "typ": "JWT"})
        headers = {"Authorization": f"Bearer {token}"}
        requests.append(loadgen.post_request(procs.HOST, port, path, body, headers))
    return lambda index: requests[index]
