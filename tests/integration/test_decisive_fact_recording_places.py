"""The facts that decide "defer" against "appropriate" — the onset's bound, conservative care, prior imaging,
and a recent spinal injection that, beside a raised marker, is an infection flag — recorded where real
exports put them, through the real app and SEKMET, by a complete prefetch AND by the service's own FHIR
fallback (PATHWAY.md §2, §3, invariant 4).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import LUMBAR_MRI, evaluate_both_ways, rating, rules, topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Resource = dict[str, Any]
ON = date(2025, 6, 2)
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
DCM = "http://dicom.nema.org/resources/ontology/DCM"


def day(days_before: int) -> str:
    return (ON - timedelta(days=days_before)).isoformat()


def chart(pid: str, dx: dict[str, Any], *extra: Resource) -> list[Resource]:
    """A 40-year-old with lumbar radiculopathy (``dx``: the Condition's dates and links) and ``extra``."""
    subject = {"reference": f"Patient/{pid}"}
    patient = {"resourceType": "Patient", "id": pid, "birthDate": "1985-05-05", "gender": "female"}
    condition = {"resourceType": "Condition", "id": f"{pid}-dx", "subject": subject,
                 "code": {"coding": [{"system": ICD, "code": "M54.16"}]}, **dx}
    return [patient, condition, *({**r, "id": f"{pid}-{r['id']}", "subject": subject} for r in extra)]


def pt_session(days_before: int) -> Resource:
    return {"resourceType": "Procedure", "id": "pt", "status": "completed",
            "performedDateTime": day(days_before), "code": {"coding": [{"system": CPT, "code": "97110"}]}}


async def test_an_encounter_diagnosis_without_onset_is_dated_by_its_visit_both_ways(cds: Any) -> None:
    """PATHWAY.md §2: no onset[x], so the onset is no later than "the first encounter carrying the
    diagnosis" — a visit 60 days ago, not the recordedDate of 10 days ago: six weeks are proved (unverified)
    and the PT since is care, R3b — never R27's "record the onset" on a 10-day bound."""
    pid = "dfp-encounter-diagnosis"
    visit = {"resourceType": "Encounter", "id": "visit", "status": "finished", "period": {"start": day(60)},
             "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
             "diagnosis": [{"condition": {"reference": f"Condition/{pid}-dx"}}]}
    resources = chart(pid, {"recordedDate": day(10)}, visit, pt_session(40))

    answers = await evaluate_both_ways(cds, resources, order=LUMBAR_MRI, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert topics(answers.prefetch) == [("SpineImagingAppropriate", "info")], answers.difference()
    assert rating(answers.prefetch) is None  # R3b: rated once the clinician attests candidacy


async def test_an_imaging_study_dated_only_by_its_series_is_a_prior_mri_both_ways(cds: Any) -> None:
    """R12: a 100-day episode and a lumbar MRI 30 days ago whose ImagingStudy dates only its series."""
    pid = "dfp-series-dated-mri"
    study = {"resourceType": "ImagingStudy", "id": "mri", "status": "available",
             "procedureCode": [{"coding": [{"system": CPT, "code": "72148"}]}],
             "series": [{"uid": "1.2.840.1", "modality": {"system": DCM, "code": "MR"}, "started": day(30)}]}
    resources = chart(pid, {"onsetDateTime": day(100)}, study)

    answers = await evaluate_both_ways(cds, resources, order=LUMBAR_MRI, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert rules(answers.prefetch)[0] == "R12", answers.difference()


def statement(text: str) -> Resource:
    return {"resourceType": "MedicationStatement", "id": "med", "status": "active",
            "effectiveDateTime": day(40), "medicationCodeableConcept": {"text": text}}


def referral(code: dict[str, Any], status: str = "active", **fields: Any) -> Resource:
    return {"resourceType": "ServiceRequest", "id": "ref", "status": status, "intent": "order",
            "authoredOn": day(40), "code": {"coding": [code]}, **fields}


def compounded(ingredient: str) -> Resource:
    """A MedicationStatement whose contained Medication names its RxNorm ingredient only in ``ingredient``."""
    product = {"resourceType": "Medication", "id": "m", "code": {"text": "Compounded capsule"},
               "ingredient": [{"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": ingredient}]}}]}
    return {"resourceType": "MedicationStatement", "id": "med", "status": "active", "contained": [product],
            "effectiveDateTime": day(40), "medicationReference": {"reference": "#m"}}


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PATIENT_REFERRAL = {"system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral"}
NUCC = "http://nucc.org/provider-taxonomy"
# Conservative care recorded as exports record it, 40 days into a 100-day episode: R3b (rating none until
# candidacy is attested), or R2/R23 (appropriate) when the record also shows candidacy.
CARE: dict[str, tuple[list[Resource], str | None]] = {
    "brand-name-only": ([statement("Flexeril 10 mg tablet")], None),
    "ingredient-only": ([compounded("7258")], None),  # naproxen
    "referral-by-performerType": ([referral(PATIENT_REFERRAL, performerType={
        "coding": [{"system": NUCC, "code": "225100000X", "display": "Physical Therapist"}]})], None),
    "completed-injection-order": ([referral({"system": CPT, "code": "64483"}, "completed")], "appropriate"),
}


