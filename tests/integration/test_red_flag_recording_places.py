"""PATHWAY.md §2 v2 "Where a finding is read" and invariants 4 and 6, through the real app and SEKMET.

Every serious red-flag class (CES, motor, myelopathy, infection) and major malignancy, recorded in each place
a chart may hold it, is answered critical (malignancy: warning), never with a defer or do-not-repeat card and
never not-appropriate — by a complete prefetch AND by the service's own FHIR fallback, with the same answer
both ways, for a lumbar, a thoracic and a cervical order (450 cases, each a SEKMET round trip; with the
negated forms the file runs in about 40 s). The negated forms (false, LA32-8 No, LA9634-2 Absent, "Denies"
in words only, SNOMED CT None, refuted, entered-in-error) raise nothing: the 19-day lumbar radiculopathy is
deferred (R1) as without them.

Codes are the value sets' own (app/terminology/data/*.json), ICD-10-CM and SNOMED CT mixed as EHRs record
them; Observations are filed with no category, or as laboratory/vital-signs, where a category search for
exam findings would not look.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from chart_both_ways import CERVICAL_MRI, LUMBAR_MRI, BothWays, evaluate_both_ways, rating, topics

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]
Resource = dict[str, Any]
Code = tuple[str, str, str]  # system, code, display
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ON = date(2025, 6, 2)
THORACIC_MRI = {"system": "http://www.ama-assn.org/go/cpt", "code": "72146",
                "display": "MRI thoracic spine without contrast"}
# region: (order, qualifying diagnosis: the order is in scope without any flag)
REGIONS: dict[str, tuple[dict[str, str], Code]] = {
    "lumbar": (LUMBAR_MRI, (ICD, "M54.16", "Radiculopathy, lumbar region")),
    "thoracic": (THORACIC_MRI, (ICD, "M54.6", "Pain in thoracic spine")),
    "cervical": (CERVICAL_MRI, (ICD, "M54.12", "Radiculopathy, cervical region")),
}


class Kind:
    """One red-flag class: Condition codes (rotated over the places), Observation findings, the indicator."""

    def __init__(self, conditions: list[Code], findings: list[Code], indicator: str) -> None:
        self.conditions, self.findings, self.indicator = conditions, findings, indicator


KINDS = {
    "ces": Kind([(ICD, "G83.4", "Cauda equina syndrome"), (ICD, "R33.9", "Retention of urine, unspecified"),
                 (SCT, "192970008", "Cauda equina syndrome"), (ICD, "R15.9", "Full incontinence of feces")],
                [(SCT, "267064002", "Retention of urine"), (SCT, "449813001", "Numbness of saddle area"),
                 (SCT, "236648008", "Acute retention of urine")], "critical"),
    "motor": Kind([(ICD, "M21.371", "Foot drop, right foot"), (SCT, "6077001", "Foot-drop"),
                   (ICD, "G83.12", "Monoplegia of lower limb affecting left dominant side")],
                  [(SCT, "6077001", "Foot-drop"), (SCT, "102568007", "Paresis of lower extremity"),
                   (SCT, "249945007", "Monoparesis of lower limb")], "critical"),
    "myelopathy": Kind([(ICD, "G95.9", "Disease of spinal cord, unspecified"),
                        (ICD, "M47.12", "Other spondylosis with myelopathy, cervical region"),
                        (SCT, "312444006", "Spastic paraparesis")],
                       [(SCT, "312444006", "Spastic paraparesis")], "critical"),
    "infection": Kind([(ICD, "M46.26", "Osteomyelitis of vertebra, lumbar region"),
                       (ICD, "G06.1", "Intraspinal abscess and granuloma"),
                       (ICD, "F11.20", "Opioid dependence, uncomplicated"),
                       (SCT, "86406008", "Human immunodeficiency virus infection")],
                      [(SCT, "86406008", "Human immunodeficiency virus infection"),
                       (SCT, "386661006", "Fever")], "critical"),
    "malignancy": Kind([(ICD, "C50.911", "Malignant neoplasm of unspecified site of right female breast"),
                        (ICD, "C79.51", "Secondary malignant neoplasm of bone"),
                        (ICD, "Z85.3", "Personal history of malignant neoplasm of breast"),
                        (SCT, "254837009", "Malignant neoplasm of breast")],
                       [(SCT, "254837009", "Malignant neoplasm of breast"),
                        (SCT, "363358000", "Malignant tumor of lung")], "warning"),
}


def day(days_before: int) -> str:
    return (ON - timedelta(days=days_before)).isoformat()


def concept(code: Code) -> dict[str, Any]:
    system, value, display = code
    return {"coding": [{"system": system, "code": value, "display": display}], "text": display}


def condition(pid: str, cid: str, code: Code, category: str = "problem-list-item",
              **fields: Any) -> Resource:
    """A Condition; ``clinical``/``verification`` None leaves the status out, other fields go in as given."""
    resource: Resource = {
        "resourceType": "Condition", "id": f"{pid}-{cid}", "subject": {"reference": f"Patient/{pid}"},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                  "code": category}]}],
        "code": concept(code),
    }
    for name, system in (("clinical", "condition-clinical"), ("verification", "condition-ver-status")):
        status = fields.pop(name, "active" if name == "clinical" else "confirmed")
        if status is not None:
            resource[f"{name}Status"] = {"coding": [{"system": f"http://terminology.hl7.org/CodeSystem/{system}",
                                                     "code": status}]}
    return {**resource, **fields}


def observation(pid: str, oid: str, code: Code, category: str | None = None, **fields: Any) -> Resource:
    resource: Resource = {
        "resourceType": "Observation", "id": f"{pid}-{oid}", "status": fields.pop("status", "final"),
        "subject": {"reference": f"Patient/{pid}"}, "code": concept(code), "effectiveDateTime": day(2),
    }
    if category is not None:
        resource["category"] = [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": category}]}]
    return {**resource, **fields}


def answer_code(code: str, display: str) -> dict[str, Any]:
    return {"valueCodeableConcept": concept((LOINC, code, display))}


SYMPTOM = (LOINC, "75325-1", "Symptom")
SCREEN = ("urn:oid:1.2.840.114350.1.13.0.1.7.2.707679", "30412", "Back pain red-flag screen")  # a local panel


def component(code: Code, **value: Any) -> dict[str, Any]:
    return {"code": concept(code), **value}


def panel(pid: str, category: str, *items: dict[str, Any]) -> Resource:
    """A flowsheet panel: a local code of its own, each screened item a component with its answer."""
    return observation(pid, "f", SCREEN, category, component=[
        component((LOINC, "72514-3", "Pain severity"), valueInteger=6), *items])
Reason = Code | str | None  # the order's reasonCode, or the Condition its reasonReference names
LOINC_OID = "urn:oid:2.16.840.1.113883.6.1"
_LOOSE = {ICD: "http://hl7.org/fhir/sid/icd-10-cm/", SCT: "https://snomed.info/sct"}


def loosely(code: Code) -> Code:
    """The code under its system as some exports spell it: a trailing slash, https."""
    return _LOOSE[code[0]], code[1], code[2]


def by_oid_or_icd(k: Kind) -> Code:
    """A finding as a Symptom's value: the class's first Condition code when it is ICD-10-CM, else its
    first finding under SNOMED CT's OID."""
    first, finding = k.conditions[0], k.findings[0]
    return first if first[0] == ICD else ("urn:oid:2.16.840.1.113883.6.96", finding[1], finding[2])


