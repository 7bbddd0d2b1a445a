"""Whole Epic and Oracle Health charts where facts meet (tests/integration/epic_oracle_charts.py) get the
answer decided by hand from docs/spec/PATHWAY.md, at order-select, by prefetch and by fallback against
SEKMET (invariant 4)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from chart_both_ways import BothWays, load_chart, rules
from epic_oracle_charts import CHARTS, LUMBAR_MRI, ORDER_DATE
from hook_answers import rating, topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any
ORDER_SELECT = "/cds-services/spine-imaging-order-select"


async def order_select_both_ways(cds: Cds, resources: list[dict[str, Any]], order: dict[str, Any]
                                 ) -> BothWays:
    """Load the chart and select ``order`` (authored on ORDER_DATE) by prefetch, then by fallback."""
    patient = load_chart(cds.server.base, resources)
    draft = {"resourceType": "ServiceRequest", "id": "draft-imaging-1", "status": "draft", "intent": "order",
             "code": {"coding": [order]}, "subject": {"reference": f"Patient/{patient}"},
             "authoredOn": ORDER_DATE}
    body = {"hook": "order-select", "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/whole-chart", "patientId": patient,
                        "selections": ["ServiceRequest/draft-imaging-1"],
                        "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                        "entry": [{"resource": draft}]}}}
    answers = []
    for extra in ({"prefetch": cds.server.prefetch(patient)}, {"fhirServer": cds.server.base}):
        call = {**body, **extra, "hookInstance": str(uuid.uuid4())}
        response = await cds.http.post(ORDER_SELECT, json=call)
        assert response.status_code == 200, response.text[:1000]
        answers.append(response.json())
    return BothWays(answers[0], answers[1])


@pytest.mark.parametrize("name", sorted(CHARTS))
async def test_epic_oracle_chart_gets_the_hand_decided_answer_both_ways(cds: Cds, name: str) -> None:
    resources, expected = CHARTS[name]()
    assert 30 <= len(resources) <= 80, len(resources)

    answers = await order_select_both_ways(cds, resources, expected.order or LUMBAR_MRI)

    assert answers.same, answers.difference()
    got = answers.prefetch
    said = (expected.about, rules(got), topics(got))
    assert rating(got) == expected.rating, said
    assert set(expected.rules) <= set(rules(got)), said
    assert not set(expected.absent) & {code for code, _ in topics(got)}, said
    if expected.topic is None:
        assert all(indicator == "info" for _, indicator in topics(got)), said
        return
    assert (expected.topic, expected.indicator) in topics(got), said
