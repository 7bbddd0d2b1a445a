"""Inflammatory markers, temperatures and infection findings as laboratories and EHRs export them (PATHWAY.md
§2, §3 infection, R7, R7b; docs/pathway-facts.md "Ninth pass: infection"). ``raw_decision.decide`` decides a
lumbar MRI ordered on 2026-03-11 for a 40-year-old man with a 19-day radiculopathy: R1 (defer) when nothing
raises a flag. Each shape below was deferred before this pass."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
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