Place = Callable[[str, Kind], tuple[list[Resource], Reason]]



def stating(pid: str, resource_type: str, finding: Code, **fields: Any) -> Resource:
    """A resource that states the finding as its reason (or a report as its conclusion), two days ago."""
    field = "conclusionCode" if resource_type == "DiagnosticReport" else "reasonCode"
    return {"resourceType": resource_type, "id": f"{pid}-r", "subject": {"reference": f"Patient/{pid}"},
            field: [concept(finding)], **fields}


RADIOGRAPH = ("http://www.ama-assn.org/go/cpt", "72100", "Radiographs, lumbosacral spine; 2 or 3 views")


def one(resource: Resource) -> tuple[list[Resource], Reason]:
    return [resource], None


def named_by_the_order(pid: str, k: Kind) -> tuple[list[Resource], Reason]:
    """A Condition resolved in 2019, named as the order's reasonReference: the clinician says it is why."""
    old = condition(pid, "f", k.conditions[0], clinical="resolved", onsetDateTime="2019-01-01",
                    abatementDateTime="2019-06-01")
    return [old], f"Condition/{old['id']}"


def named_by_a_record(resource_type: str, field: str, **fields: Any) -> Place:
    """A Condition resolved in 2019 (alone it no longer counts), named two days ago by a record's ``field``:
    a visit's diagnosis, a prescription's reasonReference (tenth pass: dated by the record)."""
    def place(pid: str, k: Kind) -> tuple[list[Resource], Reason]:
        old = condition(pid, "f", k.conditions[0], clinical="resolved", onsetDateTime="2019-01-01",
                        abatementDateTime="2019-06-01")
        named = {"reference": f"Condition/{old['id']}"}
        record = {"resourceType": resource_type, "id": f"{pid}-r", "subject": {"reference": f"Patient/{pid}"},
                  field: [{"condition": named} if field == "diagnosis" else named], **fields}
        return [old, record], None
    return place


