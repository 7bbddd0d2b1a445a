"""Replaying an export gives the answer the order-sign hook gave when the order was written (PATHWAY.md
invariant 4 in spirit), on charts shaped like real Bulk Data exports.

Each case is two charts of one patient: ``then``, what was on record when the order was written (posted to
the hook through the real app), and the export, what a Bulk Data ``$export`` holds now (later results,
today's version of each resource, references as the exporting server writes them). The replay of the
export must give the hook's rating, card topics and card count.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from replay_export import ORDER_AT, hook_answer, order, order_sign, patient_resources, spine_patients

Json = dict[str, Any]
LOINC, RXNORM = "http://loinc.org", "http://www.nlm.nih.gov/research/umls/rxnorm"
CPT, ICD10 = "http://www.ama-assn.org/go/cpt", "http://hl7.org/fhir/sid/icd-10-cm"
DAY20, SIXTY_DAYS = "spine-lumbar-day20", "spine-many-conditions"


def exports_of_every_case() -> list[Json]:
    """Every case's export with its order, each case's patient under its own id: one export."""
    resources: list[Json] = []
    for index, case in enumerate(CASES):
        then, export = CASES[case]()
        patient_id = patient_of_case(then)
        draft = order(patient_id, {"system": CPT, "code": "72148"}, authored=ORDER_AT)
        resources += json.loads(json.dumps([*export, draft]).replace(patient_id, f"case{index}-{patient_id}"))
    return resources


def _chart(patient_id: str, *, without: tuple[str, ...] = ()) -> list[Json]:
    entry = next(p for p in spine_patients() if p["id"] == patient_id)
    return [r for r in patient_resources(entry) if r["resourceType"] not in without]


def _of(patient_id: str, resource: Json) -> Json:
    return {**resource, "subject": {"reference": f"Patient/{patient_id}"}}


def _fever(patient_id: str, **dated: Any) -> Json:
    return _of(patient_id, {"resourceType": "Observation", "id": "fever", "status": "final",
                            "code": {"coding": [{"system": LOINC, "code": "8310-5"}]},
                            "valueQuantity": {"value": 39.1, "unit": "Cel",
                                              "system": "http://unitsofmeasure.org", "code": "Cel"},
                            **dated})


def _lumbar_mri(patient_id: str, **dated: Any) -> Json:
    return _of(patient_id, {"resourceType": "ImagingStudy", "id": "mri", "status": "available",
                            "procedureCode": [{"coding": [{"system": CPT, "code": "72148"}]}], **dated})


def _naproxen(patient_id: str, **drug: Any) -> Json:
    return _of(patient_id, {"resourceType": "MedicationRequest", "id": "nsaid", "status": "active",
                            "intent": "order", **drug})


NAPROXEN = {"medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "7258"}]}}
NAPROXEN_PRODUCT = {"resourceType": "Medication", "id": "naproxen-250",
                    "code": {"coding": [{"system": RXNORM, "code": "7258", "display": "naproxen"}]}}
CAUDA_EQUINA = {"coding": [{"system": ICD10, "code": "G83.4", "display": "Cauda equina syndrome"}]}


def _cauda_equina(patient_id: str, **fields: Any) -> Json:
    return _of(patient_id, {"resourceType": "Condition", "id": "ces", "code": CAUDA_EQUINA,
                            "clinicalStatus": {"coding": [{"code": "active"}]}, **fields})


def _later_results(patient_id: str) -> tuple[list[Json], list[Json]]:
    """Results dated after the order only by the element the hook reads: a period's end, a timing, a
    series' start, a dose's bounds, a referral's occurrence period."""
    later = [
        _fever(patient_id, id="fever-end", effectivePeriod={"end": "2025-06-04"}),
        _fever(patient_id, id="fever-timing", effectiveTiming={"event": ["2025-06-05T09:00:00Z"]}),
        _lumbar_mri(patient_id, series=[{"uid": "1.2.3", "started": "2025-06-10T08:00:00Z",
                                         "modality": {"code": "MR"}}]),
    ]
    return _chart(patient_id), _chart(patient_id) + later


def _own_study_the_same_day() -> tuple[list[Json], list[Json]]:
    """The order's own MRI, done later the same day and dated only by its series' start (a date, as a
    PACS export writes it): not prior imaging when the order was written."""
    study = _lumbar_mri(SIXTY_DAYS, series=[{"uid": "1.2.3", "started": "2025-06-02",
                                             "modality": {"code": "MR"}}])
    return _chart(SIXTY_DAYS), [*_chart(SIXTY_DAYS), study]


