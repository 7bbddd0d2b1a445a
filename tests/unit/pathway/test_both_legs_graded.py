"""Weakness of both legs (PATHWAY.md §3 CES) from MRC grades charted per side, parsed as the hooks parse
them (docs/pathway-facts.md "Tenth pass: cauda equina and motor deficits in flowsheets"). Beside a
19-day lumbar radiculopathy and a lumbar MRI ordered on 2026-03-11 (``raw_decision.decide``), a severe grade
of one leg is R6; of both legs it is the cauda equina sign R5, as a coded deficit of each leg already was.
CODES.md recommendation 6 (grades compared per muscle and side).
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.chart.model import ObservationView
from app.pathway.facts_legs import leg_side
from app.pathway.model import RedFlag
from app.terminology import SNOMED, Coding

SIDES = {"R": ("24028007", "Right"), "L": ("7771000", "Left"), "B": ("51440002", "Right and left")}


def grade(text: str, answer: str, oid: str, side: str | None = None, on: str = "2026-03-10"
          ) -> dict[str, Any]:
    """A manual muscle test row charted ``on``, its side in a laterality body site when ``side`` is given."""
    found: dict[str, Any] = {"resourceType": "Observation", "id": oid, "status": "final",
                             "code": {"text": text}, "effectiveDateTime": on, "valueString": answer}
    if side is not None:
        code, display = SIDES[side]
        found["bodySite"] = {"coding": [{"system": SNOMED, "code": code, "display": display}]}
    return found


def panel(*items: tuple[str, str]) -> dict[str, Any]:
    """A "Lower extremity strength" panel whose items name the side and movement."""
    return {"resourceType": "Observation", "id": "le", "status": "final",
            "code": {"text": "Lower extremity strength"}, "effectiveDateTime": "2026-03-10",
            "component": [{"code": {"text": name}, "valueString": value} for name, value in items]}


@pytest.mark.parametrize("resources", [
    (grade("Ankle dorsiflexion strength", "3/5", "r", "R"),
     grade("Ankle dorsiflexion strength", "3/5", "l", "L")),
    (grade("Hip flexion strength", "2/5", "b", "B"),),
    (panel(("R ankle dorsiflexion", "3/5"), ("L ankle dorsiflexion", "3/5")),),
    (panel(("Right hip flexion", "3/5"), ("Left knee extension", "2/5")),),
    (panel(("RLE EHL", "2/5"), ("LLE EHL", "Poor")),),
    (grade("Right quadriceps strength", "3/5", "q"), grade("L ankle dorsiflexion strength", "2/5", "d")),
])
def test_r5_a_severe_grade_of_each_leg_is_weakness_of_both_legs(resources: tuple[dict[str, Any], ...]
                                                                 ) -> None:
    """§3 CES "weakness of both legs": grades ≤ 3 of a right and a left leg muscle, new (within 14 days)
    — it was R6, the urgent motor card, instead of the emergency R5. R6's class stays beside it."""
    decision = decide(*resources)

    assert {RedFlag.CES, RedFlag.MOTOR} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("resources", [
    (panel(("R ankle dorsiflexion", "3/5"), ("L ankle dorsiflexion", "5/5")),),  # one leg
    (grade("Right deltoid strength", "3/5", "a"), grade("Left deltoid strength", "3/5", "b")),  # the arms
    (grade("Right ankle dorsiflexion strength", "3/5", "r"), grade("Right EHL strength", "2/5", "e")),
    (grade("Hip flexion strength", "3/5", "r"), grade("Knee extension strength", "3/5", "k")),  # no side
])
def test_r6_one_weak_leg_the_arms_or_no_side_stay_a_motor_deficit(resources: tuple[dict[str, Any], ...]
                                                                  ) -> None:
    decision = decide(*resources)

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R6"


