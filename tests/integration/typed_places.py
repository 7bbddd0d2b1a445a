"""The free-text places a clinic types a finding in, as one record each of a chart that ``chart_both_ways``
sends by prefetch and by fallback: a visit's typed reason (also an ED chief complaint), a free-text
problem and a problem's note, an exam row's prose, a prescription's note, a referral's note. Each builder
takes the patient id and the words, and returns the records to add beside a 19-day lumbar sciatica
(``first_rule_beside_sciatica`` with ``onset=ONSET, on=ON``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

Resource = dict[str, Any]
ON = date(2025, 6, 2)
YESTERDAY, LAST_WEEK, ONSET = ((ON - timedelta(days=days)).isoformat() for days in (1, 6, 19))
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
EXAM = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                     "code": "exam"}]}]


def of(pid: str, resource_type: str, rid: str, **fields: Any) -> list[Resource]:
    return [{"resourceType": resource_type, "id": f"{pid}-{rid}", "subject": {"reference": f"Patient/{pid}"},
             **fields}]


def visit(pid: str, words: str) -> list[Resource]:
    return of(pid, "Encounter", "visit", status="finished", period={"start": YESTERDAY},
              reasonCode=[{"text": words}])


def chief_complaint(pid: str, words: str) -> list[Resource]:
    return of(pid, "Encounter", "ed", status="finished", period={"start": YESTERDAY},
              **{"class": {"code": "EMER"}}, reasonCode=[{"text": words}])


def problem(pid: str, words: str) -> list[Resource]:
    return of(pid, "Condition", "typed", code={"text": words}, recordedDate=LAST_WEEK)


def problem_note(pid: str, words: str) -> list[Resource]:
    return of(pid, "Condition", "lbp", code={"coding": [{"system": ICD, "code": "M54.50"}]},
              recordedDate=LAST_WEEK, note=[{"text": words, "time": f"{YESTERDAY}T10:00:00Z"}])


def exam_prose(pid: str, words: str, row: str = "Physical exam") -> list[Resource]:
    return of(pid, "Observation", "exam", status="final", category=EXAM, code={"text": row},
              effectiveDateTime=YESTERDAY, valueString=words)


def prescription_note(pid: str, words: str) -> list[Resource]:
    return of(pid, "MedicationRequest", "rx", status="active", intent="order", authoredOn=LAST_WEEK,
              medicationCodeableConcept={"text": "naproxen"}, note=[{"text": words}])


def referral_note(pid: str, words: str) -> list[Resource]:
    return of(pid, "ServiceRequest", "ref", status="active", intent="order",
              code={"text": "Neurosurgery referral"}, authoredOn=YESTERDAY, note=[{"text": words}])
