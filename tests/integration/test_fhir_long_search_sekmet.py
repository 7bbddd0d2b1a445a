"""A search longer than a server's query-string limit is sent in parts and loses nothing, against SEKMET.

Epic never reads discovery, so every Epic call is the fallback, and without a batch each search is a GET.
The observations search (every code the pathway reads, about 3 KB) is longer than the 2,048 bytes a
default IIS takes; a refused search is a key the evaluation could not check on every call. The limit is
injected with respx (a 404, as IIS's request filtering answers); every request under it reaches SEKMET.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import respx
from prometheus_client import CollectorRegistry

from app.fhir.bundles import FetchJob, KeyData
from app.fhir.fetcher import FhirFetcher
from app.fhir.prefetch import DataRequest
from app.fhir.session import FetchLimits
from app.fhir.templates import PREFETCH_TEMPLATES, fill_template

pytestmark = pytest.mark.integration
FhirServer = Any  # the session fixture's type lives in conftest.py, which tests must not import
PATIENT = "long-search-patient"
IIS_MAX_QUERY_STRING = 2_048


def observations_query() -> str:
    return fill_template(PREFETCH_TEMPLATES["observations"], {"patientId": PATIENT})


def searched_codes() -> list[str]:
    return dict(parse_qsl(observations_query().partition("?")[2]))["code"].split(",")


def observation(resource_id: str, *codes: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": resource_id, "status": "final",
            "subject": {"reference": f"Patient/{PATIENT}"}, "effectiveDateTime": "2025-06-01",
            "code": {"coding": [{"system": "http://loinc.org", "code": code} for code in codes]}}


@pytest.fixture(scope="module")
def chart(fhir_server: FhirServer) -> set[str]:
    """Observations coded by the first and the last code searched (so by different parts), one by both."""
    first, last = searched_codes()[0], searched_codes()[-1]
    resources = [{"resourceType": "Patient", "id": PATIENT, "birthDate": "1970-01-01"},
                 observation("first-code", first), observation("last-code", last),
                 observation("both-codes", first, last)]
    for resource in resources:
        url = f"{fhir_server.base}/{resource['resourceType']}/{resource['id']}"
        httpx.put(url, json=resource, headers={"Content-Type": "application/fhir+json"}).raise_for_status()
    return {"first-code", "last-code", "both-codes"}


@pytest.fixture
async def sent_queries() -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    queries: list[str] = []

    async def note(request: httpx.Request) -> None:
        queries.append(request.url.query.decode())

    async with httpx.AsyncClient(event_hooks={"request": [note]}) as client:
        yield client, queries


async def fetch(http: httpx.AsyncClient, server: FhirServer, max_query_chars: int) -> KeyData:
    limits = FetchLimits(1.5, 2.0, 10, 20_000_000, max_query_chars)
    fetcher = FhirFetcher(http, ["http://127.0.0.1"], limits, CollectorRegistry(), batch=False)
    request = DataRequest(PATIENT, server.base, None, None, {"patientId": PATIENT})
    result = await fetcher.fetch(request, [FetchJob("observations", observations_query())])
    return result["observations"]


def ids(data: KeyData) -> list[str]:
    return sorted(resource["id"] for resource in data.resources)


async def test_the_search_in_parts_finds_what_the_whole_search_finds_each_once(
        fhir_server: FhirServer, chart: set[str], sent_queries: tuple[httpx.AsyncClient, list[str]]) -> None:
    http, queries = sent_queries
    whole = await fetch(http, fhir_server, 65_536)
    assert len(queries) == 1 and len(queries[0]) > IIS_MAX_QUERY_STRING
    queries.clear()

    parts = await fetch(http, fhir_server, 2_000)

    assert len(queries) >= 2 and all(len(query) <= 2_000 for query in queries)
    assert ids(parts) == ids(whole) == sorted(chart)
    assert (parts.failed, parts.incomplete) == (None, None)


async def test_a_server_refusing_long_query_strings_still_gives_every_observation(
        fhir_server: FhirServer, chart: set[str], sent_queries: tuple[httpx.AsyncClient, list[str]]) -> None:
    http, _ = sent_queries

    def iis(request: httpx.Request) -> httpx.Response | httpx.Request:
        """404 (IIS's 404.15) over the limit; the request itself, which respx passes through, under it."""
        return httpx.Response(404) if len(request.url.query) > IIS_MAX_QUERY_STRING else request

    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").mock(side_effect=iis)
        unsplit = await fetch(http, fhir_server, 65_536)
        split = await fetch(http, fhir_server, 2_000)

    assert unsplit.failed is not None and unsplit.resources == ()
    assert ids(split) == sorted(chart) and split.failed is None
