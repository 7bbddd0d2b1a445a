"""Prior imaging and prior surgery recorded where real exports put them — an appended report, a study of two
regions, a PACS series named by its DICOM body part, an operation coded by a CPT sibling of PATHWAY.md §6.5
— through the real app and SEKMET, by a complete prefetch AND by the service's own FHIR fallback
(PATHWAY.md §2 "prior imaging", "prior spine surgery", R11/R21, R12, invariant 4).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import evaluate_both_ways, rating, rules

from app.terminology import CPT, ICD10CM, LOINC, SNOMED

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Resource = dict[str, Any]
ON = date(2025, 6, 2)
DCM = "http://dicom.nema.org/resources/ontology/DCM"


def day(days_before: int) -> str:
    return (ON - timedelta(days=days_before)).isoformat()


def chart(pid: str, onset_days: int, *extra: Resource) -> list[Resource]:
    """A 40-year-old with lumbar radiculopathy begun ``onset_days`` before the order, and ``extra``."""
    subject = {"reference": f"Patient/{pid}"}
    patient = {"resourceType": "Patient", "id": pid, "birthDate": "1985-05-05", "gender": "female"}
    condition = {"resourceType": "Condition", "id": f"{pid}-dx", "subject": subject,
                 "code": {"coding": [{"system": ICD10CM, "code": "M54.16"}]},
                 "onsetDateTime": day(onset_days)}
    return [patient, condition, *({**r, "id": f"{pid}-{r['id']}", "subject": subject} for r in extra)]


@pytest.mark.parametrize("shape", ["appended-report", "two-region-study", "lumbosacral-series"])
async def test_a_prior_lumbar_mri_recorded_as_exports_record_it_is_not_repeated_both_ways(
        cds: Any, shape: str) -> None:
    """R12: a 100-day episode and a lumbar MRI 30 days ago — reported 'appended', listed second on a study
    of the cervical and lumbar spine, or only an MR series of the lumbo-sacral spine (DICOM CID 4031)."""
    mri: Resource = {
        "appended-report": {"resourceType": "DiagnosticReport", "id": "mri", "status": "appended",
                            "code": {"coding": [{"system": LOINC, "code": "24968-0"}]},
                            "effectiveDateTime": day(30)},
        "two-region-study": {"resourceType": "ImagingStudy", "id": "mri", "status": "available",
                             "started": day(30), "procedureCode": [
                                 {"coding": [{"system": CPT, "code": "72141"}]},
                                 {"coding": [{"system": CPT, "code": "72148"}]}]},
        "lumbosacral-series": {"resourceType": "ImagingStudy", "id": "mri", "status": "available",
                               "started": day(30), "series": [{
                                   "uid": "1.2.840.7", "modality": {"system": DCM, "code": "MR"},
                                   "bodySite": {"system": SNOMED, "code": "297173004"}}]},
    }[shape]
    answers = await evaluate_both_ways(cds, chart(f"img-{shape}", 100, mri), on=ON.isoformat())

    assert answers.same, answers.difference()
    assert rules(answers.prefetch)[0] == "R12", answers.difference()


async def test_a_lumbar_laminectomy_coded_63017_makes_new_sciatica_post_surgical_both_ways(cds: Any) -> None:
    """R11/R21: sciatica of 10 days after a three-segment lumbar laminectomy (CPT 63017, beyond the §6.5
    list) is post-surgical, imaging appropriate — never R1's defer."""
    operation = {"resourceType": "Procedure", "id": "op", "status": "completed",
                 "performedDateTime": day(400), "code": {"coding": [{"system": CPT, "code": "63017"}]}}
    answers = await evaluate_both_ways(cds, chart("img-laminectomy-63017", 10, operation), on=ON.isoformat())

    assert answers.same, answers.difference()
    assert (rules(answers.prefetch)[0], rating(answers.prefetch)) == ("R11/R21", "appropriate"), \
        answers.difference()
