"""The ninth pass's myelopathy shapes (docs/pathway-facts.md "Ninth pass: myelopathy and the cord") through
the real app and SEKMET: the same rule by prefetch and by the service's own FHIR fallback (PATHWAY.md
invariant 4) — free-text problems and coded neck symptoms by the conditions search, reflex and gait rows
by the exam-category findings search, a typed chief complaint by the encounters search. Each chart is a
40-year-old with a 19-day lumbar radiculopathy and a lumbar MRI order: R1 (defer) without the finding,
R20 (the cord card) with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import first_rule_both_ways

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Resource = dict[str, Any]
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
LOCAL = "urn:oid:1.2.840.114350.1.13.861.1.7.2.707679"
ON = date(2025, 6, 2)


def day(days_before: int) -> str:
    return (ON - timedelta(days=days_before)).isoformat()


def condition(pid: str, cid: str, code: str | None, onset: int, text: str | None = None) -> Resource:
    concept: dict[str, Any] = {"coding": [{"system": ICD, "code": code}]} if code else {"text": text}
    return {"resourceType": "Condition", "id": f"{pid}-{cid}", "subject": {"reference": f"Patient/{pid}"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": concept, "onsetDateTime": day(onset)}


def exam_row(pid: str, oid: str, name: str, answer: str) -> Resource:
    """A neurological exam row under a local flowsheet code, filed under the exam category, yesterday."""
    return {"resourceType": "Observation", "id": f"{pid}-{oid}", "status": "final",
            "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": day(1),
            "code": {"coding": [{"system": LOCAL, "code": "30512", "display": name}], "text": name},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "exam"}]}], "valueString": answer}


def visit(pid: str, complaint: str) -> Resource:
    return {"resourceType": "Encounter", "id": f"{pid}-v", "status": "finished",
            "subject": {"reference": f"Patient/{pid}"},
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "reasonCode": [{"text": complaint}], "period": {"start": day(3), "end": day(3)}}


SHAPES: dict[str, tuple[Any, str]] = {
    "free-text-myelopathy": (
        lambda pid: [condition(pid, "m", None, 5, "Cervical spondylotic myelopathy")], "R20"),
    "reflex-row-beside-disc-code": (
        lambda pid: [exam_row(pid, "b", "Babinski R", "Upgoing"), condition(pid, "n", "M50.20", 40)], "R20"),
    "reflex-row-beside-typed-neck-pain": (
        lambda pid: [exam_row(pid, "h", "Hoffmann's sign", "R"), visit(pid, "Neck pain, numb hands")], "R20"),
    "gait-row-with-reflex": (
        lambda pid: [exam_row(pid, "g", "Gait", "Spastic"), condition(pid, "r", "R29.2", 4)], "R20"),
    "negative-reflex-screen": (
        lambda pid: [exam_row(pid, "b", "Babinski R", "Downgoing"), exam_row(pid, "c", "Ankle clonus",
                                                                              "Non-sustained"),
                     condition(pid, "n", "M54.2", 40)], "R1"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_myelopathy_shape_is_read_by_prefetch_and_by_fallback(cds: Any, shape: str) -> None:
    make, rule = SHAPES[shape]
    pid = f"my-{shape}"
    woman = {"resourceType": "Patient", "id": pid, "birthDate": "1985-05-05", "gender": "female"}

    found = await first_rule_both_ways(cds, [woman, condition(pid, "dx", "M54.16", 19), *make(pid)],
                                       on=ON.isoformat())

    assert found == rule
