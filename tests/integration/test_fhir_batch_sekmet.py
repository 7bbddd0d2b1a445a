"""The fallback's searches in one FHIR batch, against SEKMET (whose CapabilityStatement lists batch).

The batch must change the number of round trips and nothing else: the same resources per key as the
searches one by one, paging still followed, a failed entry failing its key only, the hook budget and the
allow-list for ``next`` links as before. Faults SEKMET will not produce on demand are answered by respx
(built from SEKMET's own answers, read before the router starts); everything else passes through.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
import pytest
import respx
from fallback_searches import gets_per_round
from prometheus_client import CollectorRegistry

from app.fhir.batch import lists_batch
from app.fhir.bundles import FetchJob, KeyData
from app.fhir.fetcher import FhirFetcher
from app.fhir.prefetch import DataRequest
from app.fhir.session import FetchLimits
from app.fhir.templates import PREFETCH_TEMPLATES, fill_template

pytestmark = pytest.mark.integration
FhirServer = Any  # the session fixture's type lives in conftest.py, which tests must not import
PATIENT = "spine-lumbar-day20"
MANY = "spine-many-conditions"
OUTCOME = {"resourceType": "OperationOutcome",
           "issue": [{"severity": "error", "code": "exception", "diagnostics": "search failed"}]}


class Sent:
    """Every request the fetcher's client sent, as (method, last path segment)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    async def __call__(self, request: httpx.Request) -> None:
        self.requests.append((request.method, request.url.path.rsplit("/", 1)[-1]))

    def count(self, method: str) -> int:
        return sum(1 for sent_method, _ in self.requests if sent_method == method)


@pytest.fixture
def sent() -> Sent:
    return Sent()


@pytest.fixture
async def http(sent: Sent) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(event_hooks={"request": [sent]}) as client:
        yield client


@contextlib.contextmanager
def batch_answered(server: FhirServer, answer: httpx.Response | Exception | Any) -> Iterator[respx.Route]:
    """respx answers the batch POST with ``answer`` (a response, an error, or a side effect); every other
    request passes through to SEKMET. Test data is read from SEKMET before this starts."""
    with respx.mock(assert_all_called=False) as router:
        if isinstance(answer, httpx.Response):
            route = router.post(server.base).mock(return_value=answer)
        else:
            route = router.post(server.base).mock(side_effect=answer)
        router.route(host="127.0.0.1").pass_through()
        yield route


def fetcher(http: httpx.AsyncClient, *, batch: bool = True, page_cap: int = 10,
            budget: float = 2.0) -> FhirFetcher:
    return FhirFetcher(http, ["http://127.0.0.1"], FetchLimits(1.5, budget, page_cap), CollectorRegistry(),
                       batch=batch)


def template_jobs(patient_id: str) -> list[FetchJob]:
    return [FetchJob(key, fill_template(template, {"patientId": patient_id}))
            for key, template in PREFETCH_TEMPLATES.items()]


def request(server: FhirServer, patient_id: str) -> DataRequest:
    return DataRequest(patient_id, server.base, None, None, {"patientId": patient_id})


def summary(result: Mapping[str, KeyData]) -> dict[str, tuple[Any, ...]]:
    """Per key: the resources (type and id, sorted) and why not all, to compare two fetches."""
    return {key: (tuple(sorted((r["resourceType"], r["id"]) for r in data.resources)), data.failed,
                  data.incomplete, data.outcomes) for key, data in result.items()}


def batch_response(server: FhirServer, jobs: list[FetchJob],
                   replace: Mapping[str, dict[str, Any]]) -> httpx.Response:
    """What SEKMET answers each job's GET with, as a batch-response, some entries replaced by key."""
    entries = []
    for job in jobs:
        if job.key in replace:
            entries.append(replace[job.key])
            continue
        answer = server.get(job.query)
        entries.append({"response": {"status": f"{answer.status_code} OK"}, "resource": answer.json()})
    return httpx.Response(200, json={"resourceType": "Bundle", "type": "batch-response", "entry": entries})