# A report's conclusion in the radiologist's words (tenth pass), one per class.
REPORTED = {"ces": "Massive L4-5 extrusion with cauda equina compression.",
            "motor": "Findings correlate with the new left foot drop.",
            "myelopathy": "Cord compression at C5-6 with myelomalacia.",
            "infection": "1. No cord compression.\n2. Epidural abscess at L3-4.",
            "malignancy": "Diffuse osseous metastatic disease."}


def reported(pid: str, k: Kind) -> tuple[list[Resource], Reason]:
    words = next(text for name, text in REPORTED.items() if KINDS[name] is k)
    return one({"resourceType": "DiagnosticReport", "id": f"{pid}-r", "status": "final",
                "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": day(2),
                "code": concept(RADIOGRAPH), "conclusion": words})


PLACES: dict[str, Place] = {
    "problem-list": lambda pid, k: one(condition(pid, "f", k.conditions[0], onsetDateTime=day(5))),
    "health-concern": lambda pid, k: one(condition(
        pid, "f", k.conditions[-1], "health-concern", onsetDateTime=day(1))),
    "encounter-diagnosis": lambda pid, k: one(condition(
        pid, "f", k.conditions[1], "encounter-diagnosis", onsetDateTime=day(3), recordedDate=day(3))),
    "observation-code-no-category": lambda pid, k: one(observation(pid, "f", k.findings[0])),
    "observation-code-laboratory": lambda pid, k: one(observation(pid, "f", k.findings[-1], "laboratory")),
    "observation-value-symptom": lambda pid, k: one(observation(
        pid, "f", SYMPTOM, "survey", valueCodeableConcept=concept(k.findings[-1]))),
    "observation-yes": lambda pid, k: one(observation(
        pid, "f", k.findings[0], "exam", **answer_code("LA33-6", "Yes"))),
    "observation-present-vital-signs": lambda pid, k: one(observation(
        pid, "f", k.findings[0], "vital-signs", **answer_code("LA9633-4", "Present"))),
    "observation-true": lambda pid, k: one(observation(pid, "f", k.findings[-1], valueBoolean=True)),
    "observation-yes-with-a-comment": lambda pid, k: one(observation(
        pid, "f", k.findings[0], "exam", valueString="Yes - new since Monday")),
    "panel-component-yes": lambda pid, k: one(panel(
        pid, "exam", component(k.findings[0], **answer_code("LA33-6", "Yes")))),
    "panel-component-true": lambda pid, k: one(panel(
        pid, "survey", component(k.findings[-1], valueBoolean=True))),
    "visit-reasonCode": lambda pid, k: one(stating(
        pid, "Encounter", k.conditions[0], status="finished", period={"start": day(2)},
        **{"class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"}})),
    "procedure-reasonCode": lambda pid, k: one(stating(
        pid, "Procedure", k.findings[0], status="completed", performedDateTime=day(2),
        code=concept((SCT, "3246004", "Catheterization of bladder")))),
    "prescription-reasonCode": lambda pid, k: one(stating(
        pid, "MedicationRequest", k.conditions[1], status="active", intent="order", authoredOn=day(2),
        medicationCodeableConcept=concept((RXNORM, "161", "acetaminophen")))),
    "referral-reasonCode": lambda pid, k: one(stating(
        pid, "ServiceRequest", k.conditions[-1], status="active", intent="order", authoredOn=day(2),
        code=concept((SCT, "306206005", "Referral to service")))),
    "report-conclusionCode": lambda pid, k: one(stating(
        pid, "DiagnosticReport", k.findings[-1], status="final", effectiveDateTime=day(2),
        code=concept(RADIOGRAPH))),
    "order-reasonCode": lambda pid, k: ([], k.conditions[-1]),
    "order-reasonReference": named_by_the_order,
    "resolved-yesterday": lambda pid, k: one(condition(
        pid, "f", k.conditions[0], clinical="resolved", onsetDateTime=day(400), abatementDateTime=day(1))),
    "resolved-no-abatement-date": lambda pid, k: one(condition(
        pid, "f", k.conditions[-1], clinical="resolved", onsetDateTime=day(10))),
    "condition-no-dates": lambda pid, k: one(condition(
        pid, "f", k.conditions[1], "encounter-diagnosis", clinical=None, verification=None)),
    # Export spellings (docs/pathway-facts.md): a code system written loosely, answers and findings by OID or
    # in ICD-10-CM, an abatement period left open.
    "condition-system-spelt-loosely": lambda pid, k: one(condition(
        pid, "f", loosely(k.conditions[0]), onsetDateTime=day(5))),
    "observation-yes-by-oid": lambda pid, k: one(observation(pid, "f", k.findings[0], "exam", **{
        "valueCodeableConcept": {"coding": [{"system": LOINC_OID, "code": "LA33-6"}]}})),
    "observation-value-by-oid-or-icd": lambda pid, k: one(observation(
        pid, "f", SYMPTOM, "survey", valueCodeableConcept=concept(by_oid_or_icd(k)))),
    "procedure-contained-reason": lambda pid, k: one({
        "resourceType": "Procedure", "id": f"{pid}-r", "subject": {"reference": f"Patient/{pid}"},
        "status": "completed", "performedDateTime": day(2), "code": concept((SCT, "3246004", "Catheter")),
        "reasonReference": [{"reference": "#why"}],
        "contained": [{"resourceType": "Condition", "id": "why", "code": concept(k.conditions[0])}]}),
    "visit-dx-of-an-old-problem": named_by_a_record(
        "Encounter", "diagnosis", status="finished", period={"start": day(2)},
        **{"class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"}}),
    "prescribed-for-an-old-problem": named_by_a_record(
        "MedicationRequest", "reasonReference", status="active", intent="order", authoredOn=day(2),
        medicationCodeableConcept=concept((RXNORM, "161", "acetaminophen"))),
    "report-conclusion-in-words": reported,
    "resolved-abatement-period-open": lambda pid, k: one(condition(
        pid, "f", k.conditions[-1], clinical="resolved", onsetDateTime=day(400),
        abatementPeriod={"start": day(3)})),
}
CASES = [(kind, place, region) for region in REGIONS for kind in KINDS for place in PLACES]

