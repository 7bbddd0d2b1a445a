"""Slim, frozen view models of the R4 resources the pathway reads (STYLE.md habit 5).

Why not ``fhir.resources``: full validation costs ~35 ms per 50-resource bundle and rejects a whole
resource for one bad field; these views cost ~1 ms, ignore unknown fields, and a malformed resource is
skipped on its own (``ViewError``) while the rest of the chart is still used (CONTRACT.md §3.3).
Field names are R4's; no other package reads raw FHIR JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from functools import lru_cache
from typing import Any

from app.fhir.dates import FhirDate, parse_fhir_date
from app.immutable import immutable
from app.terminology.coding import Coding

Json = Mapping[str, Any]


class ViewError(ValueError):
    """A resource too malformed to read (not an object, no usable id/code where one is required)."""


@immutable
class PatientView:
    id: str
    birth_date: FhirDate | None = None
    gender: str | None = None


@immutable
class ConditionView:
    """A Condition; ``onset_*`` keep every R4 onset[x] form so facts can pick per PATHWAY.md §2."""

    id: str
    codings: tuple[Coding, ...]
    text: str | None = None
    clinical_status: str | None = None
    verification_status: str | None = None
    onset: FhirDate | None = None
    onset_age_years: float | None = None
    onset_string: str | None = None
    recorded: FhirDate | None = None
    abatement: FhirDate | None = None
    abated: bool = False
    categories: tuple[str, ...] = ()

    @property
    def reference(self) -> str:
        return f"Condition/{self.id}"


@immutable
class ObservationView:
    """An Observation. ``value`` is valueQuantity.value or valueInteger (``unit`` from the quantity);
    ``value_boolean``/``value_string`` keep the other value[x] forms a finding may be recorded with
    (PATHWAY.md §2: a negated finding never counts); ``body_site`` holds bodySite codings, laterality
    qualifiers included, so motor-strength grades are compared muscle by muscle (§3)."""

    id: str
    codings: tuple[Coding, ...]
    status: str | None = None
    effective: FhirDate | None = None
    value: float | None = None
    unit: str | None = None
    value_codings: tuple[Coding, ...] = ()
    value_boolean: bool | None = None
    value_string: str | None = None
    text: str | None = None
    body_site: tuple[Coding, ...] = ()
    value_text: str | None = None  # valueCodeableConcept's text, else its first display ("No", "Present")

    @property
    def reference(self) -> str:
        return f"Observation/{self.id}"


@immutable
class ProcedureView:
    id: str
    codings: tuple[Coding, ...]
    status: str | None = None
    performed: FhirDate | None = None
    text: str | None = None
    body_site_codings: tuple[Coding, ...] = ()

    @property
    def reference(self) -> str:
        return f"Procedure/{self.id}"


@immutable
class MedicationView:
    """MedicationRequest or MedicationStatement; ``start``/``end`` bound the exposure when known."""

    id: str
    resource_type: str
    codings: tuple[Coding, ...]
    text: str | None = None
    status: str | None = None
    start: FhirDate | None = None
    end: FhirDate | None = None
    supply_days: float | None = None

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"


@immutable
class ImagingView:
    """ImagingStudy or DiagnosticReport; ``modalities`` holds DICOM codes (MR, CT, CR, DX …).

    ``identifiers`` (``system|value``: the accession), ``based_on`` (the orders) and ``studies`` (a
    report's ``imagingStudy``) tie a report to its study, so one examination counts once (PATHWAY.md §2).
    """

    id: str
    resource_type: str
    codings: tuple[Coding, ...]
    modalities: tuple[str, ...] = ()
    started: FhirDate | None = None
    status: str | None = None
    text: str | None = None
    identifiers: tuple[str, ...] = ()
    based_on: tuple[str, ...] = ()
    studies: tuple[str, ...] = ()

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"


@immutable
class ServiceRequestView:
    """A ServiceRequest: a draft imaging order, an earlier order, or a referral."""

    id: str | None
    codings: tuple[Coding, ...]
    text: str | None = None
    status: str | None = None
    intent: str | None = None
    authored_on: FhirDate | None = None
    reason_codings: tuple[Coding, ...] = ()
    reason_references: tuple[str, ...] = ()
    performer_type_codings: tuple[Coding, ...] = ()
    category_codings: tuple[Coding, ...] = ()
    occurrence: FhirDate | None = None

    @property
    def reference(self) -> str | None:
        return f"ServiceRequest/{self.id}" if self.id else None


@immutable
class EncounterView:
    """An Encounter: a visit whose ``type``/``serviceType`` may say it was physical therapy (CODES.md §1e).
    ``based_on`` names the referrals (ServiceRequest) it carried out."""

    id: str
    status: str | None = None
    type_codings: tuple[Coding, ...] = ()
    service_type_codings: tuple[Coding, ...] = ()
    start: FhirDate | None = None
    end: FhirDate | None = None
    based_on: tuple[str, ...] = ()

    @property
    def reference(self) -> str:
        return f"Encounter/{self.id}"


@immutable
class Chart:
    """Everything known about one patient for one hook call.

    ``skipped`` counts resources dropped as malformed; ``unavailable`` names data categories
    ("conditions", "medications" …) that could not be read at all, so cards can say what was not checked.
    """

    patient: PatientView | None = None
    conditions: tuple[ConditionView, ...] = ()
    observations: tuple[ObservationView, ...] = ()
    procedures: tuple[ProcedureView, ...] = ()
    medications: tuple[MedicationView, ...] = ()
    imaging: tuple[ImagingView, ...] = ()
    service_requests: tuple[ServiceRequestView, ...] = ()
    encounters: tuple[EncounterView, ...] = ()
    skipped: int = 0
    unavailable: frozenset[str] = field(default_factory=frozenset)


# --- parsing helpers -------------------------------------------------------------------------------


# Length bounds (docs/security.md, "Bounded input"): no real id, code or display comes near them, and
# each value is a memo key below, so a hostile chart cannot grow the memos' memory past a few MB.
MAX_STRING_CHARS = 4_096  # an id, status, description or display; a longer one is treated as absent
MAX_CODE_CHARS = 128  # a code (SNOMED CT ids have at most 18 digits): a longer coding is dropped
MAX_SYSTEM_CHARS = 256  # a code system URI or OID
MAX_DISPLAY_CHARS = 512  # a coding's display (SNOMED CT's longest descriptions are 255): longer is dropped


def _str(value: object) -> str | None:
    """A non-blank string of storable Unicode within ``MAX_STRING_CHARS``, else ``None``: a lone
    surrogate cannot be encoded as UTF-8, so it would fail the response and the audit write later."""
    if not isinstance(value, str) or len(value) > MAX_STRING_CHARS or not value.strip():
        return None
    return value if value.isascii() or _encodable(value) else None


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _coding(raw: object) -> Coding | None:
    if not isinstance(raw, dict):
        return None
    system, code, display = raw.get("system"), raw.get("code"), raw.get("display")
    if isinstance(system, str) and isinstance(code, str) and (display is None or isinstance(display, str)):
        if len(system) > MAX_SYSTEM_CHARS or len(code) > MAX_CODE_CHARS:
            return None  # checked before the memo, so that its keys stay small
        if display is not None and len(display) > MAX_DISPLAY_CHARS:
            display = None
        return _shared_coding(system, code, display)
    return _new_coding(system, code, display)


@lru_cache(maxsize=8192)  # bounded: keys of at most ~900 characters (the bounds above)
def _shared_coding(system: str, code: str, display: str | None) -> Coding | None:
    """One ``Coding`` per distinct (system, code, display): a chart repeats the same few codings (every
    Condition's clinicalStatus and category, the same problems and procedures year after year), and
    checking, stripping and building one costs more than looking it up."""
    return _new_coding(system, code, display)


def _new_coding(system: object, code: object, display: object) -> Coding | None:
    system, code = _str(system), _str(code)
    if system is None or code is None or len(system) > MAX_SYSTEM_CHARS or len(code) > MAX_CODE_CHARS:
        return None
    return Coding(system, code.strip(), _str(display))


def codings_of(concept: object) -> tuple[Coding, ...]:
    """Codings of a CodeableConcept; codings without system or code are dropped, not fatal."""
    raw = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(raw, list):
        return ()
    return tuple([c for c in map(_coding, raw) if c is not None])


def _codings_of_all(concepts: object) -> tuple[Coding, ...]:
    if not isinstance(concepts, list):
        return ()
    if len(concepts) == 1:  # the usual case (one category, one reasonCode): no second tuple
        return codings_of(concepts[0])
    return tuple([c for concept in concepts for c in codings_of(concept)])


def _concept(concept: object) -> tuple[tuple[Coding, ...], str | None]:
    """A CodeableConcept's codings (as ``codings_of``) and its text — else the first non-blank display of
    its codings, usable or not — in a single pass over the codings."""
    if not isinstance(concept, dict):
        return (), None
    text = concept.get("text")
    text = text if isinstance(text, str) and text.strip() else None
    raw = concept.get("coding")
    if not isinstance(raw, list):
        return (), text
    found: list[Coding] = []
    for item in raw:
        coding = _coding(item)
        if coding is not None:
            found.append(coding)
        if text is None and isinstance(item, dict):
            display = item.get("display")
            text = display if isinstance(display, str) and display.strip() else None
    return tuple(found), text


def _status_code(concept: object) -> str | None:
    """The code of the first usable coding (a status CodeableConcept), or a bare code string."""
    if isinstance(concept, str):
        return _str(concept)
    if not isinstance(concept, dict):
        return None
    for raw in _list(concept.get("coding")):
        coding = _coding(raw)
        if coding is not None:
            return coding.code
    return None


def _date(raw: Json, *names: str) -> FhirDate | None:
    for name in names:
        parsed = parse_fhir_date(raw.get(name))
        if parsed is not None:
            return parsed
    return None


def _period_start(raw: object) -> FhirDate | None:
    return parse_fhir_date(raw.get("start")) if isinstance(raw, dict) else None


def _period_end(raw: object) -> FhirDate | None:
    return parse_fhir_date(raw.get("end")) if isinstance(raw, dict) else None


def _required_id(raw: Json) -> str:
    resource_id = _str(raw.get("id"))
    if resource_id is None:
        raise ViewError(f"{raw.get('resourceType')} without id")
    return resource_id


def _age_years(raw: object) -> float | None:
    """onsetAge as years; UCUM ``a``/``mo``/``wk``/``d`` units are converted, others refused."""
    if not isinstance(raw, dict) or not isinstance(raw.get("value"), int | float):
        return None
    per_year = {"a": 1.0, "mo": 12.0, "wk": 52.1775, "d": 365.25}.get(str(raw.get("code") or raw.get("unit")))
    return float(raw["value"]) / per_year if per_year else None


# --- one parser per resource type ------------------------------------------------------------------


def parse_patient(raw: Json) -> PatientView:
    return PatientView(_required_id(raw), parse_fhir_date(raw.get("birthDate")), _str(raw.get("gender")))


# An abatement with no calendar date: the Condition ended, when is not said (an age is rare and needs the
# birth date; the pathway treats all of these as "date not recorded").
_UNDATED_ABATEMENTS = frozenset({"abatementString", "abatementAge", "abatementRange"})


def parse_condition(raw: Json) -> ConditionView:
    abatement = parse_fhir_date(raw.get("abatementDateTime")) or _period_end(raw.get("abatementPeriod"))
    undated = raw.get("abatementBoolean") is True or bool(_UNDATED_ABATEMENTS & raw.keys())
    abated = abatement is not None or undated
    codings, text = _concept(raw.get("code"))
    return ConditionView(
        id=_required_id(raw),
        codings=codings,
        text=text,
        clinical_status=_status_code(raw.get("clinicalStatus")),
        verification_status=_status_code(raw.get("verificationStatus")),
        onset=parse_fhir_date(raw.get("onsetDateTime")) or _period_start(raw.get("onsetPeriod")),
        onset_age_years=_age_years(raw.get("onsetAge")),
        onset_string=_str(raw.get("onsetString")),
        recorded=parse_fhir_date(raw.get("recordedDate")),
        abatement=abatement,
        abated=abated,
        categories=tuple(c.code for c in _codings_of_all(raw.get("category"))),
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _body_site(raw: Json) -> tuple[Coding, ...]:
    """bodySite codings plus any laterality qualifier carried as a bodySite extension (CodeableConcept)."""
    site = raw.get("bodySite")
    extensions = _list(site.get("extension")) if isinstance(site, dict) else []
    qualifiers = (codings_of(e.get("valueCodeableConcept")) for e in extensions if isinstance(e, dict))
    return (*codings_of(site), *(c for found in qualifiers for c in found))


def parse_observation(raw: Json) -> ObservationView:
    quantity = raw.get("valueQuantity")
    quantity = quantity if isinstance(quantity, dict) else {}
    codings, text = _concept(raw.get("code"))
    value_codings, value_text = _concept(raw.get("valueCodeableConcept"))
    boolean = raw.get("valueBoolean")
    return ObservationView(
        id=_required_id(raw),
        codings=codings,
        status=_str(raw.get("status")),
        effective=_date(raw, "effectiveDateTime", "effectiveInstant", "issued")
        or _period_start(raw.get("effectivePeriod")),
        value=_number(quantity.get("value")) if quantity else _number(raw.get("valueInteger")),
        unit=_str(quantity.get("code")) or _str(quantity.get("unit")),
        value_codings=value_codings,
        value_text=value_text,
        value_boolean=boolean if isinstance(boolean, bool) else None,
        value_string=_str(raw.get("valueString")),
        text=text,
        body_site=_body_site(raw),
    )


def parse_procedure(raw: Json) -> ProcedureView:
    codings, text = _concept(raw.get("code"))
    return ProcedureView(
        id=_required_id(raw),
        codings=codings,
        status=_str(raw.get("status")),
        performed=parse_fhir_date(raw.get("performedDateTime")) or _period_start(raw.get("performedPeriod")),
        text=text,
        body_site_codings=_codings_of_all(raw.get("bodySite")),
    )


def _medication_concept(raw: Json) -> object:
    if isinstance(raw.get("medicationCodeableConcept"), dict):
        return raw["medicationCodeableConcept"]
    reference = raw.get("medicationReference")
    return {"text": reference.get("display")} if isinstance(reference, dict) else None


def _supply_days(raw: Json) -> float | None:
    dispense = raw.get("dispenseRequest")
    duration = dispense.get("expectedSupplyDuration") if isinstance(dispense, dict) else None
    if not isinstance(duration, dict) or not isinstance(duration.get("value"), int | float):
        return None
    per_day = {"d": 1.0, "wk": 7.0, "mo": 30.4375, "a": 365.25}.get(str(duration.get("code")))
    return float(duration["value"]) * per_day if per_day else None


def parse_medication(raw: Json) -> MedicationView:
    concept = _medication_concept(raw)
    dispense = raw.get("dispenseRequest")
    validity = dispense.get("validityPeriod") if isinstance(dispense, dict) else None
    effective = raw.get("effectivePeriod")
    codings, text = _concept(concept)
    return MedicationView(
        id=_required_id(raw),
        resource_type=str(raw.get("resourceType")),
        codings=codings,
        text=text,
        status=_str(raw.get("status")),
        start=_date(raw, "authoredOn", "effectiveDateTime") or _period_start(effective)
        or _period_start(validity) or parse_fhir_date(raw.get("dateAsserted")),
        end=_period_end(effective) or _period_end(validity),
        supply_days=_supply_days(raw),
    )


def _series_modalities(raw: Json) -> tuple[str, ...]:
    series = (s.get("modality") for s in _list(raw.get("series")) if isinstance(s, dict))
    from_series = (c.get("code") for c in series if isinstance(c, dict))
    own = (c.code for c in _codings_of_all_or_one(raw.get("modality")))
    return tuple(dict.fromkeys(code for code in (*own, *from_series) if isinstance(code, str)))


def _codings_of_all_or_one(value: object) -> tuple[Coding, ...]:
    """ImagingStudy.modality is a list of Coding in R4 (not CodeableConcept)."""
    found = (_coding(item) for item in _list(value))
    return tuple(c for c in found if c is not None)


def parse_imaging_study(raw: Json) -> ImagingView:
    return ImagingView(
        id=_required_id(raw),
        resource_type="ImagingStudy",
        codings=_codings_of_all(raw.get("procedureCode")),
        modalities=_series_modalities(raw),
        started=parse_fhir_date(raw.get("started")),
        status=_str(raw.get("status")),
        text=_str(raw.get("description")),
        identifiers=_identifiers(raw.get("identifier")),
        based_on=_references(raw.get("basedOn")),
    )


def parse_diagnostic_report(raw: Json) -> ImagingView:
    """Dated by effective[x] only (PATHWAY.md §2 v2): ``issued`` is when the report was released, which
    may be days after the examination, and an undated report does not count as prior imaging."""
    codings, text = _concept(raw.get("code"))
    return ImagingView(
        id=_required_id(raw),
        resource_type="DiagnosticReport",
        codings=codings,
        started=parse_fhir_date(raw.get("effectiveDateTime")) or _period_start(raw.get("effectivePeriod")),
        status=_str(raw.get("status")),
        text=text,
        identifiers=_identifiers(raw.get("identifier")),
        based_on=_references(raw.get("basedOn")),
        studies=_references(raw.get("imagingStudy")),
    )


def _identifiers(raw: object) -> tuple[str, ...]:
    """``system|value`` of each Identifier with a value (an accession number has one on both resources)."""
    found = (item for item in _list(raw) if isinstance(item, dict) and _str(item.get("value")))
    return tuple(f"{_str(item.get('system')) or ''}|{str(item['value']).strip()}" for item in found)


def _references(raw: object) -> tuple[str, ...]:
    """The ``reference`` strings of a list of References (``Condition/123``, or an absolute URL ending in
    it), stripped."""
    found = (_str(item.get("reference")) for item in _list(raw) if isinstance(item, dict))
    return tuple(ref.strip() for ref in found if ref is not None)


def parse_encounter(raw: Json) -> EncounterView:
    """type is a list of CodeableConcept; serviceType one CodeableConcept (R4)."""
    period = raw.get("period")
    return EncounterView(
        id=_required_id(raw),
        status=_str(raw.get("status")),
        type_codings=_codings_of_all(raw.get("type")),
        service_type_codings=codings_of(raw.get("serviceType")),
        start=_period_start(period),
        end=_period_end(period),
        based_on=_references(raw.get("basedOn")),
    )


def parse_service_request(raw: Json) -> ServiceRequestView:
    """Draft orders may lack an id or a code (the sandbox's first call): both are allowed here."""
    codings, text = _concept(raw.get("code"))
    return ServiceRequestView(
        id=_str(raw.get("id")),
        codings=codings,
        text=text,
        status=_str(raw.get("status")),
        intent=_str(raw.get("intent")),
        authored_on=parse_fhir_date(raw.get("authoredOn")),
        reason_codings=_codings_of_all(raw.get("reasonCode")),
        reason_references=_references(raw.get("reasonReference")),
        performer_type_codings=codings_of(raw.get("performerType")),
        category_codings=_codings_of_all(raw.get("category")),
        occurrence=parse_fhir_date(raw.get("occurrenceDateTime"))
        or _period_start(raw.get("occurrencePeriod")),
    )


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


def parse_resource(raw: object) -> object | None:
    """Parse one resource into its view; ``None`` for types we do not read; ``ViewError`` if malformed."""
    if not isinstance(raw, dict):
        raise ViewError("resource is not a JSON object")
    parser = PARSERS.get(str(raw.get("resourceType")))
    if parser is None:
        return None
    try:
        return parser(raw)
    except (TypeError, AttributeError, ValueError) as exc:
        raise ViewError(f"malformed {raw.get('resourceType')}: {exc}") from exc
