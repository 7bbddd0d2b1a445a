"""Red flags as real EHR exports record them, parsed from raw FHIR JSON as the hooks parse it (PATHWAY.md §2
"Where a finding is read", §3): each shape below was once read as nothing, and a 19-day lumbar radiculopathy
with it was deferred (R1). ``raw_decision.decide`` adds the resource to that chart and decides a lumbar MRI
ordered on 2026-03-11.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from raw_decision import coded, decide

from app.chart.model import ChartCategory
from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.fhir.parse import parse_service_request
from app.pathway.engine import evaluate_order
from app.pathway.model import RedFlag, Topic
from app.pathway.policy import Policy
from app.terminology import ICD10CM, LOINC, load_value_sets

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def resolved_retention(**abatement: Any) -> dict[str, Any]:
    """A urinary retention (R33.9) that began last year and is resolved, with the given abatement."""
    return {"resourceType": "Condition", "id": "retention", "code": coded(ICD10CM, "R33.9"),
            "clinicalStatus": coded(CLINICAL, "resolved"), "onsetDateTime": "2025-01-01", **abatement}


@pytest.mark.parametrize("abatement", [
    {"abatementPeriod": {"start": "2026-03-06"}},  # abated since five days ago, the period left open
    {"abatementPeriod": {"start": "2026-03-01", "end": "2026-03-06"}},
    {"abatementPeriod": {}},  # abated, when not written: "date not recorded"
])
def test_a_retention_abated_within_30_days_by_an_abatement_period_is_a_cauda_equina_sign(
    abatement: dict[str, Any]
) -> None:
    """§2: a resolved CES finding counts when it ended within 30 days, or its end has no date."""
    decision = decide(resolved_retention(**abatement))

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


def test_a_retention_abated_long_ago_by_an_abatement_period_is_not() -> None:
    decision = decide(resolved_retention(abatementPeriod={"start": "2025-02-01"}))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules == ("R1",)


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PREDNISONE_TABLET = coded(RXNORM, "312617", "predniSONE 5 MG Oral Tablet")


def prednisone(resource_type: str = "MedicationRequest", **fields: Any) -> dict[str, Any]:
    intent = {"intent": "order"} if resource_type == "MedicationRequest" else {}
    return {"resourceType": resource_type, "id": "rx", "status": "active", **intent,
            "medicationCodeableConcept": PREDNISONE_TABLET, **fields}


def days(value: float, **unit: str) -> dict[str, Any]:
    return {"value": value, **unit}


@pytest.mark.parametrize("steroid", [
    # a current medication list: taken since 2024, no end, no supply (Synthea, MedicationStatement exports)
    prednisone("MedicationStatement", effectivePeriod={"start": "2024-01-01"}),
    prednisone("MedicationStatement", effectiveDateTime="2024-01-01"),
    prednisone("MedicationStatement", dateAsserted="2024-01-01"),
    prednisone(authoredOn="2024-01-01"),
    # 30 days and three refills: 120 days prescribed
    prednisone(authoredOn="2025-10-01", dispenseRequest={
        "numberOfRepeatsAllowed": 3, "expectedSupplyDuration": days(30, code="d")}),
    prednisone(authoredOn="2025-10-01", dispenseRequest={"expectedSupplyDuration": days(100, unit="days")}),
    prednisone(authoredOn="2025-10-01", dispenseRequest={"expectedSupplyDuration": days(4, unit="months")}),
    # the course written as the dose's bounds
    prednisone(authoredOn="2025-10-01", dosageInstruction=[
        {"timing": {"repeat": {"boundsPeriod": {"start": "2025-10-01", "end": "2026-03-01"}}}}]),
    prednisone(authoredOn="2025-10-01", dosageInstruction=[
        {"timing": {"repeat": {"boundsDuration": days(120, code="d")}}}]),
])
def test_steroids_for_90_days_as_exports_record_them_are_an_infection_and_fracture_risk(
    steroid: dict[str, Any]
) -> None:
    """§3: systemic steroids for 90 days or more (infection and fracture risk)."""
    decision = decide(steroid)

    assert {RedFlag.INFECTION, RedFlag.FRACTURE_RISK} <= set(decision.facts.red_flags)
    assert "R1" not in decision.rules


@pytest.mark.parametrize("steroid", [
    prednisone("MedicationStatement", status="completed", effectiveDateTime="2024-01-01"),  # ended: when?
    prednisone(status="stopped", authoredOn="2024-01-01"),
    prednisone(authoredOn="2024-01-01", dispenseRequest={"expectedSupplyDuration": days(30, code="d")}),
    prednisone(authoredOn="2026-01-01"),  # active since 70 days: not yet 90
    prednisone(authoredOn="2025-10-01", dispenseRequest={"expectedSupplyDuration": days(30, code="d")},
               dosageInstruction=[{"timing": "daily"}, "junk", {"timing": {"repeat": {"boundsDuration": days(
                   120, unit="mg")}}}]),  # bounds we cannot read add nothing, and cost nothing else
])
def test_a_steroid_course_not_shown_to_reach_90_days_is_not_long_term(steroid: dict[str, Any]) -> None:
    decision = decide(steroid)

    assert RedFlag.INFECTION not in decision.facts.red_flags
    assert decision.rules == ("R1",)


def test_an_order_not_to_give_a_steroid_is_no_steroid_course() -> None:
    """R4 ``doNotPerform`` is a modifier: "do not give prednisone" since 2024 (diabetes, a past psychosis)
    is the opposite of steroids taken, as it is no NSAID given for conservative care (§3, §2)."""
    decision = decide(prednisone(authoredOn="2024-01-01", doNotPerform=True))

    assert RedFlag.INFECTION not in decision.facts.red_flags
    assert RedFlag.FRACTURE_RISK not in decision.facts.red_flags
    assert decision.rules == ("R1",)


@pytest.mark.parametrize(("code", "unit", "value"), [
    ("75539-7", "[degF]", 101.3),  # temporal artery: the usual clinic thermometer
    ("8329-5", "Cel", 38.6), ("8334-5", "Cel", 38.6), ("76011-6", "Cel", 38.6), ("11289-6", "Cel", 38.6),
])
def test_a_fever_measured_at_another_core_site_is_read(code: str, unit: str, value: float) -> None:
    """VSAC Body Temperature codes for a core temperature: 38 °C or more this week is fever (§2, R7)."""
    measured = {"resourceType": "Observation", "id": "t", "status": "final", "code": coded(LOINC, code),
                "effectiveDateTime": "2026-03-10", "valueQuantity": {"value": value, "code": unit}}

    assert decide(measured).rules[0] == "R7"


@pytest.mark.parametrize("code", ["61008-9", "60830-7", "98657-0"])  # body surface, finger, hand surface
def test_a_skin_surface_temperature_is_not_a_fever(code: str) -> None:
    measured = {"resourceType": "Observation", "id": "t", "status": "final", "code": coded(LOINC, code),
                "effectiveDateTime": "2026-03-10", "valueQuantity": {"value": 38.6, "code": "Cel"}}

    assert decide(measured).rules == ("R1",)


def test_an_hiv_infection_coded_as_asymptomatic_status_z21_is_an_infection_risk() -> None:
    """§3 immunosuppression: B20 and SNOMED CT 86406008 HIV infection count; an HIV-positive patient without
    an AIDS-defining illness is coded Z21 in ICD-10-CM, and was read as nothing."""
    hiv = {"resourceType": "Condition", "id": "hiv", "code": coded(ICD10CM, "Z21"),
           "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": "2015-06-01"}

    decision = decide(hiv)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


EPIC_ROW = "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679"  # a local flowsheet row, named by its text


@pytest.mark.parametrize("answer", [
    {"valueCodeableConcept": {"text": "2/5"}},
    {"valueCodeableConcept": {"coding": [{"system": "urn:local", "code": "2", "display": "2/5"}]}},
    {"valueQuantity": {"value": 2, "unit": "score"}},
])
def test_a_muscle_strength_grade_exported_as_a_coded_answer_or_a_score_is_read(
    answer: dict[str, Any]
) -> None:
    """§3 motor: a grade ≤ 3 this fortnight is severe. Flowsheets export a row's pick-list answer as a
    CodeableConcept whose text or display is the grade, and a score without UCUM's braces."""
    exam = {"resourceType": "Observation", "id": "g", "status": "final", "effectiveDateTime": "2026-03-09",
            "code": {"coding": [{"system": EPIC_ROW, "code": "3041"}],
                     "text": "R ankle dorsiflexion strength"},
            **answer}

    decision = decide(exam)

    assert RedFlag.MOTOR in decision.facts.red_flags
    assert decision.rules[0] == "R6"


