"""Myelopathy (R20) as EHR exports record it, parsed as the hooks parse it. ``raw_decision.decide`` adds each
resource to a 19-day lumbar radiculopathy and decides a lumbar MRI ordered on 2026-03-11: R1 (defer) without
a red flag, R20 (the cord card, critical) with a myelopathy. Each shape below was once read as less than it
is, or is a careful negative that must stay one (docs/pathway-facts.md "Ninth pass: myelopathy and the
cord").
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.pathway.model import RedFlag
from app.terminology import ICD10CM

LOCAL = "urn:oid:1.2.840.114350.1.13.861.1.7.2.707679"  # an Epic flowsheet row's (or problem's) local code
EXAM = [coded("http://terminology.hl7.org/CodeSystem/observation-category", "exam")]


def condition(code: str, cid: str = "c", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "code": coded(ICD10CM, code), **fields}


def free_text(text: str, cid: str = "free", **fields: Any) -> dict[str, Any]:
    """A problem entered as free text (Oracle Health's free-text diagnosis): ``code.text`` only."""
    return {"resourceType": "Condition", "id": cid, "code": {"text": text}, **fields}


def local_problem(display: str, cid: str = "local") -> dict[str, Any]:
    """A problem under a site's local code, known by its display only."""
    return {"resourceType": "Condition", "id": cid,
            "code": {"coding": [{"system": LOCAL, "code": "88120", "display": display}]}}


NECK_PAIN = condition("M54.2", "neck", onsetDateTime="2026-02-01")
LUMBAR_MRI = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
              "code": coded("http://www.ama-assn.org/go/cpt", "72148")}


@pytest.mark.parametrize("written", [
    "Cervical myelopathy",
    "Cervical spondylotic myelopathy",
    "Degenerative cervical myelopathy, C5-6",
    "Spinal cord compression",
    "Cord compression at C4-5",
    "r/o myelopathy",            # a suspicion counts (PATHWAY.md §2: unconfirmed and differential do)
])
def test_r20_a_myelopathy_written_only_in_words(written: str) -> None:
    """A myelopathy as a free-text problem or under a local code known by its display: §2 reads a finding
    wherever the chart holds it. Each was no flag: the lumbar MRI was deferred (R1) and the cord never
    imaged; now R20's critical cord card."""
    for problem in (free_text(written), local_problem(written)):
        decision = decide(problem)

        assert RedFlag.MYELOPATHY in decision.facts.red_flags
        assert decision.rules[0] == "R20"


def test_a_spastic_paraparesis_in_words_is_both_legs_weak_and_a_myelopathy() -> None:
    """As its code 312444006 is (ces.json and myelopathy.json): a new one is R5 and still a myelopathy.
    Until the twelfth pass the words gave R20 alone, the code R5 ("paraparesis" is now a name of both legs'
    weakness, docs/pathway-facts.md "Twelfth pass: the neurological red flags as clinicians type them")."""
    for problem in (free_text("Spastic paraparesis"), local_problem("Spastic paraparesis")):
        decision = decide(problem)

        assert RedFlag.MYELOPATHY in decision.facts.red_flags
        assert decision.rules[0] == "R5"


@pytest.mark.parametrize("written", [
    "Spondylosis without myelopathy or radiculopathy, cervical region",  # M47.812's display, local code
    "Cervical spondylosis w/o myelopathy",
    "No myelopathy",
    "Myelopathy ruled out",
    "Denies myelopathic symptoms",
])
def test_r1_words_that_deny_a_myelopathy_raise_nothing(written: str) -> None:
    """What follows "without" is what the patient does not have, and words that negate stay negative."""
    assert decide(free_text(written), local_problem(written)).rules == ("R1",)


