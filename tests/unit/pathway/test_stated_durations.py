"""Symptom durations a chart states, against a written onset (PATHWAY.md §2 onset and duration D; R1, R27;
safety invariant 3). docs/pathway-facts.md "Eleventh pass: onset, duration and episode". The sciatica of
``radiculopathy()`` was written as begun on 2026-02-20: 19 days before the lumbar MRI of 2026-03-11 (R1).
A duration stated during the episode that reaches six weeks makes that onset unverified (R27); a shorter
one, or one stated before the episode, changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.terminology import CPT, ICD10CM, LOINC

UCUM = "http://unitsofmeasure.org"


def duration_row(value: dict[str, Any], on: str = "2026-03-10", code: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "duration", "status": "final",
            "code": code or coded(LOINC, "64748-7"), "effectiveDateTime": on, **value}


LOCAL = coded("urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "3041", "Duration of symptoms")


@pytest.mark.parametrize("row", [
    duration_row({"valueQuantity": {"value": 3, "unit": "mo", "system": UCUM, "code": "mo"}}),
    duration_row({"valueQuantity": {"value": 8, "unit": "weeks"}}, code=LOCAL),
    duration_row({"valueString": "2 months"}),
    duration_row({"valueString": "6-8 wks"}, code=coded("urn:oid:1.2.3", "PAINDUR", "Pain duration")),
    duration_row({"valueQuantity": {"value": 50, "unit": "d", "system": UCUM, "code": "d"}}),
], ids=["loinc-months", "local-row-weeks", "loinc-words", "pain-duration-range", "days"])
def test_a_duration_stated_during_the_episode_past_six_weeks_makes_the_onset_unverified(
        row: dict[str, Any]) -> None:
    """Symptoms of "3 months" stated on 10 March beside a sciatica written as begun on 20 February: R1
    "defer, 19 days" was an answer the patient's own account contradicts → R27 "record the onset"."""
    decision = decide(row)

    assert (decision.facts.onset_verified, decision.rules) == (False, ("R27",))
    assert decision.facts.duration_days == 19  # at least: a stated duration dates nothing


@pytest.mark.parametrize("row", [
    duration_row({"valueQuantity": {"value": 3, "unit": "wk", "system": UCUM, "code": "wk"}}),
    duration_row({"valueQuantity": {"value": 3, "unit": "mo"}}, on="2026-02-01"),
    duration_row({"valueString": "3 months"}, code=coded("urn:oid:1.2.3", "SLEEP", "Sleep duration")),
    duration_row({"valueQuantity": {"value": 3, "unit": "mo"}}, code=coded("urn:oid:1.2.3", "AGE", "Age")),
    {**duration_row({"valueString": "3 months"}), "status": "entered-in-error"},
], ids=["shorter-than-six-weeks", "stated-before-the-episode", "not-a-symptom", "not-a-duration", "void"])
def test_a_duration_that_does_not_reach_six_weeks_in_the_episode_changes_nothing(row: dict[str, Any]) -> None:
    assert decide(row).rules == ("R1",)


def draft(reason: str) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": coded(CPT, "72148"), "reasonCode": [{**coded(ICD10CM, "M54.16"), "text": reason}]}


@pytest.mark.parametrize(("reason", "rules"), [
    ("L radicular pain x 3 months", ("R27",)),
    ("sciatica for the past 8 weeks", ("R27",)),
    ("3 months of low back pain", ("R27",)),
    ("pain began 2 months ago", ("R27",)),
    ("sciatica x 3 wks", ("R1",)),  # under six weeks: agrees with the chart
    ("hx L4-5 fusion 2 yrs", ("R1",)),  # not how long the complaint has lasted
])
def test_the_orders_reason_for_exam_stating_a_duration_is_read(reason: str, rules: tuple[str, ...]) -> None:
    """The order's own reason, "L radicular pain x 3 months", beside an onset written 19 days ago: R1 → R27.
    Only shapes that say how long a complaint has lasted count; "fusion 2 yrs" is no duration of pain."""
    assert decide_order(draft(reason), radiculopathy()).rules == rules


