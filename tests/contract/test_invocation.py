"""CONTRACT.md §1.3 calling a service (R1, R2), C1, and the leniency of §2–3; errors are OperationOutcomes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

ORDER_SELECT = "/cds-services/spine-imaging-order-select"
Example = Callable[[str], dict[str, Any]]


def assert_operation_outcome(response: httpx.Response, status: int, mentions: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert mentions in body["issue"][0]["diagnostics"]


async def test_r1_post_to_the_service_id_returns_cards(client: httpx.AsyncClient, example: Example) -> None:
    response = await client.post(ORDER_SELECT, json=example("order-select-lumbar-day20.json"))
    assert response.status_code == 200
    assert isinstance(response.json()["cards"], list)


async def test_c1_response_always_has_a_cards_array(client: httpx.AsyncClient, example: Example) -> None:
    request = example("order-select-lumbar-day20.json")
    request["context"]["selections"] = []
    response = await client.post(ORDER_SELECT, json=request)
    assert response.status_code == 200
    assert response.json() == {"cards": []}


@pytest.mark.parametrize("field", ["hook", "hookInstance", "context"])
async def test_r2_missing_required_field_is_400(
    client: httpx.AsyncClient, example: Example, field: str
) -> None:
    request = example("order-select-lumbar-day20.json")
    del request[field]
    assert_operation_outcome(await client.post(ORDER_SELECT, json=request), 400, field)


@pytest.mark.parametrize("field", ["patientId", "userId", "draftOrders", "selections"])
async def test_r2_missing_context_field_is_400(
    client: httpx.AsyncClient, example: Example, field: str
) -> None:
    request = example("order-select-lumbar-day20.json")
    del request["context"][field]
    assert_operation_outcome(await client.post(ORDER_SELECT, json=request), 400, f"context.{field}")


async def test_bad_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        ORDER_SELECT, content=b'{"hook": ', headers={"content-type": "application/json"}
    )
    assert_operation_outcome(response, 400, "JSON")


async def test_hook_that_does_not_match_the_service_id_is_400(
    client: httpx.AsyncClient, example: Example
) -> None:
    request = example("patient-view-lumbar.json")
    assert_operation_outcome(
        await client.post(ORDER_SELECT, json=request), 400, "answers hook 'order-select'"
    )


async def test_unknown_service_id_is_404(client: httpx.AsyncClient, example: Example) -> None:
    response = await client.post(
        "/cds-services/no-such-service", json=example("order-select-lumbar-day20.json")
    )
    assert_operation_outcome(response, 404, "no-such-service")


async def test_r3_fhir_authorization_without_fhir_server_is_400(
    client: httpx.AsyncClient, example: Example
) -> None:
    request = example("order-select-lumbar-day20.json")
    del request["fhirServer"]
    request["fhirAuthorization"] = {
        "access_token": "secret",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "spine-cds",
    }
    assert_operation_outcome(await client.post(ORDER_SELECT, json=request), 400, "fhirServer")


async def test_unknown_fields_and_extensions_are_ignored(client: httpx.AsyncClient, example: Example) -> None:
    request = example("order-select-lumbar-day20.json")
    request["extension"] = {"com.epic.cdshooks.request.fhir-version": "R4"}
    request["someFutureField"] = {"x": 1}
    request["context"]["futureContext"] = "ignored"
    assert (await client.post(ORDER_SELECT, json=request)).status_code == 200


async def test_draft_orders_bundle_without_type_is_accepted(
    client: httpx.AsyncClient, example: Example
) -> None:
    request = example("order-select-lumbar-day20.json")
    request["context"]["draftOrders"].pop("type")
    response = await client.post(ORDER_SELECT, json=request)
    assert response.status_code == 200
    assert response.json()["cards"], "the selected order is still rated"


async def test_practitioner_role_user_id_is_accepted(client: httpx.AsyncClient, example: Example) -> None:
    request = example("order-select-lumbar-day20.json")
    request["context"]["userId"] = "PractitionerRole/pr-77"
    assert (await client.post(ORDER_SELECT, json=request)).status_code == 200


async def test_null_prefetch_keys_mean_no_data(client: httpx.AsyncClient, example: Example) -> None:
    request = example("order-select-lumbar-day20.json")
    for key in ("observations", "procedures", "imaging", "servicerequests"):
        request["prefetch"][key] = None
    assert (await client.post(ORDER_SELECT, json=request)).status_code == 200


async def test_missing_prefetch_without_fhir_server_is_412(
    client: httpx.AsyncClient, example: Example
) -> None:
    request = example("order-select-lumbar-day20.json")
    del request["prefetch"]
    del request["fhirServer"]
    assert_operation_outcome(await client.post(ORDER_SELECT, json=request), 412, "conditions")


async def test_order_hook_without_a_spine_order_answers_without_reading_data(
    client: httpx.AsyncClient, example: Example
) -> None:
    """The sandbox's first PAMA call carries an empty order: nothing to rate, so no 412 for missing data."""
    request = example("order-select-lumbar-day20.json")
    request["context"]["draftOrders"]["entry"][0]["resource"]["code"] = {"coding": [{}]}
    del request["prefetch"]
    del request["fhirServer"]
    response = await client.post(ORDER_SELECT, json=request)
    assert response.status_code == 200
    assert response.json() == {"cards": []}


PATIENT_VIEW = "/cds-services/spine-pathway-patient-view"


@pytest.mark.parametrize("patient_id", ["Patient/example-lumbar-day20", "example-lumbar-day20/_history/1",
                                        "https://ehr.example.org/fhir/Patient/example-lumbar-day20",
                                        "example lumbar", "a,b"])
async def test_a_patient_id_that_is_not_a_fhir_id_is_a_400_naming_the_field(
    client: httpx.AsyncClient, example: Example, patient_id: str
) -> None:
    """A reference instead of the id was answered 412 "required data could not be obtained" (patient-view:
    no draft order whose subject would give the mismatch away)."""
    request = example("patient-view-lumbar.json")
    request["context"]["patientId"] = patient_id
    response = await client.post(PATIENT_VIEW, json=request)
    assert_operation_outcome(response, 400, "context.patientId: ")


@pytest.mark.parametrize("patient_id", ["eq081-VQEgP8drUUqCWzHfw3", "Tbt3KuCY0B5PSrJvCu2j-PlK.aiHsu2xUjUM8b",
                                        "12724066", "smart-1288992", "0f9c0c2e-8a51-4c1e-9b3a-7d0c2b1f0e11"])
async def test_real_ehr_patient_ids_are_accepted(
    client: httpx.AsyncClient, example: Example, patient_id: str
) -> None:
    """Epic, Oracle Health, the sandbox and Synthea ids: past validation, to P9's 412 (no data for them)."""
    request = example("patient-view-lumbar.json")
    request["context"]["patientId"] = patient_id
    request["prefetch"] = None
    request.pop("fhirServer", None)
    assert (await client.post(PATIENT_VIEW, json=request)).status_code == 412
