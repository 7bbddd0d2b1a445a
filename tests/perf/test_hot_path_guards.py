"""Cheap guards for the speed of the hook path: counts and structure, never timings.

The figures themselves come from ``make bench`` (bench/RESULTS.md, docs/performance.md); these tests fail
when a change would quietly undo what the figures depend on: the fallback asks each template query once
and all at once (in one batch when the server takes one), a complete prefetch asks nothing, request
bodies stay plain dicts, every resource is parsed into its slim view once, hook calls run no garbage
collection, the HTTP client checks one pooled connection per request, every hot-path memo is bounded,
and no full ``fhir.resources`` model is built on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import respx
from fallback_searches import gets_per_round

from app.fhir.templates import PREFETCH_TEMPLATES
from app.settings import Settings
from bench import charts

ROOT = Path(__file__).resolve().parents[2]
EHR = "https://ehr.example.org/fhir"
SELECT = "/cds-services/spine-imaging-order-select"
Example = Callable[[str], dict[str, Any]]
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(fhir_server_allowlist=[EHR])


def _without_prefetch(example: Example) -> dict[str, Any]:
    body = example("order-select-lumbar-day20.json")
    del body["prefetch"]
    body["fhirServer"] = EHR
    return body


class _Ehr:
    """A respx side effect that answers every query and remembers how many were in flight at once; its
    CapabilityStatement lists ``batch`` when ``takes_batch``, and a batch is answered entry by entry."""

    def __init__(self, patient_id: str, takes_batch: bool = False) -> None:
        self.patient_id, self.takes_batch = patient_id, takes_batch
        self.paths: list[str] = []
        self.capability_asked = 0
        self.batches: list[list[str]] = []
        self.in_flight = self.most_in_flight = 0
        self.all_asked = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/metadata"):
            self.capability_asked += 1
            interactions = [{"code": "batch"}] if self.takes_batch else [{"code": "search-system"}]
            return httpx.Response(200, json={"resourceType": "CapabilityStatement",
                                             "rest": [{"mode": "server", "interaction": interactions}]})
        if request.method == "POST":
            urls = [entry["request"]["url"] for entry in json.loads(request.content)["entry"]]
            self.batches.append(urls)
            return httpx.Response(200, json={"resourceType": "Bundle", "type": "batch-response", "entry": [
                {"response": {"status": "200 OK"}, "resource": self._answer(url)} for url in urls]})
        self.paths.append(f"{request.url.path}?{request.url.query.decode()}")
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if len(self.paths) == gets_per_round(self.patient_id):
            self.all_asked.set()
        # A fetcher that waited for each answer before asking again would stall here, one second a query.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_asked.wait(), timeout=1.0)
        self.in_flight -= 1
        return httpx.Response(200, json=self._answer(request.url.path))

    def _answer(self, path: str) -> dict[str, Any]:
        if path.endswith(f"Patient/{self.patient_id}"):
            return {"resourceType": "Patient", "id": self.patient_id}
        return {"resourceType": "Bundle", "type": "searchset", "total": 0}


async def test_a_fallback_call_asks_each_template_query_once_and_all_at_once(
    client: httpx.AsyncClient, example: Example
) -> None:
    """A server whose CapabilityStatement does not list batch: one GET per key (the observations search in
    parts, app.fhir.search_split), all in flight at once."""
    body = _without_prefetch(example)
    ehr = _Ehr(body["context"]["patientId"])
    with respx.mock(assert_all_called=False) as router:
        router.route(host=urlsplit(EHR).hostname).mock(side_effect=ehr)
        router.route(host="127.0.0.1").pass_through()
        response = await client.post(SELECT, json=body)
    assert response.status_code == 200
    assert ehr.capability_asked == 1
    assert ehr.batches == []
    searches = gets_per_round(body["context"]["patientId"])
    assert searches == len(PREFETCH_TEMPLATES) + 1  # the observations search is over the IIS default
    assert len(ehr.paths) == searches  # one request per search: no paging, no retries
    assert len(set(ehr.paths)) == searches
    assert ehr.most_in_flight == searches  # in parallel: the wait is the slowest query


async def test_a_fallback_call_to_a_batch_server_is_one_round_trip(
    client: httpx.AsyncClient, example: Example
) -> None:
    """A server that lists batch: one POST carrying each template query once; its capability is asked on
    the first call only."""
    body = _without_prefetch(example)
    ehr = _Ehr(body["context"]["patientId"], takes_batch=True)
    with respx.mock(assert_all_called=False) as router:
        router.route(host=urlsplit(EHR).hostname).mock(side_effect=ehr)
        router.route(host="127.0.0.1").pass_through()
        first = await client.post(SELECT, json=body)
        second = await client.post(SELECT, json=body)
    assert first.status_code == second.status_code == 200
    assert [c["summary"] for c in first.json()["cards"]] == [c["summary"] for c in second.json()["cards"]]
    assert ehr.capability_asked == 1
    assert ehr.paths == []
    assert len(ehr.batches) == 2
    assert all(len(set(urls)) == len(urls) == len(PREFETCH_TEMPLATES) for urls in ehr.batches)
    assert {url.split("?")[0].split("/")[0] for url in ehr.batches[0]} == {
        template.split("?")[0].split("/")[0] for template in PREFETCH_TEMPLATES.values()}


async def test_a_complete_prefetch_asks_the_fhir_server_nothing(
    client: httpx.AsyncClient, example: Example
) -> None:
    body = example("order-select-lumbar-day20.json")
    assert set(body["prefetch"]) == set(PREFETCH_TEMPLATES)
    body["fhirServer"] = EHR
    with respx.mock(assert_all_called=False) as router:
        ehr = router.route(host=urlsplit(EHR).hostname).respond(500)
        router.route(host="127.0.0.1").pass_through()
        response = await client.post(SELECT, json=body)
    assert response.status_code == 200
    assert ehr.call_count == 0


def test_request_bodies_keep_fhir_json_as_plain_dicts(example: Example) -> None:
    """Pydantic only checks the CDS Hooks envelope: the prefetch and the draft orders are passed on as the
    very objects the JSON decoder made (no nested models, no copies), for the views to read once."""
    from app.hooks.schemas import HookRequest, OrderSelectContext

    raw = example("order-select-lumbar-day20.json")
    request = HookRequest.model_validate(raw)
    assert request.prefetch is not None
    assert all(request.prefetch[key] is raw["prefetch"][key] for key in raw["prefetch"])
    context = OrderSelectContext.model_validate(request.context)
    order = raw["context"]["draftOrders"]["entry"][0]["resource"]
    assert context.draftOrders.entry[0]["resource"] is order  # the entry is copied shallowly, never deeply


async def test_each_resource_is_parsed_into_its_view_once_per_call(
    client: httpx.AsyncClient, example: Example, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.fhir.chart_builder as chart_builder

    parsed: list[str] = []
    original = chart_builder.parse_resource

    def counting(raw: object, products: Any = None) -> object | None:
        parsed.append(f"{raw.get('resourceType')}/{raw.get('id')}" if isinstance(raw, dict) else "?")
        return original(raw, products)

    monkeypatch.setattr(chart_builder, "parse_resource", counting)
    body = example("order-select-lumbar-day20.json")
    response = await client.post(SELECT, json=body)
    assert response.status_code == 200
    assert len(parsed) == len(set(parsed)) == _resource_count(body["prefetch"])


def _resource_count(prefetch: dict[str, Any]) -> int:
    values = [v for v in prefetch.values() if isinstance(v, dict)]
    return sum(len(v.get("entry", [])) if v.get("resourceType") == "Bundle" else 1 for v in values)


async def test_hook_calls_run_no_garbage_collection(client: httpx.AsyncClient, example: Example) -> None:
    """Reference counting frees a call's objects; the collector (app/main.py) must not walk them mid-call,
    as CPython's default threshold did once per 50-resource call."""
    body = example("order-select-lumbar-day20.json")
    with _collections() as collections:
        for _ in range(30):
            assert (await client.post(SELECT, json=body)).status_code == 200
    assert collections == []


