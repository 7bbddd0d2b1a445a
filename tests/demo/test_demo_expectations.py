"""Every demo patient gets the answer the README promises, through the app in-process with a complete
prefetch built from the chart (the stack test gets the same answers by FHIR fallback from SEKMET).

Order-select is checked on several anchor dates — a leap day, New Year — by charting for that date and
sending it as the order's ``authoredOn`` (the service's order date): the day-41/day-42 threshold and every
"N days ago" must survive month and year ends. Patient-view has no order date, so it runs on today.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from bench.charts import prefetch as chart_prefetch
from demo import sandbox
from demo.patients import DemoPatient
from demo.run import all_patients


def prefetch(patient: DemoPatient) -> dict[str, Any]:
    """What a conforming EHR would prefetch with the service's templates (app/fhir/templates.py)."""
    return chart_prefetch(patient.resources)


def order_select(patient: DemoPatient, order_date: date) -> dict[str, Any]:
    body = sandbox.order_select(patient.id, patient.order, "http://127.0.0.1:8090/fhir")
    del body["fhirServer"]  # everything is in the prefetch: no fallback
    body["context"]["draftOrders"]["entry"][0]["resource"]["authoredOn"] = order_date.isoformat()
    return {**body, "prefetch": prefetch(patient)}


@pytest.mark.parametrize("anchor", [date(2028, 2, 29), date(2027, 1, 1), date(2026, 3, 1)],
                         ids=str)
async def test_order_select_answers_match_the_table(client: httpx.AsyncClient, anchor: date) -> None:
    for patient in all_patients(anchor):
        response = await client.post(f"/cds-services/{sandbox.ORDER_SELECT}",
                                     json=order_select(patient, anchor))
        assert response.status_code == 200, (patient.id, response.text)
        body = response.json()
        got = (sandbox.card_kinds(body), sandbox.pama_rating(body))
        assert got == (patient.expected.cards, patient.expected.rating), patient.id


async def test_patient_view_answers_match_the_table(client: httpx.AsyncClient) -> None:
    today = datetime.now(UTC).date()  # the test app's SITE_TIMEZONE is UTC
    for patient in all_patients(today):
        body = sandbox.patient_view(patient.id, "http://127.0.0.1:8090/fhir")
        del body["fhirServer"]
        response = await client.post(f"/cds-services/{sandbox.PATIENT_VIEW}",
                                     json={**body, "prefetch": prefetch(patient)})
        assert response.status_code == 200, (patient.id, response.text)
        assert sandbox.card_kinds(response.json()) == patient.expected.patient_view, patient.id
