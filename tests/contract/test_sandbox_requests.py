"""CONTRACT.md §2 "The CDS Hooks sandbox": what its PAMA screen sends, and what its UI reads back.

Our own fixtures, written from CONTRACT.md §2 (not captured from the sandbox): the first call with an empty
order; ``draftOrders`` without ``type``; ``intent: plan`` and no ``authoredOn``; prefetch keys that failed
dropped (never ``null``); a conditions Bundle cut at the first page (``total`` 76, 20 entries) because the
sandbox does not follow ``next``; ``fhirServer`` without ``fhirAuthorization``; system actions read only
from ``extension.systemActions``, and every ``update`` carrying the pama-rating extension.

The FHIR server is the sandbox's default open server, answered by a small paging fake behind respx.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

FHIR = "https://launch.smarthealthit.org/v/r4/fhir"
ORDER_SELECT = "/cds-services/spine-imaging-order-select"
PAMA_RATING = "http://fhir.org/argonaut/Extension/pama-rating"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
SNOMED = "http://snomed.info/sct"
KEY_TYPES = {"conditions": "Condition", "observations": "Observation", "findings": "Observation",
             "procedures": "Procedure", "medications": "MedicationRequest",
             "medicationstatements": "MedicationStatement", "encounters": "Encounter",
             "imaging": "ImagingStudy", "diagnosticreports": "DiagnosticReport",
             "servicerequests": "ServiceRequest"}


def ago(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def condition(pid: str, n: int, code: str, display: str, onset: int) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": f"{pid}-c{n}", "subject": {"reference": f"Patient/{pid}"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": {"coding": [{"system": ICD10, "code": code, "display": display}]},
            "onsetDateTime": ago(onset), "recordedDate": ago(onset)}


def chart(pid: str, *extra: dict[str, Any]) -> list[dict[str, Any]]:
    """A 44-year-old with lumbar radiculopathy for 20 days, plus ``extra`` resources."""
    patient = {"resourceType": "Patient", "id": pid, "gender": "female",
               "birthDate": (date.today() - timedelta(days=44 * 366)).isoformat()}
    return [patient, condition(pid, 0, "M54.16", "Radiculopathy, lumbar region", onset=20), *extra]


def fever(pid: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": f"{pid}-fever", "status": "final",
            "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
            "effectiveDateTime": ago(1),
            "valueQuantity": {"value": 38.9, "unit": "Cel", "system": "http://unitsofmeasure.org",
                              "code": "Cel"}}


class FakeFhir:
    """An open FHIR server: reads, and searches by patient paged by ``_count``/``_offset`` (default 20)."""

    def __init__(self, resources: list[dict[str, Any]]) -> None:
        self.resources = resources
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix(urlsplit(FHIR).path).strip("/").split("/")
        if len(path) == 2:
            found = [r for r in self.resources if [r["resourceType"], r["id"]] == path]
            return httpx.Response(200, json=found[0]) if found else httpx.Response(404)
        query = parse_qs(request.url.query.decode())
        return httpx.Response(200, json=self.page(path[0], query))

    def page(self, resource_type: str, query: dict[str, list[str]]) -> dict[str, Any]:
        matches = [r for r in self.resources if r["resourceType"] == resource_type]
        count, offset = int(query.get("_count", ["20"])[0]), int(query.get("_offset", ["0"])[0])
        bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(matches),
                                  "entry": [{"resource": r, "search": {"mode": "match"}}
                                            for r in matches[offset:offset + count]]}
        if offset + count < len(matches):
            patient = query["patient"][0]
            bundle["link"] = [{"relation": "next", "url": f"{FHIR}/{resource_type}?patient={patient}"
                                                          f"&_count={count}&_offset={offset + count}"}]
        return bundle

    def prefetch(self, pid: str) -> dict[str, Any]:
        """What the sandbox would send: every key resolved with one GET, first page only."""
        keys: dict[str, Any] = {"patient": next(r for r in self.resources if r["resourceType"] == "Patient")}
        for key, resource_type in KEY_TYPES.items():
            keys[key] = self.page(resource_type, {"patient": [pid]})
        return keys


@pytest.fixture
def fhir() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()  # the app under test, reached through ASGITransport
        yield router


def serve(router: respx.MockRouter, resources: list[dict[str, Any]]) -> FakeFhir:
    fake = FakeFhir(resources)
    router.route(host="launch.smarthealthit.org").mock(side_effect=fake)
    return fake


def pama_request(pid: str, code: str | None, *, prefetch: dict[str, Any] | None = None,
                 reason: str = "23056005") -> dict[str, Any]:
    """The PAMA screen's order-select: no ``type`` on draftOrders, ``intent: plan``, no ``authoredOn``,
    fhirServer without fhirAuthorization."""
    order: dict[str, Any] = {"resourceType": "ServiceRequest", "id": "example-request-id", "status": "draft",
                             "intent": "plan", "subject": {"reference": f"Patient/{pid}"},
                             "code": {"coding": [{"system": CPT, "code": code} if code else {}]}}
    if code:
        order["reasonCode"] = [{"coding": [{"system": SNOMED, "code": reason}]}]
    body: dict[str, Any] = {
        "hookInstance": str(uuid.uuid4()), "hook": "order-select", "fhirServer": FHIR,
        "context": {"patientId": pid, "userId": "Practitioner/sandbox-user",
                    "selections": ["ServiceRequest/example-request-id"],
                    "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]}},
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def kinds(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 200, response.text
    return [(card["source"]["topic"]["code"], card["indicator"]) for card in response.json()["cards"]]


def sandbox_rating(body: dict[str, Any]) -> str | None:
    """As the sandbox's PAMA screen reads it: ``extension.systemActions`` only, the Extension/ URL."""
    for action in body.get("extension", {}).get("systemActions", []):
        for extension in action.get("resource", {}).get("extension", []):
            if action["type"] == "update" and extension["url"] == PAMA_RATING:
                return str(extension["valueCodeableConcept"]["coding"][0]["code"])
    return None


