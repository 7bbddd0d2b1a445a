"""Eighth pass: the facts that decide between defer and proceed after six weeks, and the repeat-imaging
rule, as Epic, Oracle Health, athenahealth and claims-shaped exports record them (PATHWAY.md §2
"conservative care", "candidate", "prior imaging", "prior spine surgery"; R3a, R3b, R2/R23, R11/R21, R12).
Parsed from raw FHIR JSON as the hooks parse it. Each shape below was once read wrongly and changed the rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_order

from app.terminology import CPT, ICD10CM

SCIATICA = {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"),
            "onsetDateTime": "2025-12-01"}  # 100 days before the order: R3a without care
NEW_SCIATICA = {**SCIATICA, "onsetDateTime": "2026-03-01"}  # 10 days: R1, unless post-surgical
NEW_CERVICAL = {**NEW_SCIATICA, "code": coded(ICD10CM, "M54.12")}  # 10 days: R19


def order(code: str = "72148") -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": coded(CPT, code), "authoredOn": "2026-03-11"}


def procedure(code: str, performed: str = "2026-01-10", system: str = CPT) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "p", "status": "completed", "code": coded(system, code),
            "performedDateTime": performed}


@pytest.mark.parametrize("code", ["64480", "64484"])
def test_an_epidural_injection_coded_by_its_added_level_is_care_and_candidacy(code: str) -> None:
    """R2/R23, not R3a: a claims-shaped export sends each billed line as its own Procedure, and a
    transforaminal injection at two levels may arrive as the add-on level's code (CPT 64484, lumbar) alone.
    It was read only as the infection risk factor, so the injection was neither care nor candidacy."""
    decision = decide_order(order(), SCIATICA, procedure(code))
    assert (decision.rules[0], [e.reference for e in decision.facts.conservative_care],
            [e.reference for e in decision.facts.candidate]) == ("R2/R23", ["Procedure/p"], ["Procedure/p"])


@pytest.mark.parametrize(("code", "draft", "diagnosis"), [
    ("22857", "72148", NEW_SCIATICA), ("63056", "72148", NEW_SCIATICA), ("62380", "72148", NEW_SCIATICA),
    ("22554", "72141", NEW_CERVICAL), ("22856", "72141", NEW_CERVICAL),
])
def test_a_fusion_arthroplasty_or_decompression_by_its_own_cpt_code_is_prior_surgery_of_its_region(
        code: str, draft: str, diagnosis: dict[str, Any]) -> None:
    """R11/R21 (ACR LBP 2021 variant 5), not R1's defer or R19's wait: an anterior cervical fusion (22554),
    a disc arthroplasty (22856, 22857), a transpedicular (63056) or endoscopic (62380) lumbar decompression
    were read only as a recent spinal procedure (the R7 risk factor)."""
    decision = decide_order(order(draft), diagnosis, procedure(code, "2024-05-02"))
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_surgery]) == (
        "R11/R21", ["Procedure/p"])


@pytest.mark.parametrize(("code", "draft", "diagnosis", "rule"), [
    ("22554", "72148", NEW_SCIATICA, "R1"), ("22610", "72148", NEW_SCIATICA, "R1"),
    ("22857", "72141", NEW_CERVICAL, "R19"),
])
def test_those_operations_on_another_region_are_not_prior_surgery_of_this_one(
        code: str, draft: str, diagnosis: dict[str, Any], rule: str) -> None:
    """PATHWAY.md §2 v2: the CPT code's region decides (an old cervical fusion does not make a new lumbar
    radiculopathy post-surgical)."""
    decision = decide_order(order(draft), diagnosis, procedure(code, "2024-05-02"))
    assert (decision.rules[0], decision.facts.prior_surgery) == (rule, ())


@pytest.mark.parametrize("code", ["M96.0", "M96.3", "M96.4", "T84.216A", "T84.226D", "T84.296S"])
def test_a_state_only_a_spine_operation_leaves_is_prior_surgery(code: str) -> None:
    """R11/R21, not R1: pseudarthrosis after a fusion, postlaminectomy kyphosis, postsurgical lordosis and a
    broken or displaced vertebral fixation device say the spine was operated on, as M96.1 does (region
    unknown: every region)."""
    state = {"resourceType": "Condition", "id": "c", "code": coded(ICD10CM, code),
             "recordedDate": "2024-01-01"}
    decision = decide_order(order(), NEW_SCIATICA, state)
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_surgery]) == (
        "R11/R21", ["Condition/c"])


def test_other_postprocedural_states_are_not_spine_surgery() -> None:
    """Z98.890 "other specified postprocedural states" names no operation on the spine: R1 still defers."""
    state = {"resourceType": "Condition", "id": "c", "code": coded(ICD10CM, "Z98.890"),
             "recordedDate": "2024-01-01"}
    assert decide_order(order(), NEW_SCIATICA, state).rules[0] == "R1"


def study(status: str) -> dict[str, Any]:
    return {"resourceType": "ImagingStudy", "id": "s", "status": status, "started": "2026-02-10",
            "procedureCode": [coded(CPT, "72148")]}


@pytest.mark.parametrize(("status", "rule"), [
    ("registered", "R3a"), ("cancelled", "R3a"), ("entered-in-error", "R3a"),
    ("available", "R12"), ("unknown", "R12"),
])
def test_a_study_registered_but_not_yet_done_is_no_prior_mri(status: str, rule: str) -> None:
    """R12 "do not repeat" needs an examination that was done. FHIR R4 ImagingStudy `registered`: the study
    exists but "nothing yet available" — an MRI booked for next week (an Epic or PACS worklist entry
    carries its scheduled date as `started`). It counted, so the clinician was told not to repeat an MRI
    that had not happened; `unknown` still counts (a done study whose status the export lost)."""
    decision = decide_order(order(), SCIATICA, study(status))
    assert decision.rules[0] == rule


LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580"  # an Epic procedure-code system: no value set lists it


def named_study(name: str, *, where: str = "description", status: str = "available") -> dict[str, Any]:
    named: dict[str, Any] = {
        "description": {"description": name},
        "text": {"procedureCode": [{"text": name}]},
        "display": {"procedureCode": [{"coding": [{"system": LOCAL, "code": "IMG5105", "display": name}]}]},
    }[where]
    return {"resourceType": "ImagingStudy", "id": "s", "status": status, "started": "2026-02-10", **named}


@pytest.mark.parametrize("where", ["description", "text", "display"])
@pytest.mark.parametrize("name", ["MRI LUMBAR SPINE WO CONTRAST", "MR L-Spine w/o", "MRI Spine Lumbar W/WO"])
def test_a_study_named_only_in_words_is_a_prior_mri(name: str, where: str) -> None:
    """R12, not R3a: an Epic, Oracle Health or PACS study under its own procedure code (or none) is named in
    its description, its procedureCode's text or the local code's display; it was an MRI to the pathway
    only with a series body site, which such exports seldom send. Read with the draft order's words."""
    decision = decide_order(order(), SCIATICA, named_study(name, where=where))
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_imaging]) == (
        "R12", ["ImagingStudy/s"])