NEGATED: dict[str, Callable[[str, Kind], Resource]] = {
    "observation-false": lambda pid, k: observation(pid, "f", k.findings[0], "exam", valueBoolean=False),
    "observation-LA32-8-no": lambda pid, k: observation(pid, "f", k.findings[0], "survey",
                                                        **answer_code("LA32-8", "No")),
    "observation-LA9634-2-absent": lambda pid, k: observation(pid, "f", k.findings[-1],
                                                              **answer_code("LA9634-2", "Absent")),
    "observation-entered-in-error": lambda pid, k: observation(pid, "f", k.findings[0],
                                                               status="entered-in-error"),
    "observation-denies-in-words-only": lambda pid, k: observation(  # Oracle Health's text-only answer
        pid, "f", k.findings[-1], "exam", valueCodeableConcept={"text": "Denies"}),
    "observation-snomed-none-code-only": lambda pid, k: observation(pid, "f", k.findings[0], "exam", **{
        "valueCodeableConcept": {"coding": [{"system": SCT, "code": "260413007"}]}}),  # None, no display
    "panel-component-no": lambda pid, k: panel(
        pid, "exam", component(k.findings[0], **answer_code("LA32-8", "No")),
        component(k.findings[-1], valueBoolean=False)),
    "panel-entered-in-error": lambda pid, k: {
        **panel(pid, "survey", component(k.findings[0], valueBoolean=True)), "status": "entered-in-error"},
    "visit-entered-in-error": lambda pid, k: stating(
        pid, "Encounter", k.conditions[0], status="entered-in-error", period={"start": day(2)}),
    "condition-refuted": lambda pid, k: condition(pid, "f", k.conditions[0], onsetDateTime=day(5),
                                                  verification="refuted"),
    "condition-entered-in-error": lambda pid, k: condition(pid, "f", k.conditions[1], onsetDateTime=day(5),
                                                           clinical=None, verification="entered-in-error"),
}