@pytest.mark.parametrize("empty_coding", [{}, {"system": CPT}], ids=["coding-{}", "system-only"])
async def test_first_pama_call_with_no_study_yet_gets_no_cards(
    client: httpx.AsyncClient, fhir: respx.MockRouter, empty_coding: dict[str, str]
) -> None:
    fake = serve(fhir, chart("sbx-empty"))
    body = pama_request("sbx-empty", None, prefetch=fake.prefetch("sbx-empty"))
    body["context"]["draftOrders"]["entry"][0]["resource"]["code"] = {"coding": [empty_coding]}
    response = await client.post(ORDER_SELECT, json=body)
    assert response.status_code == 200
    assert response.json() == {"cards": []}


async def test_draft_orders_without_type_intent_plan_and_no_authored_on_are_rated_on_today(
    client: httpx.AsyncClient, fhir: respx.MockRouter
) -> None:
    fake = serve(fhir, chart("sbx-notype"))
    body = pama_request("sbx-notype", "72148", prefetch=fake.prefetch("sbx-notype"))
    assert "type" not in body["context"]["draftOrders"]
    response = await client.post(ORDER_SELECT, json=body)
    assert kinds(response) == [("SpineDeferImaging", "warning")]
    assert "20 days" in response.json()["cards"][0]["summary"]  # counted to today: no authoredOn
    assert sandbox_rating(response.json()) == "not-appropriate"


