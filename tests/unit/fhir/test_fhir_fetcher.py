"""The fallback client against a respx-mocked FHIR server: headers, paging, limits, faults, metrics, logs.

The faults here are the ones a real server (tests/integration) will not produce on demand.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import respx
from prometheus_client import CollectorRegistry, generate_latest

from app.fhir.bundles import FetchJob, KeyData
from app.fhir.fetcher import FhirFetcher
from app.fhir.http_client import make_http_client
from app.fhir.prefetch import DataRequest
from app.fhir.session import FetchLimits
from app.settings import Profile, Settings

BASE = "https://ehr.example.org/fhir"
TOKEN = "s3cr3t-token-value"


def page(*ids: str, next_url: str | None = None, total: int | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle", "type": "searchset",
        "entry": [{"resource": {"resourceType": "Condition", "id": i}, "search": {"mode": "match"}}
                  for i in ids],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    if total is not None:
        bundle["total"] = total
    return bundle


def ids(data: KeyData) -> list[str]:
    return [str(r["id"]) for r in data.resources]


def req(token: str | None = None, server: str = BASE, **extra: Any) -> DataRequest:
    return DataRequest("p1", server, token, None, {"patientId": "p1"}, **extra)


COND = FetchJob("conditions", "Condition?patient=p1&_count=250")
PATIENT = FetchJob("patient", "Patient/p1")
MEDS = FetchJob("medications", "MedicationRequest?patient=p1&_count=250")


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def fetcher(http: httpx.AsyncClient, registry: CollectorRegistry, **limits: Any) -> FhirFetcher:
    defaults: dict[str, Any] = {"request_timeout": 1.0, "budget": 2.0, "page_cap": 10}
    return FhirFetcher(http, [BASE, "http://127.0.0.1"], FetchLimits(**{**defaults, **limits}), registry)


# --- headers -----------------------------------------------------------------------------------------


async def test_r7_bearer_token_and_fhir_json_accept_on_every_call(mock: respx.MockRouter, http: Any,
                                                                 registry: CollectorRegistry) -> None:
    route = mock.get(f"{BASE}/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
    result = await fetcher(http, registry).fetch(req(TOKEN), [PATIENT])
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["Accept"] == "application/fhir+json"
    assert ids(result["patient"]) == ["p1"]


async def test_sandbox_without_fhir_authorization_sends_no_authorization_header(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    route = mock.get(f"{BASE}/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
    await fetcher(http, registry).fetch(req(None), [PATIENT])
    assert "Authorization" not in route.calls.last.request.headers


# --- allow-list --------------------------------------------------------------------------------------


async def test_server_off_the_allowlist_fails_every_key_and_is_never_called(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    evil = mock.route(host="evil.example.com")
    result = await fetcher(http, registry).fetch(req(TOKEN, "https://evil.example.com/fhir"), [PATIENT, COND])
    assert not evil.called
    assert all("FHIR_SERVER_ALLOWLIST" in str(result[k].failed) for k in ("patient", "conditions"))
    assert registry.get_sample_value("spine_cds_fhir_keys_failed_total",
                                     {"key": "patient", "reason": "not_allowed"}) == 1


async def test_client_trust_entry_narrows_the_allowlist(mock: respx.MockRouter, http: Any,
                                                        registry: CollectorRegistry) -> None:
    route = mock.get(f"{BASE}/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
    narrowed = req(server=BASE, allowed_servers=("https://other.example.org",))
    result = await fetcher(http, registry).fetch(narrowed, [PATIENT])
    assert not route.called
    assert result["patient"].failed


# --- concurrency, paging -----------------------------------------------------------------------------


def answering_after(seconds: float) -> Callable[[httpx.Request], Awaitable[httpx.Response]]:
    """A respx side effect: a one-page answer after ``seconds``."""
    async def answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(seconds)
        return httpx.Response(200, json=page())

    return answer


async def test_missing_keys_are_fetched_concurrently(mock: respx.MockRouter, http: Any,
                                                     registry: CollectorRegistry) -> None:
    """Every search is in flight before any answers (counted, not timed: a loaded machine cannot fail it)."""
    in_flight, most = 0, 0
    all_sent = asyncio.Event()

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        if in_flight == 5:
            all_sent.set()
        await asyncio.wait_for(all_sent.wait(), timeout=1.0)  # a sequential fetch would time out here
        in_flight -= 1
        return httpx.Response(200, json=page())

    mock.get(url__startswith=BASE).mock(side_effect=answer)
    jobs = [FetchJob(k, f"{k.title()}?patient=p1") for k in ("a", "b", "c", "d", "e")]
    result = await fetcher(http, registry).fetch(req(), jobs)
    assert most == 5
    assert all(result[j.key].failed is None for j in jobs)


async def test_p7_next_links_on_the_same_server_are_followed_and_pages_deduplicated(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition", params={"patient": "p1", "_count": "250"}).respond(
        json=page("a", "b", next_url=f"{BASE}/Condition?patient=p1&_offset=2"))
    mock.get(f"{BASE}/Condition", params={"patient": "p1", "_offset": "2"}).respond(
        json=page("b", "c", next_url="Condition?patient=p1&_offset=4"))  # relative link, same server
    mock.get(f"{BASE}/Condition", params={"patient": "p1", "_offset": "4"}).respond(json=page("d"))
    result = await fetcher(http, registry).fetch(req(), [COND])
    assert ids(result["conditions"]) == ["a", "b", "c", "d"]
    assert result["conditions"].incomplete is None


async def test_next_link_to_a_foreign_host_is_never_requested(mock: respx.MockRouter, http: Any,
                                                              registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").respond(json=page("a", next_url="https://evil.example.com/fhir/x?page=2"))
    evil = mock.route(host="evil.example.com")
    result = await fetcher(http, registry).fetch(req(TOKEN), [COND])
    assert not evil.called
    assert ids(result["conditions"]) == ["a"]
    assert "another server" in str(result["conditions"].incomplete)


@pytest.mark.parametrize("link", [
    "http://ehr.example.org/fhir/Condition?page=2",       # other scheme
    "https://ehr.example.org:8443/fhir/Condition?page=2",  # other port
    "https://ehr.example.org.evil.com/fhir/Condition",     # other host with our name as prefix
    "//evil.example.com/fhir/Condition",                   # scheme-relative
])
async def test_next_link_must_match_scheme_host_and_port(link: str, mock: respx.MockRouter, http: Any,
                                                         registry: CollectorRegistry) -> None:
    first = mock.get(f"{BASE}/Condition").respond(json=page("a", next_url=link))
    result = await fetcher(http, registry).fetch(req(), [COND])
    assert first.call_count == 1
    assert len(mock.calls) == 1
    assert result["conditions"].incomplete is not None


async def test_page_cap_stops_paging_and_marks_the_key_incomplete(mock: respx.MockRouter, http: Any,
                                                                  registry: CollectorRegistry) -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("_offset", "0"))
        return httpx.Response(200, json=page(f"c{offset}", next_url=f"{BASE}/Condition?_offset={offset + 1}"))

    route = mock.get(url__startswith=f"{BASE}/Condition").mock(side_effect=endless)
    result = await fetcher(http, registry, page_cap=3).fetch(req(), [COND])
    assert route.call_count == 3
    assert len(result["conditions"].resources) == 3
    assert "page cap (3)" in str(result["conditions"].incomplete)


async def test_truncated_prefetch_page_is_continued_from_its_next_link(mock: respx.MockRouter, http: Any,
                                                                       registry: CollectorRegistry) -> None:
    rest = mock.get(f"{BASE}/Condition", params={"_offset": "20"}).respond(json=page("c21"))
    template = mock.get(f"{BASE}/Condition", params={"_count": "250"}).respond(json=page())
    partial = page("c1", next_url=f"{BASE}/Condition?patient=p1&_offset=20", total=2)
    result = await fetcher(http, registry).fetch(req(), [FetchJob("conditions", COND.query, partial)])
    assert rest.called
    assert not template.called
    assert ids(result["conditions"]) == ["c21"]


async def test_a_prefetch_page_with_entries_lacking_their_resource_reruns_the_query_not_its_next_link(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    """Following ``next`` brings the later pages, never the entries this page left empty: the key would
    be complete without Condition c2 (a red flag, say) — "none on record" for data never read."""
    rest = mock.get(f"{BASE}/Condition", params={"_offset": "2"}).respond(json=page("c3"))
    template = mock.get(f"{BASE}/Condition", params={"_count": "250"}).respond(json=page("c1", "c2", "c3"))
    partial = page("c1", next_url=f"{BASE}/Condition?patient=p1&_offset=2", total=3)
    partial["entry"].append({"fullUrl": f"{BASE}/Condition/c2"})
    result = await fetcher(http, registry).fetch(req(), [FetchJob("conditions", COND.query, partial)])
    assert template.called
    assert not rest.called
    assert ids(result["conditions"]) == ["c1", "c2", "c3"]


async def test_small_prefetch_pages_beyond_the_cap_are_not_walked_our_query_runs_instead(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    tiny = mock.get(f"{BASE}/Condition", params={"_offset": "2"}).respond(json=page("c3", "c4"))
    template = mock.get(f"{BASE}/Condition", params={"_count": "250"}).respond(json=page("c1", "c2", "c3"))
    partial = page("c1", "c2", next_url=f"{BASE}/Condition?patient=p1&_offset=2", total=30)  # 14 more pages
    job = FetchJob("conditions", COND.query, partial)
    result = await fetcher(http, registry, page_cap=10).fetch(req(), [job])
    assert not tiny.called
    assert template.called
    assert ids(result["conditions"]) == ["c1", "c2", "c3"]


async def test_sandbox_truncation_without_next_link_reruns_the_query(mock: respx.MockRouter, http: Any,
                                                                     registry: CollectorRegistry) -> None:
    template = mock.get(f"{BASE}/Condition", params={"_count": "250"}).respond(json=page("c1", "c2"))
    partial = page("c1", total=2)
    result = await fetcher(http, registry).fetch(req(), [FetchJob("conditions", COND.query, partial)])
    assert template.called
    assert ids(result["conditions"]) == ["c1", "c2"]


async def test_truncated_prefetch_with_foreign_next_link_reruns_the_query_on_fhir_server(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    evil = mock.route(host="evil.example.com")
    template = mock.get(f"{BASE}/Condition", params={"_count": "250"}).respond(json=page("c1", "c2"))
    partial = page("c1", next_url="https://evil.example.com/fhir/Condition?page=2", total=2)
    result = await fetcher(http, registry).fetch(req(TOKEN), [FetchJob("conditions", COND.query, partial)])
    assert not evil.called
    assert template.called
    assert ids(result["conditions"]) == ["c1", "c2"]


# --- faults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "words"), [
    (401, "not authorized"), (403, "not authorized"), (500, "server error"), (503, "server error"),
    (429, "throttling"), (302, "redirect not followed"), (400, "unexpected HTTP status"),
])
async def test_http_error_fails_the_key_with_a_reason(status: int, words: str, mock: respx.MockRouter,
                                                      http: Any, registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").respond(status, json={"resourceType": "OperationOutcome"},
                                          headers={"Location": "https://evil.example.com/"})
    mock.get(f"{BASE}/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
    result = await fetcher(http, registry).fetch(req(), [COND, PATIENT])
    assert words in str(result["conditions"].failed)
    assert result["patient"].failed is None  # one key failing does not fail the others
    assert len(mock.calls) == 2  # a redirect is never followed


async def test_invalid_json_fails_the_key(mock: respx.MockRouter, http: Any,
                                          registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").respond(200, content=b"{not json",
                                          headers={"Content-Type": "application/json"})
    result = await fetcher(http, registry).fetch(req(), [COND])
    assert result["conditions"].failed == "the FHIR server sent invalid JSON"


def bundle_of_bytes(size: int) -> bytes:
    """A searchset Bundle of exactly ``size`` bytes of JSON."""
    head, tail = b'{"resourceType":"Bundle","type":"searchset","id":"', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


class _Dripping(httpx.AsyncByteStream):
    """A body sent in chunks, without Content-Length (chunked), as a server streaming a search does."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


