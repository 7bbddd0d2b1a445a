"""Red flags and markers recorded as Observations the way Epic, Oracle Health and Synthea export them, parsed
from raw FHIR JSON as the hooks parse it (PATHWAY.md §2 "Where a finding is read", §3, R7, R7b, R8;
invariant 6). Each shape below was once read wrongly. ``raw_decision.decide`` decides a lumbar MRI ordered on
2026-03-11 for a 40-year-old man with a 19-day lumbar radiculopathy: R1 (defer) when nothing raises a flag.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import RedFlag
from app.terminology import ICD10CM, LOINC, SNOMED

RETENTION = coded(SNOMED, "267064002", "Retention of urine")


def retention_screened(**answer: Any) -> dict[str, Any]:
    """A CES screen item "retention of urine" answered as the flowsheet exports it, two days ago."""
    return {"resourceType": "Observation", "id": "screen", "status": "final", "code": RETENTION,
            "effectiveDateTime": "2026-03-09", **answer}


@pytest.mark.parametrize("words", ["Denies", "Unknown", "see note", "N/A", "Not assessed", "Patient declined"])
def test_a_screen_answered_only_in_words_that_do_not_say_yes_raises_nothing(words: str) -> None:
    """§2 v2: a finding code counts only with no value, true or a positive answer — Oracle Health's text-only
    answer (``valueCodeableConcept.text``) is a value, and "Denies" is a careful negative screen."""
    decision = decide(retention_screened(valueCodeableConcept={"text": words}))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules == ("R1",)


def test_a_screen_answered_present_in_words_only_is_a_cauda_equina_sign() -> None:
    decision = decide(retention_screened(valueCodeableConcept={"text": "Present"}))

    assert decision.rules[0] == "R5"


DIABETES = {"resourceType": "Condition", "id": "dm", "code": coded(ICD10CM, "E11.9")}  # infection risk factor


def temperature(**fields: Any) -> dict[str, Any]:
    """A body temperature (LOINC 8310-5) as a vital-signs flowsheet exports it; 38.9 °C unless given."""
    return {"resourceType": "Observation", "id": "temp", "status": "final", "code": coded(LOINC, "8310-5"),
            "valueQuantity": {"value": 38.9, "unit": "Cel", "code": "Cel"}, **fields}


def crp(**fields: Any) -> dict[str, Any]:
    """A CRP of 25 mg/L (above R7's 10 mg/L) unless given."""
    return {"resourceType": "Observation", "id": "crp", "status": "final", "code": coded(LOINC, "1988-5"),
            "valueQuantity": {"value": 25, "unit": "mg/L", "code": "mg/L"}, **fields}


@pytest.mark.parametrize("when", [
    {"effectivePeriod": {"end": "2026-03-10"}},  # a period written with only its end
    {"effectiveTiming": {"event": ["2026-03-10T08:00:00Z"]}},
])
def test_a_fever_dated_by_a_period_end_or_a_timing_is_an_infection_flag(when: dict[str, Any]) -> None:
    """§2: a body temperature ≥ 38.0 °C within the last 7 days — observed by yesterday (R7)."""
    decision = decide(temperature(**when))

    assert RedFlag.INFECTION in decision.facts.red_flags
    assert decision.rules[0] == "R7"


def test_a_raised_crp_dated_by_its_period_end_with_a_risk_factor_is_an_infection_flag() -> None:
    """§3 v2: a risk factor with CRP > 10 mg/L within 14 days (R7)."""
    decision = decide(DIABETES, crp(effectivePeriod={"end": "2026-03-09"}))

    assert decision.rules[0] == "R7"


def test_an_observation_is_dated_by_when_it_was_observed_not_by_when_it_was_released() -> None:
    """``issued`` dates an Observation only without effective[x]: a fever of six weeks ago released
    yesterday is not a fever "within the last 7 days"."""
    decision = decide(temperature(effectivePeriod={"start": "2026-01-28"}, issued="2026-03-10T09:00:00Z"))

    assert decision.rules == ("R1",)
