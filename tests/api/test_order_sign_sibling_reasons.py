"""order-sign: a red flag stated as the reason for one draft order is read for every order signed with it
(PATHWAY.md §2 v2, a finding stated as the reason for another ServiceRequest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from hook_answers import rating

ORDER_SIGN = "/cds-services/spine-imaging-order-sign"
Example = Callable[[str], dict[str, Any]]


async def test_a_lumbar_mri_signed_beside_a_urology_referral_for_cauda_equina_is_not_deferred(
        client: httpx.AsyncClient, example: Example) -> None:
    request = example("order-select-lumbar-day20.json")
    request["hook"] = "order-sign"
    del request["context"]["selections"]
    referral = {"resourceType": "ServiceRequest", "id": "uro", "status": "draft", "intent": "order",
                "subject": {"reference": "Patient/example-lumbar-day20"}, "authoredOn": "2026-11-20",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "306098008"}]},
                "reasonCode": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                            "code": "G83.4"}]}]}
    request["context"]["draftOrders"]["entry"].append({"resource": referral})
    answer = (await client.post(ORDER_SIGN, json=request)).json()
    assert rating(answer) == "appropriate"
    assert answer["cards"][0]["indicator"] == "critical"
    assert not any(card["summary"].startswith("Defer") for card in answer["cards"])