async def test_an_answer_larger_than_the_cap_fails_its_key_and_only_its_key(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").respond(200, content=bundle_of_bytes(100_001))
    mock.get(f"{BASE}/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
    result = await fetcher(http, registry, max_response_bytes=100_000).fetch(req(), [COND, PATIENT])
    assert result["conditions"].failed == (
        "the FHIR server's answer is larger than 100000 bytes (FHIR_MAX_RESPONSE_BYTES)")
    assert ids(result["patient"]) == ["p1"]
    assert registry.get_sample_value("spine_cds_fhir_keys_failed_total",
                                     {"key": "conditions", "reason": "too_large"}) == 1


async def test_an_answer_of_exactly_the_cap_is_read(mock: respx.MockRouter, http: Any,
                                                    registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").respond(200, content=bundle_of_bytes(100_000))
    result = await fetcher(http, registry, max_response_bytes=100_000).fetch(req(), [COND])
    assert result["conditions"].failed is None


async def test_a_chunked_answer_is_stopped_once_it_passes_the_cap(mock: respx.MockRouter, http: Any,
                                                                  registry: CollectorRegistry) -> None:
    read: list[int] = []

    class Counting(_Dripping):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in super().__aiter__():
                read.append(len(chunk))
                yield chunk

    body = Counting([b"x" * 40_000] * 100)  # 4 MB on offer, no Content-Length
    mock.get(f"{BASE}/Condition").mock(return_value=httpx.Response(200, stream=body))
    result = await fetcher(http, registry, max_response_bytes=100_000).fetch(req(), [COND])
    assert "larger than 100000 bytes" in str(result["conditions"].failed)
    assert sum(read) <= 160_000  # stopped at the first chunk past the cap, not after the whole body


async def test_json_that_is_not_an_object_fails_the_key(mock: respx.MockRouter, http: Any,
                                                        registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").respond(200, json=[1, 2])
    assert (await fetcher(http, registry).fetch(req(), [COND]))["conditions"].failed


async def test_error_operation_outcome_with_200_fails_the_key(mock: respx.MockRouter, http: Any,
                                                              registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").respond(200, json={
        "resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "exception"}]})
    result = await fetcher(http, registry).fetch(req(), [COND])
    assert "OperationOutcome" in str(result["conditions"].failed)


async def test_p4_read_answering_404_is_no_data_like_a_prefetch_null(mock: respx.MockRouter, http: Any,
                                                                     registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Patient/p1").respond(404, json={"resourceType": "OperationOutcome"})
    result = await fetcher(http, registry).fetch(req(), [PATIENT])
    assert result["patient"] == KeyData()


async def test_search_answering_404_fails_the_key(mock: respx.MockRouter, http: Any,
                                                  registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").respond(404)
    assert "not found" in str((await fetcher(http, registry).fetch(req(), [COND]))["conditions"].failed)


async def test_connection_error_fails_the_key(mock: respx.MockRouter, http: Any,
                                              registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").mock(side_effect=httpx.ConnectError("refused"))
    assert "could not reach" in str((await fetcher(http, registry).fetch(req(), [COND]))["conditions"].failed)


async def test_httpx_timeout_fails_the_key_as_timed_out(mock: respx.MockRouter, http: Any,
                                                        registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").mock(side_effect=httpx.ReadTimeout("slow"))
    assert (await fetcher(http, registry).fetch(req(), [COND]))["conditions"].failed == "timed out"


async def test_per_request_timeout_covers_a_slow_response(mock: respx.MockRouter, http: Any,
                                                          registry: CollectorRegistry) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10.0)
        return httpx.Response(200, json=page("late"))

    mock.get(f"{BASE}/Condition").mock(side_effect=slow)
    mock.get(f"{BASE}/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
    started = time.perf_counter()
    result = await fetcher(http, registry, request_timeout=0.1).fetch(req(), [COND, PATIENT])
    assert time.perf_counter() - started < 5.0  # bounded by the timeout, far below the 10 s answer
    assert result["conditions"].failed == "timed out"
    assert ids(result["patient"]) == ["p1"]


async def test_hook_budget_bounds_the_whole_round_and_keeps_pages_already_read(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    async def slow_page(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.15)
        offset = int(request.url.params.get("_offset", "0"))
        return httpx.Response(200, json=page(f"c{offset}", next_url=f"{BASE}/Condition?_offset={offset + 1}"))

    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200, json=page())

    mock.get(url__startswith=f"{BASE}/Condition").mock(side_effect=slow_page)
    mock.get(url__startswith=f"{BASE}/MedicationRequest").mock(side_effect=never)
    started = time.perf_counter()
    result = await fetcher(http, registry, request_timeout=5.0, budget=0.5).fetch(req(), [COND, MEDS])
    assert time.perf_counter() - started < 5.0  # bounded by the budget, far below the 10 s answer
    conditions = result["conditions"]
    assert conditions.failed is None
    assert 1 <= len(conditions.resources) <= 4  # the pages read before the deadline are kept
    assert "hook budget" in str(conditions.incomplete)
    assert "hook budget" in str(result["medications"].failed)


async def test_no_task_is_left_running_after_the_budget(mock: respx.MockRouter, http: Any,
                                                        registry: CollectorRegistry) -> None:
    mock.get(url__startswith=BASE).mock(side_effect=answering_after(10))
    before = len(asyncio.all_tasks())
    await fetcher(http, registry, request_timeout=5.0, budget=0.05).fetch(req(), [COND, MEDS])
    assert len(asyncio.all_tasks()) == before


async def test_unexpected_bug_degrades_to_a_failed_key(mock: respx.MockRouter, http: Any,
                                                       registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Condition").mock(side_effect=RuntimeError("bug"))
    mock.get(f"{BASE}/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
    result = await fetcher(http, registry).fetch(req(), [COND, PATIENT])
    assert result["conditions"].failed == "unexpected error while fetching"
    assert result["patient"].failed is None


# --- observability -----------------------------------------------------------------------------------


async def test_metrics_count_fetched_and_failed_keys_and_time_the_round(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    mock.get(f"{BASE}/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
    mock.get(f"{BASE}/Condition").respond(500)
    await fetcher(http, registry).fetch(req(), [PATIENT, COND])
    assert registry.get_sample_value("spine_cds_fhir_keys_fetched_total", {"key": "patient"}) == 1
    assert registry.get_sample_value("spine_cds_fhir_keys_failed_total",
                                     {"key": "conditions", "reason": "server_error"}) == 1
    assert registry.get_sample_value("spine_cds_fhir_fallback_seconds_count") == 1
    text = generate_latest(registry).decode()
    assert 'spine_cds_fhir_keys_failed_total{key="conditions",reason="server_error"} 1.0' in text


async def test_token_and_patient_urls_are_never_logged(mock: respx.MockRouter, http: Any,
                                                       registry: CollectorRegistry,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    mock.get(f"{BASE}/Patient/p1").respond(json={"resourceType": "Patient", "id": "p1"})
    mock.get(f"{BASE}/Condition").mock(side_effect=httpx.ConnectError(f"refused {BASE}/Condition?patient=p1"))
    with caplog.at_level(logging.DEBUG):
        await fetcher(http, registry).fetch(req(TOKEN), [PATIENT, COND])
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "fhir fallback" in logged
    assert TOKEN not in logged
    assert "p1" not in logged
    assert BASE not in logged


async def test_request_repr_hides_the_token() -> None:
    assert TOKEN not in repr(req(TOKEN))


async def test_shared_client_keeps_no_cookies_and_follows_no_redirects(mock: respx.MockRouter) -> None:
    route = mock.get(f"{BASE}/Patient/p1").respond(
        json={"resourceType": "Patient", "id": "p1"}, headers={"Set-Cookie": "session=abc; Path=/"})
    settings = Settings(profile=Profile.DEVELOPMENT, auth_required=False)
    async with make_http_client(settings) as http:
        limits = FetchLimits(settings.fhir_request_timeout_seconds, 2.0, 10)
        fhir = FhirFetcher(http, [BASE], limits, CollectorRegistry())
        await fhir.fetch(req(), [PATIENT])
        await fhir.fetch(req(), [PATIENT])
        assert "cookie" not in route.calls.last.request.headers
        assert http.follow_redirects is False


async def test_a_page_whose_entries_lack_their_resource_is_not_an_empty_search(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    bare = {"resourceType": "Bundle", "type": "searchset", "total": 1,
            "entry": [{"fullUrl": f"{BASE}/Condition/c1"}]}
    mock.get(f"{BASE}/Condition").respond(200, json=bare)
    assert "unusable" in str((await fetcher(http, registry).fetch(req(), [COND]))["conditions"].failed)


async def test_a_page_with_some_entries_lacking_their_resource_leaves_the_key_incomplete(
        mock: respx.MockRouter, http: Any, registry: CollectorRegistry) -> None:
    body = page("c1")
    body["entry"].append({"fullUrl": f"{BASE}/Condition/c2"})
    mock.get(f"{BASE}/Condition").respond(200, json=body)
    result = (await fetcher(http, registry).fetch(req(), [COND]))["conditions"]
    assert ids(result) == ["c1"]
    assert result.incomplete is not None
