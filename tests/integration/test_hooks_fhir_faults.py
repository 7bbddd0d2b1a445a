"""Faults a real server will not produce on demand, injected with respx in front of SEKMET.

Every request to SEKMET passes through to the real server except the routes a test breaks; the app's
own calls (httpx.ASGITransport) are not mocked. respx records a passed-through request more than once
(its pool and connection layers are both patched), so tests count distinct URLs, never calls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from fallback_searches import gets_per_round

from app.metrics import REGISTRY

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any  # the session fixture's type lives in conftest.py, which tests must not import
PATIENT = "spine-lumbar-day20"
TOKEN = "integration-token-not-for-logs"
EVIL = "evil.example.com"


@pytest.fixture
def fhir(cds: Cds, monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.MockRouter]:
    """respx in front of SEKMET: a test adds its breaking routes, then ``through`` for the rest.

    Test data is read from SEKMET before the router starts (``cds.server`` uses plain httpx too). The
    faults here break one search each, so the app sends its searches one by one (no batch): the batch's
    own faults are in test_fhir_batch_sekmet.py.
    """
    monkeypatch.setattr(cds.app.state.runtime.fetcher, "batch_support", None)
    with respx.mock(assert_all_called=False) as router:
        yield router


def through(router: respx.MockRouter) -> respx.Route:
    return router.route(host="127.0.0.1").pass_through()


def data_needed(body: dict[str, Any]) -> str:
    """The details of the SpineDataNeeded cards (the "could not check" card, and R27's if present)."""
    cards = [card for card in body["cards"] if card["source"]["topic"]["code"] == "SpineDataNeeded"]
    assert cards, body["cards"]
    return "\n".join(card["detail"] for card in cards)


async def call(cds: Cds, **kwargs: Any) -> httpx.Response:
    return await cds.call(cds.order_sign(PATIENT, fhir_server=cds.server.base, **kwargs))


@pytest.mark.parametrize(("path", "fault", "category"), [
    ("MedicationRequest", httpx.Response(500, json={"resourceType": "OperationOutcome"}), "medications"),
    ("Procedure", httpx.Response(401), "procedures"),
    ("Observation", httpx.Response(200, content=b"{truncated", headers={"Content-Type": "application/json"}),
     "observations"),
    ("ImagingStudy", httpx.ReadTimeout("slow"), "imaging"),
])
async def test_secondary_key_fault_degrades_and_the_card_says_what_was_not_checked(
        cds: Cds, fhir: respx.MockRouter, path: str, fault: Any, category: str) -> None:
    fhir.get(url__startswith=f"{cds.server.base}/{path}").mock(side_effect=[fault])
    through(fhir)
    response = await call(cds)
    assert response.status_code == 200, response.text[:500]
    assert category in data_needed(response.json())


@pytest.mark.parametrize("fault", [httpx.Response(500), httpx.ConnectTimeout("down"), httpx.Response(401)])
async def test_required_key_fault_is_412(cds: Cds, fhir: respx.MockRouter, fault: Any) -> None:
    fhir.get(url__startswith=f"{cds.server.base}/Condition").mock(side_effect=[fault])
    through(fhir)
    response = await call(cds)
    assert response.status_code == 412
    assert response.json()["resourceType"] == "OperationOutcome"


async def test_slow_page_is_cut_by_the_hook_budget(cds: Cds, fhir: respx.MockRouter) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset"})

    fhir.get(url__startswith=f"{cds.server.base}/ServiceRequest").mock(side_effect=slow)
    through(fhir)
    settings = cds.app.state.runtime.settings
    started = time.perf_counter()
    response = await call(cds)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < min(settings.fhir_request_timeout_seconds, settings.hook_budget_seconds) + 0.5
    assert "orders and referrals" in data_needed(response.json())


@pytest.fixture
def prefetch(cds: Cds) -> dict[str, Any]:
    full: dict[str, Any] = cds.server.prefetch(PATIENT)
    return full


@pytest.fixture
def conditions_page(cds: Cds) -> dict[str, Any]:
    page: dict[str, Any] = cds.server.get(f"Condition?patient={PATIENT}").json()
    return page


async def test_next_link_to_a_foreign_host_is_never_requested(cds: Cds, prefetch: dict[str, Any],
                                                              conditions_page: dict[str, Any],
                                                              fhir: respx.MockRouter) -> None:
    """A prefetched page pointing elsewhere: the query is run again on fhirServer, never on the link."""
    evil = fhir.route(host=EVIL)
    through(fhir)
    baseline = (await cds.call(cds.order_sign(PATIENT, prefetch=prefetch))).json()
    page = {**conditions_page, "total": 99,
            "link": [{"relation": "next", "url": f"https://{EVIL}/fhir/Condition?page=2"}]}
    response = await call(cds, prefetch={**prefetch, "conditions": page}, token=TOKEN)
    assert not evil.called
    assert response.status_code == 200
    assert [c["summary"] for c in response.json()["cards"]] == [c["summary"] for c in baseline["cards"]]


async def test_server_page_with_a_foreign_next_link_stops_there(cds: Cds, conditions_page: dict[str, Any],
                                                                 fhir: respx.MockRouter) -> None:
    evil = fhir.route(host=EVIL)
    page = {**conditions_page, "link": [{"relation": "next", "url": f"https://{EVIL}/fhir/Condition?page=2"}]}
    fhir.get(url__startswith=f"{cds.server.base}/Condition").respond(json=page)
    through(fhir)
    response = await call(cds, token=TOKEN)
    assert not evil.called
    assert "conditions" in data_needed(response.json())


async def test_off_allowlist_server_is_412_and_never_called(cds: Cds, fhir: respx.MockRouter) -> None:
    elsewhere = fhir.route(host="ehr.not-allowed.example.org")
    labels = {"key": "conditions", "reason": "not_allowed"}
    before = REGISTRY.get_sample_value("spine_cds_fhir_keys_failed_total", labels) or 0.0
    body = cds.order_sign(PATIENT, fhir_server="https://ehr.not-allowed.example.org/fhir", token=TOKEN)
    response = await cds.call(body)
    assert response.status_code == 412
    assert not elsewhere.called
    assert REGISTRY.get_sample_value("spine_cds_fhir_keys_failed_total", labels) == before + 1


@pytest.mark.parametrize("token", [TOKEN, None])
async def test_bearer_token_only_when_the_client_gave_one(cds: Cds, fhir: respx.MockRouter,
                                                          token: str | None) -> None:
    server = through(fhir)
    response = await call(cds, token=token)
    assert response.status_code == 200
    assert len({str(sent.request.url) for sent in server.calls}) == gets_per_round(PATIENT)  # one per search
    for sent in server.calls:
        assert sent.request.headers.get("Authorization") == (f"Bearer {token}" if token else None)
        assert sent.request.headers["Accept"] == "application/fhir+json"


async def test_token_never_reaches_the_logs(cds: Cds, fhir: respx.MockRouter,
                                            caplog: pytest.LogCaptureFixture) -> None:
    fhir.get(url__startswith=f"{cds.server.base}/Procedure").mock(side_effect=[httpx.Response(500)])
    through(fhir)
    with caplog.at_level("DEBUG"):
        response = await call(cds, token=TOKEN)
    assert response.status_code == 200
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "fhir fallback" in logged
    assert TOKEN not in logged
    assert PATIENT not in logged
