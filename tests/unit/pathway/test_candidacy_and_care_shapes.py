"""Candidacy and conservative care as Epic, Oracle Health and Synthea exports record them, parsed from raw
FHIR JSON as the hooks parse it (PATHWAY.md §2 candidate and conservative care; R3a, R3b, R2/R23, R24). The
chart: a lumbar radiculopathy of 100 days with physical therapy since — R3b ("image if it changes
management", rating none, and R24's routine spine referral) until the record shows candidacy, then R2/R23
(appropriate, no referral suggested: one exists). Each shape below was once read as nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from raw_decision import coded, decide_chart, radiculopathy

from app.pathway.model import Decision
from app.terminology import CPT, SNOMED

ONSET_100_DAYS = "2025-12-01"  # the order is dated 2026-03-11
PT_SESSION = {"resourceType": "Procedure", "id": "pt", "status": "completed", "code": coded(CPT, "97110"),
              "performedDateTime": "2026-01-20"}


def decide_with_care(*resources: dict[str, Any]) -> Decision:
    return decide_chart(radiculopathy(ONSET_100_DAYS), PT_SESSION, *resources)


def planned_injection(**fields: Any) -> dict[str, Any]:
    """A lumbar transforaminal epidural steroid injection (CPT 64483) recorded as a planned Procedure."""
    return {"resourceType": "Procedure", "id": "esi", "status": "preparation", "code": coded(CPT, "64483"),
            **fields}


@pytest.mark.parametrize("injection", [
    planned_injection(performedDateTime="2026-03-25"),  # scheduled in two weeks
    planned_injection(performedPeriod={"start": "2026-03-25T08:00:00-05:00"}),
    planned_injection(),  # not yet scheduled
], ids=["scheduled-date", "scheduled-period", "unscheduled"])
def test_a_planned_epidural_injection_makes_a_candidate_whenever_it_is_scheduled(
    injection: dict[str, Any]
) -> None:
    """PATHWAY.md §2 candidate: "a planned epidural injection". A Procedure in `preparation` is planned;
    its scheduled date lies after the order by nature and must not hide it (an unscheduled one counted)."""
    decision = decide_with_care(injection)

    assert [e.finding for e in decision.facts.candidate] == ["epidural_injection"]
    assert decision.rules == ("R2/R23",)


def test_an_injection_planned_before_this_episode_makes_no_candidate() -> None:
    decision = decide_with_care(planned_injection(performedDateTime="2025-06-01"))

    assert decision.facts.candidate == ()
    assert decision.rules == ("R3b", "R24")


NEUROSURGERY_REFERRAL = coded(SNOMED, "308482002", "Referral to neurosurgeon")


def referral(status: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "ref", "status": status, "intent": "order",
            "code": NEUROSURGERY_REFERRAL, **fields}


def test_a_completed_referral_dated_only_by_its_occurrence_makes_a_candidate() -> None:
    """PATHWAY.md §2 candidate: a referral to neurosurgery carried out on 1 February, in this episode, whose
    export left `authoredOn` out: its occurrence dates it. R2/R23, and no second referral suggested (R24)."""
    decision = decide_with_care(referral("completed", occurrenceDateTime="2026-02-01"))

    assert [e.finding for e in decision.facts.candidate] == ["spine_specialty"]
    assert decision.rules == ("R2/R23",)


@pytest.mark.parametrize("shape", [
    referral("completed", occurrenceDateTime="2025-06-01"),  # carried out in an earlier episode
    referral("completed"),  # no date at all
    referral("revoked", occurrenceDateTime="2026-02-01"),
], ids=["earlier-episode", "undated", "revoked"])
def test_a_referral_not_shown_in_this_episode_makes_no_candidate(shape: dict[str, Any]) -> None:
    decision = decide_with_care(shape)

    assert decision.facts.candidate == ()
    assert decision.rules == ("R3b", "R24")


SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"


def visit(status: str = "finished", start: str = "2026-02-10T09:30:00-05:00",
          **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "visit", "status": status, "period": {"start": start},
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}, **fields}


@pytest.mark.parametrize("shape", [
    visit(serviceType=coded(SERVICE_TYPE, "216", "Neurosurgery")),
    visit(serviceType=coded(SERVICE_TYPE, "218", "Orthopaedic Surgery")),
    visit("in-progress", serviceType=coded(SERVICE_TYPE, "164", "Pain Medicine")),
    visit(type=[coded(SNOMED, "394610002", "Surgery-Neurosurgery")]),  # a practice setting as its type
    visit("planned", start="2026-03-30", serviceType=coded(SERVICE_TYPE, "216")),  # booked
], ids=["neurosurgery", "orthopaedic-surgery", "pain-medicine-in-progress", "snomed-setting", "booked"])
def test_a_visit_to_a_spine_specialist_makes_a_candidate(shape: dict[str, Any]) -> None:
    """CODES.md §1e: an Encounter whose serviceType is neurosurgery, orthopaedic surgery or pain medicine
    "shows candidacy, not care" — the patient was referred and seen (or booked). R2/R23, and R24 does not
    suggest a referral the patient has already had."""
    decision = decide_with_care(shape)

    assert [e.finding for e in decision.facts.candidate] == ["spine_specialty"]
    assert decision.facts.conservative_care == decide_with_care().facts.conservative_care  # never care
    assert decision.rules == ("R2/R23",)


@pytest.mark.parametrize("shape", [
    visit("cancelled", serviceType=coded(SERVICE_TYPE, "216")),
    visit(start="2025-06-01", serviceType=coded(SERVICE_TYPE, "216")),  # an earlier episode
    visit(reasonCode=[coded(SNOMED, "308482002", "Referral to neurosurgeon")]),  # why, not who
    visit(serviceType=coded(SERVICE_TYPE, "65", "Physiotherapy")),  # care, not candidacy
], ids=["cancelled", "earlier-episode", "reason-only", "physiotherapy"])
def test_a_visit_that_is_no_spine_specialist_visit_in_this_episode_makes_no_candidate(
    shape: dict[str, Any]
) -> None:
    decision = decide_with_care(shape)

    assert decision.facts.candidate == ()
    assert decision.rules == ("R3b", "R24")


PATIENT_REFERRAL = coded(SNOMED, "3457005", "Patient referral")


def generic_referral(performer: tuple[str, str], authored: str = "2026-02-01") -> dict[str, Any]:
    """A referral coded generically, its service named only by a SNOMED CT occupation in performerType."""
    return {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
            "authoredOn": authored, "code": PATIENT_REFERRAL, "performerType": coded(SNOMED, *performer)}


@pytest.mark.parametrize("performer", [
    ("45544007", "Neurosurgeon"), ("22731001", "Orthopedic surgeon"),
    ("309360001", "Rehabilitation physician"),
])
def test_a_referral_to_a_spine_specialist_named_by_a_snomed_occupation_makes_a_candidate(
    performer: tuple[str, str]
) -> None:
    """PATHWAY.md §2 candidate: a referral to neurosurgery, orthopaedics or PM&R. US Core's care-team roles
    are SNOMED CT occupations, and an export may name the referral's service only there — the same
    performers the NUCC codes already read (HL7 Da Vinci HRex map NUCC ↔ SNOMED CT Care Team Member
    Function: 207T00000X = 45544007, 207X00000X = 22731001, 208100000X ⊂ 309360001)."""
    decision = decide_with_care(generic_referral(performer))

    assert [e.finding for e in decision.facts.candidate] == ["spine_specialty"]
    assert decision.rules == ("R2/R23",)


@pytest.mark.parametrize("performer", [("36682004", "Physiotherapist"), ("3842006", "Chiropractor")])
def test_a_therapy_referral_named_by_a_snomed_occupation_is_conservative_care(
    performer: tuple[str, str]
) -> None:
    """PATHWAY.md §2: a PT or chiropractic referral 38 days old is care begun — R3b, not R3a's "start
    conservative care" (the same map: 225100000X = 36682004, 111N00000X = 3842006)."""
    decision = decide_chart(radiculopathy(ONSET_100_DAYS), generic_referral(performer))

    assert [e.state for e in decision.facts.conservative_care] == ["referral_no_visit"]
    assert decision.rules == ("R3b", "R24")


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.mark.parametrize("forbidden", [
    {"resourceType": "MedicationRequest", "id": "m", "status": "active", "intent": "order",
     "doNotPerform": True, "authoredOn": "2026-02-01",
     "medicationCodeableConcept": coded(RXNORM, "5640", "ibuprofen")},
    {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
     "doNotPerform": True, "authoredOn": "2026-02-01",
     "code": coded(SNOMED, "308447003", "Referral to physiotherapist")},
], ids=["no-nsaid", "no-physiotherapy"])
def test_an_order_not_to_give_a_treatment_is_no_conservative_care(forbidden: dict[str, Any]) -> None:
    """R4 `doNotPerform` is a modifier: "do not give ibuprofen" (an NSAID allergy, kidney disease) is the
    opposite of an NSAID given. Read as care it would turn R3a ("start conservative care") into R3b."""
    decision = decide_chart(radiculopathy(ONSET_100_DAYS), forbidden)

    assert decision.facts.conservative_care == ()
    assert decision.rules == ("R3a", "R24")


