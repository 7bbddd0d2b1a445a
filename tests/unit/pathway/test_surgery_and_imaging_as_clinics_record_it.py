"""Eleventh pass: prior spine surgery and prior imaging as clinics really record them (PATHWAY.md §2 "prior
spine surgery", "prior imaging"; R11/R21, R12, R1). Parsed from raw FHIR JSON as the hooks parse it. Each
shape below was once read wrongly and changed the rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_order

from app.terminology import CPT, ICD10CM

NEW_SCIATICA = {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"),
                "onsetDateTime": "2026-03-01"}  # 10 days before the order: R1, unless post-surgical
NEW_CERVICAL = {**NEW_SCIATICA, "code": coded(ICD10CM, "M54.12")}  # 10 days: R19


def order(code: str = "72148") -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": coded(CPT, code), "authoredOn": "2026-03-11"}


def problem(text: str) -> dict[str, Any]:
    """A problem-list or surgical-history entry in words only, as athenahealth and free-text entries are."""
    return {"resourceType": "Condition", "id": "c", "code": {"text": text}, "recordedDate": "2023-06-01"}


@pytest.mark.parametrize("text", ["H/O lumbar spine surgery", "History of back surgery",
                                  "Failed back syndrome", "s/p spine surgery 2019", "Lumbar spine operation"])
def test_a_spine_operation_named_without_its_kind_is_prior_surgery(text: str) -> None:
    """R11/R21 (ACR LBP 2021 variant 5), not R1's defer: a problem list says the spine was operated on
    without naming the operation ("History of back surgery"); only a named laminectomy, discectomy or
    fusion was read, so new radicular pain after surgery was deferred as a first episode."""
    decision = decide_order(order(), NEW_SCIATICA, problem(text))
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_surgery]) == (
        "R11/R21", ["Condition/c"])


@pytest.mark.parametrize("text", ["No prior back surgery", "Back surgery: none", "Denies spine surgery",
                                  "Spine surgery recommended", "Spine Surgery Clinic", "Cervical surgery",
                                  "Thoracic surgery", "Neck surgery"])
def test_a_spine_operation_denied_proposed_or_a_place_or_another_organ_is_no_prior_surgery(text: str) -> None:
    """R1 still defers: a negative history, a recommendation, a clinic's name; "cervical", "thoracic" or
    "neck" surgery alone may be the cervix, the chest or the thyroid."""
    decision = decide_order(order(), NEW_SCIATICA, problem(text))
    assert (decision.rules[0], decision.facts.prior_surgery) == ("R1", ())


def test_a_back_surgery_is_not_an_operation_on_the_neck() -> None:
    """R19, not R11/R21: the back is not the neck, so a "back surgery" names the lumbar or thoracic spine."""
    decision = decide_order(order("72141"), NEW_CERVICAL, problem("History of back surgery"))
    assert (decision.rules[0], decision.facts.prior_surgery) == ("R19", ())


def procedure(code: str, system: str = CPT) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "p", "status": "completed", "code": coded(system, code),
            "performedDateTime": "2023-05-02"}


@pytest.mark.parametrize(("code", "draft", "diagnosis"), [
    ("63048", "72148", NEW_SCIATICA), ("63035", "72148", NEW_SCIATICA), ("22614", "72148", NEW_SCIATICA),
    ("22632", "72148", NEW_SCIATICA), ("22634", "72148", NEW_SCIATICA), ("63044", "72148", NEW_SCIATICA),
    ("63052", "72148", NEW_SCIATICA), ("63012", "72148", NEW_SCIATICA),
    ("63043", "72141", NEW_CERVICAL), ("63048", "72141", NEW_CERVICAL),
])
def test_a_spine_operation_billed_by_its_added_level_alone_is_prior_surgery(
        code: str, draft: str, diagnosis: dict[str, Any]) -> None:
    """R11/R21, not R1 or R19: a claims-shaped export sends each billed line as its own Procedure, and the
    add-on level of a decompression or fusion (63048, 22614, 22632 …) may be the only line the export kept,
    as 64484 for an injection; a Gill laminectomy (63012) was not read either."""
    decision = decide_order(order(draft), diagnosis, procedure(code))
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_surgery]) == (
        "R11/R21", ["Procedure/p"])


@pytest.mark.parametrize("code", ["63044", "22632", "63003"])
def test_an_added_level_of_another_region_is_no_prior_surgery_of_this_one(code: str) -> None:
    decision = decide_order(order("72141"), NEW_CERVICAL, procedure(code))
    assert (decision.rules[0], decision.facts.prior_surgery) == ("R19", ())


def test_an_icd10pcs_operation_under_the_icd_10_pcs_uri_is_prior_surgery() -> None:
    """R11/R21, not R1: "http://hl7.org/fhir/sid/icd-10-pcs" is the URI many exports write beside HL7's
    icd-10-cm; the excision of a lumbar disc (0SB20ZZ) under it was no code the service knew."""
    decision = decide_order(order(), NEW_SCIATICA, procedure("0SB20ZZ", "http://hl7.org/fhir/sid/icd-10-pcs"))
    assert decision.rules[0] == "R11/R21"


SCIATICA_100_DAYS = {**NEW_SCIATICA, "onsetDateTime": "2025-12-01"}  # R3a without care, R12 after an MRI
MRI_OF_SPINE = "241645008"  # SNOMED CT "Magnetic resonance imaging of spine": no region


@pytest.mark.parametrize("examination", [
    {"resourceType": "ImagingStudy", "id": "s", "status": "available", "started": "2026-01-10",
     "procedureCode": [coded("http://snomed.info/sct", MRI_OF_SPINE)], "description": "MRI LUMBAR SPINE WO"},
    {"resourceType": "DiagnosticReport", "id": "s", "status": "final", "effectiveDateTime": "2026-01-10",
     "code": coded("http://snomed.info/sct", MRI_OF_SPINE, "MRI L-spine without contrast")},
], ids=["study-description", "report-code-text"])
def test_an_mri_of_spine_whose_name_says_lumbar_is_a_prior_lumbar_mri(examination: dict[str, Any]) -> None:
    """R12, not R3a: a study or report coded only "MRI of spine" (no region) and named "MRI LUMBAR SPINE"
    in its description or code text. Its name says where, as a study under a local code is read; a report
    under this code is fetched by the fallback's code search too (invariant 4)."""
    decision = decide_order(order(), SCIATICA_100_DAYS, examination)
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_imaging]) == (
        "R12", [f"{examination['resourceType']}/s"])


