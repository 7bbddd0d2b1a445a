"""The neurological emergencies — cauda equina (R5), severe or progressive motor deficit (R6), myelopathy
(R20) — as EHR exports record them, parsed as the hooks parse them. ``raw_decision.decide`` adds each
resource to a 19-day lumbar radiculopathy and decides a lumbar MRI ordered on 2026-03-11: R1 (defer)
without a red flag. Each shape below was once read as less than it is (docs/pathway-facts.md "Eighth pass:
the neurological emergencies").
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide, decide_order, radiculopathy

from app.pathway.model import RedFlag
from app.terminology import ICD10CM

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def condition(code: str, cid: str = "neuro", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": cid, "code": coded(ICD10CM, code), **fields}


@pytest.mark.parametrize("code", ["S34.3XXA", "S34.3XXD", "S343XXS"])
def test_r5_an_injury_of_the_cauda_equina_is_a_cauda_equina_syndrome(code: str) -> None:
    """§3 CES: S34.3 is the cauda equina syndrome by injury (ICD-10-CM codes the injured cauda equina
    there, not under G83.4); it counts while active, as G83.4 does. It was R1 (defer)."""
    decision = decide(condition(code, onsetDateTime="2025-06-01",
                                clinicalStatus=coded(CLINICAL, "active")))

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("code", [
    "G82.50",  # quadriplegia, unspecified
    "G82.54",  # quadriplegia, C5-C7 incomplete
    "G83.21",  # monoplegia of upper limb affecting right dominant side
    "G83.24",  # monoplegia of upper limb affecting left nondominant side
])
def test_r6_quadriplegia_and_an_upper_limb_monoplegia_are_severe_motor_deficits(code: str) -> None:
    """§3 motor names "monoplegia or paraplegia (G83.1x, G82.2x)": the weakness of all four limbs and the
    arm's monoplegia (a cervical root or cord deficit, on the cervical orders R6 applies to) are no less
    severe. Each was R1 (defer)."""
    decision = decide(condition(code, onsetDateTime="2026-03-05"))

    assert RedFlag.MOTOR in decision.facts.red_flags
    assert decision.rules[0] == "R6"


@pytest.mark.parametrize("code", ["G82.20", "G82.21", "G82.22"])
def test_r5_a_new_paraplegia_in_icd_10_cm_is_weakness_of_both_legs(code: str) -> None:
    """§3 CES "weakness of both legs": G82.2x paraplegia (paraparesis is indexed to it) is the leg weakness
    its SNOMED CT code 60389000 already raised as a cauda equina sign (CODES.md §1f); an ICD-10-CM-only
    chart was an urgent R6 where the same chart in SNOMED CT was the emergency R5. R6 stays beside it."""
    decision = decide(condition(code, onsetDateTime="2026-03-08"))

    assert {RedFlag.CES, RedFlag.MOTOR} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R5"


def test_r6_a_paraplegia_begun_long_ago_stays_a_motor_deficit() -> None:
    """The leg weakness is a cauda equina sign only when new (§3); paraplegia since 2019 is R6."""
    decision = decide(condition("G82.21", onsetDateTime="2019-05-01"))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R6"


@pytest.mark.parametrize(("right", "left"), [
    ("M21.371", "M21.372"),  # foot drop, right and left foot
    ("G83.11", "G83.14"),    # monoplegia of the right and of the left lower limb
    ("M21.371", "G83.12"),
])
def test_r5_a_new_deficit_of_each_leg_is_weakness_of_both_legs(right: str, left: str) -> None:
    """§3 CES "weakness of both legs": ICD-10-CM has no bilateral foot drop, so a bilateral one is charted
    as the right and the left foot. It was R6 (urgent) — each alone is a motor deficit — instead of the
    emergency R5. R6's class stays beside it."""
    decision = decide(condition(right, "r", onsetDateTime="2026-03-08"),
                      condition(left, "l", onsetDateTime="2026-03-09"))

    assert {RedFlag.CES, RedFlag.MOTOR} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("charts", [
    (("M21.371", "2026-03-08"),),                          # one leg
    (("M21.371", "2026-03-08"), ("M21.379", "2026-03-08")),  # a side not named
    (("M21.371", "2019-03-08"), ("M21.372", "2019-03-09")),  # both legs, since 2019: not new
])
def test_r6_one_weak_leg_or_an_old_bilateral_foot_drop_is_a_motor_deficit(charts: tuple[tuple[str, str], ...]
                                                                          ) -> None:
    """Weakness of both legs is a cauda equina sign when new, as §3's other CES signs (a bilateral foot drop
    since 2019 — a neuropathy — stays R6); one leg, or a side not recorded, is R6."""
    resources = [condition(code, f"c{n}", onsetDateTime=on) for n, (code, on) in enumerate(charts)]
    decision = decide(*resources)

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R6"


