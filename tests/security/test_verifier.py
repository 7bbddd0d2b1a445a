"""JwtVerifier without HTTP (CONTRACT.md S3 to S7): every way a token can lie, one test each.

Keys are generated per run; key-set fetches go through an ``httpx.MockTransport`` that records every URL.
The same attacks are replayed through the app in ``tests/api/test_auth_attacks.py``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from security.minting import (
    AUDIENCE,
    EHR_ISS,
    Signer,
    drop,
    es256_signer,
    es384_signer,
    hmac_token,
    rs384_signer,
    tamper,
    unsigned_token,
)

from app.security import ClientIdentity, JwtVerifier, KeySetCache, TokenRejected
from app.security import verifier as verifier_module
from app.security.registry import parse_trust_registry

OTHER_ISS = "https://other-ehr.example.org"
ROTATING_ISS = "https://rotating.example.org"
ROTATING_JKU = "https://rotating.example.org/.well-known/jwks.json"


class MemoryReplay:
    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], datetime] = {}
        self.alone: list[bool] = []

    async def first_use(self, iss: str, jti: str, expires_at: datetime, *, alone: bool = True) -> bool:
        self.alone.append(alone)
        return self.seen.setdefault((iss, jti), expires_at) is expires_at

    def close(self) -> None:
        """Nothing to stop: no writer thread."""


class KeyHost:
    """The clients' key-set servers: serves ``sets[url]`` and records every request made."""

    def __init__(self) -> None:
        self.sets: dict[str, Mapping[str, Any]] = {}
        self.requested: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requested.append(str(request.url))
        document = self.sets.get(str(request.url))
        return httpx.Response(200, json=document) if document is not None else httpx.Response(404)


@pytest.fixture(scope="module")
def es384() -> Signer:
    return es384_signer()


@pytest.fixture(scope="module")
def rs384() -> Signer:
    return rs384_signer()


@pytest.fixture(scope="module")
def other() -> Signer:
    return es384_signer(iss=OTHER_ISS, kid="other-key-1")


@pytest.fixture(scope="module")
def rotating() -> Signer:
    return es384_signer(iss=ROTATING_ISS, kid="rotating-key-1", jku=ROTATING_JKU)


@pytest.fixture
def key_host(rotating: Signer) -> KeyHost:
    host = KeyHost()
    host.sets[ROTATING_JKU] = rotating.jwks()
    return host


@pytest.fixture
def replay() -> MemoryReplay:
    return MemoryReplay()


@pytest.fixture
async def verifier(es384: Signer, rs384: Signer, other: Signer, rotating: Signer, key_host: KeyHost,
                   replay: MemoryReplay) -> Any:
    registry = parse_trust_registry([
        es384.trust_entry(algorithms=["ES384", "RS384"],
                          jwks={"keys": [es384.public_jwk(), rs384.public_jwk()]}),
        other.trust_entry(),
        {"iss": ROTATING_ISS, "algorithms": ["ES384"], "jku": [ROTATING_JKU]},
    ], base_dir=Path("."), production=True)
    async with httpx.AsyncClient(transport=httpx.MockTransport(key_host.handler)) as http:
        key_sets = KeySetCache(http, ttl_seconds=3600, cooldown_seconds=30, timeout_seconds=2)
        yield JwtVerifier(registry, key_sets, replay)


async def rejected(verifier: JwtVerifier, token: str, audience: str = AUDIENCE) -> str:
    with pytest.raises(TokenRejected) as caught:
        await verifier.verify(token, audience)
    return caught.value.reason


# --- tokens that must pass ------------------------------------------------------------------------------

async def test_valid_es384_token_names_its_client(verifier: JwtVerifier, es384: Signer) -> None:
    identity = await verifier.verify(es384.token(), AUDIENCE)
    assert identity == ClientIdentity(EHR_ISS, ("https://ehr.example.org/fhir",), None)


async def test_valid_rs384_token_with_epic_nbf_and_sub_passes(verifier: JwtVerifier, rs384: Signer) -> None:
    token = rs384.token(nbf=int(time.time()), sub="epic-client-id")
    assert (await verifier.verify(token, AUDIENCE)).iss == EHR_ISS


async def test_aud_as_an_array_containing_the_endpoint_passes(verifier: JwtVerifier, es384: Signer) -> None:
    token = es384.token(aud=["https://elsewhere.example.org", AUDIENCE])
    assert (await verifier.verify(token, AUDIENCE)).iss == EHR_ISS


