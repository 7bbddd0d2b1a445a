"""A local developer client for the development profile, so a newcomer can ``curl`` the running service.

``make run`` requires a signed JWT like any EHR would send (CONTRACT.md S2). Rather than switch
authentication off, the development profile trusts one more client whose ES384 key pair is generated on
this machine (``var/dev-client/``, never committed) next to the public CDS Hooks sandbox. The private key
stays on disk with mode 0600; ``spine-cds dev-token`` signs short-lived tokens with it. The production
profile refuses this trust file (every entry is ``development_only``).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

DEV_ISSUER = "urn:spine-cds:local-developer"
DEV_KID = "local-developer-es384"
_LOOPBACK_FHIR = ["http://127.0.0.1", "http://localhost"]


def ensure_dev_client(directory: Path, sandbox_trust_file: Path) -> Path:
    """Create the key pair and a trust file (sandbox + local developer) once; return the trust file."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "key.pem"
    if not key_file.exists():
        _write_private_key(key_file)
    jwks_file = directory / "jwks.json"
    jwks_file.write_text(json.dumps(_public_jwks(_load_key(key_file)), indent=2))
    trust_file = directory / "trust.yaml"
    trust_file.write_text(
        yaml.safe_dump({"clients": _clients(jwks_file, sandbox_trust_file)}, sort_keys=False)
    )
    return trust_file


def mint_dev_token(directory: Path, audience: str, lifetime_seconds: int = 300) -> str:
    """An ES384 JWT as a CDS client mints it: iss, aud (the exact endpoint URL), iat, exp, jti."""
    now = int(time.time())
    claims = {
        "iss": DEV_ISSUER,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime_seconds,
        "jti": str(uuid.uuid4()),
    }
    headers = {"kid": DEV_KID, "typ": "JWT"}
    return jwt.encode(claims, _load_key(directory / "key.pem"), algorithm="ES384", headers=headers)


def _write_private_key(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC private key")
    return key


def _public_jwks(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    public: dict[str, Any] = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": DEV_KID, "alg": "ES384", "use": "sig"}]}


def _clients(jwks_file: Path, sandbox_trust_file: Path) -> list[dict[str, Any]]:
    """The shipped sandbox entries (key-file paths made absolute) plus the local developer."""
    sandbox = yaml.safe_load(sandbox_trust_file.read_text())["clients"]
    for entry in sandbox:
        if "jwks_file" in entry:
            entry["jwks_file"] = str((sandbox_trust_file.parent / entry["jwks_file"]).resolve())
    developer = {
        "iss": DEV_ISSUER,
        "development_only": True,
        "algorithms": ["ES384"],
        "jwks_file": str(jwks_file.resolve()),
        "fhir_servers": _LOOPBACK_FHIR,
    }
    return [*sandbox, developer]
