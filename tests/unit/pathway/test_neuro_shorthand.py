"""The neurological red flags as clinicians type them (PATHWAY.md §3 cauda equina R5, motor deficit R6,
myelopathy R20; docs/pathway-facts.md "Twelfth pass: the neurological red flags as clinicians type them"):
shorthand ("B/B incontinence", "?CES", "↓ rectal tone", "bilat LE weakness", "progressive LLE weakness",
"PVR 600") in every free-text place the service reads, and the negatives written beside them ("Hoffmann sign
negative", "not consistent with cauda equina"). ``raw_decision.decide`` adds each resource to a 19-day lumbar
radiculopathy (begun 2026-02-20) and decides a lumbar MRI ordered on 2026-03-11: R1 (defer) without a flag.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.pathway.model import RedFlag
from app.terminology import CPT, ICD10CM

EXAM = [coded("http://terminology.hl7.org/CodeSystem/observation-category", "exam")]
NECK_PAIN = {"resourceType": "Condition", "id": "neck", "code": coded(ICD10CM, "M54.2"),
             "clinicalStatus": coded("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
             "onsetDateTime": "2026-02-25"}  # a reflex sign needs neck symptoms (PATHWAY.md §3)


def problem(words: str, on: str = "2026-03-05") -> dict[str, Any]:
    """A free-text problem (Oracle Health's free-text diagnosis): ``code.text`` only."""
    return {"resourceType": "Condition", "id": "typed", "code": {"text": words}, "onsetDateTime": on}


def problem_note(words: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "lbp", "code": coded(ICD10CM, "M54.50"),
            "recordedDate": "2026-03-04", "note": [{"text": words}]}


def exam_prose(words: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "neuro", "status": "final", "category": EXAM,
            "code": {"text": "Neuro exam"}, "effectiveDateTime": "2026-03-10", "valueString": words}


def panel_item(words: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": "pe", "status": "final", "category": EXAM,
            "code": {"text": "Physical exam"}, "effectiveDateTime": "2026-03-10",
            "component": [{"code": {"text": "Neuro"}, "valueString": words}]}


def chief_complaint(words: str) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "ed", "status": "finished", "period": {"start": "2026-03-09"},
            "reasonCode": [{"text": words}]}


def referral_note(words: str) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
            "code": {"text": "Neurosurgery referral"}, "authoredOn": "2026-03-09", "note": [{"text": words}]}


def report_text(words: str) -> dict[str, Any]:
    text = base64.b64encode(f"IMPRESSION: {words}".encode()).decode()
    return {"resourceType": "DiagnosticReport", "id": "mri", "status": "final", "code": coded(CPT, "72148"),
            "effectiveDateTime": "2026-03-01", "presentedForm": [{"contentType": "text/plain", "data": text}]}


def procedure_note(words: str) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "pt", "status": "completed", "code": coded(CPT, "97110"),
            "performedDateTime": "2026-03-05", "note": [{"text": words}]}


PLACES: dict[str, Callable[[str], dict[str, Any]]] = {
    "problem": problem, "problem-note": problem_note, "exam-prose": exam_prose, "panel-item": panel_item,
    "chief-complaint": chief_complaint, "referral-note": referral_note, "report-text": report_text,
    "procedure-note": procedure_note,
}


def reason_for_exam(words: str) -> dict[str, Any]:
    """The draft lumbar MRI with ``words`` typed as its reason for exam."""
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": coded(CPT, "72148"), "authoredOn": "2026-03-11", "subject": {"reference": "Patient/p"},
            "reasonCode": [{"text": words}]}


