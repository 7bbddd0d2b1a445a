"""Cauda equina (R5) as nursing and physician flowsheets chart its signs, parsed as the hooks parse them
(docs/pathway-facts.md "Tenth pass: cauda equina and motor deficits in flowsheets"). ``raw_decision.decide``
adds each resource to a 19-day lumbar radiculopathy and decides a lumbar MRI ordered on 2026-03-11: R1
(defer) without a red flag. PATHWAY.md §3 CES, §2 "wherever the chart holds it"; CODES.md §1f.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import decide

from app.pathway.model import RedFlag

CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
EXAM = [{"coding": [{"system": CATEGORY, "code": "exam"}]}]


def row(text: str, on: str = "2026-03-10", **value: Any) -> dict[str, Any]:
    """A flowsheet row under a local code known only by its name, charted yesterday."""
    return {"resourceType": "Observation", "id": "row", "status": "final", "category": EXAM,
            "code": {"text": text}, "effectiveDateTime": on, **value}


def ml(value: float, unit: str | None = "mL") -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": value}
    if unit is not None:
        quantity.update(unit=unit, system="http://unitsofmeasure.org", code=unit)
    return {"valueQuantity": quantity}


def said(answer: str) -> dict[str, Any]:
    return {"valueString": answer}


def assert_r5(*resources: dict[str, Any]) -> None:
    decision = decide(*resources)
    assert RedFlag.CES in decision.facts.red_flags
    assert decision.rules[0] == "R5"


def assert_r1(*resources: dict[str, Any]) -> None:
    decision = decide(*resources)
    assert RedFlag.CES not in decision.facts.red_flags
    assert decision.rules[0] == "R1"


@pytest.mark.parametrize(("name", "value"), [
    ("Post void residual", ml(350)),
    ("PVR", ml(350, "cc")),
    ("Bladder scan volume", ml(600)),
    ("Bladder Scan", said("600 mL")),
    ("Bladder scan", ml(0.45, "L")),
    ("Residual urine volume", ml(300, None)),  # no unit: a bladder scanner's mL
    ("Post-void residual", ml(200)),            # the threshold itself
])
def test_r5_a_post_void_residual_of_200_ml_or_more_is_retention(name: str, value: dict[str, Any]) -> None:
    """§3 CES "new urinary retention", as a nurse's bladder scan records it: a residual volume of 200 mL or
    more (the clinical threshold this pass chose, docs/pathway-facts.md "Tenth pass"). It was R1."""
    assert_r5(row(name, **value))


def test_r5_a_bladder_volume_under_a_loinc_like_code_is_read_by_its_display() -> None:
    """The row's name may be only its coding's display (its text a flowsheet id): it is read too."""
    coded = row("FLO 3045", **ml(400))
    coded["code"]["coding"] = [{"system": "urn:oid:1.2.840.114350.1", "code": "3045",
                                "display": "Post void residual volume"}]
    assert_r5(coded)


@pytest.mark.parametrize(("name", "value"), [
    ("Post void residual", ml(40)),        # "PVR 40 mL": normal emptying
    ("PVR", said("40 ml")),
    ("Post-void residual", ml(199)),
    ("Gastric residual", ml(250)),         # a tube feed's residual, not the bladder's
    ("PVR", ml(250, "dyn.s/cm5")),         # pulmonary vascular resistance
    ("Bladder scan pre-void", ml(450)),    # a full bladder before voiding is no residual
    ("Urine volume", ml(500)),             # a 24-hour collection's volume
    ("Urine output", ml(300)),             # intake and output
])
def test_r1_a_small_residual_or_another_volume_is_no_retention(name: str, value: dict[str, Any]) -> None:
    """A careful negative must not raise an emergency (§2): a normal residual, a gastric residual, a
    resistance and a pre-void volume raise nothing."""
    assert_r1(row(name, **value))


@pytest.mark.parametrize("fields", [
    {"status": "entered-in-error"},
    {"effectiveDateTime": "2026-03-12"},  # after the order
    {"effectiveDateTime": "2025-06-12"},  # older than the 180 days a CES sign keeps counting
])
def test_r1_a_void_later_or_old_residual_is_not_read(fields: dict[str, Any]) -> None:
    assert_r1({**row("Post void residual", **ml(500)), **fields})


@pytest.mark.parametrize(("name", "answer"), [
    ("Rectal tone", "Decreased"),
    ("Rectal tone", "Absent"),
    ("Rectal tone", "Lax"),
    ("Anal sphincter tone", "Reduced"),
    ("Sphincter tone", "Diminished"),
    ("Perianal sensation", "Decreased"),
    ("Perianal sensation", "Absent"),
    ("Saddle sensation", "Reduced"),
    ("Perineal sensation to light touch", "Impaired"),
    ("Anal wink", "Absent"),
    ("Bulbocavernosus reflex", "Absent"),
    ("Anal wink", "Negative"),
])
def test_r5_a_sphincter_or_saddle_exam_row_written_abnormal_is_a_cauda_equina_sign(name: str, answer: str
                                                                                   ) -> None:
    """§3 CES: a lax sphincter, saddle sensory loss and an absent anal wink are how an examiner charts
    cauda equina; under a local code they were read as nothing (R1)."""
    assert_r5(row(name, **said(answer)))


def test_r5_a_coded_local_answer_decreased_counts() -> None:
    local = {"system": "urn:local", "code": "DEC", "display": "Decreased"}
    answer = {"valueCodeableConcept": {"coding": [local]}}
    assert_r5(row("Rectal tone", **answer))


@pytest.mark.parametrize(("name", "answer"), [
    ("Rectal tone", "Normal"),
    ("Rectal tone", "Good"),
    ("Perianal sensation", "Intact"),
    ("Anal wink", "Present"),
    ("Bulbocavernosus reflex", "Positive"),
    ("Saddle anesthesia", "No"),
    ("No saddle anesthesia", "Absent"),
    ("BCR-ABL1 transcript", "Negative"),   # a leukaemia marker, not the bulbocavernosus reflex
])
def test_r1_a_normal_sphincter_or_saddle_exam_raises_nothing(name: str, answer: str) -> None:
    """"Rectal tone normal", "perianal sensation intact", "anal wink present": a careful negative exam
    never raises an emergency (§2, CODES.md recommendation 3)."""
    assert_r1(row(name, **said(answer)))


def test_r5_a_cauda_equina_exam_panel_with_one_abnormal_item() -> None:
    """A "CES exam" panel whose items are the rows above: one abnormal item raises R5."""
    panel = {**row("CES exam"), "component": [
        {"code": {"text": "Rectal tone"}, "valueString": "Normal"},
        {"code": {"text": "Perianal sensation"}, "valueString": "Reduced"},
        {"code": {"text": "Post void residual"}, "valueQuantity": {"value": 80, "unit": "mL"}}]}
    assert_r5(panel)


def test_r1_a_cauda_equina_exam_panel_all_normal() -> None:
    panel = {**row("CES exam"), "component": [
        {"code": {"text": "Rectal tone"}, "valueString": "Normal"},
        {"code": {"text": "Perianal sensation"}, "valueString": "Intact"},
        {"code": {"text": "Anal wink"}, "valueString": "Present"},
        {"code": {"text": "Post void residual"}, "valueQuantity": {"value": 80, "unit": "mL"}}]}
    assert_r1(panel)


def test_the_card_names_the_row_and_its_volume() -> None:
    evidence = decide(row("Post void residual", **ml(350))).facts.red_flags[RedFlag.CES][0]
    assert evidence.name == "Post void residual 350 mL"
    assert evidence.coding is not None and evidence.coding.code == "267064002"  # retention: new, §3


def problem(text: str, on: str = "2026-03-08") -> dict[str, Any]:
    """A free-text problem (no coding), as Oracle Health exports one, active since ``on``."""
    return {"resourceType": "Condition", "id": "typed", "code": {"text": text}, "onsetDateTime": on,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]}}


def complaint(text: str) -> dict[str, Any]:
    """An emergency visit yesterday whose chief complaint is typed."""
    return {"resourceType": "Encounter", "id": "ed", "status": "finished", "class": {"code": "EMER"},
            "period": {"start": "2026-03-10"}, "reasonCode": [{"text": text}]}


@pytest.mark.parametrize("resource", [
    problem("Numbness in groin"),
    problem("Numbness in the perineum"),
    problem("Groin numbness"),
    complaint("Perianal numbness x2 days"),
    complaint("Loss of bowel control"),
    complaint("Bowel and bladder incontinence"),
    complaint("Loss of bladder control"),       # unspecified incontinence, new in the episode
    complaint("New urinary incontinence"),
    complaint("Unable to void since this morning"),
    problem("Decreased rectal tone"),
    complaint("Bilateral leg weakness"),
    problem("Weakness of both legs"),
    problem("Bilateral foot drop"),
])
def test_r5_a_cauda_equina_sign_in_words(resource: dict[str, Any]) -> None:
    """§3 CES signs as typed: a free-text problem or a typed chief complaint. Each was R1 (or R6 for the
    bilateral foot drop: both legs are a CES sign)."""
    assert_r5(resource)


@pytest.mark.parametrize("resource", [
    complaint("Denies saddle anesthesia"),
    complaint("No bowel or bladder incontinence"),
    complaint("Stress urinary incontinence"),           # never a CES sign alone (CODES.md rec. 5)
    problem("Urge urinary incontinence"),
    problem("Mixed urinary incontinence"),
    problem("Urinary incontinence", on="2019-05-01"),   # unspecified, begun long before the episode
    complaint("No numbness in groin"),
    complaint("Rectal tone normal"),
])
def test_r1_a_denied_or_never_alone_incontinence_in_words_raises_nothing(resource: dict[str, Any]) -> None:
    assert_r1(resource)


def procedure(name: str, on: str = "2026-03-10", **fields: Any) -> dict[str, Any]:
    """A nursing procedure charted ``on`` under a local code known by its name."""
    return {"resourceType": "Procedure", "id": "proc", "status": "completed", "performedDateTime": on,
            "code": {"coding": [{"system": "urn:local", "code": "P1", "display": name}]}, **fields}


@pytest.mark.parametrize("name", [
    "Straight cath for urinary retention",
    "Foley insertion - urinary retention",
])
def test_r5_a_catheterisation_named_for_retention_is_retention(name: str) -> None:
    """§3 CES "new urinary retention", stated by the procedure's own name (its reasonCode was already read).
    It was R1."""
    assert_r5(procedure(name))


@pytest.mark.parametrize(("name", "fields"), [
    ("Bladder scan for urinary retention", {}),          # a check: its volume is an Observation
    ("Straight cath for urinary retention", {"status": "entered-in-error"}),
    ("Straight cath for urinary retention", {"performedDateTime": "2024-01-01"}),  # not new
])
def test_r1_a_check_a_void_or_an_old_catheterisation_raises_nothing(name: str, fields: dict[str, Any]
                                                                    ) -> None:
    """A check's name, a void or an old catheterisation states no new retention. (One inserted in the
    episode with no reason stated is, since the eleventh pass: test_urinary_catheter_shapes.py.)"""
    assert_r1(procedure(name, **fields))


@pytest.mark.parametrize(("name", "answer"), [
    ("Urinary elimination", "Retention"),
    ("Voiding", "Unable to void"),
    ("Urinary elimination", "Incontinent"),     # unspecified: yesterday, new in the episode
    ("Bowel elimination", "Incontinent"),
    ("PVR", ">999 mL"),                        # the scanner's upper bound
])
def test_r5_a_nursing_elimination_row_answered_retention_or_incontinent(name: str, answer: str) -> None:
    """A nursing assessment's elimination rows (§3 CES "new urinary retention or incontinence", "faecal
    incontinence"). Each was R1."""
    assert_r5(row(name, **said(answer)))


