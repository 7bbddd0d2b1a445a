"""R12 (PATHWAY.md §2 prior imaging): an ImagingStudy exported without a procedure code — DICOM modality MR
and a series body site, as PACS exports often are — is a prior MRI of the region its body site names."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.terminology import CPT, SNOMED

LUMBAR, CERVICAL = "122496007", "122494005"


def study(modality: str, site: str | None, **fields: Any) -> dict[str, Any]:
    series: dict[str, Any] = {"uid": "1.2.3.4", "modality": {"system": "http://dicom.nema.org/resources/ontology/DCM",
                                                            "code": modality}}
    if site is not None:
        series["bodySite"] = {"system": SNOMED, "code": site}
    return {"resourceType": "ImagingStudy", "id": "prior", "status": "available", "started": "2026-02-25",
            "series": [series], **fields}


@pytest.mark.parametrize(("modality", "site", "repeat"), [
    ("MR", LUMBAR, True),     # an MRI of the lumbar spine, 14 days ago, in this episode
    ("MR", CERVICAL, False),  # another region
    ("MR", None, False),      # MR alone names no region
    ("CT", LUMBAR, False),    # not an MRI
])
def test_a_study_with_only_modality_and_body_site_is_a_prior_mri_of_its_region(
    modality: str, site: str | None, repeat: bool
) -> None:
    assert ("R12" in decide(study(modality, site)).rules) is repeat


def test_a_classifiable_procedure_code_still_decides_over_the_body_site() -> None:
    """A study coded as a lumbar radiograph is not an MRI, whatever its series say."""
    radiograph = study("MR", LUMBAR, procedureCode=[coded(CPT, "72100")])
    assert "R12" not in decide(radiograph).rules