async def test_clock_skew_under_a_minute_is_tolerated(verifier: JwtVerifier, es384: Signer) -> None:
    now = int(time.time())
    token = es384.token(iat=now + 50, nbf=now + 50, exp=now - 50 + 300)
    assert (await verifier.verify(token, AUDIENCE)).iss == EHR_ISS


async def test_key_from_an_allowed_jku_is_fetched_and_cached(
    verifier: JwtVerifier, rotating: Signer, key_host: KeyHost
) -> None:
    await verifier.verify(rotating.token(), AUDIENCE)
    await verifier.verify(rotating.token(), AUDIENCE)
    assert key_host.requested == [ROTATING_JKU]


# --- the attack suite -----------------------------------------------------------------------------------

async def test_alg_none_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    token = unsigned_token(es384.header(), es384.claims())
    assert "forbidden" in await rejected(verifier, token)


async def test_hs256_signed_with_the_public_key_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    token = hmac_token(es384.header(), es384.claims(), secret=es384.public_pem())
    assert "forbidden" in await rejected(verifier, token)


async def test_unknown_kid_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    token = es384.token(header={"kid": "no-such-key"})
    assert "kid" in await rejected(verifier, token)


async def test_unlisted_jku_is_rejected_without_fetching(
    verifier: JwtVerifier, es384: Signer, key_host: KeyHost
) -> None:
    evil = "https://attacker.example.net/jwks.json"
    key_host.sets[evil] = es384.jwks()
    assert "jku" in await rejected(verifier, es384.token(header={"jku": evil, "kid": "unknown"}))
    assert key_host.requested == []


async def test_wrong_aud_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    token = es384.token(aud="https://cds.example.org/cds-services/other-service")
    assert "aud" in await rejected(verifier, token)


async def test_expired_token_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    now = int(time.time())
    assert "expired" in await rejected(verifier, es384.token(iat=now - 400, exp=now - 61))


async def test_nbf_in_the_future_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    assert "nbf" in await rejected(verifier, es384.token(nbf=int(time.time()) + 120))


async def test_iat_in_the_future_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    now = int(time.time())
    assert "iat" in await rejected(verifier, es384.token(iat=now + 120, exp=now + 400))


async def test_replayed_jti_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    token = es384.token()
    await verifier.verify(token, AUDIENCE)
    assert "replayed" in await rejected(verifier, token)


@pytest.mark.parametrize("claim", ["aud", "exp", "iat", "jti"])
async def test_missing_required_claim_is_rejected(verifier: JwtVerifier, es384: Signer, claim: str) -> None:
    assert f"missing claim {claim}" in await rejected(verifier, es384.token(**{claim: drop()}))


async def test_missing_iss_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    assert "iss" in await rejected(verifier, es384.token(iss=drop()))


async def test_tampered_signature_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    assert "signature" in await rejected(verifier, tamper(es384.token()))


async def test_token_signed_with_another_clients_key_is_rejected(
    verifier: JwtVerifier, other: Signer
) -> None:
    forged = Signer(EHR_ISS, other.alg, other.kid, other.private_key)  # claims to be EHR, holds OTHER's key
    assert "kid" in await rejected(verifier, forged.token())


async def test_another_clients_key_under_the_victims_kid_is_rejected(
    verifier: JwtVerifier, es384: Signer, other: Signer
) -> None:
    forged = Signer(EHR_ISS, "ES384", es384.kid, other.private_key)
    assert "signature" in await rejected(verifier, forged.token())


# --- the rest of the checks ---------------------------------------------------------------------------

async def test_unknown_issuer_is_rejected(verifier: JwtVerifier) -> None:
    stranger = es384_signer(iss="https://stranger.example.net")
    assert "issuer" in await rejected(verifier, stranger.token())


async def test_algorithm_not_on_the_clients_list_is_rejected(verifier: JwtVerifier, other: Signer) -> None:
    es256 = es256_signer(iss=OTHER_ISS, kid=other.kid)
    assert "not on this client's list" in await rejected(verifier, es256.token())


async def test_garbage_is_rejected(verifier: JwtVerifier) -> None:
    assert "well-formed" in await rejected(verifier, "not.a.jwt")


async def test_missing_kid_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    assert "kid" in await rejected(verifier, es384.token(header={"kid": drop()}))


