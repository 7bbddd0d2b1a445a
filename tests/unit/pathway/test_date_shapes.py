"""Dates and times as exports write them, read by the two date rules (docs/pathway-facts.md §1, "Eighth
pass: dates and times"): a moment written in another zone, a date the record contradicts, an age given as
a bound. Raw FHIR JSON parsed as the hooks parse it; the order is a lumbar MRI of 2026-03-11 unless the
draft says otherwise (R1 defer, R5 cauda equina, R7 infection, R27 record the onset; invariants 3 and 6).
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_order, radiculopathy

from app.terminology import CPT, ICD10CM

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
# Signed at 22:00 in New York on 10 March: 03:00 UTC on the 11th.
EVENING_ORDER = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
                 "code": coded(CPT, "72148"), "authoredOn": "2026-03-10T22:00:00-05:00"}


def temperature(**when: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "t", "status": "final", "code": coded(LOINC, "8310-5"),
            "valueQuantity": {"value": 38.9, "unit": "Cel", "system": UCUM, "code": "Cel"}, **when}


def retention(**dates: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "ret", "code": coded(ICD10CM, "R33.9"), **dates}


@pytest.mark.parametrize("finding", [
    temperature(effectiveDateTime="2026-03-11T02:30:00Z"),  # 21:30 in New York
    temperature(effectiveInstant="2026-03-11T02:30:00.123Z"),
    temperature(issued="2026-03-11T02:30:00Z"),
    temperature(effectiveDateTime="2026-03-11 02:30:00+0000"),
], ids=["effective-utc", "instant-fraction", "issued-only", "sql-writer"])
def test_a_fever_written_in_utc_on_the_evening_of_the_order_counts(finding: dict[str, Any]) -> None:
    """PATHWAY.md §2 "a finding dated after the order date is ignored" — after the order's day, not after
    the date UTC gives the same moment. A fever taken at 21:30 in New York and written in UTC carries the
    11th; the order signed at 22:00 carries the 10th. It was dropped as "after the order": R1, defer."""
    assert decide_order(EVENING_ORDER, radiculopathy(), finding).rules == ("R7",)


@pytest.mark.parametrize("dates", [
    {"recordedDate": "2026-03-11T03:00:00Z"}, {"onsetDateTime": "2026-03-11T03:00:00Z"},
], ids=["recorded", "onset"])
def test_a_cauda_equina_sign_written_in_utc_on_the_evening_of_the_order_counts(dates: dict[str, Any]) -> None:
    assert decide_order(EVENING_ORDER, radiculopathy(), retention(**dates)).rules == ("R5", "R24")


@pytest.mark.parametrize("finding", [
    temperature(effectiveDateTime="2026-03-11T12:00:00Z"),  # the 11th in every zone
    temperature(effectiveDateTime="2026-03-11T08:00:00-05:00"),
    temperature(effectiveDateTime="2026-03-11"),
], ids=["utc-noon", "next-morning-local", "next-day"])
def test_a_fever_after_the_orders_day_in_every_zone_is_still_after_the_order(finding: dict[str, Any]) -> None:
    assert decide_order(EVENING_ORDER, radiculopathy(), finding).rules == ("R1",)


def test_a_spinal_injection_written_in_utc_on_the_evening_of_the_order_is_a_risk_factor() -> None:
    """§3 v2 infection: a spinal procedure in the last 90 days with a raised CRP. The injection given at
    20:00 in New York, written in UTC on the 11th, was "after the order": R1 beside a CRP of 48."""
    injection = {"resourceType": "Procedure", "id": "esi", "status": "completed",
                 "code": coded("http://www.ama-assn.org/go/cpt", "62323"),
                 "performedDateTime": "2026-03-11T01:00:00Z"}
    crp = {"resourceType": "Observation", "id": "crp", "status": "final", "code": coded(LOINC, "1988-5"),
           "valueQuantity": {"value": 48, "unit": "mg/L", "system": UCUM, "code": "mg/L"},
           "effectiveDateTime": "2026-03-10T12:00:00-05:00"}

    assert decide_order(EVENING_ORDER, radiculopathy(), injection, crp).rules == ("R7",)


def onset_read(decision: Any) -> tuple[tuple[str, ...], bool, int | None]:
    return decision.rules, decision.facts.onset_verified, decision.facts.duration_days


def decide_on_order_day(*resources: dict[str, Any]) -> Any:
    """``resources`` beside a lumbar MRI drafted on 2026-03-11 (no time)."""
    order = {**EVENING_ORDER, "authoredOn": "2026-03-11"}
    return decide_order(order, *resources)


def test_a_cauda_equina_whose_onset_is_a_typo_after_the_order_still_counts() -> None:
    """§2: "a finding dated after the order date is ignored". A cauda equina syndrome recorded on 1 March
    with its onset typed 2062-03-01 was on the chart when the order was written: the onset is the typo,
    not the finding. It was dated by the onset and dropped: R1, defer. It is dated by its recordedDate."""
    ces = {"resourceType": "Condition", "id": "ces", "code": coded(ICD10CM, "G83.4"),
           "onsetDateTime": "2062-03-01", "recordedDate": "2026-03-01"}

    assert decide_on_order_day(radiculopathy(), ces).rules == ("R5", "R24")


def low_back_pain(**dates: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "lbp", "code": coded(ICD10CM, "M54.50"), **dates}


def test_an_onset_typed_after_the_order_never_shortens_the_episode_to_a_defer() -> None:
    """Invariant 3: a back pain recorded on 15 January with its onset typed 2062-01-15 was dropped, and the
    sciatica of 20 February (19 days) made R1 a defer; the episode had begun by 15 January (55 days at
    least). The contradicted onset is written but dates nothing: a lower bound, R27."""
    decision = decide_on_order_day(radiculopathy(), low_back_pain(onsetDateTime="2062-01-15",
                                                                  recordedDate="2026-01-15"))

    assert onset_read(decision) == (("R27",), False, 55)


def test_an_onset_before_birth_is_no_onset() -> None:
    """A sciatica written as begun in 1926 (for 2026) by a man born in 1986 was a verified 36,544 days
    (R3a, and with care R2 "appropriate"); it is only known to have begun by its recordedDate: R27."""
    sciatica = {**radiculopathy("1926-02-20"), "recordedDate": "2026-02-21"}
    decision = decide_on_order_day(sciatica)

    assert onset_read(decision) == (("R27",), False, 18)


def test_an_onset_after_the_order_on_a_diagnosis_not_yet_recorded_is_after_the_order() -> None:
    """PATHWAY.md §2 as written: with nothing showing it was on record by the order, a diagnosis begun
    after the order is not the order's (R28 when it is the only one)."""
    assert decide_on_order_day(radiculopathy("2026-03-20")).rules == ("R28",)


CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def resolved_foot_drop(**dates: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "fd", "code": coded(ICD10CM, "M21.371"),
            "clinicalStatus": coded(CLINICAL, "resolved"), **dates}


@pytest.mark.parametrize("dates", [
    {"onsetDateTime": "2026-03-01", "abatementDateTime": "2025-03-05"},  # "abated" before it began
    {"onsetDateTime": "2026-03-01", "abatementPeriod": {"start": "2026-03-05", "end": "2025-03-06"}},
], ids=["abated-before-onset", "abatement-period-reversed"])
def test_a_foot_drop_whose_abatement_the_record_contradicts_keeps_its_flag(dates: dict[str, Any]) -> None:
    """§2: a resolved serious finding counts when its abatement lies in the last 30 days or carries no date.
    A foot drop begun on 1 March and "abated" a year earlier (or by a period ending before it began) was read
    as resolved long ago: R1, defer. The abatement's date is unknown: "date not recorded", R6."""
    assert decide_on_order_day(radiculopathy(), resolved_foot_drop(**dates)).rules == ("R6", "R24")


@pytest.mark.parametrize(("when", "rules"), [
    ({"effectivePeriod": {"start": "2026-03-20", "end": "2026-03-09"}}, ("R7",)),  # reversed: undated
    ({"effectiveTiming": {"repeat": {"boundsPeriod": {"start": "2025-03-09", "end": "2025-03-10"}}}},
     ("R1",)),
    ({"effectiveTiming": {"repeat": {"boundsPeriod": {"start": "2026-03-09"}}}}, ("R7",)),
    ({"effectiveTiming": {"event": ["2026-03-20", "2026-03-09"]}}, ("R7",)),  # the earliest event
], ids=["period-reversed", "timing-bounds-last-year", "timing-bounds-this-week", "timing-events"])
def test_a_fever_is_dated_by_what_its_period_or_timing_can_say(when: dict[str, Any], rules: tuple[str, ...]
                                                              ) -> None:
    """§3 fever within 7 days. A period whose end is before its start dates nothing (read by its start, a
    fever of 9 March was "after the order": R1). A Timing with only bounds is dated by them (undated, a
    fever of last March raised R7)."""
    assert decide_on_order_day(radiculopathy(), temperature(**when)).rules == rules


