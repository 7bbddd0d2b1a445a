"""Injection drug use, recent bacteraemia and recent spinal procedures as EHRs export them (PATHWAY.md §3
infection, R7; CODES.md recommendation 1; docs/pathway-facts.md "Tenth pass: injection drug use, bacteraemia
and recent spinal procedures"). ``raw_decision.decide`` decides a lumbar MRI ordered on 2026-03-11 for a
40-year-old man with a 19-day radiculopathy: R1 (defer) when nothing raises a flag. Injection drug use is an
infection red flag by itself; a risk factor (bacteraemia, a spinal procedure, a line, dialysis) only with a
raised marker (CRP 25 mg/L three days before the order). Each shape below was deferred before this pass."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
from app.terminology import ICD10CM, LOINC, SNOMED

CRP = {"resourceType": "Observation", "id": "crp", "status": "final", "code": coded(LOINC, "1988-5"),
       "effectiveDateTime": "2026-03-08", "valueQuantity": {"value": 25, "unit": "mg/L"}}  # raised (> 10)


def condition(code: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "c1", "code": code, **fields}


def rule(*resources: dict[str, Any]) -> str:
    return decide(*resources).rules[0]


@pytest.mark.parametrize("code", ["226034001", "741063003", "145101000119102"])
def test_an_injecting_drug_user_in_snomed_ct_is_an_infection_flag_by_itself(code: str) -> None:
    """§3 infection: intravenous drug use needs no marker (Injecting drug user, Illicit drug injection in
    last 12 months, Intravenous cocaine abuse)."""
    decision = decide(condition(coded(SNOMED, code)))

    assert decision.rules[0] == "R7"
    assert RedFlag.INFECTION in decision.facts.red_flags


@pytest.mark.parametrize(("system", "code"), [
    (ICD10CM, "I33.0"), (ICD10CM, "I33.9"), (ICD10CM, "I38"), (ICD10CM, "I39"), (ICD10CM, "B37.6"),
    (SNOMED, "56819008"), (SNOMED, "233850007"), (SNOMED, "301183007"),
])
def test_endocarditis_is_recent_bacteraemia_with_a_raised_marker(system: str, code: str) -> None:
    """§3 v2: recent bacteraemia is a risk factor, R7 with CRP 25 mg/L — and only with it (R1 without)."""
    endocarditis = condition(coded(system, code))

    assert rule(endocarditis, CRP) == "R7"
    assert rule(endocarditis) == "R1"


LOCAL = "http://hospital.example.org/flowsheet-row"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def social_history(row: str, **answer: Any) -> dict[str, Any]:
    """A social-history flowsheet row under a local code, named ``row``, answered as ``answer`` says."""
    return {"resourceType": "Observation", "id": "sh", "status": "final",
            "category": [coded(CATEGORY, "social-history")],
            "code": {"coding": [{"system": LOCAL, "code": "1570", "display": row}], "text": row},
            "effectiveDateTime": "2026-01-10", **answer}


@pytest.mark.parametrize("record", [
    social_history("Injection drug use", valueCodeableConcept=coded(LOINC, "LA33-6")),
    social_history("IV drug use", valueString="Yes"),
    social_history("IV drug use", valueCodeableConcept={"text": "Current"}),
    social_history("IV Drug Use", valueCodeableConcept={"text": "Current every day user"}),
    social_history("Drug use", valueCodeableConcept={"text": "Current every day user - IV heroin"}),
    social_history("Drug use", valueString="Yes - injects heroin"),
    condition({"text": "IVDU"}),
    condition({"text": "IV drug use"}),
    condition({"text": "Injects heroin daily"}),
    condition({"text": "PWID"}),
    condition({"text": "Intravenous drug abuse"}),
    condition({"text": "Opioid use disorder, severe"}),
    condition({"coding": [{"system": "http://hospital.example.org/dx", "code": "88",
                           "display": "IV drug user"}]}),
    {"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "AMB"},
     "period": {"start": "2026-03-01"}, "reasonCode": [{"text": "back pain, hx IVDU"}]},
], ids=lambda record: str(record.get("code", record.get("reasonCode"))))
def test_injection_drug_use_in_words_is_an_infection_flag(record: dict[str, Any]) -> None:
    """§2 "wherever the chart holds it": a social-history row named for injection drug use answered Yes or
    Current, a drug-use row whose answer names injecting, a free-text problem, a visit's typed reason."""
    decision = decide(record)

    assert decision.rules[0] == "R7"
    assert RedFlag.INFECTION in decision.facts.red_flags


