"""A spine imaging order named only in words (PATHWAY.md §1, §6.4; docs/pathway-facts.md "Seventh pass: the
draft order").

EHRs send draft orders under their own procedure codes: an Epic EAP code or an Oracle Health orderable, with
the study's name as the display or ``code.text`` ("MRI LUMBAR SPINE WO CONTRAST", "MRI Spine Lumbar w/o
Contrast"), or with only ``code.text``. Read by code alone such an order is not spine imaging, so a cauda
equina patient's MRI got no card at all. The order is read from its words only when none of its codings is in
the value set, and only when the words name an imaging modality *and* the spine (a myelogram names the spine
by itself): "lumbar" alone (a lumbar puncture) or "MRI" alone is not enough, and a procedure done *under*
imaging (guided injection, biopsy, drainage), an angiogram, or a study of another body part beside the spine
(a trauma "CT head and C-spine", a chest CT with spine reformats), a referral or consult naming the spine,
or the reading of an outside study is not a spine study. The words are the
abbreviations order catalogues use (W/WO, W/O, L-spine); what they cannot say (region, contrast) stays
unknown, as for a generic code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from app.terminology.names import Remembered, normalized, words
from app.terminology.valuesets import Contrast, Modality, Region

__all__ = ["TextImaging", "contrast_from_text", "imaging_from_text"]

TextImaging = tuple[Region | None, Modality, Contrast | None]


# "MRI LUMBAR WO CONTRAST": lumbar names the spine by itself beside a modality (a lumbar puncture, drain or
# plexus is excluded below); "cervical" and "thoracic" alone do not (the cervix, the thorax).
# "L SP", "LSP", "CSP" (the catalogue's "spine" cut to two letters), "low back" and "scoliosis" (an entire
# spine series) name the spine too (docs/pathway-facts.md "Eleventh pass: fracture risk, trauma and age").
_SPINE: Final = words(r"SPINE", r"SPINAL", r"[CTL]S?SPINE", r"VERTEBRAL COLUMN", r"LUMBAR", r"LUMBOSACRAL",
                      r"[CTL] ?SP", r"LOW(?:ER)? BACK", r"SCOLIOSIS")
_NOT_A_SPINE_STUDY: Final = words(
    r"ANGIO\w*", r"MRA", r"MRV", r"CTA", r"VENOGRA\w*", r"GUIDED", r"GUIDANCE", r"BIOPS\w*", r"ASPIRAT\w*",
    r"DRAIN\w*", r"PLEXUS", r"ABLATION", r"KYPHOPLAST\w*", r"VERTEBROPLAST\w*", r"STIMULATOR", r"PUNCTURE",
    r"CHEST", r"ABDOMEN", r"ABD", r"PELVIS", r"HEAD", r"BRAIN", r"ORBITS?", r"FACE", r"HIPS?", r"KNEES?",
    r"SHOULDERS?",
    # not a new study: a referral or consult naming the spine, the reading of a study done elsewhere
    r"REFERRAL", r"REFER", r"CONSULT\w*", r"CLINIC", r"THERAPY", r"OUTSIDE", r"OVERREAD", r"SECOND OPINION",
)
# The sacrum, coccyx and SI joints are not the spine of §1: a study of them alone is not ours, one of the
# lumbar spine *and* them ("MRI LUMBAR SPINE AND SACRUM") is a lumbar study (as SNOMED CT's lumbar-and-SI
# joint MRI is, spine_imaging.json) — a cauda equina patient's order must get its card.
_SACRAL: Final = words(r"SACRUM", r"SACRAL", r"COCCYX", r"SACROILIAC", r"SI JOINTS?")
_LUMBAR: Final = words(r"LUMBAR", r"LUMBOSACRAL", r"LUMB", r"L ?S? ?SPINE", r"LS", r"L ?SP",
                       r"LOW(?:ER)? BACK")
_INJECTION: Final = words(r"INJECTIONS?", r"INJ", r"BLOCK")
# LOINC names a myelogram by its intrathecal contrast ("CT Lumbar spine W contrast IT", CODES.md §1d).
_MYELOGRAPHY: Final = words(r"MYELO(?:GRAM|GRAPHY|GRAPHIC)S?", r"CONTRAST IT", r"INTRATHECAL")
_CT: Final = words(r"CT", r"CAT SCAN", r"COMPUTED TOMOGRAPH\w*")
# Nuclear before CT and MRI: a "PET CT SPINE" or a "SPECT/CT" is a nuclear study (R15), not a CT (R13).
# Radiographs also by the DICOM modality a catalogue puts first ("DX L-SPINE", "CR LUMBAR SPINE"; not
# elsewhere, where "dx" is a diagnosis), by a count of views ("2-3V", "4V") or as a "series".
_MODALITIES: Final[tuple[tuple[Modality, re.Pattern[str]], ...]] = (
    (Modality.NUCLEAR, words(r"NM", r"BONE SCAN", r"SPECT", r"PET", r"SCINTIGRA\w*")),
    (Modality.MRI, words(r"MRI", r"MR", r"MRIS", r"MAGNETIC RESONANCE", r"NMR")),
    (Modality.CT, _CT),
    (Modality.XR, words(r"XR", r"X ?RAYS?", r"RADIOGRAPH\w*", r"PLAIN FILMS?", r"VIEWS?", r"^(?:DX|CR)",
                        r"\d ?VW?S?", r"SERIES")),
)
_REGIONS: Final[tuple[tuple[tuple[Region, ...], re.Pattern[str]], ...]] = (
    ((Region.LUMBAR,), _LUMBAR),
    ((Region.CERVICAL,), words(r"CERVICAL", r"CERV", r"C ?SPINE", r"C ?SP")),
    ((Region.THORACIC,), words(r"THORACIC", r"THOR", r"DORSAL", r"T ?SPINE", r"T ?SP")),
    ((Region.THORACIC, Region.LUMBAR), words(r"THORACOLUMBAR", r"T ?L ?SPINE")),
    ((Region.CERVICAL, Region.THORACIC), words(r"CERVICOTHORACIC", r"C ?T ?SPINE")),
    (tuple(Region), words(r"WHOLE", r"TOTAL", r"ENTIRE", r"COMPLETE SPINE", r"C ?T ?L ?SPINE")),
)
# Contrast is read only where the name speaks of it ("MRI L-spine with sedation" says nothing of contrast);
# both spellings in one name ("W WO", "W/WO", "with and without", "pre and post") mean without-and-with.
_SPEAKS_OF_CONTRAST: Final = words(r"CONTRAST", r"CNTRST", r"CONTR", r"CONT", r"CON", r"GAD\w*", r"IV",
                                    r"ENHANCED", r"UNENHANCED", r"NONENHANCED", r"NONCON", r"WO", r"W O",
                                    r"WWO")
_BOTH: Final = words(r"WWO", r"PRE AND POST", r"PRE POST")
_WITHOUT: Final = words(r"WO", r"W O", r"WITHOUT", r"W OUT", r"NON ?CONTRAST", r"NO CONTRAST", r"NONCON",
                         r"UNENHANCED", r"NON ?ENHANCED")
# The agent or "enhanced" named after a without ("WITHOUT GADOLINIUM", "W O GAD", "NON ENHANCED") is the
# without; it says "with" only on its own.
_WITHOUT_WORD = r"(?<!\bWITHOUT )(?<!\bW O )(?<!\bWO )(?<!\bNO )(?<!\bNON )"
_WITH: Final = words(r"W(?! O\b)(?! OUT\b)", r"WITH", r"CONTRAST ENHANCED", _WITHOUT_WORD + r"ENHANCED",
                      _WITHOUT_WORD + r"GADOLINIUM", _WITHOUT_WORD + r"GAD")
_CT_WORD: Final = words(r"CT")
_CONTRAST_MEANINGFUL: Final = frozenset({Modality.MRI, Modality.CT})
_STUDIES_BY_INJECTION: Final = frozenset({Modality.MYELOGRAPHY, Modality.CT_MYELOGRAPHY})


def imaging_from_text(texts: Iterable[str]) -> TextImaging | None:
    """Region, modality and contrast the first text naming a spine study says, or None (not ours)."""
    return next((found for text in texts if (found := _read_once(text)) is not None), None)


def contrast_from_text(texts: Iterable[str]) -> Contrast | None:
    """The contrast the first text speaking of contrast says: an order's ``orderDetail`` ("with and without
    contrast") beside a code that does not say (a generic "MRI of spine"), for R16/R17."""
    for text in map(normalized, texts):
        if _SPEAKS_OF_CONTRAST.search(text):
            return _contrast(text)
    return None


