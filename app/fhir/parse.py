"""FHIR R4 JSON → the chart model's views (``app/chart/model.py``), one parser per resource type
(STYLE.md habit 5).

Why not ``fhir.resources``: full validation costs ~35 ms per 50-resource bundle and rejects a whole
resource for one bad field; these parsers cost ~1 ms, ignore unknown fields, and a malformed resource is
skipped on its own (``ViewError``) while the rest of the chart is still used (CONTRACT.md §3.3).
Field names are R4's; no package outside ``app.fhir`` reads raw FHIR JSON. The data types inside a
resource (Coding, CodeableConcept, Period …) are read by ``app/fhir/datatypes.py``; how long a
prescription runs by ``app/fhir/dosage.py``; a record's words (reasons, notes, a report's conclusion) by
``app/fhir/words.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import NamedTuple

from app.chart.dates import FhirDate, parse_fhir_date
from app.chart.model import (
    ConditionView,
    EncounterView,
    ImagingView,
    MedicationView,
    NoteView,
    ObservationView,
    PatientView,
    ProcedureView,
    ServiceRequestView,
)
from app.fhir.datatypes import (
    Json,
    age_of,
    array,
    bare_codings,
    coding_of,
    codings_and_text,
    codings_of,
    codings_of_all,
    first_date,
    identifiers,
    in_years,
    number,
    period_bounds,
    period_end,
    period_start,
    references,
    string,
    timing_start,
)
from app.fhir.dosage import dosage_bounds, dosage_routes, supply_days
from app.fhir.statuses import (
    concept_status,
    condition_statuses,
    medication_status,
    procedure_status,
    status_of,
)
from app.fhir.words import (
    concept_texts,
    diagnosis_references,
    note_texts,
    notes,
    presented_texts,
    prose,
    reason_texts,
    sentences,
)
from app.terminology.coding import Coding


class ViewError(ValueError):
    """A resource too malformed to read (not an object, no usable id/code where one is required)."""


def _required_id(raw: Json) -> str:
    resource_id = string(raw.get("id"))
    if resource_id is None:
        raise ViewError(f"{raw.get('resourceType')} without id")
    return resource_id


def parse_patient(raw: Json) -> PatientView:
    return PatientView(_required_id(raw), parse_fhir_date(raw.get("birthDate")), string(raw.get("gender")))


# An abatement with no calendar date: the Condition ended, when is not said (an age is rare and needs the
# birth date; the pathway treats all of these as "date not recorded").
_UNDATED_ABATEMENTS = frozenset({"abatementString", "abatementAge", "abatementRange", "abatementPeriod"})


def parse_condition(raw: Json) -> ConditionView:
    """An abatementPeriod is dated by its end, else by its start (it had ended by then: a period left open
    is "abated since"); one with neither is an abatement whose date is not recorded — and so is one dated
    before the onset (docs/pathway-facts.md §1, "Eighth pass"): a foot drop begun on 1 March and "abated"
    a year before was read as long resolved."""
    period = raw.get("abatementPeriod")
    abatement = parse_fhir_date(raw.get("abatementDateTime")) or period_end(period) or period_start(period)
    undated = raw.get("abatementBoolean") is True or bool(_UNDATED_ABATEMENTS & raw.keys())
    abated = abatement is not None or undated
    codings, text = codings_and_text(raw.get("code"))
    onset = parse_fhir_date(raw.get("onsetDateTime")) or period_start(raw.get("onsetPeriod"))
    if abatement is not None and onset is not None and abatement.last() < onset.value:
        abatement = None  # abated before it began: one of the two is a typo, the abatement's date is unknown
    onset_age = age_of(raw.get("onsetAge"))
    age = in_years(onset_age)
    clinical, verification = condition_statuses(raw)
    evidence = _evidence(raw["evidence"]) if "evidence" in raw else _NO_EVIDENCE
    return ConditionView(
        id=_required_id(raw),
        codings=codings,
        text=text,
        clinical_status=clinical,
        verification_status=verification,
        onset=onset,
        onset_age_years=age,
        onset_age_unit=onset_age[1] if onset_age is not None else "a",
        onset_string=string(raw.get("onsetString")),
        onset_unread=onset is None and age is None and _onset_written(raw),
        recorded=parse_fhir_date(raw.get("recordedDate")),
        asserted=_asserted(raw),
        abatement=abatement,
        abated=abated,
        categories=tuple(c.code for c in codings_of_all(raw.get("category"))),
        encounter=next(iter(references([raw.get("encounter")])), None),
        notes=notes(raw),
        evidence_codings=evidence.codings,
        evidence_texts=evidence.texts,
        evidence_references=evidence.references,
        stage_texts=_stage_texts(raw.get("stage")),
    )


class _Evidence(NamedTuple):
    codings: tuple[Coding, ...]
    texts: tuple[str, ...]
    references: tuple[str, ...]


_NO_EVIDENCE = _Evidence((), (), ())


def _evidence(items: object) -> _Evidence:
    """Condition.evidence: each item's codes and their words, and the records its ``detail`` names (the
    manifestations a diagnosis was made on: ``facts_findings`` reads them as the Condition's statements)."""
    found = [item for item in array(items) if isinstance(item, dict)]
    concepts = [concept for item in found for concept in array(item.get("code"))]
    details = [ref for item in found for ref in array(item.get("detail"))]
    return _Evidence(codings_of_all(concepts), concept_texts(concepts), references(details))


