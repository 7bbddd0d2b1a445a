"""Long-term steroids and trauma written in words only (PATHWAY.md §3 infection "Z79.52" and fracture risk
"steroids for 90 days or more", "low-velocity trauma"; app/pathway/facts_fracture_words.py;
docs/pathway-facts.md "Eleventh pass: fracture risk, trauma and age"). ``raw_decision.decide`` adds each
resource to a 19-day lumbar radiculopathy and rates a lumbar MRI ordered on 2026-03-11: R1 (defer) without a
red flag. Each chart below that is not R1 was R1 before the eleventh pass."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.model import Finding, Indicator, RedFlag

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def problem(words: str, **fields: Any) -> dict[str, Any]:
    """A problem with no code, as Oracle Health exports one entered in words, or a site's local code."""
    return {"resourceType": "Condition", "id": "free", "code": {"text": words}, **fields}


def visit(words: str, start: str = "2026-03-01") -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "v", "status": "finished", "class": {"code": "AMB"},
            "period": {"start": start}, "reasonCode": [{"text": words}]}


@pytest.mark.parametrize("resource", [
    problem("Long-term (current) use of systemic steroids", recordedDate="2020-01-01"),  # Z79.52 in words
    problem("On chronic prednisone for rheumatoid arthritis"),
    problem("Steroid-dependent asthma", onsetDateTime="2015"),
    problem("Osteoporosis due to chronic steroid use"),  # both classes' risk, not osteoporosis alone
    visit("Chronic steroid therapy follow-up", start="2026-01-05"),
])
def test_r7_long_term_steroids_in_words_are_immunosuppression_and_fracture_risk(
    resource: dict[str, Any]
) -> None:
    """§3 reads Z79.52 as infection (immunosuppression) and fracture risk: the same words with no code were
    read as nothing (R1, a defer)."""
    decision = decide(resource)

    assert decision.rules[0] == "R7"
    assert decision.advices[0].indicator is Indicator.CRITICAL
    for flag in (RedFlag.INFECTION, RedFlag.FRACTURE_RISK):
        assert [e.finding for e in decision.facts.red_flags[flag]] == [Finding.LONG_TERM_STEROIDS]


@pytest.mark.parametrize("resource", [
    problem("Chronic inhaled steroids"),  # a local steroid is no systemic course
    problem("chronic steroid injections L4-5"),
    problem("No chronic steroid use"),
    problem("Long term steroid use", clinicalStatus=coded(CLINICAL, "resolved"),
            abatementDateTime="2020-01-01"),  # ended six years ago
    problem("Long term steroid use", clinicalStatus=coded(CLINICAL, "inactive")),  # ended, when not said
    visit("Chronic steroid therapy follow-up", start="2024-01-05"),  # a visit two years old
    problem("Steroid taper completed"),
])
def test_r1_local_denied_or_ended_steroids_in_words_are_no_red_flag(resource: dict[str, Any]) -> None:
    assert decide(resource).rules == ("R1",)


@pytest.mark.parametrize("words", ["GLF", "s/p GLF yesterday", "Ped vs. auto", "Motorcycle crash",
                                   "Auto accident 2 weeks ago", "MCC, helmeted"])
def test_r10_a_fall_or_a_crash_as_emergency_notes_abbreviate_it_is_trauma(words: str) -> None:
    """A ground-level fall ("GLF") and crashes other than a car's were no trauma at all (R1); in words they
    are fracture risk (radiographs first), never the coded high-energy trauma that takes an order out of
    scope (§1)."""
    decision = decide(visit(words))

    assert decision.rules == ("R10",)
    assert decision.facts.high_energy_trauma is False