def chart(pid: str, region: str, extra: list[Resource]) -> list[Resource]:
    """A 40-year-old (no weak age flag) with a 19-day qualifying diagnosis: without a flag, lumbar is R1."""
    patient = {"resourceType": "Patient", "id": pid, "birthDate": "1985-05-05", "gender": "female"}
    qualifying = condition(pid, "dx", REGIONS[region][1], onsetDateTime=day(19))
    return [patient, qualifying, *extra]


def patient_id(*parts: str) -> str:
    return "rf-" + "-".join(parts).lower().replace("_", "-")


async def both_ways(
    cds: Any, pid: str, region: str, extra: list[Resource], reason: Reason = None
) -> BothWays:
    code = None
    if isinstance(reason, tuple):
        code = dict(zip(("system", "code", "display"), reason, strict=True))
    named = reason if isinstance(reason, str) else None
    return await evaluate_both_ways(cds, chart(pid, region, extra), order=REGIONS[region][0],
                                    on=ON.isoformat(), reason=code, reason_reference=named)


def never_deferred(answer: dict[str, Any]) -> None:
    shown = {code for code, _ in topics(answer)}
    assert not shown & {"SpineDeferImaging", "SpineRepeatImaging"}, topics(answer)
    labels = [s["label"].lower() for card in answer["cards"] for s in card.get("suggestions", [])]
    assert not any("remove" in label or "delete" in label for label in labels), labels
    assert rating(answer) != "not-appropriate"


@pytest.mark.parametrize(("kind", "place", "region"), CASES, ids=["-".join(case) for case in CASES])
async def test_red_flag_found_wherever_recorded_by_prefetch_and_by_fallback(
    cds: Any, kind: str, place: str, region: str
) -> None:
    pid = patient_id(kind, place, region)
    extra, reason = PLACES[place](pid, KINDS[kind])

    answers = await both_ways(cds, pid, region, extra, reason)

    assert answers.same, answers.difference()
    for answer in (answers.prefetch, answers.fallback):
        assert topics(answer)[0] == ("SpineRedFlag", KINDS[kind].indicator), answers.difference()
        assert rating(answer) == "appropriate"
        never_deferred(answer)


@pytest.mark.parametrize("negated", list(NEGATED))
@pytest.mark.parametrize("kind", list(KINDS))
async def test_negated_red_flag_raises_nothing_by_prefetch_or_fallback(
    cds: Any, kind: str, negated: str
) -> None:
    pid = patient_id("neg", kind, negated)

    answers = await both_ways(cds, pid, "lumbar", [NEGATED[negated](pid, KINDS[kind])])

    assert answers.same, answers.difference()
    assert topics(answers.prefetch)[0] == ("SpineDeferImaging", "warning"), answers.difference()
    assert "SpineRedFlag" not in {code for code, _ in topics(answers.prefetch)}
    assert rating(answers.prefetch) == "not-appropriate"  # R1, exactly as without the negated finding


