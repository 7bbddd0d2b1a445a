"""The twelfth pass's infection flags typed in words (docs/pathway-facts.md "Twelfth pass: infection and
malignancy typed in words") through the real app and SEKMET: the same rule by prefetch and by the service's
own FHIR fallback (PATHWAY.md invariant 4) — a visit's typed reason by the encounters search, a problem's
note and a free-text problem by the unfiltered Conditions search, an exam row's prose by the exam-category
findings search, a prescription's note by the medications search. Each chart is a 40-year-old with a 19-day
lumbar radiculopathy and a lumbar MRI order: R1 (defer) without the finding.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import first_rule_beside_sciatica

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
ON = date(2025, 6, 2)
YESTERDAY, LAST_WEEK, ONSET = ((ON - timedelta(days=days)).isoformat() for days in (1, 6, 19))
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
EXAM = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                     "code": "exam"}]}]


def of(pid: str, resource_type: str, rid: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": resource_type, "id": f"{pid}-{rid}", "subject": {"reference": f"Patient/{pid}"},
            **fields}


def visit(pid: str, words: str) -> list[dict[str, Any]]:
    return [of(pid, "Encounter", "visit", status="finished", period={"start": YESTERDAY},
               reasonCode=[{"text": words}])]


def problem_note(pid: str, words: str) -> list[dict[str, Any]]:
    return [of(pid, "Condition", "lbp", code={"coding": [{"system": ICD, "code": "M54.50"}]},
               recordedDate=LAST_WEEK, note=[{"text": words, "time": f"{YESTERDAY}T10:00:00Z"}])]


def problem(pid: str, words: str) -> list[dict[str, Any]]:
    return [of(pid, "Condition", "typed", code={"text": words}, recordedDate=LAST_WEEK)]


def exam_prose(pid: str, words: str) -> list[dict[str, Any]]:
    return [of(pid, "Observation", "vitals", status="final", category=EXAM, code={"text": "Physical exam"},
               effectiveDateTime=YESTERDAY, valueString=words)]


def prescription_note(pid: str, words: str) -> list[dict[str, Any]]:
    return [of(pid, "MedicationRequest", "rx", status="active", intent="order", authoredOn=LAST_WEEK,
               medicationCodeableConcept={"text": "naproxen"}, note=[{"text": words}])]


SHAPES: dict[str, tuple[Any, str, str]] = {
    "visit-fever": (visit, "Back pain, fevers to 39C at home", "R7"),
    "problem-note-tmax": (problem_note, "Febrile overnight, Tmax 39.1.", "R7"),
    "exam-prose-temperature": (exam_prose, "Ill appearing. T 101.4, HR 112.", "R7"),
    "problem-immunosuppressed": (problem, "Immunosuppressed (s/p renal transplant)", "R7"),
    "prescription-note-chemo": (prescription_note, "Pt currently on chemo for lymphoma.", "R7"),
    "visit-fever-denied": (visit, "Back pain. Denies fevers/chills.", "R1"),
    "exam-prose-afebrile": (exam_prose, "Afebrile, T 98.6, well appearing.", "R1"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_an_infection_flag_typed_in_words_is_read_by_prefetch_and_by_fallback(cds: Any, shape: str
                                                                                    ) -> None:
    pid = f"typed12-{shape}"
    make, words, rule = SHAPES[shape]
    chart = make(pid, words)
    assert await first_rule_beside_sciatica(cds, pid, chart, onset=ONSET, on=ON.isoformat()) == rule
