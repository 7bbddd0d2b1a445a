"""Whole charts shaped as a small clinic's CSV-to-FHIR conversion, a Synthea export and an HIE/CCD-derived
bundle, each the story of one patient where the non-red-flag rules of PATHWAY.md meet (conservative care,
prior imaging and surgery, modality, fracture risk, age, region), and four where a red
flag hides in the export (a fever, a new urinary retention, a raised ESR at 62, a transplant).

Every date is written as days from ``today`` (the order date), so the order-select (``authoredOn`` = today)
and the patient-view (the site's today) see the same chart. The expected answer of each chart is decided by
hand from PATHWAY.md and kept beside it (``Expected``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

Resource = dict[str, Any]
CPT = "http://www.ama-assn.org/go/cpt"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10_OID = "urn:oid:2.16.840.1.113883.6.90"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


@dataclass(frozen=True)
class Expected:
    """The hand-decided answer: rating, the rule named in the PAMA criteria, the decision card."""

    order: Resource
    rating: str | None
    rules: tuple[str, ...]
    topic: str | None
    indicator: str | None
    absent: tuple[str, ...] = ()
    why: str = ""


@dataclass
class Chart:
    """One patient's export, built resource by resource with dates as days from the order date."""

    pid: str
    today: date
    resources: list[Resource] = field(default_factory=list)
    meta: Resource | None = None  # the HIE's meta.source for what follows

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def add(self, kind: str, suffix: str, **body: Any) -> Resource:
        resource: Resource = {"resourceType": kind, "id": f"{self.pid}-{suffix}", **body}
        if kind != "Patient":
            resource.setdefault("subject", {"reference": f"Patient/{self.pid}"})
        if self.meta is not None:
            resource.setdefault("meta", dict(self.meta))
        self.resources.append(resource)
        return resource

    def patient(self, born_years_ago: int, gender: str, **more: Any) -> None:
        born = self.today.replace(year=self.today.year - born_years_ago) - timedelta(days=40)
        self.add("Patient", "pt", birthDate=born.isoformat(), gender=gender, **more)
        self.resources[-1]["id"] = self.pid


def concept(
    text: str, system: str | None = None, code: str | None = None, display: str | None = None
) -> Resource:
    """A CodeableConcept as exports write it: a coding only when a code is given, its system when any."""
    if code is None:
        return {"text": text}
    coding: Resource = {"code": code}
    if system is not None:
        coding["system"] = system
    if display is not None:
        coding["display"] = display
    return {"coding": [coding], "text": text}


def status(system: str, code: str) -> Resource:
    return {"coding": [{"system": system, "code": code}]}


# ---------------------------------------------------------------------------------------------------------
# (a) a small clinic's CSV-to-FHIR conversion


def clinic_vitals(chart: Chart, visits: list[int], *, temp_f: float = 98.2) -> None:
    """Each visit's vitals row as a CSV converter writes them: a Condition-free Observation per column, its
    code only the column's header, the date a plain "YYYY-MM-DD" string, no status."""
    for number, offset in enumerate(visits):
        when = chart.day(offset)
        chart.add(
            "Encounter",
            f"v{number}",
            status="finished",
            **{"class": {"code": "AMB"}},
            type=[{"text": "Office Visit"}],
            period={"start": when},
        )
        rows: list[tuple[str, Resource]] = [
            ("Temp", {"valueQuantity": {"value": temp_f, "unit": "F"}}),
            ("BP", {"valueString": "128/82"}),
            ("Pulse", {"valueQuantity": {"value": 76, "unit": "bpm"}}),
            ("Weight", {"valueQuantity": {"value": 181, "unit": "lb"}}),
        ]
        for header, value in rows:
            chart.add(
                "Observation",
                f"v{number}-{header.lower()}",
                status="final",
                code={"text": header},
                effectiveDateTime=when,
                **value,
            )


def clinic_early_sciatica(today: date) -> tuple[Chart, Expected]:
    """A 44-year-old woman, left L5 sciatica for 20 days; ibuprofen started; careful negatives charted as
    columns ("Bowel/bladder: No changes", "Saddle numbness: Denies", "Fever: N"). No red flag: R1 defers."""
    chart = Chart("clinic-early", today)
    chart.patient(44, "female", name=[{"text": "Clinic Early"}])
    clinic_vitals(chart, [-400, -200, -19, -6])
    chart.add(
        "Condition",
        "dx-lbp",
        code=concept("Lumbar radiculopathy, left L5", "ICD-10-CM", "M54.16"),
        onsetDateTime=chart.day(-20),
        recordedDate=chart.day(-19),
    )
    chart.add(
        "Condition", "dx-htn", code=concept("Hypertension", "ICD-10-CM", "I10"), onsetDateTime=chart.day(-900)
    )
    chart.add("Condition", "dx-lipid", code=concept("Hyperlipidemia", None, "E78.5"), onsetDateTime="2019")
    chart.add("Condition", "dx-gerd", code=concept("GERD"), onsetDateTime="2021-03")
    for suffix, header, answer in [
        ("slr", "Straight leg raise, left", "Positive at 40 degrees"),
        ("bb", "Bowel/bladder", "No changes"),
        ("saddle", "Saddle numbness", "Denies"),
        ("fever", "Fever", "N"),
        ("strength", "Strength, L EHL", "5/5"),
        ("pain", "Pain score", "7"),
    ]:
        chart.add(
            "Observation",
            f"exam-{suffix}",
            status="final",
            code={"text": header},
            effectiveDateTime=chart.day(-6),
            valueString=answer,
        )
    chart.add(
        "MedicationStatement",
        "ibu",
        status="active",
        medicationCodeableConcept=concept("Ibuprofen 600 mg tablet, 1 tab TID with food"),
        effectivePeriod={"start": chart.day(-19)},
    )
    chart.add(
        "MedicationStatement",
        "lisinopril",
        status="active",
        medicationCodeableConcept=concept("Lisinopril 10 mg daily"),
        effectivePeriod={"start": "2023"},
    )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating="not-appropriate",
        rules=("R1",),
        topic="SpineDeferImaging",
        indicator="warning",
        absent=("SpineRedFlag",),
        why="20 days, no red flag: R1",
    )


