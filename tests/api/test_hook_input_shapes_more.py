"""What the hook hands us, as EHR exports shape it — the eleventh pass over identity, statuses and Bundle
shapes (docs/fhir-access.md "Eleventh pass: identity, statuses and Bundle shapes").

As in test_hook_input_shapes.py: a real order-select through the app, prefetch only, for Lena at day 20 of a
lumbar radiculopathy (R1 defers, not-appropriate) with one thing changed. Each test names the old answer.
The rule (PATHWAY.md invariants 1, 6, 7): a red flag the patient's own record states is never lost by a
skip that was not needed, another patient's record is never read, and what was skipped is said.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from test_hook_input_shapes import (
    CAUDA_EQUINA,
    COULD_NOT_CHECK,
    CRITICAL,
    DEFER,
    ICD,
    OWN,
    RETENTION_VISIT,
    SUBJECT,
    Request,
    answer,
    appended,
    code,
    day20,  # noqa: F401 - the fixture
)

SET_ASIDE = "records of another patient (set aside)"
STRANGER = {"reference": "Patient/example-other"}


# --- identity: her own red flag beside another patient's record -------------------------------------------


@pytest.mark.parametrize(
    ("key", "own", "stranger"),
    [
        ("conditions", CAUDA_EQUINA, {"resourceType": "Condition", "id": "x-1", "subject": STRANGER,
                                      "code": code(ICD, "J45.909")}),
        ("encounters", RETENTION_VISIT, {**RETENTION_VISIT, "id": "x-2", "subject": STRANGER,
                                            "reasonCode": []}),
    ],
)
async def test_her_own_red_flag_beside_another_patients_record_keeps_its_critical_card(
    client: httpx.AsyncClient, day20: Request, key: str, own: dict[str, Any], stranger: dict[str, Any]  # noqa: F811
) -> None:
    """PATHWAY.md invariant 7 sets another patient's record aside; it does not make Lena's own cauda equina
    someone else's. Before: the whole key was set aside — the problem list a 412 (no card at all), the visits
    "could not check" with no critical card. Now her record is read (R5 critical, appropriate) and the answer
    says another patient's records were set aside."""
    shown, rated, details = await answer(client, appended(day20, key, own, stranger))
    assert (shown, rated) == ([CRITICAL, *COULD_NOT_CHECK], "appropriate")
    assert SET_ASIDE in details


async def test_a_record_whose_owner_cannot_be_checked_beside_another_patients_is_not_read(
    client: httpx.AsyncClient, day20: Request  # noqa: F811
) -> None:
    """In a key that holds another patient's record, one with no owner at all may be that patient's: set aside
    with it (never her critical card from a stranger's cauda equina), and the answer says so."""
    unowned = {k: v for k, v in CAUDA_EQUINA.items() if k != "subject"}
    stranger = {"resourceType": "Condition", "id": "x-1", "subject": STRANGER, "code": code(ICD, "J45.909")}
    shown, rated, details = await answer(client, appended(day20, "conditions", unowned, stranger))
    assert (shown, rated) == (COULD_NOT_CHECK, None)
    assert SET_ASIDE in details


# --- identity: a merged record (Patient.link) --------------------------------------------------------------


@pytest.mark.parametrize("link_type", ["replaces", "replaced-by", "seealso", "refer"])
@pytest.mark.parametrize(
    "other", ["Patient/example-merged", "https://ehr.example.org/fhir/Patient/example-merged/_history/3"]
)
async def test_a_red_flag_filed_under_her_merged_record_is_hers(
    client: httpx.AsyncClient, day20: Request, link_type: str, other: str  # noqa: F811
) -> None:
    """An EHR merge leaves records filed under the merged-away id, and Lena's Patient says so
    (``Patient.link``: every R4 link type "concerns the same actual patient"). Before: her cauda equina under
    that id was another patient's, the problem list was set aside — a 412, no card. Now it is hers: R5."""
    request = copy.deepcopy(day20)
    request["prefetch"]["patient"]["link"] = [{"other": {"reference": other}, "type": link_type}]
    merged = {**CAUDA_EQUINA, "subject": {"reference": "Patient/example-merged"}}
    shown, rated, details = await answer(client, appended(request, "conditions", merged))
    # replaced-by: her record was merged into that id, and nothing says every record filed there is here
    # (twelfth pass, test_hook_record_metadata.py): the critical card stands beside "could not check".
    unread = COULD_NOT_CHECK if link_type == "replaced-by" else []
    assert (shown, rated) == ([CRITICAL, *unread], "appropriate")
    assert SET_ASIDE not in details


