"""Red flags and markers recorded as Observations the way Epic, Oracle Health and Synthea export them, parsed
from raw FHIR JSON as the hooks parse it (PATHWAY.md §2 "Where a finding is read", §3, R7, R7b, R8;
invariant 6). Each shape below was once read wrongly. ``raw_decision.decide`` decides a lumbar MRI ordered on
2026-03-11 for a 40-year-old man with a 19-day lumbar radiculopathy: R1 (defer) when nothing raises a flag.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from raw_decision import coded, decide

from app.pathway.model import RedFlag, State
from app.terminology import ICD10CM, LOINC, SNOMED

RETENTION = coded(SNOMED, "267064002", "Retention of urine")


def retention_screened(**answer: Any) -> dict[str, Any]:
    """A CES screen item "retention of urine" answered as the flowsheet exports it, two days ago."""
    return {"resourceType": "Observation", "id": "screen", "status": "final", "code": RETENTION,
            "effectiveDateTime": "2026-03-09", **answer}


@pytest.mark.parametrize("words", ["Denies", "Unknown", "see note", "N/A", "Not assessed", "Declined"])
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


def measurement(oid: str, loinc: str, value: float, unit: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A measured Observation; a field given as None is left out (a value sent as text has no Quantity)."""
    resource = {"resourceType": "Observation", "id": oid, "status": "final", "code": coded(LOINC, loinc),
                "valueQuantity": {"value": value, "unit": unit, "code": unit}, **fields}
    return {name: given for name, given in resource.items() if given is not None}


def temperature(**fields: Any) -> dict[str, Any]:
    """A body temperature (LOINC 8310-5) as a vital-signs flowsheet exports it; 38.9 °C unless given."""
    return measurement("temp", "8310-5", 38.9, "Cel", fields)


def crp(**fields: Any) -> dict[str, Any]:
    """A CRP of 25 mg/L (above R7's 10 mg/L) unless given."""
    return measurement("crp", "1988-5", 25, "mg/L", fields)


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


def esr(value: float = 60, **fields: Any) -> dict[str, Any]:
    return measurement("esr", "30341-2", value, "mm/h", fields)


# A measured red flag, each dated ``days`` before the order: a fever (R7), a raised CRP with a risk factor
# (R7), an ESR ≥ 50 mm/h (R7b; for a patient over 50 it would be R8).
MEASURED = {
    "fever": lambda on: (temperature(effectiveDateTime=on),),
    "crp-with-diabetes": lambda on: (DIABETES, crp(effectiveDateTime=on)),
    "esr-high": lambda on: (esr(effectiveDateTime=on),),
}
# What an export may leave of the date: nothing, the month, the year.
LESS_DATE = {
    "undated": lambda resource: {k: v for k, v in resource.items() if k != "effectiveDateTime"},
    "month": lambda resource: {**resource, "effectiveDateTime": resource["effectiveDateTime"][:7]},
    "year": lambda resource: {**resource, "effectiveDateTime": resource["effectiveDateTime"][:4]},
}


def _less_dated(resources: tuple[dict[str, Any], ...], how: str) -> tuple[dict[str, Any], ...]:
    return tuple(LESS_DATE[how](r) if "effectiveDateTime" in r else r for r in resources)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(list(MEASURED)), st.integers(0, 40), st.sampled_from(list(LESS_DATE)),
       st.booleans())
def test_invariant_6_a_measured_red_flag_with_less_of_its_date_is_never_less_safe(
    kind: str, days: int, how: str, with_normal_later: bool
) -> None:
    """§2 "less data never means a less safe answer", invariant 6: removing a fever's or a marker's date,
    or cutting it to its month or year, never turns its red flag (or R7b) into a defer — also when a
    normal value of the same test was measured since (an undated value cannot be shown to be older)."""
    on = (date(2026, 3, 11) - timedelta(days=days)).isoformat()
    resources = MEASURED[kind](on)
    normal = (esr(8, id="esr-later", effectiveDateTime="2026-03-10"),
              crp(valueQuantity={"value": 3, "unit": "mg/L"}, id="crp-later", effectiveDateTime="2026-03-10"))
    extra = normal if with_normal_later else ()
    before, after = decide(*resources, *extra), decide(*_less_dated(resources, how), *extra)

    assert set(before.facts.red_flags) <= set(after.facts.red_flags)
    if before.rules[0] != "R1":
        assert after.rules[0] != "R1", (before.rules, after.rules)