def strength(value: dict[str, Any], text: str = "Right ankle dorsiflexion strength", oid: str = "mmt",
             **fields: Any) -> dict[str, Any]:
    """A manual muscle test recorded yesterday, as a flowsheet row exports it."""
    return {"resourceType": "Observation", "id": oid, "status": "final", "code": {"text": text},
            "category": [coded("http://terminology.hl7.org/CodeSystem/observation-category", "exam")],
            "effectiveDateTime": "2026-03-10", **value, **fields}


@pytest.mark.parametrize("written", [
    "2/5 - weak",            # a grade and a comment
    "3/5, limited by pain",
    "1-2/5",                 # a range: its lower grade
    "2 to 3",
    "Trace",                 # the Lovett words manual muscle testing pick lists use
    "Poor",
    "Fair",
    "Fair-",
    "Poor (2/5)",
])
def test_r6_a_severe_grade_written_as_pick_lists_and_clinicians_write_it(written: str) -> None:
    """§3 motor: an MRC grade ≤ 3 in the last 14 days. "Trace"/"Poor"/"Fair" are MRC 1/2/3 in the Lovett
    scale's words, a range is read by its lower grade, and a comment after a grade out of five does not
    hide it. Each was read as no grade: R1 (defer)."""
    for value in ({"valueString": written}, {"valueCodeableConcept": {"text": written}}):
        decision = decide(strength(value))

        assert RedFlag.MOTOR in decision.facts.red_flags
        assert decision.rules[0] == "R6"


@pytest.mark.parametrize("written", ["4 - weak", "Good", "Normal", "4-5/5", "2 out of 10", "Poor effort"])
def test_r1_a_grade_above_three_or_words_that_are_no_grade_raise_nothing(written: str) -> None:
    """A grade of 4 or 5 (one reading alone) is no severe deficit, and words that are no MRC grade ("Poor
    effort", a 0-10 scale) are no grade at all."""
    assert decide(strength({"valueString": written})).rules == ("R1",)


def test_r6_a_strength_panel_whose_items_name_only_the_movement() -> None:
    """A motor exam exported as one panel ("Lower extremity strength") with an item per movement, each
    named only by the movement, as flowsheet groups export their rows: the items are grades of their own
    muscles. The panel was read, its items were not (their text names no strength): R1 (defer)."""
    panel = strength({"component": [
        {"code": {"text": "R ankle dorsiflexion"}, "valueString": "2/5"},
        {"code": {"text": "L ankle dorsiflexion"}, "valueString": "5/5"},
    ]}, text="Lower extremity strength")

    decision = decide(panel)

    assert decision.rules[0] == "R6"
    assert [e.text for e in decision.facts.red_flags[RedFlag.MOTOR]] == ["R ankle dorsiflexion"]


def test_r6_a_panels_items_named_only_by_local_codes_are_different_muscles() -> None:
    """A "Motor exam" panel whose items are named by a local flowsheet code alone: each item is its own
    muscle. The left leg's weakness of last November does not make the right leg's new grade of 2 an old
    one (§3: new = no grade ≤ 3 *for that muscle* more than 90 days before). Unread, it was R1 (defer)."""
    local = "urn:oid:1.2.840.114350.1.13.861.1.7.2.707679"

    def exam(oid: str, on: str, code: str) -> dict[str, Any]:
        item = {"code": {"coding": [{"system": local, "code": code}]}, "valueString": "2/5"}
        return strength({"component": [item]}, text="Motor exam", oid=oid, effectiveDateTime=on)

    decision = decide(exam("nov", "2025-11-20", "3040102"), exam("mar", "2026-03-10", "3040101"))

    assert decision.rules[0] == "R6"
    assert [e.on.isoformat() for e in decision.facts.red_flags[RedFlag.MOTOR] if e.on] == ["2026-03-10"]


