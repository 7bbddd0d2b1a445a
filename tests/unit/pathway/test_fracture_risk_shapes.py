"""Fracture risk (PATHWAY.md §3 "Fracture risk", R10, R13) as EHR exports record it, parsed as the hooks parse
it. ``raw_decision.decide`` adds each resource to a 19-day lumbar radiculopathy and decides a lumbar MRI
ordered on 2026-03-11: R1 (defer) without a fracture risk, R10 (radiographs first, appropriate) with one.
Each shape below was once read as no fracture risk and deferred (docs/pathway-facts.md "Seventh pass:
fracture risk").
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
from app.terminology import ICD10CM

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def condition(code: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "fx", "code": coded(ICD10CM, code), **fields}


@pytest.mark.parametrize("fields", [
    {"clinicalStatus": coded(CLINICAL, "resolved"), "onsetDateTime": "2019-05-01"},
    {"clinicalStatus": coded(CLINICAL, "inactive")},
    {"clinicalStatus": coded(CLINICAL, "remission"), "recordedDate": "2018-01-10"},
    {"clinicalStatus": coded(CLINICAL, "resolved"), "abatementDateTime": "2024-01-01"},
])
def test_r10_osteoporosis_counts_whatever_its_clinical_status(fields: dict[str, Any]) -> None:
    """§3 "Osteoporosis (M80–M81)": a chronic disease; a problem list tidied to "resolved" or "inactive"
    (or treated into a better T-score) does not remove the fracture risk. It was R1 (defer)."""
    decision = decide(condition("M81.0", **fields))

    assert RedFlag.FRACTURE_RISK in decision.facts.red_flags
    assert decision.rules == ("R10",)


@pytest.mark.parametrize("fields", [
    {"verificationStatus": coded(VERIFICATION, "refuted")},
    {"verificationStatus": coded(VERIFICATION, "entered-in-error")},
    {"onsetDateTime": "2026-04-01"},  # after the order
])
def test_r10_refuted_erroneous_or_later_osteoporosis_is_no_fracture_risk(fields: dict[str, Any]) -> None:
    """§2: refuted and entered-in-error never count; a finding dated after the order is ignored."""
    assert decide(condition("M81.0", **fields)).rules == ("R1",)


def test_r10_an_osteoporosis_observation_years_old_is_fracture_risk() -> None:
    """§2 v2 "Where a finding is read": osteoporosis recorded as an Observation's value (LOINC 75325-1
    "Symptom") in 2022 is still osteoporosis; it counted only within 180 days."""
    observation = {"resourceType": "Observation", "id": "op", "status": "final",
                   "code": coded("http://loinc.org", "75325-1"),
                   "valueCodeableConcept": coded("http://snomed.info/sct", "64859006"),
                   "effectiveDateTime": "2022-06-01"}

    assert decide(observation).rules == ("R10",)


@pytest.mark.parametrize("fields", [
    {"clinicalStatus": coded(CLINICAL, "resolved"), "onsetDateTime": "2026-01-20"},
    {"clinicalStatus": coded(CLINICAL, "resolved")},  # nothing dates it
    {"clinicalStatus": coded(CLINICAL, "resolved"), "abatementString": "healed"},
    {"clinicalStatus": coded(CLINICAL, "resolved"), "abatementDateTime": "2026-02-01"},
    {"clinicalStatus": coded(CLINICAL, "resolved"), "onsetDateTime": "2020-01-20"},
    {"clinicalStatus": coded(CLINICAL, "resolved"), "abatementDateTime": "2020-06-01"},
])
def test_r10_a_vertebral_fracture_counts_healed_or_not_whatever_its_age(fields: dict[str, Any]) -> None:
    """§3 "a vertebral fracture code": a fracture of January resolved with its abatement date left off was
    dropped (R1) while the same fracture with the date counted (seventh pass); a fracture healed in 2020
    was dropped after 180 days (R1). A prior vertebral fracture is the strongest risk of another, so it is
    read as history, as osteoporosis is (docs/pathway-facts.md "Ninth pass: fracture risk and trauma")."""
    assert decide(condition("S32.010A", **fields)).rules == ("R10",)


@pytest.mark.parametrize("code", [
    "Z87.310",   # personal history of (healed) osteoporosis fracture: osteoporosis
    "M84.68XD",  # pathological fracture in other disease, other site, subsequent encounter
    "M49.56",    # collapsed vertebra in diseases classified elsewhere, lumbar region
])
def test_r10_osteoporosis_and_pathological_vertebral_fractures_in_other_icd_10_cm_codes(code: str) -> None:
    """§3: "osteoporosis (M80–M81)" and "a vertebral fracture code" as ICD-10-CM also records them. Each was
    R1 (defer)."""
    decision = decide(condition(code, clinicalStatus=coded(CLINICAL, "active")))

    assert RedFlag.FRACTURE_RISK in decision.facts.red_flags
    assert decision.rules == ("R10",)


def test_a_pathological_fracture_in_neoplastic_disease_is_fracture_risk_and_r8() -> None:
    """M84.58XA (the vertebra's code) is a vertebral fracture (§3 fracture risk) through a tumour: since the
    tenth pass (malignancy) also the major malignancy flag, so R8 (whole-spine MRI) comes before R10."""
    decision = decide(condition("M84.58XA", clinicalStatus=coded(CLINICAL, "active")))

    assert {RedFlag.FRACTURE_RISK, RedFlag.MALIGNANCY_MAJOR} <= set(decision.facts.red_flags)
    assert decision.rules == ("R8",)


@pytest.mark.parametrize("code", [
    "M82.0",  # osteoporosis in multiple myelomatosis (M82, osteoporosis in diseases classified elsewhere)
    "T08",    # fracture of spine, level unspecified
])
def test_r10_icd_10_who_categories_icd_10_cm_lacks_are_fracture_risk(code: str) -> None:
    """§3 osteoporosis and a vertebral fracture code, as ICD-10 (WHO) exports code them (ICD-10-CM has
    neither category). Each was R1 (defer)."""
    who = "http://hl7.org/fhir/sid/icd-10"
    resource = {"resourceType": "Condition", "id": "fx", "code": coded(who, code)}

    assert decide(resource).rules == ("R10",)


@pytest.mark.parametrize("code", [
    "M85.80",    # osteopenia is not osteoporosis
    "M85.851",   # osteopenia of the right thigh
])
def test_r10_osteopenia_is_no_fracture_risk(code: str) -> None:
    assert decide(condition(code)).rules == ("R1",)


def pain(**value: Any) -> dict[str, Any]:
    """A 0-10 pain score (LOINC 72514-3) recorded yesterday."""
    return {"resourceType": "Observation", "id": "pain", "status": "final",
            "code": coded("http://loinc.org", "72514-3"), "effectiveDateTime": "2026-03-10", **value}


@pytest.mark.parametrize(("value", "score"), [
    ({"valueQuantity": {"value": 9, "unit": "{score}"}}, 9.0),
    ({"valueInteger": 9}, 9.0),
    ({"valueString": "9"}, 9.0),      # a flowsheet row sent as text
    ({"valueString": "9/10"}, 9.0),
    ({"valueString": "<3"}, None),    # a bound, not a score
    ({"valueString": "11"}, None),    # not on the 0-10 scale
    ({"valueString": "severe"}, None),
])
def test_r24_the_pain_score_hook_reads_a_score_written_as_text(
    value: dict[str, Any], score: float | None
) -> None:
    """R24's policy hook (pain ≥ 9/10, LOINC 72514-3, off by default) reads the score wherever the value
    is written: a "9/10" sent as valueString was no score."""
    assert decide(pain(**value)).facts.pain_score == score


def test_r9_a_resolved_weight_loss_without_an_abatement_date_is_dated_by_its_onset() -> None:
    """Weight loss shares the vertebral fracture's ``Keep`` (CURRENT): resolved last month, its abatement
    date left off, it is still a weak malignancy flag (R9), as it is with the date."""
    resolved = coded(CLINICAL, "resolved")
    decision = decide(condition("R63.4", clinicalStatus=resolved, onsetDateTime="2026-01-20"))

    assert RedFlag.MALIGNANCY_WEAK in decision.facts.red_flags
    assert decision.rules == ("R9",)