@pytest.mark.parametrize("name", [
    "CT LUMBAR SPINE WO CONTRAST",  # not an MRI
    "MRI CERVICAL SPINE WO CONTRAST",  # another region
    "XR LUMBAR SPINE 2-3 VIEWS",
    "MRI",  # no region: the outside-imaging override says it
    "FLUORO GUIDED LUMBAR EPIDURAL INJECTION",  # done under imaging, no study of the spine
])
def test_a_study_whose_name_is_not_an_mri_of_the_region_is_no_prior_mri(name: str) -> None:
    decision = decide_order(order(), SCIATICA, named_study(name))
    assert (decision.rules[0], decision.facts.prior_imaging) == ("R3a", ())


def test_a_named_study_only_registered_is_no_prior_mri() -> None:
    decision = decide_order(order(), SCIATICA, named_study("MRI LUMBAR SPINE", status="registered"))
    assert decision.rules[0] == "R3a"


def referral(name: str, status: str = "active", authored: str = "2026-01-10") -> dict[str, Any]:
    """A referral or order as Epic sends it: under its own procedure code, named in the display and text."""
    return {"resourceType": "ServiceRequest", "id": "r", "status": status, "intent": "order",
            "code": {"coding": [{"system": LOCAL, "code": "REF68", "display": name.upper()}], "text": name},
            "authoredOn": authored}