def test_an_order_not_to_refer_to_a_spine_specialist_makes_no_candidate() -> None:
    forbidden = {**referral("active", authoredOn="2026-02-01"), "doNotPerform": True}

    decision = decide_with_care(forbidden)

    assert decision.facts.candidate == ()
    assert decision.rules == ("R3b", "R24")


def categorised_referral(category: dict[str, Any]) -> dict[str, Any]:
    """A referral coded generically, its service named only by its category."""
    return {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
            "authoredOn": "2026-02-01", "code": PATIENT_REFERRAL, "category": [category]}


def test_a_referral_categorised_as_neurosurgery_makes_a_candidate() -> None:
    """PATHWAY.md §2 candidate: a referral to neurosurgery, whose export says so in `category` (a practice
    setting, as `spine_specialty` lists them) beside a generic "patient referral" code."""
    decision = decide_with_care(categorised_referral(coded(SNOMED, "394610002", "Surgery-Neurosurgery")))

    assert [e.finding for e in decision.facts.candidate] == ["spine_specialty"]
    assert decision.rules == ("R2/R23",)


def test_a_referral_categorised_as_physical_therapy_is_conservative_care() -> None:
    referral_ = categorised_referral(coded(SNOMED, "91251008", "Physical therapy procedure"))

    decision = decide_chart(radiculopathy(ONSET_100_DAYS), referral_)

    assert [e.finding for e in decision.facts.conservative_care] == ["physical_therapy"]
    assert decision.rules == ("R3b", "R24")


