"""The ninth pass's red-flag codes (docs/pathway-facts.md "Ninth pass: terminology") through the real app and
SEKMET: the same rule by prefetch and by the service's own FHIR fallback (PATHWAY.md invariant 4). ICD-9-CM
and WHO ICD-10 problems come by the conditions search; a SNOMED CT finding recorded as an Observation's code
outside the findings categories comes only by the observations search, which must name the new codes. Each
chart is a 40-year-old with a 19-day lumbar radiculopathy and a lumbar MRI order: R1 (defer) without the flag.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import evaluate_both_ways, rules

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Resource = dict[str, Any]
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ICD9 = "http://hl7.org/fhir/sid/icd-9-cm"
WHO = "http://hl7.org/fhir/sid/icd-10"
SCT = "http://snomed.info/sct"
ON = date(2025, 6, 2)


def day(days_before: int) -> str:
    return (ON - timedelta(days=days_before)).isoformat()


def condition(pid: str, cid: str, system: str, code: str, onset: int) -> Resource:
    return {"resourceType": "Condition", "id": f"{pid}-{cid}", "subject": {"reference": f"Patient/{pid}"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": {"coding": [{"system": system, "code": code}]}, "onsetDateTime": day(onset)}


def finding(pid: str, system: str, code: str) -> Resource:
    """A finding recorded as an Observation's code, with no category (only a code search finds it)."""
    return {"resourceType": "Observation", "id": f"{pid}-o", "status": "final",
            "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": day(2),
            "code": {"coding": [{"system": system, "code": code}]}}


SHAPES: dict[str, tuple[Any, str]] = {
    "icd9-cauda-equina": (lambda pid: [condition(pid, "c", ICD9, "344.61", 300)], "R5"),
    "icd9-oid-retention": (lambda pid: [condition(pid, "c", "urn:oid:2.16.840.1.113883.6.103", "788.20", 3)],
                           "R5"),
    "icd9-osteomyelitis": (lambda pid: [condition(pid, "c", ICD9, "730.08", 5)], "R7"),
    "icd9-history-of-breast-cancer": (lambda pid: [condition(pid, "c", ICD9, "V10.3", 3000)], "R8"),
    "who-history-of-cancer": (lambda pid: [condition(pid, "c", WHO, "Z85.8", 3000)], "R8"),
    "who-spastic-paraplegia": (lambda pid: [condition(pid, "c", WHO, "G82.1", 4)], "R5"),
    "snomed-lymphoma": (lambda pid: [condition(pid, "c", SCT, "308121000", 400)], "R8"),
    "snomed-paraplegia-observation": (lambda pid: [finding(pid, SCT, "192967009")], "R5"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_ninth_pass_red_flag_code_is_read_by_prefetch_and_by_fallback(cds: Any, shape: str) -> None:
    pid = f"tc-{shape}"
    make, rule = SHAPES[shape]
    patient = {"resourceType": "Patient", "id": pid, "birthDate": "1985-05-05", "gender": "female"}
    chart = [patient, condition(pid, "dx", ICD, "M54.16", 19), *make(pid)]

    answers = await evaluate_both_ways(cds, chart, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert rules(answers.prefetch)[0] == rule, answers.difference()