def _stage_texts(stages: object) -> tuple[str, ...]:
    """The words of each Condition.stage's summary and type: their text, else a coding's display (a stage
    given only as an assessment reference is read through the staging Observation it names)."""
    if not isinstance(stages, list):
        return ()
    found = (codings_and_text(stage.get(part))[1] for stage in stages[:8] if isinstance(stage, dict)
             for part in ("summary", "type"))
    return tuple(text for text in found if text is not None)


# US Core's "date of diagnosis" (USCDI): when the condition was first asserted, which may be long before a
# problem list's recordedDate (rewritten at reconciliation).
_ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"


def _asserted(raw: Json) -> FhirDate | None:
    found = (parse_fhir_date(e.get("valueDateTime")) for e in array(raw.get("extension"))
             if isinstance(e, dict) and e.get("url") == _ASSERTED_DATE)
    return next((day for day in found if day is not None), None)


# onset[x] other than onsetString (which the pathway reads itself); and the primitive extensions that
# carry a data-absent-reason in place of an onsetDateTime or onsetString ("unknown", "asked-unknown").
_ONSET_KEYS = ("onsetDateTime", "onsetAge", "onsetPeriod", "onsetRange", "_onsetDateTime", "_onsetString")


def _onset_written(raw: Json) -> bool:
    """An onset was written (an onsetRange, an onsetPeriod with only an end, an onsetDateTime that is no
    date, an onsetAge in no unit of time, a data-absent-reason saying it is unknown); with no onset read
    from it, it is written but not dated. The pathway must know one was written: it may lie before another
    diagnosis's."""
    return any(raw.get(key) is not None for key in _ONSET_KEYS)


def _body_site(raw: Json) -> tuple[Coding, ...]:
    """bodySite codings plus any laterality qualifier carried as a bodySite extension (CodeableConcept)."""
    site = raw.get("bodySite")
    extensions = array(site.get("extension")) if isinstance(site, dict) else []
    qualifiers = (codings_of(e.get("valueCodeableConcept")) for e in extensions if isinstance(e, dict))
    return (*codings_of(site), *(c for found in qualifiers for c in found))


def parse_observation(raw: Json) -> ObservationView:
    codings, text = codings_and_text(raw.get("code"))
    where = _Where(_required_id(raw), status_of(raw), _effective(raw), _body_site(raw))
    items = raw.get("component")
    components = _components(items, where) if items else ()
    found = _observation(where, codings, text, raw, components, notes(raw))
    return replace(found, members=references(raw["hasMember"])) if "hasMember" in raw else found


def _effective(raw: Json) -> FhirDate | None:
    """When it was observed: effective[x] — a dateTime or instant, a period's start, else its end (a period
    written with only its end was observed by then), a timing's first event — and only without any of
    them ``issued`` (when the result was released, which may be days later). PATHWAY.md §2: a finding is
    dated by when it was observed, and a date left out must not hide a fever (invariant 6)."""
    period = raw.get("effectivePeriod")
    return (first_date(raw, "effectiveDateTime", "effectiveInstant") or period_start(period)
            or period_end(period) or timing_start(raw.get("effectiveTiming")) or first_date(raw, "issued"))


class _Where(NamedTuple):
    """What a panel's items share with it: id, status, date and body site (a component has none)."""

    id: str
    status: str | None
    effective: FhirDate | None
    body_site: tuple[Coding, ...]


