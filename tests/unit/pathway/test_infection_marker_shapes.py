"""Inflammatory markers, temperatures and infection findings as laboratories and EHRs export them (PATHWAY.md
§2, §3 infection, R7, R7b; docs/pathway-facts.md "Ninth pass: infection"). ``raw_decision.decide`` decides a
lumbar MRI ordered on 2026-03-11 for a 40-year-old man with a 19-day radiculopathy: R1 (defer) when nothing
raises a flag. Each shape below was deferred before this pass."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag, State
from app.terminology import ICD10CM, LOINC

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
