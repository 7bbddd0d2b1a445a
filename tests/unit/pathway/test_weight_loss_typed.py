"""Unexplained weight loss typed in words (PATHWAY.md §3 malignancy, weak; docs/pathway-facts.md "Twelfth
pass: infection and malignancy typed in words"): "unexplained wt loss 15 lb", "losing weight", "cachectic" in
a visit's reason, a note, a free-text problem or exam prose. A weak flag alone still defers an early MRI (R9);
with ESR ≥ 50 mm/h it is rated as a major one (R8), where the ESR alone is R7b. Each positive shape was R1
(alone) or R7b (with the ESR) on 68c63fb. A weight loss the words make intended or sought is none."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide
from test_infection_typed_in_words import places

from app.pathway.model import RedFlag
from app.terminology import LOINC

ESR = {"resourceType": "Observation", "id": "esr", "status": "final", "code": coded(LOINC, "30341-2"),
       "valueQuantity": {"value": 60, "unit": "mm/h"}, "effectiveDateTime": "2026-03-08"}
PLACES = ("problem", "problem-note", "exam-prose", "visit-reason", "referral-note", "procedure-note")


def shapes(words: str) -> list[tuple[str, dict[str, Any]]]:
    every = places(words)
    return [(place, every[place]) for place in PLACES]


@pytest.mark.parametrize("words", ["unexplained wt loss 15 lb", "Unintentional weight loss of 20 lbs",
                                   "losing weight without trying", "Cachectic appearing", "wt loss 10 kg"])
def test_a_weight_loss_typed_in_words_is_the_weak_flag(words: str) -> None:
    for place, resource in shapes(words):
        alone, with_esr = decide(resource), decide(resource, ESR)
        assert RedFlag.MALIGNANCY_WEAK in alone.facts.red_flags, place
        assert alone.rules[0] == "R9", (place, alone.rules)
        assert with_esr.rules[0] == "R8", (place, with_esr.rules)


@pytest.mark.parametrize("words", ["Denies unexplained weight loss", "intentional weight loss with diet",
                                   "weight loss goal 10 lb", "wt loss counseling", "No wt loss",
                                   "Weight loss surgery 2019", "wants to discuss weight loss medications"])
def test_a_denied_or_wanted_weight_loss_is_none(words: str) -> None:
    for place, resource in shapes(words):
        decision = decide(resource, ESR)
        assert RedFlag.MALIGNANCY_WEAK not in decision.facts.red_flags, (place, decision.rules)
        assert decision.rules[0] == "R7b", (place, decision.rules)
