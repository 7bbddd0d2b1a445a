"""Eleventh pass: conservative care and candidacy as clinics really record them (PATHWAY.md §2 "conservative
care", "candidate", §6.5; R3a, R3b, R2/R23). Parsed from raw FHIR JSON as the hooks parse it. The chart: a
lumbar radiculopathy of 100 days — R3a ("start conservative care") with no care on record, R3b with care, and
R2/R23 with care and candidacy. Each shape below was once read wrongly and changed the rule.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_chart, radiculopathy

from app.pathway.model import Decision
from app.terminology import CPT

ONSET_100_DAYS = "2025-12-01"  # the order is dated 2026-03-11
EPIC_VISIT_TYPE = "urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.30"  # local: no value set lists it


def decide(*resources: dict[str, Any]) -> Decision:
    return decide_chart(radiculopathy(ONSET_100_DAYS), *resources)


def visit(**fields: Any) -> dict[str, Any]:
    """A finished visit in the episode, typed by ``fields``."""
    return {"resourceType": "Encounter", "id": "e", "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "period": {"start": "2026-01-15T10:00:00Z"}, **fields}


def local_type(name: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": EPIC_VISIT_TYPE, "code": "9", "display": name}]}]


@pytest.mark.parametrize("name", ["NEW PT VISIT", "EST PT 15", "RETURN PT VISIT", "New Pt Visit"])
def test_a_visit_of_a_new_or_established_patient_is_no_physical_therapy(name: str) -> None:
    """R3a, not R3b: Epic visit types abbreviate *patient* as "PT" ("NEW PT VISIT", "EST PT 15"); read as
    a "PT visit" an ordinary office visit was conservative care, so a patient never treated was told imaging
    could change management instead of "start conservative care"."""
    decision = decide(visit(type=local_type(name)))
    assert (decision.rules[0], decision.facts.conservative_care) == ("R3a", ())


@pytest.mark.parametrize("name", ["PT VISIT", "PT EVAL", "Outpatient PT"])
def test_a_physical_therapy_visit_named_pt_is_still_care(name: str) -> None:
    decision = decide(visit(type=local_type(name)))
    assert [e.finding for e in decision.facts.conservative_care] == ["physical_therapy"]
    assert decision.rules[0] == "R3b"


@pytest.mark.parametrize("typed", [
    {"type": [{"text": "Physical Therapy"}]},
    {"serviceType": {"text": "Physical Therapy"}},
    {"type": [{"coding": [{"system": EPIC_VISIT_TYPE, "code": "101", "display": "Therapy Visit"}],
               "text": "PT Visit"}]},
    {"type": [{"text": "OP Rehab PT"}]},
    {"type": [{"text": "Chiropractic"}]},
], ids=["type-text", "service-type-text", "text-beside-a-local-display", "department-words", "chiropractic"])
def test_a_therapy_visit_typed_only_in_words_is_care(typed: dict[str, Any]) -> None:
    """R3b, not R3a: PATHWAY.md §2 counts a finished therapy visit by its type or serviceType. Oracle Health
    and Epic exports may type it only in words (`type.text`, `serviceType.text`, no coding), which the
    visit's view dropped, so six weeks of physical therapy read as "start conservative care"."""
    decision = decide(visit(**typed))
    assert (decision.rules[0], [e.reference for e in decision.facts.conservative_care]) == (
        "R3b", ["Encounter/e"])


def test_a_planned_therapy_visit_typed_in_words_is_no_care() -> None:
    decision = decide(visit(status="planned", type=[{"text": "Physical Therapy"}]))
    assert (decision.rules[0], decision.facts.conservative_care) == ("R3a", ())


def referral(**fields: Any) -> dict[str, Any]:
    """An active referral written 24 days before the order (PT referrals count from 14 days)."""
    return {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
            "authoredOn": "2026-02-15", **fields}


PATIENT_REFERRAL = {"coding": [{"system": "http://snomed.info/sct", "code": "3457005"}], "text": "Referral"}


