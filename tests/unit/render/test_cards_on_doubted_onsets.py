"""Cards on charts whose written onset another record contradicts (PATHWAY.md §2 onset: a lower bound;
§5 "a fact read as a lower bound says so"; docs/pathway-facts.md "Twelfth pass: the cards"). The sciatica of
``radiculopathy()`` was written as begun on 2026-02-20, 19 days before the lumbar MRI of 2026-03-11; each
record below makes that onset a lower bound (R27, or R3b/R24), and the card said "Onset not recorded".
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import ORDER_DATE, coded, decide, decide_chart, decide_order, radiculopathy
from render_fixtures import context, draft_order

from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.pathway.engine import evaluate_patient
from app.pathway.policy import Policy
from app.render import CardLibrary, render_cards
from app.terminology import CPT, ICD10CM, LOINC, RXNORM, SNOMED, load_value_sets

Card = dict[str, Any]
VISIT = {"resourceType": "Encounter", "id": "first-visit", "status": "finished",
         "period": {"start": "2025-11-11"}, "diagnosis": [{"condition": {"reference": "Condition/dx"}}]}
REASON_VISIT = {"resourceType": "Encounter", "id": "v", "status": "finished",
                "period": {"start": "2025-12-15"}, "reasonCode": [coded(ICD10CM, "M54.16")]}
PT_REFERRAL = {"resourceType": "ServiceRequest", "id": "pt", "status": "completed", "intent": "order",
               "authoredOn": "2025-12-01", "code": coded(SNOMED, "91251008"),
               "reasonCode": [coded(ICD10CM, "M54.16")]}
NAPROXEN = {"resourceType": "MedicationRequest", "id": "nsaid", "status": "completed", "intent": "order",
            "authoredOn": "2025-12-01", "medicationCodeableConcept": coded(RXNORM, "7258"),
            "reasonCode": [coded(ICD10CM, "M54.16")]}
SYMPTOM = {"resourceType": "Observation", "id": "symptom", "status": "final", "code": coded(LOINC, "75325-1"),
           "valueCodeableConcept": coded(SNOMED, "23056005"), "effectiveDateTime": "2025-12-01"}
BACK_PAIN = {"resourceType": "Condition", "id": "bp", "code": coded(ICD10CM, "M54.50"),
             "onsetDateTime": "2026-01"}
DURATION = {"resourceType": "Observation", "id": "duration", "status": "final",
            "code": coded(LOINC, "64748-7"), "effectiveDateTime": "2026-03-10",
            "valueQuantity": {"value": 3, "unit": "mo"}}


def onset_line(card: Card) -> str:
    return next(line for line in card["detail"].splitlines() if line.startswith("- Onset"))


@pytest.mark.parametrize(("record", "said"), [
    (VISIT, "a visit for lumbar radiculopathy on 2025-11-11: symptoms began on or before 2025-11-11."),
    (REASON_VISIT, "lumbar radiculopathy (reason for a visit) on 2025-12-15: symptoms began on or before"
                   " 2025-12-15."),
    (PT_REFERRAL, "lumbar radiculopathy (reason for an order or prescription) on 2025-12-01: symptoms"
                  " began on or before 2025-12-01."),
    (NAPROXEN, "lumbar radiculopathy (reason for an order or prescription) on 2025-12-01: symptoms"
               " began on or before 2025-12-01."),
    (SYMPTOM, "lumbar radiculopathy (observation) on 2025-12-01: symptoms began on or before 2025-12-01."),
    (BACK_PAIN, "low back pain on 2026-01-31: symptoms began on or before 2026-01-31."),
], ids=["visit-diagnosis", "visit-reason", "pt-referral", "prescription", "symptom-row", "back-pain-2026-01"])
def test_an_onset_contradicted_by_an_earlier_record_says_what_was_written_and_what_came_before(
        library: CardLibrary, record: dict[str, Any], said: str) -> None:
    """The onset WAS written (20 February): "Onset not recorded" sent the clinician to record what the chart
    already holds. The card now gives the onset written and the record of an earlier day."""
    found = [card for card in render_cards(decide(record), library, context(draft_order()))
             if "- Onset" in card["detail"]]

    assert found
    for card in found:
        assert onset_line(card) == f"- Onset recorded as 2026-02-20, but {said}", card["detail"]


@pytest.mark.parametrize(("chart", "said"), [
    ((radiculopathy(), DURATION), 'symptom duration stated "3 mo" (2026-03-10)'),
], ids=["symptoms-duration-row"])
def test_an_onset_a_stated_duration_contradicts_names_the_statement(
        library: CardLibrary, chart: tuple[dict[str, Any], ...], said: str) -> None:
    card = render_cards(decide(*chart[1:]), library, context(draft_order()))[0]

    expected = f"- Onset recorded as 2026-02-20, but {said}: symptoms may have begun earlier."
    assert onset_line(card) == expected, card["detail"]


def test_an_onset_the_orders_reason_contradicts_names_that_reason(library: CardLibrary) -> None:
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72148"),
             "reasonCode": [{**coded(ICD10CM, "M54.16"), "text": "L radicular pain x 3 months"}]}
    card = render_cards(decide_order(order, radiculopathy()), library, context(draft_order()))[0]

    assert onset_line(card) == ('- Onset recorded as 2026-02-20, but symptom duration stated "L radicular'
                                ' pain x 3 months" (order reason) (2026-03-11): symptoms may have begun'
                                ' earlier.')
    assert card["summary"] == "Symptom duration not documented: record onset to rate this lumbar MRI"


def test_an_onset_never_written_still_reads_not_recorded(library: CardLibrary) -> None:
    dx = {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"),
          "recordedDate": "2026-02-01"}
    card = render_cards(decide_order(draft_order(), dx), library, context(draft_order()))[0]

    assert onset_line(card) == "- Onset not recorded; symptoms began on or before 2026-02-01."


def test_durations_from_a_lower_bound_say_or_more(library: CardLibrary) -> None:
    """R3b and R24 from an onset known only as a lower bound: "symptoms 100 days" claimed a duration the
    chart does not give; it is "100 or more days"."""
    found = render_cards(decide(PT_REFERRAL), library, context(draft_order()))
    summaries = [card["summary"] for card in found]

    assert summaries == [
        "Image only if it will change management: lumbar symptoms 100 or more days after conservative care,"
        " no candidacy",
        "Routine spine specialist referral: symptoms 100 or more days (at least 12 weeks)",
    ]
    assert "Radicular symptoms for 100 or more days, at least 12 weeks." in found[1]["detail"]


def test_the_patient_summary_of_a_lower_bound_says_began_on_or_before(library: CardLibrary) -> None:
    """patient-view: "Day 120 or more of lumbar symptoms (began 2025-11-11)" stated a day of onset the
    chart does not give."""
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01"}
    chart = build_chart({"all": KeyData((patient, radiculopathy(), VISIT))})
    decision = evaluate_patient(chart, ORDER_DATE, Policy(), load_value_sets())
    assert decision is not None
    detail = render_cards(decision, library, context(None))[0]["detail"]

    assert detail.startswith("- Day 120 or more of lumbar symptoms (began on or before 2025-11-11).")


def test_a_record_onset_card_with_nothing_dated_says_the_onset_is_not_recorded(library: CardLibrary) -> None:
    """R27 on a lumbar MRI whose only lumbar diagnosis is the order's reason: the card named the diagnosis
    and said nothing of the onset (missing data is said, PATHWAY.md §2)."""
    card = render_cards(decide_order(draft_order()), library, context(draft_order()))[0]

    assert card["summary"].startswith("Symptom duration not documented")
    expected = "- Onset not recorded (the order's reason or an undated diagnosis does not date the symptoms)."
    assert expected in card["detail"].splitlines(), card["detail"]


def test_a_recurrence_says_its_written_onset_is_an_earlier_episodes(library: CardLibrary) -> None:
    """A sciatica recorded on 1 March as a recurrence of one begun in 2019: the card said "Onset not
    recorded" of a Condition whose onset field reads 2019-01-01."""
    recurrence = {"resourceType": "Condition", "id": "old", "code": coded(ICD10CM, "M54.16"),
                  "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                          "recurrence"),
                  "onsetDateTime": "2019-01-01", "recordedDate": "2026-03-01"}
    card = render_cards(decide_order(draft_order(), recurrence), library, context(draft_order()))[0]

    assert onset_line(card) == ("- Onset recorded as 2019-01-01 is an earlier episode's (the diagnosis came"
                                " back); symptoms began on or before 2026-03-01.")