def test_sekmet_capability_statement_lists_batch(fhir_server: FhirServer) -> None:
    assert lists_batch(fhir_server.get("metadata").json())


async def test_every_fixture_patient_gets_the_same_chart_from_one_batch_as_from_searches(
        fhir_server: FhirServer, http: httpx.AsyncClient, sent: Sent) -> None:
    batched, one_by_one = fetcher(http), fetcher(http, batch=False)
    for patient in fhir_server.patients:
        jobs = template_jobs(patient.id)
        before = len(sent.requests)
        from_batch = await batched.fetch(request(fhir_server, patient.id), jobs)
        batch_requests = sent.requests[before:]
        assert summary(from_batch) == summary(await one_by_one.fetch(request(fhir_server, patient.id), jobs))
        assert all(data.failed is None and data.incomplete is None for data in from_batch.values())
        assert [r for r in batch_requests if r != ("GET", "metadata")] == [("POST", "fhir")]
    assert sent.requests.count(("GET", "metadata")) == 1  # the capability is asked once per server


SMALL_PAGES = [FetchJob("patient", f"Patient/{MANY}"),
               FetchJob("conditions", f"Condition?patient={MANY}&_count=10")]


async def test_next_links_of_a_batched_search_are_followed(fhir_server: FhirServer, http: httpx.AsyncClient,
                                                           sent: Sent) -> None:
    jobs = SMALL_PAGES
    result = await fetcher(http).fetch(request(fhir_server, MANY), jobs)
    assert len(result["conditions"].resources) == fhir_server.patient(MANY).conditions == 25
    assert result["conditions"].incomplete is None
    assert (sent.count("POST"), sent.count("GET")) == (1, 1 + 2)  # metadata, then pages 2 and 3


async def test_page_cap_counts_the_batched_first_page(fhir_server: FhirServer,
                                                      http: httpx.AsyncClient) -> None:
    result = await fetcher(http, page_cap=2).fetch(request(fhir_server, MANY), SMALL_PAGES)
    assert len(result["conditions"].resources) == 20
    assert result["conditions"].incomplete == "page cap (2) reached"


async def test_p4_a_batched_read_answering_404_is_no_data(fhir_server: FhirServer,
                                                         http: httpx.AsyncClient) -> None:
    jobs = [FetchJob("patient", "Patient/nobody-here"),
            FetchJob("conditions", "Condition?patient=nobody-here")]
    result = await fetcher(http).fetch(request(fhir_server, "nobody-here"), jobs)
    assert result["patient"] == KeyData()
    assert result["conditions"].failed is None


@pytest.mark.parametrize("answer", [
    httpx.Response(500, json=OUTCOME),
    httpx.Response(200, content=b"{truncated", headers={"Content-Type": "application/fhir+json"}),
    httpx.Response(405, json=OUTCOME),
    httpx.Response(200, json={"resourceType": "Bundle", "type": "batch-response", "entry": []}),
], ids=["500", "bad-json", "405", "entries-missing"])
async def test_a_batch_the_server_does_not_do_falls_back_to_searches_one_by_one(
        fhir_server: FhirServer, http: httpx.AsyncClient, sent: Sent, answer: httpx.Response) -> None:
    jobs = template_jobs(PATIENT)
    expected = summary(await fetcher(http, batch=False).fetch(request(fhir_server, PATIENT), jobs))
    batched = fetcher(http)
    with batch_answered(fhir_server, answer) as batch:
        assert summary(await batched.fetch(request(fhir_server, PATIENT), jobs)) == expected
        assert batch.call_count == 1
        sent.requests.clear()
        assert summary(await batched.fetch(request(fhir_server, PATIENT), jobs)) == expected
    assert sent.count("POST") == 0  # remembered: not sent a batch again while the capability is kept
    assert sent.count("GET") == gets_per_round(PATIENT)  # one per search (observations in parts)


