"""The attack suite through HTTP (CONTRACT.md S2 to S7): every forged or misused token gets a 401
whose body says nothing, while the log says why (and never holds the token).

The app runs behind a pretend proxy: clients call https://cds.example.org (PUBLIC_BASE_URL) while the
transport reaches it as http://127.0.0.1:8080, so ``aud`` is checked against the public URL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml
from security.minting import (
    EHR_ISS,
    Signer,
    drop,
    es384_signer,
    hmac_token,
    rs384_signer,
    tamper,
    unsigned_token,
)

from app.fhir.bundles import KeyData
from app.hooks import handlers, router
from app.security import ReplayCheckUnavailable
from app.settings import Profile, Settings

PUBLIC = "https://cds.example.org"
DISCOVERY = f"{PUBLIC}/cds-services"
SERVICE_PATH = "/cds-services/spine-imaging-order-select"
OTHER_ISS = "https://other-ehr.example.org"
JKU_ISS = "https://jku-ehr.example.org"
JKU = "https://jku-ehr.example.org/.well-known/jwks.json"
ES384, RS384 = es384_signer(), rs384_signer(kid="epic-rs384")
OTHER = es384_signer(iss=OTHER_ISS, kid="other-key")
FETCHED = es384_signer(iss=JKU_ISS, kid="fetched-key", jku=JKU)


@pytest.fixture
def trust_file(tmp_path: Path) -> Path:
    clients: list[dict[str, Any]] = [
        ES384.trust_entry(algorithms=["ES384", "RS384"],
                          jwks={"keys": [ES384.public_jwk(), RS384.public_jwk()]}),
        OTHER.trust_entry(),
        {"iss": JKU_ISS, "algorithms": ["ES384"], "jku": [JKU]},
    ]
    path = tmp_path / "trust.yaml"
    path.write_text(yaml.safe_dump({"clients": clients}))
    return path


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], trust_file: Path) -> Settings:
    """Production: the terse 401 under attack is production's (development adds a hint, devhints.py)."""
    return settings_factory(profile=Profile.PRODUCTION, auth_required=True, trust_file=trust_file,
                            public_base_url=PUBLIC, max_body_bytes=20_000)