async def test_a_link_to_a_related_person_or_from_another_patients_record_makes_no_one_hers(
    client: httpx.AsyncClient, day20: Request  # noqa: F811
) -> None:
    """Only her own Patient's link to a Patient names her other record: a RelatedPerson is not her, and a
    stray Patient of another id linking a third id says nothing about Lena."""
    request = copy.deepcopy(day20)
    request["prefetch"]["patient"]["link"] = [{"other": {"reference": "RelatedPerson/example-merged"},
                                               "type": "seealso"}]
    stray = {"resourceType": "Patient", "id": "example-sibling",
             "link": [{"other": {"reference": "Patient/example-merged"}, "type": "replaces"}]}
    merged = {**CAUDA_EQUINA, "subject": {"reference": "Patient/example-merged"}}
    shown, rated, details = await answer(client, appended(request, "conditions", stray, merged))
    assert (shown, rated) == (COULD_NOT_CHECK, None)
    assert SET_ASIDE in details


async def test_the_baseline_still_defers(client: httpx.AsyncClient, day20: Request) -> None:  # noqa: F811
    assert (await answer(client, day20))[:2] == (DEFER, "not-appropriate")


# --- Bundle shapes: a key that did not answer its search ----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("encounters", "own Patient", "visits"),  # an analyst's Patient/{{context.patientId}} there
        ("observations", {"resourceType": "Practitioner", "id": "pr-1"}, "observations"),
        ("servicerequests", {"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": [
            {"resource": {"resourceType": "Practitioner", "id": "pr-1"}, "search": {"mode": "match"}}]},
         "orders"),
        ("procedures", {"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": {"resourceType": "Organization", "id": "org-1"}}]}, "procedures"),
    ],
)
async def test_a_key_holding_none_of_its_type_is_not_none_on_record(
    client: httpx.AsyncClient, day20: Request, key: str, value: Any, words: str  # noqa: F811
) -> None:
    """A key whose value holds resources but none of the type its template searches did not answer that
    search: the visits, observations, orders or procedures are unknown, not absent (PATHWAY.md §2 v2: each
    is a red-flag source). Before: read as "none on record", R1 deferred (not-appropriate). Now: "could not
    check", no rating."""
    request = copy.deepcopy(day20)
    own = copy.deepcopy(request["prefetch"]["patient"])
    request["prefetch"][key] = own if value == "own Patient" else value
    shown, rated, details = await answer(client, request)
    assert (shown, rated) == (COULD_NOT_CHECK, None)
    assert words in details


# --- statuses as clinics write them -------------------------------------------------------------------

VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


@pytest.mark.parametrize(
    "status",
    [
        {"verificationStatus": {"coding": [{"code": "refuted"}]}},  # HL7's code, no system
        {"verificationStatus": {"text": "Refuted"}},  # the whole text is HL7's code
        {"verificationStatus": code(VER, "entered in error")},  # display-minded spacing
        {"verificationStatus": "Entered_In_Error"},  # STU3 bare code, underscores
        {"verificationStatus": code(VER, "enteredInError")},
        {"clinicalStatus": code(CLINICAL, "entered-in-error")},  # filed under clinicalStatus
        {"clinicalStatus": {"text": "Refuted"}},
    ],
)
async def test_a_cauda_equina_refuted_or_entered_in_error_however_written_does_not_count(
    client: httpx.AsyncClient, day20: Request, status: dict[str, Any]  # noqa: F811
) -> None:
    """PATHWAY.md §2: a refuted or entered-in-error Condition never counts. Before: each of these was read as
    a live cauda equina (R5 critical, appropriate). Now: void, and R1 defers as without it."""
    assert (await answer(client, appended(day20, "conditions", {**CAUDA_EQUINA, **status})))[:2] == (
        DEFER, "not-appropriate")


