"""Temperatures and markers as flowsheet and lab text write them, read neither high nor low by mistake
(docs/pathway-facts.md "Tenth pass: answers wrong the other way"). ``raw_decision.decide`` adds each
resource to a 19-day lumbar radiculopathy and decides a lumbar MRI ordered on 2026-03-11: R1 (defer)
without a red flag.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.terminology import ICD10CM

LOINC = "http://loinc.org"
DIABETES = {"resourceType": "Condition", "id": "dm", "code": coded(ICD10CM, "E11.9")}  # a risk factor (R7)


def result(code: str, **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": f"o{code}", "status": "final", "code": coded(LOINC, code),
            "effectiveDateTime": "2026-03-10", **value}


@pytest.mark.parametrize("value", [
    {"valueQuantity": {"value": 98.6, "unit": "Cel"}},   # an interface labelling every temperature Cel
    {"valueQuantity": {"value": 99.9, "unit": "°C", "system": "http://unitsofmeasure.org", "code": "Cel"}},
    {"valueString": "98.6 °C"},
    {"valueString": "37.0 °C (98.6 °F)"},
])
def test_r1_a_normal_temperature_in_the_wrong_unit_is_no_fever(value: dict[str, Any]) -> None:
    """§2 fever is ≥ 38.0 °C: 98.6 "Cel" is no body's temperature in °C but a normal one in °F. It was read
    as a fever of 98.6 °C: the critical infection card R7."""
    decision = decide(result("8310-5", **value))

    assert decision.rules == ("R1",)


@pytest.mark.parametrize("value", [
    {"valueQuantity": {"value": 101.5, "unit": "Cel"}},   # 38.6 °C written in °F and labelled Cel
    {"valueQuantity": {"value": 38.6, "unit": "[degF]"}},  # 38.6 °C labelled °F: was 3.7 °C
    {"valueString": "38.9 °C (102 °F)"},                  # Epic's flowsheet text: both scales
    {"valueString": "102.0 F (Tympanic)"},                # the site in brackets
])
def test_r7_a_fever_in_the_wrong_unit_or_with_a_note_after_its_unit_is_a_fever(value: dict[str, Any]) -> None:
    """The value plausible only in the other scale is read in it, and a note in brackets after the unit is
    not part of the unit; the last three were no temperature at all (R1, a safety miss)."""
    decision = decide(result("8310-5", **value))

    assert decision.rules[0] == "R7"


@pytest.mark.parametrize(("code", "written", "rule"), [
    ("1988-5", "30 mg/L (0-10)", "R7"),     # CRP above 10 mg/L with a risk factor: its reference range after
    ("1988-5", "3.0 mg/dL (0-0.9)", "R7"),
    ("1988-5", "8 mg/L (0-10)", "R1"),      # normal stays normal
    ("30341-2", "12 mm/hr (0-20)", "R1"),
])
def test_a_marker_written_with_its_reference_range_is_read_by_its_value(code: str, written: str,
                                                                        rule: str) -> None:
    """§3 infection: a lab's text result carries its reference range in brackets; read as part of the unit,
    the value was no result, and a diabetic's CRP of 30 mg/L was deferred (R1)."""
    decision = decide(DIABETES, result(code, valueString=written))

    assert decision.rules[0] == rule