def clinic_care_done(today: date) -> tuple[Chart, Expected]:
    """A 52-year-old man, right S1 sciatica for 75 days; naproxen and six PT visits by the clinic's own
    columns; no referral to a surgeon. Age over 50 is a weak flag that changes nothing from D ≥ 42 (R9), so
    conservative care done and no candidacy: R3b (no rating until attested), never R3a's defer."""
    chart = Chart("clinic-care", today)
    chart.patient(52, "male")
    clinic_vitals(chart, [-300, -74, -45, -10])
    chart.add(
        "Condition",
        "dx",
        code=concept("Sciatica, right (S1)", "ICD10", "M54.31"),
        onsetDateTime=chart.day(-75),
    )
    chart.add(
        "Condition", "dx-lbp", code=concept("Low back pain", "ICD10", "M54.50"), onsetDateTime=chart.day(-75)
    )
    chart.add("Condition", "dx-dm", code=concept("Type 2 diabetes", "ICD10", "E11.9"), onsetDateTime="2018")
    chart.add(
        "MedicationRequest",
        "naproxen",
        status="active",
        intent="order",
        medicationCodeableConcept=concept("Naproxen 500 mg tab BID"),
        authoredOn=chart.day(-74),
    )
    chart.add(
        "MedicationRequest",
        "metformin",
        status="active",
        intent="order",
        medicationCodeableConcept=concept("Metformin 1000 mg BID"),
        authoredOn=chart.day(-300),
    )
    for visit in range(6):
        chart.add(
            "Procedure",
            f"pt{visit}",
            status="completed",
            code=concept("PT - therapeutic exercise", "CPT", "97110"),
            performedDateTime=chart.day(-60 + 7 * visit),
        )
    chart.add(
        "Observation",
        "a1c",
        status="final",
        code=concept("Hemoglobin A1c", None, "4548-4"),
        effectiveDateTime=chart.day(-74),
        valueQuantity={"value": 6.9, "unit": "%"},
    )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating=None,
        rules=("R3b",),
        topic="SpineImagingAppropriate",
        indicator="info",
        absent=("SpineDeferImaging", "SpineRedFlag"),
        why="75 days, naproxen and PT, not a candidate: R3b",
    )


def clinic_osteoporosis_ct(today: date) -> tuple[Chart, Expected]:
    """A 74-year-old woman on alendronate for osteoporosis fell from standing 10 days ago; back pain with
    sciatica since; the clinic orders a lumbar CT. Fracture risk (R10) comes before R1 and R9: imaging
    appropriate, radiographs first, and CT is not swapped for MRI (R13 needs no fracture risk)."""
    chart = Chart("clinic-porosis", today)
    chart.patient(74, "female")
    clinic_vitals(chart, [-900, -700, -500, -180, -9])
    chart.add(
        "Condition",
        "dx",
        code=concept("Lumbago with sciatica, left side", "ICD-10", "M54.42"),
        onsetDateTime=chart.day(-10),
    )
    chart.add(
        "Condition",
        "porosis",
        code=concept("Osteoporosis, age-related", "ICD-10", "M81.0"),
        onsetDateTime="2020-01-01",
    )
    chart.add(
        "Condition",
        "fall",
        code=concept("Fall from standing at home", "ICD-10", "W18.30XA"),
        onsetDateTime=chart.day(-10),
    )
    chart.add(
        "Condition", "af", code=concept("Atrial fibrillation", "ICD-10", "I48.91"), onsetDateTime="2017"
    )
    chart.add(
        "MedicationStatement",
        "alendronate",
        status="active",
        medicationCodeableConcept=concept("Alendronate 70 mg weekly"),
        effectivePeriod={"start": "2020"},
    )
    chart.add(
        "MedicationStatement",
        "apixaban",
        status="active",
        medicationCodeableConcept=concept("Eliquis 5 mg BID"),
        effectivePeriod={"start": "2017"},
    )
    return chart, Expected(
        order={"system": CPT, "code": "72131", "display": "CT lumbar spine without contrast"},
        rating="appropriate",
        rules=("R10",),
        topic="SpineImagingAppropriate",
        indicator="info",
        absent=("SpineDeferImaging", "SpineModality", "SpineRedFlag"),
        why="osteoporosis and a fall: R10",
    )


def clinic_fever_ivdu(today: date) -> tuple[Chart, Expected]:
    """A 36-year-old man, lumbar radiculopathy for 12 days; the clinic's vitals columns carry a temperature
    of 101.6 (°F, unit "F", the header "Temp") yesterday and the problem list "Opioid use disorder - IV
    heroin" under a plain-name system. Fever with spinal pain is infection (R7): critical, never a defer."""
    chart = Chart("clinic-fever", today)
    chart.patient(36, "male")
    clinic_vitals(chart, [-600, -400, -200, -60, -11])
    chart.add(
        "Observation",
        "temp-now",
        status="final",
        code={"text": "Temp"},
        effectiveDateTime=chart.day(-1),
        valueQuantity={"value": 101.6, "unit": "F"},
    )
    chart.add(
        "Condition",
        "dx",
        code=concept("Lumbar radiculopathy", "ICD-10-CM", "M54.16"),
        onsetDateTime=chart.day(-12),
    )
    chart.add(
        "Condition",
        "oud",
        code=concept("Opioid use disorder - IV heroin", "ICD-10-CM", "F11.20"),
        onsetDateTime="2022",
    )
    chart.add(
        "Condition", "hcv", code=concept("Hepatitis C, chronic", "ICD-10-CM", "B18.2"), onsetDateTime="2023"
    )
    chart.add(
        "MedicationStatement",
        "bup",
        status="active",
        medicationCodeableConcept=concept("Suboxone 8-2 mg SL film"),
        effectivePeriod={"start": "2024"},
    )
    for row, answer in [("Bowel/bladder", "Normal"), ("Saddle numbness", "No"), ("Strength", "5/5 BLE")]:
        chart.add(
            "Observation",
            f"exam-{row[:4].lower()}",
            status="final",
            code={"text": row},
            effectiveDateTime=chart.day(-1),
            valueString=answer,
        )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating="appropriate",
        rules=("R7",),
        topic="SpineRedFlag",
        indicator="critical",
        absent=("SpineDeferImaging",),
        why="fever 101.6 F with spinal pain, IV drug use: R7",
    )