NEUROSURGERY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/service-type", "code": "216"}]}


def _booked(**meta: Any) -> tuple[list[Json], list[Json]]:
    """A neurosurgery visit and an epidural injection booked before the order for the week after it, still
    booked in the export (``planned``, ``preparation``): the hook read them as candidacy (R23, CODES.md
    §1e). Their date is the appointment's, by nature after the booking: not when they were known."""
    visit = _of(SIXTY_DAYS, {"resourceType": "Encounter", "id": "neurosurgery", "status": "planned",
                             "serviceType": NEUROSURGERY, "period": {"start": "2025-06-09T09:00:00Z"},
                             **meta})
    injection = _of(SIXTY_DAYS, {"resourceType": "Procedure", "id": "esi", "status": "preparation",
                                 "code": {"coding": [{"system": CPT, "code": "62323"}]},
                                 "performedDateTime": "2025-06-12", **meta})
    then = [*_chart(SIXTY_DAYS), visit, injection]
    return then, then


def _booked_after_the_order() -> tuple[list[Json], list[Json]]:
    """The same bookings, written (last updated) two days after the order: not seen then."""
    _, export = _booked(meta={"lastUpdated": "2025-06-04T10:00:00Z"})
    return _chart(SIXTY_DAYS), export


def _care_after_the_order() -> tuple[list[Json], list[Json]]:
    """No conservative care when the order was written; an NSAID course dated only by its dose's bounds,
    and a physical therapy referral dated only by its occurrence period, begin after it (R2)."""
    then = _chart(SIXTY_DAYS, without=("MedicationRequest", "Procedure"))
    nsaid = _naproxen(SIXTY_DAYS, **NAPROXEN, dosageInstruction=[
        {"timing": {"repeat": {"boundsPeriod": {"start": "2025-06-10", "end": "2025-07-10"}}}}])
    physio = _of(SIXTY_DAYS, {"resourceType": "ServiceRequest", "id": "pt", "status": "active",
                              "intent": "order", "occurrencePeriod": {"start": "2025-06-12"},
                              "code": {"coding": [{"system": CPT, "code": "97110"}]}})
    return then, [*then, nsaid, physio]


def _care_before_the_order() -> tuple[list[Json], list[Json]]:
    """The same care, begun before the order: kept."""
    bounds = {"timing": {"repeat": {"boundsPeriod": {"start": "2025-04-10"}}}}
    then = [*_chart(SIXTY_DAYS, without=("MedicationRequest", "Procedure")),
            _naproxen(SIXTY_DAYS, **NAPROXEN, dosageInstruction=[bounds]),
            _fever(SIXTY_DAYS, id="fever-before", effectivePeriod={"end": "2025-05-31"})]
    return then, then


def _drug_in_its_own_file() -> tuple[list[Json], list[Json]]:
    """An NSAID named by ``medicationReference`` to a Medication exported in ``Medication.ndjson`` (no
    subject: a formulary entry), as US Core servers write it; the hook got it as an included entry."""
    prescription = _naproxen(SIXTY_DAYS, authoredOn="2025-04-08",
                             medicationReference={"reference": "Medication/naproxen-250"})
    then = [*_chart(SIXTY_DAYS, without=("MedicationRequest",)), prescription, NAPROXEN_PRODUCT]
    return then, then


def _versions() -> tuple[list[Json], list[Json]]:
    """Two versions of one Condition in the export: cauda equina when the order was written, recoded since
    as the radiculopathy it turned out to be. The replay must read the version that stood then."""
    known = _cauda_equina(DAY20, recordedDate="2025-05-30",
                          meta={"versionId": "1", "lastUpdated": "2025-05-30T09:00:00Z"})
    recoded = {**known, "code": {"coding": [{"system": ICD10, "code": "M54.16"}]},
               "meta": {"versionId": "2", "lastUpdated": "2025-08-01T09:00:00Z"}}
    return [*_chart(DAY20), known], [*_chart(DAY20), recoded, known]


def _undated_diagnosis_of_a_later_visit() -> tuple[list[Json], list[Json]]:
    """A cauda equina diagnosis with no date of its own, made at a visit after the order (its Encounter
    carries it): the hook could not have seen it."""
    visit = _of(DAY20, {"resourceType": "Encounter", "id": "ed-visit", "status": "finished",
                        "class": {"code": "EMER"}, "period": {"start": "2025-06-20T14:00:00Z"},
                        "diagnosis": [{"condition": {"reference": "Condition/ces"}}]})
    diagnosis = _cauda_equina(DAY20, encounter={"reference": "Encounter/ed-visit"})
    return _chart(DAY20), [*_chart(DAY20), visit, diagnosis]