@pytest.mark.parametrize(("onset", "bound"), [
    ({"onsetDateTime": "2026-01"}, "2026-01-31"),
    ({"onsetString": "3 months ago", "recordedDate": "2026-02-10"}, "2026-02-10"),
    ({"onsetAge": {"value": 40, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"}},
     "2026-03-11"),
], ids=["month", "words", "age-in-years"])
def test_an_onset_written_but_not_as_a_day_is_not_called_not_recorded(
        library: CardLibrary, onset: dict[str, Any], bound: str) -> None:
    """A sciatica whose onset reads "2026-01", "3 months ago" or "at 40 years": "Onset not recorded" told
    the clinician the field was empty."""
    dx = {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"), **onset}
    card = render_cards(decide_order(draft_order(), dx), library, context(draft_order()))[0]

    assert onset_line(card) == f"- Onset recorded, but not as a day; symptoms began on or before {bound}."


def test_a_long_reason_for_exam_is_cut_on_the_card(library: CardLibrary) -> None:
    """An Epic reason for exam is often a paragraph; the card quotes its first 120 characters."""
    reason = "L radicular pain x 3 months, " + "failed PT and NSAIDs, numbness in the L5 distribution, " * 6
    order = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
             "code": coded(CPT, "72148"), "reasonCode": [{**coded(ICD10CM, "M54.16"), "text": reason}]}
    card = render_cards(decide_order(order, radiculopathy()), library, context(draft_order()))[0]

    assert len(onset_line(card)) < 250, onset_line(card)
    assert '"L radicular pain x 3 months, failed PT' in onset_line(card)


def test_an_onset_after_the_day_the_diagnosis_was_recorded_names_that_day(library: CardLibrary) -> None:
    """The problem list held the sciatica on 1 December; its onset reads 20 February (a flare, an edit): a
    lower bound (R27), and the card says which record came first, not "Onset not recorded"."""
    recorded = {**radiculopathy(), "recordedDate": "2025-12-01"}
    decision = decide_chart(recorded)
    found = [card for card in render_cards(decision, library, context(draft_order()))
             if "- Onset" in card["detail"]]

    assert "R27" in decision.rules
    assert found
    expected = ("- Onset recorded as 2026-02-20, but lumbar radiculopathy recorded on the chart on"
                " 2025-12-01: symptoms began on or before 2025-12-01.")
    assert onset_line(found[0]) == expected, found[0]["detail"]


def test_a_chronic_problem_names_the_words_that_say_so(library: CardLibrary) -> None:
    """Epic's "Chronic left-sided low back pain with left-sided sciatica", added 19 days ago: chronic means
    twelve weeks or more (R27), and the card quotes what said so."""
    chronic = {**radiculopathy(), "code": {**coded(ICD10CM, "M54.42"),
                                         "text": "Chronic left-sided low back pain with left-sided sciatica"}}
    decision = decide_chart(chronic)
    card = next(card for card in render_cards(decision, library, context(draft_order()))
                if "- Onset" in card["detail"])

    assert "R27" in decision.rules
    said = '- Onset recorded as 2026-02-20, but symptom duration stated "Chronic'
    assert onset_line(card).startswith(said), card["detail"]