@pytest.mark.parametrize(("code", "quantity"), [
    ((LOINC, "8331-1", "Oral temperature"),
     {"value": 102.4, "unit": "degF", "system": "http://unitsofmeasure.org", "code": "[degF]"}),
    ((LOINC, "8333-7", "Tympanic membrane temperature"),
     {"value": 102.4, "unit": "degF", "system": "http://unitsofmeasure.org", "code": "[degF]"}),
    ((LOINC, "75539-7", "Body temperature - Temporal artery"), {"value": 102.4, "unit": "DegF"}),
    ((LOINC, "8310-5", "Body temperature"), {"value": 38.9, "unit": "DegC"}),  # Oracle Health's spelling
])
async def test_fever_coded_only_by_the_site_of_measurement_is_found_by_prefetch_and_by_fallback(
    cds: Any, code: Code, quantity: dict[str, Any]
) -> None:
    """The prefetch template and the fallback search ask for the site-specific temperature codes too; a unit
    spelt as the export spells it is read."""
    pid = patient_id("site-temperature", code[1])
    measured = observation(pid, "t", code, "vital-signs", effectiveDateTime=day(1), valueQuantity=quantity)

    answers = await both_ways(cds, pid, "lumbar", [measured])

    assert answers.same, answers.difference()
    assert topics(answers.prefetch)[0] == ("SpineRedFlag", "critical"), answers.difference()


DIABETES = (ICD, "E11.9", "Type 2 diabetes mellitus without complications")  # an infection risk factor
CPT = "http://www.ama-assn.org/go/cpt"
STAPH_AUREUS = (SCT, "3092008", "Staphylococcus aureus")


def crp_25(pid: str) -> Resource:
    """CRP 25 mg/L two days before the order: raised for R7 (> 10 mg/L), below R7b's 50."""
    return observation(pid, "c", (LOINC, "1988-5", "C reactive protein"), "laboratory",
                       valueQuantity={"value": 25, "unit": "mg/L", "system": "http://unitsofmeasure.org",
                                      "code": "mg/L"})

# A fever or a raised CRP as exports write them (docs/pathway-facts.md "Sixth pass"): read by prefetch and
# by the fallback's code search alike (R7).
MEASURED: dict[str, Callable[[str], list[Resource]]] = {
    "temperature-as-text": lambda pid: [observation(
        pid, "t", (LOINC, "8310-5", "Body temperature"), "vital-signs", valueString="38.6 C")],
    "temperature-period-end-only": lambda pid: [observation(
        pid, "t", (LOINC, "8310-5", "Body temperature"), "vital-signs", effectiveDateTime=None,
        effectivePeriod={"end": day(1)}, valueQuantity={"value": 101.8, "unit": "degF", "code": "[degF]"})],
    "temperature-undated": lambda pid: [observation(
        pid, "t", (LOINC, "8331-1", "Oral temperature"), "vital-signs", effectiveDateTime=None,
        valueQuantity={"value": 38.9, "unit": "Cel", "code": "Cel"})],
    "crp-unit-coded-outside-ucum": lambda pid: [
        condition(pid, "dm", DIABETES, onsetDateTime="2019-04-01"),
        observation(pid, "c", (LOINC, "1988-5", "C reactive protein"), "laboratory", valueQuantity={
            "value": 32, "unit": "mg/L", "system": "http://snomed.info/sct", "code": "258796002"})],  # mg/L
    # Recent bacteraemia as a positive blood culture, a laboratory result outside the findings categories,
    # and haemodialysis as a Procedure (docs/pathway-facts.md "Seventh pass: infection").
    "positive-blood-culture-and-crp": lambda pid: [
        observation(pid, "bc", (LOINC, "600-7", "Bacteria identified in Blood by Culture"), "laboratory",
                    effectiveDateTime=day(6), valueCodeableConcept=concept(STAPH_AUREUS)),
        crp_25(pid)],
    "haemodialysis-procedure-and-crp": lambda pid: [{
        "resourceType": "Procedure", "id": f"{pid}-hd", "subject": {"reference": f"Patient/{pid}"},
        "status": "completed", "code": concept((CPT, "90935", "Hemodialysis procedure")),
        "performedDateTime": day(3)}, crp_25(pid)],
}