@pytest.mark.parametrize("record", [
    social_history("IV drug use", valueString="No"),
    social_history("IV drug use", valueCodeableConcept={"text": "Never"}),
    social_history("IV drug use", valueCodeableConcept={"text": "Not current"}),
    social_history("Injection drug use", valueCodeableConcept=coded(LOINC, "LA32-8")),
    social_history("Drug use", valueString="Yes - marijuana"),
    social_history("IV drug use"),  # a blank row
    condition({"text": "Denies IVDU"}),
    condition({"text": "No IV drug use"}),
    condition({"text": "Family history of IVDU"}),
], ids=lambda record: str(record["code"]))
def test_injection_drug_use_denied_or_not_named_raises_nothing(record: dict[str, Any]) -> None:
    """A careful negative screen raises no emergency (§2): No, Never, Not current, a blank row, a denial, a
    relative's history; a drug use that names no injection."""
    assert rule(record) == "R1"


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def prescription(text: str | None, code: str | None = None, **fields: Any) -> dict[str, Any]:
    """A MedicationRequest authored 2026-01-02, active unless ``fields`` say otherwise."""
    concept: dict[str, Any] = {"coding": [{"system": RXNORM, "code": code}]} if code else {}
    concept |= {"text": text} if text else {}
    return {"resourceType": "MedicationRequest", "id": "rx", "status": "active", "intent": "order",
            "medicationCodeableConcept": concept, "authoredOn": "2026-01-02", **fields}


@pytest.mark.parametrize("drug", [
    prescription("buprenorphine 8 MG / naloxone 2 MG Sublingual Film"),
    prescription(None, "1010604"),                             # the SCD code alone
    prescription("SUBOXONE 8-2 MG SL FILM"),                   # Epic text, brand
    prescription("buprenorphine 8 MG Sublingual Tablet"),
    prescription("SUBLOCADE 300 MG/1.5ML SC SOLN"),            # the monthly injection
    prescription("buprenorphine 4.2 MG / naloxone 0.7 MG Buccal Film"),
    prescription("methadone hydrochloride 10 MG/ML Oral Concentrate"),
    prescription("methadone hydrochloride 40 MG Tablet for Oral Suspension"),
    prescription("methadone hydrochloride 10 MG Oral Tablet",  # a methadone tablet given for OUD
                 reasonCode=[coded(ICD10CM, "F11.20")]),
    {**prescription("buprenorphine 8 MG / naloxone 2 MG Sublingual Film"), "status": "completed",
     "dispenseRequest": {"validityPeriod": {"start": "2025-10-01", "end": "2025-12-01"}}},
], ids=lambda drug: str(drug["medicationCodeableConcept"]))
def test_a_current_drug_for_opioid_use_disorder_is_injection_drug_use(drug: dict[str, Any]) -> None:
    """§3 infection: F11 opioid dependence, recorded as its treatment (buprenorphine, with or without
    naloxone; the methadone products made for opioid use disorder), is an infection flag by itself."""
    decision = decide(drug)

    assert decision.rules[0] == "R7"
    assert RedFlag.INFECTION in decision.facts.red_flags


@pytest.mark.parametrize("drug", [
    prescription("buprenorphine 0.01 MG/HR Transdermal System"),   # BuTrans, for pain
    prescription("BELBUCA 300 MCG BUCCAL FILM"),
    prescription("buprenorphine 0.3 MG/ML Injection"),            # Buprenex, for pain
    prescription("methadone hydrochloride 10 MG Oral Tablet"),    # pain as often as OUD: its reason decides
    prescription("naltrexone 380 MG Injectable Suspension"),      # alcohol use disorder too
    {**prescription("buprenorphine 8 MG / naloxone 2 MG Sublingual Film"), "status": "stopped",
     "authoredOn": "2023-01-02"},                                 # stopped three years ago
    {**prescription("buprenorphine 8 MG / naloxone 2 MG Sublingual Film"), "status": "entered-in-error"},
], ids=lambda drug: str(drug["medicationCodeableConcept"]))
def test_a_drug_that_does_not_show_opioid_use_disorder_now_raises_nothing(drug: dict[str, Any]) -> None:
    assert rule(drug) == "R1"


CPT = "http://www.ama-assn.org/go/cpt"
LOCAL_PROCEDURE = "http://hospital.example.org/procedure"


def procedure(text: str | None, code: str | None = None, system: str = CPT, **fields: Any) -> dict[str, Any]:
    """A completed Procedure performed on 2026-02-01 (38 days before the order), coded or named."""
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code}]} if code else {}
    concept |= {"text": text} if text else {}
    return {"resourceType": "Procedure", "id": "px", "status": "completed", "code": concept,
            "performedDateTime": "2026-02-01", **fields}


def visit(type_coding: dict[str, Any], start: str = "2026-02-20", status: str = "finished") -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "visit", "status": status, "class": {"code": "AMB"},
            "type": [{"coding": [type_coding]}], "period": {"start": start, "end": start}}


