"""What the hook hands us, as EHR exports shape it: identity, statuses and Bundle shapes (the eighth pass,
docs/fhir-access.md "Eighth pass: identity, statuses and Bundle shapes").

Every test posts a real order-select through the app (in-process, no FHIR server: the prefetch is all there
is) for Lena at day 20 of a lumbar radiculopathy (examples/order-select-lumbar-day20.json: R1 defers,
not-appropriate) with one thing changed. The rule throughout (PATHWAY.md invariants 1, 6 and 7): another
patient's data is never decided on, a chart that could not be read is never deferred on, and the answer says
what it could not check.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hook_answers import rating, topics

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
ICD, SCT, RXNORM = (
    "http://hl7.org/fhir/sid/icd-10-cm",
    "http://snomed.info/sct",
    "http://www.nlm.nih.gov/research/umls/rxnorm",
)
CPT = "http://www.ama-assn.org/go/cpt"
OWN = "example-lumbar-day20"
SUBJECT = {"reference": f"Patient/{OWN}"}
DEFER = [("SpineDeferImaging", "warning")]
COULD_NOT_CHECK = [("SpineDataNeeded", "info")]
CRITICAL = ("SpineRedFlag", "critical")
Request = dict[str, Any]


def code(system: str, value: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": value}]}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


CAUDA_EQUINA = {
    "resourceType": "Condition",
    "id": "ces-9",
    "subject": SUBJECT,
    "code": code(ICD, "G83.4"),
    "onsetDateTime": "2026-11-18",
}
RETENTION_VISIT = {  # an emergency visit whose reason is urinary retention (R5)
    "resourceType": "Encounter",
    "id": "ed-1",
    "status": "finished",
    "subject": SUBJECT,
    "period": {"start": "2026-11-19"},
    "reasonCode": [code(ICD, "R33.9")],
}
ERROR = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "exception", "diagnostics": "the search timed out"}],
}


@pytest.fixture
def day20(example: Callable[[str], Request]) -> Request:
    request = example("order-select-lumbar-day20.json")
    return {name: value for name, value in request.items() if name not in ("fhirServer", "fhirAuthorization")}


def appended(request: Request, key: str, *resources: Any) -> Request:
    changed = copy.deepcopy(request)
    value = changed["prefetch"][key]
    value.setdefault("entry", []).extend({"resource": r} for r in resources)
    value.pop("total", None)
    return changed


def with_key(request: Request, key: str, value: Any) -> Request:
    changed = copy.deepcopy(request)
    changed["prefetch"][key] = value
    return changed


Answer = tuple[list[tuple[str, str]], str | None, str]


async def answer(client: httpx.AsyncClient, request: Request) -> Answer:
    response = await client.post(ORDER_SELECT, json=request)
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    details = " ".join(card.get("detail", "") for card in body["cards"])
    return topics(body), rating(body), details


async def test_the_baseline_defers(client: httpx.AsyncClient, day20: Request) -> None:
    assert (await answer(client, day20))[:2] == (DEFER, "not-appropriate")


# --- a chart that could not be read is never deferred on --------------------------------------------------


@pytest.mark.parametrize(("key", "words"), [("encounters", "visits"), ("servicerequests", "orders")])
async def test_a_visit_or_referral_search_that_failed_withholds_the_defer(
    client: httpx.AsyncClient, day20: Request, key: str, words: str
) -> None:
    """A finding stated as a visit's or a referral's reason is a red flag (PATHWAY.md §2 v2): a cauda
    equina given as the reason for an emergency visit is critical. So an encounters or servicerequests key
    the EHR reported as failed (CONTRACT.md P5) leaves "no red flags" unknown: no defer, no rating (R1 was
    not-appropriate)."""
    assert (await answer(client, with_key(day20, "encounters", bundle(RETENTION_VISIT))))[0][0] == CRITICAL

    shown, rated, details = await answer(client, with_key(day20, key, ERROR))
    assert (shown, rated) == (COULD_NOT_CHECK, None)
    assert words in details


@pytest.mark.parametrize(
    ("key", "resource", "words"),
    [
        ("conditions", {k: v for k, v in CAUDA_EQUINA.items() if k != "id"}, "conditions"),
        (
            "observations",
            {
                "resourceType": "Observation",
                "status": "final",
                "subject": SUBJECT,
                "code": code(SCT, "267064002"),
                "effectiveDateTime": "2026-11-19",
            },
            "observations",
        ),
        (
            "medications",
            {
                "resourceType": "MedicationRequest",
                "id": ["pred-1"],
                "status": "active",
                "subject": SUBJECT,
                "medicationCodeableConcept": code(RXNORM, "8640"),
            },
            "medications",
        ),
    ],
)
async def test_a_resource_skipped_as_malformed_is_said_and_never_deferred_on(
    client: httpx.AsyncClient, day20: Request, key: str, resource: dict[str, Any], words: str
) -> None:
    """A resource too malformed to read (no id, as a document conversion exports it; an id that is not a
    string) is skipped and counted — and its category is "could not check": it may be the cauda equina or
    the urinary retention a defer would otherwise stand on. (Before: skipped silently, R1 defer.)"""
    shown, rated, details = await answer(client, appended(day20, key, resource))
    assert (shown, rated) == (COULD_NOT_CHECK, None)
    assert words in details


# --- another patient's record, however its owner is written -------------------------------------------------


@pytest.mark.parametrize(
    "owner",
    [
        {"subject": "Patient/example-other"},  # a Reference written as a bare string
        {"subject": {"reference": "example-other"}},  # a bare id
        {"subject": {"reference": "example-other", "type": "Patient"}},
        {"patient": "https://ehr.example.org/fhir/Patient/example-other"},  # DSTU2's Condition.patient
    ],
)
async def test_another_patients_cauda_equina_however_its_owner_is_written_is_never_read(
    client: httpx.AsyncClient, day20: Request, owner: dict[str, Any]
) -> None:
    """PATHWAY.md invariant 7. Before: an owner written as a plain string or a bare id compared as nothing,
    the other patient's cauda equina was read as Lena's and her answer was critical. Now it is set aside and
    the problem list is not whole: her own radiculopathy is read, nothing is deferred on it, and the answer
    says another patient's records were set aside (eleventh pass: before it, the whole key, a 412)."""
    foreign = {**{k: v for k, v in CAUDA_EQUINA.items() if k != "subject"}, **owner}
    shown, rated, details = await answer(client, appended(day20, "conditions", foreign))
    assert (shown, rated) == (COULD_NOT_CHECK, None)
    assert "another patient" in details


