"""A relative's cancer as intake forms and family-history lists record it is never the patient's (PATHWAY.md
§3 malignancy: "never family history"; docs/pathway-facts.md "Twelfth pass: whole charts where facts
meet"): a row named for a relative ("Mother's Medical History": "Breast cancer, HTN"), a relative named
after the cancer ("Colon cancer (brother)", "breast ca - mother") or called a relative ("Relative with
cancer": "Maternal aunt - ovarian"). ``raw_decision.decide`` adds each to a 19-day lumbar radiculopathy of a
40-year-old: R1 (defer) without a flag. Each was R8 on 52a6125, but the row answered "Dad: lung cancer"
(already read as a relative's)."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide

from app.pathway.facts_cancer_words import cancer_in_words

CERNER_EVENT = "https://fhir-ehr.cerner.com/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/72"


def row(category: str, name: str, answer: str, on: str = "2026-01-05") -> dict[str, Any]:
    """An intake or history row under a local code, answered in words."""
    return {"resourceType": "Observation", "id": "o", "status": "final",
            "category": [coded("http://terminology.hl7.org/CodeSystem/observation-category", category)],
            "code": {"coding": [{"system": CERNER_EVENT, "code": "4174592", "display": name}], "text": name},
            "valueString": answer, "effectiveDateTime": on}


@pytest.mark.parametrize(("name", "answer"), [
    ("Mother's Medical History", "Breast cancer, HTN"),
    ("Father", "Prostate cancer"),
    ("Sibling History", "Colon cancer (brother)"),
    ("Relative with cancer", "Maternal aunt - ovarian"),
    ("Medical history of parents", "Dad: lung cancer"),
])
@pytest.mark.parametrize("category", ["social-history", "survey", "exam"])
def test_r1_a_relatives_cancer_on_a_row_is_no_flag(category: str, name: str, answer: str) -> None:
    assert decide(row(category, name, answer)).rules == ("R1",)


@pytest.mark.parametrize("words", [
    "Breast cancer (mother)", "Colon cancer - brother", "Prostate ca, father", "Lung cancer: brother",
    "Ovarian cancer (maternal aunt, 60s)", "Breast cancer - mother, colon cancer - father",
    "Breast cancer of left breast (mother)",
])
def test_r1_a_relative_named_after_the_cancer_on_a_free_text_problem(words: str) -> None:
    problem = {"resourceType": "Condition", "id": "x", "code": {"text": words}, "recordedDate": "2025-06-01"}
    assert decide(problem).rules == ("R1",)


@pytest.mark.parametrize("words", [
    "Metastatic prostate cancer, family at bedside", "Breast cancer, mother of 3", "Breast cancer - left",
    "Colon cancer (sigmoid)", "Prostate cancer (HCC)", "Breast cancer of left breast",
])
def test_the_patients_own_cancer_still_counts_when_words_follow_it(words: str) -> None:
    """The relative must stand alone after the cancer: the words going on about the patient keep it R8."""
    assert cancer_in_words(words) is not None
    problem = {"resourceType": "Condition", "id": "x", "code": {"text": words}, "recordedDate": "2025-06-01"}
    assert decide(problem).rules[0] == "R8"


@pytest.mark.parametrize("name", ["Maternal fever", "Ward sister assessment"])
def test_a_row_named_maternal_or_sister_is_the_patients_own(name: str) -> None:
    """"Maternal" alone names no relative, nor "sister" a ward's nurse: "febrile 38.6 C" is the patient's."""
    assert decide(row("exam", name, "febrile 38.6 C", on="2026-03-09")).rules[0] == "R7"
