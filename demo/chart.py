"""Build one demo patient's chart as R4 resources, every date counted back from ``today``.

The sandbox sends orders without ``authoredOn``, so the service rates them on its own calendar date
(PATHWAY.md §2 "order date … else today"). The charts are therefore written for the day the demo runs:
``ChartBuilder(pid, today)`` turns "20 days ago" into a date, and the same ``today`` always gives the
same bytes. Resource ids are ``<patient id>-<kind>-<n>``, so reloading a chart replaces it (PUT).
"""

from __future__ import annotations

import calendar
import zlib
from datetime import date, timedelta
from typing import Any

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NUCC = "http://nucc.org/provider-taxonomy"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
UCUM = "http://unitsofmeasure.org"
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

Resource = dict[str, Any]


def coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [coding(system, code, display)], "text": display}


class ChartBuilder:
    """Collects one patient's resources; ``ago`` arguments are whole days before ``today``."""

    def __init__(self, pid: str, today: date, *, given: str, family: str, gender: str, age: int) -> None:
        self.pid, self.today = pid, today
        self.resources: list[Resource] = [{
            "resourceType": "Patient", "id": pid, "active": True, "gender": gender,
            "birthDate": birth_date(today, age).isoformat(),
            "name": [{"use": "official", "family": family, "given": [given], "text": f"{given} {family}"}],
            "identifier": [{"system": "urn:spine-cds:demo:mrn", "value": pid.upper()}],
        }]

    def day(self, ago: int) -> str:
        return (self.today - timedelta(days=ago)).isoformat()

    def _add(self, resource_type: str, body: Resource, *, subject: str = "subject") -> Resource:
        n = sum(r["resourceType"] == resource_type for r in self.resources) + 1
        resource = {"resourceType": resource_type, "id": f"{self.pid}-{resource_type.lower()}-{n}",
                    subject: {"reference": f"Patient/{self.pid}"}, **body}
        self.resources.append(resource)
        return resource

    def condition(self, system: str, code: str, display: str, *, onset: int | None,
                  recorded: int | None = None, active: bool = True,
                  category: str = "problem-list-item") -> ChartBuilder:
        body: Resource = {
            "clinicalStatus": {"coding": [{"system": _CLINICAL, "code": "active" if active else "resolved"}]},
            "verificationStatus": {"coding": [{"system": _VERIFICATION, "code": "confirmed"}]},
            "category": [{"coding": [{"system": _CATEGORY, "code": category}]}],
            "code": concept(system, code, display),
        }
        if onset is not None:
            body["onsetDateTime"] = self.day(onset)
        body["recordedDate"] = self.day(recorded if recorded is not None else onset or 0)
        self._add("Condition", body)
        return self

    def observation(self, code: str, display: str, value: float, unit: str, ucum: str, *, ago: int,
                    category: str = "vital-signs") -> ChartBuilder:
        self._add("Observation", {
            "status": "final",
            "category": [{"coding": [{"system": _OBSERVATION_CATEGORY, "code": category}]}],
            "code": concept(LOINC, code, display),
            "effectiveDateTime": f"{self.day(ago)}T09:30:00Z",
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": ucum},
        })
        return self

    def temperature(self, celsius: float, *, ago: int) -> ChartBuilder:
        return self.observation("8310-5", "Body temperature", celsius, "Cel", "Cel", ago=ago)

    def pain(self, score: int, *, ago: int) -> ChartBuilder:
        return self.observation("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
                                score, "{score}", "{score}", ago=ago, category="survey")

    def blood_pressure(self, systolic: int, diastolic: int, *, ago: int) -> ChartBuilder:
        self._add("Observation", {
            "status": "final",
            "category": [{"coding": [{"system": _OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
            "code": concept(LOINC, "85354-9", "Blood pressure panel with all children optional"),
            "effectiveDateTime": f"{self.day(ago)}T09:30:00Z",
            "component": [
                {"code": concept(LOINC, "8480-6", "Systolic blood pressure"),
                 "valueQuantity": {"value": systolic, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"}},
                {"code": concept(LOINC, "8462-4", "Diastolic blood pressure"),
                 "valueQuantity": {"value": diastolic, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"}},
            ],
        })
        return self

    def medication(self, rxnorm: str, display: str, *, ago: int, days: int = 30,
                   sig: str = "as directed") -> ChartBuilder:
        """A product (SCD) code with the ingredient in its display, as EHRs send them."""
        self._add("MedicationRequest", {
            "status": "active", "intent": "order", "authoredOn": self.day(ago),
            "medicationCodeableConcept": concept(RXNORM, rxnorm, display),
            "dosageInstruction": [{"text": sig}],
            "dispenseRequest": {"expectedSupplyDuration": {"value": days, "unit": "days", "system": UCUM,
                                                           "code": "d"}},
        })
        return self

    def procedure(self, system: str, code: str, display: str, *, ago: int,
                  status: str = "completed") -> ChartBuilder:
        self._add("Procedure", {"status": status, "code": concept(system, code, display),
                                "performedDateTime": self.day(ago)})
        return self

    def physical_therapy(self, *, started: int, sessions: int, every: int = 7) -> ChartBuilder:
        """An evaluation, then weekly therapeutic exercise sessions (CPT 97161, 97110)."""
        self.procedure(CPT, "97161", "Physical therapy evaluation, low complexity", ago=started)
        for session in range(1, sessions + 1):
            if started - session * every >= 0:
                self.procedure(CPT, "97110", "Therapeutic exercises", ago=started - session * every)
        return self

    def imaging_study(self, cpt: str, display: str, modality: str, *, ago: int) -> ChartBuilder:
        self._add("ImagingStudy", {
            "status": "available", "started": f"{self.day(ago)}T14:00:00Z", "description": display,
            "procedureCode": [concept(CPT, cpt, display)],
            "modality": [{"system": DICOM, "code": modality}],
            "numberOfSeries": 1,
            "series": [{"uid": f"2.25.{zlib.crc32(f'{self.pid}/{cpt}'.encode())}.{ago}",
                        "modality": {"system": DICOM, "code": modality}, "description": display}],
        })
        return self

    def referral(self, code: str, display: str, *, ago: int, taxonomy: tuple[str, str] | None = None,
                 status: str = "active") -> ChartBuilder:
        body: Resource = {"status": status, "intent": "order", "authoredOn": self.day(ago),
                          "category": [concept(SNOMED, "3457005", "Patient referral")],
                          "code": concept(SNOMED, code, display), "priority": "routine"}
        if taxonomy:
            body["performerType"] = concept(NUCC, *taxonomy)
        self._add("ServiceRequest", body)
        return self

    def planned_procedure(self, cpt: str, display: str, *, ordered: int, in_days: int) -> ChartBuilder:
        """An order for a procedure that has not happened yet (e.g. an epidural injection)."""
        when = (self.today + timedelta(days=in_days)).isoformat()
        self._add("ServiceRequest", {"status": "active", "intent": "order", "authoredOn": self.day(ordered),
                                     "code": concept(CPT, cpt, display), "occurrenceDateTime": when})
        return self

    def encounter(self, reason: str, *, ago: int) -> ChartBuilder:
        self._add("Encounter", {
            "status": "finished",
            "class": {"system": _ACT_CODE, "code": "AMB", "display": "ambulatory"},
            "type": [concept(SNOMED, "185349003", "Encounter for check up")],
            "reasonCode": [{"text": reason}],
            "period": {"start": f"{self.day(ago)}T09:00:00Z", "end": f"{self.day(ago)}T09:40:00Z"},
        })
        return self


def birth_date(today: date, age: int) -> date:
    """200 days past a birthday: ``age`` whole years old today (a 29 February becomes the 28th)."""
    anchor = today - timedelta(days=200)
    year = anchor.year - age
    if anchor.month == 2 and anchor.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return anchor.replace(year=year)