@pytest.mark.parametrize("resources", [
    (temperature(),),  # no effective[x], no issued
    (DIABETES, crp()),
])
def test_an_undated_fever_or_raised_marker_counts_and_says_date_not_recorded(
    resources: tuple[dict[str, Any], ...]
) -> None:
    """§2 v2: an undated red-flag finding counts; the card must not present it as dated."""
    decision = decide(*resources)

    assert decision.rules[0] == "R7"
    measured = [e for e in decision.facts.red_flags[RedFlag.INFECTION] if e.value is not None]
    assert [e.state for e in measured] == [State.DATE_NOT_RECORDED]


def test_a_later_normal_value_still_cancels_an_earlier_raised_one() -> None:
    """§3: the latest value of a test decides; a dated normal value after a dated high one cancels it."""
    normal = crp(id="later", effectiveDateTime="2026-03-09", valueQuantity={"value": 4, "unit": "mg/L"})
    decision = decide(DIABETES, crp(effectiveDateTime="2026-03-02"), normal)

    assert decision.rules == ("R1",)


def test_a_fever_dated_by_a_month_that_ended_before_the_7_days_is_not_read() -> None:
    decision = decide(temperature(effectiveDateTime="2026-02"))

    assert decision.rules == ("R1",)


NON_UCUM_UNITS = [
    # the FHIR specification's own fever example: °C as SNOMED CT 258710007 beside the words "degrees C"
    (temperature(effectiveDateTime="2026-03-10", valueQuantity={
        "value": 39.0, "unit": "degrees C", "system": "http://snomed.info/sct", "code": "258710007"}),),
    (DIABETES, crp(effectiveDateTime="2026-03-09", valueQuantity={
        "value": 25, "unit": "mg/L", "system": "urn:oid:1.2.840.114350.1.13.0.1.7.4.698", "code": "17"})),
]


@pytest.mark.parametrize("resources", NON_UCUM_UNITS)
def test_a_unit_coded_outside_ucum_is_read_from_its_words(resources: tuple[dict[str, Any], ...]) -> None:
    """§2, §3 v2 (R7): a Quantity whose ``code`` is not UCUM still says its unit in ``unit``."""
    decision = decide(*resources)

    assert decision.rules[0] == "R7"


def _without_unit_system(resource: dict[str, Any]) -> dict[str, Any]:
    quantity = resource.get("valueQuantity")
    if quantity is None:
        return resource
    return {**resource, "valueQuantity": {k: v for k, v in quantity.items() if k != "system"}}


@pytest.mark.parametrize("resources", NON_UCUM_UNITS)
def test_a_numeric_unit_code_left_without_its_system_is_read_from_its_words(
    resources: tuple[dict[str, Any], ...]
) -> None:
    """Invariant 6: removing the Quantity's ``system`` (a numeric unit code left without it) never turns
    the fever or the raised CRP read from ``unit`` into a defer."""
    decision = decide(*(_without_unit_system(r) for r in resources))

    assert decision.rules[0] == "R7"