PT_SESSION = procedure("97110")  # care, so that candidacy alone decides between R3b and R2/R23


@pytest.mark.parametrize("name", [
    "Ambulatory referral to Physical Therapy", "AMB REFERRAL TO PHYSIOTHERAPY", "PT eval and treat",
    "Referral to chiropractor", "Osteopathic manipulation",
])
def test_a_therapy_referral_named_only_in_words_is_care(name: str) -> None:
    """R3b, not R3a "start conservative care": Epic's referral orders are coded by its own procedure codes
    (REF68 "AMB REFERRAL TO PHYSICAL THERAPY"), which no value set lists; the words name the therapy. The
    rule of PATHWAY.md §2 still holds: counted once 14 days old (or carried out)."""
    decision = decide_order(order(), SCIATICA, referral(name))
    assert (decision.rules[0], [e.reference for e in decision.facts.conservative_care]) == (
        "R3b", ["ServiceRequest/r"])


def test_a_therapy_referral_named_in_words_written_yesterday_is_not_yet_care() -> None:
    decision = decide_order(order(), SCIATICA, referral("Ambulatory referral to Physical Therapy",
                                                        authored="2026-03-10"))
    assert decision.rules[0] == "R3a"


@pytest.mark.parametrize("name", [
    "Ambulatory referral to Neurosurgery", "AMB REFERRAL TO ORTHOPEDIC SPINE SURGERY",
    "Referral to Pain Management", "Ambulatory referral to PM&R", "Lumbar epidural steroid injection",
    "Ambulatory referral to Orthopedics", "Injection of steroid into epidural space",
])
def test_a_spine_referral_or_injection_named_only_in_words_makes_a_candidate(name: str) -> None:
    """R2/R23, not R3b: a referral to a spine surgeon, pain medicine or PM&R, or a planned epidural
    injection, under a local code, is candidacy (PATHWAY.md §2 "candidate")."""
    decision = decide_order(order(), SCIATICA, PT_SESSION, referral(name))
    assert (decision.rules[0], [e.reference for e in decision.facts.candidate]) == (
        "R2/R23", ["ServiceRequest/r"])


@pytest.mark.parametrize("name", [
    "PT/INR",  # a clotting test, not physical therapy
    "ESR, Westergren", "Referral to Dermatology", "Office Visit",
    "Physical therapy referral declined by patient",
    "PMR panel",  # polymyalgia rheumatica, not PM&R
    "Orthopedic brace, lumbar",  # a device, no specialist seen
    "Pain management agreement",  # an opioid agreement
    "Epidural anesthesia for labor",
])
def test_a_name_that_names_no_therapy_or_spine_specialist_is_neither(name: str) -> None:
    decision = decide_order(order(), SCIATICA, referral(name))
    facts = decision.facts
    assert (decision.rules[0], facts.conservative_care, facts.candidate) == ("R3a", (), ())


def visit(name: str, *, field: str = "type", status: str = "finished") -> dict[str, Any]:
    concept = {"coding": [{"system": LOCAL, "code": "1001", "display": name}]}
    return {"resourceType": "Encounter", "id": "e", "status": status, "period": {"start": "2026-01-10"},
            field: [concept] if field == "type" else concept}


@pytest.mark.parametrize("field", ["type", "serviceType"])
def test_a_therapy_visit_typed_by_a_local_code_is_care(field: str) -> None:
    """R3b, not R3a: an athenahealth or Epic visit typed "Physical Therapy Visit" by its own code."""
    decision = decide_order(order(), SCIATICA, visit("Physical Therapy Visit", field=field))
    assert (decision.rules[0], [e.reference for e in decision.facts.conservative_care]) == (
        "R3b", ["Encounter/e"])


def test_a_spine_surgery_visit_typed_by_a_local_code_makes_a_candidate() -> None:
    decision = decide_order(order(), SCIATICA, PT_SESSION, visit("Neurosurgery New Patient Visit"))
    assert (decision.rules[0], [e.reference for e in decision.facts.candidate]) == ("R2/R23", ["Encounter/e"])


@pytest.mark.parametrize(("name", "rule"), [("Physical therapy", "R3b"), ("Chiropractic adjustment", "R3b"),
                                            ("Transforaminal epidural steroid injection L5-S1", "R2/R23")])
