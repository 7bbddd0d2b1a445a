"""Onset and episode from what else a chart records about when symptoms began (PATHWAY.md §2 onset and
episode; R1, R27; safety invariant 3: a duration not known to be under six weeks never produces a defer).
docs/pathway-facts.md "Eleventh pass: onset, duration and episode". The order is a lumbar MRI of
2026-03-11; the sciatica of ``radiculopathy()`` was written as begun on 2026-02-20 (19 days: R1 alone).
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_chart, radiculopathy

from app.terminology import ICD10CM, LOINC, RXNORM, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def visit_carrying(field: str, reference: str, start: str = "2025-11-11") -> dict[str, Any]:
    link = {"condition": {"reference": reference}} if field == "diagnosis" else {"reference": reference}
    return {"resourceType": "Encounter", "id": "first-visit", "status": "finished",
            "period": {"start": start}, field: [link]}


@pytest.mark.parametrize("field", ["diagnosis", "reasonReference"])
def test_a_visit_carrying_the_diagnosis_before_its_exact_onset_makes_it_a_lower_bound(field: str) -> None:
    """PATHWAY.md §2 "the first encounter carrying the diagnosis": a visit on 11 November whose diagnosis
    (or reason) is the sciatica written as begun on 20 February shows it had begun by 11 November. Before,
    the exact onset was kept: R1 "defer, 19 days" for symptoms at least 120 days old → R27 (+ R24)."""
    decision = decide(visit_carrying(field, "Condition/dx"))

    assert (decision.facts.onset_verified, decision.facts.duration_days) == (False, 120)
    assert decision.rules[0] == "R27"


def test_a_visit_carrying_the_diagnosis_an_episode_gap_before_its_exact_onset_leaves_it_exact() -> None:
    """A visit of 2023 carried the same Condition, re-used for this episode: more than ``episode_gap_days``
    (180) before the onset it is an earlier episode's — never a lower bound reaching back to 2023."""
    decision = decide(visit_carrying("diagnosis", "Condition/dx", "2023-05-02"))

    assert (decision.facts.onset_verified, decision.rules) == (True, ("R1",))


def test_a_visit_carrying_the_diagnosis_after_its_exact_onset_leaves_it_exact() -> None:
    absolute = "http://ehr.example/fhir/Condition/dx/_history/2"
    decision = decide(visit_carrying("diagnosis", absolute, "2026-02-24"))

    assert (decision.facts.onset_verified, decision.rules) == (True, ("R1",))


def sciatica(status: str, **dates: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "old", "code": coded(ICD10CM, "M54.16"),
            "clinicalStatus": coded(CLINICAL, status), **dates}


@pytest.mark.parametrize(("chart", "at_least"), [
    (sciatica("recurrence", onsetDateTime="2019-01-01", recordedDate="2026-03-01"), 10),
    (sciatica("relapse", onsetDateTime="2019-01-01", recordedDate="2019-01-01"), 0),
    (sciatica("active", onsetDateTime="2025-05-01", abatementDateTime="2025-10-01"), 0),
], ids=["recurrence", "relapse-recorded-in-2019", "active-after-its-abatement"])
def test_a_recurrence_is_not_dated_by_its_first_episodes_onset(chart: dict[str, Any], at_least: int) -> None:
    """A sciatica that came back (clinicalStatus recurrence or relapse, or active again after an
    abatement the problem list kept): its onset[x] is the first episode's. Read as this episode's, a
    recurrence of unknown date was "2,626 days" (R3a, "start conservative care", + R24) → R27, "record the
    onset" (PATHWAY.md §2, safety invariant 3); its lower bound is a record made after it came back."""
    decision = decide_chart(chart)

    assert (decision.facts.onset_verified, decision.rules) == (False, ("R27",))
    assert decision.facts.duration_days == at_least


def test_a_diagnosis_active_again_years_after_its_abatement_is_in_scope() -> None:
    """Active again after an abatement of 2024: the status says it is current, so the order is in scope
    (R28, no card → R27), the recurrence undated."""
    chart = sciatica("active", onsetDateTime="2024-01-01", abatementDateTime="2024-06-01")

    assert decide_chart(chart).rules == ("R27",)