@pytest.mark.parametrize(
    "owner",
    [
        {"reference": f"{OWN}"},
        {"reference": f"{OWN}", "type": "Patient"},
        {"reference": "Patient?identifier=urn:oid:1.2.3.4|MRN-1"},  # a conditional reference names no id
    ],
)
async def test_this_patients_record_written_by_bare_id_is_read(
    client: httpx.AsyncClient, day20: Request, owner: dict[str, Any]
) -> None:
    shown, rated, _ = await answer(client, appended(day20, "conditions", {**CAUDA_EQUINA, "subject": owner}))
    assert (shown[0], rated) == (CRITICAL, "appropriate")


async def test_a_draft_order_of_another_patient_written_as_a_plain_string_is_refused(
    client: httpx.AsyncClient, day20: Request
) -> None:
    """The same reading for ``draftOrders`` (app.hooks.drafts): rating it would advise on another patient."""
    request = copy.deepcopy(day20)
    request["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = "Patient/example-other"
    response = await client.post(ORDER_SELECT, json=request)
    assert response.status_code == 400
    assert "context.draftOrders" in response.text


# --- statuses as older versions write them --------------------------------------------------------------


PREDNISONE_ALL_YEAR = {
    "resourceType": "MedicationStatement",
    "id": "ms-1",
    "subject": SUBJECT,
    "status": "completed",
    "medicationCodeableConcept": code(RXNORM, "8640"),
    "effectivePeriod": {"start": "2026-01-01", "end": "2026-11-01"},
}
VERTEBROPLASTY = {
    "resourceType": "Procedure",
    "id": "vp-1",
    "subject": SUBJECT,
    "status": "completed",
    "code": code(CPT, "22511"),
    "performedDateTime": "2026-11-01",
}


@pytest.mark.parametrize(
    ("key", "resource", "negation"),
    [
        ("medicationstatements", PREDNISONE_ALL_YEAR, {"taken": "n"}),  # STU3
        ("medicationstatements", PREDNISONE_ALL_YEAR, {"wasNotTaken": True}),  # DSTU2
        ("procedures", VERTEBROPLASTY, {"notDone": True}),  # STU3
        ("procedures", VERTEBROPLASTY, {"notPerformed": True}),  # DSTU2
    ],
)
async def test_a_drug_not_taken_or_a_procedure_not_done_as_stu3_writes_it_counts_for_nothing(
    client: httpx.AsyncClient, day20: Request, key: str, resource: dict[str, Any], negation: dict[str, Any]
) -> None:
    """Taken, ten months of prednisone is a long-term steroid (R7 critical); done, a vertebroplasty is a
    vertebral fracture (R10, appropriate). Not taken / not done, as STU3 and DSTU2 write it, neither counts:
    R1 defers (before: R7 critical, and R10)."""
    assert (await answer(client, appended(day20, key, resource)))[0] != DEFER
    assert (await answer(client, appended(day20, key, {**resource, **negation})))[:2] == (
        DEFER,
        "not-appropriate",
    )


@pytest.mark.parametrize(
    "resource",
    [
        {
            **CAUDA_EQUINA,
            "verificationStatus": {
                "coding": [
                    {"system": "urn:oid:1.2.840.114350.1", "code": "R"},
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "refuted",
                    },
                ]
            },
        },
        {
            "resourceType": "Observation",
            "id": "ret-1",
            "status": "Entered-in-error",
            "subject": SUBJECT,
            "code": code(SCT, "267064002"),
            "effectiveDateTime": "2026-11-19",
        },
    ],
)
async def test_a_void_finding_written_in_another_case_or_beside_a_local_code_is_void(
    client: httpx.AsyncClient, day20: Request, resource: dict[str, Any]
) -> None:
    """Before: a spurious critical card for a refuted cauda equina, and for a retention entered in error."""
    key = "conditions" if resource["resourceType"] == "Condition" else "observations"
    assert (await answer(client, appended(day20, key, resource)))[:2] == (DEFER, "not-appropriate")


