"""ICD-9-CM red-flag codes and exact ICD entries (docs/pathway-facts.md "Ninth pass: terminology").

Legacy problem lists still carry ICD-9-CM (344.61 cauda equina syndrome, V10.3 history of breast cancer), and
WHO ICD-10 codes are read under the ICD-10-CM system, whose header of the same name may take in children of
another meaning (WHO Z85.8 against ICD-10-CM Z85.828). A red flag found is never a defer (PATHWAY.md §2, §3),
so both are read — ICD-9-CM only in the red-flag value sets, never for scope (PATHWAY.md §6.1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.terminology import ICD9CM, ICD10CM, Coding, ValueSets, canonical_system, load_value_sets

WHO = "http://hl7.org/fhir/sid/icd-10"
ICD9_SPELLINGS = [
    ICD9CM,
    "urn:oid:2.16.840.1.113883.6.103",  # HL7's OID of ICD-9-CM diagnoses
    "2.16.840.1.113883.6.103",
    "urn:oid:2.16.840.1.113883.6.2",  # ICD-9-CM as a whole, as C-CDA translations send diagnoses
    "http://hl7.org/fhir/sid/icd-9-cm/diagnosis",  # claims exports (CMS Blue Button)
    "http://terminology.hl7.org/CodeSystem/icd9cm",
    "http://hl7.org/fhir/sid/icd-9",  # FHIR DSTU2/STU3 examples (a ProcedureRequest's reason V173)
    "HTTPS://hl7.org/fhir/sid/icd-9-cm/",
]
SCOPE_CONCEPTS = [
    "radiculopathy_lumbar", "radiculopathy_cervical", "radiculopathy_thoracic", "back_pain", "neck_pain",
    "thoracic_pain",
]


@pytest.fixture(scope="module")
def value_sets() -> ValueSets:
    return load_value_sets()


@pytest.mark.parametrize("system", ICD9_SPELLINGS)
def test_every_spelling_of_icd9cm_diagnoses_is_one_system(system: str) -> None:
    assert canonical_system(system) == ICD9CM


def test_icd9cm_procedure_codes_are_not_read_as_diagnoses(value_sets: ValueSets) -> None:
    """OID .6.104 is ICD-9-CM *procedures*: undotted, 14.01 (an eye operation) would be category 140."""
    assert canonical_system("urn:oid:2.16.840.1.113883.6.104") != ICD9CM
    assert not value_sets.contains("cancer_active", Coding("urn:oid:2.16.840.1.113883.6.104", "14.01"))


@pytest.mark.parametrize(("concept", "code"), [
    ("ces", "344.61"),  # §3 CES: cauda equina syndrome with neurogenic bladder (G83.4)
    ("ces", "34460"),  # undotted, as claims write it
    ("ces", "788.20"),  # retention of urine (R33.9)
    ("ces", "788.38"),  # overflow incontinence (N39.490)
    ("ces", "787.60"),  # full incontinence of feces (R15.9)
    ("ces", "344.1"),  # paraplegia: leg weakness (G82.2x)
    ("ces_if_new", "788.30"),  # unspecified incontinence (R32): only when new
    ("motor_deficit", "344.1"),
    ("motor_deficit", "344.31"),  # monoplegia of lower limb (G83.1x)
    ("spinal_infection", "730.08"),  # acute osteomyelitis, other specified sites: the vertebra's code
    ("spinal_infection", "324.1"),  # intraspinal abscess (G06.1)
    ("spinal_infection", "015.02"),  # tuberculosis of vertebral column (A18.01)
    ("immunosuppression", "042"),  # HIV disease (B20)
    ("immunosuppression", "V08"),  # asymptomatic HIV infection status (Z21)
    ("immunosuppression", "V42.0"),  # kidney transplant status (Z94.0)
    ("ivdu", "304.01"),  # opioid dependence, continuous (F11.2x)
    ("ivdu", "305.63"),  # cocaine abuse in remission (F14.1x)
    ("cancer_active", "198.5"),  # secondary malignant neoplasm of bone (C79.51)
    ("cancer_active", "203.00"),  # multiple myeloma (C90.00)
    ("cancer_active", "174.9"),  # breast
    ("cancer_active", "172.5"),  # melanoma of the trunk stays in, as C43
    ("cancer_active", "209.31"),  # Merkel cell carcinoma (C4A)
    ("neoplasm_uncertain", "238.6"),  # plasma cells (D47.Z9)
    ("cancer_history", "V10.3"),  # history of breast cancer (Z85.3)
    ("cancer_history", "V10.82"),  # history of melanoma (Z85.820)
])
def test_an_icd9cm_red_flag_code_is_a_member(value_sets: ValueSets, concept: str, code: str) -> None:
    assert value_sets.contains(concept, Coding(ICD9CM, code))


@pytest.mark.parametrize(("concept", "code"), [
    ("ces", "788.31"),  # urge incontinence: never CES alone (CODES.md §1f, recommendation 5)
    ("ces", "788.32"),  # stress incontinence, male
    ("ces_if_new", "625.6"),  # stress incontinence, female
    ("ces", "788.35"),  # post-void dribbling
    ("cancer_active", "173.31"),  # basal cell carcinoma of skin (§3: never non-melanoma skin cancer)
    ("cancer_active", "209.40"),  # benign carcinoid tumour
    ("cancer_active", "217"),  # benign neoplasm of breast
    ("cancer_history", "V10.83"),  # history of other malignant neoplasm of skin (Z85.828)
    ("cancer_history", "V16.3"),  # family history of breast cancer (§3: never family history)
    ("neoplasm_uncertain", "237.71"),  # neurofibromatosis type 1
    ("ivdu", "305.00"),  # alcohol abuse
    ("ivdu", "304.50"),  # hallucinogen dependence (F16 is not listed)
    ("immunosuppression", "279.51"),  # graft-versus-host disease
    ("spinal_infection", "730.38"),  # periostitis without osteomyelitis
])
def test_an_icd9cm_code_of_another_meaning_is_not_a_member(
    value_sets: ValueSets, concept: str, code: str
) -> None:
    assert not value_sets.contains(concept, Coding(ICD9CM, code))


def test_icd9cm_never_qualifies_an_order(value_sets: ValueSets) -> None:
    """Scope stays as PATHWAY.md §6.1 writes it: no qualifying value set lists an ICD-9-CM code."""
    for concept in SCOPE_CONCEPTS:
        assert all(m.coding.system != ICD9CM for m in value_sets.get(concept).members), concept
        assert all(r.system != ICD9CM for r in value_sets.get(concept).ranges), concept
    assert not value_sets.contains("radiculopathy_lumbar", Coding(ICD9CM, "724.4"))


@pytest.mark.parametrize(("system", "code"), [(ICD9CM, "C50.9"), (ICD10CM, "174"), (ICD10CM, "198.5")])
def test_a_range_covers_codes_of_its_own_system_only(value_sets: ValueSets, system: str, code: str) -> None:
    assert not value_sets.contains("cancer_active", Coding(system, code))


@pytest.mark.parametrize(("concept", "member", "children"), [
    # WHO Z85.8: a history of cancer of "other organs"; ICD-10-CM's Z85.828 is non-melanoma skin cancer.
    ("cancer_history", "Z85.8", ["Z85.828"]),
    # WHO N39.4: other specified incontinence (overflow with reflex and urge); ICD-10-CM's N39.41 is urge.
    ("ces_if_new", "N39.4", ["N39.41", "N39.43", "N39.44", "N39.46"]),
    # WHO Z79.5: long-term steroids; ICD-10-CM's Z79.51 is inhaled steroids.
    ("long_term_steroids", "Z79.5", ["Z79.51"]),
])
def test_an_exact_entry_matches_itself_and_never_its_children(
    value_sets: ValueSets, concept: str, member: str, children: list[str]
) -> None:
    for system in (WHO, ICD10CM, "urn:oid:2.16.840.1.113883.6.3"):
        for spelling in (member, member.replace(".", ""), f" {member.lower()} ", f"{member}."):
            assert value_sets.contains(concept, Coding(system, spelling)), (system, spelling)
        for child in children:
            assert not value_sets.contains(concept, Coding(system, child)), (system, child)


def test_an_exact_entry_leaves_the_longer_headers_beside_it_working(value_sets: ValueSets) -> None:
    """Z85.8 exact sits beside the headers Z85.81 and Z85.89: their children still match."""
    assert value_sets.contains("cancer_history", Coding(ICD10CM, "Z85.810"))
    assert value_sets.contains("cancer_history", Coding(ICD10CM, "Z85.89"))
    assert value_sets.get("cancer_history").member(Coding(WHO, "Z858")).exact  # type: ignore[union-attr]


def _file(tmp_path: Path, codes: list[dict[str, Any]]) -> Path:
    doc = {"concept": "demo", "title": "Demo", "source": "PATHWAY.md §3", "codes": codes}
    (tmp_path / "demo.json").write_text(json.dumps(doc), encoding="utf-8")
    return tmp_path


def test_only_an_icd_code_can_be_marked_exact(tmp_path: Path) -> None:
    code = {"system": "http://snomed.info/sct", "code": "192970008", "display": "CES", "exact": True}

    with pytest.raises(ValueError, match="only ICD codes are marked exact"):
        load_value_sets(_file(tmp_path, [code]))


def test_an_icd9cm_header_is_at_least_a_category(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too short"):
        load_value_sets(_file(tmp_path, [{"system": ICD9CM, "code": "34", "display": "too short"}]))
