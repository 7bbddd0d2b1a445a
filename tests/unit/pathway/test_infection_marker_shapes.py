"""Inflammatory markers, temperatures and infection findings as laboratories and EHRs export them (PATHWAY.md
§2, §3 infection, R7, R7b; docs/pathway-facts.md "Ninth pass: infection"). ``raw_decision.decide`` decides a
lumbar MRI ordered on 2026-03-11 for a 40-year-old man with a 19-day radiculopathy: R1 (defer) when nothing
raises a flag. Each shape below was deferred before this pass."""

from __future__ import annotations

import time
from typing import Any

import pytest
from raw_decision import coded, decide

from app.fhir.templates import PREFETCH_TEMPLATES
from app.pathway.model import RedFlag, State
from app.terminology import CPT, ICD10CM, LOINC, SNOMED

DIABETES = {"resourceType": "Condition", "id": "dm", "code": coded(ICD10CM, "E11.9")}  # a risk factor (§3 v2)


def lab(loinc: str, **value: Any) -> dict[str, Any]:
    """A final laboratory result three days before the order, its value as ``value`` gives it."""
    return {"resourceType": "Observation", "id": f"lab-{loinc}", "status": "final",
            "code": coded(LOINC, loinc), "effectiveDateTime": "2026-03-08", **value}


def quantity(value: float, unit: str) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": unit}}


@pytest.mark.parametrize("text", [
    "H 65", "HIGH 65", "H: 65", "65 H", "65 (H)", "65 HH", "65*", "65 mm/hr H", "65 mm/hr (H)", "65 High",
])
def test_a_raised_esr_written_with_the_laboratorys_abnormal_flag_is_read(text: str) -> None:
    """R7 (§3 v2): an ESR of 65 mm/h with diabetes. A flag beside the number, as a pasted or interfaced
    result carries it, was read as the unit ("H") and the value dropped."""
    decision = decide(DIABETES, lab("30341-2", valueString=text))

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


@pytest.mark.parametrize("text", ["38.9 (H)", "101.5 °F H", "H 38.9 C"])
def test_a_fever_written_with_an_abnormal_flag_is_an_infection_flag(text: str) -> None:
    decision = decide(lab("8310-5", valueString=text))

    assert decision.rules[0] == "R7"


def test_a_normal_value_written_with_a_low_flag_still_cancels_an_earlier_raised_one() -> None:
    """§3 "a later normal value cancels": "L 2 mg/L" is CRP 2 mg/L, not an unreadable text."""
    earlier = {**lab("1988-5", **quantity(25, "mg/L")), "id": "early", "effectiveDateTime": "2026-03-01"}
    decision = decide(DIABETES, earlier, lab("1988-5", valueString="L 2 mg/L"))

    assert decision.rules == ("R1",)


def test_a_crp_written_as_above_the_raised_limit_is_raised() -> None:
    """R7: ">10 mg/L" lies above CRP's 10 mg/L (§3 "CRP above 10"), though its number is 10."""
    decision = decide(DIABETES, lab("1988-5", valueString=">10 mg/L"))

    assert decision.rules[0] == "R7"


def test_a_crp_of_exactly_the_limit_is_not_raised() -> None:
    """The control: CRP 10 mg/L is not above 10."""
    assert decide(DIABETES, lab("1988-5", valueString="10 mg/L")).rules == ("R1",)


@pytest.mark.parametrize(("loinc", "value", "unit"), [
    ("30341-2", 45, "mm per hour"),
    ("30341-2", 45, "millimeter per hour"),
    ("30341-2", 45, "Millimetres per hour"),
    ("1988-5", 2.5, "mg per dL"),
    ("1988-5", 2.5, "milligram per deciliter"),
    ("1988-5", 2.5, "mg/100 mL"),
    ("1988-5", 2.5, "mg%"),
    ("1988-5", 25, "milligrams per liter"),
])
def test_a_raised_marker_whose_unit_is_written_out_is_read(loinc: str, value: float, unit: str) -> None:
    """R7: ESR 45 mm/h or CRP 25 mg/L with diabetes, the unit written as UCUM's print name or in words."""
    assert decide(DIABETES, lab(loinc, **quantity(value, unit))).rules[0] == "R7"