def test_a_procedure_recorded_only_in_words_is_care(name: str, rule: str) -> None:
    """athenahealth's procedure and surgical history, and a patient-reported treatment, are often only
    text; a done injection is care and candidacy (PATHWAY.md §2)."""
    done = {"resourceType": "Procedure", "id": "p", "status": "completed", "code": {"text": name},
            "performedDateTime": "2026-01-10"}
    decision = decide_order(order(), SCIATICA, done)
    assert (decision.rules[0], [e.reference for e in decision.facts.conservative_care]) == (
        rule, ["Procedure/p"])


@pytest.mark.parametrize("name", ["Paracetamol 500 mg tablet", "APAP 500 MG TAB",
                                  "HYDROcodone-APAP 5-325 MG"])
def test_acetaminophen_named_paracetamol_or_apap_is_care(name: str) -> None:
    """R3b, not R3a: MEDITECH and European exports name acetaminophen by its INN, and US pharmacy lists by
    "APAP"; PATHWAY.md §2 counts acetaminophen as conservative care."""
    taken = {"resourceType": "MedicationStatement", "id": "m", "status": "active",
             "medicationCodeableConcept": {"text": name}, "effectiveDateTime": "2026-01-10"}
    decision = decide_order(order(), SCIATICA, taken)
    assert (decision.rules[0], [e.text for e in decision.facts.conservative_care]) == (
        "R3b", ["acetaminophen"])


PCS = "http://www.cms.gov/Medicare/Coding/ICD10"  # ICD-10-PCS, as FHIR registers it


@pytest.mark.parametrize(("system", "code", "draft", "diagnosis"), [
    (PCS, "0SG00AJ", "72148", NEW_SCIATICA),  # fusion of a lumbar vertebral joint, interbody, anterior column
    (PCS, "0SG1071", "72148", NEW_SCIATICA),  # fusion of two or more lumbar joints
    (PCS, "0SB20ZZ", "72148", NEW_SCIATICA),  # excision of a lumbar disc: a discectomy
    (PCS, "00NY0ZZ", "72148", NEW_SCIATICA),  # release of the lumbar spinal cord: a decompression
    ("urn:oid:2.16.840.1.113883.6.4", "0SG3071", "72148", NEW_SCIATICA),  # under ICD-10-PCS's OID
    (PCS, "0RG10A0", "72141", NEW_CERVICAL),  # an anterior cervical fusion
    (PCS, "0RGA0AJ", "72141", NEW_CERVICAL),  # a thoracolumbar fusion names two regions: every region
])
def test_a_hospital_operation_coded_in_icd10_pcs_is_prior_surgery_of_its_region(
        system: str, code: str, draft: str, diagnosis: dict[str, Any]) -> None:
    """R11/R21, not R1 or R19: a hospital's export codes the inpatient operation in ICD-10-PCS only (Epic
    and Oracle Health inpatient Procedures, claims); the seven characters name the operation, body part,
    approach and device, and the first four (0SG0 fusion of a lumbar vertebral joint) say it all."""
    decision = decide_order(order(draft), diagnosis, procedure(code, "2024-05-02", system=system))
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_surgery]) == (
        "R11/R21", ["Procedure/p"])


@pytest.mark.parametrize(("code", "draft", "diagnosis", "rule"), [
    ("0SG00AJ", "72141", NEW_CERVICAL, "R19"),  # a lumbar fusion is not cervical surgery
    ("0RG10A0", "72148", NEW_SCIATICA, "R1"),
    ("0SH", "72148", NEW_SCIATICA, "R1"),  # too short to name an operation
    ("0SR9019", "72148", NEW_SCIATICA, "R1"),  # a hip replacement
])
def test_an_icd10_pcs_code_of_another_region_or_operation_is_not_prior_surgery(
        code: str, draft: str, diagnosis: dict[str, Any], rule: str) -> None:
    decision = decide_order(order(draft), diagnosis, procedure(code, "2024-05-02", system=PCS))
    assert (decision.rules[0], decision.facts.prior_surgery) == (rule, ())


def history(name: str) -> dict[str, Any]:
    """A surgical-history entry as athenahealth and a clinic's own list record it: a done Procedure named
    only in words."""
    return {"resourceType": "Procedure", "id": "p", "status": "completed", "code": {"text": name},
            "performedDateTime": "2024-05-02"}


