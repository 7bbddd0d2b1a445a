"""The facts that decide "defer" against "appropriate" without any red flag — onset, conservative care, prior
imaging — as real exports record them, parsed from raw FHIR JSON as the hooks parse it (PATHWAY.md §2,
R1, R3a/R3b, R12, R27). Each shape below was once read as nothing and changed the rule.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from raw_decision import coded, decide_order

from app.fhir.bundles import KeyData
from app.fhir.chart_builder import build_chart
from app.fhir.parse import parse_service_request
from app.pathway.engine import evaluate_order
from app.pathway.model import Decision
from app.pathway.policy import Policy
from app.terminology import CPT, ICD10CM, load_value_sets

ORDER_DATE = date(2026, 3, 11)
ONSET_100_DAYS = "2025-12-01"  # radiculopathy for 100 days: R3a without care, R3b with it
LUMBAR_MRI_ORDER = {"resourceType": "ServiceRequest", "id": "o", "status": "draft", "intent": "order",
                    "code": coded(CPT, "72148"), "authoredOn": "2026-03-11"}
DCM = "http://dicom.nema.org/resources/ontology/DCM"


def condition(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "dx", "code": coded(ICD10CM, "M54.16"), **fields}


def decide(*resources: dict[str, Any]) -> Decision:
    """A 40-year-old man's chart of ``resources`` and a lumbar MRI ordered on ``ORDER_DATE``."""
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1986-01-01", "gender": "male"}
    chart = build_chart({"all": KeyData((patient, *resources))})
    decision = evaluate_order(chart, parse_service_request(LUMBAR_MRI_ORDER), ORDER_DATE, Policy(),
                              load_value_sets())
    assert decision is not None
    return decision


def test_an_imaging_study_dated_only_by_its_series_is_a_prior_mri() -> None:
    """R12: a PACS export may leave ImagingStudy.started out and date each series; the study began with its
    first series, 30 days before the order, inside this 100-day episode: do not repeat."""
    study = {"resourceType": "ImagingStudy", "id": "mri", "status": "available",
             "procedureCode": [coded(CPT, "72148")],
             "series": [{"uid": "1.2.3", "modality": {"system": DCM, "code": "MR"}, "started": "2026-02-10"},
                        {"uid": "1.2.4", "modality": {"system": DCM, "code": "MR"}, "started": "2026-02-09"}]}

    decision = decide(condition(onsetDateTime=ONSET_100_DAYS), study)

    assert decision.rules[0] == "R12"
    assert [e.on for e in decision.facts.prior_imaging] == [date(2026, 2, 9)]


PT_EXERCISES = {"resourceType": "Procedure", "id": "pt", "status": "completed", "code": coded(CPT, "97110"),
                "performedDateTime": "2026-02-01"}


def visit(status: str = "finished", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "v1", "status": status, "period": {"start": "2026-01-10"},
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}, **fields}


CARRIES_DX = {"diagnosis": [{"condition": {"reference": "Condition/dx"}}]}


@pytest.mark.parametrize("chart", [
    # an encounter diagnosis with no onset and no recordedDate, named by the visit's diagnosis
    (condition(), visit(**CARRIES_DX)),
    # a recordedDate from a later reconciliation: the visit 60 days ago is the earlier bound
    (condition(recordedDate="2026-03-01"), visit(**CARRIES_DX)),
    # the Condition names its visit (Condition.encounter), absolutely
    (condition(encounter={"reference": "https://ehr.example/fhir/Encounter/v1"}), visit()),
], ids=["encounter-diagnosis", "later-recordedDate", "condition-encounter"])
def test_the_first_visit_carrying_a_diagnosis_without_onset_bounds_the_onset(chart: tuple[Any, ...]) -> None:
    """PATHWAY.md §2: with no onset[x], the onset is no later than the recordedDate "or the first encounter
    carrying the diagnosis". The visit 60 days ago proves six weeks (unverified), and the PT since then is
    care: R3b (image if it changes management), not R27 (record the onset) on a 10-day bound."""
    decision = decide(*chart, PT_EXERCISES)

    assert decision.rules == ("R3b",)
    assert (decision.facts.onset, decision.facts.onset_verified) == (date(2026, 1, 10), False)


