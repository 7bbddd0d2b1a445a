"""The parts whole charts are built from, in the shape each EHR exports them (scripts/whole_charts.py).

Three exports, as their FHIR R4 APIs write them:

* ``epic`` — problem-list Conditions coded ICD-10-CM + SNOMED CT (category problem-list-item), one
  encounter-diagnosis Condition per visit naming that visit, flowsheet rows under a local OID with the
  LOINC code beside them, temperatures in °F, medications with RxNorm SCD and SBD codings and text;
* ``oracle`` — Millennium code sets beside the standard codes, code systems written as ``urn:oid``,
  units such as ``DegC`` and ``mm/hr``;
* ``synthea`` — SNOMED CT-only Conditions (encounter diagnoses), timestamps with offsets, references as
  ``urn:uuid`` inside the transaction Bundle, encounters carrying a reasonCode.

Every date is a day offset before the order (``ago``); the corpus is written against a fixed order date
and the test moves each chart to the day it runs (tests/integration/test_whole_charts.py).
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

Resource = dict[str, Any]
ORDER_DATE = date(2026, 6, 1)
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CPT = "http://www.ama-assn.org/go/cpt"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
OID = {ICD10: "urn:oid:2.16.840.1.113883.6.90", SNOMED: "urn:oid:2.16.840.1.113883.6.96",
       LOINC: "urn:oid:2.16.840.1.113883.6.1", RXNORM: "urn:oid:2.16.840.1.113883.6.88", CPT: CPT}
EPIC_ROOT = "urn:oid:1.2.840.114350.1.13.861.1.7"
EPIC_FLOWSHEET = f"{EPIC_ROOT}.2.707679"
EPIC_VISIT_TYPE = f"{EPIC_ROOT}.10.698084.30"
EPIC_DX = f"{EPIC_ROOT}.2.728286"
MILLENNIUM = "https://fhir-ehr.cerner.com/r4/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"


def c(system: str, code: str, display: str) -> Resource:
    return {"system": system, "code": code, "display": display}


def cc(*codings: Resource, text: str | None = None) -> Resource:
    return {"coding": list(codings), "text": text or codings[0]["display"]}


class Chart:
    """One patient's resources in one export's shape; ``ago`` counts days before the order."""

    def __init__(self, pid: str, export: str, birth: str, gender: str) -> None:
        self.pid, self.export = pid, export
        self.resources: list[Resource] = []
        self.patient = self._patient(birth, gender)

    def day(self, ago: int, time: str | None = None) -> str:
        day = (ORDER_DATE - timedelta(days=ago)).isoformat()
        if time is None:
            return day
        return f"{day}T{time}-05:00" if self.export != "oracle" else f"{day}T{time}.000Z"

    def ref(self, kind: str, rid: str) -> Resource:
        return {"reference": f"urn:uuid:{rid}" if self.export == "synthea" else f"{kind}/{rid}"}

    def add(self, kind: str, body: Resource, *, owner: str = "subject") -> str:
        n = sum(r["resourceType"] == kind for r in self.resources) + 1
        rid = (str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.pid}/{kind}/{n}")) if self.export == "synthea"
               else f"{self.pid}-{kind.lower()}-{n}")
        resource: Resource = {"resourceType": kind, "id": rid}
        if kind != "Patient":
            resource[owner] = self.ref("Patient", self.patient)
        self.resources.append({**resource, **body})
        return rid

    def code(self, system: str, code: str, display: str) -> Resource:
        """A standard coding as this export writes its system (Oracle: ``urn:oid``)."""
        return c(OID[system] if self.export == "oracle" else system, code, display)

    def _patient(self, birth: str, gender: str) -> str:
        identifier = {"epic": f"{EPIC_ROOT}.5.737384.14", "oracle": "urn:oid:2.16.840.1.113883.3.13.6",
                      "synthea": "https://github.com/synthetichealth/synthea"}[self.export]
        return self.add("Patient", {
            "identifier": [{"system": identifier, "value": f"MRN-{stable(self.pid) % 10**8:08d}"}],
            "name": [{"use": "official", "family": "Whole", "given": [self.pid.split("-")[-1].title()]}],
            "gender": gender, "birthDate": birth,
            "address": [{"city": "Springfield", "state": "MA", "country": "US"}],
        })

    # --- Conditions -----------------------------------------------------------------------------------

    def problem(self, codings: list[Resource], *, onset: int | None, recorded: int | None = None,
                status: str = "active", abated: int | None = None, verification: str = "confirmed",
                category: str = "problem-list-item", encounter: str | None = None) -> str:
        """A Condition; Epic and Oracle write the ICD-10-CM and SNOMED CT codes of a problem side by side."""
        body: Resource = {
            "clinicalStatus": cc(c(CLINICAL, status, status.title())),
            "verificationStatus": cc(c(VERIFICATION, verification, verification.title())),
            "category": [cc(c(CATEGORY, category, category.replace("-", " ").title()))],
            "code": cc(*[self.code(**coding) for coding in codings]),
            "recordedDate": self.day(recorded if recorded is not None else (onset or 0), "10:12:00"),
        }
        if self.export == "epic":
            body["code"]["coding"].append(c(EPIC_DX, str(stable(codings[0]["code"]) % 10**6), "EDG"))
        if onset is not None:
            body["onsetDateTime"] = self.day(onset,
                                             "08:00:00") if self.export == "synthea" else self.day(onset)
        if abated is not None:
            body["abatementDateTime"] = self.day(abated,
                                                 "08:00:00") if self.export == "synthea" else self.day(abated)
        if encounter is not None:
            body["encounter"] = self.ref("Encounter", encounter)
        return self.add("Condition", body)

    def visit(self, ago: int, kind: Resource, *, diagnoses: Sequence[list[Resource]] = (),
              onset: dict[int, int] | None = None, service_type: Resource | None = None,
              reason: Resource | None = None, status: str = "finished") -> str:
        """An Encounter, with one encounter-diagnosis Condition per diagnosis (Epic's shape; Synthea's too,
        which codes the reason on the visit). ``onset`` gives a diagnosis (by index) an onset."""
        body: Resource = {
            "status": status,
            "class": c("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"),
            "type": [cc(kind)],
            "period": {"start": self.day(ago, "09:00:00"), "end": self.day(ago, "09:40:00")},
        }
        if service_type is not None:
            body["serviceType"] = cc(service_type)
        if reason is not None:
            body["reasonCode"] = [cc(self.code(**reason))]
        rid = self.add("Encounter", body)
        links = []
        for index, codings in enumerate(diagnoses):
            dx = self.problem(codings, onset=(onset or {}).get(index), recorded=ago,
                              category="encounter-diagnosis", encounter=rid)
            links.append({"condition": self.ref("Condition", dx), "rank": index + 1})
        if links and self.export != "synthea":
            self.resources[-1 - len(links)]["diagnosis"] = links
        return rid

    # --- Observations ---------------------------------------------------------------------------------

    def observation(self, category: str, codings: list[Resource], ago: int, value: Resource,
                    **extra: Any) -> str:
        code = cc(*[self.code(**coding) if coding["system"] in OID else coding for coding in codings])
        return self.add("Observation", {
            "status": "final", "category": [cc(c(OBS_CATEGORY, category, category.title()))],
            "code": code, "effectiveDateTime": self.day(ago, "09:05:00"), **value, **extra,
        })

    def temperature(self, ago: int, celsius: float) -> str:
        """Epic: a flowsheet row in °F beside LOINC; Oracle: a Millennium code, DegC; Synthea: UCUM Cel."""
        loinc = c(LOINC, "8310-5", "Body temperature")
        if self.export == "epic":
            value = qty(round(celsius * 9 / 5 + 32, 1), "[degF]", "degF")
            return self.observation("vital-signs", [c(EPIC_FLOWSHEET, "6", "Temp"), loinc], ago, value)
        if self.export == "oracle":
            return self.observation("vital-signs", [c(f"{MILLENNIUM}/72", "703558", "Temperature Oral"),
                                                    loinc],
                                    ago, qty(celsius, "DegC", "Cel"))
        return self.observation("vital-signs", [loinc], ago, qty(celsius, "Cel"))

    def lab(self, loinc: Resource, ago: int, value: float, unit: str) -> str:
        local = {"epic": c(f"{EPIC_ROOT}.2.768282", f"LAB{loinc['code']}", loinc["display"]),
                 "oracle": c(f"{MILLENNIUM}/72", f"2{loinc['code'].replace('-', '')}", loinc["display"])}
        codings = [local[self.export], loinc] if self.export in local else [loinc]
        return self.observation("laboratory", codings, ago, qty(value, unit))

    def vitals(self, ago: int, celsius: float = 36.8) -> None:
        """A routine visit's vital signs: a US Core panel naming its members, BP with components."""
        members = [self.temperature(ago, celsius),
                   self.observation("vital-signs", [c(LOINC, "8867-4", "Heart rate")], ago, qty(74, "/min")),
                   self.observation("vital-signs", [c(LOINC, "85354-9", "Blood pressure panel")], ago, {
                       "component": [{"code": cc(c(LOINC, "8480-6", "Systolic blood pressure")),
                                      "valueQuantity": quantity(132, "mm[Hg]")},
                                     {"code": cc(c(LOINC, "8462-4", "Diastolic blood pressure")),
                                      "valueQuantity": quantity(84, "mm[Hg]")}]}),
                   self.observation("vital-signs", [c(LOINC, "29463-7", "Body weight")], ago, qty(81.2,
                                                                                                  "kg"))]
        self.observation("vital-signs", [c(LOINC, "85353-1", "Vital signs panel")], ago, {},
                         hasMember=[self.ref("Observation", m) for m in members])

    # --- Care, orders, imaging ------------------------------------------------------------------------

    def medication(self, ago: int, codings: list[Resource], text: str, *, kind: str = "MedicationRequest",
                   status: str = "active", **extra: Any) -> str:
        concept = {"coding": [self.code(**coding) for coding in codings], "text": text}
        if kind == "MedicationStatement":
            return self.add(kind, {"status": status, "medicationCodeableConcept": concept,
                                   "effectiveDateTime": self.day(ago), "dateAsserted": self.day(ago)})
        drug: Resource = {"medicationCodeableConcept": concept}
        if self.export == "epic":  # Epic names a Medication resource (not in the patient's compartment)
            product = f"{self.pid}-medication-{len(self.resources)}"
            self.resources.append({"resourceType": "Medication", "id": product, "code": concept})
            drug = {"medicationReference": {"reference": f"Medication/{product}", "display": text}}
        return self.add(kind, {"status": status, "intent": "order", **drug, **extra,
                               "authoredOn": self.day(ago, "11:30:00"),
                               "dosageInstruction": [{"text": text}]})

    def procedure(self, ago: int, codings: list[Resource], *, body_site: Resource | None = None,
                  reason: Resource | None = None) -> str:
        body: Resource = {"status": "completed", "code": cc(*[self.code(**x) for x in codings]),
                          "performedDateTime": self.day(ago, "13:00:00")}
        if self.export == "synthea":  # Synthea dates every procedure by a period
            del body["performedDateTime"]
            body["performedPeriod"] = {"start": self.day(ago, "13:00:00"), "end": self.day(ago, "13:45:00")}
        if body_site is not None:
            body["bodySite"] = [cc(body_site)]
        if reason is not None:
            body["reasonCode"] = [cc(self.code(**reason))]
        return self.add("Procedure", body)

    def referral(self, ago: int, code: Resource, *, status: str = "active") -> str:
        return self.add("ServiceRequest", {"status": status, "intent": "order", "code": cc(self.code(**code)),
                                           "authoredOn": self.day(ago, "11:00:00")})

    def study(self, ago: int, modality: str, procedure: Resource, site: Resource) -> str:
        return self.add("ImagingStudy", {
            "status": "available", "started": self.day(ago, "15:10:00"),
            "modality": [c("http://dicom.nema.org/resources/ontology/DCM", modality, modality)],
            "procedureCode": [cc(self.code(**procedure))],
            "series": [{"uid": f"1.2.840.{stable((self.pid, ago)) % 10**9}", "number": 1,
                        "modality": c("http://dicom.nema.org/resources/ontology/DCM", modality, modality),
                        "bodySite": c(SNOMED, site["code"], site["display"])}],
        })

    def report(self, ago: int, codings: list[Resource], conclusion: str, *, status: str = "final") -> str:
        return self.add("DiagnosticReport", {
            "status": status, "category": [cc(c("http://loinc.org", "LP29684-5", "Radiology"))],
            "code": cc(*codings), "effectiveDateTime": self.day(ago, "15:00:00"),
            "issued": self.day(max(ago - 1, 0), "17:00:00"), "conclusion": conclusion,
        })

    def bundle(self) -> Resource:
        """A transaction Bundle: Synthea's ``urn:uuid`` fullUrls and POSTs (the server assigns the ids and
        rewrites every ``urn:uuid`` reference); the others PUT by id, with their server URL."""
        def full_url(r: Resource) -> str:
            if self.export == "synthea":
                return f"urn:uuid:{r['id']}"
            return f"https://fhir.example.org/{self.export}/R4/{r['resourceType']}/{r['id']}"
        def request(r: Resource) -> Resource:  # Synthea POSTs: the server names each resource
            if self.export == "synthea":
                return {"method": "POST", "url": r["resourceType"]}
            return {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}
        return {"resourceType": "Bundle", "type": "transaction", "entry": [
            {"fullUrl": full_url(r), "resource": r, "request": request(r)} for r in self.resources]}


def quantity(value: float, unit: str, code: str | None = None) -> Resource:
    return {"value": value, "unit": unit, "system": UCUM, "code": code or unit}


def qty(value: float, unit: str, code: str | None = None) -> Resource:
    return {"valueQuantity": quantity(value, unit, code)}


def stable(value: object) -> int:
    """A number derived from ``value`` that is the same on every run (``hash`` is salted per process)."""
    return zlib.crc32(repr(value).encode())
