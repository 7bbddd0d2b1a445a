"""The words a card says for a physical-therapy referral counted as conservative care (PATHWAY.md §2 v2: "A
referral counted without a visit is shown on the card as 'PT referred <date>, no visit recorded'"), on a
lumbar MRI ordered on 2026-11-20 for a radiculopathy begun on 2026-08-01 (R3b), posted through the app as an
EHR sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
PATIENT = "example-lumbar-day20"
CPT = "http://www.ama-assn.org/go/cpt"
SUBJECT = {"reference": f"Patient/{PATIENT}"}
RADICULOPATHY = {"resourceType": "Condition", "id": "dx", "subject": SUBJECT, "onsetDateTime": "2026-08-01",
                 "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.16"}]}}
PT_REFERRAL = {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
               "subject": SUBJECT, "authoredOn": "2026-09-01T10:15:00-04:00",
               "code": {"coding": [{"system": "http://snomed.info/sct", "code": "308447003",
                                    "display": "Referral to physiotherapist"}]}}
PT_SESSION = {"resourceType": "Procedure", "id": "pt", "status": "completed", "subject": SUBJECT,
              "performedDateTime": "2026-09-10", "code": {"coding": [{"system": CPT, "code": "97110"}]}}
PT_VISIT = {"resourceType": "Encounter", "id": "visit", "status": "finished", "subject": SUBJECT,
            "period": {"start": "2026-09-10T14:00:00-04:00"},
            "serviceType": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/service-type",
                                        "code": "65", "display": "Physiotherapy"}]}}
KEYS = {"Condition": "conditions", "ServiceRequest": "servicerequests", "Procedure": "procedures",
        "Encounter": "encounters"}


def order_select(example: Callable[[str], dict[str, Any]], *resources: dict[str, Any]) -> dict[str, Any]:
    """The saved lumbar MRI request (authored 2026-11-20), its prefetch replaced by ``resources``."""
    request = example("order-select-lumbar-day20.json")
    prefetch = request["prefetch"]
    for key in ("conditions", "medications", "servicerequests", "procedures", "encounters"):
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    for resource in resources:
        prefetch[KEYS[resource["resourceType"]]]["entry"].append({"resource": resource})
    del request["context"]["draftOrders"]["entry"][0]["resource"]["reasonCode"]
    return request


async def care_line(client: httpx.AsyncClient, request: dict[str, Any]) -> str:
    cards = (await client.post(ORDER_SELECT, json=request)).json()["cards"]
    (card,) = [card for card in cards if card["summary"].startswith("Image only if")]  # R3b
    (line,) = [line for line in card["detail"].splitlines() if line.startswith("- Treatment since onset")]
    return str(line)


async def test_a_referral_without_a_visit_is_said_once_with_its_date(
    client: httpx.AsyncClient, example: Callable[[str], dict[str, Any]]
) -> None:
    line = await care_line(client, order_select(example, RADICULOPATHY, PT_REFERRAL))

    assert line == "- Treatment since onset: PT referred 2026-09-01, no visit recorded."


@pytest.mark.parametrize("session", [PT_SESSION, PT_VISIT], ids=["procedure", "encounter"])
async def test_a_referral_is_never_said_to_have_no_visit_beside_a_recorded_session(
    client: httpx.AsyncClient, example: Callable[[str], dict[str, Any]], session: dict[str, Any]
) -> None:
    """The visit does not name the referral (`basedOn`), as most exports leave it; but a PT session after
    the referral is on the card, so "no visit recorded" beside it would contradict the card itself."""
    line = await care_line(client, order_select(example, RADICULOPATHY, PT_REFERRAL, session))

    assert "no visit recorded" not in line
    assert "physical therapy referral (visit recorded) (2026-09-01)" in line
