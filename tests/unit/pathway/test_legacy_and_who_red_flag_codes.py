"""Red flags coded in ICD-9-CM (legacy problem lists) and in WHO ICD-10 codes whose ICD-10-CM namesakes head
children of another meaning (docs/pathway-facts.md "Ninth pass: terminology"). Each shape was deferred (R1)
before: ``raw_decision.decide`` adds it to a 19-day lumbar radiculopathy and decides a lumbar MRI ordered on
2026-03-11. The controls — codes that do not mean the flag — must still defer: a spurious emergency card is a
miss the other way.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_chart

from app.terminology import ICD9CM, ICD10CM, LOINC, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
WHO = "http://hl7.org/fhir/sid/icd-10"
NEW = "2026-03-01"  # within the episode
OLD = "2015-06-01"  # a history


def problem(system: str, code: str, onset: str = NEW, ident: str = "c1") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": ident, "code": coded(system, code),
            "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": onset}


@pytest.mark.parametrize(("system", "code", "onset", "rule"), [
    (ICD9CM, "344.61", OLD, "R5"),  # cauda equina syndrome, active whatever its onset (§3, as G83.4)
    ("urn:oid:2.16.840.1.113883.6.103", "344.60", NEW, "R5"),
    ("2.16.840.1.113883.6.2", "34461", NEW, "R5"),
    (ICD9CM, "788.20", NEW, "R5"),  # new retention of urine (§3 CES, as R33.9)
    (ICD9CM, "788.30", NEW, "R5"),  # new unspecified incontinence (as R32)
    (ICD9CM, "787.60", NEW, "R5"),  # faecal incontinence (as R15.9)
    (ICD9CM, "344.1", NEW, "R5"),  # a new paraplegia: leg weakness (CES) and a motor deficit
    (ICD9CM, "344.31", NEW, "R6"),  # monoplegia of a lower limb (§3 motor, as G83.1x)
    (ICD9CM, "730.08", NEW, "R7"),  # vertebral osteomyelitis as ICD-9-CM codes it (§3 infection)
    (ICD9CM, "324.1", NEW, "R7"),  # intraspinal abscess (as G06.1)
    (ICD9CM, "042", OLD, "R7"),  # HIV disease (as B20)
    (ICD9CM, "304.01", OLD, "R7"),  # opioid dependence (as F11.2x)
    (ICD9CM, "198.5", NEW, "R8"),  # secondary malignant neoplasm of bone (as C79.51)
    (ICD9CM, "203.00", NEW, "R8"),  # multiple myeloma (as C90.00)
    (ICD9CM, "V10.3", OLD, "R8"),  # history of breast cancer (as Z85.3)
    (WHO, "Z85.8", OLD, "R8"),  # WHO: history of cancer of other organs and systems
    (WHO, "N39.4", NEW, "R5"),  # WHO: other specified incontinence, new in the episode (as R32)
    (WHO, "G82.1", NEW, "R5"),  # WHO: spastic paraplegia (ICD-10-CM has only G82.2x)
    (WHO, "G82.4", NEW, "R6"),  # WHO: spastic tetraplegia (ICD-10-CM has only G82.5x)
    (WHO, "Z79.5", "2025-01-01", "R7"),  # WHO: long-term steroids (§3 infection, as Z79.52)
])
def test_a_legacy_or_who_coded_red_flag_is_not_deferred(
    system: str, code: str, onset: str, rule: str
) -> None:
    decision = decide(problem(system, code, onset))

    assert decision.rules[0] == rule


@pytest.mark.parametrize(("system", "code", "onset"), [
    (ICD9CM, "788.31", NEW),  # urge incontinence: never CES alone (§3 v2)
    (ICD9CM, "625.6", NEW),  # female stress incontinence
    (ICD9CM, "788.30", OLD),  # unspecified incontinence begun long before the episode
    (ICD9CM, "173.31", OLD),  # basal cell carcinoma of skin (§3: never non-melanoma skin cancer)
    (ICD9CM, "V10.83", OLD),  # history of non-melanoma skin cancer
    (ICD9CM, "V16.3", OLD),  # family history of breast cancer
    (ICD9CM, "217", OLD),  # benign neoplasm of breast
    (ICD9CM, "305.00", OLD),  # alcohol abuse
    ("urn:oid:2.16.840.1.113883.6.104", "14.01", NEW),  # an ICD-9-CM *procedure* code is no diagnosis
    (ICD10CM, "Z85.828", OLD),  # ICD-10-CM: history of non-melanoma skin cancer, under the Z85.8 header
    (ICD10CM, "N39.41", NEW),  # ICD-10-CM: urge incontinence, under the N39.4 header
    (ICD10CM, "Z79.51", "2025-01-01"),  # ICD-10-CM: inhaled steroids, under the Z79.5 header
])
def test_a_code_that_does_not_mean_the_flag_still_defers(system: str, code: str, onset: str) -> None:
    decision = decide(problem(system, code, onset))

    assert decision.rules == ("R1",)


def test_icd9cm_never_brings_an_order_into_scope_by_a_qualifying_code() -> None:
    """ICD-9-CM lumbago (724.2) or sciatica (724.3) qualify nothing (PATHWAY.md §6.1 names ICD-10-CM and
    SNOMED CT); a chart with only them is out of scope (R28), as it was."""
    decision = decide_chart(problem(ICD9CM, "724.3"), problem(ICD9CM, "724.2", ident="c2"))

    assert decision.rules == ("R28",)


def test_an_icd9cm_finding_as_a_symptom_observation_value_counts() -> None:
    """§2: an Observation whose value is a finding asserts it; an ICD-9-CM diagnosis is a finding, as an
    ICD-10-CM one is (LOINC 75325-1 "Symptom" with 344.61 as its value)."""
    symptom = {"resourceType": "Observation", "id": "s1", "status": "final", "code": coded(LOINC, "75325-1"),
               "effectiveDateTime": NEW, "valueCodeableConcept": coded(ICD9CM, "344.61")}

    assert decide(symptom).rules[0] == "R5"


@pytest.mark.parametrize("code", ["192966000", "192967009"])  # flaccid, spastic paraplegia
def test_a_new_snomed_flaccid_or_spastic_paraplegia_is_leg_weakness(code: str) -> None:
    """CODES.md §1f: paraplegia 60389000 is the leg weakness of CES (R5) and a motor deficit (R6); its
    flaccid and spastic children, as a problem list codes them, are too."""
    assert decide(problem(SNOMED, code)).rules[:2] == ("R5", "R6")


@pytest.mark.parametrize("code", ["192964002", "192965001"])  # flaccid, spastic tetraplegia
def test_a_snomed_tetraplegia_is_a_severe_motor_deficit(code: str) -> None:
    """§3 motor, as ICD-10-CM G82.5x quadriplegia (eighth pass): R6 whatever its onset while active."""
    assert decide(problem(SNOMED, code, OLD)).rules[0] == "R6"


@pytest.mark.parametrize("code", [
    "308121000",  # follicular non-Hodgkin's lymphoma
    "443487006",  # mantle cell lymphoma
    "277473004",  # B-cell chronic lymphocytic leukemia
    "190818004",  # Waldenström macroglobulinemia
    "188718006",  # extramedullary plasmacytoma
    "274088005",  # secondary malignant neoplasm of unknown site
    "310504009",  # primary malignant neoplasm of unknown site
    "314996003",  # metastasis from malignant tumor of kidney
    "372142002",  # carcinoma of pancreas
    "255029007",  # papillary thyroid carcinoma
    "372095001",  # malignant neoplasm of male breast
    "187952001",  # malignant neoplasm of pelvic bones, sacrum and coccyx
])
def test_a_snomed_cancer_a_problem_list_codes_is_a_major_malignancy_flag(code: str) -> None:
    """§3 malignancy (major) in SNOMED CT: CODES.md §1a's ECL << 363346000 takes these in; the exact list
    did not, so a 19-day radiculopathy with a lymphoma or a metastasis of unknown primary was deferred."""
    assert decide(problem(SNOMED, code, OLD)).rules[0] == "R8"
