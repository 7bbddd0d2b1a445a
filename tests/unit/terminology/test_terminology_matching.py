"""Membership rules of PATHWAY.md §6: (system, code), ICD-10-CM headers match children, ranges, aliases."""

from __future__ import annotations

import pytest

from app.terminology import (
    CPT,
    ICD10CM,
    LOINC,
    RXNORM,
    SNOMED,
    Coding,
    Member,
    ValueSet,
    ValueSets,
    canonical_system,
    load_value_sets,
)


@pytest.fixture(scope="module")
def value_sets() -> ValueSets:
    return load_value_sets()


def icd(code: str) -> Coding:
    return Coding(ICD10CM, code)


def test_icd_header_matches_its_children_not_its_parent_or_siblings() -> None:
    value_set = ValueSet("degeneration", [Member(icd("M51.36"))])

    assert value_set.contains(icd("M51.361"))
    assert value_set.contains(icd("M51.36"))
    assert not value_set.contains(icd("M51.3"))
    assert not value_set.contains(icd("M51.37"))


def test_low_back_pain_header_m54_5_matches_m54_50(value_sets: ValueSets) -> None:
    assert value_sets.contains("back_pain", icd("M54.50"))
    assert value_sets.contains("back_pain", icd("M54.5"))
    assert not value_sets.contains("back_pain", icd("M54.6"))


def test_lumbar_radiculopathy_excludes_discogenic_back_pain_only(value_sets: ValueSets) -> None:
    assert value_sets.contains("radiculopathy_lumbar", icd("M51.361"))
    assert not value_sets.contains("radiculopathy_lumbar", icd("M51.360"))


@pytest.mark.parametrize("code", ["M5416", "m54.16", " M54.16 ", "M54 .16", "m5416"])
def test_icd_codes_compare_without_dots_case_or_whitespace(value_sets: ValueSets, code: str) -> None:
    assert value_sets.contains("radiculopathy_lumbar", icd(code))


@pytest.mark.parametrize(
    ("concept", "system", "code"),
    [
        ("radiculopathy_lumbar", "http://hl7.org/fhir/sid/icd-10", "M54.16"),
        ("radiculopathy_lumbar", "urn:oid:2.16.840.1.113883.6.90", "M54.16"),
        ("radiculopathy_lumbar", "urn:oid:2.16.840.1.113883.6.96", "23056005"),
        ("spine_imaging", "urn:oid:2.16.840.1.113883.6.12", "72148"),
        ("body_temperature", "urn:oid:2.16.840.1.113883.6.1", "8310-5"),
        ("conservative_medication", "urn:oid:2.16.840.1.113883.6.88", "5640"),
    ],
)
def test_system_aliases_match_the_canonical_system(
    value_sets: ValueSets, concept: str, system: str, code: str
) -> None:
    assert value_sets.contains(concept, Coding(system, code))


@pytest.mark.parametrize(
    ("concept", "system", "code"),
    [
        ("ces", "https://snomed.info/sct", "192970008"),
        ("ces", "http://snomed.info/sct/", "192970008"),
        ("ces", "HTTP://SNOMED.INFO/SCT", "192970008"),
        ("ces", "http://snomed.info/sct/731000124108", "192970008"),  # US edition URI as the system
        ("ces", "http://snomed.info/sct/900000000000207008/version/20240301", "192970008"),
        ("ces", "2.16.840.1.113883.6.96", "192970008"),  # an OID without urn:oid:, as CDA-derived data has
        ("ces", "URN:OID:2.16.840.1.113883.6.96", "192970008"),
        ("ces", "http://hl7.org/fhir/sid/icd-10-cm/", "G83.4"),
        ("ces", "https://hl7.org/fhir/sid/icd-10-cm", "G83.4"),
        ("ces", "urn:oid:2.16.840.1.113883.6.3", "G83.4"),  # ICD-10 (WHO) by OID, as by its URI
        ("spine_imaging", "https://www.ama-assn.org/go/cpt", "72148"),
        ("body_temperature", "https://loinc.org/", "8310-5"),
        ("conservative_medication", "2.16.840.1.113883.6.88", "5640"),
    ],
)
def test_a_known_system_written_loosely_is_the_same_system(
    value_sets: ValueSets, concept: str, system: str, code: str
) -> None:
    """An export that spells SNOMED CT https://…, with a trailing slash or as its edition URI still
    codes a cauda equina syndrome (PATHWAY.md §6: membership is on system and code)."""
    assert value_sets.contains(concept, Coding(system, code))