@pytest.mark.parametrize(
    "status",
    [
        {"verificationStatus": code(VER, "unconfirmed")},
        {"verificationStatus": {"text": "Suspected"}},  # not an HL7 code: not read, the finding counts
        {"verificationStatus": {"coding": [{"code": "R"}], "text": "Ruled out?"}},
        {"clinicalStatus": {"text": "Entered in error?"}},
        {"clinicalStatus": code(CLINICAL, "entered-in-error"), "verificationStatus": code(VER, "confirmed")},
    ],
)
async def test_a_cauda_equina_of_uncertain_or_unread_status_still_counts(
    client: httpx.AsyncClient, day20: Request, status: dict[str, Any]  # noqa: F811
) -> None:
    """The safe side (PATHWAY.md invariant 6): only HL7's own code, exactly, voids a finding; a suspected one,
    a local code, a question or two statuses that disagree leave the cauda equina counting (R5)."""
    shown, rated, _ = await answer(client, appended(day20, "conditions", {**CAUDA_EQUINA, **status}))
    assert (shown[0], rated) == (CRITICAL, "appropriate")


@pytest.mark.parametrize(
    "status", ["Entered In Error", "entered_in_error", "enteredInError", " ENTERED-IN-ERROR"]
)
async def test_a_visit_entered_in_error_however_written_states_no_reason(
    client: httpx.AsyncClient, day20: Request, status: str  # noqa: F811
) -> None:
    """A visit recorded in error says nothing about why the patient came. Before: "Entered In Error" was not
    R4's code, and its urinary retention raised R5 (critical). Now: void, R1 defers."""
    visit = {**RETENTION_VISIT, "status": status}
    assert (await answer(client, appended(day20, "encounters", visit)))[:2] == (DEFER, "not-appropriate")


# --- Bundle shapes: two versions of one record ------------------------------------------------------

IN_ERROR = {"verificationStatus": code(VER, "entered-in-error")}


@pytest.mark.parametrize(
    ("live_meta", "void_meta"),
    [
        ({"versionId": "3"}, {"versionId": "2", "lastUpdated": "2026-11-19T10:00:00Z"}),  # a stripped stamp
        ({"versionId": 'W/"3"'}, {"versionId": "2"}),  # an ETag copied into meta.versionId
        ({"versionId": "3", "lastUpdated": "2026-11-19T10:00:00Z"},
         {"versionId": "2", "lastUpdated": "2026-11-19T10:00:00Z"}),  # one stamp: the version decides
    ],
)
async def test_the_later_version_of_a_cauda_equina_is_read_however_its_meta_is_written(
    client: httpx.AsyncClient, day20: Request, live_meta: dict[str, Any], void_meta: dict[str, Any]  # noqa: F811
) -> None:
    """Two copies of one Condition (a prefetch page and a refetch, two keys): version 3 is the live cauda
    equina, version 2 the entry an earlier edit marked in error. Before: a copy with a ``lastUpdated`` beat
    one without whatever their versions (R1 defer), and an ETag-shaped version was no version (a conflict:
    "could not check" beside the card). Now version 3 is read, in either order: R5, and nothing unsaid."""
    live = {**CAUDA_EQUINA, "meta": live_meta}
    void = {**CAUDA_EQUINA, **IN_ERROR, "meta": void_meta}
    for first, second in ((live, void), (void, live)):
        assert (await answer(client, appended(day20, "conditions", first, second)))[:2] == (
            [CRITICAL], "appropriate")


# --- identity: the draft order's own subject ---------------------------------------------------------

MRN = "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14"


def with_order_subject(request: Request, subject: dict[str, Any], *entries: dict[str, Any],
                       mrn: str | None = None, link: str | None = None) -> Request:
    changed = copy.deepcopy(request)
    drafts = changed["context"]["draftOrders"]
    for entry in drafts["entry"]:
        entry["resource"]["subject"] = subject
    drafts["entry"].extend(entries)
    if mrn is not None:
        changed["prefetch"]["patient"]["identifier"] = [{"system": MRN, "value": mrn}]
    if link is not None:
        changed["prefetch"]["patient"]["link"] = [{"other": {"reference": link}, "type": "replaces"}]
    return changed


async def test_a_draft_order_of_another_patient_by_urn_uuid_or_mrn_is_a_400(
    client: httpx.AsyncClient, day20: Request  # noqa: F811
) -> None:
    """PATHWAY.md invariant 7, CONTRACT.md R9: a draft order naming another patient is a malformed call.
    Before: named by the ``urn:uuid:`` of another patient's Patient entry beside it, or by another MRN of
    the system Lena's Patient is known under, it was rated on Lena's chart (R1 defer, a one-click delete of
    someone else's order). Now a 400 naming context.draftOrders."""
    stranger = {"fullUrl": "urn:uuid:7d1c0b7e-3f7a-4c36-9a51-0f3b2b7f1e11",
                "resource": {"resourceType": "Patient", "id": "example-other"}}
    for request in (
        with_order_subject(day20, {"reference": stranger["fullUrl"]}, stranger),
        with_order_subject(day20, {"identifier": {"system": MRN, "value": "E-2"}}, mrn="E-1"),
    ):
        response = await client.post("/cds-services/spine-imaging-order-select", json=request)
        assert response.status_code == 400
        assert "context.draftOrders" in response.json()["issue"][0]["diagnostics"]


