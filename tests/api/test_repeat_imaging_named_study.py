"""R12 on a prior MRI recorded as Epic and PACS exports record it: an ImagingStudy under a local procedure
code, named only in words (PATHWAY.md §2 "prior imaging"; docs/pathway-facts.md "Eighth pass: care,
candidacy, prior imaging and surgery"), posted through the app as an EHR sends it. The lumbar MRI of the
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
EPIC_STUDY = {"resourceType": "ImagingStudy", "id": "study", "status": "available", "subject": SUBJECT,
              "started": "2026-09-15T09:40:00-04:00",
              "procedureCode": [{"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580",
                                             "code": "IMG5105", "display": "MRI LUMBAR SPINE WO CONTRAST"}],
                                 "text": "MRI LUMBAR SPINE WO CONTRAST"}],
              "series": [{"uid": "1.2.840.1", "modality": {"system": "http://dicom.nema.org/resources/ontology/DCM",
                                                           "code": "MR"}}]}


def order_select(example: Callable[[str], dict[str, Any]], *studies: dict[str, Any]) -> dict[str, Any]:
    request = example("order-select-lumbar-day20.json")
    prefetch = request["prefetch"]
    prefetch["conditions"] = {"resourceType": "Bundle", "type": "searchset",
                              "entry": [{"resource": RADICULOPATHY}]}
    prefetch["imaging"] = {"resourceType": "Bundle", "type": "searchset",
                           "entry": [{"resource": study} for study in studies]}
    return request


async def test_a_study_named_only_in_words_is_a_prior_mri_not_to_repeat(
    client: httpx.AsyncClient, example: Callable[[str], dict[str, Any]]
) -> None:
    """R12, not R1's defer: the study was under Epic's own procedure code, which no value set lists, and had
    no series body site, so the MRI of 2026-09-15 was not seen and the card said nothing of it."""
    cards = (await client.post(ORDER_SELECT, json=order_select(example, EPIC_STUDY))).json()["cards"]
    assert (cards[0]["summary"], cards[0]["indicator"]) == (
        "Do not repeat lumbar imaging: MRI on 2026-09-15 in this episode, no spine surgery since", "warning")
