"""Whole charts as a small clinic's CSV-to-FHIR conversion, Synthea and an HIE/CCD-derived bundle
(tests/integration/clinic_export_charts.py) get the answer decided by hand from PATHWAY.md, at order-select
by prefetch and by fallback through SEKMET (invariant 4), and a patient-view card both ways."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from chart_both_ways import load_chart, rules
from clinic_export_charts import CHARTS, Chart, Expected
from hook_answers import rating, topics
from test_whole_charts import both_ways

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any
ORDER_SELECT = "/cds-services/spine-imaging-order-select"
PATIENT_VIEW = "/cds-services/spine-pathway-patient-view"


def order_select(chart: Chart, expected: Expected) -> dict[str, Any]:
    draft = {
        "resourceType": "ServiceRequest",
        "id": "draft-imaging-1",
        "status": "draft",
        "intent": "order",
        "code": {"coding": [expected.order]},
        "subject": {"reference": f"Patient/{chart.pid}"},
        "authoredOn": chart.today.isoformat(),
    }
    return {
        "hook": "order-select",
        "context": {
            "userId": "Practitioner/clinic-export",
            "patientId": chart.pid,
            "selections": ["ServiceRequest/draft-imaging-1"],
            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]},
        },
    }


def loaded(cds: Cds, chart_id: str) -> tuple[Chart, Expected]:
    chart, expected = CHARTS[chart_id](datetime.now(UTC).date())
    assert 30 <= len(chart.resources) <= 80, len(chart.resources)
    load_chart(cds.server.base, chart.resources)
    return chart, expected


@pytest.mark.parametrize("chart_id", sorted(CHARTS))
async def test_clinic_export_chart_gets_the_hand_decided_answer_at_order_select_both_ways(
    cds: Cds, chart_id: str
) -> None:
    chart, expected = loaded(cds, chart_id)

    answer, _ = await both_ways(cds, ORDER_SELECT, order_select(chart, expected))

    said = (expected.why, rules(answer), topics(answer))
    assert rating(answer) == expected.rating, said
    if expected.rating is not None:
        assert set(expected.rules) <= set(rules(answer)), said
    shown = [code for code, _ in topics(answer)]
    assert not set(expected.absent) & set(shown), said
    if expected.topic is None:  # out of scope (R28): no card at all
        assert answer["cards"] == [], said
        return
    assert (expected.topic, expected.indicator) in topics(answer), said


@pytest.mark.parametrize(
    "chart_id", ["clinic-fever", "hie-ces", "clinic-early", "synthea-graft", "hie-postop"]
)
async def test_clinic_export_chart_patient_view_both_ways(cds: Cds, chart_id: str) -> None:
    chart, expected = loaded(cds, chart_id)
    body = {
        "hook": "patient-view",
        "context": {"userId": "Practitioner/clinic-export", "patientId": chart.pid},
    }

    answer, _ = await both_ways(cds, PATIENT_VIEW, body)

    serious = expected.indicator == "critical"
    assert (("SpineRedFlag", "critical") in topics(answer)) is serious, topics(answer)