async def test_a_draft_order_naming_her_by_urn_uuid_mrn_or_merged_id_is_rated(
    client: httpx.AsyncClient, day20: Request  # noqa: F811
) -> None:
    own = {"fullUrl": "urn:uuid:0b5a7f3e-8d1c-4e62-b0a9-2c4f6e8d1a33",
           "resource": {"resourceType": "Patient", "id": OWN}}
    for request in (
        with_order_subject(day20, {"reference": own["fullUrl"]}, own),
        with_order_subject(day20, {"identifier": {"system": MRN, "value": "E-1"}}, mrn="E-1"),
        with_order_subject(day20, {"reference": "Patient/example-merged"}, link="Patient/example-merged"),
    ):
        assert (await answer(client, request))[:2] == (DEFER, "not-appropriate")


async def test_another_patients_cauda_equina_whose_subject_is_written_as_a_list_is_set_aside(
    client: httpx.AsyncClient, day20: Request  # noqa: F811
) -> None:
    """A hand-rolled export writes the subject as a list of references. Before: a list compared as nothing,
    and another patient's cauda equina was read as Lena's (R5 critical). Now it is set aside; hers in a list
    is hers."""
    foreign = {**CAUDA_EQUINA, "subject": [{"reference": "Patient/example-other"}]}
    shown, rated, details = await answer(client, appended(day20, "conditions", foreign))
    assert (shown, rated) == (COULD_NOT_CHECK, None)
    assert SET_ASIDE in details
    own = {**CAUDA_EQUINA, "subject": [SUBJECT]}
    assert (await answer(client, appended(day20, "conditions", own)))[:2] == ([CRITICAL], "appropriate")


async def test_her_patient_beside_another_in_the_patient_key_is_hers_and_the_other_set_aside(
    client: httpx.AsyncClient, day20: Request  # noqa: F811
) -> None:
    """The ``patient`` key as a Bundle holding Lena's Patient and another (a family Bundle, an ``_include``).
    Before: the whole key was refused, and without a FHIR server the call was a 412. Now hers is the patient
    (by its id), the other is set aside and said; the answer is hers (R1), with the set-aside noted."""
    other = {"resourceType": "Patient", "id": "example-other", "birthDate": "2015-01-01"}
    request = copy.deepcopy(day20)
    request["prefetch"]["patient"] = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": other}, {"resource": request["prefetch"]["patient"]}]}
    shown, _, details = await answer(client, request)
    assert shown == [*DEFER, *COULD_NOT_CHECK]
    assert SET_ASIDE in details
    alone = copy.deepcopy(day20)
    alone["prefetch"]["patient"] = {"resourceType": "Bundle", "type": "searchset",
                                    "entry": [{"resource": other}]}
    assert (await client.post("/cds-services/spine-imaging-order-select", json=alone)).status_code == 412


@pytest.mark.parametrize("key", ["conditions", "encounters", "observations"])
async def test_a_search_key_holding_one_bare_resource_is_not_the_whole_search(
    client: httpx.AsyncClient, day20: Request, key: str  # noqa: F811
) -> None:
    """A search key (``Condition?patient=…``) holding one bare resource, not the search's Bundle: the client
    ran a read or sent one record (CONTRACT.md P6). Before: read as the whole answer, R1 deferred on it. Now
    the rest is unknown: "could not check", no rating."""
    request = copy.deepcopy(day20)
    one = {"conditions": request["prefetch"]["conditions"]["entry"][0]["resource"],
           "encounters": {**RETENTION_VISIT, "reasonCode": []},
           "observations": {"resourceType": "Observation", "id": "bp-1", "status": "final",
                            "subject": SUBJECT, "code": {"text": "Blood pressure"},
                            "effectiveDateTime": "2026-11-19"}}[key]
    request["prefetch"][key] = one
    shown, rated, _ = await answer(client, request)
    assert (DEFER[0] not in shown, rated) == (True, None)
    assert COULD_NOT_CHECK[0] in shown