@pytest.mark.parametrize("shape", list(MEASURED))
async def test_a_measured_red_flag_as_exports_write_it_is_found_by_prefetch_and_by_fallback(
    cds: Any, shape: str
) -> None:
    pid = patient_id("measured", shape)
    resources = [{k: v for k, v in r.items() if v is not None} for r in MEASURED[shape](pid)]

    answers = await both_ways(cds, pid, "lumbar", resources)

    assert answers.same, answers.difference()
    assert topics(answers.prefetch)[0] == ("SpineRedFlag", "critical"), answers.difference()
    never_deferred(answers.prefetch)


# Dates as exports write them (docs/pathway-facts.md §1, "Eighth pass: dates and times"): read alike by
# prefetch and by the fallback (no template searches by date), never "after the order" or long resolved.
CES = (ICD, "G83.4", "Cauda equina syndrome")
FOOT_DROP = (ICD, "M21.371", "Foot drop, right foot")
DATED: dict[str, Callable[[str], list[Resource]]] = {
    "temperature-written-in-utc-the-next-morning": lambda pid: [observation(
        pid, "t", (LOINC, "8310-5", "Body temperature"), "vital-signs",
        effectiveDateTime=f"{day(-1)}T02:30:00Z",  # 22:30 on the order's day in New York
        valueQuantity={"value": 38.9, "unit": "Cel", "code": "Cel"})],
    "ces-onset-typed-decades-late": lambda pid: [condition(
        pid, "ces", CES, onsetDateTime="2062-05-30", recordedDate=day(3))],
    "foot-drop-abated-before-it-began": lambda pid: [condition(
        pid, "fd", FOOT_DROP, clinical="resolved", onsetDateTime=day(5), abatementDateTime=day(400))],
}


@pytest.mark.parametrize("shape", list(DATED))
async def test_a_red_flag_dated_as_exports_date_it_is_found_by_prefetch_and_by_fallback(
    cds: Any, shape: str
) -> None:
    pid = patient_id("dated", shape)

    answers = await both_ways(cds, pid, "lumbar", DATED[shape](pid))

    assert answers.same, answers.difference()
    assert topics(answers.prefetch)[0] == ("SpineRedFlag", "critical"), answers.difference()
    never_deferred(answers.prefetch)


def prednisone_by_reference(pid: str, display: str | None) -> list[Resource]:
    """120 days of prednisone whose drug is an external Medication (US Core allows it), with the reference's
    display or without one; the Medication is on the server but no template asks for it."""
    medication = {"resourceType": "Medication", "id": f"{pid}-m",
                  "code": concept((RXNORM, "312617", "predniSONE 5 MG Oral Tablet"))}
    reference = {"reference": f"Medication/{medication['id']}", **({"display": display} if display else {})}
    prescription = {
        "resourceType": "MedicationRequest", "id": f"{pid}-rx", "subject": {"reference": f"Patient/{pid}"},
        "status": "active", "intent": "order", "authoredOn": day(150), "medicationReference": reference,
        "dispenseRequest": {"expectedSupplyDuration": {"value": 120, "unit": "days", "code": "d"}}}
    return [medication, prescription]


async def test_long_term_steroids_named_by_an_external_medications_display_are_an_infection_risk(
    cds: Any
) -> None:
    """Epic's shape: medicationReference to Medication/<id> with the drug's name as its display."""
    pid = patient_id("external-medication-display")

    answers = await both_ways(cds, pid, "lumbar", prednisone_by_reference(pid, "predniSONE 5 MG tablet"))

    assert answers.same, answers.difference()
    assert topics(answers.prefetch)[0] == ("SpineRedFlag", "critical"), answers.difference()