@pytest.mark.parametrize(("row", "rules"), [
    (duration_row({"valueString": "six weeks"}), ("R27",)),
    (duration_row({"valueString": "several months"}), ("R27",)),
    (duration_row({"valueString": "two weeks"}), ("R1",)),
], ids=["six-weeks", "several-months", "two-weeks"])
def test_a_duration_written_in_words_is_read(row: dict[str, Any], rules: tuple[str, ...]) -> None:
    """A number written as a word ("six weeks", "several months") is a whole number of its unit: it was read
    as an int, which Python 3.11 cannot ask ``is_integer`` — the whole decision raised (a 500, no card)."""
    assert decide(row).rules == rules


def test_a_reason_for_exam_in_words_never_costs_a_red_flag() -> None:
    """"Sciatica for two weeks" beside a cauda equina syndrome: the stated duration raised before the red
    flag was answered (a 500 over HTTP: no card at all, invariant 1) → R16, the emergency."""
    cauda_equina = {"resourceType": "Condition", "id": "ces", "code": coded(ICD10CM, "G83.4"),
                    "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                            "active"), "onsetDateTime": "2026-03-10"}

    decision = decide_order(draft("sciatica for two weeks"), radiculopathy(), cauda_equina)

    assert decision.rating != "not-appropriate"
    assert "R1" not in decision.rules


def visit(reason: dict[str, Any], start: str = "2026-03-05", status: str = "finished") -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "visit", "status": status, "class": {"code": "AMB"},
            "period": {"start": start, "end": start}, "reasonCode": [reason]}


@pytest.mark.parametrize("resource", [
    visit({"text": "back pain x 8 weeks"}),
    visit({**coded(ICD10CM, "M54.50"), "text": "LBP for 2 months"}),
    visit({"text": "L sciatica for the past 3 months"}),
    {**radiculopathy(), "id": "dx2",
     "note": [{"text": "Pain radiating down L leg x 3 months, worse with sitting", "time": "2026-03-01"}]},
], ids=["chief-complaint", "coded-reason-words", "sciatica-words", "the-episodes-own-note"])
def test_a_duration_stated_for_the_back_at_a_visit_or_on_the_diagnosis_is_read(
        resource: dict[str, Any]) -> None:
    """A visit's chief complaint "back pain x 8 weeks" on 5 March, or the sciatica's own note "x 3 months",
    beside a sciatica written as begun on 20 February: R1 "defer, 19 days" → R27 "record the onset"."""
    decision = decide(resource)

    assert (decision.facts.onset_verified, decision.rules) == (False, ("R27",))


@pytest.mark.parametrize("resource", [
    visit({"text": "cough x 3 weeks"}),
    visit({"text": "cough for 3 months"}),
    visit({"text": "back pain x 8 weeks"}, start="2026-01-10"),  # before the episode began
    visit({"text": "back pain x 8 weeks"}, status="cancelled"),
    visit({"text": "back pain x 2 weeks"}),
    visit({"text": "R knee pain for 3 months"}),
], ids=["another-complaint-short", "another-complaint-long", "before-the-episode", "cancelled", "shorter",
        "knee"])
def test_a_visit_stating_no_long_back_complaint_keeps_the_defer(resource: dict[str, Any]) -> None:
    assert decide(resource).rules == ("R1",)


def test_a_note_written_before_the_episode_began_changes_nothing() -> None:
    """A re-used problem's note "x 3 months" of last year is an earlier episode's."""
    note = {"text": "Pain radiating down L leg x 3 months", "time": "2025-05-01"}
    assert decide({**radiculopathy(), "id": "dx2", "note": [note]}).rules == ("R1",)


