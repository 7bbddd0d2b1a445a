"""Real signed JWTs for the bench: one fresh token (new ``jti``) per request, all minted before a cell is
measured so the load generator spends no CPU signing while it measures.

Two clients: the development profile's local developer (``app.security.devclient``, ES384, as the sandbox
signs) and a bench-only RS384 client (as Epic signs), both in one trust file generated under the work dir.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.security.devclient import DEV_ISSUER, DEV_KID, ensure_dev_client
from app.settings import DEVELOPMENT_TRUST_FILE
from bench import loadgen, procs

ALGORITHMS = ("ES384", "RS384")
RSA_ISSUER, RSA_KID = "urn:spine-cds:bench-rs384", "bench-rs384"


def trust_file(directory: Path) -> Path:
    """The sandbox entries, the local developer (ES384) and the RS384 bench client."""
    trust = ensure_dev_client(directory, DEVELOPMENT_TRUST_FILE)
    key_file = directory / "rsa-key.pem"
    if not key_file.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(_private_key(directory, "RS384").public_key()))
    jwks = directory / "rsa-jwks.json"
    jwks.write_text(json.dumps({"keys": [{**public, "kid": RSA_KID, "alg": "RS384", "use": "sig"}]}))
    document = yaml.safe_load(trust.read_text())
    developer = next(c for c in document["clients"] if c["iss"] == DEV_ISSUER)
    rs384 = {**developer, "iss": RSA_ISSUER, "algorithms": ["RS384"], "jwks_file": str(jwks.resolve())}
    document["clients"] = [c for c in document["clients"] if c["iss"] != RSA_ISSUER] + [rs384]
    trust.write_text(yaml.safe_dump(document, sort_keys=False))
    return trust


def _private_key(directory: Path, alg: str) -> Any:
    name = "key.pem" if alg == "ES384" else "rsa-key.pem"
    return serialization.load_pem_private_key((directory / name).read_bytes(), password=None)


def minted_payloads(directory: Path, port: int, path: str, body: bytes, count: int,
                    alg: str = "ES384") -> loadgen.Payload:
    """``count`` requests, each carrying its own token; ``aud`` is the exact endpoint URL (S4).

    Handed out in order whatever index is asked, so rounds of one cell never send a token twice."""
    key = _private_key(directory, alg)
    iss, kid = (DEV_ISSUER, DEV_KID) if alg == "ES384" else (RSA_ISSUER, RSA_KID)
    audience = f"http://{procs.HOST}:{port}{path}"
    now = int(time.time())
    requests = []
    for _ in range(count):
        claims = {"iss": iss, "aud": audience, "iat": now, "exp": now + 600, "jti": str(uuid.uuid4())}
        token = jwt.encode(claims, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})
        headers = {"Authorization": f"Bearer {token}"}
        requests.append(loadgen.post_request(procs.HOST, port, path, body, headers))
    handed = itertools.count()
    return lambda _index: requests[next(handed) % count]