async def test_typ_other_than_jwt_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    assert "typ" in await rejected(verifier, es384.token(header={"typ": "at+jwt"}))


async def test_string_exp_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    reason = await rejected(verifier, es384.token(exp=str(int(time.time()) + 300)))
    assert "exp" in reason


async def test_token_living_longer_than_an_hour_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    assert "longer" in await rejected(verifier, es384.token(exp=int(time.time()) + 3 * 3600))


async def test_overlong_jti_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    assert "jti" in await rejected(verifier, es384.token(jti="x" * 256))


async def test_same_jti_from_two_clients_is_two_tokens(
    verifier: JwtVerifier, es384: Signer, other: Signer
) -> None:
    await verifier.verify(es384.token(jti="shared"), AUDIENCE)
    assert (await verifier.verify(other.token(jti="shared"), AUDIENCE)).iss == OTHER_ISS


async def test_replay_is_remembered_until_exp_plus_skew(
    verifier: JwtVerifier, es384: Signer, replay: MemoryReplay
) -> None:
    exp = int(time.time()) + 300
    await verifier.verify(es384.token(jti="j-1", exp=exp), AUDIENCE)
    assert replay.seen[(EHR_ISS, "j-1")].timestamp() == exp + 60


async def test_whether_other_calls_are_in_flight_reaches_the_replay_store(
    verifier: JwtVerifier, es384: Signer, replay: MemoryReplay
) -> None:
    """The store writes straight from the event loop only for a call that is alone (c=1)."""
    await verifier.verify(es384.token(), AUDIENCE, alone=False)
    await verifier.verify(es384.token(), AUDIENCE, alone=True)
    assert replay.alone == [False, True]


async def test_rejected_token_is_not_recorded(
    verifier: JwtVerifier, es384: Signer, replay: MemoryReplay
) -> None:
    await rejected(verifier, es384.token(aud="https://wrong.example.org"))
    assert replay.seen == {}


async def test_tenant_must_match_the_registered_tenant(es384: Signer, replay: MemoryReplay) -> None:
    registry = parse_trust_registry([es384.trust_entry(tenant="north")], base_dir=Path("."), production=True)
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(500))) as http:
        key_sets = KeySetCache(http, ttl_seconds=60, cooldown_seconds=1, timeout_seconds=1)
        verifier = JwtVerifier(registry, key_sets, replay)
        assert (await verifier.verify(es384.token(tenant="north"), AUDIENCE)).tenant == "north"
        assert "tenant" in await rejected(verifier, es384.token(tenant="south"))
        assert "tenant" in await rejected(verifier, es384.token())


async def test_a_key_is_parsed_once_not_per_call(
    verifier: JwtVerifier, es384: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building an EC key object costs ~0.1 ms: it is kept for as long as the registry holds the JWK."""
    parsed: list[str] = []
    original = verifier_module._verifying_key

    def counting(key: Mapping[str, Any], alg: str) -> jwt.PyJWK:
        parsed.append(alg)
        return original(key, alg)

    monkeypatch.setattr(verifier_module, "_verifying_key", counting)
    for _ in range(3):
        assert (await verifier.verify(es384.token(), AUDIENCE)).iss == EHR_ISS
    assert parsed == ["ES384"]


async def test_a_new_key_mapping_under_the_same_kid_is_parsed_afresh(
    verifier: JwtVerifier, es384: Signer, other: Signer
) -> None:
    """A rotated key set brings new mappings: a parsed key serves only the very mapping it came from."""
    old = es384.public_jwk()
    new = {**other.public_jwk(), "kid": old["kid"]}
    client = verifier._registry.client(EHR_ISS)
    assert client is not None
    first = verifier._parsed_key(old, "ES384", client)
    assert verifier._parsed_key(old, "ES384", client) is first
    assert verifier._parsed_key(new, "ES384", client) is not first


async def test_a_critical_jws_extension_is_refused(verifier: JwtVerifier, es384: Signer) -> None:
    """RFC 7515 4.1.11: a recipient that does not understand a critical extension must refuse the token."""
    assert "extensions" in await rejected(verifier, es384.token(header={"crit": ["exp"]}))


async def test_aud_array_not_naming_the_endpoint_is_rejected(verifier: JwtVerifier, es384: Signer) -> None:
    token = es384.token(aud=["https://elsewhere.example.org", 42])
    assert "aud" in await rejected(verifier, token)