async def discover(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/cds-services", headers={"Authorization": f"Bearer {token}"})


async def assert_refused(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, token: str,
                         reason: str) -> None:
    """401, an OperationOutcome without detail, and the reason in the log without the token."""
    response = await discover(client, token)
    assert response.status_code == 401
    issue = {"severity": "error", "code": "login", "diagnostics": "Unauthorized"}
    assert response.json() == {"resourceType": "OperationOutcome", "issue": [issue]}
    failures = [r for r in caplog.records if r.getMessage().startswith("auth failed: ")]
    assert failures, "the refusal was not logged"
    assert reason in failures[-1].__dict__["reason"]
    assert all(token not in str(record.__dict__) for record in caplog.records)


# --- tokens that must pass ------------------------------------------------------------------------------

async def test_valid_es384_token_opens_discovery(client: httpx.AsyncClient) -> None:
    response = await discover(client, ES384.token(DISCOVERY))
    assert response.status_code == 200
    assert response.json()["services"]


async def test_valid_rs384_token_as_epic_sends_it_opens_discovery(client: httpx.AsyncClient) -> None:
    token = RS384.token(DISCOVERY, nbf=int(time.time()), sub="epic-client-id")
    assert (await discover(client, token)).status_code == 200


async def test_key_from_an_allowed_jku_is_fetched_once(client: httpx.AsyncClient) -> None:
    with respx.mock(assert_all_called=True) as ehr:
        key_host = ehr.get(JKU).respond(json=FETCHED.jwks())
        assert (await discover(client, FETCHED.token(DISCOVERY))).status_code == 200
        assert (await discover(client, FETCHED.token(DISCOVERY))).status_code == 200
    assert key_host.call_count == 1


async def test_feedback_needs_a_token_for_its_own_url(client: httpx.AsyncClient) -> None:
    path = f"{SERVICE_PATH}/feedback"
    item = {"card": "card-1", "outcome": "overridden", "overrideReason": {"userComment": "not now"},
            "outcomeTimestamp": "2026-11-25T10:00:00Z"}
    body = {"feedback": [item]}
    wrong = await client.post(path, json=body, headers={"Authorization": f"Bearer {ES384.token(DISCOVERY)}"})
    assert wrong.status_code == 401
    token = ES384.token(PUBLIC + path)
    right = await client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert right.status_code == 200


async def test_missing_bearer_token_is_refused_on_a_service_call_tersely_in_production(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(SERVICE_PATH, json={"hook": "order-select"})
    assert response.status_code == 401
    assert response.json()["issue"][0]["diagnostics"] == "Unauthorized"


async def test_discovery_answers_without_a_token_but_refuses_a_bad_one(client: httpx.AsyncClient) -> None:
    """docs/security.md "Discovery": open, because it lists public descriptions only; a token sent is
    verified all the same (the attack suite below runs against discovery)."""
    assert (await client.get("/cds-services")).status_code == 200
    assert (await discover(client, ES384.token("https://elsewhere.example/cds-services"))).status_code == 401


# --- the attack suite: one test per attack --------------------------------------------------------------

async def test_alg_none_is_refused(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    token = unsigned_token(ES384.header(), ES384.claims(DISCOVERY))
    await assert_refused(client, caplog, token, "forbidden")


async def test_hs256_signed_with_the_public_key_is_refused(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = hmac_token(ES384.header(), ES384.claims(DISCOVERY), secret=ES384.public_pem())
    await assert_refused(client, caplog, token, "forbidden")


async def test_unknown_kid_is_refused(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    await assert_refused(client, caplog, ES384.token(DISCOVERY, header={"kid": "no-such-key"}), "kid")


async def test_unlisted_jku_is_refused_and_never_fetched(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    evil = "https://attacker.example.net/jwks.json"
    attacker = es384_signer(iss=JKU_ISS, kid="attacker-key", jku=evil)
    with respx.mock(assert_all_called=False) as network:
        attacker_host = network.get(evil).respond(json=attacker.jwks())
        await assert_refused(client, caplog, attacker.token(DISCOVERY), "jku")
    assert not attacker_host.called
    assert network.calls.call_count == 0


async def test_wrong_aud_is_refused(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    await assert_refused(client, caplog, ES384.token(PUBLIC + SERVICE_PATH), "aud")


async def test_aud_of_the_url_the_proxy_rewrote_is_refused(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await assert_refused(client, caplog, ES384.token("http://127.0.0.1:8080/cds-services"), "aud")


async def test_expired_token_is_refused(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    now = int(time.time())
    await assert_refused(client, caplog, ES384.token(DISCOVERY, iat=now - 400, exp=now - 100), "expired")


async def test_nbf_in_the_future_is_refused(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await assert_refused(client, caplog, ES384.token(DISCOVERY, nbf=int(time.time()) + 300), "nbf")


async def test_replayed_jti_is_refused(client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    token = ES384.token(DISCOVERY)
    assert (await discover(client, token)).status_code == 200
    await assert_refused(client, caplog, token, "replayed")


class EhrAndAuditWatch:
    """Stands at the fallback seam and beside the observers: counts the EHR reads asked for (answering
    each key as failed, so nothing leaves the test) and the outcomes handed to the audit trail."""

    def __init__(self) -> None:
        self.reads: list[str] = []
        self.outcomes = 0

    async def fetch(self, request: Any, jobs: Any) -> dict[str, KeyData]:
        self.reads += [job.key for job in jobs]
        return {job.key: KeyData(failed="not asked in this test") for job in jobs}

    def observe(self, outcome: Any) -> None:
        self.outcomes += 1


async def test_a_replayed_token_never_reaches_the_ehr_or_the_audit_trail(
    client: httpx.AsyncClient, app: Any, example: Callable[[str], dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """S7: a replay costs no EHR read (the EHR is asked nothing) and leaves no evaluation in the audit
    trail (a jti this process has answered is refused from its memory, before the body is read)."""
    watch = EhrAndAuditWatch()
    app.state.runtime = dataclasses.replace(app.state.runtime, fetcher=watch, observers=(watch,))
    request = example("order-select-lumbar-day20.json")
    del request["prefetch"]["observations"]  # one key left for the EHR: the call must read it
    token = ES384.token(PUBLIC + SERVICE_PATH)
    headers = {"Authorization": f"Bearer {token}"}
    first = await client.post(PUBLIC + SERVICE_PATH, json=request, headers=headers)
    assert (first.status_code, watch.reads, watch.outcomes) == (200, ["observations"], 1)
    replayed = await client.post(PUBLIC + SERVICE_PATH, json=request, headers=headers)
    assert replayed.status_code == 401
    assert (watch.reads, watch.outcomes) == (["observations"], 1)
    assert "replayed" in next(r for r in caplog.records if r.getMessage().startswith("auth failed: ")).reason


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "iat", "jti"])
async def test_missing_claim_is_refused(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, claim: str
) -> None:
    await assert_refused(client, caplog, ES384.token(DISCOVERY, **{claim: drop()}), claim)


async def test_tampered_signature_is_refused(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await assert_refused(client, caplog, tamper(ES384.token(DISCOVERY)), "signature")


async def test_valid_token_signed_by_another_clients_key_is_refused(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    impostor = Signer(EHR_ISS, "ES384", ES384.kid, OTHER.private_key)  # EHR's iss and kid, OTHER's key
    await assert_refused(client, caplog, impostor.token(DISCOVERY), "signature")


async def test_oversized_body_is_refused_before_authentication(client: httpx.AsyncClient) -> None:
    body = b'{"hook": "order-select", "padding": "' + b"x" * 30_000 + b'"}'
    response = await client.post(SERVICE_PATH, content=body, headers={
        "Authorization": f"Bearer {ES384.token(PUBLIC + SERVICE_PATH)}", "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["issue"][0]["code"] == "too-costly"


# --- a verdict that comes late: the call is decided meanwhile, nothing leaves before it ------------------

class LateVerdicts:
    """A replay store whose database answers 20 ms after it is asked (a replica across a network): each
    verdict is ``answer`` — True (first use), False (seen by another replica) or the failure raised."""

    def __init__(self, answer: bool | Exception) -> None:
        self.answer = answer
        self.waiting: list[asyncio.Future[bool]] = []

    def submit(self, iss: str, jti: str, expires_at: Any, *, alone: bool = True) -> asyncio.Future[bool]:
        loop = asyncio.get_running_loop()
        verdict: asyncio.Future[bool] = loop.create_future()
        self.waiting.append(verdict)
        loop.call_later(0.02, self._settle, verdict)
        return verdict

    def _settle(self, verdict: asyncio.Future[bool]) -> None:
        if isinstance(self.answer, Exception):
            verdict.set_exception(self.answer)
        else:
            verdict.set_result(self.answer)

    def close(self) -> None:
        """Nothing to stop."""


def late_store(app: Any, answer: bool | Exception) -> tuple[LateVerdicts, EhrAndAuditWatch]:
    store, watch = LateVerdicts(answer), EhrAndAuditWatch()
    app.state.verifier._replay = store
    app.state.runtime = dataclasses.replace(app.state.runtime, fetcher=watch, observers=(watch,))
    return store, watch


async def post_signed(client: httpx.AsyncClient, request: dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {ES384.token(PUBLIC + SERVICE_PATH)}"}
    return await client.post(PUBLIC + SERVICE_PATH, json=request, headers=headers)


async def test_the_chart_is_decided_while_the_replay_verdict_is_on_its_way(
    client: httpx.AsyncClient, app: Any, example: Callable[[str], dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The jti's round trip overlaps the call's own work (docs/performance.md, "Signed tokens, round
    five"); the answer waits for the verdict."""
    store, watch = late_store(app, True)
    verdict_pending_at_evaluation: list[bool] = []
    evaluate = handlers.evaluate_call

    def watched(*args: Any, **kwargs: Any) -> Any:
        verdict_pending_at_evaluation.append(not store.waiting[-1].done())
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(handlers, "evaluate_call", watched)
    response = await post_signed(client, example("order-select-lumbar-day20.json"))
    assert response.status_code == 200 and response.json()["cards"]
    assert verdict_pending_at_evaluation == [True]
    assert store.waiting[-1].done() and watch.outcomes == 1


@pytest.mark.parametrize("left_for_the_ehr", [None, "observations"])
async def test_a_token_another_replica_saw_is_refused_though_its_verdict_comes_after_the_decision(
    client: httpx.AsyncClient, app: Any, example: Callable[[str], dict[str, Any]],
    caplog: pytest.LogCaptureFixture, left_for_the_ehr: str | None,
) -> None:
    """S7 with the verdict deferred: 401, the EHR asked nothing (the fallback waits for the verdict),
    nothing in the audit trail, the refusal logged as a replay."""
    _, watch = late_store(app, False)
    request = example("order-select-lumbar-day20.json")
    if left_for_the_ehr:
        del request["prefetch"][left_for_the_ehr]
    response = await post_signed(client, request)
    assert response.status_code == 401
    assert response.json()["issue"][0]["code"] == "login"
    assert (watch.reads, watch.outcomes) == ([], 0)
    assert "replayed" in next(r for r in caplog.records if r.getMessage().startswith("auth failed: ")).reason


async def test_replay_records_unreachable_late_is_503_and_reaches_nothing(
    client: httpx.AsyncClient, app: Any, example: Callable[[str], dict[str, Any]],
) -> None:
    _, watch = late_store(app, ReplayCheckUnavailable("OperationalError"))
    request = example("order-select-lumbar-day20.json")
    del request["prefetch"]["observations"]
    response = await post_signed(client, request)
    assert response.status_code == 503
    assert (watch.reads, watch.outcomes) == ([], 0)


async def test_a_malformed_call_with_a_replayed_token_is_refused_as_a_replay(
    client: httpx.AsyncClient, app: Any, example: Callable[[str], dict[str, Any]],
) -> None:
    """The handler's 400 is ready before the verdict; the replay's 401 is what the caller gets."""
    late_store(app, False)
    request = example("order-select-lumbar-day20.json")
    del request["context"]["patientId"]
    assert (await post_signed(client, request)).status_code == 401


async def test_a_large_call_waits_for_its_verdict_before_its_worker_thread(
    client: httpx.AsyncClient, app: Any, example: Callable[[str], dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(router, "LARGE_BODY_BYTES", 1)  # every call takes the worker thread's path
    _, watch = late_store(app, False)
    request = example("order-select-lumbar-day20.json")
    del request["prefetch"]["observations"]
    assert (await post_signed(client, request)).status_code == 401
    assert (watch.reads, watch.outcomes) == ([], 0)
