"""The shipped data files: every concept other packages code against exists, and says what it holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import app.terminology
from app.terminology import CPT, LOINC, SNOMED, Coding, ValueSets, load_value_sets

DATA = Path(__file__).resolve().parents[3] / "app" / "terminology" / "data"

REQUIRED = {
    # §6.1 qualifying diagnoses (thoracic is our addition)
    "radiculopathy_lumbar",
    "radiculopathy_cervical",
    "radiculopathy_thoracic",
    "back_pain",
    "neck_pain",
    "thoracic_pain",
    # §3 / §6.2 red flags
    "ces",
    "ces_if_new",
    "infection_risk_factor",
    "motor_deficit",
    "myelopathy",
    "abnormal_reflex",
    "gait_disturbance",
    "spinal_infection",
    "ivdu",
    "immunosuppression",
    "long_term_steroids",
    "fever",
    "cancer_active",
    "cancer_history",
    "weight_loss",
    "osteoporosis",
    "vertebral_fracture",
    "prior_spine_surgery",
    # §6.3 observations, §6.4 orders, §6.5/§6.6 conservative care and candidacy
    "body_temperature",
    "pain_score",
    "esr",
    "crp",
    "wbc",
    "spine_imaging",
    "physical_therapy",
    "chiropractic",
    "osteopathic_manipulation",
    "epidural_injection",
    "conservative_medication",
    "spine_specialty",
}

# PATHWAY.md §6.4, by CPT: every cell of the table, and the myelography and nuclear rows.
SECTION_6_4_CPT = {
    "72141": ("cervical", "mri", "without"),
    "72142": ("cervical", "mri", "with"),
    "72156": ("cervical", "mri", "without_and_with"),
    "72125": ("cervical", "ct", "without"),
    "72126": ("cervical", "ct", "with"),
    "72127": ("cervical", "ct", "without_and_with"),
    "72146": ("thoracic", "mri", "without"),
    "72147": ("thoracic", "mri", "with"),
    "72157": ("thoracic", "mri", "without_and_with"),
    "72128": ("thoracic", "ct", "without"),
    "72129": ("thoracic", "ct", "with"),
    "72130": ("thoracic", "ct", "without_and_with"),
    "72148": ("lumbar", "mri", "without"),
    "72149": ("lumbar", "mri", "with"),
    "72158": ("lumbar", "mri", "without_and_with"),
    "72131": ("lumbar", "ct", "without"),
    "72132": ("lumbar", "ct", "with"),
    "72133": ("lumbar", "ct", "without_and_with"),
    "72040": ("cervical", "xr", None),
    "72050": ("cervical", "xr", None),
    "72052": ("cervical", "xr", None),
    "72070": ("thoracic", "xr", None),
    "72072": ("thoracic", "xr", None),
    "72074": ("thoracic", "xr", None),
    "72100": ("lumbar", "xr", None),
    "72110": ("lumbar", "xr", None),
    "72114": ("lumbar", "xr", None),
    "72120": ("lumbar", "xr", None),
    "62302": ("cervical", "myelography", None),
    "62303": ("thoracic", "myelography", None),
    "62304": ("lumbar", "myelography", None),
    "62305": (None, "myelography", None),
    "72240": ("cervical", "myelography", None),
    "72255": ("thoracic", "myelography", None),
    "72265": ("lumbar", "myelography", None),
    "72270": (None, "myelography", None),
    **{
        code: (None, "nuclear", None)
        for code in ["78300", "78305", "78306", "78803", "78830", "78831", "78832", "78815", "78816"]
    },
}
# Seventh pass (the draft order): the rest of the CPT spine radiograph and bone scan/PET families, region
# null (one view at a written level, the thoracolumbar junction, the entire spine; nuclear medicine). Without
# them a cauda equina patient's spine radiograph or PET/CT got no card (docs/pathway-facts.md).
FAMILY_CPT: dict[str, tuple[str | None, str, str | None]] = {
    **{code: (None, "xr", None) for code in ["72020", "72080", "72081", "72082", "72083", "72084"]},
    **{code: (None, "nuclear", None) for code in ["78315", "78811", "78812", "78813", "78814"]},
}


@pytest.fixture(scope="module")
def value_sets() -> ValueSets:
    return load_value_sets()


def test_every_file_loads_and_every_required_concept_exists(value_sets: ValueSets) -> None:
    assert set(value_sets.concepts) >= REQUIRED
    assert len(value_sets.concepts) == len(list(DATA.glob("*.json")))


@pytest.mark.parametrize(("code", "expected"), sorted({**SECTION_6_4_CPT, **FAMILY_CPT}.items()))
def test_section_6_4_cpt_code_is_classified_as_the_table_says(
    value_sets: ValueSets, code: str, expected: tuple[str | None, str, str | None]
) -> None:
    found = value_sets.classify_imaging([Coding(CPT, code)])

    assert found is not None
    assert (found.region, found.modality, found.contrast) == expected


def test_every_file_cites_its_source_and_keeps_the_format() -> None:
    for path in DATA.glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        allowed = {"concept", "title", "source", "note", "text_match", "site_extensible", "codes", "ranges"}
        assert set(doc) <= allowed, path
        assert "PATHWAY.md" in doc["source"] or "addition" in doc["source"], path


def test_only_snomed_codes_are_marked_unverified(value_sets: ValueSets) -> None:
    flagged = {m.coding.system for c in value_sets.concepts for m in value_sets.get(c).members if m.verify}

    assert flagged <= {SNOMED}


def test_red_flag_codes_the_pathway_names_are_members(value_sets: ValueSets) -> None:
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    assert value_sets.contains("ces", Coding(icd, "R33.9"))
    assert value_sets.contains("ces", Coding(icd, "N39.490"))  # overflow incontinence
    assert not value_sets.contains("ces", Coding(icd, "N39.41"))  # urge: never a CES sign alone (v2)
    assert value_sets.contains("motor_deficit", Coding(icd, "M21.372"))
    assert value_sets.contains("spinal_infection", Coding(icd, "M46.46"))
    assert value_sets.contains("spinal_infection", Coding(icd, "M46.5"))  # infective (seventh pass)
    assert not value_sets.contains("spinal_infection", Coding(icd, "M46.8"))  # inflammatory, not infective
    assert value_sets.contains("ivdu", Coding(icd, "F11.20"))
    assert not value_sets.contains("ivdu", Coding(icd, "F10.20"))
    assert value_sets.contains("osteoporosis", Coding(icd, "M81.0"))
    assert value_sets.contains("vertebral_fracture", Coding(icd, "S32.010A"))
    assert value_sets.contains("esr", Coding(LOINC, "4537-7"))


def test_the_public_surface_is_pinned() -> None:
    assert set(app.terminology.__all__) == {
        "CPT",
        "ICD9CM",
        "ICD10CM",
        "IMAGING_CONCEPT",
        "LOINC",
        "NUCC",
        "RXNORM",
        "SNOMED",
        "CodeRange",
        "Coding",
        "Contrast",
        "ImagingCode",
        "Member",
        "Modality",
        "Region",
        "ValueSet",
        "ValueSets",
        "canonical_system",
        "load_value_sets",
        "normalize_code",
    }
