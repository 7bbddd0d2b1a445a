"""Onset, episode and duration as exports write them, parsed from raw FHIR JSON as the hooks parse them
(PATHWAY.md §2 onset and episode; R1, R27; safety invariant 3: an unknown duration never produces a defer).
The order is a lumbar MRI of 2026-03-11; six weeks before it is 2026-01-28.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from raw_decision import coded, decide_chart

from app.terminology import ICD10CM

UCUM = "http://unitsofmeasure.org"

SCIATICA_30_JANUARY = {"resourceType": "Condition", "id": "sciatica", "code": coded(ICD10CM, "M54.16"),
                       "onsetDateTime": "2026-01-30"}  # 40 days: R1 on its own


def back_pain(**onset: Any) -> dict[str, Any]:
    """Low back pain (M54.50) recorded on 1 March with the onset[x] ``onset``."""
    return {"resourceType": "Condition", "id": "lbp", "code": coded(ICD10CM, "M54.50"),
            "recordedDate": "2026-03-01", **onset}


def test_a_sciatica_of_40_days_alone_is_deferred() -> None:
    assert decide_chart(SCIATICA_30_JANUARY).rules == ("R1",)


@pytest.mark.parametrize("onset", [
    {"onsetDateTime": "2026-01"},  # may be 1 January: 69 days
    {"onsetString": "since June"},
    {"onsetString": "chronic"},
    {"onsetString": "3 weeks ago"},
    {"onsetAge": {"value": 40, "unit": "years"}},  # a year of life: from 1 January 2026
    {"onsetRange": {"low": {"value": 39, "unit": "a"}, "high": {"value": 40, "unit": "a"}}},
    {"onsetPeriod": {"end": "2026-02-15"}},
    {"onsetDateTime": "01/15/2026"},  # not a FHIR dateTime: written, not read
    {"onsetAge": {"value": 40, "unit": "kg"}},  # no unit of time
], ids=["month", "since-june", "chronic", "weeks-ago", "age-in-years", "range", "period-end-only",
        "unreadable-datetime", "age-unit-unknown"])
def test_an_episode_onset_another_diagnosis_may_precede_is_not_verified(onset: dict[str, Any]) -> None:
    """PATHWAY.md §2 episode: the onset is the episode's earliest. A back pain of the same episode whose
    written onset may lie before the sciatica's 30 January makes that day only the day by which the episode
    had begun — a lower bound: R27 ("record the onset"), never R1 on a duration that may be 69 days."""
    decision = decide_chart(SCIATICA_30_JANUARY, back_pain(**onset))

    assert (decision.facts.onset_verified, decision.rules) == (False, ("R27",))
    assert decision.facts.duration_days == 40  # at least


@pytest.mark.parametrize("onset", [
    {"onsetDateTime": "2026-02"},  # begun in February: after 30 January
    {"onsetDateTime": "2026-02-10"},
    {},  # no onset written: an encounter diagnosis recorded after it
], ids=["later-month", "later-day", "none-written"])
def test_an_episode_onset_no_other_diagnosis_may_precede_stays_verified(onset: dict[str, Any]) -> None:
    decision = decide_chart(SCIATICA_30_JANUARY, back_pain(**onset))

    assert (decision.facts.onset_verified, decision.rules) == (True, ("R1",))


def condition_at_age(age: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"), "onsetAge": age}


def test_an_onset_age_in_weeks_is_a_week_not_a_day() -> None:
    """PATHWAY.md §2 onset from onsetAge: born 1986-01-01, "at 2091 weeks" is some day from 28 January to
    3 February — 36 to 42 days. Read as its first day, it was a verified 42 days: R3a ("start conservative
    care"), a defer on a duration not known to reach six weeks (invariant 3). It is a lower bound: R27."""
    decision = decide_chart(condition_at_age({"value": 2091, "unit": "wk", "system": UCUM, "code": "wk"}))

    assert (decision.facts.onset_verified, decision.facts.duration_days) == (False, 36)
    assert decision.rules == ("R27",)


def test_an_onset_age_in_days_is_exact() -> None:
    decision = decide_chart(condition_at_age({"value": 14637, "unit": "d", "system": UCUM, "code": "d"}))

    assert (decision.facts.onset_verified, decision.facts.duration_days) == (True, 42)


@pytest.mark.parametrize("unit", [
    {"system": "http://snomed.info/sct", "code": "258707000", "unit": "years"},  # SNOMED CT "year"
    {"system": "http://snomed.info/sct", "code": "258707000"},
    {"system": "urn:oid:2.16.840.1.113883.6.8", "code": "YRS", "unit": "years"},  # a local code, the word
], ids=["snomed-with-word", "snomed-code-only", "unknown-code-with-word"])
def test_an_onset_age_whose_unit_is_not_coded_in_ucum_is_read(unit: dict[str, Any]) -> None:
    """"At 40 years" (born 1986-01-01) with the unit coded in SNOMED CT or a local code: a year of life
    from 1 January 2026, so the sciatica's 30 January may not be the episode's start (R27). Before, the
    unit was refused, the age read as no onset, and R1 deferred on 40 days that may be 69."""
    dx = {**condition_at_age({"value": 40, **unit}), "recordedDate": "2026-03-01"}

    decision = decide_chart(dx, SCIATICA_30_JANUARY)

    assert (decision.facts.onset_verified, decision.rules) == (False, ("R27",))


def visit(start: str, status: str = "finished", code: str = "M54.16") -> dict[str, Any]:
    """An office visit whose reason for visit is ``code`` (Encounter.reasonCode, no Condition behind it)."""
    return {"resourceType": "Encounter", "id": "visit", "status": status, "period": {"start": start},
            "reasonCode": [coded(ICD10CM, code)]}


def test_a_visit_for_sciatica_alone_brings_the_order_into_scope_with_an_unknown_onset() -> None:
    """PATHWAY.md §1: a qualifying diagnosis recorded only as the visit's reason. Before, the order was out
    of scope (R28, no card); the visit's start is only a lower bound: R27, "record the onset"."""
    decision = decide_chart(visit("2026-02-20T09:00:00-05:00"))

    assert decision.rules == ("R27",)
    assert (decision.facts.onset, decision.facts.onset_verified) == (date(2026, 2, 20), False)


def test_a_visit_for_sciatica_before_its_written_onset_makes_the_onset_unverified() -> None:
    """A visit for sciatica on 15 December: the sciatica written as begun on 30 January had begun by then
    (PATHWAY.md §2, the first encounter carrying the diagnosis) — at least 86 days, never R1 at 40."""
    decision = decide_chart(SCIATICA_30_JANUARY, visit("2025-12-15"))

    assert (decision.facts.onset, decision.facts.onset_verified) == (date(2025, 12, 15), False)
    assert decision.rules == ("R27", "R24")


@pytest.mark.parametrize("shape", [
    visit("2026-02-20"),  # after the written onset: it changes nothing
    visit("2025-12-15", status="cancelled"),
    visit("2025-12-15", status="planned"),
    visit("2025-12-15", code="M54.12"),  # a cervical reason says nothing of a lumbar episode
], ids=["later-visit", "cancelled", "planned", "other-region"])
def test_a_visit_that_carried_nothing_earlier_leaves_the_onset_verified(shape: dict[str, Any]) -> None:
    decision = decide_chart(SCIATICA_30_JANUARY, shape)

    assert (decision.facts.onset_verified, decision.rules) == (True, ("R1",))


@pytest.mark.parametrize("status", ["planned", "cancelled", "entered-in-error"])
def test_a_visit_that_did_not_take_place_qualifies_nothing(status: str) -> None:
    assert decide_chart(visit("2026-02-20", status=status)).rules == ("R28",)


def test_a_problem_asserted_before_the_written_onset_makes_that_onset_a_lower_bound() -> None:
    """US Core's condition-assertedDate (the date of diagnosis): sciatica on the problem list since
    1 December 2025, its recordedDate rewritten at a reconciliation on 1 March. The encounter diagnosis
    begun "30 January" is not the episode's start (PATHWAY.md §2 lower bound): R27 and R24, never R1."""
    problem = {"resourceType": "Condition", "id": "problem", "code": coded(ICD10CM, "M54.16"),
               "recordedDate": "2026-03-01", "extension": [
                   {"url": "http://hl7.org/fhir/StructureDefinition/condition-assertedDate",
                    "valueDateTime": "2025-12-01T10:00:00-05:00"}]}

    decision = decide_chart(SCIATICA_30_JANUARY, problem)

    assert (decision.facts.onset, decision.facts.onset_verified) == (date(2025, 12, 1), False)
    assert decision.rules == ("R27", "R24")


@pytest.mark.parametrize(("system", "code"), [
    ("http://hl7.org/fhir/sid/icd-10", "M54.4"),  # ICD-10 (WHO): lumbago with sciatica
    ("http://hl7.org/fhir/sid/icd-10", "M54.3"),  # ICD-10 (WHO): sciatica
    (ICD10CM, "M54.4"),  # the ICD-10-CM header, sent without its side
], ids=["who-M54.4", "who-M54.3", "cm-header-M54.4"])
def test_sciatica_coded_without_its_side_qualifies(system: str, code: str) -> None:
    """PATHWAY.md §6.1 sciatica (M54.30–M54.32, M54.40–M54.42): the four-character code heads only lumbar
    sciatica. Before, the order was out of scope (R28, no card); now it is the 19-day sciatica it is: R1."""
    dx = {"resourceType": "Condition", "id": "dx", "code": coded(system, code), "onsetDateTime": "2026-02-20"}

    assert decide_chart(dx).rules == ("R1",)