def _diagnosis_at(recorded: str, *, before: bool) -> tuple[list[Json], list[Json]]:
    """A cauda equina diagnosis recorded on the order's day in another offset than the order's (a server
    writing instants in UTC, the EHR the order in local time): before or after the order by the clock."""
    diagnosis = _cauda_equina(DAY20, recordedDate=recorded, onsetDateTime=recorded)
    return [*_chart(DAY20), *([diagnosis] if before else [])], [*_chart(DAY20), diagnosis]


def _subjects_as(reference: Callable[[str], str], patient_id: str) -> tuple[list[Json], list[Json]]:
    chart = _chart(patient_id)
    export = [r if r["resourceType"] == "Patient" else {**r, "subject": {"reference": reference(r["id"])}}
              for r in chart]
    return chart, export


CASES: dict[str, Callable[[], tuple[list[Json], list[Json]]]] = {
    "later results dated by a period end, a timing, a series": lambda: _later_results(DAY20),
    "later results, sixty days": lambda: _later_results(SIXTY_DAYS),
    "the order's own study the same day, dated by its series": _own_study_the_same_day,
    "a visit and an injection booked for after the order": _booked,
    "booked, last updated before the order": lambda: _booked(meta={"lastUpdated": "2025-05-28T10:00:00Z"}),
    "booked after the order (last updated after it)": _booked_after_the_order,
    "care begun after the order, dated by dose bounds and occurrence": _care_after_the_order,
    "care begun before the order, dated by dose bounds; fever by period end": _care_before_the_order,
    "a drug named by a Medication in its own file": _drug_in_its_own_file,
    "several versions of a Condition": _versions,
    "an undated diagnosis of a visit after the order": _undated_diagnosis_of_a_later_visit,
    "a red flag recorded half an hour before the order, in another offset": lambda: _diagnosis_at(
        "2025-06-02T10:30:00+02:00", before=True),   # 08:30 UTC; the order 09:00 UTC
    "a red flag recorded half an hour after the order, in UTC": lambda: _diagnosis_at(
        "2025-06-02T09:30:00Z", before=False),
    "a red flag recorded at a leap second before the order, in another offset": lambda: _diagnosis_at(
        "2025-06-02T10:59:60+02:00", before=True),  # 08:59:60 UTC
    "a red flag recorded before the order, its onset typed decades after it": lambda: (
        [*_chart(DAY20), ces := _cauda_equina(DAY20, recordedDate="2025-05-30", onsetDateTime="2062-05-30")],
        [*_chart(DAY20), ces]),
    "a fever whose period ends before it starts (a typo), the start after the order": lambda: (
        [*_chart(DAY20), fever := _fever(DAY20, effectivePeriod={"start": "2025-06-20",
                                                                  "end": "2025-06-01"})],
        [*_chart(DAY20), fever]),
    "subjects as urn:uuid": lambda: _subjects_as(lambda _: f"urn:uuid:{DAY20}", DAY20),
    "subjects as lower-case patient/": lambda: _subjects_as(lambda _: f"patient/{DAY20}", DAY20),
    "subjects as absolute URLs": lambda: _subjects_as(
        lambda _: f"https://ehr.example/fhir/Patient/{DAY20}", DAY20),
}


def patient_of_case(resources: list[Json]) -> str:
    return str(next(r["id"] for r in resources if r["resourceType"] == "Patient"))


@pytest.mark.parametrize("case", list(CASES))
async def test_the_replay_answers_as_the_hook_answered_with_the_chart_of_that_day(
    case: str, client: httpx.AsyncClient, replay_of: Callable[..., list[dict[str, str]]]
) -> None:
    then, export = CASES[case]()
    patient_id = patient_of_case(then)
    draft = order(patient_id, {"system": CPT, "code": "72148"}, authored=ORDER_AT)
    response = await client.post("/cds-services/spine-imaging-order-sign",
                                  json=order_sign(patient_id, then, draft))
    assert response.status_code == 200, response.text
    rows = replay_of([*export, draft])
    assert [{k: row[k] for k in ("rating", "topics", "cards")} for row in rows] == \
        [hook_answer(response.json())], case