@pytest.mark.parametrize("record", [
    procedure("L4-5 ESI"),
    procedure("Lumbar epidural steroid injection"),
    procedure("Right L5 TFESI"),
    procedure("Bilateral L4-5 facet joint injection"),
    procedure("Lumbar medial branch block"),
    procedure("ACDF C5-6"),
    procedure("L5-S1 microdiscectomy"),
    procedure("EPIDURAL STEROID INJECTION LUMBAR", "ESI123", LOCAL_PROCEDURE),   # a local code and its text
    procedure("PICC line placement"),
    procedure("Port-a-cath insertion"),
    procedure("Hemodialysis"),
    {"resourceType": "ServiceRequest", "id": "done", "status": "completed", "intent": "order",
     "code": {"text": "L4-5 interlaminar ESI"}, "authoredOn": "2026-02-01"},
    visit({"system": str(SNOMED), "code": "302497006", "display": "Hemodialysis"}),
    visit({"system": "http://hospital.example.org/visit-type", "code": "DIAL", "display": "Dialysis"}),
], ids=lambda record: str(record.get("code", record.get("type"))))
def test_a_recent_procedure_in_words_or_a_visit_of_its_type_is_a_risk_factor(record: dict[str, Any]) -> None:
    """§3 v2: a spinal procedure or injection in the last 90 days, haemodialysis, a line — named only in
    words, or as a visit's type — with a raised marker is R7; without one no infection flag (an operation
    is then only R11/R21's prior surgery)."""
    assert rule(record, CRP) == "R7"
    assert RedFlag.INFECTION not in decide(record).facts.red_flags


@pytest.mark.parametrize("record", [
    procedure("Epidural steroid injection - cancelled"),
    procedure("L4-5 ESI", performedDateTime="2025-10-01"),          # 161 days before the order
    procedure("Knee arthroscopy"),
    visit({"system": "http://hospital.example.org/visit-type", "code": "DIAL", "display": "Dialysis"},
          status="cancelled"),
    visit({"system": str(SNOMED), "code": "302497006", "display": "Hemodialysis"}, start="2025-10-01"),
], ids=lambda record: str(record.get("code", record.get("type"))))
def test_a_procedure_not_done_old_or_not_spinal_is_no_risk_factor(record: dict[str, Any]) -> None:
    """With CRP 25 mg/L (raised, below R7b's 50) and nothing else: the defer stands."""
    assert rule(record, CRP) == "R1"


@pytest.mark.parametrize("record", [
    condition({"text": "MSSA bacteremia"}),
    condition({"text": "MRSA bacteraemia, on IV vancomycin"}),
    condition({"text": "Infective endocarditis"}),
    condition({"text": "Septic shock"}),
    condition({"text": "DM2"}),
    condition({"text": "ESRD on hemodialysis"}),
    condition({"text": "PICC line"}),
    condition({"coding": [{"system": "http://hospital.example.org/dx", "code": "4410",
                           "display": "Type 2 diabetes, uncontrolled"}]}),
    social_history("Diabetes", valueString="Yes"),
], ids=lambda record: str(record["code"]))
def test_a_risk_factor_named_in_words_is_read_with_a_raised_marker(record: dict[str, Any]) -> None:
    """§3 v2: recent bacteraemia, diabetes, dialysis or a line on a free-text problem or a row answered Yes:
    R7 with CRP 25 mg/L, no infection flag without it."""
    assert rule(record, CRP) == "R7"
    assert rule(record) == "R1"


@pytest.mark.parametrize("text", [
    "Gestational diabetes", "Prediabetes", "Pre-diabetes", "Diabetes insipidus", "Diabetes screening",
    "Family history of diabetes", "No bacteremia", "At risk for diabetes",
])
def test_words_that_name_no_risk_factor_leave_the_raised_marker_unexplained(text: str) -> None:
    assert rule(condition({"text": text}), CRP) == "R1"


ICD10PCS = "http://www.cms.gov/Medicare/Coding/ICD10"


@pytest.mark.parametrize("code", ["5A1D70Z", "5A1D90Z", "02HV33Z", "0JH63XZ"])
def test_dialysis_or_a_line_coded_in_icd10_pcs_is_a_risk_factor(code: str) -> None:
    """§3 v2: an inpatient haemodialysis (urinary filtration) or a central line or port placed, as an
    inpatient procedure list codes it: R7 with a raised marker, no infection flag without one."""
    record = procedure(None, code, ICD10PCS)

    assert rule(record, CRP) == "R7"
    assert rule(record) == "R1"


@pytest.mark.parametrize("record", [
    condition({"text": "Spinal epidural abscess"}),
    condition({"text": "L2-3 spondylodiscitis"}),
    condition({"text": "Vertebral osteomyelitis, lumbar"}),
    condition({"text": "Pott's disease"}),
    {"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "AMB"},
     "period": {"start": "2026-03-09"}, "reasonCode": [{"text": "back pain, r/o discitis"}]},
], ids=lambda record: str(record.get("code", record.get("reasonCode"))))
def test_a_spinal_infection_in_words_is_an_infection_flag(record: dict[str, Any]) -> None:
    """§3 infection: a vertebral osteomyelitis, discitis or epidural abscess, suspected included, needs no
    marker wherever the chart words it."""
    assert rule(record) == "R7"


@pytest.mark.parametrize("text", ["No discitis", "Epidural abscess ruled out", "Family history of discitis"])
def test_a_spinal_infection_denied_in_words_raises_nothing(text: str) -> None:
    assert rule(condition({"text": text})) == "R1"
