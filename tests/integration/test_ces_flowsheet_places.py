"""The tenth pass's cauda equina shapes (docs/pathway-facts.md "Tenth pass: cauda equina and motor deficits
in flowsheets") through the real app and SEKMET: the same rule by prefetch and by the service's own FHIR
fallback (PATHWAY.md invariant 4) — bladder scans, sphincter, saddle, elimination and foot drop exam rows
and per-side strength grades by the exam-category findings search, a typed chief complaint by the
encounters search, a catheterisation's name by the procedures search, an orthosis referral by the
service requests search. Each chart is a 40-year-old with a 19-day lumbar
radiculopathy and a lumbar MRI order: R1 (defer) without the finding.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import first_rule_beside_sciatica

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
ON = date(2025, 6, 2)
YESTERDAY, ONSET = ((ON - timedelta(days=days)).isoformat() for days in (1, 19))
SNOMED = "http://snomed.info/sct"


def exam(pid: str, oid: str, text: str, **value: Any) -> dict[str, Any]:
    """A flowsheet row filed under the exam category, yesterday."""
    return {"resourceType": "Observation", "id": f"{pid}-{oid}", "status": "final",
            "subject": {"reference": f"Patient/{pid}"}, "code": {"text": text},
            "effectiveDateTime": YESTERDAY,
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "exam"}]}], **value}


def side(code: str) -> dict[str, Any]:
    return {"bodySite": {"coding": [{"system": SNOMED, "code": code}]}}


SHAPES: dict[str, tuple[Any, str]] = {
    "post-void-residual": (lambda pid: [exam(pid, "pvr", "Post void residual",
                                             valueQuantity={"value": 450, "unit": "mL"})], "R5"),
    "residual-normal": (lambda pid: [exam(pid, "pvr", "Post void residual",
                                          valueQuantity={"value": 40, "unit": "mL"})], "R1"),
    "rectal-tone": (lambda pid: [exam(pid, "dre", "Rectal tone", valueString="Decreased")], "R5"),
    "rectal-tone-normal": (lambda pid: [exam(pid, "dre", "Rectal tone", valueString="Normal")], "R1"),
    "anal-wink": (lambda pid: [exam(pid, "wink", "Anal wink", valueString="Absent")], "R5"),
    "both-legs-graded": (lambda pid: [
        exam(pid, "r", "Ankle dorsiflexion strength", valueString="3/5", **side("24028007")),
        exam(pid, "l", "Ankle dorsiflexion strength", valueString="3/5", **side("7771000"))], "R5"),
    "one-leg-graded": (lambda pid: [
        exam(pid, "r", "Ankle dorsiflexion strength", valueString="3/5", **side("24028007"))], "R6"),
    "typed-complaint": (lambda pid: [{
        "resourceType": "Encounter", "id": f"{pid}-ed", "status": "finished", "subject": {
            "reference": f"Patient/{pid}"}, "class": {"code": "EMER"}, "period": {"start": YESTERDAY},
        "reasonCode": [{"text": "Numbness in groin"}]}], "R5"),
    "catheterisation-name": (lambda pid: [{
        "resourceType": "Procedure", "id": f"{pid}-cath", "status": "completed", "subject": {
            "reference": f"Patient/{pid}"}, "performedDateTime": YESTERDAY,
        "code": {"coding": [{"system": "urn:local", "code": "C1",
                             "display": "Straight cath for urinary retention"}]}}],
        "R5"),
    "elimination-row": (lambda pid: [exam(pid, "gu", "Urinary elimination", valueString="Retention")], "R5"),
    "screen-endorses": (lambda pid: [exam(pid, "sa", "Saddle anesthesia", valueString="Endorses")], "R5"),
    "foot-drop-row": (lambda pid: [exam(pid, "fd", "Foot drop", valueString="Right")], "R6"),
    "orthosis-order": (lambda pid: [{
        "resourceType": "ServiceRequest", "id": f"{pid}-afo", "status": "active", "intent": "order",
        "subject": {"reference": f"Patient/{pid}"}, "authoredOn": YESTERDAY,
        "code": {"text": "Referral to orthotics - AFO"}}], "R6"),
}


@pytest.mark.parametrize("shape", list(SHAPES))
async def test_a_cauda_equina_flowsheet_shape_is_read_by_prefetch_and_by_fallback(cds: Any, shape: str
                                                                                   ) -> None:
    pid = f"ces10-{shape}"
    make, rule = SHAPES[shape]
    assert await first_rule_beside_sciatica(cds, pid, make(pid), onset=ONSET, on=ON.isoformat()) == rule
