"""Draft orders named only in words that the order reader misread (PATHWAY.md §1, §6.4, R13-R17;
app/terminology/imaging_text.py; docs/pathway-facts.md "Eleventh pass: fracture risk, trauma and age"):
a "without gadolinium" read as without-and-with (a spurious R17), a PET/CT read as a CT (R13 instead of R15),
a lumbar spine studied with the sacrum not ours (a cauda equina patient without a card), and catalogue
abbreviations ("DX L-SPINE", "L-SPINE 2V", "MRI LSP WO") not read at all."""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_order, radiculopathy

from app.pathway.model import Indicator, Region
from app.terminology import ICD10CM
from app.terminology.imaging_text import imaging_from_text
from app.terminology.valuesets import Contrast, Modality


def named(name: str) -> dict[str, Any]:
    """A draft order under a site's local procedure code, its name the only thing that says what it is."""
    coding = {"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580", "code": "IMG9", "display": name}
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": {"coding": [coding], "text": name}, "authoredOn": "2026-03-11"}


CES = {"resourceType": "Condition", "id": "ces", "code": coded(ICD10CM, "G83.4"),
       "onsetDateTime": "2026-03-10"}


@pytest.mark.parametrize("name", ["MRI LUMBAR SPINE WITHOUT GADOLINIUM", "MRI L-SPINE W/O GAD",
                                  "MRI LUMBAR SPINE NON-ENHANCED"])
def test_r17_an_mri_named_without_its_contrast_agent_is_without_contrast(name: str) -> None:
    """The agent's name after "without" was read as "with" too: without-and-with, and R17 "contrast not
    needed" with a swap suggestion on an order that has none."""
    decision = decide_order(named(name), radiculopathy())

    assert decision.order is not None and decision.order.contrast is Contrast.WITHOUT
    assert decision.rules == ("R1",)


@pytest.mark.parametrize("name", ["PET CT SPINE", "NM SPECT CT LUMBAR SPINE"])
def test_r15_a_pet_or_spect_ct_is_a_nuclear_study_not_a_ct(name: str) -> None:
    """Read as a CT it got R13 "order MRI instead of CT" rather than R15 "not part of the work-up"."""
    decision = decide_order(named(name), radiculopathy())

    assert decision.order is not None and decision.order.modality is Modality.NUCLEAR
    assert "R15" in decision.rules and "R13" not in decision.rules


@pytest.mark.parametrize("name", ["MRI LUMBAR SPINE AND SACRUM WO", "MRI L-SPINE/SI JOINTS WO"])
def test_r5_a_lumbar_spine_studied_with_the_sacrum_is_a_lumbar_study(name: str) -> None:
    """The sacrum beside the spine made the order "another body part": not ours, no card for a cauda
    equina syndrome."""
    decision = decide_order(named(name), radiculopathy(), CES)

    assert decision.rules[0] == "R5"
    assert decision.advices[0].indicator is Indicator.CRITICAL
    assert decision.facts.region is Region.LUMBAR


@pytest.mark.parametrize(("name", "expected"), [
    ("DX L-SPINE", (Region.LUMBAR, Modality.XR, None)),  # the DICOM modality a catalogue puts first
    ("CR LUMBAR SPINE", (Region.LUMBAR, Modality.XR, None)),
    ("L-SPINE 2V", (Region.LUMBAR, Modality.XR, None)),
    ("XR L-SPINE 2-3V", (Region.LUMBAR, Modality.XR, None)),
    ("LUMBAR SPINE SERIES", (Region.LUMBAR, Modality.XR, None)),
    ("MRI LSP WO", (Region.LUMBAR, Modality.MRI, Contrast.WITHOUT)),
    ("MRI C SP W/O", (Region.CERVICAL, Modality.MRI, Contrast.WITHOUT)),
    ("MRI LOW BACK", (Region.LUMBAR, Modality.MRI, None)),
    ("MRI LUMBAR SPINE W/CNTRST", (Region.LUMBAR, Modality.MRI, Contrast.WITH)),
    ("XR SCOLIOSIS SURVEY", (None, Modality.XR, None)),  # an entire spine: no one region
    ("MRI T/L SPINE W/O", (None, Modality.MRI, Contrast.WITHOUT)),  # two regions: the diagnoses decide
    ("CT LSPINE WO", (Region.LUMBAR, Modality.CT, Contrast.WITHOUT)),
    ("MRI SACRUM WO", None),  # the sacrum alone is not the spine of §1
    ("XR SACRUM AND COCCYX", None),
    ("PT EVAL LUMBAR SPINE DX M54.16", None),  # "dx" inside a name is a diagnosis, not a radiograph
    ("MRI LUMBAR SPINE WITH GADOLINIUM", (Region.LUMBAR, Modality.MRI, Contrast.WITH)),
])
def test_what_a_catalogue_name_says(name: str, expected: object) -> None:
    assert imaging_from_text([name]) == expected