def _read(text: str) -> TextImaging | None:
    modality = _modality(text)
    if modality is None or _NOT_A_SPINE_STUDY.search(text):
        return None
    if _SACRAL.search(text) and not _LUMBAR.search(text):
        return None
    if modality not in _STUDIES_BY_INJECTION and not _SPINE.search(text):
        return None  # a myelogram images the spinal canal whatever else its name says
    if modality not in _STUDIES_BY_INJECTION and _INJECTION.search(text):
        return None  # an injection under imaging, not a study; myelography is a study done by injection
    speaks = modality in _CONTRAST_MEANINGFUL and _SPEAKS_OF_CONTRAST.search(text) is not None
    contrast = _contrast(text) if speaks else None
    return _region(text), modality, contrast


def _modality(text: str) -> Modality | None:
    """Myelography first (a "CT myelogram" is CT myelography, R14, not CT); else the first modality named in
    the table's order, MRI before CT: two named ("MRI/CT lumbar spine") is read as MRI, which no R13
    "prefer MRI" card then contradicts."""
    if _MYELOGRAPHY.search(text):
        return Modality.CT_MYELOGRAPHY if _CT.search(text) else Modality.MYELOGRAPHY
    return next((modality for modality, words in _MODALITIES if words.search(text)), None)


def _region(text: str) -> Region | None:
    """One region, or None when the words name none or more than one (a whole-spine study), as a code
    naming two regions is read (spine_imaging.json). The modality word CT is not read as the letters of a
    region: "CT L-SPINE" is a lumbar CT, not a "C-T-L" whole spine."""
    text = _CT_WORD.sub(" ", text)
    named = {region for regions, words in _REGIONS if words.search(text) for region in regions}
    return named.pop() if len(named) == 1 else None


def _contrast(text: str) -> Contrast | None:
    without, with_ = _WITHOUT.search(text) is not None, _WITH.search(text) is not None
    if (without and with_) or _BOTH.search(text):
        return Contrast.WITHOUT_AND_WITH
    if without:
        return Contrast.WITHOUT
    return Contrast.WITH if with_ else None


# What one order name says; names repeat (an EHR's orderables), so each is read once (``names.Remembered``).
_read_once: Final = Remembered(_read)
