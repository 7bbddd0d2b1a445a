"""PATHWAY.md safety invariant 7 as a property, through the HTTP hook (in-process, no FHIR server).

Another patient's resources — a clinical resource whose ``subject`` names another patient (relative,
absolute or versioned reference, or a Group), or a Patient with another id — are inserted anywhere in the
prefetch: appended to a key's Bundle, as a key's only entry, or as the key's bare value. Whatever is inserted:

* for Lena with urinary retention (examples/order-select-cauda-equina.json: a serious red flag of her own)
  there is never a defer or do-not-repeat card, never a "delete this order" suggestion, never a
  not-appropriate rating; when she is answered at all (not 412), the critical red-flag card stays first;
* for Lena without red flags (examples/order-select-lumbar-day20.json: R1 defers) the answer is what it is
  without the foreign resources, except that it says the data was inconsistent or could not be checked:
  a ``SpineDataNeeded`` card, a withheld defer and no rating, or 412 when the patient or the problem list
  itself cannot be trusted (``app.fhir.prefetch``; docs/fhir-access.md "Patient identity").
The foreign resources are chosen to change the answer if they were used: another patient's cauda equina,
fever, old radiculopathy, prior MRI, NSAID, physical therapy, surgical referral, or a child's Patient.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hook_answers import rating, topics
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.fhir.templates import PREFETCH_TEMPLATES

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
OWN = "example-lumbar-day20"
PROPERTY = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
Resource = dict[str, Any]
ICD, SCT, LOINC = "http://hl7.org/fhir/sid/icd-10-cm", "http://snomed.info/sct", "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
_DEFER_OR_REPEAT = {"SpineDeferImaging", "SpineRepeatImaging"}

SET_ASIDE = "records of another patient (set aside)"  # how a card names them (cards/labels.toml)


def code(system: str, value: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": value}]}


# What another patient's chart holds, each a thing that would change Lena's answer if it were read as hers.
FOREIGN: dict[str, Resource] = {
    "cauda-equina": {"resourceType": "Condition", "code": code(ICD, "G83.4"), "onsetDateTime": "2026-11-18"},
    "old-radiculopathy": {"resourceType": "Condition", "code": code(ICD, "M54.16"),
                          "onsetDateTime": "2025-01-02"},
    "retention-observation": {"resourceType": "Observation", "status": "final",
                              "code": code(SCT, "267064002"), "effectiveDateTime": "2026-11-19"},
    "fever": {"resourceType": "Observation", "status": "final", "code": code(LOINC, "8310-5"),
              "effectiveDateTime": "2026-11-19", "valueQuantity": {"value": 39.4, "unit": "Cel"}},
    "naproxen": {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
                 "medicationCodeableConcept": code("http://www.nlm.nih.gov/research/umls/rxnorm", "7258"),
                 "authoredOn": "2026-11-03"},
    "physical-therapy": {"resourceType": "Procedure", "status": "completed", "code": code(CPT, "97110"),
                         "performedDateTime": "2026-11-10"},
    "prior-mri": {"resourceType": "DiagnosticReport", "status": "final", "code": code(CPT, "72148"),
                  "effectiveDateTime": "2026-10-01"},
    "spine-referral": {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
                       "code": code(SCT, "306250003"), "authoredOn": "2026-11-15"},
}
OTHER_IDS = ["example-other", "example-lumbar-day2", "EXAMPLE-LUMBAR-DAY20", "child-of-example"]


@st.composite
def foreign_resources(draw: st.DrawFn) -> Resource:
    other = draw(st.sampled_from(OTHER_IDS))
    if draw(st.integers(0, 4)) == 0:  # a Patient with another id (a child in a family export)
        return {"resourceType": "Patient", "id": other, "birthDate": "2015-06-01"}
    resource = copy.deepcopy(FOREIGN[draw(st.sampled_from(sorted(FOREIGN)))])
    reference = draw(st.sampled_from([f"Patient/{other}", f"https://ehr.example.org/fhir/Patient/{other}",
                                      f"Patient/{other}/_history/2", "Group/ward-7"]))
    return {**resource, "id": f"foreign-{draw(st.integers(0, 99))}", "subject": {"reference": reference}}


Placement = Callable[[Any, Resource], Any]
PLACEMENTS: dict[str, Placement] = {
    "appended": lambda value, r: {**value, "entry": [*value.get("entry", []), {"resource": r}]}
    if isinstance(value, dict) and value.get("resourceType") == "Bundle" else
    {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": value}, {"resource": r}]},
    "alone-in-a-bundle": lambda value, r: {"resourceType": "Bundle", "type": "searchset", "total": 1,
                                           "entry": [{"resource": r}]},
    "bare": lambda value, r: r,
}
keys = st.sampled_from(sorted(PREFETCH_TEMPLATES))
insertions = st.lists(st.tuples(keys, st.sampled_from(sorted(PLACEMENTS)), foreign_resources()),
                      min_size=1, max_size=3)


def with_foreign(request: dict[str, Any], inserted: list[tuple[str, str, Resource]]) -> dict[str, Any]:
    changed = copy.deepcopy(request)
    for key, placement, resource in inserted:
        changed["prefetch"][key] = PLACEMENTS[placement](changed["prefetch"].get(key), resource)
    return changed


async def answer(client: httpx.AsyncClient, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = await client.post(ORDER_SELECT, json=request)
    assert response.status_code in (200, 412), response.text[:500]  # never a 500 or a 400 for good JSON
    body: dict[str, Any] = response.json()
    if response.status_code == 412:
        assert body["resourceType"] == "OperationOutcome"
    return response.status_code, body


def touched_required_key(inserted: list[tuple[str, str, Resource]]) -> bool:
    return any(key in ("patient", "conditions") for key, _, _ in inserted)


def deletes(body: dict[str, Any]) -> list[str]:
    return [action.get("type", "") for card in body["cards"] for s in card.get("suggestions", [])
            for action in s.get("actions", []) if action.get("type") == "delete"]


def prefetch_only(request: dict[str, Any]) -> dict[str, Any]:
    """No FHIR server to fetch from: what the prefetch holds is all there is (the pure case)."""
    return {name: value for name, value in request.items() if name not in ("fhirServer", "fhirAuthorization")}


@pytest.fixture
def ces_request(example: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return prefetch_only(example("order-select-cauda-equina.json"))


@pytest.fixture
def plain_request(example: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return prefetch_only(example("order-select-lumbar-day20.json"))


@PROPERTY
@given(inserted=insertions)
async def test_invariant_7_another_patients_data_never_defers_a_patient_with_a_red_flag(
    client: httpx.AsyncClient, ces_request: dict[str, Any], inserted: list[tuple[str, str, Resource]]
) -> None:
    status, body = await answer(client, with_foreign(ces_request, inserted))
    event(f"HTTP {status}")

    if status == 412:  # the patient or the problem list cannot be trusted, and no FHIR server to ask
        assert touched_required_key(inserted)
        return
    assert topics(body)[0] == ("SpineRedFlag", "critical"), (topics(body), inserted)
    assert not {topic for topic, _ in topics(body)} & _DEFER_OR_REPEAT
    assert deletes(body) == []
    assert rating(body) != "not-appropriate"
    assert any(SET_ASIDE in card.get("detail", "") for card in body["cards"])


@PROPERTY
@given(inserted=insertions)
async def test_invariant_7_another_patients_data_only_makes_the_answer_say_it_could_not_check(
    client: httpx.AsyncClient, plain_request: dict[str, Any], inserted: list[tuple[str, str, Resource]]
) -> None:
    _, baseline = await answer(client, plain_request)
    status, body = await answer(client, with_foreign(plain_request, inserted))
    event(f"HTTP {status}")

    if status == 412:
        assert touched_required_key(inserted)
        return
    shown = [t for t in topics(body) if t[0] != "SpineDataNeeded"]
    assert [t for t in shown if t not in topics(baseline)] == [], (topics(baseline), topics(body))
    withheld = {topic for topic, _ in topics(baseline)} - {topic for topic, _ in shown}
    assert withheld <= _DEFER_OR_REPEAT, withheld  # only a defer is withheld when a key could not be checked
    assert rating(body) in (rating(baseline), None)
    assert any(SET_ASIDE in card.get("detail", "") for card in body["cards"])


async def test_the_baselines_are_what_the_properties_assume(
    client: httpx.AsyncClient, ces_request: dict[str, Any], plain_request: dict[str, Any]
) -> None:
    """The same patient; only the retention Condition tells them apart: critical, and R1's defer."""
    entries = ces_request["prefetch"]["conditions"]["entry"]
    codes = [entry["resource"]["code"]["coding"][0]["code"] for entry in entries]
    assert ces_request["context"]["patientId"] == plain_request["context"]["patientId"] == OWN
    assert codes == ["M54.16", "R33.9"]
    (_, ces), (_, plain) = await answer(client, ces_request), await answer(client, plain_request)
    assert (topics(ces)[0], rating(ces)) == (("SpineRedFlag", "critical"), "appropriate")
    assert (topics(plain)[0], rating(plain)) == (("SpineDeferImaging", "warning"), "not-appropriate")
