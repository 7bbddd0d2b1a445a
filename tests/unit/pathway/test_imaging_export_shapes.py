"""Prior imaging and prior spine surgery as Epic, Oracle Health and PACS exports record them, parsed from raw
FHIR JSON as the hooks parse it (PATHWAY.md §1 the order's region, §2 "prior imaging", "prior spine surgery",
R11/R21, R12). Each shape below was once read wrongly and changed the rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_order

from app.terminology import CPT, ICD10CM, LOINC, SNOMED

DCM = "http://dicom.nema.org/resources/ontology/DCM"
# Radiculopathy for 100 days and no care: R3a without a prior MRI, R12 with one.
SCIATICA = {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"),
            "onsetDateTime": "2025-12-01"}
CERVICAL_RADICULOPATHY = {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.12"),
                          "onsetDateTime": "2025-12-01"}


def order(code: str) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": coded(CPT, code), "authoredOn": "2026-03-11"}


def report(status: str) -> dict[str, Any]:
    return {"resourceType": "DiagnosticReport", "id": "r", "status": status,
            "code": coded(LOINC, "24968-0"), "effectiveDateTime": "2026-02-10"}


@pytest.mark.parametrize("status", ["final", "amended", "corrected", "appended"])
def test_a_released_lumbar_mri_report_is_a_prior_mri(status: str) -> None:
    """R12: FHIR R4 files `appended` (content added after it was final) under `amended`, one of the three
    released states PATHWAY.md §2 names; an appended report was read like a preliminary one."""
    decision = decide_order(order("72148"), SCIATICA, report(status))
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_imaging]) == (
        "R12", ["DiagnosticReport/r"])


@pytest.mark.parametrize("status", ["registered", "partial", "preliminary", "cancelled", "entered-in-error",
                                    "unknown"])
def test_an_unreleased_or_void_report_is_no_prior_mri(status: str) -> None:
    assert decide_order(order("72148"), SCIATICA, report(status)).rules[0] == "R3a"


def study(*procedure_codes: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"resourceType": "ImagingStudy", "id": "s", "status": "available", "started": "2026-02-10",
            "procedureCode": list(procedure_codes), **fields}


@pytest.mark.parametrize(("draft", "diagnosis"), [("72148", SCIATICA), ("72141", CERVICAL_RADICULOPATHY)])
def test_a_study_of_two_regions_is_a_prior_mri_of_each(draft: str, diagnosis: dict[str, Any]) -> None:
    """R12: one ImagingStudy whose procedureCode lists a lumbar and a cervical MRI (both scanned in one
    visit) imaged both regions; only the first code was read, so the cervical MRI was ordered again."""
    both = study(coded(CPT, "72148"), coded(CPT, "72141"))
    decision = decide_order(order(draft), diagnosis, both)
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_imaging]) == (
        "R12", ["ImagingStudy/s"])


def test_a_study_of_another_region_and_a_radiograph_is_no_prior_mri() -> None:
    """The codes are read one by one, never mixed: a cervical MRI and a lumbar radiograph are not a
    lumbar MRI."""
    decision = decide_order(order("72148"), SCIATICA, study(coded(CPT, "72141"), coded(CPT, "72100")))
    assert (decision.rules[0], decision.facts.prior_imaging) == ("R3a", ())


def operation(code: str) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "op", "status": "completed", "code": coded(CPT, code),
            "performedDateTime": "2024-05-02"}


NEW_SCIATICA = {**SCIATICA, "onsetDateTime": "2026-03-01"}  # 10 days: R1 defers, unless post-surgical
NEW_CERVICAL = {**CERVICAL_RADICULOPATHY, "onsetDateTime": "2026-03-01"}  # 10 days: R19 advises waiting


@pytest.mark.parametrize(("code", "draft", "diagnosis"), [
    ("63005", "72148", NEW_SCIATICA), ("63017", "72148", NEW_SCIATICA), ("63042", "72148", NEW_SCIATICA),
    ("63001", "72141", NEW_CERVICAL), ("63015", "72141", NEW_CERVICAL), ("63020", "72141", NEW_CERVICAL),
    ("63040", "72141", NEW_CERVICAL), ("63045", "72141", NEW_CERVICAL), ("63050", "72141", NEW_CERVICAL),
    ("63051", "72141", NEW_CERVICAL), ("22600", "72141", NEW_CERVICAL),
])
def test_a_spine_operation_coded_by_its_own_cpt_code_is_prior_surgery(
        code: str, draft: str, diagnosis: dict[str, Any]) -> None:
    """R11/R21 (ACR LBP 2021 variant 5): new radicular pain after a lumbar laminectomy of three segments
    (CPT 63017) or a cervical foraminotomy (63045) is post-surgical, imaging appropriate — not R1's defer
    or R19's wait because the operation's CPT code is not one of the eight PATHWAY.md §6.5 lists."""
    decision = decide_order(order(draft), diagnosis, operation(code))
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_surgery]) == (
        "R11/R21", ["Procedure/op"])


@pytest.mark.parametrize(("code", "draft", "diagnosis", "rule"), [
    ("63045", "72148", NEW_SCIATICA, "R1"), ("63046", "72148", NEW_SCIATICA, "R1"),
    ("63017", "72141", NEW_CERVICAL, "R19"),
])
def test_an_operation_on_another_region_is_not_prior_surgery_of_this_one(
        code: str, draft: str, diagnosis: dict[str, Any], rule: str) -> None:
    """PATHWAY.md §2 v2: the CPT code's region decides, as for the codes §6.5 lists."""
    decision = decide_order(order(draft), diagnosis, operation(code))
    assert (decision.rules[0], decision.facts.prior_surgery) == (rule, ())


