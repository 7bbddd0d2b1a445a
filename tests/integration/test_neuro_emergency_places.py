"""The eighth pass's neurological-emergency shapes (docs/pathway-facts.md "Eighth pass: the neurological
emergencies") through the real app and SEKMET: the same rule by prefetch and by the service's own FHIR
fallback (PATHWAY.md invariant 4) — coded findings and free-text problems come by the conditions search,
the strength exams and a screen row in words by the exam-category findings search. Each chart is a
40-year-old with a 19-day lumbar radiculopathy and a lumbar MRI order: R1 (defer) without the finding.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import evaluate_both_ways, rules

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Resource = dict[str, Any]
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ON = date(2025, 6, 2)


def day(days_before: int) -> str:
    return (ON - timedelta(days=days_before)).isoformat()


def condition(pid: str, cid: str, code: str, onset: int) -> Resource:
    return {"resourceType": "Condition", "id": f"{pid}-{cid}", "subject": {"reference": f"Patient/{pid}"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": {"coding": [{"system": ICD, "code": code}]}, "onsetDateTime": day(onset)}


def exam(pid: str, text: str, **value: Any) -> Resource:
    """A motor exam filed under the exam category, yesterday."""
    return {"resourceType": "Observation", "id": f"{pid}-mmt", "status": "final",
            "subject": {"reference": f"Patient/{pid}"}, "code": {"text": text}, "effectiveDateTime": day(1),
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "exam"}]}], **value}


SHAPES: dict[str, tuple[Any, str]] = {
    "bilateral-foot-drop": (
        lambda pid: [condition(pid, "r", "M21.371", 3), condition(pid, "l", "M21.372", 2)], "R5"),
    "paraplegia-icd": (lambda pid: [condition(pid, "p", "G82.21", 2)], "R5"),
    "cauda-equina-injury": (lambda pid: [condition(pid, "i", "S34.3XXA", 300)], "R5"),
    "neurogenic-bladder-new": (lambda pid: [condition(pid, "b", "N31.9", 4)], "R5"),
    "quadriplegia": (lambda pid: [condition(pid, "q", "G82.54", 4)], "R6"),
    "strength-panel-items": (lambda pid: [exam(pid, "Lower extremity strength", component=[
        {"code": {"text": "R ankle dorsiflexion"}, "valueString": "2/5"}])], "R6"),
    "muscle-row-out-of-five": (lambda pid: [exam(pid, "L EHL", valueString="1/5")], "R6"),
    "lovett-word": (lambda pid: [exam(pid, "Right hip flexion strength", valueString="Poor")], "R6"),
    # In words only (facts_named): a screen row under a local code answered Yes, a free-text problem.
    "screen-row-in-words": (lambda pid: [{**exam(pid, "Saddle anesthesia", valueString="Yes"), "code": {
        "coding": [{"system": "urn:oid:1.2.840.114350.1.13.861.1.7.2.707679", "code": "30412",
                    "display": "Saddle anesthesia"}]}}], "R5"),
    "free-text-problem": (lambda pid: [{**condition(pid, "t", "G83.4", 2), "code": {
        "text": "Cauda equina syndrome"}}], "R5"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_neurological_emergency_shape_is_read_by_prefetch_and_by_fallback(
        cds: Any, shape: str) -> None:
    pid = f"ne-{shape}"
    make, rule = SHAPES[shape]
    patient = {"resourceType": "Patient", "id": pid, "birthDate": "1985-05-05", "gender": "female"}
    chart = [patient, condition(pid, "dx", "M54.16", 19), *make(pid)]

    answers = await evaluate_both_ways(cds, chart, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert rules(answers.prefetch)[0] == rule, answers.difference()