@pytest.mark.parametrize("resources", [
    (temperature(effectiveDateTime="2026-03-10", valueQuantity=None, valueString="38.6 C"),),
    (temperature(effectiveDateTime="2026-03-10", valueQuantity=None, valueString="101.5 °F"),),
    (temperature(effectiveDateTime="2026-03-10", valueQuantity=None, valueString="38,6 °C"),),  # comma
    (temperature(effectiveDateTime="2026-03-10", valueQuantity=None, valueString="38.6"),),
    (DIABETES, crp(effectiveDateTime="2026-03-09", valueQuantity=None, valueString="25 mg/L")),
    (DIABETES, crp(effectiveDateTime="2026-03-09", valueQuantity=None, valueString="2.5 mg/dL")),
])
def test_a_fever_or_a_raised_marker_sent_as_text_is_an_infection_flag(
    resources: tuple[dict[str, Any], ...]
) -> None:
    """§2, §3 v2 (R7): a measurement sent as ``valueString`` — its number and its unit — is read."""
    decision = decide(*resources)

    assert decision.rules[0] == "R7"


def test_a_raised_esr_sent_as_text_with_its_unit_is_an_unexplained_raised_marker() -> None:
    decision = decide(esr(effectiveDateTime="2026-03-09", valueQuantity=None, valueString="60 mm/hr"))

    assert decision.rules[0] == "R7b"


@pytest.mark.parametrize("words", ["<38.5", "38.6 C at 10:00 per patient", "38.6 K"])
def test_text_that_is_no_readable_temperature_is_no_fever(words: str) -> None:
    decision = decide(temperature(effectiveDateTime="2026-03-10", valueQuantity=None, valueString=words))

    assert decision.rules == ("R1",)


def test_a_temperature_row_answered_febrile_in_words_is_a_fever() -> None:
    """No number to read, but the row says what the number would: a one-word answer is read as prose is,
    and "febrile" in words is §3's fever (R7)."""
    decision = decide(temperature(effectiveDateTime="2026-03-10", valueQuantity=None, valueString="febrile"))

    assert decision.rules[0] == "R7"


def answer(system: str, code: str) -> dict[str, Any]:
    """An answer code as an interface sends it: the code alone, without a display to read words from."""
    return {"valueCodeableConcept": {"coding": [{"system": system, "code": code}]}}


@pytest.mark.parametrize("coded_answer", [
    answer(SNOMED, "260413007"),  # None (qualifier value)
    answer(SNOMED, "385660001"),  # Not done
    answer(SNOMED, "385432009"),  # Not applicable
    answer(LOINC, "LA6577-6"),  # Negative
])
def test_a_screen_answered_none_not_done_or_negative_by_code_raises_nothing(coded_answer: Any) -> None:
    """§2 v2: a SNOMED CT qualifier value is an answer, not a finding — "None" or "Not done" to a retention
    screen is no cauda equina sign (a careful negative screen must not raise an emergency)."""
    decision = decide(retention_screened(**coded_answer))

    assert decision.rules == ("R1",)


def test_a_screen_answered_positive_by_the_loinc_answer_code_alone_is_a_cauda_equina_sign() -> None:
    decision = decide(retention_screened(**answer(LOINC, "LA6576-8")))  # Positive

    assert decision.rules[0] == "R5"


@pytest.mark.parametrize(("words", "rules"), [
    ("Yes - new since Monday", "R5"),
    ("Present, worse today", "R5"),
    ("Positive (patient unable to void)", "R5"),
    ("No - denies", "R1"),
    ("None noted", "R1"),
    ("Y/N", "R1"),  # a lone letter before a comment is not read as an answer
])
def test_an_answer_followed_by_a_comment_is_read_by_its_first_word(words: str, rules: str) -> None:
    """§2 v2: a positive answer asserts the finding — also when the clinician typed a comment after it."""
    for answer_given in ({"valueString": words}, {"valueCodeableConcept": {"text": words}}):
        decision = decide(retention_screened(**answer_given))

        assert decision.rules[0] == rules, answer_given


def ankle_strength(grade: str) -> dict[str, Any]:
    """An MRC grade as a flowsheet row exports it: the code's text only, the grade as text, two days ago."""
    return {"resourceType": "Observation", "id": "mmt", "status": "final", "effectiveDateTime": "2026-03-09",
            "code": {"text": "Left ankle dorsiflexion strength"}, "valueString": grade}