@pytest.mark.parametrize(("name", "answer", "on"), [
    ("Urinary elimination", "Voids", "2026-03-10"),
    ("Urinary elimination", "Continent", "2026-03-10"),
    ("Bladder", "Incontinence - stress", "2026-03-10"),  # never a CES sign alone
    ("Bowel elimination", "Continent", "2026-03-10"),
    ("Urinary elimination", "Incontinent", "2026-01-05"),  # before the episode began: not new
])
def test_r1_a_normal_or_not_new_elimination_row_raises_nothing(name: str, answer: str, on: str) -> None:
    assert_r1(row(name, on=on, **said(answer)))


@pytest.mark.parametrize(("name", "answer"), [
    ("Sensation", "Decreased perianal sensation"),
    ("Sensory exam", "Perianal sensation reduced"),
    ("Neuro exam", "Decreased sensation in the perianal region"),
    ("Rectal exam", "Decreased tone"),
    ("DRE", "Lax sphincter"),
    ("DRE", "Decreased tone, no masses"),   # the denial is another clause's
])
def test_r5_a_short_exam_answer_stating_a_saddle_or_sphincter_finding(name: str, answer: str) -> None:
    """A rectal or sensory exam row under a local code answered in a short phrase. Each was R1."""
    assert_r5(row(name, **said(answer)))


