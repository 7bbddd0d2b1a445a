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
