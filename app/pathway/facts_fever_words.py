"""A fever typed in words (PATHWAY.md §3 infection "fever with spinal pain"; §2 "a body temperature ≥ 38.0
°C"): "febrile", "fevers/chills", "pyrexia" (``fever.json`` names) and a temperature typed with its number —
"Tmax 39.1", "T 101.4", "temp 38.6C", "fever to 102F" — on a free-text problem, a visit's typed reason, a
note or an exam row's prose. PURE.

The measured temperature of a row is read in ``facts_flags``; this is the same fact written by hand
(docs/pathway-facts.md "Twelfth pass: infection and malignancy typed in words"). Each mention is judged by
its own clause (``facts_negation``: "denies fever", "no fevers, chills", "FHx", "return if fever"), and
never read when it names another disease called a fever (hay, scarlet, rheumatic fever, a fever blister, a
febrile seizure), when its clause makes it a condition to act on (a PRN sig "Tylenol PRN pain or fever",
"monitor for fever", "if febrile"), or when the temperature typed with it is below the threshold ("fever to
99.5"). A temperature is read only as a value ("Tmax 39.1", "T: 38.2", "temperature of 39"): a bound ("temp >
100.4") is how an instruction writes a threshold, and a value no body has ("T 12", a vertebra) is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import islice

from app.pathway.facts_measured import celsius, unit_key
from app.pathway.facts_negation import asserted_at, clause_start, phrase_around
from app.terminology import Coding, ValueSet

__all__ = ["FEVER_CONCEPT", "fever_in_words", "names_a_temperature"]

FEVER_CONCEPT = "fever"  # fever.json; its member 386661006 is displayed so: a typed temperature shows it
# Another disease named a fever, a sign that is not one ("fever blister"), or a fever denied by its prefix.
_OTHER_FEVER = re.compile(
    r"\b(?:hay|scarlet|rheumatic|q|dengue|yellow|typhoid|paratyphoid|enteric|valley|cat[\s-]+scratch"
    r"|rocky\s+mountain(?:\s+spotted)?|spotted|rat[\s-]+bite|relapsing|glandular|lassa|ebola|west\s+nile"
    r"|cabin|spring|milk|mediterranean|periodic|trench|tick|undulant|ha?emorrhagic|san\s+joaquin)"
    r"\s+fevers?\b|\bfever\s+(?:blisters?|sores?)\b|\bfebrile\s+(?:seizures?|convulsions?|fits?)\b"
    r"|\bnon-?\s*febrile\b", re.IGNORECASE)
# In the clause before the mention: a condition to act on, not a finding ("Tylenol 650 mg q6h PRN pain or
# fever", "monitor for fever", "call if febrile", "in case of fever").
_CONDITIONAL = re.compile(
    r"\b(?:prn|p\.r\.n|as\s+needed|if\s+needed|monitor(?:ing)?(?:\s+\w+)?\s+for|watch(?:ing)?\s+for"
    r"|in\s+case\s+of)\b|\bif\s+(?:\S+\s+){0,3}$", re.IGNORECASE)
# The items slashed to a fever in a review of systems ("/chills", "/night sweats"), bounded.
_SLASHED = re.compile(r"(?:\s*/\s*[a-z][a-z ]{0,20}?(?=\s*[/:,.;-]|\s*$)){1,4}", re.IGNORECASE)
# A temperature typed as a value: the words that name it, a connective, the number and its unit. Bounded
# and linear: no nested repetition, every run of spaces is followed by a literal.
_UNIT = r"(?:°\s*[cf]?|º\s*[cf]?|deg(?:rees?)?\.?\s*[cf]?|celsius|fahrenheit|centigrade|[cf])"
_TEMPERATURE = re.compile(
    r"\b(?:t|tmax|t-max|t\s+max|max\s+temp|temp|temps|temperature|temperatures|fevers?|febrile|pyrexia)"
    r"\s*(?:[:=(]\s*|(?:of|to|was|is|at|reaching|up\s+to|as\s+high\s+as|peaked\s+at|spiked\s+to|~)\s*)?"
    rf"(?P<value>\d{{2,3}}(?:[.,]\d{{1,2}})?)(?![\d.,]*\d)\s*(?P<unit>{_UNIT}(?![a-z]))?"
    r"(?!\s*(?:mg|mcg|ug|g|ml|l|mm|cm|kg|lbs?|%|mmhg|bpm|units?|iu)\b)",
    re.IGNORECASE)
_NO_SCALE = frozenset({"", "deg", "degree", "degrees"})  # a degree sign alone: the plausible range decides
# A real note names a fever a few times: past this many mentions of one text the rest are not weighed (the
# work per text stays bounded, as ``facts_named._MOST_MENTIONS`` bounds a named concept's).
_MENTIONS_READ = 16


def fever_in_words(value_set: ValueSet, texts: Iterable[str], threshold: float) -> tuple[str, Coding] | None:
    """(text, member) of the first of ``texts`` that types a fever: a name of ``fever.json`` its clause
    asserts, or a temperature of ``threshold`` °C or more."""
    for text in texts:
        for start, end, coding in islice(value_set.texts_named(text), _MENTIONS_READ):
            if _asserted(text, start, end) and not _below(text, start, threshold):
                return text, coding
        if any(ch.isdigit() for ch in text):
            for found in islice(_TEMPERATURE.finditer(text), _MENTIONS_READ):
                degrees = _degrees(found)
                if degrees is not None and degrees >= threshold and _asserted(text, *found.span()):
                    shown = value_set.match_text(FEVER_CONCEPT)
                    return (text, shown) if shown is not None else None
    return None


def _asserted(text: str, start: int, end: int) -> bool:
    """Not denied in its clause — with the items a review of systems slashes to it ("Fever/chills: no",
    "Fevers/chills/night sweats: denies") — not another fever, not a condition to act on."""
    slashed = _SLASHED.match(text, end)
    answered = slashed.end() if slashed is not None else end
    if not asserted_at(text, start, answered) or _OTHER_FEVER.search(phrase_around(text, start, end)):
        return False
    return _CONDITIONAL.search(text, clause_start(text, max(0, start - 160), start), start) is None


def _below(text: str, start: int, threshold: float) -> bool:
    """The mention is typed with its temperature and that is below ``threshold`` ("low-grade fever to
    99.5"): the number decides, as a measured temperature's does."""
    found = _TEMPERATURE.match(text, start)
    degrees = _degrees(found) if found is not None else None
    return degrees is not None and degrees < threshold


def _degrees(found: re.Match[str]) -> float | None:
    """°C of a typed temperature (``celsius``: the unit, else the plausible range)."""
    unit = found.group("unit")
    written = unit if unit is not None and unit_key(unit) not in _NO_SCALE else None  # "39°": no scale
    return celsius(float(found.group("value").replace(",", ".")), written)


# A row named for the body temperature in words only (a clinic's flowsheet row "Temp", "Tmax", "Oral temp",
# "TEMPERATURE (F)"), never a skin, room, water or device temperature, nor the row that says where or how
# it was taken ("Temp source": "Oral").
_TEMPERATURE_ROW = re.compile(
    r"^\W*(?:(?:body|oral|rectal|axillary|tympanic|temporal(?:\s+artery)?|core|max|highest|current)\s+)?"
    r"(?:temp|temperature|t\s*max|t-max|tmax)\b(?!\s*(?:source|site|method|route|location|device|probe"
    r"|comment|type))[^a-z]*(?:(?:oral|rectal|axillary|tympanic|temporal|ear|f|c|fahrenheit|celsius"
    r"|\(?[fc]\)?)\W*)*$", re.IGNORECASE)


def names_a_temperature(text: str | None, codings: Iterable[Coding]) -> bool:
    """Whether a row's text or one of its codings' displays names the body temperature (every row of a
    chart is asked: no tuple is built, and each name is looked up in the memo)."""
    if text and _named_row(text):
        return True
    return any(coding.display and _named_row(coding.display) for coding in codings)


@lru_cache(maxsize=4096)  # bounded: a site's row names recur; a long name is cut before it is kept
def _named_row(name: str) -> bool:
    return len(name) <= 80 and _TEMPERATURE_ROW.match(name) is not None
