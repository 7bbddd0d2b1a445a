"""Words that deny a finding, in the forms EHR templates write them, and the true finding written after a
denial (docs/pathway-facts.md "Tenth pass: answers wrong the other way"). ``raw_decision.decide`` adds each
resource to a 19-day lumbar radiculopathy and decides a lumbar MRI ordered on 2026-03-11: R1 (defer)
without a red flag. Each word is read where the chart types it: a free-text problem, a visit's chief
complaint and the order's reason for exam (``facts_named`` through ``facts_negation``).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from raw_decision import decide, decide_order, radiculopathy

from app.pathway.model import RedFlag

LUMBAR_MRI = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
              "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "72148"}]}}


def problem(text: str) -> dict[str, Any]:
    """A problem typed as free text two days ago (Oracle Health's free-text diagnosis)."""
    return {"resourceType": "Condition", "id": "free", "code": {"text": text}, "onsetDateTime": "2026-03-09"}


def visit(text: str) -> dict[str, Any]:
    """An emergency visit two days ago whose chief complaint is typed."""
    return {"resourceType": "Encounter", "id": "ed", "status": "finished", "class": {"code": "EMER"},
            "period": {"start": "2026-03-09"}, "reasonCode": [{"text": text}]}


def every_place(text: str) -> list[Any]:
    """The decisions for ``text`` as a problem, a visit's reason and the order's reason for exam."""
    return [decide(problem(text)), decide(visit(text)),
            decide_order({**LUMBAR_MRI, "reasonCode": [{"text": text}]}, radiculopathy())]


@pytest.mark.parametrize("written", [
    "[ ] urinary retention",                      # an unchecked box
    "☐ Saddle anesthesia",
    "Saddle anesthesia [ ]",
    "Urinary retention: N",                       # a Y/N template answer
    "Urinary retention: [ ] Yes [x] No",
    "Urinary retention, no",
    "Urinary retention: N/A",                     # neither yes nor no, as an Observation's Not applicable
    "Saddle anesthesia - not assessed",
    "Free of urinary retention",
    "Family history: father with cauda equina syndrome",
    "FHx: myelopathy",
    "Mother had cervical myelopathy",
    "At risk for urinary retention",              # a NANDA nursing diagnosis exported as a health concern
    "Risk of urinary retention",
    "Urinary retention screen",
    "h/o urinary retention as a child",           # the words date it decades ago
])
def test_r1_words_that_deny_or_displace_a_sign_raise_no_emergency(written: str) -> None:
    """A careful negative, someone else's history, a risk or a childhood episode must not raise R5/R20
    (PATHWAY.md §2 v2). Each raised the emergency card before."""
    for decision in every_place(written):
        assert not decision.facts.red_flags, written
        assert decision.rules == ("R1",)


@pytest.mark.parametrize(("written", "flag", "rule"), [
    ("No fever but new urinary retention", RedFlag.CES, "R5"),
    ("No fever. New urinary retention since Monday", RedFlag.CES, "R5"),
    ("Denies fever; reports saddle anesthesia", RedFlag.CES, "R5"),
    ("No fever, new urinary retention", RedFlag.CES, "R5"),
    ("Acute urinary retention, no prior history", RedFlag.CES, "R5"),
    ("Urinary retention, not relieved by straight cath", RedFlag.CES, "R5"),
    ("Saddle anesthesia: no, urinary retention: yes", RedFlag.CES, "R5"),
    ("Patient not able to void, urinary retention", RedFlag.CES, "R5"),
    ("Sciatica w/o urinary retention but with saddle anesthesia", RedFlag.CES, "R5"),
    ("Mother reports patient has urinary retention", RedFlag.CES, "R5"),
    ("Foot drop, no improvement with PT", RedFlag.MOTOR, "R6"),
    ("Progressive weakness, not improving", RedFlag.MOTOR, "R6"),
    ("Without bowel incontinence, foot drop present", RedFlag.MOTOR, "R6"),
    ("no saddle anesthesia. Foot drop", RedFlag.MOTOR, "R6"),
])
def test_a_sign_written_after_a_denial_of_something_else_still_counts(written: str, flag: RedFlag,
                                                                       rule: str) -> None:
    """A negation reaches only its own clause or phrase: one "no" anywhere in the words dropped them all,
    and each of these was R1 (defer) — a safety miss."""
    for decision in every_place(written):
        assert flag in decision.facts.red_flags, written
        assert decision.rules[0] == rule


@pytest.mark.parametrize("written", [
    "No saddle anesthesia, bowel incontinence or urinary retention",
    "Denies fever, chills, night sweats, weight loss, urinary retention",
    "Denies: urinary retention, saddle anesthesia",
    "ROS negative for: urinary retention",
    "Patient does not have urinary retention",
    "Never had urinary retention",
    "Urinary retention - none",
    "Cord compression excluded on MRI",
    "Spondylosis without myelopathy or radiculopathy, cervical region",
])
def test_r1_a_pertinent_negative_list_denies_every_item_it_lists(written: str) -> None:
    """The list forms of a review of systems: the negation carries across its commas and "or"."""
    for decision in every_place(written):
        assert not decision.facts.red_flags, written


@pytest.mark.parametrize("written", ["r/o cauda equina", "Possible cauda equina", "Unlikely cauda equina",
                                     "Urinary retention, resolved", "History of urinary retention"])
def test_r5_a_suspicion_or_an_undated_resolved_sign_in_words_still_counts(written: str) -> None:
    """The line drawn: "r/o" on a reason is the clinician's suspicion, and a suspected CES is exactly when
    MRI is due (PATHWAY.md §2); "unlikely" is still a suspicion; resolved with no date counts as a resolved
    coded finding with no date does (§2)."""
    for decision in every_place(written):
        assert decision.rules[0] == "R5"


def test_a_chart_of_long_texts_denying_a_sign_again_and_again_is_read_quickly() -> None:
    """Hardening: each mention is judged by the words around it, and at most a few mentions of a concept
    per text; 100 problems of 4 kB, each "no urinary retention, " over and over, are read within the
    bound the fracture words keep (the safe side past the cap: the sign counts)."""
    texts = [(f"{n} " + "no urinary retention, " * 200)[:4_000] for n in range(100)]
    problems = [{"resourceType": "Condition", "id": f"p{n}", "code": {"text": text}}
                for n, text in enumerate(texts)]
    started = time.perf_counter()

    decision = decide(*problems)

    assert time.perf_counter() - started < 3.0  # ~0.5 s on an idle core: the bound catches a quadratic read
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("written", ["No fever but fell yesterday", "No trauma but osteoporosis",
                                     "Denies weakness; reports he fell from a chair"])
def test_r10_a_fracture_risk_written_after_a_denial_in_another_clause_counts(written: str) -> None:
    """The fracture words' negation looked back 25 characters across "but": "No fever but fell" was no
    fall, and the patient was deferred (R1) instead of radiographs first (R10)."""
    for decision in every_place(written):
        assert RedFlag.FRACTURE_RISK in decision.facts.red_flags, written
        assert decision.rules[0] == "R10"


NECK_PAIN = {"resourceType": "Condition", "id": "neck", "onsetDateTime": "2026-02-20",
             "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.2"}]}}


