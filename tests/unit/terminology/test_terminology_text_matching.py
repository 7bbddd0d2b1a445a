"""`match_text`: medication products named in free text match their §6.6 ingredient (PATHWAY.md §2)."""

from __future__ import annotations

import pytest

from app.terminology import RXNORM, Coding, ValueSets, load_value_sets


@pytest.fixture(scope="module")
def value_sets() -> ValueSets:
    return load_value_sets()


@pytest.mark.parametrize(
    ("text", "code", "ingredient"),
    [
        ("Ibuprofen 600 MG Oral Tablet", "5640", "ibuprofen"),
        ("Gabapentin 300 MG", "25480", "gabapentin"),
        ("Naproxen sodium 220 MG Oral Tablet", "7258", "naproxen"),
        ("methylPREDNISolone 4 MG Oral Tablet", "6902", "methylprednisolone"),
        ("predniSONE 20 MG Oral Tablet", "8640", "prednisone"),
        ("Acetaminophen 325 MG / Hydrocodone Bitartrate 5 MG Oral Tablet", "161", "acetaminophen"),
        # a brand name alone (a patient-reported "Aleve") is conservative care all the same (PATHWAY.md §2)
        ("Flexeril 10 mg tablet", "21949", "cyclobenzaprine"),
        ("ALEVE", "7258", "naproxen"),
        ("Advil Liqui-Gels", "5640", "ibuprofen"),
        ("Medrol Dosepak", "6902", "methylprednisolone"),
        ("Neurontin 300", "25480", "gabapentin"),
    ],
)
def test_product_or_brand_text_matches_its_ingredient(
    value_sets: ValueSets, text: str, code: str, ingredient: str
) -> None:
    assert value_sets.match_text("conservative_medication", text) == Coding(RXNORM, code, ingredient)


@pytest.mark.parametrize("text", ["ibuprofenol", "Xibuprofen 200 MG", "Oxycodone 5 MG Oral Tablet", ""])
def test_text_without_a_whole_word_ingredient_does_not_match(value_sets: ValueSets, text: str) -> None:
    assert value_sets.match_text("conservative_medication", text) is None


def test_the_medication_class_is_an_attribute(value_sets: ValueSets) -> None:
    medications = value_sets.get("conservative_medication")
    ibuprofen = value_sets.match_text("conservative_medication", "Ibuprofen 600 MG Oral Tablet")

    assert ibuprofen is not None
    assert medications.attributes(ibuprofen) == {"class": "nsaid"}


def test_text_matching_is_refused_where_the_file_does_not_allow_it(value_sets: ValueSets) -> None:
    with pytest.raises(ValueError, match="text_match"):
        value_sets.match_text("radiculopathy_lumbar", "sciatica")