# (words, flag, rule) — each was R1 (or R12 in a report) on the commit before this pass.
TYPED: list[tuple[str, RedFlag, str]] = [
    ("Pt c/o B/B incontinence x 2 days", RedFlag.CES, "R5"),
    ("New bowel/bladder dysfxn", RedFlag.CES, "R5"),
    ("Incontinent of stool since last night", RedFlag.CES, "R5"),
    ("Saddle paresthesias since Tuesday", RedFlag.CES, "R5"),
    ("Numbness in the saddle distribution", RedFlag.CES, "R5"),
    ("Reports numbness around the anus", RedFlag.CES, "R5"),
    ("↓ rectal tone on DRE", RedFlag.CES, "R5"),
    ("Dec rectal tone", RedFlag.CES, "R5"),
    ("Loss of anal wink", RedFlag.CES, "R5"),
    ("Anal wink absent", RedFlag.CES, "R5"),
    ("BLE weakness", RedFlag.CES, "R5"),
    ("Bilat LE weakness, worse today", RedFlag.CES, "R5"),
    ("Weak BLE", RedFlag.CES, "R5"),
    ("New paraparesis", RedFlag.CES, "R5"),
    ("?CES, needs MRI", RedFlag.CES, "R5"),
    ("Concern for CES", RedFlag.CES, "R5"),
    ("Suspected CES, MRI today", RedFlag.CES, "R5"),
    ("Cauda equina sx", RedFlag.CES, "R5"),
    ("PVR 600", RedFlag.CES, "R5"),
    ("C/o numb bum since Monday", RedFlag.CES, "R5"),
    ("Cannot feel the toilet paper when wiping", RedFlag.CES, "R5"),
    ("Can't feel when she has to pee", RedFlag.CES, "R5"),
    ("Bladder scan 450 cc after voiding", RedFlag.CES, "R5"),
    ("Footdrop L", RedFlag.MOTOR, "R6"),
    ("Cannot dorsiflex the L foot", RedFlag.MOTOR, "R6"),
    ("Strength: L DF 2/5, EHL 3/5", RedFlag.MOTOR, "R6"),
    ("3/5 L ankle dorsiflexion", RedFlag.MOTOR, "R6"),
    ("Dorsiflexion 0/5 bilaterally", RedFlag.CES, "R5"),
    ("Progressive LLE weakness", RedFlag.MOTOR, "R6"),
    ("Worsening left leg weakness", RedFlag.MOTOR, "R6"),
    ("LLE weakness is getting worse", RedFlag.MOTOR, "R6"),
]


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize(("words", "flag", "rule"), TYPED)
def test_a_neurological_red_flag_in_shorthand_is_read_wherever_it_is_typed(
        place: str, words: str, flag: RedFlag, rule: str) -> None:
    """PATHWAY.md §2 "wherever the chart holds it": the same shorthand, the same answer in every field."""
    decision = decide(PLACES[place](words))

    assert flag in decision.facts.red_flags
    assert decision.rules[0] == rule


@pytest.mark.parametrize(("words", "rule"), [("B/B incontinence", "R5"), ("r/o CES", "R5"),
                                             ("Progressive RLE weakness", "R6")])
def test_shorthand_typed_as_the_reason_for_exam_is_the_orders_own_reason(words: str, rule: str) -> None:
    assert decide_order(reason_for_exam(words), radiculopathy()).rules[0] == rule


@pytest.mark.parametrize("words", [
    "Hyperreflexia: DTRs 3+ throughout", "Patellar reflexes 4+ bilat", "Upgoing plantars",
    "Hoffmanns positive on the R",
])
@pytest.mark.parametrize("place", ["problem-note", "exam-prose", "chief-complaint", "report-text"])
def test_a_reflex_sign_in_shorthand_beside_a_neck_pain_is_a_myelopathy(place: str, words: str) -> None:
    decision = decide(NECK_PAIN, PLACES[place](words))

    assert RedFlag.MYELOPATHY in decision.facts.red_flags
    assert decision.rules[0] == "R20"


def test_worsening_weakness_of_both_legs_is_still_weakness_of_both_legs() -> None:
    """The progressive weakness is added after the chart's words, so the legs named in them still count."""
    decision = decide(problem("Worsening BLE weakness"))

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