MRN = "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14"  # an Epic-style MRN system


@pytest.mark.parametrize(
    ("owner", "contained", "foreign"),
    [
        ({"identifier": {"system": MRN, "value": "E-2"}}, [], True),
        ({"identifier": {"system": MRN, "value": "E-1"}}, [], False),
        (
            {"reference": "#p"},
            [{"resourceType": "Patient", "id": "p", "identifier": [{"system": MRN, "value": "E-2"}]}],
            True,
        ),
        (
            {"reference": "#p"},
            [{"resourceType": "Patient", "id": "p", "identifier": [{"system": MRN, "value": "E-1"}]}],
            False,
        ),
        ({"identifier": {"system": "urn:oid:2.16.840.1.113883.4.1", "value": "999-99-9999"}}, [], False),
    ],
)
async def test_an_owner_named_by_identifier_is_compared_with_this_patients_identifiers(
    client: httpx.AsyncClient, day20: Request, owner: dict[str, Any], contained: list[Any], foreign: bool
) -> None:
    """Document conversions name the subject by identifier only, or by a contained Patient. Lena is MRN E-1:
    another MRN under the same system is another patient (set aside, and the problem list is not whole);
    her own MRN is hers; a system she has no identifier under cannot be compared, and is kept (before: every
    one of these was kept, and another patient's cauda equina was read as hers)."""
    request = copy.deepcopy(day20)
    request["prefetch"]["patient"]["identifier"] = [{"system": MRN, "value": "E-1"}]
    resource = {**{k: v for k, v in CAUDA_EQUINA.items() if k != "subject"}, "subject": owner}
    response = await client.post(
        ORDER_SELECT, json=appended(request, "conditions", {**resource, "contained": contained})
    )
    if foreign:
        assert (topics(response.json()), rating(response.json())) == (COULD_NOT_CHECK, None)
    else:
        assert topics(response.json())[0] == CRITICAL


@pytest.mark.parametrize("value", [{"resourceType": ["Patient"], "id": "x"}, {"resourceType": {"a": 1}}])
async def test_a_resource_type_that_is_no_string_is_unreadable_never_a_500(
    client: httpx.AsyncClient, day20: Request, value: dict[str, Any]
) -> None:
    """Bare, or as a Bundle entry: the identity and type checks look a type up in a set (a list is
    unhashable). The value is data that could not be read, said as such."""
    for key_value in (value, {"resourceType": "Bundle", "entry": [{"resource": value}]}):
        shown, rated, _ = await answer(client, with_key(day20, "medications", key_value))
        assert (shown, rated) == (COULD_NOT_CHECK, None)