# ---------------------------------------------------------------------------------------------------------
# (b) Synthea


def synthea_encounter(chart: Chart, suffix: str, offset: int, reason: Resource | None, kind: Resource) -> str:
    body: Resource = {
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [kind],
        "period": {
            "start": f"{chart.day(offset)}T09:00:00-05:00",
            "end": f"{chart.day(offset)}T09:30:00-05:00",
        },
    }
    if reason is not None:
        body["reasonCode"] = [reason]
    chart.add("Encounter", suffix, **body)
    return f"Encounter/{chart.pid}-{suffix}"


WELLNESS = concept("General examination of patient (procedure)", SCT, "162673000")
CHECKUP = concept("Encounter for check up (procedure)", SCT, "185349003")
SYMPTOM = concept("Encounter for symptom (procedure)", SCT, "185345009")


def synthea_vitals(chart: Chart, encounter: str, offset: int, number: int) -> None:
    when = f"{chart.day(offset)}T09:00:00-05:00"
    vital = {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}
        ]
    }
    for code, name, value, unit in [
        ("8302-2", "Body Height", 178.0, "cm"),
        ("29463-7", "Body Weight", 84.2, "kg"),
        ("39156-5", "Body mass index", 26.6, "kg/m2"),
        ("8867-4", "Heart rate", 72.0, "/min"),
        ("72514-3", "Pain severity - 0-10 verbal numeric rating", 4.0, "{score}"),
    ]:
        chart.add(
            "Observation",
            f"o{number}-{code}",
            status="final",
            category=[vital],
            code=concept(name, LOINC, code, name),
            encounter={"reference": encounter},
            effectiveDateTime=when,
            issued=f"{chart.day(offset)}T09:00:00.000-05:00",
            valueQuantity={"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
        )


def synthea_condition(
    chart: Chart, suffix: str, code: str, name: str, offset: int, encounter: str, abated: int | None = None
) -> Resource:
    body: Resource = {
        "clinicalStatus": status(CLINICAL, "resolved" if abated is not None else "active"),
        "verificationStatus": status(VERIFICATION, "confirmed"),
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "encounter-diagnosis",
                    }
                ]
            }
        ],
        "code": concept(name, SCT, code, name),
        "encounter": {"reference": encounter},
        "onsetDateTime": f"{chart.day(offset)}T09:00:00-05:00",
        "recordedDate": f"{chart.day(offset)}T09:00:00-05:00",
    }
    if abated is not None:
        body["abatementDateTime"] = f"{chart.day(abated)}T09:00:00-05:00"
    return chart.add("Condition", suffix, **body)


def synthea_background(chart: Chart, wellness: list[int]) -> None:
    """Synthea's yearly wellness visits with vitals, and the conditions it hands everyone."""
    for number, offset in enumerate(wellness):
        encounter = synthea_encounter(chart, f"well{number}", offset, None, WELLNESS)
        synthea_vitals(chart, encounter, offset, number)
    first = f"Encounter/{chart.pid}-well0"
    synthea_condition(
        chart, "gingivitis", "66383009", "Gingivitis (disorder)", wellness[0], first, abated=wellness[0] + 30
    )
    synthea_condition(chart, "stress", "73595000", "Stress (finding)", wellness[0], first)


