"""Facts the pathway computes from dates, series and thresholds, parsed from raw FHIR JSON as the hooks
parse them (PATHWAY.md §2, §3): each shape below was once read wrongly, and a 19-day lumbar radiculopathy
with it was deferred (R1) although the rule named in each test applies. ``raw_decision.decide`` decides a
lumbar MRI ordered on 2026-03-11 for a 40-year-old man.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
from app.terminology import CPT, LOINC

CRP_25 = {"resourceType": "Observation", "id": "crp", "status": "final", "code": coded(LOINC, "1988-5"),
          "effectiveDateTime": "2026-03-08", "valueQuantity": {"value": 25, "unit": "mg/L", "code": "mg/L"}}


def injection(resource_type: str = "Procedure", **fields: Any) -> dict[str, Any]:
    """A lumbar epidural steroid injection (CPT 62323) as a Procedure or as an order."""
    intent = {"intent": "order"} if resource_type == "ServiceRequest" else {}
    return {"resourceType": resource_type, "id": "esi", "status": "completed", **intent,
            "code": coded(CPT, "62323"), **fields}


@pytest.mark.parametrize("spinal_injection", [
    injection(performedPeriod={"end": "2026-02-01"}),  # only the period's end written
    injection(performedPeriod={"start": "2025-11-20", "end": "2026-01-15"}),  # begun before the 90 days
    injection("ServiceRequest", authoredOn="2026-02-01"),  # an outside clinic's injection: only the order
    injection("ServiceRequest", authoredOn="2025-10-01", occurrenceDateTime="2026-01-20"),  # done in them
])
def test_a_spinal_injection_in_the_last_90_days_with_a_raised_crp_is_an_infection_flag(
    spinal_injection: dict[str, Any]
) -> None:
    """R7 (§3 v2): a spinal procedure or injection in the last 90 days with CRP > 10 mg/L within 14 days."""
    decision = decide(spinal_injection, CRP_25)

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


@pytest.mark.parametrize("spinal_injection", [
    injection(performedPeriod={"start": "2025-09-01", "end": "2025-10-01"}),  # ended before the 90 days
    injection("ServiceRequest", authoredOn="2025-10-01"),  # ordered long ago, when done not written
    injection("ServiceRequest", status="active", authoredOn="2026-02-01"),  # ordered, not done
    injection(status="not-done", performedPeriod={"end": "2026-02-01"}),
])
def test_a_spinal_injection_not_shown_in_the_last_90_days_is_no_risk_factor(
    spinal_injection: dict[str, Any]
) -> None:
    decision = decide(spinal_injection, CRP_25)

    assert RedFlag.INFECTION not in decision.facts.red_flags
    assert decision.rules == ("R1",)


def ankle_strength(grade: str, on: str, grade_id: str = "mmt") -> dict[str, Any]:
    """An ankle-dorsiflexion MRC grade as a flowsheet row exports it: code text only, the grade as text."""
    return {"resourceType": "Observation", "id": grade_id, "status": "final",
            "code": {"text": "Ankle dorsiflexion strength"}, "effectiveDateTime": on, "valueString": grade}


@pytest.mark.parametrize("grades", [
    (ankle_strength("2/5", "2026-02"),),  # a month that reaches into the last 14 days
    # new: the earlier weak grade may lie within 90 days of it (2025-12 can be 31 December)
    (ankle_strength("2/5", "2026-03-05"), ankle_strength("3/5", "2025-12", "old")),
])
def test_a_grade_whose_partial_date_may_be_recent_and_new_is_a_severe_motor_deficit(
    grades: tuple[dict[str, Any], ...]
) -> None:
    """R6 (§3 v2 motor; §2: a partial date never hides a red flag): a grade ≤ 3 in the last 14 days with
    no grade ≤ 3 for that muscle more than 90 days earlier."""
    decision = decide(*grades)

    assert RedFlag.MOTOR in decision.facts.red_flags
    assert decision.rules[0] == "R6"


@pytest.mark.parametrize("grades", [
    (ankle_strength("2/5", "2026-01"),),  # the whole month lies before the 14 days
    (ankle_strength("2/5", "2026-03-05"), ankle_strength("3/5", "2025-11", "old")),  # chronic, certainly
])
def test_a_grade_certainly_old_or_chronic_is_no_severe_motor_deficit(
    grades: tuple[dict[str, Any], ...]
) -> None:
    decision = decide(*grades)

    assert RedFlag.MOTOR not in decision.facts.red_flags
    assert decision.rules == ("R1",)


@pytest.mark.parametrize(("unit", "motor"), [
    ({"unit": "Score"}, True), ({"code": "{Score}"}, True), ({"unit": "GRADE"}, True),
    ({"code": "{mrc}"}, True),
    ({"unit": "KG"}, False),  # dynamometry in any case is no MRC grade
])
def test_a_grade_whose_unitless_unit_is_written_in_another_case_is_read(
    unit: dict[str, str], motor: bool
) -> None:
    """R6 (§3 v2 motor): a unitless 0–5 grade counts whatever the case of its unit word."""
    grade = {**ankle_strength("", "2026-03-05"), "valueQuantity": {"value": 2, **unit}}
    del grade["valueString"]

    assert (RedFlag.MOTOR in decide(grade).facts.red_flags) is motor


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def prednisone_dispensed(tablets: float, dose: dict[str, Any] | None, per_day: int = 1,
                         unit: str = "tablet", **dispense: Any) -> dict[str, Any]:
    """A completed prednisone prescription of 2025-10-01 written as a quantity and a dose, not as days."""
    dosage = [{"timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
               "doseAndRate": [{"doseQuantity": dose}]}] if dose is not None else []
    return {"resourceType": "MedicationRequest", "id": "rx", "status": "completed", "intent": "order",
            "authoredOn": "2025-10-01", "dosageInstruction": dosage,
            "medicationCodeableConcept": coded(RXNORM, "312617", "predniSONE 5 MG Oral Tablet"),
            "dispenseRequest": {"quantity": {"value": tablets, "unit": unit}, **dispense}}


@pytest.mark.parametrize("steroid", [
    prednisone_dispensed(90, {"value": 1, "unit": "tablet"}),  # one a day: 90 days
    prednisone_dispensed(30, {"value": 1, "unit": "Tablet"}, numberOfRepeatsAllowed=2),  # and two refills
    prednisone_dispensed(45, {"value": 0.5, "unit": "tablet"}, unit="TABLET"),  # half a tablet a day
])
def test_a_steroid_supply_written_as_a_quantity_and_a_dose_counts_its_days(steroid: dict[str, Any]) -> None:
    """§3: systemic steroids for 90 days or more (infection and fracture risk): the dispensed quantity over
    the daily dose is the course's length."""
    decision = decide(steroid)

    assert {RedFlag.INFECTION, RedFlag.FRACTURE_RISK} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R7"


@pytest.mark.parametrize("steroid", [
    prednisone_dispensed(90, {"value": 1, "unit": "tablet"}, per_day=3),  # three a day: 30 days
    prednisone_dispensed(90, {"value": 5, "unit": "mg"}),  # a dose in mg against tablets is not converted
    prednisone_dispensed(90, None),  # no dose: the length is unknown
    {**prednisone_dispensed(90, None), "dosageInstruction": [  # shapes we cannot read add nothing
        "junk", {"doseAndRate": ["x", {"doseQuantity": "1"}], "timing": {"repeat": {"period": "1"}}},
        {"doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
         "timing": {"repeat": {"frequency": 1, "period": 0, "periodUnit": "d"}}}]},
    {**prednisone_dispensed(90, {"value": 1, "unit": "tablet"}),
     "dispenseRequest": {"quantity": {"value": True}}},
])
def test_a_steroid_quantity_whose_days_cannot_reach_90_is_not_long_term(steroid: dict[str, Any]) -> None:
    decision = decide(steroid)

    assert RedFlag.INFECTION not in decision.facts.red_flags
    assert decision.rules == ("R1",)
