"""A measured value as charts write it (PATHWAY.md §3: a temperature, a marker): the number, its unit in
one spelling, and the comparator; lab flags and notes in brackets are not part of the unit."""

from __future__ import annotations

import re
from functools import lru_cache

from app.chart.model import ObservationView
from app.immutable import immutable

# Spellings that do not change a unit: case, spaces, full stops, UCUM's brackets and the degree sign ("DegF",
# "deg. F", "[degF]", "°F" and "℉" are one unit — also with the look-alikes typed for it, the ordinal "º" of
# Spanish and Portuguese keyboards and the ring "˚"), and micro written µ, μ or mc.
_UNIT_NOISE = str.maketrans({
    " ": None, ".": None, "[": None, "]": None, "°": None, "º": None, "˚": None, "℃": "c", "℉": "f",
    "µ": "u", "μ": "u",
})


@lru_cache(maxsize=256)  # bounded: a chart repeats a handful of units; each is at most 4,096 characters
def unit_key(unit: str | None) -> str | None:
    """A measured value's unit as the pathway compares it (Oracle Health writes "DegC", devices "°f", labs
    "MG/DL" or "mcg/mL"); ``None`` stays ``None``, which the readers treat as "no unit written"."""
    if unit is None:
        return None
    folded = unit.casefold().translate(_UNIT_NOISE)
    return folded.replace("mcg", "ug")


# A measurement written as text: an optional comparator, a number (a decimal point, or a decimal comma
# followed by one or two digits: "38,6"), and optionally its unit ("38.6 C", "60 mm/hr", ">200 mg/L").
# A laboratory's abnormal flag may stand before the number or after it ("H 65", "65 H", "65 mm/hr (H)",
# "65*"), as results pasted from an HL7 v2 interface or a printed report carry it: the flag is dropped,
# never read as the unit (an "H" is no unit of ESR, so "65 H" was read as nothing at all). The runs of
# spaces are possessive (``\s*+``): a text of 4,096 spaces fails at once instead of in quadratic time.
_FLAG = r"(?:hh?|ll?|aa?|high|low|abn|abnormal|crit|critical)"
_MEASURED_TEXT = re.compile(
    rf"\s*+(?:{_FLAG}\b\s*+:?\s*+)?([<>]=?)?\s*+(\d{{1,6}}(?:\.\d{{1,6}}|,\d{{1,2}})?)\s*+([^\d\s<>=][^<>=]{{0,29}})?\s*",
    re.IGNORECASE,
)
_TRAILING_FLAG = re.compile(
    rf"(?:^|\s+|\s*(?=\())(?:\(\s*{_FLAG}\s*\)|{_FLAG}\b)\s*$|\s*[*!]+\s*$", re.IGNORECASE
)

# A note in brackets after the unit, as flowsheet and lab text exports write it: the other scale or the site
# of a temperature ("38.9 °C (102 °F)", "102.0 F (Tympanic)"), a reference range ("65 mm/hr (0-20)"). It was
# read as part of the unit, so the value was no temperature or marker at all (tenth pass).
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


@immutable
class Measured:
    """A measured value and its unit as written; ``comparator`` "<", "<=", ">" or ">=" when the value is a
    bound (a result outside the analyser's range), else ""."""

    value: float
    unit: str | None
    comparator: str = ""


def measured(observation: ObservationView) -> Measured | None:
    """valueQuantity/valueInteger; else a measurement sent as ``valueString`` — a number with or without
    its unit, as flowsheets and older interfaces send "38.6 C" or "60 mm/hr" (PATHWAY.md §2: a fever or a
    raised marker is read wherever the chart holds it). Other text is not a measurement."""
    if observation.value is not None:  # a Quantity's comparator says it is a bound (eleventh pass)
        return Measured(observation.value, observation.unit, observation.comparator or "")
    found = _MEASURED_TEXT.fullmatch(observation.value_string or "")
    if found is None:
        return None
    comparator, number, unit = found.groups()
    unit = _TRAILING_NOTE.sub("", _TRAILING_FLAG.sub("", unit)).strip() or None if unit is not None else None
    unit = unit if unit is not None else observation.unit
    return Measured(float(number.replace(",", ".")), unit, comparator or "")


# Temperature units after ``unit_key`` ("[degF]", "DegF", "deg F", "°F", "℉" are all "degf" or "f").
_FAHRENHEIT = frozenset({
    "degf", "f", "fahrenheit", "degreesf", "degreef", "degreesfahrenheit", "degreefahrenheit",
})
_CELSIUS = frozenset({  # "celcius": the common misspelling; "centigrade", the older name
    "cel", "c", "degc", "celsius", "degreesc", "degreec", "degreescelsius", "degreecelsius", "celcius",
    "degreescelcius", "centigrade", "degreescentigrade", "degreecentigrade",
})
_KELVIN = frozenset({"k", "kelvin", "degk"})  # UCUM's K: a device or an interface may report in it


def celsius(value: float, unit: str | None) -> float | None:
    """°C of a body temperature in UCUM ``Cel``/``[degF]``/``K`` (and their spellings, ``unit_key``); without
    a unit, the plausible human range decides (25-45 is °C, 77-113 is °F); any other unit is not a
    temperature we can read. A value no body has in its written unit but plausible in the other is read in
    the other (tenth pass): an interface that labels every temperature ``Cel`` sends 98.6 °F as "98.6 Cel",
    which was a fever of 98.6 °C (R7 critical); a 38.6 "degF" is a fever, not 3.7 °C. Shared by a
    temperature row (``facts_flags``) and a temperature typed in words (``facts_fever_words``)."""
    key = unit_key(unit)
    if (key in _CELSIUS and 77 <= value <= 113) or (key in _FAHRENHEIT and 25 <= value <= 45):
        key = None  # the plausible range decides, as for a value sent with no unit
    if key in _FAHRENHEIT or (key is None and 77 <= value <= 113):
        return round((value - 32) * 5 / 9, 2)
    if key in _CELSIUS or (key is None and 25 <= value <= 45):
        return value
    return round(value - 273.15, 2) if key in _KELVIN else None
