"""A draft order named only in words, as EHRs send it (PATHWAY.md §1, §6.4; app/terminology/imaging_text.py).

An Epic EAP code, an Oracle Health orderable or a bare ``code.text`` named a spine study no coding of which
is in ``spine_imaging``: the order was "not ours", and a cauda equina patient's MRI got no card at all. The
name is read only when no coding is a member, and only when it names a modality and the spine.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from app.fhir.parse import parse_service_request
from app.pathway.facts import classify_order
from app.pathway.model import Contrast, Modality, Region
from app.terminology import CPT, Coding, ValueSets

TODAY = date(2026, 3, 1)
EPIC_EAP = "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580"
CERNER_200 = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/200"


def draft(code: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "ord-1", "status": "draft", "intent": "order",
            "subject": {"reference": "Patient/p1"}, "code": code}


def local(system: str, code: str, name: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": name}], "text": name}


def read(vs: ValueSets, code: dict[str, Any]) -> tuple[Region | None, Modality, Contrast | None] | None:
    facts = classify_order(parse_service_request(draft(code)), TODAY, vs)
    return None if facts is None else (facts.region, facts.modality, facts.contrast)


L, C, T = Region.LUMBAR, Region.CERVICAL, Region.THORACIC
WO, W, WOW = Contrast.WITHOUT, Contrast.WITH, Contrast.WITHOUT_AND_WITH


@pytest.mark.parametrize(("code", "expected"), [
    (local(EPIC_EAP, "IMG1234", "MRI LUMBAR SPINE WO CONTRAST"), (L, Modality.MRI, WO)),
    (local(CERNER_200, "2780598", "MRI Spine Lumbar w/o Contrast"), (L, Modality.MRI, WO)),
    ({"text": "MRI L-SPINE W/WO CONTRAST"}, (L, Modality.MRI, WOW)),  # R17
    ({"text": "MRI lumbar spine with and without contrast"}, (L, Modality.MRI, WOW)),
    ({"text": "MRI C-SPINE W CONTRAST"}, (C, Modality.MRI, W)),  # R16
    ({"text": "MRI THORACIC SPINE W WO CONTRAST"}, (T, Modality.MRI, WOW)),
    ({"text": "CT C-Spine without contrast"}, (C, Modality.CT, WO)),  # R13
    ({"text": "XR LUMBAR SPINE 2-3 VIEWS"}, (L, Modality.XR, None)),
    ({"text": "DX SPINE LUMBAR 2 OR 3 VIEWS"}, (L, Modality.XR, None)),
    ({"text": "CT myelogram lumbar"}, (L, Modality.CT_MYELOGRAPHY, None)),  # R14, not R13
    ({"text": "Myelogram cervical"}, (C, Modality.MYELOGRAPHY, None)),
    ({"text": "MRI WHOLE SPINE WO CONTRAST"}, (None, Modality.MRI, WO)),  # every region: the diagnoses'
    ({"text": "XR THORACOLUMBAR SPINE"}, (None, Modality.XR, None)),  # two regions name none
    ({"text": "MRI lumbar spine with sedation"}, (L, Modality.MRI, None)),  # says nothing of contrast
    ({"coding": [{"code": "72148", "display": "MRI LUMBAR SPINE WO CONTRAST"}]}, (L, Modality.MRI, WO)),
])
def test_an_order_named_only_in_words_is_read_from_its_name(vs, code, expected):
    assert read(vs, code) == expected


@pytest.mark.parametrize("name", [
    "Lumbar puncture",  # "lumbar" without a study of the spine
    "MRI brain WO contrast",  # a study, not of the spine
    "CT HEAD AND C-SPINE WO CONTRAST",  # trauma protocol beside the spine
    "CT chest abdomen pelvis with spine reformats",
    "FL guided lumbar epidural steroid injection",  # done under imaging
    "Injection, lumbar spine facet, CT guided",
    "CT guided biopsy spine",
    "MRA spinal canal",
    "NM bone scan whole body",  # no spine named (the coded 78306 is read by code)
    "PT evaluation lumbar spine",
    "Referral to spine surgery, dx lumbar radiculopathy",  # a referral is no study ("dx" is no radiograph)
    "Spine clinic consult",
    "Outside MRI lumbar spine second opinion read",  # the reading of a study done elsewhere
    "IMG1234",
])
def test_a_name_that_is_not_a_spine_study_is_not_ours(vs, name):
    assert read(vs, local(EPIC_EAP, "X1", name)) is None
    assert read(vs, {"text": name}) is None


def test_a_member_coding_wins_over_the_name(vs):
    """The name is read only when no coding is a member: CPT 72141 (cervical) beside a lumbar name is read
    as the CPT code says (docs/pathway-facts.md, Seventh pass: codings that disagree)."""
    code = {"coding": [{"system": CPT, "code": "72141"}], "text": "MRI LUMBAR SPINE WO CONTRAST"}
    assert read(vs, code) == (C, Modality.MRI, WO)


@pytest.mark.parametrize("system", [
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "urn:oid:2.16.840.1.113883.6.14",  # HCPCS, all levels
    "urn:oid:2.16.840.1.113883.6.285",  # HCPCS Level II URI's OID, used for Level I codes by claims exports
    "2.16.840.1.113883.6.12",  # CPT's OID without urn:oid:
])
def test_a_cpt_code_under_an_hcpcs_system_is_read_as_cpt(vs, system):
    """HCPCS Level I is CPT: 72148 under the HCPCS URI was not ours (a cauda equina MRI without a card)."""
    assert read(vs, {"coding": [{"system": system, "code": "72148"}]}) == (L, Modality.MRI, WO)


SCT = "http://snomed.info/sct"


@pytest.mark.parametrize(("code", "expected"), [
    ("433141005", (L, Modality.MRI, None)),  # MRI of lumbar and sacral spine
    ("433140006", (L, Modality.MRI, W)),  # R16
    ("726546000", (L, Modality.MRI, None)),  # MRI of lumbar spine and sacroiliac joint
    ("411611000119102", (None, Modality.MRI, WO)),  # whole spine: the diagnoses give the region
    ("495741000119105", (None, Modality.MRI, W)),
    ("411571000119106", (None, Modality.MRI, WO)),  # thoracic and lumbar: two regions name none
    ("431985004", (None, Modality.MRI, W)),
    ("711224009", (L, Modality.CT, None)),  # R13
    ("429875006", (None, Modality.CT, None)),
    ("1290640000", (None, Modality.XR, None)),
    ("1367647005", (None, Modality.XR, None)),
    ("444634007", (None, Modality.XR, None)),
])
def test_snomed_spine_studies_of_the_published_imaging_value_set_are_ours(vs, code, expected):
    """PATHWAY.md §6.4 lists one SNOMED CT code per cell; an Oracle Health or European export orders by the
    lumbosacral, thoracolumbar or whole-spine concept, which was not ours (no card for cauda equina)."""
    assert read(vs, {"coding": [{"system": SCT, "code": code}]}) == expected


MRI_OF_SPINE = {"system": SCT, "code": "241645008", "display": "Magnetic resonance imaging of spine"}
LUMBAR_SITE = [{"coding": [{"system": SCT, "code": "122496007"}]}]


def read_order(vs: ValueSets, **fields: Any) -> tuple[Region | None, Modality, Contrast | None] | None:
    facts = classify_order(parse_service_request(draft(fields.pop("code")) | fields), TODAY, vs)
    return None if facts is None else (facts.region, facts.modality, facts.contrast)


@pytest.mark.parametrize(("fields", "expected"), [
    # the generic code's name says what the code does not
    ({"code": {"coding": [MRI_OF_SPINE], "text": "MRI LUMBAR SPINE W WO CONTRAST"}},
     (L, Modality.MRI, WOW)),
    # orderDetail says the contrast (R16 "with contrast only"), bodySite the region
    ({"code": {"coding": [MRI_OF_SPINE]}, "bodySite": LUMBAR_SITE,
      "orderDetail": [{"text": "With IV contrast"}]}, (L, Modality.MRI, W)),
    ({"code": {"coding": [MRI_OF_SPINE]},
      "orderDetail": [{"coding": [{"system": "urn:oid:1.2.3", "code": "C2", "display": "W/WO contrast"}]}]},
     (None, Modality.MRI, WOW)),
    # the bodySite (structured) is read before the name
    ({"code": {"coding": [MRI_OF_SPINE], "text": "MRI CERVICAL SPINE"}, "bodySite": LUMBAR_SITE},
     (L, Modality.MRI, None)),
    # a name of another modality says nothing about this code
    ({"code": {"coding": [MRI_OF_SPINE], "text": "CT LUMBAR SPINE W CONTRAST"}},
     (None, Modality.MRI, None)),
    # a code that says the contrast is not overruled by orderDetail
    ({"code": {"coding": [{"system": CPT, "code": "72148"}]}, "orderDetail": [{"text": "with contrast"}]},
     (L, Modality.MRI, WO)),
    # a text-only order takes its region from its bodySite when its name has none
    ({"code": {"text": "MRI SPINE"}, "bodySite": LUMBAR_SITE}, (L, Modality.MRI, None)),
    # contrast means nothing for radiographs
    ({"code": {"text": "XR LUMBAR SPINE"}, "orderDetail": [{"text": "with contrast"}]},
     (L, Modality.XR, None)),
])
def test_what_a_generic_code_does_not_say_is_read_from_the_orders_other_parts(vs, fields, expected):
    """PATHWAY.md §6.4 R16/R17: an "MRI of spine" ordered with contrast in orderDetail or in its name
    had no contrast, so neither rule fired (docs/pathway-facts.md, sixth pass, left)."""
    assert read_order(vs, **fields) == expected


@pytest.mark.parametrize(("code", "expected"), [
    ("72148-26", (L, Modality.MRI, WO)),  # the professional component (the reading)
    ("72148 TC", (L, Modality.MRI, WO)),
    ("72131-26-59", (L, Modality.CT, WO)),
])
def test_a_cpt_code_with_its_modifiers_written_into_it_is_the_same_study(vs, code, expected):
    """A billing modifier written into the code left a cauda equina MRI without a card (pathway-facts, third
    pass, left)."""
    assert read(vs, {"coding": [{"system": CPT, "code": code}]}) == expected


@pytest.mark.parametrize("code", ["7214826", "72148-2", "72148-ABC", "72148x"])
def test_a_code_that_is_not_cpt_with_modifiers_is_not_guessed(vs, code):
    assert read(vs, {"coding": [{"system": CPT, "code": code}]}) is None


def test_a_loinc_named_intrathecal_contrast_ct_is_ct_myelography(vs):
    """R14, not R13: LOINC names CT myelography "CT Lumbar spine W contrast IT"."""
    assert read(vs, {"text": "CT Lumbar spine W contrast IT"}) == (L, Modality.CT_MYELOGRAPHY, None)


def test_a_cpt_modifier_is_read_the_same_everywhere_cpt_is_read(vs):
    """One reader (``normalize_code``): physical therapy billed under a therapy plan (97110-GP) is physical
    therapy (PATHWAY.md §6.5)."""
    assert vs.contains("physical_therapy", Coding(CPT, "97110-GP"))