def synthea_ct_pacemaker(today: date) -> tuple[Chart, Expected]:
    """A 67-year-old man with sciatica for 90 days (SNOMED 23056005 as an encounter diagnosis, visits
    carrying it as their reasonCode), naproxen prescribed, a PT care plan and PT procedures, and a cardiac
    pacemaker implanted years ago (a Synthea procedure, SNOMED 307280005). A lumbar CT is ordered because
    MRI cannot be done. Care done, no candidacy: R3b; the CT is not swapped (R13 excludes a contraindication
    to MRI); 90 days ≥ 12 weeks adds the routine referral (R24)."""
    chart = Chart("synthea-pacer", today)
    chart.patient(
        67,
        "male",
        identifier=[{"system": "https://github.com/synthetichealth/synthea", "value": "synthea-pacer"}],
    )
    synthea_background(chart, [-1100, -735, -370, -5])
    pacer_visit = synthea_encounter(
        chart, "pacer", -2400, None, concept("Encounter for problem (procedure)", SCT, "185347001")
    )
    synthea_condition(
        chart, "chb", "27885002", "Complete atrioventricular block (disorder)", -2400, pacer_visit
    )
    chart.add(
        "Procedure",
        "pacer",
        status="completed",
        encounter={"reference": pacer_visit},
        code=concept(
            "Insertion of cardiac pacemaker (procedure)",
            SCT,
            "307280005",
            "Insertion of cardiac pacemaker (procedure)",
        ),
        performedPeriod={
            "start": f"{chart.day(-2400)}T10:00:00-05:00",
            "end": f"{chart.day(-2400)}T12:00:00-05:00",
        },
    )
    sciatica = concept("Sciatica (disorder)", SCT, "23056005", "Sciatica (disorder)")
    first = synthea_encounter(chart, "sx0", -90, sciatica, SYMPTOM)
    synthea_condition(chart, "sciatica", "23056005", "Sciatica (disorder)", -90, first)
    chart.add(
        "MedicationRequest",
        "naproxen",
        status="active",
        intent="order",
        encounter={"reference": first},
        medicationCodeableConcept=concept("Naproxen sodium 220 MG Oral Tablet", RXNORM, "849574"),
        authoredOn=f"{chart.day(-90)}T09:15:00-05:00",
        reasonReference=[{"reference": f"Condition/{chart.pid}-sciatica"}],
    )
    chart.add(
        "CarePlan",
        "pt-plan",
        status="active",
        intent="order",
        category=[concept("Physiotherapy care plan", SCT, "773513001")],
        period={"start": f"{chart.day(-88)}T09:00:00-05:00"},
        activity=[
            {
                "detail": {
                    "code": concept("Physical therapy procedure", SCT, "91251008"),
                    "status": "in-progress",
                }
            }
        ],
    )
    for number, offset in enumerate([-80, -73, -66]):
        visit = synthea_encounter(
            chart, f"pt{number}", offset, sciatica, concept("Physical therapy", SCT, "91251008")
        )
        chart.add(
            "Procedure",
            f"pt{number}",
            status="completed",
            encounter={"reference": visit},
            code=concept("Physical therapy procedure", SCT, "91251008", "Physical therapy procedure"),
            performedPeriod={
                "start": f"{chart.day(offset)}T10:00:00-05:00",
                "end": f"{chart.day(offset)}T11:00:00-05:00",
            },
        )
    return chart, Expected(
        order={"system": CPT, "code": "72131", "display": "CT lumbar spine without contrast"},
        rating=None,
        rules=("R3b",),
        topic="SpineImagingAppropriate",
        indicator="info",
        absent=("SpineModality", "SpineDeferImaging", "SpineRedFlag"),
        why="90 days, naproxen and PT, pacemaker: R3b, CT kept",
    )


def synthea_prior_mri(today: date) -> tuple[Chart, Expected]:
    """A 38-year-old woman with sciatica for 200 days, ibuprofen and PT, had a lumbar MRI five months ago
    (a Synthea ImagingStudy: DICOM modality MR, lumbar spine body site) and no operation since. A second
    lumbar MRI is ordered: R12, do not repeat."""
    chart = Chart("synthea-repeat", today)
    chart.patient(38, "female")
    synthea_background(chart, [-760, -395, -30])
    sciatica = concept("Sciatica (disorder)", SCT, "23056005", "Sciatica (disorder)")
    first = synthea_encounter(chart, "sx0", -200, sciatica, SYMPTOM)
    synthea_condition(chart, "sciatica", "23056005", "Sciatica (disorder)", -200, first)
    chart.add(
        "MedicationRequest",
        "ibuprofen",
        status="stopped",
        intent="order",
        medicationCodeableConcept=concept("Ibuprofen 400 MG Oral Tablet", RXNORM, "197806"),
        authoredOn=f"{chart.day(-200)}T09:15:00-05:00",
    )
    for number, offset in enumerate([-190, -183, -176, -169]):
        chart.add(
            "Procedure",
            f"pt{number}",
            status="completed",
            code=concept("Physical therapy procedure", SCT, "91251008"),
            performedPeriod={
                "start": f"{chart.day(offset)}T10:00:00-05:00",
                "end": f"{chart.day(offset)}T11:00:00-05:00",
            },
        )
    imaging = synthea_encounter(
        chart, "img", -150, sciatica, concept("Encounter for problem", SCT, "185347001")
    )
    chart.add(
        "ImagingStudy",
        "mri",
        status="available",
        encounter={"reference": imaging},
        started=f"{chart.day(-150)}T10:00:00-05:00",
        identifier=[{"system": "urn:ietf:rfc:3986", "value": f"urn:oid:1.2.840.99999999.{chart.pid}"}],
        numberOfSeries=1,
        numberOfInstances=1,
        procedureCode=[concept("Magnetic resonance imaging of lumbar spine", SCT, "241645008")],
        series=[
            {
                "uid": "1.2.840.99999999.1",
                "number": 1,
                "numberOfInstances": 1,
                "modality": {"system": DICOM, "code": "MR", "display": "Magnetic Resonance"},
                "bodySite": {"system": SCT, "code": "122496007", "display": "Lumbar spine structure"},
                "instance": [
                    {
                        "uid": "1.2.840.99999999.1.1",
                        "number": 1,
                        "sopClass": {
                            "system": "urn:ietf:rfc:3986",
                            "code": "urn:oid:1.2.840.10008.5.1.4.1.1.4",
                        },
                    }
                ],
            }
        ],
    )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating="not-appropriate",
        rules=("R12",),
        topic="SpineRepeatImaging",
        indicator="warning",
        absent=("SpineRedFlag",),
        why="lumbar MRI 150 days ago, no surgery since: R12",
    )


# ---------------------------------------------------------------------------------------------------------
# (c) HIE / CCD-derived


def hie_source(chart: Chart, name: str) -> None:
    chart.meta = {"source": f"urn:hie:{name}", "tag": [{"system": "urn:hie:source", "code": name}]}


def hie_condition(chart: Chart, suffix: str, code: Resource, onset: int, **more: Any) -> Resource:
    body: Resource = {
        "clinicalStatus": status(CLINICAL, "active"),
        "code": code,
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "onsetDateTime": chart.day(onset),
    }
    body.update(more)
    return chart.add("Condition", suffix, **body)