@pytest.mark.parametrize("system", ["urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "http://example.org/codes",
                                    "http://snomed.info/sctx", "http://snomed.info/sct/edition",
                                    "SNOMED CT Local", "EPIC", "LOCAL"])
def test_a_site_system_is_not_folded_into_a_known_one(system: str) -> None:
    assert canonical_system(system) == system


def test_unknown_system_never_matches(value_sets: ValueSets) -> None:
    assert not value_sets.contains("radiculopathy_lumbar", Coding("http://example.org/codes", "M54.16"))
    assert not value_sets.contains("radiculopathy_lumbar", Coding(SNOMED, "M54.16"))


@pytest.mark.parametrize(
    ("code", "member"),
    [
        ("C50.9", True),
        ("C00", True),
        ("C96.4", True),
        ("C7A.00", True),
        ("C97", True),  # ICD-10 (WHO) multiple independent primary sites: no ICD-10-CM code shares it
        ("C98", False),
        ("D00", False),
        ("D00.0", False),
        ("B99", False),
        ("C5", False),
    ],
)
def test_ranges_compare_the_three_character_category(value_sets: ValueSets, code: str, member: bool) -> None:
    assert value_sets.contains("cancer_active", icd(code)) is member


def test_snomed_and_cpt_codes_match_exactly_not_by_prefix(value_sets: ValueSets) -> None:
    assert value_sets.contains("ces", Coding(SNOMED, " 192970008 "))
    assert not value_sets.contains("ces", Coding(SNOMED, "1929700081"))
    assert not value_sets.contains("ces", Coding(SNOMED, "19297000"))
    assert not value_sets.contains("spine_imaging", Coding(CPT, "7214"))
    assert not value_sets.contains("spine_imaging", Coding(CPT, "721480"))


def test_match_returns_the_first_member_coding_in_order(value_sets: ValueSets) -> None:
    first, second = Coding(LOINC, "8310-5", "first"), icd("R50.9")
    codings = [Coding(SNOMED, "22253000"), first, second]

    assert value_sets.match("body_temperature", codings) is first
    assert value_sets.match("fever", codings) is second
    assert value_sets.match("ces", codings) is None


def test_attributes_come_from_the_most_specific_header() -> None:
    value_set = ValueSet(
        "nested",
        [Member(icd("M51.3"), {"level": "category"}), Member(icd("M51.36"), {"level": "subcategory"})],
    )

    assert value_set.attributes(icd("M51.361")) == {"level": "subcategory"}
    assert value_set.attributes(icd("M51.34")) == {"level": "category"}


def test_attributes_of_a_non_member_is_a_key_error(value_sets: ValueSets) -> None:
    with pytest.raises(KeyError, match="not in value set 'spine_imaging'"):
        value_sets.get("spine_imaging").attributes(Coding(CPT, "70551"))


def test_a_range_member_has_no_attributes(value_sets: ValueSets) -> None:
    assert value_sets.get("cancer_active").attributes(icd("C50.911")) == {}


def test_unknown_concept_is_a_key_error_naming_it_and_the_known_ones(value_sets: ValueSets) -> None:
    with pytest.raises(KeyError, match=r"unknown value set 'sciatica'.*known: .*radiculopathy_lumbar"):
        value_sets.get("sciatica")
    with pytest.raises(KeyError, match="sciatica"):
        value_sets.contains("sciatica", icd("M54.30"))


def test_rxnorm_ingredient_code_matches_exactly(value_sets: ValueSets) -> None:
    assert value_sets.contains("conservative_medication", Coding(RXNORM, "5640"))
    assert not value_sets.contains("conservative_medication", Coding(RXNORM, "197806"))