@pytest.mark.parametrize("resources", [
    (panel(("R ankle dorsiflexion", "4/5"), ("L ankle dorsiflexion", "4/5")),),
    (panel(("R hip flexion", "4-/5"), ("L knee extension", "4/5")),),
    (grade("Ankle dorsiflexion strength", "3/5", "r", "R"),
     grade("Ankle dorsiflexion strength", "4/5", "l", "L")),
    # a fall 5 -> 4 of each leg within the episode, re-examined 20 days ago (past the 14 days of a new grade)
    (grade("EHL strength", "5/5", "r0", "R", on="2026-02-21"),
     grade("EHL strength", "5/5", "l0", "L", on="2026-02-21"),
     grade("EHL strength", "4/5", "r", "R", on="2026-02-24"),
     grade("EHL strength", "4/5", "l", "L", on="2026-02-24")),
])
def test_r5_new_mild_weakness_of_both_legs_is_the_cauda_equina_sign(resources: tuple[dict[str, Any], ...]
                                                                     ) -> None:
    """§3 CES "weakness of both legs" names no grade (its motor row's "severe" ≤ 3 is R6's): a new 4/5 of
    a right and a left leg muscle, or a fall to 4 of each, is weakness of both legs — the emergency R5
    (eleventh pass, the clinical decision in docs/pathway-facts.md). It was R1, a defer."""
    decision = decide(*resources)

    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("resources", [
    (panel(("R ankle dorsiflexion", "4+/5"), ("L ankle dorsiflexion", "4+/5")),),  # 4+ is near normal
    (panel(("R ankle dorsiflexion", "4/5"), ("L ankle dorsiflexion", "5/5")),),    # one leg
    (grade("Right deltoid strength", "4/5", "a"), grade("Left deltoid strength", "4/5", "b")),  # the arms
    (grade("Ankle dorsiflexion strength", "4/5", "r0", "R", on="2025-06-01"),      # chronic: 4/5 before
     grade("Ankle dorsiflexion strength", "4/5", "l0", "L", on="2025-06-01"),
     grade("Ankle dorsiflexion strength", "4/5", "r", "R"),
     grade("Ankle dorsiflexion strength", "4/5", "l", "L")),
])
def test_r1_near_normal_one_sided_arm_or_chronic_mild_weakness_is_no_cauda_equina_sign(
        resources: tuple[dict[str, Any], ...]) -> None:
    decision = decide(*resources)

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R1"


def test_r6_old_weakness_of_both_legs_is_chronic() -> None:
    """A grade ≤ 3 that is not new (one older than 90 days before it) is no severe deficit, so no CES."""
    decision = decide(grade("Ankle dorsiflexion strength", "3/5", "r0", "R", on="2025-06-01"),
                      grade("Ankle dorsiflexion strength", "3/5", "l0", "L", on="2025-06-01"),
                      grade("Ankle dorsiflexion strength", "3/5", "r", "R"),
                      grade("Ankle dorsiflexion strength", "3/5", "l", "L"))

    assert RedFlag.CES not in decision.facts.red_flags


@pytest.mark.parametrize(("text", "site", "side"), [
    ("R ankle dorsiflexion", None, "right"),
    ("Lt EHL", None, "left"),
    ("L5 myotome", None, None),          # a myotome's L is no side
    ("Ankle dorsiflexion", "7771000", "left"),
    ("Ankle dorsiflexion", "419465000", "right"),
    ("Bilateral hip flexion", None, "both"),
    ("Right biceps", None, None),        # an arm
    ("Right shoulder and knee", None, None),  # an arm named: not read as a leg
])
def test_the_side_of_a_leg_grade(text: str, site: str | None, side: str | None) -> None:
    body = (Coding(SNOMED, site),) if site is not None else ()
    assert leg_side(ObservationView(id="x", codings=(), text=text, body_site=body)) == side



def test_the_cauda_equina_evidence_is_each_legs_grade() -> None:
    decision = decide(grade("Ankle dorsiflexion strength", "3/5", "r", "R"),
                      grade("Ankle dorsiflexion strength", "3/5", "l", "L"))

    assert {e.reference for e in decision.facts.red_flags[RedFlag.CES]} == {"Observation/r", "Observation/l"}


def problem(text: str, cid: str, on: str = "2026-03-08") -> dict[str, Any]:
    """A free-text problem, as Oracle Health exports one."""
    return {"resourceType": "Condition", "id": cid, "code": {"text": text}, "onsetDateTime": on}


@pytest.mark.parametrize("resources", [
    (problem("Right foot drop", "a"), problem("Left foot drop", "b")),
    (problem("Right foot drop", "a"), {"resourceType": "Condition", "id": "b", "onsetDateTime": "2026-03-08",
                                       "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm",
                                                            "code": "M21.372"}]}}),
])
def test_r5_a_foot_drop_of_each_leg_in_words_is_weakness_of_both_legs(resources: tuple[dict[str, Any], ...]
                                                                      ) -> None:
    """The side of a foot drop written in words is the side its words name (``side_in_words``); each was
    a one-sided deficit, R6, as ICD-10-CM's M21.371 beside M21.372 had been before the eighth pass."""
    decision = decide(*resources)

    assert {RedFlag.CES, RedFlag.MOTOR} <= set(decision.facts.red_flags)
    assert decision.rules[0] == "R5"