def hie_results(chart: Chart, offsets: list[int]) -> None:
    """A CCD's results section: basic metabolic panels repeated by both sources."""
    for source in ("ccd-a", "ccd-b"):
        hie_source(chart, source)
        for number, offset in enumerate(offsets):
            for code, name, value, unit in [
                ("2345-7", "Glucose", 98, "mg/dL"),
                ("2160-0", "Creatinine", 0.9, "mg/dL"),
                ("2951-2", "Sodium", 140, "mmol/L"),
            ]:
                chart.add(
                    "Observation",
                    f"{source}-lab{number}-{code}",
                    status="final",
                    category=[
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                    "code": "laboratory",
                                }
                            ]
                        }
                    ],
                    code=concept(name, "2.16.840.1.113883.6.1", code),
                    effectiveDateTime=chart.day(offset),
                    valueQuantity={"value": value, "unit": unit},
                )


def hie_prior_surgery(today: date) -> tuple[Chart, Expected]:
    """A 58-year-old man, two years after an L4-5 laminectomy (CPT 63047 from one source, SNOMED from the
    other), with a new left L5 radiculopathy for 50 days, on gabapentin. Two sources send the diagnosis; one
    sends a cauda equina syndrome entered in error. A lumbar MRI without and with contrast is ordered: R11
    (post-surgical, appropriate), and R17 stays quiet because surgery is an indication for contrast."""
    chart = Chart("hie-postop", today)
    chart.patient(
        58,
        "male",
        link=[{"other": {"reference": "Patient/hie-postop-mpi"}, "type": "seealso"}],
        meta={"source": "urn:hie:mpi"},
    )
    hie_results(chart, [-700, -400, -100, -40])
    hie_source(chart, "ccd-a")
    hie_condition(chart, "a-dx", concept("Radiculopathy, lumbar region", ICD10_OID, "M54.16"), -50)
    hie_condition(chart, "a-htn", concept("Essential hypertension", ICD10_OID, "I10"), -3000)
    chart.add(
        "Procedure",
        "a-lami",
        status="completed",
        code=concept("Laminectomy, lumbar, L4-5", CPT, "63047"),
        performedDateTime=chart.day(-730),
    )
    chart.add(
        "MedicationStatement",
        "a-gaba",
        status="active",
        medicationCodeableConcept=concept("gabapentin 300 MG Oral Capsule", RXNORM, "310431"),
        effectivePeriod={"start": chart.day(-45)},
    )
    hie_source(chart, "ccd-b")
    hie_condition(chart, "b-dx", concept("Lumbar radiculopathy", SCT, "128196005"), -49)
    hie_condition(chart, "b-htn", concept("Hypertensive disorder", SCT, "38341003"), -2990)
    hie_condition(
        chart,
        "b-ces",
        concept("Cauda equina syndrome", ICD10_OID, "G83.4"),
        -3,
        verificationStatus=status(VERIFICATION, "entered-in-error"),
    )
    chart.add(
        "Procedure",
        "b-lami",
        status="completed",
        code=concept("Decompression of lumbar spine", SCT, "6031009"),
        performedDateTime=chart.day(-729),
        bodySite=[concept("Lumbar spine structure", SCT, "122496007")],
    )
    chart.add(
        "MedicationStatement",
        "b-gaba",
        status="active",
        medicationCodeableConcept=concept("Gabapentin 300 mg capsule"),
        effectivePeriod={"start": chart.day(-45)},
    )
    return chart, Expected(
        order={"system": CPT, "code": "72158", "display": "MRI lumbar spine without and with contrast"},
        rating="appropriate",
        rules=("R11/R21",),
        topic="SpineImagingAppropriate",
        indicator="info",
        absent=("SpineRedFlag", "SpineContrast", "SpineDeferImaging"),
        why="lumbar laminectomy 2 years ago, new radiculopathy: R11",
    )


def hie_cervical(today: date) -> tuple[Chart, Expected]:
    """A 47-year-old woman, cervical radiculopathy (C6) for 25 days sent by two sources, one copy resolved
    in the other source's reconciliation; a lumbar MRI eight months ago for an old sciatica, resolved. A
    cervical MRI: R19 (advise conservative care, rating appropriate by the default policy); the lumbar MRI
    is not a prior cervical MRI (R12 is by region)."""
    chart = Chart("hie-neck", today)
    chart.patient(47, "female", link=[{"other": {"reference": "Patient/hie-neck-old"}, "type": "seealso"}])
    hie_results(chart, [-900, -700, -240, -20])
    hie_source(chart, "ccd-a")
    hie_condition(chart, "a-dx", concept("Cervical radiculopathy", ICD10_OID, "M54.12"), -25)
    hie_condition(
        chart,
        "a-sciatica",
        concept("Sciatica, left", ICD10_OID, "M54.32"),
        -300,
        clinicalStatus=status(CLINICAL, "resolved"),
        abatementDateTime=chart.day(-200),
    )
    chart.add(
        "DiagnosticReport",
        "a-lmri",
        status="final",
        code=concept("MRI lumbar spine wo contrast", LOINC, "30679-5"),
        effectiveDateTime=chart.day(-240),
        conclusion="Small L5-S1 disc protrusion. No stenosis.",
    )
    hie_source(chart, "ccd-b")
    hie_condition(chart, "b-dx", concept("Cervical radiculopathy", SCT, "54404000"), -24)
    hie_condition(
        chart,
        "b-neck",
        concept("Neck pain", SCT, "81680005"),
        -26,
        clinicalStatus=status(CLINICAL, "inactive"),
    )
    chart.add(
        "MedicationRequest",
        "b-meloxicam",
        status="active",
        intent="order",
        medicationCodeableConcept=concept("meloxicam 15 MG Oral Tablet", RXNORM, "311486"),
        authoredOn=chart.day(-24),
    )
    return chart, Expected(
        order={"system": CPT, "code": "72141", "display": "MRI cervical spine without contrast"},
        rating="appropriate",
        rules=("R19",),
        topic="SpineDeferImaging",
        indicator="info",
        absent=("SpineRepeatImaging", "SpineRedFlag"),
        why="cervical 25 days: R19 advise",
    )