@pytest.mark.parametrize(("written", "rule"), [
    ("Hoffmann positive, Babinski downgoing", "R20"),   # the normal word is the Babinski's only
    ("Babinski downgoing, Hoffmann positive", "R20"),
    ("Babinski downgoing bilaterally", "R1"),
    ("No clonus, Babinski downgoing", "R1"),
    ("FHx: cervical myelopathy", "R1"),
])
def test_r20_a_reflex_called_normal_in_its_own_phrase_does_not_hide_another(written: str, rule: str) -> None:
    """A normal reflex word ("downgoing") dropped the whole text, and with it a Hoffmann sign written
    beside it: R1 instead of R20 for a patient with neck pain (PATHWAY.md §3 myelopathy)."""
    assert decide(problem(written), NECK_PAIN).rules[0] == rule


def exam_row(name: str, answer: str) -> dict[str, Any]:
    """A neurological exam row under a local flowsheet code, named in words, recorded yesterday."""
    return {"resourceType": "Observation", "id": "exam", "status": "final", "code": {"text": name},
            "effectiveDateTime": "2026-03-10", "valueString": answer}


@pytest.mark.parametrize(("name", "answer"), [
    ("Hoffmann", "R neg, L neg"), ("Hoffmann", "Right negative"), ("Hoffmann", "Bilaterally absent"),
    ("Hoffmann's", "L - neg"), ("Babinski", "R: downgoing, L: downgoing"), ("Babinski", "Right: flexor"),
    ("Babinski", "b/l downgoing"), ("Clonus", "R: 0 beats"), ("Clonus", "Left 2 beats, unsustained"),
    ("Ankle clonus", "Right - none"), ("Gait", "Abnormal - antalgic"), ("Reflexes", "Hyperreflexia absent"),
    ("DTRs", "hyperactive? no"),
])
def test_r1_a_normal_exam_answered_side_by_side_raises_no_myelopathy(name: str, answer: str) -> None:
    """A side's word ("R", "Bilateral") was read as a sign present whatever followed it: a careful normal
    exam of a patient with neck pain got the urgent R20 card (PATHWAY.md §2 v2: a careful negative must not
    raise one)."""
    assert decide(exam_row(name, answer), NECK_PAIN).rules[0] == "R1"


@pytest.mark.parametrize(("name", "answer"), [
    ("Babinski", "R upgoing, L downgoing"), ("Hoffmann", "Right positive, left negative"),
    ("Babinski", "Extensor on right, flexor on left"), ("Hoffmann", "+ R"), ("Hoffmann", "Bilateral"),
    ("Patellar reflex", "3+ with 5 beats clonus"), ("Clonus", "Sustained"),
])
def test_r20_an_abnormal_side_beside_a_normal_one_is_a_sign(name: str, answer: str) -> None:
    """The side read abnormal counts, whatever the other side shows (§3 myelopathy, with neck pain)."""
    assert decide(exam_row(name, answer), NECK_PAIN).rules[0] == "R20"


@pytest.mark.parametrize(("written", "rule"), [
    ("Umbilical cord compression", "R1"),            # SNOMED CT's display of an obstetric finding
    ("Labor complicated by cord compression", "R1"),
    ("Spermatic cord compression", "R1"),
    ("Cervical cord compression", "R20"),
    ("Spinal cord compression in pregnancy", "R20"),
])
def test_a_cord_that_is_not_the_spinal_cord_names_no_myelopathy(written: str, rule: str) -> None:
    """"cord compression" is a myelopathy name; an obstetric history typed or under a local code named the
    umbilical cord and raised the urgent R20 card."""
    assert decide(problem(written)).rules[0] == rule