@pytest.mark.parametrize("resources", [
    (problem("Right foot drop", "a"), problem("Progressive weakness of left arm", "b")),  # an arm
    (problem("Right foot drop", "a"), problem("Left foot drop", "b", on="2019-01-01")),  # not new
])
def test_r6_a_foot_drop_beside_an_arm_or_an_old_foot_drop_stays_a_motor_deficit(
        resources: tuple[dict[str, Any], ...]) -> None:
    decision = decide(*resources)

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R6"


def sided_panel(text: str, *items: tuple[str, str]) -> dict[str, Any]:
    return {**panel(*items), "code": {"text": text}}


@pytest.mark.parametrize("resource", [
    sided_panel("Ankle dorsiflexion strength", ("Right", "3/5"), ("Left", "3/5")),
    sided_panel("Motor strength", ("RLE", "3/5"), ("LLE", "2/5")),
])
def test_r5_a_panel_naming_the_muscle_with_items_per_side(resource: dict[str, Any]) -> None:
    """A panel named for the muscle whose items are only the sides: the item is read with its panel's
    name (``leg_side``'s panel). It was R6."""
    decision = decide(resource)

    assert decision.rules[0] == "R5"


def test_r6_a_panel_of_an_arm_muscle_per_side_is_no_cauda_equina_sign() -> None:
    decision = decide(sided_panel("Deltoid strength", ("Right", "3/5"), ("Left", "3/5")))

    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R6"


def exam_row(text: str, answer: str, oid: str = "row") -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final", "code": {"text": text},
            "effectiveDateTime": "2026-03-10", "valueString": answer}


@pytest.mark.parametrize(("resources", "rule"), [
    ((exam_row("Foot drop", "Right"),), "R6"),          # a row answered with its side
    ((exam_row("Gait", "Steppage"),), "R6"),            # the gait of a foot drop
    ((exam_row("Foot drop", "Bilateral"),), "R5"),      # both legs: the CES sign
    ((exam_row("Foot drop", "Right", "a"), exam_row("Foot drop", "L", "b")), "R5"),
])
def test_a_foot_drop_exam_row_answered_with_its_side(resources: tuple[dict[str, Any], ...], rule: str
                                                      ) -> None:
    """§3 motor "foot drop" as an exam row under a local code answered with the side, not Yes; it was
    read as no answer (R1)."""
    assert decide(*resources).rules[0] == rule


@pytest.mark.parametrize("answer", ["No", "Absent", "None", "Negative"])
def test_r1_a_foot_drop_row_answered_no_raises_nothing(answer: str) -> None:
    assert decide(exam_row("Foot drop", answer)).rules[0] == "R1"


def order(name: str, on: str = "2026-03-10", **fields: Any) -> dict[str, Any]:
    """An earlier order or referral known by its name."""
    return {"resourceType": "ServiceRequest", "id": "afo", "status": "active", "intent": "order",
            "code": {"text": name}, "authoredOn": on, **fields}


@pytest.mark.parametrize("resource", [
    order("Ankle foot orthosis"),
    order("Referral to orthotics - AFO"),
    {**order(""), "code": {"coding": [{"system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                                       "code": "L1930",
                                       "display": "AFO, plastic or other material, prefabricated"}]}},
    {"resourceType": "Procedure", "id": "fit", "status": "completed", "performedDateTime": "2026-03-10",
     "code": {"text": "AFO fitting"}},
])
def test_r6_an_ankle_foot_orthosis_ordered_or_fitted_is_a_foot_drop(resource: dict[str, Any]) -> None:
    """A foot drop documented by its treatment (docs/pathway-facts.md "Tenth pass", the safe side). It was
    R1."""
    decision = decide(resource)

    assert RedFlag.MOTOR in decision.facts.red_flags
    assert decision.rules[0] == "R6"


@pytest.mark.parametrize("resource", [
    order("Ankle foot orthosis", on="2019-01-01"),            # years ago: not this episode's
    order("Ankle foot orthosis", status="entered-in-error"),
])
def test_r1_an_old_or_void_orthosis_order_raises_nothing(resource: dict[str, Any]) -> None:
    assert decide(resource).rules[0] == "R1"
