"""`classify_imaging`: region, modality and contrast of a spine imaging order (PATHWAY.md §1, §6.4)."""

from __future__ import annotations

import pytest

from app.terminology import CPT, LOINC, SNOMED, Coding, ImagingCode, ValueSets, load_value_sets


@pytest.fixture(scope="module")
def value_sets() -> ValueSets:
    return load_value_sets()


@pytest.mark.parametrize(
    ("system", "code", "region", "modality", "contrast"),
    [
        (CPT, "72148", "lumbar", "mri", "without"),
        (LOINC, "24967-2", "lumbar", "mri", "without_and_with"),
        (SNOMED, "41333006", "lumbar", "mri", "with"),
        (CPT, "72100", "lumbar", "xr", None),
        (CPT, "78300", None, "nuclear", None),
        (CPT, "72141", "cervical", "mri", "without"),
        (CPT, "72157", "thoracic", "mri", "without_and_with"),
        (CPT, "72131", "lumbar", "ct", "without"),
        (CPT, "62302", "cervical", "myelography", None),
        (CPT, "62305", None, "myelography", None),
        (CPT, "72265", "lumbar", "myelography", None),
        (SNOMED, "241592002", "lumbar", "ct_myelography", None),
        (LOINC, "24968-0", "lumbar", "mri", None),
        (SNOMED, "241645008", None, "mri", None),
    ],
)
def test_spine_imaging_code_is_classified(
    value_sets: ValueSets, system: str, code: str, region: str | None, modality: str, contrast: str | None
) -> None:
    coding = Coding(system, code)

    assert value_sets.classify_imaging([coding]) == ImagingCode(region, modality, contrast, coding)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "codings",
    [[Coding(CPT, "70551")], [Coding(LOINC, "8310-5")], [Coding(SNOMED, "72148")], []],
)
def test_a_non_spine_order_is_not_classified(value_sets: ValueSets, codings: list[Coding]) -> None:
    assert value_sets.classify_imaging(codings) is None


def test_the_coding_that_says_most_wins(value_sets: ValueSets) -> None:
    generic, specific = Coding(LOINC, "24968-0"), Coding(CPT, "72148")

    found = value_sets.classify_imaging([Coding(CPT, "70551"), generic, specific])

    assert found is not None
    assert found.coding is specific
    assert found.contrast == "without"


def test_ties_go_to_the_first_coding(value_sets: ValueSets) -> None:
    cpt, loinc = Coding(CPT, "72148"), Coding(LOINC, "30679-5")

    found = value_sets.classify_imaging([loinc, cpt])

    assert found is not None
    assert found.coding is loinc

