"""A therapy, an epidural injection or a spine specialist named only in words (PATHWAY.md §2 "conservative
care", "candidate"; docs/pathway-facts.md "Eighth pass: care, candidacy, prior imaging and surgery").

Epic, Oracle Health and athenahealth send referrals, visits and procedures under their own codes, with the
service's name as the display or ``code.text``: "AMB REFERRAL TO PHYSICAL THERAPY", "Ambulatory referral to
Neurosurgery", "Lumbar epidural steroid injection". Read by code alone, a patient six weeks into physical
therapy was told to "start conservative care" (R3a) and a patient referred to a spine surgeon was no
candidate (R3b instead of R2/R23). The words are read only where no coding is a member of the value set,
and each concept's words name the service itself: "PT" only beside "referral", "eval" or "visit" (a
patient's PT/INR is a clotting test), "PM&R" but never "PMR" (polymyalgia rheumatica), and a name that
says the service was declined, cancelled or not done names nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final

__all__ = ["service_from_text"]
LONGEST_NAME_REMEMBERED = 200


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


# Concept names as the value sets name them (physical_therapy.json, chiropractic.json …). One name may name
# two ("spine surgery referral for epidural injection"): the caller takes the first it reads.
_CONCEPTS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("epidural_injection", _words(r"EPIDURAL STEROID INJ\w*", r"EPIDURAL INJ\w*", r"ESI",
                                  r"TRANSFORAMINAL (?:EPIDURAL |STEROID |NERVE ROOT )*(?:INJ\w*|BLOCK)",
                                  r"INTERLAMINAR (?:EPIDURAL |STEROID )*INJ\w*", r"CAUDAL EPIDURAL\w*")),
    ("physical_therapy", _words(r"PHYSICAL THERAP(?:Y|IES|IST)", r"PHYSIOTHERAP(?:Y|IES|IST)", r"PHYSIO",
                                r"(?:REFERRAL|REFER|REF) TO PT", r"OUTPATIENT PT", r"OP PT",
                                r"PT (?:EVAL\w*|VISIT|REFERRAL|TREAT\w*|RE ?EVAL\w*)")),
    ("chiropractic", _words(r"CHIROPRACT\w*", r"SPINAL MANIPULATION")),
    ("osteopathic_manipulation", _words(r"OSTEOPATHIC MANIPULAT\w*", r"OSTEOPATH(?:Y|IC TREATMENT)?",
                                        r"OMT")),
    ("spine_specialty", _words(r"NEUROSURG\w*", r"NEUROLOGICAL SURGERY", r"SPINE SURG\w*", r"SPINAL SURG\w*",
                               r"ORTHOP(?:A)?EDIC\w*", r"ORTHO SPINE",
                               r"SPINE (?:CLINIC|CENTER|CENTRE|SPECIALIST)",
                               r"PAIN (?:MANAGEMENT|MEDICINE|CLINIC|MGMT|SPECIALIST|SERVICE)",
                               r"INTERVENTIONAL PAIN", r"PHYSIATR\w*", r"PHYSICAL MEDICINE", r"PM R",
                               r"REHABILITATION MEDICINE")),
)
# A name that says the service did not happen or was turned down is no service (a status may be missing).
_NOT_DONE: Final = _words(r"DECLINED", r"REFUSED", r"CANCEL+ED", r"NOT DONE", r"NOT INDICATED", r"NO SHOW",
                          r"DO NOT", r"DISCONTINUED")


def service_from_text(texts: Iterable[str], concepts: Iterable[str]) -> str | None:
    """The first of ``concepts`` (in ``_CONCEPTS`` order) the first text naming one of them names, or None."""
    wanted = frozenset(concepts)
    for text in texts:
        found = next((concept for concept in _read_once(text) if concept in wanted), None)
        if found is not None:
            return found
    return None


def _read_once(text: str) -> tuple[str, ...]:
    """Names repeat (an EHR's orderables and visit types), so each is read once; a name longer than any
    orderable's is read each time, never kept (a hostile 400 kB display)."""
    return _reading(text) if len(text) <= LONGEST_NAME_REMEMBERED else _read(_normalized(text))


@functools.lru_cache(maxsize=4096)
def _reading(text: str) -> tuple[str, ...]:
    return _read(_normalized(text))


def _normalized(text: str) -> str:
    """Upper case, punctuation as spaces ("PM&R" → "PM R", "Ortho-Spine" → "ORTHO SPINE"), one space between
    words."""
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text.upper()).split())


def _read(text: str) -> tuple[str, ...]:
    """Every concept the name names, in ``_CONCEPTS`` order; none when it says the service did not happen."""
    if _NOT_DONE.search(text):
        return ()
    return tuple(concept for concept, words in _CONCEPTS if words.search(text))