@pytest.mark.parametrize(("code", "result", "flag"), [
    ("1988-5", ">200", RedFlag.INFECTION),  # CRP above the analyser's range, diabetic: R7
    ("4537-7", ">140", RedFlag.INFECTION),  # ESR alike
    ("1988-5", "35", RedFlag.INFECTION),
])
def test_a_lab_result_reported_as_text_out_of_range_is_read(code: str, result: str, flag: RedFlag) -> None:
    """§3 infection: a risk factor (diabetes) with a raised marker. Labs send a result outside the range
    they can measure as text, valueString ">200"; its bound is at least the value."""
    diabetes = {"resourceType": "Condition", "id": "dm", "code": coded(ICD10CM, "E11.9"),
                "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": "2015-06-01"}
    lab = {"resourceType": "Observation", "id": "lab", "status": "final", "code": coded(LOINC, code),
           "effectiveDateTime": "2026-03-09", "valueString": result}

    decision = decide(diabetes, lab)

    assert flag in decision.facts.red_flags
    assert decision.rules[0] == "R7"


@pytest.mark.parametrize("result", ["<5", "see comment", "hemolysed", "12 13"])
def test_a_normal_or_unreadable_text_result_raises_nothing(result: str) -> None:
    diabetes = {"resourceType": "Condition", "id": "dm", "code": coded(ICD10CM, "E11.9"),
                "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": "2015-06-01"}
    lab = {"resourceType": "Observation", "id": "lab", "status": "final", "code": coded(LOINC, "1988-5"),
           "effectiveDateTime": "2026-03-09", "valueString": result}

    assert decide(diabetes, lab).rules == ("R1",)



