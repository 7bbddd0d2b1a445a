"""cards/labels.toml: the words of the values the pathway hands a card (STYLE.md habit 6)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from render_fixtures import edit

from app.pathway.model import (
    AtLeast,
    CardValue,
    Contrast,
    Evidence,
    Finding,
    Modality,
    Note,
    Period,
    Region,
    Study,
)
from app.render import CardLibrary, load_card_library

DAY = date(2025, 7, 22)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("study", Study(Modality.XR), "radiographs"),
        ("study", Study(Modality.NUCLEAR), "bone scan/PET"),
        ("study", Study(None), "imaging"),
        ("order", Study(Modality.MRI, Contrast.WITHOUT), "MRI without contrast"),
        ("order", Study(Modality.CT_MYELOGRAPHY, Contrast.WITH), "CT myelography with contrast"),
        ("order", Study(None, Contrast.WITHOUT_AND_WITH), "imaging without and with contrast"),
        ("threshold", Period(42), "6 weeks"),  # PATHWAY.md §2: six weeks means D ≥ 42
        ("threshold", Period(30), "30 days"),  # a site policy that is not whole weeks keeps its days
        ("day", AtLeast(50), "50 or more"),  # a lower bound of the onset proves only D ≥ 50
        ("day", 20, "20"),
        ("pain", 9.0, "9"),
        ("pain", 7.5, "7.5"),
        ("eligible_date", DAY, "2025-07-22"),
        ("mri_date", Note.NOW_RED_FLAG, "now (red flag)"),
        ("mri_date", Note.RECORD_ONSET, "unknown (record onset)"),
        ("mri_date", Note.NO_CRITERIA, "— (no thoracic criteria)"),
        ("region", Region.CERVICAL, "cervical"),
        ("missing", frozenset({"observations", "imaging"}), "imaging, observations"),
    ],
)
def test_each_kind_of_value_is_worded_from_the_labels_file(
    library: CardLibrary, name: str, value: CardValue, words: str
) -> None:
    assert library.labels.word(name, value) == words


@pytest.mark.parametrize(
    ("name", "words"),
    [("region", "spine"), ("target", "cervical or thoracic"), ("onset_date", "unknown"), ("days", "unknown")],
)
def test_an_unknown_value_says_its_placeholders_own_word_else_unknown(
    library: CardLibrary, name: str, words: str
) -> None:
    """Missing data is said, not guessed: no date is "unknown", no region "spine" (R20: either cord level)."""
    assert library.labels.word(name, None) == words
    assert library.labels.word(name, ()) == words


def test_evidence_is_worded_by_its_distinct_words_in_order_with_first_dates(library: CardLibrary) -> None:
    later = Evidence(Finding.CRP, "Observation/2", date(2025, 7, 2), value=80)
    earlier = Evidence(Finding.ESR, "Observation/1", date(2025, 7, 1), value=62)
    again = Evidence(Finding.ESR, "Observation/3", date(2025, 7, 3), value=62)
    words = library.labels.word("markers", (again, later, earlier))
    assert words == "ESR 62 mm/h (2025-07-01), CRP 80 mg/L (2025-07-02)"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('xr = "radiographs"\n', "", r"modality: no word for: xr"),
        ('xr = "radiographs"', 'xray = "radiographs"', r"modality: no word for: xr"),
        ('unknown = "imaging"', 'unknown = "imaging"\nus = "US"', r"modality: not a modality: us"),
        ('thoracic = "thoracic"\n', "", r"region: no word for: thoracic"),
        ('record_onset = "unknown (record onset)"\n', "", r"notes: no word for: record_onset"),
        ('with = "with contrast"', 'sideways = "with contrast"', r"contrast\.sideways"),
        ('weeks = "{weeks} weeks"', 'weeks = "{days} weeks"', r"formats\.weeks: must use exactly \{weeks\}"),
        ('default = "unknown"', 'fallback = "unknown"', r"unknown: no word for: default"),
        ('region = "spine"', 'region = "  "', r"unknown\.region: String should have at least 1 character"),
        ("[notes]", "colour = 3\n[notes]", r"region\.colour"),
        ("[formats]", "[formats]\nmonths = '{months} months'", r"formats\.months: Extra inputs"),
    ],
)
def test_a_bad_labels_file_is_refused_naming_the_file_and_the_field(
    cards_copy: Path, old: str, new: str, message: str
) -> None:
    edit(cards_copy / "labels.toml", old, new)
    with pytest.raises(ValueError, match=r"labels\.toml: .*" + message):
        load_card_library(cards_copy)


def test_the_labels_file_is_required(cards_copy: Path) -> None:
    (cards_copy / "labels.toml").unlink()
    with pytest.raises(ValueError, match=r"missing labels\.toml"):
        load_card_library(cards_copy)