def _observation(where: _Where, codings: tuple[Coding, ...], text: str | None, raw: Json,
                 components: tuple[ObservationView, ...] = (), noted: tuple[NoteView, ...] = ()
                 ) -> ObservationView:
    """One view from the shared fields and the value[x] of ``raw`` (an Observation's or a component's:
    the element has the same shape). Built in one call: this runs for every Observation of every chart."""
    quantity = raw.get("valueQuantity")
    quantity = quantity if isinstance(quantity, dict) else {}
    value_codings, value_text = codings_and_text(raw.get("valueCodeableConcept"))
    boolean = raw.get("valueBoolean")
    value_string = raw.get("valueString")
    return ObservationView(
        id=where.id,
        codings=codings,
        status=where.status,
        effective=where.effective,
        value=number(quantity.get("value")) if quantity else number(raw.get("valueInteger")),
        unit=_unit(quantity),
        comparator=_comparator(quantity) if "comparator" in quantity else None,
        value_codings=value_codings,
        value_boolean=boolean if isinstance(boolean, bool) else None,
        value_string=string(value_string),
        text=text,
        body_site=where.body_site,
        value_text=value_text,
        components=components,
        notes=noted,
        prose=prose(value_string) if value_string else (),
        interpretation=_interpretation(raw["interpretation"]) if "interpretation" in raw else (),
    )


def _interpretation(concepts: object) -> tuple[str, ...]:
    """Observation.interpretation as written: each coding's code, each display and each text, whatever
    the system (HL7 v3 ObservationInterpretation, v2 table 0078, a laboratory's own)."""
    found = (word for concept in array(concepts) if isinstance(concept, dict)
             for word in (concept.get("text"), *(part for coding in array(concept.get("coding"))
                                                  if isinstance(coding, dict)
                                                  for part in (coding.get("code"), coding.get("display")))))
    return tuple(dict.fromkeys(word.strip() for word in found if isinstance(word, str) and word.strip()))


def _comparator(quantity: Json) -> str | None:
    """valueQuantity.comparator: the value is a bound (a result beyond the analyser's range, "> 10 mg/L")."""
    found = quantity.get("comparator")
    return found if isinstance(found, str) and found in _COMPARATORS else None


_COMPARATORS = frozenset({"<", "<=", ">", ">="})
_UCUM_SYSTEMS = frozenset({"http://unitsofmeasure.org", "https://unitsofmeasure.org",
                           "urn:oid:2.16.840.1.113883.6.8", "2.16.840.1.113883.6.8"})


def _unit(quantity: Json) -> str | None:
    """The unit as the pathway reads it: the UCUM ``code``; but a code from another system (the FHIR
    specification's own fever example codes °C as SNOMED CT 258710007, "degrees C") says less than the
    human-readable ``unit`` beside it, which is then read instead — also with no ``system`` when the code
    is a number, as no UCUM unit but "1" is (invariant 6: less data, never a less safe answer)."""
    code, unit = string(quantity.get("code")), string(quantity.get("unit"))
    system = string(quantity.get("system"))
    if system is None:  # a number (a concept id, a local unit code) is no UCUM unit but its unity "1"
        ucum = code is None or not code.isdigit() or code == "1"
    else:
        ucum = system.rstrip("/") in _UCUM_SYSTEMS
    return (code if ucum else None) or unit or code


def _components(items: object, panel: _Where) -> tuple[ObservationView, ...]:
    """PATHWAY.md §2 v2 "wherever the chart holds it": a flowsheet panel ("CES screen", "motor exam")
    records each item as a ``component`` with its own code and answer. Each becomes a view of its own that
    keeps the panel's id, status, date and body site; a component without a code is skipped alone, never
    the panel."""
    found = []
    for item in array(items):
        codings, text = codings_and_text(item.get("code")) if isinstance(item, dict) else ((), None)
        if codings or text:
            found.append(_observation(panel, codings, text, item))
    return tuple(found)