@pytest.mark.parametrize("shape", list(CARE))
async def test_conservative_care_recorded_as_exports_record_it_is_read_both_ways(
    cds: Any, shape: str
) -> None:
    """PATHWAY.md §2 conservative care: never R3a's "start conservative care" when the chart shows it."""
    pid = f"dfp-care-{shape}"
    extra, expected = CARE[shape]
    resources = chart(pid, {"onsetDateTime": day(100)}, *extra)

    answers = await evaluate_both_ways(cds, resources, order=LUMBAR_MRI, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert "R3a" not in rules(answers.prefetch), answers.difference()
    assert rating(answers.prefetch) == expected, answers.difference()


LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CRP_25 = {"resourceType": "Observation", "id": "crp", "status": "final", "effectiveDateTime": day(3),
          "code": {"coding": [{"system": LOINC, "code": "1988-5"}]},
          "valueQuantity": {"value": 25, "unit": "mg/L", "system": UCUM, "code": "mg/L"}}
INJECTION = {"coding": [{"system": CPT, "code": "62323"}]}
# A lumbar epidural injection 40 days ago, recorded as exports record it: with CRP 25 mg/L each is R7.
SPINAL_INJECTION: dict[str, Resource] = {
    "completed-order": {"resourceType": "ServiceRequest", "id": "esi", "status": "completed",
                        "intent": "order", "code": INJECTION, "authoredOn": day(40)},
    "period-end-only": {"resourceType": "Procedure", "id": "esi", "status": "completed", "code": INJECTION,
                        "performedPeriod": {"end": day(40)}},
}


@pytest.mark.parametrize("shape", list(SPINAL_INJECTION))
async def test_a_recent_spinal_injection_with_a_raised_crp_is_an_infection_flag_both_ways(
    cds: Any, shape: str
) -> None:
    """R7 (§3 v2): a spinal injection in the last 90 days with CRP > 10 mg/L within 14 days, on a 19-day
    radiculopathy that R1 would otherwise defer."""
    pid = f"dfp-injection-{shape}"
    resources = chart(pid, {"onsetDateTime": day(19)}, SPINAL_INJECTION[shape], CRP_25)

    answers = await evaluate_both_ways(cds, resources, order=LUMBAR_MRI, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert rules(answers.prefetch)[0] == "R7", answers.difference()


SCT = "http://snomed.info/sct"
SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"
NEUROSURGERY_REFERRAL = {"system": SCT, "code": "308482002", "display": "Referral to neurosurgeon"}
# Candidacy recorded as exports record it, in a 100-day episode with physical therapy since day 60: R2/R23
# (appropriate, no routine referral suggested) — never R3b's "no candidacy" with a referral to a specialist
# the chart shows.
CANDIDACY: dict[str, Resource] = {
    "neurosurgery-visit": {"resourceType": "Encounter", "id": "visit", "status": "finished",
                           "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                     "code": "AMB"},
                           "period": {"start": f"{day(20)}T09:30:00-05:00"},
                           "serviceType": {"coding": [{"system": SERVICE_TYPE, "code": "216"}]}},
    "injection-scheduled": {"resourceType": "Procedure", "id": "esi", "status": "preparation",
                            "code": INJECTION, "performedDateTime": (ON + timedelta(days=14)).isoformat()},
    "referral-dated-by-occurrence": {"resourceType": "ServiceRequest", "id": "ref", "status": "completed",
                                     "intent": "order", "code": {"coding": [NEUROSURGERY_REFERRAL]},
                                     "occurrenceDateTime": day(30)},
    "neurosurgeon-occupation": referral(PATIENT_REFERRAL, performerType={
        "coding": [{"system": SCT, "code": "45544007", "display": "Neurosurgeon"}]}),
}


@pytest.mark.parametrize("shape", list(CANDIDACY))
async def test_candidacy_recorded_as_exports_record_it_is_read_both_ways(cds: Any, shape: str) -> None:
    """PATHWAY.md §2 candidate, CODES.md §1e: a spine-specialist visit, a booked injection, a referral
    dated by its occurrence or named by a SNOMED CT occupation — R2/R23 by prefetch and by fallback."""
    pid = f"dfp-candidate-{shape}"
    resources = chart(pid, {"onsetDateTime": day(100)}, pt_session(60), CANDIDACY[shape])

    answers = await evaluate_both_ways(cds, resources, order=LUMBAR_MRI, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert rules(answers.prefetch) == ["R2/R23"], answers.difference()
    assert rating(answers.prefetch) == "appropriate", answers.difference()


async def test_a_chronic_problem_added_19_days_ago_is_no_19_day_episode_both_ways(cds: Any) -> None:
    """Epic's problem "Chronic left-sided low back pain with left-sided sciatica" (M54.42 + G89.29) whose
    onsetDateTime is the day it was added: chronic means twelve weeks or more, so the 19 days are only a
    lower bound — R27 "record the onset" both ways, never R1's defer (docs/pathway-facts.md "Twelfth pass:
    onset, duration and episode")."""
    pid = "dfp-chronic-problem"
    dx = {"code": {"coding": [{"system": ICD, "code": "M54.42"}, {"system": ICD, "code": "G89.29"}],
                   "text": "Chronic left-sided low back pain with left-sided sciatica"},
          "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                         "code": "active"}]},
          "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                    "code": "problem-list-item"}]}],
          "onsetDateTime": day(19), "recordedDate": day(19)}
    resources = chart(pid, {})
    resources[1] = {**resources[1], **dx}

    answers = await evaluate_both_ways(cds, resources, order=LUMBAR_MRI, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert topics(answers.prefetch) == [("SpineDataNeeded", "info")], answers.difference()  # R27, unrated


async def test_an_illness_onset_date_row_is_read_both_ways(cds: Any) -> None:
    """LOINC 11368-8 "Illness or injury onset date and time" answered 100 days ago, observed at this week's
    visit, beside a sciatica written as begun 19 days ago: the fallback fetches the row as the prefetch
    carries it, and both answer R27 "record the onset", never R1's defer."""
    pid = "dfp-illness-onset-row"
    row = {"resourceType": "Observation", "id": "onset-row", "status": "final",
           "code": {"coding": [{"system": "http://loinc.org", "code": "11368-8"}]},
           "effectiveDateTime": day(3), "valueDateTime": day(100)}
    resources = chart(pid, {"onsetDateTime": day(19)}, row)

    answers = await evaluate_both_ways(cds, resources, order=LUMBAR_MRI, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert topics(answers.prefetch) == [("SpineDataNeeded", "info")], answers.difference()  # R27, unrated
