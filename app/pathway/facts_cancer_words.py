"""Malignancy (PATHWAY.md §3, R8) written in words only: a free-text problem ("h/o breast ca", "Metastatic
lung cancer", "Multiple myeloma" with no code, as Oracle Health exports a free-text diagnosis, or under a
site's local code), a coded diagnosis whose code the value sets do not list but whose display names a
cancer ("Adenocarcinoma of lung"), a visit's, a referral's or a prescription's reason typed ("f/u metastatic
breast cancer"), the draft order's reason for exam ("hx prostate ca, r/o mets"), an intake row named
"History of cancer" answered Yes. PURE.

§2 reads a finding "wherever the chart holds it"; §3 names C00-C96 and Z85. ``facts_named`` asks this
module for the two cancer concepts, so the words are read in the one pass over the chart
(``facts_findings``), memoised by the words. The safe side (docs/pathway-facts.md "Tenth pass: malignancy as
oncology records show it"): a cancer found only makes imaging appropriate (R8 is a warning, never a defer).
A mention is not read when the words just before it negate it or give it to someone else ("no hx of
cancer", "family hx of breast cancer", "mother had breast cancer") or make it a screen, a risk or a fear
("colon cancer screening", "genetic susceptibility to malignant neoplasm"), nor when the words after it rule
it out ("cancer ruled out") or make it a test ("Cancer Ag 125"), nor when it is a non-melanoma skin cancer
(§3: basal cell carcinoma, "squamous cell carcinoma of skin", "skin cancer") or in situ ("DCIS"). "Rule out
malignancy" is the suspicion R8 answers, so it counts; "triple negative breast cancer" is a breast cancer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import islice
from typing import Final, TypeVar

from app.pathway.facts_match import MEMO_MAX_TEXT_CHARS

__all__ = ["CANCER_WORD_CONCEPTS", "cancer_in_words", "may_name_a_cancer", "remembered_words"]

_T = TypeVar("_T")

ACTIVE: Final = "cancer_active"
HISTORY: Final = "cancer_history"
CANCER_WORD_CONCEPTS: Final = frozenset({ACTIVE, HISTORY})

# Sites written before or after "ca" ("breast ca", "CA prostate"); "ca" alone is calcium or a state.
_SITES = (r"(?:breast|prostate|prostatic|lung|colon|colorectal|rectal|rectum|bladder|renal|kidney|thyroid"
          r"|pancreatic|pancreas|ovarian|ovary|cervical|cervix|endometrial|uterine|gastric|stomach|esophageal"
          r"|oesophageal|liver|hepatic|tongue|laryngeal|throat|oral|brain|bone|testicular|vulvar|anal|bowel"
          r"|metastatic|met|small\s+cell|nsclc)")
# A cancer's name: the words, the malignant tumours by type, the acronyms clinics type, and metastases
# ("mets to spine", "bone mets", "r/o mets"; "METs" alone is an exercise test's metabolic equivalents).
# Eleventh pass: "MM" in capitals, a problem list's multiple myeloma ("MM on Revlimid"; never "5 MM", a
# date's "MM/DD", "MM Hg"), and MGUS, the myeloma precursor ICD-10-CM codes D47.2 (counted since the eighth
# pass as a neoplasm of uncertain behaviour, the safe side).
_CANCER = re.compile(
    r"(?<![\w-])(?:cancers?|cancerous|carcinomas?|adenocarcinomas?|carcinomatosis|malignanc(?:y|ies)"
    r"|malignant\s+(?:neoplasms?|neoplastic|tumou?rs?|lesions?|mass|melanoma|lymphoma|ascites"
    r"|(?:pleural\s+)?effusion|cells?)"
    r"|melanomas?|lymphomas?|leuka?emias?|myelomas?|plasmacytomas?|\w*sarcomas?|mesothelioma"
    r"|glioblastoma|neuroblastoma|medulloblastoma|retinoblastoma|nephroblastoma|hepatoblastoma|glioma"
    r"|astrocytoma|oligodendroglioma|ependymoma|chordoma|seminoma|ewing'?s?|wilms'?s?|hodgkin'?s?"
    r"|waldenstr[oö]m'?s?|mycosis\s+fungoides|myelodysplas(?:tic|ia)|nsclc|sclc|cll|cml|aml|dlbcl"
    r"|mgus|monoclonal\s+gammopath(?:y|ies)|(?<![\d.]\s)(?-i:MM)(?![/:]|\s*hg\b)"
    r"|metastas[ie]s|metastatic(?!\s+(?:calcification|abscess|infection))"
    r"|(?:bone|bony|osseous|spine|spinal|vertebral|liver|hepatic|brain|lung|pulmonary|nodal|widespread"
    r"|diffuse)\s+mets|mets\s+(?:to|in)"
    r"|(?:r/o|rule\s+out|eval(?:uate)?(?:\s+for)?|concern\s+for|suspected|possible|known|with|w/)\s*mets"
    r"|(?:osteo)?(?:lytic|blastic)\s+(?:(?:bone|bony|osseous|vertebral|expansile|destructive)\s+)?"
    r"(?:lesions?|mass(?:es)?|foc(?:us|i)|metastas[ie]s|process))\b"
    rf"|\b{_SITES}\s+ca\b(?![\s.:-]*\d)|\bca\.?\s+(?:of\s+(?:the\s+)?)?{_SITES}\b",
    re.IGNORECASE)
_MELANOMA = re.compile(r"melanoma|merkel|metasta|\bmets\b", re.IGNORECASE)
_NOT_SKIN_TYPE = re.compile(r"sarcoma|lymphoma|leuka?emia|myeloma|mycosis", re.IGNORECASE)
# A non-melanoma skin cancer (§3 leaves it out): basal cell anywhere; a carcinoma, cancer or malignant
# neoplasm said to be of the skin or of a skin site, or called a skin cancer.
_SKIN = re.compile(
    r"\b(?:basal[\s-]+cell|bcc|rodent\s+ulcer|skin|cutaneous|scalp|face|facial|cheek|forehead|temple"
    r"|keratinocyte|non-?melanoma)\b", re.IGNORECASE)
# A lytic or blastic bone lesion (eleventh pass: a chest CT's "Lytic lesion in T8", a bone scan's "blastic
# foci") is read as the suspected cancer R8 answers — myeloma or a metastasis until shown otherwise — unless
# its words call it benign or name a benign kind ("likely hemangioma", "bone cyst").
_LESION = re.compile(r"lytic|blastic", re.IGNORECASE)
_BENIGN_LESION = re.compile(
    r"\b(?:benign|hemangioma|haemangioma|cyst|bone\s+island|enostosis|enchondroma|fibrous\s+dysplasia"
    r"|schmorl|degenerative|geode|non-?ossifying|fibroma|paget'?s?)\b", re.IGNORECASE)
_IN_SITU = re.compile(r"\b(?:in[\s-]+situ|dcis|lcis|cis|pre-?malignant|pre-?cancerous)\b", re.IGNORECASE)
# Just before a mention, in the same clause: a negation, a screen, a risk, a fear, a gene ("no hx of cancer",
# "colon cancer screening" is after, "genetic susceptibility to malignant neoplasm").
_NEGATED_BEFORE = re.compile(
    r"\b(?:no|not(?!\s+otherwise)|denies|denied|denying|negative\s+for|never|without|free\s+of|nor"
    r"|screen|screening|screened|risk|fear|anxiety|worry|worried|susceptibility|predisposition|prophylactic"
    r"|prophylaxis|prevention|hereditary|brca\d?|lynch)\b[\w\s/():'-]{0,30}$",
    re.IGNORECASE)
# Someone else's, across a list ("FH: breast cancer (mother), colon cancer (father)"); a spouse's, a
# partner's or a housemate's ("Husband had breast cancer"; twelfth pass); a relative, cousin, niece or
# nephew (an intake row "Relative with cancer": "Maternal aunt - ovarian"; twelfth pass, whole charts).
_PERSON = (r"family|familial|fh|fhx|fam|mother|father|mom|dad|sister|brother|aunt|uncle|grandmother"
           r"|grandfather|grandparents?|maternal|paternal|parents?|siblings?|son|daughter|wife|husband"
           r"|spouse|partner|boyfriend|girlfriend|roommate|housemate|relatives?|cousins?|nieces?|nephews?")
_SOMEONE_ELSE = re.compile(rf"\b(?:{_PERSON})\b[\w\s,/():'-]{{0,40}}$", re.IGNORECASE)
# The relative named right after the cancer, alone in brackets or ending the item, as family-history lists
# and intake answers write it: "Breast cancer (mother)", "Colon cancer - brother", "Prostate ca, father",
# "ovarian cancer (maternal aunt, 60s)" (twelfth pass, whole charts); never "cancer, mother of 3" nor
# "cancer, family at bedside", where the words go on about the patient.
_RELATIVE = (r"(?:(?:maternal|paternal)\s+)?(?:mother|father|mom|dad|sisters?|brothers?|aunts?|uncles?"
             r"|grand(?:mother|father|parent)s?|parents?|siblings?|sons?|daughters?|cousins?|nieces?"
             r"|nephews?|relatives?|wife|husband|spouse)")
_SOMEONE_ELSE_AFTER = re.compile(
    rf"\s*(?:\(\s*{_RELATIVE}\s*[),]|[-–:,]\s*{_RELATIVE}\s*(?:$|[,;.)]))", re.IGNORECASE)
# "no evidence of recurrent breast cancer", "no active malignancy": a cancer there was, a history.
_HAD_IT = re.compile(r"\b(?:recurren\w*|relaps\w*|residual|progression|active)\b", re.IGNORECASE)
# Just after a mention: ruled out, a screen, a risk, a test or a marker, a gene ("breast cancer gene"), or
# a row's own negative answer at the end ("Cancer: No"); "breast cancer, no recurrence" is a cancer.
_EXCLUDED_AFTER = re.compile(
    r"[\w\s,:;-]{0,20}?\b(?:ruled\s+out|r/o'?d|excluded|unlikely|not\s+(?:found|seen|present))\b"
    r"|[\s,:;-]{0,3}(?:no|none|neg|negative|denied|denies)\W*$"
    r"|[\s,:-]{0,3}(?:screen\w*|risks?|prevention|genes?|susceptibility|antigen|ag|markers?|phobia"
    r"|awareness|family)\b",
    re.IGNORECASE)
_HISTORY = re.compile(
    r"\b(?:h/o|hx|history|hist|s/p|status\s+post|remote|prior|previous|past|treated|survivor|remission"
    r"|resected|ned)\b", re.IGNORECASE)
_AROUND = 64  # how far the words before and after a mention are read: bounded, so long texts stay linear


def remembered_words(read: Callable[[str], _T]) -> Callable[[str], _T]:
    """``read`` remembered for ordinary-sized words (bounded like facts_match's memos): a site's problem
    names, visit types and order names recur on every call; a longer text is read each time."""
    remembered = lru_cache(maxsize=4096)(read)

    def reader(text: str) -> _T:
        return remembered(text) if len(text) <= MEMO_MAX_TEXT_CHARS else read(text)
    return reader


# Every name ``_CANCER`` reads holds one of these (or the word "ca"): a text without them is read by
# substring searches alone, so a chart of long texts names nothing at little cost.
_KEYS = ("cancer", "carcinom", "malignan", "melanom", "lymphom", "leukem", "leukaem", "myelom",
         "plasmacytom", "sarcom", "mesotheliom", "blastom", "gliom", "astrocytom", "ependymom", "chordom",
         "seminom", "ewing", "wilms", "hodgkin", "waldenstr", "fungoides", "myelodysplas", "sclc", "cll",
         "cml", "aml", "dlbcl", "metasta", "mets", "lytic", "blastic", "mgus", "gammopath")
_CA = re.compile(r"\bca\b", re.IGNORECASE)
# A text naming a cancer more often than this, every time negated, is read as naming none: the work per
# text stays bounded (a 4 kB problem of "no cancer, " over and over took 9 ms a read, three reads a call).
_MENTIONS_READ = 32


def may_name_a_cancer(text: str) -> bool:
    """False when ``text`` holds none of the words every cancer name holds (``_KEYS``, "ca"): then neither
    it nor any text made of it, spaces and numbers names a cancer."""
    folded = text.casefold()
    return any(key in folded for key in _KEYS) or ("ca" in folded and _CA.search(text) is not None) \
        or "MM" in text


@remembered_words
def cancer_in_words(text: str) -> str | None:
    """The cancer concept ``text`` names — ``cancer_history`` when it says so ("h/o", "s/p", "in
    remission"), else ``cancer_active`` — or None."""
    if not may_name_a_cancer(text):
        return None
    if not any(_counts(text, m) for m in islice(_CANCER.finditer(text), _MENTIONS_READ)):
        return None
    return HISTORY if _HISTORY.search(text) else ACTIVE


# The site or side written after a cancer's name ("Breast cancer of left breast (mother)"): skipped, so that
# the relative after it is still read as right after the mention.
_AFTER_NAME = re.compile(r"(?:\s+(?:of|in)(?:\s+(?:the|left|right))?\s+[a-z]+(?:\s+[a-z]+)?)?", re.IGNORECASE)


def _site_end(text: str, end: int, after: int) -> int:
    """Where the words naming the cancer's site end, after ``end`` (within ``after``)."""
    found = _AFTER_NAME.match(text, end, after)
    return found.end() if found is not None else end


def _counts(text: str, mention: re.Match[str]) -> bool:
    """A mention that is neither negated, someone else's, sought nor excluded, nor a skin or in-situ one."""
    start, end = mention.span()
    before, after = max(0, start - _AROUND), min(len(text), end + _AROUND)
    negation = _NEGATED_BEFORE.search(text, before, start)
    if negation is not None and _HAD_IT.search(text, negation.start(), start) is None:
        return False
    if _SOMEONE_ELSE.search(text, before, start) is not None or _EXCLUDED_AFTER.match(text, end, after) \
            or _SOMEONE_ELSE_AFTER.match(text, _site_end(text, end, after)):
        return False
    if _IN_SITU.search(text, before, after) is not None:
        return False
    if _LESION.search(mention.group(0)) and _BENIGN_LESION.search(text, before, after) is not None:
        return False
    skin = _SKIN.search(text, before, after) is not None and _MELANOMA.search(text, before, after) is None
    return not (skin and _NOT_SKIN_TYPE.search(mention.group(0)) is None)