@pytest.mark.parametrize("unit", ["K", "kelvin", "Kelvin"])
def test_a_temperature_in_kelvin_is_read(unit: str) -> None:
    """§2: 311.9 K is 38.75 °C, a fever."""
    decision = decide(lab("8310-5", **quantity(311.9, unit)))

    assert decision.rules[0] == "R7"
    assert decision.facts.red_flags[RedFlag.INFECTION][0].value == pytest.approx(38.75)


@pytest.mark.parametrize("unit", ["centigrade", "degrees Fahrenheit"])
def test_a_temperature_whose_unit_is_written_out_is_read(unit: str) -> None:
    value = 38.9 if unit == "centigrade" else 102.0
    assert decide(lab("8310-5", **quantity(value, unit))).rules[0] == "R7"


def test_a_normal_temperature_in_kelvin_is_no_fever() -> None:
    assert decide(lab("8310-5", **quantity(310.1, "K"))).rules == ("R1",)


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def prescription(code: str | None, text: str | None, **fields: Any) -> dict[str, Any]:
    """An active MedicationRequest authored 2025-06-02, coded ``code`` with ``text`` (either may be None)."""
    concept: dict[str, Any] = {"coding": [{"system": RXNORM, "code": code}]} if code else {}
    concept |= {"text": text} if text else {}
    return {"resourceType": "MedicationRequest", "id": "rx", "status": "active", "intent": "order",
            "medicationCodeableConcept": concept, "authoredOn": "2025-06-02", **fields}


@pytest.mark.parametrize("drug", [
    prescription("197914", "tacrolimus 1 MG Oral Capsule"),      # a transplant recipient's SCD, Synthea-style
    prescription("42316", None),                                 # the ingredient code alone
    prescription(None, "PROGRAF 1 MG CAPSULE"),                  # Epic text, brand only
    prescription(None, "mycophenolate mofetil 500 MG Oral Tablet"),
    prescription(None, "methotrexate 2.5 MG Oral Tablet"),       # rheumatoid arthritis (Z79.631)
    prescription("6851", None, status="on-hold"),
    prescription(None, "azathioprine 50 MG Oral Tablet"),
    prescription(None, "Humira 40 MG/0.4ML Pen Injector"),
    prescription(None, "cyclosporine, modified 100 MG Oral Capsule [Neoral]"),
    prescription(None, "sirolimus 1 MG Oral Tablet"),
    prescription(None, "tacrolimus 1 MG Oral Capsule", authoredOn=None),  # undated: date not recorded
    {**prescription(None, "methotrexate 2.5 MG Oral Tablet", status="completed"),
     "dispenseRequest": {"validityPeriod": {"start": "2025-10-01", "end": "2026-01-15"}}},
    {"resourceType": "MedicationStatement", "id": "ms", "status": "active", "effectiveDateTime": "2024-01-10",
     "medicationCodeableConcept": {"text": "leflunomide 20 MG Oral Tablet"}},
])
def test_a_current_immunosuppressant_drug_is_immunosuppression(drug: dict[str, Any]) -> None:
    """R7 (§3 infection: immunosuppression): a systemic immunosuppressant on the medication list is the
    fact ICD-10-CM codes as Z79.6x, which counts already (docs/pathway-facts.md "Ninth pass: infection")."""
    decision = decide(drug)

    assert decision.rules[0] == "R7"
    evidence = decision.facts.red_flags[RedFlag.INFECTION]
    assert [e.finding.value for e in evidence] == ["immunosuppression"]


def test_an_undated_immunosuppressant_says_date_not_recorded() -> None:
    decision = decide(prescription(None, "tacrolimus 1 MG Oral Capsule", authoredOn=None))

    assert decision.facts.red_flags[RedFlag.INFECTION][0].state is State.DATE_NOT_RECORDED