@pytest.mark.parametrize(("name", "answer"), [
    ("Neuro exam", "Decreased L5 dermatome; perianal intact"),  # two clauses
    ("Sensation", "Intact including perianal"),
    ("DRE", "Normal tone, no masses"),
    ("Rectal", "Prostate normal, tone intact"),
    ("Neuro exam", "No decreased perianal sensation"),
    ("Sensation", "Perianal sensation not reduced"),
])
def test_r1_a_normal_or_denied_exam_answer_raises_nothing(name: str, answer: str) -> None:
    assert_r1(row(name, **said(answer)))


@pytest.mark.parametrize(("name", "rule"), [
    ("Urology referral for urinary retention", "R5"),
    ("MRI lumbar spine r/o cauda equina", "R1"),   # a suspicion an earlier order checked, not a finding
])
def test_an_earlier_order_named_for_its_finding(name: str, rule: str) -> None:
    earlier = {"resourceType": "ServiceRequest", "id": "earlier", "status": "active", "intent": "order",
               "code": {"text": name}, "authoredOn": "2026-03-01"}
    assert decide(earlier).rules[0] == rule


@pytest.mark.parametrize("answer", ["+", "Endorses", "Reports", "Pt reports", "Admits", "New onset"])
def test_r5_a_screen_row_answered_as_an_emergency_screen_words_it(answer: str) -> None:
    """"Saddle anesthesia": "Endorses" is a Yes (facts_named.answered_yes); it stated nothing (R1)."""
    assert_r5(row("Saddle anesthesia", **said(answer)))


@pytest.mark.parametrize("answer", [
    "Denies", "Patient denies", "Unsure", "Reports none", "Pt reports no numbness",
])
def test_r1_a_screen_row_denied_or_unsure_raises_nothing(answer: str) -> None:
    assert_r1(row("Saddle anesthesia", **said(answer)))


@pytest.mark.parametrize("name", [
    "Bowel/bladder dysfunction",
    "Loss of bowel or bladder control",
    "Difficulty urinating",              # new in the episode (R39.11's words)
])
def test_r5_a_screen_row_naming_bowel_or_bladder_trouble_answered_yes(name: str) -> None:
    assert_r5(row(name, **said("Yes")))
