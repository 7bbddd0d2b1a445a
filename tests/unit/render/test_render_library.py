"""The card library (cards/*.toml): loading, validation, version, and content ↔ decision coverage."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from render_fixtures import CARDS, edit

from app.chart.model import ChartCategory
from app.pathway.model import (
    AtLeast,
    CardValue,
    Contrast,
    Evidence,
    Finding,
    Modality,
    Note,
    OnOrBefore,
    Period,
    Region,
    State,
    Study,
    SuggestionKind,
    Topic,
)
from app.render import CardLibrary, load_card_library
from app.render.pama import CRITERIA_URLS
from app.render.placeholders import placeholders
from app.render.text import fill

PATHWAY = Path(__file__).resolve().parents[3] / "app" / "pathway"
# The realistic values of every placeholder a card may use, worded by cards/labels.toml; the test takes the
# longest words of each (CONTRACT.md C4 with maximal values), so a longer label is held to the limit too.
DAY = date(2025, 12, 31)
STUDIES = [Study(modality, contrast) for modality in (*Modality, None) for contrast in (*Contrast, None)]
# Every category a failed fetch can leave unread. With another patient's records set aside too, the
# data-needed summary would be cut at 139 characters by app/render/text.py (CONTRACT.md C4). The patient
# and its birth date are never both named (the pathway names the birth date only of a Patient it read).
CATEGORIES = frozenset(ChartCategory) - {ChartCategory.OTHER_PATIENT}
UNREAD = [CATEGORIES - {ChartCategory.BIRTH_DATE}, CATEGORIES - {ChartCategory.PATIENT}]
CANDIDATES: dict[str, list[CardValue]] = {
    "region": [*Region, None],
    "target": [Region.CERVICAL, Region.THORACIC, None],
    "study": [Study(modality) for modality in (*Modality, None)],
    "order": list(STUDIES),
    "mri": list(STUDIES),
    "days": [36500, AtLeast(36500), None],
    "day": [36500, AtLeast(36500), None],
    "threshold": [Period(365), Period(364), None],
    "referral_threshold": [Period(365), Period(364)],
    "onset_date": [DAY, OnOrBefore(DAY), None],
    "eligible_date": [DAY, None],
    "xr_date": [DAY, None],
    "prior_date": [DAY],
    "surgery_date": [DAY, None],
    "mri_date": [DAY, *Note, None],
    "pain": [10.0, 9.5],
    "missing": UNREAD,
    "flags_count": [7, None],
    "care_count": [999, None],
    "markers": [(Evidence(Finding.ESR, None, DAY, value=150), Evidence(Finding.CRP, None, DAY, value=480.5))],
    "weakness": [(Evidence(Finding.MUSCLE_STRENGTH, None, DAY, state=State.FELL_MILD, value=4, before=5),)],
}


def maximal(library: CardLibrary) -> dict[str, str]:
    return {
        name: max((library.labels.word(name, value) for value in values), key=len)
        for name, values in CANDIDATES.items()
    }


# (helper, index of its card-content argument) in app/pathway/decide*.py
_CONTENT_ARGUMENT = {"advice": 4, "Advice": 3, "_defer": 2, "_red_flag": 2, "Referral": 1}


def test_the_shipped_library_loads_with_a_version(library: CardLibrary) -> None:
    assert len(library.version) == 16
    assert library.version == load_card_library(CARDS).version


def test_c4_every_summary_under_140_with_maximal_values(library: CardLibrary) -> None:
    longest = maximal(library)
    assert (longest["study"], longest["threshold"]) == ("CT myelography", "365 days")
    for key, content in library.contents.items():
        names = placeholders(content.summary) | (placeholders(content.detail) - {"facts"})
        assert names <= longest.keys(), f"{key}: add a maximal value for {names - longest.keys()}"
        text = fill(content.summary, longest, key)
        assert len(text) < 140, f"{key}: {len(text)} characters"


def _content_keys_in_decide() -> set[str]:
    found = set()
    for path in PATHWAY.glob("decide*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            index = _CONTENT_ARGUMENT.get(node.func.id)
            if index is None or len(node.args) <= index:
                continue
            argument = node.args[index]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
    return found


def test_every_advice_content_key_in_decide_has_a_card_file_and_no_file_is_orphaned(
    library: CardLibrary,
) -> None:
    used = _content_keys_in_decide()
    assert len(used) > 20
    assert used == set(library.contents)


def test_every_topic_has_a_display_and_every_suggestion_kind_a_label(library: CardLibrary) -> None:
    assert set(library.source.topics) == set(Topic)
    assert set(library.suggestions) == set(SuggestionKind)


def test_criteria_urls_of_the_pama_extension_match_the_guideline_links(library: CardLibrary) -> None:
    links = {link.url for link in library.source.guidelines.values()}
    assert set(CRITERIA_URLS.values()) <= links


def test_a_suggestion_kind_without_a_label_is_refused_naming_the_file(cards_copy: Path) -> None:
    edit(cards_copy / "suggestions.toml", "[delete-order]", "[not-a-kind]")
    with pytest.raises(ValueError, match=r"suggestions\.toml.*delete-order"):
        load_card_library(cards_copy)


def test_an_unknown_override_reason_is_refused_naming_the_file(cards_copy: Path) -> None:
    edit(cards_copy / "repeat_imaging.toml", '"outside-imaging"', '"no-such-reason"')
    with pytest.raises(ValueError, match=r"repeat_imaging\.toml.*no-such-reason"):
        load_card_library(cards_copy)


def test_a_required_override_reason_missing_is_refused(cards_copy: Path) -> None:
    edit(cards_copy / "override_reasons.toml", "[candidate]", "[candidate-x]")
    with pytest.raises(ValueError, match=r"override_reasons\.toml.*candidate"):
        load_card_library(cards_copy)


def test_a_placeholder_with_attribute_access_is_refused(cards_copy: Path) -> None:
    edit(cards_copy / "defer_imaging.toml", "{days} days", "{days.real} days")
    with pytest.raises(ValueError, match=r"defer_imaging\.toml.*plain name"):
        load_card_library(cards_copy)


def test_a_non_https_link_is_refused(cards_copy: Path) -> None:
    edit(cards_copy / "source.toml", 'url = "https://www.nice.org.uk', 'url = "http://www.nice.org.uk')
    with pytest.raises(ValueError, match=r"source\.toml.*https"):
        load_card_library(cards_copy)


def test_invalid_toml_is_refused_naming_the_file(cards_copy: Path) -> None:
    (cards_copy / "broken.toml").write_text("summary = ")
    with pytest.raises(ValueError, match=r"broken\.toml"):
        load_card_library(cards_copy)


def test_a_missing_reserved_file_is_refused(cards_copy: Path) -> None:
    (cards_copy / "order_codes.toml").unlink()
    with pytest.raises(ValueError, match=r"order_codes\.toml"):
        load_card_library(cards_copy)


def test_the_version_changes_with_the_content(cards_copy: Path) -> None:
    before = load_card_library(cards_copy).version
    edit(cards_copy / "defer_imaging.toml", "Defer {region}", "Postpone {region}")
    assert load_card_library(cards_copy).version != before


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("source", 'SpineReferral = "Spine specialist referral"\n', "", r"topics: .*: SpineReferral"),
        ("source", 'SpineReferral = "Spine', 'SpineReference = "Spine', r"topics\.SpineReference"),
        ("source", 'fracture_risk = "fracture risk"\n', "", r"red_flags: no words for: fracture_risk"),
        ("source", 'unrated = "**No PAMA', 'unrate = "**No PAMA', r"facts: no words for: unrated"),
        ("source", 'regions = ["cervical"]', 'regions = ["sacral"]', r"guidelines\.acr-cervical\.regions"),
        ("source", 'explain_label = "How this was decided"', 'explain_label = " "', r"explain_label"),
        ("source", 'explain_label = "How this was decided"', "explain_label = 3", r"explain_label: .*string"),
        ("defer_imaging", 'evidence = ["red_flags"', 'evidence = ["red_flag"', r"evidence\.0"),
        ("defer_imaging", 'links = ["acr-lbp"', 'links = ["acr-lbq"', r"links: .*guidelines: acr-lbq"),
        ("defer_imaging", 'topic = "SpineDeferImaging"', 'topic = "SpineDefer"', r"topic: "),
        ("defer_imaging", 'recommended = ["delete-order"', 'recommended = ["delete"', r"recommended"),
        ("defer_imaging", 'topic = "SpineDeferImaging"', 'topic = "SpineDeferImaging"\nsumary = "x"',
         r"sumary: Extra inputs are not permitted"),
        ("defer_imaging", 'summary = "Defer', 'sumary = "Defer', r"summary: Field required"),
        ("suggestions", 'priority = "stat"', 'priority = "now"', r"emergency-spine-referral\.priority"),
        ("suggestions", "[resources.physical_therapy]", "[resources.physio]", r"resources\.physical_therapy"),
        ("suggestions", 'text = "Spine surgery"', "", r"resources\.spine_performer\.text: Field required"),
        ("order_codes", 'contrast = "without_and_with"', 'contrast = "with_without"', r"mri\.1\.contrast"),
        ("order_codes", 'region = "cervical"', 'region = "neck"', r"mri\.2\.region"),
        ("override_reasons", 'display = "Patient preference', 'displayed = "Patient preference',
         r"patient-preference\.display: Field required"),
    ],
)
def test_a_bad_card_file_is_refused_naming_the_file_and_the_field(
    cards_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    """Every check of cards/*.toml (app/render/cardfiles.py): required words, known keys, closed values."""
    edit(cards_copy / f"{file}.toml", old, new)
    with pytest.raises(ValueError, match=rf"{file}\.toml: .*{message}"):
        load_card_library(cards_copy)


def test_every_problem_of_a_file_is_listed_at_once(cards_copy: Path) -> None:
    edit(cards_copy / "defer_imaging.toml", 'topic = "SpineDeferImaging"', 'topic = "SpineDefer"')
    edit(cards_copy / "defer_imaging.toml", 'links = ["acr-lbp"', 'links = ["acr-lbq"')
    with pytest.raises(ValueError, match=r"topic: .*; links: "):
        load_card_library(cards_copy)


def test_the_more_words_must_count_the_items_left_out(cards_copy: Path) -> None:
    edit(cards_copy / "source.toml", 'more = "and {count} more"', 'more = "and others"')
    with pytest.raises(ValueError, match=r"source\.toml: facts: more must use exactly \{count\}"):
        load_card_library(cards_copy)
