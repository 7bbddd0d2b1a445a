"""The eleventh pass's narrative fields (docs/pathway-facts.md "Eleventh pass: narrative fields") through the
real app and SEKMET: the same rule by prefetch and by the service's own FHIR fallback (PATHWAY.md invariant
4) — a problem's, a procedure's and a prescription's ``note`` by their unfiltered searches, an exam row's
note and valueString prose by the exam-category findings search, a spine report's ``presentedForm`` text by
the reports search. Each chart is a 40-year-old with a 19-day lumbar radiculopathy and a lumbar MRI order:
R1 (defer) without the finding.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import first_rule_beside_sciatica

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
ON = date(2025, 6, 2)
YESTERDAY, LAST_WEEK, ONSET = ((ON - timedelta(days=days)).isoformat() for days in (1, 7, 19))
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"


def of(pid: str, resource_type: str, rid: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": resource_type, "id": f"{pid}-{rid}", "subject": {"reference": f"Patient/{pid}"},
            **fields}


def note(text: str) -> list[dict[str, str]]:
    return [{"text": text, "time": f"{YESTERDAY}T10:00:00Z"}]


EXAM = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                     "code": "exam"}]}]


def exam(pid: str, text: str, **fields: Any) -> list[dict[str, Any]]:
    """An exam row under a local name, yesterday."""
    return [of(pid, "Observation", "neuro", status="final", category=EXAM, code={"text": text},
               effectiveDateTime=YESTERDAY, **fields)]


def problem_note(pid: str) -> list[dict[str, Any]]:
    return [of(pid, "Condition", "lbp", code={"coding": [{"system": ICD, "code": "M54.50"}]},
               recordedDate=LAST_WEEK, note=note("New saddle anesthesia since yesterday."))]


def procedure_note(pid: str) -> list[dict[str, Any]]:
    return [of(pid, "Procedure", "pt", status="completed", performedDateTime=LAST_WEEK,
               code={"coding": [{"system": CPT, "code": "97110"}]},
               note=note("Pt reports new urinary retention; sent to ED."))]


def prescription_note(pid: str) -> list[dict[str, Any]]:
    return [of(pid, "MedicationRequest", "rx", status="active", intent="order", authoredOn=LAST_WEEK,
               medicationCodeableConcept={"text": "naproxen"}, note=note("Started for new right foot drop."))]


def report_text(pid: str) -> list[dict[str, Any]]:
    text = base64.b64encode(b"IMPRESSION: Epidural abscess at L3-4.").decode()
    return [of(pid, "DiagnosticReport", "mri", status="final",
               code={"coding": [{"system": CPT, "code": "72148"}]}, effectiveDateTime=LAST_WEEK,
               presentedForm=[{"contentType": "text/plain", "data": text}])]


SHAPES: dict[str, tuple[Any, str]] = {
    "problem-note": (problem_note, "R5"),
    "procedure-note": (procedure_note, "R5"),
    "prescription-note": (prescription_note, "R6"),
    "exam-row-note": (lambda pid: exam(pid, "Neuro exam", valueString="See note",
                                       note=note("Saddle anesthesia present.")), "R5"),
    "exam-row-prose": (lambda pid: exam(pid, "Neuro exam", valueString="Saddle anesthesia present, "
                                                                      "decreased rectal tone"), "R5"),
    "exam-row-prose-denied": (lambda pid: exam(pid, "HPI", valueString="Denies saddle anesthesia or "
                                                                       "bowel/bladder changes."), "R1"),
    "report-presented-form": (report_text, "R7"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_red_flag_in_a_narrative_field_is_read_by_prefetch_and_by_fallback(cds: Any, shape: str
                                                                                   ) -> None:
    pid = f"notes11-{shape}"
    make, rule = SHAPES[shape]
    assert await first_rule_beside_sciatica(cds, pid, make(pid), onset=ONSET, on=ON.isoformat()) == rule
