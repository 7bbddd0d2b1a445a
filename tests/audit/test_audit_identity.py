"""PATHWAY.md invariant 7 in the audit trail: an evaluation records how many resources of another patient
were set aside (a count, never their ids), and no log line names that patient."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from test_audit_hooks import ORDER_SELECT, audit_rows, running

from app.settings import Settings

Example = Callable[[str], dict[str, Any]]
CHILD = "child-7c41e9"


async def test_the_audit_row_counts_resources_of_another_patient(
    settings_factory: Callable[..., Settings], example: Example, caplog: pytest.LogCaptureFixture
) -> None:
    body = example("order-select-cauda-equina.json")
    body["prefetch"]["conditions"]["entry"].append(
        {"resource": {"resourceType": "Patient", "id": CHILD, "birthDate": "2019-04-01"}}
    )
    settings = settings_factory()
    caplog.set_level(logging.DEBUG)
    async with running(settings) as http:
        answer = (await http.post(ORDER_SELECT, json=body)).json()
        metrics = (await http.get("/metrics")).text
    (row,) = audit_rows(settings)
    assert 'spine_cds_other_patient_resources_total{key="conditions"}' in metrics
    assert row.other_patient_resources == 1
    assert row.rating == "appropriate"  # the stray child did not become the patient
    assert any(card["indicator"] == "critical" for card in answer["cards"])
    assert CHILD not in caplog.text


async def test_a_clean_call_records_none(settings_factory: Callable[..., Settings], example: Example) -> None:
    settings = settings_factory()
    async with running(settings) as http:
        await http.post(ORDER_SELECT, json=example("order-select-cauda-equina.json"))
    (row,) = audit_rows(settings)
    assert row.other_patient_resources == 0