@pytest.mark.parametrize("text", ["R EHL", "L ankle dorsiflexion", "Hip flexion right", "Quadriceps L"])
def test_r6_a_flowsheet_row_named_by_its_muscle_and_graded_out_of_five(text: str) -> None:
    """A row named only by the muscle or the movement ("R EHL") whose answer is graded out of five is an
    MRC grade (the "/5" is the MRC scale's). It was no grade: R1 (defer)."""
    decision = decide(strength({"valueString": "2/5"}, text=text))

    assert decision.rules[0] == "R6"


@pytest.mark.parametrize(("text", "value"), [
    ("Glasgow coma score motor", {"valueInteger": 3}),   # 1-6, never out of five
    ("Biceps reflex", {"valueString": "2+/4"}),         # a reflex grade
    ("Knee flexion", {"valueQuantity": {"value": 3, "unit": "deg"}}),  # range of motion
    ("Grip strength R", {"valueString": "2/5"}),         # dynamometry is no MRC grade
])
def test_r1_a_motor_score_reflex_or_range_of_motion_is_no_strength_grade(text: str,
                                                                          value: dict[str, Any]) -> None:
    assert decide(strength(value, text=text)).rules == ("R1",)


@pytest.mark.parametrize("code", ["N31.9", "N31.2", "R39.11", "R39.12", "R39.14", "R39.16"])
def test_r5_a_new_neurogenic_bladder_or_voiding_difficulty_in_the_episode(code: str) -> None:
    """§3 CES "new urinary retention": a neurogenic bladder, and the difficulty of voiding an incomplete
    retention is charted as — hesitancy, a poor stream, incomplete emptying, straining (NICE CKS sciatica:
    "difficulty initiating micturition") — begun in the radiculopathy's episode. Each was R1 (defer)."""
    decision = decide(condition(code, onsetDateTime="2026-03-06"))

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("code", ["N31.9", "R39.14", "R39.15", "R39.13"])
def test_r1_an_older_bladder_complaint_or_urgency_is_no_cauda_equina_sign(code: str) -> None:
    """Only new in the episode (as unspecified incontinence, §3 v2): a prostate's voiding difficulty since
    2025 is no cauda equina sign; urgency (R39.15) and a split stream (R39.13) never are (CODES.md
    recommendation 5 keeps urge symptoms out)."""
    on = "2025-06-01" if code in ("N31.9", "R39.14") else "2026-03-06"
    assert decide(condition(code, onsetDateTime=on)).rules == ("R1",)


def test_r20_ataxia_beside_an_abnormal_reflex_is_myelopathy() -> None:
    """§3 myelopathy: a gait disturbance with a second myelopathy sign. Ataxia charted as R27.0 (not R26.0
    ataxic gait) beside a Hoffmann sign (R29.2) was R1 (defer): the reflex alone needs a second sign."""
    decision = decide(condition("R27.0", "ataxia", onsetDateTime="2026-03-01"),
                      condition("R29.2", "hoffmann", onsetDateTime="2026-03-01"))

    assert decision.rules[0] == "R20"


def test_r1_ataxia_alone_is_no_myelopathy() -> None:
    """Gait alone is common in older adults (§3 v2): ataxia alone stays no flag on a lumbar order."""
    assert decide(condition("R27.0", onsetDateTime="2026-03-01")).rules == ("R1",)


@pytest.mark.parametrize(("baseline", "rule"), [
    ("5/5", "R6"),  # 5/5 before the pain began, 3/5 fifteen days ago: a fall ending at 3
    ("3/5", "R1"),  # as weak before the episode: no fall, and the 3/5 is past the 14 days
    ("4/5", "R6"),
])
def test_r6_a_fall_from_the_grade_before_the_episode_to_a_weak_grade_within_it(baseline: str,
                                                                               rule: str) -> None:
    """§3 motor "progressive: within the episode, a fall that ends at ≤ 3". The strength last recorded
    before the episode (the visit before the sciatica began) is where the fall starts: an ankle of 5/5 in
    January and 3/5 on 24 February — past §3's 14 days for a severe grade — was deferred (R1)."""
    decision = decide(strength({"valueString": baseline}, oid="jan", effectiveDateTime="2026-01-10"),
                      strength({"valueString": "3/5"}, oid="feb", effectiveDateTime="2026-02-24"))

    assert decision.rules[0] == rule


LOCAL_ROW = "urn:oid:1.2.840.114350.1.13.861.1.7.2.707679"  # an Epic flowsheet row's local code system


