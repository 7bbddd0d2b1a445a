"""PATHWAY.md §3 through the HTTP hook: a red-flag Condition coded as problem lists export it — an old but
active cauda equina syndrome, an ICD-10 (WHO) category ICD-10-CM lacks, a disc disorder with myelopathy below
the neck — stops the defer of Lena's 20-day lumbar radiculopathy (R1 without it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
PATIENT = {"reference": "Patient/example-lumbar-day20"}
Example = Callable[[str], dict[str, Any]]


def problem(system: str, code: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "flag", "subject": PATIENT,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": {"coding": [{"system": system, "code": code}]}, **fields}


async def topics_for(
    client: httpx.AsyncClient, example: Example, condition: dict[str, Any]
) -> list[tuple[str, str]]:
    request = example("order-select-lumbar-day20.json")
    bundle = request["prefetch"]["conditions"]
    bundle["entry"] = [*bundle.get("entry", []), {"resource": condition}]
    response = await client.post(ORDER_SELECT, json=request)
    assert response.status_code == 200
    return [(card["indicator"], card["source"]["topic"]["code"]) for card in response.json()["cards"]]


@pytest.mark.parametrize("condition", [
    # cauda equina syndrome on the problem list since 2024: active, so still an emergency (§3, invariant 1)
    problem("http://hl7.org/fhir/sid/icd-10-cm", "G83.4", onsetDateTime="2024-05-02"),
    # ICD-10 (WHO) B24 unspecified HIV disease, under the WHO OID: ICD-10-CM B20 (immunosuppression, R7)
    problem("urn:oid:2.16.840.1.113883.6.3", "B24", onsetDateTime="2019-03-01"),
    # lumbar disc disorder with myelopathy: R20, the cord imaged instead of a defer
    problem("http://hl7.org/fhir/sid/icd-10-cm", "M51.06", onsetDateTime="2026-10-01"),
    # Pott disease
    problem("http://hl7.org/fhir/sid/icd-10-cm", "A18.01", onsetDateTime="2026-10-01"),
])
async def test_a_red_flag_problem_coded_as_exports_code_it_is_critical_and_never_deferred(
    client: httpx.AsyncClient, example: Example, condition: dict[str, Any]
) -> None:
    found = await topics_for(client, example, condition)

    assert found[0] == ("critical", "SpineRedFlag")
    assert all(topic != "SpineDeferImaging" for _, topic in found)


async def test_without_the_problem_the_same_request_is_deferred(
    client: httpx.AsyncClient, example: Example
) -> None:
    """The control: an old urinary retention (a CES sign only when new) changes nothing."""
    old_retention = problem("http://hl7.org/fhir/sid/icd-10-cm", "R33.9", onsetDateTime="2024-05-02")

    found = await topics_for(client, example, old_retention)

    assert ("warning", "SpineDeferImaging") in found
    assert all(topic != "SpineRedFlag" for _, topic in found)