async def test_synthea_sized_calls_run_no_garbage_collection(client: httpx.AsyncClient) -> None:
    """A Synthea-sized chart (~1,700 resources) makes tens of thousands of containers in one call: the
    young-generation threshold (app/main.py) must sit above them, or a collection walks them mid-call
    (a 20,000 threshold did on nine such calls in ten, ~5 % of their time)."""
    body = charts.encode(charts.hook_body("order-select", "chart-synthea"))
    assert (await client.post(SELECT, content=body, headers=JSON)).status_code == 200  # memos warm
    with _collections() as collections:
        for _ in range(5):
            assert (await client.post(SELECT, content=body, headers=JSON)).status_code == 200
    assert collections == []


@contextlib.contextmanager
def _collections() -> Iterator[list[int]]:
    """The generation of every garbage collection that starts inside the block."""
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    try:
        yield collections
    finally:
        gc.callbacks.remove(count)


class _KeepAliveServer:
    """Answers ``{}`` to every request on every connection until stopped."""

    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        writer.close()

    def close_all(self) -> None:
        for writer in self.writers:
            writer.close()


async def test_the_http_client_checks_one_pooled_connection_per_request(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fallback call's seven requests at once: each checks only the connection it reuses (one socket
    poll), where httpx's own pool re-checked every pooled connection at every request start and end."""
    import httpcore

    from app.fhir.http_client import make_http_client

    checks: list[int] = []
    original = httpcore.AsyncHTTP11Connection.has_expired

    def counting(connection: httpcore.AsyncHTTP11Connection) -> bool:
        checks.append(1)
        return original(connection)

    monkeypatch.setattr(httpcore.AsyncHTTP11Connection, "has_expired", counting)
    answering = _KeepAliveServer()
    server = await asyncio.start_server(answering.serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    try:
        async with make_http_client(settings) as http:
            rounds = []
            for _ in range(3):
                checks.clear()
                answers = await asyncio.gather(*(http.get(url) for _ in PREFETCH_TEMPLATES))
                assert {a.status_code for a in answers} == {200}
                rounds.append(len(checks))
    finally:
        server.close()
        answering.close_all()
        await server.wait_closed()
        await asyncio.sleep(0.01)  # the closed sockets' transports finish closing on the loop
    assert rounds[1:] == [len(PREFETCH_TEMPLATES)] * 2  # rounds after the first reuse every connection


def test_memoised_lookups_on_the_hot_path_are_bounded() -> None:
    """Value-set matches, shared Codings and dates are memoised across calls; each memo has a size cap."""
    from app.chart import dates
    from app.fhir import datatypes
    from app.pathway import (
        facts_common,
        facts_exam,
        facts_findings,
        facts_fracture_words,
        facts_imaging,
        facts_match,
        facts_motor,
        facts_named,
    )
    from app.terminology import imaging_text, service_text

    memos = (datatypes._shared_coding, dates._parse_date_prefix, facts_match._first_members,
             facts_match._matched_members, facts_match._member, facts_common._medication_coding,
             imaging_text._read_once, service_text._read_once, service_text._operation_once,
             facts_named._named_hits, facts_exam._exam_hits, facts_motor._names_in,
             facts_fracture_words._named_once, facts_findings._slots, facts_imaging._read_operation,
             facts_named._cancer_row, facts_named._measured_names)
    for memo in memos:
        assert memo.cache_info().maxsize is not None


def test_words_too_long_to_keep_are_read_but_never_remembered() -> None:
    """A hostile 400 kB problem name or exam row is read each time and never pins memory in a memo."""
    from datetime import date

    from app.chart.model import Chart
    from app.fhir.parse import parse_resource
    from app.pathway import facts_exam, facts_fracture_words, facts_named
    from app.pathway.facts_common import Context
    from app.pathway.policy import Policy
    from app.terminology import load_value_sets

    padding = " x" * 200_000
    words_kept, rows_kept = (facts_fracture_words._named_once.cache_info().currsize,
                             facts_exam._exam_hits.cache_info().currsize)
    assert facts_fracture_words._named("fell from standing" + padding) is not None
    row = parse_resource({"resourceType": "Observation", "id": "r", "status": "final",
                          "code": {"text": "Babinski" + padding}, "valueString": "Upgoing"})
    assert row is not None
    ctx = Context(Chart(), None, date(2026, 3, 11), Policy(), load_value_sets())
    assert facts_named.row_hits(ctx, ("abnormal_reflex",), row)  # read: the answer is abnormal
    assert facts_fracture_words._named_once.cache_info().currsize == words_kept
    assert facts_exam._exam_hits.cache_info().currsize == rows_kept


class CountingPattern:
    def __init__(self, pattern: Any) -> None:
        self.pattern, self.searches = pattern, 0

    def search(self, text: str) -> Any:
        self.searches += 1
        return self.pattern.search(text)


def test_a_drug_name_is_searched_once_and_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The drug-name search (one large alternation) was a fallback call's largest new cost; each name is
    now searched once per process, and what is remembered is capped."""
    from app.terminology import load_value_sets, valuesets

    drugs = load_value_sets().get("conservative_medication")
    counting = CountingPattern(drugs._pattern)
    monkeypatch.setattr(drugs, "_pattern", counting)
    monkeypatch.setattr(drugs, "_texts_read", {})
    found = [drugs.match_text("Ibuprofen 600 MG Oral Tablet") for _ in range(3)]
    assert found[0] is not None and found[0].code == found[2].code and counting.searches == 1
    assert drugs.match_text("Vitamin D3 1000 unit tablet") is None and counting.searches == 2
    monkeypatch.setattr(valuesets, "TEXTS_REMEMBERED", 2)
    drugs.match_text("naproxen 500 mg")
    assert len(drugs._texts_read) <= 2
    huge = "ibuprofen " + "x" * 10_000  # a hostile display: searched, never kept
    assert drugs.match_text(huge) is not None and huge not in drugs._texts_read


_NO_FULL_MODELS = """
import asyncio, json, sys, tempfile
from pathlib import Path
import httpx
from app.main import create_app
from app.settings import Settings

async def main(examples: Path, database: Path) -> None:
    settings = Settings(profile="development", auth_required=False, database_url=f"sqlite:///{database}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as http:
            for name, service in json.loads(sys.argv[2]).items():
                body = json.loads((examples / name).read_text())
                response = await http.post(f"/cds-services/{service}", json=body)
                assert response.status_code == 200, response.text
    print(json.dumps(sorted(m for m in sys.modules if m.startswith(("fhir.resources", "fhir_core")))))

with tempfile.TemporaryDirectory() as tmp:
    asyncio.run(main(Path(sys.argv[1]), Path(tmp) / "db.sqlite"))
"""


def test_hook_calls_build_no_full_fhir_resources_models(tmp_path: Path) -> None:
    """STYLE.md habit 5: full ``fhir.resources`` validation costs ~35 ms per 50-resource bundle, the slim
    views ~1 ms. A fresh interpreter runs all three hooks and must not even have imported the package.
    Should outgoing resources ever be validated with R4B at run time, validate only those and say so here.
    """
    calls = {
        "order-select-lumbar-day20.json": "spine-imaging-order-select",
        "order-select-cauda-equina.json": "spine-imaging-order-select",
        "patient-view-lumbar.json": "spine-pathway-patient-view",
    }
    done = subprocess.run(
        [sys.executable, "-c", _NO_FULL_MODELS, str(ROOT / "examples"), json.dumps(calls)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_a_hostile_measured_row_name_is_read_but_never_remembered() -> None:
    """A 400 kB lab name beside a number is checked for a cancer each time, never kept in the memo."""
    from datetime import date

    from app.chart.model import Chart
    from app.fhir.parse import parse_resource
    from app.pathway import facts_named
    from app.pathway.facts_common import Context
    from app.pathway.policy import Policy
    from app.terminology import load_value_sets

    kept = facts_named._measured_names.cache_info().currsize
    row = parse_resource({"resourceType": "Observation", "id": "r", "status": "final",
                          "code": {"text": "Glucose" + " x" * 200_000}, "valueQuantity": {"value": 5.2}})
    assert row is not None
    ctx = Context(Chart(), None, date(2026, 3, 11), Policy(), load_value_sets())
    assert facts_named.row_hits(ctx, ("cancer_active", "cancer_history"), row) == ()
    assert facts_named._measured_names.cache_info().currsize == kept