def hie_retention_duplicate(today: date) -> tuple[Chart, Expected]:
    """A 41-year-old man, lumbar radiculopathy for 16 days. Source A's copy of a new urinary retention
    (R33.9, 3 days ago) was entered in error and re-sent; source B's copy of the same finding stands, coded in
    SNOMED CT with its status text only. Cauda equina: R5 critical, never the defer of R1."""
    chart = Chart("hie-ces", today)
    chart.patient(41, "male", link=[{"other": {"reference": "Patient/hie-ces-mpi"}, "type": "seealso"}])
    hie_results(chart, [-800, -500, -90, -3])
    hie_source(chart, "ccd-a")
    hie_condition(chart, "a-dx", concept("Lumbar radiculopathy", ICD10_OID, "M54.16"), -16)
    hie_condition(
        chart,
        "a-ret",
        concept("Retention of urine, unspecified", ICD10_OID, "R33.9"),
        -3,
        verificationStatus=status(VERIFICATION, "entered-in-error"),
    )
    hie_source(chart, "ccd-b")
    hie_condition(chart, "b-dx", concept("Lumbar radiculopathy", SCT, "128196005"), -15)
    hie_condition(
        chart,
        "b-ret",
        concept("Retention of urine", SCT, "267064002"),
        -3,
        clinicalStatus={"text": "Active"},
        verificationStatus={"text": "Confirmed"},
    )
    chart.add(
        "MedicationStatement",
        "b-ibu",
        status="active",
        medicationCodeableConcept=concept("Ibuprofen 400 MG Oral Tablet", RXNORM, "197806"),
        effectivePeriod={"start": chart.day(-14)},
    )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating="appropriate",
        rules=("R5",),
        topic="SpineRedFlag",
        indicator="critical",
        absent=("SpineDeferImaging",),
        why="new urinary retention from source B: R5",
    )


CHARTS: dict[str, Callable[[date], tuple[Chart, Expected]]] = {
    "clinic-early": clinic_early_sciatica,
    "clinic-care": clinic_care_done,
    "clinic-porosis": clinic_osteoporosis_ct,
    "clinic-fever": clinic_fever_ivdu,
    "synthea-pacer": synthea_ct_pacemaker,
    "synthea-repeat": synthea_prior_mri,
    "hie-postop": hie_prior_surgery,
    "hie-neck": hie_cervical,
    "hie-ces": hie_retention_duplicate,
}


# ---------------------------------------------------------------------------------------------------------
# More charts where the rules meet


def synthea_new_episode(today: date) -> tuple[Chart, Expected]:
    """A 45-year-old man whose first sciatica (Synthea, SNOMED 23056005) was imaged by lumbar MRI 300 days
    ago and resolved 230 days ago; a new sciatica began 60 days ago, ibuprofen and PT since. The old MRI
    belongs to another episode (a gap over 180 days): R12 does not apply; care done, no candidacy: R3b."""
    chart = Chart("synthea-episode", today)
    chart.patient(45, "male")
    synthea_background(chart, [-740, -375, -10])
    sciatica = concept("Sciatica (disorder)", SCT, "23056005", "Sciatica (disorder)")
    old = synthea_encounter(chart, "old0", -330, sciatica, SYMPTOM)
    synthea_condition(chart, "old", "23056005", "Sciatica (disorder)", -330, old, abated=-230)
    chart.add(
        "DiagnosticReport",
        "old-mri",
        status="final",
        category=[concept("Radiology", LOINC, "LP29684-5")],
        code=concept("MR Lumbar spine WO contrast", LOINC, "30679-5"),
        effectiveDateTime=f"{chart.day(-300)}T10:00:00-05:00",
        conclusion="L5-S1 disc protrusion contacting the left S1 nerve root.",
    )
    new = synthea_encounter(chart, "new0", -60, sciatica, SYMPTOM)
    synthea_condition(chart, "new", "23056005", "Sciatica (disorder)", -60, new)
    chart.add(
        "MedicationRequest",
        "ibuprofen",
        status="active",
        intent="order",
        medicationCodeableConcept=concept("Ibuprofen 400 MG Oral Tablet", RXNORM, "197806"),
        authoredOn=f"{chart.day(-60)}T09:15:00-05:00",
    )
    for number, offset in enumerate([-50, -43, -36]):
        chart.add(
            "Procedure",
            f"pt{number}",
            status="completed",
            code=concept("Physical therapy procedure", SCT, "91251008"),
            performedPeriod={
                "start": f"{chart.day(offset)}T10:00:00-05:00",
                "end": f"{chart.day(offset)}T11:00:00-05:00",
            },
        )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating=None,
        rules=("R3b",),
        topic="SpineImagingAppropriate",
        indicator="info",
        absent=("SpineRepeatImaging", "SpineDeferImaging", "SpineRedFlag"),
        why="MRI of an earlier episode, new sciatica 60 days with care: R3b",
    )


