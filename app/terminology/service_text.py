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

import re
from collections.abc import Iterable
from typing import Final

from app.terminology.names import Remembered, words
from app.terminology.valuesets import Region

__all__ = ["service_from_text", "spine_surgery_from_text"]


# Concept names as the value sets name them (physical_therapy.json, chiropractic.json …). One name may name
# two ("spine surgery referral for epidural injection"): the caller takes the first it reads.
_CONCEPTS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("epidural_injection", words(r"EPIDURAL STEROID INJ\w*", r"EPIDURAL INJ\w*", r"(?:TF|IL|L|C|T)?ESIS?",
                                  # a selective nerve root block is billed as a transforaminal epidural
                                  r"SELECTIVE NERVE ROOT BLOCKS?", r"SNRBS?",
                                  r"INJ\w* (?:OF )?(?:\w+ ){0,3}INTO (?:THE )?EPIDURAL SPACE",
                                  r"TRANSFORAMINAL (?:EPIDURAL |STEROID |NERVE ROOT )*(?:INJ\w*|BLOCK)",
                                  r"INTERLAMINAR (?:EPIDURAL |STEROID )*INJ\w*", r"CAUDAL EPIDURAL\w*")),
    ("physical_therapy", words(r"PHYSICAL THERAP(?:Y|IES|IST)", r"PHYSIOTHERAP(?:Y|IES|IST)", r"PHYSIO",
                                r"(?:REFERRAL|REFER|REF) TO PT", r"OUTPATIENT PT", r"OP PT",
                                r"PT (?:EVAL\w*|VISIT|REFERRAL|TREAT\w*|RE ?EVAL\w*|SESSIONS?|TX|DAILY\w*)",
                                r"PT (?:AND )?OT", r"PT INITIAL EVAL\w*", r"P T (?:EVAL\w*|VISIT|REFERRAL)",
                                r"PHYS(?:ICAL)? THER\w*",
                                # the therapy's own CPT names (97110, 97140, 97112, 97530) under a local code
                                r"THERAPEUTIC EXERCISES?", r"THER EX", r"MANUAL THERAPY",
                                r"NEUROMUSCULAR RE ?EDUCATION", r"THERAPEUTIC ACTIVIT(?:Y|IES)")),
    ("chiropractic", words(r"CHIROPRACT\w*", r"SPINAL MANIPULATION", r"SPINAL ADJUSTMENTS?",
                           r"CHIRO (?:ADJUST\w*|VISIT|TREAT\w*|REFERRAL|EVAL\w*)")),
    ("osteopathic_manipulation", words(r"OSTEOPATHIC MANIPULAT\w*", r"OSTEOPATH(?:Y|IC TREATMENT)?",
                                        r"OMT")),
    ("spine_specialty", words(r"NEUROSURG\w*", r"NEUROLOGICAL SURGERY", r"SPINE SURG\w*", r"SPINAL SURG\w*",
                               r"ORTHO SPINE", r"SPINE (?:CLINIC|CENTER|CENTRE|SPECIALIST)",
                               r"PAIN (?:MEDICINE|CLINIC|SPECIALIST|SERVICE)", r"INTERVENTIONAL PAIN")),
)
# Words that name a spine specialty only as a referral or a visit to it: an "orthopedic brace", a "pain
# management agreement" or "physical medicine modalities" is no specialist seen; a PM&R physician
# (PATHWAY.md §2 candidacy) also not when the name is of a therapy its department gives ("Physical Medicine
# & Rehab - Physical Therapy" is physical therapy, not a physiatrist's consult).
_SPECIALTY_IF_SEEN: Final = words(r"ORTHOP(?:A)?EDIC\w*", r"ORTHO", r"PAIN MANAGEMENT", r"PAIN MGMT",
                                   r"PHYSIATR\w*", r"PHYSICAL MEDICINE", r"PM R", r"REHABILITATION MEDICINE")
_SEEN: Final = words(r"REFER\w*", r"REF", r"CONSULT\w*", r"CLINIC", r"SERVICE", r"VISIT", r"NEW PATIENT",
                      r"SPECIALIST", r"SURG\w*", r"APPOINTMENT", r"APPT", r"OFFICE", r"FOLLOW ?UP",
                      r"EVAL\w*")
_THERAPIES: Final = frozenset({"physical_therapy", "chiropractic", "osteopathic_manipulation"})
# A name that says the service did not happen or was turned down is no service (a status may be missing).
_NOT_DONE: Final = words(r"DECLINED", r"REFUSED", r"CANCEL+ED", r"NOT DONE", r"NOT INDICATED", r"NO SHOW",
                          r"DO NOT", r"DISCONTINUED")


def service_from_text(texts: Iterable[str], concepts: Iterable[str], *, visit: bool = False) -> str | None:
    """The first of ``concepts`` (in ``_CONCEPTS`` order) the first text naming one of them names, or None.
    ``visit``: the texts name a visit (an Encounter's type), so "Orthopedics" alone is a specialist seen."""
    wanted = frozenset(concepts)
    for text in texts:
        named = _read_once(f"{text} visit" if visit else text)
        found = next((concept for concept in named if concept in wanted), None)
        if found is not None:
            return found
    return None