@pytest.mark.parametrize(("name", "draft", "diagnosis"), [
    ("L4-5 laminectomy", "72148", NEW_SCIATICA), ("Lumbar fusion L5-S1", "72148", NEW_SCIATICA),
    ("TLIF L4-L5", "72148", NEW_SCIATICA), ("Microdiscectomy", "72148", NEW_SCIATICA),
    ("ACDF C5-6", "72141", NEW_CERVICAL), ("Spinal fusion T10-L2", "72148", NEW_SCIATICA),
])
def test_a_spine_operation_named_only_in_words_is_prior_surgery_of_its_region(
        name: str, draft: str, diagnosis: dict[str, Any]) -> None:
    """R11/R21 (ACR LBP 2021 variant 5), not R1's defer or R19's wait: the operation's name says what and,
    most often, where (a region not named counts for every region, as M96.1 does)."""
    decision = decide_order(order(draft), diagnosis, history(name))
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_surgery]) == (
        "R11/R21", ["Procedure/p"])


@pytest.mark.parametrize(("name", "draft", "diagnosis", "rule"), [
    ("ACDF C5-6", "72148", NEW_SCIATICA, "R1"),  # another region
    ("Right ankle fusion", "72148", NEW_SCIATICA, "R1"),  # a fusion, not of the spine
    ("Carpal tunnel release and decompression", "72148", NEW_SCIATICA, "R1"),
    ("Candidate for lumbar fusion", "72148", NEW_SCIATICA, "R1"),  # considered, not done
])
def test_a_name_that_is_no_spine_operation_of_the_region_is_not_prior_surgery(
        name: str, draft: str, diagnosis: dict[str, Any], rule: str) -> None:
    decision = decide_order(order(draft), diagnosis, history(name))
    assert (decision.rules[0], decision.facts.prior_surgery) == (rule, ())


def test_a_problem_list_history_of_laminectomy_in_words_is_prior_surgery() -> None:
    """A problem-list entry under a local code, "History of lumbar laminectomy", as the SNOMED CT 429164009
    entry is read."""
    entry = {"resourceType": "Condition", "id": "c", "recordedDate": "2024-01-01",
             "code": {"coding": [{"system": LOCAL, "code": "PL889",
                                  "display": "History of lumbar laminectomy"}]}}
    decision = decide_order(order(), NEW_SCIATICA, entry)
    assert (decision.rules[0], [e.reference for e in decision.facts.prior_surgery]) == (
        "R11/R21", ["Condition/c"])


def test_an_operation_named_in_words_since_the_last_mri_lifts_do_not_repeat() -> None:
    """R12 "no surgery since": a laminectomy after the MRI makes a new MRI the post-surgical study."""
    mri = {"resourceType": "ImagingStudy", "id": "s", "status": "available", "started": "2025-12-20",
           "procedureCode": [coded(CPT, "72148")]}
    operation = {**history("L4-5 laminectomy"), "performedDateTime": "2026-01-15"}
    decision = decide_order(order(), SCIATICA, mri, operation)
    assert (decision.facts.surgery_since_prior_imaging, decision.rules[0]) == (True, "R11/R21")


def test_a_therapy_of_a_rehabilitation_department_is_care_not_candidacy() -> None:
    """R3b, not R2/R23: "Physical Medicine & Rehab - Physical Therapy" names the department a PT referral
    goes to; a physiatrist's consult (PM&R, candidacy) is only a name without a therapy in it."""
    decision = decide_order(order(), SCIATICA, referral("Physical Medicine & Rehab - Physical Therapy"))
    facts = decision.facts
    assert (decision.rules[0], [e.reference for e in facts.conservative_care], facts.candidate) == (
        "R3b", ["ServiceRequest/r"], ())


def test_a_visit_typed_only_by_a_specialty_name_makes_a_candidate() -> None:
    """An Encounter is a visit by nature: a serviceType "Orthopedics" under a local code is a specialist
    seen (R2/R23), where a ServiceRequest named so may be an orthopaedic device."""
    decision = decide_order(order(), SCIATICA, PT_SESSION, visit("Orthopedics", field="serviceType"))
    assert (decision.rules[0], [e.reference for e in decision.facts.candidate]) == ("R2/R23", ["Encounter/e"])