@pytest.mark.parametrize("named", [
    {"performerType": {"text": "Physical Therapist"}},
    {"category": [{"text": "Physical Therapy"}]},
], ids=["performer-type-text", "category-text"])
def test_a_referral_naming_physical_therapy_only_in_words_is_care(named: dict[str, Any]) -> None:
    """R3b, not R3a: a generic "patient referral" whose performerType or category says physical therapy in
    words only; the coded forms counted (NUCC 225100000X, SNOMED CT 36682004), the words were dropped."""
    decision = decide(referral(code=PATIENT_REFERRAL, **named))
    assert (decision.rules[0], [e.reference for e in decision.facts.conservative_care]) == (
        "R3b", ["ServiceRequest/ref"])


PT_SESSION = {"resourceType": "Procedure", "id": "pt", "status": "completed", "code": coded(CPT, "97110"),
              "performedDateTime": "2026-01-20"}


@pytest.mark.parametrize("shown", [
    referral(code=PATIENT_REFERRAL, performerType={"text": "Neurosurgery"}),
    referral(code={"text": "Outpatient Referral"}, category=[{"text": "Orthopedic Spine Surgery"}]),
    visit(type=[{"text": "Neurosurgery"}]),
    visit(serviceType={"text": "Pain Management"}),
], ids=["referral-performer-type", "referral-category", "visit-type", "visit-service-type"])
def test_a_spine_specialist_named_only_in_words_makes_a_candidate(shown: dict[str, Any]) -> None:
    """R2/R23, not R3b (PATHWAY.md §2 candidate; CODES.md §1e): a referral to neurosurgery whose specialty is
    only the performerType's or category's words, or a visit typed only "Neurosurgery"."""
    decision = decide(PT_SESSION, shown)
    assert [e.finding for e in decision.facts.candidate] == ["spine_specialty"]
    assert decision.rules == ("R2/R23",)


PT_REFERRAL = {"coding": [{"system": "http://snomed.info/sct", "code": "91251008"}],
               "text": "Referral to Physical Therapy"}


@pytest.mark.parametrize("intent", ["proposal", "plan"])
def test_a_physical_therapy_referral_only_proposed_or_planned_is_no_care(intent: str) -> None:
    """R3a, not R3b: an active ServiceRequest whose intent is `proposal` or `plan` (a care plan's "refer to
    PT", a decision-support suggestion) asked nobody to act. Counted after 14 days as a referral is, a PT
    only planned was read as care begun."""
    decision = decide(referral(code=PT_REFERRAL, intent=intent))
    assert (decision.rules[0], decision.facts.conservative_care) == ("R3a", ())


@pytest.mark.parametrize("intent", ["order", "original-order"])
def test_a_physical_therapy_referral_ordered_is_care(intent: str) -> None:
    decision = decide(referral(code=PT_REFERRAL, intent=intent))
    assert [e.reference for e in decision.facts.conservative_care] == ["ServiceRequest/ref"]


@pytest.mark.parametrize("name", ["Voltaren 1 % topical gel", "VOLTAREN 75 MG EC TABLET"])
def test_a_patient_reported_voltaren_is_an_nsaid(name: str) -> None:
    """R3b, not R3a (PATHWAY.md §6.6 NSAIDs: diclofenac): a medication list's "Voltaren" by its brand alone,
    as "Aleve" and "Advil" are read."""
    statement = {"resourceType": "MedicationStatement", "id": "m", "status": "active",
                 "medicationCodeableConcept": {"text": name}, "effectiveDateTime": "2026-01-10"}
    decision = decide(statement)
    assert (decision.rules[0], [e.reference for e in decision.facts.conservative_care]) == (
        "R3b", ["MedicationStatement/m"])


@pytest.mark.parametrize("start", [{"occurrenceDateTime": "2026-03-18"},
                                   {"occurrencePeriod": {"start": "2026-03-16", "end": "2026-05-16"}}],
                         ids=["occurrence", "occurrence-period"])
def test_a_physical_therapy_referral_booked_to_begin_after_the_order_is_no_care(
        start: dict[str, Any]) -> None:
    """R3a, not R3b: a PT referral written 24 days ago whose requested start (occurrence[x]) is next week
    has not begun; counted by its age alone, it was read as care begun."""
    decision = decide(referral(code=PT_REFERRAL, **start))
    assert (decision.rules[0], decision.facts.conservative_care) == ("R3a", ())


def test_a_physical_therapy_referral_asked_to_begin_before_the_order_is_care() -> None:
    decision = decide(referral(code=PT_REFERRAL, occurrencePeriod={"start": "2026-02-20"}))
    assert [e.reference for e in decision.facts.conservative_care] == ["ServiceRequest/ref"]