@pytest.mark.parametrize("grade", ["Grade 2", "MRC 2", "2 out of 5", "grade 2/5"])
def test_an_mrc_grade_written_with_words_is_a_severe_motor_deficit(grade: str) -> None:
    """§3 v2 motor (R6): a new grade ≤ 3 within 14 days, here as a flowsheet pick list words it."""
    decision = decide(ankle_strength(grade))

    assert decision.rules[0] == "R6"


@pytest.mark.parametrize("words", ["Grade 2 of 10", "2 out of 10", "grade"])
def test_words_that_are_no_mrc_grade_are_not_read_as_one(words: str) -> None:
    decision = decide(ankle_strength(words))

    assert decision.rules == ("R1",)


@pytest.mark.parametrize(("value", "unit"), [
    (38.9, "ºC"),  # the ordinal sign a Spanish or Portuguese keyboard types for the degree
    (38.9, "˚C"),
    (38.9, "deg. C"),
    (38.9, "Celcius"),  # the common misspelling
    (102.0, "ºF"),
    (102.0, "deg. F"),
])
def test_a_fever_in_a_unit_typed_with_a_look_alike_degree_sign_is_read(value: float, unit: str) -> None:
    """§2 (R7): the unit is read however it is typed, as "DegC" and "°f" already are."""
    quantity = {"value": value, "unit": unit}
    decision = decide(temperature(effectiveDateTime="2026-03-10", valueQuantity=quantity))

    assert decision.rules[0] == "R7"


def test_a_raised_esr_in_mm_per_1_h_with_a_ucum_full_stop_is_read() -> None:
    decision = decide(esr(effectiveDateTime="2026-03-09", valueQuantity={"value": 60, "unit": "mm/1.h"}))

    assert decision.rules[0] == "R7b"


def test_a_raised_value_dated_only_by_a_month_before_a_later_normal_one_is_cancelled() -> None:
    """§3: a later normal value cancels an earlier high one — a CRP of "2026-02" was certainly taken
    before the normal one of 9 March, so it cannot be the latest (only a value that may be later counts)."""
    normal = crp(id="later", effectiveDateTime="2026-03-09", valueQuantity={"value": 4, "unit": "mg/L"})
    decision = decide(DIABETES, crp(effectiveDateTime="2026-02"), normal)

    assert decision.rules == ("R1",)


def test_a_raised_value_dated_only_by_the_month_of_a_later_normal_one_may_be_the_latest() -> None:
    normal = crp(id="later", effectiveDateTime="2026-03-02", valueQuantity={"value": 4, "unit": "mg/L"})
    decision = decide(DIABETES, crp(effectiveDateTime="2026-03"), normal)

    assert decision.rules[0] == "R7"


SADDLE_NUMBNESS = "449813001"  # SNOMED CT numbness of saddle area (CODES.md §1f)


@pytest.mark.parametrize("words", ["No sensation in the saddle area", "Absent perianal sensation",
                                   "None felt to pinprick S3-S5"])
def test_a_coded_finding_whose_text_begins_with_a_negative_word_is_still_the_finding(words: str) -> None:
    """§2 v2: a finding coded in the value (SNOMED CT) is asserted; its text describes the finding, so a
    first word "No" or "Absent" is no answer to the question (an answer word alone still is)."""
    screen = {"resourceType": "Observation", "id": "ces-exam", "status": "final",
              "effectiveDateTime": "2026-03-09", "code": {"text": "Perineal sensation"},
              "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": SADDLE_NUMBNESS}],
                                       "text": words}}

    assert decide(screen).rules[0] == "R5"


def test_a_coded_finding_answered_by_a_negative_word_alone_is_not_asserted() -> None:
    screen = retention_screened(valueCodeableConcept={"coding": [{"system": SNOMED, "code": "267064002"}],
                                                      "text": "No"})

    assert decide(screen).rules == ("R1",)