def sciatica_at_age(**age: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"),
            "onsetAge": {"unit": "d", "system": UCUM, "code": "d", **age}}


@pytest.mark.parametrize("comparator", ["<", "<=", ">", ">="])
def test_an_onset_age_given_as_a_bound_is_no_day(comparator: str) -> None:
    """Born 1986-01-01, day 14660 of life is 20 February (19 days). "Before day 14660" was read as that day,
    a verified onset: R1 on an episode that may be years old (invariant 3). A bound is written, not a day:
    R27."""
    decision = decide_on_order_day(sciatica_at_age(value=14660, comparator=comparator))

    assert (decision.rules, decision.facts.onset_verified) == (("R27",), False)


def test_an_onset_age_without_a_comparator_is_still_its_day() -> None:
    assert onset_read(decide_on_order_day(sciatica_at_age(value=14660))) == (("R1",), True, 19)


@pytest.mark.parametrize("onset_period", [
    {"start": "2026-03-20", "end": "2026-01-10"}, {"start": "2026-02-20", "end": "2025-01-10"},
], ids=["start-after-order", "end-a-year-early"])
def test_an_onset_period_ending_before_it_starts_is_no_onset(onset_period: dict[str, Any]) -> None:
    """A sciatica recorded on 21 February whose onsetPeriod ends before it starts: read by its start it was
    after the order (R28, no card) or a verified 19 days (R1). It dates nothing: the recordedDate is the
    lower bound, R27."""
    sciatica = {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"),
                "onsetPeriod": onset_period, "recordedDate": "2026-02-21"}

    assert onset_read(decide_on_order_day(sciatica)) == (("R27",), False, 18)


DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


@pytest.mark.parametrize("key", ["_onsetDateTime", "_onsetString"])
def test_an_onset_the_chart_says_is_unknown_may_precede_the_episodes(key: str) -> None:
    """A back pain recorded on 1 March whose onset is a data-absent-reason "unknown" beside a sciatica of
    20 February (19 days): read as no onset at all, the sciatica's day stood (R1). The chart says the back
    pain's onset exists and is not known — it may be years earlier, as "chronic" may: R27."""
    unknown = {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]}
    back_pain = low_back_pain(recordedDate="2026-03-01", **{key: unknown})
    decision = decide_on_order_day(radiculopathy(), back_pain)

    assert onset_read(decision) == (("R27",), False, 19)


def test_a_diagnosis_written_with_no_onset_after_the_episodes_leaves_it_verified() -> None:
    assert onset_read(decide_on_order_day(radiculopathy(), low_back_pain(recordedDate="2026-03-01"))) == \
        (("R1",), True, 19)


def test_a_sciatica_begun_on_the_evening_of_the_order_written_in_utc_is_zero_days_old() -> None:
    """PATHWAY.md §2 duration: a sciatica begun at 21:00 in New York, written in UTC on the 11th, beside an
    order signed at 22:00 on the 10th, is on record when the order is written — begun that day, D = 0 (R1),
    never "-1 days"."""
    decision = decide_order(EVENING_ORDER, radiculopathy("2026-03-11T02:00:00Z"))

    assert onset_read(decision) == (("R1",), True, 0)
