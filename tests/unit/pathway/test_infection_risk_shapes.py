"""Infection findings and infection risk factors as clinics record them (PATHWAY.md §3 infection, R7;
docs/pathway-facts.md "Seventh pass: infection"). ``raw_decision.decide`` decides a lumbar MRI ordered on
2026-03-11 for a 40-year-old man with a 19-day radiculopathy: R1 (defer) when nothing below raises a flag.
Each shape below was deferred before this pass."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import Finding, RedFlag, State
from app.terminology import CPT, ICD10CM, LOINC, SNOMED

# CRP 25 mg/L three days before the order: raised (> 10 mg/L, §3) but not R7b's 50, so alone it defers.
CRP_25 = {"resourceType": "Observation", "id": "crp", "status": "final", "code": coded(LOINC, "1988-5"),
          "effectiveDateTime": "2026-03-08", "valueQuantity": {"value": 25, "unit": "mg/L", "code": "mg/L"}}


def diagnosis(code: str, system: str = ICD10CM) -> dict[str, Any]:
    """An active problem or encounter diagnosis coded only with ``code``."""
    return {"resourceType": "Condition", "id": "rf", "code": coded(system, code),
            "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            "onsetDateTime": "2025-06-01"}


def test_a_raised_crp_alone_still_defers() -> None:
    """The control: CRP 25 mg/L without a risk factor is neither R7 nor R7b (CRP ≥ 50)."""
    assert decide(CRP_25).rules == ("R1",)


@pytest.mark.parametrize("code", [
    "O24.119",   # pre-existing type 2 diabetes in pregnancy (CODES.md recommendation 1: diabetes)
    "O24.011",   # pre-existing type 1 diabetes in pregnancy
    "O24.911",   # unspecified diabetes in pregnancy
    "Z79.4",     # long-term insulin use: coded for a treated diabetic
    "Z79.84",    # long-term oral hypoglycaemics
    "T80.211A",  # bloodstream infection due to a central venous catheter (catheter and bacteraemia)
    "T80.219A",  # infection due to a central venous catheter
    "Z95.828",   # a port or central line in place (presence of other vascular implants)
    "A41.01",    # sepsis due to MSSA: recent bacteraemia
    "A41.9",     # sepsis, unspecified organism
    "A40.0",     # streptococcal sepsis
])
def test_an_infection_risk_factor_coded_as_clinics_code_it_with_a_raised_crp_is_r7(code: str) -> None:
    """R7 (§3 v2 infection): a risk factor — diabetes, an indwelling vascular catheter, recent bacteraemia —
    with CRP > 10 mg/L within 14 days."""
    decision = decide(diagnosis(code), CRP_25)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


def test_gestational_diabetes_is_not_listed_as_a_risk_factor() -> None:
    """O24.4 gestational diabetes is not diabetes mellitus as Davis 2011 counts it (docs/pathway-facts.md)."""
    assert decide(diagnosis("O24.410"), CRP_25).rules == ("R1",)


@pytest.mark.parametrize("code", [
    "D83.9",    # common variable immunodeficiency (immunodeficiency, as D84.x)
    "D80.1",    # antibody deficiency
    "D81.9",    # combined immunodeficiency
    "D70.1",    # neutropenia after chemotherapy
    "D70.9",    # neutropenia, unspecified
    "Z79.620",  # long-term immunosuppressive biologic (ICD-10-CM FY2024 Z79.6x)
    "Z79.621",  # long-term calcineurin inhibitor (a transplant recipient's tacrolimus)
    "Z51.11",   # encounter for antineoplastic chemotherapy: a current course
    "F19.20",   # other (polysubstance) drug dependence: IV drug use
    "F19.21",   # … in remission: the risk outlasts the remission (the safe side)
    "F19.10",   # other drug abuse
])
def test_immunosuppression_and_drug_use_coded_as_clinics_code_them_are_an_infection_flag(code: str) -> None:
    """R7 (§3 infection: immunosuppression; intravenous drug use): a red flag by itself, no marker needed."""
    decision = decide(diagnosis(code))

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


@pytest.mark.parametrize("code", [
    "F16.20",   # hallucinogen dependence: not an injection drug
    "D86.9",    # sarcoidosis: not an immunodeficiency
])
def test_codes_next_to_the_infection_flags_that_are_not_one_still_defer(code: str) -> None:
    assert decide(diagnosis(code)).rules == ("R1",)


def test_a_history_of_chemotherapy_is_no_infection_flag_but_a_history_of_cancer() -> None:
    """Z92.21, possibly decades ago, is no immunosuppression (R7); it is a history of cancer, R8 (tenth pass:
    malignancy)."""
    assert decide(diagnosis("Z92.21")).rules[0] == "R8"


def procedure(system: str, code: str, **fields: Any) -> dict[str, Any]:
    """A completed Procedure coded only with ``code`` (performed 2026-02-20 unless ``fields`` say else)."""
    written = "performedDateTime" in fields or "undated" in fields
    dated = {} if written else {"performedDateTime": "2026-02-20"}
    fields.pop("undated", None)
    return {"resourceType": "Procedure", "id": "pr", "status": "completed", "code": coded(system, code),
            **dated, **fields}


@pytest.mark.parametrize("done", [
    procedure(CPT, "64493"),   # lumbar facet joint injection
    procedure(CPT, "62326"),   # lumbar epidural catheter infusion
    procedure(CPT, "22514"),   # lumbar kyphoplasty
    procedure(CPT, "62270"),   # lumbar puncture
    procedure(CPT, "22554"),   # anterior cervical fusion (prior surgery, so also a spinal procedure)
    procedure(CPT, "90935"),   # a haemodialysis session: the patient is on haemodialysis
    procedure(SNOMED, "302497006"),  # haemodialysis as Synthea's kidney module and renal registries code it
    procedure(CPT, "36569"),   # a PICC placed 19 days ago: an indwelling vascular catheter
    procedure(CPT, "36561"),   # a port placed
    procedure(CPT, "62323", undated=True),  # an injection whose date was not recorded
    procedure(CPT, "62323", undated=True, performedString="last month"),
])
def test_a_risk_procedure_in_the_last_90_days_with_a_raised_crp_is_r7(done: dict[str, Any]) -> None:
    """R7 (§3 v2): a spinal procedure or injection in the last 90 days, haemodialysis or an indwelling
    vascular catheter, with CRP > 10 mg/L within 14 days. An undated one may have been done yesterday
    (§2 "less data never means a less safe answer", invariant 6)."""
    decision = decide(done, CRP_25)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


def test_an_undated_spinal_injection_is_shown_as_date_not_recorded() -> None:
    decision = decide(procedure(CPT, "62323", undated=True), CRP_25)

    found = [e for e in decision.facts.red_flags[RedFlag.INFECTION] if e.finding is Finding.SPINAL_PROCEDURE]
    assert [(e.on, e.state) for e in found] == [(None, State.DATE_NOT_RECORDED)]


def test_haemodialysis_is_named_as_the_chart_names_it() -> None:
    session = procedure(CPT, "90935")
    session["code"]["coding"][0]["display"] = "HEMODIALYSIS  OUTPATIENT"
    decision = decide(session, CRP_25)

    flags = decision.facts.red_flags[RedFlag.INFECTION]
    found = [e for e in flags if e.finding is Finding.INFECTION_RISK_FACTOR]
    assert [(e.name, e.on) for e in found] == [("HEMODIALYSIS OUTPATIENT", date(2026, 2, 20))]


@pytest.mark.parametrize("other", [
    procedure(CPT, "64488"),  # a transversus abdominis plane block: not spinal
    procedure(CPT, "90935", performedDateTime="2025-11-01"),  # dialysis more than 90 days ago
    procedure(CPT, "64493", status="not-done"),
    procedure(CPT, "64493", status="entered-in-error", undated=True),
])
def test_a_procedure_that_is_no_risk_factor_still_defers(other: dict[str, Any]) -> None:
    assert decide(other, CRP_25).rules == ("R1",)


def test_a_risk_procedure_without_a_raised_marker_still_defers() -> None:
    """A risk factor is a red flag only together with a raised ESR or CRP (§3 v2)."""
    assert decide(procedure(CPT, "90935")).rules == ("R1",)


def blood_culture(value: dict[str, Any] | None, code: str = "600-7", **fields: Any) -> dict[str, Any]:
    """A blood culture resulted on 2026-03-01 with ``value`` as its valueCodeableConcept (none: pending)."""
    result = {"valueCodeableConcept": value} if value is not None else {}
    return {"resourceType": "Observation", "id": "bc", "status": "final", "code": coded(LOINC, code),
            "effectiveDateTime": "2026-03-01", **result, **fields}


STAPH_AUREUS = {"coding": [{"system": SNOMED, "code": "3092008", "display": "Staphylococcus aureus"}]}


@pytest.mark.parametrize("culture", [
    blood_culture(STAPH_AUREUS),
    blood_culture(STAPH_AUREUS, "17928-3"),  # the aerobic bottle
    blood_culture(STAPH_AUREUS, effectiveDateTime="2025-12-01"),  # within 180 days, as a coded finding
    blood_culture({"coding": [{"system": "urn:oid:2.16.840.1.113883.6.96", "code": "3092008"}]}),
])
def test_a_blood_culture_that_grew_an_organism_with_a_raised_crp_is_r7(culture: dict[str, Any]) -> None:
    """R7 (§3 v2 "recent bacteraemia"): bacteraemia recorded as its evidence, a positive blood culture."""
    decision = decide(culture, CRP_25)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


def test_the_card_names_the_organism_the_culture_grew() -> None:
    decision = decide(blood_culture(STAPH_AUREUS), CRP_25)

    flags = decision.facts.red_flags[RedFlag.INFECTION]
    found = [e for e in flags if e.finding is Finding.INFECTION_RISK_FACTOR]
    assert [(e.name, e.on, e.reference) for e in found] == [
        ("Staphylococcus aureus", date(2026, 3, 1), "Observation/bc")]


@pytest.mark.parametrize("culture", [
    blood_culture({"coding": [{"system": SNOMED, "code": "264868006", "display": "No growth"}]}),
    blood_culture({"coding": [{"system": SNOMED, "code": "260385009", "display": "Negative"}]}),
    blood_culture({"coding": [{"system": SNOMED, "code": "260415000", "display": "Not detected"}]}),
    blood_culture({"text": "No growth at 5 days"}),
    blood_culture(None, status="preliminary"),  # drawn, no result yet
    blood_culture(STAPH_AUREUS, status="entered-in-error"),
    blood_culture(STAPH_AUREUS, effectiveDateTime="2025-08-01"),  # more than 180 days ago
])
def test_a_blood_culture_that_grew_nothing_is_no_risk_factor(culture: dict[str, Any]) -> None:
    assert decide(culture, CRP_25).rules == ("R1",)


@pytest.mark.parametrize("code", [
    "127013003",        # disorder of kidney due to diabetes mellitus
    "368581000119106",  # neuropathy due to type 2 diabetes (Synthea's diabetes module)
    "422034002",        # retinopathy due to type 2 diabetes
    "1551000119108",    # nonproliferative retinopathy due to type 2 diabetes
    "90781000119102",   # microalbuminuria due to type 2 diabetes
    "157141000119108",  # proteinuria due to type 2 diabetes
    "91302008",         # sepsis: recent bacteraemia, as A41.x
])
def test_a_snomed_only_problem_list_naming_diabetes_by_its_complication_or_sepsis_with_a_raised_crp_is_r7(
    code: str
) -> None:
    """R7 (§3 v2): diabetes is a risk factor however the problem list names it — as a complication that
    says "due to diabetes" — and sepsis is recent bacteraemia."""
    decision = decide(diagnosis(code, SNOMED), CRP_25)

    assert decision.rules[0] == "R7"


def test_prediabetes_is_not_diabetes() -> None:
    assert decide(diagnosis("15777000", SNOMED), CRP_25).rules == ("R1",)


@pytest.mark.parametrize(("system", "code"), [
    (ICD10CM, "N18.6"),    # end-stage renal disease without Z99.2 beside it
    (SNOMED, "46177005"),  # end-stage renal disease as Synthea's kidney module records it
    (ICD10CM, "T82.4XXA"),  # mechanical complication of a vascular dialysis catheter: a catheter in place
])
def test_end_stage_renal_disease_or_a_dialysis_catheter_with_a_raised_crp_is_r7(
    system: str, code: str
) -> None:
    """R7 (§3 v2 "haemodialysis or an indwelling vascular catheter"), read on the safe side."""
    assert decide(diagnosis(code, system), CRP_25).rules[0] == "R7"


def test_hiv_positive_as_a_uk_or_who_record_codes_it_is_an_infection_flag() -> None:
    """R7 (§3 immunosuppression: HIV): SNOMED CT 165816005 HIV positive, as 86406008 HIV infection."""
    decision = decide(diagnosis("165816005", SNOMED))

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


@pytest.mark.parametrize("code", [
    "M46.56",   # other infective spondylopathy, lumbar
    "M49.06",   # tuberculosis of spine, lumbar (as A18.01)
    "M49.16",   # brucella spondylitis
    "M49.26",   # enterobacterial spondylitis
    "M49.36",   # spondylopathy in another infection
    "G06.2",    # extradural abscess, site not specified
    "T84.63XA",  # infection of spinal fixation hardware
])
def test_a_spinal_infection_coded_by_its_organism_or_hardware_is_an_infection_flag(code: str) -> None:
    """R7 (§3 infection: vertebral osteomyelitis, discitis, epidural abscess), no marker needed."""
    decision = decide(diagnosis(code))

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


def test_a_spondylopathy_in_a_non_infective_disease_is_no_spinal_infection() -> None:
    assert decide(diagnosis("M49.86")).rules == ("R1",)