@pytest.mark.parametrize("reason", [
    {"text": "cervical myelopathy"},
    {"text": "r/o cord compression"},
    {"text": "MRI w/o contrast: myelopathy"},  # "w/o" closes its own clause only
    {"coding": [{"system": LOCAL, "code": "4411", "display": "Myelopathy"}]},
])
def test_r20_a_myelopathy_typed_as_the_reason_for_exam(reason: dict[str, Any]) -> None:
    """The radiology order's typed reason for exam, or a local reason code known by its display: it was no
    reason at all, and the MRI ordered for it was deferred (R1)."""
    decision = decide_order({**LUMBAR_MRI, "reasonCode": [reason]}, radiculopathy())

    assert decision.rules[0] == "R20"


@pytest.mark.parametrize("written", [
    "Hoffmann sign positive", "Positive Hoffman's", "Babinski sign positive", "Upgoing plantar, right",
    "Ankle clonus", "Hyperreflexic", "Pathological reflexes",
])
def test_r20_an_abnormal_reflex_in_words_beside_neck_pain(written: str) -> None:
    """§3: an abnormal reflex (Hoffmann, Babinski, clonus) with neck symptoms. Written as a free-text
    problem beside a neck pain (M54.2) it was read as nothing: R1."""
    decision = decide(free_text(written), NECK_PAIN)

    assert decision.rules[0] == "R20"
    assert [e.name for e in decision.facts.red_flags[RedFlag.MYELOPATHY]] == [written]


@pytest.mark.parametrize("written", [
    "Babinski negative", "Babinski downgoing bilaterally", "Plantars flexor", "Hoffmann absent",
    "Unsustained clonus, 2 beats", "No clonus",
])
def test_r1_a_normal_reflex_in_words_raises_nothing_even_beside_neck_pain(written: str) -> None:
    """A careful negative exam must not raise an urgent card (§2): the reflex written as not there."""
    assert decide(free_text(written), NECK_PAIN).rules[0] != "R20"


def test_r1_an_abnormal_reflex_in_words_without_neck_symptoms_stays_conditional() -> None:
    """§3: the reflex needs neck symptoms or a second sign; read in words, it keeps that rule."""
    assert decide(free_text("Hoffmann sign positive")).rules == ("R1",)


@pytest.mark.parametrize("written", ["Spastic gait", "Wide-based gait", "Gait disturbance", "Ataxia",
                                     "Difficulty walking", "Unsteady on feet"])
def test_r20_a_gait_disturbance_in_words_with_a_second_sign(written: str) -> None:
    """§3 v2: a gait disturbance with a second myelopathy sign (R29.2). In words it was nothing: R1."""
    decision = decide(free_text(written), condition("R29.2", "reflex"))

    assert decision.rules[0] == "R20"


def test_r1_a_gait_disturbance_in_words_alone_is_no_myelopathy() -> None:
    """Gait alone is common in older adults (§3 v2): in words, as by code, it is no flag alone."""
    assert decide(free_text("Unsteady gait")).rules == ("R1",)


REFLEX = condition("R29.2", "reflex", onsetDateTime="2026-03-05")
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def visit(reason: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "visit", "status": "finished", "class": {"code": "AMB"},
            "reasonCode": [reason], "period": {"start": "2026-03-02"}}


@pytest.mark.parametrize("neck", [
    condition("M50.20", "neck"),    # other cervical disc displacement
    condition("M50.30", "neck"),    # cervical disc degeneration
    condition("M50.821", "neck"),   # other cervical disc disorder at C4-C5
    condition("M47.812", "neck"),   # cervical spondylosis without myelopathy or radiculopathy
    condition("M48.02", "neck"),    # cervical spinal stenosis
    condition("M53.1", "neck"),     # cervicobrachial syndrome
    condition("M79.601", "neck"),   # pain in right arm
    free_text("Neck pain"),
    free_text("Numbness of both hands"),
    free_text("Neck and shoulder pain"),
    free_text("Cervical strain"),
    visit({"text": "Neck pain and hand numbness x 3 wk"}),
    visit({"coding": [{"system": LOCAL, "code": "771", "display": "Neck pain"}]}),
])
def test_r20_an_abnormal_reflex_with_neck_symptoms_recorded_outside_section_6_1(neck: dict[str, Any]) -> None:
    """§3: an abnormal reflex (R29.2) "together with neck symptoms". Only a §6.1 cervical diagnosis stood for
    them; a cervical disc, spondylosis or stenosis code outside §6.1 (left by the sixth pass), arm pain, or
    a neck pain in words — a free-text problem, a typed chief complaint — was none, and the Hoffmann sign
    beside it deferred the lumbar MRI (R1)."""
    decision = decide(REFLEX, neck)

    assert decision.rules[0] == "R20"


