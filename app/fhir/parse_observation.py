"""FHIR R4 Observation JSON → ``ObservationView`` (``app/fhir/parse.py`` dispatches): its code, every
value[x], unit, interpretation, notes and prose, and each panel item (``component``) as a view of its own
that keeps the panel's id, status, date and body site (STYLE.md habit 5)."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from app.chart.dates import FhirDate
from app.chart.model import NoteView, ObservationView
from app.fhir.datatypes import (
    Json,
    array,
    codings_and_text,
    codings_of,
    first_date,
    number,
    period_end,
    period_start,
    references,
    string,
    timing_start,
)
from app.fhir.statuses import status_of
from app.fhir.view_error import required_id
from app.fhir.words import notes, prose
from app.terminology.coding import Coding


def _body_site(raw: Json) -> tuple[Coding, ...]:
    """bodySite codings plus any laterality qualifier carried as a bodySite extension (CodeableConcept)."""
    site = raw.get("bodySite")
    extensions = array(site.get("extension")) if isinstance(site, dict) else []
    qualifiers = (codings_of(e.get("valueCodeableConcept")) for e in extensions if isinstance(e, dict))
    return (*codings_of(site), *(c for found in qualifiers for c in found))


def parse_observation(raw: Json) -> ObservationView:
    codings, text = codings_and_text(raw.get("code"))
    where = _Where(required_id(raw), status_of(raw), _effective(raw), _body_site(raw))
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
        value_date=first_date(raw, "valueDateTime") if "valueDateTime" in raw else None,
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

