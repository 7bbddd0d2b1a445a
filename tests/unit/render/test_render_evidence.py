"""The words of a card's evidence (cards/labels.toml [evidence], app/render/evidence.py).

The fact readers hand the renderer typed evidence; these are the words a clinician reads for each kind
(PATHWAY.md §5: "the facts found, with their dates"), exactly as the cards said them when the fact readers
still built them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from render_fixtures import edit

from app.pathway.model import Evidence, Finding, State
from app.render import CardLibrary, load_card_library

DAY = date(2026, 2, 15)


def found(finding: Finding, state: State = State.FOUND, **values: Any) -> Evidence:
    return Evidence(finding, "Condition/c1", DAY, None, state, **values)


@pytest.mark.parametrize(
    ("evidence", "words"),
    [
        (found(Finding.RADICULOPATHY_LUMBAR), "lumbar radiculopathy"),
        (found(Finding.RADICULOPATHY_LUMBAR, State.OBSERVATION), "lumbar radiculopathy (observation)"),
        (found(Finding.BACK_PAIN, State.ORDER_REASON), "low back pain (order reason)"),
        # §2 v2 resolved serious findings: when it ended, or that its date is not recorded (invariant 6)
        (found(Finding.MOTOR_DEFICIT, State.RESOLVED_ON, when=date(2026, 2, 28)),
         "motor deficit, resolved on 2026-02-28 (noted 2026-02-15)"),
        (found(Finding.MOTOR_DEFICIT, State.RESOLVED), "motor deficit, resolved (noted 2026-02-15)"),
        (found(Finding.CES, State.DATE_NOT_RECORDED), "cauda equina sign, date not recorded"),
        (found(Finding.CES, State.DATE_NOT_RECORDED, name="Retention of urine"),
         "cauda equina sign — Retention of urine, date not recorded"),
        (found(Finding.CANCER_HISTORY, name="Personal history of malignant neoplasm of breast"),
         "history of malignancy — Personal history of malignant neoplasm of breast"),
        # measurements (§2 fever, §3 age, R7/R7b markers)
        (found(Finding.TEMPERATURE, value=39.0), "temperature 39.0 °C"),
        (found(Finding.TEMPERATURE, value=38.56), "temperature 38.6 °C"),
        (found(Finding.AGE, value=62), "age 62 (over 50)"),
        (found(Finding.ESR, value=62.0), "ESR 62 mm/h"),
        (found(Finding.CRP, value=480.5), "CRP 480.5 mg/L"),
        # a result with no number, flagged high by its interpretation (eleventh pass)
        (found(Finding.CRP, State.FLAGGED), "CRP flagged high, no value recorded"),
        (found(Finding.TEMPERATURE, State.FLAGGED), "temperature flagged high, no value recorded"),
        (found(Finding.SPINAL_PROCEDURE), "spinal procedure in the last 90 days"),
        (found(Finding.LONG_TERM_STEROIDS), "long-term systemic steroids"),
        # §3 v2 motor: MRC grades as the exam writes them
        (found(Finding.MUSCLE_STRENGTH, State.NEW, value=3), "muscle strength 3/5, new"),
        (found(Finding.MUSCLE_STRENGTH, State.FELL, value=2.75, before=5, text="Hip flexion strength"),
         "muscle strength 3-/5 (Hip flexion strength), fell from 5/5 to 3-/5"),
        (found(Finding.MUSCLE_STRENGTH, State.FELL_MILD, value=4, before=4.25),
         "muscle strength 4/5, new mild weakness, fell from 4+/5 to 4/5"),
        # §2 conservative care and candidacy
        (found(Finding.CONSERVATIVE_MEDICATION, text="Naproxen 500 MG Oral Tablet"),
         "conservative-care medication: Naproxen 500 MG Oral Tablet"),
        (found(Finding.PHYSICAL_THERAPY, State.VISIT), "physical therapy visit"),
        (found(Finding.CHIROPRACTIC, State.REFERRAL_VISITED),
         "chiropractic manipulation referral (visit recorded)"),
        (found(Finding.PHYSICAL_THERAPY, State.REFERRAL_NO_VISIT),
         "PT referred 2026-02-15, no visit recorded"),
        (found(Finding.OSTEOPATHIC_MANIPULATION, State.REFERRAL_NO_VISIT),
         "OMT referred 2026-02-15, no visit recorded"),
        (found(Finding.EPIDURAL_INJECTION, State.PLANNED), "planned epidural steroid injection"),
        (found(Finding.SPINE_SPECIALTY), "spine specialist referral"),
        (found(Finding.SPINE_IMAGING), "prior MRI of the same region"),
    ],
)
def test_each_kind_of_evidence_reads_as_the_card_says_it(
    library: CardLibrary, evidence: Evidence, words: str
) -> None:
    assert library.labels.evidence.word(evidence) == words


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Retention of urine", "cauda equina sign — Retention of urine"),
        (None, "cauda equina sign"),  # no display: the class alone
        ("Cauda equina sign", "cauda equina sign"),  # the word already says it
        ("x" * 200, "cauda equina sign — " + "x" * 59 + "…"),  # a display is never a paragraph
    ],
)
def test_a_red_flag_is_named_as_the_chart_names_the_finding(
    library: CardLibrary, name: str | None, words: str
) -> None:
    """§5: the dated facts in plain words — a clinician must see which cauda equina sign was found."""
    assert library.labels.evidence.word(found(Finding.CES, name=name)) == words


def test_treatment_names_a_drug_by_its_own_text_and_any_other_care_by_its_words(library: CardLibrary) -> None:
    words = library.labels.evidence
    assert words.text(found(Finding.CONSERVATIVE_MEDICATION, text="naproxen: 500 mg")) == "naproxen: 500 mg"
    assert words.text(found(Finding.PHYSICAL_THERAPY, State.VISIT)) == "physical therapy visit"


def test_evidence_of_one_date_and_record_is_listed_in_the_order_of_its_words(library: CardLibrary) -> None:
    """Bundle order never shows (invariant 4): ties of date and record are broken by what a card says."""
    gait, myelopathy = found(Finding.GAIT_DISTURBANCE), found(Finding.MYELOPATHY)
    listed = library.labels.evidence.ordered([myelopathy, gait])
    assert listed == library.labels.evidence.ordered([gait, myelopathy]) == [gait, myelopathy]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('spinal_procedure = "spinal procedure in the last 90 days"\n', "",
         r"evidence\.findings: no word for: spinal_procedure"),
        ('planned = "planned {finding}"\n', "", r"evidence\.states: no form for: planned"),
        ('planned = "planned {finding}"', 'planned = "planned {drug}"',
         r"evidence\.states\.planned: may use only"),
        ('esr = "ESR {value} mm/h"', 'esr = "ESR {when} mm/h"', r"evidence\.findings\.esr: may use only"),
        ('default = "{finding} ({text})"', 'fallback = "{finding} ({text})"',
         r"evidence\.texts: no form for"),
        ('OMT"', 'OMT"\nmassage = "massage"', r"evidence\.short\.massage"),
    ],
)
def test_a_bad_evidence_table_is_refused_naming_the_field(
    cards_copy: Path, old: str, new: str, message: str
) -> None:
    edit(cards_copy / "labels.toml", old, new)
    with pytest.raises(ValueError, match=r"labels\.toml: .*" + message):
        load_card_library(cards_copy)
