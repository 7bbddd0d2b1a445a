"""R4 data types read from FHIR JSON: a string, a Coding, a CodeableConcept, a Period, an Identifier,
a Reference, an Age (STYLE.md habit 5).

Each reader forgives: a value of the wrong shape reads as ``None`` or ``()`` and never raises, so one bad
field does not cost the resource; the resource parsers (``app/fhir/parse.py``) decide what a resource
cannot do without. Codings are bounded by length and shared through a memo.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from app.chart.dates import FhirDate, parse_fhir_date
from app.terminology.coding import Coding

Json = Mapping[str, Any]

# Length bounds (docs/security.md, "Bounded input"): no real id, code or display comes near them, and
# each value is a memo key below, so a hostile chart cannot grow the memos' memory past a few MB.
MAX_STRING_CHARS = 4_096  # an id, status, description or display; a longer one is treated as absent
MAX_CODE_CHARS = 128  # a code (SNOMED CT ids have at most 18 digits): a longer coding is dropped
MAX_SYSTEM_CHARS = 256  # a code system URI or OID
MAX_DISPLAY_CHARS = 512  # a coding's display (SNOMED CT's longest descriptions are 255): longer is dropped


def string(value: object) -> str | None:
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


def array(value: object) -> list[Any]:
    """A JSON array, else empty: a repeating element of the wrong shape reads as absent."""
    return value if isinstance(value, list) else []


def coding_of(raw: object) -> Coding | None:
    """One Coding, or ``None`` without a usable system and code (see the bounds above)."""
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
    system, code = string(system), string(_digits(code))
    if system is None or code is None or len(system) > MAX_SYSTEM_CHARS or len(code) > MAX_CODE_CHARS:
        return None
    return Coding(system, code.strip(), string(display))


def _digits(code: object) -> object:
    """A code written as a JSON integer (a CSV conversion's SNOMED CT id, RxNorm or CPT code, 192970008) is
    its digits: dropped, a cauda equina so coded was no code at all. Never a float (344.60 would lose its
    zero) nor a boolean."""
    return str(code) if type(code) is int and 0 <= code < 10**18 else code


def codings_of(concept: object) -> tuple[Coding, ...]:
    """Codings of a CodeableConcept; codings without system or code are dropped, not fatal."""
    raw = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(raw, list):
        return ()
    return tuple([c for c in map(coding_of, raw) if c is not None])


def codings_of_all(concepts: object) -> tuple[Coding, ...]:
    if not isinstance(concepts, list):
        return ()
    if len(concepts) == 1:  # the usual case (one category, one reasonCode): no second tuple
        return codings_of(concepts[0])
    return tuple([c for concept in concepts for c in codings_of(concept)])


def bare_codings(value: object) -> tuple[Coding, ...]:
    """A list of Codings, not CodeableConcepts (ImagingStudy.modality in R4)."""
    found = (coding_of(item) for item in array(value))
    return tuple(c for c in found if c is not None)


def codings_and_text(concept: object) -> tuple[tuple[Coding, ...], str | None]:
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
        coding = coding_of(item)
        if coding is not None:
            found.append(coding)
        if text is None and isinstance(item, dict):
            display = item.get("display")
            text = display if isinstance(display, str) and display.strip() else None
    return tuple(found), text


def status_code(concept: object) -> str | None:
    """The code of the first usable coding (a status CodeableConcept), or a bare code string."""
    if isinstance(concept, str):
        return string(concept)
    if not isinstance(concept, dict):
        return None
    for raw in array(concept.get("coding")):
        coding = coding_of(raw)
        if coding is not None:
            return coding.code
    return None


def number(value: object) -> float | None:
    """A JSON number (never a boolean, which Python counts as an int)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def first_date(raw: Json, *names: str) -> FhirDate | None:
    """The first of ``names`` that holds a FHIR date (R4 lets a resource date itself several ways)."""
    for name in names:
        parsed = parse_fhir_date(raw.get(name))
        if parsed is not None:
            return parsed
    return None


def period_start(raw: object) -> FhirDate | None:
    """A Period's start; ``None`` also for a period the record contradicts (``period_bounds``)."""
    return period_bounds(raw)[0]


def period_end(raw: object) -> FhirDate | None:
    return period_bounds(raw)[1]


def period_bounds(raw: object) -> tuple[FhirDate | None, FhirDate | None]:
    """A Period's start and end, each read once (a view that keeps both asks here once). One whose end is
    certainly before its start (a typo in one of them, we cannot tell which) dates nothing: read by its
    start, a fever of yesterday typed to begin next week was "after the order"; read by its end, a foot
    drop abated yesterday with its end typed last year was long resolved. Undated, a red flag counts as
    "date not recorded" and supporting evidence does not count (docs/pathway-facts.md §1)."""
    if not isinstance(raw, dict):
        return None, None
    start, end = parse_fhir_date(raw.get("start")), parse_fhir_date(raw.get("end"))
    if start is not None and end is not None and end.last() < start.value:
        return None, None
    return start, end


def timing_start(raw: object) -> FhirDate | None:
    """When a Timing began: its earliest ``event``, else its ``repeat.boundsPeriod`` (start, else end: it
    had begun by then) — an Observation or an order scheduled by a Timing without events is dated by its
    bounds, not undated."""
    if not isinstance(raw, dict):
        return None
    events = [day for day in (parse_fhir_date(e) for e in array(raw.get("event"))) if day is not None]
    if events:
        return min(events)
    repeat = raw.get("repeat")
    bounds = repeat.get("boundsPeriod") if isinstance(repeat, dict) else None
    return period_start(bounds) or period_end(bounds)


# An Age's unit: UCUM's code, or without one the word an export writes ("years", "yr", "months"), or the
# SNOMED CT unit of time (258707000 year, 258706009 month, 258705008 week, 258703001 day) → its UCUM code.
_AGE_UNIT = {
    "a": "a", "year": "a", "years": "a", "yr": "a", "yrs": "a", "y": "a", "258707000": "a",
    "mo": "mo", "month": "mo", "months": "mo", "258706009": "mo",
    "wk": "wk", "week": "wk", "weeks": "wk", "258705008": "wk",
    "d": "d", "day": "d", "days": "d", "258703001": "d",
}
# How many of each unit make a year (UCUM: a = 365.25 d, mo = a/12, wk = 7 d).
PER_YEAR = {"a": 1.0, "mo": 12.0, "wk": 365.25 / 7, "d": 365.25}


def age_of(raw: object) -> tuple[float, str] | None:
    """An Age as (value, UCUM unit ``a``/``mo``/``wk``/``d``): its ``code``, else its ``unit`` word (an
    export that codes the unit in SNOMED CT, or with a code we do not know, still writes the word); other
    units are refused. The unit is kept: an age in months spans a month, in days a day. An age with a
    ``comparator`` ("< 40 years", "> 14660 days") is a bound, not an age: refused, it is an onset written
    but not dated (read as the age, "before day 14660" was that very day, a verified onset)."""
    if not isinstance(raw, dict) or number(raw.get("value")) is None or raw.get("comparator") is not None:
        return None
    written = (string(raw.get("code")), string(raw.get("unit")))
    units = (_AGE_UNIT.get(text.strip().casefold()) for text in written if text is not None)
    unit = next((found for found in units if found is not None), None)
    return (float(raw["value"]), unit) if unit is not None else None


def in_years(age: tuple[float, str] | None) -> float | None:
    """An Age read by ``age_of``, converted to years."""
    return age[0] / PER_YEAR[age[1]] if age is not None else None


def identifiers(raw: object) -> tuple[str, ...]:
    """``system|value`` of each Identifier with a value (an accession number has one on both resources)."""
    found = (item for item in array(raw) if isinstance(item, dict) and string(item.get("value")))
    return tuple(f"{string(item.get('system')) or ''}|{str(item['value']).strip()}" for item in found)


def references(raw: object) -> tuple[str, ...]:
    """The ``reference`` strings of a list of References (``Condition/123``, or an absolute URL ending in
    it), stripped."""
    found = (string(item.get("reference")) for item in array(raw) if isinstance(item, dict))
    return tuple(ref.strip() for ref in found if ref is not None)
