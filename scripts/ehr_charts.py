"""Test patients shaped like EHR exports (PATHWAY.md v2): written by scripts/make_test_data.py.

What real charts showed, and these reproduce: ICD-10-CM and SNOMED CT mixed on one problem list, local
flowsheet codes, MedicationStatements next to MedicationRequests, care recorded as Encounters, an outside
MRI known only by its DiagnosticReport, resolved and refuted conditions, and dozens of resources the
pathway must read past (vitals, labs, screening questionnaires, routine visits). Every date is relative
to the evaluation date; ``expected`` in each manifest entry is what the service must decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
NUCC = "http://nucc.org/provider-taxonomy"
SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"
# A local flowsheet row system, as Epic exports them (an OID under the site's root).
FLOWSHEET = "urn:oid:1.2.840.114350.1.13.999.2.7.2.707679"
LUMBAR_MRI = {"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"}
Resource = dict[str, Any]


class EhrChart:
    """One patient's resources; ids are ``<pid>-<type>-<n>``, every resource names the patient."""

    def __init__(self, pid: str, birth: str, gender: str, evaluation_date: date) -> None:
        self.pid = pid
        self.today = evaluation_date
        self.resources: list[Resource] = [
            {
                "resourceType": "Patient",
                "id": pid,
                "gender": gender,
                "birthDate": birth,
                "identifier": [
                    {"system": "urn:oid:1.2.840.114350.1.13.999.2.7.5.737384.14", "value": f"E{pid[-4:]}"}
                ],
                "name": [{"use": "official", "family": "Chart", "given": [pid.split("-")[1].title()]}],
            }
        ]

    def day(self, offset: int) -> str:
        return (self.today - timedelta(days=offset)).isoformat()

    def add(self, kind: str, body: Resource, *, owner: str = "subject") -> str:
        n = sum(r["resourceType"] == kind for r in self.resources) + 1
        rid = f"{self.pid}-{kind.lower()}-{n}"
        self.resources.append(
            {"resourceType": kind, "id": rid, owner: {"reference": f"Patient/{self.pid}"}, **body}
        )
        return f"{kind}/{rid}"

    def condition(
        self,
        codings: list[Resource],
        *,
        onset: int | None,
        clinical: str = "active",
        verification: str = "confirmed",
        category: str = "problem-list-item",
        abatement: int | None = None,
    ) -> EhrChart:
        body: Resource = {
            "clinicalStatus": _cc("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical),
            "verificationStatus": _cc(
                "http://terminology.hl7.org/CodeSystem/condition-ver-status", verification
            ),
            "category": [_cc("http://terminology.hl7.org/CodeSystem/condition-category", category)],
            "code": {"coding": codings, "text": codings[0]["display"]},
            "recordedDate": self.day(onset if onset is not None else 0),
        }
        if onset is not None:
            body["onsetDateTime"] = self.day(onset)
        if abatement is not None:
            body["abatementDateTime"] = self.day(abatement)
        self.add("Condition", body)
        return self

    def observation(self, category: str, code: Resource, on: int, value: Resource) -> EhrChart:
        self.add(
            "Observation",
            {
                "status": "final",
                "category": [_cc(OBS_CATEGORY, category)],
                "code": {"coding": [code], "text": code["display"]},
                "effectiveDateTime": self.day(on),
                **value,
            },
        )
        return self

    def encounter(
        self,
        on: int,
        *,
        type_coding: Resource,
        service_type: Resource | None = None,
        status: str = "finished",
        reason: Resource | None = None,
        based_on: str | None = None,
    ) -> EhrChart:
        body: Resource = {
            "status": status,
            "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
            "type": [{"coding": [type_coding], "text": type_coding["display"]}],
            "period": {"start": f"{self.day(on)}T09:00:00-05:00", "end": f"{self.day(on)}T09:45:00-05:00"},
        }
        if service_type is not None:
            body["serviceType"] = {"coding": [service_type]}
        if reason is not None:
            body["reasonCode"] = [{"coding": [reason]}]
        if based_on is not None:
            body["basedOn"] = [{"reference": based_on}]
        self.add("Encounter", body)
        return self

    def statement(self, rxnorm: str, text: str, on: int, status: str = "active") -> EhrChart:
        self.add(
            "MedicationStatement",
            {
                "status": status,
                "dateAsserted": self.day(on),
                "effectiveDateTime": self.day(on),
                "medicationCodeableConcept": {
                    "coding": [{"system": RXNORM, "code": rxnorm, "display": text}],
                    "text": text,
                },
            },
        )
        return self

    def report(self, status: str, on: int, section: str, code: Resource) -> EhrChart:
        """A DiagnosticReport with a v2-0074 diagnostic-service section as its category."""
        self.add("DiagnosticReport", {"status": status, "effectiveDateTime": self.day(on),
                                      "category": [_cc(V2_0074, section)], "code": {"coding": [code]}})
        return self

    def noise(self) -> EhrChart:
        """What every exported chart carries and the pathway must read past: vitals, labs, screening,
        smoking status, routine visits, unrelated medications and problems (about forty resources)."""
        for weeks in range(0, 40, 4):
            self.observation(
                "vital-signs", _c(LOINC, "8867-4", "Heart rate"), 7 * weeks + 3, _qty(72 + weeks % 5, "/min")
            )
            self.observation(
                "vital-signs", _c(LOINC, "8310-5", "Body temperature"), 7 * weeks + 3, _qty(36.8, "Cel")
            )
            self.observation(
                "vital-signs", _c(FLOWSHEET, "5", "BP"), 7 * weeks + 3, {"valueString": "128/82"}
            )
        for months in (2, 8, 14):
            self.observation(
                "laboratory",
                _c(LOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"),
                30 * months,
                _qty(6.1, "%"),
            )
        self.observation(
            "survey",
            _c(LOINC, "55757-9", "Patient Health Questionnaire 2 item (PHQ-2)"),
            90,
            _qty(1, "{score}"),
        )
        self.observation(
            "social-history",
            _c(LOINC, "72166-2", "Tobacco smoking status"),
            90,
            {"valueCodeableConcept": {"coding": [_c(SNOMED, "8517006", "Ex-smoker")]}},
        )
        for months in (3, 9, 15):
            self.encounter(30 * months, type_coding=_c(SNOMED, "185349003", "Encounter for check up"))
        self.statement("314076", "lisinopril 10 MG Oral Tablet", 400)
        self.condition(
            [
                _c(ICD10, "I10", "Essential (primary) hypertension"),
                _c(SNOMED, "38341003", "Hypertensive disorder"),
            ],
            onset=900,
        )
        self.condition(
            [_c(ICD10, "J06.9", "Acute upper respiratory infection, unspecified")],
            onset=200,
            clinical="resolved",
            abatement=190,
            category="encounter-diagnosis",
        )
        return self


def _c(system: str, code: str, display: str) -> Resource:
    return {"system": system, "code": code, "display": display}


def _cc(system: str, code: str) -> Resource:
    return {"coding": [{"system": system, "code": code}]}


def _qty(value: float, unit: str) -> Resource:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


LUMBAR_RADICULOPATHY = [
    _c(ICD10, "M54.16", "Radiculopathy, lumbar region"),
    _c(SNOMED, "128196005", "Lumbar radiculopathy"),
]
PT_VISIT = _c(SNOMED, "410158009", "Physical therapy assessment")
PHYSIOTHERAPY = _c(SERVICE_TYPE, "65", "Physiotherapy")


def pt_encounters_nsaid_statement(today: date) -> tuple[EhrChart, str]:
    """PT only as Encounters and naproxen only as a MedicationStatement; radiculopathy 60 days; referred
    to neurosurgery: appropriate (R2/R23), never "no conservative care" (R3a)."""
    chart = EhrChart("ehr-pt-visits", "1971-04-22", "female", today).noise()
    chart.condition(LUMBAR_RADICULOPATHY, onset=60)
    chart.condition(
        [_c(ICD10, "M54.50", "Low back pain, unspecified")], onset=400, clinical="resolved", abatement=300
    )
    chart.condition(
        [_c(ICD10, "G83.4", "Cauda equina syndrome")],
        onset=58,
        verification="refuted",
        category="encounter-diagnosis",
    )
    chart.statement("849574", "Naproxen sodium 550 MG Oral Tablet", 55)
    chart.statement("197806", "Ibuprofen 600 MG Oral Tablet", 50, status="intended")
    for days_ago in (45, 38, 31, 24):
        chart.encounter(days_ago, type_coding=PT_VISIT, service_type=PHYSIOTHERAPY)
    # An office visit *for* radiculopathy is not therapy: reasonCode never classifies a visit.
    chart.encounter(
        20,
        type_coding=_c(SNOMED, "185349003", "Encounter for check up"),
        reason=_c(SNOMED, "91251008", "Physical therapy procedure"),
    )
    chart.add(
        "ServiceRequest",
        {
            "status": "active",
            "intent": "order",
            "authoredOn": chart.day(10),
            "code": {"coding": [_c(SNOMED, "308482002", "Referral to neurosurgeon")]},
            "performerType": {"coding": [_c(NUCC, "207T00000X", "Neurological Surgery")]},
        },
    )
    return chart, "PT only as Encounters, NSAID only as a MedicationStatement, 60 days, neurosurgery referral"


def outside_mri_report(today: date) -> tuple[EhrChart, str]:
    """An outside lumbar MRI known only by a final DiagnosticReport (no category, no ImagingStudy) 90 days
    ago: R12 do not repeat. A preliminary report of a later MRI does not count; lab reports are not
    fetched."""
    chart = EhrChart("ehr-outside-mri", "1966-09-03", "male", today).noise()
    chart.condition(LUMBAR_RADICULOPATHY, onset=150)
    chart.statement("310965", "Ibuprofen 200 MG Oral Tablet", 140, status="completed")
    chart.add(
        "DiagnosticReport",
        {
            "status": "final",
            "effectiveDateTime": chart.day(90),
            "issued": f"{chart.day(88)}T16:20:00Z",
            "identifier": [{"system": "urn:oid:1.2.3.4.5.6.7.outside-accession", "value": "OUT-778812"}],
            "code": {
                "coding": [_c(LOINC, "24968-0", "MR Lumbar spine")],
                "text": "MRI L-SPINE (OUTSIDE FILM)",
            },
            "conclusion": "L5-S1 disc protrusion contacting the left S1 root.",
        },
    )
    chart.report("preliminary", 5, "RAD", _c(LOINC, "30667-0", "MR Cervical spine WO contrast"))
    chart.report("final", 30, "LAB", _c(LOINC, "58410-2", "CBC panel - Blood by Automated count"))
    return chart, "outside lumbar MRI 90 days ago known only as a DiagnosticReport"


def cervical_fusion_new_lumbar(today: date) -> tuple[EhrChart, str]:
    """A cervical fusion three years ago (bodySite cervical, no Z98.1) and a new lumbar radiculopathy for
    20 days: not post-surgical (R11 needs the same region), so R1 defers the lumbar MRI."""
    chart = EhrChart("ehr-cervical-fusion", "1979-01-17", "male", today).noise()
    chart.condition(
        [_c(SNOMED, "128196005", "Lumbar radiculopathy")], onset=20, category="encounter-diagnosis"
    )
    chart.condition(
        [
            _c(ICD10, "M54.12", "Radiculopathy, cervical region"),
            _c(SNOMED, "54404000", "Cervical radiculopathy"),
        ],
        onset=1200,
        clinical="resolved",
        abatement=1090,
    )
    chart.add(
        "Procedure",
        {
            "status": "completed",
            "performedDateTime": chart.day(1100),
            "code": {"coding": [_c(CPT, "22551", "Anterior interbody arthrodesis, cervical below C2")]},
            "bodySite": [{"coding": [_c(SNOMED, "122494005", "Cervical spine structure")]}],
        },
    )
    return chart, "cervical fusion 3 years ago, new lumbar radiculopathy 20 days (not post-surgical)"


def retention_as_symptom_observation(today: date) -> tuple[EhrChart, str]:
    """New urinary retention recorded only as an Observation (LOINC 75325-1 Symptom, SNOMED value), next
    to a negative saddle-anaesthesia screen on a flowsheet row: cauda equina, critical (R5)."""
    chart = EhrChart("ehr-ces-symptom", "1980-07-09", "female", today).noise()
    chart.condition(LUMBAR_RADICULOPATHY[:1], onset=12)
    chart.observation(
        "exam",
        _c(LOINC, "75325-1", "Symptom"),
        1,
        {"valueCodeableConcept": {"coding": [_c(SNOMED, "267064002", "Retention of urine")]}},
    )
    chart.observation(
        "exam",
        _c(FLOWSHEET, "3040104412", "Saddle anaesthesia"),
        1,
        {"valueCodeableConcept": {"coding": [_c(LOINC, "LA32-8", "No")]}},
    )
    return chart, "urinary retention only as a Symptom Observation (75325-1 with a SNOMED value)"


BUILDERS: tuple[Callable[[date], tuple[EhrChart, str]], ...] = (
    pt_encounters_nsaid_statement,
    outside_mri_report,
    cervical_fusion_new_lumbar,
    retention_as_symptom_observation,
)
# What the service must decide for each (manifest "expected"): rating, the rule that decides, card topics.
EXPECTED: dict[str, Resource] = {
    "ehr-pt-visits": {"rating": "appropriate", "rule": "R2/R23", "topics": []},
    "ehr-outside-mri": {"rating": "not-appropriate", "rule": "R12", "topics": ["SpineRepeatImaging"]},
    "ehr-cervical-fusion": {"rating": "not-appropriate", "rule": "R1", "topics": ["SpineDeferImaging"]},
    "ehr-ces-symptom": {"rating": "appropriate", "rule": "R5", "topics": ["SpineRedFlag"]},
}


def ehr_patients(today: date) -> Iterator[tuple[list[Resource], Resource, str, Resource]]:
    """(resources, order coding, about, expected) for each chart."""
    for build in BUILDERS:
        chart, about = build(today)
        yield chart.resources, LUMBAR_MRI, about, EXPECTED[chart.pid]