def parse_procedure(raw: Json) -> ProcedureView:
    """A ``complication`` (and the Conditions ``complicationDetail`` names) is read with the reasons: a
    finding the record states on its date — an epidural abscess after a lumbar puncture (PATHWAY.md §2 v2
    "wherever the chart holds it"; docs/pathway-facts.md "Eleventh pass: how an answer is recorded")."""
    codings, text = codings_and_text(raw.get("code"))
    period_begun, period_ended = period_bounds(raw.get("performedPeriod"))
    complication = raw.get("complication")
    reasons, words = _reason_codings(raw), reason_texts(raw)
    named = [*array(raw.get("reasonReference")), *array(raw.get("complicationDetail"))]
    return ProcedureView(
        id=_required_id(raw),
        codings=codings,
        status=procedure_status(raw),
        performed=parse_fhir_date(raw.get("performedDateTime")) or period_begun,
        text=text,
        body_site_codings=codings_of_all(raw.get("bodySite")),
        reason_codings=(*reasons, *codings_of_all(complication)) if complication else reasons,
        reason_texts=(*words, *concept_texts(complication)) if complication else words,
        performed_end=period_ended,
        reason_references=references(named),
        notes=notes(raw),
    )


def _medication_concept(raw: Json, products: Mapping[str, Json]) -> object:
    """The drug: medicationCodeableConcept; else the code of the Medication the reference names — a
    contained one (``#id``) or one of ``products`` (``Medication/id``: US Core lets a server reference an
    external Medication, sent beside the request as an included entry) — with its ingredients' codings
    after its own, its display kept as the text when the code has none; else the reference's display."""
    if isinstance(raw.get("medicationCodeableConcept"), dict):
        return raw["medicationCodeableConcept"]
    reference = raw.get("medicationReference")
    if not isinstance(reference, dict):
        return None
    named = reference.get("reference")
    product = _contained(raw, named) or (products.get(medication_key(named)) if products else None)
    code = product.get("code") if product is not None else None
    concept = dict(code) if isinstance(code, dict) else {}
    if not concept.get("text"):
        concept["text"] = reference.get("display")
    ingredients = _ingredient_codings(product)
    return {**concept, "coding": [*array(concept.get("coding")), *ingredients]} if ingredients else concept


def _ingredient_codings(product: Json | None) -> list[object]:
    """``Medication.ingredient[].itemCodeableConcept`` codings: a compounded or local product (a pharmacy
    code, "Compounded capsule") may name its RxNorm ingredient (prednisone 8640) only there (§6.6)."""
    ingredients = array(product.get("ingredient")) if product is not None else []
    items = (i.get("itemCodeableConcept") for i in ingredients if isinstance(i, dict))
    return [coding for item in items if isinstance(item, dict) for coding in array(item.get("coding"))]


_VOID_VERIFICATION = frozenset({"refuted", "entered-in-error"})


def _reason_codings(raw: Json, *fields: str) -> tuple[Coding, ...]:
    """Why it was done or asked for: ``reasonCode``, and the code of each contained Condition a local
    ``reasonReference`` ("#dx") names — a draft order whose reason is a diagnosis entered with it, not yet
    on the problem list (PATHWAY.md §2 "the order's own reasonCode or reasonReference") — or one of
    ``fields`` (an order's ``supportingInfo``). A refuted or entered-in-error one is no reason. Without
    ``contained`` this costs one dict look-up."""
    coded = codings_of_all(raw.get("reasonCode"))
    if "contained" not in raw:
        return coded
    named_by = (r for field in ("reasonReference", *fields) for r in array(raw.get(field)))
    references = (r.get("reference") for r in named_by if isinstance(r, dict))
    named = (_contained(raw, reference) for reference in references)
    conditions = [c for c in named if c is not None and c.get("resourceType") == "Condition"
                  and concept_status(c.get("verificationStatus")) not in _VOID_VERIFICATION]
    return (*coded, *(coding for c in conditions for coding in codings_of(c.get("code"))))


def medication_key(reference: object) -> str:
    """``Medication/<id>`` from a literal reference, relative or absolute, with or without ``_history``
    ("" when it names no Medication): the key ``parse_resource``'s ``products`` are looked up by."""
    if not isinstance(reference, str) or "Medication/" not in reference:
        return ""
    tail = reference.rsplit("Medication/", 1)[1]
    return "Medication/" + tail.split("/", 1)[0].strip()


def _contained(raw: Json, reference: object) -> Json | None:
    """The contained resource a local reference (``#id``) names, if there is one."""
    if not isinstance(reference, str) or not reference.startswith("#"):
        return None
    found = (r for r in array(raw.get("contained")) if isinstance(r, dict) and r.get("id") == reference[1:])
    return next(found, None)


