"""Whole charts whose red flags sit at the edges of time and status (tests/integration/edge_charts.py) get
the answer decided by hand from docs/spec/PATHWAY.md, at order-select, by prefetch and by fallback
against SEKMET (invariant 4)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from chart_both_ways import BothWays, load_chart, rules
from edge_charts import CHARTS, LUMBAR_MRI, Edge
from hook_answers import rating, topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any
ORDER_SELECT = "/cds-services/spine-imaging-order-select"


async def order_select_both_ways(cds: Cds, resources: list[dict[str, Any]], expected: Edge) -> BothWays:
    """Load the chart and select a lumbar MRI authored ``expected.on`` by prefetch, then by fallback."""
    patient = load_chart(cds.server.base, resources)
    draft = {"resourceType": "ServiceRequest", "id": "draft-imaging-1", "status": "draft", "intent": "order",
             "code": {"coding": [expected.order or LUMBAR_MRI]},
             "subject": {"reference": f"Patient/{patient}"},
             "authoredOn": expected.on}
    body = {"hook": "order-select", "context": {
        "userId": "Practitioner/whole-chart", "patientId": patient,
        "selections": ["ServiceRequest/draft-imaging-1"],
        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]}}}
    answers = []
    for extra in ({"prefetch": cds.server.prefetch(patient)}, {"fhirServer": cds.server.base}):
        call = {**body, **extra, "hookInstance": str(uuid.uuid4())}
        response = await cds.http.post(ORDER_SELECT, json=call)
        assert response.status_code == 200, response.text[:1000]
        answers.append(response.json())
    return BothWays(answers[0], answers[1])


@pytest.mark.parametrize("name", sorted(CHARTS))
async def test_edge_chart_gets_the_hand_decided_answer_both_ways(cds: Cds, name: str) -> None:
    resources, expected = CHARTS[name]()

    answers = await order_select_both_ways(cds, resources, expected)

    assert answers.same, answers.difference()
    got = answers.prefetch
    said = (expected.about, rules(got), topics(got))
    assert rating(got) == expected.rating, said
    assert set(expected.rules) <= set(rules(got)), said
    assert not set(expected.absent) & {code for code, _ in topics(got)}, said
    if expected.topic is not None:
        assert (expected.topic, expected.indicator) in topics(got), said
