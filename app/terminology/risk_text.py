"""An infection risk factor named only in words (PATHWAY.md §3 v2 infection; docs/pathway-facts.md "Tenth
pass: injection drug use, bacteraemia and recent spinal procedures"). PURE.

Epic, Oracle Health and athenahealth send procedures, completed orders and visit types under their own
codes, with the service's name as ``code.text`` or a display: "L4-5 ESI", "Bilateral L4-5 facet joint
injection", "PICC line placement", "Hemodialysis". Read by code alone, a patient with a raised CRP and an
epidural injection last month was deferred (R1). A name is read only for a record none of whose codings is a
member of the procedure value sets (a coded record is read by its code), never when it says the procedure
was not done ("declined", "cancelled"), and the risk factor still needs a raised ESR or CRP (R7): reading
one more name can only turn a defer into R7, never hide a red flag.

* A spinal procedure or injection: an epidural injection (``service_text``'s words, shared with
  conservative care), a spine operation (``spine_surgery_from_text``, shared with prior surgery), and the
  needles and instruments into a facet joint, a disc, a vertebra or the spinal canal named below.
* Haemodialysis or an indwelling vascular catheter: a dialysis session, a central line, PICC or port.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import islice
from typing import Final

from app.terminology.names import LONGEST_NAME_REMEMBERED, Remembered, normalized, words
from app.terminology.service_text import service_from_text, spine_surgery_from_text

__all__ = ["done_in_words", "risk_from_words"]

# Needles and instruments into the spine beyond an epidural injection and an operation (spinal_procedure.json
# by name): facet and medial branch procedures, nerve root blocks, the abbreviations of epidural injections
# that ``service_text`` does not read (TFESI, ILESI, CESI), vertebral augmentation, a lumbar puncture, a
# discogram, a stimulator or an intrathecal pump.
_SPINAL: Final = words(
    r"FACET(?: JOINT)? (?:INJ\w*|BLOCK\w*)", r"(?:\w+ )?MEDIAL BRANCH (?:BLOCK\w*|NERVE BLOCK\w*|RFA)",
    r"(?:SELECTIVE )?NERVE ROOT BLOCK\w*", r"SNRB", r"MBB", r"TFESI", r"ILESI", r"CESI", r"LESI", r"CTESI",
    r"RADIOFREQUENCY (?:ABLATION|NEUROTOMY|RHIZOTOMY)(?: OF)? (?:\w+ ){0,3}(?:FACET|MEDIAL BRANCH|LUMBAR"
    r"|CERVICAL|THORACIC)\w*", r"RHIZOTOMY", r"KYPHOPLAST\w*", r"VERTEBROPLAST\w*", r"LUMBAR PUNCTURE",
    r"SPINAL TAP", r"DISCOGRA\w*", r"DISKOGRA\w*", r"SPINAL CORD STIMULATOR\w*",
    r"INTRATHECAL (?:PUMP|CATHETER)", r"MYELOGRA\w*",
    r"LP", r"EPIDURAL(?! ABSCESS)",  # twelfth pass: "s/p LP", "after epidural" (a blood patch, a labour one)
)
_LINE: Final = words(
    r"PICC", r"CENTRAL (?:VENOUS )?(?:LINE|CATHETER|ACCESS)", r"CVC", r"PORT A CATH", r"PORTACATH",
    r"MEDIPORT", r"(?:CHEST |IMPLANTED |INFUSION |POWER )PORT", r"PORT (?:PLACEMENT|INSERTION)",
    r"TUNNEL+ED (?:LINE|CATHETER)", r"HICKMAN", r"PERMCATH", r"DIALYSIS CATHETER", r"(?:HEMO|HAEMO)DIALYSIS",
    r"DIALYSIS",
)
# A name that says the procedure did not happen is none (a status may be missing).
_NOT_DONE: Final = words(r"DECLINED", r"REFUSED", r"CANCEL+ED", r"NOT DONE", r"NO SHOW", r"DO NOT",
                          r"DISCONTINUED", r"NOT PERFORMED", r"DEFERRED")


def risk_from_words(texts: Iterable[str | None]) -> tuple[str, str] | None:
    """The procedure concept the first text naming one names (``spinal_procedure``, or
    ``vascular_access_procedure`` for dialysis or a line) with that text, or None."""
    for text in texts:
        finding = _read_once(text) if text else None
        if finding is not None and text:
            return finding, text
    return None


def _read(name: str) -> str | None:
    if _NOT_DONE.search(name):
        return None
    if _SPINAL.search(name) or service_from_text((name,), ("epidural_injection",)) is not None:
        return "spinal_procedure"
    if _LINE.search(name):
        return "vascular_access_procedure"
    return "spinal_procedure" if spine_surgery_from_text((name,)) is not None else None


# Names repeat (a site's procedure catalogue, visit types): each is read once (``names.Remembered``).
_read_once: Final = Remembered(_read)


# A procedure typed as done (twelfth pass): a past marker, then the words up to the end of the phrase — "s/p
# L4-5 ESI last week", "after epidural 2 wks ago", "recent LP", "underwent kyphoplasty". A plan ("consider
# ESI", "referred for ESI") has no past marker. Linear: one marker, then a bounded run of phrase characters.
_DONE: Final = re.compile(
    r"\b(?:s/p|status\s+post|after|post|following|recent(?:ly)?|underwent|had|received|got)\s+"
    r"(?:(?:an?|the|his|her|their)\s+)?([^,;.()\n]{1,60})", re.IGNORECASE)
# An operation counts only when the words say it was recent: an "s/p L4-5 fusion" typed into every visit's
# history for years is no procedure of the last 90 days. A year or "years ago" says none was.
_RECENT: Final = re.compile(
    r"\b(?:recent(?:ly)?|\d+\s*(?:days?|d|wks?|weeks?|w)\s+ago|last\s+week|yesterday|pod\s*#?\s*\d+"
    r"|post-?op(?:erative)?\s+day)\b", re.IGNORECASE)
_LONG_AGO: Final = re.compile(r"\b(?:19|20)\d\d\b|\b(?:years?|yrs?|decades?)\s+ago\b|\bremote\b",
                              re.IGNORECASE)
_MARKERS_READ = 16  # a text's past markers weighed at most: the work per text stays bounded


def done_in_words(text: str) -> tuple[str, int, int] | None:
    """The procedure concept (``spinal_procedure``, ``vascular_access_procedure``) of the first procedure
    ``text`` types as done, with the span of its marker and words (for the caller's negation), or None.
    Remembered for ordinary-sized texts: a chart's reasons and notes are read on every call."""
    return _done_once(text) if len(text) <= LONGEST_NAME_REMEMBERED else _done(text)


@lru_cache(maxsize=4096)  # bounded: only texts of at most LONGEST_NAME_REMEMBERED characters are kept
def _done_once(text: str) -> tuple[str, int, int] | None:
    return _done(text)


def _done(text: str) -> tuple[str, int, int] | None:
    for found in islice(_DONE.finditer(text), _MARKERS_READ):
        phrase = found.group(1)
        concept = _read_once(phrase)
        if concept is None or _LONG_AGO.search(phrase):
            continue
        name = normalized(phrase)
        operation = not _SPINAL.search(name) and not _LINE.search(name) \
            and service_from_text((phrase,), ("epidural_injection",)) is None
        if not operation or _RECENT.search(found.group(0)):
            return concept, found.start(), found.end()
    return None