@pytest.mark.parametrize("row", [
    duration_row({"valueCodeableConcept": {"text": "More than 3 months"}}),
    duration_row({"valueCodeableConcept": {"coding": [{"system": "urn:oid:1.2.3", "code": "4",
                                                       "display": "6-12 weeks"}]}}),
    duration_row({"valueString": "chronic"}),
    duration_row({"valueCodeableConcept": {"text": "Chronic (> 3 months)"}}, code=LOCAL),
], ids=["answer-text", "answer-display", "chronic-words", "chronic-answer-local-row"])
def test_a_duration_row_answered_from_a_list_or_as_chronic_is_read(row: dict[str, Any]) -> None:
    """Flowsheet rows answered from a pick list ("More than 3 months", "6-12 weeks") or "chronic" beside a
    sciatica written as begun on 20 February: R1 → R27."""
    assert decide(row).rules == ("R27",)


@pytest.mark.parametrize("row", [
    duration_row({"valueCodeableConcept": {"text": "Less than 1 week"}}),
    duration_row({"valueCodeableConcept": {"text": "Acute"}}),
    duration_row({"valueString": "not chronic"}),
], ids=["short-answer", "acute", "not-chronic"])
def test_a_duration_row_answered_short_keeps_the_defer(row: dict[str, Any]) -> None:
    assert decide(row).rules == ("R1",)


def onset_row(value: dict[str, Any], on: str = "2026-03-10") -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "onset-row", "status": "final",
            "code": coded(LOINC, "11368-8", "Illness or injury onset date and time"),
            "effectiveDateTime": on, **value}


@pytest.mark.parametrize("row", [
    onset_row({"valueDateTime": "2025-12-01"}),
    onset_row({"valueDateTime": "2025-12"}),
    onset_row({"valueDateTime": "2026-01-15T08:00:00-05:00"}),
], ids=["day", "month", "moment"])
def test_an_illness_onset_date_row_before_six_weeks_makes_the_onset_unverified(row: dict[str, Any]) -> None:
    """LOINC 11368-8 "Illness or injury onset date and time" answered 1 December beside a sciatica written as
    begun on 20 February: two onsets disagree, and the earlier is past six weeks — R1 → R27, "record the
    onset" (the row dates nothing: D stays "at least 19")."""
    decision = decide(row)

    assert (decision.facts.onset_verified, decision.rules) == (False, ("R27",))


@pytest.mark.parametrize("row", [
    onset_row({"valueDateTime": "2026-02-18"}),
    onset_row({"valueDateTime": "2025-12-01"}, on="2025-12-02"),  # a row of an earlier episode
    {**onset_row({"valueDateTime": "2025-12-01"}), "status": "entered-in-error"},
], ids=["agrees-under-six-weeks", "stated-before-the-episode", "void"])
def test_an_illness_onset_date_row_under_six_weeks_changes_nothing(row: dict[str, Any]) -> None:
    assert decide(row).rules == ("R1",)


@pytest.mark.parametrize(("reason", "rules"), [
    ("LBP > 6 weeks", ("R27",)),
    ("L sciatica more than 2 months", ("R27",)),
    ("L radiculopathy for months", ("R27",)),
    ("back pain x years, now radiating to L leg", ("R27",)),
    ("L sciatica since August", ("R27",)),
    ("sciatica since late August", ("R27",)),
    ("radicular pain since March 2025", ("R27",)),
    ("L sciatica since early January", ("R27",)),  # may be 1 January: 69 days
    ("L sciatica since March", ("R1",)),  # 1-11 March: under six weeks, as the chart says
    ("cough > 3 days", ("R1",)),  # ("fever > 3 days" is a fever typed in words: R7)
    ("wt loss > 10 lbs", ("R9",)),  # a weight loss typed in words (R9), no duration
    ("since she may need surgery", ("R1",)),
], ids=["greater-than", "more-than", "for-months", "x-years", "since-august", "since-late-august",
        "since-a-month-and-year", "since-early-january", "since-march", "fever-short", "weight", "may-verb"])
def test_a_reason_stating_a_long_complaint_without_a_number_is_read(
        reason: str, rules: tuple[str, ...]) -> None:
    """The order's reason "LBP > 6 weeks", "for months", "since August" beside a sciatica written as begun
    19 days ago: R1 "defer" → R27. A month without a year is its latest occurrence by the order's day, from
    its first day (the safe side, as a range's larger end)."""
    assert decide_order(draft(reason), radiculopathy()).rules == rules
