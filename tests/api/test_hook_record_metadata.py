"""What a record's metadata says about the record, as EHR exports send it — the twelfth pass over codes,
statuses and record metadata (docs/pathway-facts.md "Twelfth pass: codes, statuses and record metadata").

As in test_hook_input_shapes.py: a real order-select through the app, prefetch only (no FHIR server), for Lena
at day 20 of a lumbar radiculopathy (R1 defers, not-appropriate) with one thing changed.

FHIR R4 (search, ``_summary`` and ``_elements``) has a server tag what it trimmed ``SUBSETTED`` (HL7
v3-ObservationValue) "to ensure that the incomplete resource is not accidentally used". A prefetch built with
``_elements`` (an encounter without its reasonCode, a problem without its evidence), or a Bundle tagged so,
was read as the whole record: "no red flag on record", R1 defer. It is *incomplete* now: fetched again,
else "could not check" (CONTRACT.md P6; PATHWAY.md §2 "Missing data is a value").
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
    Request,
    answer,
    appended,
    day20,  # noqa: F401 - the fixture
)

R4_TAG = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED",
          "display": "subsetted"}
STU3_TAG = {"system": "http://hl7.org/fhir/v3/ObservationValue", "code": "SUBSETTED"}


def tagged(value: dict[str, Any], tag: dict[str, Any], where: str = "tag") -> dict[str, Any]:
    changed = copy.deepcopy(value)
    changed.setdefault("meta", {}).setdefault(where, []).append(tag)
    return changed


@pytest.mark.parametrize("key", ["conditions", "encounters", "observations", "findings", "servicerequests"])
@pytest.mark.parametrize("tag", [R4_TAG, STU3_TAG])
async def test_a_search_bundle_tagged_subsetted_is_not_none_on_record(
    client: httpx.AsyncClient, day20: Request, key: str, tag: dict[str, Any]  # noqa: F811
) -> None:
    """Before: R1 defer, not-appropriate. Now: "could not check", no rating."""
    request = copy.deepcopy(day20)
    request["prefetch"][key] = tagged(request["prefetch"][key], tag)
    assert (await answer(client, request))[:2] == (COULD_NOT_CHECK, None)


@pytest.mark.parametrize(("where", "code"), [("tag", "SUBSETTED"), ("security", "SUBSETTED"),
                                             ("security", "REDACTED"), ("security", "MASKED")])
async def test_a_problem_list_of_trimmed_records_is_not_the_whole_record(
    client: httpx.AsyncClient, day20: Request, where: str, code: str  # noqa: F811
) -> None:
    """Her radiculopathy as ``_elements=code,onsetDateTime`` returns it (tagged SUBSETTED): its evidence,
    notes and stage are gone; or labelled REDACTED or MASKED (content removed or hidden for privacy).
    Before: read whole, R1 defer. Now: "could not check", no rating."""
    request = copy.deepcopy(day20)
    entries = request["prefetch"]["conditions"]["entry"]
    entries[0]["resource"] = tagged(entries[0]["resource"], {**R4_TAG, "code": code}, where)
    assert (await answer(client, request))[:2] == (COULD_NOT_CHECK, None)


async def test_a_red_flag_in_a_trimmed_record_still_counts(
    client: httpx.AsyncClient, day20: Request  # noqa: F811
) -> None:
    """What a trimmed record still says is read: her cauda equina, tagged SUBSETTED, is R5 critical."""
    shown, rated, _ = await answer(client, appended(day20, "conditions", tagged(CAUDA_EQUINA, R4_TAG)))
    assert (shown, rated) == ([CRITICAL, *COULD_NOT_CHECK], "appropriate")


@pytest.mark.parametrize("tag", [
    {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "R"},  # who may see it
    {"system": "http://example.org/tags", "code": "SUBSETTED"},  # a site's own tag
    {"system": "http://terminology.hl7.org/CodeSystem/common-tags", "code": "actionable"},
])
async def test_other_tags_and_a_trimmed_patient_leave_the_defer(
    client: httpx.AsyncClient, day20: Request, tag: dict[str, Any]  # noqa: F811
) -> None:
    request = copy.deepcopy(day20)
    request["prefetch"]["conditions"] = tagged(request["prefetch"]["conditions"], tag)
    request["prefetch"]["patient"] = tagged(request["prefetch"]["patient"], R4_TAG)  # no red flag there
    assert (await answer(client, request))[:2] == (DEFER, "not-appropriate")


# --- a merged-away record: Patient.link replaced-by ---------------------------------------------------


def merged_away(request: Request, link_type: str = "replaced-by",
                other: str = "Patient/example-survivor") -> Request:
    changed = copy.deepcopy(request)
    changed["prefetch"]["patient"]["active"] = False
    changed["prefetch"]["patient"]["link"] = [{"other": {"reference": other}, "type": link_type}]
    return changed


@pytest.mark.parametrize("other", ["Patient/example-survivor",
                                   "https://ehr.example.org/fhir/Patient/example-survivor/_history/2"])
async def test_a_record_replaced_by_another_is_not_her_whole_chart(
    client: httpx.AsyncClient, day20: Request, other: str  # noqa: F811
) -> None:
    """R4 ``Patient.link`` ``replaced-by``: "the patient resource containing this link must no longer be
    used", another record is hers now, and what the clinic recorded since the merge is filed there; the
    searches ran for this id. Before: "no red flag on record", R1 defer. Now: "could not check", no rating
    (PATHWAY.md §2 "Missing data is a value")."""
    assert (await answer(client, merged_away(day20, other=other)))[:2] == (COULD_NOT_CHECK, None)


async def test_a_red_flag_on_the_replaced_record_still_counts(
    client: httpx.AsyncClient, day20: Request  # noqa: F811
) -> None:
    shown, rated, _ = await answer(client, appended(merged_away(day20), "conditions", CAUDA_EQUINA))
    assert (shown, rated) == ([CRITICAL, *COULD_NOT_CHECK], "appropriate")


@pytest.mark.parametrize(("link_type", "other"), [
    ("replaces", "Patient/example-old"),          # she is the survivor: the merge moved the records to her
    ("seealso", "Patient/example-other-system"), ("refer", "Patient/example-mpi"),
    ("replaced-by", "RelatedPerson/example-mother"),  # not a Patient: not her record
    ("replaced-by", "Patient/example-lumbar-day20"),  # herself
])
async def test_other_links_and_an_inactive_record_alone_leave_the_defer(
    client: httpx.AsyncClient, day20: Request, link_type: str, other: str  # noqa: F811
) -> None:
    """``active: false`` alone says the record is not in active use (no visit for years, a death), not
    that it is not whole."""
    assert (await answer(client, merged_away(day20, link_type, other)))[:2] == (DEFER, "not-appropriate")