async def test_dropped_prefetch_keys_are_fetched_and_give_the_same_answer(
    client: httpx.AsyncClient, fhir: respx.MockRouter
) -> None:
    """The sandbox drops a key whose query failed (never ``null``): the fever is only in ``observations``."""
    fake = serve(fhir, chart("sbx-dropped", fever("sbx-dropped")))
    complete = await client.post(ORDER_SELECT, json=pama_request(
        "sbx-dropped", "72148", prefetch=fake.prefetch("sbx-dropped")))
    partial = fake.prefetch("sbx-dropped")
    for key in ("observations", "medications", "imaging"):
        del partial[key]
    fake.requests.clear()
    dropped = await client.post(ORDER_SELECT, json=pama_request("sbx-dropped", "72148", prefetch=partial))
    assert kinds(dropped) == kinds(complete) == [("SpineRedFlag", "critical")]
    assert sandbox_rating(dropped.json()) == sandbox_rating(complete.json()) == "appropriate"
    fetched = {request.url.path.rsplit("/", 1)[-1] for request in fake.requests}
    # "metadata": the fetcher asks once whether the server takes a batch (this fake does not).
    assert fetched == {"metadata", "Observation", "MedicationRequest", "ImagingStudy"}


@pytest.mark.parametrize("keep_next_link", [True, False], ids=["next-link", "link-dropped"])
async def test_truncated_conditions_bundle_is_completed_from_the_fhir_server(
    client: httpx.AsyncClient, fhir: respx.MockRouter, keep_next_link: bool
) -> None:
    """76 conditions, the sandbox sends the first 20 with ``total: 76``; cauda equina is number 70."""
    pid = "sbx-76"
    fillers = [condition(pid, n, "I10", "Essential (primary) hypertension", onset=400 + n)
               for n in range(1, 75)]
    ces = condition(pid, 75, "G83.4", "Cauda equina syndrome", onset=1)
    fake = serve(fhir, [*chart(pid), *fillers[:68], ces, *fillers[68:]])
    prefetch = fake.prefetch(pid)
    conditions = prefetch["conditions"]
    assert (conditions["total"], len(conditions["entry"])) == (76, 20)
    if not keep_next_link:
        del conditions["link"]
    response = await client.post(ORDER_SELECT, json=pama_request(pid, "72148", prefetch=prefetch))
    assert ("SpineRedFlag", "critical") in kinds(response)
    assert sandbox_rating(response.json()) == "appropriate"
    assert any(request.url.path.endswith("/Condition") for request in fake.requests)


async def test_no_fhir_authorization_means_no_authorization_header_on_fallback(
    client: httpx.AsyncClient, fhir: respx.MockRouter
) -> None:
    fake = serve(fhir, chart("sbx-open"))
    body = pama_request("sbx-open", "72148")  # no prefetch at all: everything from the open server
    assert "fhirAuthorization" not in body
    response = await client.post(ORDER_SELECT, json=body)
    assert kinds(response) == [("SpineDeferImaging", "warning")]
    assert fake.requests
    assert all(request.method == "GET" for request in fake.requests)
    assert all("authorization" not in request.headers for request in fake.requests)


@pytest.mark.parametrize(("code", "extra_days"), [("72148", 0), ("72131", 0), ("72158", 60)],
                         ids=["mri-defer", "ct-to-mri", "contrast-swap"])
async def test_system_actions_mirrored_under_extension_and_every_update_carries_the_pama_rating(
    client: httpx.AsyncClient, fhir: respx.MockRouter, code: str, extra_days: int
) -> None:
    pid = f"sbx-pama-{code}"
    resources = chart(pid)
    resources[1] = condition(pid, 0, "M54.16", "Radiculopathy, lumbar region", onset=20 + extra_days)
    fake = serve(fhir, resources)
    response = await client.post(ORDER_SELECT, json=pama_request(pid, code, prefetch=fake.prefetch(pid)))
    body = response.json()
    assert body["extension"]["systemActions"] == body["systemActions"]
    assert sandbox_rating(body) is not None
    updates = [*body["systemActions"], *(action for card in body["cards"]
                                         for suggestion in card.get("suggestions", [])
                                         for action in suggestion.get("actions", []))]
    updates = [action for action in updates if action["type"] == "update"]
    assert len(updates) >= (1 if code == "72148" else 2)  # CT and contrast cards add a one-click update
    for action in updates:
        urls = [extension["url"] for extension in action["resource"].get("extension", [])]
        assert PAMA_RATING in urls, action["description"]