# Epic visit types abbreviate *patient* as "PT": "NEW PT VISIT", "EST PT 15", "RETURN PT" are no therapy.
_PATIENT_PT: Final = re.compile(r"\b(NEW|EST|ESTAB|ESTABLISHED|RETURN|RETURNING|RET) PT\b")


def _read(text: str) -> tuple[str, ...]:
    """Every concept the name names, in ``_CONCEPTS`` order; none when it says the service did not happen.
    A new or established *patient* ("NEW PT VISIT") is read as the patient it is, not as physical therapy."""
    if _NOT_DONE.search(text):
        return ()
    text = _PATIENT_PT.sub(r"\1 PATIENT", text)
    found = tuple(concept for concept, words in _CONCEPTS if words.search(text))
    seen = _SPECIALTY_IF_SEEN.search(text) is not None and _SEEN.search(text) is not None
    if seen and "spine_specialty" not in found and _THERAPIES.isdisjoint(found):
        return (*found, "spine_specialty")
    return found


# A spine operation by its name (athenahealth's surgical history, a problem-list "History of L4-5
# laminectomy", an Epic inpatient procedure under its own code): these operations are on the spine by name;
# a fusion, a decompression or a disc replacement only when the name also names the spine.
_SPINE_OPERATION: Final = words(
    r"(?:HEMI|MICRO)?LAMINECTOM\w*", r"LAMINOTOM\w*", r"LAMINOPLAST\w*", r"(?:MICRO)?DIS[CK]ECTOM\w*",
    r"FORAMINOTOM\w*", r"CORPECTOM\w*", r"ACDF", r"[ALPTXOL]LIF", r"FAILED BACK", r"POST ?LAMINECTOMY",
    # "H/O lumbar spine surgery", "History of back surgery": the operation unnamed, the spine named. Never
    # "cervical", "thoracic" or "neck" surgery alone (the cervix, the chest, the thyroid).
    r"(?:SPINE|SPINAL|BACK|LUMBAR|LUMBOSACRAL) (?:SURG\w*|OPERATIONS?)",
)
_SPINE_IF_NAMED: Final = words(r"FUSION", r"ARTHRODESIS", r"DECOMPRESSION",
                                r"DIS[CK] (?:REPLACEMENT|ARTHROPLASTY)")
_SPINE_NAMED: Final = words(r"SPINE", r"SPINAL", r"VERTEBRA\w*", r"INTERBODY", r"LUMBAR", r"LUMBOSACRAL",
                             r"CERVICAL", r"THORACIC", r"[LCT]\d{1,2}")
# An operation only considered or booked ("candidate for lumbar fusion", "decompression recommended") has
# not been done: it is no prior surgery (R11/R21), though a referral for it may make a candidate.
_NOT_YET: Final = words(r"CANDIDATE", r"RECOMMEND\w*", r"PLANNED", r"SCHEDULED", r"CONSIDER\w*", r"PENDING",
                         r"EVAL\w*", r"REFERRAL", r"CONSULT\w*", r"DISCUSS\w*", r"POSSIBLE", r"NEEDS?",
                         # nor one denied, or a place ("Spine Surgery Clinic"), which names no operation
                         r"NO (?:\w+ ){0,3}(?:SURG\w*|OPERATIONS?)", r"NONE", r"DENIES", r"NEVER", r"CLINIC",
                         r"CENT(?:ER|RE)",
                         # nor one being prepared ("Preoperative clearance for L4-5 laminectomy")
                         r"PRE ?OP\w*", r"CLEARANCE", r"AWAITING", r"UPCOMING", r"WAIT(?:ING)? ?LIST\w*",
                         r"DEFERRED", r"PLAN", r"REFERRED", r"CONSENT\w*", r"TO BE")
# The back is not the neck: a "back surgery" (or a failed back) was on the lumbar or thoracic spine.
_BACK = r"(?:BACK (?:SURG\w*|OPERATIONS?)|FAILED BACK)"
_SURGERY_REGIONS: Final[tuple[tuple[Region, re.Pattern[str]], ...]] = (
    (Region.LUMBAR, words(r"LUMBAR", r"LUMBOSACRAL", r"L[1-5]", r"L SPINE", _BACK)),
    (Region.CERVICAL, words(r"CERVICAL", r"C[1-7]", r"ACDF", r"C SPINE")),
    (Region.THORACIC, words(r"THORACIC", r"T(?:[1-9]|1[0-2])", r"T SPINE", _BACK)),
)


def spine_surgery_from_text(texts: Iterable[str]) -> frozenset[Region] | None:
    """The regions the first name of a spine operation names (empty: the region is not said), or None when
    no text names one. A thoracolumbar fusion "T10-L2" names both regions."""
    return next((found for text in texts if (found := _operation_once(text)) is not None), None)


def _operation_read(text: str) -> frozenset[Region] | None:
    named = _SPINE_OPERATION.search(text) or (_SPINE_IF_NAMED.search(text) and _SPINE_NAMED.search(text))
    if not named or _NOT_DONE.search(text) or _NOT_YET.search(text):
        return None
    return frozenset(region for region, words in _SURGERY_REGIONS if words.search(text))


# Names repeat (orderables, visit types, surgical histories): each is read once (``names.Remembered``).
_read_once: Final = Remembered(_read)
_operation_once: Final = Remembered(_operation_read)