@pytest.mark.parametrize("drug", [
    prescription(None, "tacrolimus 0.001 MG/MG Topical Ointment [Protopic]"),  # eczema: given locally
    prescription(None, "cyclosporine 0.5 MG/ML Ophthalmic Emulsion [Restasis]"),
    {**prescription(None, "methotrexate 2.5 MG Oral Tablet", status="completed", authoredOn="2023-01-05"),
     "dispenseRequest": {"validityPeriod": {"start": "2023-01-05", "end": "2023-07-05"}}},  # stopped in 2023
    prescription(None, "tacrolimus 1 MG Oral Capsule", status="entered-in-error"),
    prescription(None, "tacrolimus 1 MG Oral Capsule", doNotPerform=True),
    {"resourceType": "MedicationStatement", "id": "ms", "status": "not-taken",
     "effectiveDateTime": "2026-01-10",
     "medicationCodeableConcept": {"text": "methotrexate 2.5 MG Oral Tablet"}},
    prescription(None, "tacrolimus 1 MG Oral Capsule", authoredOn="2026-03-20"),  # after the order
])
def test_an_immunosuppressant_given_locally_long_stopped_or_not_taken_is_no_flag(
    drug: dict[str, Any],
) -> None:
    assert decide(drug).rules == ("R1",)


def test_methotrexate_is_immunosuppression_not_a_cancer() -> None:
    """R7, not R8: methotrexate is as often given for rheumatoid arthritis (facts_cancer does not read it as
    a cancer drug), and at any dose it suppresses the immune system (ICD-10-CM Z79.631)."""
    decision = decide(prescription(None, "methotrexate 2.5 MG Oral Tablet"))

    assert RedFlag.MALIGNANCY_MAJOR not in decision.facts.red_flags
    assert decision.rules[0] == "R7"


CRP_25 = lab("1988-5", **quantity(25, "mg/L"))  # raised for R7 (> 10 mg/L), below R7b's 50: alone, a defer


def test_a_raised_crp_without_a_risk_factor_still_defers() -> None:
    assert decide(CRP_25).rules == ("R1",)


def done(system: str, code: str) -> dict[str, Any]:
    """A completed Procedure performed 2026-02-20, 19 days before the order."""
    return {"resourceType": "Procedure", "id": "pr", "status": "completed", "code": coded(system, code),
            "performedDateTime": "2026-02-20"}


@pytest.mark.parametrize("resource", [
    done(CPT, "90960"),    # ESRD-related services, monthly (VSAC Hemodialysis)
    done(CPT, "90970"),    # ESRD-related services, per day
    done(CPT, "99512"),    # home visit for hemodialysis
    done(CPT, "90945"),    # peritoneal dialysis or continuous renal replacement
    done(SNOMED, "71192002"),  # peritoneal dialysis
    {"resourceType": "Condition", "id": "sep", "code": coded(ICD10CM, "R65.20")},  # severe sepsis
    {"resourceType": "Condition", "id": "sep", "code": coded(ICD10CM, "R65.21")},  # … with septic shock
    {"resourceType": "Condition", "id": "sep", "code": coded(ICD10CM, "T81.44XA")},  # after a procedure
])
def test_dialysis_and_severe_sepsis_as_clinics_code_them_with_a_raised_crp_are_r7(
    resource: dict[str, Any],
) -> None:
    """R7 (§3 v2): a patient on dialysis (end-stage renal disease, as N18.6 is read) or with recent
    bacteraemia (severe sepsis, as A40-A41 are read), with CRP > 10 mg/L within 14 days."""
    decision = decide(resource, CRP_25)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


def culture(**value: Any) -> dict[str, Any]:
    """A blood culture (LOINC 600-7) resulted 2026-03-01."""
    return {"resourceType": "Observation", "id": "bc", "status": "final", "code": coded(LOINC, "600-7"),
            "effectiveDateTime": "2026-03-01", **value}


