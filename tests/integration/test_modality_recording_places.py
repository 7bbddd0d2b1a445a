"""A contraindication to MRI and an OPLL recorded where real exports put them — a problem-list status code, a
pacemaker-clinic visit's reason, an MRI safety screen's row with no category — through the real app and
SEKMET, by a complete prefetch AND by the service's own FHIR fallback (PATHWAY.md R13, R14, invariant 4;
docs/pathway-facts.md "Eighth pass: the modality rules").
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import evaluate_both_ways, rating, rules

from app.terminology import CPT, ICD10CM, SNOMED

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Resource = dict[str, Any]
ON = date(2025, 6, 2)
CT_LUMBAR = {"system": CPT, "code": "72131", "display": "CT lumbar spine without contrast"}
CT_CERVICAL = {"system": CPT, "code": "72125", "display": "CT cervical spine without contrast"}


def day(days_before: int) -> str:
    return (ON - timedelta(days=days_before)).isoformat()


def chart(pid: str, diagnosis: str, *extra: Resource) -> list[Resource]:
    """A 40-year-old with ``diagnosis`` begun 69 days before the order, no care on record, and ``extra``."""
    subject = {"reference": f"Patient/{pid}"}
    patient = {"resourceType": "Patient", "id": pid, "birthDate": "1985-05-05", "gender": "female"}
    condition = {"resourceType": "Condition", "id": f"{pid}-dx", "subject": subject,
                 "code": {"coding": [{"system": ICD10CM, "code": diagnosis}]}, "onsetDateTime": day(69)}
    return [patient, condition, *({**r, "id": f"{pid}-{r['id']}", "subject": subject} for r in extra)]


CONTRAINDICATIONS: dict[str, Resource] = {
    "problem-list-z95-0": {"resourceType": "Condition", "id": "pm", "recordedDate": day(900),
                           "code": {"coding": [{"system": ICD10CM, "code": "Z95.0"}]}},
    "pacemaker-clinic-visit": {"resourceType": "Encounter", "id": "pm", "status": "finished",
                               "class": {"code": "AMB"}, "period": {"start": day(200)},
                               "reasonCode": [{"coding": [{"system": ICD10CM, "code": "Z45.010"}]}]},
    "screen-row-without-category": {"resourceType": "Observation", "id": "pm", "status": "final",
                                    "code": {"coding": [{"system": SNOMED, "code": "441509002"}]},
                                    "valueBoolean": True, "effectiveDateTime": day(3)},
}


@pytest.mark.parametrize("shape", sorted(CONTRAINDICATIONS))
async def test_a_ct_for_a_patient_with_a_pacemaker_is_not_switched_to_mri_both_ways(
        cds: Any, shape: str) -> None:
    """R13 "no contraindication to MRI": a lumbar CT at day 69 without care is R3a alone — no R13 card
    pushing a one-click MRI. The screen row has no category, so only the observations search's SNOMED CT
    codes bring it to the fallback."""
    resources = chart(f"mod-{shape}", "M54.16", CONTRAINDICATIONS[shape])
    answers = await evaluate_both_ways(cds, resources, order=CT_LUMBAR, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert rules(answers.prefetch) == ["R3a"], answers.difference()


async def test_a_cervical_ct_for_cervical_opll_keeps_its_r19_rating_both_ways(cds: Any) -> None:
    """R13 "no OPLL indication": cervical radiculopathy for 69 days (R19b, appropriate) and OPLL coded
    M48.8X2: the CT is not switched to MRI nor rated not-appropriate."""
    opll = {"resourceType": "Condition", "id": "opll", "recordedDate": day(400),
            "code": {"coding": [{"system": ICD10CM, "code": "M48.8X2"}]}}
    answers = await evaluate_both_ways(cds, chart("mod-opll", "M54.12", opll), order=CT_CERVICAL,
                                       on=ON.isoformat())

    assert answers.same, answers.difference()
    assert (rules(answers.prefetch), rating(answers.prefetch)) == (["R19b"], "appropriate"), \
        answers.difference()