LUMBOSACRAL_SPINE = {"system": SNOMED, "code": "297173004"}  # DICOM CID 4031 "Lumbo-sacral spine"


def test_an_mr_series_of_the_lumbosacral_spine_is_a_prior_lumbar_mri() -> None:
    """R12: a PACS export names the part examined by its DICOM CID 4031 code; a lumbosacral MR series is
    the lumbar region of PATHWAY.md §1 ("lumbar/lumbosacral")."""
    pacs = study(series=[{"uid": "1.2.3", "modality": {"system": DCM, "code": "MR"},
                          "bodySite": LUMBOSACRAL_SPINE}])
    decision = decide_order(order("72148"), SCIATICA, {**pacs, "procedureCode": None})
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_imaging]) == (
        "R12", ["ImagingStudy/s"])


def test_an_mri_of_spine_ordered_for_the_lumbosacral_spine_is_a_lumbar_order() -> None:
    """PATHWAY.md §1: the order gives the region; coded only "MRI of spine", its bodySite names it. A
    lumbar order on a chart with only cervical diagnoses is rated lumbar, not cervical."""
    draft = {**order("72148"), "code": coded(SNOMED, "241645008"),
             "bodySite": [{"coding": [LUMBOSACRAL_SPINE]}]}
    decision = decide_order(draft, NEW_CERVICAL)
    assert decision.order is not None and decision.order.region is not None
    assert decision.order.region.value == "lumbar"


def history_of(code: str, display: str) -> dict[str, Any]:
    """A problem-list entry for an operation, as Epic and Synthea record it: a SNOMED CT Condition."""
    return {"resourceType": "Condition", "id": "op-history", "code": coded(SNOMED, code, display),
            "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "inactive"),
            "onsetDateTime": "2022-05-02"}


def test_a_cervical_fusion_on_the_problem_list_does_not_make_new_sciatica_post_surgical() -> None:
    """§2 v2 / R11/R21: surgery counts only in the order's region, or when its region is unknown (Z98.1,
    M96.1). A Condition "cervical arthrodesis" (SNOMED CT 81099000) names its region: on a lumbar order
    the new sciatica of 10 days is deferred (R1), as a Procedure with the same code already was."""
    decision = decide_order(order("72148"), NEW_SCIATICA, history_of("81099000", "Cervical arthrodesis"))
    assert (decision.rules[0], decision.facts.prior_surgery) == ("R1", ())


@pytest.mark.parametrize(("code", "display"), [("429164009", "History of lumbar laminectomy"),
                                               ("27151001", "Post-laminectomy syndrome")])
def test_a_lumbar_or_region_unknown_operation_on_the_problem_list_is_prior_lumbar_surgery(
        code: str, display: str) -> None:
    decision = decide_order(order("72148"), NEW_SCIATICA, history_of(code, display))
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_surgery]) == (
        "R11/R21", ["Condition/op-history"])