def test_a_cancelled_visit_carried_no_diagnosis() -> None:
    decision = decide(condition(), visit("cancelled", **CARRIES_DX), PT_EXERCISES)

    assert decision.rules == ("R27",)
    assert decision.facts.onset is None


def test_a_visit_carrying_the_diagnosis_before_its_exact_onset_makes_it_a_lower_bound() -> None:
    """The visit 60 days ago carried the diagnosis written as begun 19 days ago: the symptoms had begun by
    the visit, so 19 days is no onset to defer on (R1 before the eleventh pass) — R27, at least 60 days
    (docs/pathway-facts.md "Eleventh pass: onset, duration and episode"; a visit after it: exact, R1)."""
    decision = decide(condition(onsetDateTime="2026-02-20"), visit(**CARRIES_DX))

    assert decision.rules == ("R27",)
    assert (decision.facts.duration_days, decision.facts.onset_verified) == (60, False)


SCT = "http://snomed.info/sct"
LUMBAR_SPINE = {"system": SCT, "code": "122496007", "display": "Lumbar spine structure"}
LUMBAR_MR_SERIES = {"uid": "1.2.3", "modality": {"system": DCM, "code": "MR"}, "bodySite": LUMBAR_SPINE}


def test_an_imaging_study_coded_only_mri_of_spine_takes_its_region_from_the_series() -> None:
    """R12: "MRI of spine" (SNOMED CT 241645008) names no region; the series' body site says lumbar, so a
    study 30 days ago in this 100-day episode is a prior lumbar MRI: do not repeat."""
    study = {"resourceType": "ImagingStudy", "id": "mri", "status": "available", "started": "2026-02-09",
             "procedureCode": [coded(SCT, "241645008")],
             "series": [LUMBAR_MR_SERIES]}

    decision = decide(condition(onsetDateTime=ONSET_100_DAYS), study)

    assert decision.rules[0] == "R12"


def test_a_radiograph_coded_for_the_whole_spine_is_never_a_prior_mri_whatever_its_series() -> None:
    study = {"resourceType": "ImagingStudy", "id": "xr", "status": "available", "started": "2026-02-09",
             "procedureCode": [coded("http://loinc.org", "28613-8")],
             "series": [LUMBAR_MR_SERIES]}

    decision = decide(condition(onsetDateTime=ONSET_100_DAYS), study)

    assert decision.facts.prior_imaging == ()


CERVICAL_SPINE = {"system": SCT, "code": "122494005", "display": "Cervical spine structure"}
# a sciatica of 19 days (the latest diagnosis) and a cervical radiculopathy of 60 days
BOTH_REGIONS = (condition(onsetDateTime="2026-02-20"),
                {**condition(onsetDateTime="2026-01-10"), "id": "neck", "code": coded(ICD10CM, "M54.12")})


def test_an_order_coded_only_mri_of_spine_takes_its_region_from_its_body_site() -> None:
    """PATHWAY.md §1: the order gives the region when it names one, in its code or, coded only "MRI of
    spine", in its bodySite — here the cervical spine: R19b, never the lumbar defer (R1) that the more
    recent sciatica would choose."""
    order = {**LUMBAR_MRI_ORDER, "code": coded(SCT, "241645008"), "bodySite": [{"coding": [CERVICAL_SPINE]}]}

    decision = decide_order(order, *BOTH_REGIONS)

    assert decision.facts.region == "cervical"
    assert decision.rules[0] == "R19b"


def test_an_order_whose_body_sites_name_two_regions_is_not_deferred_on_one_regions_episode() -> None:
    """A study of both regions on a chart of both (sciatica 19 days, cervical radiculopathy 60): neither
    episode decides it, so no defer (it was R1 on the newer sciatica); unrated, a card asks for the region
    (docs/pathway-facts.md "Ninth pass: scope, qualifying diagnoses and region")."""
    sites = [{"coding": [CERVICAL_SPINE]}, {"coding": [LUMBAR_SPINE]}]
    order = {**LUMBAR_MRI_ORDER, "code": coded(SCT, "241645008"), "bodySite": sites}

    decision = decide_order(order, *BOTH_REGIONS)

    assert decision.facts.region is None
    assert (decision.rules, decision.rating) == ((), None)