def _draft_with_a_contained_reason(verification: str) -> dict[str, Any]:
    """A draft lumbar MRI whose reason is a diagnosis entered with the order, carried inside it."""
    return {
        "resourceType": "ServiceRequest", "id": "draft", "status": "draft", "intent": "order",
        "code": coded("http://www.ama-assn.org/go/cpt", "72148"), "authoredOn": "2026-03-11",
        "reasonReference": [{"reference": "#dx"}],
        "contained": [{"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "G83.4"),
                       "verificationStatus": coded(
                           "http://terminology.hl7.org/CodeSystem/condition-ver-status", verification)}],
    }


@pytest.mark.parametrize(("verification", "ces"), [("provisional", True), ("refuted", False)])
def test_a_draft_orders_reason_given_as_a_contained_condition_is_read(verification: str, ces: bool) -> None:
    """§2: the order's reasonReference counts; a diagnosis entered with the order is contained in it, not yet
    on the problem list. A suspected cauda equina is why MRI is due today; a refuted one is no reason."""
    decision = _decide_draft(_draft_with_a_contained_reason(verification))

    assert (RedFlag.CES in decision.facts.red_flags) is ces
    assert (decision.rules[0] == "R5") is ces


def test_a_procedures_reason_given_as_a_contained_condition_is_read() -> None:
    """A bladder catheterisation whose reason, retention of urine, is a Condition contained in it."""
    catheter = {"resourceType": "Procedure", "id": "cath", "status": "completed",
                "performedDateTime": "2026-03-09", "code": coded("http://snomed.info/sct", "3246004"),
                "reasonReference": [{"reference": "#r"}],
                "contained": [{"resourceType": "Condition", "id": "r", "code": coded(ICD10CM, "R33.9")}]}

    assert decide(catheter).rules[0] == "R5"


ADULT = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}


def _decide_draft(draft: dict[str, Any], patient: dict[str, Any] | None = ADULT,
                  onset: str = "2026-02-20") -> Any:
    """``draft`` decided on 2026-03-11 for a lumbar radiculopathy begun on ``onset`` and ``patient`` (or
    none: a ``null`` prefetch)."""
    sciatica = {"resourceType": "Condition", "id": "s", "code": coded(ICD10CM, "M54.16"),
                "clinicalStatus": coded(CLINICAL, "active"), "onsetDateTime": onset}
    chart = build_chart({"all": KeyData((sciatica, *([patient] if patient else [])))})
    decision = evaluate_order(chart, parse_service_request(draft), date(2026, 3, 11), Policy(),
                              load_value_sets())
    assert decision is not None
    return decision