# Each stays R1: denied, normal, a template, a relative's, a scale named like the abbreviation, or a
# volume below the residual threshold.
QUIET = [
    "Denies B/B incontinence", "No B/B incontinence or saddle anesthesia", "B/B intact",
    "Continent of B/B", "Return to ED if B/B changes", "CES precautions reviewed", "CES red flags reviewed",
    "Discussed signs and symptoms of CES", "Mother with CES", "CES-D score 12", "No ↓ rectal tone",
    "Rectal tone normal, no dec sensation perianal", "No BLE weakness", "Denies bilat LE weakness",
    "No progressive LLE weakness", "LLE weakness stable, not progressive", "Weakness not worsening",
    "Not worsening left leg weakness", "No worsening BLE weakness", "Increasing generalized weakness",
    "PVR 40 mL", "PVR 150", "PVR 250 dyn", "Biceps 4+/5, triceps 5/5", "Anal wink intact", "No footdrop",
    "Strength 5/5 throughout", "Denies numb bum", "Can feel the toilet paper", "DF 5/5, EHL 4/5",
    "EHL 4-/5", "DF 3+/5", "4/5 DF",
    "Not consistent with cauda equina syndrome", "Exam not c/w CES", "Cauda equina syndrome not suspected",
    "DTRs 2+ symmetric", "Reflexes 1+ at the ankles",
]


@pytest.mark.parametrize("place", ["problem-note", "exam-prose", "chief-complaint", "referral-note"])
@pytest.mark.parametrize("words", QUIET)
def test_denied_normal_or_templated_shorthand_raises_nothing(place: str, words: str) -> None:
    decision = decide(NECK_PAIN, PLACES[place](words))

    assert not decision.facts.red_flags
    assert decision.rules[0] == "R1"


@pytest.mark.parametrize("words", [
    "Hoffmann's negative", "Hoffmann sign negative", "Babinski sign negative bilaterally",
    "Hoffmann absent bilaterally", "Hoffmann and Babinski negative",
    "Hoffmann, Babinski, clonus all negative", "Babinski/Hoffmann neg", "Hoffmann -", "Hoffmann (-)",
    "(-) Hoffmann", "Clonus: 0 beats",
])
@pytest.mark.parametrize("place", ["problem-note", "exam-prose", "chief-complaint", "report-text"])
def test_a_reflex_sign_answered_negative_after_its_name_is_no_myelopathy(place: str, words: str) -> None:
    """Beside a neck pain these were R20 (critical, urgent referral) for a careful normal exam."""
    decision = decide(NECK_PAIN, PLACES[place](words))

    assert RedFlag.MYELOPATHY not in decision.facts.red_flags
    assert decision.rules[0] == ("R12" if place == "report-text" else "R1")  # R12: the prior MRI


@pytest.mark.parametrize(("words", "flag", "rule"), [
    ("Cauda equina syndrome not ruled out", RedFlag.CES, "R5"),
    ("CES cannot be ruled out, MRI tonight", RedFlag.CES, "R5"),
    ("Cauda equina not excluded", RedFlag.CES, "R5"),
    ("CES has not been excluded", RedFlag.CES, "R5"),
    ("Cord compression can't be excluded", RedFlag.MYELOPATHY, "R20"),
])
@pytest.mark.parametrize("place", ["problem", "problem-note", "exam-prose", "chief-complaint",
                                   "referral-note"])
def test_an_exclusion_that_is_itself_denied_is_a_suspicion(place: str, words: str, flag: RedFlag, rule: str
                                                           ) -> None:
    """"Cannot be ruled out" is the suspicion PATHWAY.md §2 counts; it was read as "ruled out" (R1)."""
    decision = decide(PLACES[place](words))

    assert flag in decision.facts.red_flags
    assert decision.rules[0] == rule


@pytest.mark.parametrize("words", ["Wife has urinary incontinence", "Husband with CES",
                                   "Spouse had cauda equina syndrome", "Partner has MS and foot drop"])
@pytest.mark.parametrize("place", ["problem-note", "exam-prose", "chief-complaint"])
def test_a_spouses_own_finding_is_not_the_patients(place: str, words: str) -> None:
    """Whose symptom it is: a spouse's or partner's own history, as a relative's is (``facts_negation``)."""
    assert decide(PLACES[place](words)).rules[0] == "R1"


@pytest.mark.parametrize("words", ["Per wife, pt has new urinary retention",
                                   "Wife reports he has new urinary retention",
                                   "Wife has noticed new urinary retention"])
def test_what_a_spouse_tells_of_the_patient_still_counts(words: str) -> None:
    assert decide(problem_note(words)).rules[0] == "R5"