def free_text_problem(text: str, **fields: Any) -> dict[str, Any]:
    """A problem entered as free text (Oracle Health's free-text diagnosis): ``code.text`` only."""
    return {"resourceType": "Condition", "id": "free", "code": {"text": text}, **fields}


@pytest.mark.parametrize(("written", "flag", "rule"), [
    ("Cauda equina syndrome", RedFlag.CES, "R5"),
    ("r/o cauda equina", RedFlag.CES, "R5"),             # a suspicion is a CES for imaging (§2)
    ("Urinary retention", RedFlag.CES, "R5"),
    ("Saddle anesthesia", RedFlag.CES, "R5"),
    ("Bowel incontinence since Tuesday", RedFlag.CES, "R5"),
    ("Foot drop, left", RedFlag.MOTOR, "R6"),
    ("Cauda equina syndrome without neurogenic bladder", RedFlag.CES, "R5"),  # "without" qualifies
    ("Non-traumatic cauda equina compression", RedFlag.CES, "R5"),
    ("Retention of urine, not otherwise specified", RedFlag.CES, "R5"),
])
def test_a_neurological_emergency_written_only_in_words_on_the_problem_list(written: str, flag: RedFlag,
                                                                            rule: str) -> None:
    """A free-text problem, or one under a local code whose display names it: PATHWAY.md §2 reads a finding
    wherever the chart holds it. Each was no flag and deferred (R1); now it is read by the names of the
    ces and motor_deficit value sets, with that concept's rules (a retention counts when new)."""
    for problem in (free_text_problem(written, onsetDateTime="2026-03-09"),
                    {**free_text_problem(written, onsetDateTime="2026-03-09"),
                     "code": {"coding": [{"system": LOCAL_ROW, "code": "99123", "display": written}]}}):
        decision = decide(problem)

        assert flag in decision.facts.red_flags
        assert decision.rules[0] == rule


@pytest.mark.parametrize("written", [
    "No cauda equina symptoms", "Denies saddle anesthesia", "Cauda equina syndrome ruled out",
    "Retention (dental)", "Incontinence",
])
def test_words_that_negate_or_do_not_name_a_sign_raise_nothing(written: str) -> None:
    assert decide(free_text_problem(written, onsetDateTime="2026-03-09")).rules == ("R1",)


def test_a_free_text_retention_keeps_the_rule_of_its_concept_it_counts_only_when_new() -> None:
    """§3 "new urinary retention": a free-text retention since 2025 is no CES sign, as its code is not."""
    assert decide(free_text_problem("Urinary retention", onsetDateTime="2025-01-10")).rules == ("R1",)


def screen_row(name: str, **answer: Any) -> dict[str, Any]:
    """A red-flag screen's flowsheet row under its local code, named in words, recorded yesterday."""
    return {"resourceType": "Observation", "id": "row", "status": "final",
            "code": {"coding": [{"system": LOCAL_ROW, "code": "30412", "display": name}], "text": name},
            "category": [coded("http://terminology.hl7.org/CodeSystem/observation-category", "exam")],
            "effectiveDateTime": "2026-03-10", **answer}


@pytest.mark.parametrize(("name", "answer", "rule"), [
    ("Saddle anesthesia", {"valueString": "Yes"}, "R5"),
    ("Urinary retention", {"valueBoolean": True}, "R5"),
    ("Bowel incontinence", {"valueCodeableConcept": coded("http://loinc.org", "LA33-6")}, "R5"),
    ("Foot drop", {"valueCodeableConcept": {"text": "Present"}}, "R6"),
    ("Saddle anesthesia", {"valueString": "No"}, "R1"),
    ("Saddle anesthesia", {"valueCodeableConcept": {"text": "Denies"}}, "R1"),
    ("Saddle anesthesia", {}, "R1"),  # a blank row states nothing
    ("No saddle anesthesia", {"valueBoolean": True}, "R1"),
])
def test_a_screen_row_named_for_a_sign_under_a_local_code_is_read_by_its_answer(
        name: str, answer: dict[str, Any], rule: str) -> None:
    """An Epic red-flag screen exports each row under a local flowsheet code with its name in words: a row
    answered Yes raised nothing and the patient was deferred (R1). Answered No, Denies, or not at all, it
    still raises nothing (§2: a careful negative screen must not raise an emergency)."""
    assert decide(screen_row(name, **answer)).rules[0] == rule


