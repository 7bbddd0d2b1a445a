"""The trust registry (CONTRACT.md S5/S6): what a trust file may say, and what stops the service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from security.minting import Signer, es384_signer

from app.security import TrustRegistryError, load_trust_registry
from app.security.registry import parse_trust_registry
from app.settings import DEVELOPMENT_TRUST_FILE

SANDBOX = "https://sandbox.cds-hooks.org"
SANDBOX_ES384_KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
SANDBOX_ES256_KID = "d9cd3c4f-eb08-4304-b973-44f352fd2ca2"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return es384_signer()


def parse(entries: Any, production: bool = True, base_dir: Path = Path(".")) -> Any:
    return parse_trust_registry(entries, base_dir=base_dir, production=production)


def test_shipped_development_file_trusts_the_sandbox_es384_and_es256_keys() -> None:
    registry = load_trust_registry(DEVELOPMENT_TRUST_FILE, production=False)
    sandbox = registry.client(SANDBOX)
    assert sandbox is not None
    assert sandbox.algorithms == {"ES384", "ES256"}
    assert set(sandbox.keys) == {SANDBOX_ES384_KID, SANDBOX_ES256_KID}
    assert sandbox.jku == ("https://sandbox.cds-hooks.org/.well-known/jwks.json",)
    assert registry.development_only() == [SANDBOX]


def test_production_refuses_the_development_file() -> None:
    with pytest.raises(TrustRegistryError, match="development-only"):
        load_trust_registry(DEVELOPMENT_TRUST_FILE, production=True)


def test_production_refuses_the_sandbox_issuer_even_unmarked(signer: Signer) -> None:
    with pytest.raises(TrustRegistryError, match="development-only"):
        parse([signer.trust_entry(iss=SANDBOX)])


@pytest.mark.parametrize("algorithm", ["none", "HS256", "HS384", "hs512"])
def test_none_and_hmac_algorithms_are_refused(signer: Signer, algorithm: str) -> None:
    with pytest.raises(TrustRegistryError, match="forbidden"):
        parse([signer.trust_entry(algorithms=[algorithm])])


def test_unknown_algorithm_is_refused(signer: Signer) -> None:
    with pytest.raises(TrustRegistryError, match="is not one of"):
        parse([signer.trust_entry(algorithms=["EdDSA"])])


def test_a_misspelt_key_is_refused_not_ignored(signer: Signer) -> None:
    with pytest.raises(TrustRegistryError, match="fhir_server"):
        parse([signer.trust_entry(fhir_server=["https://ehr.example.org/fhir"])])


def test_client_without_any_keys_is_refused(signer: Signer) -> None:
    entry = signer.trust_entry()
    del entry["jwks"]
    with pytest.raises(TrustRegistryError, match="no keys"):
        parse([entry])


def test_jwks_and_jwks_file_together_are_refused(signer: Signer) -> None:
    with pytest.raises(TrustRegistryError, match="not both"):
        parse([signer.trust_entry(jwks_file="keys.json")])


def test_plain_http_jku_is_refused_in_production(signer: Signer) -> None:
    with pytest.raises(TrustRegistryError, match="must be https"):
        parse([signer.trust_entry(jku=["http://ehr.example.org/jwks.json"])])


def test_plain_http_fhir_server_on_loopback_is_allowed_only_in_development(signer: Signer) -> None:
    entry = signer.trust_entry(fhir_servers=["http://127.0.0.1:8090/fhir"])
    assert parse([entry], production=False).client(signer.iss) is not None
    with pytest.raises(TrustRegistryError, match="must be https"):
        parse([entry], production=True)


def test_duplicate_issuer_is_refused(signer: Signer) -> None:
    with pytest.raises(TrustRegistryError, match="twice"):
        parse([signer.trust_entry(), signer.trust_entry()])


def test_empty_registry_is_refused() -> None:
    with pytest.raises(TrustRegistryError, match="non-empty list"):
        parse({"clients": []})


def test_symmetric_key_in_a_key_set_is_refused(signer: Signer) -> None:
    secret = {"kty": "oct", "kid": "shared", "k": "c2VjcmV0"}
    with pytest.raises(TrustRegistryError, match="not RSA or EC"):
        parse([signer.trust_entry(jwks={"keys": [secret]})])


def test_private_key_members_are_dropped(signer: Signer) -> None:
    jwk = {**signer.public_jwk(), "d": "c2VjcmV0"}
    client = parse([signer.trust_entry(jwks={"keys": [jwk]})]).client(signer.iss)
    assert "d" not in client.keys[signer.kid]


def test_yaml_file_with_relative_jwks_file(tmp_path: Path, signer: Signer) -> None:
    (tmp_path / "ehr-keys.json").write_text(json.dumps(signer.jwks()))
    entry = {**signer.trust_entry(jwks_file="ehr-keys.json", tenant="north")}
    del entry["jwks"]
    trust = tmp_path / "trust.yaml"
    trust.write_text(yaml.safe_dump({"clients": [entry]}))
    client = load_trust_registry(trust, production=True).client(signer.iss)
    assert client is not None
    assert set(client.keys) == {signer.kid}
    assert client.identity().tenant == "north"


def test_json_file_holding_a_bare_list(tmp_path: Path, signer: Signer) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps([signer.trust_entry()]))
    assert load_trust_registry(trust, production=True).client(signer.iss) is not None


def test_missing_trust_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TrustRegistryError, match="cannot read"):
        load_trust_registry(tmp_path / "absent.yaml", production=True)


def test_missing_jwks_file_is_refused(tmp_path: Path, signer: Signer) -> None:
    entry = signer.trust_entry(jwks_file="absent.json")
    del entry["jwks"]
    with pytest.raises(TrustRegistryError, match="jwks_file"):
        parse([entry], base_dir=tmp_path)