def parse_medication(raw: Json, products: Mapping[str, Json] | None = None) -> MedicationView:
    """``products``: the chart's Medication resources by ``Medication/<id>`` (``medication_key``).

    The course ends with its effective period, else its dose's bounds; the dispensing window
    (``validityPeriod``, often a year) ends it only when no supply is stated: a six-day Medrol Dosepak valid
    for a year is six days of steroids, not 366 (PATHWAY.md §3 "steroids for 90 days or more")."""
    concept = _medication_concept(raw, products or {})
    dispense = raw.get("dispenseRequest")
    validity = dispense.get("validityPeriod") if isinstance(dispense, dict) else None
    effective_start, effective_end = period_bounds(raw.get("effectivePeriod"))
    codings, text = codings_and_text(concept)
    bounded = dosage_bounds(raw)
    route_codings, route_texts = dosage_routes(raw)
    supply = supply_days(raw, bounded.days)
    return MedicationView(
        id=_required_id(raw),
        resource_type=str(raw.get("resourceType")),
        codings=codings,
        text=text,
        status=medication_status(raw),
        start=first_date(raw, "authoredOn", "effectiveDateTime") or effective_start
        or period_start(validity) or bounded.start or parse_fhir_date(raw.get("dateAsserted")),
        end=effective_end or bounded.end or (period_end(validity) if supply is None else None),
        supply_days=supply,
        reason_codings=_reason_codings(raw),
        reason_texts=reason_texts(raw),
        do_not_perform=raw.get("doNotPerform") is True,
        route_codings=route_codings,
        route_texts=route_texts,
        reason_references=references(raw.get("reasonReference")),
        notes=notes(raw),
    )


def _series_modalities(raw: Json) -> tuple[str, ...]:
    series = (s.get("modality") for s in array(raw.get("series")) if isinstance(s, dict))
    from_series = (c.get("code") for c in series if isinstance(c, dict))
    own = (c.code for c in bare_codings(raw.get("modality")))
    return tuple(dict.fromkeys(code for code in (*own, *from_series) if isinstance(code, str)))


def _series_body_sites(raw: Json) -> tuple[Coding, ...]:
    """series.bodySite is a Coding (R4); each series may name one."""
    sites = (coding_of(s.get("bodySite")) for s in array(raw.get("series")) if isinstance(s, dict))
    return tuple(dict.fromkeys(site for site in sites if site is not None))


def _first_series_start(raw: Json) -> FhirDate | None:
    """The earliest ``series.started``: a PACS export may date only its series, and the study began with
    the first of them (PATHWAY.md §2 prior imaging within 12 months)."""
    found = (parse_fhir_date(s.get("started")) for s in array(raw.get("series")) if isinstance(s, dict))
    return min((d for d in found if d is not None), key=lambda d: d.value, default=None)


def parse_imaging_study(raw: Json) -> ImagingView:
    """Dated by ``started``, else by its first series' start. Named by its description, else its first
    procedureCode's text or display (a study under a local code: R12 reads the name, ``facts_imaging``)."""
    return ImagingView(
        id=_required_id(raw),
        resource_type="ImagingStudy",
        codings=codings_of_all(raw.get("procedureCode")),
        modalities=_series_modalities(raw),
        started=parse_fhir_date(raw.get("started")) or _first_series_start(raw),
        status=status_of(raw),
        text=string(raw.get("description")) or next(iter(concept_texts(raw.get("procedureCode"))), None),
        identifiers=identifiers(raw.get("identifier")),
        based_on=references(raw.get("basedOn")),
        body_site_codings=_series_body_sites(raw),
    )


def parse_diagnostic_report(raw: Json) -> ImagingView:
    """Dated by effective[x] only (PATHWAY.md §2 v2): ``issued`` is when the report was released, which
    may be days after the examination, and an undated report does not count as prior imaging."""
    codings, text = codings_and_text(raw.get("code"))
    presented, unread = presented_texts(raw) if "presentedForm" in raw else ((), 0)
    return ImagingView(
        id=_required_id(raw),
        resource_type="DiagnosticReport",
        codings=codings,
        started=parse_fhir_date(raw.get("effectiveDateTime")) or period_start(raw.get("effectivePeriod")),
        status=status_of(raw),
        text=text,
        identifiers=identifiers(raw.get("identifier")),
        based_on=references(raw.get("basedOn")),
        studies=references(raw.get("imagingStudy")),
        conclusion_codings=codings_of_all(raw.get("conclusionCode")),
        conclusion_texts=_with(sentences(raw.get("conclusion")), presented),
        unread_forms=unread,
    )


