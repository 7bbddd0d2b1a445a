"""Care, candidacy and a prior MRI recorded as Epic and PACS exports record them — under a local code, named
only in words (PATHWAY.md §2; docs/pathway-facts.md "Eighth pass: care, candidacy, prior imaging and
surgery") — posted through the app as an EHR sends them, and the words the card says. The lumbar MRI of the
saved request is ordered on 2026-11-20 for a radiculopathy begun on 2026-08-01.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
PATIENT = "example-lumbar-day20"
SUBJECT = {"reference": f"Patient/{PATIENT}"}
RADICULOPATHY = {"resourceType": "Condition", "id": "dx", "subject": SUBJECT, "onsetDateTime": "2026-08-01",
                 "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.16"}]}}
EPIC = "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580"  # an Epic procedure-code system: no value set lists it
EPIC_STUDY = {"resourceType": "ImagingStudy", "id": "study", "status": "available", "subject": SUBJECT,
              "started": "2026-09-15T09:40:00-04:00",
              "procedureCode": [{"coding": [{"system": EPIC, "code": "IMG5105",
                                             "display": "MRI LUMBAR SPINE WO CONTRAST"}],
                                 "text": "MRI LUMBAR SPINE WO CONTRAST"}],
              "series": [{"uid": "1.2.840.1", "modality": {"system": "http://dicom.nema.org/resources/ontology/DCM",
                                                           "code": "MR"}}]}


EPIC_PT_REFERRAL = {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
                    "subject": SUBJECT, "authoredOn": "2026-09-01T10:15:00-04:00",
                    "code": {"coding": [{"system": EPIC, "code": "REF68",
                                         "display": "AMB REFERRAL TO PHYSICAL THERAPY"}],
                             "text": "Ambulatory referral to Physical Therapy"}}
KEYS = {"ImagingStudy": "imaging", "ServiceRequest": "servicerequests", "Procedure": "procedures",
        "Encounter": "encounters"}


def order_select(example: Callable[[str], dict[str, Any]], *resources: dict[str, Any]) -> dict[str, Any]:
    """The saved request (no reason on the order), its prefetch the radiculopathy and ``resources``."""
    request = example("order-select-lumbar-day20.json")
    prefetch = request["prefetch"]
    for key in ("conditions", "medications", "servicerequests", "procedures", "encounters", "imaging"):
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    for resource in (RADICULOPATHY, *resources):
        prefetch[KEYS.get(resource["resourceType"], "conditions")]["entry"].append({"resource": resource})
    del request["context"]["draftOrders"]["entry"][0]["resource"]["reasonCode"]
    return request


async def test_a_study_named_only_in_words_is_a_prior_mri_not_to_repeat(
    client: httpx.AsyncClient, example: Callable[[str], dict[str, Any]]
) -> None:
    """R12, not R1's defer: the study was under Epic's own procedure code, which no value set lists, and had
    no series body site, so the MRI of 2026-09-15 was not seen and the card said nothing of it."""
    cards = (await client.post(ORDER_SELECT, json=order_select(example, EPIC_STUDY))).json()["cards"]
    assert (cards[0]["summary"], cards[0]["indicator"]) == (
        "Do not repeat lumbar imaging: MRI on 2026-09-15 in this episode, no spine surgery since", "warning")


async def test_a_therapy_referral_named_only_in_words_is_said_as_a_referral(
    client: httpx.AsyncClient, example: Callable[[str], dict[str, Any]]
) -> None:
    """R3b, not R3a: Epic's referral order REF68 is its own code; the card says what PATHWAY.md §2 asks of a
    referral counted without a visit."""
    cards = (await client.post(ORDER_SELECT, json=order_select(example, EPIC_PT_REFERRAL))).json()["cards"]
    (card,) = [card for card in cards if card["summary"].startswith("Image only if")]  # R3b
    lines = [line for line in card["detail"].splitlines() if line.startswith("- Treatment since onset")]
    assert lines == ["- Treatment since onset: PT referred 2026-09-01, no visit recorded."]


ATHENA_SURGERY = {"resourceType": "Procedure", "id": "op", "status": "completed", "subject": SUBJECT,
                  "performedDateTime": "2024-05-02", "code": {"text": "L4-5 laminectomy"}}


async def test_an_operation_named_only_in_words_is_said_by_its_name(
    client: httpx.AsyncClient, example: Callable[[str], dict[str, Any]]
) -> None:
    """R11/R21, not R1's defer: athenahealth's surgical history names the operation only in words; new
    sciatica (10 days) after it is post-surgical (ACR LBP 2021 variant 5) and the card dates it."""
    request = order_select(example, ATHENA_SURGERY)
    new_sciatica = {**RADICULOPATHY, "onsetDateTime": "2026-11-10"}  # a copy: RADICULOPATHY stays as it is
    request["prefetch"]["conditions"]["entry"][0]["resource"] = new_sciatica
    cards = (await client.post(ORDER_SELECT, json=request)).json()["cards"]
    assert [(card["indicator"], card["detail"].splitlines()[0]) for card in cards] == [
        ("info", "- Spine surgery on record (latest 2024-05-02), with active radicular symptoms.")]


ORACLE_PT_VISIT = {"resourceType": "Encounter", "id": "pt", "status": "finished", "subject": SUBJECT,
                   "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
                   "period": {"start": "2026-09-10T14:00:00-05:00"},
                   "serviceType": {"text": "Physical Therapy"}}


async def test_a_therapy_visit_typed_only_in_words_is_said_as_a_visit(
    client: httpx.AsyncClient, example: Callable[[str], dict[str, Any]]
) -> None:
    """R3b, not R3a (eleventh pass): the visit's serviceType is only the words "Physical Therapy", as an
    Oracle Health medical service may be sent; the card names the therapy and its date."""
    cards = (await client.post(ORDER_SELECT, json=order_select(example, ORACLE_PT_VISIT))).json()["cards"]
    (card,) = [card for card in cards if card["summary"].startswith("Image only if")]  # R3b
    lines = [line for line in card["detail"].splitlines() if line.startswith("- Treatment since onset")]
    assert lines == ["- Treatment since onset: physical therapy visit (2026-09-10)."]