def test_a_recurrence_of_unknown_date_may_precede_a_new_diagnosis_exact_onset() -> None:
    decision = decide(sciatica("recurrence", onsetDateTime="2019-01-01", recordedDate="2026-03-01"))

    assert (decision.facts.onset_verified, decision.rules) == (False, ("R27",))


def test_a_resolved_diagnosis_with_its_abatement_is_no_recurrence() -> None:
    old = sciatica("resolved", onsetDateTime="2025-05-01", abatementDateTime="2025-06-01")

    assert decide(old).rules == ("R1",)


PT_REFERRAL = {"resourceType": "ServiceRequest", "id": "pt", "status": "completed", "intent": "order",
               "authoredOn": "2025-12-01", "code": coded(SNOMED, "91251008"),
               "reasonCode": [coded(ICD10CM, "M54.16")]}
NAPROXEN = {"resourceType": "MedicationRequest", "id": "nsaid", "status": "completed", "intent": "order",
            "authoredOn": "2025-12-01", "medicationCodeableConcept": coded(RXNORM, "7258"),
            "reasonCode": [coded(ICD10CM, "M54.16")]}
SYMPTOM = {"resourceType": "Observation", "id": "symptom", "status": "final", "code": coded(LOINC, "75325-1"),
           "valueCodeableConcept": coded(SNOMED, "23056005"), "effectiveDateTime": "2025-12-01"}


@pytest.mark.parametrize("record", [PT_REFERRAL, NAPROXEN, SYMPTOM], ids=["referral", "drug", "symptom"])
def test_a_record_stating_the_diagnosis_before_its_exact_onset_makes_it_a_lower_bound(
        record: dict[str, Any]) -> None:
    """A PT referral or a naproxen prescription for sciatica, or a "Symptom: sciatica" row, of 1 December:
    the sciatica written as begun on 20 February had begun by then. Before, such records dated nothing and
    R1 deferred on 19 days → at least 100 days, unverified: R27, or R3b when the record is itself care."""
    decision = decide(record)

    assert (decision.facts.onset_verified, decision.facts.duration_days) == (False, 100)
    assert decision.rules[0] in ("R27", "R3b")


def test_a_record_stating_the_diagnosis_after_its_exact_onset_leaves_it_exact() -> None:
    decision = decide({**SYMPTOM, "effectiveDateTime": "2026-03-01"})

    assert (decision.facts.onset_verified, decision.rules) == (True, ("R1",))


ASSERTED = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"


@pytest.mark.parametrize("written", [
    {"recordedDate": "2025-12-01"},
    {"recordedDate": "2025-12-01T10:15:00-05:00"},
    {"extension": [{"url": ASSERTED, "valueDateTime": "2025-12-01"}]},
], ids=["recordedDate", "recordedDate-instant", "assertedDate"])
def test_a_diagnosis_recorded_before_its_exact_onset_makes_it_a_lower_bound(written: dict[str, Any]) -> None:
    """A sciatica recorded (or asserted, US Core's date of diagnosis) on 1 December whose onset reads 20
    February: the problem list had it by 1 December — the onset was rewritten (a flare, an edit), not the
    day it began. As a visit that carried it before its onset already did (eleventh pass): R1 "defer, 19
    days" → R27 (+ R24), at least 100 days."""
    decision = decide_chart({**radiculopathy(), **written})

    assert (decision.facts.onset_verified, decision.facts.duration_days) == (False, 100)
    assert decision.rules[0] == "R27"


@pytest.mark.parametrize("recorded", ["2023-05-02", "2026-02-20", "2026-03-01", "2026-02-20T03:00:00Z"],
                         ids=["an-earlier-episode", "same-day", "after", "same-day-in-utc"])
def test_a_diagnosis_recorded_on_or_after_its_onset_or_an_episode_before_keeps_it_exact(
        recorded: str) -> None:
    decision = decide_chart({**radiculopathy(), "recordedDate": recorded})

    assert (decision.facts.onset_verified, decision.rules) == (True, ("R1",))