def test_r20_a_gait_disturbance_with_arm_pain() -> None:
    """§3 v2: a gait disturbance with neck or arm symptoms."""
    assert decide(condition("R26.89", "gait"), condition("M79.602", "arm")).rules[0] == "R20"


def test_r20_neck_pain_typed_as_the_reason_for_exam_beside_an_abnormal_reflex() -> None:
    decision = decide_order({**LUMBAR_MRI, "reasonCode": [{"text": "neck pain, L leg pain"}]},
                            radiculopathy(), REFLEX)

    assert decision.rules[0] == "R20"


@pytest.mark.parametrize("other", [
    free_text("No neck pain"),
    visit({"text": "Denies neck pain"}),
    condition("M79.604", "leg"),  # pain in right leg: neither neck nor arm
    condition("M50.20", "neck", clinicalStatus=coded(CLINICAL, "resolved"), abatementDateTime="2024-05-01"),
])
def test_r1_a_reflex_beside_no_current_neck_symptom_stays_conditional(other: dict[str, Any]) -> None:
    """A neck pain denied, a leg pain, or a cervical disc problem resolved two years ago is no neck
    symptom now: the reflex alone raises nothing (§3)."""
    assert decide(REFLEX, other).rules == ("R1",)


def exam_row(name: str, answer: Any, oid: str = "row", **fields: Any) -> dict[str, Any]:
    """A neurological exam flowsheet row under its local code, named in words, recorded yesterday; the
    answer as a string, or as a pick list's coded answer with its display."""
    value = {"valueString": answer} if isinstance(answer, str) else {"valueCodeableConcept": answer}
    return {"resourceType": "Observation", "id": oid, "status": "final", "category": EXAM,
            "code": {"coding": [{"system": LOCAL, "code": "30512", "display": name}], "text": name},
            "effectiveDateTime": "2026-03-10", **value, **fields}


@pytest.mark.parametrize(("name", "answer"), [
    ("Babinski", "Upgoing"),
    ("Babinski R", "Extensor"),
    ("Plantar response, left", "Up-going"),
    ("Hoffmann's sign", "Positive"),
    ("Hoffmann's sign", "R"),
    ("Hoffman", "+"),
    ("Ankle clonus", "Sustained"),
    ("Ankle clonus", "Present"),
    ("Biceps reflex R", "4+"),
    ("Patellar reflex", "3+"),
    ("DTRs lower extremities", "3+ bilaterally"),
    ("Achilles reflex L", {"coding": [{"system": LOCAL, "code": "4", "display": "4+ (clonus)"}]}),
])
def test_r20_an_abnormal_reflex_row_beside_neck_pain(name: str, answer: Any) -> None:
    """§3: an abnormal reflex with neck symptoms. A reflex exam exported as flowsheet rows under local codes,
    answered as neurologists chart them (upgoing, sustained, 3+ or 4+, a side): each was read as nothing
    (an answer other than Yes/Present, or a row named by a tendon) and the lumbar MRI was deferred (R1)."""
    decision = decide(exam_row(name, answer), NECK_PAIN)

    assert decision.rules[0] == "R20"
    assert decision.facts.red_flags[RedFlag.MYELOPATHY][0].name.startswith(name)


