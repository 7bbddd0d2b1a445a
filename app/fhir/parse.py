"""FHIR R4 JSON → the chart model's views (``app/chart/model.py``), one parser per resource type
(STYLE.md habit 5).

Why not ``fhir.resources``: full validation costs ~35 ms per 50-resource bundle and rejects a whole
resource for one bad field; these parsers cost ~1 ms, ignore unknown fields, and a malformed resource is
skipped on its own (``ViewError``) while the rest of the chart is still used (CONTRACT.md §3.3).
Field names are R4's; no package outside ``app.fhir`` reads raw FHIR JSON. The data types inside a
resource (Coding, CodeableConcept, Period …) are read by ``app/fhir/datatypes.py``; how long a
prescription runs by ``app/fhir/dosage.py``; a record's words (reasons, notes, a report's conclusion) by
``app/fhir/words.py``. Conditions and Observations, the two largest, have modules of their own
(``parse_condition``, ``parse_observation``); the error that skips one resource is ``view_error``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.chart.dates import FhirDate, parse_fhir_date
from app.chart.model import (
    EncounterView,
    ImagingView,
    MedicationView,
    PatientView,
    ProcedureView,
    ServiceRequestView,
)
from app.fhir.datatypes import (
    Json,
    array,
    bare_codings,
    coding_of,
    codings_and_text,
    codings_of,
    codings_of_all,
    first_date,
    identifiers,
    period_bounds,
    period_end,
    period_start,
    references,
    string,
    timing_start,
)
from app.fhir.dosage import dosage_bounds, dosage_routes, supply_days
from app.fhir.parse_condition import parse_condition
from app.fhir.parse_observation import parse_observation
from app.fhir.statuses import (
    concept_status,
    encounter_status,
    medication_status,
    procedure_status,
    replaced_by,
    status_of,
)
from app.fhir.view_error import ViewError, required_id
from app.fhir.words import (
    concept_texts,
    diagnosis_references,
    note_texts,
    notes,
    presented_texts,
    reason_texts,
    sentences,
)
from app.terminology.coding import Coding


def parse_patient(raw: Json) -> PatientView:
    own = required_id(raw)
    return PatientView(own, parse_fhir_date(raw.get("birthDate")), string(raw.get("gender")),
                       replaced_by(raw, own))


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
        id=required_id(raw),
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
        id=required_id(raw),
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
        id=required_id(raw),
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
        id=required_id(raw),
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
        id=required_id(raw),
        status=encounter_status(raw),
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
