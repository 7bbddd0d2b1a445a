"""Every demo patient (demo/patients.py) gets the answer the demo table promises, by prefetch and by
fallback alike (PATHWAY.md invariant 4), through SEKMET."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from chart_both_ways import evaluate_both_ways, rating, topics

from demo.patients import demo_patients

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
CPT = "http://www.ama-assn.org/go/cpt"
SNOMED = "http://snomed.info/sct"
ON = date(2025, 6, 2)  # any fixed day: the charts are written relative to it
PATIENTS = {patient.id: patient for patient in demo_patients(ON)}


@pytest.mark.parametrize("patient_id", sorted(PATIENTS))
async def test_demo_patient_same_answer_both_ways_and_as_the_table_says(cds: Any, patient_id: str) -> None:
    patient = PATIENTS[patient_id]
    order = {"system": CPT, "code": patient.order.code, "display": patient.order.display}
    reason = {"system": SNOMED, "code": patient.order.reason, "display": patient.order.reason_display}
    answers = await evaluate_both_ways(cds, list(patient.resources), order=order, on=ON.isoformat(),
                                       reason=reason)

    assert answers.same, answers.difference()
    assert tuple(topics(answers.prefetch)) == patient.expected.cards
    assert (rating(answers.prefetch) or "none") == patient.expected.rating