def test_a_referral_categorised_only_as_a_kind_of_procedure_shows_nothing() -> None:
    """US Core's categories ("evaluation procedure", "surgical procedure") name no specialty."""
    decision = decide_with_care(categorised_referral(coded(SNOMED, "387713003", "Surgical procedure")))

    assert decision.facts.candidate == ()
    assert decision.rules == ("R3b", "R24")


@pytest.mark.parametrize("based_on", [
    "ServiceRequest/pt-ref", "https://ehr.example.org/fhir/ServiceRequest/pt-ref",
    "ServiceRequest/pt-ref/_history/2", "https://ehr.example.org/fhir/ServiceRequest/pt-ref/_history/2",
])
def test_a_fresh_pt_referral_carried_out_by_a_visit_is_care_however_the_visit_names_it(based_on: str) -> None:
    """PATHWAY.md §2 v2: a referral counts once 14 days old *or* linked to a finished Encounter. A visit
    naming it by a versioned reference (``…/_history/2``, as servers write basedOn) is still that visit:
    R3b (care), not R3a's "start conservative care"."""
    referral = {"resourceType": "ServiceRequest", "id": "pt-ref", "status": "completed", "intent": "order",
                "code": coded(SNOMED, "308447003"), "authoredOn": "2026-03-06"}  # five days old
    visit = {"resourceType": "Encounter", "id": "v1", "status": "finished",
             "basedOn": [{"reference": based_on}], "period": {"start": "2026-03-09"}}
    decision = decide_chart(radiculopathy(ONSET_100_DAYS), referral, visit)
    assert "R3b" in decision.rules, decision.rules
