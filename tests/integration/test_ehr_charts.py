"""Charts shaped like EHR exports (tests/fixtures/patients/ehr/, scripts/ehr_charts.py) reach the decision
PATHWAY.md v2 expects, by prefetch and by fallback alike (invariant 4), through SEKMET.

Each chart hides what v2 must find among dozens of unrelated resources: PT as Encounters and an NSAID as a
MedicationStatement (§2 conservative care), an outside MRI as a DiagnosticReport (R12), a cervical fusion
before a new lumbar radiculopathy (R11 needs the same region), a retention recorded as a Symptom
Observation (R5).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from chart_both_ways import BothWays, evaluate_both_ways, rules, topics
from scripts_loader import ehr_charts

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Cds = Any


def ehr_chart(patient_id: str, today: Any) -> list[dict[str, Any]]:
    builder = next(b for b in ehr_charts.BUILDERS if b(today)[0].pid == patient_id)
    return builder(today)[0].resources


async def rate(cds: Cds, patient_id: str) -> BothWays:
    """The chart of ``patient_id`` rated both ways with its manifest order, on the evaluation date."""
    patient = cds.server.patient(patient_id)
    on = cds.server.evaluation_date
    resources = ehr_chart(patient_id, date.fromisoformat(on))
    return await evaluate_both_ways(cds, resources, order=patient.order, on=on)


@pytest.mark.parametrize("patient_id", sorted(ehr_charts.EXPECTED))
async def test_ehr_chart_gets_the_expected_decision_both_ways(cds: Cds, patient_id: str) -> None:
    answers = await rate(cds, patient_id)

    assert answers.same, answers.difference()
    expected = cds.server.patient(patient_id).expected
    assert answers.prefetch_rating == expected["rating"]
    assert expected["rule"] in rules(answers.prefetch)
    shown = [code for code, _ in topics(answers.prefetch)]
    assert set(expected["topics"]) <= set(shown)
    assert "SpineDataNeeded" not in shown


async def test_pt_visits_and_an_nsaid_statement_are_conservative_care_not_r3a(cds: Cds) -> None:
    """§2 v2: PT only as Encounters, NSAID only as a MedicationStatement → appropriate after 6 weeks."""
    answers = await rate(cds, "ehr-pt-visits")
    assert "R3a" not in rules(answers.prefetch)
    assert ("SpineDeferImaging", "warning") not in topics(answers.prefetch)


async def test_cervical_fusion_does_not_make_a_new_lumbar_radiculopathy_post_surgical(cds: Cds) -> None:
    answers = await rate(cds, "ehr-cervical-fusion")
    assert "R11/R21" not in rules(answers.prefetch)
    assert ("SpineDeferImaging", "warning") in topics(answers.prefetch)