@pytest.mark.parametrize(("name", "answer"), [
    ("Babinski", "Downgoing"),
    ("Babinski", "Absent"),
    ("Babinski", "Negative"),
    ("Plantar response", "Flexor"),
    ("Hoffmann's sign", "Negative bilaterally"),
    ("Hoffmann's sign", "No"),
    ("Ankle clonus", "Non-sustained"),
    ("Ankle clonus", "Absent"),
    ("Ankle clonus", "2 beats"),
    ("Biceps reflex R", "2+"),
    ("Patellar reflex", "Present"),   # a tendon reflex present is normal
    ("Patellar reflex", "1+"),
    ("Gait", "Steady"),
    ("Gait", "Antalgic"),
    ("Gait", "Normal"),
])
def test_r1_a_normal_reflex_or_gait_row_raises_nothing_beside_neck_pain(name: str, answer: str) -> None:
    """A careful negative exam must not raise an urgent card (§2): downgoing, flexor, absent, non-sustained,
    a tendon reflex of 2+ or present, a steady or antalgic gait."""
    assert decide(exam_row(name, answer), NECK_PAIN).rules[0] != "R20"


@pytest.mark.parametrize("answer", ["Spastic", "Wide-based", "Ataxic", "Unsteady"])
def test_r20_a_gait_row_described_as_a_cords_with_a_second_sign(answer: str) -> None:
    """§3 v2: a gait disturbance with a second myelopathy sign. A "Gait" row answered "Spastic" was no
    gait disturbance (its name names none): R1."""
    decision = decide(exam_row("Gait", answer), condition("R29.2", "reflex"))

    assert decision.rules[0] == "R20"


def test_a_reflex_row_entered_in_error_or_dated_after_the_order_counts_for_nothing() -> None:
    for row in (exam_row("Babinski", "Upgoing", status="entered-in-error"),
                exam_row("Babinski", "Upgoing", effectiveDateTime="2026-03-20")):
        assert decide(row, NECK_PAIN).rules == ("R1",)


def test_r20_an_exam_panels_reflex_item() -> None:
    """A "Neuro exam" panel whose items are the reflexes (one Observation, an item per row)."""
    panel = {**exam_row("Neuro exam", "See items"), "component": [
        {"code": {"text": "Babinski L"}, "valueString": "Downgoing"},
        {"code": {"text": "Babinski R"}, "valueString": "Upgoing"}]}

    decision = decide(panel, NECK_PAIN)

    assert decision.rules[0] == "R20"
    assert [e.name for e in decision.facts.red_flags[RedFlag.MYELOPATHY]] == ["Babinski R Upgoing"]


@pytest.mark.parametrize("written", [
    "Progressive weakness of left leg", "Progressive leg weakness", "Worsening weakness, R foot",
    "Progressive neurological deficit",
])
def test_r6_documented_progressive_weakness_in_words(written: str) -> None:
    """§3 motor: "documented progressive weakness". Written as a free-text problem or typed as the reason
    for exam it was no flag: the lumbar MRI was deferred (R1)."""
    decision = decide(free_text(written))
    ordered = decide_order({**LUMBAR_MRI, "reasonCode": [{"text": written}]}, radiculopathy())

    assert RedFlag.MOTOR in decision.facts.red_flags
    assert decision.rules[0] == ordered.rules[0] == "R6"


@pytest.mark.parametrize("written", ["Weakness", "Generalized weakness", "No progressive weakness"])
def test_r1_weakness_not_said_to_progress_is_no_motor_deficit(written: str) -> None:
    assert decide(free_text(written)).rules == ("R1",)


@pytest.mark.parametrize(("display", "rule"), [
    ("Flexor plantar response", "R1"),
    ("Plantar reflex downgoing", "R1"),
    ("Extensor plantar response", "R20"),
])
def test_a_reflex_row_answered_by_a_coded_finding_is_read_by_what_the_finding_says(display: str,
                                                                                  rule: str) -> None:
    """A "Babinski" row answered by a pick list's SNOMED CT finding (a placeholder id the value sets do not
    list, as a site's own finding would be). A finding as the answer asserts the row (§2), so read by the
    row's name alone a flexor response would count as a Babinski sign beside neck pain — a careful negative
    exam read as an urgent one. The answer's words decide, as they do for a row answered in words."""
    answer = {"coding": [{"system": "http://snomed.info/sct", "code": "1000001", "display": display}]}

    assert decide(exam_row("Babinski", answer), NECK_PAIN).rules[0] == rule