def _with(texts: tuple[str, ...], more: tuple[str, ...]) -> tuple[str, ...]:
    """A report's conclusion, then the sentences of its presented text it does not repeat."""
    return tuple(dict.fromkeys((*texts, *more))) if more else texts


def parse_encounter(raw: Json) -> EncounterView:
    """type is a list of CodeableConcept; serviceType one CodeableConcept (R4). Their words too
    (``_visit_words``): a visit may be typed only in text ("Physical Therapy"), which PATHWAY.md §2 reads as
    care."""
    start, end = period_bounds(raw.get("period"))
    diagnoses = diagnosis_references(raw)
    return EncounterView(
        id=_required_id(raw),
        status=status_of(raw),
        type_codings=codings_of_all(raw.get("type")),
        service_type_codings=codings_of(raw.get("serviceType")),
        type_texts=_visit_words(raw),
        start=start,
        end=end,
        based_on=references(raw.get("basedOn")),
        reason_codings=_reason_codings(raw),
        reason_texts=reason_texts(raw, *diagnoses),
        diagnoses=references(diagnoses),
        reason_references=references(raw.get("reasonReference")),
    )


def _visit_words(raw: Json) -> tuple[str, ...]:
    """What the visit was, in words: its type's and serviceType's (also uncoded), and its class's display —
    R4 ``class`` is one Coding, and a local one ("Outpatient Rehab - Physical Therapy") may be the only
    place a visit says it was therapy (PATHWAY.md §2)."""
    kind = raw.get("class")
    shown = string(kind.get("display")) if isinstance(kind, dict) else None
    texts = concept_texts([*array(raw.get("type")), raw.get("serviceType")])
    return (*texts, shown) if shown else texts


def parse_service_request(raw: Json) -> ServiceRequestView:
    """Draft orders may lack an id or a code (the sandbox's first call): both are allowed here."""
    codings, text = codings_and_text(raw.get("code"))
    return ServiceRequestView(
        id=string(raw.get("id")),
        codings=codings,
        text=text,
        status=status_of(raw),
        intent=string(raw.get("intent")),
        authored_on=parse_fhir_date(raw.get("authoredOn")),
        reason_codings=_reason_codings(raw, "supportingInfo"),
        reason_references=references([*array(raw.get("reasonReference")), *array(raw.get("supportingInfo"))]),
        reason_texts=reason_texts(raw),
        performer_type_codings=codings_of(raw.get("performerType")),
        category_codings=codings_of_all(raw.get("category")),
        service_texts=concept_texts([raw.get("performerType"), *array(raw.get("category"))]),
        occurrence=parse_fhir_date(raw.get("occurrenceDateTime"))
        or period_start(raw.get("occurrencePeriod")) or timing_start(raw.get("occurrenceTiming")),
        body_site_codings=codings_of_all(raw.get("bodySite")),
        detail_texts=concept_texts(raw.get("orderDetail")),
        do_not_perform=raw.get("doNotPerform") is True,
        note_texts=note_texts(raw),
    )


_PRESCRIPTIONS = frozenset({"MedicationRequest", "MedicationStatement"})
PARSERS: Mapping[str, Callable[[Json], object]] = {
    "Patient": parse_patient,
    "Condition": parse_condition,
    "Observation": parse_observation,
    "Procedure": parse_procedure,
    "MedicationRequest": parse_medication,
    "MedicationStatement": parse_medication,
    "ImagingStudy": parse_imaging_study,
    "DiagnosticReport": parse_diagnostic_report,
    "ServiceRequest": parse_service_request,
    "Encounter": parse_encounter,
}


def parse_resource(raw: object, products: Mapping[str, Json] | None = None) -> object | None:
    """Parse one resource into its view; ``None`` for types we do not read; ``ViewError`` if malformed.
    ``products``: the chart's Medication resources, for a prescription that references one."""
    if not isinstance(raw, dict):
        raise ViewError("resource is not a JSON object")
    resource_type = raw.get("resourceType")
    parser = PARSERS.get(str(resource_type))
    if parser is None:
        return None
    try:
        if products and resource_type in _PRESCRIPTIONS:
            return parse_medication(raw, products)
        return parser(raw)
    except (TypeError, AttributeError, ValueError) as exc:
        raise ViewError(f"malformed {raw.get('resourceType')}: {exc}") from exc