def test_a_screen_panels_item_named_for_a_sign_and_answered_yes() -> None:
    """The same row as an item of a "Back pain red flags" panel (a component named in words)."""
    panel = {**screen_row("Back pain red flags"), "component": [
        {"code": {"text": "Bowel incontinence"}, "valueString": "No"},
        {"code": {"text": "Saddle anaesthesia"}, "valueString": "Yes"}]}

    decision = decide(panel)

    assert decision.rules[0] == "R5"
    assert [e.name for e in decision.facts.red_flags[RedFlag.CES]] == ["Saddle anaesthesia"]


LUMBAR_MRI = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
              "code": coded("http://www.ama-assn.org/go/cpt", "72148")}


@pytest.mark.parametrize(("reason", "flag"), [
    ({"text": "LBP radiating to both legs. R/O cauda equina"}, RedFlag.CES),
    ({"text": "New urinary retention since Monday, sciatica"}, RedFlag.CES),
    ({"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.4.698084.10110",
                  "code": "1234", "display": "Saddle anesthesia"}]}, RedFlag.CES),
    ({"text": "Right foot drop, L5 radiculopathy"}, RedFlag.MOTOR),
])
def test_a_reason_for_exam_in_words_raises_its_red_flag(reason: dict[str, Any], flag: RedFlag) -> None:
    """PATHWAY.md §2 reads the order's own reasonCode; a radiology order's "reason for exam" is most often
    typed, or a local code known by its display. A red flag written there was no reason at all: the MRI
    ordered for it was deferred (R1)."""
    decision = decide_order({**LUMBAR_MRI, "reasonCode": [reason]}, radiculopathy())

    assert flag in decision.facts.red_flags
    assert decision.rules[0] == ("R5" if flag is RedFlag.CES else "R6")


@pytest.mark.parametrize("written", [
    "Sciatica x 3 weeks, no saddle anesthesia, no urinary retention",
    "LBP, red flags negative",
    "Radiculopathy L5",
])
def test_a_reason_for_exam_that_denies_or_names_no_sign_raises_nothing(written: str) -> None:
    decision = decide_order({**LUMBAR_MRI, "reasonCode": [{"text": written}]}, radiculopathy())

    assert not decision.facts.red_flags
    assert decision.rules[0] == "R1"


def test_a_cauda_equina_named_in_the_reason_for_exam_brings_the_order_into_scope() -> None:
    """§1 v2: a cauda equina finding is a spine indication by itself; named only in the order's reason,
    with nothing else on the chart, it is still the emergency R5 (it was R28: no card at all)."""
    decision = decide_order({**LUMBAR_MRI, "reasonCode": [{"text": "back pain, r/o cauda equina syndrome"}]})

    assert decision.rules[0] == "R5"


def test_a_visit_whose_reason_is_a_local_code_naming_a_cauda_equina_sign_raises_it() -> None:
    """An emergency visit two days ago whose reason is a local code known by its display ("Urinary
    retention"), as Epic exports an ED chief complaint: §2 v2 reads a visit's reason like an Observation,
    and a local code by its words (facts_named). It was R1 (defer)."""
    visit = {"resourceType": "Encounter", "id": "ed", "status": "finished",
             "period": {"start": "2026-03-09T22:10:00-05:00"},
             "reasonCode": [{"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.657369",
                                         "code": "5310", "display": "Urinary retention"}]}]}
    decision = decide(visit)

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("resource", [
    {"resourceType": "Encounter", "id": "ed", "status": "finished",
     "period": {"start": "2026-03-09T22:10:00-05:00"},
     "reasonCode": [{"text": "Urinary retention since Monday, back pain"}]},
    {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
     "authoredOn": "2026-03-10", "code": {"text": "Referral to neurosurgery"},
     "reasonCode": [{"text": "Bilateral leg numbness, saddle anesthesia"}]},
])
def test_a_reason_typed_with_no_code_on_a_visit_or_referral_raises_its_sign(resource: dict[str, Any]) -> None:
    """A chief complaint or a referral's reason typed, with no coding at all: §2 v2 reads another record's
    reason like an Observation, and a CES sign in words (facts_named). It was R1 (defer)."""
    decision = decide(resource)

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


def test_a_typed_reason_that_denies_the_sign_raises_nothing() -> None:
    visit = {"resourceType": "Encounter", "id": "v", "status": "finished", "period": {"start": "2026-03-09"},
             "reasonCode": [{"text": "Back pain. Denies urinary retention or saddle anesthesia"}]}

    assert decide(visit).rules[0] == "R1"
