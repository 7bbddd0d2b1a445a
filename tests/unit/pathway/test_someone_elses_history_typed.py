"""Whose history it is (docs/pathway-facts.md "Twelfth pass: infection and malignancy typed in words"): a
spouse's, a partner's or a housemate's cancer, fever, immunosuppression or drug use typed in the patient's
chart ("Husband had breast cancer", "wife is immunocompromised", "lives with roommate who uses IV drugs") is
not the patient's, as a parent's or a sibling's already was not. Each was R8 or R7 on 68c63fb (R7 for a
fever or immunosuppression in words only since the twelfth pass); the patient's own, typed beside a
relative's, still counts. ``raw_decision.decide`` adds the words to a 19-day lumbar radiculopathy: R1 (defer)
without a flag."""

from __future__ import annotations

import pytest
from test_infection_typed_in_words import every_place

from app.pathway.model import RedFlag


@pytest.mark.parametrize(("words", "flag"), [
    ("Husband had breast cancer", RedFlag.MALIGNANCY_MAJOR),
    ("wife with breast ca", RedFlag.MALIGNANCY_MAJOR),
    ("spouse has prostate cancer", RedFlag.MALIGNANCY_MAJOR),
    ("Partner: metastatic lung cancer, pt is caregiver", RedFlag.MALIGNANCY_MAJOR),
    ("wife is immunocompromised", RedFlag.INFECTION),
    ("partner on chemo", RedFlag.INFECTION),
    ("husband has HIV disease", RedFlag.INFECTION),
    ("son febrile at home, pt well", RedFlag.INFECTION),
    ("Pt's wife: fever last week", RedFlag.INFECTION),
    ("boyfriend IVDU", RedFlag.INFECTION),
    ("partner injects heroin", RedFlag.INFECTION),
    ("lives with roommate who uses IV drugs", RedFlag.INFECTION),
])
def test_a_spouses_partners_or_housemates_history_is_not_the_patients(words: str, flag: RedFlag) -> None:
    for place, decision in every_place(words):
        assert flag not in decision.facts.red_flags, (place, decision.rules)
        assert decision.rules[0] == "R1", (place, decision.rules)


@pytest.mark.parametrize(("words", "rule"), [
    ("Husband had colon cancer. Pt has h/o breast ca.", "R8"),
    ("Wife is a nurse. Pt febrile to 39.", "R7"),
    ("Lives with husband; injects heroin daily", "R7"),
])
def test_the_patients_own_beside_a_spouses_still_counts(words: str, rule: str) -> None:
    for place, decision in every_place(words):
        assert decision.rules[0] == rule, (place, decision.rules)