# Shapes from which the service cannot read everything: it says so ("could not check") by prefetch and by
# fallback alike, and never defers on "no red flags" (PATHWAY.md §2 "missing data is a value").
UNREADABLE: dict[str, Callable[[str], tuple[list[Resource], Reason]]] = {
    "external-medication-without-display": lambda pid: (prednisone_by_reference(pid, None), None),
    "order-reasonReference-not-on-the-server": lambda pid: ([], f"Condition/{pid}-visit-diagnosis"),
}


@pytest.mark.parametrize("shape", list(UNREADABLE))
async def test_what_cannot_be_read_is_said_both_ways_never_deferred(cds: Any, shape: str) -> None:
    pid = patient_id("unreadable", shape)
    extra, reason = UNREADABLE[shape](pid)

    answers = await both_ways(cds, pid, "lumbar", extra, reason)

    assert answers.same, answers.difference()
    for answer in (answers.prefetch, answers.fallback):
        assert ("SpineDataNeeded", "info") in topics(answer), answers.difference()
        assert rating(answer) is None
        never_deferred(answer)


async def test_a_patient_without_a_birth_date_is_said_both_ways_and_left_unrated(cds: Any) -> None:
    """The age is unknown: the under-18 and over-50 rules cannot run (PATHWAY.md §2, R28, R9)."""
    pid = patient_id("no-birth-date")
    resources = [{**r, "birthDate": None} if r["resourceType"] == "Patient" else r
                 for r in chart(pid, "lumbar", [])]
    resources = [{k: v for k, v in r.items() if v is not None} for r in resources]

    answers = await evaluate_both_ways(cds, resources, order=LUMBAR_MRI, on=ON.isoformat())

    assert answers.same, answers.difference()
    assert ("SpineDataNeeded", "info") in topics(answers.prefetch), answers.difference()
    assert rating(answers.prefetch) is None


# A cancer recorded as clinics, registries and Synthea record it beside no C-code or Z85
# (docs/pathway-facts.md "Eighth pass: malignancy"): a staging Observation in the laboratory category,
# which only the observations search's codes bring to the fallback; a cancer drug named only in words; a
# radiotherapy Procedure; a neoplasm of uncertain behaviour. Each is R8 (a warning, rating appropriate)
# by prefetch and by fallback.
MALIGNANCY: dict[str, Callable[[str], list[Resource]]] = {
    "staging-observation": lambda pid: [observation(
        pid, "stage", (LOINC, "21908-9", "Stage group.clinical Cancer"), "laboratory",
        effectiveDateTime="2023-05-02", valueCodeableConcept={"text": "Stage IIIA"})],
    "drug-named-in-words": lambda pid: [{
        "resourceType": "MedicationStatement", "id": f"{pid}-rx", "subject": {"reference": f"Patient/{pid}"},
        "status": "active", "effectiveDateTime": "2025-01-15",
        "medicationCodeableConcept": {"text": "LUPRON DEPOT 22.5 MG IM KIT"}}],
    "radiotherapy-procedure": lambda pid: [{
        "resourceType": "Procedure", "id": f"{pid}-rt", "subject": {"reference": f"Patient/{pid}"},
        "status": "completed", "code": concept((SCT, "33195004", "Teleradiotherapy procedure")),
        "performedDateTime": "2022-09-01"}],
    "neoplasm-of-uncertain-behaviour": lambda pid: [condition(
        pid, "mgus", (ICD, "D47.2", "Monoclonal gammopathy"), onsetDateTime="2021-03-01")],
}


@pytest.mark.parametrize("shape", list(MALIGNANCY))
async def test_a_cancer_recorded_beside_no_cancer_code_is_found_by_prefetch_and_by_fallback(
    cds: Any, shape: str
) -> None:
    pid = patient_id("malignancy", shape)

    answers = await both_ways(cds, pid, "lumbar", MALIGNANCY[shape](pid))

    assert answers.same, answers.difference()
    assert topics(answers.prefetch)[0] == ("SpineRedFlag", "warning"), answers.difference()
    assert rating(answers.prefetch) == "appropriate"
