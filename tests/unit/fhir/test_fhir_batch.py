"""Reading a server's batch capability and its batch-response (app/fhir/batch.py), without a network."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from app.fhir.batch import (
    CAPABILITY_SECONDS,
    BatchSupport,
    batch_request,
    entry_answer,
    lists_batch,
    read_batch_response,
)
from app.fhir.fetcher import FhirFetcher
from app.fhir.progress import FetchFailure
from app.jsontext import loads
from app.settings import Settings

SEARCHSET = {"resourceType": "Bundle", "type": "searchset"}


def capability(*rests: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "CapabilityStatement", "rest": list(rests)}


@pytest.mark.parametrize(("statement", "takes"), [
    (capability({"mode": "server", "interaction": [{"code": "transaction"}, {"code": "batch"}]}), True),
    (capability({"mode": "server", "interaction": [{"code": "transaction"}]}), False),
    (capability({"mode": "client", "interaction": [{"code": "batch"}]}), False),
    (capability({"mode": "server"}), False),
    ({"resourceType": "Bundle", "rest": [{"mode": "server", "interaction": [{"code": "batch"}]}]}, False),
    (capability({"mode": "server", "interaction": "batch"}), False),
], ids=["batch", "transaction-only", "client-mode", "no-interactions", "not-a-capability", "malformed"])
def test_only_a_server_rest_listing_batch_takes_a_batch(statement: dict[str, Any], takes: bool) -> None:
    assert lists_batch(statement) is takes


def test_the_batch_holds_one_get_per_query_in_order() -> None:
    bundle = loads(batch_request(["Patient/p1", "Condition?patient=p1&code=http://loinc.org|1-8,2-6"]))
    assert bundle["type"] == "batch"
    assert [e["request"] for e in bundle["entry"]] == [
        {"method": "GET", "url": "Patient/p1"},
        {"method": "GET", "url": "Condition?patient=p1&code=http://loinc.org|1-8,2-6"}]


@pytest.mark.parametrize(("entry", "kind"), [
    ({"response": {"status": "200 OK"}, "resource": SEARCHSET}, None),
    ({"response": {"status": "200"}, "resource": SEARCHSET}, None),
    ({"response": {"status": "404 Not Found"}}, "not_found"),
    ({"response": {"status": "401"}}, "unauthorized"),
    ({"response": {"status": "429 Too Many Requests"}}, "throttled"),
    ({"response": {"status": "503 Service Unavailable"}}, "server_error"),
    ({"response": {"status": "201 Created"}, "resource": SEARCHSET}, "http_error"),
    ({"response": {"status": "OK"}, "resource": SEARCHSET}, "http_error"),
    ({"response": {}}, "http_error"),
    ({"resource": SEARCHSET}, "http_error"),
    ("not an entry", "http_error"),
    ({"response": {"status": "200 OK"}, "resource": ["not", "a", "resource"]}, "invalid_json"),
], ids=["200-ok", "200", "404", "401", "429", "503", "201", "no-code", "no-status", "no-response", "string",
        "resource-list"])
def test_an_entry_is_read_as_its_own_get_would_be(entry: Any, kind: str | None) -> None:
    answer = entry_answer(entry)
    if kind is None:
        assert answer == SEARCHSET
    else:
        assert isinstance(answer, FetchFailure)
        assert answer.kind == kind


@pytest.mark.parametrize("body", [
    {"resourceType": "Bundle", "type": "transaction-response", "entry": [{}, {}]},
    {"resourceType": "Bundle", "type": "batch-response", "entry": [{}]},
    {"resourceType": "Bundle", "type": "batch-response"},
    {"resourceType": "OperationOutcome"},
], ids=["other-type", "too-few-entries", "no-entries", "outcome"])
def test_an_answer_that_is_not_this_batch_response_is_none(body: dict[str, Any]) -> None:
    assert read_batch_response(body, 2) is None


def test_a_batch_response_gives_one_answer_per_entry_in_order() -> None:
    body = {"resourceType": "Bundle", "type": "batch-response", "entry": [
        {"response": {"status": "404 Not Found"}}, {"response": {"status": "200 OK"}, "resource": SEARCHSET}]}
    answers = read_batch_response(body, 2)
    assert answers is not None
    assert isinstance(answers[0], FetchFailure) and answers[0].kind == "not_found"
    assert answers[1] == SEARCHSET


def test_a_capability_is_kept_for_its_time_then_asked_again() -> None:
    now = [100.0]
    support = BatchSupport(clock=lambda: now[0])
    assert support.known("https://ehr/fhir") is None
    support.remember("https://ehr/fhir", True)
    now[0] += CAPABILITY_SECONDS - 1
    assert support.known("https://ehr/fhir") is True
    now[0] += 1
    assert support.known("https://ehr/fhir") is None


def test_the_capability_memo_is_bounded() -> None:
    support = BatchSupport()
    for n in range(300):
        support.remember(f"https://ehr{n}/fhir", True)
    assert support.known("https://ehr0/fhir") is None
    assert support.known("https://ehr299/fhir") is True
    assert sum(support.known(f"https://ehr{n}/fhir") is not None for n in range(300)) == 256


@pytest.mark.parametrize("on", [True, False])
def test_the_batch_setting_decides_whether_the_fetcher_ever_sends_one(on: bool) -> None:
    settings = Settings(profile="development", fhir_batch=on)
    fetcher = FhirFetcher.from_settings(httpx.AsyncClient(), settings, CollectorRegistry())
    assert (fetcher.batch_support is not None) is on