@pytest.mark.parametrize(("entry", "failed"), [
    ({"response": {"status": "500 Internal Server Error", "outcome": OUTCOME}}, "FHIR server error (500)"),
    ({"response": {"status": "200 OK"}, "resource": OUTCOME},
     "the FHIR server answered with an error OperationOutcome"),
    ({"response": {"status": "403 Forbidden"}}, "not authorized by the FHIR server (403)"),
    ({"response": {"status": "200 OK"}}, "the FHIR server sent JSON that is not a resource"),
], ids=["500", "outcome", "403", "no-resource"])
async def test_a_failed_batch_entry_fails_its_key_and_the_rest_is_used(
        fhir_server: FhirServer, http: httpx.AsyncClient, entry: dict[str, Any], failed: str) -> None:
    jobs = template_jobs(PATIENT)
    expected = summary(await fetcher(http, batch=False).fetch(request(fhir_server, PATIENT), jobs))
    with batch_answered(fhir_server, batch_response(fhir_server, jobs, {"procedures": entry})):
        result = await fetcher(http).fetch(request(fhir_server, PATIENT), jobs)
    assert result["procedures"].failed == failed
    assert result["procedures"].resources == ()
    assert {k: v for k, v in summary(result).items() if k != "procedures"} == {
        k: v for k, v in expected.items() if k != "procedures"}


@pytest.mark.parametrize("status", ["400 Bad Request", "403 Forbidden", "405 Method Not Allowed"])
async def test_a_batch_whose_every_search_is_refused_is_sent_again_one_by_one(
        fhir_server: FhirServer, http: httpx.AsyncClient, sent: Sent, status: str) -> None:
    """A server that lists batch but takes only writes in one answers each GET entry with a 4xx: the
    searches go one by one in the same call, and that server is not sent a batch again for a while."""
    jobs = template_jobs(PATIENT)
    expected = summary(await fetcher(http, batch=False).fetch(request(fhir_server, PATIENT), jobs))
    refused = {job.key: {"response": {"status": status, "outcome": OUTCOME}} for job in jobs}
    batched = fetcher(http)
    with batch_answered(fhir_server, batch_response(fhir_server, jobs, refused)) as batch:
        assert summary(await batched.fetch(request(fhir_server, PATIENT), jobs)) == expected
        await batched.fetch(request(fhir_server, PATIENT), jobs)
    assert batch.call_count == 1


async def test_a_batched_read_of_a_missing_patient_answering_404_is_no_data(
        fhir_server: FhirServer, http: httpx.AsyncClient) -> None:
    jobs = template_jobs(PATIENT)
    gone = {"response": {"status": "404 Not Found", "outcome": OUTCOME}}
    with batch_answered(fhir_server, batch_response(fhir_server, jobs, {"patient": gone})):
        result = await fetcher(http).fetch(request(fhir_server, PATIENT), jobs)
    assert result["patient"] == KeyData()


@pytest.mark.parametrize(("answer", "failed"), [
    (httpx.ReadTimeout("slow"), "timed out"),
    (httpx.ConnectError("refused"), "could not reach the FHIR server (ConnectError)"),
    (httpx.Response(429), "the FHIR server is throttling requests (429)"),
], ids=["timeout", "unreachable", "throttled"])
async def test_a_batch_that_times_out_or_is_throttled_fails_every_key_alike(
        fhir_server: FhirServer, http: httpx.AsyncClient, sent: Sent, answer: Any, failed: str) -> None:
    jobs = template_jobs(PATIENT)
    with batch_answered(fhir_server, answer):
        result = await fetcher(http).fetch(request(fhir_server, PATIENT), jobs)
    assert {data.failed for data in result.values()} == {failed}
    assert sent.count("GET") == 1  # the capability only: no search is sent after a batch timed out