def test_a_positive_sign_beside_a_negative_one_still_counts() -> None:
    assert decide(NECK_PAIN, exam_prose("Hoffmann positive, Babinski negative")).rules[0] == "R20"
    assert decide(NECK_PAIN, exam_prose("Babinski negative, + Hoffmann on the R")).rules[0] == "R20"


def test_chronic_urinary_retention_begun_before_the_episode_is_not_new() -> None:
    """§3: "chronic retention counts only when it is new". Typed "Chronic urinary retention", begun in
    December (inside 180 days, before the episode's onset in February), it was read as a retention (R5)."""
    assert decide(problem("Chronic urinary retention", on="2025-12-01")).rules[0] == "R1"
    assert decide(problem("Chronic retention of urine", on="2025-12-01")).rules[0] == "R1"
    assert decide(problem("Chronic urinary retention", on="2026-03-01")).rules[0] == "R5"


def test_an_old_shorthand_problem_keeps_its_concepts_date_rules() -> None:
    """A cauda equina sign typed in shorthand is new only as its concept's rules say (PATHWAY.md §3)."""
    assert decide(problem("B/B incontinence", on="2019-05-01")).rules[0] == "R1"
    assert decide(problem("BLE weakness", on="2019-05-01")).rules[0] == "R1"


def row(name: str, answer: str) -> dict[str, Any]:
    """A flowsheet or exam row under a local name answered in words, yesterday."""
    return {"resourceType": "Observation", "id": "row", "status": "final", "category": EXAM,
            "code": {"text": name}, "effectiveDateTime": "2026-03-10", "valueString": answer}


@pytest.mark.parametrize(("name", "answer", "flag", "rule"), [
    ("Rectal tone", "↓", RedFlag.CES, "R5"), ("Rectal tone", "dec", RedFlag.CES, "R5"),
    ("Saddle sensation", "↓", RedFlag.CES, "R5"), ("B/B", "Incontinent", RedFlag.CES, "R5"),
    ("B/B function", "Retention", RedFlag.CES, "R5"), ("Hoffmann", "(+)", RedFlag.MYELOPATHY, "R20"),
    ("Neuro exam", "Hyperreflexia", RedFlag.MYELOPATHY, "R20"), ("Neuro", "Paraparesis", RedFlag.CES, "R5"),
    ("Neuro exam", "Footdrop", RedFlag.MOTOR, "R6"), ("B/B incontinence", "Yes", RedFlag.CES, "R5"),
    ("?CES", "Yes", RedFlag.CES, "R5"), ("Saddle paresthesias", "Y", RedFlag.CES, "R5"),
    ("Dec rectal tone", "Yes", RedFlag.CES, "R5"),
])
def test_a_row_answered_in_shorthand_or_one_word_is_read(name: str, answer: str, flag: RedFlag, rule: str
                                                         ) -> None:
    """Each was R1: an arrow or "dec" for decreased, "B/B" as the row's name, "(+)" in brackets, and a
    one-word answer naming the finding (a one-word answer was read only as an answer, never by name)."""
    decision = decide(NECK_PAIN, row(name, answer))

    assert flag in decision.facts.red_flags
    assert decision.rules[0] == rule


@pytest.mark.parametrize(("name", "answer"), [
    ("Pertinent negatives", "saddle anesthesia, urinary retention"),
    ("Negative ROS", "B/B incontinence, saddle anesthesia"),
    ("Denies", "urinary retention, saddle anesthesia"),
    ("ROS negative for", "B/B incontinence"), ("Rectal tone", "Normal"), ("B/B", "Continent"),
    ("Hoffmann", "(-)"), ("Neuro exam", "Yes"), ("Neuro exam", "Normal"), ("Anal wink", "Present"),
    ("B/B incontinence", "No"), ("Saddle paresthesias", "Denies"),
])
def test_a_row_that_denies_what_it_lists_or_is_normal_raises_nothing(name: str, answer: str) -> None:
    """The first four were R5 (critical): a review of systems' negative list read as findings."""
    decision = decide(NECK_PAIN, row(name, answer))

    assert not decision.facts.red_flags
    assert decision.rules[0] == "R1"