@pytest.mark.parametrize(("result", "named"), [
    ({"valueCodeableConcept": coded(LOINC, "LA6576-8")}, None),  # Positive: the organism in another row
    ({"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "10828004", "display": "Positive"}]}},
     "Positive"),
    ({"valueString": "Staphylococcus aureus"}, "Staphylococcus aureus"),
    ({"valueString": "Gram positive cocci in clusters"}, "Gram positive cocci in clusters"),
    ({"valueCodeableConcept": {"text": "MRSA isolated"}}, "MRSA isolated"),
    ({"valueString": "Coagulase-negative staphylococcus"}, "Coagulase-negative staphylococcus"),
])
def test_a_positive_blood_culture_written_as_laboratories_word_it_with_a_raised_crp_is_r7(
    result: dict[str, Any], named: str | None,
) -> None:
    """R7 (§3 v2 "recent bacteraemia"): a culture that grew something, said by a positive answer or in words,
    is as positive as one coded with its organism; the card names what grew as the chart words it."""
    decision = decide(culture(**result), CRP_25)

    assert decision.rules[0] == "R7"
    found = [e for e in decision.facts.red_flags[RedFlag.INFECTION] if e.reference == "Observation/bc"]
    assert [e.name for e in found] == [named]


@pytest.mark.parametrize("result", [
    {"valueString": "No growth at 5 days"}, {"valueString": "Negative"}, {"valueString": "NGTD"},
    {"valueString": "Pending"}, {"valueString": "In progress"}, {"valueString": "see report"},
    {"valueCodeableConcept": coded(LOINC, "LA6577-6")},  # Negative
    {"valueCodeableConcept": {"text": "No organisms seen"}},
])
def test_a_blood_culture_that_grew_nothing_in_words_is_no_risk_factor(result: dict[str, Any]) -> None:
    assert decide(culture(**result), CRP_25).rules == ("R1",)


def test_a_fever_coded_only_in_snomed_ct_is_an_infection_flag() -> None:
    """§2: a temperature coded SNOMED CT 386725007 body temperature (SNOMED CT-coded vital signs), 38.9 °C."""
    temperature = {"resourceType": "Observation", "id": "t", "status": "final",
                   "code": coded(SNOMED, "386725007"), "effectiveDateTime": "2026-03-10",
                   "valueQuantity": {"value": 38.9, "unit": "Cel"}}

    assert decide(temperature).rules[0] == "R7"


def test_fever_with_chills_is_a_fever() -> None:
    """§3 infection, fever with spinal pain: SNOMED CT 274640006 fever with chills, recorded yesterday."""
    fever = {"resourceType": "Condition", "id": "f", "code": coded(SNOMED, "274640006"),
             "onsetDateTime": "2026-03-10"}

    assert decide(fever).rules[0] == "R7"


@pytest.mark.parametrize("code", ["313436004", "237599002", "81531005", "199230006", "11530004"])
def test_diabetes_as_a_snomed_ct_only_problem_list_names_it_with_a_raised_crp_is_r7(code: str) -> None:
    """R7 (§3 v2): type 2 diabetes without complication, insulin-treated, in obese, pre-existing, brittle."""
    decision = decide({"resourceType": "Condition", "id": "dm", "code": coded(SNOMED, code)}, CRP_25)

    assert decision.rules[0] == "R7"


def test_the_observations_search_fetches_a_temperature_coded_in_snomed_ct() -> None:
    """Invariant 4: what the rules read by SNOMED CT the fallback also fetches (and a prefetch filled
    from the same template holds)."""
    codes = PREFETCH_TEMPLATES["observations"].split("code=")[1].split("&")[0].split(",")
    assert "386725007" in codes
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("text", [" " * 4000 + "x", "H" + " " * 4000 + "x", "H:" + " " * 4000 + "x"])
def test_a_long_run_of_spaces_in_a_result_is_refused_at_once(text: str) -> None:
    """A hostile or broken result (4,000 spaces, an id's length) must not cost seconds: the runs of spaces
    in the text reader are possessive. Before, "H" and 4,000 spaces took minutes."""
    started = time.perf_counter()

    decision = decide(DIABETES, lab("30341-2", valueString=text))

    assert decision.rules == ("R1",)
    assert time.perf_counter() - started < 0.5