async def test_the_hook_budget_bounds_a_slow_batch(fhir_server: FhirServer, http: httpx.AsyncClient) -> None:
    async def slow(_: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(500)

    started = asyncio.get_running_loop().time()
    with batch_answered(fhir_server, slow):
        result = await fetcher(http, budget=0.5).fetch(request(fhir_server, PATIENT), template_jobs(PATIENT))
    assert asyncio.get_running_loop().time() - started < 1.5
    assert {data.failed for data in result.values()} == {"timed out (hook budget of 0.5 s)"}
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_a_next_link_to_another_server_in_a_batch_entry_is_not_followed(
        fhir_server: FhirServer, http: httpx.AsyncClient, sent: Sent) -> None:
    jobs = template_jobs(PATIENT)
    page = fhir_server.get(jobs[1].query).json()
    page["link"] = [{"relation": "next", "url": "https://evil.example.com/fhir/Condition?page=2"}]
    entry = {"response": {"status": "200 OK"}, "resource": page}
    with batch_answered(fhir_server, batch_response(fhir_server, jobs, {jobs[1].key: entry})):
        result = await fetcher(http).fetch(request(fhir_server, PATIENT), jobs)
    assert sent.requests == [("GET", "metadata"), ("POST", "fhir")]
    assert result[jobs[1].key].incomplete == "next link to another server not followed"
    assert len(result[jobs[1].key].resources) == len(page.get("entry", []))


async def test_batch_off_sends_searches_one_by_one_and_never_asks_the_capability(
        fhir_server: FhirServer, http: httpx.AsyncClient, sent: Sent) -> None:
    jobs = template_jobs(PATIENT)
    await fetcher(http, batch=False).fetch(request(fhir_server, PATIENT), jobs)
    searched = {("GET", job.query.split("?")[0].rsplit("/", 1)[-1]) for job in jobs}
    assert set(sent.requests) == searched and len(sent.requests) == gets_per_round(PATIENT)


async def test_the_batch_sent_is_one_get_entry_per_search_in_order(
        fhir_server: FhirServer, http: httpx.AsyncClient) -> None:
    jobs = template_jobs(PATIENT)
    with respx.mock(assert_all_called=False) as router:
        batch = router.post(fhir_server.base).pass_through()
        router.route(host="127.0.0.1").pass_through()
        await fetcher(http).fetch(request(fhir_server, PATIENT), jobs)
    sent_bundle = json.loads(batch.calls[0].request.content)
    assert sent_bundle["type"] == "batch"
    assert [(e["request"]["method"], e["request"]["url"]) for e in sent_bundle["entry"]] == [
        ("GET", job.query) for job in jobs]
    assert batch.calls[0].request.headers["Content-Type"] == "application/fhir+json"


async def test_the_round_trips_of_each_call_are_counted_by_method(fhir_server: FhirServer,
                                                                  http: httpx.AsyncClient) -> None:
    registry = CollectorRegistry()
    batched = FhirFetcher(http, ["http://127.0.0.1"], FetchLimits(), registry, batch=True)
    for _ in range(2):
        await batched.fetch(request(fhir_server, MANY), SMALL_PAGES)
    sent = {method: registry.get_sample_value("spine_cds_fhir_requests_total", {"method": method})
            for method in ("GET", "POST")}
    assert sent == {"GET": 1 + 2 * 2, "POST": 2}  # the capability once; pages 2 and 3 of each call


async def test_the_budget_keeps_a_batched_first_page_when_its_next_page_is_slow(
        fhir_server: FhirServer, http: httpx.AsyncClient) -> None:
    asked: list[str] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        await asyncio.sleep(5)
        return httpx.Response(500)

    with respx.mock(assert_all_called=False) as router:
        router.get(url__regex=r"_offset=").mock(side_effect=slow)
        router.route(host="127.0.0.1").pass_through()
        result = await fetcher(http, budget=0.5).fetch(request(fhir_server, MANY), SMALL_PAGES)
    assert len(asked) == 1  # page 2, asked after the batch gave page 1
    assert len(result["conditions"].resources) == 10
    assert result["conditions"].failed is None
    assert result["conditions"].incomplete == "timed out (hook budget of 0.5 s)"
    assert result["patient"].resources[0]["id"] == MANY
