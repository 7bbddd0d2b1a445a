"""The modality rules (PATHWAY.md R13-R17) on charts written as EHR exports record a contraindication to MRI
or an OPLL, parsed as the hooks parse them (docs/pathway-facts.md "Eighth pass: the modality rules").

``raw_decision.decide_order`` decides a raw draft order for a 40-year-old man on 2026-03-11. Each shape below
once got R13's "prefer MRI to CT" with a one-click MRI and a not-appropriate rating (or R14's), whatever the
chart said about a pacemaker, a cochlear implant or an OPLL.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_order, radiculopathy

from app.pathway.model import Rating, SuggestionKind
from app.terminology import CPT, ICD10CM, SNOMED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
LOINC = "http://loinc.org"


def draft(code: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
            "code": coded(CPT, code), "subject": {"reference": "Patient/p"}, **fields}


def condition(code: str, system: str = ICD10CM, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "device", "code": coded(system, code),
            "recordedDate": "2021-05-02", **fields}


CT_LUMBAR, CT_CERVICAL = "72131", "72125"
# Lumbar radiculopathy for 69 days: R3a (no care recorded) decides the rating; R13 adds its card.
LONG = radiculopathy("2026-01-01")


@pytest.mark.parametrize("resource", [
    condition("Z95.0"),  # presence of cardiac pacemaker
    condition("Z95.810"),  # automatic implantable cardiac defibrillator
    condition("Z45.010"),  # pacemaker check, as an encounter diagnosis
    condition("Z45.02"),
    condition("Z96.21"),  # cochlear implant status
    condition("Z96.82"),  # neurostimulator
    condition("Z45.42"),
    condition("Z18.11"),  # retained magnetic metal fragments
    condition("H44.611"),  # retained old magnetic intraocular foreign body
    condition("441509002", SNOMED),  # cardiac pacemaker in situ (SNOMED CT problem list)
    condition("Z95.0", clinicalStatus=coded(CLINICAL, "resolved")),  # a tidied problem list
    {key: value for key, value in condition("Z95.0").items() if key != "recordedDate"},  # undated
    {"resourceType": "Encounter", "id": "v", "status": "finished", "period": {"start": "2025-09-01"},
     "reasonCode": [coded(ICD10CM, "Z45.018")]},  # a pacemaker clinic visit
    {"resourceType": "Observation", "id": "screen", "status": "final", "code": coded(LOINC, "75325-1"),
     "valueCodeableConcept": coded(SNOMED, "441509002"), "effectiveDateTime": "2026-03-01"},
])
def test_r13_a_ct_for_a_patient_who_cannot_have_mri_is_not_switched_to_mri(resource: dict[str, Any]) -> None:
    """R13 "no contraindication to MRI": the CT is left as it is — no card pushing a one-click MRI, and the
    rating is the pathway's (R3a), not R13's."""
    decision = decide_order(draft(CT_LUMBAR), LONG, resource)

    assert decision.rules == ("R3a",)
    assert decision.facts.mri_contraindications


def implantation(system: str, code: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": "implant", "status": "completed", "code": coded(system, code),
            "performedDateTime": "2019-04-02", **fields}


@pytest.mark.parametrize("resource", [
    implantation(SNOMED, "307280005"),  # Synthea and IG problem histories: implantation of cardiac pacemaker
    implantation(SNOMED, "25267002"),  # insertion of intracardiac pacemaker
    implantation(CPT, "33208"),  # permanent pacemaker, atrial and ventricular leads
    implantation(CPT, "33249"),  # implantable defibrillator system
    implantation(CPT, "69930"),  # cochlear device
    implantation(CPT, "63685"),  # spinal neurostimulator pulse generator
    {key: value for key, value in implantation(CPT, "33206").items() if key != "performedDateTime"},
])
def test_r13_a_device_known_only_by_its_implantation_is_a_contraindication(resource: dict[str, Any]) -> None:
    """A Synthea or surgical history records the device by the operation that implanted it, never as a
    Z95.0 problem: the CT is not switched to an MRI the patient may not be able to have."""
    decision = decide_order(draft(CT_LUMBAR), LONG, resource)

    assert decision.rules == ("R3a",)
    assert decision.facts.mri_contraindications


@pytest.mark.parametrize("resource", [
    implantation(SNOMED, "307280005", status="not-done"),
    implantation(SNOMED, "307280005", status="entered-in-error"),
    implantation(CPT, "33208", performedDateTime="2026-04-01"),  # after the order
    implantation(CPT, "33210"),  # a temporary pacing wire: removed before discharge
])
def test_r13_an_implantation_not_done_or_temporary_leaves_the_mri_advice(resource: dict[str, Any]) -> None:
    assert decide_order(draft(CT_LUMBAR), LONG, resource).rules == ("R3a", "R13")


def test_r13_a_ct_ordered_for_the_pacemaker_reads_its_own_reason() -> None:
    """A CT ordered with Z95.0 as a reason (why not MRI) is not switched to MRI."""
    order = draft(CT_LUMBAR, reasonCode=[coded(ICD10CM, "M54.16"), coded(ICD10CM, "Z95.0")])

    assert "R13" not in decide_order(order, LONG).rules


@pytest.mark.parametrize("resource", [
    condition("Z95.0", verificationStatus=coded(VERIFICATION, "refuted")),
    condition("Z95.0", verificationStatus=coded(VERIFICATION, "entered-in-error")),
    condition("Z95.0", recordedDate="2026-04-01"),  # after the order
    condition("Z18.12"),  # nonmagnetic metal fragments
    condition("Z95.1"),  # a bypass graft
    {"resourceType": "Observation", "id": "screen", "status": "final", "code": coded(SNOMED, "441509002"),
     "valueCodeableConcept": coded(LOINC, "LA32-8"), "effectiveDateTime": "2026-03-01"},  # screen: No
])
def test_r13_still_prefers_mri_without_a_contraindication(resource: dict[str, Any]) -> None:
    decision = decide_order(draft(CT_LUMBAR), LONG, resource)

    assert decision.rules == ("R3a", "R13")
    assert decision.rating is Rating.NOT_APPROPRIATE


def test_r19_a_cervical_ct_for_a_pacemaker_patient_keeps_the_cervical_rating() -> None:
    """R19 (advise) rates an early cervical study appropriate; R13 lowered it to not-appropriate by pushing
    an MRI the patient cannot have."""
    cervical = {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.12"),
                "onsetDateTime": "2026-02-20"}

    decision = decide_order(draft(CT_CERVICAL), cervical, condition("Z95.0"))

    assert (decision.rules, decision.rating) == (("R19",), Rating.APPROPRIATE)


def test_r7_a_red_flag_ct_for_a_pacemaker_patient_gets_no_mri_card() -> None:
    """Invariant 1 kept the rating; the R13 card beside R7 still asked for MRI without and with contrast."""
    ivdu = {**condition("F11.20"), "id": "ivdu"}

    decision = decide_order(draft(CT_LUMBAR), radiculopathy(), ivdu, condition("Z95.0"))

    assert (decision.rules, decision.rating) == (("R7",), Rating.APPROPRIATE)


@pytest.mark.parametrize("code", ["72265", "62304"])  # myelography, lumbar; myelogram by injection
def test_r14_myelography_is_what_r14_allows_when_mri_is_contraindicated(code: str) -> None:
    decision = decide_order(draft(code), LONG, condition("Z96.21"))

    assert decision.rules == ("R3a",)


def test_r14_myelography_without_a_contraindication_still_warns() -> None:
    assert decide_order(draft("72265"), LONG).rules == ("R3a", "R14")


def test_r15_a_bone_scan_for_a_patient_who_cannot_have_mri_names_ct_and_offers_no_mri() -> None:
    decision = decide_order(draft("78306"), LONG, condition("Z95.810"))

    card = next(advice for advice in decision.advices if advice.rule == "R15")
    assert (card.content, card.suggestions) == ("nuclear_imaging_no_mri", ())
    assert decision.rating is Rating.NOT_APPROPRIATE


@pytest.mark.parametrize(("ct", "code", "switched"), [
    (CT_CERVICAL, "M48.8X2", False),  # cervical OPLL, cervical CT
    (CT_CERVICAL, "M48.8X1", False),
    (CT_LUMBAR, "M48.8X6", False),
    (CT_LUMBAR, "M48.8X9", False),  # region not given: every region
    (CT_LUMBAR, "M48.8", False),  # the ICD-10 (WHO) code
    (CT_LUMBAR, "M48.8X2", True),  # a cervical OPLL says nothing about a lumbar CT
])
def test_r13_a_ct_for_opll_in_its_region_is_not_switched(ct: str, code: str, switched: bool) -> None:
    """R13 "no ... OPLL indication": CT shows the ossification MRI misses."""
    cervical = {"resourceType": "Condition", "id": "neck", "code": coded(ICD10CM, "M54.12"),
                "onsetDateTime": "2026-01-01"}

    decision = decide_order(draft(ct), LONG, cervical, {**condition(code), "id": "opll"})

    assert ("R13" in decision.rules) is switched


def test_r17_no_contrast_not_needed_card_beside_r7b_raised_markers() -> None:
    """R7b asks for MRI without and with contrast to look for a cause; R17 beside it said contrast adds
    nothing "no tumour, infection …" — two cards contradicting each other on one order."""
    esr = {"resourceType": "Observation", "id": "esr", "status": "final", "code": coded(LOINC, "4537-7"),
           "valueQuantity": {"value": 60, "unit": "mm/h"}, "effectiveDateTime": "2026-03-05"}

    both = decide_order(draft("72158"), radiculopathy(), esr)
    only_with = decide_order(draft("72149"), radiculopathy(), esr)

    assert both.rules == ("R7b",)
    r16 = next(advice for advice in only_with.advices if advice.rule == "R16")
    assert r16.suggestions == (SuggestionKind.SWAP_TO_WITHOUT_AND_WITH_CONTRAST,)