def hie_mri_then_surgery(today: date) -> tuple[Chart, Expected]:
    """A 61-year-old woman: lumbar MRI 200 days ago (sent by both sources, one report preliminary, one
    final), an L4-5 microdiscectomy 120 days ago (CPT 63030 from one source), and her radiculopathy back for
    50 days. Surgery since the MRI: R12 does not apply; R11 (post-surgical) rates the MRI appropriate."""
    chart = Chart("hie-redo", today)
    chart.patient(61, "female", link=[{"other": {"reference": "Patient/hie-redo-mpi"}, "type": "seealso"}])
    hie_results(chart, [-800, -400, -210, -60])
    hie_source(chart, "ccd-a")
    hie_condition(chart, "a-dx", concept("Lumbar radiculopathy", ICD10_OID, "M54.16"), -260)
    chart.add(
        "DiagnosticReport",
        "a-mri",
        status="preliminary",
        code=concept("MRI lumbar spine without contrast", LOINC, "30679-5"),
        effectiveDateTime=chart.day(-200),
        conclusion="Large L4-5 extrusion compressing the L5 root.",
    )
    chart.add(
        "Procedure",
        "a-disc",
        status="completed",
        code=concept("Laminotomy with discectomy, lumbar", CPT, "63030"),
        performedDateTime=chart.day(-120),
    )
    hie_source(chart, "ccd-b")
    chart.add(
        "DiagnosticReport",
        "b-mri",
        status="final",
        code=concept("MR Lumbar spine", LOINC, "24968-0"),
        effectiveDateTime=chart.day(-200),
        conclusion="Large L4-5 extrusion compressing the L5 root.",
    )
    hie_condition(chart, "b-dx", concept("Lumbar radiculopathy", SCT, "128196005"), -50)
    chart.add(
        "MedicationStatement",
        "b-gaba",
        status="active",
        medicationCodeableConcept=concept("gabapentin 300 MG Oral Capsule", RXNORM, "310431"),
        effectivePeriod={"start": chart.day(-48)},
    )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating="appropriate",
        rules=("R11/R21",),
        topic="SpineImagingAppropriate",
        indicator="info",
        absent=("SpineRepeatImaging", "SpineDeferImaging", "SpineRedFlag"),
        why="discectomy after the last MRI, symptoms back: R11",
    )


def clinic_teen(today: date) -> tuple[Chart, Expected]:
    """A clinic's CSV gives a 17-year-old's birth date as a year only; sciatica for 20 days, a lumbar MRI.
    Under 18 on every day of that year: out of scope (R28), no card."""
    chart = Chart("clinic-teen", today)
    chart.add("Patient", "pt", birthDate=str(today.year - 17), gender="male")
    chart.resources[-1]["id"] = chart.pid
    clinic_vitals(chart, [-700, -400, -300, -200, -100, -60, -19])
    chart.add(
        "Condition", "dx", code=concept("Sciatica, left", "ICD10", "M54.32"), onsetDateTime=chart.day(-20)
    )
    chart.add(
        "Condition",
        "asthma",
        code=concept("Asthma, mild intermittent", "ICD10", "J45.20"),
        onsetDateTime="2015",
    )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating="no-criteria-apply",
        rules=(),
        topic=None,
        indicator=None,
        absent=("SpineDeferImaging", "SpineRedFlag", "SpineImagingAppropriate"),
        why="17 years old: R28",
    )


def clinic_contrast_only(today: date) -> tuple[Chart, Expected]:
    """A 39-year-old woman, sciatica for 70 days, cyclobenzaprine and chiropractic (CPT 98940 under "CPT4");
    the clinic orders a lumbar MRI with contrast only (72149). R3b would leave the order unrated; R16 rates a
    contrast-only MRI not-appropriate with its own warning."""
    chart = Chart("clinic-contrast", today)
    chart.patient(39, "female")
    clinic_vitals(chart, [-500, -300, -69, -30, -5])
    chart.add(
        "Condition",
        "dx",
        code=concept("Sciatica, right", "ICD-10-CM", "M54.31"),
        onsetDateTime=chart.day(-70),
    )
    chart.add(
        "MedicationRequest",
        "flexeril",
        status="active",
        intent="order",
        medicationCodeableConcept=concept("Cyclobenzaprine 10 mg tab qhs"),
        authoredOn=chart.day(-69),
    )
    for visit in range(4):
        chart.add(
            "Procedure",
            f"chiro{visit}",
            status="completed",
            code=concept("Chiropractic manipulation, 1-2 regions", "CPT4", "98940"),
            performedDateTime=chart.day(-60 + 10 * visit),
        )
    return chart, Expected(
        order={"system": CPT, "code": "72149", "display": "MRI lumbar spine with contrast"},
        rating="not-appropriate",
        rules=("R16",),
        topic="SpineContrast",
        indicator="warning",
        absent=("SpineRedFlag", "SpineDeferImaging"),
        why="contrast-only MRI: R16",
    )


def synthea_cervical_fusion(today: date) -> tuple[Chart, Expected]:
    """A 56-year-old man with an ACDF (CPT 22551) six years ago and a new lumbar radiculopathy (SNOMED
    128196005) for 50 days, naproxen since. The fusion is cervical: not "post-surgical" for a lumbar order
    (PATHWAY.md §2); care done, no candidacy: R3b."""
    chart = Chart("synthea-acdf", today)
    chart.patient(56, "male")
    synthea_background(chart, [-1100, -730, -365, -8])
    acdf = synthea_encounter(chart, "acdf", -2200, None, concept("Encounter for problem", SCT, "185347001"))
    chart.add(
        "Procedure",
        "acdf",
        status="completed",
        encounter={"reference": acdf},
        code=concept("Anterior cervical discectomy and fusion, C5-6", CPT, "22551"),
        performedPeriod={
            "start": f"{chart.day(-2200)}T08:00:00-05:00",
            "end": f"{chart.day(-2200)}T11:00:00-05:00",
        },
    )
    radic = concept("Lumbar radiculopathy (disorder)", SCT, "128196005", "Lumbar radiculopathy (disorder)")
    first = synthea_encounter(chart, "sx0", -50, radic, SYMPTOM)
    synthea_condition(chart, "radic", "128196005", "Lumbar radiculopathy (disorder)", -50, first)
    chart.add(
        "MedicationRequest",
        "naproxen",
        status="active",
        intent="order",
        medicationCodeableConcept=concept("Naproxen sodium 220 MG Oral Tablet", RXNORM, "849574"),
        authoredOn=f"{chart.day(-50)}T09:15:00-05:00",
    )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating=None,
        rules=("R3b",),
        topic="SpineImagingAppropriate",
        indicator="info",
        absent=("SpineDeferImaging", "SpineRedFlag"),
        why="cervical fusion, lumbar order: R3b",
    )