def therapy_line(name: str) -> dict[str, Any]:
    """A billed or charted therapy line under a clinic's own code, named in words."""
    return {"resourceType": "Procedure", "id": "p", "status": "completed", "performedDateTime": "2026-01-20",
            "code": {"coding": [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.696580", "code": "PT55",
                                 "display": name}]}}


@pytest.mark.parametrize(("name", "care"), [
    ("THERAPEUTIC EXERCISE", "physical_therapy"), ("Manual therapy techniques", "physical_therapy"),
    ("Neuromuscular reeducation", "physical_therapy"), ("Therapeutic activities", "physical_therapy"),
    ("PT/OT Evaluation", "physical_therapy"), ("PT Initial Eval", "physical_therapy"),
    ("PT Session", "physical_therapy"), ("PHYS THER EVAL", "physical_therapy"),
    ("Chiro adjustment", "chiropractic"), ("Spinal adjustment", "chiropractic"),
])
def test_a_therapy_named_as_clinics_abbreviate_it_is_care(name: str, care: str) -> None:
    """R3b, not R3a (PATHWAY.md §6.5): a therapy line under a local code named by the therapy's own CPT
    descriptor ("Therapeutic exercise" is 97110) or the abbreviations clinics use ("PT/OT Evaluation",
    "Chiro adjustment") was no care; only "physical therapy", "PT eval" and the like were read."""
    decision = decide(therapy_line(name))
    assert (decision.rules[0], [e.finding for e in decision.facts.conservative_care]) == ("R3b", [care])


@pytest.mark.parametrize("name", ["PT/INR", "Pt education", "Physical exam", "Therapeutic phlebotomy"])
def test_a_line_that_names_no_therapy_is_no_care(name: str) -> None:
    decision = decide(therapy_line(name))
    assert (decision.rules[0], decision.facts.conservative_care) == ("R3a", ())


@pytest.mark.parametrize("name", ["L5-S1 TFESI", "ILESI L4-5", "LESI", "Selective nerve root block L5",
                                  "SNRB right L5"])
def test_an_epidural_injection_named_as_pain_clinics_abbreviate_it_is_care_and_candidacy(name: str) -> None:
    """R2/R23, not R3a (PATHWAY.md §2: an epidural steroid injection is care when done and shows candidacy):
    pain clinics write a transforaminal or interlaminar ESI as "TFESI", "ILESI", "LESI", and bill a selective
    nerve root block as a transforaminal epidural (CPT 64483); only "ESI" as a word was read."""
    decision = decide({**therapy_line(name), "id": "esi"})
    assert (decision.rules[0], [e.reference for e in decision.facts.conservative_care],
            [e.reference for e in decision.facts.candidate]) == (
        "R2/R23", ["Procedure/esi"], ["Procedure/esi"])


def test_an_epidural_injection_booked_by_its_abbreviation_makes_a_candidate() -> None:
    planned = {"resourceType": "ServiceRequest", "id": "esi", "status": "active", "intent": "order",
               "authoredOn": "2026-03-02", "code": {"text": "Right L4-5 TFESI"}}
    decision = decide(PT_SESSION, planned)
    assert (decision.rules[0], [e.reference for e in decision.facts.candidate]) == (
        "R2/R23", ["ServiceRequest/esi"])


def test_a_visit_whose_local_class_says_physical_therapy_is_care() -> None:
    """R3b, not R3a: R4 `Encounter.class` is one Coding; a site's own class ("Outpatient Rehab - Physical
    Therapy", a patient type) may be the only place the visit says it was therapy."""
    local_class = {"system": "urn:oid:1.2.840.114350.1.72.1.7.7.10.696784.13260", "code": "14",
                   "display": "Outpatient Rehab - Physical Therapy"}
    decision = decide({**visit(type=local_type("Office Visit")), "class": local_class})
    assert (decision.rules[0], [e.reference for e in decision.facts.conservative_care]) == (
        "R3b", ["Encounter/e"])


def test_an_ambulatory_visit_class_is_no_care() -> None:
    ambulatory = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                  "display": "ambulatory"}
    decision = decide({**visit(type=local_type("Office Visit")), "class": ambulatory})
    assert (decision.rules[0], decision.facts.conservative_care) == ("R3a", ())