def test_the_order_code_s_region_wins_over_its_body_site() -> None:
    order = {**LUMBAR_MRI_ORDER, "bodySite": [{"coding": [CERVICAL_SPINE]}]}  # CPT 72148: lumbar

    assert decide_order(order, *BOTH_REGIONS).facts.region == "lumbar"


NUCC = "http://nucc.org/provider-taxonomy"


@pytest.mark.parametrize("performer", [("225100000X", "Physical Therapist"), ("111N00000X", "Chiropractor")])
def test_a_referral_named_only_by_its_performer_type_is_conservative_care(performer: tuple[str, str]) -> None:
    """PATHWAY.md §2: a ServiceRequest referral to PT or chiropractic, 38 days old, is care begun. An EHR
    may code the referral generically ("Patient referral") and name the service by its performerType: R3b
    (image if it changes management), not R3a's "start conservative care"."""
    referral = {"resourceType": "ServiceRequest", "id": "ref", "status": "active", "intent": "order",
                "authoredOn": "2026-02-01", "code": coded(SCT, "3457005", "Patient referral"),
                "performerType": coded(NUCC, *performer)}

    decision = decide(condition(onsetDateTime=ONSET_100_DAYS), referral)

    assert decision.rules[0] == "R3b"


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.mark.parametrize("drug", [{"text": "Flexeril 10 mg tablet"}, {"text": "Aleve"}])
def test_a_drug_named_only_by_its_brand_is_conservative_care(drug: dict[str, Any]) -> None:
    """PATHWAY.md §2/§6.6: a muscle relaxant or an NSAID taken since the onset is care, whatever name the
    record gives it — R3b, not R3a's "start conservative care"."""
    statement = {"resourceType": "MedicationStatement", "id": "m", "status": "active",
                 "effectiveDateTime": "2026-02-01", "medicationCodeableConcept": drug}

    decision = decide(condition(onsetDateTime=ONSET_100_DAYS), statement)

    assert decision.rules[0] == "R3b"
    assert [e.coding.system for e in decision.facts.conservative_care if e.coding] == [RXNORM]


def injection_order(status: str) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": "esi", "status": status, "intent": "order",
            "authoredOn": "2026-02-01", "code": coded(CPT, "64483")}


def test_a_completed_epidural_injection_order_is_care_done() -> None:
    """PATHWAY.md §2: an epidural steroid injection is conservative care, and a planned one makes a
    candidate. An order marked completed was performed (an outside pain clinic's injection may leave only
    the order): care and candidacy, R2/R23 — not R3a's "start conservative care"."""
    decision = decide(condition(onsetDateTime=ONSET_100_DAYS), injection_order("completed"))

    assert decision.rules[0] == "R2/R23"
    assert [e.finding for e in decision.facts.conservative_care] == ["epidural_injection"]


def test_an_active_epidural_injection_order_is_planned_not_care() -> None:
    decision = decide(condition(onsetDateTime=ONSET_100_DAYS), injection_order("active"))

    assert decision.facts.conservative_care == ()
    assert decision.rules[0] == "R3a"


def test_a_prescription_dated_only_by_its_dose_bounds_is_dated_care() -> None:
    """A MedicationRequest without authoredOn whose dose runs from 1 February (timing.repeat.boundsPeriod):
    ibuprofen since the onset is care, R3b."""
    dose = {"timing": {"repeat": {"boundsPeriod": {"start": "2026-02-01", "end": "2026-02-14"}}}}
    prescription = {"resourceType": "MedicationRequest", "id": "m", "status": "completed", "intent": "order",
                    "medicationCodeableConcept": coded(RXNORM, "5640"), "dosageInstruction": [dose]}

    decision = decide(condition(onsetDateTime=ONSET_100_DAYS), prescription)

    assert decision.rules[0] == "R3b"