CHARTS.update(
    {
        "synthea-episode": synthea_new_episode,
        "hie-redo": hie_mri_then_surgery,
        "clinic-teen": clinic_teen,
        "clinic-contrast": clinic_contrast_only,
        "synthea-acdf": synthea_cervical_fusion,
    }
)


def clinic_poc_esr(today: date) -> tuple[Chart, Expected]:
    """A 62-year-old man, sciatica for 18 days, ibuprofen; the clinic's point-of-care result "Sed Rate
    (ESR)" 55 mm/hr two days ago, filed by its converter as a flowsheet row of the visit (category exam)
    under the column's header, no LOINC code. Age over 50 alone is a weak flag (R9 defers); with an ESR ≥ 50
    it is a major malignancy flag (PATHWAY.md §3): R8, imaging appropriate now, never a defer."""
    chart = Chart("clinic-esr", today)
    chart.patient(62, "male")
    clinic_vitals(chart, [-700, -365, -120, -17, -2])
    chart.add(
        "Condition", "dx", code=concept("Sciatica, left", "ICD-10-CM", "M54.32"), onsetDateTime=chart.day(-18)
    )
    chart.add("Condition", "htn", code=concept("Hypertension", "ICD-10-CM", "I10"), onsetDateTime="2016")
    chart.add("Condition", "gout", code=concept("Gout", "ICD-10-CM", "M10.9"), onsetDateTime="2020-06")
    chart.add(
        "MedicationStatement",
        "ibu",
        status="active",
        medicationCodeableConcept=concept("Ibuprofen 600 mg TID"),
        effectivePeriod={"start": chart.day(-17)},
    )
    exam = [
        {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "exam"}]}
    ]
    for suffix, header, value in [
        ("esr", "Sed Rate (ESR)", {"valueQuantity": {"value": 55, "unit": "mm/hr"}}),
        ("ua", "Urine dip", {"valueString": "Negative"}),
        ("bb", "Bowel/bladder", {"valueString": "No changes"}),
    ]:
        chart.add(
            "Observation",
            f"poc-{suffix}",
            status="final",
            category=exam,
            code={"text": header},
            effectiveDateTime=chart.day(-2),
            **value,
        )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating="appropriate",
        rules=("R8",),
        topic="SpineRedFlag",
        indicator="warning",
        absent=("SpineDeferImaging",),
        why="age 62 with ESR 55 under its header: R8",
    )


CHARTS["clinic-esr"] = clinic_poc_esr


def synthea_kidney_recipient(today: date) -> tuple[Chart, Expected]:
    """A 49-year-old woman whose end-stage renal disease (Synthea: CKD stage 5, haemodialysis) ended with a
    kidney transplant six years ago (Procedure 70536003); her immunosuppressants are prescribed by the
    transplant centre and not in this export. Sciatica for 15 days. A transplant recipient is immunosuppressed
    (PATHWAY.md §3; transplant status, ICD-10-CM Z94.x): infection red flag, R7 critical, never a defer."""
    chart = Chart("synthea-graft", today)
    chart.patient(49, "female")
    synthea_background(chart, [-1100, -735, -370, -14])
    renal = synthea_encounter(chart, "renal", -2600, None, concept("Encounter for problem", SCT, "185347001"))
    synthea_condition(
        chart, "ckd5", "433146000", "Chronic kidney disease stage 5 (disorder)", -2600, renal, abated=-2190
    )
    for number, offset in enumerate([-2400, -2300, -2200]):
        chart.add(
            "Procedure",
            f"hd{number}",
            status="completed",
            code=concept("Hemodialysis (procedure)", SCT, "302497006"),
            performedPeriod={
                "start": f"{chart.day(offset)}T07:00:00-05:00",
                "end": f"{chart.day(offset)}T11:00:00-05:00",
            },
        )
    chart.add(
        "Procedure",
        "graft",
        status="completed",
        encounter={"reference": renal},
        code=concept("Transplant of kidney (procedure)", SCT, "70536003", "Transplant of kidney (procedure)"),
        performedPeriod={
            "start": f"{chart.day(-2190)}T08:00:00-05:00",
            "end": f"{chart.day(-2190)}T14:00:00-05:00",
        },
    )
    sciatica = concept("Sciatica (disorder)", SCT, "23056005", "Sciatica (disorder)")
    first = synthea_encounter(chart, "sx0", -15, sciatica, SYMPTOM)
    synthea_condition(chart, "sciatica", "23056005", "Sciatica (disorder)", -15, first)
    chart.add(
        "MedicationRequest",
        "apap",
        status="active",
        intent="order",
        medicationCodeableConcept=concept("Acetaminophen 325 MG Oral Tablet", RXNORM, "313782"),
        authoredOn=f"{chart.day(-15)}T09:15:00-05:00",
    )
    return chart, Expected(
        order={"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"},
        rating="appropriate",
        rules=("R7",),
        topic="SpineRedFlag",
        indicator="critical",
        absent=("SpineDeferImaging",),
        why="kidney transplant recipient: immunosuppression, R7",
    )


CHARTS["synthea-graft"] = synthea_kidney_recipient
