"""How long a prescription runs, from its dispense request and its dosage (PATHWAY.md §3 long-term steroids:
"steroids for 90 days or more"): the expected supply with its refills, the dispensed quantity over the daily
dose, and the dose's bounds. Read by ``parse_medication``; raw FHIR JSON stays inside ``app.fhir``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

from app.chart.dates import FhirDate
from app.fhir.datatypes import Json, array, codings_and_text, number, period_end, period_start, string
from app.terminology import Coding

# A Duration's unit, by its UCUM code or, without one, the word an export writes ("days", "weeks").
_DAYS_PER_UNIT: Mapping[str, float] = {
    "d": 1.0, "day": 1.0, "days": 1.0, "wk": 7.0, "week": 7.0, "weeks": 7.0,
    "mo": 30.4375, "month": 30.4375, "months": 30.4375, "a": 365.25, "year": 365.25, "years": 365.25,
    "h": 1 / 24, "hour": 1 / 24, "hours": 1 / 24,
}


def _days(duration: object) -> float | None:
    """A Duration in days; a unit that is not a time is not read."""
    if not isinstance(duration, dict) or number(duration.get("value")) is None:
        return None
    unit = string(duration.get("code")) or string(duration.get("unit")) or ""
    per_day = _DAYS_PER_UNIT.get(unit.strip().casefold())
    return float(duration["value"]) * per_day if per_day else None


class Bounds(NamedTuple):
    days: float | None
    start: FhirDate | None
    end: FhirDate | None


def dosage_bounds(raw: Json) -> Bounds:
    """The longest ``dosageInstruction.timing.repeat`` boundsDuration (days), the earliest boundsPeriod start
    and the latest end: "take for 120 days" written as the dose's bounds rather than as the dispensed
    supply, or a course dated only by them (no authoredOn)."""
    found = list(_timing_repeats(raw))
    days = [d for d in (_days(r.get("boundsDuration")) for r in found) if d is not None]
    starts = [e for e in (period_start(r.get("boundsPeriod")) for r in found) if e is not None]
    ends = [e for e in (period_end(r.get("boundsPeriod")) for r in found) if e is not None]
    return Bounds(max(days, default=None), min(starts, default=None), max(ends, default=None))


def _timing_repeats(raw: Json) -> Iterator[Json]:
    return (r for r in (_repeat(d) for d in dosages(raw)) if r is not None)


def dosages(raw: Json) -> list[object]:
    """A MedicationRequest's ``dosageInstruction``, else a MedicationStatement's ``dosage`` (R4 names the
    same Dosage differently in the two): a statement's "for 120 days" is its dose's bounds."""
    return array(raw.get("dosageInstruction")) or array(raw.get("dosage"))


def _repeat(dosage: object) -> Json | None:
    timing = dosage.get("timing") if isinstance(dosage, dict) else None
    repeat = timing.get("repeat") if isinstance(timing, dict) else None
    return repeat if isinstance(repeat, dict) else None


def dosage_routes(raw: Json) -> tuple[tuple[Coding, ...], tuple[str, ...]]:
    """Every Dosage's ``route``: its codings, and its text (else a coding's display) — Epic sends a local
    route code with the text "Epidural". PATHWAY.md §3 counts *systemic* steroids, so the route decides
    whether a methylprednisolone course is one."""
    routes = [codings_and_text(d.get("route")) for d in dosages(raw) if isinstance(d, dict)]
    codings = tuple(coding for found, _ in routes for coding in found)
    return codings, tuple(text for _, text in routes if text is not None)


def supply_days(raw: Json, bounded: float | None) -> float | None:
    """The expected supply with its refills (``numberOfRepeatsAllowed``: 30 days and 3 refills are 120), or
    the dose's bounds, whichever is longer (PATHWAY.md §3 long-term steroids)."""
    dispense = raw.get("dispenseRequest")
    dispense = dispense if isinstance(dispense, dict) else {}
    supply = _days(dispense.get("expectedSupplyDuration")) or _quantity_days(raw, dispense.get("quantity"))
    repeats = number(dispense.get("numberOfRepeatsAllowed"))
    if supply is not None and repeats is not None and repeats > 0:
        supply *= 1 + repeats
    return max((d for d in (supply, bounded) if d is not None), default=None)


def _quantity_days(raw: Json, quantity: object) -> float | None:
    """Without an expected supply, the dispensed quantity over the daily dose: 90 tablets at one a day are
    90 days (PATHWAY.md §3 long-term steroids: an export may write the quantity and the dose, not the days).
    A dose in another unit than the quantity (5 mg against tablets) is not converted, and adds nothing."""
    amount = number(quantity.get("value")) if isinstance(quantity, dict) else None
    if amount is None or amount <= 0 or not isinstance(quantity, dict):
        return None
    per_day = _daily_dose(raw, _unit_word(quantity))
    return amount / per_day if per_day else None


def _daily_dose(raw: Json, unit: str | None) -> float | None:
    """The first dosage's dose × frequency per day, when its dose is in ``unit`` and its period is a time."""
    for dosage in dosages(raw):
        rates = array(dosage.get("doseAndRate")) if isinstance(dosage, dict) else []
        doses = (r.get("doseQuantity") for r in rates if isinstance(r, dict))
        dose = next((d for d in doses if isinstance(d, dict)), None)
        repeat = _repeat(dosage)
        if dose is None or repeat is None or _unit_word(dose) != unit:
            continue
        period = _days({"value": repeat.get("period"), "unit": repeat.get("periodUnit")})
        amount, frequency = number(dose.get("value")), number(repeat.get("frequency", 1))
        if amount and frequency and period and amount > 0 and frequency > 0 and period > 0:
            return amount * frequency / period
    return None


def _unit_word(quantity: Json) -> str | None:
    unit = string(quantity.get("unit")) or string(quantity.get("code"))
    return unit.strip().casefold() if unit is not None else None
