"""ESR and CRP rows named in words only (PATHWAY.md §3 R7, R7b, R8): a small clinic's CSV-to-FHIR
conversion or an HIE feed sends its laboratory columns as Observations whose code is the column's header
("Sed Rate (ESR)", "CRP", "C-reactive protein, hs") or a local code with that display, never LOINC 4537-7
or 1988-5. A 62-year-old's ESR of 55 in such a row was no marker, and R9 deferred the MRI that R8 calls for
(docs/pathway-facts.md §11 "Twelfth pass: whole charts where facts meet"). PURE.

A row is read only when its whole name is the test's name (a panel's "CRP/albumin ratio", a "Sed rate
comment" or an "ESR reference range" is not the value), and only when the row carries no LOINC code (a
LOINC-coded row is read by its code: one of another test keeps its own meaning).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from app.terminology import LOINC, Coding, canonical_system

__all__ = ["marker_named"]

_ESR = re.compile(
    r"^\W*(?:(?:erythrocyte\s+)?sed(?:imentation)?\.?\s*rate|esr|westergren(?:\s+sed\w*\s+rate)?)"
    r"(?:\W*(?:\(?\s*(?:esr|westergren|wintrobe|automated|manual)\s*\)?|mm\s*/\s*h(?:r|our)?))*\W*$",
    re.IGNORECASE)
_CRP = re.compile(
    r"^\W*(?:(?:hs|high[-\s]sensitivity|cardiac)\W*)?(?:crp|c\W*reactive\s+protein)"
    r"(?:\W*(?:\(?\s*(?:crp|hs-?crp|hs|high[-\s]sensitivity|quant\w*|serum|cardiac|mg\s*/\s*[dl]l?)\s*\)?))*"
    r"\W*$", re.IGNORECASE)


def marker_named(text: str | None, codings: Iterable[Coding]) -> str | None:
    """``esr`` or ``crp`` when the row's text or a local coding's display names that test alone; None when
    it names neither, or the row has a LOINC code (read by its code or not at all)."""
    codings = tuple(codings)
    if any(canonical_system(coding.system) == LOINC for coding in codings if coding.system):
        return None
    for name in (text, *(coding.display for coding in codings)):
        found = _named(name) if name else None
        if found is not None:
            return found
    return None


@lru_cache(maxsize=4096)  # bounded: a site's column headers recur
def _named(name: str) -> str | None:
    if len(name) > 60:
        return None
    if _ESR.match(name):
        return "esr"
    return "crp" if _CRP.match(name) else None