def test_an_mri_of_spine_named_for_another_region_is_no_prior_lumbar_mri() -> None:
    report = {"resourceType": "DiagnosticReport", "id": "s", "status": "final",
              "effectiveDateTime": "2026-01-10",
              "code": coded("http://snomed.info/sct", MRI_OF_SPINE, "MRI cervical spine without contrast")}
    decision = decide_order(order(), SCIATICA_100_DAYS, report)
    assert (decision.rules[0], decision.facts.prior_imaging) == ("R3a", ())


@pytest.mark.parametrize("text", ["Preoperative clearance for L4-5 laminectomy",
                                  "Pre-op visit for lumbar fusion", "Awaiting L4-5 discectomy",
                                  "Upcoming lumbar fusion",
                                  "Plan: L4-5 microdiscectomy", "Referred for lumbar laminectomy",
                                  "Consent for lumbar laminectomy"])
def test_an_operation_being_prepared_is_no_prior_surgery(text: str) -> None:
    """R1 still defers, not R11/R21: a pre-operative clearance, an operation awaited, planned, referred for
    or consented to has not been done (a problem or a completed pre-op visit names it); "candidate",
    "scheduled" and "recommended" were already read so."""
    decision = decide_order(order(), NEW_SCIATICA, problem(text))
    assert (decision.rules[0], decision.facts.prior_surgery) == ("R1", ())


@pytest.mark.parametrize("text", ["Post-op lumbar fusion", "Status post ACDF C5-6 and L4-5 laminectomy"])
def test_an_operation_done_is_still_prior_surgery(text: str) -> None:
    assert decide_order(order(), NEW_SCIATICA, problem(text)).rules[0] == "R11/R21"