def _draft(code: str = "72148", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "authoredOn": "2026-03-11",
            "code": coded("http://www.ama-assn.org/go/cpt", code), **fields}


def _rated_with(patient: dict[str, Any] | None, order_code: str = "72148", onset: str = "2026-02-20") -> Any:
    return _decide_draft(_draft(order_code), patient, onset)


@pytest.mark.parametrize("patient", [
    {"resourceType": "Patient", "id": "p", "gender": "male"},  # no birthDate
    {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "2027-05-01"},  # after the order
    {"resourceType": "Patient", "id": "p", "gender": "unknown", "deceasedBoolean": False},
    None,  # the patient key sent as null
])
def test_an_unknown_age_is_said_and_leaves_the_order_unrated(patient: dict[str, Any] | None) -> None:
    """§2 "missing data is a value": without a birth date the age is unknown, so R28 (under 18), R9 (over
    50) and the age-adjusted ESR limit cannot run. The card says the age could not be read, and the order
    gets no rating (as for an unreadable Patient); a 19-day sciatica is never silently rated as an adult
    under 50's."""
    decision = _rated_with(patient)

    assert decision.rating is None
    assert Topic.DATA_NEEDED in {advice.topic for advice in decision.advices}
    assert ChartCategory.BIRTH_DATE in decision.facts.unavailable


def test_radiographs_at_day_30_of_a_patient_of_unknown_age_are_not_rated_not_appropriate() -> None:
    """R9: radiographs are appropriate from day 28 for a patient over 50; of unknown age, the order is
    not rated not-appropriate on the guess that the patient is younger."""
    decision = _rated_with({"resourceType": "Patient", "id": "p"}, order_code="72100", onset="2026-02-09")

    assert decision.rating is None


def _ordered_for(reason: str) -> Any:
    """A 19-day lumbar radiculopathy of a 40-year-old; the lumbar MRI's reasonReference is ``reason``."""
    return _decide_draft(_draft(reasonReference=[{"reference": reason}]))


def test_an_order_whose_reason_is_a_condition_the_chart_lacks_is_not_deferred_on_no_red_flags() -> None:
    """§2: the order's reasonReference counts. An encounter diagnosis named as the reason, which the
    problem-list search did not return, may be a cauda equina: the conditions could not all be read, so
    no defer and no rating (the "could not check" card), never a silent R1."""
    decision = _ordered_for("Condition/visit-dx-1")

    assert ChartCategory.CONDITIONS in decision.facts.unavailable
    assert decision.rating is None
    assert Topic.DEFER_IMAGING not in {advice.topic for advice in decision.advices}


@pytest.mark.parametrize("reason", ["Condition/s", "https://ehr.example.org/fhir/Condition/s/_history/2"])
def test_an_order_whose_reason_the_chart_holds_is_rated_as_before(reason: str) -> None:
    decision = _ordered_for(reason)

    assert ChartCategory.CONDITIONS not in decision.facts.unavailable
    assert decision.rules == ("R1",)


CPT = "http://www.ama-assn.org/go/cpt"


@pytest.mark.parametrize("code", ["62320", "62322"])
def test_an_epidural_injection_billed_without_imaging_guidance_is_care_and_candidacy(code: str) -> None:
    """§2, §6.5: CPT 62320/62322 are the interlaminar injections of 62321/62323 without fluoroscopy. Done,
    it is conservative care; planned, it makes the patient a candidate — as the guided codes do."""
    done = {"resourceType": "Procedure", "id": "esi", "status": "completed",
            "performedDateTime": "2026-03-02", "code": coded(CPT, code)}
    planned = {"resourceType": "ServiceRequest", "id": "plan", "status": "active", "intent": "order",
               "authoredOn": "2026-03-05", "code": coded(CPT, code)}

    facts = decide(done, planned).facts

    assert [e.reference for e in facts.conservative_care] == ["Procedure/esi"]
    assert "ServiceRequest/plan" in {e.reference for e in facts.candidate}
